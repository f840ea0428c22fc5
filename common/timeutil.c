/*
 * timeutil.c - proleptic Gregorian calendar arithmetic on integers.
 *
 * Days <-> civil dates use Howard Hinnant's days_from_civil/civil_from_days
 * ("chrono-Compatible Low-Level Date Algorithms"): eras of 400 years, March
 * based years so that the leap day ends the year. Every division of a value
 * that may be negative is a floor division, so instants before 1970 land on
 * the right day. Nothing here reads TZ or calls libc time zone functions.
 */
#include "timeutil.h"

#include <string.h>

#define MS_PER_MINUTE  INT64_C(60000)
#define MS_PER_DAY     INT64_C(86400000)
#define MAX_TZ_MINUTES (14 * 60)

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    return a - floor_div(a, b) * b;
}

bool kefu_is_leap_year(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int kefu_days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (month < 1 || month > 12)
        return 0;
    if (month == 2 && kefu_is_leap_year(year))
        return 29;
    return days[month - 1];
}

int64_t kefu_date_to_days(kefu_date d)
{
    int64_t y = (int64_t)d.year - (d.month <= 2);
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                         /* [0, 399] */
    int64_t mp = (d.month + 9) % 12;                     /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + d.day - 1;        /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

kefu_date kefu_date_from_days(int64_t days)
{
    int64_t z = days + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;                                      /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
    kefu_date d;

    d.day = (int)(doy - (153 * mp + 2) / 5 + 1);
    d.month = (int)(mp < 10 ? mp + 3 : mp - 9);
    d.year = (int)(yoe + era * 400 + (d.month <= 2));
    return d;
}

kefu_date kefu_date_add_days(kefu_date d, int64_t days)
{
    return kefu_date_from_days(kefu_date_to_days(d) + days);
}

kefu_date kefu_date_add_months(kefu_date d, int months)
{
    int64_t total = (int64_t)d.year * 12 + (d.month - 1) + months;
    kefu_date r;
    int last;

    r.year = (int)floor_div(total, 12);
    r.month = (int)floor_mod(total, 12) + 1;
    last = kefu_days_in_month(r.year, r.month);
    r.day = d.day > last ? last : d.day;
    return r;
}

int kefu_date_compare(kefu_date a, kefu_date b)
{
    if (a.year != b.year)
        return a.year < b.year ? -1 : 1;
    if (a.month != b.month)
        return a.month < b.month ? -1 : 1;
    if (a.day != b.day)
        return a.day < b.day ? -1 : 1;
    return 0;
}

int kefu_date_weekday(kefu_date d)
{
    /* 1970-01-01 was a Thursday (4). */
    return (int)floor_mod(kefu_date_to_days(d) + 3, 7) + 1;
}

/*
 * ISO 8601: weeks start on Monday and week 1 is the one holding the year's
 * first Thursday, so a date belongs to the ISO year of its week's Thursday.
 */
void kefu_date_iso_week(kefu_date d, int *iso_year, int *week)
{
    int64_t days = kefu_date_to_days(d);
    int64_t thursday = days + 4 - kefu_date_weekday(d);
    kefu_date th = kefu_date_from_days(thursday);
    kefu_date jan1 = {th.year, 1, 1};

    *iso_year = th.year;
    *week = (int)((thursday - kefu_date_to_days(jan1)) / 7 + 1);
}

/* Reads exactly `n` ASCII digits at `s`; false on anything else. */
static bool read_digits(const char *s, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Writes `v` (>= 0) as exactly `n` digits, zero padded. */
static char *put_digits(char *p, int v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + n;
}

/* "YYYY-MM-DD" at `s` (10 bytes available), year 0001..9999. */
static bool parse_date10(const char *s, kefu_date *out)
{
    kefu_date d;

    if (s[4] != '-' || s[7] != '-')
        return false;
    if (!read_digits(s, 4, &d.year) || !read_digits(s + 5, 2, &d.month) ||
        !read_digits(s + 8, 2, &d.day))
        return false;
    if (d.year < 1 || d.month < 1 || d.month > 12)
        return false;
    if (d.day < 1 || d.day > kefu_days_in_month(d.year, d.month))
        return false;
    *out = d;
    return true;
}

bool kefu_date_parse(const char *s, size_t len, kefu_date *out)
{
    if (s == NULL || len != 10)
        return false;
    return parse_date10(s, out);
}

void kefu_date_format(kefu_date d, char out[11])
{
    char *p = out;
    int year = d.year < 0 ? 0 : d.year > 9999 ? 9999 : d.year;

    p = put_digits(p, year, 4);
    *p++ = '-';
    p = put_digits(p, d.month, 2);
    *p++ = '-';
    p = put_digits(p, d.day, 2);
    *p = '\0';
}

bool kefu_time_parse_rfc3339(const char *s, size_t len, kefu_ms *out)
{
    kefu_date d;
    int hh, mi, ss, ms = 0, oh, om, sign;
    size_t i;

    /* Shortest form: "YYYY-MM-DDTHH:MM:SSZ" (20 bytes). */
    if (s == NULL || len < 20)
        return false;
    if (!parse_date10(s, &d))
        return false;
    if (s[10] != 'T' && s[10] != 't')
        return false;
    if (s[13] != ':' || s[16] != ':')
        return false;
    if (!read_digits(s + 11, 2, &hh) || !read_digits(s + 14, 2, &mi) ||
        !read_digits(s + 17, 2, &ss))
        return false;
    if (hh > 23 || mi > 59 || ss > 59)
        return false;

    i = 19;
    if (s[i] == '.') {
        size_t start = ++i;
        int scale = 100;

        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (i - start < 3) {
                ms += (s[i] - '0') * scale;
                scale /= 10;
            }
            i++;
        }
        if (i == start || i - start > 9)
            return false;
    }

    if (i == len)
        return false; /* the offset is required */
    if (s[i] == 'Z' || s[i] == 'z') {
        if (i + 1 != len)
            return false;
        sign = 0;
        oh = om = 0;
    } else if (s[i] == '+' || s[i] == '-') {
        if (len - i != 6 || s[i + 3] != ':')
            return false;
        if (!read_digits(s + i + 1, 2, &oh) || !read_digits(s + i + 4, 2, &om))
            return false;
        if (oh > 23 || om > 59)
            return false;
        sign = s[i] == '-' ? -1 : 1;
    } else {
        return false;
    }

    *out = kefu_date_to_days(d) * MS_PER_DAY + (int64_t)hh * 3600000 + (int64_t)mi * 60000 +
           (int64_t)ss * 1000 + ms - (int64_t)sign * (oh * 60 + om) * MS_PER_MINUTE;
    return true;
}

/* Offsets beyond -14:00..+14:00 do not exist; they are clamped to that range. */
static int clamp_tz(int tz_minutes)
{
    if (tz_minutes < -MAX_TZ_MINUTES)
        return -MAX_TZ_MINUTES;
    if (tz_minutes > MAX_TZ_MINUTES)
        return MAX_TZ_MINUTES;
    return tz_minutes;
}

/*
 * Splits instant `t` into its local date and the milliseconds into that day
 * in zone `tz_minutes`. Local times are clamped to 0001-01-01..9999-12-31 so
 * that every result has a four-digit year and no arithmetic can overflow.
 */
static kefu_date local_parts(kefu_ms t, int tz_minutes, int64_t *ms_of_day)
{
    static const kefu_date first = {1, 1, 1}, last = {9999, 12, 31};
    int64_t lo = kefu_date_to_days(first) * MS_PER_DAY;
    int64_t hi = (kefu_date_to_days(last) + 1) * MS_PER_DAY - 1;
    int64_t local, days;

    /* |offset| < one day, so clamping `t` first keeps the sum in range. */
    if (t < lo - MS_PER_DAY)
        t = lo - MS_PER_DAY;
    else if (t > hi + MS_PER_DAY)
        t = hi + MS_PER_DAY;
    local = t + (int64_t)clamp_tz(tz_minutes) * MS_PER_MINUTE;
    if (local < lo)
        local = lo;
    else if (local > hi)
        local = hi;

    days = floor_div(local, MS_PER_DAY);
    *ms_of_day = local - days * MS_PER_DAY;
    return kefu_date_from_days(days);
}

void kefu_time_format_rfc3339(kefu_ms t, int tz_minutes, char out[32])
{
    int64_t msd;
    kefu_date d = local_parts(t, tz_minutes, &msd);
    int secs = (int)(msd / 1000);
    int tz = clamp_tz(tz_minutes);
    int off = tz < 0 ? -tz : tz;
    char *p;

    kefu_date_format(d, out);
    p = out + 10;
    *p++ = 'T';
    p = put_digits(p, secs / 3600, 2);
    *p++ = ':';
    p = put_digits(p, secs / 60 % 60, 2);
    *p++ = ':';
    p = put_digits(p, secs % 60, 2);
    *p++ = tz < 0 ? '-' : '+';
    p = put_digits(p, off / 60, 2);
    *p++ = ':';
    p = put_digits(p, off % 60, 2);
    *p = '\0';
}

kefu_date kefu_time_to_date(kefu_ms t, int tz_minutes)
{
    int64_t msd;

    return local_parts(t, tz_minutes, &msd);
}

kefu_ms kefu_date_to_time(kefu_date d, int tz_minutes)
{
    return kefu_date_to_days(d) * MS_PER_DAY - (int64_t)clamp_tz(tz_minutes) * MS_PER_MINUTE;
}

kefu_ms kefu_time_add_months(kefu_ms t, int months, int tz_minutes)
{
    int64_t msd;
    kefu_date d = kefu_date_add_months(local_parts(t, tz_minutes, &msd), months);

    return kefu_date_to_time(d, tz_minutes) + msd;
}

/*
 * "[+-]H" or "[+-]HH", optionally followed by ":MM" when `short_hours`,
 * else exactly "[+-]HH:MM"; the whole of `s` must be consumed.
 */
static bool parse_offset(const char *s, bool short_hours, int *minutes)
{
    size_t len = strlen(s);
    int sign, h = 0, m = 0;
    size_t hl;

    if (len < 2 || (s[0] != '+' && s[0] != '-'))
        return false;
    sign = s[0] == '-' ? -1 : 1;
    s++;
    len--;
    hl = 0;
    while (hl < len && hl < 3 && s[hl] >= '0' && s[hl] <= '9')
        hl++;
    if (hl == 0 || hl > 2 || (!short_hours && hl != 2))
        return false;
    read_digits(s, (int)hl, &h);
    if (hl == len) {
        if (!short_hours)
            return false;
    } else if (len - hl != 3 || s[hl] != ':' || !read_digits(s + hl + 1, 2, &m)) {
        return false;
    }
    if (m > 59 || h * 60 + m > MAX_TZ_MINUTES)
        return false;
    *minutes = sign * (h * 60 + m);
    return true;
}

bool kefu_tz_parse(const char *s, int *tz_minutes)
{
    static const struct {
        const char *name;
        int minutes;
    } names[] = {
        {"UTC", 0},
        {"Z", 0},
        {"Asia/Shanghai", 480},
    };

    if (s == NULL)
        return false;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(s, names[i].name) == 0) {
            *tz_minutes = names[i].minutes;
            return true;
        }
    }
    if (strncmp(s, "UTC", 3) == 0)
        return parse_offset(s + 3, true, tz_minutes);
    return parse_offset(s, false, tz_minutes);
}

kefu_ms kefu_day_start(const char *date, int tz_minutes, int plus_days)
{
    kefu_date d = {1970, 1, 1};

    kefu_date_parse(date, strlen(date), &d);
    return kefu_date_to_time(kefu_date_add_days(d, plus_days), tz_minutes);
}
