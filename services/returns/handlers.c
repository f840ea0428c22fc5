/*
 * handlers.c - one short function per returns method. The runtime has
 * checked the envelope, token, role, deadline and params schema.
 */
#include <string.h>

#include "json.h"
#include "returns.h"

void returns_policy_method(kefu_call *call)
{
    int64_t version;
    const returns_policy *p = returns_store_policy(kefu_call_service(call), &version);
    cJSON *out = cJSON_CreateObject();

    cJSON_AddNumberToObject(out, "version", (double)version);
    cJSON_AddItemToObject(out, "policy", returns_policy_to_json(p));
    kefu_call_reply_ok(call, out);
}

/* A date param (the schema checked its form). */
static kefu_date date_param(const cJSON *params, const char *key)
{
    const char *s = kefu_json_str(params, key);
    kefu_date d = {0, 0, 0};
    kefu_date_parse(s, strlen(s), &d);
    return d;
}

void returns_check_warranty(kefu_call *call)
{
    const cJSON *p = kefu_call_params(call);
    const returns_policy *policy = returns_store_policy(kefu_call_service(call), NULL);
    const char *component = kefu_json_str(p, "component");
    const char *condition = kefu_json_str(p, "condition");
    kefu_date on = kefu_json_get(p, "on_date")
                       ? date_param(p, "on_date")
                       : kefu_time_to_date(kefu_call_now(call), returns_policy_tz_minutes(policy));
    returns_evaluation e;
    kefu_error err;
    cJSON *out;
    char text[11];

    if (returns_evaluate(policy, kefu_json_str(p, "category"), component,
                         date_param(p, "production_date"), condition, on, &e,
                         &err) != KEFU_STATUS_OK) {
        kefu_call_reply_err(call, &err);
        return;
    }
    out = returns_evaluation_to_json(&e);
    cJSON_AddStringToObject(out, "category", kefu_json_str(p, "category"));
    cJSON_AddItemToObject(out, "component",
                          component ? cJSON_CreateString(component) : cJSON_CreateNull());
    kefu_date_format(on, text);
    cJSON_AddStringToObject(out, "on_date", text);
    kefu_call_reply_ok(call, out);
}

void returns_reload_policy(kefu_call *call)
{
    returns_store_reload(call);
}
