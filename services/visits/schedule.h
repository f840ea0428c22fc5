/*
 * schedule.h - the visit plan (回访制度, SPEC section 5) as pure arithmetic.
 * No I/O and no clock: the caller passes every date.
 *
 * A project delivered within a year is visited every month, an older one
 * every quarter. Visit n (n = 1, 2, ...) falls at delivered_on plus
 * visits_plan_month(n) months: 1, 2, ..., 12, then 15, 18, 21, ... for as long
 * as the account is active. Each due date is computed from delivered_on
 * itself, never from the previous due date, with the day clamped to the
 * target month's end (delivered 2026-01-31: 2026-02-28, 2026-03-31,
 * 2026-04-30, ...), so a short month never shifts later visits.
 *
 * The plan has no end, so it is never built as a list: callers ask for one
 * visit (visits_plan_due), for the first one still ahead of a date
 * (visits_plan_first_on_or_after) or for a bounded batch in a window
 * (visits_plan_between).
 */
#ifndef KEFU_VISITS_SCHEDULE_H
#define KEFU_VISITS_SCHEDULE_H

#include <stdbool.h>

#include "timeutil.h"

/* Months in the monthly phase; later visits come every VISITS_QUARTER months. */
#define VISITS_MONTHLY_VISITS 12
#define VISITS_QUARTER        3

/* The month offset from delivery of the n-th planned visit: n for n <= 12,
 * then 15, 18, ... (12 + 3 * (n - 12)). 0 when n < 1, which is no visit. */
int visits_plan_month(int n);

/* The due date of the n-th planned visit (n >= 1): delivered_on plus
 * visits_plan_month(n) months, the day clamped to month end. */
kefu_date visits_plan_due(kefu_date delivered_on, int n);

/* The smallest n (>= 1) whose due date is on or after `from`. Computed from
 * the month distance between the two dates, in constant time, so an account
 * delivered decades ago costs the same as a new one. */
int visits_plan_first_on_or_after(kefu_date delivered_on, kefu_date from);

/* Writes to out_n, in order, the numbers of the planned visits due in
 * [from, to] (both inclusive), at most `max` of them, and returns how many it
 * wrote. Returns 0 when max <= 0, out_n is NULL or to is before from. A
 * caller that gets `max` back may ask again from the day after the last due
 * date. */
int visits_plan_between(kefu_date delivered_on, kefu_date from, kefu_date to, int max, int *out_n);

/* Parses an ISO 8601 week "YYYY-Www" (exactly 8 bytes, upper-case 'W', week
 * 01..53 and only 53 in the ISO years that have it) and writes its Monday and
 * Sunday, for the weekly report (周报). False, writing nothing, on anything
 * else, including a week whose Sunday would fall after 9999-12-31. */
bool visits_iso_week_range(const char *week, kefu_date *monday, kefu_date *sunday);

#endif
