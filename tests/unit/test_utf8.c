/* test_utf8.c - strict RFC 3629 validation and code point counting. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "utf8.h"

typedef struct {
    const char *name;
    const char *bytes;
    size_t len; /* 0: strlen(bytes) */
    bool valid;
} utf8_case;

static const utf8_case cases[] = {
    {"empty", "", 0, true},
    {"ascii", "hello, world", 0, true},
    {"ascii long", "the quick brown fox jumps over the lazy dog 0123456789", 0, true},
    {"nul byte", "a\0b", 3, true},
    {"2-byte min U+0080", "\xc2\x80", 0, true},
    {"2-byte max U+07FF", "\xdf\xbf", 0, true},
    {"3-byte min U+0800", "\xe0\xa0\x80", 0, true},
    {"3-byte before surrogates U+D7FF", "\xed\x9f\xbf", 0, true},
    {"3-byte after surrogates U+E000", "\xee\x80\x80", 0, true},
    {"3-byte max U+FFFF", "\xef\xbf\xbf", 0, true},
    {"chinese", "用户投诉", 0, true},
    {"4-byte min U+10000", "\xf0\x90\x80\x80", 0, true},
    {"emoji U+1F600", "\xf0\x9f\x98\x80", 0, true},
    {"4-byte max U+10FFFF", "\xf4\x8f\xbf\xbf", 0, true},
    {"mixed", "abc用户\xf0\x9f\x98\x80xyz投诉", 0, true},

    {"overlong C0 80", "\xc0\x80", 0, false},
    {"overlong C1 BF", "\xc1\xbf", 0, false},
    {"overlong E0 80 80", "\xe0\x80\x80", 0, false},
    {"overlong E0 9F BF", "\xe0\x9f\xbf", 0, false},
    {"overlong F0 80 80 80", "\xf0\x80\x80\x80", 0, false},
    {"overlong F0 8F BF BF", "\xf0\x8f\xbf\xbf", 0, false},
    {"surrogate ED A0 80", "\xed\xa0\x80", 0, false},
    {"surrogate ED BF BF", "\xed\xbf\xbf", 0, false},
    {"encoded pair", "\xed\xa0\xbd\xed\xb8\x80", 0, false},
    {"above max F4 90 80 80", "\xf4\x90\x80\x80", 0, false},
    {"F5", "\xf5\x80\x80\x80", 0, false},
    {"F8 5-byte", "\xf8\x88\x80\x80\x80", 0, false},
    {"FC 6-byte", "\xfc\x84\x80\x80\x80\x80", 0, false},
    {"FE", "\xfe", 0, false},
    {"FF", "\xff", 0, false},
    {"lone continuation", "\x80", 0, false},
    {"continuation after ascii", "abc\xbf", 0, false},
    {"truncated 2 at end", "abc\xc3", 0, false},
    {"truncated 3 at end", "abc\xe4\xb8", 0, false},
    {"truncated 4 at end", "abc\xf0\x9f\x98", 0, false},
    {"missing continuation", "\xe4\x41\x41", 0, false},
    {"bad third byte", "\xe4\xb8\x41", 0, false},
    {"bad fourth byte", "\xf0\x9f\x98\x41", 0, false},
    {"extra continuation", "\xc3\xa9\xa9", 0, false},
    {"invalid after 8 ascii", "abcdefgh\xc0\x80", 0, false},
    {"invalid inside 8-byte word", "abc\xffxyzw12345678", 0, false},
    {NULL, NULL, 0, false},
};

static void test_table(void)
{
    for (const utf8_case *c = cases; c->name; c++) {
        size_t len = c->len ? c->len : strlen(c->bytes);
        /* An exact-size heap copy, so ASan sees any read past the end. */
        char *buf = malloc(len ? len : 1);
        memcpy(buf, c->bytes, len);
        if (kefu_utf8_valid(buf, len) != c->valid) {
            fprintf(stderr, "  case \"%s\": expected %s\n", c->name,
                    c->valid ? "valid" : "invalid");
            CHECK(kefu_utf8_valid(buf, len) == c->valid);
        }
        free(buf);
    }
}

/* Every bad sequence is still caught wherever it sits relative to the 8-byte fast path. */
static void test_every_offset(void)
{
    static const char *const bad[] = {"\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80",
                                      "\xe4\xb8"};
    char buf[64];

    for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
        size_t n = strlen(bad[b]);
        for (size_t off = 0; off + n + 8 <= sizeof(buf); off++) {
            memset(buf, 'x', sizeof(buf));
            memcpy(buf + off, bad[b], n);
            size_t len = off + n + (bad[b][0] == '\xe4' ? 0 : 8);
            CHECK(!kefu_utf8_valid(buf, len));
        }
    }
    memset(buf, 'x', sizeof(buf));
    memcpy(buf + 13, "用", 3);
    for (size_t len = 16; len <= sizeof(buf); len++)
        CHECK(kefu_utf8_valid(buf, len));
}

/* Every 3-byte lead with every second byte, against the Unicode Table 3-7 ranges. */
static void test_second_byte_ranges(void)
{
    for (unsigned lead = 0xE0; lead <= 0xEF; lead++) {
        for (unsigned second = 0x00; second <= 0xFF; second++) {
            char s[3] = {(char)lead, (char)second, (char)0x80};
            unsigned lo = lead == 0xE0 ? 0xA0 : 0x80, hi = lead == 0xED ? 0x9F : 0xBF;
            bool expect = second >= lo && second <= hi;
            if (kefu_utf8_valid(s, 3) != expect) {
                fprintf(stderr, "  %02X %02X 80\n", lead, second);
                CHECK(kefu_utf8_valid(s, 3) == expect);
            }
        }
    }
    for (unsigned lead = 0xF0; lead <= 0xFF; lead++) {
        for (unsigned second = 0x80; second <= 0xBF; second++) {
            char s[4] = {(char)lead, (char)second, (char)0x80, (char)0x80};
            bool expect = lead <= 0xF4 && second >= (lead == 0xF0 ? 0x90u : 0x80u) &&
                          second <= (lead == 0xF4 ? 0x8Fu : 0xBFu);
            CHECK(kefu_utf8_valid(s, 4) == expect);
        }
    }
}

/* A length shorter than the string stops validation there. */
static void test_length_bounds(void)
{
    const char *s = "ab\xe7\x94\xa8"; /* "ab用" */

    CHECK(kefu_utf8_valid(s, 2));
    CHECK(!kefu_utf8_valid(s, 3));
    CHECK(!kefu_utf8_valid(s, 4));
    CHECK(kefu_utf8_valid(s, 5));
}

static void test_count(void)
{
    const char *s = "用户投诉abc";

    CHECK_INT(kefu_utf8_count(s, strlen(s)), 7);
    CHECK_INT(kefu_utf8_count("", 0), 0);
    CHECK_INT(kefu_utf8_count("abc", 3), 3);
    CHECK_INT(kefu_utf8_count("0123456789abcdefXYZ", 19), 19);
    CHECK_INT(kefu_utf8_count("\xf0\x9f\x98\x80\xc3\xa9", 6), 2);
    CHECK_INT(kefu_utf8_count("abcdefgh用户投诉abcdefgh", 8 + 12 + 8), 20);
    CHECK_INT(kefu_utf8_count("a\0b", 3), 3);
}

/* A byte-counted cut can leave half a character; trim_end drops it. */
static void test_trim_end(void)
{
    static const char *const whole[] = {"", "abc", "客", "a客", "😀", "é"};
    char buf[32];

    for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]); i++) {
        size_t n = strlen(whole[i]);
        snprintf(buf, sizeof(buf), "%s", whole[i]);
        kefu_utf8_trim_end(buf);
        CHECK_STR(buf, whole[i]); /* complete text is left alone */
        /* Every cut inside the last character goes back to before it. */
        for (size_t cut = 1; cut < n; cut++) {
            memcpy(buf, whole[i], cut);
            buf[cut] = '\0';
            kefu_utf8_trim_end(buf);
            CHECK(kefu_utf8_valid(buf, strlen(buf)));
            CHECK(strlen(buf) <= cut);
        }
    }
    snprintf(buf, sizeof(buf), "%s", "ab\xE5\xAE"); /* 客 cut after two of three bytes */
    kefu_utf8_trim_end(buf);
    CHECK_STR(buf, "ab");
    snprintf(buf, sizeof(buf), "%s", "ab\xF0\x9F\x98"); /* 😀 cut after three of four */
    kefu_utf8_trim_end(buf);
    CHECK_STR(buf, "ab");
}

KEFU_TESTS = {
    {"table", test_table},
    {"trim_end", test_trim_end},
    {"every_offset", test_every_offset},
    {"second_byte_ranges", test_second_byte_ranges},
    {"length_bounds", test_length_bounds},
    {"count", test_count},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return kefu_test_main(argc, argv);
}
