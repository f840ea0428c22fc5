/*
 * params.c - validated params as store-script arguments (see params.h).
 */
#include "params.h"

#include <stdio.h>
#include <string.h>

#include "json.h"
#include "timeutil.h"

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

bool kefu_param_page(kefu_call *call, char letter, char cursor[24], char limit[24])
{
    kefu_param_int_text(call, "limit", "50", limit);
    return kefu_param_cursor(call, letter, cursor);
}

void kefu_param_day_ms(kefu_call *call, const char *key, int tz, int plus_days, char out[24])
{
    const char *date = kefu_json_str(kefu_call_params(call), key);

    out[0] = '\0';
    if (date)
        snprintf(out, 24, "%lld", (long long)kefu_day_start(date, tz, plus_days));
}
