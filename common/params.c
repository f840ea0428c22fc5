/*
 * params.c - validated params as store-script arguments (see params.h).
 */
#include "params.h"

#include <stdio.h>
#include <string.h>

#include "json.h"

bool kefu_param_cursor(kefu_call *call, char letter, char out[24])
{
    const char *c = kefu_json_str(kefu_call_params(call), "cursor");
    size_t n;

    out[0] = '\0';
    if (!c)
        return true;
    n = strlen(c);
    if (n < 2 || n > 20 || c[0] != letter || strspn(c + 1, "0123456789") != n - 1) {
        kefu_call_reply_error(call, KEFU_STATUS_INVALID_ARGUMENT, "cursor",
                              "params.cursor: not a cursor this service gave out");
        return false;
    }
    snprintf(out, 24, "%s", c + 1);
    return true;
}

void kefu_param_int_text(kefu_call *call, const char *key, const char *def, char out[24])
{
    int64_t v;

    if (kefu_json_int(kefu_json_get(kefu_call_params(call), key), &v))
        snprintf(out, 24, "%lld", (long long)v);
    else
        snprintf(out, 24, "%s", def ? def : "");
}
