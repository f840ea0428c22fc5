/*
 * integration.visits_regress - regressions of the visits service found in
 * review, each over real sockets against a real Redis:
 *   H1-H4  only visits.ScheduleFollowUp binds a planned visit to a complaint;
 *          a staff member's Schedule of a `followup` keeps `ref` as a note,
 *          never takes over the complaint's follow-up, never reveals it, and
 *          its Record confirms nothing.
 *   M1     a symposium with 100 opinions (the schema's maximum).
 *   M2     Due and List for staff of several departments (and List of a
 *          customer) never hand out a cursor taken from another department's
 *          item, nor one when only such items remain.
 *   M3     WeeklyReport says rows_truncated when it read fewer visits than the
 *          week has.
 *   L1     Record naming a routine visit already closed: FAILED_PRECONDITION.
 *   L2     AnnualSurvey of a past year: INVALID_ARGUMENT `year`.
 *   L3     integer customer ids of 16 digits keep every digit.
 *   L4     ScheduleFollowUp prefers an enrolled account to a follow-up-only one.
 *   L5     Record without planned_id never closes (nor confirms) a complaint's
 *          follow-up.
 * The complaints peer is an address nothing listens on: outbox entries stay
 * pending, where the tests count them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "json.h"
#include "test.h"
#include "timeutil.h"

static kh_redis redis;
static kh_service svc;
static char tokens_path[64];

#define TOK_ADMIN  "tok-vreg-admin-3c1e"
#define TOK_SYSTEM "tok-vreg-system-90fa"
#define TOK_QA     "tok-vreg-qa-5b27"
#define TOK_SALES  "tok-vreg-sales-e4d0"
#define TOK_MULTI  "tok-vreg-multi-71a9" /* staff of QA and Service */

#define call_as(tok, method, ...)                                                                  \
    kh_callf(svc.addr, &(kefu_call_opts){.token = (tok), .deadline_ms = 10000, .max_attempts = 1}, \
             (method), __VA_ARGS__)

#define EXPECT_CALL(code, token, method, ...)                                                      \
    KH_EXPECT_FREE(call_as((token), (method), __VA_ARGS__), (code), NULL, (method))

static const char *record_fmt = "{\"account_id\":\"%s\",\"visited_on\":\"%s\",\"method\":"
                                "\"phone\",\"contact\":\"李雷\",\"summary\":\"回访\"%s}";

static void start(const char *now)
{
    kh_redis_flush(&redis);
    EXPECT_CALL(0, TOK_ADMIN, "sys.SetClock", "{\"now\":\"%s\"}", now);
}

static void enroll(const char *customer, const char *delivered, const char *dept)
{
    EXPECT_CALL(0, TOK_ADMIN, "visits.Enroll",
                "{\"customer\":{\"id\":%s,\"name\":\"客户\"},\"project\":{\"name\":\"p\"},"
                "\"delivered_on\":\"%s\",\"department\":\"%s\"}",
                customer, delivered, dept);
}

static int items(const cJSON *r)
{
    return cJSON_GetArraySize(kefu_json_get(kh_result(r), "items"));
}

static bool null_cursor(const cJSON *r)
{
    return cJSON_IsNull(kh_path(kh_result(r), "next_cursor"));
}

/* Outbox entries of the visits service asking `method`. */
static long outbox_count(const char *method)
{
    char args[400];
    snprintf(args, sizeof(args),
             "EVAL \"local n = 0 for _, k in ipairs(redis.call('KEYS', "
             "'kefu:outbox:visits:e:*')) do if redis.call('HGET', k, 'method') == '%s' then "
             "n = n + 1 end end return n\" 0",
             method);
    return kh_redis_int(&redis, args);
}

/* H1, H2, H3, H4. */
static void test_staff_followup_binds_no_complaint(void)
{
    cJSON *r;

    start("2026-03-02T09:00:00+08:00");
    enroll("\"K1\"", "2026-02-15", "QA");    /* A000001, routine due 03-15 */
    enroll("\"K2\"", "2026-02-15", "Sales"); /* A000002 */
    /* Sales' complaint C2026-000001 has its follow-up P000001 on A000002. */
    r = call_as(TOK_SYSTEM, "visits.ScheduleFollowUp",
                "{\"customer_id\":\"K2\",\"complaint_id\":\"C2026-000001\",\"due_on\":"
                "\"2026-03-05\"}");
    KH_EXPECT_OK(r, "ScheduleFollowUp");
    CHECK_STR(kh_str(r, "id"), "P000001");
    CHECK_STR(kh_str(r, "complaint_id"), "C2026-000001");
    cJSON_Delete(r);

    /* H3: QA naming that complaint in a Schedule learns nothing about it. */
    r = call_as(TOK_QA, "visits.Schedule",
                "{\"account_id\":\"A000001\",\"due_on\":\"2026-03-03\",\"kind\":\"followup\","
                "\"ref\":\"C2026-000001\"}");
    KH_EXPECT_OK(r, "staff Schedule naming another department's complaint");
    CHECK(strstr(kh_message(r), "P000001") == NULL);
    CHECK_STR(kh_str(r, "id"), "P000002");
    CHECK_STR(kh_str(r, "ref"), "C2026-000001");
    CHECK(cJSON_IsNull(kh_path(kh_result(r), "complaint_id")));
    cJSON_Delete(r);

    /* H2: a staff follow-up naming a complaint that has none yet does not take
     * the complaint's place: ScheduleFollowUp still makes the real one, on
     * the complaint's customer. */
    r = call_as(TOK_QA, "visits.Schedule",
                "{\"account_id\":\"A000001\",\"due_on\":\"2026-03-04\",\"kind\":\"followup\","
                "\"ref\":\"C2026-000002\"}");
    KH_EXPECT_OK(r, "staff Schedule naming a complaint without a follow-up");
    CHECK_STR(kh_str(r, "id"), "P000003");
    cJSON_Delete(r);
    CHECK_INT(kh_redis_int(&redis, "EXISTS kefu:visits:followup:C2026-000002"), 0);
    r = call_as(TOK_SYSTEM, "visits.ScheduleFollowUp",
                "{\"customer_id\":\"K2\",\"complaint_id\":\"C2026-000002\",\"due_on\":"
                "\"2026-03-06\"}");
    KH_EXPECT_OK(r, "ScheduleFollowUp after a staff follow-up");
    CHECK_STR(kh_str(r, "id"), "P000004");
    CHECK_STR(kh_str(r, "account_id"), "A000002");
    CHECK_STR(kh_str(r, "complaint_id"), "C2026-000002");
    cJSON_Delete(r);

    /* H4: a ref that only looks like a complaint id binds nothing either. */
    r = call_as(TOK_QA, "visits.Schedule",
                "{\"account_id\":\"A000001\",\"due_on\":\"2026-03-04\",\"kind\":\"followup\","
                "\"ref\":\"C2026-1\"}");
    KH_EXPECT_OK(r, "staff Schedule with a malformed complaint id");
    CHECK_STR(kh_str(r, "id"), "P000005");
    cJSON_Delete(r);

    /* H1: recording the staff follow-ups with satisfaction confirms nothing. */
    for (int i = 0; i < 3; i++) {
        static const char *const pids[] = {"P000002", "P000003", "P000005"};
        char extra[80];
        snprintf(extra, sizeof(extra), ",\"satisfaction\":5,\"planned_id\":\"%s\"", pids[i]);
        r = call_as(TOK_QA, "visits.Record", record_fmt, "A000001", "2026-03-02", extra);
        KH_EXPECT_OK(r, "Record a staff follow-up");
        CHECK_STR(kh_str(r, "planned.id"), pids[i]);
        CHECK(cJSON_IsNull(kh_path(kh_result(r), "confirmation")));
        cJSON_Delete(r);
    }
    CHECK_INT(outbox_count("complaints.Confirm"), 0);
    /* The complaint's own follow-up, recorded by its department, does. */
    r = call_as(TOK_SALES, "visits.Record", record_fmt, "A000002", "2026-03-02",
                ",\"satisfaction\":4,\"planned_id\":\"P000001\"");
    KH_EXPECT_OK(r, "Record the complaint's follow-up");
    CHECK_STR(kh_str(r, "confirmation.complaint_id"), "C2026-000001");
    cJSON_Delete(r);
    CHECK_INT(outbox_count("complaints.Confirm"), 1);
}

/* M1: 100 opinions and 100 attendees. */
static void test_symposium_hundred_opinions(void)
{
    enum { N = 100 };
    static char params[N * 80 + N * 16 + 256];
    size_t n = 0;
    cJSON *r;

    start("2026-03-02T09:00:00+08:00");
    n += (size_t)snprintf(params + n, sizeof(params) - n,
                          "{\"held_on\":\"2026-03-01\",\"chair\":\"张总\",\"attendees\":[");
    for (int i = 0; i < N; i++)
        n += (size_t)snprintf(params + n, sizeof(params) - n, "%s\"a%d\"", i ? "," : "", i);
    n += (size_t)snprintf(params + n, sizeof(params) - n, "],\"opinions\":[");
    for (int i = 0; i < N; i++)
        n += (size_t)snprintf(params + n, sizeof(params) - n,
                              "%s{\"customer_id\":\"K%d\",\"text\":\"意见%d\",\"departments\":["
                              "\"QA\"]}",
                              i ? "," : "", i, i);
    snprintf(params + n, sizeof(params) - n, "]}");
    r = call_as(TOK_ADMIN, "visits.Symposium", "%s", params);
    KH_EXPECT_OK(r, "Symposium with 100 opinions");
    CHECK_INT(cJSON_GetArraySize(kh_path(kh_result(r), "opinions")), N);
    CHECK_STR(kh_str(r, "opinions.99.quality_info_id"), "Q2026-000100");
    CHECK_STR(kh_str(r, "opinions.99.customer_id"), "K99");
    cJSON_Delete(r);
}

/* Pages through visits.Due (or List) as `token`; returns the ids in order
 * (a comma-separated list) and the page count. */
static int page_all(const char *token, const char *method, const char *filter, int limit, char *out,
                    size_t cap)
{
    char cursor[64] = "";
    int pages = 0;

    out[0] = '\0';
    for (;;) {
        char cur[96] = "";
        const cJSON *it, *next;
        cJSON *r;

        if (cursor[0])
            snprintf(cur, sizeof(cur), ",\"cursor\":\"%s\"", cursor);
        r = call_as(token, method, "{\"limit\":%d%s%s}", limit, filter, cur);
        KH_EXPECT_OK(r, method);
        cJSON_ArrayForEach(it, kefu_json_get(kh_result(r), "items"))
        {
            size_t len = strlen(out);
            snprintf(out + len, cap - len, "%s%s", len ? "," : "", kefu_json_str(it, "id"));
        }
        pages++;
        next = kh_path(kh_result(r), "next_cursor");
        if (!cJSON_IsString(next) || pages > 20) {
            cJSON_Delete(r);
            return pages;
        }
        snprintf(cursor, sizeof(cursor), "%s", next->valuestring);
        cJSON_Delete(r);
    }
}

/* M2, Due. */
static void test_due_several_departments(void)
{
    char ids[512];
    cJSON *r;

    start("2026-03-02T09:00:00+08:00");
    enroll("\"KS\"", "2026-01-31", "Sales");   /* A000001: R2 due 03-31 */
    enroll("\"KQ\"", "2026-02-15", "QA");      /* A000002: R1 due 03-15 */
    enroll("\"KV\"", "2026-02-10", "Service"); /* A000003: R1 due 03-10 */
    /* More Sales visits due first than Due examines at a time. */
    for (int i = 0; i < 2100; i++)
        EXPECT_CALL(0, TOK_ADMIN, "visits.Schedule",
                    "{\"account_id\":\"A000001\",\"due_on\":\"2026-03-03\",\"kind\":\"routine\"}");
    r = call_as(TOK_MULTI, "visits.Due", "{\"window_days\":60}");
    KH_EXPECT_OK(r, "Due for QA and Service");
    CHECK_INT(items(r), 2);
    CHECK_STR(kh_str(r, "items.0.id"), "A000003-R1");
    CHECK_STR(kh_str(r, "items.1.id"), "A000002-R1");
    CHECK(null_cursor(r));
    cJSON_Delete(r);
    /* Only Sales items left after the last visible one: no cursor. */
    r = call_as(TOK_MULTI, "visits.Due", "{\"window_days\":60,\"limit\":2}");
    CHECK_INT(items(r), 2);
    CHECK(null_cursor(r));
    cJSON_Delete(r);
    /* Both departments interleaved, paged two at a time: every item once, by
     * due date. */
    EXPECT_CALL(0, TOK_ADMIN, "visits.Schedule",
                "{\"account_id\":\"A000002\",\"due_on\":\"2026-03-04\",\"kind\":\"survey\"}");
    EXPECT_CALL(0, TOK_ADMIN, "visits.Schedule",
                "{\"account_id\":\"A000003\",\"due_on\":\"2026-03-05\",\"kind\":\"survey\"}");
    EXPECT_CALL(0, TOK_ADMIN, "visits.Schedule",
                "{\"account_id\":\"A000002\",\"due_on\":\"2026-03-06\",\"kind\":\"survey\"}");
    EXPECT_CALL(0, TOK_ADMIN, "visits.Schedule",
                "{\"account_id\":\"A000003\",\"due_on\":\"2026-03-07\",\"kind\":\"survey\"}");
    CHECK_INT(page_all(TOK_MULTI, "visits.Due", ",\"window_days\":60", 2, ids, sizeof(ids)), 3);
    CHECK_STR(ids, "P002101,P002102,P002103,P002104,A000003-R1,A000002-R1");
    /* The filter on one department and the all-department view still page. */
    CHECK_INT(page_all(TOK_MULTI, "visits.Due", ",\"window_days\":60,\"department\":\"QA\"", 1, ids,
                       sizeof(ids)),
              3);
    CHECK_STR(ids, "P002101,P002103,A000002-R1");
    r = call_as(TOK_MULTI, "visits.Due", "{\"window_days\":60,\"department\":\"Sales\"}");
    CHECK_INT(items(r), 0);
    CHECK(null_cursor(r));
    cJSON_Delete(r);
    r = call_as(TOK_ADMIN, "visits.Due", "{\"window_days\":60,\"limit\":500}");
    CHECK_INT(items(r), 500);
    CHECK(!null_cursor(r));
    cJSON_Delete(r);
}

/* M2, List. */
static void test_list_several_departments(void)
{
    char ids[512];
    cJSON *r;

    start("2026-03-02T09:00:00+08:00");
    enroll("\"KX\"", "2026-01-31", "QA");      /* A000001 */
    enroll("\"KX\"", "2026-01-31", "Sales");   /* A000002, the same customer */
    enroll("\"KY\"", "2026-01-31", "Service"); /* A000003 */
    EXPECT_CALL(0, TOK_ADMIN, "visits.Record", record_fmt, "A000001", "2026-03-01", "");
    /* More newer Sales visits than List examines at a time. */
    for (int i = 0; i < 1001; i++)
        EXPECT_CALL(0, TOK_ADMIN, "visits.Record", record_fmt, "A000002", "2026-03-01", "");
    r = call_as(TOK_MULTI, "visits.List", "{}");
    KH_EXPECT_OK(r, "List for QA and Service");
    CHECK_INT(items(r), 1);
    CHECK_STR(kh_str(r, "items.0.id"), "V2026-000001");
    CHECK(null_cursor(r));
    cJSON_Delete(r);
    r = call_as(TOK_QA, "visits.List", "{\"customer_id\":\"KX\"}");
    KH_EXPECT_OK(r, "List of a customer with accounts in two departments");
    CHECK_INT(items(r), 1);
    CHECK(null_cursor(r));
    cJSON_Delete(r);
    r = call_as(TOK_SALES, "visits.List", "{\"customer_id\":\"KX\",\"limit\":500}");
    CHECK_INT(items(r), 500);
    CHECK(!null_cursor(r));
    cJSON_Delete(r);
    /* QA and Service interleaved, paged two at a time, newest first. */
    EXPECT_CALL(0, TOK_ADMIN, "visits.Record", record_fmt, "A000003", "2026-03-01", "");
    EXPECT_CALL(0, TOK_ADMIN, "visits.Record", record_fmt, "A000001", "2026-03-02", "");
    EXPECT_CALL(0, TOK_ADMIN, "visits.Record", record_fmt, "A000003", "2026-03-02", "");
    CHECK_INT(page_all(TOK_MULTI, "visits.List", "", 2, ids, sizeof(ids)), 2);
    CHECK_STR(ids, "V2026-001005,V2026-001004,V2026-001003,V2026-000001");
    /* (The last page may come back empty: a filter, not a leak.) */
    CHECK(page_all(TOK_MULTI, "visits.List", ",\"from\":\"2026-03-02\"", 1, ids, sizeof(ids)) <= 3);
    CHECK_STR(ids, "V2026-001005,V2026-001004");
}

/* ListQualityInfo for staff pages only over what they may see (passed to or
 * reported by one of their departments): no cursor out of another
 * department's records, each record once. */
static void test_list_quality_info_several_departments(void)
{
    static const char qi_fmt[] =
        "{\"source\":\"hotline\",\"text\":\"%s\",\"departments\":[%s],\"department\":\"%s\"}";
    char ids[512];
    cJSON *r;

    start("2026-03-02T09:00:00+08:00");
    for (int i = 0; i < 1001; i++)
        EXPECT_CALL(0, TOK_ADMIN, "visits.QualityInfo", qi_fmt, "Sales only", "\"Sales\"", "Sales");
    EXPECT_CALL(0, TOK_ADMIN, "visits.QualityInfo", qi_fmt, "to QA", "\"QA\",\"Sales\"", "Sales");
    EXPECT_CALL(0, TOK_ADMIN, "visits.QualityInfo", qi_fmt, "from Service", "\"Sales\"", "Service");
    for (int i = 0; i < 1001; i++)
        EXPECT_CALL(0, TOK_ADMIN, "visits.QualityInfo", qi_fmt, "Sales again", "\"Sales\"",
                    "Sales");
    r = call_as(TOK_MULTI, "visits.ListQualityInfo", "{}");
    KH_EXPECT_OK(r, "ListQualityInfo for QA and Service");
    CHECK_INT(items(r), 2);
    CHECK_STR(kh_str(r, "items.0.text"), "from Service");
    CHECK_STR(kh_str(r, "items.1.text"), "to QA");
    CHECK(null_cursor(r));
    cJSON_Delete(r);
    r = call_as(TOK_MULTI, "visits.ListQualityInfo", "{\"department\":\"Sales\"}");
    CHECK_INT(items(r), 2); /* both are visible to them, and were passed to Sales */
    CHECK(null_cursor(r));
    cJSON_Delete(r);
    CHECK_INT(page_all(TOK_MULTI, "visits.ListQualityInfo", "", 1, ids, sizeof(ids)), 2);
    r = call_as(TOK_QA, "visits.ListQualityInfo", "{}");
    CHECK_INT(items(r), 1);
    CHECK_STR(kh_str(r, "items.0.text"), "to QA");
    CHECK(null_cursor(r));
    cJSON_Delete(r);
}

/* Writes visits V2026-<from..to> of day number `day` directly: the report
 * reads the day index and four fields of each. */
static void fake_visits(int from, int to, long long day)
{
    char cmd[700];

    snprintf(cmd, sizeof(cmd),
             "EVAL \"for i = tonumber(ARGV[1]), tonumber(ARGV[2]) do "
             "local id = string.format('V2026-%%06d', i) "
             "redis.call('HSET', 'kefu:visit:' .. id, 'method', cjson.encode('phone'), "
             "'_kind', '', 'satisfaction', 'null', '_issues', '0', '_dept', 'QA') "
             "redis.call('ZADD', 'kefu:visits:idx:day', tonumber(ARGV[3]) * 4294967296 + i, id) "
             "end return 1\" 0 %d %d %lld",
             from, to, day);
    CHECK_INT(kh_redis_int(&redis, cmd), 1);
}

/* M3: a week with more visits than a report reads. */
static void test_weekly_report_truncated(void)
{
    long long day = kefu_date_to_days((kefu_date){2026, 3, 3});
    cJSON *r;

    start("2026-03-09T09:00:00+08:00");
    fake_visits(1, 5000, day); /* week 2026-W10 */
    r = call_as(TOK_ADMIN, "visits.WeeklyReport", "{\"week\":\"2026-W10\"}");
    KH_EXPECT_OK(r, "WeeklyReport of 5000 visits");
    CHECK_INT(kh_path_int(kh_result(r), "visits"), 5000);
    CHECK(cJSON_IsFalse(kh_path(kh_result(r), "rows_truncated")));
    cJSON_Delete(r);
    fake_visits(5001, 5001, day);
    r = call_as(TOK_ADMIN, "visits.WeeklyReport", "{\"week\":\"2026-W10\"}");
    KH_EXPECT_OK(r, "WeeklyReport of 5001 visits");
    CHECK_INT(kh_path_int(kh_result(r), "visits"), 5000);
    CHECK(cJSON_IsTrue(kh_path(kh_result(r), "rows_truncated")));
    cJSON_Delete(r);
}

/* L1 */
static void test_record_closed_routine_visit(void)
{
    cJSON *r;

    start("2026-03-02T09:00:00+08:00");
    enroll("\"K1\"", "2026-01-31", "QA"); /* R2 due 03-31 */
    r = call_as(TOK_QA, "visits.Record", record_fmt, "A000001", "2026-03-02", "");
    CHECK_STR(kh_str(r, "planned.id"), "A000001-R2");
    cJSON_Delete(r);
    r = call_as(TOK_QA, "visits.Record", record_fmt, "A000001", "2026-03-02",
                ",\"planned_id\":\"A000001-R2\"");
    KH_EXPECT(r, 9, "planned_id", "Record a closed routine visit");
    CHECK(strstr(kh_message(r), "closed") != NULL);
    cJSON_Delete(r);
    /* Another account's routine visit stays NOT_FOUND. */
    r = call_as(TOK_QA, "visits.Record", record_fmt, "A000001", "2026-03-02",
                ",\"planned_id\":\"A000002-R1\"");
    KH_EXPECT(r, 5, "planned_id", "Record another account's routine visit");
    cJSON_Delete(r);
}

/* L2 */
static void test_annual_survey_past_year(void)
{
    long long keys;

    start("2026-03-02T09:00:00+08:00");
    enroll("\"K1\"", "2025-06-15", "QA");
    keys = kh_redis_int(&redis, "EVAL \"return #redis.call('KEYS', 'kefu:visit*')\" 0");
    KH_EXPECT_FREE(call_as(TOK_SYSTEM, "visits.AnnualSurvey", "{\"year\":2025}"), 3, "year",
                   "AnnualSurvey of a past year");
    CHECK_INT(kh_redis_int(&redis, "EVAL \"return #redis.call('KEYS', 'kefu:visit*')\" 0"), keys);
    EXPECT_CALL(0, TOK_SYSTEM, "visits.AnnualSurvey", "{\"year\":2026}");
    /* Asked for in mid-December: due from today, not overdue at once. */
    start("2026-12-10T09:00:00+08:00");
    enroll("\"K1\"", "2025-06-15", "QA");
    {
        cJSON *r = call_as(TOK_SYSTEM, "visits.AnnualSurvey", "{\"year\":2026}");
        KH_EXPECT_OK(r, "AnnualSurvey in December");
        CHECK_STR(kh_str(r, "due_on"), "2026-12-10");
        cJSON_Delete(r);
    }
    KH_EXPECT_FREE(
        call_as(TOK_SYSTEM, "visits.AnnualSurvey", "{\"year\":2027,\"due_on\":\"2027-12-02\"}"), 0,
        NULL, "AnnualSurvey of next year on a December day");
    KH_EXPECT_FREE(
        call_as(TOK_SYSTEM, "visits.AnnualSurvey", "{\"year\":2026,\"due_on\":\"2026-12-02\"}"), 3,
        "due_on", "AnnualSurvey due on a day already past");
}

/*
 * A call as `token` sent as written: the client library would re-encode the
 * params with cJSON, which prints numbers with 15 significant digits, so
 * 16-digit ids must go over the wire by hand.
 */
static cJSON *raw_call(const char *token, const char *method, const char *params)
{
    char req[2048], *text;
    cJSON *reply;

    snprintf(req, sizeof(req),
             "{\"id\":\"1\",\"method\":\"%s\",\"params\":%s,\"meta\":{\"token\":\"%s\","
             "\"deadline_ms\":10000}}",
             method, params, token);
    text = kh_call_raw(svc.addr, req, strlen(req), 10000);
    reply = text ? cJSON_Parse(text) : NULL;
    free(text);
    return reply;
}

/* L3: 2^53 - 1 and its neighbours as customer ids. */
static void test_large_integer_ids(void)
{
    int64_t n = 0;
    cJSON *r;

    start("2026-03-02T09:00:00+08:00");
    /* Longer than 15 digits: JSON printers on the way would change it. */
    r = raw_call(TOK_ADMIN, "visits.Enroll",
                 "{\"customer\":{\"id\":9007199254740991,\"name\":\"大\"},\"project\":{\"name\":"
                 "\"p\"},\"delivered_on\":\"2026-01-31\",\"department\":\"QA\"}");
    KH_EXPECT_FREE(r, 3, "customer.id", "Enroll with a 16-digit id");
    r = raw_call(
        TOK_ADMIN, "visits.Enroll",
        "{\"customer\":{\"id\":1,\"name\":\"大\"},\"project\":{\"name\":\"p\","
        "\"id\":-1000000000000000},\"delivered_on\":\"2026-01-31\",\"department\":\"QA\"}");
    KH_EXPECT_FREE(r, 3, "project.id", "Enroll with a 16-digit project id");
    /* 15 digits: exact everywhere. */
    r = raw_call(TOK_ADMIN, "visits.Enroll",
                 "{\"customer\":{\"id\":999999999999999,\"name\":\"大\"},\"project\":{\"name\":"
                 "\"p\",\"id\":-999999999999999},\"delivered_on\":\"2026-01-31\",\"department\":"
                 "\"QA\"}");
    KH_EXPECT_OK(r, "Enroll with a 15-digit id");
    CHECK(kefu_json_int(kh_path(kh_result(r), "customer.id"), &n) && n == 999999999999999LL);
    CHECK(kefu_json_int(kh_path(kh_result(r), "project.id"), &n) && n == -999999999999999LL);
    cJSON_Delete(r);
    r = raw_call(TOK_ADMIN, "visits.List", "{\"customer_id\":999999999999999}");
    KH_EXPECT_OK(r, "List by a 15-digit id");
    CHECK_INT(items(r), 0);
    cJSON_Delete(r);
    r = raw_call(TOK_SYSTEM, "visits.ScheduleFollowUp",
                 "{\"customer_id\":999999999999997,\"complaint_id\":\"C2026-000001\",\"due_on\":"
                 "\"2026-03-05\"}");
    KH_EXPECT_OK(r, "ScheduleFollowUp with a 15-digit id");
    CHECK_STR(kh_str(r, "account_id"), "A000002");
    cJSON_Delete(r);
    r = call_as(TOK_ADMIN, "visits.Get", "{\"id\":\"A000002\"}");
    n = 0;
    CHECK(kefu_json_int(kh_path(kh_result(r), "customer.id"), &n) && n == 999999999999997LL);
    cJSON_Delete(r);
    r = raw_call(TOK_ADMIN, "visits.Symposium",
                 "{\"held_on\":\"2026-03-01\",\"chair\":\"c\",\"attendees\":[],\"opinions\":[{"
                 "\"customer_id\":999999999999999,\"text\":\"t\",\"departments\":[\"QA\"]},{"
                 "\"text\":\"u\",\"departments\":[\"QA\"]},{\"customer_id\":\"K7\",\"text\":\"v\","
                 "\"departments\":[\"QA\"]}]}");
    KH_EXPECT_OK(r, "Symposium with a 15-digit id");
    n = 0;
    CHECK(kefu_json_int(kh_path(kh_result(r), "opinions.0.customer_id"), &n) &&
          n == 999999999999999LL);
    cJSON_Delete(r);
    r = call_as(TOK_ADMIN, "visits.Get", "{\"id\":\"Q2026-000001\"}");
    n = 0;
    CHECK(kefu_json_int(kh_path(kh_result(r), "customer_id"), &n) && n == 999999999999999LL);
    cJSON_Delete(r);
    r = call_as(TOK_ADMIN, "visits.Get", "{\"id\":\"Q2026-000002\"}");
    CHECK(cJSON_IsNull(kh_path(kh_result(r), "customer_id")));
    cJSON_Delete(r);
    r = call_as(TOK_ADMIN, "visits.Get", "{\"id\":\"Q2026-000003\"}");
    CHECK_STR(kh_str(r, "customer_id"), "K7");
    cJSON_Delete(r);
}

/* L4 */
static void test_followup_prefers_enrolled_account(void)
{
    cJSON *r;

    start("2026-03-02T09:00:00+08:00");
    r = call_as(TOK_SYSTEM, "visits.ScheduleFollowUp",
                "{\"customer_id\":\"K5\",\"complaint_id\":\"C2026-000001\",\"due_on\":"
                "\"2026-03-05\",\"department\":\"QA\"}");
    CHECK_STR(kh_str(r, "account_id"), "A000001"); /* follow-up-only */
    cJSON_Delete(r);
    enroll("\"K5\"", "2026-01-31", "QA"); /* A000002, enrolled properly */
    r = call_as(TOK_SYSTEM, "visits.ScheduleFollowUp",
                "{\"customer_id\":\"K5\",\"complaint_id\":\"C2026-000002\",\"due_on\":"
                "\"2026-03-05\"}");
    KH_EXPECT_OK(r, "ScheduleFollowUp of an enrolled customer");
    CHECK_STR(kh_str(r, "account_id"), "A000002");
    cJSON_Delete(r);
    /* Deactivated, the follow-up-only account of the complaint's department
     * is the one left; another department's complaint gets its own, so its
     * staff confirm it, not QA's. */
    EXPECT_CALL(0, TOK_ADMIN, "visits.Deactivate", "{\"account_id\":\"A000002\"}");
    r = call_as(TOK_SYSTEM, "visits.ScheduleFollowUp",
                "{\"customer_id\":\"K5\",\"complaint_id\":\"C2026-000003\",\"due_on\":"
                "\"2026-03-05\",\"department\":\"QA\"}");
    CHECK_STR(kh_str(r, "account_id"), "A000001");
    cJSON_Delete(r);
    r = call_as(TOK_SYSTEM, "visits.ScheduleFollowUp",
                "{\"customer_id\":\"K5\",\"complaint_id\":\"C2026-000004\",\"due_on\":"
                "\"2026-03-05\",\"department\":\"Sales\"}");
    CHECK_STR(kh_str(r, "account_id"), "A000003");
    cJSON_Delete(r);
    r = call_as(TOK_SALES, "visits.Get", "{\"id\":\"A000003\"}");
    CHECK_STR(kh_str(r, "department"), "Sales");
    cJSON_Delete(r);
}

/* L5 */
static void test_default_record_skips_complaint_followup(void)
{
    cJSON *r;

    start("2026-03-02T09:00:00+08:00");
    enroll("\"K1\"", "2026-02-15", "QA"); /* R1 due 03-15 */
    r = call_as(TOK_SYSTEM, "visits.ScheduleFollowUp",
                "{\"customer_id\":\"K1\",\"complaint_id\":\"C2026-000001\",\"due_on\":"
                "\"2026-02-20\"}");
    CHECK_STR(kh_str(r, "id"), "P000001"); /* due before the routine visit */
    cJSON_Delete(r);
    r = call_as(TOK_QA, "visits.Record", record_fmt, "A000001", "2026-03-02",
                ",\"satisfaction\":5");
    KH_EXPECT_OK(r, "Record without planned_id");
    CHECK_STR(kh_str(r, "planned.id"), "A000001-R1");
    CHECK(cJSON_IsNull(kh_path(kh_result(r), "confirmation")));
    cJSON_Delete(r);
    CHECK_INT(outbox_count("complaints.Confirm"), 0);
    r = call_as(TOK_QA, "visits.Get", "{\"id\":\"P000001\"}");
    CHECK_STR(kh_str(r, "status"), "open");
    cJSON_Delete(r);
    /* A follow-up-only account: without planned_id, an unplanned contact. */
    r = call_as(TOK_SYSTEM, "visits.ScheduleFollowUp",
                "{\"customer_id\":\"K9\",\"complaint_id\":\"C2026-000002\",\"due_on\":"
                "\"2026-02-20\",\"department\":\"QA\"}");
    CHECK_STR(kh_str(r, "account_id"), "A000002");
    cJSON_Delete(r);
    r = call_as(TOK_QA, "visits.Record", record_fmt, "A000002", "2026-03-02",
                ",\"satisfaction\":1");
    KH_EXPECT_OK(r, "Record on a follow-up-only account without planned_id");
    CHECK(cJSON_IsNull(kh_path(kh_result(r), "planned")));
    CHECK(cJSON_IsNull(kh_path(kh_result(r), "confirmation")));
    cJSON_Delete(r);
    CHECK_INT(outbox_count("complaints.Confirm"), 0);
    /* Named, it is closed and confirms. */
    r = call_as(TOK_QA, "visits.Record", record_fmt, "A000001", "2026-03-02",
                ",\"satisfaction\":5,\"planned_id\":\"P000001\"");
    CHECK_STR(kh_str(r, "confirmation.complaint_id"), "C2026-000001");
    cJSON_Delete(r);
    CHECK_INT(outbox_count("complaints.Confirm"), 1);
}

KEFU_TESTS = {
    {"staff_followup_binds_no_complaint", test_staff_followup_binds_no_complaint},
    {"symposium_hundred_opinions", test_symposium_hundred_opinions},
    {"due_several_departments", test_due_several_departments},
    {"list_several_departments", test_list_several_departments},
    {"list_quality_info_several_departments", test_list_quality_info_several_departments},
    {"weekly_report_truncated", test_weekly_report_truncated},
    {"record_closed_routine_visit", test_record_closed_routine_visit},
    {"annual_survey_past_year", test_annual_survey_past_year},
    {"large_integer_ids", test_large_integer_ids},
    {"followup_prefers_enrolled_account", test_followup_prefers_enrolled_account},
    {"default_record_skips_complaint_followup", test_default_record_skips_complaint_followup},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    static const kh_token tokens[] = {
        {"admin-desk", TOK_ADMIN, "admin", NULL},
        {"complaints-svc", TOK_SYSTEM, "system", NULL},
        {"qa-desk", TOK_QA, "staff", "[\"QA\"]"},
        {"sales-desk", TOK_SALES, "staff", "[\"Sales\"]"},
        {"multi-desk", TOK_MULTI, "staff", "[\"QA\",\"Service\"]"},
    };
    char peer[96];
    int rc;

    /* A complaints peer nobody answers: Confirm entries wait in the outbox. */
    snprintf(peer, sizeof(peer), "complaints=tcp://127.0.0.1:%d", kh_free_port());
    const char *extra[] = {"--tokens", tokens_path, "--test-clock", "--peer", peer, NULL};
    if (!kh_write_tokens_temp(tokens_path, sizeof(tokens_path), "kefu-vreg-tokens", tokens, 5))
        return 1;
    rc = kh_suite_main(argc, argv, &redis, &svc, "visits", extra);
    unlink(tokens_path);
    return rc;
}
