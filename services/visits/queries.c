/*
 * queries.c - visits.Due, Get, List, ListQualityInfo and WeeklyReport.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "params.h"
#include "visits.h"

/* A date param within the stored range (default `fallback`); false after
 * replying. */
static bool date_or(kefu_call *call, const char *name, kefu_date fallback, kefu_date *out)
{
    const char *s = kefu_json_str(kefu_call_params(call), name);

    if (!s) {
        *out = fallback;
        return true;
    }
    if (visits_date_in_range(s, out))
        return true;
    kefu_call_reply_error(call, KEFU_STATUS_INVALID_ARGUMENT, name,
                          "params.%s: must be a date between %d-01-01 and %d-12-31", name,
                          VISITS_MIN_YEAR, VISITS_MAX_YEAR);
    return false;
}

/* The score of the first moment of day `d` (planned-visit and dated indexes). */
static void day_score(kefu_date d, char out[32])
{
    snprintf(out, 32, "%.0f", (double)kefu_date_to_days(d) * VISITS_DAY_SCALE);
}

void visits_due(kefu_call *call)
{
    const cJSON *p = kefu_call_params(call);
    kefu_date today = kefu_time_to_date(kefu_call_now(call), kefu_call_tz(call)), on;
    char on_text[11], on_day[16], cutoff[32], cursor[24], limit[24];
    int64_t window = 0;

    if (!date_or(call, "on", today, &on) || !kefu_param_page(call, 'd', cursor, limit))
        return;
    kefu_json_int(kefu_json_get(p, "window_days"), &window);
    kefu_date_format(on, on_text);
    visits_day_text(on, on_day);
    day_score(kefu_date_add_days(on, window + 1), cutoff);
    const char *args[] = {on_text,
                          on_day,
                          cutoff,
                          kefu_json_str_or_empty(p, "department"),
                          kefu_json_str_or_empty(p, "owner"),
                          cursor,
                          limit};
    visits_store_run(call, VISITS_DUE, 7, args, NULL, NULL);
}

void visits_get(kefu_call *call)
{
    const char *id = kefu_json_str(kefu_call_params(call), "id");
    static const char letters[] = {
        [VISITS_ID_ACCOUNT] = 'A',   [VISITS_ID_VISIT] = 'V',   [VISITS_ID_QINFO] = 'Q',
        [VISITS_ID_SYMPOSIUM] = 'S', [VISITS_ID_PLANNED] = 'P', [VISITS_ID_ROUTINE] = 'R',
    };
    visits_id_kind kind = visits_id_classify(id);
    char letter[2] = {0, 0};

    if (kind == VISITS_ID_NONE) {
        kefu_call_reply_error(call, KEFU_STATUS_INVALID_ARGUMENT, "id",
                              "params.id: must look like A000001, V2026-000001, P000001, "
                              "A000001-R13, Q2026-000001 or S2026-000001");
        return;
    }
    letter[0] = letters[kind];
    const char *args[] = {id, letter};
    visits_store_run(call, VISITS_GET, 2, args, NULL, NULL);
}

/* from/to params as day numbers ("" when absent); false after replying. */
static bool day_range(kefu_call *call, kefu_date *from, kefu_date *to, bool *has_from, bool *has_to)
{
    const cJSON *p = kefu_call_params(call);
    kefu_date none = {0, 0, 0};

    *has_from = kefu_json_str(p, "from") != NULL;
    *has_to = kefu_json_str(p, "to") != NULL;
    if (!date_or(call, "from", none, from) || !date_or(call, "to", none, to))
        return false;
    if (*has_from && *has_to && kefu_date_compare(*to, *from) < 0) {
        kefu_call_reply_error(call, KEFU_STATUS_INVALID_ARGUMENT, "to",
                              "params.to: must not be before from");
        return false;
    }
    return true;
}

void visits_list(kefu_call *call)
{
    const cJSON *p = kefu_call_params(call);
    const char *account = kefu_json_str(p, "account_id");
    char customer[KEFU_ID_TEXT_SIZE], from_day[16] = "", to_day[16] = "", cursor[24], limit[24];
    kefu_date from, to;
    bool has_from, has_to;

    if (account && visits_id_classify(account) != VISITS_ID_ACCOUNT) {
        kefu_call_reply_error(call, KEFU_STATUS_INVALID_ARGUMENT, "account_id",
                              "params.account_id: must look like A000001");
        return;
    }
    if (!day_range(call, &from, &to, &has_from, &has_to) ||
        !kefu_param_page(call, 'o', cursor, limit))
        return;
    if (has_from)
        visits_day_text(from, from_day);
    if (has_to)
        visits_day_text(to, to_day);
    kefu_json_id_text(kefu_json_get(p, "customer_id"), customer);
    const char *args[] = {account ? account : "", customer, from_day, to_day, cursor, limit};
    visits_store_run(call, VISITS_LIST, 6, args, NULL, NULL);
}

void visits_list_quality_info(kefu_call *call)
{
    const cJSON *p = kefu_call_params(call);
    char lo[32] = "-inf", hi[32] = "", cursor[24], limit[24];
    kefu_date from, to;
    bool has_from, has_to;

    if (!day_range(call, &from, &to, &has_from, &has_to) ||
        !kefu_param_page(call, 'q', cursor, limit))
        return;
    if (has_from)
        day_score(from, lo);
    if (has_to)
        day_score(kefu_date_add_days(to, 1), hi);
    const char *args[] = {kefu_json_str_or_empty(p, "department"), lo, hi, cursor, limit};
    visits_store_run(call, VISITS_LIST_QI, 5, args, NULL, NULL);
}

/* ---- WeeklyReport ---- */

/* Visits a report reads at most; beyond, it says rows_truncated. Bounds the
 * time one report holds Redis (each row is two hash reads). */
#define WEEK_MAX_ROWS "5000"

static void on_week(kefu_call *call, const char *json, size_t len, void *arg)
{
    const char *week = kefu_json_str(kefu_call_params(call), "week");
    cJSON *raw = cJSON_ParseWithLength(json, len), *out, *overdue, *item;
    visits_week_tally *t;
    kefu_date mon, sun;
    const cJSON *row;
    int64_t planned_open = 0, planned_done = 0, qi = 0, count = 0;

    (void)arg;
    if (!cJSON_IsObject(raw) || !(t = visits_week_tally_new())) {
        cJSON_Delete(raw);
        kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "storage returned a bad report");
        return;
    }
    visits_iso_week_range(week, &mon, &sun);
    cJSON_ArrayForEach(row, kefu_json_get(raw, "rows")) visits_week_tally_add(t, row);
    kefu_json_int(kefu_json_get(raw, "planned_open"), &planned_open);
    kefu_json_int(kefu_json_get(raw, "planned_done"), &planned_done);
    kefu_json_int(kefu_json_get(raw, "quality_info"), &qi);
    kefu_json_int(kefu_json_get(raw, "overdue_count"), &count);
    out = visits_week_tally_json(t, week, mon, sun, planned_open, planned_done);
    visits_week_tally_free(t);
    cJSON_AddNumberToObject(out, "quality_info_records", (double)qi);
    cJSON_AddBoolToObject(out, "rows_truncated",
                          cJSON_IsTrue(kefu_json_get(raw, "rows_truncated")));
    /* Overdue accounts: day numbers become dates. */
    overdue = cJSON_DetachItemFromObjectCaseSensitive(raw, "overdue_accounts");
    cJSON_ArrayForEach(item, overdue)
    {
        int64_t day = 0;
        char text[11];
        kefu_json_int(kefu_json_get(item, "oldest_due_day"), &day);
        kefu_date_format(kefu_date_from_days(day), text);
        cJSON_DeleteItemFromObjectCaseSensitive(item, "oldest_due_day");
        cJSON_AddStringToObject(item, "oldest_due_on", text);
    }
    cJSON_AddItemToObject(out, "overdue_accounts", overdue ? overdue : cJSON_CreateArray());
    cJSON_AddNumberToObject(out, "overdue_count", (double)count);
    cJSON_AddBoolToObject(out, "overdue_truncated",
                          cJSON_IsTrue(kefu_json_get(raw, "overdue_truncated")));
    cJSON_Delete(raw);
    kefu_call_reply_ok(call, out);
}

void visits_weekly_report(kefu_call *call)
{
    const char *week = kefu_json_str(kefu_call_params(call), "week");
    kefu_date mon, sun, today = kefu_time_to_date(kefu_call_now(call), kefu_call_tz(call));
    kefu_date as_of;
    char a[16], b[16], c[16];

    if (!visits_iso_week_range(week, &mon, &sun) || mon.year < VISITS_MIN_YEAR ||
        sun.year > VISITS_MAX_YEAR) {
        kefu_call_reply_error(call, KEFU_STATUS_INVALID_ARGUMENT, "week",
                              "params.week: must be an ISO week YYYY-Www (e.g. 2026-W49) between "
                              "%d and %d",
                              VISITS_MIN_YEAR, VISITS_MAX_YEAR);
        return;
    }
    /* Overdue as the week ended, or as of today for the current week. */
    as_of = kefu_date_add_days(sun, 1);
    if (kefu_date_compare(today, as_of) < 0)
        as_of = today;
    visits_day_text(mon, a);
    visits_day_text(sun, b);
    visits_day_text(as_of, c);
    const char *args[] = {a, b, c, WEEK_MAX_ROWS};
    visits_store_run(call, VISITS_WEEK, 4, args, on_week, NULL);
}
