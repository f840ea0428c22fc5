/*
 * complaints.h - the complaints service (SPEC section 3), shared between its
 * files: methods.c (the table and schemas), handlers.c (state changes),
 * queries.c (List, Escalations, Ledger, Stats, Report), archive.c, store.c
 * (the only file that knows Redis keys and scripts), record.c and stats.c
 * (pure: no I/O, no clock).
 */
#ifndef KEFU_COMPLAINTS_H
#define KEFU_COMPLAINTS_H

#include <cjson/cJSON.h>

#include "buf.h"
#include "json.h"
#include "rpc.h"
#include "timeutil.h"

extern const kefu_service_def complaints_service;

/* Lua bodies embedded at build time from the lua/ folder. */
extern const char kefu_lua_lib[], kefu_lua_create[], kefu_lua_get[], kefu_lua_history[],
    kefu_lua_assign[], kefu_lua_resolve[], kefu_lua_confirm[], kefu_lua_withdraw[], kefu_lua_hold[],
    kefu_lua_list[], kefu_lua_escalations[], kefu_lua_rows[], kefu_lua_report[],
    kefu_lua_archive_claim[], kefu_lua_archive_commit[], kefu_lua_archive_abort[],
    kefu_lua_link_return[];

/* ---- handlers.c, queries.c, archive.c: one function per method ---- */
void complaints_create(kefu_call *call);
void complaints_get(kefu_call *call);
void complaints_history(kefu_call *call);
void complaints_assign(kefu_call *call);
void complaints_resolve(kefu_call *call);
void complaints_link_return(kefu_call *call);
void complaints_confirm(kefu_call *call);
void complaints_withdraw(kefu_call *call);
void complaints_hold(kefu_call *call);
void complaints_release(kefu_call *call);
void complaints_list(kefu_call *call);
void complaints_escalations(kefu_call *call);
void complaints_ledger(kefu_call *call);
void complaints_stats(kefu_call *call);
void complaints_report(kefu_call *call);
void complaints_archive(kefu_call *call);

/* ---- store.c ---- */
typedef enum {
    COMPLAINTS_CREATE,
    COMPLAINTS_GET,
    COMPLAINTS_HISTORY,
    COMPLAINTS_ASSIGN,
    COMPLAINTS_RESOLVE,
    COMPLAINTS_CONFIRM,
    COMPLAINTS_WITHDRAW,
    COMPLAINTS_HOLD,
    COMPLAINTS_LIST,
    COMPLAINTS_ESCALATIONS,
    COMPLAINTS_ROWS,
    COMPLAINTS_REPORT,
    COMPLAINTS_ARCHIVE_CLAIM,
    COMPLAINTS_ARCHIVE_COMMIT,
    COMPLAINTS_ARCHIVE_ABORT,
    COMPLAINTS_LINK_RETURN,
    COMPLAINTS_SCRIPT_COUNT
} complaints_script;

kefu_status complaints_store_init(kefu_service *svc, kefu_error *err);
void complaints_store_fini(kefu_service *svc);
/*
 * Runs `script` for the call with the standard leading arguments (the
 * business-zone time of the call and the caller's scope) and then `args`.
 * `on_ok` NULL: the script's JSON is the reply.
 */
void complaints_store_run(kefu_call *call, complaints_script script, int nargs, const char **args,
                          kefu_call_eval_cb on_ok, void *arg);
/* A step of a multi-step mutation, before its last (see
 * kefu_call_idempotency_check): the idempotency key is left alone. */
void complaints_store_step(kefu_call *call, complaints_script script, int nargs, const char **args,
                           kefu_call_eval_cb on_ok, void *arg);
/* lib.lua and the script's body as one source (what kefu_script_init gets).
 * Caller frees. */
char *complaints_store_source(complaints_script script);
/* The archive directory (--archive-dir, default ./archive). */
const char *complaints_store_archive_dir(kefu_service *svc);

/* ---- record.c ---- */
/*
 * The fields of a new complaint from Create's validated params, received at
 * `received` and created at `now` in zone `tz`: an object whose members are
 * the record's stored fields (id and version aside). Caller deletes.
 */
cJSON *complaints_record_new(const cJSON *params, kefu_ms now, int tz);
/* The arguments of the create script for Create's validated params. */
typedef struct {
    const char *argv[80];
    int argc;
    char *texts[40]; /* owned JSON texts the argv points into */
    int n_texts;
    cJSON *rec; /* the field names point into it */
    char year[8], customer[KEFU_ID_TEXT_SIZE], received_ms[24];
} complaints_create_args;
/* Fills `a`; false when out of memory. Free with complaints_create_args_free. */
bool complaints_create_args_build(complaints_create_args *a, const cJSON *params, kefu_ms now,
                                  int tz);
void complaints_create_args_free(complaints_create_args *a);
/* True when `id` looks like C2026-000001. */
bool complaints_id_valid(const char *id);
/* Default due dates from instant `from` by severity, as script arguments:
 * critical, major, minor — each RFC 3339 text then ms (6 strings). */
typedef struct {
    char text[3][32];
    char ms[3][24];
} complaints_due_candidates;
void complaints_due_candidates_at(kefu_ms from, int tz, complaints_due_candidates *out);
/* Appends the 6 candidate arguments to `args` at `n`; returns the new count. */
int complaints_due_candidates_args(const complaints_due_candidates *c, const char **args, int n);
/* The follow-up visit that asks the customer to confirm a resolution is due
 * this many days after it (SPEC section 6), as a business date. */
#define COMPLAINTS_FOLLOWUP_DAYS 3
void complaints_followup_date(kefu_ms resolved, int tz, char out[16]);
/* Days a complaint of `severity` may take: critical 3, major 7, minor 15. */
int complaints_due_days(const char *severity);

/* ---- stats.c ---- */
typedef struct complaints_tally complaints_tally;
complaints_tally *complaints_tally_new(void);
void complaints_tally_free(complaints_tally *s);
/* Adds one row of rows.lua (received_ms, due_ms, resolved_ms, status, ...). */
void complaints_tally_add(complaints_tally *s, const cJSON *row, kefu_ms now);
/* {total, by_status, by_category, by_department, closed, on_time_rate,
 *  avg_resolution_hours, avg_rating, overdue_now}. Caller deletes. */
cJSON *complaints_tally_json(const complaints_tally *s);
/* A ledger row (JSON) from a rows.lua row. Caller deletes. */
cJSON *complaints_ledger_row(const cJSON *row);
/* The CSV of ledger rows, header first. */
void complaints_ledger_csv(const cJSON *rows, kefu_buf *out);
/* The month's report from its rows. Caller deletes. */
cJSON *complaints_report_build(const cJSON *rows, const char *month, kefu_ms now, int tz);

#endif
