#include "clock.h"

#include <time.h>

static kefu_ms wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (kefu_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void kefu_clock_init(kefu_clock *c, bool settable, int tz_minutes)
{
    c->settable = settable;
    c->offset_ms = 0;
    c->tz_minutes = tz_minutes;
}

kefu_ms kefu_clock_now(const kefu_clock *c)
{
    return wall_ms() + c->offset_ms;
}

bool kefu_clock_set(kefu_clock *c, kefu_ms t)
{
    if (!c->settable)
        return false;
    c->offset_ms = t - wall_ms();
    return true;
}

int64_t kefu_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
