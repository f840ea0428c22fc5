/*
 * stats.c - returns.Stats from the rows of rows.lua: counts by status,
 * settled credit by product category and by region (int64 cents), and the
 * reasons returns were rejected. Pure: no I/O.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "returns.h"

/* A small map of name -> int64, kept in first-seen order. */
typedef struct {
    char **names;
    int64_t *values;
    int n, cap;
} counter;

struct returns_tally {
    int64_t total, credit_total;
    counter by_status, by_category, by_region, reasons;
};

static void counter_add(counter *c, const char *name, int64_t v)
{
    for (int i = 0; i < c->n; i++) {
        if (strcmp(c->names[i], name) == 0) {
            c->values[i] += v;
            return;
        }
    }
    if (c->n == c->cap) {
        int cap = c->cap ? c->cap * 2 : 8;
        char **names = realloc(c->names, (size_t)cap * sizeof(*names));
        int64_t *values;
        if (!names)
            return;
        c->names = names;
        values = realloc(c->values, (size_t)cap * sizeof(*values));
        if (!values)
            return;
        c->values = values;
        c->cap = cap;
    }
    if (!(c->names[c->n] = strdup(name)))
        return;
    c->values[c->n++] = v;
}

static void counter_free(counter *c)
{
    for (int i = 0; i < c->n; i++)
        free(c->names[i]);
    free(c->names);
    free(c->values);
}

static cJSON *counter_json(const counter *c, bool money)
{
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; i < c->n; i++)
        cJSON_AddItemToObject(o, c->names[i],
                              money ? returns_cents(c->values[i])
                                    : cJSON_CreateNumber((double)c->values[i]));
    return o;
}

returns_tally *returns_tally_new(void)
{
    return calloc(1, sizeof(returns_tally));
}

void returns_tally_free(returns_tally *t)
{
    if (!t)
        return;
    counter_free(&t->by_status);
    counter_free(&t->by_category);
    counter_free(&t->by_region);
    counter_free(&t->reasons);
    free(t);
}

void returns_tally_add(returns_tally *t, const cJSON *row)
{
    const char *status = kefu_json_str(row, "status"), *region = kefu_json_str(row, "region");
    const cJSON *items = kefu_json_get(row, "items"), *line;

    if (!status || !region)
        return;
    t->total++;
    counter_add(&t->by_status, status, 1);
    if (strcmp(status, "rejected") == 0) {
        const char *reason = kefu_json_str(kefu_json_get(row, "rejection"), "reason");
        counter_add(&t->reasons, reason ? reason : "", 1);
    }
    cJSON_ArrayForEach(line, kefu_json_get(kefu_json_get(row, "settlement"), "lines"))
    {
        int64_t n = 0, credit = 0;
        const char *category;

        if (!kefu_json_int(kefu_json_get(line, "line"), &n) ||
            !returns_cents_of(kefu_json_get(line, "credit_cents"), &credit) || credit == 0)
            continue;
        category = kefu_json_str(cJSON_GetArrayItem(items, (int)n - 1), "category");
        t->credit_total += credit;
        counter_add(&t->by_category, category ? category : "", credit);
        counter_add(&t->by_region, region, credit);
    }
}

static int by_count_desc(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    int64_t cx = 0, cy = 0;

    kefu_json_int(kefu_json_get(x, "count"), &cx);
    kefu_json_int(kefu_json_get(y, "count"), &cy);
    if (cx != cy)
        return cx > cy ? -1 : 1;
    return strcmp(kefu_json_str(x, "reason"), kefu_json_str(y, "reason"));
}

cJSON *returns_tally_json(const returns_tally *t)
{
    cJSON *o = cJSON_CreateObject(), *reasons, **rows;
    int n = t->reasons.n;

    cJSON_AddNumberToObject(o, "total", (double)t->total);
    cJSON_AddItemToObject(o, "by_status", counter_json(&t->by_status, false));
    cJSON_AddItemToObject(o, "credit_total_cents", returns_cents(t->credit_total));
    cJSON_AddItemToObject(o, "credit_by_category", counter_json(&t->by_category, true));
    cJSON_AddItemToObject(o, "credit_by_region", counter_json(&t->by_region, true));
    reasons = cJSON_AddArrayToObject(o, "rejection_reasons");
    rows = n ? calloc((size_t)n, sizeof(*rows)) : NULL;
    for (int i = 0; rows && i < n; i++) {
        rows[i] = cJSON_CreateObject();
        cJSON_AddStringToObject(rows[i], "reason", t->reasons.names[i]);
        cJSON_AddNumberToObject(rows[i], "count", (double)t->reasons.values[i]);
    }
    if (rows) {
        qsort(rows, (size_t)n, sizeof(*rows), by_count_desc);
        for (int i = 0; i < n; i++)
            cJSON_AddItemToArray(reasons, rows[i]);
        free(rows);
    }
    return o;
}
