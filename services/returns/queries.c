/*
 * queries.c - returns.Get, History, List, PackingList and Stats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "params.h"
#include "returns.h"

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
    int tz = tz_of(call);
    char customer[KEFU_ID_TEXT_SIZE], from_ms[24], to_ms[24], limit[24], order[24];

    if (!kefu_param_page(call, 'o', order, limit))
        return;
    kefu_json_id_text(kefu_json_get(p, "customer_id"), customer);
    kefu_param_day_ms(call, "from", tz, 0, from_ms);
    kefu_param_day_ms(call, "to", tz, 1, to_ms);
    const char *args[] = {kefu_json_str_or_empty(p, "status"),
                          customer,
                          kefu_json_str_or_empty(p, "region"),
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

/* A Stats call across its steps: the range, where the next step goes on,
 * and the counts so far. The call owns it. */
typedef struct {
    returns_tally *tally;
    char from_ms[24], to_ms[24], batch[16];
    char cursor[40]; /* the last id examined; "" before the first step */
} stats_state;

static void stats_state_free(void *p)
{
    stats_state *st = p;
    returns_tally_free(st->tally);
    free(st);
}

static void stats_step(kefu_call *call, stats_state *st);

/* One step's rows counted; the next step, or the answer when the range is
 * done. Each step is a short script and a short parse, and the loop serves
 * other calls while Redis runs the next one. */
static void on_stats_rows(kefu_call *call, const char *json, size_t len, void *arg)
{
    stats_state *st = arg;
    const cJSON *p = kefu_call_params(call), *row, *next;
    cJSON *doc = cJSON_ParseWithLength(json, len), *out;
    kefu_error err;

    if (!cJSON_IsArray(kefu_json_get(doc, "rows"))) {
        cJSON_Delete(doc);
        kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "storage returned bad rows");
        return;
    }
    cJSON_ArrayForEach(row, kefu_json_get(doc, "rows")) returns_tally_add(st->tally, row);
    if (returns_tally_check(st->tally, &err) != KEFU_STATUS_OK) {
        cJSON_Delete(doc);
        kefu_call_reply_err(call, &err);
        return;
    }
    next = kefu_json_get(doc, "next");
    if (cJSON_IsString(next)) {
        if (strlen(next->valuestring) >= sizeof(st->cursor)) {
            cJSON_Delete(doc);
            kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL,
                                  "storage returned a bad cursor");
            return;
        }
        snprintf(st->cursor, sizeof(st->cursor), "%s", next->valuestring);
        cJSON_Delete(doc);
        stats_step(call, st);
        return;
    }
    cJSON_Delete(doc);
    if (!(out = returns_tally_json(st->tally))) {
        kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "out of memory");
        return;
    }
    cJSON_AddStringToObject(out, "from", kefu_json_str(p, "from"));
    cJSON_AddStringToObject(out, "to", kefu_json_str(p, "to"));
    kefu_call_reply_ok(call, out);
}

static void stats_step(kefu_call *call, stats_state *st)
{
    const char *args[] = {st->from_ms, st->to_ms, st->cursor, st->batch};
    returns_store_step(call, RETURNS_ROWS, 4, args, on_stats_rows, st);
}

/* Stats reads the range in steps of RETURNS_STATS_BATCH returns (rows.lua)
 * and counts in C as the rows come. */
void returns_stats(kefu_call *call)
{
    const cJSON *p = kefu_call_params(call);
    int tz = tz_of(call);
    kefu_ms a = kefu_day_start(kefu_json_str(p, "from"), tz, 0);
    kefu_ms b = kefu_day_start(kefu_json_str(p, "to"), tz, 1);
    stats_state *st;

    if (b <= a) {
        kefu_call_reply_error(call, KEFU_STATUS_INVALID_ARGUMENT, "to",
                              "params.to: must not be before from");
        return;
    }
    st = calloc(1, sizeof(*st));
    if (!st || !(st->tally = returns_tally_new())) {
        free(st);
        kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "out of memory");
        return;
    }
    kefu_call_own(call, st, stats_state_free);
    snprintf(st->from_ms, sizeof(st->from_ms), "%lld", (long long)a);
    snprintf(st->to_ms, sizeof(st->to_ms), "%lld", (long long)b);
    snprintf(st->batch, sizeof(st->batch), "%d", RETURNS_STATS_BATCH);
    stats_step(call, st);
}
