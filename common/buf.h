/*
 * buf.h - a growable byte buffer for building JSON text and logs.
 *
 * Buffers are reused across requests (kefu_buf_reset keeps the capacity), so
 * steady-state replies allocate nothing.
 */
#ifndef KEFU_BUF_H
#define KEFU_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *data;
    size_t len, cap;
    bool oom; /* an append failed; the content is incomplete */
} kefu_buf;

void kefu_buf_init(kefu_buf *b);
void kefu_buf_free(kefu_buf *b);
static inline void kefu_buf_reset(kefu_buf *b)
{
    b->len = 0;
    b->oom = false;
}
void kefu_buf_append(kefu_buf *b, const void *p, size_t n);
void kefu_buf_puts(kefu_buf *b, const char *s);
void kefu_buf_printf(kefu_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends `s` (n bytes of UTF-8) as a quoted JSON string. */
void kefu_buf_json_string(kefu_buf *b, const char *s, size_t n);
/* NUL-terminates without counting the NUL in len. */
const char *kefu_buf_cstr(kefu_buf *b);

#endif
