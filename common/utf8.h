/* utf8.h - UTF-8 validation and character counting (cJSON checks neither). */
#ifndef KEFU_UTF8_H
#define KEFU_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True iff [s, s+len) is well-formed UTF-8 per RFC 3629: no overlong forms,
 * no surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated
 * sequences. NUL bytes are valid UTF-8; callers that forbid them check.
 */
bool kefu_utf8_valid(const char *s, size_t len);

/* Number of code points in `s` (assumed valid): what "length" means in kefu. */
size_t kefu_utf8_count(const char *s, size_t len);

/* The longest prefix of `s` (len bytes, valid UTF-8) of at most `max` bytes
 * that does not cut a character: for trimming names into messages. */
size_t kefu_utf8_prefix(const char *s, size_t len, size_t max);

/* Drops an incomplete character at the end of NUL-terminated `s` (what a
 * byte-counted cut such as snprintf's can leave). */
void kefu_utf8_trim_end(char *s);

#endif
