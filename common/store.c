/*
 * store.c - loading a service's store scripts behind the shared records
 * library and its own (see store.h).
 */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char kefu_lua_records[];

char *kefu_store_source(const char *lib, const char *body)
{
    size_t n = strlen(kefu_lua_records) + strlen(lib) + strlen(body) + 3;
    char *src = malloc(n);

    if (src)
        snprintf(src, n, "%s\n%s\n%s", kefu_lua_records, lib, body);
    return src;
}

kefu_status kefu_store_load(kefu_service *svc, const char *lib, const kefu_store_entry *table,
                            int n, kefu_script *out, kefu_error *err)
{
    for (int i = 0; i < n; i++) {
        char *src = kefu_store_source(lib, table[i].body);
        if (!src) {
            kefu_store_free(out, i);
            return kefu_error_set(err, KEFU_STATUS_INTERNAL, NULL, "out of memory");
        }
        kefu_script_init(svc, &out[i], table[i].name, src);
        free(src);
    }
    return KEFU_STATUS_OK;
}

void kefu_store_free(kefu_script *scripts, int n)
{
    for (int i = 0; i < n; i++)
        kefu_script_free(&scripts[i]);
}
