/*
 * stats.c - Stats, Ledger rows and the monthly supervision report, computed
 * from the rows store.c reads (rows.lua). Pure: no I/O; `now` is passed in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "complaints.h"
#include "csv.h"
#include "json.h"

static const char *const statuses[] = {"received", "assigned",  "resolved",
                                       "closed",   "withdrawn", NULL};
static const char *const categories[] = {"quality",       "delivery", "service",
                                         "documentation", "other",    NULL};

struct complaints_tally {
    int64_t total, closed, overdue_now;
    int64_t by_status[5], by_category[5];
    cJSON *by_department; /* name -> count */
    int64_t resolved, on_time, rated;
    double resolution_hours, rating_sum;
};

static int index_of(const char *const *list, const char *s)
{
    for (int i = 0; s && list[i]; i++) {
        if (strcmp(list[i], s) == 0)
            return i;
    }
    return -1;
}

/* A millisecond field of a row, or -1 when null. */
static int64_t ms_of(const cJSON *row, const char *key)
{
    int64_t v;
    return kefu_json_int(kefu_json_get(row, key), &v) ? v : -1;
}

complaints_tally *complaints_tally_new(void)
{
    complaints_tally *s = calloc(1, sizeof(*s));
    if (s)
        s->by_department = cJSON_CreateObject();
    return s;
}

void complaints_tally_free(complaints_tally *s)
{
    if (!s)
        return;
    cJSON_Delete(s->by_department);
    free(s);
}

void complaints_tally_add(complaints_tally *s, const cJSON *row, kefu_ms now)
{
    const char *status = kefu_json_str(row, "status");
    const char *dept = kefu_json_str(row, "department");
    int64_t received = ms_of(row, "received_ms"), due = ms_of(row, "due_ms");
    int64_t resolved = ms_of(row, "resolved_ms");
    const cJSON *conf = kefu_json_get(row, "confirmation");
    int64_t rating;
    int i;
    cJSON *d;

    s->total++;
    if ((i = index_of(statuses, status)) >= 0)
        s->by_status[i]++;
    if ((i = index_of(categories, kefu_json_str(row, "category"))) >= 0)
        s->by_category[i]++;
    d = cJSON_GetObjectItemCaseSensitive(s->by_department, dept ? dept : "");
    if (d)
        cJSON_SetNumberValue(d, d->valuedouble + 1);
    else
        cJSON_AddNumberToObject(s->by_department, dept ? dept : "", 1);
    if (status && strcmp(status, "closed") == 0)
        s->closed++;
    if (status && strcmp(status, "assigned") == 0 && due >= 0 && due < now)
        s->overdue_now++;
    if (resolved >= 0) {
        s->resolved++;
        if (due >= 0 && resolved <= due)
            s->on_time++;
        if (received >= 0)
            s->resolution_hours += (double)(resolved - received) / 3600000.0;
    }
    if (kefu_json_int(kefu_json_get(conf, "rating"), &rating)) {
        s->rated++;
        s->rating_sum += (double)rating;
    }
}

static cJSON *counts(const char *const *names, const int64_t *n)
{
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; names[i]; i++)
        cJSON_AddNumberToObject(o, names[i], (double)n[i]);
    return o;
}

/* A ratio rounded to 4 places, or null when there is nothing to divide. */
static cJSON *ratio(double num, int64_t den, double scale)
{
    if (den == 0)
        return cJSON_CreateNull();
    return cJSON_CreateNumber((double)(long long)(num / (double)den * scale + 0.5) / scale);
}

cJSON *complaints_tally_json(const complaints_tally *s)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddNumberToObject(o, "total", (double)s->total);
    cJSON_AddItemToObject(o, "by_status", counts(statuses, s->by_status));
    cJSON_AddItemToObject(o, "by_category", counts(categories, s->by_category));
    cJSON_AddItemToObject(o, "by_department", cJSON_Duplicate(s->by_department, true));
    cJSON_AddNumberToObject(o, "closed", (double)s->closed);
    cJSON_AddItemToObject(o, "on_time_rate", ratio((double)s->on_time, s->resolved, 10000));
    cJSON_AddItemToObject(o, "avg_resolution_hours", ratio(s->resolution_hours, s->resolved, 100));
    cJSON_AddItemToObject(o, "avg_rating", ratio(s->rating_sum, s->rated, 100));
    cJSON_AddNumberToObject(o, "overdue_now", (double)s->overdue_now);
    return o;
}

static cJSON *dup_or_null(const cJSON *v)
{
    return v ? cJSON_Duplicate(v, true) : cJSON_CreateNull();
}

cJSON *complaints_ledger_row(const cJSON *row)
{
    const cJSON *res = kefu_json_get(row, "resolution");
    const cJSON *conf = kefu_json_get(row, "confirmation");
    int64_t due = ms_of(row, "due_ms"), resolved = ms_of(row, "resolved_ms");
    cJSON *o = cJSON_CreateObject();

    cJSON_AddItemToObject(o, "id", dup_or_null(kefu_json_get(row, "id")));
    cJSON_AddItemToObject(o, "received_at", dup_or_null(kefu_json_get(row, "received_at")));
    cJSON_AddItemToObject(o, "customer_id",
                          dup_or_null(kefu_json_get(kefu_json_get(row, "customer"), "id")));
    cJSON_AddItemToObject(o, "customer",
                          dup_or_null(kefu_json_get(kefu_json_get(row, "customer"), "name")));
    cJSON_AddItemToObject(o, "product_model",
                          dup_or_null(kefu_json_get(kefu_json_get(row, "product"), "model")));
    cJSON_AddItemToObject(o, "category", dup_or_null(kefu_json_get(row, "category")));
    cJSON_AddItemToObject(o, "severity", dup_or_null(kefu_json_get(row, "severity")));
    cJSON_AddItemToObject(o, "department", dup_or_null(kefu_json_get(row, "department")));
    cJSON_AddItemToObject(o, "due_at", dup_or_null(kefu_json_get(row, "due_at")));
    cJSON_AddItemToObject(o, "resolved_at", dup_or_null(kefu_json_get(res, "resolved_at")));
    if (resolved >= 0 && due >= 0)
        cJSON_AddBoolToObject(o, "on_time", resolved <= due);
    else
        cJSON_AddNullToObject(o, "on_time");
    cJSON_AddItemToObject(o, "closed_at", dup_or_null(kefu_json_get(row, "closed_at")));
    cJSON_AddItemToObject(o, "satisfied", dup_or_null(kefu_json_get(conf, "satisfied")));
    cJSON_AddItemToObject(o, "rating", dup_or_null(kefu_json_get(conf, "rating")));
    return o;
}

/* A cell as CSV text: strings as they are, numbers and booleans printed, null empty. */
static void cell(kefu_buf *out, const cJSON *v, bool first)
{
    char num[32];

    if (cJSON_IsString(v)) {
        kefu_csv_field(out, v->valuestring, first);
    } else if (cJSON_IsBool(v)) {
        kefu_csv_field(out, cJSON_IsTrue(v) ? "true" : "false", first);
    } else if (cJSON_IsNumber(v)) {
        snprintf(num, sizeof(num), "%lld", (long long)v->valuedouble);
        kefu_csv_field(out, num, first);
    } else {
        kefu_csv_field(out, "", first);
    }
}

void complaints_ledger_csv(const cJSON *rows, kefu_buf *out)
{
    static const char *const cols[] = {
        "id",       "received_at", "customer_id", "customer", "product_model",
        "category", "severity",    "department",  "due_at",   "resolved_at",
        "on_time",  "closed_at",   "satisfied",   "rating",   NULL};
    const cJSON *row;

    for (int i = 0; cols[i]; i++)
        kefu_csv_field(out, cols[i], i == 0);
    kefu_csv_end_row(out);
    cJSON_ArrayForEach(row, rows)
    {
        for (int i = 0; cols[i]; i++)
            cell(out, kefu_json_get(row, cols[i]), i == 0);
        kefu_csv_end_row(out);
    }
}

static cJSON *brief(const cJSON *row)
{
    const cJSON *res = kefu_json_get(row, "resolution");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "id", dup_or_null(kefu_json_get(row, "id")));
    cJSON_AddItemToObject(o, "title", dup_or_null(kefu_json_get(row, "title")));
    cJSON_AddItemToObject(o, "department", dup_or_null(kefu_json_get(row, "department")));
    cJSON_AddItemToObject(o, "status", dup_or_null(kefu_json_get(row, "status")));
    cJSON_AddItemToObject(o, "due_at", dup_or_null(kefu_json_get(row, "due_at")));
    cJSON_AddItemToObject(o, "resolved_at", dup_or_null(kefu_json_get(res, "resolved_at")));
    cJSON_AddItemToObject(o, "reopened", dup_or_null(kefu_json_get(row, "reopened")));
    return o;
}

/* Per-department statistics in first-seen order ("" = not yet assigned). */
typedef struct {
    char name[512]; /* 100 characters of up to 4 bytes */
    complaints_tally *stats;
} dept_stats;

static complaints_tally *dept_find(dept_stats **list, int *n, const char *name)
{
    dept_stats *more;

    for (int i = 0; i < *n; i++) {
        if (strcmp((*list)[i].name, name) == 0)
            return (*list)[i].stats;
    }
    more = realloc(*list, (size_t)(*n + 1) * sizeof(**list));
    if (!more)
        return NULL;
    *list = more;
    snprintf(more[*n].name, sizeof(more[*n].name), "%s", name);
    more[*n].stats = complaints_tally_new();
    return more[(*n)++].stats;
}

cJSON *complaints_report_build(const cJSON *rows, const char *month, kefu_ms now, int tz)
{
    complaints_tally *all = complaints_tally_new();
    dept_stats *depts = NULL;
    int n_depts = 0;
    cJSON *report = cJSON_CreateObject(), *list, *overdue, *reopened;
    const cJSON *row;
    char text[32];

    cJSON_AddStringToObject(report, "month", month);
    kefu_time_format_rfc3339(now, tz, text);
    cJSON_AddStringToObject(report, "generated_at", text);
    cJSON_AddBoolToObject(report, "frozen", false);
    overdue = cJSON_CreateArray();
    reopened = cJSON_CreateArray();
    cJSON_ArrayForEach(row, rows)
    {
        const char *dept = kefu_json_str(row, "department");
        const char *status = kefu_json_str(row, "status");
        int64_t due = ms_of(row, "due_ms"), resolved = ms_of(row, "resolved_ms"), n;
        complaints_tally *ds = dept_find(&depts, &n_depts, dept ? dept : "");

        complaints_tally_add(all, row, now);
        if (ds)
            complaints_tally_add(ds, row, now);
        /* Late: overdue now, or resolved after the due date. */
        if ((status && strcmp(status, "assigned") == 0 && due >= 0 && due < now) ||
            (resolved >= 0 && due >= 0 && resolved > due))
            cJSON_AddItemToArray(overdue, brief(row));
        if (kefu_json_int(kefu_json_get(row, "reopened"), &n) && n > 0)
            cJSON_AddItemToArray(reopened, brief(row));
    }
    cJSON_AddItemToObject(report, "total", complaints_tally_json(all));
    list = cJSON_AddArrayToObject(report, "departments");
    for (int i = 0; i < n_depts; i++) {
        cJSON *entry = cJSON_CreateObject();
        cJSON_AddStringToObject(entry, "department", depts[i].name);
        cJSON_AddItemToObject(entry, "stats", complaints_tally_json(depts[i].stats));
        cJSON_AddItemToArray(list, entry);
        complaints_tally_free(depts[i].stats);
    }
    free(depts);
    cJSON_AddItemToObject(report, "overdue", overdue);
    cJSON_AddItemToObject(report, "reopened", reopened);
    complaints_tally_free(all);
    return report;
}
