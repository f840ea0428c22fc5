/*
 * handlers.c - the complaints methods that read or change one complaint.
 * The runtime has checked the envelope, token, role, deadline and params
 * schema; the store scripts check existence, scope, version and status.
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "complaints.h"
#include "json.h"
#include "params.h"

/* The id param, or NULL after replying INVALID_ARGUMENT. */
static const char *id_param(kefu_call *call)
{
    const char *id = kefu_json_str(kefu_call_params(call), "id");

    if (!complaints_id_valid(id)) {
        kefu_call_reply_error(call, KEFU_STATUS_INVALID_ARGUMENT, "id",
                              "params.id: must look like C2026-000001");
        return NULL;
    }
    return id;
}

/* expected_version as text, "" when absent. */
static void version_param(kefu_call *call, char out[24])
{
    kefu_param_int_text(call, "expected_version", NULL, out);
}

/* An optional string param as JSON text ("null" when absent). Caller frees. */
static char *json_or_null(const cJSON *params, const char *key)
{
    const cJSON *v = kefu_json_get(params, key);
    return v ? cJSON_PrintUnformatted(v) : strdup("null");
}

void complaints_create(kefu_call *call)
{
    const cJSON *p = kefu_call_params(call);
    const char *intake = kefu_json_str(kefu_json_get(p, "received_by"), "department");
    complaints_create_args a;

    /* Staff record complaints for their own departments only. */
    if (!kefu_principal_sees(kefu_call_principal(call), intake)) {
        kefu_call_reply_error(call, KEFU_STATUS_PERMISSION_DENIED, "received_by.department",
                              "params.received_by.department: not one of your departments");
        return;
    }
    if (complaints_create_args_build(&a, p, kefu_call_now(call), kefu_call_tz(call)))
        complaints_store_run(call, COMPLAINTS_CREATE, a.argc, a.argv, NULL, NULL);
    else
        kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "out of memory");
    complaints_create_args_free(&a);
}

void complaints_get(kefu_call *call)
{
    const char *id = id_param(call);
    if (id)
        complaints_store_run(call, COMPLAINTS_GET, 1, &id, NULL, NULL);
}

void complaints_history(kefu_call *call)
{
    const char *id = id_param(call);
    if (id)
        complaints_store_run(call, COMPLAINTS_HISTORY, 1, &id, NULL, NULL);
}

void complaints_assign(kefu_call *call)
{
    const cJSON *p = kefu_call_params(call);
    const char *id = id_param(call), *due_at = kefu_json_str(p, "due_at");
    const char *reason = kefu_json_str(p, "reason");
    const cJSON *days = kefu_json_get(p, "due_in_days");
    kefu_ms now = kefu_call_now(call), due = 0;
    int tz = kefu_call_tz(call);
    char version[24], due_text[32] = "", due_ms[24] = "", *owner;
    complaints_due_candidates c;
    int64_t d;

    if (!id)
        return;
    if (due_at && days) {
        kefu_call_reply_error(call, KEFU_STATUS_INVALID_ARGUMENT, "due_in_days",
                              "params.due_in_days: give due_at or due_in_days, not both");
        return;
    }
    if (due_at) {
        kefu_time_parse_rfc3339(due_at, strlen(due_at), &due);
        if (due <= now) {
            kefu_call_reply_error(call, KEFU_STATUS_INVALID_ARGUMENT, "due_at",
                                  "params.due_at: must be in the future");
            return;
        }
    } else if (kefu_json_int(days, &d)) {
        due = now + d * 86400000LL;
    }
    if (due) {
        kefu_time_format_rfc3339(due, tz, due_text);
        snprintf(due_ms, sizeof(due_ms), "%lld", (long long)due);
    }
    complaints_due_candidates_at(now, tz, &c);
    version_param(call, version);
    owner = json_or_null(p, "owner");
    const char *args[13] = {
        id, version, kefu_json_str(p, "department"), owner, due_text, due_ms, reason ? reason : ""};
    complaints_store_run(call, COMPLAINTS_ASSIGN, complaints_due_candidates_args(&c, args, 7), args,
                         NULL, NULL);
    cJSON_free(owner);
}

void complaints_resolve(kefu_call *call)
{
    const cJSON *p = kefu_call_params(call);
    const char *id = id_param(call);
    static const char *const keys[] = {"root_cause",        "correction",  "corrective_action",
                                       "preventive_action", "resolved_by", NULL};
    char version[24], when[32], followup_on[16], *text;
    cJSON *res;

    if (!id)
        return;
    res = cJSON_CreateObject();
    for (int i = 0; keys[i]; i++) {
        const cJSON *v = kefu_json_get(p, keys[i]);
        cJSON_AddItemToObject(res, keys[i], v ? cJSON_Duplicate(v, true) : cJSON_CreateNull());
    }
    kefu_time_format_rfc3339(kefu_call_now(call), kefu_call_tz(call), when);
    cJSON_AddStringToObject(res, "resolved_at", when);
    text = cJSON_PrintUnformatted(res);
    cJSON_Delete(res);
    version_param(call, version);
    complaints_followup_date(kefu_call_now(call), kefu_call_tz(call), followup_on);
    const char *args[] = {id, version, text ? text : "null", followup_on};
    complaints_store_run(call, COMPLAINTS_RESOLVE, 4, args, NULL, NULL);
    cJSON_free(text);
}

void complaints_link_return(kefu_call *call)
{
    const cJSON *p = kefu_call_params(call);
    const char *id = id_param(call);
    char customer[KEFU_ID_TEXT_SIZE];

    if (!id)
        return;
    kefu_json_id_text(kefu_json_get(p, "customer_id"), customer); /* "" when not given */
    const char *args[3] = {id, kefu_json_str(p, "return_id"), customer};
    complaints_store_run(call, COMPLAINTS_LINK_RETURN, 3, args, NULL, NULL);
}

void complaints_confirm(kefu_call *call)
{
    const cJSON *p = kefu_call_params(call);
    const char *id = id_param(call);
    bool satisfied = cJSON_IsTrue(kefu_json_get(p, "satisfied"));
    char version[24], when[32], *text;
    complaints_due_candidates c;
    cJSON *conf;

    if (!id)
        return;
    conf = cJSON_CreateObject();
    cJSON_AddBoolToObject(conf, "satisfied", satisfied);
    cJSON_AddItemToObject(conf, "rating",
                          kefu_json_get(p, "rating")
                              ? cJSON_Duplicate(kefu_json_get(p, "rating"), true)
                              : cJSON_CreateNull());
    cJSON_AddItemToObject(conf, "comment",
                          kefu_json_get(p, "comment")
                              ? cJSON_Duplicate(kefu_json_get(p, "comment"), true)
                              : cJSON_CreateNull());
    cJSON_AddStringToObject(conf, "confirmed_by", kefu_json_str(p, "confirmed_by"));
    kefu_time_format_rfc3339(kefu_call_now(call), kefu_call_tz(call), when);
    cJSON_AddStringToObject(conf, "confirmed_at", when);
    text = cJSON_PrintUnformatted(conf);
    cJSON_Delete(conf);
    complaints_due_candidates_at(kefu_call_now(call), kefu_call_tz(call), &c);
    version_param(call, version);
    const char *args[10] = {id, version, satisfied ? "1" : "0", text ? text : "null"};
    complaints_store_run(call, COMPLAINTS_CONFIRM, complaints_due_candidates_args(&c, args, 4),
                         args, NULL, NULL);
    cJSON_free(text);
}

void complaints_withdraw(kefu_call *call)
{
    const char *id = id_param(call);
    char version[24];

    if (!id)
        return;
    version_param(call, version);
    const char *args[] = {id, version, kefu_json_str(kefu_call_params(call), "reason")};
    complaints_store_run(call, COMPLAINTS_WITHDRAW, 3, args, NULL, NULL);
}

/* Hold and Release share one script. */
static void hold_or_release(kefu_call *call, const char *op)
{
    const char *id = id_param(call), *reason = kefu_json_str(kefu_call_params(call), "reason");
    char version[24];

    if (!id)
        return;
    version_param(call, version);
    const char *args[] = {id, version, op, reason ? reason : ""};
    complaints_store_run(call, COMPLAINTS_HOLD, 4, args, NULL, NULL);
}

void complaints_hold(kefu_call *call)
{
    hold_or_release(call, "hold");
}

void complaints_release(kefu_call *call)
{
    hold_or_release(call, "release");
}
