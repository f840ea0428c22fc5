/*
 * integration.complaints_lifecycle - the complaint state machine of README
 * "complaints (port 7101)" and SPEC section 3 over real sockets against a
 * real Redis, with the test clock so every time in a reply is exact:
 * received -> assigned -> resolved -> closed with every field, the reopen
 * path, transfers, withdrawal, every illegal transition, unknown ids,
 * expected_version, idempotency keys, and Hold/Release. Every change bumps
 * `version` and appends exactly one History event, by the token's name.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>

#include "harness.h"
#include "json.h"
#include "sha.h"
#include "test.h"

static kh_redis redis;
static kh_service svc;
static char tokens_path[64];

#define TOK_MGR   "tok-lifecycle-mgr-5e1f"
#define TOK_DESK  "tok-lifecycle-desk-77a0"
#define NAME_MGR  "quality-mgr"
#define NAME_DESK "service-desk"

#define UNKNOWN_ID "C2026-999999"

/* ---------------------------------------------------------------- helpers */

/* Calls as the quality manager, as `token`, or with idempotency key `key`;
 * params from printf. The first call without a reply marks the service gone
 * and the rest of the suite fails fast. */
#define OPTS(tok, idem)                                                                            \
    (&(kefu_call_opts){                                                                            \
        .token = (tok), .deadline_ms = 10000, .max_attempts = 1, .idempotency_key = (idem)})
#define call(method, ...) kh_service_callf(&svc, OPTS(TOK_MGR, NULL), (method), __VA_ARGS__)
#define call_as(token, method, ...)                                                                \
    kh_service_callf(&svc, OPTS((token), NULL), (method), __VA_ARGS__)
#define call_key(key, method, ...)                                                                 \
    kh_service_callf(&svc, OPTS(TOK_MGR, (key)), (method), __VA_ARGS__)

static bool jnull(const cJSON *v, const char *path)
{
    return cJSON_IsNull(kh_path(v, path));
}

/* Fails the test (at the caller's line) unless `r` is the error `code`;
 * `field` and `msg_has` are checked when not NULL. */
#define EXPECT_CODE(r, code, field, msg)                                                           \
    kh_expect(__FILE__, __LINE__, (r), (code), (field), (msg), NULL)
#define EXPECT_OK(r) KH_EXPECT_OK((r), NULL)

static void set_clock(const char *now)
{
    cJSON *r = call("sys.SetClock", "{\"now\":\"%s\"}", now);
    EXPECT_OK(r);
    cJSON_Delete(r);
}

/* Creates a complaint of `severity` (NULL: default) received by QA and
 * returns its id (malloc'd; "" on failure). */
static char *create_as(const char *token, const char *severity)
{
    char sev[64] = "";
    cJSON *r;
    char *id;

    if (severity)
        snprintf(sev, sizeof(sev), "\"severity\":\"%s\",", severity);
    r = call_as(token, "complaints.Create",
                "{\"customer\":{\"id\":\"K1\",\"name\":\"华光照明\",\"contact\":{\"person\":"
                "\"李雷\",\"phone\":\"0760-1234567\",\"email\":\"lilei@example.com\"}},"
                "\"product\":{\"model\":\"CFL-18W\",\"batch\":\"B7\",\"serial\":\"S-001\","
                "\"production_date\":\"2026-03-01\",\"quantity\":12},\"channel\":\"phone\","
                "\"category\":\"quality\",%s\"title\":\"灯管不亮\",\"description\":\"到货即不亮\","
                "\"received_by\":{\"name\":\"王芳\",\"department\":\"QA\"},"
                "\"remedy_sought\":\"换货\"}",
                sev);
    EXPECT_OK(r);
    id = strdup(kh_str(r, "id") ? kh_str(r, "id") : "");
    cJSON_Delete(r);
    return id;
}

static char *create(const char *severity)
{
    return create_as(TOK_MGR, severity);
}

static cJSON *get(const char *id)
{
    return call("complaints.Get", "{\"id\":\"%s\"}", id);
}

static long long version_of(const char *id)
{
    cJSON *r = get(id);
    long long v = kh_path_int(kh_result(r), "version");
    cJSON_Delete(r);
    return v;
}

static char *status_of(const char *id)
{
    cJSON *r = get(id);
    char *s =
        strdup(kh_path_str(kh_result(r), "status") ? kh_path_str(kh_result(r), "status") : "");
    cJSON_Delete(r);
    return s;
}

/* The History events (a detached copy; caller deletes) or an empty array. */
static cJSON *history(const char *id)
{
    cJSON *r = call("complaints.History", "{\"id\":\"%s\"}", id), *ev;
    EXPECT_OK(r);
    ev = cJSON_Duplicate(kefu_json_get(kh_result(r), "events"), true);
    cJSON_Delete(r);
    if (!cJSON_IsArray(ev)) {
        cJSON_Delete(ev);
        ev = cJSON_CreateArray();
    }
    return ev;
}

static int history_len(const char *id)
{
    cJSON *ev = history(id);
    int n = cJSON_GetArraySize(ev);
    cJSON_Delete(ev);
    return n;
}

/* Checks event `i` of `events`: action, by, from, to (NULL `from`: JSON null)
 * and, when `at` is given, its time. */
static void expect_event(const cJSON *events, int i, const char *action, const char *by,
                         const char *from, const char *to, const char *at, const char *file,
                         int line)
{
    const cJSON *e = cJSON_GetArrayItem(events, i);
    bool bad = !e;
    if (e) {
        if (!kh_path_str(e, "action") || strcmp(kh_path_str(e, "action"), action) != 0)
            bad = true;
        if (!kh_path_str(e, "by") || strcmp(kh_path_str(e, "by"), by) != 0)
            bad = true;
        if (from ? (!kh_path_str(e, "from") || strcmp(kh_path_str(e, "from"), from) != 0)
                 : !jnull(e, "from"))
            bad = true;
        if (!kh_path_str(e, "to") || strcmp(kh_path_str(e, "to"), to) != 0)
            bad = true;
        if (at && (!kh_path_str(e, "at") || strcmp(kh_path_str(e, "at"), at) != 0))
            bad = true;
        if (!kefu_json_get(e, "details"))
            bad = true;
    }
    if (bad) {
        fprintf(stderr,
                "  %s:%d: event %d: expected action %s by %s from %s to %s at %s (and details)\n",
                file, line, i, action, by, from ? from : "null", to, at ? at : "*");
        kh_print_reply("got", e);
        kefu_test_failed_checks++;
    }
}
#define EXPECT_EVENT(ev, i, action, by, from, to, at)                                              \
    expect_event((ev), (i), (action), (by), (from), (to), (at), __FILE__, __LINE__)

static bool text_has(const cJSON *v, const char *needle)
{
    char *t = cJSON_PrintUnformatted(v);
    bool has = t && strstr(t, needle);
    cJSON_free(t);
    return has;
}

/* Calls that move a complaint along, each asserting success. */
static void assign_ok(const char *id, const char *extra)
{
    cJSON *r = call("complaints.Assign", "{\"id\":\"%s\",\"department\":\"Production\"%s}", id,
                    extra ? extra : "");
    EXPECT_OK(r);
    cJSON_Delete(r);
}

static const char *resolve_fmt =
    "{\"id\":\"%s\",\"root_cause\":\"镇流器批次虚焊\",\"correction\":\"更换整批镇流器\","
    "\"resolved_by\":{\"name\":\"张伟\",\"department\":\"Production\"}}";

static void resolve_ok(const char *id)
{
    cJSON *r = call("complaints.Resolve", resolve_fmt, id);
    EXPECT_OK(r);
    cJSON_Delete(r);
}

static void close_ok(const char *id)
{
    cJSON *r =
        call("complaints.Confirm",
             "{\"id\":\"%s\",\"satisfied\":true,\"rating\":5,\"confirmed_by\":\"李雷\"}", id);
    EXPECT_OK(r);
    cJSON_Delete(r);
}

static void withdraw_ok(const char *id)
{
    cJSON *r = call("complaints.Withdraw", "{\"id\":\"%s\",\"reason\":\"客户撤回\"}", id);
    EXPECT_OK(r);
    cJSON_Delete(r);
}

/* ------------------------------------------------------------------ tests */

static const char *const record_fields[] = {
    "id",          "status",      "customer",   "product",      "channel",
    "category",    "severity",    "title",      "description",  "remedy_sought",
    "received_by", "received_at", "department", "owner",        "due_at",
    "overdue",     "escalated",   "resolution", "confirmation", "reopened",
    "return_ids",  "hold",        "withdrawal", "closed_at",    "created_at",
    "updated_at",  "version",     NULL,
};

static void test_full_lifecycle_with_reopen(void)
{
    kh_wait_serving(&svc);
    char *id;
    cJSON *r, *ev;
    const cJSON *res;

    set_clock("2026-11-02T10:00:00+08:00");
    id = create_as(TOK_DESK, "major");

    /* received: every field of the record */
    r = get(id);
    EXPECT_OK(r);
    res = kh_result(r);
    for (int i = 0; record_fields[i]; i++) {
        if (!kefu_json_get(res, record_fields[i])) {
            fprintf(stderr, "  record lacks \"%s\"\n", record_fields[i]);
            CHECK(kefu_json_get(res, record_fields[i]) != NULL);
        }
    }
    CHECK_STR(kh_path_str(res, "id"), id);
    CHECK(strncmp(id, "C2026-", 6) == 0 && strlen(id) == 12);
    CHECK_STR(kh_path_str(res, "status"), "received");
    CHECK_STR(kh_path_str(res, "customer.id"), "K1");
    CHECK_STR(kh_path_str(res, "customer.name"), "华光照明");
    CHECK_STR(kh_path_str(res, "customer.contact.person"), "李雷");
    CHECK_STR(kh_path_str(res, "customer.contact.phone"), "0760-1234567");
    CHECK_STR(kh_path_str(res, "customer.contact.email"), "lilei@example.com");
    CHECK_STR(kh_path_str(res, "product.model"), "CFL-18W");
    CHECK_STR(kh_path_str(res, "product.batch"), "B7");
    CHECK_STR(kh_path_str(res, "product.serial"), "S-001");
    CHECK_STR(kh_path_str(res, "product.production_date"), "2026-03-01");
    CHECK_INT(kh_path_int(res, "product.quantity"), 12);
    CHECK_STR(kh_path_str(res, "channel"), "phone");
    CHECK_STR(kh_path_str(res, "category"), "quality");
    CHECK_STR(kh_path_str(res, "severity"), "major");
    CHECK_STR(kh_path_str(res, "title"), "灯管不亮");
    CHECK_STR(kh_path_str(res, "description"), "到货即不亮");
    CHECK_STR(kh_path_str(res, "remedy_sought"), "换货");
    CHECK_STR(kh_path_str(res, "received_by.name"), "王芳");
    CHECK_STR(kh_path_str(res, "received_by.department"), "QA");
    CHECK_STR(kh_path_str(res, "received_at"), "2026-11-02T10:00:00+08:00");
    CHECK(jnull(res, "department"));
    CHECK(jnull(res, "owner"));
    CHECK(jnull(res, "due_at"));
    CHECK(cJSON_IsFalse(kh_path(res, "overdue")));
    CHECK(cJSON_IsFalse(kh_path(res, "escalated")));
    CHECK(jnull(res, "resolution"));
    CHECK(jnull(res, "confirmation"));
    CHECK_INT(kh_path_int(res, "reopened"), 0);
    CHECK(cJSON_IsArray(kh_path(res, "return_ids")) &&
          cJSON_GetArraySize(kh_path(res, "return_ids")) == 0);
    CHECK(jnull(res, "hold"));
    CHECK(jnull(res, "withdrawal"));
    CHECK(jnull(res, "closed_at"));
    CHECK_STR(kh_path_str(res, "created_at"), "2026-11-02T10:00:00+08:00");
    CHECK_STR(kh_path_str(res, "updated_at"), "2026-11-02T10:00:00+08:00");
    CHECK_INT(kh_path_int(res, "version"), 1);
    cJSON_Delete(r);

    /* received -> assigned: major is due 7 days later, same clock time */
    set_clock("2026-11-02T11:00:00+08:00");
    r = call("complaints.Assign",
             "{\"id\":\"%s\",\"department\":\"Production\",\"owner\":\"张伟\"}", id);
    EXPECT_OK(r);
    res = kh_result(r);
    CHECK_STR(kh_path_str(res, "id"), id);
    CHECK_STR(kh_path_str(res, "status"), "assigned");
    CHECK_STR(kh_path_str(res, "department"), "Production");
    CHECK_STR(kh_path_str(res, "owner"), "张伟");
    CHECK_STR(kh_path_str(res, "due_at"), "2026-11-09T11:00:00+08:00");
    CHECK(cJSON_IsFalse(kh_path(res, "overdue")));
    CHECK_STR(kh_path_str(res, "updated_at"), "2026-11-02T11:00:00+08:00");
    CHECK_STR(kh_path_str(res, "created_at"), "2026-11-02T10:00:00+08:00");
    CHECK_STR(kh_path_str(res, "received_by.department"), "QA");
    CHECK_INT(kh_path_int(res, "version"), 2);
    cJSON_Delete(r);
    /* What Assign returned is what Get reads. */
    r = get(id);
    CHECK_STR(kh_path_str(kh_result(r), "status"), "assigned");
    CHECK_STR(kh_path_str(kh_result(r), "due_at"), "2026-11-09T11:00:00+08:00");
    CHECK_INT(kh_path_int(kh_result(r), "version"), 2);
    cJSON_Delete(r);

    /* assigned -> resolved, with the CAPA fields */
    set_clock("2026-11-05T09:30:00+08:00");
    r = call("complaints.Resolve",
             "{\"id\":\"%s\",\"root_cause\":\"镇流器批次虚焊\",\"correction\":\"更换整批镇流器\","
             "\"corrective_action\":\"回流焊温度曲线复核\",\"preventive_action\":\"来料抽检加严\","
             "\"resolved_by\":{\"name\":\"张伟\",\"department\":\"Production\"}}",
             id);
    EXPECT_OK(r);
    res = kh_result(r);
    CHECK_STR(kh_path_str(res, "status"), "resolved");
    CHECK_STR(kh_path_str(res, "resolution.root_cause"), "镇流器批次虚焊");
    CHECK_STR(kh_path_str(res, "resolution.correction"), "更换整批镇流器");
    CHECK_STR(kh_path_str(res, "resolution.corrective_action"), "回流焊温度曲线复核");
    CHECK_STR(kh_path_str(res, "resolution.preventive_action"), "来料抽检加严");
    CHECK_STR(kh_path_str(res, "resolution.resolved_by.name"), "张伟");
    CHECK_STR(kh_path_str(res, "resolution.resolved_by.department"), "Production");
    CHECK_STR(kh_path_str(res, "resolution.resolved_at"), "2026-11-05T09:30:00+08:00");
    CHECK_STR(kh_path_str(res, "department"), "Production");
    CHECK_STR(kh_path_str(res, "due_at"), "2026-11-09T11:00:00+08:00");
    CHECK(cJSON_IsFalse(kh_path(res, "overdue")));
    CHECK_STR(kh_path_str(res, "updated_at"), "2026-11-05T09:30:00+08:00");
    CHECK_INT(kh_path_int(res, "version"), 3);
    cJSON_Delete(r);

    /* resolved -> assigned: unsatisfied, reopened, new major due from now */
    set_clock("2026-11-06T08:00:00+08:00");
    r = call_as(TOK_DESK, "complaints.Confirm",
                "{\"id\":\"%s\",\"satisfied\":false,\"rating\":2,\"comment\":\"仍有闪烁\","
                "\"confirmed_by\":\"李雷\"}",
                id);
    EXPECT_OK(r);
    res = kh_result(r);
    CHECK_STR(kh_path_str(res, "status"), "assigned");
    CHECK_INT(kh_path_int(res, "reopened"), 1);
    CHECK_STR(kh_path_str(res, "due_at"), "2026-11-13T08:00:00+08:00");
    CHECK_STR(kh_path_str(res, "department"), "Production");
    CHECK_STR(kh_path_str(res, "owner"), "张伟");
    CHECK(jnull(res, "resolution")); /* moved into the history event */
    CHECK(jnull(res, "closed_at"));
    CHECK_STR(kh_path_str(res, "updated_at"), "2026-11-06T08:00:00+08:00");
    CHECK_INT(kh_path_int(res, "version"), 4);
    cJSON_Delete(r);

    /* resolved again, then closed */
    set_clock("2026-11-08T10:00:00+08:00");
    r = call("complaints.Resolve",
             "{\"id\":\"%s\",\"root_cause\":\"电容耐温不足\",\"correction\":\"更换电容\","
             "\"resolved_by\":{\"name\":\"张伟\",\"department\":\"Production\"}}",
             id);
    EXPECT_OK(r);
    res = kh_result(r);
    CHECK_STR(kh_path_str(res, "status"), "resolved");
    CHECK_STR(kh_path_str(res, "resolution.root_cause"), "电容耐温不足");
    CHECK_STR(kh_path_str(res, "resolution.resolved_at"), "2026-11-08T10:00:00+08:00");
    CHECK_INT(kh_path_int(res, "reopened"), 1);
    CHECK_INT(kh_path_int(res, "version"), 5);
    cJSON_Delete(r);

    set_clock("2026-11-09T10:00:00+08:00");
    r = call("complaints.Confirm",
             "{\"id\":\"%s\",\"satisfied\":true,\"rating\":4,\"comment\":\"已解决\","
             "\"confirmed_by\":\"李雷\"}",
             id);
    EXPECT_OK(r);
    res = kh_result(r);
    CHECK_STR(kh_path_str(res, "status"), "closed");
    CHECK(cJSON_IsTrue(kh_path(res, "confirmation.satisfied")));
    CHECK_INT(kh_path_int(res, "confirmation.rating"), 4);
    CHECK_STR(kh_path_str(res, "confirmation.comment"), "已解决");
    CHECK_STR(kh_path_str(res, "confirmation.confirmed_by"), "李雷");
    CHECK_STR(kh_path_str(res, "confirmation.confirmed_at"), "2026-11-09T10:00:00+08:00");
    CHECK_STR(kh_path_str(res, "closed_at"), "2026-11-09T10:00:00+08:00");
    CHECK_STR(kh_path_str(res, "resolution.root_cause"), "电容耐温不足");
    CHECK_INT(kh_path_int(res, "reopened"), 1);
    CHECK(cJSON_IsFalse(kh_path(res, "overdue")));
    CHECK_STR(kh_path_str(res, "updated_at"), "2026-11-09T10:00:00+08:00");
    CHECK_STR(kh_path_str(res, "created_at"), "2026-11-02T10:00:00+08:00");
    CHECK_INT(kh_path_int(res, "version"), 6);
    cJSON_Delete(r);

    /* One event per change, oldest first, by the token's name. */
    ev = history(id);
    CHECK_INT(cJSON_GetArraySize(ev), 6);
    EXPECT_EVENT(ev, 0, "create", NAME_DESK, NULL, "received", "2026-11-02T10:00:00+08:00");
    EXPECT_EVENT(ev, 1, "assign", NAME_MGR, "received", "assigned", "2026-11-02T11:00:00+08:00");
    EXPECT_EVENT(ev, 2, "resolve", NAME_MGR, "assigned", "resolved", "2026-11-05T09:30:00+08:00");
    {
        /* The reopen: "confirm" or "reopen" (the README names neither). */
        const cJSON *e = cJSON_GetArrayItem(ev, 3);
        const char *action = kh_path_str(e, "action");
        CHECK(action && (strcmp(action, "confirm") == 0 || strcmp(action, "reopen") == 0));
        CHECK_STR(kh_path_str(e, "by"), NAME_DESK);
        CHECK_STR(kh_path_str(e, "from"), "resolved");
        CHECK_STR(kh_path_str(e, "to"), "assigned");
        CHECK_STR(kh_path_str(e, "at"), "2026-11-06T08:00:00+08:00");
        /* the first resolution moved into this event */
        CHECK(text_has(kefu_json_get(e, "details"), "镇流器批次虚焊"));
        CHECK(text_has(kefu_json_get(e, "details"), "回流焊温度曲线复核"));
    }
    EXPECT_EVENT(ev, 4, "resolve", NAME_MGR, "assigned", "resolved", "2026-11-08T10:00:00+08:00");
    EXPECT_EVENT(ev, 5, "confirm", NAME_MGR, "resolved", "closed", "2026-11-09T10:00:00+08:00");
    cJSON_Delete(ev);
    /* History is stable: reading it again gives the same text. */
    {
        cJSON *a = history(id), *b = history(id);
        char *ta = kefu_json_canonical(a), *tb = kefu_json_canonical(b);
        CHECK(ta && tb && strcmp(ta, tb) == 0);
        cJSON_free(ta);
        cJSON_free(tb);
        cJSON_Delete(a);
        cJSON_Delete(b);
    }
    free(id);
}

static void expect_due(const char *severity, const char *extra, const char *due)
{
    char *id = create(severity);
    cJSON *r = call("complaints.Assign", "{\"id\":\"%s\",\"department\":\"Production\"%s}", id,
                    extra ? extra : "");
    EXPECT_OK(r);
    if (!kh_result(r) || !kh_path_str(kh_result(r), "due_at") ||
        strcmp(kh_path_str(kh_result(r), "due_at"), due) != 0) {
        fprintf(stderr, "  severity %s extra %s: expected due_at %s\n", severity ? severity : "-",
                extra ? extra : "-", due);
        CHECK_STR(kh_path_str(kh_result(r), "due_at"), due);
    }
    cJSON_Delete(r);
    free(id);
}

static void test_default_due_by_severity(void)
{
    kh_wait_serving(&svc);
    set_clock("2026-11-02T10:00:00+08:00");
    expect_due("critical", NULL, "2026-11-05T10:00:00+08:00");
    set_clock("2026-11-02T10:00:00+08:00");
    expect_due("major", NULL, "2026-11-09T10:00:00+08:00");
    set_clock("2026-11-02T10:00:00+08:00");
    expect_due("minor", NULL, "2026-11-17T10:00:00+08:00");
    set_clock("2026-11-02T10:00:00+08:00");
    expect_due(NULL, NULL, "2026-11-17T10:00:00+08:00"); /* severity defaults to minor */
    /* across a month end, in the business zone (02:00 UTC+8 is the day before in UTC) */
    set_clock("2026-11-28T02:15:30+08:00");
    expect_due("minor", NULL, "2026-12-13T02:15:30+08:00");
    set_clock("2026-12-30T23:00:00+08:00");
    expect_due("critical", NULL, "2027-01-02T23:00:00+08:00");
    /* due_in_days from now, and due_at as given */
    set_clock("2026-11-02T10:00:00+08:00");
    expect_due("critical", ",\"due_in_days\":10", "2026-11-12T10:00:00+08:00");
    set_clock("2026-11-02T10:00:00+08:00");
    expect_due("minor", ",\"due_in_days\":1", "2026-11-03T10:00:00+08:00");
    set_clock("2026-11-02T10:00:00+08:00");
    expect_due("minor", ",\"due_in_days\":365", "2027-11-02T10:00:00+08:00");
    expect_due("major", ",\"due_at\":\"2026-12-01T18:00:00+08:00\"", "2026-12-01T18:00:00+08:00");
    /* due_in_days out of 1..365 */
    {
        char *id = create(NULL);
        cJSON *r = call("complaints.Assign",
                        "{\"id\":\"%s\",\"department\":\"Production\",\"due_in_days\":0}", id);
        EXPECT_CODE(r, 3, "due_in_days", NULL);
        cJSON_Delete(r);
        r = call("complaints.Assign",
                 "{\"id\":\"%s\",\"department\":\"Production\",\"due_in_days\":366}", id);
        EXPECT_CODE(r, 3, "due_in_days", NULL);
        cJSON_Delete(r);
        r = call("complaints.Assign",
                 "{\"id\":\"%s\",\"department\":\"Production\",\"due_at\":\"2026-12-01\"}", id);
        EXPECT_CODE(r, 3, "due_at", NULL);
        cJSON_Delete(r);
        CHECK_INT(version_of(id), 1);
        CHECK_INT(history_len(id), 1);
        free(id);
    }
}

static void test_due_at_and_due_in_days_together(void)
{
    kh_wait_serving(&svc);
    char *id = create("major");
    cJSON *r;

    set_clock("2026-11-02T10:00:00+08:00");
    r = call(
        "complaints.Assign",
        "{\"id\":\"%s\",\"department\":\"Production\",\"due_at\":\"2026-12-01T18:00:00+08:00\","
        "\"due_in_days\":5}",
        id);
    EXPECT_CODE(r, 3, NULL, NULL);
    CHECK(kh_field(r) &&
          (strcmp(kh_field(r), "due_at") == 0 || strcmp(kh_field(r), "due_in_days") == 0));
    cJSON_Delete(r);
    /* nothing changed */
    r = get(id);
    CHECK_STR(kh_path_str(kh_result(r), "status"), "received");
    CHECK(jnull(kh_result(r), "due_at"));
    CHECK_INT(kh_path_int(kh_result(r), "version"), 1);
    cJSON_Delete(r);
    CHECK_INT(history_len(id), 1);
    /* the same on a transfer */
    assign_ok(id, NULL);
    r = call("complaints.Assign",
             "{\"id\":\"%s\",\"department\":\"Sales\",\"reason\":\"职责划分\","
             "\"due_at\":\"2026-12-01T18:00:00+08:00\",\"due_in_days\":5}",
             id);
    EXPECT_CODE(r, 3, NULL, NULL);
    cJSON_Delete(r);
    CHECK_INT(version_of(id), 2);
    free(id);
}

static void test_transfer_needs_reason(void)
{
    kh_wait_serving(&svc);
    char *id = create("minor");
    cJSON *r, *ev;

    set_clock("2026-11-02T10:00:00+08:00");
    assign_ok(id, ",\"owner\":\"张伟\"");
    /* without reason */
    r = call("complaints.Assign", "{\"id\":\"%s\",\"department\":\"Sales\",\"owner\":\"赵强\"}",
             id);
    EXPECT_CODE(r, 3, "reason", NULL);
    cJSON_Delete(r);
    r = get(id);
    CHECK_STR(kh_path_str(kh_result(r), "department"), "Production");
    CHECK_STR(kh_path_str(kh_result(r), "owner"), "张伟");
    CHECK_INT(kh_path_int(kh_result(r), "version"), 2);
    cJSON_Delete(r);
    CHECK_INT(history_len(id), 2);

    /* with reason */
    set_clock("2026-11-03T09:00:00+08:00");
    r = call(
        "complaints.Assign",
        "{\"id\":\"%s\",\"department\":\"Sales\",\"owner\":\"赵强\",\"reason\":\"属发货问题\"}",
        id);
    EXPECT_OK(r);
    CHECK_STR(kh_str(r, "status"), "assigned");
    CHECK_STR(kh_str(r, "department"), "Sales");
    CHECK_STR(kh_str(r, "owner"), "赵强");
    CHECK_INT(kh_path_int(kh_result(r), "version"), 3);
    CHECK_INT(kh_path_int(kh_result(r), "reopened"), 0);
    CHECK_STR(kh_str(r, "updated_at"), "2026-11-03T09:00:00+08:00");
    cJSON_Delete(r);
    ev = history(id);
    CHECK_INT(cJSON_GetArraySize(ev), 3);
    EXPECT_EVENT(ev, 1, "assign", NAME_MGR, "received", "assigned", "2026-11-02T10:00:00+08:00");
    EXPECT_EVENT(ev, 2, "transfer", NAME_MGR, "assigned", "assigned", "2026-11-03T09:00:00+08:00");
    CHECK(text_has(cJSON_GetArrayItem(ev, 2), "属发货问题"));
    CHECK(text_has(cJSON_GetArrayItem(ev, 2), "Sales"));
    cJSON_Delete(ev);
    /* a transfer with an explicit due date */
    set_clock("2026-11-04T09:00:00+08:00");
    r = call("complaints.Assign",
             "{\"id\":\"%s\",\"department\":\"Production\",\"reason\":\"退回生产\","
             "\"due_in_days\":2}",
             id);
    EXPECT_OK(r);
    CHECK_STR(kh_str(r, "department"), "Production");
    CHECK_STR(kh_str(r, "due_at"), "2026-11-06T09:00:00+08:00");
    CHECK_INT(kh_path_int(kh_result(r), "version"), 4);
    cJSON_Delete(r);
    CHECK_INT(history_len(id), 4);
    /* a reason on a first assignment is accepted */
    {
        char *other = create("minor");
        assign_ok(other, ",\"reason\":\"首次分派\"");
        free(other);
    }
    free(id);
}

static void test_withdraw_from_received_and_assigned(void)
{
    kh_wait_serving(&svc);
    char *a = create("minor"), *b = create("critical");
    cJSON *r, *ev;

    set_clock("2026-11-10T09:00:00+08:00");
    r = call("complaints.Withdraw", "{\"id\":\"%s\",\"reason\":\"客户撤回\"}", a);
    EXPECT_OK(r);
    CHECK_STR(kh_str(r, "status"), "withdrawn");
    CHECK_STR(kh_str(r, "withdrawal.reason"), "客户撤回");
    CHECK_INT(kh_path_int(kh_result(r), "version"), 2);
    CHECK_STR(kh_str(r, "updated_at"), "2026-11-10T09:00:00+08:00");
    cJSON_Delete(r);
    ev = history(a);
    CHECK_INT(cJSON_GetArraySize(ev), 2);
    EXPECT_EVENT(ev, 1, "withdraw", NAME_MGR, "received", "withdrawn", "2026-11-10T09:00:00+08:00");
    cJSON_Delete(ev);

    assign_ok(b, NULL);
    set_clock("2026-11-11T09:00:00+08:00");
    r = call_as(TOK_DESK, "complaints.Withdraw", "{\"id\":\"%s\",\"reason\":\"重复登记\"}", b);
    EXPECT_OK(r);
    CHECK_STR(kh_str(r, "status"), "withdrawn");
    CHECK_STR(kh_str(r, "withdrawal.reason"), "重复登记");
    CHECK_INT(kh_path_int(kh_result(r), "version"), 3);
    cJSON_Delete(r);
    ev = history(b);
    CHECK_INT(cJSON_GetArraySize(ev), 3);
    EXPECT_EVENT(ev, 2, "withdraw", NAME_DESK, "assigned", "withdrawn",
                 "2026-11-11T09:00:00+08:00");
    cJSON_Delete(ev);
    /* reason is required */
    {
        char *c = create(NULL);
        r = call("complaints.Withdraw", "{\"id\":\"%s\"}", c);
        EXPECT_CODE(r, 3, "reason", NULL);
        cJSON_Delete(r);
        CHECK_INT(version_of(c), 1);
        free(c);
    }
    free(a);
    free(b);
}

/* Every method call that is illegal in `status`, for complaint `id`. */
static void expect_illegal(const char *id, const char *status, const char *method,
                           const char *params_fmt, const char *file, int line)
{
    long long v = version_of(id);
    int n = history_len(id);
    cJSON *r = call(method, params_fmt, id);
    char *now;

    kh_expect(file, line, r, 9, NULL, status, NULL);
    if (kh_code(r) != 9)
        fprintf(stderr, "    (%s in %s)\n", method, status);
    cJSON_Delete(r);
    now = status_of(id);
    if (strcmp(now, status) != 0 || version_of(id) != v || history_len(id) != n) {
        fprintf(stderr, "  %s:%d: %s in %s changed the complaint (now %s)\n", file, line, method,
                status, now);
        kefu_test_failed_checks++;
    }
    free(now);
}
#define EXPECT_ILLEGAL(id, status, method, fmt)                                                    \
    expect_illegal((id), (status), (method), (fmt), __FILE__, __LINE__)

static const char *assign_fmt =
    "{\"id\":\"%s\",\"department\":\"Production\",\"reason\":\"再分派\"}";
static const char *confirm_fmt = "{\"id\":\"%s\",\"satisfied\":true,\"confirmed_by\":\"李雷\"}";
static const char *unconfirm_fmt = "{\"id\":\"%s\",\"satisfied\":false,\"confirmed_by\":\"李雷\"}";
static const char *withdraw_fmt = "{\"id\":\"%s\",\"reason\":\"客户撤回\"}";

static void test_illegal_transitions(void)
{
    kh_wait_serving(&svc);
    char *rec = create("major"), *asg = create("major"), *res = create("major"),
         *clo = create("major"), *wdr = create("major"), *wda = create("major");

    assign_ok(asg, NULL);
    assign_ok(res, NULL);
    resolve_ok(res);
    assign_ok(clo, NULL);
    resolve_ok(clo);
    close_ok(clo);
    withdraw_ok(wdr);
    assign_ok(wda, NULL);
    withdraw_ok(wda);

    /* received */
    EXPECT_ILLEGAL(rec, "received", "complaints.Resolve", resolve_fmt);
    EXPECT_ILLEGAL(rec, "received", "complaints.Confirm", confirm_fmt);
    EXPECT_ILLEGAL(rec, "received", "complaints.Confirm", unconfirm_fmt);
    /* assigned */
    EXPECT_ILLEGAL(asg, "assigned", "complaints.Confirm", confirm_fmt);
    EXPECT_ILLEGAL(asg, "assigned", "complaints.Confirm", unconfirm_fmt);
    /* resolved */
    EXPECT_ILLEGAL(res, "resolved", "complaints.Assign", assign_fmt);
    EXPECT_ILLEGAL(res, "resolved", "complaints.Resolve", resolve_fmt);
    EXPECT_ILLEGAL(res, "resolved", "complaints.Withdraw", withdraw_fmt);
    /* closed */
    EXPECT_ILLEGAL(clo, "closed", "complaints.Assign", assign_fmt);
    EXPECT_ILLEGAL(clo, "closed", "complaints.Resolve", resolve_fmt);
    EXPECT_ILLEGAL(clo, "closed", "complaints.Confirm", confirm_fmt);
    EXPECT_ILLEGAL(clo, "closed", "complaints.Confirm", unconfirm_fmt);
    EXPECT_ILLEGAL(clo, "closed", "complaints.Withdraw", withdraw_fmt);
    /* withdrawn, from received and from assigned */
    for (int i = 0; i < 2; i++) {
        const char *w = i ? wda : wdr;
        EXPECT_ILLEGAL(w, "withdrawn", "complaints.Assign", assign_fmt);
        EXPECT_ILLEGAL(w, "withdrawn", "complaints.Resolve", resolve_fmt);
        EXPECT_ILLEGAL(w, "withdrawn", "complaints.Confirm", confirm_fmt);
        EXPECT_ILLEGAL(w, "withdrawn", "complaints.Withdraw", withdraw_fmt);
    }
    /* Assign without a reason on a closed one is still about the status. */
    EXPECT_ILLEGAL(clo, "closed", "complaints.Assign", "{\"id\":\"%s\",\"department\":\"Sales\"}");
    free(rec);
    free(asg);
    free(res);
    free(clo);
    free(wdr);
    free(wda);
}

static void test_unknown_id_not_found(void)
{
    kh_wait_serving(&svc);
    static const struct {
        const char *method, *fmt;
    } calls[] = {
        {"complaints.Get", "{\"id\":\"%s\"}"},
        {"complaints.History", "{\"id\":\"%s\"}"},
        {"complaints.Assign", "{\"id\":\"%s\",\"department\":\"Production\"}"},
        {"complaints.Resolve", NULL},
        {"complaints.Confirm", "{\"id\":\"%s\",\"satisfied\":true,\"confirmed_by\":\"李雷\"}"},
        {"complaints.Withdraw", "{\"id\":\"%s\",\"reason\":\"客户撤回\"}"},
        {"complaints.Hold", "{\"id\":\"%s\",\"reason\":\"诉讼保全\"}"},
        {"complaints.Release", "{\"id\":\"%s\"}"},
    };
    for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
        cJSON *r = call(calls[i].method, calls[i].fmt ? calls[i].fmt : resolve_fmt, UNKNOWN_ID);
        EXPECT_CODE(r, 5, NULL, NULL);
        if (kh_code(r) != 5)
            fprintf(stderr, "    (%s)\n", calls[i].method);
        cJSON_Delete(r);
    }
    /* a next-year id that is not there either */
    {
        cJSON *r = call("complaints.Get", "{\"id\":\"C2027-000001\"}");
        EXPECT_CODE(r, 5, NULL, NULL);
        cJSON_Delete(r);
    }
}

static void test_expected_version(void)
{
    kh_wait_serving(&svc);
    char *id = create("major"), *held = create("minor");
    cJSON *r, *before;
    char *tb, *ta;

    /* Assign with a stale version: ABORTED, nothing changed (record byte for byte). */
    before = get(id);
    r = call("complaints.Assign",
             "{\"id\":\"%s\",\"department\":\"Production\",\"expected_version\":2}", id);
    EXPECT_CODE(r, 10, NULL, NULL);
    cJSON_Delete(r);
    r = get(id);
    tb = kefu_json_canonical(kh_result(before));
    ta = kefu_json_canonical(kh_result(r));
    CHECK(tb && ta && strcmp(tb, ta) == 0);
    cJSON_free(tb);
    cJSON_free(ta);
    cJSON_Delete(r);
    cJSON_Delete(before);
    CHECK_INT(history_len(id), 1);
    /* the right version */
    r = call("complaints.Assign",
             "{\"id\":\"%s\",\"department\":\"Production\",\"expected_version\":1}", id);
    EXPECT_OK(r);
    CHECK_INT(kh_path_int(kh_result(r), "version"), 2);
    cJSON_Delete(r);
    /* the same version again is now stale (a transfer) */
    r = call("complaints.Assign",
             "{\"id\":\"%s\",\"department\":\"Sales\",\"reason\":\"x\",\"expected_version\":1}",
             id);
    EXPECT_CODE(r, 10, NULL, NULL);
    cJSON_Delete(r);
    /* Resolve */
    r = call("complaints.Resolve",
             "{\"id\":\"%s\",\"root_cause\":\"a\",\"correction\":\"b\",\"resolved_by\":{\"name\":"
             "\"张伟\",\"department\":\"Production\"},\"expected_version\":1}",
             id);
    EXPECT_CODE(r, 10, NULL, NULL);
    cJSON_Delete(r);
    CHECK_INT(version_of(id), 2);
    r = call("complaints.Resolve",
             "{\"id\":\"%s\",\"root_cause\":\"a\",\"correction\":\"b\",\"resolved_by\":{\"name\":"
             "\"张伟\",\"department\":\"Production\"},\"expected_version\":2}",
             id);
    EXPECT_OK(r);
    cJSON_Delete(r);
    /* Confirm */
    r = call("complaints.Confirm",
             "{\"id\":\"%s\",\"satisfied\":true,\"confirmed_by\":\"李雷\",\"expected_version\":7}",
             id);
    EXPECT_CODE(r, 10, NULL, NULL);
    cJSON_Delete(r);
    {
        char *s = status_of(id);
        CHECK_STR(s, "resolved");
        free(s);
    }
    r = call("complaints.Confirm",
             "{\"id\":\"%s\",\"satisfied\":true,\"confirmed_by\":\"李雷\",\"expected_version\":3}",
             id);
    EXPECT_OK(r);
    CHECK_STR(kh_str(r, "status"), "closed");
    cJSON_Delete(r);
    CHECK_INT(history_len(id), 4);
    /* Withdraw */
    r = call("complaints.Withdraw", "{\"id\":\"%s\",\"reason\":\"x\",\"expected_version\":5}",
             held);
    EXPECT_CODE(r, 10, NULL, NULL);
    cJSON_Delete(r);
    {
        char *s = status_of(held);
        CHECK_STR(s, "received");
        free(s);
    }
    /* Hold and Release ("every mutating method takes expected_version") */
    r = call("complaints.Hold", "{\"id\":\"%s\",\"reason\":\"诉讼保全\",\"expected_version\":9}",
             held);
    EXPECT_CODE(r, 10, NULL, NULL);
    cJSON_Delete(r);
    r = get(held);
    CHECK(jnull(kh_result(r), "hold"));
    cJSON_Delete(r);
    r = call("complaints.Hold", "{\"id\":\"%s\",\"reason\":\"诉讼保全\",\"expected_version\":1}",
             held);
    EXPECT_OK(r);
    cJSON_Delete(r);
    r = call("complaints.Release", "{\"id\":\"%s\",\"expected_version\":1}", held);
    EXPECT_CODE(r, 10, NULL, NULL);
    cJSON_Delete(r);
    r = call("complaints.Release", "{\"id\":\"%s\",\"expected_version\":2}", held);
    EXPECT_OK(r);
    cJSON_Delete(r);
    CHECK_INT(version_of(held), 3);
    CHECK_INT(history_len(held), 3);
    /* A version mismatch on an illegal transition: either error, never a change. */
    r = call("complaints.Withdraw", "{\"id\":\"%s\",\"reason\":\"x\",\"expected_version\":4}", id);
    CHECK(kh_code(r) == 10 || kh_code(r) == 9);
    cJSON_Delete(r);
    free(id);
    free(held);
}

static void test_idempotent_assign(void)
{
    kh_wait_serving(&svc);
    char *id = create("critical");
    char key[64];
    cJSON *a, *b, *c;
    char *ta, *tb;

    snprintf(key, sizeof(key), "assign-%s-%d", id, (int)getpid());
    set_clock("2026-11-02T10:00:00+08:00");
    a = call_key(key, "complaints.Assign",
                 "{\"id\":\"%s\",\"department\":\"Production\",\"owner\":\"张伟\"}", id);
    EXPECT_OK(a);
    /* later, the replay: same result (not a re-run: the clock moved on) */
    set_clock("2026-11-03T10:00:00+08:00");
    b = call_key(key, "complaints.Assign",
                 "{\"owner\":\"张伟\",\"department\":\"Production\",\"id\":\"%s\"}", id);
    EXPECT_OK(b);
    ta = kefu_json_canonical(kh_result(a));
    tb = kefu_json_canonical(kh_result(b));
    CHECK(ta && tb && strcmp(ta, tb) == 0);
    CHECK_STR(kh_str(b, "due_at"), "2026-11-05T10:00:00+08:00");
    cJSON_free(ta);
    cJSON_free(tb);
    CHECK_INT(version_of(id), 2);
    CHECK_INT(history_len(id), 2);
    /* same key, other params */
    c = call_key(key, "complaints.Assign", "{\"id\":\"%s\",\"department\":\"Sales\"}", id);
    EXPECT_CODE(c, 9, NULL, NULL);
    cJSON_Delete(c);
    CHECK_INT(version_of(id), 2);
    {
        cJSON *r = get(id);
        CHECK_STR(kh_path_str(kh_result(r), "department"), "Production");
        cJSON_Delete(r);
    }
    /* a fresh key is a new call: from assigned it is a transfer and needs reason */
    snprintf(key, sizeof(key), "assign2-%s-%d", id, (int)getpid());
    c = call_key(key, "complaints.Assign", "{\"id\":\"%s\",\"department\":\"Production\"}", id);
    EXPECT_CODE(c, 3, "reason", NULL);
    cJSON_Delete(c);
    CHECK_INT(history_len(id), 2);
    cJSON_Delete(a);
    cJSON_Delete(b);
    free(id);
}

static void test_hold_release(void)
{
    kh_wait_serving(&svc);
    char *id = create("minor");
    cJSON *r, *ev;

    /* Release without a hold */
    r = call("complaints.Release", "{\"id\":\"%s\"}", id);
    EXPECT_CODE(r, 9, NULL, NULL);
    cJSON_Delete(r);
    CHECK_INT(version_of(id), 1);

    set_clock("2026-11-02T10:00:00+08:00");
    r = call("complaints.Hold", "{\"id\":\"%s\",\"reason\":\"诉讼保全\"}", id);
    EXPECT_OK(r);
    CHECK_STR(kh_str(r, "status"), "received");
    CHECK(cJSON_IsObject(kh_path(kh_result(r), "hold")));
    CHECK_STR(kh_str(r, "hold.reason"), "诉讼保全");
    CHECK_INT(kh_path_int(kh_result(r), "version"), 2);
    cJSON_Delete(r);
    r = get(id);
    CHECK_STR(kh_str(r, "hold.reason"), "诉讼保全");
    cJSON_Delete(r);
    /* reason is required */
    r = call("complaints.Hold", "{\"id\":\"%s\"}", id);
    EXPECT_CODE(r, 3, "reason", NULL);
    cJSON_Delete(r);

    set_clock("2026-11-03T10:00:00+08:00");
    r = call("complaints.Release", "{\"id\":\"%s\"}", id);
    EXPECT_OK(r);
    CHECK(jnull(kh_result(r), "hold"));
    CHECK_STR(kh_str(r, "status"), "received");
    CHECK_INT(kh_path_int(kh_result(r), "version"), 3);
    cJSON_Delete(r);
    r = call("complaints.Release", "{\"id\":\"%s\"}", id);
    EXPECT_CODE(r, 9, NULL, NULL);
    cJSON_Delete(r);
    CHECK_INT(version_of(id), 3);

    ev = history(id);
    CHECK_INT(cJSON_GetArraySize(ev), 3);
    {
        const cJSON *h = cJSON_GetArrayItem(ev, 1), *l = cJSON_GetArrayItem(ev, 2);
        CHECK_STR(kh_path_str(h, "action"), "hold");
        CHECK_STR(kh_path_str(h, "by"), NAME_MGR);
        CHECK_STR(kh_path_str(h, "at"), "2026-11-02T10:00:00+08:00");
        CHECK(text_has(h, "诉讼保全"));
        CHECK_STR(kh_path_str(l, "action"), "release");
        CHECK_STR(kh_path_str(l, "at"), "2026-11-03T10:00:00+08:00");
    }
    cJSON_Delete(ev);

    /* Hold works in any status: assigned, closed, withdrawn */
    {
        char *c = create("major"), *w = create("major");
        assign_ok(c, NULL);
        r = call("complaints.Hold", "{\"id\":\"%s\",\"reason\":\"质量争议\"}", c);
        EXPECT_OK(r);
        CHECK_STR(kh_str(r, "status"), "assigned");
        cJSON_Delete(r);
        /* a held complaint still moves on */
        resolve_ok(c);
        close_ok(c);
        r = get(c);
        CHECK_STR(kh_str(r, "status"), "closed");
        CHECK_STR(kh_str(r, "hold.reason"), "质量争议");
        cJSON_Delete(r);
        r = call("complaints.Release", "{\"id\":\"%s\"}", c);
        EXPECT_OK(r);
        CHECK_STR(kh_str(r, "status"), "closed");
        cJSON_Delete(r);
        r = call("complaints.Hold", "{\"id\":\"%s\",\"reason\":\"审计\"}", c);
        EXPECT_OK(r);
        CHECK_STR(kh_str(r, "status"), "closed");
        cJSON_Delete(r);
        withdraw_ok(w);
        r = call("complaints.Hold", "{\"id\":\"%s\",\"reason\":\"审计\"}", w);
        EXPECT_OK(r);
        CHECK_STR(kh_str(r, "status"), "withdrawn");
        cJSON_Delete(r);
        CHECK_INT(history_len(c), 7);
        free(c);
        free(w);
    }
    free(id);
}

static void test_params_validation(void)
{
    kh_wait_serving(&svc);
    char *rec = create("major"), *res = create("major");
    static const struct {
        const char *method, *fmt, *field;
        int which; /* 0: the received one, 1: the resolved one */
    } bad[] = {
        {"complaints.Assign", "{\"id\":\"%s\"}", "department", 0},
        {"complaints.Assign", "{\"id\":\"%s\",\"department\":\"\"}", "department", 0},
        {"complaints.Assign", "{\"id\":\"%s\",\"department\":\"Production\",\"foo\":1}", "foo", 0},
        {"complaints.Assign", "{\"id\":\"%s\",\"department\":\"Production\",\"due_in_days\":\"3\"}",
         "due_in_days", 0},
        {"complaints.Assign",
         "{\"id\":\"%s\",\"department\":\"Production\",\"expected_version\":\"1\"}",
         "expected_version", 0},
        {"complaints.Resolve",
         "{\"id\":\"%s\",\"correction\":\"c\",\"resolved_by\":{\"name\":\"张伟\",\"department\":"
         "\"Production\"}}",
         "root_cause", 1},
        {"complaints.Resolve",
         "{\"id\":\"%s\",\"root_cause\":\"r\",\"resolved_by\":{\"name\":\"张伟\",\"department\":"
         "\"Production\"}}",
         "correction", 1},
        {"complaints.Resolve",
         "{\"id\":\"%s\",\"root_cause\":\"r\",\"correction\":\"c\",\"resolved_by\":{\"name\":"
         "\"张伟\"}}",
         "resolved_by.department", 1},
        {"complaints.Confirm",
         "{\"id\":\"%s\",\"satisfied\":true,\"rating\":0,\"confirmed_by\":\"李雷\"}", "rating", 1},
        {"complaints.Confirm",
         "{\"id\":\"%s\",\"satisfied\":true,\"rating\":6,\"confirmed_by\":\"李雷\"}", "rating", 1},
        {"complaints.Confirm", "{\"id\":\"%s\",\"satisfied\":true}", "confirmed_by", 1},
        {"complaints.Confirm", "{\"id\":\"%s\",\"satisfied\":\"yes\",\"confirmed_by\":\"李雷\"}",
         "satisfied", 1},
        {"complaints.Confirm", "{\"id\":\"%s\",\"confirmed_by\":\"李雷\"}", "satisfied", 1},
        {"complaints.Withdraw", "{\"id\":\"%s\",\"reason\":\"\"}", "reason", 0},
        {"complaints.Hold", "{\"id\":\"%s\",\"reason\":\"\"}", "reason", 0},
        {"complaints.History", "{\"id\":\"X%s\"}", "id", 0},
    };
    assign_ok(res, NULL);
    resolve_ok(res);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cJSON *r = call(bad[i].method, bad[i].fmt, bad[i].which ? res : rec);
        EXPECT_CODE(r, 3, bad[i].field, NULL);
        if (kh_code(r) != 3 || !kh_field(r) || strcmp(kh_field(r), bad[i].field) != 0)
            fprintf(stderr, "    (%s %s)\n", bad[i].method, bad[i].fmt);
        cJSON_Delete(r);
    }
    /* nothing changed */
    CHECK_INT(version_of(rec), 1);
    CHECK_INT(version_of(res), 3);
    CHECK_INT(history_len(res), 3);
    {
        char *s1 = status_of(rec), *s2 = status_of(res);
        CHECK_STR(s1, "received");
        CHECK_STR(s2, "resolved");
        free(s1);
        free(s2);
    }
    free(rec);
    free(res);
}

static void test_describe_lists_methods(void)
{
    kh_wait_serving(&svc);
    static const char *const want[] = {
        "complaints.Create",  "complaints.Get",     "complaints.History",     "complaints.Assign",
        "complaints.Resolve", "complaints.Confirm", "complaints.Withdraw",    "complaints.Hold",
        "complaints.Release", "complaints.List",    "complaints.Escalations", "complaints.Ledger",
        "complaints.Stats",   "complaints.Report",  "complaints.Archive",     NULL,
    };
    cJSON *r = call("sys.Describe", NULL);
    const cJSON *methods = kh_path(kh_result(r), "methods"), *m;

    EXPECT_OK(r);
    for (int i = 0; want[i]; i++) {
        bool found = false;
        cJSON_ArrayForEach(m, methods)
        {
            if (kh_path_str(m, "name") && strcmp(kh_path_str(m, "name"), want[i]) == 0)
                found = true;
        }
        if (!found) {
            fprintf(stderr, "  sys.Describe lacks %s\n", want[i]);
            CHECK(found);
        }
    }
    cJSON_Delete(r);
}

KEFU_TESTS = {
    {"describe_lists_methods", test_describe_lists_methods},
    {"full_lifecycle_with_reopen", test_full_lifecycle_with_reopen},
    {"default_due_by_severity", test_default_due_by_severity},
    {"due_at_and_due_in_days_together", test_due_at_and_due_in_days_together},
    {"transfer_needs_reason", test_transfer_needs_reason},
    {"withdraw_from_received_and_assigned", test_withdraw_from_received_and_assigned},
    {"illegal_transitions", test_illegal_transitions},
    {"unknown_id_not_found", test_unknown_id_not_found},
    {"expected_version", test_expected_version},
    {"idempotent_assign", test_idempotent_assign},
    {"hold_release", test_hold_release},
    {"params_validation", test_params_validation},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    const kh_token tokens[] = {
        {NAME_MGR, TOK_MGR, "admin", NULL},
        {NAME_DESK, TOK_DESK, "admin", NULL},
    };
    const char *extra[] = {"--tokens", tokens_path, "--test-clock", NULL};
    int rc;

    if (!kh_write_tokens_temp(tokens_path, sizeof(tokens_path), "kefu-lifecycle-tokens", tokens,
                              sizeof(tokens) / sizeof(tokens[0])))
        return 1;
    rc = kh_suite_main(argc, argv, &redis, &svc, "complaints", extra);
    unlink(tokens_path);
    return rc;
}
