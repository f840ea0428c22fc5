/*
 * integration.envelope - SPEC section 1 over a real socket: every envelope
 * rule, the reply's id, params validation (fields, lengths in characters,
 * enums, dates, times), trace ids, deadlines, the request size limits and the
 * sys.* methods. Each test sends raw bytes where the rule is about bytes, and
 * checks the exact code, `field` and `id` of the reply.
 *
 * The same executable runs under valgrind as integration.valgrind: timeouts
 * for replies that must come are scaled when KEFU_TEST_WRAPPER is set.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "json.h"
#include "status.h"
#include "timeutil.h"
#include "test.h"

static kh_redis redis;
static kh_service svc;

static const char *create_params = KH_COMPLAINT_CREATE;

/* Replies that must come get this much longer under valgrind. */
static int slow(void)
{
    return getenv("KEFU_TEST_WRAPPER") ? 8 : 1;
}

/* ---- sending and checking ---- */

/*
 * Sends `len` raw bytes to `addr` and returns the reply parsed strictly, or
 * NULL (and a failed check) when there is no reply or it is not JSON.
 */
static cJSON *send_raw_to(const char *addr, const void *req, size_t len)
{
    char *text = kh_call_raw(addr, req, len, 5000 * slow());
    cJSON *reply;
    kefu_error err;

    if (!text) {
        fprintf(stderr, "  no reply to a %zu-byte request: %.120s\n", len, (const char *)req);
        kefu_test_failed_checks++;
        return NULL;
    }
    reply = kefu_json_parse(text, strlen(text), KEFU_JSON_MAX_DEPTH, &err);
    if (!reply || !cJSON_IsObject(reply)) {
        fprintf(stderr, "  reply is not a JSON object (%s): %.300s\n", err.message, text);
        kefu_test_failed_checks++;
        cJSON_Delete(reply);
        reply = NULL;
    }
    free(text);
    return reply;
}

static cJSON *send_text(const char *req)
{
    return send_raw_to(svc.addr, req, strlen(req));
}

static cJSON *send_bytes(const void *req, size_t len)
{
    return send_raw_to(svc.addr, req, len);
}

static cJSON *send_text_to(const char *addr, const char *req)
{
    return send_raw_to(addr, req, strlen(req));
}

/* error.message of a reply, or "". */
static const char *err_msg(const cJSON *r)
{
    const char *m = kefu_json_str(kefu_json_get(r, "error"), "message");
    return m ? m : "";
}

static char *reply_text(const cJSON *r)
{
    return r ? cJSON_PrintUnformatted(r) : NULL;
}

/*
 * The reply is a failure with `code`, the matching status name and a message;
 * `field` NULL: not checked, "": must be absent, else must be equal.
 */
#define EXPECT_ERR(r, code, field) expect_err(__FILE__, __LINE__, (r), (code), (field))
static void expect_err(const char *file, int line, const cJSON *r, int code, const char *field)
{
    const cJSON *e = kefu_json_get(r, "error");
    const char *status = kefu_json_str(e, "status"), *f = kefu_json_str(e, "field");
    const char *want_status = kefu_status_name((kefu_status)code);
    bool good = r && cJSON_IsFalse(kefu_json_get(r, "ok")) && kh_code(r) == code && status &&
                strcmp(status, want_status) == 0 && cJSON_IsString(kefu_json_get(e, "message")) &&
                !kefu_json_get(r, "result");

    if (good && field)
        good = field[0] ? (f && strcmp(f, field) == 0) : kefu_json_get(e, "field") == NULL;
    if (!good) {
        char *t = reply_text(r);
        fprintf(stderr, "  %s:%d: expected error %d %s field %s, got %s\n", file, line, code,
                want_status, field ? (field[0] ? field : "(none)") : "(any)", t ? t : "no reply");
        cJSON_free(t);
        kefu_test_failed_checks++;
    }
}

#define EXPECT_OK(r) expect_ok(__FILE__, __LINE__, (r))
static void expect_ok(const char *file, int line, const cJSON *r)
{
    if (!kh_ok(r) || !kefu_json_get(r, "result") || kefu_json_get(r, "error")) {
        char *t = reply_text(r);
        fprintf(stderr, "  %s:%d: expected ok, got %s\n", file, line, t ? t : "no reply");
        cJSON_free(t);
        kefu_test_failed_checks++;
    }
}

/* The reply carries "id": null. */
#define EXPECT_ID_NULL(r) CHECK((r) && cJSON_IsNull(kefu_json_get((r), "id")))
#define EXPECT_ID_STR(r, s)                                                                        \
    CHECK_STR(cJSON_IsString(kefu_json_get((r), "id")) ? kefu_json_get((r), "id")->valuestring     \
                                                       : "(not a string)",                         \
              (s))
#define EXPECT_ID_NUM(r, n)                                                                        \
    CHECK((r) && cJSON_IsNumber(kefu_json_get((r), "id")) &&                                       \
          kefu_json_get((r), "id")->valuedouble == (double)(n))

/* meta.trace_id of a reply, or NULL. */
static const char *reply_trace(const cJSON *r)
{
    return kefu_json_str(kefu_json_get(r, "meta"), "trace_id");
}

/* ---- building requests ---- */

/* `path` ("product.quantity") inside `root`: sets `value` (owned) or, when NULL, removes it. */
static void set_path(cJSON *root, const char *path, cJSON *value)
{
    char buf[128], *dot;
    cJSON *obj = root;
    const char *key = buf;

    snprintf(buf, sizeof(buf), "%s", path);
    while ((dot = strchr(key, '.')) != NULL) {
        *dot = '\0';
        obj = cJSON_GetObjectItemCaseSensitive(obj, key);
        key = dot + 1;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
    if (value)
        cJSON_AddItemToObject(obj, key, value);
}

/* Create params with `path` set to the JSON text `value` (NULL: removed). Caller frees. */
static char *params_with(const char *path, const char *value)
{
    cJSON *p = cJSON_Parse(create_params);
    char *text;

    if (path)
        set_path(p, path, value ? cJSON_Parse(value) : NULL);
    text = cJSON_PrintUnformatted(p);
    cJSON_Delete(p);
    return text;
}

/* Sends complaints.Create with id "v-1" and `params` (JSON text); returns the reply. */
static cJSON *create_raw(const char *params, const char *meta)
{
    size_t n = strlen(params) + (meta ? strlen(meta) : 0) + 128;
    char *req = malloc(n);
    cJSON *r;

    snprintf(req, n, "{\"id\":\"v-1\",\"method\":\"complaints.Create\",\"params\":%s%s%s}", params,
             meta ? ",\"meta\":" : "", meta ? meta : "");
    r = send_text(req);
    free(req);
    return r;
}

/* complaints.Create with one field of the valid params replaced (value NULL: removed). */
static cJSON *create_with(const char *path, const char *value)
{
    char *p = params_with(path, value);
    cJSON *r = create_raw(p, NULL);
    free(p);
    return r;
}

static long complaints_total(void)
{
    return kh_redis_int(&redis, "ZCARD kefu:complaints:idx:all");
}

/* ---- not JSON, not an object ---- */

static void test_not_json(void)
{
    static const char *const bodies[] = {
        "hello",
        "{",
        "{\"method\":\"sys.Health\"",
        "{\"method\":\"sys.Health\"} trailing",
        "{\"method\":'sys.Health'}",
        "{method:\"sys.Health\"}",
        "{\"id\":01,\"method\":\"sys.Health\"}",
        "{\"method\":\"sys.Health\",}",
        "\xEF\xBB\xBF{\"method\":\"sys.Health\"}",
        "{\"method\":\"sys.Health\"\f}",
        "",
        "   ",
        NULL,
    };

    for (int i = 0; bodies[i]; i++) {
        cJSON *r = send_text(bodies[i]);
        EXPECT_ERR(r, 3, "");
        EXPECT_ID_NULL(r);
        cJSON_Delete(r);
    }
}

static void test_top_level_not_object(void)
{
    static const char *const bodies[] = {
        "[{\"id\":\"a\",\"method\":\"sys.Health\"}]",
        "[]",
        "17",
        "-2.5e3",
        "\"sys.Health\"",
        "true",
        "null",
        NULL,
    };

    for (int i = 0; bodies[i]; i++) {
        cJSON *r = send_text(bodies[i]);
        EXPECT_ERR(r, 3, NULL);
        EXPECT_ID_NULL(r);
        cJSON_Delete(r);
    }
}

/* ---- invalid UTF-8, NUL ---- */

static void test_invalid_utf8_in_key(void)
{
    /* A lone 0xFF, an overlong '/', an encoded surrogate, a cut-off sequence. */
    static const char *const keys[] = {"\xFF", "a\xC0\xAF", "\xED\xA0\x80", "\xE7\x81", NULL};
    char req[256];

    for (int i = 0; keys[i]; i++) {
        snprintf(req, sizeof(req),
                 "{\"id\":\"u-%d\",\"method\":\"sys.Metrics\",\"params\":{\"%s\":1}}", i, keys[i]);
        cJSON *r = send_text(req);
        EXPECT_ERR(r, 3, NULL);
        EXPECT_ID_NULL(r);
        cJSON_Delete(r);
    }
    /* The envelope's own key. */
    cJSON *r = send_text("{\"id\":\"u\",\"meth\xF5od\":\"sys.Health\"}");
    EXPECT_ERR(r, 3, NULL);
    EXPECT_ID_NULL(r);
    cJSON_Delete(r);
}

static void test_invalid_utf8_in_value(void)
{
    static const char *const values[] = {"\xC3\x28", "\xF4\x90\x80\x80", "ok\x80",
                                         "\xE7\x81\xAF\xE7", NULL};
    char req[2048];

    for (int i = 0; values[i]; i++) {
        char *p = params_with("title", "\"X\"");
        char *at = strstr(p, "\"X\"");
        snprintf(req, sizeof(req),
                 "{\"id\":\"u-%d\",\"method\":\"complaints.Create\",\"params\":%.*s\"%s\"%s}", i,
                 (int)(at - p), p, values[i], at + 3);
        long before = complaints_total();
        cJSON *r = send_text(req);
        EXPECT_ERR(r, 3, NULL);
        EXPECT_ID_NULL(r);
        CHECK_INT(complaints_total(), before);
        cJSON_Delete(r);
        free(p);
    }
    /* In the method name and the id. */
    cJSON *r = send_text("{\"id\":\"\xC0\x80\",\"method\":\"sys.Health\"}");
    EXPECT_ERR(r, 3, NULL);
    EXPECT_ID_NULL(r);
    cJSON_Delete(r);
    r = send_text("{\"id\":\"u\",\"method\":\"sys.Hea\xFFlth\"}");
    EXPECT_ERR(r, 3, NULL);
    EXPECT_ID_NULL(r);
    cJSON_Delete(r);
}

static void test_nul_escape_refused(void)
{
    static const char escaped_value[] =
        "{\"id\":\"z\",\"method\":\"sys.Metrics\",\"params\":{\"format\":\"json\\u0000x\"}}";
    static const char escaped_key[] =
        "{\"id\":\"z\",\"method\":\"sys.Metrics\",\"params\":{\"format\\u0000\":\"json\"}}";
    static const char raw_nul[] = "{\"id\":\"z\",\"method\":\"sys.Health\"}\0";
    cJSON *r;

    /* Without the \u0000 rule, cJSON reads "json" and the call succeeds. */
    r = send_text(escaped_value);
    EXPECT_ERR(r, 3, NULL);
    cJSON_Delete(r);
    r = send_text(escaped_key);
    EXPECT_ERR(r, 3, NULL);
    cJSON_Delete(r);
    r = send_bytes(raw_nul, sizeof(raw_nul) - 1);
    EXPECT_ERR(r, 3, NULL);
    EXPECT_ID_NULL(r);
    cJSON_Delete(r);
    /* The same without the NUL is fine: the refusals above are about it. */
    r = send_text("{\"id\":\"z\",\"method\":\"sys.Metrics\",\"params\":{\"format\":\"json\"}}");
    EXPECT_OK(r);
    cJSON_Delete(r);
}

/* ---- nesting ---- */

/*
 * A request whose deepest point is `depth` levels, counting the envelope
 * object as level 1: {"id":..,"method":M,"params":{"deep":[[...]]}} has the
 * params object at level 2 and depth - 2 arrays.
 */
static char *nested(const char *method, int depth, bool objects)
{
    size_t cap = 256 + (size_t)depth * 8;
    char *s = malloc(cap);
    size_t n = (size_t)snprintf(
        s, cap, "{\"id\":\"n-%d\",\"method\":\"%s\",\"params\":{\"deep\":", depth, method);

    for (int i = 0; i < depth - 2; i++)
        n += (size_t)snprintf(s + n, cap - n, "%s", objects ? "{\"deep\":" : "[");
    n += (size_t)snprintf(s + n, cap - n, "1");
    for (int i = 0; i < depth - 2; i++)
        n += (size_t)snprintf(s + n, cap - n, "%s", objects ? "}" : "]");
    snprintf(s + n, cap - n, "}}");
    return s;
}

static void test_nesting_64_accepted_65_refused(void)
{
    char *req;
    cJSON *r;

    /* At 64 levels the envelope parses, so the unknown method is what is wrong. */
    req = nested("nosuch.Method", 64, false);
    r = send_text(req);
    EXPECT_ERR(r, 12, NULL);
    EXPECT_ID_STR(r, "n-64");
    cJSON_Delete(r);
    free(req);

    req = nested("nosuch.Method", 65, false);
    r = send_text(req);
    EXPECT_ERR(r, 3, "");
    CHECK(strstr(err_msg(r), "64") != NULL);
    cJSON_Delete(r);
    free(req);

    /* Objects count the same as arrays; at 64 the params are checked (unknown field). */
    req = nested("sys.Metrics", 64, true);
    r = send_text(req);
    EXPECT_ERR(r, 3, "deep");
    EXPECT_ID_STR(r, "n-64");
    cJSON_Delete(r);
    free(req);

    req = nested("sys.Metrics", 65, true);
    r = send_text(req);
    EXPECT_ERR(r, 3, "");
    cJSON_Delete(r);
    free(req);

    /* Far deeper: refused without a crash (no recursion on the way in). */
    req = nested("sys.Metrics", 100000, false);
    r = send_text(req);
    EXPECT_ERR(r, 3, "");
    cJSON_Delete(r);
    free(req);
}

/* ---- duplicate keys ---- */

static void test_duplicate_keys(void)
{
    static const char *const bodies[] = {
        "{\"id\":\"d\",\"method\":\"sys.Health\",\"method\":\"sys.Health\"}",
        "{\"id\":\"d\",\"id\":\"e\",\"method\":\"sys.Health\"}",
        "{\"id\":\"d\",\"method\":\"sys.Health\",\"meta\":{\"trace_id\":\"a\",\"trace_id\":\"a\"}}",
        /* Without the rule, sys.Metrics would answer (cJSON takes the first). */
        "{\"id\":\"d\",\"method\":\"sys.Metrics\",\"params\":{\"format\":\"json\",\"format\":"
        "\"prometheus\"}}",
        NULL,
    };
    cJSON *r;

    for (int i = 0; bodies[i]; i++) {
        r = send_text(bodies[i]);
        EXPECT_ERR(r, 3, NULL);
        CHECK(strstr(err_msg(r), "duplicate"));
        cJSON_Delete(r);
    }

    /* Nested inside params, in a member of a member; no record is written. */
    {
        char *p = params_with(NULL, NULL);
        char *at = strstr(p, "\"name\":\"华光照明\"");
        size_t n = strlen(p) + 64;
        char *dup = malloc(n), *req;
        long before = complaints_total();

        snprintf(dup, n, "%.*s\"name\":\"甲\",%s", (int)(at - p), p, at);
        req = malloc(strlen(dup) + 100);
        sprintf(req, "{\"id\":\"dn\",\"method\":\"complaints.Create\",\"params\":%s}", dup);
        r = send_text(req);
        EXPECT_ERR(r, 3, NULL);
        CHECK_INT(complaints_total(), before);
        cJSON_Delete(r);
        free(req);
        free(dup);
        free(p);
    }
    /* In a large object (the duplicate check takes another path past 16 members). */
    {
        char req[2048];
        size_t n = (size_t)snprintf(req, sizeof(req),
                                    "{\"id\":\"dl\",\"method\":\"sys.Metrics\",\"params\":{");
        for (int i = 0; i < 40; i++)
            n += (size_t)snprintf(req + n, sizeof(req) - n, "\"k%02d\":%d,", i, i);
        snprintf(req + n, sizeof(req) - n, "\"k27\":0}}");
        r = send_text(req);
        EXPECT_ERR(r, 3, NULL);
        CHECK(strstr(err_msg(r), "duplicate") != NULL);
        cJSON_Delete(r);
    }
    /* Equal keys in different objects are not duplicates. */
    r = send_text(
        "{\"id\":\"d\",\"method\":\"complaints.Get\",\"params\":{\"id\":\"C2026-999999\"}}");
    EXPECT_ERR(r, 5, NULL);
    EXPECT_ID_STR(r, "d");
    cJSON_Delete(r);
}

/* ---- method ---- */

static void test_method_missing(void)
{
    cJSON *r = send_text("{\"id\":\"m-1\",\"params\":{}}");
    EXPECT_ERR(r, 3, "method");
    EXPECT_ID_STR(r, "m-1");
    cJSON_Delete(r);
    r = send_text("{}");
    EXPECT_ERR(r, 3, "method");
    EXPECT_ID_NULL(r);
    cJSON_Delete(r);
}

static void test_method_not_string(void)
{
    static const char *const bodies[] = {
        "{\"id\":\"m-2\",\"method\":5}",
        "{\"id\":\"m-2\",\"method\":null}",
        "{\"id\":\"m-2\",\"method\":true}",
        "{\"id\":\"m-2\",\"method\":[\"sys.Health\"]}",
        "{\"id\":\"m-2\",\"method\":{\"name\":\"sys.Health\"}}",
        NULL,
    };
    for (int i = 0; bodies[i]; i++) {
        cJSON *r = send_text(bodies[i]);
        EXPECT_ERR(r, 3, "method");
        EXPECT_ID_STR(r, "m-2");
        cJSON_Delete(r);
    }
}

static void test_unknown_method(void)
{
    static const char *const names[] = {
        "complaints.Nope", "sys.Nope", "returns.Create", "", "complaints.create",
        "sys.health",      NULL};
    char req[128];

    for (int i = 0; names[i]; i++) {
        snprintf(req, sizeof(req), "{\"id\":%d,\"method\":\"%s\"}", 100 + i, names[i]);
        cJSON *r = send_text(req);
        EXPECT_ERR(r, 12, NULL);
        EXPECT_ID_NUM(r, 100 + i);
        cJSON_Delete(r);
    }
}

/* ---- id ---- */

static void test_id_bad_types(void)
{
    static const char *const ids[] = {"{\"a\":1}", "true", "false", "[1]", "[]", "null", NULL};
    char req[128];

    for (int i = 0; ids[i]; i++) {
        snprintf(req, sizeof(req), "{\"id\":%s,\"method\":\"sys.Health\"}", ids[i]);
        cJSON *r = send_text(req);
        EXPECT_ERR(r, 3, "id");
        EXPECT_ID_NULL(r);
        cJSON_Delete(r);
    }
}

static void test_id_echoed(void)
{
    cJSON *r;

    r = send_text("{\"id\":\"c-17\",\"method\":\"sys.Health\"}");
    EXPECT_OK(r);
    EXPECT_ID_STR(r, "c-17");
    cJSON_Delete(r);
    r = send_text("{\"id\":17,\"method\":\"sys.Health\"}");
    EXPECT_OK(r);
    EXPECT_ID_NUM(r, 17);
    cJSON_Delete(r);
    r = send_text("{\"method\":\"sys.Health\",\"id\":-3}");
    EXPECT_OK(r);
    EXPECT_ID_NUM(r, -3);
    cJSON_Delete(r);
    r = send_text("{\"id\":2.5,\"method\":\"sys.Health\"}");
    EXPECT_OK(r);
    EXPECT_ID_NUM(r, 2.5);
    cJSON_Delete(r);
    r = send_text("{\"id\":9007199254740991,\"method\":\"sys.Health\"}");
    EXPECT_OK(r);
    EXPECT_ID_NUM(r, 9007199254740991.0);
    cJSON_Delete(r);
    r = send_text("{\"id\":\"\",\"method\":\"sys.Health\"}");
    EXPECT_OK(r);
    EXPECT_ID_STR(r, "");
    cJSON_Delete(r);
    r = send_text("{\"id\":\"引号\\\"与\\\\反斜杠\\n\",\"method\":\"sys.Health\"}");
    EXPECT_OK(r);
    EXPECT_ID_STR(r, "引号\"与\\反斜杠\n");
    cJSON_Delete(r);
    /* On errors too, and without an id the reply's id is null. */
    r = send_text("{\"id\":\"c-17\",\"method\":\"complaints.Get\",\"params\":{}}");
    EXPECT_ERR(r, 3, "id");
    EXPECT_ID_STR(r, "c-17");
    cJSON_Delete(r);
    r = send_text("{\"id\":17,\"method\":\"complaints.Get\",\"params\":{\"id\":\"C2026-999998\"}}");
    EXPECT_ERR(r, 5, NULL);
    EXPECT_ID_NUM(r, 17);
    cJSON_Delete(r);
    r = send_text("{\"method\":\"sys.Health\"}");
    EXPECT_OK(r);
    EXPECT_ID_NULL(r);
    cJSON_Delete(r);
}

/*
 * An id that is a valid JSON number but beyond a double's range (1e400)
 * must still get a reply that is JSON: echoing it as "inf" is not.
 */
static void test_id_beyond_double_range_reply_is_json(void)
{
    static const char *const ids[] = {"1e400", "-1e400", "1E+999", NULL};
    char req[128];

    for (int i = 0; ids[i]; i++) {
        snprintf(req, sizeof(req), "{\"id\":%s,\"method\":\"sys.Health\"}", ids[i]);
        char *text = kh_call_raw(svc.addr, req, strlen(req), 5000 * slow());
        kefu_error err;
        cJSON *r = text ? kefu_json_parse(text, strlen(text), KEFU_JSON_MAX_DEPTH, &err) : NULL;
        if (!r)
            fprintf(stderr, "  request %s: reply is not JSON: %s\n", req, text ? text : "(none)");
        CHECK(r != NULL);
        CHECK(r && cJSON_IsBool(kefu_json_get(r, "ok")));
        cJSON_Delete(r);
        free(text);
    }
}

/* ---- unknown fields ---- */

static void test_unknown_top_level_field(void)
{
    cJSON *r = send_text("{\"id\":\"t-1\",\"method\":\"sys.Health\",\"bogus\":1}");
    EXPECT_ERR(r, 3, "bogus");
    EXPECT_ID_STR(r, "t-1");
    CHECK(strstr(err_msg(r), "bogus"));
    cJSON_Delete(r);
    /* Case matters: "Method" is not "method". */
    r = send_text("{\"id\":\"t-2\",\"Method\":\"sys.Health\"}");
    EXPECT_ERR(r, 3, "Method");
    cJSON_Delete(r);
    r = send_text("{\"id\":\"t-3\",\"method\":\"sys.Health\",\"params\":null,\"token\":\"x\"}");
    EXPECT_ERR(r, 3, "token");
    cJSON_Delete(r);
}

static void test_unknown_meta_field(void)
{
    cJSON *r = send_text("{\"id\":\"t-4\",\"method\":\"sys.Health\",\"meta\":{\"deadline\":100}}");
    EXPECT_ERR(r, 3, "meta.deadline");
    EXPECT_ID_STR(r, "t-4");
    CHECK(strstr(err_msg(r), "deadline"));
    cJSON_Delete(r);
    r = send_text("{\"id\":\"t-5\",\"method\":\"sys.Health\",\"meta\":[]}");
    EXPECT_ERR(r, 3, "meta");
    cJSON_Delete(r);
    r = send_text("{\"id\":\"t-6\",\"method\":\"sys.Health\",\"meta\":{\"token\":5}}");
    EXPECT_ERR(r, 3, "meta.token");
    cJSON_Delete(r);
    r = send_text("{\"id\":\"t-7\",\"method\":\"sys.Health\",\"meta\":{\"trace_id\":7}}");
    EXPECT_ERR(r, 3, "meta.trace_id");
    cJSON_Delete(r);
}

static void test_unknown_params_field(void)
{
    long before = complaints_total();
    cJSON *r = create_with("color", "\"red\"");
    EXPECT_ERR(r, 3, "color");
    EXPECT_ID_STR(r, "v-1");
    cJSON_Delete(r);
    r = create_with("customer.age", "40");
    EXPECT_ERR(r, 3, "customer.age");
    cJSON_Delete(r);
    r = create_with("customer.contact.fax", "\"123\"");
    EXPECT_ERR(r, 3, "customer.contact.fax");
    cJSON_Delete(r);
    /* Fields the record has but Create does not take: no mass assignment. */
    r = create_with("status", "\"closed\"");
    EXPECT_ERR(r, 3, "status");
    cJSON_Delete(r);
    r = create_with("id", "\"C2026-000001\"");
    EXPECT_ERR(r, 3, "id");
    cJSON_Delete(r);
    r = create_with("escalated", "true");
    EXPECT_ERR(r, 3, "escalated");
    cJSON_Delete(r);
    /* sys.Health takes no params at all. */
    r = send_text("{\"id\":\"h\",\"method\":\"sys.Health\",\"params\":{\"verbose\":true}}");
    EXPECT_ERR(r, 3, "verbose");
    cJSON_Delete(r);
    CHECK_INT(complaints_total(), before);
}

/* ---- params values ---- */

static void test_params_wrong_types(void)
{
    static const struct {
        const char *path, *value;
    } cases[] = {
        {"title", "5"},
        {"title", "null"},
        {"description", "[\"a\"]"},
        {"customer", "\"K1\""},
        {"customer.id", "true"},
        {"customer.id", "1.5"},
        {"customer.name", "{}"},
        {"product.quantity", "\"12\""},
        {"product.quantity", "1.5"},
        {"product.quantity", "0"},
        {"product.quantity", "-3"},
        {"product.quantity", "1000000001"},
        {"product.quantity", "1e300"},
        {"received_by", "[]"},
        {"received_by.department", "false"},
        {NULL, NULL},
    };
    long before = complaints_total();

    for (int i = 0; cases[i].path; i++) {
        cJSON *r = create_with(cases[i].path, cases[i].value);
        EXPECT_ERR(r, 3, cases[i].path);
        if (kh_code(r) != 3)
            fprintf(stderr, "    (case %s = %s)\n", cases[i].path, cases[i].value);
        cJSON_Delete(r);
    }
    /* Boundaries that are allowed. */
    cJSON *r = create_with("product.quantity", "1000000000");
    EXPECT_OK(r);
    cJSON_Delete(r);
    r = create_with("customer.id", "4711");
    EXPECT_OK(r);
    cJSON_Delete(r);
    CHECK_INT(complaints_total(), before + 2);
}

static void test_params_required(void)
{
    static const char *const required[] = {"customer",
                                           "customer.id",
                                           "customer.name",
                                           "product",
                                           "product.model",
                                           "channel",
                                           "category",
                                           "title",
                                           "description",
                                           "received_by",
                                           "received_by.name",
                                           "received_by.department",
                                           NULL};
    for (int i = 0; required[i]; i++) {
        cJSON *r = create_with(required[i], NULL);
        EXPECT_ERR(r, 3, required[i]);
        cJSON_Delete(r);
    }
    /* An empty required string is as good as missing. */
    cJSON *r = create_with("customer.name", "\"\"");
    EXPECT_ERR(r, 3, "customer.name");
    cJSON_Delete(r);
}

/* `n` copies of the UTF-8 character `ch`, as a JSON string. Caller frees. */
static char *repeat_json(const char *ch, int n)
{
    size_t len = strlen(ch);
    char *s = malloc(len * (size_t)n + 3), *p = s;

    *p++ = '"';
    for (int i = 0; i < n; i++, p += len)
        memcpy(p, ch, len);
    *p++ = '"';
    *p = '\0';
    return s;
}

static void test_string_length_in_characters(void)
{
    /* 200 Chinese characters are 600 bytes: allowed for a 200-character title. */
    char *t200 = repeat_json("灯", 200), *t201 = repeat_json("灯", 201);
    char *e200 = repeat_json("😀", 200), *a201 = repeat_json("a", 201);
    char *esc = repeat_json("\\ud83d\\ude00", 200);
    cJSON *r;

    r = create_with("title", t200);
    EXPECT_OK(r);
    {
        cJSON *want = cJSON_Parse(t200);
        CHECK_STR(kh_str(r, "title"), want->valuestring);
        cJSON_Delete(want);
    }
    cJSON_Delete(r);
    r = create_with("title", t201);
    EXPECT_ERR(r, 3, "title");
    cJSON_Delete(r);
    r = create_with("title", e200); /* 4-byte characters */
    EXPECT_OK(r);
    cJSON_Delete(r);
    r = create_with("title", esc); /* surrogate pairs on the wire: still 200 */
    EXPECT_OK(r);
    cJSON_Delete(r);
    r = create_with("title", a201);
    EXPECT_ERR(r, 3, "title");
    cJSON_Delete(r);
    r = create_with("customer.name", t200);
    EXPECT_OK(r);
    cJSON_Delete(r);
    r = create_with("customer.name", t201);
    EXPECT_ERR(r, 3, "customer.name");
    cJSON_Delete(r);
    free(t200);
    free(t201);
    free(e200);
    free(a201);
    free(esc);
}

static void test_bad_enum(void)
{
    static const struct {
        const char *path, *value;
    } cases[] = {
        {"channel", "\"fax\""},    {"channel", "\"Phone\""},
        {"channel", "1"},          {"channel", "\"\""},
        {"category", "\"price\""}, {"severity", "\"urgent\""},
        {"severity", "\"MINOR\""}, {NULL, NULL},
    };
    for (int i = 0; cases[i].path; i++) {
        cJSON *r = create_with(cases[i].path, cases[i].value);
        EXPECT_ERR(r, 3, cases[i].path);
        cJSON_Delete(r);
    }
    cJSON *r =
        send_text("{\"id\":\"e\",\"method\":\"sys.Metrics\",\"params\":{\"format\":\"xml\"}}");
    EXPECT_ERR(r, 3, "format");
    cJSON_Delete(r);
}

static void test_bad_date(void)
{
    static const char *const dates[] = {"\"2026-02-30\"",
                                        "\"2026-2-03\"",
                                        "\"20260203\"",
                                        "\"2026-13-01\"",
                                        "\"2026-00-10\"",
                                        "\"2025-02-29\"",
                                        "\"2026-03-01T00:00:00Z\"",
                                        "\"2026-03-01 \"",
                                        "20260301",
                                        NULL};
    for (int i = 0; dates[i]; i++) {
        cJSON *r = create_with("product.production_date", dates[i]);
        EXPECT_ERR(r, 3, "product.production_date");
        cJSON_Delete(r);
    }
    cJSON *r = create_with("product.production_date", "\"2024-02-29\"");
    EXPECT_OK(r);
    CHECK_STR(kh_str(r, "product.production_date"), "2024-02-29");
    cJSON_Delete(r);
}

static void test_bad_rfc3339(void)
{
    static const char *const times[] = {
        "\"2026-12-04T15:08:06\"",
        "\"2026-12-04 15:08:06+08:00\"",
        "\"2026-12-04T15:08+08:00\"",
        "\"2026-13-04T15:08:06+08:00\"",
        "\"2026-12-04T24:00:00Z\"",
        "\"2026-12-04T15:08:06+0800\"",
        "\"2026-12-04T15:08:60Z\"",
        "\"2026-02-30T10:00:00Z\"",
        "\"2026-12-04\"",
        "1796403559",
        NULL,
    };
    for (int i = 0; times[i]; i++) {
        cJSON *r = create_with("received_at", times[i]);
        EXPECT_ERR(r, 3, "received_at");
        cJSON_Delete(r);
    }
    /* A good one is kept as that instant, shown in the business zone. */
    cJSON *r = create_with("received_at", "\"2026-12-04T07:08:06Z\"");
    EXPECT_OK(r);
    CHECK_STR(kh_str(r, "received_at"), "2026-12-04T15:08:06+08:00");
    cJSON_Delete(r);
}

static void test_params_not_object(void)
{
    static const char *const params[] = {"[1]", "[]", "\"x\"", "5", "true", NULL};
    char req[128];

    for (int i = 0; params[i]; i++) {
        snprintf(req, sizeof(req), "{\"id\":\"p-%d\",\"method\":\"sys.Health\",\"params\":%s}", i,
                 params[i]);
        cJSON *r = send_text(req);
        char want[16];
        EXPECT_ERR(r, 3, "params");
        snprintf(want, sizeof(want), "p-%d", i);
        EXPECT_ID_STR(r, want);
        cJSON_Delete(r);
    }
    /* null and {} are "no params". */
    cJSON *r = send_text("{\"id\":\"p\",\"method\":\"sys.Health\",\"params\":null}");
    EXPECT_OK(r);
    cJSON_Delete(r);
    r = send_text("{\"id\":\"p\",\"method\":\"sys.Health\",\"params\":{}}");
    EXPECT_OK(r);
    cJSON_Delete(r);
}

/* ---- trace ids ---- */

static void test_trace_id_echoed(void)
{
    cJSON *r;

    r = send_text("{\"id\":1,\"method\":\"sys.Health\",\"meta\":{\"trace_id\":\"tr-ok\"}}");
    EXPECT_OK(r);
    CHECK_STR(reply_trace(r), "tr-ok");
    cJSON_Delete(r);
    /* None asked, none given. */
    r = send_text("{\"id\":1,\"method\":\"sys.Health\"}");
    EXPECT_OK(r);
    CHECK(kefu_json_get(r, "meta") == NULL);
    cJSON_Delete(r);
    r = send_text("{\"id\":2,\"method\":\"nosuch.M\",\"meta\":{\"trace_id\":\"tr-12\"}}");
    EXPECT_ERR(r, 12, NULL);
    CHECK_STR(reply_trace(r), "tr-12");
    cJSON_Delete(r);
    r = send_text("{\"id\":3,\"method\":\"complaints.Get\",\"params\":{\"id\":\"C2026-999997\"},"
                  "\"meta\":{\"trace_id\":\"追踪-5\"}}");
    EXPECT_ERR(r, 5, NULL);
    CHECK_STR(reply_trace(r), "追踪-5");
    cJSON_Delete(r);
    {
        char *p = params_with("channel", "\"fax\"");
        r = create_raw(p, "{\"trace_id\":\"tr-3\"}");
        EXPECT_ERR(r, 3, "channel");
        CHECK_STR(reply_trace(r), "tr-3");
        cJSON_Delete(r);
        free(p);
        p = params_with(NULL, NULL);
        r = create_raw(p, "{\"trace_id\":\"tr-create\"}");
        EXPECT_OK(r);
        CHECK_STR(reply_trace(r), "tr-create");
        cJSON_Delete(r);
        free(p);
    }
    r = send_text("{\"id\":4,\"method\":\"sys.Health\",\"meta\":{\"trace_id\":\"tr-4\","
                  "\"deadline_ms\":0}}");
    EXPECT_ERR(r, 4, NULL);
    CHECK_STR(reply_trace(r), "tr-4");
    cJSON_Delete(r);
}

static void test_trace_id_length(void)
{
    char req[512], trace[200];
    cJSON *r;

    memset(trace, 't', 128);
    trace[128] = '\0';
    snprintf(req, sizeof(req),
             "{\"id\":1,\"method\":\"sys.Health\",\"meta\":{\"trace_id\":\"%s\"}}", trace);
    r = send_text(req);
    EXPECT_OK(r);
    CHECK_STR(reply_trace(r), trace);
    cJSON_Delete(r);
    strcat(trace, "t");
    snprintf(req, sizeof(req),
             "{\"id\":1,\"method\":\"sys.Health\",\"meta\":{\"trace_id\":\"%s\"}}", trace);
    r = send_text(req);
    EXPECT_ERR(r, 3, "meta.trace_id");
    cJSON_Delete(r);
}

/*
 * The request carried a readable trace id, but another part of the envelope
 * is wrong: the error reply must still carry it ("whenever the request
 * carried a trace id").
 */
static void test_trace_id_echoed_on_early_envelope_errors(void)
{
    static const char *const bodies[] = {
        "{\"id\":5,\"method\":5,\"meta\":{\"trace_id\":\"tr-early\"}}",
        "{\"id\":5,\"meta\":{\"trace_id\":\"tr-early\"}}",
        "{\"id\":5,\"method\":\"sys.Health\",\"params\":[],\"meta\":{\"trace_id\":\"tr-early\"}}",
        "{\"id\":5,\"method\":\"sys.Health\",\"extra\":1,\"meta\":{\"trace_id\":\"tr-early\"}}",
        NULL,
    };
    for (int i = 0; bodies[i]; i++) {
        cJSON *r = send_text(bodies[i]);
        EXPECT_ERR(r, 3, NULL);
        if (!reply_trace(r) || strcmp(reply_trace(r), "tr-early") != 0) {
            char *t = reply_text(r);
            fprintf(stderr, "  request %s: reply without its trace id: %s\n", bodies[i],
                    t ? t : "");
            cJSON_free(t);
            kefu_test_failed_checks++;
        }
        cJSON_Delete(r);
    }
}

/*
 * An error always says what is wrong: a long non-ASCII name cut to fit the
 * field must not leave the message empty (or invalid UTF-8).
 */
static void test_error_message_not_empty_for_long_unicode_names(void)
{
    char name[400] = "", req[1024];
    static const char *const shapes[] = {
        "{\"id\":1,\"method\":\"sys.Health\",\"%s\":1}",
        "{\"id\":1,\"method\":\"sys.Health\",\"meta\":{\"%s\":1}}",
        "{\"id\":1,\"method\":\"%s\"}",
        "{\"id\":1,\"method\":\"sys.Metrics\",\"params\":{\"%s\":1}}",
        NULL,
    };

    for (int i = 0; i < 100; i++)
        strcat(name, "灯");
    for (int i = 0; shapes[i]; i++) {
        snprintf(req, sizeof(req), shapes[i], name);
        cJSON *r = send_text(req);
        CHECK(kh_code(r) == 3 || kh_code(r) == 12);
        if (strlen(err_msg(r)) < 10) {
            fprintf(stderr,
                    "  request shaped %s (name: 100 CJK characters): error message \"%s\"\n",
                    shapes[i], err_msg(r));
            kefu_test_failed_checks++;
        }
        cJSON_Delete(r);
    }
}

/* ---- deadlines ---- */

static void test_deadline_zero(void)
{
    long before = complaints_total();
    char *p = params_with(NULL, NULL);
    cJSON *r = create_raw(p, "{\"deadline_ms\":0}");

    EXPECT_ERR(r, 4, NULL);
    EXPECT_ID_STR(r, "v-1");
    cJSON_Delete(r);
    /* The budget was spent before the work: nothing was written. */
    CHECK_INT(complaints_total(), before);
    r = send_text(
        "{\"id\":\"g\",\"method\":\"complaints.Get\",\"params\":{\"id\":\"C2026-000001\"},"
        "\"meta\":{\"deadline_ms\":0}}");
    EXPECT_ERR(r, 4, NULL);
    cJSON_Delete(r);
    /* A budget that is enough works. */
    r = create_raw(p, "{\"deadline_ms\":5000}");
    EXPECT_OK(r);
    cJSON_Delete(r);
    CHECK_INT(complaints_total(), before + 1);
    free(p);
}

static void test_deadline_bad_values(void)
{
    static const char *const values[] = {"-1", "\"100\"", "1.5", "null", "true", "1e20", NULL};
    char req[160];

    for (int i = 0; values[i]; i++) {
        snprintf(req, sizeof(req),
                 "{\"id\":\"dl\",\"method\":\"sys.Health\",\"meta\":{\"deadline_ms\":%s}}",
                 values[i]);
        cJSON *r = send_text(req);
        EXPECT_ERR(r, 3, "meta.deadline_ms");
        EXPECT_ID_STR(r, "dl");
        cJSON_Delete(r);
    }
}

/* ---- request size ---- */

/* A complaints.Create request of exactly `total` bytes (description padded). */
static char *sized_create(size_t total)
{
    char *p = params_with("description", NULL), *req;
    size_t plen = strlen(p), n;

    p[plen - 1] = '\0'; /* drop the closing brace */
    req = malloc(total + 1);
    n = (size_t)snprintf(req, total + 1,
                         "{\"id\":\"big\",\"method\":\"complaints.Create\",\"params\":%s,"
                         "\"description\":\"",
                         p);
    if (n + 3 < total) {
        memset(req + n, 'a', total - n - 3);
        memcpy(req + total - 3, "\"}}", 4);
    }
    free(p);
    return req;
}

static void test_request_size_limits(void)
{
    static const char *const extra[] = {"--max-request", "4096", NULL};
    kh_service small;
    char *req;
    cJSON *r;

    if (!kh_service_start(&small, "complaints", redis.url, extra)) {
        CHECK(!"service with --max-request 4096 started");
        return;
    }
    /* Exactly the limit is allowed; one byte more is not. */
    req = sized_create(4096);
    CHECK_INT(strlen(req), 4096);
    r = send_raw_to(small.addr, req, 4096);
    EXPECT_OK(r);
    cJSON_Delete(r);
    free(req);
    req = sized_create(4097);
    r = send_raw_to(small.addr, req, 4097);
    EXPECT_ERR(r, 8, NULL);
    cJSON_Delete(r);
    free(req);
    req = sized_create(6000);
    r = send_raw_to(small.addr, req, 6000);
    EXPECT_ERR(r, 8, NULL);
    CHECK(strstr(err_msg(r), "4096") != NULL);
    cJSON_Delete(r);
    free(req);

    /* Beyond twice the limit: the transport drops the connection without
     * a reply (raw SP over TCP: nng's client would redial and resend). */
    req = sized_create(20000);
    int fd = kh_sp_send_request(small.port, req, 20000);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK(kh_closed_by_peer(fd));
        close(fd);
    }
    free(req);
    /* Garbage of that size is dropped the same way, not parsed. */
    req = malloc(50000);
    memset(req, '[', 50000);
    fd = kh_sp_send_request(small.port, req, 50000);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK(kh_closed_by_peer(fd));
        close(fd);
    }
    free(req);

    /* Everyone else is still served, promptly. */
    for (int i = 0; i < 5; i++) {
        r = send_text_to(small.addr, "{\"id\":\"h\",\"method\":\"sys.Health\"}");
        EXPECT_OK(r);
        cJSON_Delete(r);
    }
    {
        char *p = params_with(NULL, NULL);
        cJSON *c = kh_call(small.addr, "complaints.Create", p, NULL);
        EXPECT_OK(c);
        cJSON_Delete(c);
        free(p);
    }
    CHECK_INT(kh_service_stop(&small), 0);
}

/* ---- sys.* ---- */

static void test_health_shape(void)
{
    cJSON *r = send_text("{\"id\":\"h\",\"method\":\"sys.Health\"}");
    const cJSON *res = kh_result(r);

    EXPECT_OK(r);
    CHECK_STR(kh_str(r, "service"), "complaints");
    CHECK_STR(kh_str(r, "status"), "SERVING");
    CHECK_STR(kh_str(r, "version"), KEFU_VERSION);
    CHECK_STR(kh_str(r, "checks.redis"), "ok");
    CHECK_INT(cJSON_GetArraySize(res), 4);
    CHECK_INT(cJSON_GetArraySize(kefu_json_get(res, "checks")), 1);
    cJSON_Delete(r);
}

static const cJSON *find_method(const cJSON *describe, const char *name)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, kefu_json_get(kh_result(describe), "methods"))
    {
        const char *n = kefu_json_str(m, "name");
        if (n && strcmp(n, name) == 0)
            return m;
    }
    return NULL;
}

static bool array_has(const cJSON *arr, const char *s)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, arr)
    {
        if (cJSON_IsString(e) && strcmp(e->valuestring, s) == 0)
            return true;
    }
    return false;
}

static void test_describe(void)
{
    cJSON *r = send_text("{\"id\":\"d\",\"method\":\"sys.Describe\"}");
    const cJSON *create, *get, *schema, *props;

    EXPECT_OK(r);
    CHECK_STR(kh_str(r, "service"), "complaints");
    create = find_method(r, "complaints.Create");
    get = find_method(r, "complaints.Get");
    CHECK(create && get && find_method(r, "sys.Health") && find_method(r, "sys.Describe") &&
          find_method(r, "sys.Metrics") && find_method(r, "sys.SetClock"));
    if (!create || !get) {
        cJSON_Delete(r);
        return;
    }
    CHECK(cJSON_IsTrue(kefu_json_get(create, "mutating")));
    CHECK(cJSON_IsFalse(kefu_json_get(get, "mutating")));
    CHECK(array_has(kefu_json_get(create, "roles"), "admin"));
    CHECK(array_has(kefu_json_get(create, "roles"), "staff"));
    CHECK(array_has(kefu_json_get(create, "roles"), "system"));
    CHECK(!array_has(kefu_json_get(create, "roles"), "auditor"));
    CHECK(array_has(kefu_json_get(get, "roles"), "auditor"));

    schema = kefu_json_get(create, "params");
    CHECK_STR(kefu_json_str(schema, "type"), "object");
    CHECK(cJSON_IsFalse(kefu_json_get(schema, "additionalProperties")));
    {
        static const char *const req[] = {"customer", "product",     "channel",     "category",
                                          "title",    "description", "received_by", NULL};
        for (int i = 0; req[i]; i++)
            CHECK(array_has(kefu_json_get(schema, "required"), req[i]));
        CHECK(!array_has(kefu_json_get(schema, "required"), "severity"));
        CHECK(!array_has(kefu_json_get(schema, "required"), "received_at"));
    }
    props = kefu_json_get(schema, "properties");
    CHECK_STR(kefu_json_str(kefu_json_get(props, "title"), "type"), "string");
    CHECK(cJSON_IsNumber(kefu_json_get(kefu_json_get(props, "title"), "maxLength")) &&
          kefu_json_get(kefu_json_get(props, "title"), "maxLength")->valuedouble == 200);
    CHECK(array_has(kefu_json_get(kefu_json_get(props, "channel"), "enum"), "hotline"));
    CHECK_STR(kefu_json_str(kefu_json_get(props, "received_at"), "format"), "date-time");
    {
        const cJSON *customer = kefu_json_get(props, "customer");
        CHECK_STR(kefu_json_str(customer, "type"), "object");
        CHECK(cJSON_IsFalse(kefu_json_get(customer, "additionalProperties")));
        CHECK(array_has(kefu_json_get(customer, "required"), "name"));
        CHECK(array_has(kefu_json_get(customer, "required"), "id"));
    }
    CHECK(array_has(kefu_json_get(kefu_json_get(get, "params"), "required"), "id"));
    cJSON_Delete(r);
}

/* One source of truth: what Describe says is what validation does. */
static void test_describe_matches_validation(void)
{
    cJSON *r = send_text("{\"id\":\"d\",\"method\":\"sys.Describe\"}");
    const cJSON *schema = kefu_json_get(find_method(r, "complaints.Create"), "params");
    const cJSON *e;
    int n = 0;

    cJSON_ArrayForEach(e, kefu_json_get(schema, "required"))
    {
        cJSON *c = create_with(e->valuestring, NULL);
        EXPECT_ERR(c, 3, e->valuestring);
        cJSON_Delete(c);
        n++;
    }
    CHECK_INT(n, 7);
    n = 0;
    cJSON_ArrayForEach(
        e, kefu_json_get(kefu_json_get(kefu_json_get(schema, "properties"), "channel"), "enum"))
    {
        char v[64];
        snprintf(v, sizeof(v), "\"%s\"", e->valuestring);
        cJSON *c = create_with("channel", v);
        EXPECT_OK(c);
        CHECK_STR(kh_str(c, "channel"), e->valuestring);
        cJSON_Delete(c);
        n++;
    }
    CHECK_INT(n, 7);
    cJSON_Delete(r);
}

/* by_status[status] and calls of `method` in a sys.Metrics JSON reply (0 when absent). */
static double metric(const cJSON *m, const char *method, const char *status)
{
    const cJSON *row;
    cJSON_ArrayForEach(row, kefu_json_get(kh_result(m), "methods"))
    {
        const char *n = kefu_json_str(row, "name");
        if (n && strcmp(n, method) == 0) {
            const cJSON *v = status ? kefu_json_get(kefu_json_get(row, "by_status"), status)
                                    : kefu_json_get(row, "calls");
            return cJSON_IsNumber(v) ? v->valuedouble : 0;
        }
    }
    return 0;
}

static const cJSON *metric_row(const cJSON *m, const char *method)
{
    const cJSON *row;
    cJSON_ArrayForEach(row, kefu_json_get(kh_result(m), "methods"))
    {
        const char *n = kefu_json_str(row, "name");
        if (n && strcmp(n, method) == 0)
            return row;
    }
    return NULL;
}

static void test_metrics(void)
{
    cJSON *m0 = send_text("{\"id\":\"m\",\"method\":\"sys.Metrics\"}"), *m1, *p;
    const cJSON *row, *lat;
    const char *text;
    char line[256];

    EXPECT_OK(m0);
    for (int i = 0; i < 3; i++) {
        cJSON *r = send_text("{\"method\":\"complaints.Get\",\"params\":{\"id\":\"X\"}}");
        EXPECT_ERR(r, 3, "id");
        cJSON_Delete(r);
    }
    for (int i = 0; i < 2; i++) {
        cJSON *r =
            send_text("{\"method\":\"complaints.Get\",\"params\":{\"id\":\"C2026-900000\"}}");
        EXPECT_ERR(r, 5, NULL);
        cJSON_Delete(r);
    }
    m1 = send_text("{\"id\":\"m\",\"method\":\"sys.Metrics\",\"params\":{\"format\":\"json\"}}");
    EXPECT_OK(m1);
    CHECK_STR(kh_str(m1, "service"), "complaints");
    CHECK_INT(metric(m1, "complaints.Get", "INVALID_ARGUMENT") -
                  metric(m0, "complaints.Get", "INVALID_ARGUMENT"),
              3);
    CHECK_INT(metric(m1, "complaints.Get", "NOT_FOUND") - metric(m0, "complaints.Get", "NOT_FOUND"),
              2);
    CHECK_INT(metric(m1, "complaints.Get", NULL) - metric(m0, "complaints.Get", NULL), 5);
    CHECK(metric(m1, "sys.Metrics", "OK") >= 1);
    row = metric_row(m1, "complaints.Get");
    lat = kefu_json_get(row, "latency");
    {
        const cJSON *p50 = kefu_json_get(lat, "p50_us"), *p90 = kefu_json_get(lat, "p90_us");
        const cJSON *p99 = kefu_json_get(lat, "p99_us"), *cnt = kefu_json_get(lat, "count");
        CHECK(cJSON_IsNumber(p50) && cJSON_IsNumber(p90) && cJSON_IsNumber(p99));
        if (cJSON_IsNumber(p50) && cJSON_IsNumber(p90) && cJSON_IsNumber(p99)) {
            CHECK(p50->valuedouble > 0);
            CHECK(p50->valuedouble <= p90->valuedouble);
            CHECK(p90->valuedouble <= p99->valuedouble);
        }
        CHECK(cJSON_IsNumber(cnt) && cnt->valuedouble == metric(m1, "complaints.Get", NULL));
    }
    /* Redis round trips are measured too (Get went to Redis twice at least). */
    CHECK(cJSON_IsNumber(kefu_json_get(
        kefu_json_get(kefu_json_get(kh_result(m1), "redis"), "roundtrip"), "p99_us")));

    p = send_text(
        "{\"id\":\"m\",\"method\":\"sys.Metrics\",\"params\":{\"format\":\"prometheus\"}}");
    EXPECT_OK(p);
    text = kh_str(p, "text");
    CHECK(text && strstr(text, "kefu_requests_total"));
    CHECK(text && strstr(text, "# TYPE kefu_requests_total counter"));
    snprintf(
        line, sizeof(line),
        "kefu_requests_total{service=\"complaints\",method=\"complaints.Get\",code=\"NOT_FOUND\"} "
        "%.0f\n",
        metric(m1, "complaints.Get", "NOT_FOUND"));
    CHECK(text && strstr(text, line));
    CHECK(text &&
          strstr(text, "kefu_request_duration_us{service=\"complaints\",method=\"complaints."
                       "Get\",quantile=\"0.99\"}"));
    cJSON_Delete(p);
    cJSON_Delete(m0);
    cJSON_Delete(m1);
}

static void test_set_clock(void)
{
    static const char *const extra[] = {"--test-clock", NULL};
    kh_service tc;
    kefu_ms t0, c1 = 0, c2 = 0;
    cJSON *r;
    char *p = params_with(NULL, NULL);

    /* Without --test-clock: not available, and the clock is untouched. */
    r = send_text("{\"id\":\"sc\",\"method\":\"sys.SetClock\",\"params\":{\"now\":"
                  "\"2027-01-01T00:00:05+08:00\"}}");
    EXPECT_ERR(r, 12, NULL);
    EXPECT_ID_STR(r, "sc");
    cJSON_Delete(r);
    r = kh_call(svc.addr, "complaints.Create", p, NULL);
    EXPECT_OK(r);
    CHECK(kh_str(r, "id") && strncmp(kh_str(r, "id"), "C2027-", 6) != 0);
    cJSON_Delete(r);

    if (!kh_service_start(&tc, "complaints", redis.url, extra)) {
        CHECK(!"service with --test-clock started");
        free(p);
        return;
    }
    r = send_text_to(
        tc.addr, "{\"id\":\"sc\",\"method\":\"sys.SetClock\",\"params\":{\"now\":\"2027-01-01\"}}");
    EXPECT_ERR(r, 3, "now");
    cJSON_Delete(r);
    r = kh_call(tc.addr, "sys.SetClock", "{\"now\":\"2027-01-01T00:00:05+08:00\"}", NULL);
    EXPECT_OK(r);
    CHECK(kh_str(r, "now") && strncmp(kh_str(r, "now"), "2027-01-01T00:00:0", 18) == 0);
    cJSON_Delete(r);
    kefu_time_parse_rfc3339("2027-01-01T00:00:05+08:00", 25, &t0);

    r = kh_call(tc.addr, "complaints.Create", p, NULL);
    EXPECT_OK(r);
    /* The first complaint of business year 2027. */
    CHECK_STR(kh_str(r, "id"), "C2027-000001");
    {
        const char *ca = kh_str(r, "created_at");
        CHECK(ca && kefu_time_parse_rfc3339(ca, strlen(ca), &c1));
        CHECK(c1 >= t0 && c1 <= t0 + 10000 * slow());
        CHECK(ca && strstr(ca, "+08:00"));
        CHECK_STR(kh_str(r, "received_at"), ca);
    }
    cJSON_Delete(r);
    /* The clock runs on from there. */
    kh_sleep_ms(1100);
    r = kh_call(tc.addr, "complaints.Create", p, NULL);
    EXPECT_OK(r);
    CHECK_STR(kh_str(r, "id"), "C2027-000002");
    {
        const char *ca = kh_str(r, "created_at");
        CHECK(ca && kefu_time_parse_rfc3339(ca, strlen(ca), &c2));
        CHECK(c2 >= c1 + 1000);
    }
    cJSON_Delete(r);
    CHECK_INT(kh_service_stop(&tc), 0);
    free(p);
}

KEFU_TESTS = {
    {"not_json", test_not_json},
    {"top_level_not_object", test_top_level_not_object},
    {"invalid_utf8_in_key", test_invalid_utf8_in_key},
    {"invalid_utf8_in_value", test_invalid_utf8_in_value},
    {"nul_escape_refused", test_nul_escape_refused},
    {"nesting_64_accepted_65_refused", test_nesting_64_accepted_65_refused},
    {"duplicate_keys", test_duplicate_keys},
    {"method_missing", test_method_missing},
    {"method_not_string", test_method_not_string},
    {"unknown_method", test_unknown_method},
    {"id_bad_types", test_id_bad_types},
    {"id_echoed", test_id_echoed},
    {"id_beyond_double_range_reply_is_json", test_id_beyond_double_range_reply_is_json},
    {"unknown_top_level_field", test_unknown_top_level_field},
    {"unknown_meta_field", test_unknown_meta_field},
    {"unknown_params_field", test_unknown_params_field},
    {"params_wrong_types", test_params_wrong_types},
    {"params_required", test_params_required},
    {"string_length_in_characters", test_string_length_in_characters},
    {"bad_enum", test_bad_enum},
    {"bad_date", test_bad_date},
    {"bad_rfc3339", test_bad_rfc3339},
    {"params_not_object", test_params_not_object},
    {"trace_id_echoed", test_trace_id_echoed},
    {"trace_id_echoed_on_early_envelope_errors", test_trace_id_echoed_on_early_envelope_errors},
    {"trace_id_length", test_trace_id_length},
    {"error_message_not_empty_for_long_unicode_names",
     test_error_message_not_empty_for_long_unicode_names},
    {"deadline_zero", test_deadline_zero},
    {"deadline_bad_values", test_deadline_bad_values},
    {"request_size_limits", test_request_size_limits},
    {"health_shape", test_health_shape},
    {"describe", test_describe},
    {"describe_matches_validation", test_describe_matches_validation},
    {"metrics", test_metrics},
    {"set_clock", test_set_clock},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return kh_suite_main(argc, argv, &redis, &svc, "complaints", NULL);
}
