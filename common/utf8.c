/* utf8.c - strict UTF-8 validation (RFC 3629) and code point counting. */
#include "utf8.h"

#include <stdint.h>
#include <string.h>

#define HIGH_BITS 0x8080808080808080ULL

/*
 * True iff the 8 bytes at `p` are all ASCII. memcpy keeps the load legal for
 * any alignment; compilers turn it into a single unaligned load.
 */
static bool ascii8(const unsigned char *p)
{
    uint64_t w;

    memcpy(&w, p, sizeof(w));
    return (w & HIGH_BITS) == 0;
}

static bool is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/*
 * Checks one multi-byte sequence starting at s[i] (a non-ASCII lead byte) and
 * returns its length, or 0 if it is ill-formed. The ranges are those of
 * Unicode Table 3-7: the second byte's range depends on the lead byte so that
 * overlongs (C0, C1, E0 80..9F, F0 80..8F), surrogates (ED A0..BF) and values
 * above U+10FFFF (F4 90..BF, F5..FF) are all refused.
 */
static size_t sequence_len(const unsigned char *s, size_t i, size_t len)
{
    unsigned char c = s[i];
    unsigned char lo = 0x80, hi = 0xBF;
    size_t n;

    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0; /* continuation byte as lead, C0, C1 or F5..FF */
    }
    if (len - i < n)
        return 0;
    if (s[i + 1] < lo || s[i + 1] > hi)
        return 0;
    for (size_t k = 2; k < n; k++) {
        if (!is_cont(s[i + k]))
            return 0;
    }
    return n;
}

/*
 * Runs of ASCII, the common case for JSON requests, are skipped 8 bytes at a
 * time; everything else goes through sequence_len.
 */
bool kefu_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;

    while (i < len) {
        if (len - i >= 8 && ascii8(s + i)) {
            i += 8;
            continue;
        }
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = sequence_len(s, i, len);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

/* Counts the bytes that are not continuation bytes: one per code point. */
size_t kefu_utf8_count(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t count = 0, i = 0;

    while (i < len) {
        if (len - i >= 8 && ascii8(s + i)) {
            count += 8;
            i += 8;
            continue;
        }
        if (!is_cont(s[i]))
            count++;
        i++;
    }
    return count;
}

size_t kefu_utf8_prefix(const char *s, size_t len, size_t max)
{
    size_t n = len < max ? len : max;

    /* Back up over continuation bytes to the start of the cut character. */
    if (n < len) {
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    return n;
}

void kefu_utf8_trim_end(char *s)
{
    size_t n = strlen(s), lead = n, need;
    unsigned char c;

    /* Back over at most three continuation bytes to the last lead byte. */
    while (lead > 0 && n - lead < 4 && ((unsigned char)s[lead - 1] & 0xC0) == 0x80)
        lead--;
    if (lead == 0)
        return;
    c = (unsigned char)s[lead - 1];
    need = c < 0x80             ? 1
           : (c & 0xE0) == 0xC0 ? 2
           : (c & 0xF0) == 0xE0 ? 3
           : (c & 0xF8) == 0xF0 ? 4
                                : 0;
    if (need == 0 || n - (lead - 1) < need)
        s[lead - 1] = '\0';
}
