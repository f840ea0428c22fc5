/*
 * handlers.c - returns.Policy, CheckWarranty, ReloadPolicy and the methods
 * that change one return. The runtime has checked the envelope, token,
 * role, deadline and params schema; the store scripts check existence,
 * scope, version and status, and the pure files what depends on the policy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "json.h"
#include "params.h"
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

/* The id param, or NULL after replying INVALID_ARGUMENT. */
static const char *id_param(kefu_call *call)
{
    const char *id = kefu_json_str(kefu_call_params(call), "id");

    if (!returns_id_valid(id, 'R')) {
        kefu_call_reply_error(call, KEFU_STATUS_INVALID_ARGUMENT, "id",
                              "params.id: must look like R2026-000001");
        return NULL;
    }
    return id;
}

/* expected_version as text, "" when absent. */
static void version_param(kefu_call *call, char out[24])
{
    kefu_param_int_text(call, "expected_version", NULL, out);
}

static const returns_policy *policy_of(kefu_call *call)
{
    return returns_store_policy(kefu_call_service(call), NULL);
}

void returns_create(kefu_call *call)
{
    const cJSON *p = kefu_call_params(call);
    returns_create_args a;
    kefu_error err;

    /* Staff open returns for their own regions only. */
    if (!kefu_principal_sees(kefu_call_principal(call), kefu_json_str(p, "region"))) {
        kefu_call_reply_error(call, KEFU_STATUS_PERMISSION_DENIED, "region",
                              "params.region: not one of your departments");
        return;
    }
    if (returns_create_args_build(&a, policy_of(call), p, kefu_call_now(call), &err) !=
        KEFU_STATUS_OK) {
        kefu_call_reply_err(call, &err);
        return;
    }
    returns_store_run(call, RETURNS_CREATE, a.argc, a.argv, NULL, NULL);
    returns_create_args_free(&a);
}

/* A change of one return whose script takes id, expected version and then
 * the given string params (absent ones as ""). */
static void change(kefu_call *call, returns_script script, const char *const *keys)
{
    const cJSON *p = kefu_call_params(call);
    const char *id = id_param(call), *args[8];
    char version[24];
    int n = 0;

    if (!id)
        return;
    version_param(call, version);
    args[n++] = id;
    args[n++] = version;
    for (int i = 0; keys && keys[i] && n < 8; i++)
        args[n++] = kefu_json_str_or_empty(p, keys[i]);
    returns_store_run(call, script, n, args, NULL, NULL);
}

void returns_confirm(kefu_call *call)
{
    static const char *const keys[] = {"customer_signature", "manager_signature", NULL};
    change(call, RETURNS_CONFIRM, keys);
}

void returns_submit(kefu_call *call)
{
    const returns_policy *policy = policy_of(call);
    kefu_date today = kefu_time_to_date(kefu_call_now(call), returns_policy_tz_minutes(policy));
    const char *id = id_param(call);
    char version[24], month[16], limit[16];

    if (!id)
        return;
    version_param(call, version);
    snprintf(month, sizeof(month), "%04d-%02d", today.year, today.month);
    snprintf(limit, sizeof(limit), "%d", returns_policy_monthly_limit(policy));
    const char *args[] = {id, version, month, limit};
    returns_store_run(call, RETURNS_SUBMIT, 4, args, NULL, NULL);
}

void returns_approve(kefu_call *call)
{
    const cJSON *p = kefu_call_params(call);
    const char *id = id_param(call);
    char version[24];

    if (!id)
        return;
    version_param(call, version);
    const char *args[] = {id, version, "approve", kefu_json_str(p, "by"),
                          kefu_json_str_or_empty(p, "note")};
    returns_store_run(call, RETURNS_DECIDE, 5, args, NULL, NULL);
}

void returns_reject(kefu_call *call)
{
    const cJSON *p = kefu_call_params(call);
    const char *id = id_param(call);
    char version[24];

    if (!id)
        return;
    version_param(call, version);
    const char *args[] = {id, version, "reject", kefu_json_str(p, "by"),
                          kefu_json_str(p, "reason")};
    returns_store_run(call, RETURNS_DECIDE, 5, args, NULL, NULL);
}

void returns_ship(kefu_call *call)
{
    static const char *const keys[] = {"carrier", "waybill", NULL};
    change(call, RETURNS_SHIP, keys);
}

void returns_receive(kefu_call *call)
{
    const cJSON *p = kefu_call_params(call);
    const char *id = id_param(call);
    char version[24], boxes[24];
    int64_t n = 0;

    if (!id)
        return;
    version_param(call, version);
    kefu_json_int(kefu_json_get(p, "boxes_received"), &n);
    snprintf(boxes, sizeof(boxes), "%lld", (long long)n);
    const char *args[] = {id, version, boxes, kefu_json_str_or_empty(p, "discrepancies")};
    returns_store_run(call, RETURNS_RECEIVE, 4, args, NULL, NULL);
}

void returns_cancel(kefu_call *call)
{
    static const char *const keys[] = {"reason", NULL};
    change(call, RETURNS_CANCEL, keys);
}

/* Settle, step 2: the record as it is; the settlement computed from its
 * items (which never change after Create) is written if it is still
 * received (and at the expected version). */
static void on_settle_record(kefu_call *call, const char *json, size_t len, void *arg)
{
    const cJSON *p = kefu_call_params(call);
    cJSON *rec = cJSON_ParseWithLength(json, len), *settlement = NULL;
    const char *status = kefu_json_str(rec, "status");
    char version[24], when[32], *text;
    int64_t at = 0;
    kefu_error err;

    (void)arg;
    if (!status) {
        cJSON_Delete(rec);
        kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "storage returned a bad record");
        return;
    }
    version_param(call, version);
    kefu_json_int(kefu_json_get(rec, "version"), &at);
    if (version[0] && strtoll(version, NULL, 10) != at) {
        kefu_call_reply_error(call, KEFU_STATUS_ABORTED, "expected_version",
                              "return %s is at version %lld, not %s", kefu_json_str(rec, "id"),
                              (long long)at, version);
        cJSON_Delete(rec);
        return;
    }
    if (strcmp(status, "received") != 0) {
        kefu_call_reply_error(call, KEFU_STATUS_FAILED_PRECONDITION, "id", "return %s is %s",
                              kefu_json_str(rec, "id"), status);
        cJSON_Delete(rec);
        return;
    }
    kefu_time_format_rfc3339(kefu_call_now(call), returns_policy_tz_minutes(policy_of(call)), when);
    if (returns_settlement_build(rec, kefu_json_get(p, "lines"), when, &settlement, &err) !=
        KEFU_STATUS_OK) {
        cJSON_Delete(rec);
        kefu_call_reply_err(call, &err);
        return;
    }
    cJSON_Delete(rec);
    text = cJSON_PrintUnformatted(settlement);
    cJSON_Delete(settlement);
    if (!text) {
        kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "out of memory");
        return;
    }
    const char *args[] = {kefu_json_str(p, "id"), version, text};
    returns_store_run(call, RETURNS_SETTLE, 3, args, NULL, NULL);
    cJSON_free(text);
}

/* Settle, step 1 (after the idempotency check): read the return. */
static void settle_read(kefu_call *call)
{
    const char *id = kefu_json_str(kefu_call_params(call), "id");
    returns_store_step(call, RETURNS_GET, 1, &id, on_settle_record, NULL);
}

void returns_settle(kefu_call *call)
{
    if (id_param(call))
        kefu_call_idempotency_check(call, settle_read);
}
