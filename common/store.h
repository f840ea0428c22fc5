/*
 * store.h - a service's store scripts: one Lua body per script, each loaded
 * behind common/lua/records.lua (NOW_TEXT, SCOPE, jstr, in_scope,
 * render_hash) and the service's own library, and run with the two leading
 * arguments those expect (kefu_call_scope_init).
 */
#ifndef KEFU_STORE_H
#define KEFU_STORE_H

#include "rpc.h"

typedef struct {
    const char *name; /* "complaints.create": the script's name in logs */
    const char *body; /* its Lua */
} kefu_store_entry;

/* records.lua, then `lib`, then `body`: what kefu_script_init gets (and
 * the benchmark's Redis ceiling). Caller frees; NULL when out of memory. */
char *kefu_store_source(const char *lib, const char *body);

/* Registers the `n` scripts of `table` into `out` (n kefu_scripts). */
kefu_status kefu_store_load(kefu_service *svc, const char *lib, const kefu_store_entry *table,
                            int n, kefu_script *out, kefu_error *err);
void kefu_store_free(kefu_script *scripts, int n);

#endif
