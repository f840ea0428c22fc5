/*
 * handlers.c - one short function per complaints method. The runtime has
 * already checked the envelope, token, role, deadline and params schema.
 */
#include <stdio.h>
#include <string.h>

#include "complaints.h"
#include "json.h"

void complaints_create(kefu_call *call)
{
    const cJSON *p = kefu_call_params(call);
    const kefu_principal *who = kefu_call_principal(call);
    const char *intake = kefu_json_str(kefu_json_get(p, "received_by"), "department");
    const char *severity = kefu_json_str(p, "severity");
    kefu_ms now = kefu_call_now(call);
    int tz = kefu_call_tz(call);
    char customer[80], *record, *history;
    cJSON *details;

    /* Staff record complaints for their own departments only. */
    if (!kefu_principal_sees(who, intake)) {
        kefu_call_reply_error(call, KEFU_STATUS_PERMISSION_DENIED, "received_by.department",
                              "params.received_by.department: not one of your departments");
        return;
    }
    complaints_customer_key(p, customer, sizeof(customer));
    record = complaints_record_new(p, now, tz);
    details = cJSON_CreateObject();
    cJSON_AddStringToObject(details, "channel", kefu_json_str(p, "channel"));
    cJSON_AddStringToObject(details, "severity", severity ? severity : "minor");
    history = complaints_history_entry(now, tz, "create", who->name, NULL, "received", details);
    if (!record || !history) {
        kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "out of memory");
    } else {
        complaints_store_create(call, record, kefu_time_to_date(now, tz).year, customer,
                                severity && strcmp(severity, "critical") == 0, history);
    }
    cJSON_free(record);
    cJSON_free(history);
}

static void reply_visible(kefu_call *call, const char *json, size_t len)
{
    const kefu_principal *who = kefu_call_principal(call);
    cJSON *rec;
    bool visible;

    if (who->all_departments) {
        kefu_call_reply_json(call, json, len);
        return;
    }
    rec = cJSON_ParseWithLength(json, len);
    visible = rec && complaints_visible(who, rec);
    cJSON_Delete(rec);
    if (!visible) {
        /* Another department's complaint: do not reveal that it exists. */
        kefu_call_reply_error(call, KEFU_STATUS_NOT_FOUND, "id", "complaint not found");
        return;
    }
    kefu_call_reply_json(call, json, len);
}

void complaints_get(kefu_call *call)
{
    const char *id = kefu_json_str(kefu_call_params(call), "id");

    if (!complaints_id_valid(id)) {
        kefu_call_reply_error(call, KEFU_STATUS_INVALID_ARGUMENT, "id",
                              "params.id: must look like C2026-000001");
        return;
    }
    complaints_store_get(call, id, reply_visible);
}
