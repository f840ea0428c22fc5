/*
 * stats.c - returns.Stats from the rows of rows.lua: counts by status,
 * settled credit by product category and by region (int64 cents), and the
 * reasons returns were rejected. Pure: no I/O.
 *
 * Names are counted in hash tables (rejection reasons are free text, so
 * there may be as many as there are returns); every money sum is checked
 * against RETURNS_MAX_TOTAL_CENTS, so no figure overflows or leaves the
 * range a JSON double holds exactly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "returns.h"

/*
 * A map of name -> int64 that remembers first-seen order: the entries sit
 * in arrays in that order, and `slots` (open addressing, linear probing, a
 * power of two at most half full) holds their indexes, -1 when empty.
 */
typedef struct {
    char **names;
    int64_t *values;
    size_t n, cap;
    long *slots;
    size_t n_slots;
} counter;

struct returns_tally {
    int64_t total, credit_total;
    counter by_status, by_category, by_region, reasons;
    int64_t reasons_untracked; /* rejections whose reason came after the cap */
    kefu_error err;            /* the first failure; status OK until then */
};

/* FNV-1a. */
static size_t hash_of(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (size_t)h;
}

/* Where `name` is in the slots, or the empty slot where it would go. */
static size_t slot_of(const counter *c, const char *name)
{
    size_t mask = c->n_slots - 1, i = hash_of(name) & mask;

    while (c->slots[i] >= 0 && strcmp(c->names[c->slots[i]], name) != 0)
        i = (i + 1) & mask;
    return i;
}

/* Room for one more entry; false when out of memory (nothing changed). */
static bool reserve(counter *c)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        char **names = realloc(c->names, cap * sizeof(*names));
        if (!names)
            return false;
        c->names = names;
        int64_t *values = realloc(c->values, cap * sizeof(*values));
        if (!values)
            return false;
        c->values = values;
        c->cap = cap;
    }
    if ((c->n + 1) * 2 > c->n_slots) {
        size_t n_slots = c->n_slots ? c->n_slots * 2 : 16;
        long *old = c->slots;

        c->slots = malloc(n_slots * sizeof(*c->slots));
        if (!c->slots) {
            c->slots = old;
            return false;
        }
        c->n_slots = n_slots;
        for (size_t i = 0; i < n_slots; i++)
            c->slots[i] = -1;
        for (size_t i = 0; i < c->n; i++)
            c->slots[slot_of(c, c->names[i])] = (long)i;
        free(old);
    }
    return true;
}

/*
 * The value of `name`: *out points at it (valid until the next insertion).
 * A name not there yet is added at 0 when `create`, else *out is NULL.
 * INTERNAL when out of memory.
 */
static kefu_status counter_at(counter *c, const char *name, bool create, int64_t **out)
{
    size_t i;

    *out = NULL;
    if (c->n_slots) {
        i = slot_of(c, name);
        if (c->slots[i] >= 0) {
            *out = &c->values[c->slots[i]];
            return KEFU_STATUS_OK;
        }
    }
    if (!create)
        return KEFU_STATUS_OK;
    if (!reserve(c))
        return KEFU_STATUS_INTERNAL;
    i = slot_of(c, name);
    if (!(c->names[c->n] = strdup(name)))
        return KEFU_STATUS_INTERNAL;
    c->values[c->n] = 0;
    c->slots[i] = (long)c->n;
    *out = &c->values[c->n++];
    return KEFU_STATUS_OK;
}

static void counter_free(counter *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->names[i]);
    free(c->names);
    free(c->values);
    free(c->slots);
}

static cJSON *counter_json(const counter *c, bool money)
{
    cJSON *o = cJSON_CreateObject();
    for (size_t i = 0; i < c->n; i++)
        cJSON_AddItemToObject(o, c->names[i],
                              money ? returns_cents(c->values[i])
                                    : cJSON_CreateNumber((double)c->values[i]));
    return o;
}

/* *sum += v, for money: false when v or the sum would leave
 * [0, RETURNS_MAX_TOTAL_CENTS] (*sum is then unchanged). */
static bool money_add(int64_t *sum, int64_t v)
{
    if (v < 0 || v > RETURNS_MAX_TOTAL_CENTS || *sum > RETURNS_MAX_TOTAL_CENTS - v)
        return false;
    *sum += v;
    return true;
}

returns_tally *returns_tally_new(void)
{
    returns_tally *t = calloc(1, sizeof(returns_tally));
    if (t)
        kefu_error_clear(&t->err);
    return t;
}

kefu_status returns_tally_check(const returns_tally *t, kefu_error *err)
{
    if (t->err.status != KEFU_STATUS_OK)
        *err = t->err;
    return t->err.status;
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

static kefu_status out_of_memory(kefu_error *err)
{
    return kefu_error_set(err, KEFU_STATUS_INTERNAL, NULL, "out of memory");
}

static kefu_status count_reason(returns_tally *t, const char *reason, kefu_error *err)
{
    bool room = t->reasons.n < RETURNS_STATS_MAX_REASONS;
    int64_t *v;

    if (counter_at(&t->reasons, reason, room, &v) != KEFU_STATUS_OK)
        return out_of_memory(err);
    if (v)
        (*v)++;
    else
        t->reasons_untracked++;
    return KEFU_STATUS_OK;
}

/* Adds `credit` of `category` in `region` to every money figure. */
static kefu_status add_credit(returns_tally *t, const char *id, const char *category,
                              const char *region, int64_t credit, kefu_error *err)
{
    int64_t *by_category, *by_region;

    if (counter_at(&t->by_category, category, true, &by_category) != KEFU_STATUS_OK ||
        counter_at(&t->by_region, region, true, &by_region) != KEFU_STATUS_OK)
        return out_of_memory(err);
    if (!money_add(&t->credit_total, credit) || !money_add(by_category, credit) ||
        !money_add(by_region, credit))
        return kefu_error_set(err, KEFU_STATUS_OUT_OF_RANGE, "from",
                              "settled credit in this range passes %lld cents (2^53 - 1) at "
                              "return %s; narrow from/to",
                              (long long)RETURNS_MAX_TOTAL_CENTS, id ? id : "?");
    return KEFU_STATUS_OK;
}

static kefu_status add_row(returns_tally *t, const cJSON *row, kefu_error *err)
{
    const char *status = kefu_json_str(row, "status"), *region = kefu_json_str(row, "region");
    const char *id = kefu_json_str(row, "id");
    const cJSON *items = kefu_json_get(row, "items"), *line;
    int64_t *v;

    if (!status || !region)
        return KEFU_STATUS_OK;
    if (counter_at(&t->by_status, status, true, &v) != KEFU_STATUS_OK)
        return out_of_memory(err);
    (*v)++;
    t->total++;
    if (strcmp(status, "rejected") == 0) {
        const char *reason = kefu_json_str(kefu_json_get(row, "rejection"), "reason");
        if (count_reason(t, reason ? reason : "", err) != KEFU_STATUS_OK)
            return err->status;
    }
    cJSON_ArrayForEach(line, kefu_json_get(kefu_json_get(row, "settlement"), "lines"))
    {
        int64_t n = 0, credit = 0;
        const char *category;

        if (!kefu_json_int(kefu_json_get(line, "line"), &n) ||
            !returns_cents_of(kefu_json_get(line, "credit_cents"), &credit) || credit == 0)
            continue;
        category = n >= 1 && n <= INT32_MAX
                       ? kefu_json_str(cJSON_GetArrayItem(items, (int)n - 1), "category")
                       : NULL;
        if (add_credit(t, id, category ? category : "", region, credit, err) != KEFU_STATUS_OK)
            return err->status;
    }
    return KEFU_STATUS_OK;
}

void returns_tally_add(returns_tally *t, const cJSON *row)
{
    if (t->err.status == KEFU_STATUS_OK)
        add_row(t, row, &t->err);
}

/* A reason's place in the ranking: its entry in `c`. */
typedef struct {
    size_t i;
    const counter *c;
} ranked;

/* Most frequent first, then by reason. */
static int ranked_cmp(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    int64_t cx = x->c->values[x->i], cy = y->c->values[y->i];

    if (cx != cy)
        return cx > cy ? -1 : 1;
    return strcmp(x->c->names[x->i], y->c->names[y->i]);
}

cJSON *returns_tally_json(const returns_tally *t)
{
    const counter *r = &t->reasons;
    cJSON *o = cJSON_CreateObject(), *reasons;
    int64_t other = t->reasons_untracked;
    ranked *order = r->n ? malloc(r->n * sizeof(*order)) : NULL;

    cJSON_AddNumberToObject(o, "total", (double)t->total);
    cJSON_AddItemToObject(o, "by_status", counter_json(&t->by_status, false));
    cJSON_AddItemToObject(o, "credit_total_cents", returns_cents(t->credit_total));
    cJSON_AddItemToObject(o, "credit_by_category", counter_json(&t->by_category, true));
    cJSON_AddItemToObject(o, "credit_by_region", counter_json(&t->by_region, true));
    reasons = cJSON_AddArrayToObject(o, "rejection_reasons");
    if (r->n && !order) {
        cJSON_Delete(o);
        return NULL;
    }
    for (size_t i = 0; i < r->n; i++)
        order[i] = (ranked){i, r};
    if (r->n)
        qsort(order, r->n, sizeof(*order), ranked_cmp);
    for (size_t k = 0; k < r->n; k++) {
        size_t i = order[k].i;
        if (k >= RETURNS_STATS_TOP_REASONS) {
            other += r->values[i];
            continue;
        }
        cJSON *row = cJSON_CreateObject();
        cJSON_AddStringToObject(row, "reason", r->names[i]);
        cJSON_AddNumberToObject(row, "count", (double)r->values[i]);
        cJSON_AddItemToArray(reasons, row);
    }
    cJSON_AddNumberToObject(o, "rejection_reasons_other", (double)other);
    free(order);
    return o;
}
