#include "csv.h"

#include <string.h>

void kefu_csv_field(kefu_buf *b, const char *s, bool first)
{
    size_t n = s ? strlen(s) : 0;
    bool quote = n > 0 && (strpbrk(s, ",\"\r\n") != NULL || s[0] == ' ' || s[n - 1] == ' ');

    if (!first)
        kefu_buf_append(b, ",", 1);
    if (!quote) {
        kefu_buf_append(b, s, n);
        return;
    }
    kefu_buf_append(b, "\"", 1);
    for (const char *p = s, *q; *p; p = q + 1) {
        q = strchr(p, '"');
        if (!q) {
            kefu_buf_puts(b, p);
            break;
        }
        kefu_buf_append(b, p, (size_t)(q - p) + 1);
        kefu_buf_append(b, "\"", 1);
    }
    kefu_buf_append(b, "\"", 1);
}

void kefu_csv_end_row(kefu_buf *b)
{
    kefu_buf_append(b, "\r\n", 2);
}
