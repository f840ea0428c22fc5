/*
 * record.c - a new return built from Create's validated params (items
 * evaluated by the policy, boxes checked and labelled, freight), and the
 * settlement computed from a stored record. Pure: no I/O, no clock. Money is
 * int64 cents throughout and written as integer text; it never passes
 * through floating point arithmetic.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "returns.h"

cJSON *returns_cents(int64_t cents)
{
    char text[24];
    snprintf(text, sizeof(text), "%" PRId64, cents);
    return cJSON_CreateRaw(text);
}

bool returns_cents_of(const cJSON *v, int64_t *out)
{
    return kefu_json_int(v, out);
}

bool returns_id_valid(const char *id, char prefix)
{
    size_t n = id ? strlen(id) : 0;

    if (n < 12 || n > 16 || id[0] != prefix || id[5] != '-')
        return false;
    for (size_t i = 1; i < n; i++) {
        if (i != 5 && !isdigit((unsigned char)id[i]))
            return false;
    }
    return true;
}

static int64_t int_of(const cJSON *obj, const char *key)
{
    int64_t v = 0;
    kefu_json_int(kefu_json_get(obj, key), &v);
    return v;
}

static cJSON *copy_or_null(const cJSON *obj, const char *key)
{
    const cJSON *v = kefu_json_get(obj, key);
    return v ? cJSON_Duplicate(v, true) : cJSON_CreateNull();
}

/* An error of the policy's rules for item `i`: its field inside items[i]. */
static kefu_status item_error(kefu_error *err, int i, const kefu_error *inner)
{
    char field[300];
    const char *f = strcmp(inner->field, "on_date") == 0 ? "production_date" : inner->field;

    snprintf(field, sizeof(field), "items[%d].%s", i, f);
    return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, field, "params.%s: %s", field,
                          inner->message);
}

/* One stored item: the params' fields, the condition in effect and the
 * evaluation on `today`, with the credit the remedy earns. */
static kefu_status build_item(const returns_policy *policy, const cJSON *in, int i, kefu_date today,
                              cJSON **out, kefu_error *err)
{
    const char *component = kefu_json_str(in, "component");
    const char *condition = kefu_json_str(in, "condition");
    const char *produced_text = kefu_json_str(in, "production_date");
    int64_t quantity = int_of(in, "quantity"), price = int_of(in, "unit_price_cents");
    kefu_date produced = {0, 0, 0};
    returns_evaluation e;
    kefu_error inner;
    cJSON *item, *ev;
    bool credit;

    kefu_date_parse(produced_text, strlen(produced_text), &produced); /* the schema checked it */
    if (returns_evaluate(policy, kefu_json_str(in, "category"), component, produced, condition,
                         today, &e, &inner) != KEFU_STATUS_OK)
        return item_error(err, i, &inner);
    if (kefu_date_compare(produced, today) > 0) {
        char field[48];
        snprintf(field, sizeof(field), "items[%d].production_date", i);
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, field,
                              "params.%s: %s is after today", field, produced_text);
    }
    credit = e.covered && strcmp(e.remedy, "credit") == 0;
    item = cJSON_CreateObject();
    cJSON_AddNumberToObject(item, "line", i + 1);
    cJSON_AddStringToObject(item, "model", kefu_json_str(in, "model"));
    cJSON_AddStringToObject(item, "category", kefu_json_str(in, "category"));
    cJSON_AddItemToObject(item, "component", copy_or_null(in, "component"));
    cJSON_AddNumberToObject(item, "quantity", (double)quantity);
    cJSON_AddStringToObject(item, "production_date", produced_text);
    cJSON_AddItemToObject(item, "unit_price_cents", returns_cents(price));
    cJSON_AddStringToObject(item, "condition",
                            condition ? condition : returns_policy_default_condition(policy));
    cJSON_AddItemToObject(item, "defect", copy_or_null(in, "defect"));
    ev = cJSON_CreateObject();
    cJSON_AddBoolToObject(ev, "covered", e.covered);
    cJSON_AddStringToObject(ev, "remedy", e.remedy);
    if (e.has_expiry) {
        char d[11];
        kefu_date_format(e.expires_on, d);
        cJSON_AddStringToObject(ev, "expires_on", d);
    } else {
        cJSON_AddNullToObject(ev, "expires_on");
    }
    cJSON_AddItemToObject(ev, "credit_cents", returns_cents(credit ? quantity * price : 0));
    cJSON_AddStringToObject(ev, "rule", e.rule);
    if (e.needs_approval)
        cJSON_AddStringToObject(ev, "needs_approval", e.needs_approval);
    else
        cJSON_AddNullToObject(ev, "needs_approval");
    cJSON_AddItemToObject(item, "evaluation", ev);
    *out = item;
    return KEFU_STATUS_OK;
}

/*
 * The boxes: every line names an item, once per box, and the quantities of
 * each item over all boxes add up to exactly its quantity. The first fault
 * is named: a box line that takes an item over its quantity, else an item
 * whose boxes hold less.
 */
static kefu_status build_boxes(const cJSON *items, const cJSON *boxes, const char *short_name,
                               cJSON **out, kefu_error *err)
{
    int64_t packed[RETURNS_MAX_ITEMS] = {0};
    int n_items = cJSON_GetArraySize(items), b = 0;
    const cJSON *box, *item;
    cJSON *result = cJSON_CreateArray();
    char field[64], label[128];

    cJSON_ArrayForEach(box, boxes)
    {
        bool in_box[RETURNS_MAX_ITEMS] = {false};
        const cJSON *line;
        cJSON *o = cJSON_CreateObject(), *lines = cJSON_CreateArray();
        int l = 0;

        cJSON_AddItemToArray(result, o);
        cJSON_AddNumberToObject(o, "seq", b + 1);
        snprintf(label, sizeof(label), "%s-%d", short_name, b + 1);
        cJSON_AddStringToObject(o, "label", label);
        cJSON_AddItemToObject(o, "lines", lines);
        cJSON_ArrayForEach(line, kefu_json_get(box, "lines"))
        {
            int64_t n = int_of(line, "line"), q = int_of(line, "quantity"), want;
            cJSON *ol;

            if (n < 1 || n > n_items) {
                snprintf(field, sizeof(field), "boxes[%d].lines[%d].line", b, l);
                kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, field,
                               "params.%s: there is no item line %" PRId64 " (items has %d)", field,
                               n, n_items);
                goto fail;
            }
            if (in_box[n - 1]) {
                snprintf(field, sizeof(field), "boxes[%d].lines[%d].line", b, l);
                kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, field,
                               "params.%s: item line %" PRId64 " appears twice in this box", field,
                               n);
                goto fail;
            }
            in_box[n - 1] = true;
            want = int_of(cJSON_GetArrayItem(items, (int)n - 1), "quantity");
            packed[n - 1] += q;
            if (packed[n - 1] > want) {
                snprintf(field, sizeof(field), "boxes[%d].lines[%d].quantity", b, l);
                kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, field,
                               "params.%s: the boxes hold %" PRId64 " of item line %" PRId64
                               " but its quantity is %" PRId64,
                               field, packed[n - 1], n, want);
                goto fail;
            }
            ol = cJSON_CreateObject();
            cJSON_AddNumberToObject(ol, "line", (double)n);
            cJSON_AddNumberToObject(ol, "quantity", (double)q);
            cJSON_AddItemToArray(lines, ol);
            l++;
        }
        b++;
    }
    b = 0;
    cJSON_ArrayForEach(item, items)
    {
        int64_t want = int_of(item, "quantity");
        if (packed[b] != want) {
            snprintf(field, sizeof(field), "items[%d].quantity", b);
            kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, field,
                           "params.%s: quantity %" PRId64 " but the boxes hold %" PRId64, field,
                           want, packed[b]);
            goto fail;
        }
        b++;
    }
    *out = result;
    return KEFU_STATUS_OK;
fail:
    cJSON_Delete(result);
    return KEFU_STATUS_INVALID_ARGUMENT;
}

/* Freight by the policy's stations; the station's id when it lists it. */
static kefu_status build_freight(const returns_policy *policy, const cJSON *params, cJSON *rec,
                                 kefu_error *err)
{
    const char *station = kefu_json_str(params, "freight_station");
    const char *reason = kefu_json_str(params, "station_reason");
    returns_freight_result f;
    kefu_error inner;

    if (returns_freight(policy, station, reason, &f, &inner) != KEFU_STATUS_OK) {
        const char *field = strcmp(inner.field, "station") == 0 ? "freight_station" : inner.field;
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, field, "params.%s: %s", field,
                              inner.message);
    }
    cJSON_AddStringToObject(rec, "freight_station", f.station ? f.station : station);
    cJSON_AddItemToObject(rec, "station_reason", copy_or_null(params, "station_reason"));
    cJSON_AddBoolToObject(rec, "customer_bears_freight", f.customer_bears_freight);
    return KEFU_STATUS_OK;
}

/* The record's stored fields (id aside) in the order lib.lua renders them. */
static kefu_status build_record(const returns_policy *policy, const cJSON *params, kefu_ms now,
                                cJSON **out, kefu_error *err)
{
    int tz = returns_policy_tz_minutes(policy);
    kefu_date today = kefu_time_to_date(now, tz);
    const cJSON *customer = kefu_json_get(params, "customer"), *in;
    cJSON *rec = cJSON_CreateObject(), *items, *boxes = NULL, *c;
    char when[32];
    int i = 0;

    cJSON_AddStringToObject(rec, "status", "draft");
    c = cJSON_AddObjectToObject(rec, "customer");
    cJSON_AddItemToObject(c, "id", copy_or_null(customer, "id"));
    cJSON_AddStringToObject(c, "short_name", kefu_json_str(customer, "short_name"));
    cJSON_AddStringToObject(c, "name", kefu_json_str(customer, "name"));
    cJSON_AddStringToObject(rec, "region", kefu_json_str(params, "region"));
    cJSON_AddStringToObject(rec, "regional_manager", kefu_json_str(params, "regional_manager"));
    cJSON_AddStringToObject(rec, "reason", kefu_json_str(params, "reason"));
    if (build_freight(policy, params, rec, err) != KEFU_STATUS_OK)
        goto fail;
    items = cJSON_AddArrayToObject(rec, "items");
    cJSON_ArrayForEach(in, kefu_json_get(params, "items"))
    {
        cJSON *item;
        if (build_item(policy, in, i++, today, &item, err) != KEFU_STATUS_OK)
            goto fail;
        cJSON_AddItemToArray(items, item);
    }
    if (build_boxes(items, kefu_json_get(params, "boxes"), kefu_json_str(customer, "short_name"),
                    &boxes, err) != KEFU_STATUS_OK)
        goto fail;
    cJSON_AddItemToObject(rec, "boxes", boxes);
    static const char *const unset[] = {"signatures",   "approval",    "rejection",
                                        "shipment",     "receipt",     "settlement",
                                        "cancellation", "quota_month", NULL};
    for (int k = 0; unset[k]; k++)
        cJSON_AddNullToObject(rec, unset[k]);
    cJSON_AddItemToObject(rec, "complaint_id", copy_or_null(params, "complaint_id"));
    kefu_time_format_rfc3339(now, tz, when);
    cJSON_AddStringToObject(rec, "created_at", when);
    cJSON_AddStringToObject(rec, "updated_at", when);
    cJSON_AddNumberToObject(rec, "version", 1);
    *out = rec;
    return KEFU_STATUS_OK;
fail:
    cJSON_Delete(rec);
    return err->status;
}

kefu_status returns_create_args_build(returns_create_args *a, const returns_policy *policy,
                                      const cJSON *params, kefu_ms now, kefu_error *err)
{
    const char *complaint_id = kefu_json_str(params, "complaint_id");
    int tz = returns_policy_tz_minutes(policy);
    cJSON *rec = NULL, *f, *details;
    bool ok = true;

    memset(a, 0, sizeof(*a));
    if (complaint_id && !returns_id_valid(complaint_id, 'C'))
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "complaint_id",
                              "params.complaint_id: must look like C2026-000001");
    kefu_json_id_text(kefu_json_get(kefu_json_get(params, "customer"), "id"), a->customer);
    if (build_record(policy, params, now, &rec, err) != KEFU_STATUS_OK)
        return err->status;
    snprintf(a->year, sizeof(a->year), "%04d", kefu_time_to_date(now, tz).year);
    snprintf(a->created_ms, sizeof(a->created_ms), "%lld", (long long)now);
    snprintf(a->boxes, sizeof(a->boxes), "%d", cJSON_GetArraySize(kefu_json_get(params, "boxes")));
    details = cJSON_CreateObject();
    cJSON_AddItemToObject(details, "customer_bears_freight",
                          cJSON_Duplicate(kefu_json_get(rec, "customer_bears_freight"), true));
    cJSON_AddNumberToObject(details, "items", cJSON_GetArraySize(kefu_json_get(rec, "items")));
    cJSON_AddNumberToObject(details, "boxes", cJSON_GetArraySize(kefu_json_get(rec, "boxes")));
    cJSON_AddItemToObject(details, "complaint_id", copy_or_null(params, "complaint_id"));
    a->texts[a->n_texts++] = cJSON_PrintUnformatted(details);
    cJSON_Delete(details);
    a->argv[a->argc++] = a->year;
    a->argv[a->argc++] = a->customer;
    a->argv[a->argc++] = kefu_json_str(params, "region");
    a->argv[a->argc++] = a->created_ms;
    a->argv[a->argc++] = a->boxes;
    a->argv[a->argc++] = complaint_id ? complaint_id : "";
    a->argv[a->argc++] = a->texts[0];
    /* The record's fields as name / JSON text pairs, stored as they are. */
    cJSON_ArrayForEach(f, rec)
    {
        a->argv[a->argc++] = f->string;
        a->argv[a->argc++] = a->texts[a->n_texts++] = cJSON_PrintUnformatted(f);
    }
    for (int i = 0; i < a->n_texts; i++)
        ok = ok && a->texts[i] != NULL;
    a->rec = rec; /* the names point into it: it lives as long as the args */
    if (!ok) {
        returns_create_args_free(a);
        return kefu_error_set(err, KEFU_STATUS_INTERNAL, NULL, "out of memory");
    }
    return KEFU_STATUS_OK;
}

void returns_create_args_free(returns_create_args *a)
{
    for (int i = 0; i < a->n_texts; i++)
        cJSON_free(a->texts[i]);
    cJSON_Delete(a->rec);
    memset(a, 0, sizeof(*a));
}

kefu_status returns_settlement_build(const cJSON *record, const cJSON *lines,
                                     const char *settled_at, cJSON **out, kefu_error *err)
{
    const cJSON *items = kefu_json_get(record, "items"), *in;
    int n_items = cJSON_GetArraySize(items), i = 0;
    int settled[RETURNS_MAX_ITEMS] = {0};
    int64_t total = 0;
    cJSON *result, *list;
    char field[64];

    if (n_items > RETURNS_MAX_ITEMS)
        return kefu_error_set(err, KEFU_STATUS_INTERNAL, NULL, "stored return has too many items");
    cJSON_ArrayForEach(in, lines)
    {
        int64_t n = int_of(in, "line");
        if (n < 1 || n > n_items || settled[n - 1]) {
            snprintf(field, sizeof(field), "lines[%d].line", i);
            return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, field,
                                  n < 1 || n > n_items ? "params.%s: there is no item line %" PRId64
                                                       : "params.%s: item line %" PRId64
                                                         " is settled twice",
                                  field, n);
        }
        settled[n - 1] = i + 1;
        i++;
    }
    for (int k = 0; k < n_items; k++) {
        if (!settled[k])
            return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "lines",
                                  "params.lines: item line %d is not settled; every item line "
                                  "is settled exactly once",
                                  k + 1);
    }
    result = cJSON_CreateObject();
    list = cJSON_AddArrayToObject(result, "lines");
    for (int k = 0; k < n_items; k++) {
        const cJSON *item = cJSON_GetArrayItem(items, k), *ev = kefu_json_get(item, "evaluation");
        const cJSON *line = cJSON_GetArrayItem(lines, settled[k] - 1);
        const char *outcome = kefu_json_str(line, "outcome");
        int64_t quantity = 0, price = 0, credit = 0;
        cJSON *o;

        if (!kefu_json_int(kefu_json_get(item, "quantity"), &quantity) ||
            !returns_cents_of(kefu_json_get(item, "unit_price_cents"), &price)) {
            cJSON_Delete(result);
            return kefu_error_set(err, KEFU_STATUS_INTERNAL, NULL, "stored item %d is damaged",
                                  k + 1);
        }
        if (strcmp(outcome, "credit") == 0) {
            const char *remedy = kefu_json_str(ev, "remedy");
            if (!cJSON_IsTrue(kefu_json_get(ev, "covered")) || !remedy ||
                strcmp(remedy, "credit") != 0) {
                snprintf(field, sizeof(field), "lines[%d].outcome", settled[k] - 1);
                kefu_error_set(err, KEFU_STATUS_FAILED_PRECONDITION, field,
                               "params.%s: item line %d may not be credited: its evaluation is "
                               "%s (%s)",
                               field, k + 1, remedy ? remedy : "?",
                               kefu_json_str(ev, "rule") ? kefu_json_str(ev, "rule") : "?");
                cJSON_Delete(result);
                return err->status;
            }
            credit = quantity * price;
        }
        total += credit;
        o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "line", k + 1);
        cJSON_AddStringToObject(o, "outcome", outcome);
        cJSON_AddItemToObject(o, "credit_cents", returns_cents(credit));
        cJSON_AddItemToArray(list, o);
    }
    cJSON_AddItemToObject(result, "credit_total_cents", returns_cents(total));
    cJSON_AddStringToObject(result, "settled_at", settled_at);
    *out = result;
    return KEFU_STATUS_OK;
}
