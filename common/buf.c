#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kefu_buf_init(kefu_buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = false;
}

void kefu_buf_free(kefu_buf *b)
{
    free(b->data);
    kefu_buf_init(b);
}

static bool reserve(kefu_buf *b, size_t extra)
{
    size_t need = b->len + extra + 1, cap = b->cap ? b->cap : 256;
    char *p;

    if (b->oom)
        return false;
    if (need <= b->cap)
        return true;
    while (cap < need)
        cap *= 2;
    p = realloc(b->data, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void kefu_buf_append(kefu_buf *b, const void *p, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void kefu_buf_puts(kefu_buf *b, const char *s)
{
    kefu_buf_append(b, s, strlen(s));
}

void kefu_buf_printf(kefu_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void kefu_buf_json_string(kefu_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = 0;

    if (!reserve(b, n + 2))
        return;
    b->data[b->len++] = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[6];
        size_t elen = 0;
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            elen = 2;
        } else if (c < 0x20) {
            esc[0] = '\\';
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            elen = 6;
        } else {
            continue;
        }
        kefu_buf_append(b, s + run, i - run);
        kefu_buf_append(b, esc, elen);
        run = i + 1;
    }
    kefu_buf_append(b, s + run, n - run);
    kefu_buf_append(b, "\"", 1);
}

const char *kefu_buf_cstr(kefu_buf *b)
{
    if (!reserve(b, 0))
        return "";
    b->data[b->len] = '\0';
    return b->data;
}
