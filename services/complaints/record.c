/*
 * record.c - complaint records as JSON, built from validated params, and the
 * due-date rules. Pure: no I/O, no clock; callers pass the instant and zone.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "complaints.h"
#include "json.h"

#define DAY_MS 86400000LL

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

cJSON *complaints_record_new(const cJSON *params, kefu_ms now, int tz)
{
    const char *severity = kefu_json_str(params, "severity");
    const char *received_at = kefu_json_str(params, "received_at");
    kefu_ms received = now;
    cJSON *rec = cJSON_CreateObject();

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
    cJSON_AddNullToObject(rec, "hold");
    cJSON_AddNullToObject(rec, "withdrawal");
    cJSON_AddNullToObject(rec, "closed_at");
    add_time(rec, "created_at", now, tz);
    add_time(rec, "updated_at", now, tz);
    cJSON_AddNumberToObject(rec, "version", 1);
    return rec;
}

bool complaints_create_args_build(complaints_create_args *a, const cJSON *params, kefu_ms now,
                                  int tz)
{
    const char *severity = kefu_json_str(params, "severity");
    const char *received_at = kefu_json_str(params, "received_at");
    kefu_ms received = now;
    cJSON *rec, *f, *details;
    bool ok = true;

    memset(a, 0, sizeof(*a));
    if (received_at)
        kefu_time_parse_rfc3339(received_at, strlen(received_at), &received);
    kefu_json_id_text(kefu_json_get(kefu_json_get(params, "customer"), "id"), a->customer);
    snprintf(a->year, sizeof(a->year), "%04d", kefu_time_to_date(now, tz).year);
    snprintf(a->received_ms, sizeof(a->received_ms), "%lld", (long long)received);
    details = cJSON_CreateObject();
    cJSON_AddStringToObject(details, "channel", kefu_json_str(params, "channel"));
    cJSON_AddStringToObject(details, "severity", severity ? severity : "minor");
    a->texts[a->n_texts++] = cJSON_PrintUnformatted(details);
    cJSON_Delete(details);
    a->argv[a->argc++] = a->year;
    a->argv[a->argc++] = a->customer;
    a->argv[a->argc++] = kefu_json_str(kefu_json_get(params, "received_by"), "department");
    a->argv[a->argc++] = a->received_ms;
    a->argv[a->argc++] = severity && strcmp(severity, "critical") == 0 ? "1" : "0";
    a->argv[a->argc++] = a->texts[0];
    /* The record's fields as name / JSON text pairs, stored as they are. */
    rec = complaints_record_new(params, now, tz);
    cJSON_ArrayForEach(f, rec)
    {
        if (a->n_texts == 40 || a->argc + 2 > 80)
            break;
        a->argv[a->argc++] = f->string;
        a->argv[a->argc++] = a->texts[a->n_texts++] = cJSON_PrintUnformatted(f);
    }
    /* The names point into `rec`: it lives as long as the args. */
    for (int i = 0; i < a->n_texts; i++)
        ok = ok && a->texts[i] != NULL;
    a->rec = rec;
    return ok && rec;
}

void complaints_create_args_free(complaints_create_args *a)
{
    for (int i = 0; i < a->n_texts; i++)
        cJSON_free(a->texts[i]);
    cJSON_Delete(a->rec);
    memset(a, 0, sizeof(*a));
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

int complaints_due_days(const char *severity)
{
    if (strcmp(severity, "critical") == 0)
        return 3;
    if (strcmp(severity, "major") == 0)
        return 7;
    return 15;
}

void complaints_due_candidates_at(kefu_ms from, int tz, complaints_due_candidates *out)
{
    static const char *const severities[3] = {"critical", "major", "minor"};

    /* The business zone has a fixed offset, so "n days later, same clock
     * time" is exactly n * 24 h. */
    for (int i = 0; i < 3; i++) {
        kefu_ms due = from + complaints_due_days(severities[i]) * DAY_MS;
        kefu_time_format_rfc3339(due, tz, out->text[i]);
        snprintf(out->ms[i], sizeof(out->ms[i]), "%lld", (long long)due);
    }
}

void complaints_followup_date(kefu_ms resolved, int tz, char out[16])
{
    kefu_date d = kefu_date_add_days(kefu_time_to_date(resolved, tz), COMPLAINTS_FOLLOWUP_DAYS);
    kefu_date_format(d, out);
}

int complaints_due_candidates_args(const complaints_due_candidates *c, const char **args, int n)
{
    for (int i = 0; i < 3; i++) {
        args[n++] = c->text[i];
        args[n++] = c->ms[i];
    }
    return n;
}
