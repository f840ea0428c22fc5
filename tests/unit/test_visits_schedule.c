/*
 * unit.visits_schedule - the visit plan (回访制度): monthly for a year, then
 * quarterly, each date from the delivery date with the day clamped to month
 * end; the O(1) first-visit search; bounded batches; ISO week ranges.
 */
#include <string.h>

#include "schedule.h"
#include "test.h"

static kefu_date day(const char *text)
{
    kefu_date d = {0, 0, 0};

    CHECK(kefu_date_parse(text, strlen(text), &d));
    return d;
}

/* Formats into one of a few rotating buffers so CHECK_STR can take two. */
static const char *fmt(kefu_date d)
{
    static char buf[4][11];
    static int next;
    char *out = buf[next++ % 4];

    kefu_date_format(d, out);
    return out;
}

static void test_plan_months(void)
{
    CHECK_INT(visits_plan_month(0), 0);
    CHECK_INT(visits_plan_month(-3), 0);
    for (int n = 1; n <= 12; n++)
        CHECK_INT(visits_plan_month(n), n);
    CHECK_INT(visits_plan_month(13), 15);
    CHECK_INT(visits_plan_month(14), 18);
    CHECK_INT(visits_plan_month(15), 21);
    CHECK_INT(visits_plan_month(16), 24);
}

static void test_month_end_clamping(void)
{
    kefu_date d = day("2026-01-31");

    CHECK_STR(fmt(visits_plan_due(d, 1)), "2026-02-28");
    CHECK_STR(fmt(visits_plan_due(d, 2)), "2026-03-31");
    CHECK_STR(fmt(visits_plan_due(d, 3)), "2026-04-30");
    CHECK_STR(fmt(visits_plan_due(d, 4)), "2026-05-31");
    /* Leap year: delivered 2024-01-31, first visit on 29 February. */
    CHECK_STR(fmt(visits_plan_due(day("2024-01-31"), 1)), "2024-02-29");
    CHECK_STR(fmt(visits_plan_due(day("2024-01-31"), 2)), "2024-03-31");
}

static void test_quarterly_after_a_year(void)
{
    kefu_date d = day("2025-05-15");

    CHECK_STR(fmt(visits_plan_due(d, 11)), "2026-04-15");
    CHECK_STR(fmt(visits_plan_due(d, 12)), "2026-05-15");
    CHECK_STR(fmt(visits_plan_due(d, 13)), "2026-08-15");
    CHECK_STR(fmt(visits_plan_due(d, 14)), "2026-11-15");
    /* From delivery, not from the previous (clamped) date: 11-30 + 15 months. */
    CHECK_STR(fmt(visits_plan_due(day("2025-11-30"), 13)), "2027-02-28");
    CHECK_STR(fmt(visits_plan_due(day("2025-11-30"), 14)), "2027-05-30");
}

/* The reference answer, found by walking the plan one visit at a time. */
static int first_by_walking(kefu_date delivered, kefu_date from)
{
    int n = 1;

    while (kefu_date_compare(visits_plan_due(delivered, n), from) < 0)
        n++;
    return n;
}

static void test_first_on_or_after(void)
{
    kefu_date d = day("2016-01-31");
    kefu_date from = day("2026-12-01");
    int n = visits_plan_first_on_or_after(d, from);

    CHECK_INT(n, first_by_walking(d, from));
    CHECK(kefu_date_compare(visits_plan_due(d, n), from) >= 0);
    CHECK(kefu_date_compare(visits_plan_due(d, n - 1), from) < 0);
    /* Before or on delivery: the first visit. */
    CHECK_INT(visits_plan_first_on_or_after(d, day("2015-06-01")), 1);
    CHECK_INT(visits_plan_first_on_or_after(d, d), 1);
    /* A due date itself counts; the day after moves on. */
    CHECK_INT(visits_plan_first_on_or_after(d, day("2016-02-29")), 1);
    CHECK_INT(visits_plan_first_on_or_after(d, day("2016-03-01")), 2);
    /* Months 13 and 14 are skipped: the next visit is month 15 (n = 13). */
    CHECK_INT(visits_plan_first_on_or_after(d, day("2017-02-01")), 13);
    CHECK_INT(visits_plan_first_on_or_after(d, day("2017-04-30")), 13);
    CHECK_INT(visits_plan_first_on_or_after(d, day("2017-05-01")), 14);

    /* Every `from` day across fourteen years, for a few awkward deliveries. */
    const char *deliveries[] = {"2016-01-31", "2016-02-29", "2015-11-30", "2020-08-15"};
    for (size_t i = 0; i < sizeof deliveries / sizeof deliveries[0]; i++) {
        kefu_date dv = day(deliveries[i]);
        int mismatches = 0;
        for (kefu_date f = day("2015-01-01"); kefu_date_compare(f, day("2029-01-01")) < 0;
             f = kefu_date_add_days(f, 1))
            mismatches += visits_plan_first_on_or_after(dv, f) != first_by_walking(dv, f);
        CHECK_INT(mismatches, 0);
    }
}

static void test_between_is_bounded(void)
{
    kefu_date d = day("2016-01-31");
    int out[8];

    /* 2026, ten years on: quarterly, months 120, 123, 126, 129. */
    memset(out, 0, sizeof out);
    CHECK_INT(visits_plan_between(d, day("2026-01-01"), day("2026-12-31"), 8, out), 4);
    CHECK_INT(visits_plan_month(out[0]), 120);
    CHECK_STR(fmt(visits_plan_due(d, out[0])), "2026-01-31");
    CHECK_STR(fmt(visits_plan_due(d, out[1])), "2026-04-30");
    CHECK_STR(fmt(visits_plan_due(d, out[3])), "2026-10-31");
    CHECK_INT(out[1], out[0] + 1);
    /* max 2 of the 4: the earliest two, and nothing past them written. */
    out[2] = -1;
    CHECK_INT(visits_plan_between(d, day("2026-01-01"), day("2026-12-31"), 2, out), 2);
    CHECK_STR(fmt(visits_plan_due(d, out[1])), "2026-04-30");
    CHECK_INT(out[2], -1);
}

static void test_between_window(void)
{
    kefu_date d = day("2026-01-31");
    int out[20];

    /* The first year holds all twelve monthly visits. */
    CHECK_INT(visits_plan_between(d, day("2026-01-01"), day("2027-01-31"), 20, out), 12);
    CHECK_INT(out[0], 1);
    CHECK_INT(out[11], 12);
    /* Bounded by max even though more are due. */
    CHECK_INT(visits_plan_between(d, day("2026-01-01"), day("2040-12-31"), 5, out), 5);
    CHECK_INT(out[4], 5);
    /* A huge window with a small max still stops. */
    CHECK_INT(visits_plan_between(d, day("2026-01-01"), day("9000-12-31"), 3, out), 3);
    /* Both ends inclusive. */
    CHECK_INT(visits_plan_between(d, day("2026-03-31"), day("2026-03-31"), 20, out), 1);
    CHECK_INT(out[0], 2);
    /* Months 13 and 14 are not visits. */
    CHECK_INT(visits_plan_between(d, day("2027-02-01"), day("2027-04-29"), 20, out), 0);
    CHECK_INT(visits_plan_between(d, day("2027-02-01"), day("2027-04-30"), 20, out), 1);
    CHECK_INT(out[0], 13);
    /* Nothing asked, nothing written. */
    CHECK_INT(visits_plan_between(d, day("2026-01-01"), day("2026-12-31"), 0, out), 0);
    CHECK_INT(visits_plan_between(d, day("2026-01-01"), day("2026-12-31"), 5, NULL), 0);
    CHECK_INT(visits_plan_between(d, day("2026-12-31"), day("2026-01-01"), 5, out), 0);
}

static void check_week(const char *week, const char *monday, const char *sunday)
{
    kefu_date mon = {0, 0, 0}, sun = {0, 0, 0};

    CHECK(visits_iso_week_range(week, &mon, &sun));
    CHECK_STR(fmt(mon), monday);
    CHECK_STR(fmt(sun), sunday);
}

static void test_iso_week_range(void)
{
    check_week("2026-W49", "2026-11-30", "2026-12-06");
    check_week("2026-W53", "2026-12-28", "2027-01-03");
    check_week("2026-W01", "2025-12-29", "2026-01-04");
    check_week("2020-W53", "2020-12-28", "2021-01-03");
    check_week("2021-W01", "2021-01-04", "2021-01-10");
    check_week("2021-W52", "2021-12-27", "2022-01-02");

    /* Round trip: every Monday..Sunday maps back to its week. */
    for (int w = 1; w <= 53; w++) {
        char text[9];
        kefu_date mon, sun;
        int y, wk;
        snprintf(text, sizeof text, "2026-W%02d", w);
        CHECK(visits_iso_week_range(text, &mon, &sun)); /* 2026 is a long ISO year */
        CHECK_INT(kefu_date_weekday(mon), 1);
        CHECK_INT(kefu_date_to_days(sun) - kefu_date_to_days(mon), 6);
        kefu_date_iso_week(mon, &y, &wk);
        CHECK_INT(y, 2026);
        CHECK_INT(wk, w);
    }
}

static void test_iso_week_refused(void)
{
    kefu_date mon = {1, 1, 1}, sun = {1, 1, 1};
    const char *bad[] = {
        "2021-W53",  "2025-W53",  "2026-W00", "2026-W54", "2026-W99", "2026-w49", "2026W49",
        "2026-W4",   "2026-W049", "2026-49",  "26-W49",   "2026-W4a", "x026-W49", " 2026-W49",
        "2026-W49 ", "0000-W01",  "9999-W52", "",         "2026-W-1", "2026-W+1",
    };

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (visits_iso_week_range(bad[i], &mon, &sun))
            fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
        CHECK(!visits_iso_week_range(bad[i], &mon, &sun));
    }
    CHECK(!visits_iso_week_range(NULL, &mon, &sun));
    /* Refusals write nothing. */
    CHECK_INT(mon.year, 1);
    CHECK_INT(sun.year, 1);
    /* The edges of the calendar that do fit. */
    check_week("0001-W01", "0001-01-01", "0001-01-07");
    check_week("9999-W51", "9999-12-20", "9999-12-26");
}

KEFU_TESTS = {
    {"plan_months", test_plan_months},
    {"month_end_clamping", test_month_end_clamping},
    {"quarterly_after_a_year", test_quarterly_after_a_year},
    {"first_on_or_after", test_first_on_or_after},
    {"between_is_bounded", test_between_is_bounded},
    {"between_window", test_between_window},
    {"iso_week_range", test_iso_week_range},
    {"iso_week_refused", test_iso_week_refused},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return kefu_test_main(argc, argv);
}
