/*
 * visits.h - the visits service (SPEC section 5), shared between its files:
 * methods.c (the table and schemas), handlers.c (state changes), queries.c
 * (Due, Get, List, ListQualityInfo, WeeklyReport), store.c (the only file
 * that knows Redis keys and scripts), record.c and report.c (pure: no I/O,
 * no clock) and schedule.c (the plan arithmetic).
 */
#ifndef KEFU_VISITS_H
#define KEFU_VISITS_H

#include <cjson/cJSON.h>

#include "buf.h"
#include "json.h"
#include "rpc.h"
#include "schedule.h"
#include "timeutil.h"

extern const kefu_service_def visits_service;

/* Lua bodies embedded at build time from the lua/ folder. */
extern const char kefu_lua_visits_lib[], kefu_lua_visits_enroll[], kefu_lua_visits_deactivate[],
    kefu_lua_visits_plan_state[], kefu_lua_visits_record[], kefu_lua_visits_schedule[],
    kefu_lua_visits_followup[], kefu_lua_visits_qinfo[], kefu_lua_visits_symposium[],
    kefu_lua_visits_survey_step[], kefu_lua_visits_survey_done[], kefu_lua_visits_due[],
    kefu_lua_visits_get[], kefu_lua_visits_list[], kefu_lua_visits_list_qi[],
    kefu_lua_visits_week[], kefu_lua_visits_hook_complaint[];

/* ---- handlers.c, queries.c: one function per method ---- */
void visits_enroll(kefu_call *call);
void visits_deactivate(kefu_call *call);
void visits_record(kefu_call *call);
void visits_schedule(kefu_call *call);
void visits_schedule_followup(kefu_call *call);
void visits_symposium(kefu_call *call);
void visits_quality_info(kefu_call *call);
void visits_annual_survey(kefu_call *call);
void visits_due(kefu_call *call);
void visits_get(kefu_call *call);
void visits_list(kefu_call *call);
void visits_list_quality_info(kefu_call *call);
void visits_weekly_report(kefu_call *call);

/* ---- store.c ---- */
typedef enum {
    VISITS_ENROLL,
    VISITS_DEACTIVATE,
    VISITS_PLAN_STATE,
    VISITS_RECORD,
    VISITS_SCHEDULE,
    VISITS_FOLLOWUP,
    VISITS_QINFO,
    VISITS_SYMPOSIUM,
    VISITS_SURVEY_STEP,
    VISITS_SURVEY_DONE,
    VISITS_DUE,
    VISITS_GET,
    VISITS_LIST,
    VISITS_LIST_QI,
    VISITS_WEEK,
    VISITS_SCRIPT_COUNT
} visits_script;

kefu_status visits_store_init(kefu_service *svc, kefu_error *err);
void visits_store_fini(kefu_service *svc);
/*
 * Runs `script` for the call with the standard leading arguments (the
 * business-zone time of the call, the caller's scope and today's business
 * date) and then `args`. `on_ok` NULL: the script's JSON is the reply.
 */
void visits_store_run(kefu_call *call, visits_script script, int nargs, const char **args,
                      kefu_call_eval_cb on_ok, void *arg);
/* A step of a multi-step mutation before its last: the idempotency key is
 * left alone (see kefu_call_idempotency_check). */
void visits_store_step(kefu_call *call, visits_script script, int nargs, const char **args,
                       kefu_call_eval_cb on_ok, void *arg);
/* visits_lib.lua and the script's body as one source. Caller frees. */
char *visits_store_source(visits_script script);

/* ---- record.c: pure helpers ---- */

/* Dates the service stores are kept to this range, so that a day number
 * times VISITS_DAY_SCALE plus an insertion order stays an exact double. */
#define VISITS_MIN_YEAR 1970
#define VISITS_MAX_YEAR 2199
/* Sorted-set scores of planned visits: day * 2^32 + a global order number,
 * unique, so due-date order with ties broken by creation and cursors that
 * never repeat or skip. */
#define VISITS_DAY_SCALE 4294967296.0

/* Max characters of a complaint title and of a confirmation comment. */
#define VISITS_TITLE_MAX   200
#define VISITS_COMMENT_MAX 2000

/* The default product model of a complaint raised on a visit without one. */
#define VISITS_UNNAMED_MODEL "(未指明)"
/* received_by.department of such a complaint when the account has none. */
#define VISITS_DEFAULT_DEPARTMENT "Service"

/* Days since 1970-01-01 of a date, as text for a script. */
void visits_day_text(kefu_date d, char out[16]);
/* Parses a strict YYYY-MM-DD within VISITS_MIN_YEAR..VISITS_MAX_YEAR. */
bool visits_date_in_range(const char *s, kefu_date *out);

/* Id shapes: A000001, V2026-000001, Q2026-000001, S2026-000001, P000001,
 * and the routine planned visit of an account, A000001-R13. */
typedef enum {
    VISITS_ID_NONE,
    VISITS_ID_ACCOUNT,
    VISITS_ID_VISIT,
    VISITS_ID_QINFO,
    VISITS_ID_SYMPOSIUM,
    VISITS_ID_PLANNED,
    VISITS_ID_ROUTINE,
} visits_id_kind;
visits_id_kind visits_id_classify(const char *id);
/* True when `id` looks like a complaint id, C2026-000001. */
bool visits_complaint_id_valid(const char *id);

/*
 * The first routine visit to keep open at enrolment: the first plan visit
 * due on or after `today` (visits that fell due before the account existed
 * are not owed). Writes n and its due date.
 */
void visits_plan_at_enroll(kefu_date delivered_on, kefu_date today, int *n, kefu_date *due);
/*
 * The routine visit to open after visit `n` was closed by a visit on
 * `visited_on`: the first plan visit after both n and visited_on (a late
 * visit does not leave the missed months owed). Writes n' and its due date.
 */
void visits_plan_after(kefu_date delivered_on, int n, kefu_date visited_on, int *next_n,
                       kefu_date *due);

/*
 * The text of one visit issue as stored on the visit record, from the
 * validated issue object: {kind, text, category, severity, departments,
 * product} plus, last, "complaint_id":null (filled by the outbox hook) or
 * "quality_info_id":null (filled by the record script). Caller frees with cJSON_free; NULL when out
 * of memory.
 */
char *visits_issue_text(const cJSON *issue);
/*
 * The members of the complaints.Create params that the visit decides (the
 * account's customer and department are added by the script): product,
 * category (default quality), severity, title (the text cut to
 * VISITS_TITLE_MAX characters at a character boundary), description and
 * received_at, as `"k":v,...` without braces. Caller frees; NULL when out
 * of memory.
 */
char *visits_complaint_members(const cJSON *issue, const char *received_at);
/*
 * The members of the complaints.Confirm params besides the id, for a
 * follow-up visit with `satisfaction`: satisfied (>= 3), rating,
 * confirmed_by (contact) and comment (summary cut to VISITS_COMMENT_MAX
 * characters), as `"k":v,...`. Caller frees.
 */
char *visits_confirm_members(int satisfaction, const char *contact, const char *summary);
/*
 * An id param (KEFU_F_ID: a string, or an integer below 2^53) as an item
 * that prints exactly: a string, or for an integer a raw item of its decimal
 * digits (cJSON prints numbers with 15 significant digits, and Lua's cjson
 * with 14, so 9007199254740991 would come out as 9.00719925474099e+15).
 * NULL when `v` is neither or out of memory. Caller deletes.
 */
cJSON *visits_id_item(const cJSON *v);
/* The UTF-8 text `s` cut to at most `max_chars` characters, on a character
 * boundary. Caller frees. */
char *visits_utf8_cut(const char *s, size_t max_chars);

/* ---- report.c: the weekly report (周报) from the rows week.lua returns ---- */
typedef struct visits_week_tally visits_week_tally;
visits_week_tally *visits_week_tally_new(void);
void visits_week_tally_free(visits_week_tally *t);
/*
 * Adds one visit row: {method, planned_kind (null when unplanned), issues:
 * {complaint, quality_info}, complaints (linked complaint ids so far),
 * satisfaction (null or 1..5)}.
 */
void visits_week_tally_add(visits_week_tally *t, const cJSON *row);
/*
 * The report: {week, from, to, planned {total, done, open}, completion_rate
 * (done / total, null when nothing was planned), visits (recorded that
 * week), visits_planned, visits_unplanned, by_method, by_kind, issues
 * {complaint, quality_info, total}, complaints_created, avg_satisfaction}.
 * `planned_open`/`planned_done`: planned visits due that week still open /
 * done. Caller deletes.
 */
cJSON *visits_week_tally_json(const visits_week_tally *t, const char *week, kefu_date monday,
                              kefu_date sunday, long long planned_open, long long planned_done);

#endif
