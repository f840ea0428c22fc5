/*
 * queries.c - returns.Get, History, List, PackingList and Stats.
 */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "returns.h"

static const char *str_or_empty(const cJSON *p, const char *key)
{
    const char *s = kefu_json_str(p, key);
    return s ? s : "";
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

static int tz_of(kefu_call *call)
{
    return returns_policy_tz_minutes(returns_store_policy(kefu_call_service(call), NULL));
}

/* A business date param as the instant its day starts (end: the next day's start). */
static kefu_ms day_start(const char *date, int tz, int plus_days)
{
    kefu_date d;
    kefu_date_parse(date, strlen(date), &d); /* the schema checked it */
    return kefu_date_to_time(kefu_date_add_days(d, plus_days), tz);
}

void returns_get(kefu_call *call)
{
    const char *id = id_param(call);
    if (id)
        returns_store_run(call, RETURNS_GET, 1, &id, NULL, NULL);
}

void returns_history(kefu_call *call)
{
    const char *id = id_param(call);
    if (id)
        returns_store_run(call, RETURNS_HISTORY, 1, &id, NULL, NULL);
}

void returns_list(kefu_call *call)
{
    const cJSON *p = kefu_call_params(call);
    const char *cursor = kefu_json_str(p, "cursor"), *from = kefu_json_str(p, "from");
    const char *to = kefu_json_str(p, "to");
    int tz = tz_of(call);
    char customer[80] = "", from_ms[24] = "", to_ms[24] = "", limit[8], order[24] = "";
    int64_t n = 50;
    const cJSON *cust = kefu_json_get(p, "customer_id");

    if (cursor) {
        size_t len = strlen(cursor), i = 1;
        while (i < len && cursor[i] >= '0' && cursor[i] <= '9')
            i++;
        if (len < 2 || len > 17 || cursor[0] != 'o' || i != len) {
            kefu_call_reply_error(call, KEFU_STATUS_INVALID_ARGUMENT, "cursor",
                                  "params.cursor: not a cursor this service gave out");
            return;
        }
        snprintf(order, sizeof(order), "%s", cursor + 1);
    }
    if (cust)
        returns_customer_key(cust, customer, sizeof(customer));
    if (from)
        snprintf(from_ms, sizeof(from_ms), "%lld", (long long)day_start(from, tz, 0));
    if (to)
        snprintf(to_ms, sizeof(to_ms), "%lld", (long long)day_start(to, tz, 1));
    kefu_json_int(kefu_json_get(p, "limit"), &n);
    snprintf(limit, sizeof(limit), "%lld", (long long)n);
    const char *args[] = {str_or_empty(p, "status"),
                          customer,
                          str_or_empty(p, "region"),
                          from_ms,
                          to_ms,
                          order,
                          limit};
    returns_store_run(call, RETURNS_LIST, 7, args, NULL, NULL);
}

static void on_packing_record(kefu_call *call, const char *json, size_t len, void *arg)
{
    const char *format = kefu_json_str(kefu_call_params(call), "format");
    cJSON *rec = cJSON_ParseWithLength(json, len), *out;

    (void)arg;
    if (!cJSON_IsObject(rec)) {
        cJSON_Delete(rec);
        kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "storage returned a bad record");
        return;
    }
    out = returns_packing_json(returns_store_policy(kefu_call_service(call), NULL), rec);
    cJSON_Delete(rec);
    if (format && strcmp(format, "text") == 0) {
        kefu_buf text;
        kefu_buf_init(&text);
        returns_packing_text(out, &text);
        cJSON_Delete(out);
        out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "id", kefu_json_str(kefu_call_params(call), "id"));
        cJSON_AddStringToObject(out, "format", "text");
        cJSON_AddStringToObject(out, "text", kefu_buf_cstr(&text));
        kefu_buf_free(&text);
    } else {
        cJSON_AddStringToObject(out, "format", "json");
    }
    kefu_call_reply_ok(call, out);
}

void returns_packing_list(kefu_call *call)
{
    const char *id = id_param(call);
    if (id)
        returns_store_run(call, RETURNS_GET, 1, &id, on_packing_record, NULL);
}

static void on_stats_rows(kefu_call *call, const char *json, size_t len, void *arg)
{
    const cJSON *p = kefu_call_params(call), *row;
    cJSON *rows = cJSON_ParseWithLength(json, len), *out;
    returns_tally *t;

    (void)arg;
    if (!cJSON_IsArray(rows) || !(t = returns_tally_new())) {
        cJSON_Delete(rows);
        kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "storage returned bad rows");
        return;
    }
    cJSON_ArrayForEach(row, rows) returns_tally_add(t, row);
    out = returns_tally_json(t);
    cJSON_AddStringToObject(out, "from", kefu_json_str(p, "from"));
    cJSON_AddStringToObject(out, "to", kefu_json_str(p, "to"));
    returns_tally_free(t);
    cJSON_Delete(rows);
    kefu_call_reply_ok(call, out);
}

void returns_stats(kefu_call *call)
{
    const cJSON *p = kefu_call_params(call);
    int tz = tz_of(call);
    kefu_ms a = day_start(kefu_json_str(p, "from"), tz, 0);
    kefu_ms b = day_start(kefu_json_str(p, "to"), tz, 1);
    char from_ms[24], to_ms[24];

    if (b <= a) {
        kefu_call_reply_error(call, KEFU_STATUS_INVALID_ARGUMENT, "to",
                              "params.to: must not be before from");
        return;
    }
    snprintf(from_ms, sizeof(from_ms), "%lld", (long long)a);
    snprintf(to_ms, sizeof(to_ms), "%lld", (long long)b);
    const char *args[] = {from_ms, to_ms};
    returns_store_run(call, RETURNS_ROWS, 2, args, on_stats_rows, NULL);
}
