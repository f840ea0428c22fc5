/*
 * integration.visits_flow - the visits service (SPEC section 5, README
 * "visits") over real sockets against a real Redis: the lazy plan (monthly,
 * then quarterly; one open routine visit per account, advanced by Record),
 * an account delivered ten years ago costing no more than a new one, Due
 * over many accounts with cursor paging, Record closing planned visits and
 * raising quality information and complaints (through the outbox; with
 * kefu-complaints running as the peer the complaint id lands on the visit),
 * follow-ups and yearly surveys created once, symposiums, List paging,
 * the weekly report and refused inputs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "json.h"
#include "test.h"

static kh_redis redis;
static kh_service svc, complaints;

/* A call with params from printf. */
#define call(method, ...)                                                                          \
    kh_callf(svc.addr, &(kefu_call_opts){.deadline_ms = 10000, .max_attempts = 1}, (method),       \
             __VA_ARGS__)

#define EXPECT_OK(r, what)               KH_EXPECT_OK((r), (what))
#define EXPECT_ERR(r, code, field, what) KH_EXPECT((r), (code), (field), (what))

static void set_clock(const char *now)
{
    KH_EXPECT_FREE(call("sys.SetClock", "{\"now\":\"%s\"}", now), 0, NULL, "sys.SetClock");
}

static void flush(void)
{
    free(kh_redis_cli(&redis, "FLUSHALL"));
}

/* The visits service's own keys (not idempotency records, which every
 * kh_call leaves, nor the outbox relay's). */
static long long state_keys(void)
{
    char *out = kh_redis_cli(&redis, "EVAL \"return #redis.call('KEYS','kefu:visit*')\" 0");
    long long n = out ? atoll(out) : -1;
    free(out);
    return n;
}

/* The member, string or integer at dotted `path` of a reply's result. */
static const cJSON *rget(const cJSON *reply, const char *path)
{
    return kh_path(kh_result(reply), path);
}

static const char *rstr(const cJSON *reply, const char *path)
{
    return kh_str(reply, path);
}

static long long rnum(const cJSON *reply, const char *path)
{
    return kh_path_int(kh_result(reply), path);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Enrolls an account; returns its id (static ring). */
static const char *enroll(const char *customer, const char *delivered, const char *dept,
                          const char *owner)
{
    static char ring[16][16];
    static int next;
    char *id = ring[next++ % 16];
    cJSON *r = call("visits.Enroll",
                    "{\"customer\":{\"id\":\"%s\",\"name\":\"华光照明\",\"contact\":{\"person\":"
                    "\"李雷\",\"phone\":\"0760-1234567\"}},\"project\":{\"name\":\"一期照明\"},"
                    "\"delivered_on\":\"%s\",\"department\":\"%s\",\"owner\":\"%s\"}",
                    customer, delivered, dept, owner);
    EXPECT_OK(r, "visits.Enroll");
    snprintf(id, 16, "%s", rstr(r, "id") ? rstr(r, "id") : "none");
    cJSON_Delete(r);
    return id;
}

static cJSON *record(const char *account, const char *on, const char *extra)
{
    return call("visits.Record",
                "{\"account_id\":\"%s\",\"visited_on\":\"%s\",\"method\":\"phone\","
                "\"contact\":\"李雷\",\"summary\":\"设备运行正常\"%s}",
                account, on, extra ? extra : "");
}

/* The due date of the account's first open planned visit. */
static char *next_due(const char *account)
{
    static char out[16];
    cJSON *r = call("visits.Get", "{\"id\":\"%s\"}", account);
    const cJSON *first = cJSON_GetArrayItem(kefu_json_get(kh_result(r), "open"), 0);

    snprintf(out, sizeof(out), "%s",
             kefu_json_str(first, "due_on") ? kefu_json_str(first, "due_on") : "none");
    cJSON_Delete(r);
    return out;
}

static void test_enroll_plan(void)
{
    const char *a, *b;
    cJSON *r;

    flush();
    set_clock("2026-01-15T10:00:00+08:00");
    r = call("visits.Enroll",
             "{\"customer\":{\"id\":\"K1\",\"name\":\"华光照明\"},\"project\":{"
             "\"name\":\"一期\",\"id\":\"PRJ-7\"},\"delivered_on\":\"2026-01-31\"}");
    EXPECT_OK(r, "Enroll");
    CHECK_STR(rstr(r, "id"), "A000001");
    CHECK(cJSON_IsTrue(kefu_json_get(kh_result(r), "active")));
    CHECK(cJSON_IsNull(kefu_json_get(kh_result(r), "department")));
    CHECK_INT(rnum(r, "open_count"), 1);
    cJSON_Delete(r);
    /* Month-end clamping: delivered on the 31st, first visit on 28 February. */
    CHECK_STR(next_due("A000001"), "2026-02-28");
    /* Delivered a year ago: visits before enrolment are not owed; month 12
     * (2026-01-10) is past, so the next is month 15. */
    a = enroll("K2", "2025-01-10", "Service", "王芳");
    CHECK_STR(a, "A000002");
    CHECK_STR(next_due(a), "2026-04-10");
    /* Delivered in the future: the first visit a month after delivery. */
    b = enroll("K3", "2026-03-31", "Service", "王芳");
    CHECK_STR(next_due(b), "2026-04-30");
}

static void test_record_advances_plan(void)
{
    const char *a;
    cJSON *r;

    flush();
    set_clock("2026-01-15T10:00:00+08:00");
    a = enroll("K1", "2026-01-31", "Service", "王芳");
    set_clock("2026-03-02T09:00:00+08:00");
    r = call("visits.Due", "{}");
    EXPECT_OK(r, "Due");
    CHECK_INT(cJSON_GetArraySize(kefu_json_get(kh_result(r), "items")), 1);
    CHECK_STR(rstr(r, "items.0.due_on"), "2026-02-28");
    CHECK_STR(rstr(r, "items.0.kind"), "routine");
    CHECK_STR(rstr(r, "items.0.account_id"), a);
    CHECK_STR(rstr(r, "items.0.customer.name"), "华光照明");
    CHECK(cJSON_IsTrue(rget(r, "items.0.overdue")));
    CHECK_INT(rnum(r, "items.0.days_overdue"), 2);
    cJSON_Delete(r);

    r = record(a, "2026-03-02", ",\"satisfaction\":5,\"demands\":\"明年增购\"");
    EXPECT_OK(r, "Record");
    CHECK_STR(rstr(r, "id"), "V2026-000001");
    CHECK_STR(rstr(r, "planned.id"), "A000001-R1");
    CHECK_STR(rstr(r, "planned.status"), "done");
    CHECK_STR(rstr(r, "planned.due_on"), "2026-02-28");
    CHECK_STR(rstr(r, "demands"), "明年增购");
    CHECK_STR(rstr(r, "recorded_by"), "local");
    CHECK_INT(rnum(r, "satisfaction"), 5);
    CHECK(cJSON_IsNull(kefu_json_get(kh_result(r), "confirmation")));
    cJSON_Delete(r);
    CHECK_STR(next_due(a), "2026-03-31");
    /* Nothing else due now. */
    r = call("visits.Due", "{}");
    CHECK_INT(cJSON_GetArraySize(kefu_json_get(kh_result(r), "items")), 0);
    cJSON_Delete(r);
    /* A window shows the next one, not overdue. */
    r = call("visits.Due", "{\"window_days\":29}");
    CHECK_STR(rstr(r, "items.0.due_on"), "2026-03-31");
    CHECK(cJSON_IsFalse(rget(r, "items.0.overdue")));
    CHECK_INT(rnum(r, "items.0.days_overdue"), 0);
    cJSON_Delete(r);
    r = call("visits.Due", "{\"window_days\":28}");
    CHECK_INT(cJSON_GetArraySize(kefu_json_get(kh_result(r), "items")), 0);
    cJSON_Delete(r);
    /* A late visit closes the overdue one; the months it skipped are not
     * owed: the next is the first plan date after the visit. */
    set_clock("2026-05-20T09:00:00+08:00");
    r = record(a, "2026-05-20", NULL);
    CHECK_STR(rstr(r, "planned.id"), "A000001-R2");
    cJSON_Delete(r);
    CHECK_STR(next_due(a), "2026-05-31");
    /* An early visit moves to the very next one. */
    r = record(a, "2026-05-20", NULL);
    CHECK_STR(rstr(r, "planned.id"), "A000001-R4");
    cJSON_Delete(r);
    CHECK_STR(next_due(a), "2026-06-30");
    /* Get of the open routine visit. */
    r = call("visits.Get", "{\"id\":\"A000001-R5\"}");
    EXPECT_OK(r, "Get routine");
    CHECK_STR(rstr(r, "due_on"), "2026-06-30");
    cJSON_Delete(r);
    r = call("visits.Get", "{\"id\":\"A000001-R4\"}");
    EXPECT_ERR(r, 5, "id", "Get a closed routine id");
    cJSON_Delete(r);
}

/* Quarterly after the first year, and a decade-old account is as cheap as a new one. */
static void test_ten_year_old_account_is_bounded(void)
{
    const char *a;
    long long before, after;
    double t0;
    cJSON *r;

    flush();
    set_clock("2016-02-01T09:00:00+08:00");
    a = enroll("K10", "2016-01-31", "Service", "王芳");
    CHECK_STR(next_due(a), "2016-02-29");
    set_clock("2026-06-01T09:00:00+08:00");
    before = state_keys();
    t0 = now_s();
    r = call("visits.Due", "{}");
    EXPECT_OK(r, "Due");
    CHECK_INT(cJSON_GetArraySize(kefu_json_get(kh_result(r), "items")), 1);
    CHECK_STR(rstr(r, "items.0.due_on"), "2016-02-29");
    /* 2016-02-29 .. 2026-06-01 */
    CHECK_INT(rnum(r, "items.0.days_overdue"), 3745);
    cJSON_Delete(r);
    r = record(a, "2026-06-01", NULL);
    EXPECT_OK(r, "Record");
    cJSON_Delete(r);
    CHECK(now_s() - t0 < 2.0);
    /* Quarterly: months 120 (2026-01-31), 123 (04-30), 126 (07-31). */
    CHECK_STR(next_due(a), "2026-07-31");
    r = record(a, "2026-06-01", NULL);
    CHECK_STR(rstr(r, "planned.id"), "A000001-R50"); /* visit 50 = month 126 */
    cJSON_Delete(r);
    CHECK_STR(next_due(a), "2026-10-31");
    after = state_keys();
    /* Two visit records and their index keys; no plan materialised. */
    if (after - before > 12)
        fprintf(stderr, "  keys: %lld before, %lld after\n", before, after);
    CHECK(after - before <= 12);
    CHECK(after < 40);
}

static void test_due_pages_many_accounts(void)
{
    enum { N = 1200 };
    static char seen[N + 1];
    char cursor[64] = "";
    int total = 0, pages = 0, dups = 0;
    char last_due[16] = "";
    bool ordered = true;
    cJSON *r;

    flush();
    set_clock("2026-01-01T09:00:00+08:00");
    for (int i = 0; i < N; i++) {
        char delivered[16], cust[16];
        snprintf(delivered, sizeof(delivered), "2025-12-%02d", 1 + i % 28);
        snprintf(cust, sizeof(cust), "K%d", i);
        enroll(cust, delivered, i % 2 ? "Service" : "Sales", i % 3 ? "王芳" : "张伟");
    }
    set_clock("2026-03-01T09:00:00+08:00");
    memset(seen, 0, sizeof(seen));
    for (;;) {
        char cur[96] = "";
        const cJSON *it, *next;
        if (cursor[0])
            snprintf(cur, sizeof(cur), ",\"cursor\":\"%s\"", cursor);
        r = call("visits.Due", "{\"limit\":500%s}", cur);
        EXPECT_OK(r, "Due page");
        cJSON_ArrayForEach(it, kefu_json_get(kh_result(r), "items"))
        {
            int n = atoi(kefu_json_str(it, "account_id") + 1);
            const char *due = kefu_json_str(it, "due_on");
            if (n >= 1 && n <= N)
                dups += seen[n]++ > 0;
            if (strcmp(due, last_due) < 0)
                ordered = false;
            snprintf(last_due, sizeof(last_due), "%s", due);
            total++;
        }
        pages++;
        next = kefu_json_get(kh_result(r), "next_cursor");
        if (!cJSON_IsString(next) || pages > 10) {
            cJSON_Delete(r);
            break;
        }
        snprintf(cursor, sizeof(cursor), "%s", next->valuestring);
        cJSON_Delete(r);
    }
    CHECK_INT(total, N);
    CHECK_INT(dups, 0);
    CHECK_INT(pages, 3);
    CHECK(ordered); /* overdue (earliest) first */
    /* Filters: department and owner. */
    r = call("visits.Due", "{\"department\":\"Sales\",\"owner\":\"张伟\",\"limit\":500}");
    EXPECT_OK(r, "Due filtered");
    CHECK_INT(cJSON_GetArraySize(kefu_json_get(kh_result(r), "items")), 200);
    CHECK_STR(rstr(r, "items.0.department"), "Sales");
    CHECK_STR(rstr(r, "items.0.owner"), "张伟");
    cJSON_Delete(r);
    /* `on` in the past: what was due by then. */
    r = call("visits.Due", "{\"on\":\"2026-01-10\",\"limit\":500}");
    {
        int want = 0;
        for (int i = 0; i < N; i++)
            want += 1 + i % 28 <= 10;
        CHECK_INT(cJSON_GetArraySize(kefu_json_get(kh_result(r), "items")), want);
    }
    cJSON_Delete(r);
}

static void test_followup_once_and_confirmation(void)
{
    const char *a;
    long long size;
    char pid[16], entry[64], key[96], *out;
    cJSON *r, *r2;

    flush();
    set_clock("2026-02-01T09:00:00+08:00");
    a = enroll("K1", "2026-01-31", "Service", "王芳");
    set_clock("2026-03-02T09:00:00+08:00");
    r = call(
        "visits.ScheduleFollowUp",
        "{\"customer_id\":\"K1\",\"complaint_id\":\"C2026-000007\",\"due_on\":\"2026-03-05\"}");
    EXPECT_OK(r, "ScheduleFollowUp");
    CHECK_STR(rstr(r, "account_id"), a);
    CHECK_STR(rstr(r, "kind"), "followup");
    CHECK_STR(rstr(r, "ref"), "C2026-000007");
    snprintf(pid, sizeof(pid), "%s", rstr(r, "id") ? rstr(r, "id") : "");
    size = state_keys();
    /* Again (a relay's retry with another key, or complaints resolving twice):
     * the same planned visit, nothing new. */
    r2 = call(
        "visits.ScheduleFollowUp",
        "{\"customer_id\":\"K1\",\"complaint_id\":\"C2026-000007\",\"due_on\":\"2026-03-09\"}");
    EXPECT_OK(r2, "ScheduleFollowUp again");
    CHECK_STR(rstr(r2, "id"), pid);
    CHECK_STR(rstr(r2, "due_on"), "2026-03-05");
    CHECK_INT(state_keys(), size);
    cJSON_Delete(r);
    cJSON_Delete(r2);
    /* Schedule's ref is a note: a follow-up it makes is bound to no
     * complaint and leaves the complaint's own follow-up alone. */
    r = call("visits.Schedule",
             "{\"account_id\":\"%s\",\"due_on\":\"2026-03-20\",\"kind\":"
             "\"followup\",\"ref\":\"C2026-000007\"}",
             a);
    EXPECT_OK(r, "Schedule a follow-up with a complaint id as its note");
    CHECK_STR(rstr(r, "ref"), "C2026-000007");
    CHECK(cJSON_IsNull(rget(r, "complaint_id")));
    cJSON_Delete(r);
    r = call(
        "visits.ScheduleFollowUp",
        "{\"customer_id\":\"K1\",\"complaint_id\":\"C2026-000007\",\"due_on\":\"2026-03-09\"}");
    CHECK_STR(rstr(r, "id"), pid);
    CHECK_STR(rstr(r, "complaint_id"), "C2026-000007");
    cJSON_Delete(r);
    /* A customer with no account gets a follow-up-only account. */
    r = call("visits.ScheduleFollowUp",
             "{\"customer_id\":\"K77\",\"complaint_id\":\"C2026-000008\",\"due_on\":\"2026-03-05\","
             "\"customer_name\":\"新光电器\",\"department\":\"QA\"}");
    EXPECT_OK(r, "ScheduleFollowUp without an account");
    CHECK_STR(rstr(r, "account_id"), "A000002");
    cJSON_Delete(r);
    r = call("visits.Get", "{\"id\":\"A000002\"}");
    CHECK(cJSON_IsFalse(kefu_json_get(kh_result(r), "routine_plan")));
    CHECK_STR(rstr(r, "customer.name"), "新光电器");
    CHECK_STR(rstr(r, "department"), "QA");
    CHECK_INT(rnum(r, "open_count"), 1);
    cJSON_Delete(r);

    /* The follow-up is due before the routine visit, but Record closes the
     * earliest open one: the routine (2026-02-28) first; planned_id picks. */
    r = record(a, "2026-03-02", ",\"satisfaction\":2,\"planned_id\":\"P000001\"");
    EXPECT_OK(r, "Record the follow-up");
    CHECK_STR(rstr(r, "planned.id"), "P000001");
    CHECK_STR(rstr(r, "planned.kind"), "followup");
    CHECK_STR(rstr(r, "confirmation.complaint_id"), "C2026-000007");
    CHECK(cJSON_IsFalse(rget(r, "confirmation.satisfied")));
    snprintf(entry, sizeof(entry), "%s",
             rstr(r, "confirmation.outbox_id") ? rstr(r, "confirmation.outbox_id") : "");
    cJSON_Delete(r);
    /* The outbox entry asks complaints.Confirm. */
    CHECK(strncmp(entry, "visits-", 7) == 0);
    snprintf(key, sizeof(key), "HGET kefu:outbox:visits:e:%s params", entry + 7);
    out = kh_redis_cli(&redis, key);
    CHECK(out && strstr(out, "\"id\":\"C2026-000007\"") && strstr(out, "\"satisfied\":false") &&
          strstr(out, "\"rating\":2") && strstr(out, "\"confirmed_by\":\"李雷\"") &&
          strstr(out, "\"comment\":\"设备运行正常\""));
    free(out);
    /* Closed: naming it again is FAILED_PRECONDITION; the routine is next. */
    r = record(a, "2026-03-02", ",\"planned_id\":\"P000001\"");
    EXPECT_ERR(r, 9, "planned_id", "Record a done planned visit");
    cJSON_Delete(r);
    r = record(a, "2026-03-02", ",\"planned_id\":\"P000999\"");
    EXPECT_ERR(r, 5, "planned_id", "Record an unknown planned visit");
    cJSON_Delete(r);
    r = record(a, "2026-03-02", NULL);
    CHECK_STR(rstr(r, "planned.kind"), "routine");
    cJSON_Delete(r);
}

static void test_schedule_and_deactivate(void)
{
    const char *a;
    cJSON *r;

    flush();
    set_clock("2026-03-02T09:00:00+08:00");
    a = enroll("K1", "2026-02-15", "Service", "王芳");
    r = call("visits.Schedule",
             "{\"account_id\":\"%s\",\"due_on\":\"2026-03-10\",\"kind\":\"routine\"}", a);
    EXPECT_OK(r, "Schedule");
    CHECK_STR(rstr(r, "status"), "open");
    CHECK_STR(rstr(r, "due_on"), "2026-03-10");
    cJSON_Delete(r);
    r = call("visits.Schedule",
             "{\"account_id\":\"%s\",\"due_on\":\"2026-03-01\",\"kind\":\"survey\"}", a);
    EXPECT_ERR(r, 3, "due_on", "Schedule in the past");
    cJSON_Delete(r);
    r = call(
        "visits.ScheduleFollowUp",
        "{\"customer_id\":\"K1\",\"complaint_id\":\"C2026-000001\",\"due_on\":\"2026-03-20\"}");
    EXPECT_OK(r, "ScheduleFollowUp");
    cJSON_Delete(r);
    r = call("visits.Get", "{\"id\":\"%s\"}", a);
    CHECK_INT(rnum(r, "open_count"), 3);
    CHECK_STR(rstr(r, "open.0.due_on"), "2026-03-10");
    CHECK_STR(rstr(r, "open.1.due_on"), "2026-03-15");
    cJSON_Delete(r);
    r = call("visits.Deactivate", "{\"account_id\":\"%s\"}", a);
    EXPECT_OK(r, "Deactivate");
    CHECK(cJSON_IsFalse(kefu_json_get(kh_result(r), "active")));
    /* The follow-up the customer was promised stays. */
    CHECK_INT(rnum(r, "open_count"), 1);
    CHECK_STR(rstr(r, "open.0.kind"), "followup");
    cJSON_Delete(r);
    r = call("visits.Deactivate", "{\"account_id\":\"%s\"}", a);
    EXPECT_ERR(r, 9, "account_id", "Deactivate twice");
    cJSON_Delete(r);
    r = call("visits.Schedule",
             "{\"account_id\":\"%s\",\"due_on\":\"2026-03-10\",\"kind\":\"routine\"}", a);
    EXPECT_ERR(r, 9, "account_id", "Schedule on a deactivated account");
    cJSON_Delete(r);
    r = call("visits.Due", "{\"window_days\":60}");
    CHECK_INT(cJSON_GetArraySize(kefu_json_get(kh_result(r), "items")), 1);
    CHECK_STR(rstr(r, "items.0.kind"), "followup");
    cJSON_Delete(r);
    /* Record may close the complaint's follow-up by naming it, then nothing
     * more; without planned_id it does not close it. */
    r = record(a, "2026-03-02", NULL);
    EXPECT_ERR(r, 9, "account_id", "Record on a deactivated account without planned_id");
    cJSON_Delete(r);
    r = record(a, "2026-03-02", ",\"planned_id\":\"P000002\"");
    EXPECT_OK(r, "Record the follow-up of a deactivated account");
    CHECK_STR(rstr(r, "planned.kind"), "followup");
    cJSON_Delete(r);
    r = record(a, "2026-03-02", NULL);
    EXPECT_ERR(r, 9, "account_id", "Record on a deactivated account");
    cJSON_Delete(r);
    /* A new follow-up for this customer goes to a new follow-up-only account. */
    r = call(
        "visits.ScheduleFollowUp",
        "{\"customer_id\":\"K1\",\"complaint_id\":\"C2026-000002\",\"due_on\":\"2026-03-20\"}");
    CHECK_STR(rstr(r, "account_id"), "A000002");
    cJSON_Delete(r);
}

static void test_annual_survey_once(void)
{
    long long size;
    cJSON *r;

    flush();
    set_clock("2026-11-20T09:00:00+08:00");
    for (int i = 0; i < 1100; i++) {
        char cust[16];
        snprintf(cust, sizeof(cust), "K%d", i);
        enroll(cust, "2025-06-15", "Service", "王芳");
    }
    r = call("visits.Deactivate", "{\"account_id\":\"A000003\"}");
    cJSON_Delete(r);
    r = call("visits.ScheduleFollowUp",
             "{\"customer_id\":\"K-none\",\"complaint_id\":\"C2026-000009\",\"due_on\":"
             "\"2026-11-25\"}");
    cJSON_Delete(r);
    r = call("visits.AnnualSurvey", "{\"year\":2026}");
    EXPECT_OK(r, "AnnualSurvey");
    /* Every active enrolled account (not the deactivated one, not the
     * follow-up-only one), in three bounded batches. */
    CHECK_INT(rnum(r, "created"), 1099);
    CHECK_INT(rnum(r, "surveys"), 1099);
    CHECK_STR(rstr(r, "due_on"), "2026-12-01");
    cJSON_Delete(r);
    size = state_keys();
    r = call("visits.AnnualSurvey", "{\"year\":2026}");
    EXPECT_OK(r, "AnnualSurvey again");
    CHECK_INT(rnum(r, "created"), 0);
    cJSON_Delete(r);
    CHECK_INT(state_keys(), size);
    r = call("visits.Get", "{\"id\":\"A000001\"}");
    CHECK_STR(rstr(r, "open.0.kind"), "survey");
    CHECK_STR(rstr(r, "open.0.due_on"), "2026-12-01");
    CHECK_STR(rstr(r, "open.1.kind"), "routine"); /* month 18: 2026-12-15 */
    cJSON_Delete(r);
    r = call("visits.AnnualSurvey", "{\"year\":2026,\"due_on\":\"2026-11-30\"}");
    EXPECT_ERR(r, 3, "due_on", "survey outside December");
    cJSON_Delete(r);
    r = call("visits.AnnualSurvey", "{\"year\":2027,\"due_on\":\"2027-12-15\"}");
    EXPECT_OK(r, "AnnualSurvey 2027");
    CHECK_INT(rnum(r, "created"), 1099);
    cJSON_Delete(r);
}

static void test_quality_info_and_symposium(void)
{
    cJSON *r;

    flush();
    set_clock("2026-03-02T09:00:00+08:00");
    r = call("visits.QualityInfo", "{\"source\":\"hotline\",\"product\":{\"model\":\"CFL-18W\","
                                   "\"batch\":\"B7\"},\"text\":\"色温偏差\",\"departments\":"
                                   "[\"QA\",\"Production\"]}");
    EXPECT_OK(r, "QualityInfo");
    CHECK_STR(rstr(r, "id"), "Q2026-000001");
    CHECK_STR(rstr(r, "departments.1"), "Production");
    CHECK_STR(rstr(r, "reported_on"), "2026-03-02");
    cJSON_Delete(r);
    r = call("visits.Symposium",
             "{\"held_on\":\"2026-02-10\",\"chair\":\"张总\",\"attendees\":[\"李雷\",\"韩梅梅\"],"
             "\"opinions\":[{\"customer_id\":\"K1\",\"text\":\"包装易破\",\"departments\":["
             "\"Logistics\"]},{\"customer_id\":42,\"text\":\"说明书太简略\",\"departments\":["
             "\"Docs\",\"QA\"]}]}");
    EXPECT_OK(r, "Symposium");
    CHECK_STR(rstr(r, "id"), "S2026-000001");
    CHECK_STR(rstr(r, "opinions.0.quality_info_id"), "Q2026-000002");
    CHECK_STR(rstr(r, "opinions.1.quality_info_id"), "Q2026-000003");
    CHECK(cJSON_IsArray(kefu_json_get(kh_result(r), "attendees")));
    cJSON_Delete(r);
    r = call("visits.Get", "{\"id\":\"Q2026-000003\"}");
    CHECK_STR(rstr(r, "source"), "symposium");
    CHECK_STR(rstr(r, "ref"), "S2026-000001");
    CHECK_STR(rstr(r, "reported_on"), "2026-02-10");
    CHECK_INT(rnum(r, "customer_id"), 42);
    cJSON_Delete(r);
    r = call("visits.ListQualityInfo", "{\"department\":\"QA\"}");
    EXPECT_OK(r, "ListQualityInfo QA");
    CHECK_INT(cJSON_GetArraySize(kefu_json_get(kh_result(r), "items")), 2);
    CHECK_STR(rstr(r, "items.0.id"), "Q2026-000001"); /* newest first */
    cJSON_Delete(r);
    r = call("visits.ListQualityInfo", "{\"from\":\"2026-02-01\",\"to\":\"2026-02-28\"}");
    CHECK_INT(cJSON_GetArraySize(kefu_json_get(kh_result(r), "items")), 2);
    cJSON_Delete(r);
    r = call("visits.ListQualityInfo", "{\"limit\":2}");
    CHECK_INT(cJSON_GetArraySize(kefu_json_get(kh_result(r), "items")), 2);
    {
        const char *c = rstr(r, "next_cursor");
        cJSON *r2 = call("visits.ListQualityInfo", "{\"limit\":2,\"cursor\":\"%s\"}", c ? c : "");
        CHECK_INT(cJSON_GetArraySize(kefu_json_get(kh_result(r2), "items")), 1);
        CHECK_STR(rstr(r2, "items.0.id"), "Q2026-000002");
        CHECK(cJSON_IsNull(kefu_json_get(kh_result(r2), "next_cursor")));
        cJSON_Delete(r2);
    }
    cJSON_Delete(r);
    /* A quality_info issue on a visit. */
    enroll("K1", "2026-01-31", "Service", "王芳");
    r = record("A000001", "2026-03-01",
               ",\"issues\":[{\"kind\":\"quality_info\",\"text\":\"灯管发黑\",\"departments\":["
               "\"Production\"],\"product\":{\"model\":\"T5-28W\"}}]");
    EXPECT_OK(r, "Record with quality info");
    CHECK_STR(rstr(r, "issues.0.quality_info_id"), "Q2026-000004");
    cJSON_Delete(r);
    r = call("visits.Get", "{\"id\":\"Q2026-000004\"}");
    CHECK_STR(rstr(r, "source"), "visit");
    CHECK_STR(rstr(r, "ref"), "V2026-000001");
    CHECK_STR(rstr(r, "product.model"), "T5-28W");
    CHECK_STR(rstr(r, "from_department"), "Service");
    CHECK_STR(rstr(r, "customer_id"), "K1");
    cJSON_Delete(r);
}

/* Waits up to 10 s for the first issue of `visit` to carry its complaint id. */
static bool wait_complaint(const char *visit, char out[32])
{
    out[0] = '\0';
    for (int i = 0; i < 100 && !out[0]; i++) {
        cJSON *r = call("visits.Get", "{\"id\":\"%s\"}", visit);
        if (rstr(r, "issues.0.complaint_id"))
            snprintf(out, 32, "%s", rstr(r, "issues.0.complaint_id"));
        cJSON_Delete(r);
        if (!out[0])
            kh_sleep_ms(100);
    }
    return strncmp(out, "C2026-", 6) == 0;
}

static cJSON *complaint(const char *id)
{
    kefu_call_opts o = {.deadline_ms = 5000, .max_attempts = 1};
    char params[64];
    snprintf(params, sizeof(params), "{\"id\":\"%s\"}", id);
    return kh_call(complaints.addr, "complaints.Get", params, &o);
}

/* A complaint raised on a visit goes to complaints.Create through the
 * outbox; kefu-complaints is this service's peer, so the id comes back. */
static void test_complaint_issue(void)
{
    char text[400 * 3 + 1] = "", cid[32] = "", cid2[32] = "";
    cJSON *r;

    flush();
    set_clock("2026-03-02T09:00:00+08:00");
    enroll("K1", "2026-01-31", "Service", "王芳");
    for (int i = 0; i < 300; i++)
        strcat(text, i % 2 ? "亮" : "灯");
    r = record("A000001", "2026-03-02",
               ",\"issues\":[{\"kind\":\"complaint\",\"text\":\"镇流器烧毁\",\"severity\":"
               "\"major\",\"product\":{\"model\":\"CFL-18W\",\"batch\":\"B7\"}},{\"kind\":"
               "\"quality_info\",\"text\":\"x\",\"departments\":[\"QA\"]}]");
    EXPECT_OK(r, "Record with a complaint");
    CHECK(cJSON_IsNull(rget(r, "issues.0.complaint_id")));
    cJSON_Delete(r);
    {
        char extra[1400];
        snprintf(extra, sizeof(extra),
                 ",\"issues\":[{\"kind\":\"complaint\",\"text\":\"%s\",\"category\":\"service\"}]",
                 text);
        cJSON_Delete(record("A000001", "2026-03-02", extra));
    }
    /* The relay delivers both; the hook writes the complaint ids. */
    CHECK(wait_complaint("V2026-000001", cid));
    CHECK(wait_complaint("V2026-000002", cid2));
    r = complaint(cid);
    CHECK_STR(rstr(r, "channel"), "visit");
    CHECK_STR(rstr(r, "title"), "镇流器烧毁");
    CHECK_STR(rstr(r, "category"), "quality");
    CHECK_STR(rstr(r, "severity"), "major");
    CHECK_STR(rstr(r, "product.batch"), "B7");
    CHECK_STR(rstr(r, "customer.name"), "华光照明");
    CHECK_STR(rstr(r, "customer.contact.person"), "李雷");
    CHECK_STR(rstr(r, "received_by.name"), "local");
    CHECK_STR(rstr(r, "received_by.department"), "Service");
    CHECK_STR(rstr(r, "received_at"), "2026-03-02T09:00:00+08:00");
    cJSON_Delete(r);
    /* The long one: the title is the text cut to 200 characters. */
    r = complaint(cid2);
    {
        char want[700];
        snprintf(want, sizeof(want), "%.600s", text);
        CHECK_STR(rstr(r, "title"), want);
        CHECK_STR(rstr(r, "description"), text);
    }
    CHECK_STR(rstr(r, "category"), "service");
    CHECK_STR(rstr(r, "product.model"), "(未指明)");
    cJSON_Delete(r);
    r = call("visits.WeeklyReport", "{\"week\":\"2026-W10\"}");
    CHECK_INT(rnum(r, "issues.complaint"), 2);
    CHECK(rnum(r, "complaints_created") >= 1);
    cJSON_Delete(r);
}

static void test_list_paging(void)
{
    static char seen[64];
    char cursor[64] = "";
    int total = 0, dups = 0, pages = 0;
    cJSON *r;

    flush();
    set_clock("2026-03-02T09:00:00+08:00");
    enroll("K1", "2026-01-31", "Service", "王芳");
    enroll("K2", "2026-01-31", "Sales", "张伟");
    for (int i = 0; i < 25; i++) {
        char on[16];
        snprintf(on, sizeof(on), "2026-02-%02d", 1 + i);
        r = record(i % 5 ? "A000001" : "A000002", on, NULL);
        cJSON_Delete(r);
    }
    memset(seen, 0, sizeof(seen));
    for (;;) {
        char cur[96] = "";
        const cJSON *it, *next;
        if (cursor[0])
            snprintf(cur, sizeof(cur), ",\"cursor\":\"%s\"", cursor);
        r = call("visits.List", "{\"limit\":10%s}", cur);
        EXPECT_OK(r, "List page");
        cJSON_ArrayForEach(it, kefu_json_get(kh_result(r), "items"))
        {
            int n = atoi(kefu_json_str(it, "id") + 6);
            if (n > 0 && n < 64)
                dups += seen[n]++ > 0;
            total++;
        }
        /* Records added while paging do not disturb it. */
        if (pages == 0)
            cJSON_Delete(record("A000001", "2026-03-01", NULL));
        pages++;
        next = kefu_json_get(kh_result(r), "next_cursor");
        if (!cJSON_IsString(next) || pages > 10) {
            cJSON_Delete(r);
            break;
        }
        snprintf(cursor, sizeof(cursor), "%s", next->valuestring);
        cJSON_Delete(r);
    }
    CHECK_INT(total, 25);
    CHECK_INT(dups, 0);
    CHECK_INT(pages, 3);
    r = call("visits.List", "{\"account_id\":\"A000002\"}");
    CHECK_INT(cJSON_GetArraySize(kefu_json_get(kh_result(r), "items")), 5);
    CHECK_STR(rstr(r, "items.0.id"), "V2026-000021"); /* newest first */
    cJSON_Delete(r);
    r = call("visits.List",
             "{\"customer_id\":\"K1\",\"from\":\"2026-02-10\",\"to\":\"2026-02-19\"}");
    CHECK_INT(cJSON_GetArraySize(kefu_json_get(kh_result(r), "items")), 8);
    cJSON_Delete(r);
    r = call("visits.List", "{\"account_id\":\"A000099\"}");
    EXPECT_ERR(r, 5, "account_id", "List of an unknown account");
    cJSON_Delete(r);
}

static void test_weekly_report(void)
{
    cJSON *r;

    flush();
    set_clock("2026-10-20T09:00:00+08:00");
    enroll("K1", "2026-10-31", "Service", "王芳"); /* due 2026-11-30 (W49 Monday) */
    enroll("K2", "2026-11-01", "Service", "王芳"); /* due 2026-12-01 */
    enroll("K3", "2026-11-06", "Sales", "张伟");   /* due 2026-12-06 (Sunday) */
    enroll("K4", "2026-11-07", "Sales", "张伟");   /* due 2026-12-07 (next week) */
    set_clock("2026-12-03T09:00:00+08:00");
    cJSON_Delete(record("A000001", "2026-12-02", ",\"satisfaction\":4"));
    r = call("visits.Record",
             "{\"account_id\":\"A000002\",\"visited_on\":\"2026-12-03\",\"method\":\"onsite\","
             "\"contact\":\"韩梅梅\",\"summary\":\"现场检查\",\"satisfaction\":2,\"issues\":[{"
             "\"kind\":\"quality_info\",\"text\":\"外壳变形\",\"departments\":[\"QA\"]}]}");
    EXPECT_OK(r, "Record onsite");
    cJSON_Delete(r);
    /* A contact in the previous week counts there, not here. */
    cJSON_Delete(record("A000004", "2026-11-27", NULL));
    r = call("visits.WeeklyReport", "{\"week\":\"2026-W49\"}");
    EXPECT_OK(r, "WeeklyReport");
    CHECK_STR(rstr(r, "from"), "2026-11-30");
    CHECK_STR(rstr(r, "to"), "2026-12-06");
    CHECK_INT(rnum(r, "planned.total"), 3);
    CHECK_INT(rnum(r, "planned.done"), 2);
    CHECK_INT(rnum(r, "planned.open"), 1);
    CHECK_INT(rnum(r, "visits"), 2);
    CHECK_INT(rnum(r, "by_method.phone"), 1);
    CHECK_INT(rnum(r, "by_method.onsite"), 1);
    CHECK_INT(rnum(r, "by_kind.routine"), 2);
    CHECK_INT(rnum(r, "issues.quality_info"), 1);
    CHECK_INT(rnum(r, "quality_info_records"), 1);
    CHECK_INT(rnum(r, "avg_satisfaction"), 3);
    /* Overdue as of today (Thursday): nothing is before today and open. */
    CHECK_INT(rnum(r, "overdue_count"), 0);
    cJSON_Delete(r);
    /* The week after, seen from later: A000003's 12-06 visit is overdue. */
    set_clock("2026-12-20T09:00:00+08:00");
    r = call("visits.WeeklyReport", "{\"week\":\"2026-W50\"}");
    CHECK_INT(rnum(r, "visits"), 0);
    CHECK_INT(rnum(r, "overdue_count"), 1);
    CHECK_STR(rstr(r, "overdue_accounts.0.account_id"), "A000003");
    CHECK_STR(rstr(r, "overdue_accounts.0.oldest_due_on"), "2026-12-06");
    CHECK_INT(rnum(r, "overdue_accounts.0.days_overdue"), 8);
    cJSON_Delete(r);
    /* ISO weeks across the year end. */
    r = call("visits.WeeklyReport", "{\"week\":\"2026-W53\"}");
    CHECK_STR(rstr(r, "from"), "2026-12-28");
    CHECK_STR(rstr(r, "to"), "2027-01-03");
    cJSON_Delete(r);
    r = call("visits.WeeklyReport", "{\"week\":\"2025-W53\"}");
    EXPECT_ERR(r, 3, "week", "a week 2025 does not have");
    cJSON_Delete(r);
}

static void test_bad_inputs_change_nothing(void)
{
    static const struct {
        const char *method, *params, *field;
        int code;
    } cases[] = {
        {"visits.Enroll",
         "{\"customer\":{\"id\":\"K1\"},\"project\":{\"name\":\"p\"},"
         "\"delivered_on\":\"2026-01-01\"}",
         "customer.name", 3},
        {"visits.Enroll",
         "{\"customer\":{\"id\":\"K1\",\"name\":\"n\"},\"project\":{\"name\":"
         "\"p\"},\"delivered_on\":\"2026-02-30\"}",
         "delivered_on", 3},
        {"visits.Enroll",
         "{\"customer\":{\"id\":\"K1\",\"name\":\"n\"},\"project\":{\"name\":"
         "\"p\"},\"delivered_on\":\"1960-01-01\"}",
         "delivered_on", 3},
        {"visits.Enroll",
         "{\"customer\":{\"id\":\"K1\",\"name\":\"n\"},\"project\":{\"name\":"
         "\"p\"},\"delivered_on\":\"2026-01-01\",\"plan\":[]}",
         "plan", 3},
        {"visits.Deactivate", "{\"account_id\":\"B000001\"}", "account_id", 3},
        {"visits.Deactivate", "{\"account_id\":\"A999999\"}", "account_id", 5},
        {"visits.Record",
         "{\"account_id\":\"A000001\",\"visited_on\":\"2026-03-02\",\"method\":"
         "\"fax\",\"contact\":\"c\",\"summary\":\"s\"}",
         "method", 3},
        {"visits.Record",
         "{\"account_id\":\"A000001\",\"visited_on\":\"2026-03-03\",\"method\":"
         "\"fax\",\"contact\":\"c\",\"summary\":\"s\"}",
         "method", 3},
        {"visits.Record",
         "{\"account_id\":\"A000001\",\"visited_on\":\"2026-03-03\",\"method\":"
         "\"phone\",\"contact\":\"c\",\"summary\":\"s\"}",
         "visited_on", 3},
        {"visits.Record",
         "{\"account_id\":\"A000001\",\"visited_on\":\"2026-03-02\",\"method\":"
         "\"phone\",\"contact\":\"c\",\"summary\":\"s\",\"satisfaction\":6}",
         "satisfaction", 3},
        {"visits.Record",
         "{\"account_id\":\"A000001\",\"visited_on\":\"2026-03-02\",\"method\":"
         "\"phone\",\"contact\":\"c\",\"summary\":\"s\",\"issues\":[{\"kind\":"
         "\"quality_info\",\"text\":\"t\"}]}",
         "issues[0].departments", 3},
        {"visits.Record",
         "{\"account_id\":\"A000001\",\"visited_on\":\"2026-03-02\",\"method\":"
         "\"phone\",\"contact\":\"c\",\"summary\":\"s\",\"issues\":[{\"kind\":"
         "\"complaint\",\"text\":\"t\",\"severity\":\"huge\"}]}",
         "issues[0].severity", 3},
        {"visits.Record",
         "{\"account_id\":\"A000001\",\"visited_on\":\"2026-03-02\",\"method\":"
         "\"phone\",\"contact\":\"c\",\"summary\":\"s\",\"planned_id\":\"X1234567\"}",
         "planned_id", 3},
        {"visits.Record",
         "{\"account_id\":\"A000404\",\"visited_on\":\"2026-03-02\",\"method\":"
         "\"phone\",\"contact\":\"c\",\"summary\":\"s\"}",
         "account_id", 5},
        {"visits.Schedule",
         "{\"account_id\":\"A000001\",\"due_on\":\"2026-04-01\",\"kind\":"
         "\"party\"}",
         "kind", 3},
        {"visits.ScheduleFollowUp",
         "{\"customer_id\":\"K1\",\"complaint_id\":\"X2026-000001\","
         "\"due_on\":\"2026-04-01\"}",
         "complaint_id", 3},
        {"visits.ScheduleFollowUp",
         "{\"customer_id\":\"\",\"complaint_id\":\"C2026-000001\","
         "\"due_on\":\"2026-04-01\"}",
         "customer_id", 3},
        {"visits.Symposium",
         "{\"held_on\":\"2026-03-01\",\"chair\":\"c\",\"attendees\":[],"
         "\"opinions\":[{\"text\":\"t\",\"departments\":[]}]}",
         "opinions[0].departments", 3},
        {"visits.QualityInfo", "{\"source\":\"s\",\"text\":\"t\",\"departments\":[1]}",
         "departments[0]", 3},
        {"visits.ListQualityInfo", "{\"from\":\"2026-03-02\",\"to\":\"2026-03-01\"}", "to", 3},
        {"visits.AnnualSurvey", "{\"year\":1900}", "year", 3},
        {"visits.Get", "{\"id\":\"hello\"}", "id", 3},
        {"visits.Get", "{\"id\":\"V2026-009999\"}", "id", 5},
        {"visits.Get", "{\"id\":\"P000404\"}", "id", 5},
        {"visits.List", "{\"cursor\":\"x1\"}", "cursor", 3},
        {"visits.List", "{\"limit\":501}", "limit", 3},
        {"visits.Due", "{\"cursor\":\"o12\"}", "cursor", 3},
        {"visits.Due", "{\"window_days\":-1}", "window_days", 3},
        {"visits.Due", "{\"on\":\"2026-13-01\"}", "on", 3},
        {"visits.WeeklyReport", "{\"week\":\"2026-49\"}", "week", 3},
    };
    long long before;
    char *keys_before, *keys_after;

    flush();
    set_clock("2026-03-02T09:00:00+08:00");
    enroll("K1", "2026-01-31", "Service", "王芳");
    before = state_keys();
    keys_before = kh_redis_cli(&redis, "--no-raw KEYS kefu:visit*");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cJSON *r = call(cases[i].method, "%s", cases[i].params);
        if (!KH_EXPECT(r, cases[i].code, cases[i].field, cases[i].method))
            fprintf(stderr, "    (case %zu: %s)\n", i, cases[i].params);
        cJSON_Delete(r);
    }
    CHECK_INT(state_keys(), before);
    keys_after = kh_redis_cli(&redis, "--no-raw KEYS kefu:visit*");
    CHECK(keys_before && keys_after && strlen(keys_before) == strlen(keys_after));
    free(keys_before);
    free(keys_after);
}

static void test_idempotent_record(void)
{
    kefu_call_opts o = {.deadline_ms = 5000, .max_attempts = 1, .idempotency_key = "rec-1"};
    const char *params = "{\"account_id\":\"A000001\",\"visited_on\":\"2026-03-02\",\"method\":"
                         "\"phone\",\"contact\":\"c\",\"summary\":\"s\"}";
    cJSON *a, *b;

    flush();
    set_clock("2026-03-02T09:00:00+08:00");
    enroll("K1", "2026-01-31", "Service", "王芳");
    a = kh_call(svc.addr, "visits.Record", params, &o);
    b = kh_call(svc.addr, "visits.Record", params, &o);
    EXPECT_OK(a, "Record");
    EXPECT_OK(b, "Record replay");
    CHECK_STR(rstr(a, "id"), "V2026-000001");
    CHECK_STR(rstr(b, "id"), "V2026-000001");
    /* Enrolled on 03-02: the next visit was 03-31 (R2), now 04-30. */
    CHECK_STR(next_due("A000001"), "2026-04-30");
    cJSON_Delete(a);
    cJSON_Delete(b);
    o.idempotency_key = "survey-1";
    a = kh_call(svc.addr, "visits.AnnualSurvey", "{\"year\":2026}", &o);
    b = kh_call(svc.addr, "visits.AnnualSurvey", "{\"year\":2026}", &o);
    CHECK_INT(rnum(a, "created"), 1);
    CHECK_INT(rnum(b, "created"), 1); /* the first answer, replayed */
    cJSON_Delete(a);
    cJSON_Delete(b);
}

KEFU_TESTS = {
    {"enroll_plan", test_enroll_plan},
    {"record_advances_plan", test_record_advances_plan},
    {"ten_year_old_account_is_bounded", test_ten_year_old_account_is_bounded},
    {"due_pages_many_accounts", test_due_pages_many_accounts},
    {"followup_once_and_confirmation", test_followup_once_and_confirmation},
    {"schedule_and_deactivate", test_schedule_and_deactivate},
    {"annual_survey_once", test_annual_survey_once},
    {"quality_info_and_symposium", test_quality_info_and_symposium},
    {"complaint_issue", test_complaint_issue},
    {"list_paging", test_list_paging},
    {"weekly_report", test_weekly_report},
    {"bad_inputs_change_nothing", test_bad_inputs_change_nothing},
    {"idempotent_record", test_idempotent_record},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    const char *cextra[] = {"--test-clock", NULL};
    char peer[96];
    int rc;

    if (!kh_redis_start(&redis)) {
        fprintf(stderr, "could not start redis-server\n");
        return 1;
    }
    if (!kh_service_start(&complaints, "complaints", redis.url, cextra)) {
        fprintf(stderr, "could not start kefu-complaints; log: %s\n", complaints.log);
        kh_redis_stop(&redis);
        return 1;
    }
    snprintf(peer, sizeof(peer), "complaints=%s", complaints.addr);
    const char *vextra[] = {"--test-clock", "--peer", peer, NULL};
    if (!kh_service_start(&svc, "visits", redis.url, vextra)) {
        fprintf(stderr, "could not start kefu-visits; log: %s\n", svc.log);
        kh_service_stop(&complaints);
        kh_redis_stop(&redis);
        return 1;
    }
    rc = kefu_test_main(argc, argv);
    if (kh_service_stop(&svc) != 0 || kh_service_stop(&complaints) != 0)
        rc = 1;
    kh_redis_stop(&redis);
    return rc;
}
