/*
 * schedule.c - the visit plan rule and ISO week ranges; see schedule.h.
 */
#include <string.h>

#include "schedule.h"

int visits_plan_month(int n)
{
    if (n < 1)
        return 0;
    if (n <= VISITS_MONTHLY_VISITS)
        return n;
    return VISITS_MONTHLY_VISITS + VISITS_QUARTER * (n - VISITS_MONTHLY_VISITS);
}

kefu_date visits_plan_due(kefu_date delivered_on, int n)
{
    return kefu_date_add_months(delivered_on, visits_plan_month(n));
}

/* The inverse of visits_plan_month: the smallest n whose month offset is at
 * least `months`. Offsets 13 and 14 round up to visit 13 (month 15). */
static int first_visit_from_month(int months)
{
    if (months <= 1)
        return 1;
    if (months <= VISITS_MONTHLY_VISITS)
        return months;
    return VISITS_MONTHLY_VISITS +
           (months - VISITS_MONTHLY_VISITS + VISITS_QUARTER - 1) / VISITS_QUARTER;
}

/*
 * Due dates grow strictly with the month offset (each lands in a different
 * calendar month), so the first offset k with a due date >= from is either
 * the month distance from delivery to `from`, when that month's clamped day
 * is not before from's day, or the one after it. The first visit is then the
 * first planned offset >= k.
 */
int visits_plan_first_on_or_after(kefu_date delivered_on, kefu_date from)
{
    int k = (from.year - delivered_on.year) * 12 + (from.month - delivered_on.month);

    if (k < 1)
        return 1;
    if (kefu_date_compare(kefu_date_add_months(delivered_on, k), from) < 0)
        k++;
    return first_visit_from_month(k);
}

int visits_plan_between(kefu_date delivered_on, kefu_date from, kefu_date to, int max, int *out_n)
{
    int count = 0;

    if (max <= 0 || out_n == NULL || kefu_date_compare(from, to) > 0)
        return 0;
    for (int n = visits_plan_first_on_or_after(delivered_on, from);
         count < max && kefu_date_compare(visits_plan_due(delivered_on, n), to) <= 0; n++)
        out_n[count++] = n;
    return count;
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

/*
 * ISO week 1 is the week holding January 4th, and the last week of an ISO
 * year is the one holding December 28th (52, or 53 in long years).
 */
bool visits_iso_week_range(const char *week, kefu_date *monday, kefu_date *sunday)
{
    int year, w, iso_year, last_week;
    kefu_date jan4, dec28, sun;
    int64_t first_monday, mon_days;

    if (week == NULL || strlen(week) != 8 || week[4] != '-' || week[5] != 'W')
        return false;
    if (!read_digits(week, 4, &year) || !read_digits(week + 6, 2, &w) || year < 1)
        return false;
    dec28 = (kefu_date){year, 12, 28};
    kefu_date_iso_week(dec28, &iso_year, &last_week);
    if (w < 1 || w > last_week)
        return false;
    jan4 = (kefu_date){year, 1, 4};
    first_monday = kefu_date_to_days(jan4) - (kefu_date_weekday(jan4) - 1);
    mon_days = first_monday + 7 * (int64_t)(w - 1);
    sun = kefu_date_from_days(mon_days + 6);
    if (sun.year > 9999 || kefu_date_from_days(mon_days).year < 1)
        return false;
    *monday = kefu_date_from_days(mon_days);
    *sunday = sun;
    return true;
}
