/* Unit tests of timeutil: calendar arithmetic, RFC 3339, zones, ISO weeks. */
#include "test.h"
#include "timeutil.h"

static kefu_date D(int y, int m, int d)
{
    kefu_date r = {y, m, d};
    return r;
}

#define CHECK_DATE(got, y, m, d)                                                                   \
    do {                                                                                           \
        kefu_date g_ = (got);                                                                      \
        CHECK_INT(g_.year, y);                                                                     \
        CHECK_INT(g_.month, m);                                                                    \
        CHECK_INT(g_.day, d);                                                                      \
    } while (0)

/* Parses `s` as RFC 3339; returns false when refused. */
static bool parse(const char *s, kefu_ms *out)
{
    return kefu_time_parse_rfc3339(s, strlen(s), out);
}

static void test_leap_years(void)
{
    CHECK(!kefu_is_leap_year(1900));
    CHECK(kefu_is_leap_year(2000));
    CHECK(kefu_is_leap_year(2024));
    CHECK(!kefu_is_leap_year(2025));
    CHECK(!kefu_is_leap_year(2100));
    CHECK(kefu_is_leap_year(2400));
    CHECK_INT(kefu_days_in_month(2024, 2), 29);
    CHECK_INT(kefu_days_in_month(2025, 2), 28);
    CHECK_INT(kefu_days_in_month(1900, 2), 28);
    CHECK_INT(kefu_days_in_month(2000, 2), 29);
    CHECK_INT(kefu_days_in_month(2026, 4), 30);
    CHECK_INT(kefu_days_in_month(2026, 12), 31);
    CHECK_INT(kefu_days_in_month(2026, 13), 0);
}

static void test_days_known_points(void)
{
    CHECK_INT(kefu_date_to_days(D(1970, 1, 1)), 0);
    CHECK_INT(kefu_date_to_days(D(1969, 12, 31)), -1);
    CHECK_INT(kefu_date_to_days(D(2000, 3, 1)), 11017);
    CHECK_INT(kefu_date_to_days(D(1, 1, 1)), -719162);
    CHECK_INT(kefu_date_to_days(D(9999, 12, 31)), 2932896);
    CHECK_DATE(kefu_date_from_days(-1), 1969, 12, 31);
    CHECK_DATE(kefu_date_from_days(-719162), 1, 1, 1);
    CHECK_DATE(kefu_date_from_days(2932896), 9999, 12, 31);
}

/*
 * Walks day by day from 1600-01-01 to 2500-12-31 with a naive calendar and
 * checks both directions of the conversion at every step.
 */
static void test_days_round_trip(void)
{
    kefu_date d = D(1600, 1, 1);
    int64_t n = kefu_date_to_days(d);
    int bad = 0;

    CHECK_INT(n, -135140);
    while (d.year <= 2500 && bad < 5) {
        kefu_date back = kefu_date_from_days(n);
        if (kefu_date_to_days(d) != n || kefu_date_compare(back, d) != 0) {
            fprintf(stderr, "  mismatch at %04d-%02d-%02d (%lld)\n", d.year, d.month, d.day,
                    (long long)n);
            bad++;
        }
        n++;
        if (++d.day > kefu_days_in_month(d.year, d.month)) {
            d.day = 1;
            if (++d.month > 12) {
                d.month = 1;
                d.year++;
            }
        }
    }
    CHECK_INT(bad, 0);
    CHECK_INT(n, kefu_date_to_days(D(2501, 1, 1)));
}

static void test_add_days(void)
{
    CHECK_DATE(kefu_date_add_days(D(2026, 12, 31), 1), 2027, 1, 1);
    CHECK_DATE(kefu_date_add_days(D(2024, 2, 28), 1), 2024, 2, 29);
    CHECK_DATE(kefu_date_add_days(D(2025, 3, 1), -1), 2025, 2, 28);
    CHECK_DATE(kefu_date_add_days(D(2026, 1, 1), 365), 2027, 1, 1);
    CHECK_DATE(kefu_date_add_days(D(1970, 1, 1), -365), 1969, 1, 1);
}

static void test_add_months_clamp(void)
{
    CHECK_DATE(kefu_date_add_months(D(2025, 1, 31), 1), 2025, 2, 28);
    CHECK_DATE(kefu_date_add_months(D(2024, 1, 31), 1), 2024, 2, 29);
    CHECK_DATE(kefu_date_add_months(D(2026, 3, 31), -1), 2026, 2, 28);
    CHECK_DATE(kefu_date_add_months(D(2026, 3, 31), 1), 2026, 4, 30);
    CHECK_DATE(kefu_date_add_months(D(2026, 1, 15), 0), 2026, 1, 15);
    CHECK_DATE(kefu_date_add_months(D(2026, 11, 30), 18), 2028, 5, 30);
    CHECK_DATE(kefu_date_add_months(D(2026, 8, 31), 18), 2028, 2, 29);
    CHECK_DATE(kefu_date_add_months(D(2026, 12, 15), 1), 2027, 1, 15);
    CHECK_DATE(kefu_date_add_months(D(2027, 1, 15), -1), 2026, 12, 15);
    CHECK_DATE(kefu_date_add_months(D(2026, 1, 31), -13), 2024, 12, 31);
    CHECK_DATE(kefu_date_add_months(D(2026, 5, 31), -27), 2024, 2, 29);
}

static void test_add_months_sequence(void)
{
    /* 2026-01-31 + 1..12: always from the 31st, never drifting. */
    static const int want[12][3] = {
        {2026, 2, 28}, {2026, 3, 31}, {2026, 4, 30},  {2026, 5, 31},  {2026, 6, 30},  {2026, 7, 31},
        {2026, 8, 31}, {2026, 9, 30}, {2026, 10, 31}, {2026, 11, 30}, {2026, 12, 31}, {2027, 1, 31},
    };

    for (int i = 0; i < 12; i++)
        CHECK_DATE(kefu_date_add_months(D(2026, 1, 31), i + 1), want[i][0], want[i][1], want[i][2]);
}

static void test_compare_weekday(void)
{
    CHECK(kefu_date_compare(D(2026, 1, 1), D(2026, 1, 2)) < 0);
    CHECK(kefu_date_compare(D(2026, 2, 1), D(2026, 1, 31)) > 0);
    CHECK(kefu_date_compare(D(2025, 12, 31), D(2026, 1, 1)) < 0);
    CHECK_INT(kefu_date_compare(D(2026, 5, 5), D(2026, 5, 5)), 0);

    CHECK_INT(kefu_date_weekday(D(1970, 1, 1)), 4);  /* Thursday */
    CHECK_INT(kefu_date_weekday(D(2026, 12, 4)), 5); /* Friday */
    CHECK_INT(kefu_date_weekday(D(2021, 1, 3)), 7);  /* Sunday */
    CHECK_INT(kefu_date_weekday(D(2024, 12, 30)), 1);
    CHECK_INT(kefu_date_weekday(D(1969, 12, 29)), 1);
    CHECK_INT(kefu_date_weekday(D(1900, 1, 1)), 1);
    CHECK_INT(kefu_date_weekday(D(1969, 12, 31)), 3);
    CHECK_INT(kefu_date_weekday(D(1900, 1, 7)), 7);
    CHECK_INT(kefu_date_weekday(D(1, 1, 1)), 1);
}

static void test_iso_week(void)
{
    int y, w;

    kefu_date_iso_week(D(2026, 12, 4), &y, &w);
    CHECK_INT(y, 2026);
    CHECK_INT(w, 49);
    kefu_date_iso_week(D(2021, 1, 3), &y, &w);
    CHECK_INT(y, 2020);
    CHECK_INT(w, 53);
    kefu_date_iso_week(D(2021, 1, 4), &y, &w);
    CHECK_INT(y, 2021);
    CHECK_INT(w, 1);
    kefu_date_iso_week(D(2024, 12, 30), &y, &w);
    CHECK_INT(y, 2025);
    CHECK_INT(w, 1);
    kefu_date_iso_week(D(2026, 1, 1), &y, &w);
    CHECK_INT(y, 2026);
    CHECK_INT(w, 1);
    kefu_date_iso_week(D(2026, 12, 31), &y, &w);
    CHECK_INT(y, 2026);
    CHECK_INT(w, 53);
    kefu_date_iso_week(D(2027, 1, 3), &y, &w);
    CHECK_INT(y, 2026);
    CHECK_INT(w, 53);
}

static void test_date_parse_format(void)
{
    kefu_date d = {0, 0, 0};
    char buf[11];

    CHECK(kefu_date_parse("2026-12-04", 10, &d));
    CHECK_DATE(d, 2026, 12, 4);
    CHECK(kefu_date_parse("2024-02-29", 10, &d));
    CHECK(kefu_date_parse("0001-01-01", 10, &d));
    CHECK_DATE(d, 1, 1, 1);
    CHECK(kefu_date_parse("2024-02-29", 10, &d));
    CHECK(!kefu_date_parse("2025-02-29", 10, &d));
    CHECK(!kefu_date_parse("2026-13-01", 10, &d));
    CHECK(!kefu_date_parse("2026-00-10", 10, &d));
    CHECK(!kefu_date_parse("2026-04-31", 10, &d));
    CHECK(!kefu_date_parse("2026-04-00", 10, &d));
    CHECK(!kefu_date_parse("0000-01-01", 10, &d));
    CHECK(!kefu_date_parse("2026-1-01x", 10, &d));
    CHECK(!kefu_date_parse("2026/12/04", 10, &d));
    CHECK(!kefu_date_parse("2026-12-04", 9, &d));
    CHECK(!kefu_date_parse("2026-12-04T", 11, &d));
    CHECK(!kefu_date_parse("+026-12-04", 10, &d));
    CHECK(!kefu_date_parse(" 2026-12-4", 10, &d));
    CHECK_DATE(d, 2024, 2, 29); /* untouched by failures */

    kefu_date_format(D(2026, 3, 7), buf);
    CHECK_STR(buf, "2026-03-07");
    kefu_date_format(D(1, 1, 1), buf);
    CHECK_STR(buf, "0001-01-01");
}

static void test_rfc3339_parse(void)
{
    const kefu_ms base = INT64_C(1796368086000); /* 2026-12-04T07:08:06Z */
    kefu_ms t = 0;

    CHECK(parse("2026-12-04T15:08:06+08:00", &t));
    CHECK_INT(t, base);
    CHECK(parse("2026-12-04T07:08:06Z", &t));
    CHECK_INT(t, base);
    CHECK(parse("2026-12-04t07:08:06z", &t));
    CHECK_INT(t, base);
    CHECK(parse("2026-12-04T07:08:06+00:00", &t));
    CHECK_INT(t, base);
    CHECK(parse("2026-12-04T07:08:06-00:00", &t));
    CHECK_INT(t, base);
    CHECK(parse("2026-12-04T01:38:06-05:30", &t));
    CHECK_INT(t, base);
    CHECK(parse("2026-12-04T15:08:06.5+08:00", &t));
    CHECK_INT(t, base + 500);
    CHECK(parse("2026-12-04T15:08:06.123+08:00", &t));
    CHECK_INT(t, base + 123);
    CHECK(parse("2026-12-04T15:08:06.123999999+08:00", &t));
    CHECK_INT(t, base + 123);
    CHECK(parse("2026-12-04T15:08:06.07Z", &t));
    CHECK_INT(t, base + 8 * 3600000 + 70);
    CHECK(parse("1970-01-01T00:00:00Z", &t));
    CHECK_INT(t, 0);
    CHECK(parse("1969-12-31T23:59:59.999Z", &t));
    CHECK_INT(t, -1);
    CHECK(parse("1970-01-01T07:59:59+08:00", &t));
    CHECK_INT(t, -1000);
    CHECK(parse("2024-02-29T23:59:59+23:59", &t));
    CHECK(parse("9999-12-31T23:59:59Z", &t));
    CHECK_INT(t, INT64_C(253402300799000));

    t = 42;
    CHECK(!parse("2026-02-30T00:00:00Z", &t));
    CHECK(!parse("2026-13-01T00:00:00Z", &t));
    CHECK(!parse("2026-12-04T15:08:06", &t));
    CHECK(!parse("2026-12-04T24:00:00Z", &t));
    CHECK(!parse("2026-12-04T23:60:00Z", &t));
    CHECK(!parse("2026-12-04T23:59:60Z", &t));
    CHECK(!parse("2026-12-04T15:08:06+24:00", &t));
    CHECK(!parse("2026-12-04T15:08:06+08:60", &t));
    CHECK(!parse("2026-12-04T15:08:06+0800", &t));
    CHECK(!parse("2026-12-04T15:08:06+08", &t));
    CHECK(!parse("2026-12-04T15:08:06Zjunk", &t));
    CHECK(!parse("2026-12-04T15:08:06+08:00 ", &t));
    CHECK(!parse("2026-12-04T15:08:06.Z", &t));
    CHECK(!parse("2026-12-04T15:08:06.1234567890Z", &t));
    CHECK(!parse("2026-12-04 15:08:06Z", &t));
    CHECK(!parse("2026-12-04T15:08Z", &t));
    CHECK(!parse("2026-12-04", &t));
    CHECK(!parse("", &t));
    CHECK(!parse("0000-12-04T15:08:06Z", &t));
    CHECK(!parse("2026-12-04T1a:08:06Z", &t));
    CHECK_INT(t, 42);

    /* `len` is honoured: a valid prefix of a longer buffer is not enough. */
    CHECK(!kefu_time_parse_rfc3339("2026-12-04T15:08:06+08:00", 24, &t));
    CHECK(kefu_time_parse_rfc3339("2026-12-04T07:08:06Zjunk", 20, &t));
    CHECK_INT(t, base);
}

static void test_rfc3339_format(void)
{
    const kefu_ms base = INT64_C(1796368086000);
    char buf[32];
    kefu_ms t;

    kefu_time_format_rfc3339(base, 480, buf);
    CHECK_STR(buf, "2026-12-04T15:08:06+08:00");
    kefu_time_format_rfc3339(base, -330, buf);
    CHECK_STR(buf, "2026-12-04T01:38:06-05:30");
    kefu_time_format_rfc3339(base, 0, buf);
    CHECK_STR(buf, "2026-12-04T07:08:06+00:00");
    kefu_time_format_rfc3339(base + 999, 480, buf);
    CHECK_STR(buf, "2026-12-04T15:08:06+08:00");
    kefu_time_format_rfc3339(-1, 0, buf);
    CHECK_STR(buf, "1969-12-31T23:59:59+00:00");
    kefu_time_format_rfc3339(-1, 480, buf);
    CHECK_STR(buf, "1970-01-01T07:59:59+08:00");
    kefu_time_format_rfc3339(INT64_MAX, 480, buf);
    CHECK_STR(buf, "9999-12-31T23:59:59+08:00");
    kefu_time_format_rfc3339(INT64_MIN, -330, buf);
    CHECK_STR(buf, "0001-01-01T00:00:00-05:30");

    /* Round trips in both zones over a spread of instants. */
    for (kefu_ms x = INT64_C(-2208988800000); x < INT64_C(4102444800000);
         x += INT64_C(86400000) * 37 + 3723000) {
        static const int zones[] = {480, -330, 0};
        for (int i = 0; i < 3; i++) {
            kefu_time_format_rfc3339(x, zones[i], buf);
            t = 0;
            CHECK(parse(buf, &t));
            if (t != x) {
                CHECK_INT(t, x);
                return;
            }
        }
    }
}

static void test_time_to_date(void)
{
    kefu_ms t;

    CHECK(parse("2026-11-30T23:30:00+08:00", &t));
    CHECK_DATE(kefu_time_to_date(t, 480), 2026, 11, 30);
    CHECK_DATE(kefu_time_to_date(t, 0), 2026, 11, 30);
    CHECK(parse("2026-11-30T16:30:00Z", &t));
    CHECK_DATE(kefu_time_to_date(t, 480), 2026, 12, 1);
    CHECK_DATE(kefu_time_to_date(t, 0), 2026, 11, 30);
    CHECK_DATE(kefu_time_to_date(t, -330), 2026, 11, 30);
    CHECK(parse("2026-12-01T03:00:00Z", &t));
    CHECK_DATE(kefu_time_to_date(t, -330), 2026, 11, 30);
    CHECK_DATE(kefu_time_to_date(-1, 0), 1969, 12, 31);
    CHECK_DATE(kefu_time_to_date(-1, 480), 1970, 1, 1);

    CHECK(parse("2026-12-01T00:00:00+08:00", &t));
    CHECK_INT(kefu_date_to_time(D(2026, 12, 1), 480), t);
    CHECK(parse("2026-12-01T00:00:00-05:30", &t));
    CHECK_INT(kefu_date_to_time(D(2026, 12, 1), -330), t);
    CHECK_INT(kefu_date_to_time(D(1970, 1, 1), 0), 0);
    CHECK_INT(kefu_date_to_time(D(1970, 1, 1), 480), -8 * 3600000);
}

static void test_time_add_months(void)
{
    kefu_ms t, want;
    char buf[32];

    /* Clock time kept, day clamped in the business zone, not in UTC. */
    CHECK(parse("2026-01-31T01:30:00+08:00", &t)); /* 2026-01-30 in UTC */
    CHECK(parse("2026-02-28T01:30:00+08:00", &want));
    CHECK_INT(kefu_time_add_months(t, 1, 480), want);
    kefu_time_format_rfc3339(kefu_time_add_months(t, 1, 480), 480, buf);
    CHECK_STR(buf, "2026-02-28T01:30:00+08:00");

    CHECK(parse("2024-01-31T23:59:59.250+08:00", &t));
    CHECK(parse("2024-02-29T23:59:59.250+08:00", &want));
    CHECK_INT(kefu_time_add_months(t, 1, 480), want);

    CHECK(parse("2026-12-15T10:00:00-05:30", &t));
    CHECK(parse("2028-06-15T10:00:00-05:30", &want));
    CHECK_INT(kefu_time_add_months(t, 18, -330), want);
    CHECK(parse("2026-03-31T08:00:00+08:00", &t));
    CHECK(parse("2026-02-28T08:00:00+08:00", &want));
    CHECK_INT(kefu_time_add_months(t, -1, 480), want);
}

static void test_tz_parse(void)
{
    int tz = 12345;

    CHECK(kefu_tz_parse("+08:00", &tz));
    CHECK_INT(tz, 480);
    CHECK(kefu_tz_parse("-05:30", &tz));
    CHECK_INT(tz, -330);
    CHECK(kefu_tz_parse("UTC+08:00", &tz));
    CHECK_INT(tz, 480);
    CHECK(kefu_tz_parse("UTC+8", &tz));
    CHECK_INT(tz, 480);
    CHECK(kefu_tz_parse("UTC-5:30", &tz));
    CHECK_INT(tz, -330);
    CHECK(kefu_tz_parse("UTC", &tz));
    CHECK_INT(tz, 0);
    CHECK(kefu_tz_parse("+14:00", &tz));
    CHECK_INT(tz, 840);
    CHECK(kefu_tz_parse("-14:00", &tz));
    CHECK_INT(tz, -840);
    CHECK(kefu_tz_parse("Z", &tz));
    CHECK_INT(tz, 0);
    CHECK(kefu_tz_parse("Asia/Shanghai", &tz));
    CHECK_INT(tz, 480);

    tz = 7;
    CHECK(!kefu_tz_parse("", &tz));
    CHECK(!kefu_tz_parse("+8", &tz));
    CHECK(!kefu_tz_parse("+0800", &tz));
    CHECK(!kefu_tz_parse("+08", &tz));
    CHECK(!kefu_tz_parse("+14:01", &tz));
    CHECK(!kefu_tz_parse("-15:00", &tz));
    CHECK(!kefu_tz_parse("+08:60", &tz));
    CHECK(!kefu_tz_parse("UTC+", &tz));
    CHECK(!kefu_tz_parse("UTC+123", &tz));
    CHECK(!kefu_tz_parse("UTC+8:", &tz));
    CHECK(!kefu_tz_parse("UTC+08:00x", &tz));
    CHECK(!kefu_tz_parse("UTC8", &tz));
    CHECK(!kefu_tz_parse("utc", &tz));
    CHECK(!kefu_tz_parse("Asia/Tokyo", &tz));
    CHECK(!kefu_tz_parse("America/New_York", &tz));
    CHECK(!kefu_tz_parse(NULL, &tz));
    CHECK_INT(tz, 7);
}

/* A business date range: the day's start, and the next day's start as the
 * exclusive end, in the zone; across a month end and a leap day. */
static void test_day_start(void)
{
    char text[32];

    kefu_time_format_rfc3339(kefu_day_start("2026-11-30", 480, 0), 480, text);
    CHECK_STR(text, "2026-11-30T00:00:00+08:00");
    kefu_time_format_rfc3339(kefu_day_start("2026-11-30", 480, 1), 480, text);
    CHECK_STR(text, "2026-12-01T00:00:00+08:00");
    kefu_time_format_rfc3339(kefu_day_start("2028-02-28", 0, 1), 0, text);
    CHECK_STR(text, "2028-02-29T00:00:00+00:00");
    CHECK_INT(kefu_day_start("2026-11-30", 480, 0), 1795968000000LL); /* 2026-11-29T16:00Z */
}

KEFU_TESTS = {
    {"day_start", test_day_start},
    {"leap_years", test_leap_years},
    {"days_known_points", test_days_known_points},
    {"days_round_trip", test_days_round_trip},
    {"add_days", test_add_days},
    {"add_months_clamp", test_add_months_clamp},
    {"add_months_sequence", test_add_months_sequence},
    {"compare_weekday", test_compare_weekday},
    {"iso_week", test_iso_week},
    {"date_parse_format", test_date_parse_format},
    {"rfc3339_parse", test_rfc3339_parse},
    {"rfc3339_format", test_rfc3339_format},
    {"time_to_date", test_time_to_date},
    {"time_add_months", test_time_add_months},
    {"tz_parse", test_tz_parse},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return kefu_test_main(argc, argv);
}
