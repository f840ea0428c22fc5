/*
 * clock.h - the service's notion of "now".
 *
 * Normally the wall clock. Under --test-clock, sys.SetClock sets an instant
 * and the clock runs on from it (an offset against the wall clock), so tests
 * can cross month boundaries and deadlines.
 */
#ifndef KEFU_CLOCK_H
#define KEFU_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "timeutil.h"

typedef struct {
    bool settable;     /* started with --test-clock */
    int64_t offset_ms; /* added to the wall clock */
    int tz_minutes;    /* business time zone */
} kefu_clock;

void kefu_clock_init(kefu_clock *c, bool settable, int tz_minutes);
kefu_ms kefu_clock_now(const kefu_clock *c);
/* Makes now() return `t` from this instant on. False when not settable. */
bool kefu_clock_set(kefu_clock *c, kefu_ms t);
/* Monotonic microseconds, for latencies and deadlines. */
int64_t kefu_mono_us(void);

#endif
