/*
 * sysmethods.c - the methods every service answers: sys.Health,
 * sys.Describe, sys.Metrics and sys.SetClock.
 */
#include <string.h>

#include "json.h"
#include "outbox.h"
#include "runtime.h"
#include "timeutil.h"

static void sys_health(kefu_call *call)
{
    kefu_service *svc = call->svc;
    kefu_buf *b = &svc->scratch;
    bool up = kefu_redis_ready(svc->redis);
    const char *redis = kefu_redis_status(svc->redis);

    /* Built as text: this is the method load balancers call most. */
    kefu_buf_reset(b);
    kefu_buf_printf(b,
                    "{\"service\":\"%s\",\"status\":\"%s\",\"version\":\"%s\",\"checks\":{"
                    "\"redis\":",
                    svc->def->name, up ? "SERVING" : "NOT_SERVING", KEFU_VERSION);
    kefu_buf_json_string(b, redis, strlen(redis));
    kefu_buf_puts(b, "}}");
    kefu_call_reply_json(call, b->data, b->len);
}

/* {"service", "methods": [{name, mutating, roles, params, doc}]} from the tables. */
static cJSON *describe(const kefu_service *svc)
{
    cJSON *root = cJSON_CreateObject(), *list;

    cJSON_AddStringToObject(root, "service", svc->def->name);
    cJSON_AddStringToObject(root, "version", KEFU_VERSION);
    list = cJSON_AddArrayToObject(root, "methods");
    for (int i = 0; i < svc->n_methods; i++) {
        const kefu_method *m = svc->methods[i];
        cJSON *row = cJSON_CreateObject(), *roles;
        const char *names[4];
        int n;

        cJSON_AddStringToObject(row, "name", m->name);
        cJSON_AddBoolToObject(row, "mutating", (m->flags & KEFU_MUTATING) != 0);
        roles = cJSON_AddArrayToObject(row, "roles");
        if (m->flags & KEFU_PUBLIC) {
            cJSON_AddItemToArray(roles, cJSON_CreateString("any"));
        } else {
            n = kefu_roles_list(m->roles, names);
            for (int r = 0; r < n; r++)
                cJSON_AddItemToArray(roles, cJSON_CreateString(names[r]));
        }
        cJSON_AddItemToObject(
            row, "params",
            kefu_schema_to_json(m->params ? m->params : (const kefu_field[]){KEFU_F_END}));
        if (m->doc)
            cJSON_AddStringToObject(row, "doc", m->doc);
        cJSON_AddItemToArray(list, row);
    }
    return root;
}

static void sys_describe(kefu_call *call)
{
    kefu_call_reply_ok(call, describe(call->svc));
}

static void sys_metrics(kefu_call *call)
{
    kefu_service *svc = call->svc;
    const char *format = kefu_json_str(call->params, "format");

    if (format && strcmp(format, "prometheus") == 0) {
        kefu_buf text;
        cJSON *result = cJSON_CreateObject();
        kefu_buf_init(&text);
        kefu_metrics_prometheus(&svc->metrics, &text);
        cJSON_AddStringToObject(result, "format", "prometheus");
        cJSON_AddStringToObject(result, "text", kefu_buf_cstr(&text));
        kefu_buf_free(&text);
        kefu_call_reply_ok(call, result);
        return;
    }
    kefu_shared_metrics_reply(call, kefu_metrics_json(&svc->metrics));
}

static void sys_set_clock(kefu_call *call)
{
    kefu_service *svc = call->svc;
    const char *now = kefu_json_str(call->params, "now");
    kefu_ms t;
    char text[32];
    cJSON *result;

    if (!svc->clock.settable) {
        kefu_call_reply_error(call, KEFU_STATUS_UNIMPLEMENTED, NULL,
                              "sys.SetClock needs a service started with --test-clock");
        return;
    }
    kefu_time_parse_rfc3339(now, strlen(now), &t); /* the schema checked it */
    kefu_clock_set(&svc->clock, t);
    kefu_time_format_rfc3339(kefu_clock_now(&svc->clock), svc->clock.tz_minutes, text);
    result = cJSON_CreateObject();
    cJSON_AddStringToObject(result, "now", text);
    kefu_call_reply_ok(call, result);
}

static const char *const metrics_formats[] = {"json", "prometheus", NULL};

static const kefu_field metrics_params[] = {
    KEFU_F_ENUM("format", 0, metrics_formats, "json (default) or prometheus text exposition"),
    KEFU_F_END,
};

static const kefu_field set_clock_params[] = {
    KEFU_F_DATETIME("now", KEFU_REQUIRED, "the instant the service clock jumps to"),
    KEFU_F_END,
};

static const kefu_field outbox_params[] = {
    KEFU_F_INT("limit", 0, 1, 1000, "at most this many pending and as many failed (default 100)"),
    KEFU_F_END,
};

static const kefu_field outbox_retry_params[] = {
    KEFU_F_STRING("id", KEFU_REQUIRED, 3, 80, "a failed entry's id, e.g. complaints-42"),
    KEFU_F_END,
};

const kefu_method kefu_sys_methods[] = {
    {"sys.Health", sys_health, NULL, KEFU_PUBLIC, KEFU_ROLES_ANY,
     "liveness and readiness: SERVING when Redis answers"},
    {"sys.Describe", sys_describe, NULL, 0, KEFU_ROLES_READ,
     "the method table with each method's params as JSON Schema"},
    {"sys.Metrics", sys_metrics, metrics_params, 0, KEFU_ROLES_READ,
     "call counts by status, latency percentiles, Redis round trips"},
    {"sys.Outbox", kefu_outbox_list_method, outbox_params, 0,
     KEFU_ROLE_ADMIN | KEFU_ROLE_AUDITOR | KEFU_ROLE_SYSTEM,
     "this service's outbox: entries not yet acknowledged by their peer, and failed ones"},
    {"sys.OutboxRetry", kefu_outbox_retry_method, outbox_retry_params, KEFU_MUTATING,
     KEFU_ROLE_ADMIN, "send a failed outbox entry again"},
    {"sys.OutboxDrop", kefu_outbox_drop_method, outbox_retry_params, KEFU_MUTATING, KEFU_ROLE_ADMIN,
     "remove a failed outbox entry for good"},
    {"sys.SetClock", sys_set_clock, set_clock_params, 0, KEFU_ROLE_ADMIN | KEFU_ROLE_SYSTEM,
     "tests only (--test-clock): set the service clock"},
    {NULL},
};
