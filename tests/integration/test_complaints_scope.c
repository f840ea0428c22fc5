/*
 * integration.complaints_scope - README "complaints (port 7101)" rules on who
 * sees what, and SPEC section 7: staff tokens see and change only complaints
 * whose `department` or `received_by.department` is theirs, and anything
 * else is NOT_FOUND (never PERMISSION_DENIED, never a hint such as ABORTED or
 * FAILED_PRECONDITION) in every read and every mutating method; List,
 * Escalations, Ledger and Stats leave it out. Auditors read everything and
 * change nothing. Archive and Report freeze are for admins.
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
static char archive_dir[64];

#define TOK_ADMIN   "tok-scope-admin-4c1d"
#define TOK_AUDITOR "tok-scope-auditor-88e2"
#define TOK_QA      "tok-scope-qa-0b7f"
#define TOK_SALES   "tok-scope-sales-d35a"

/* ---------------------------------------------------------------- helpers */

/* A call as `token` with params from printf. The first call without a reply
 * marks the service gone and the rest of the suite fails fast. */
#define call_as(tok, method, ...)                                                                  \
    kh_service_callf(&svc,                                                                         \
                     &(kefu_call_opts){.token = (tok), .deadline_ms = 10000, .max_attempts = 1},   \
                     (method), __VA_ARGS__)

#define EXPECT_CODE(r, code, what) KH_EXPECT((r), (code), NULL, (what))
#define EXPECT_OK(r, what)         KH_EXPECT_OK((r), (what))

#define DO_AS(token, method, ...)                                                                  \
    KH_EXPECT_FREE(call_as((token), (method), __VA_ARGS__), 0, NULL, (method))

static void reset(void)
{
    kh_redis_flush(&redis);
    DO_AS(TOK_ADMIN, "sys.SetClock", "{\"now\":\"2026-11-02T10:00:00+08:00\"}");
}

/* Creates a complaint received by `intake` as `token`; returns its id (static ring). */
static const char *create_as(const char *token, const char *intake, const char *severity,
                             const char *customer)
{
    static char ring[32][16];
    static int next;
    char *id = ring[next++ % 32];
    cJSON *r = call_as(token, "complaints.Create",
                       "{\"customer\":{\"id\":\"%s\",\"name\":\"华光照明\"},\"product\":{\"model\":"
                       "\"CFL-18W\"},\"channel\":\"phone\",\"category\":\"quality\","
                       "\"severity\":\"%s\",\"title\":\"灯管不亮\",\"description\":\"到货即不亮\","
                       "\"received_by\":{\"name\":\"王芳\",\"department\":\"%s\"}}",
                       customer, severity, intake);
    EXPECT_OK(r, "complaints.Create");
    snprintf(id, 16, "%s", kh_str(r, "id") ? kh_str(r, "id") : "none");
    cJSON_Delete(r);
    return id;
}

static const char *resolve_fmt =
    "{\"id\":\"%s\",\"root_cause\":\"镇流器批次虚焊\",\"correction\":\"更换整批镇流器\","
    "\"resolved_by\":{\"name\":\"张伟\",\"department\":\"Production\"}}";

/* The record as the admin reads it, canonical (caller frees). */
static char *snapshot(const char *id)
{
    cJSON *r = call_as(TOK_ADMIN, "complaints.Get", "{\"id\":\"%s\"}", id);
    char *t = kefu_json_canonical(kh_result(r) ? kh_result(r) : cJSON_CreateNull());
    cJSON_Delete(r);
    return t;
}

static int history_len(const char *id)
{
    cJSON *r = call_as(TOK_ADMIN, "complaints.History", "{\"id\":\"%s\"}", id);
    int n = cJSON_GetArraySize(kefu_json_get(kh_result(r), "events"));
    cJSON_Delete(r);
    return n;
}

static bool items_have(const cJSON *items, const char *id)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        if (kh_path_str(it, "id") && !strcmp(kh_path_str(it, "id"), id))
            return true;
    }
    return false;
}

/* Every id of every page of List {filters} as `token`, comma separated. */
static char *list_all(const char *token, const char *filters)
{
    static char out[16384];
    char cursor[512] = "";

    out[0] = '\0';
    for (int pages = 0; pages < 100; pages++) {
        char cur[600] = "";
        cJSON *r;
        const cJSON *it, *next;

        if (cursor[0])
            snprintf(cur, sizeof(cur), ",\"cursor\":\"%s\"", cursor);
        r = call_as(token, "complaints.List", "{%s%s\"limit\":100%s}", filters,
                    filters[0] ? "," : "", cur);
        EXPECT_OK(r, "complaints.List");
        cJSON_ArrayForEach(it, kefu_json_get(kh_result(r), "items"))
        {
            size_t n = strlen(out);
            snprintf(out + n, sizeof(out) - n, "%s,",
                     kh_path_str(it, "id") ? kh_path_str(it, "id") : "?");
        }
        next = kefu_json_get(kh_result(r), "next_cursor");
        if (!cJSON_IsString(next)) {
            cJSON_Delete(r);
            break;
        }
        snprintf(cursor, sizeof(cursor), "%s", next->valuestring);
        cJSON_Delete(r);
    }
    return out;
}

static bool listed(const char *list, const char *id)
{
    char needle[24];
    snprintf(needle, sizeof(needle), "%s,", id);
    return strstr(list, needle) != NULL;
}

#define EXPECT_LISTED(token, who, id, want)                                                        \
    do {                                                                                           \
        bool got_ = listed(list_all((token), ""), (id));                                           \
        if (got_ != (want)) {                                                                      \
            fprintf(stderr, "  %s:%d: List as %s %s %s\n", __FILE__, __LINE__, (who),              \
                    got_ ? "shows" : "lacks", (id));                                               \
            kefu_test_failed_checks++;                                                             \
        }                                                                                          \
    } while (0)

static cJSON *escalations(const char *token)
{
    cJSON *r = call_as(token, "complaints.Escalations", NULL);
    EXPECT_OK(r, "complaints.Escalations");
    return r;
}

static const cJSON *ledger_rows(const cJSON *result)
{
    const cJSON *rows = kefu_json_get(result, "rows");
    if (!cJSON_IsArray(rows))
        rows = kefu_json_get(result, "items");
    return rows;
}

/* ------------------------------------------------------------------ tests */

static void test_staff_cannot_touch_other_departments(void)
{
    kh_wait_serving(&svc);
    const char *q_recv, *q_asg, *q_res, *q_held, *q_crit, *s1;
    const char *q_all[5];
    char *before[5];
    cJSON *r, *unknown;

    reset();
    q_recv = create_as(TOK_QA, "QA", "minor", "KQ1");
    q_asg = create_as(TOK_QA, "QA", "major", "KQ2");
    q_res = create_as(TOK_QA, "QA", "minor", "KQ3");
    q_held = create_as(TOK_QA, "QA", "minor", "KQ4");
    q_crit = create_as(TOK_QA, "QA", "critical", "KQ5");
    s1 = create_as(TOK_SALES, "Sales", "minor", "KS1");
    DO_AS(TOK_QA, "complaints.Assign", "{\"id\":\"%s\",\"department\":\"Production\"}", q_asg);
    DO_AS(TOK_QA, "complaints.Assign", "{\"id\":\"%s\",\"department\":\"Production\"}", q_res);
    DO_AS(TOK_ADMIN, "complaints.Resolve", resolve_fmt, q_res);
    DO_AS(TOK_QA, "complaints.Hold", "{\"id\":\"%s\",\"reason\":\"诉讼保全\"}", q_held);
    q_all[0] = q_recv, q_all[1] = q_asg, q_all[2] = q_res, q_all[3] = q_held, q_all[4] = q_crit;
    for (int i = 0; i < 5; i++)
        before[i] = snapshot(q_all[i]);

    unknown = call_as(TOK_SALES, "complaints.Get", "{\"id\":\"C2026-999999\"}");
    EXPECT_CODE(unknown, 5, "Get of an unknown id");

    /* reads */
    for (int i = 0; i < 5; i++) {
        r = call_as(TOK_SALES, "complaints.Get", "{\"id\":\"%s\"}", q_all[i]);
        EXPECT_CODE(r, 5, "Sales Get of a QA complaint");
        /* indistinguishable from an unknown id */
        CHECK((kh_field(r) == NULL) == (kh_field(unknown) == NULL));
        if (kh_field(r) && kh_field(unknown))
            CHECK_STR(kh_field(r), kh_field(unknown));
        CHECK(kh_result(r) == NULL);
        cJSON_Delete(r);
        r = call_as(TOK_SALES, "complaints.History", "{\"id\":\"%s\"}", q_all[i]);
        EXPECT_CODE(r, 5, "Sales History of a QA complaint");
        CHECK(kh_result(r) == NULL);
        cJSON_Delete(r);
    }
    cJSON_Delete(unknown);

    /* every mutating method, each with params that would be legal for the admin */
    {
        static const char *const assign_fmt = "{\"id\":\"%s\",\"department\":\"Sales\"}";
        static const char *const transfer_fmt =
            "{\"id\":\"%s\",\"department\":\"Sales\",\"reason\":\"转销售部\"}";
        static const char *const confirm_fmt =
            "{\"id\":\"%s\",\"satisfied\":true,\"rating\":5,\"confirmed_by\":\"李雷\"}";
        static const char *const withdraw_fmt = "{\"id\":\"%s\",\"reason\":\"客户撤回\"}";
        static const char *const hold_fmt = "{\"id\":\"%s\",\"reason\":\"审计\"}";
        static const char *const release_fmt = "{\"id\":\"%s\"}";
        const struct {
            const char *method, *fmt, *id;
        } muts[] = {
            {"complaints.Assign", assign_fmt, q_recv},
            {"complaints.Assign", transfer_fmt, q_asg},
            {"complaints.Resolve", resolve_fmt, q_asg},
            {"complaints.Confirm", confirm_fmt, q_res},
            {"complaints.Withdraw", withdraw_fmt, q_recv},
            {"complaints.Withdraw", withdraw_fmt, q_asg},
            {"complaints.Hold", hold_fmt, q_recv},
            {"complaints.Release", release_fmt, q_held},
            /* illegal transitions and stale versions must not leak the status either */
            {"complaints.Confirm", confirm_fmt, q_recv},
            {"complaints.Resolve", resolve_fmt, q_res},
            {"complaints.Release", release_fmt, q_recv},
            {"complaints.Assign",
             "{\"id\":\"%s\",\"department\":\"Sales\",\"expected_version\":99}", q_recv},
            {"complaints.Hold", "{\"id\":\"%s\",\"reason\":\"x\",\"expected_version\":99}", q_crit},
        };
        for (size_t i = 0; i < sizeof(muts) / sizeof(muts[0]); i++) {
            r = call_as(TOK_SALES, muts[i].method, muts[i].fmt, muts[i].id);
            if (kh_code(r) != 5) {
                fprintf(stderr, "  Sales %s on QA's %s\n", muts[i].method, muts[i].id);
                EXPECT_CODE(r, 5, muts[i].method);
            }
            cJSON_Delete(r);
        }
    }
    /* nothing changed */
    for (int i = 0; i < 5; i++) {
        char *after = snapshot(q_all[i]);
        if (!before[i] || !after || strcmp(before[i], after) != 0) {
            fprintf(stderr, "  %s changed by Sales:\n    before %s\n    after  %s\n", q_all[i],
                    before[i] ? before[i] : "-", after ? after : "-");
            kefu_test_failed_checks++;
        }
        cJSON_free(after);
        cJSON_free(before[i]);
    }
    CHECK_INT(history_len(q_recv), 1);

    /* List */
    {
        char *l = list_all(TOK_SALES, "");
        for (int i = 0; i < 5; i++)
            CHECK(!listed(l, q_all[i]));
        CHECK(listed(l, s1));
        l = list_all(TOK_SALES, "\"customer_id\":\"KQ1\"");
        CHECK_STR(l, "");
        l = list_all(TOK_SALES, "\"status\":\"assigned\"");
        CHECK_STR(l, "");
        l = list_all(TOK_SALES, "\"department\":\"Production\"");
        CHECK_STR(l, "");
        l = list_all(TOK_QA, "");
        for (int i = 0; i < 5; i++)
            CHECK(listed(l, q_all[i]));
        CHECK(!listed(l, s1));
    }
    /* Escalations */
    {
        const char *s_crit = create_as(TOK_SALES, "Sales", "critical", "KS2");
        cJSON *e = escalations(TOK_SALES);
        CHECK(!items_have(kefu_json_get(kh_result(e), "items"), q_crit));
        CHECK(items_have(kefu_json_get(kh_result(e), "items"), s_crit));
        CHECK_INT(kh_path_int(kh_result(e), "critical"), 1);
        cJSON_Delete(e);
        e = escalations(TOK_QA);
        CHECK(items_have(kefu_json_get(kh_result(e), "items"), q_crit));
        CHECK(!items_have(kefu_json_get(kh_result(e), "items"), s_crit));
        CHECK_INT(kh_path_int(kh_result(e), "critical"), 1);
        cJSON_Delete(e);
        e = escalations(TOK_ADMIN);
        CHECK_INT(kh_path_int(kh_result(e), "critical"), 2);
        cJSON_Delete(e);
        /* overdue ones too: move the clock past q_asg's due date (major: 7 days) */
        DO_AS(TOK_ADMIN, "sys.SetClock", "{\"now\":\"2026-11-20T10:00:00+08:00\"}");
        e = escalations(TOK_SALES);
        CHECK(!items_have(kefu_json_get(kh_result(e), "items"), q_asg));
        CHECK_INT(kh_path_int(kh_result(e), "overdue"), 0);
        cJSON_Delete(e);
        e = escalations(TOK_QA);
        CHECK(items_have(kefu_json_get(kh_result(e), "items"), q_asg));
        CHECK_INT(kh_path_int(kh_result(e), "overdue"), 1);
        cJSON_Delete(e);
        {
            char *l = list_all(TOK_SALES, "\"overdue\":true");
            CHECK_STR(l, "");
        }

        /* Ledger: only what Sales may see */
        r = call_as(TOK_SALES, "complaints.Ledger", "{\"year\":2026}");
        EXPECT_OK(r, "Ledger as Sales");
        {
            const cJSON *rows = ledger_rows(kh_result(r));
            CHECK_INT(cJSON_GetArraySize(rows), 2);
            CHECK(items_have(rows, s1) && items_have(rows, s_crit));
            for (int i = 0; i < 5; i++)
                CHECK(!items_have(rows, q_all[i]));
        }
        cJSON_Delete(r);
        r = call_as(TOK_SALES, "complaints.Ledger", "{\"year\":2026,\"format\":\"csv\"}");
        EXPECT_OK(r, "Ledger CSV as Sales");
        for (int i = 0; i < 5; i++)
            CHECK(kh_path_str(kh_result(r), "csv") &&
                  !strstr(kh_path_str(kh_result(r), "csv"), q_all[i]));
        CHECK(kh_path_str(kh_result(r), "csv") && strstr(kh_path_str(kh_result(r), "csv"), s1));
        cJSON_Delete(r);
        r = call_as(TOK_SALES, "complaints.Ledger",
                    "{\"year\":2026,\"department\":\"Production\"}");
        EXPECT_OK(r, "Ledger as Sales for Production");
        CHECK_INT(cJSON_GetArraySize(ledger_rows(kh_result(r))), 0);
        cJSON_Delete(r);

        /* Stats: only what each may see */
        r = call_as(TOK_SALES, "complaints.Stats",
                    "{\"from\":\"2026-11-01\",\"to\":\"2026-11-30\"}");
        EXPECT_OK(r, "Stats as Sales");
        CHECK_INT(kh_path_int(kh_result(r), "total"), 2);
        CHECK_INT(kh_path_int(kh_result(r), "overdue_now"), 0);
        cJSON_Delete(r);
        r = call_as(
            TOK_SALES, "complaints.Stats",
            "{\"from\":\"2026-11-01\",\"to\":\"2026-11-30\",\"department\":\"Production\"}");
        EXPECT_OK(r, "Stats as Sales for Production");
        CHECK_INT(kh_path_int(kh_result(r), "total"), 0);
        cJSON_Delete(r);
        r = call_as(TOK_QA, "complaints.Stats", "{\"from\":\"2026-11-01\",\"to\":\"2026-11-30\"}");
        EXPECT_OK(r, "Stats as QA");
        CHECK_INT(kh_path_int(kh_result(r), "total"), 5);
        CHECK_INT(kh_path_int(kh_result(r), "overdue_now"), 1);
        cJSON_Delete(r);
        r = call_as(TOK_ADMIN, "complaints.Stats",
                    "{\"from\":\"2026-11-01\",\"to\":\"2026-11-30\"}");
        EXPECT_OK(r, "Stats as admin");
        CHECK_INT(kh_path_int(kh_result(r), "total"), 7);
        cJSON_Delete(r);
    }
}

static void test_assigned_to_sales_becomes_visible(void)
{
    kh_wait_serving(&svc);
    const char *q, *q2, *qc;
    cJSON *r;

    reset();
    q = create_as(TOK_QA, "QA", "minor", "KV1");
    q2 = create_as(TOK_QA, "QA", "minor", "KV2");
    qc = create_as(TOK_QA, "QA", "critical", "KV3");
    r = call_as(TOK_SALES, "complaints.Get", "{\"id\":\"%s\"}", q);
    EXPECT_CODE(r, 5, "Sales Get before assignment");
    cJSON_Delete(r);
    EXPECT_LISTED(TOK_SALES, "Sales", q, false);

    DO_AS(TOK_QA, "complaints.Assign", "{\"id\":\"%s\",\"department\":\"Sales\"}", q);
    DO_AS(TOK_QA, "complaints.Assign", "{\"id\":\"%s\",\"department\":\"Sales\"}", q2);
    DO_AS(TOK_QA, "complaints.Assign", "{\"id\":\"%s\",\"department\":\"Sales\"}", qc);
    /* Sales now sees it (department), QA still does (intake) */
    r = call_as(TOK_SALES, "complaints.Get", "{\"id\":\"%s\"}", q);
    EXPECT_OK(r, "Sales Get after assignment");
    CHECK_STR(kh_str(r, "department"), "Sales");
    cJSON_Delete(r);
    r = call_as(TOK_SALES, "complaints.History", "{\"id\":\"%s\"}", q);
    EXPECT_OK(r, "Sales History after assignment");
    CHECK_INT(cJSON_GetArraySize(kefu_json_get(kh_result(r), "events")), 2);
    cJSON_Delete(r);
    r = call_as(TOK_QA, "complaints.Get", "{\"id\":\"%s\"}", q);
    EXPECT_OK(r, "QA Get after assignment");
    cJSON_Delete(r);
    EXPECT_LISTED(TOK_SALES, "Sales", q, true);
    EXPECT_LISTED(TOK_QA, "QA", q, true);
    {
        char *l = list_all(TOK_SALES, "\"department\":\"Sales\"");
        CHECK(listed(l, q) && listed(l, q2) && listed(l, qc));
    }
    {
        cJSON *e = escalations(TOK_SALES);
        CHECK(items_have(kefu_json_get(kh_result(e), "items"), qc));
        CHECK_INT(kh_path_int(kh_result(e), "critical"), 1);
        cJSON_Delete(e);
    }
    r = call_as(TOK_SALES, "complaints.Ledger", "{\"year\":2026}");
    EXPECT_OK(r, "Ledger as Sales");
    CHECK(items_have(ledger_rows(kh_result(r)), q));
    cJSON_Delete(r);
    r = call_as(TOK_SALES, "complaints.Stats", "{\"from\":\"2026-11-02\",\"to\":\"2026-11-02\"}");
    EXPECT_OK(r, "Stats as Sales");
    CHECK_INT(kh_path_int(kh_result(r), "total"), 3);
    cJSON_Delete(r);

    /* and may work on it, by its own name in the history */
    DO_AS(TOK_SALES, "complaints.Resolve", resolve_fmt, q);
    DO_AS(TOK_QA, "complaints.Confirm",
          "{\"id\":\"%s\",\"satisfied\":true,\"confirmed_by\":\"李雷\"}", q);
    r = call_as(TOK_QA, "complaints.History", "{\"id\":\"%s\"}", q);
    {
        const cJSON *ev = kefu_json_get(kh_result(r), "events");
        CHECK_INT(cJSON_GetArraySize(ev), 4);
        CHECK_STR(kh_path_str(cJSON_GetArrayItem(ev, 0), "by"), "qa-desk");
        CHECK_STR(kh_path_str(cJSON_GetArrayItem(ev, 2), "by"), "sales-desk");
        CHECK_STR(kh_path_str(cJSON_GetArrayItem(ev, 3), "by"), "qa-desk");
    }
    cJSON_Delete(r);

    /* transferred away by Sales: Sales loses sight of it, QA keeps it */
    DO_AS(TOK_SALES, "complaints.Assign",
          "{\"id\":\"%s\",\"department\":\"Production\",\"reason\":\"生产问题\"}", q2);
    r = call_as(TOK_SALES, "complaints.Get", "{\"id\":\"%s\"}", q2);
    EXPECT_CODE(r, 5, "Sales Get after transfer away");
    cJSON_Delete(r);
    r = call_as(TOK_SALES, "complaints.Withdraw", "{\"id\":\"%s\",\"reason\":\"x\"}", q2);
    EXPECT_CODE(r, 5, "Sales Withdraw after transfer away");
    cJSON_Delete(r);
    EXPECT_LISTED(TOK_SALES, "Sales", q2, false);
    r = call_as(TOK_QA, "complaints.Get", "{\"id\":\"%s\"}", q2);
    EXPECT_OK(r, "QA Get after transfer");
    CHECK_STR(kh_str(r, "department"), "Production");
    cJSON_Delete(r);
}

static void test_auditor_reads_all_changes_nothing(void)
{
    kh_wait_serving(&svc);
    const char *q, *s, *qc, *qr, *qh;
    char *before[5];
    const char *all[5];
    cJSON *r;

    reset();
    q = create_as(TOK_QA, "QA", "minor", "KA1");
    s = create_as(TOK_SALES, "Sales", "minor", "KA2");
    qc = create_as(TOK_QA, "QA", "critical", "KA3");
    qr = create_as(TOK_QA, "QA", "minor", "KA4");
    qh = create_as(TOK_QA, "QA", "minor", "KA5");
    DO_AS(TOK_ADMIN, "complaints.Assign", "{\"id\":\"%s\",\"department\":\"Production\"}", qr);
    DO_AS(TOK_ADMIN, "complaints.Resolve", resolve_fmt, qr);
    DO_AS(TOK_ADMIN, "complaints.Hold", "{\"id\":\"%s\",\"reason\":\"审计\"}", qh);
    all[0] = q, all[1] = s, all[2] = qc, all[3] = qr, all[4] = qh;
    for (int i = 0; i < 5; i++)
        before[i] = snapshot(all[i]);

    /* reads everything */
    for (int i = 0; i < 5; i++) {
        r = call_as(TOK_AUDITOR, "complaints.Get", "{\"id\":\"%s\"}", all[i]);
        EXPECT_OK(r, "auditor Get");
        CHECK_STR(kh_str(r, "id"), all[i]);
        cJSON_Delete(r);
        r = call_as(TOK_AUDITOR, "complaints.History", "{\"id\":\"%s\"}", all[i]);
        EXPECT_OK(r, "auditor History");
        cJSON_Delete(r);
    }
    {
        char *l = list_all(TOK_AUDITOR, "");
        for (int i = 0; i < 5; i++)
            CHECK(listed(l, all[i]));
    }
    {
        cJSON *e = escalations(TOK_AUDITOR);
        CHECK(items_have(kefu_json_get(kh_result(e), "items"), qc));
        cJSON_Delete(e);
    }
    r = call_as(TOK_AUDITOR, "complaints.Ledger", "{\"year\":2026,\"month\":11}");
    EXPECT_OK(r, "auditor Ledger");
    CHECK_INT(cJSON_GetArraySize(ledger_rows(kh_result(r))), 5);
    cJSON_Delete(r);
    r = call_as(TOK_AUDITOR, "complaints.Stats", "{\"from\":\"2026-11-01\",\"to\":\"2026-11-30\"}");
    EXPECT_OK(r, "auditor Stats");
    CHECK_INT(kh_path_int(kh_result(r), "total"), 5);
    cJSON_Delete(r);
    r = call_as(TOK_AUDITOR, "complaints.Report", "{\"month\":\"2026-11\"}");
    EXPECT_OK(r, "auditor Report");
    cJSON_Delete(r);

    /* changes nothing */
    {
        const struct {
            const char *method, *fmt, *id;
        } muts[] = {
            {"complaints.Create",
             "{\"customer\":{\"id\":\"KA9\",\"name\":\"华光照明\"},\"product\":{\"model\":\"CFL-"
             "18W\"},"
             "\"channel\":\"phone\",\"category\":\"quality\",\"title\":\"灯管不亮\","
             "\"description\":\"到货即不亮\",\"received_by\":{\"name\":\"审计\",\"department\":"
             "\"QA\"}%s}",
             ""},
            {"complaints.Assign", "{\"id\":\"%s\",\"department\":\"Production\"}", q},
            {"complaints.Resolve", resolve_fmt, qr},
            {"complaints.Confirm", "{\"id\":\"%s\",\"satisfied\":true,\"confirmed_by\":\"李雷\"}",
             qr},
            {"complaints.Withdraw", "{\"id\":\"%s\",\"reason\":\"x\"}", q},
            {"complaints.Hold", "{\"id\":\"%s\",\"reason\":\"x\"}", s},
            {"complaints.Release", "{\"id\":\"%s\"}", qh},
            {"complaints.Archive", "{}%s", ""},
            {"complaints.Archive", "{\"before\":\"2026-11-01\"}%s", ""},
            {"complaints.Report", "{\"month\":\"2026-10\",\"freeze\":true}%s", ""},
        };
        for (size_t i = 0; i < sizeof(muts) / sizeof(muts[0]); i++) {
            r = call_as(TOK_AUDITOR, muts[i].method, muts[i].fmt, muts[i].id);
            if (kh_code(r) != 7)
                fprintf(stderr, "  auditor %s %s\n", muts[i].method, muts[i].id);
            EXPECT_CODE(r, 7, muts[i].method);
            cJSON_Delete(r);
        }
    }
    for (int i = 0; i < 5; i++) {
        char *after = snapshot(all[i]);
        if (!before[i] || !after || strcmp(before[i], after) != 0) {
            fprintf(stderr, "  %s changed by the auditor\n", all[i]);
            kefu_test_failed_checks++;
        }
        cJSON_free(after);
        cJSON_free(before[i]);
    }
    {
        cJSON *st = call_as(TOK_ADMIN, "complaints.Stats",
                            "{\"from\":\"2026-11-01\",\"to\":\"2026-11-30\"}");
        CHECK_INT(kh_path_int(kh_result(st), "total"), 5);
        cJSON_Delete(st);
    }
    /* October was not frozen by the refused call */
    r = call_as(TOK_ADMIN, "complaints.Report", "{\"month\":\"2026-10\"}");
    EXPECT_OK(r, "admin Report");
    CHECK(!cJSON_IsTrue(kefu_json_get(kh_result(r), "frozen")));
    cJSON_Delete(r);
}

static void test_archive_and_freeze_are_admin_only(void)
{
    kh_wait_serving(&svc);
    const char *staff[] = {TOK_QA, TOK_SALES};
    cJSON *r;

    reset();
    for (int i = 0; i < 2; i++) {
        r = call_as(staff[i], "complaints.Archive", "{}");
        EXPECT_CODE(r, 7, "staff Archive");
        cJSON_Delete(r);
        r = call_as(staff[i], "complaints.Archive", "{\"before\":\"2026-11-01\"}");
        EXPECT_CODE(r, 7, "staff Archive before");
        cJSON_Delete(r);
        /* October is over: only the role stands in the way */
        r = call_as(staff[i], "complaints.Report", "{\"month\":\"2026-10\",\"freeze\":true}");
        EXPECT_CODE(r, 7, "staff Report freeze");
        cJSON_Delete(r);
        /* reading a report is not freezing it */
        r = call_as(staff[i], "complaints.Report", "{\"month\":\"2026-10\"}");
        EXPECT_OK(r, "staff Report");
        CHECK(!cJSON_IsTrue(kefu_json_get(kh_result(r), "frozen")));
        cJSON_Delete(r);
        r = call_as(staff[i], "complaints.Report", "{\"month\":\"2026-10\",\"freeze\":false}");
        EXPECT_OK(r, "staff Report freeze:false");
        cJSON_Delete(r);
    }
    /* the admin may */
    r = call_as(TOK_ADMIN, "complaints.Report", "{\"month\":\"2026-10\",\"freeze\":true}");
    EXPECT_OK(r, "admin Report freeze");
    CHECK(cJSON_IsTrue(kefu_json_get(kh_result(r), "frozen")));
    cJSON_Delete(r);
    r = call_as(TOK_ADMIN, "complaints.Archive", "{}");
    EXPECT_OK(r, "admin Archive");
    CHECK_INT(kh_path_int(kh_result(r), "count"), 0);
    cJSON_Delete(r);
    /* no token at all */
    r = call_as(NULL, "complaints.Archive", "{}");
    EXPECT_CODE(r, 16, "Archive without a token");
    cJSON_Delete(r);
}

KEFU_TESTS = {
    {"staff_cannot_touch_other_departments", test_staff_cannot_touch_other_departments},
    {"assigned_to_sales_becomes_visible", test_assigned_to_sales_becomes_visible},
    {"auditor_reads_all_changes_nothing", test_auditor_reads_all_changes_nothing},
    {"archive_and_freeze_are_admin_only", test_archive_and_freeze_are_admin_only},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    static const kh_token tokens[] = {
        {"admin-desk", TOK_ADMIN, "admin", NULL},
        {"auditor", TOK_AUDITOR, "auditor", NULL},
        {"qa-desk", TOK_QA, "staff", "[\"QA\"]"},
        {"sales-desk", TOK_SALES, "staff", "[\"Sales\"]"},
    };
    const char *extra[] = {"--tokens",      tokens_path, "--test-clock",
                           "--archive-dir", archive_dir, NULL};
    char cmd[128];
    int rc;

    snprintf(archive_dir, sizeof(archive_dir), "/tmp/kefu-scope-archive-XXXXXX");
    if (!kh_write_tokens_temp(tokens_path, sizeof(tokens_path), "kefu-scope-tokens", tokens,
                              sizeof(tokens) / sizeof(tokens[0])))
        return 1;
    if (!mkdtemp(archive_dir)) {
        fprintf(stderr, "could not make the archive dir\n");
        unlink(tokens_path);
        return 1;
    }
    rc = kh_suite_main(argc, argv, &redis, &svc, "complaints", extra);
    unlink(tokens_path);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", archive_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", archive_dir);
    return rc;
}
