/*
 * store.c - the only file of the visits service that knows Redis keys and
 * scripts. Keys, all under the namespace NS:
 *   NS:visits:account:<A>           an account: a hash of JSON-text fields plus
 *                                   "_" fields (department, owner, delivery
 *                                   date, the open routine visit: _plan_n,
 *                                   _plan_due, _plan_score)
 *   NS:visits:account:<A>:open      its open planned visits ('R' = the routine
 *                                   one, or P ids), by due score
 *   NS:visits:plan:<P>              a scheduled planned visit (followup,
 *                                   survey, extra routine): plain fields;
 *                                   `complaint` only on a complaint's
 *                                   follow-up (ScheduleFollowUp alone sets it)
 *   NS:visits:due[:dept:<d>]        every open planned visit by due score
 *                                   (day * 2^32 + order): the account id for
 *                                   its routine visit, else the P id
 *   NS:visits:done_due[:dept:<d>]   visits that closed a planned visit, by
 *                                   that planned visit's due score
 *   NS:visits:accounts[:active]     accounts by enrolment order
 *   NS:visits:customer:<c>          a customer's accounts by order
 *   NS:visits:followup:<complaint>[#<round>]  the P id of a complaint's
 *                                   follow-up (written by ScheduleFollowUp only)
 *   NS:visits:survey:<year>[:cursor] account -> its survey P id; progress
 *   NS:visit:<V>                    a visit record (issues in issue:<i>)
 *   NS:visits:idx:{all,account:<A>,customer:<c>,dept:<d>} visits by order;
 *   NS:visits:idx:day[:dept:<d>]    visits by visited day score
 *   NS:visits:qi:<Q>, NS:visits:qi:idx:{all,dept:<d>}  quality information
 *   NS:visits:symposium:<S>         symposium records
 *   NS:visits:seq:{account,plan,<year>}, NS:visits:qi:seq:<year>,
 *   NS:visits:symposium:seq:<year>, NS:visits:order  sequences
 * Every script is lua/visits_lib.lua followed by its own body, except the
 * outbox hook, which runs with the hook's own arguments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "outbox.h"
#include "store.h"
#include "visits.h"

typedef struct {
    kefu_script scripts[VISITS_SCRIPT_COUNT];
    kefu_script hook_complaint;
} visits_store;

static const kefu_store_entry script_table[VISITS_SCRIPT_COUNT] = {
    [VISITS_ENROLL] = {"visits.enroll", kefu_lua_visits_enroll},
    [VISITS_DEACTIVATE] = {"visits.deactivate", kefu_lua_visits_deactivate},
    [VISITS_PLAN_STATE] = {"visits.plan_state", kefu_lua_visits_plan_state},
    [VISITS_RECORD] = {"visits.record", kefu_lua_visits_record},
    [VISITS_SCHEDULE] = {"visits.schedule", kefu_lua_visits_schedule},
    [VISITS_FOLLOWUP] = {"visits.followup", kefu_lua_visits_followup},
    [VISITS_QINFO] = {"visits.qinfo", kefu_lua_visits_qinfo},
    [VISITS_SYMPOSIUM] = {"visits.symposium", kefu_lua_visits_symposium},
    [VISITS_SURVEY_STEP] = {"visits.survey_step", kefu_lua_visits_survey_step},
    [VISITS_SURVEY_DONE] = {"visits.survey_done", kefu_lua_visits_survey_done},
    [VISITS_DUE] = {"visits.due", kefu_lua_visits_due},
    [VISITS_GET] = {"visits.get", kefu_lua_visits_get},
    [VISITS_LIST] = {"visits.list", kefu_lua_visits_list},
    [VISITS_LIST_QI] = {"visits.list_qi", kefu_lua_visits_list_qi},
    [VISITS_WEEK] = {"visits.week", kefu_lua_visits_week},
};

char *visits_store_source(visits_script script)
{
    return kefu_store_source(kefu_lua_visits_lib, script_table[script].body);
}

kefu_status visits_store_init(kefu_service *svc, kefu_error *err)
{
    visits_store *st = calloc(1, sizeof(*st));

    if (!st)
        return kefu_error_set(err, KEFU_STATUS_INTERNAL, NULL, "out of memory");
    if (kefu_store_load(svc, kefu_lua_visits_lib, script_table, VISITS_SCRIPT_COUNT, st->scripts,
                        err) != KEFU_STATUS_OK) {
        free(st);
        return err->status;
    }
    kefu_script_init(svc, &st->hook_complaint, "visits.hook_complaint",
                     kefu_lua_visits_hook_complaint);
    kefu_outbox_hook(svc, "visit_complaint", &st->hook_complaint);
    kefu_service_set_app(svc, st);
    return KEFU_STATUS_OK;
}

void visits_store_fini(kefu_service *svc)
{
    visits_store *st = kefu_service_app(svc);
    if (!st)
        return;
    kefu_store_free(st->scripts, VISITS_SCRIPT_COUNT);
    kefu_script_free(&st->hook_complaint);
    free(st);
}

static void run(kefu_call *call, visits_script script, int nargs, const char **args,
                kefu_call_eval_cb on_ok, void *arg, bool last_step)
{
    visits_store *st = kefu_call_app(call);
    kefu_date d = kefu_time_to_date(kefu_call_now(call), kefu_call_tz(call));
    char today[11], day[16];
    kefu_call_scope sc;

    kefu_call_scope_init(call, kefu_call_tz(call), &sc);
    kefu_date_format(d, today);
    visits_day_text(d, day);
    const char *head[] = {sc.now, sc.scope, today, day};
    kefu_call_eval_args(call, &st->scripts[script], last_step, 4, head, nargs, args, on_ok, arg);
}

void visits_store_run(kefu_call *call, visits_script script, int nargs, const char **args,
                      kefu_call_eval_cb on_ok, void *arg)
{
    run(call, script, nargs, args, on_ok, arg, true);
}

void visits_store_step(kefu_call *call, visits_script script, int nargs, const char **args,
                       kefu_call_eval_cb on_ok, void *arg)
{
    run(call, script, nargs, args, on_ok, arg, false);
}
