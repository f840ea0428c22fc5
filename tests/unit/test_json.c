/* test_json.c - kefu_json_parse's refusals, integers, lookups and canonical text. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "test.h"

/*
 * Parses the first `len` bytes of `s` from an exact-size heap copy (no NUL
 * after it, so ASan sees any over-read). Returns the tree or NULL.
 */
static cJSON *parse_n(const char *s, size_t len, int max_depth, kefu_error *err)
{
    char *buf = malloc(len ? len : 1);
    cJSON *root;

    memcpy(buf, s, len);
    kefu_error_clear(err);
    root = kefu_json_parse(buf, len, max_depth, err);
    free(buf);
    return root;
}

/* True iff `s` (len bytes) parses; prints why not otherwise. */
static bool accepts_n(const char *s, size_t len, int max_depth)
{
    kefu_error err;
    cJSON *root = parse_n(s, len, max_depth, &err);

    if (root == NULL) {
        fprintf(stderr, "  refused %.*s: %s\n", (int)(len > 80 ? 80 : len), s, err.message);
        return false;
    }
    cJSON_Delete(root);
    return true;
}

static bool accepts(const char *s)
{
    return accepts_n(s, strlen(s), KEFU_JSON_MAX_DEPTH);
}

/*
 * True iff `s` (len bytes) is refused with INVALID_ARGUMENT, an empty field
 * and, when `message` is not NULL, exactly that message.
 */
static bool rejects_n(const char *s, size_t len, int max_depth, const char *message)
{
    kefu_error err;
    cJSON *root = parse_n(s, len, max_depth, &err);

    if (root != NULL) {
        fprintf(stderr, "  accepted %.*s\n", (int)(len > 80 ? 80 : len), s);
        cJSON_Delete(root);
        return false;
    }
    if (err.status != KEFU_STATUS_INVALID_ARGUMENT || err.field[0] != '\0' ||
        (message && strcmp(err.message, message) != 0)) {
        fprintf(stderr, "  %.*s: status %d field \"%s\" message \"%s\", expected \"%s\"\n",
                (int)(len > 80 ? 80 : len), s, (int)err.status, err.field, err.message,
                message ? message : "(any)");
        return false;
    }
    return true;
}

static bool rejects(const char *s, const char *message)
{
    return rejects_n(s, strlen(s), KEFU_JSON_MAX_DEPTH, message);
}

static void test_accepts_valid(void)
{
    CHECK(accepts("{}"));
    CHECK(accepts("[]"));
    CHECK(accepts("0"));
    CHECK(accepts("-0"));
    CHECK(accepts("-12.5e-3"));
    CHECK(accepts("1E+10"));
    CHECK(accepts("true"));
    CHECK(accepts("false"));
    CHECK(accepts("null"));
    CHECK(accepts("\"\""));
    CHECK(accepts(" \t\r\n{\"a\" : [1, 2.0, \"x\", null, true, false, {}]} \r\n\t "));
    CHECK(accepts("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\u7528\""));
    CHECK(accepts("\"\\ud83d\\ude00\""));
    CHECK(accepts("\"\\uDBFF\\uDFFF\""));
    CHECK(accepts("{\"描述\":\"用户投诉\",\"emoji\":\"\xf0\x9f\x98\x80\"}"));
    CHECK(accepts("[\"\xf4\x8f\xbf\xbf\"]"));
    CHECK(accepts("{\"a\":1,\"A\":2}"));
    CHECK(accepts("{\"a\":{\"a\":1},\"b\":{\"a\":2},\"c\":[{\"a\":3},{\"a\":4}]}"));
}

static void test_values_survive(void)
{
    kefu_error err;
    const char *in = "{\"s\":\"a\\u00e9\\ud83d\\ude00b\",\"n\":-42}";
    cJSON *root = parse_n(in, strlen(in), 64, &err);

    CHECK(root != NULL);
    if (root == NULL)
        return;
    CHECK_STR(kefu_json_str(root, "s"), "a\xc3\xa9\xf0\x9f\x98\x80"
                                        "b");
    CHECK(cJSON_GetNumberValue(kefu_json_get(root, "n")) == -42.0);
    cJSON_Delete(root);
}

static void test_rejects_empty(void)
{
    CHECK(rejects_n("", 0, KEFU_JSON_MAX_DEPTH, "request is empty"));
    CHECK(rejects("   \r\n\t ", "request is empty"));
}

static void test_rejects_invalid_utf8(void)
{
    CHECK(rejects("\"\xc0\x80\"", "invalid UTF-8"));
    CHECK(rejects("\"\xed\xa0\x80\"", "invalid UTF-8"));
    CHECK(rejects("\"\xf4\x90\x80\x80\"", "invalid UTF-8"));
    CHECK(rejects("{\"k\xff\":1}", "invalid UTF-8"));
    CHECK(rejects("[\"ok\"] \x80", "invalid UTF-8"));
    CHECK(rejects("\"abc\xe7\x94\"", "invalid UTF-8"));
}

static void test_rejects_nul(void)
{
    CHECK(rejects_n("[1]\0", 4, KEFU_JSON_MAX_DEPTH, "NUL byte is not allowed"));
    CHECK(rejects_n("\"a\0b\"", 5, KEFU_JSON_MAX_DEPTH, "NUL byte is not allowed"));
    CHECK(rejects_n("\0", 1, KEFU_JSON_MAX_DEPTH, "NUL byte is not allowed"));
    CHECK(rejects("\"a\\u0000b\"", "\\u0000 is not allowed in strings"));
    CHECK(rejects("{\"\\u0000\":1}", "\\u0000 is not allowed in strings"));
}

static void test_rejects_bad_escapes(void)
{
    const char *unpaired = "unpaired surrogate escape in string";

    CHECK(rejects("\"\\ud800\"", unpaired));
    CHECK(rejects("\"\\udc00\"", unpaired));
    CHECK(rejects("\"\\udfff\\ud800\"", unpaired));
    CHECK(rejects("\"\\ud800\\u0041\"", unpaired));
    CHECK(rejects("\"\\ud800\\ud800\"", unpaired));
    CHECK(rejects("\"\\ud800x\"", unpaired));
    CHECK(rejects("\"\\ud800\\n\"", unpaired));
    CHECK(rejects("\"\\ud800\\udc0", unpaired));
    CHECK(rejects("\"\\x\"", "invalid escape in string"));
    CHECK(rejects("\"\\u00zz\"", "invalid escape in string")); /* cJSON takes this */
    CHECK(rejects("\"\\u12\"", "invalid escape in string"));
    CHECK(rejects("\"\\U0041\"", "invalid escape in string"));
    CHECK(rejects("\"\\'\"", "invalid escape in string"));
    CHECK(rejects("\"\\", "unterminated string"));
    CHECK(rejects("\"abc", "unterminated string"));
    CHECK(rejects("[\"abc]", "unterminated string"));
}

static void test_rejects_control_characters(void)
{
    CHECK(rejects("\"a\x01"
                  "b\"",
                  "control character in string"));
    CHECK(rejects("\"a\tb\"", "control character in string"));
    CHECK(rejects("\"a\nb\"", "control character in string"));
    CHECK(rejects("{\"a\x1f\":1}", "control character in string"));
    /* cJSON skips every byte <= 0x20 as white space; RFC 8259 allows four. */
    CHECK(rejects("\x01[1]", "request is not valid JSON"));
    CHECK(rejects("[1,\x0b"
                  "2]",
                  "request is not valid JSON"));
    CHECK(rejects("\x0c"
                  "1",
                  "request is not valid JSON"));
    CHECK(rejects("[1]\x7f", "request is not valid JSON"));
    /* A byte order mark is not white space either (cJSON skips it). */
    CHECK(rejects("\xef\xbb\xbf[1]", "request is not valid JSON"));
}

static void test_rejects_bad_numbers(void)
{
    static const char *const bad[] = {"01",  "-01",  "00",    "[01]",  "1.",  "[1.]",  "1.e5",
                                      "-.5", ".5",   "+1",    "-",     "[-]", "1e",    "1e+",
                                      "1E-", "0x10", "[0-1]", "1.5.5", "--1", "1e5.5", NULL};

    for (int i = 0; bad[i]; i++) {
        if (!rejects(bad[i], NULL)) {
            fprintf(stderr, "  number case %s\n", bad[i]);
            CHECK(!"number accepted");
        }
    }
    CHECK(rejects("01", "invalid number"));
    CHECK(rejects("-.5", "invalid number"));
}

static void test_rejects_not_json(void)
{
    static const char *const bad[] = {
        "NaN",    "Infinity", "-Infinity", "[1,]", "{\"a\":1,}", "'a'",         "['a']",
        "[1]//c", "/*c*/1",   "{a:1}",     "[1",   "{\"a\"}",    "{\"a\":}",    "[1 2]",
        "{,}",    "[,1]",     "tru",       "nul",  "True",       "[truefalse]", "{\"a\" 1}",
        "{1:2}",  "]",        "}",         "[}",   "{]",         NULL};

    for (int i = 0; bad[i]; i++) {
        if (!rejects(bad[i], NULL)) {
            fprintf(stderr, "  case %s\n", bad[i]);
            CHECK(!"not-JSON accepted");
        }
    }
    CHECK(rejects("[1,]", "request is not valid JSON"));
    CHECK(rejects("'a'", "request is not valid JSON"));
}

static void test_rejects_trailing(void)
{
    CHECK(rejects("{\"a\":1} x", NULL));
    CHECK(rejects("1 2", "trailing data after JSON value"));
    CHECK(rejects("[1]]", "trailing data after JSON value"));
    CHECK(rejects("{}{}", "trailing data after JSON value"));
    CHECK(rejects("nullx", NULL));
    CHECK(rejects("\"a\"\"b\"", "trailing data after JSON value"));
    CHECK(accepts("{\"a\":1} \n\t\r"));
}

/* `n` nested containers, alternating arrays and objects, around a number. */
static char *nested(int n)
{
    char *s = malloc((size_t)n * 8 + 2), *p = s;

    for (int i = 0; i < n; i++) {
        if (i % 2 == 0) {
            *p++ = '[';
        } else {
            memcpy(p, "{\"k\":", 5);
            p += 5;
        }
    }
    *p++ = '1';
    for (int i = n - 1; i >= 0; i--)
        *p++ = i % 2 == 0 ? ']' : '}';
    *p = '\0';
    return s;
}

static void test_depth(void)
{
    char *s64 = nested(64), *s65 = nested(65), *s1000 = nested(1000);

    CHECK(accepts(s64));
    CHECK(rejects(s65, "nesting deeper than 64"));
    CHECK(rejects(s1000, "nesting deeper than 64"));
    CHECK(accepts_n(s65, strlen(s65), 65));
    CHECK(rejects_n(s64, strlen(s64), 2, "nesting deeper than 2"));
    CHECK(rejects_n("[[1],[2],{\"a\":[3]}]", 19, 2, "nesting deeper than 2"));
    CHECK(accepts_n("[[1],[2],{\"a\":3}]", 17, 2));
    CHECK(rejects_n("[1]", 3, 0, "nesting deeper than 0"));
    CHECK(accepts_n("1", 1, 0));
    /* Brackets inside strings do not nest. */
    CHECK(accepts_n("[\"[[[[{{{{\\\"[[[\"]", 17, 1));
    free(s64);
    free(s65);
    free(s1000);
}

static void test_duplicate_keys(void)
{
    CHECK(rejects("{\"a\":1,\"a\":2}", "duplicate key \"a\""));
    CHECK(rejects("{\"a\":1,\"b\":2,\"a\":3}", "duplicate key \"a\""));
    CHECK(rejects("{\"a\":1,\"\\u0061\":2}", "duplicate key \"a\""));
    CHECK(rejects("{\"用户\":1,\"\\u7528\\u6237\":2}", "duplicate key \"用户\""));
    CHECK(rejects("[{\"x\":{\"y\":[1,{\"ok\":1,\"k\":1,\"k\":2}]}}]", "duplicate key \"k\""));

    /* Duplicate at the bottom of 60 levels of distinct keys. */
    char deep[1024], *p = deep;
    for (int i = 0; i < 60; i++)
        p += sprintf(p, "{\"a\":0,\"b\":");
    p += sprintf(p, "{\"z\":1,\"z\":2}");
    for (int i = 0; i < 60; i++)
        *p++ = '}';
    *p = '\0';
    CHECK(rejects(deep, "duplicate key \"z\""));
}

/* Objects above the pairwise limit take the sorting path. */
static void test_duplicate_keys_large_object(void)
{
    char buf[8192], *p;
    int n = 200;

    p = buf;
    *p++ = '{';
    for (int i = 0; i < n; i++)
        p += sprintf(p, "%s\"key%d\":%d", i ? "," : "", i, i);
    strcpy(p, "}");
    CHECK(accepts(buf));

    p = buf;
    *p++ = '{';
    for (int i = 0; i < n; i++)
        p += sprintf(p, "%s\"key%d\":%d", i ? "," : "", i == n - 1 ? 7 : i, i);
    strcpy(p, "}");
    CHECK(rejects(buf, "duplicate key \"key7\""));

    /* Exactly 17 members, the first and last equal. */
    p = buf;
    *p++ = '{';
    for (int i = 0; i < 17; i++)
        p += sprintf(p, "%s\"m%d\":%d", i ? "," : "", i == 16 ? 0 : i, i);
    strcpy(p, "}");
    CHECK(rejects(buf, "duplicate key \"m0\""));
}

/* A long duplicate key is quoted in part, cut between code points. */
static void test_duplicate_key_message_truncated(void)
{
    char key[200], doc[512];
    size_t n = 0;

    key[n++] = 'x';
    key[n++] = 'x';
    while (n + 3 < 150) {
        memcpy(key + n, "用", 3);
        n += 3;
    }
    key[n] = '\0';
    snprintf(doc, sizeof(doc), "{\"%s\":1,\"%s\":2}", key, key);
    kefu_error err;
    cJSON *root = parse_n(doc, strlen(doc), 64, &err);
    CHECK(root == NULL);
    cJSON_Delete(root);
    /* Byte 64 falls inside the 21st character, so only "xx" and 20 characters fit. */
    char expect[128];
    snprintf(expect, sizeof(expect), "duplicate key \"%.*s...\"", 2 + 20 * 3, key);
    CHECK_STR(err.message, expect);
}

/* A few hundred KB of realistic nested data parses and keeps all its items. */
static void test_big_document(void)
{
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap);
    int items = 2000;

    len += (size_t)sprintf(buf + len, "{\"tickets\":[");
    for (int i = 0; i < items; i++) {
        len +=
            (size_t)sprintf(buf + len,
                            "%s{\"id\":%d,\"title\":\"用户投诉 #%d \\\"退货\\\"\",\"score\":%d.5,"
                            "\"tags\":[\"a\",\"b\",\"\\u00e9\"],\"open\":%s,\"owner\":null,"
                            "\"history\":[{\"at\":1700000000%03d,\"by\":\"agent\"}]}",
                            i ? "," : "", i, i, i, i % 2 ? "true" : "false", i % 1000);
    }
    len += (size_t)sprintf(buf + len, "],\"count\":%d}", items);

    kefu_error err;
    cJSON *root = parse_n(buf, len, KEFU_JSON_MAX_DEPTH, &err);
    CHECK(root != NULL);
    if (root != NULL) {
        cJSON *t = kefu_json_get(root, "tickets");
        CHECK_INT(cJSON_GetArraySize(t), items);
        CHECK_STR(kefu_json_str(cJSON_GetArrayItem(t, 1999), "title"), "用户投诉 #1999 \"退货\"");
        cJSON_Delete(root);
    }
    free(buf);
}

static cJSON *parse_ok(const char *s)
{
    kefu_error err;

    return parse_n(s, strlen(s), KEFU_JSON_MAX_DEPTH, &err);
}

static void test_is_int(void)
{
    cJSON *doc = parse_ok("[1,-5,1.5,1e300,9007199254740993,9007199254740991,-9007199254740991,"
                          "9007199254740992,-9007199254740992,0,-0,1.0,1e2,\"1\",true,null,1e400]");

    CHECK(doc != NULL);
    if (doc == NULL)
        return;
    CHECK(kefu_json_is_int(cJSON_GetArrayItem(doc, 0)));
    CHECK(kefu_json_is_int(cJSON_GetArrayItem(doc, 1)));
    CHECK(!kefu_json_is_int(cJSON_GetArrayItem(doc, 2)));
    CHECK(!kefu_json_is_int(cJSON_GetArrayItem(doc, 3)));
    /* Parses to the same double as 2^53, so neither can be trusted. */
    CHECK(!kefu_json_is_int(cJSON_GetArrayItem(doc, 4)));
    CHECK(kefu_json_is_int(cJSON_GetArrayItem(doc, 5)));
    CHECK(kefu_json_is_int(cJSON_GetArrayItem(doc, 6)));
    CHECK(!kefu_json_is_int(cJSON_GetArrayItem(doc, 7)));
    CHECK(!kefu_json_is_int(cJSON_GetArrayItem(doc, 8)));
    CHECK(kefu_json_is_int(cJSON_GetArrayItem(doc, 9)));
    CHECK(kefu_json_is_int(cJSON_GetArrayItem(doc, 10)));
    CHECK(kefu_json_is_int(cJSON_GetArrayItem(doc, 11)));
    CHECK(kefu_json_is_int(cJSON_GetArrayItem(doc, 12)));
    CHECK(!kefu_json_is_int(cJSON_GetArrayItem(doc, 13)));
    CHECK(!kefu_json_is_int(cJSON_GetArrayItem(doc, 14)));
    CHECK(!kefu_json_is_int(cJSON_GetArrayItem(doc, 15)));
    CHECK(!kefu_json_is_int(cJSON_GetArrayItem(doc, 16)));
    CHECK(!kefu_json_is_int(NULL));

    int64_t v = 99;
    CHECK(kefu_json_int(cJSON_GetArrayItem(doc, 1), &v));
    CHECK_INT(v, -5);
    CHECK(kefu_json_int(cJSON_GetArrayItem(doc, 5), &v));
    CHECK(v == INT64_C(9007199254740991));
    CHECK(kefu_json_int(cJSON_GetArrayItem(doc, 6), &v));
    CHECK(v == -INT64_C(9007199254740991));
    v = 99;
    CHECK(!kefu_json_int(cJSON_GetArrayItem(doc, 2), &v));
    CHECK(!kefu_json_int(cJSON_GetArrayItem(doc, 4), &v));
    CHECK(!kefu_json_int(cJSON_GetArrayItem(doc, 13), &v));
    CHECK_INT(v, 99);
    cJSON_Delete(doc);
}

static void test_str_and_get(void)
{
    cJSON *doc = parse_ok("{\"name\":\"张三\",\"Name\":\"x\",\"n\":1,\"nul\":null}");

    CHECK(doc != NULL);
    if (doc == NULL)
        return;
    CHECK_STR(kefu_json_str(doc, "name"), "张三");
    CHECK_STR(kefu_json_str(doc, "Name"), "x");
    CHECK(kefu_json_str(doc, "NAME") == NULL);
    CHECK(kefu_json_str(doc, "n") == NULL);
    CHECK(kefu_json_str(doc, "nul") == NULL);
    CHECK(kefu_json_str(doc, "missing") == NULL);
    CHECK(kefu_json_str(kefu_json_get(doc, "n"), "name") == NULL);
    CHECK(kefu_json_str(NULL, "name") == NULL);
    CHECK(kefu_json_get(doc, "NAME") == NULL);
    cJSON_Delete(doc);
}

static void check_canonical(const char *in, const char *expect)
{
    cJSON *doc = parse_ok(in);
    char *text;

    CHECK(doc != NULL);
    if (doc == NULL)
        return;
    text = kefu_json_canonical(doc);
    CHECK_STR(text, expect);
    cJSON_free(text);
    cJSON_Delete(doc);
}

static void test_canonical(void)
{
    check_canonical("{\"b\":1,\"a\":{\"d\":2,\"c\":[{\"z\":1,\"y\":2}]}}",
                    "{\"a\":{\"c\":[{\"y\":2,\"z\":1}],\"d\":2},\"b\":1}");
    check_canonical(" [ 3 , 1 , 2 ] ", "[3,1,2]");
    check_canonical("{}", "{}");
    check_canonical("{\"only\":true}", "{\"only\":true}");
    check_canonical("\"x\"", "\"x\"");
    /* Byte order: upper case before lower case, shorter prefix first, UTF-8 after ASCII. */
    check_canonical("{\"b\":1,\"ab\":2,\"a\":3,\"B\":4,\"用\":5,\"z\":6}",
                    "{\"B\":4,\"a\":3,\"ab\":2,\"b\":1,\"z\":6,\"用\":5}");
}

/*
 * Numbers print exactly: cJSON alone prints both 9007199254740990 and
 * 9007199254740991 as 9.00719925474099e+15, so two different documents would
 * share a canonical text.
 */
static void test_canonical_numbers(void)
{
    check_canonical("[9007199254740991,9007199254740990,-9007199254740991]",
                    "[9007199254740991,9007199254740990,-9007199254740991]");
    check_canonical("[0,-0,1.0,1e2,-5,2147483648,123456789012345678]",
                    "[0,0,1,100,-5,2147483648,123456789012345680]");
    check_canonical("[0.1,1.5,-2.25e-5,0.3333333333333333,1e300,1e400]",
                    "[0.1,1.5,-2.25e-05,0.3333333333333333,1e+300,null]");
    check_canonical("[1.7976931348623157e308,5e-324,0.30000000000000004]",
                    "[1.7976931348623157e+308,4.94065645841247e-324,0.30000000000000004]");
    check_canonical("{\"b\":[{\"y\":1.5,\"x\":3}],\"a\":12345678901234567}",
                    "{\"a\":12345678901234568,\"b\":[{\"x\":3,\"y\":1.5}]}");
}

/* Equal documents written in different key orders give equal text. */
static void test_canonical_order_independent(void)
{
    cJSON *a =
        parse_ok("{\"x\":[1,{\"q\":1,\"p\":[{\"n\":null,\"m\":\"s\"}]}],\"w\":{\"v\":1,\"u\":2}}");
    cJSON *b =
        parse_ok("{\"w\":{\"u\":2,\"v\":1},\"x\":[1,{\"p\":[{\"m\":\"s\",\"n\":null}],\"q\":1}]}");

    CHECK(a != NULL && b != NULL);
    if (a && b) {
        char *ta = kefu_json_canonical(a), *tb = kefu_json_canonical(b);
        CHECK_STR(ta, tb);
        cJSON_free(ta);
        cJSON_free(tb);
    }
    cJSON_Delete(a);
    cJSON_Delete(b);
}

/* Sorting works on a copy: the input keeps its order and stays a usable list. */
static void test_canonical_leaves_input(void)
{
    const char *in = "{\"c\":1,\"b\":{\"z\":1,\"y\":2},\"a\":3}";
    cJSON *doc = parse_ok(in);

    CHECK(doc != NULL);
    if (doc == NULL)
        return;
    char *text = kefu_json_canonical(doc);
    CHECK_STR(text, "{\"a\":3,\"b\":{\"y\":2,\"z\":1},\"c\":1}");
    cJSON_free(text);
    text = cJSON_PrintUnformatted(doc);
    CHECK_STR(text, in);
    cJSON_free(text);
    cJSON_Delete(doc);
}

/*
 * Many members in reverse and shuffled order (merge sort with odd lengths),
 * and a built tree with duplicate names, which must keep their order (stable).
 */
static void test_canonical_large_and_stable(void)
{
    cJSON *obj = cJSON_CreateObject();
    char name[16], *text, *expect, *p;
    int n = 101;

    for (int i = n - 1; i >= 0; i--) {
        snprintf(name, sizeof(name), "k%03d", (i * 37) % n);
        cJSON_AddNumberToObject(obj, name, i);
    }
    text = kefu_json_canonical(obj);
    CHECK(text != NULL);
    expect = malloc(4096);
    p = expect;
    *p++ = '{';
    for (int k = 0; k < n; k++) {
        int i = 0;
        while ((i * 37) % n != k)
            i++;
        p += sprintf(p, "%s\"k%03d\":%d", k ? "," : "", k, i);
    }
    strcpy(p, "}");
    CHECK_STR(text, expect);
    cJSON_free(text);
    free(expect);
    cJSON_Delete(obj);

    obj = cJSON_CreateObject();
    cJSON_AddNumberToObject(obj, "b", 1);
    cJSON_AddNumberToObject(obj, "a", 1);
    cJSON_AddNumberToObject(obj, "b", 2);
    cJSON_AddNumberToObject(obj, "a", 2);
    cJSON_AddNumberToObject(obj, "b", 3);
    text = kefu_json_canonical(obj);
    CHECK_STR(text, "{\"a\":1,\"a\":2,\"b\":1,\"b\":2,\"b\":3}");
    cJSON_free(text);
    cJSON_Delete(obj);
}

/* Ids as index keys: strings whole (64 four-byte characters fit), integers
 * as decimal text, so "7" and 7 are the same customer. */
static void test_id_text(void)
{
    char out[KEFU_ID_TEXT_SIZE], want[KEFU_ID_TEXT_SIZE] = "";
    cJSON *v;

    for (int i = 0; i < 64; i++)
        strcat(want, "\xF0\x9F\x98\x80"); /* 😀 */
    v = cJSON_CreateString(want);
    kefu_json_id_text(v, out);
    CHECK_STR(out, want);
    cJSON_Delete(v);
    v = cJSON_CreateNumber(7);
    kefu_json_id_text(v, out);
    CHECK_STR(out, "7");
    cJSON_Delete(v);
    v = cJSON_CreateNumber(-9007199254740991.0);
    kefu_json_id_text(v, out);
    CHECK_STR(out, "-9007199254740991");
    cJSON_Delete(v);
    v = cJSON_CreateNumber(1.5);
    kefu_json_id_text(v, out);
    CHECK_STR(out, "");
    cJSON_Delete(v);
    kefu_json_id_text(NULL, out);
    CHECK_STR(out, "");
}

KEFU_TESTS = {
    {"id_text", test_id_text},
    {"accepts_valid", test_accepts_valid},
    {"values_survive", test_values_survive},
    {"rejects_empty", test_rejects_empty},
    {"rejects_invalid_utf8", test_rejects_invalid_utf8},
    {"rejects_nul", test_rejects_nul},
    {"rejects_bad_escapes", test_rejects_bad_escapes},
    {"rejects_control_characters", test_rejects_control_characters},
    {"rejects_bad_numbers", test_rejects_bad_numbers},
    {"rejects_not_json", test_rejects_not_json},
    {"rejects_trailing", test_rejects_trailing},
    {"depth", test_depth},
    {"duplicate_keys", test_duplicate_keys},
    {"duplicate_keys_large_object", test_duplicate_keys_large_object},
    {"duplicate_key_message_truncated", test_duplicate_key_message_truncated},
    {"big_document", test_big_document},
    {"is_int", test_is_int},
    {"str_and_get", test_str_and_get},
    {"canonical", test_canonical},
    {"canonical_numbers", test_canonical_numbers},
    {"canonical_order_independent", test_canonical_order_independent},
    {"canonical_leaves_input", test_canonical_leaves_input},
    {"canonical_large_and_stable", test_canonical_large_and_stable},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return kefu_test_main(argc, argv);
}
