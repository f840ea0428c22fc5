/*
 * store.c - the only file of the complaints service that knows Redis keys
 * and scripts. Keys, all under the namespace NS:
 *   NS:complaint:<id>                  the record: a hash of JSON-text fields
 *                                      plus plain "_" fields for indexes
 *   NS:complaint:<id>:history          its history events, oldest first
 *   NS:complaints:seq:<year>           the id sequence of a business year
 *   NS:complaints:order                the global insertion order
 *   NS:complaints:idx:<index>          sorted sets: all, status:<s>, dept:<d>,
 *                                      intake:<d>, customer:<c>, escalated
 *                                      (by order); received, due, closed_at (by ms)
 *   NS:complaints:report:<month>       frozen monthly reports
 *   NS:complaints:archive:pending[:ids] the archive batch in progress
 * Every script is common/lua/records.lua, lua/lib.lua, then its own body.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "complaints.h"
#include "store.h"

typedef struct {
    kefu_script scripts[COMPLAINTS_SCRIPT_COUNT];
} complaints_store;

static const kefu_store_entry script_table[COMPLAINTS_SCRIPT_COUNT] = {
    [COMPLAINTS_CREATE] = {"complaints.create", kefu_lua_create},
    [COMPLAINTS_GET] = {"complaints.get", kefu_lua_get},
    [COMPLAINTS_HISTORY] = {"complaints.history", kefu_lua_history},
    [COMPLAINTS_ASSIGN] = {"complaints.assign", kefu_lua_assign},
    [COMPLAINTS_RESOLVE] = {"complaints.resolve", kefu_lua_resolve},
    [COMPLAINTS_CONFIRM] = {"complaints.confirm", kefu_lua_confirm},
    [COMPLAINTS_WITHDRAW] = {"complaints.withdraw", kefu_lua_withdraw},
    [COMPLAINTS_HOLD] = {"complaints.hold", kefu_lua_hold},
    [COMPLAINTS_LIST] = {"complaints.list", kefu_lua_list},
    [COMPLAINTS_ESCALATIONS] = {"complaints.escalations", kefu_lua_escalations},
    [COMPLAINTS_ROWS] = {"complaints.rows", kefu_lua_rows},
    [COMPLAINTS_REPORT] = {"complaints.report", kefu_lua_report},
    [COMPLAINTS_ARCHIVE_CLAIM] = {"complaints.archive_claim", kefu_lua_archive_claim},
    [COMPLAINTS_ARCHIVE_COMMIT] = {"complaints.archive_commit", kefu_lua_archive_commit},
    [COMPLAINTS_ARCHIVE_ABORT] = {"complaints.archive_abort", kefu_lua_archive_abort},
    [COMPLAINTS_LINK_RETURN] = {"complaints.link_return", kefu_lua_link_return},
};

char *complaints_store_source(complaints_script script)
{
    return kefu_store_source(kefu_lua_lib, script_table[script].body);
}

kefu_status complaints_store_init(kefu_service *svc, kefu_error *err)
{
    complaints_store *st;

    if (strlen(complaints_store_archive_dir(svc)) > 400)
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "archive-dir",
                              "--archive-dir: at most 400 bytes");
    st = calloc(1, sizeof(*st));
    if (!st)
        return kefu_error_set(err, KEFU_STATUS_INTERNAL, NULL, "out of memory");
    if (kefu_store_load(svc, kefu_lua_lib, script_table, COMPLAINTS_SCRIPT_COUNT, st->scripts,
                        err) != KEFU_STATUS_OK) {
        free(st);
        return err->status;
    }
    kefu_service_set_app(svc, st);
    return KEFU_STATUS_OK;
}

void complaints_store_fini(kefu_service *svc)
{
    complaints_store *st = kefu_service_app(svc);
    if (!st)
        return;
    kefu_store_free(st->scripts, COMPLAINTS_SCRIPT_COUNT);
    free(st);
}

static void run(kefu_call *call, complaints_script script, int nargs, const char **args,
                kefu_call_eval_cb on_ok, void *arg, bool last_step)
{
    complaints_store *st = kefu_call_app(call);
    kefu_call_scope sc;

    kefu_call_scope_init(call, kefu_call_tz(call), &sc);
    const char *head[] = {sc.now, sc.scope};
    kefu_call_eval_args(call, &st->scripts[script], last_step, 2, head, nargs, args, on_ok, arg);
}

void complaints_store_run(kefu_call *call, complaints_script script, int nargs, const char **args,
                          kefu_call_eval_cb on_ok, void *arg)
{
    run(call, script, nargs, args, on_ok, arg, true);
}

void complaints_store_step(kefu_call *call, complaints_script script, int nargs, const char **args,
                           kefu_call_eval_cb on_ok, void *arg)
{
    run(call, script, nargs, args, on_ok, arg, false);
}

const char *complaints_store_archive_dir(kefu_service *svc)
{
    const char *dir = kefu_service_config(svc)->archive_dir;
    return dir && *dir ? dir : "archive";
}
