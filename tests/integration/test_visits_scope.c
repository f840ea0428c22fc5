/*
 * integration.visits_scope - SPEC section 7 for the visits service: a staff
 * token sees and changes only accounts, visits and quality information of
 * its departments (an account's `department`; quality information by the
 * departments it was passed to or came from); anything else is NOT_FOUND in
 * every method, and lists and reports leave it out. Auditors read
 * everything and change nothing; ScheduleFollowUp and AnnualSurvey are for
 * the system and admin roles.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "json.h"
#include "test.h"

static kh_redis redis;
static kh_service svc;
static char tokens_path[64];

#define TOK_ADMIN   "tok-visits-admin-51ab"
#define TOK_AUDITOR "tok-visits-auditor-7d02"
#define TOK_QA      "tok-visits-qa-c9e4"
#define TOK_SALES   "tok-visits-sales-1f6b"
#define TOK_SYSTEM  "tok-visits-system-a3d8"

/* A call as `token` with params from printf. */
#define call_as(tok, method, ...)                                                                  \
    kh_callf(svc.addr, &(kefu_call_opts){.token = (tok), .deadline_ms = 10000, .max_attempts = 1}, \
             (method), __VA_ARGS__)

#define EXPECT_CODE(r, code, what) KH_EXPECT((r), (code), NULL, (what))

/* Calls and checks the code, discarding the reply. */
#define EXPECT_CALL(code, token, method, ...)                                                      \
    KH_EXPECT_FREE(call_as((token), (method), __VA_ARGS__), (code), NULL, (method))

static int items(const cJSON *r)
{
    return cJSON_GetArraySize(kefu_json_get(kh_result(r), "items"));
}

static long long state_keys(void)
{
    char *out = kh_redis_cli(&redis, "EVAL \"return #redis.call('KEYS','*') - "
                                     "#redis.call('KEYS','kefu:idem:*')\" 0");
    long long n = out ? atoll(out) : -1;
    free(out);
    return n;
}

static const char *record_fmt = "{\"account_id\":\"%s\",\"visited_on\":\"2026-03-02\",\"method\":"
                                "\"phone\",\"contact\":\"李雷\",\"summary\":\"正常\"}";

/* Admin: A000001 (QA), A000002 (Sales), a visit each, quality info each. */
static void setup(void)
{
    free(kh_redis_cli(&redis, "FLUSHALL"));
    EXPECT_CALL(0, TOK_ADMIN, "sys.SetClock", "{\"now\":\"2026-02-01T09:00:00+08:00\"}");
    EXPECT_CALL(0, TOK_ADMIN, "visits.Enroll",
                "{\"customer\":{\"id\":\"K1\",\"name\":\"甲\"},\"project\":{\"name\":\"p1\"},"
                "\"delivered_on\":\"2026-01-31\",\"department\":\"QA\"}");
    EXPECT_CALL(0, TOK_ADMIN, "visits.Enroll",
                "{\"customer\":{\"id\":\"K2\",\"name\":\"乙\"},\"project\":{\"name\":\"p2\"},"
                "\"delivered_on\":\"2026-01-31\",\"department\":\"Sales\"}");
    EXPECT_CALL(0, TOK_ADMIN, "sys.SetClock", "{\"now\":\"2026-03-02T09:00:00+08:00\"}");
    EXPECT_CALL(0, TOK_ADMIN, "visits.Record", record_fmt, "A000001"); /* V...1 */
    EXPECT_CALL(0, TOK_ADMIN, "visits.Record", record_fmt, "A000002"); /* V...2 */
    EXPECT_CALL(0, TOK_ADMIN, "visits.QualityInfo",
                "{\"source\":\"s\",\"text\":\"t\",\"departments\":[\"QA\"]}"); /* Q...1 */
    EXPECT_CALL(0, TOK_ADMIN, "visits.QualityInfo",
                "{\"source\":\"s\",\"text\":\"t\",\"departments\":[\"Sales\"]}"); /* Q...2 */
    EXPECT_CALL(0, TOK_ADMIN, "visits.Schedule",
                "{\"account_id\":\"A000002\",\"due_on\":\"2026-03-03\",\"kind\":\"survey\"}");
}

static void test_staff_sees_only_own_departments(void)
{
    long long keys;
    cJSON *r;

    setup();
    keys = state_keys();
    /* Reads of the other department's records: NOT_FOUND. */
    EXPECT_CALL(0, TOK_QA, "visits.Get", "{\"id\":\"A000001\"}");
    EXPECT_CALL(5, TOK_QA, "visits.Get", "{\"id\":\"A000002\"}");
    EXPECT_CALL(0, TOK_QA, "visits.Get", "{\"id\":\"V2026-000001\"}");
    EXPECT_CALL(5, TOK_QA, "visits.Get", "{\"id\":\"V2026-000002\"}");
    EXPECT_CALL(0, TOK_QA, "visits.Get", "{\"id\":\"Q2026-000001\"}");
    EXPECT_CALL(5, TOK_QA, "visits.Get", "{\"id\":\"Q2026-000002\"}");
    EXPECT_CALL(5, TOK_QA, "visits.Get", "{\"id\":\"P000001\"}");
    EXPECT_CALL(5, TOK_QA, "visits.Get", "{\"id\":\"A000002-R3\"}");
    EXPECT_CALL(5, TOK_QA, "visits.List", "{\"account_id\":\"A000002\"}");
    /* Changes to them: NOT_FOUND, nothing written. */
    EXPECT_CALL(5, TOK_QA, "visits.Record", record_fmt, "A000002");
    EXPECT_CALL(5, TOK_QA, "visits.Deactivate", "{\"account_id\":\"A000002\"}");
    EXPECT_CALL(5, TOK_QA, "visits.Schedule",
                "{\"account_id\":\"A000002\",\"due_on\":\"2026-04-01\",\"kind\":\"routine\"}");
    CHECK_INT(state_keys(), keys);
    /* Lists and reports leave them out. */
    r = call_as(TOK_QA, "visits.Due", "{\"window_days\":60}");
    CHECK_INT(items(r), 1);
    CHECK_STR(
        kh_path_str(cJSON_GetArrayItem(kefu_json_get(kh_result(r), "items"), 0), "account_id"),
        "A000001");
    cJSON_Delete(r);
    r = call_as(TOK_QA, "visits.Due", "{\"window_days\":60,\"department\":\"Sales\"}");
    CHECK_INT(items(r), 0);
    cJSON_Delete(r);
    r = call_as(TOK_QA, "visits.List", "{}");
    CHECK_INT(items(r), 1);
    cJSON_Delete(r);
    r = call_as(TOK_QA, "visits.List", "{\"customer_id\":\"K2\"}");
    CHECK_INT(items(r), 0);
    cJSON_Delete(r);
    r = call_as(TOK_QA, "visits.ListQualityInfo", "{}");
    CHECK_INT(items(r), 1);
    cJSON_Delete(r);
    r = call_as(TOK_QA, "visits.WeeklyReport", "{\"week\":\"2026-W10\"}");
    CHECK_INT(kh_path_int(kh_result(r), "visits"), 1);
    CHECK_INT(kh_path_int(kh_result(r), "quality_info_records"), 1);
    cJSON_Delete(r);
    r = call_as(TOK_ADMIN, "visits.WeeklyReport", "{\"week\":\"2026-W10\"}");
    CHECK_INT(kh_path_int(kh_result(r), "visits"), 2);
    cJSON_Delete(r);
    /* Their own: allowed. */
    EXPECT_CALL(0, TOK_QA, "visits.Record", record_fmt, "A000001");
    EXPECT_CALL(0, TOK_SALES, "visits.Record", record_fmt, "A000002");
    /* Enrolling: in their departments only; by default their first. */
    EXPECT_CALL(7, TOK_QA, "visits.Enroll",
                "{\"customer\":{\"id\":\"K3\",\"name\":\"丙\"},\"project\":{\"name\":\"p\"},"
                "\"delivered_on\":\"2026-01-31\",\"department\":\"Sales\"}");
    r = call_as(TOK_QA, "visits.Enroll",
                "{\"customer\":{\"id\":\"K3\",\"name\":\"丙\"},\"project\":{\"name\":\"p\"},"
                "\"delivered_on\":\"2026-01-31\"}");
    EXPECT_CODE(r, 0, "staff Enroll");
    CHECK_STR(kh_str(r, "department"), "QA");
    cJSON_Delete(r);
    /* Quality information passed to another department: allowed (that is
     * its purpose), reported from their own. */
    r = call_as(TOK_QA, "visits.QualityInfo",
                "{\"source\":\"s\",\"text\":\"t\",\"departments\":[\"Production\"]}");
    EXPECT_CODE(r, 0, "staff QualityInfo");
    CHECK_STR(kh_str(r, "from_department"), "QA");
    cJSON_Delete(r);
    EXPECT_CALL(7, TOK_QA, "visits.QualityInfo",
                "{\"source\":\"s\",\"text\":\"t\",\"departments\":[\"QA\"],\"department\":"
                "\"Sales\"}");
    EXPECT_CALL(0, TOK_QA, "visits.Symposium",
                "{\"held_on\":\"2026-03-01\",\"chair\":\"c\",\"attendees\":[],\"opinions\":[]}");
    /* System-only methods. */
    EXPECT_CALL(7, TOK_QA, "visits.ScheduleFollowUp",
                "{\"customer_id\":\"K1\",\"complaint_id\":\"C2026-000001\",\"due_on\":"
                "\"2026-03-05\"}");
    EXPECT_CALL(7, TOK_QA, "visits.AnnualSurvey", "{\"year\":2026}");
    EXPECT_CALL(0, TOK_SYSTEM, "visits.ScheduleFollowUp",
                "{\"customer_id\":\"K1\",\"complaint_id\":\"C2026-000001\",\"due_on\":"
                "\"2026-03-05\"}");
    EXPECT_CALL(0, TOK_SYSTEM, "visits.AnnualSurvey", "{\"year\":2026}");
    EXPECT_CALL(16, NULL, "visits.Due", "{}");
}

static void test_auditor_reads_all_changes_nothing(void)
{
    long long keys;

    setup();
    keys = state_keys();
    EXPECT_CALL(0, TOK_AUDITOR, "visits.Get", "{\"id\":\"A000002\"}");
    EXPECT_CALL(0, TOK_AUDITOR, "visits.Get", "{\"id\":\"V2026-000002\"}");
    EXPECT_CALL(0, TOK_AUDITOR, "visits.Get", "{\"id\":\"Q2026-000002\"}");
    EXPECT_CALL(0, TOK_AUDITOR, "visits.Due", "{}");
    EXPECT_CALL(0, TOK_AUDITOR, "visits.List", "{}");
    EXPECT_CALL(0, TOK_AUDITOR, "visits.ListQualityInfo", "{}");
    EXPECT_CALL(0, TOK_AUDITOR, "visits.WeeklyReport", "{\"week\":\"2026-W10\"}");
    EXPECT_CALL(7, TOK_AUDITOR, "visits.Enroll",
                "{\"customer\":{\"id\":\"K3\",\"name\":\"丙\"},\"project\":{\"name\":\"p\"},"
                "\"delivered_on\":\"2026-01-31\"}");
    EXPECT_CALL(7, TOK_AUDITOR, "visits.Record", record_fmt, "A000001");
    EXPECT_CALL(7, TOK_AUDITOR, "visits.Deactivate", "{\"account_id\":\"A000001\"}");
    EXPECT_CALL(7, TOK_AUDITOR, "visits.Schedule",
                "{\"account_id\":\"A000001\",\"due_on\":\"2026-04-01\",\"kind\":\"routine\"}");
    EXPECT_CALL(7, TOK_AUDITOR, "visits.ScheduleFollowUp",
                "{\"customer_id\":\"K1\",\"complaint_id\":\"C2026-000001\",\"due_on\":"
                "\"2026-03-05\"}");
    EXPECT_CALL(7, TOK_AUDITOR, "visits.Symposium",
                "{\"held_on\":\"2026-03-01\",\"chair\":\"c\",\"attendees\":[],\"opinions\":[]}");
    EXPECT_CALL(7, TOK_AUDITOR, "visits.QualityInfo",
                "{\"source\":\"s\",\"text\":\"t\",\"departments\":[\"QA\"]}");
    EXPECT_CALL(7, TOK_AUDITOR, "visits.AnnualSurvey", "{\"year\":2026}");
    CHECK_INT(state_keys(), keys);
}

KEFU_TESTS = {
    {"staff_sees_only_own_departments", test_staff_sees_only_own_departments},
    {"auditor_reads_all_changes_nothing", test_auditor_reads_all_changes_nothing},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    static const kh_token tokens[] = {
        {"admin-desk", TOK_ADMIN, "admin", NULL},
        {"auditor", TOK_AUDITOR, "auditor", NULL},
        {"qa-desk", TOK_QA, "staff", "[\"QA\"]"},
        {"sales-desk", TOK_SALES, "staff", "[\"Sales\"]"},
        {"complaints-svc", TOK_SYSTEM, "system", NULL},
    };
    const char *extra[] = {"--tokens", tokens_path, "--test-clock", NULL};
    int rc;

    if (!kh_write_tokens_temp(tokens_path, sizeof(tokens_path), "kefu-visits-tokens", tokens, 5))
        return 1;
    rc = kh_suite_main(argc, argv, &redis, &svc, "visits", extra);
    unlink(tokens_path);
    return rc;
}
