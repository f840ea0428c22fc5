/*
 * bench_common.c - histogram, clock and request templates shared by the
 * kefu-bench drivers.
 */
#include "bench.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int hist_index(uint64_t ns)
{
    if (ns < BENCH_HIST_SUB)
        return (int)ns;
    int msb = 63 - __builtin_clzll(ns);
    int shift = msb - BENCH_HIST_SUB_BITS;
    int idx = (shift + 1) * BENCH_HIST_SUB + (int)((ns >> shift) - BENCH_HIST_SUB);
    return idx < BENCH_HIST_BUCKETS ? idx : BENCH_HIST_BUCKETS - 1;
}

/* The middle of bucket `idx`, in nanoseconds. */
static double hist_value(int idx)
{
    if (idx < BENCH_HIST_SUB)
        return idx;
    int shift = idx / BENCH_HIST_SUB - 1;
    uint64_t low = (uint64_t)(idx % BENCH_HIST_SUB + BENCH_HIST_SUB) << shift;
    return (double)low + (double)((uint64_t)1 << shift) / 2.0;
}

void bench_hist_record(bench_hist *h, uint64_t ns)
{
    h->buckets[hist_index(ns)]++;
    h->count++;
}

void bench_hist_merge(bench_hist *into, const bench_hist *from)
{
    for (int i = 0; i < BENCH_HIST_BUCKETS; i++)
        into->buckets[i] += from->buckets[i];
    into->count += from->count;
}

double bench_hist_quantile_us(const bench_hist *h, double q)
{
    if (h->count == 0)
        return 0;
    uint64_t rank = (uint64_t)(q * (double)h->count + 0.999999);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (int i = 0; i < BENCH_HIST_BUCKETS; i++) {
        seen += h->buckets[i];
        if (seen >= rank)
            return hist_value(i) / 1000.0;
    }
    return hist_value(BENCH_HIST_BUCKETS - 1) / 1000.0;
}

uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int bench_tmpl_init(bench_tmpl *t, const char *text, size_t len)
{
    t->text = malloc(len + 1);
    if (t->text == NULL)
        return -1;
    memcpy(t->text, text, len);
    t->text[len] = '\0';
    t->len = len;
    t->holes = 0;
    for (const char *p = t->text; (p = strstr(p, BENCH_TMPL_HOLE)) != NULL;
         p += strlen(BENCH_TMPL_HOLE))
        t->holes++;
    return 0;
}

void bench_tmpl_free(bench_tmpl *t)
{
    free(t->text);
    t->text = NULL;
}

size_t bench_tmpl_max(const bench_tmpl *t)
{
    return t->len + t->holes * 20 + 1; /* 20 digits hold any uint64_t */
}

size_t bench_tmpl_expand(const bench_tmpl *t, uint64_t n, char *out)
{
    if (t->holes == 0) {
        memcpy(out, t->text, t->len);
        return t->len;
    }
    char digits[24];
    int ndigits = snprintf(digits, sizeof(digits), "%" PRIu64, n);
    const size_t holelen = strlen(BENCH_TMPL_HOLE);
    const char *p = t->text;
    const char *end = t->text + t->len;
    size_t w = 0;
    for (;;) {
        const char *hole = strstr(p, BENCH_TMPL_HOLE);
        if (hole == NULL)
            hole = end;
        memcpy(out + w, p, (size_t)(hole - p));
        w += (size_t)(hole - p);
        if (hole == end)
            break;
        memcpy(out + w, digits, (size_t)ndigits);
        w += (size_t)ndigits;
        p = hole + holelen;
    }
    return w;
}

static atomic_uint_fast64_t call_counter;

void bench_first_n(uint64_t first)
{
    atomic_store(&call_counter, first > 0 ? first - 1 : 0);
}

uint64_t bench_next_n(void)
{
    return (uint64_t)atomic_fetch_add(&call_counter, 1) + 1;
}
