/*
 * unit.complaints_rules - the pure parts of the complaints service: due
 * dates by severity, ids, record fields, Stats / Ledger / Report arithmetic.
 */
#include <string.h>

#include "complaints.h"
#include "json.h"
#include "test.h"

#define TZ 480

static kefu_ms at(const char *text)
{
    kefu_ms t = 0;
    CHECK(kefu_time_parse_rfc3339(text, strlen(text), &t));
    return t;
}

static void test_due_defaults(void)
{
    complaints_due_candidates c;

    CHECK_INT(complaints_due_days("critical"), 3);
    CHECK_INT(complaints_due_days("major"), 7);
    CHECK_INT(complaints_due_days("minor"), 15);
    /* Same clock time, across a month end, in the business zone. */
    complaints_due_candidates_at(at("2026-11-28T23:30:00+08:00"), TZ, &c);
    CHECK_STR(c.text[0], "2026-12-01T23:30:00+08:00");
    CHECK_STR(c.text[1], "2026-12-05T23:30:00+08:00");
    CHECK_STR(c.text[2], "2026-12-13T23:30:00+08:00");
    CHECK_INT(strtoll(c.ms[1], NULL, 10), at("2026-12-05T23:30:00+08:00"));
}

static void test_followup_date(void)
{
    char d[16];

    /* Three business days on, by the business zone's calendar: 23:30 on
     * 30 November in UTC+08:00 is still November there (15:30 UTC). */
    complaints_followup_date(at("2026-11-30T23:30:00+08:00"), TZ, d);
    CHECK_STR(d, "2026-12-03");
    complaints_followup_date(at("2026-12-30T16:30:00Z"), TZ, d); /* 31 Dec 00:30 +08 */
    CHECK_STR(d, "2027-01-03");
    complaints_followup_date(at("2028-02-27T10:00:00+08:00"), TZ, d); /* leap year */
    CHECK_STR(d, "2028-03-01");
}

static void test_ids(void)
{
    CHECK(complaints_id_valid("C2026-000001"));
    CHECK(complaints_id_valid("C2026-1234567"));
    CHECK(!complaints_id_valid("C2026-00001"));
    CHECK(!complaints_id_valid("R2026-000001"));
    CHECK(!complaints_id_valid("C2026_000001"));
    CHECK(!complaints_id_valid("C2026-00000x"));
    CHECK(!complaints_id_valid(""));
}

static void test_record_fields(void)
{
    cJSON *p = cJSON_Parse("{\"customer\":{\"id\":42,\"name\":\"n\"},\"product\":{\"model\":\"m\"},"
                           "\"channel\":\"web\",\"category\":\"service\",\"severity\":\"critical\","
                           "\"title\":\"t\",\"description\":\"d\",\"received_by\":{\"name\":\"a\","
                           "\"department\":\"QA\"},\"received_at\":\"2026-11-30T23:30:00+08:00\"}");
    cJSON *rec = complaints_record_new(p, at("2026-12-01T09:00:00+08:00"), TZ);
    char key[KEFU_ID_TEXT_SIZE];

    CHECK_STR(kefu_json_str(rec, "status"), "received");
    CHECK_STR(kefu_json_str(rec, "received_at"), "2026-11-30T23:30:00+08:00");
    CHECK_STR(kefu_json_str(rec, "created_at"), "2026-12-01T09:00:00+08:00");
    CHECK(cJSON_IsTrue(kefu_json_get(rec, "escalated")));
    CHECK(cJSON_IsArray(kefu_json_get(rec, "return_ids")));
    CHECK(cJSON_IsNull(kefu_json_get(rec, "remedy_sought")));
    kefu_json_id_text(kefu_json_get(kefu_json_get(p, "customer"), "id"), key);
    CHECK_STR(key, "42");
    cJSON_Delete(rec);
    cJSON_Delete(p);
}

/* A rows.lua row; 0 for due, resolved or rating means null. */
static cJSON *row(const char *status, const char *dept, const char *category, long long received,
                  long long due, long long resolved, int rating)
{
    cJSON *r = cJSON_CreateObject();

    cJSON_AddStringToObject(r, "id", "C2026-000001");
    cJSON_AddStringToObject(r, "status", status);
    cJSON_AddItemToObject(r, "department", dept ? cJSON_CreateString(dept) : cJSON_CreateNull());
    cJSON_AddStringToObject(r, "category", category);
    cJSON_AddNumberToObject(r, "received_ms", (double)received);
    cJSON_AddItemToObject(r, "due_ms", due ? cJSON_CreateNumber((double)due) : cJSON_CreateNull());
    cJSON_AddItemToObject(r, "resolved_ms",
                          resolved ? cJSON_CreateNumber((double)resolved) : cJSON_CreateNull());
    if (rating) {
        cJSON *c = cJSON_AddObjectToObject(r, "confirmation");
        cJSON_AddBoolToObject(c, "satisfied", true);
        cJSON_AddNumberToObject(c, "rating", rating);
    } else {
        cJSON_AddNullToObject(r, "confirmation");
    }
    cJSON_AddNumberToObject(r, "reopened", 0);
    return r;
}

static void test_stats(void)
{
    const long long H = 3600000, now = 1000 * H;
    complaints_tally *t = complaints_tally_new();
    cJSON *rows[] = {
        /* resolved in 10 h, on time, rated 4 */
        row("closed", "Production", "quality", 0, 48 * H, 10 * H, 4),
        /* resolved in 30 h, late (due 24 h), rated 2 */
        row("resolved", "Production", "quality", 0, 24 * H, 30 * H, 2),
        /* assigned, overdue now */
        row("assigned", "Sales", "delivery", 0, now - H, 0, 0),
        /* assigned, not overdue */
        row("assigned", "Sales", "service", 0, now + H, 0, 0),
        /* received, unassigned */
        row("received", NULL, "other", 0, 0, 0, 0),
    };
    cJSON *j;

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        complaints_tally_add(t, rows[i], now);
    j = complaints_tally_json(t);
    CHECK_INT(kefu_json_get(j, "total")->valuedouble, 5);
    CHECK_INT(kefu_json_get(j, "closed")->valuedouble, 1);
    CHECK_INT(kefu_json_get(kefu_json_get(j, "by_status"), "assigned")->valuedouble, 2);
    CHECK_INT(kefu_json_get(kefu_json_get(j, "by_category"), "quality")->valuedouble, 2);
    CHECK_INT(kefu_json_get(kefu_json_get(j, "by_department"), "Production")->valuedouble, 2);
    CHECK_INT(kefu_json_get(kefu_json_get(j, "by_department"), "")->valuedouble, 1);
    CHECK(kefu_json_get(j, "on_time_rate")->valuedouble == 0.5);
    CHECK(kefu_json_get(j, "avg_resolution_hours")->valuedouble == 20.0);
    CHECK(kefu_json_get(j, "avg_rating")->valuedouble == 3.0);
    CHECK_INT(kefu_json_get(j, "overdue_now")->valuedouble, 1);
    cJSON_Delete(j);
    complaints_tally_free(t);

    /* Nothing resolved or rated: null rates, not zero. */
    t = complaints_tally_new();
    complaints_tally_add(t, rows[4], now);
    j = complaints_tally_json(t);
    CHECK(cJSON_IsNull(kefu_json_get(j, "on_time_rate")));
    CHECK(cJSON_IsNull(kefu_json_get(j, "avg_rating")));
    cJSON_Delete(j);
    complaints_tally_free(t);

    /* The report lists the late ones: overdue now, or resolved after due. */
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        cJSON_AddItemToArray(arr, rows[i]);
    j = complaints_report_build(arr, "2026-11", now, TZ);
    CHECK_INT(cJSON_GetArraySize(kefu_json_get(j, "overdue")), 2);
    CHECK_INT(cJSON_GetArraySize(kefu_json_get(j, "departments")), 3);
    cJSON_Delete(j);
    cJSON_Delete(arr);
}

static void test_ledger_csv(void)
{
    cJSON *rows = cJSON_Parse("[{\"id\":\"C2026-000001\",\"customer\":\"华光, \\\"总厂\\\"\","
                              "\"on_time\":true,\"rating\":5,\"resolved_at\":null}]");
    kefu_buf b;

    kefu_buf_init(&b);
    complaints_ledger_csv(rows, &b);
    CHECK(strncmp(kefu_buf_cstr(&b), "id,received_at,customer_id,customer,", 36) == 0);
    CHECK(
        strstr(kefu_buf_cstr(&b), "\r\nC2026-000001,,,\"华光, \"\"总厂\"\"\",,,,,,,true,,,5\r\n"));
    kefu_buf_free(&b);
    cJSON_Delete(rows);
}

KEFU_TESTS = {
    {"due_defaults", test_due_defaults},
    {"followup_date", test_followup_date},
    {"ids", test_ids},
    {"record_fields", test_record_fields},
    {"stats", test_stats},
    {"ledger_csv", test_ledger_csv},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return kefu_test_main(argc, argv);
}
