/*
 * timeutil.h - calendar arithmetic with no I/O and no libc time zone state.
 *
 * Instants are milliseconds since the Unix epoch (UTC). The business time
 * zone is a fixed offset in minutes east of UTC (default +480, Asia/Shanghai,
 * which has no DST). Dates are proleptic Gregorian, years 0001..9999.
 */
#ifndef KEFU_TIMEUTIL_H
#define KEFU_TIMEUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int64_t kefu_ms;

typedef struct {
    int year;  /* 1..9999 */
    int month; /* 1..12 */
    int day;   /* 1..days in month */
} kefu_date;

#define KEFU_DEFAULT_TZ_MINUTES 480

bool kefu_is_leap_year(int year);
int kefu_days_in_month(int year, int month);

/* Strict "YYYY-MM-DD" of exactly `len` bytes naming a real calendar day. */
bool kefu_date_parse(const char *s, size_t len, kefu_date *out);
/* Writes "YYYY-MM-DD" and a NUL. */
void kefu_date_format(kefu_date d, char out[11]);

/* Days since 1970-01-01 (negative before). */
int64_t kefu_date_to_days(kefu_date d);
kefu_date kefu_date_from_days(int64_t days);
kefu_date kefu_date_add_days(kefu_date d, int64_t days);
/* Adds `months` (may be negative); the day is clamped to the target month's end
 * (2025-01-31 + 1 month = 2025-02-28; 2024-01-31 + 1 = 2024-02-29). */
kefu_date kefu_date_add_months(kefu_date d, int months);
/* <0, 0, >0 as a is before, equal to, after b. */
int kefu_date_compare(kefu_date a, kefu_date b);
/* 1 = Monday .. 7 = Sunday. */
int kefu_date_weekday(kefu_date d);
/* ISO 8601 week of `d`: *iso_year and *week (1..53). */
void kefu_date_iso_week(kefu_date d, int *iso_year, int *week);

/*
 * Strict RFC 3339 date-time of exactly `len` bytes: "YYYY-MM-DDTHH:MM:SS",
 * optional fraction ".s" to ".sssssssss" (kept to the millisecond, truncated),
 * then "Z" or "+hh:mm"/"-hh:mm" (required). 'T' and 'Z' may be lower case.
 * Seconds 00..59 (no leap second 60). Range-checks every part.
 */
bool kefu_time_parse_rfc3339(const char *s, size_t len, kefu_ms *out);
/* "2026-12-04T15:08:06+08:00" in the zone `tz_minutes` (whole seconds;
 * "+00:00" for UTC). Writes a NUL; 32 bytes is always enough. */
void kefu_time_format_rfc3339(kefu_ms t, int tz_minutes, char out[32]);

/* The calendar date of instant `t` in zone `tz_minutes`. */
kefu_date kefu_time_to_date(kefu_ms t, int tz_minutes);
/* The instant at 00:00 of date `d` in zone `tz_minutes`. */
kefu_ms kefu_date_to_time(kefu_date d, int tz_minutes);
/* The instant the day `plus_days` after "YYYY-MM-DD" `date` (already
 * validated) starts in zone `tz_minutes`: a date range's inclusive start
 * (0) or exclusive end (1). */
kefu_ms kefu_day_start(const char *date, int tz_minutes, int plus_days);
/* Adds calendar months to an instant in zone `tz_minutes`, keeping the clock
 * time and clamping the day to month end. */
kefu_ms kefu_time_add_months(kefu_ms t, int months, int tz_minutes);

/* Parses a zone: "+08:00", "-05:30", "UTC+08:00", "UTC", "Z", or one of the
 * few fixed-offset names kefu knows ("Asia/Shanghai", "UTC"). */
bool kefu_tz_parse(const char *s, int *tz_minutes);

#endif
