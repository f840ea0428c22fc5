/*
 * returns.h - the returns service (SPEC section 4), shared between its files:
 * methods.c (the table and schemas), handlers.c (Policy, CheckWarranty and
 * the state changes), queries.c (Get, History, List, PackingList, Stats),
 * store.c (the only file that knows Redis keys and scripts), and the pure
 * files: policy.c (warranty and freight rules), record.c (a new return from
 * Create's params, the settlement), packing.c (随箱清单) and stats.c.
 */
#ifndef KEFU_RETURNS_H
#define KEFU_RETURNS_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "json.h"
#include "policy.h"
#include "rpc.h"
#include "timeutil.h"

extern const kefu_service_def returns_service;

/* Lua bodies embedded at build time from the lua/ folder. */
extern const char kefu_lua_policy_put[], kefu_lua_returns_lib[], kefu_lua_returns_create[],
    kefu_lua_returns_get[], kefu_lua_returns_history[], kefu_lua_returns_confirm[],
    kefu_lua_returns_submit[], kefu_lua_returns_decide[], kefu_lua_returns_ship[],
    kefu_lua_returns_receive[], kefu_lua_returns_settle[], kefu_lua_returns_cancel[],
    kefu_lua_returns_list[], kefu_lua_returns_rows[];

/* ---- handlers.c, queries.c: one function per method ---- */
void returns_policy_method(kefu_call *call);
void returns_check_warranty(kefu_call *call);
void returns_reload_policy(kefu_call *call);
void returns_create(kefu_call *call);
void returns_confirm(kefu_call *call);
void returns_submit(kefu_call *call);
void returns_approve(kefu_call *call);
void returns_reject(kefu_call *call);
void returns_ship(kefu_call *call);
void returns_receive(kefu_call *call);
void returns_settle(kefu_call *call);
void returns_cancel(kefu_call *call);
void returns_get(kefu_call *call);
void returns_history(kefu_call *call);
void returns_list(kefu_call *call);
void returns_packing_list(kefu_call *call);
void returns_stats(kefu_call *call);

/* ---- store.c ---- */
typedef enum {
    RETURNS_CREATE,
    RETURNS_GET,
    RETURNS_HISTORY,
    RETURNS_CONFIRM,
    RETURNS_SUBMIT,
    RETURNS_DECIDE,
    RETURNS_SHIP,
    RETURNS_RECEIVE,
    RETURNS_SETTLE,
    RETURNS_CANCEL,
    RETURNS_LIST,
    RETURNS_ROWS,
    RETURNS_SCRIPT_COUNT
} returns_script;

kefu_status returns_store_init(kefu_service *svc, kefu_error *err);
void returns_store_stop(kefu_service *svc);
void returns_store_fini(kefu_service *svc);
/* The policy in force on this replica (never NULL after init) and its
 * version in Redis (0 until it is there). */
const returns_policy *returns_store_policy(kefu_service *svc, int64_t *version);
/* The policy file used without --policy (deploy/returns-policy.json). */
const char *returns_store_default_policy_path(void);
/* Reads this replica's --policy file, validates it and publishes it to Redis
 * for every replica (the call's reply: {version, categories, source}). */
void returns_store_reload(kefu_call *call);
/*
 * Runs `script` for the call with the standard leading arguments (the time
 * of the call in the policy's business zone and the caller's scope) and then
 * `args`. `on_ok` NULL: the script's JSON is the reply.
 */
void returns_store_run(kefu_call *call, returns_script script, int nargs, const char **args,
                       kefu_call_eval_cb on_ok, void *arg);
/* A step of a multi-step mutation, before its last (see
 * kefu_call_idempotency_check): the idempotency key is left alone. */
void returns_store_step(kefu_call *call, returns_script script, int nargs, const char **args,
                        kefu_call_eval_cb on_ok, void *arg);
/* lib.lua and the script's body as one source (what kefu_script_init gets).
 * Caller frees. */
char *returns_store_source(returns_script script);

/* ---- record.c ---- */
/* Bounds that keep every money figure below 2^53 cents (exact in any JSON
 * number): 200 items x 100000 units x 100000000 cents = 2e15. */
#define RETURNS_MAX_ITEMS     200
#define RETURNS_MAX_QUANTITY  100000
#define RETURNS_MAX_PRICE     100000000
#define RETURNS_MAX_BOXES     200
#define RETURNS_MAX_BOX_LINES 200

/* The longest customer id the schemas accept, in characters; its key
 * (kefu_json_id_text, KEFU_ID_TEXT_SIZE) is never cut: two ids differing in
 * their last character are two customers with two quotas. */
#define RETURNS_CUSTOMER_ID_MAX 64

/* The arguments of the create script for Create's validated params. */
typedef struct {
    const char *argv[64];
    int argc;
    char *texts[32]; /* owned JSON texts the argv points into */
    int n_texts;
    cJSON *rec; /* the field names point into it */
    char year[8], customer[KEFU_ID_TEXT_SIZE], created_ms[24], boxes[8];
} returns_create_args;
/*
 * Checks what the schema cannot (item categories, components, conditions
 * and dates against the policy; box lines naming real items and adding up
 * exactly to each item's quantity; the freight station) and fills `a` with
 * the record created at `now`: items evaluated on the creation date in the
 * policy's zone, credit in cents, boxes labelled "<short_name>-<seq>". On
 * failure INVALID_ARGUMENT with the field at fault ("items[2].quantity",
 * "boxes[1].lines[0].quantity", "station_reason"), or INTERNAL when out of
 * memory; `a` needs no freeing then. Free with returns_create_args_free.
 */
kefu_status returns_create_args_build(returns_create_args *a, const returns_policy *policy,
                                      const cJSON *params, kefu_ms now, kefu_error *err);
void returns_create_args_free(returns_create_args *a);
/* True when `id` looks like R2026-000001 (`prefix` 'R'), C2026-000001 ('C'). */
bool returns_id_valid(const char *id, char prefix);
/* An integer number of cents as a JSON number, written as integer text. */
cJSON *returns_cents(int64_t cents);
/* Money from a stored record: an integer JSON number in range; false if not. */
bool returns_cents_of(const cJSON *v, int64_t *out);
/*
 * The settlement of `record` (as stored) for Settle's `lines`, settled at
 * `settled_at`: every item line exactly once (INVALID_ARGUMENT "lines[i].line"
 * for an unknown or repeated line, "lines" for a missing one), credit only
 * where the item's evaluation grants it (FAILED_PRECONDITION
 * "lines[i].outcome"), credit = quantity x unit price. On success *out is
 * {lines: [{line, outcome, credit_cents}], credit_total_cents, settled_at}
 * (caller deletes).
 */
kefu_status returns_settlement_build(const cJSON *record, const cJSON *lines,
                                     const char *settled_at, cJSON **out, kefu_error *err);

/* ---- packing.c ---- */
/* The packing list (随箱清单) of `record`: {id, customer, region, boxes:
 * [{seq, label, lines: [{line, model, category, category_label, component,
 * component_label, quantity}], total_quantity}], box_count}. Caller deletes. */
cJSON *returns_packing_json(const returns_policy *policy, const cJSON *record);
/* The printable text of a packing list from returns_packing_json: one
 * section per box, Chinese labels as they are. */
void returns_packing_text(const cJSON *packing, kefu_buf *out);

/* ---- stats.c ---- */
/* Stats' money sums stay at most 2^53 - 1 cents (exact in any JSON number);
 * a range that passes it is OUT_OF_RANGE. */
#define RETURNS_MAX_TOTAL_CENTS ((INT64_C(1) << 53) - 1)
/* Rejection reasons Stats names (most frequent first); the rest are counted
 * in rejection_reasons_other. */
#define RETURNS_STATS_TOP_REASONS 50
/* Distinct reasons a tally keeps (they are free text of up to 2000
 * characters); rejections with a reason first seen after that go to other. */
#define RETURNS_STATS_MAX_REASONS 4096
/* Returns rows.lua examines per step (a step also ends after about 1 MiB
 * of rows), so no step holds Redis or the service's loop for long. */
#define RETURNS_STATS_BATCH 500

typedef struct returns_tally returns_tally;
returns_tally *returns_tally_new(void);
void returns_tally_free(returns_tally *t);
/* Adds one row of rows.lua ({id, status, region, items, settlement,
 * rejection}); nothing once the tally has failed (see returns_tally_check). */
void returns_tally_add(returns_tally *t, const cJSON *row);
/* OK, or the first failure of an add (the tally is only good for freeing
 * then): OUT_OF_RANGE (field "from") when a money sum would pass
 * RETURNS_MAX_TOTAL_CENTS, INTERNAL when out of memory. */
kefu_status returns_tally_check(const returns_tally *t, kefu_error *err);
/* {total, by_status, credit_total_cents, credit_by_category, credit_by_region,
 *  rejection_reasons: [{reason, count}] (the RETURNS_STATS_TOP_REASONS most
 *  frequent, then by reason), rejection_reasons_other (rejections not listed)}.
 *  Caller deletes; NULL when out of memory. */
cJSON *returns_tally_json(const returns_tally *t);

#endif
