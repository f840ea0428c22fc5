/*
 * unit.visits_rules - the pure helpers of the visits service: the plan steps
 * the store takes (enrolment, advancing after a visit), id shapes, cutting
 * texts at character boundaries, the parameters sent to the complaints
 * service, and the weekly report tally.
 */
#include <string.h>

#include "json.h"
#include "test.h"
#include "visits.h"

static kefu_date day(const char *text)
{
    kefu_date d = {0, 0, 0};
    CHECK(kefu_date_parse(text, strlen(text), &d));
    return d;
}

static const char *fmt(kefu_date d)
{
    static char buf[4][11];
    static int next;
    char *out = buf[next++ % 4];
    kefu_date_format(d, out);
    return out;
}

static void test_plan_at_enroll(void)
{
    kefu_date due;
    int n;

    visits_plan_at_enroll(day("2026-01-31"), day("2026-01-15"), &n, &due);
    CHECK_INT(n, 1);
    CHECK_STR(fmt(due), "2026-02-28");
    /* Enrolled after the first two fell due: they are not owed. */
    visits_plan_at_enroll(day("2026-01-31"), day("2026-03-02"), &n, &due);
    CHECK_INT(n, 2);
    CHECK_STR(fmt(due), "2026-03-31");
    /* Enrolled in year two: quarterly, months 15, 18, ... */
    visits_plan_at_enroll(day("2025-01-10"), day("2026-01-15"), &n, &due);
    CHECK_INT(n, 13);
    CHECK_STR(fmt(due), "2026-04-10");
    /* Ten years on: constant time, the right quarter. */
    visits_plan_at_enroll(day("2016-01-31"), day("2026-06-01"), &n, &due);
    CHECK_INT(visits_plan_month(n), 126);
    CHECK_STR(fmt(due), "2026-07-31");
}

static void test_plan_after(void)
{
    kefu_date due;
    int n;

    /* On time: the next one. */
    visits_plan_after(day("2026-01-31"), 1, day("2026-02-27"), &n, &due);
    CHECK_INT(n, 2);
    CHECK_STR(fmt(due), "2026-03-31");
    /* Early, even on the day of the next one: still the next one... */
    visits_plan_after(day("2026-01-31"), 1, day("2026-01-31"), &n, &due);
    CHECK_INT(n, 2);
    /* ...and late: the first after the visit, the missed months dropped. */
    visits_plan_after(day("2026-01-31"), 2, day("2026-05-20"), &n, &due);
    CHECK_INT(n, 4);
    CHECK_STR(fmt(due), "2026-05-31");
    visits_plan_after(day("2026-01-31"), 2, day("2026-05-31"), &n, &due);
    CHECK_INT(n, 5);
    CHECK_STR(fmt(due), "2026-06-30");
    /* Across the switch to quarterly: after month 12 comes month 15. */
    visits_plan_after(day("2026-01-31"), 12, day("2027-01-31"), &n, &due);
    CHECK_INT(n, 13);
    CHECK_STR(fmt(due), "2027-04-30");
    /* Ten years overdue: one step, the first after the visit. */
    visits_plan_after(day("2016-01-31"), 1, day("2026-06-01"), &n, &due);
    CHECK_INT(visits_plan_month(n), 126);
}

static void test_id_shapes(void)
{
    CHECK_INT(visits_id_classify("A000001"), VISITS_ID_ACCOUNT);
    CHECK_INT(visits_id_classify("A1234567890"), VISITS_ID_ACCOUNT);
    CHECK_INT(visits_id_classify("V2026-000001"), VISITS_ID_VISIT);
    CHECK_INT(visits_id_classify("Q2026-000001"), VISITS_ID_QINFO);
    CHECK_INT(visits_id_classify("S2026-000001"), VISITS_ID_SYMPOSIUM);
    CHECK_INT(visits_id_classify("P000001"), VISITS_ID_PLANNED);
    CHECK_INT(visits_id_classify("A000001-R13"), VISITS_ID_ROUTINE);
    const char *bad[] = {
        "",          "A00001",           "A0000x1",      "V2026000001", "C2026-000001",
        "A000001-R", "A000001-R0",       "A000001-Rx",   "V2026-00001", "A000001-R13x",
        "a000001",   "A000001-R1234567", "Q202-0000001", NULL};
    for (int i = 0; bad[i]; i++) {
        if (visits_id_classify(bad[i]) != VISITS_ID_NONE)
            fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
        CHECK_INT(visits_id_classify(bad[i]), VISITS_ID_NONE);
    }
    CHECK(visits_complaint_id_valid("C2026-000001"));
    CHECK(!visits_complaint_id_valid("C2026000001"));
    CHECK(!visits_complaint_id_valid(NULL));
}

static void test_utf8_cut(void)
{
    char *s = visits_utf8_cut("灯管不亮abc", 3);
    CHECK_STR(s, "灯管不");
    free(s);
    s = visits_utf8_cut("灯管", 10);
    CHECK_STR(s, "灯管");
    free(s);
    s = visits_utf8_cut("a😀b", 2);
    CHECK_STR(s, "a😀");
    free(s);
    s = visits_utf8_cut("abc", 0);
    CHECK_STR(s, "");
    free(s);
}

static void test_complaint_members(void)
{
    char text[700] = "";
    for (int i = 0; i < 201; i++)
        strcat(text, "灯");
    cJSON *issue = cJSON_CreateObject();
    cJSON_AddStringToObject(issue, "kind", "complaint");
    cJSON_AddStringToObject(issue, "text", text);
    char *m = visits_complaint_members(issue, "2026-03-02T09:00:00+08:00");
    char *json = malloc(strlen(m) + 3);
    sprintf(json, "{%s}", m);
    cJSON *o = cJSON_Parse(json);
    CHECK(o != NULL);
    CHECK_STR(kefu_json_str(kefu_json_get(o, "product"), "model"), VISITS_UNNAMED_MODEL);
    CHECK_STR(kefu_json_str(o, "category"), "quality");
    CHECK(kefu_json_get(o, "severity") == NULL);
    CHECK_INT(strlen(kefu_json_str(o, "title")), 200 * 3);
    CHECK_STR(kefu_json_str(o, "description"), text);
    CHECK_STR(kefu_json_str(o, "received_at"), "2026-03-02T09:00:00+08:00");
    cJSON_Delete(o);
    free(json);
    free(m);
    /* The stored issue ends in the id it will get. */
    char *t = visits_issue_text(issue);
    CHECK(t && strlen(t) > 21 && strcmp(t + strlen(t) - 21, ",\"complaint_id\":null}") == 0);
    cJSON_free(t);
    cJSON_Delete(issue);

    m = visits_confirm_members(3, "李雷", "满意");
    CHECK_STR(m, "\"satisfied\":true,\"rating\":3,\"confirmed_by\":\"李雷\",\"comment\":\"满意\"");
    free(m);
    m = visits_confirm_members(2, "李雷", "仍有问题");
    CHECK(strstr(m, "\"satisfied\":false") != NULL);
    free(m);
}

static void test_week_tally(void)
{
    visits_week_tally *t = visits_week_tally_new();
    const char *rows[] = {
        "{\"method\":\"phone\",\"planned_kind\":\"routine\",\"satisfaction\":4,"
        "\"issues\":{\"complaint\":1,\"quality_info\":0},\"complaints\":1}",
        "{\"method\":\"onsite\",\"planned_kind\":null,\"satisfaction\":null,"
        "\"issues\":{\"complaint\":0,\"quality_info\":2},\"complaints\":0}",
        "{\"method\":\"phone\",\"planned_kind\":\"followup\",\"satisfaction\":1,"
        "\"issues\":{\"complaint\":2,\"quality_info\":0},\"complaints\":0}",
    };
    for (int i = 0; i < 3; i++) {
        cJSON *r = cJSON_Parse(rows[i]);
        visits_week_tally_add(t, r);
        cJSON_Delete(r);
    }
    cJSON *o = visits_week_tally_json(t, "2026-W49", day("2026-11-30"), day("2026-12-06"), 1, 3);
    int64_t v;
    CHECK_STR(kefu_json_str(o, "from"), "2026-11-30");
    CHECK(kefu_json_int(kefu_json_get(kefu_json_get(o, "planned"), "total"), &v) && v == 4);
    CHECK(cJSON_GetNumberValue(kefu_json_get(o, "completion_rate")) == 0.75);
    CHECK(kefu_json_int(kefu_json_get(o, "visits"), &v) && v == 3);
    CHECK(kefu_json_int(kefu_json_get(o, "visits_unplanned"), &v) && v == 1);
    CHECK(kefu_json_int(kefu_json_get(kefu_json_get(o, "by_method"), "phone"), &v) && v == 2);
    CHECK(kefu_json_int(kefu_json_get(kefu_json_get(o, "by_kind"), "followup"), &v) && v == 1);
    CHECK(kefu_json_int(kefu_json_get(kefu_json_get(o, "issues"), "total"), &v) && v == 5);
    CHECK(kefu_json_int(kefu_json_get(o, "complaints_created"), &v) && v == 1);
    CHECK(cJSON_GetNumberValue(kefu_json_get(o, "avg_satisfaction")) == 2.5);
    cJSON_Delete(o);
    visits_week_tally_free(t);
    /* Nothing planned, nothing rated: nulls, not zeros. */
    t = visits_week_tally_new();
    o = visits_week_tally_json(t, "2026-W01", day("2025-12-29"), day("2026-01-04"), 0, 0);
    CHECK(cJSON_IsNull(kefu_json_get(o, "completion_rate")));
    CHECK(cJSON_IsNull(kefu_json_get(o, "avg_satisfaction")));
    cJSON_Delete(o);
    visits_week_tally_free(t);
}

KEFU_TESTS = {
    {"plan_at_enroll", test_plan_at_enroll},
    {"plan_after", test_plan_after},
    {"id_shapes", test_id_shapes},
    {"utf8_cut", test_utf8_cut},
    {"complaint_members", test_complaint_members},
    {"week_tally", test_week_tally},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return kefu_test_main(argc, argv);
}
