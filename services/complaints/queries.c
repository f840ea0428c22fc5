/*
 * queries.c - complaints.List, Escalations, Ledger, Stats and Report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "complaints.h"
#include "json.h"
#include "params.h"

#define DAY_MS 86400000LL

void complaints_list(kefu_call *call)
{
    const cJSON *p = kefu_call_params(call);
    int tz = kefu_call_tz(call);
    char customer[KEFU_ID_TEXT_SIZE], from_ms[24], to_ms[24], limit[24], order[24];

    if (!kefu_param_page(call, 'o', order, limit))
        return;
    kefu_json_id_text(kefu_json_get(p, "customer_id"), customer);
    kefu_param_day_ms(call, "received_from", tz, 0, from_ms);
    kefu_param_day_ms(call, "received_to", tz, 1, to_ms);
    const char *args[] = {kefu_json_str_or_empty(p, "status"),
                          kefu_json_str_or_empty(p, "department"),
                          customer,
                          kefu_json_str_or_empty(p, "category"),
                          kefu_json_str_or_empty(p, "severity"),
                          cJSON_IsTrue(kefu_json_get(p, "overdue")) ? "1" : "",
                          cJSON_IsTrue(kefu_json_get(p, "due_soon")) ? "1" : "",
                          from_ms,
                          to_ms,
                          order,
                          limit};
    complaints_store_run(call, COMPLAINTS_LIST, 11, args, NULL, NULL);
}

void complaints_escalations(kefu_call *call)
{
    complaints_store_run(call, COMPLAINTS_ESCALATIONS, 0, NULL, NULL, NULL);
}

/* Reads the rows received in [from, to) for `on_rows`. */
static void read_rows(kefu_call *call, kefu_ms from, kefu_ms to, const char *department,
                      kefu_call_eval_cb on_rows, void *arg)
{
    char a[24], b[24];
    snprintf(a, sizeof(a), "%lld", (long long)from);
    snprintf(b, sizeof(b), "%lld", (long long)to);
    const char *args[] = {a, b, department ? department : ""};
    complaints_store_run(call, COMPLAINTS_ROWS, 3, args, on_rows, arg);
}

static cJSON *parse_rows(kefu_call *call, const char *json, size_t len)
{
    cJSON *rows = cJSON_ParseWithLength(json, len);
    if (!cJSON_IsArray(rows)) {
        cJSON_Delete(rows);
        kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "storage returned bad rows");
        return NULL;
    }
    return rows;
}

static void on_ledger_rows(kefu_call *call, const char *json, size_t len, void *arg)
{
    bool csv = arg != NULL;
    cJSON *rows = parse_rows(call, json, len), *out, *list;
    const cJSON *row;

    if (!rows)
        return;
    out = cJSON_CreateObject();
    list = cJSON_CreateArray();
    cJSON_ArrayForEach(row, rows) cJSON_AddItemToArray(list, complaints_ledger_row(row));
    cJSON_AddNumberToObject(out, "count", cJSON_GetArraySize(list));
    if (csv) {
        kefu_buf text;
        kefu_buf_init(&text);
        complaints_ledger_csv(list, &text);
        cJSON_AddStringToObject(out, "format", "csv");
        cJSON_AddStringToObject(out, "csv", kefu_buf_cstr(&text));
        kefu_buf_free(&text);
        cJSON_Delete(list);
    } else {
        cJSON_AddStringToObject(out, "format", "json");
        cJSON_AddItemToObject(out, "rows", list);
    }
    cJSON_Delete(rows);
    kefu_call_reply_ok(call, out);
}

void complaints_ledger(kefu_call *call)
{
    const cJSON *p = kefu_call_params(call);
    const char *format = kefu_json_str(p, "format");
    int64_t year = 0, month = 0;
    int tz = kefu_call_tz(call);
    kefu_date first, next;

    kefu_json_int(kefu_json_get(p, "year"), &year);
    kefu_json_int(kefu_json_get(p, "month"), &month);
    first = (kefu_date){(int)year, month ? (int)month : 1, 1};
    next = kefu_date_add_months(first, month ? 1 : 12);
    read_rows(call, kefu_date_to_time(first, tz), kefu_date_to_time(next, tz),
              kefu_json_str(p, "department"), on_ledger_rows,
              format && strcmp(format, "csv") == 0 ? (void *)1 : NULL);
}

static void on_stats_rows(kefu_call *call, const char *json, size_t len, void *arg)
{
    cJSON *rows = parse_rows(call, json, len), *out;
    complaints_tally *s;
    const cJSON *row;

    (void)arg;
    if (!rows)
        return;
    s = complaints_tally_new();
    cJSON_ArrayForEach(row, rows) complaints_tally_add(s, row, kefu_call_now(call));
    out = complaints_tally_json(s);
    cJSON_AddStringToObject(out, "from", kefu_json_str(kefu_call_params(call), "from"));
    cJSON_AddStringToObject(out, "to", kefu_json_str(kefu_call_params(call), "to"));
    complaints_tally_free(s);
    cJSON_Delete(rows);
    kefu_call_reply_ok(call, out);
}

void complaints_stats(kefu_call *call)
{
    const cJSON *p = kefu_call_params(call);
    const char *from = kefu_json_str(p, "from"), *to = kefu_json_str(p, "to");
    int tz = kefu_call_tz(call);
    kefu_ms a = kefu_day_start(from, tz, 0), b = kefu_day_start(to, tz, 1);

    if (b <= a) {
        kefu_call_reply_error(call, KEFU_STATUS_INVALID_ARGUMENT, "to",
                              "params.to: must not be before from");
        return;
    }
    read_rows(call, a, b, kefu_json_str(p, "department"), on_stats_rows, NULL);
}

/* ---- Report: a frozen one if stored, else computed; freeze stores it ---- */

/* "2026-11" -> the first day of that month; false when malformed. */
static bool parse_month(const char *s, kefu_date *out)
{
    char date[16];
    if (strlen(s) != 7)
        return false;
    snprintf(date, sizeof(date), "%s-01", s);
    return kefu_date_parse(date, 10, out);
}

static void on_report_stored(kefu_call *call, const char *json, size_t len, void *arg)
{
    (void)arg;
    kefu_call_reply_json(call, json, len);
}

static void on_report_rows(kefu_call *call, const char *json, size_t len, void *arg)
{
    const cJSON *p = kefu_call_params(call);
    const char *month = kefu_json_str(p, "month");
    bool freeze = cJSON_IsTrue(kefu_json_get(p, "freeze"));
    cJSON *rows = parse_rows(call, json, len), *report;
    char *text;

    (void)arg;
    if (!rows)
        return;
    report = complaints_report_build(rows, month, kefu_call_now(call), kefu_call_tz(call));
    cJSON_Delete(rows);
    if (!freeze) {
        kefu_call_reply_ok(call, report);
        return;
    }
    cJSON_ReplaceItemInObjectCaseSensitive(report, "frozen", cJSON_CreateTrue());
    text = cJSON_PrintUnformatted(report);
    cJSON_Delete(report);
    const char *args[] = {month, text ? text : ""};
    complaints_store_run(call, COMPLAINTS_REPORT, 2, args, on_report_stored, NULL);
    cJSON_free(text);
}

/* The stored report, if any; else compute (and maybe freeze) it. */
static void on_report_lookup(kefu_call *call, const char *json, size_t len, void *arg)
{
    const cJSON *p = kefu_call_params(call);
    kefu_date first;
    int tz = kefu_call_tz(call);

    (void)arg;
    /* A frozen report covers every department: only callers who see them
     * all get it; a department's staff get their own live view. */
    if (!(len == 4 && memcmp(json, "null", 4) == 0) && kefu_call_principal(call)->all_departments) {
        kefu_call_reply_json(call, json, len);
        return;
    }
    parse_month(kefu_json_str(p, "month"), &first);
    read_rows(call, kefu_date_to_time(first, tz),
              kefu_date_to_time(kefu_date_add_months(first, 1), tz), NULL, on_report_rows, NULL);
}

void complaints_report(kefu_call *call)
{
    const cJSON *p = kefu_call_params(call);
    const char *month = kefu_json_str(p, "month");
    int tz = kefu_call_tz(call);
    kefu_date first;

    if (!parse_month(month, &first)) {
        kefu_call_reply_error(call, KEFU_STATUS_INVALID_ARGUMENT, "month",
                              "params.month: must be YYYY-MM");
        return;
    }
    if (cJSON_IsTrue(kefu_json_get(p, "freeze"))) {
        /* A supervision report is issued for a month that is over, by an admin. */
        if (kefu_call_principal(call)->role != KEFU_ROLE_ADMIN) {
            kefu_call_reply_error(call, KEFU_STATUS_PERMISSION_DENIED, "freeze",
                                  "only an admin may freeze a report");
            return;
        }
        if (kefu_call_now(call) < kefu_date_to_time(kefu_date_add_months(first, 1), tz)) {
            kefu_call_reply_error(call, KEFU_STATUS_FAILED_PRECONDITION, "month",
                                  "month %s is not over yet; it can be frozen from the 1st of "
                                  "the next month",
                                  month);
            return;
        }
    }
    const char *args[] = {month, ""};
    complaints_store_run(call, COMPLAINTS_REPORT, 2, args, on_report_lookup, NULL);
}
