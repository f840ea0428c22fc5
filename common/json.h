/*
 * json.h - strict JSON on top of cJSON.
 *
 * cJSON is lenient: it accepts invalid UTF-8 and duplicate keys, truncates
 * strings at an escaped \u0000, nests 1000 deep and saturates `valueint`.
 * Everything that reads bytes from the wire goes through kefu_json_parse,
 * and every lookup is case-sensitive (kefu_json_get).
 */
#ifndef KEFU_JSON_H
#define KEFU_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "status.h"

#define KEFU_JSON_MAX_DEPTH 64

/*
 * Parses exactly one JSON value (RFC 8259) from [buf, buf+len), surrounding
 * white space allowed. Refused, with INVALID_ARGUMENT and a message saying
 * why: invalid UTF-8 anywhere, a raw NUL byte or a \u0000 escape, a lone or
 * unpaired surrogate escape, raw control characters in strings, nesting deeper
 * than `max_depth` (the outermost array or object is level 1), a duplicate key
 * in any object, trailing bytes, an empty buffer. Returns the tree (caller
 * frees with cJSON_Delete) or NULL with `err` filled.
 */
cJSON *kefu_json_parse(const char *buf, size_t len, int max_depth, kefu_error *err);

/* Case-sensitive member lookup; NULL when absent or `obj` is not an object. */
static inline cJSON *kefu_json_get(const cJSON *obj, const char *key)
{
    return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

/* True iff `v` is a number with an integral value and |value| < 2^53 (so no two
 * integers share a double). */
bool kefu_json_is_int(const cJSON *v);

/* Writes the integer value of `v` to `out` if kefu_json_is_int(v). */
bool kefu_json_int(const cJSON *v, int64_t *out);

/* Room for an id of up to 64 characters (KEFU_F_ID's limit) as text. */
#define KEFU_ID_TEXT_SIZE (64 * 4 + 1)
/* An id that is a string or an integer (KEFU_F_ID) as text: the key of its
 * indexes, so "7" and 7 are one customer. "" when `v` is neither. */
void kefu_json_id_text(const cJSON *v, char out[KEFU_ID_TEXT_SIZE]);

/* The string of member `key` of `obj`, or NULL when absent or not a string. */
const char *kefu_json_str(const cJSON *obj, const char *key);

/* String member `key` of `obj`, or "" when absent (a script argument). */
static inline const char *kefu_json_str_or_empty(const cJSON *obj, const char *key)
{
    const char *s = kefu_json_str(obj, key);
    return s ? s : "";
}

/*
 * Canonical text of `v`: unformatted, object keys sorted by byte order at
 * every level, so equal documents give equal text whatever the key order.
 * Caller frees with cJSON_free. NULL only on allocation failure.
 */
char *kefu_json_canonical(const cJSON *v);

#endif
