/*
 * record.c - complaint records as JSON, built from validated params.
 * Pure: no I/O, no clock; callers pass the instant and zone.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "complaints.h"
#include "json.h"

static cJSON *copy_or_null(const cJSON *params, const char *key)
{
    const cJSON *v = kefu_json_get(params, key);
    return v ? cJSON_Duplicate(v, true) : cJSON_CreateNull();
}

static void add_time(cJSON *obj, const char *key, kefu_ms t, int tz)
{
    char text[32];
    kefu_time_format_rfc3339(t, tz, text);
    cJSON_AddStringToObject(obj, key, text);
}

char *complaints_record_new(const cJSON *params, kefu_ms now, int tz)
{
    const char *severity = kefu_json_str(params, "severity");
    const char *received_at = kefu_json_str(params, "received_at");
    kefu_ms received = now;
    cJSON *rec = cJSON_CreateObject();
    char *text;

    if (!severity)
        severity = "minor";
    if (received_at)
        kefu_time_parse_rfc3339(received_at, strlen(received_at), &received);

    cJSON_AddStringToObject(rec, "status", "received");
    cJSON_AddItemToObject(rec, "customer", copy_or_null(params, "customer"));
    cJSON_AddItemToObject(rec, "product", copy_or_null(params, "product"));
    cJSON_AddStringToObject(rec, "channel", kefu_json_str(params, "channel"));
    cJSON_AddStringToObject(rec, "category", kefu_json_str(params, "category"));
    cJSON_AddStringToObject(rec, "severity", severity);
    cJSON_AddStringToObject(rec, "title", kefu_json_str(params, "title"));
    cJSON_AddStringToObject(rec, "description", kefu_json_str(params, "description"));
    cJSON_AddItemToObject(rec, "remedy_sought", copy_or_null(params, "remedy_sought"));
    cJSON_AddItemToObject(rec, "received_by", copy_or_null(params, "received_by"));
    add_time(rec, "received_at", received, tz);
    cJSON_AddNullToObject(rec, "department");
    cJSON_AddNullToObject(rec, "owner");
    cJSON_AddNullToObject(rec, "due_at");
    cJSON_AddBoolToObject(rec, "escalated", strcmp(severity, "critical") == 0);
    cJSON_AddNullToObject(rec, "resolution");
    cJSON_AddNullToObject(rec, "confirmation");
    cJSON_AddNumberToObject(rec, "reopened", 0);
    cJSON_AddArrayToObject(rec, "return_ids");
    add_time(rec, "created_at", now, tz);
    add_time(rec, "updated_at", now, tz);
    cJSON_AddNumberToObject(rec, "version", 1);
    text = cJSON_PrintUnformatted(rec);
    cJSON_Delete(rec);
    return text;
}

char *complaints_history_entry(kefu_ms at, int tz, const char *action, const char *by,
                               const char *from, const char *to, cJSON *details)
{
    cJSON *e = cJSON_CreateObject();
    char *text;

    add_time(e, "at", at, tz);
    cJSON_AddStringToObject(e, "action", action);
    cJSON_AddStringToObject(e, "by", by);
    cJSON_AddItemToObject(e, "from", from ? cJSON_CreateString(from) : cJSON_CreateNull());
    cJSON_AddItemToObject(e, "to", to ? cJSON_CreateString(to) : cJSON_CreateNull());
    cJSON_AddItemToObject(e, "details", details ? details : cJSON_CreateObject());
    text = cJSON_PrintUnformatted(e);
    cJSON_Delete(e);
    return text;
}

void complaints_customer_key(const cJSON *params, char *out, size_t cap)
{
    const cJSON *v = kefu_json_get(kefu_json_get(params, "customer"), "id");
    int64_t n;

    if (cJSON_IsString(v))
        snprintf(out, cap, "%s", v->valuestring);
    else if (kefu_json_int(v, &n))
        snprintf(out, cap, "%lld", (long long)n);
    else
        snprintf(out, cap, "%s", "");
}

bool complaints_id_valid(const char *id)
{
    size_t n = strlen(id);

    if (n < 12 || n > 16 || id[0] != 'C' || id[5] != '-')
        return false;
    for (size_t i = 1; i < n; i++) {
        if (i != 5 && !isdigit((unsigned char)id[i]))
            return false;
    }
    return true;
}

bool complaints_visible(const kefu_principal *p, const cJSON *record)
{
    const char *dept = kefu_json_str(record, "department");
    const char *intake = kefu_json_str(kefu_json_get(record, "received_by"), "department");

    if (p->all_departments)
        return true;
    return (dept && kefu_principal_sees(p, dept)) || (intake && kefu_principal_sees(p, intake));
}
