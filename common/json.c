/*
 * json.c - strict JSON on top of cJSON.
 *
 * cJSON's parser is lenient in ways that matter for bytes off the wire, so
 * kefu_json_parse runs one scanner over the raw buffer first. The scanner
 * refuses what cJSON would let through: invalid UTF-8, NUL bytes, \u0000,
 * unpaired surrogate and malformed \u escapes (cJSON reads "\u00zz" as an
 * empty string), raw control characters in strings, white space
 * other than the four RFC 8259 allows (cJSON skips every byte <= 0x20), a
 * byte order mark, numbers that RFC 8259's grammar refuses but strtod takes
 * ("01", "1.", "-.5"), and nesting deeper than the caller's limit. cJSON then
 * builds the tree, and a walk over it refuses duplicate keys.
 *
 * kefu_json_canonical prints numbers itself: cJSON's printer rounds some
 * large integers, which would give different documents the same text.
 */
#include "json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* Objects up to this size are checked for duplicates pairwise, larger ones by sorting. */
#define PAIRWISE_MAX 16

/* Longest prefix of a duplicate key quoted in the error message, in bytes. */
#define KEY_SHOWN_MAX 64

/* 2^53: from here on, doubles no longer hold every integer. */
#define INT_LIMIT 9007199254740992.0

/* 2^63: integral doubles below it print exactly through int64_t. */
#define TWO_POW_63 9223372036854775808.0

/* Room for "%.17g" of any double ("-1.2345678901234567e-308") and a NUL. */
#define NUMBER_TEXT_MAX 32

typedef struct {
    const unsigned char *s;
    size_t len;
    size_t i; /* the next byte to read */
    int depth;
    int max_depth;
    kefu_error *err;
} scanner;

static kefu_status reject(kefu_error *err, const char *message)
{
    return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, NULL, "%s", message);
}

/* The white space of RFC 8259; cJSON would also skip \f, \v and other controls. */
static bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Bytes that could continue a number, so must not follow one. */
static bool is_number_byte(unsigned char c)
{
    return is_digit(c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
}

/* The characters that may follow a backslash, other than 'u'. */
static bool is_simple_escape(unsigned char c)
{
    return c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' ||
           c == 't';
}

/* The value of four hex digits at `p`, or -1 if any is not a hex digit. */
static long hex4(const unsigned char *p)
{
    long v = 0;

    for (int k = 0; k < 4; k++) {
        unsigned char c = p[k];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    return v;
}

/*
 * Checks the escape at s[i] (a backslash) and moves past it. A \uD800..DBFF
 * escape must be followed directly by a \uDC00..DFFF one; cJSON would refuse
 * unpaired surrogates too, but we say why.
 */
static kefu_status scan_escape(scanner *sc)
{
    const unsigned char *s = sc->s;
    size_t i = sc->i, left = sc->len - sc->i;
    long u, lo;

    if (left < 2)
        return reject(sc->err, "unterminated string");
    if (is_simple_escape(s[i + 1])) {
        sc->i += 2;
        return KEFU_STATUS_OK;
    }
    if (s[i + 1] != 'u' || left < 6 || (u = hex4(s + i + 2)) < 0)
        return reject(sc->err, "invalid escape in string");
    if (u == 0)
        return reject(sc->err, "\\u0000 is not allowed in strings");
    if (u >= 0xDC00 && u <= 0xDFFF)
        return reject(sc->err, "unpaired surrogate escape in string");
    if (u >= 0xD800 && u <= 0xDBFF) {
        if (left < 12 || s[i + 6] != '\\' || s[i + 7] != 'u' || (lo = hex4(s + i + 8)) < 0xDC00 ||
            lo > 0xDFFF)
            return reject(sc->err, "unpaired surrogate escape in string");
        sc->i += 12;
        return KEFU_STATUS_OK;
    }
    sc->i += 6;
    return KEFU_STATUS_OK;
}

/* Moves past the string starting at s[i] (a quote), checking escapes and controls. */
static kefu_status scan_string(scanner *sc)
{
    kefu_status st;

    sc->i++;
    while (sc->i < sc->len) {
        unsigned char c = sc->s[sc->i];
        if (c == '"') {
            sc->i++;
            return KEFU_STATUS_OK;
        }
        if (c == '\\') {
            st = scan_escape(sc);
            if (st != KEFU_STATUS_OK)
                return st;
            continue;
        }
        if (c < 0x20)
            return reject(sc->err, "control character in string");
        sc->i++;
    }
    return reject(sc->err, "unterminated string");
}

/*
 * Moves past the number starting at s[i], which must match RFC 8259's
 * -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and not run on into another
 * number byte ("01", "1.", "1e", "-.5" and "0-1" are all refused).
 */
static kefu_status scan_number(scanner *sc)
{
    const unsigned char *s = sc->s;
    size_t i = sc->i, len = sc->len;

    if (s[i] == '-')
        i++;
    if (i < len && s[i] == '0') {
        i++;
    } else if (i < len && is_digit(s[i])) {
        while (i < len && is_digit(s[i]))
            i++;
    } else {
        goto bad;
    }
    if (i < len && s[i] == '.') {
        i++;
        if (i >= len || !is_digit(s[i]))
            goto bad;
        while (i < len && is_digit(s[i]))
            i++;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= len || !is_digit(s[i]))
            goto bad;
        while (i < len && is_digit(s[i]))
            i++;
    }
    if (i < len && is_number_byte(s[i]))
        goto bad;
    sc->i = i;
    return KEFU_STATUS_OK;

bad:
    return reject(sc->err, "invalid number");
}

/* Moves past `true`, `false` or `null` at s[i]; anything else is not JSON. */
static kefu_status scan_literal(scanner *sc)
{
    static const char *const literals[] = {"true", "false", "null"};

    for (size_t k = 0; k < sizeof(literals) / sizeof(literals[0]); k++) {
        size_t n = strlen(literals[k]);
        if (sc->len - sc->i >= n && memcmp(sc->s + sc->i, literals[k], n) == 0) {
            sc->i += n;
            return KEFU_STATUS_OK;
        }
    }
    return reject(sc->err, "request is not valid JSON");
}

/*
 * The pre-pass over the raw bytes. It does not check structure (brackets
 * matching, commas, colons): cJSON does that next. It only refuses what
 * cJSON would accept, and reports an empty buffer.
 */
static kefu_status prescan(const char *buf, size_t len, int max_depth, kefu_error *err)
{
    scanner sc = {(const unsigned char *)buf, len, 0, 0, max_depth, err};
    bool seen_token = false;
    kefu_status st = KEFU_STATUS_OK;

    if (!kefu_utf8_valid(buf, len))
        return reject(err, "invalid UTF-8");
    if (len > 0 && memchr(buf, '\0', len) != NULL)
        return reject(err, "NUL byte is not allowed");

    while (sc.i < sc.len && st == KEFU_STATUS_OK) {
        unsigned char c = sc.s[sc.i];
        if (is_ws(c)) {
            sc.i++;
            continue;
        }
        seen_token = true;
        switch (c) {
        case '[':
        case '{':
            if (++sc.depth > sc.max_depth)
                return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, NULL,
                                      "nesting deeper than %d", sc.max_depth);
            sc.i++;
            break;
        case ']':
        case '}':
            if (sc.depth > 0)
                sc.depth--;
            sc.i++;
            break;
        case ',':
        case ':':
            sc.i++;
            break;
        case '"':
            st = scan_string(&sc);
            break;
        case 't':
        case 'f':
        case 'n':
            st = scan_literal(&sc);
            break;
        default:
            if (c == '-' || is_digit(c))
                st = scan_number(&sc);
            else
                st = reject(err, "request is not valid JSON");
            break;
        }
    }
    if (st == KEFU_STATUS_OK && !seen_token)
        st = reject(err, "request is empty");
    return st;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Reports `key` as a duplicate, quoting at most KEY_SHOWN_MAX bytes of it and
 * cutting only between code points, so the message stays valid UTF-8.
 */
static kefu_status duplicate(kefu_error *err, const char *key)
{
    size_t n = strlen(key);
    const char *more = "";

    if (n > KEY_SHOWN_MAX) {
        n = KEY_SHOWN_MAX;
        while (n > 0 && ((unsigned char)key[n] & 0xC0) == 0x80)
            n--;
        more = "...";
    }
    return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, NULL, "duplicate key \"%.*s%s\"",
                          (int)n, key, more);
}

/*
 * Refuses a duplicate key among the members of `obj`: pairwise for small
 * objects, by sorting the names otherwise so that a large object stays
 * O(n log n).
 */
static kefu_status check_members(const cJSON *obj, kefu_error *err)
{
    const char **names = NULL;
    const cJSON *a, *b;
    size_t n = 0, k;
    kefu_status st = KEFU_STATUS_OK;

    for (a = obj->child; a; a = a->next)
        n++;
    if (n <= PAIRWISE_MAX) {
        for (a = obj->child; a; a = a->next) {
            for (b = a->next; b; b = b->next) {
                if (strcmp(a->string, b->string) == 0)
                    return duplicate(err, a->string);
            }
        }
        return KEFU_STATUS_OK;
    }

    names = malloc(n * sizeof(*names));
    if (names == NULL)
        return kefu_error_set(err, KEFU_STATUS_RESOURCE_EXHAUSTED, NULL, "out of memory");
    for (a = obj->child, k = 0; a; a = a->next)
        names[k++] = a->string;
    qsort(names, n, sizeof(*names), compare_names);
    for (k = 1; k < n; k++) {
        if (strcmp(names[k - 1], names[k]) == 0) {
            st = duplicate(err, names[k]);
            goto out_free_names;
        }
    }

out_free_names:
    free(names);
    return st;
}

/* Walks the tree and refuses the first object with a duplicate key. */
static kefu_status check_keys(const cJSON *item, kefu_error *err)
{
    kefu_status st;

    if (!cJSON_IsArray(item) && !cJSON_IsObject(item))
        return KEFU_STATUS_OK;
    for (const cJSON *c = item->child; c; c = c->next) {
        st = check_keys(c, err);
        if (st != KEFU_STATUS_OK)
            return st;
    }
    return cJSON_IsObject(item) ? check_members(item, err) : KEFU_STATUS_OK;
}

cJSON *kefu_json_parse(const char *buf, size_t len, int max_depth, kefu_error *err)
{
    const char *end = NULL;
    cJSON *root;

    if (prescan(buf, len, max_depth, err) != KEFU_STATUS_OK)
        return NULL;

    root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
    if (root == NULL) {
        reject(err, "request is not valid JSON");
        return NULL;
    }
    for (const char *p = end; p < buf + len; p++) {
        if (!is_ws((unsigned char)*p)) {
            reject(err, "trailing data after JSON value");
            goto out_delete_root;
        }
    }
    if (check_keys(root, err) != KEFU_STATUS_OK)
        goto out_delete_root;
    return root;

out_delete_root:
    cJSON_Delete(root);
    return NULL;
}

/*
 * Integers are safe up to 2^53 exclusive: 2^53 + 1 parses to the same double
 * as 2^53, so a double of 2^53 may stand for a different number on the wire.
 */
bool kefu_json_is_int(const cJSON *v)
{
    if (!cJSON_IsNumber(v))
        return false;
    double d = v->valuedouble;
    /* NaN fails both comparisons; inside the range the cast is exact. */
    return d > -INT_LIMIT && d < INT_LIMIT && (double)(int64_t)d == d;
}

bool kefu_json_int(const cJSON *v, int64_t *out)
{
    if (!kefu_json_is_int(v))
        return false;
    *out = (int64_t)v->valuedouble;
    return true;
}

const char *kefu_json_str(const cJSON *obj, const char *key)
{
    const cJSON *item = kefu_json_get(obj, key);

    return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* Byte order of member names; a member without a name sorts as "". */
static int compare_members(const cJSON *a, const cJSON *b)
{
    return strcmp(a->string ? a->string : "", b->string ? b->string : "");
}

/*
 * Stable merge sort of the list starting at `head`, following only `next`;
 * the caller repairs `prev` afterwards. Recursion depth is log2 of the length.
 */
static cJSON *merge_sort(cJSON *head)
{
    cJSON *slow, *fast, *right, *out = NULL, **tail = &out;

    if (head == NULL || head->next == NULL)
        return head;
    slow = head;
    fast = head->next;
    while (fast && fast->next) {
        slow = slow->next;
        fast = fast->next->next;
    }
    right = slow->next;
    slow->next = NULL;
    head = merge_sort(head);
    right = merge_sort(right);

    while (head && right) {
        if (compare_members(head, right) <= 0) {
            *tail = head;
            head = head->next;
        } else {
            *tail = right;
            right = right->next;
        }
        tail = &(*tail)->next;
    }
    *tail = head ? head : right;
    return out;
}

/*
 * Exact text for a number. cJSON prints with "%1.15g" and keeps it when it
 * reads back within a relative DBL_EPSILON, so 9007199254740990 and
 * 9007199254740991 both print as 9.00719925474099e+15: two different
 * documents would share one canonical text. Integral values print in full;
 * others with the fewest digits (15 to 17) that read back to the same double.
 * Infinity (from "1e400") prints as null, as cJSON does.
 */
static void format_number(double d, char out[NUMBER_TEXT_MAX])
{
    if (!isfinite(d)) {
        snprintf(out, NUMBER_TEXT_MAX, "null");
    } else if (d >= -TWO_POW_63 && d < TWO_POW_63 && (double)(int64_t)d == d) {
        snprintf(out, NUMBER_TEXT_MAX, "%" PRId64, (int64_t)d);
    } else {
        for (int precision = 15; precision <= 17; precision++) {
            snprintf(out, NUMBER_TEXT_MAX, "%.*g", precision, d);
            if (strtod(out, NULL) == d)
                break;
        }
    }
}

/* Turns number `item` into a raw item holding format_number's text. */
static bool number_to_raw(cJSON *item)
{
    char text[NUMBER_TEXT_MAX];
    char *raw;

    format_number(item->valuedouble, text);
    raw = cJSON_malloc(strlen(text) + 1);
    if (raw == NULL)
        return false;
    strcpy(raw, text);
    item->valuestring = raw;
    item->type = (item->type & ~0xFF) | cJSON_Raw;
    return true;
}

/*
 * Rewrites the tree under `item` (a private copy) into canonical form: object
 * members sorted by name, numbers as exact raw text. cJSON 1.7.15 keeps
 * child->prev pointing at the last element (that is how it appends in O(1)),
 * so the prev links are rebuilt with that invariant. False when out of memory.
 */
static bool canonicalize(cJSON *item)
{
    cJSON *c, *prev = NULL;

    if (cJSON_IsNumber(item))
        return number_to_raw(item);
    if (!cJSON_IsArray(item) && !cJSON_IsObject(item))
        return true;
    for (c = item->child; c; c = c->next) {
        if (!canonicalize(c))
            return false;
    }
    if (!cJSON_IsObject(item) || item->child == NULL)
        return true;
    item->child = merge_sort(item->child);
    for (c = item->child; c; c = c->next) {
        c->prev = prev;
        prev = c;
    }
    item->child->prev = prev;
    return true;
}

char *kefu_json_canonical(const cJSON *v)
{
    cJSON *copy;
    char *text = NULL;

    copy = cJSON_Duplicate(v, true);
    if (copy == NULL)
        return NULL;
    if (!canonicalize(copy))
        goto out_delete_copy;
    text = cJSON_PrintUnformatted(copy);

out_delete_copy:
    cJSON_Delete(copy);
    return text;
}

void kefu_json_id_text(const cJSON *v, char out[KEFU_ID_TEXT_SIZE])
{
    int64_t n;

    if (cJSON_IsString(v))
        snprintf(out, KEFU_ID_TEXT_SIZE, "%s", v->valuestring);
    else if (kefu_json_int(v, &n))
        snprintf(out, KEFU_ID_TEXT_SIZE, "%lld", (long long)n);
    else
        out[0] = '\0';
}
