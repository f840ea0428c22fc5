#include "status.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const status_names[KEFU_STATUS_COUNT] = {
#define XX(name, num) [num] = #name,
    KEFU_STATUS_MAP(XX)
#undef XX
};

const char *kefu_status_name(kefu_status status)
{
    if ((unsigned)status >= KEFU_STATUS_COUNT)
        return "UNKNOWN";
    return status_names[status];
}

bool kefu_status_from_name(const char *name, kefu_status *out)
{
    for (int i = 0; i < KEFU_STATUS_COUNT; i++) {
        if (strcmp(status_names[i], name) == 0) {
            *out = (kefu_status)i;
            return true;
        }
    }
    return false;
}

kefu_status kefu_error_set(kefu_error *err, kefu_status status, const char *field, const char *fmt,
                           ...)
{
    va_list ap;

    err->status = status;
    snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    kefu_utf8_trim_end(err->message); /* a long message cut mid-character */
    return status;
}

void kefu_error_clear(kefu_error *err)
{
    err->status = KEFU_STATUS_OK;
    err->message[0] = '\0';
    err->field[0] = '\0';
}
