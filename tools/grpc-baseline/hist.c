/*
 * hist.c - the opaque wrapper of hist.h around kefu-bench's own histogram.
 */
#include "hist.h"

#include <stdlib.h>

#include "../bench.h"

struct grpc_bench_hist {
    bench_hist h;
};

grpc_bench_hist *grpc_bench_hist_new(void)
{
    return calloc(1, sizeof(grpc_bench_hist));
}

void grpc_bench_hist_free(grpc_bench_hist *h)
{
    free(h);
}

void grpc_bench_hist_record(grpc_bench_hist *h, uint64_t ns)
{
    bench_hist_record(&h->h, ns);
}

void grpc_bench_hist_merge(grpc_bench_hist *into, const grpc_bench_hist *from)
{
    bench_hist_merge(&into->h, &from->h);
}

uint64_t grpc_bench_hist_count(const grpc_bench_hist *h)
{
    return h->h.count;
}

double grpc_bench_hist_quantile_us(const grpc_bench_hist *h, double q)
{
    return bench_hist_quantile_us(&h->h, q);
}

uint64_t grpc_bench_now_ns(void)
{
    return bench_now_ns();
}
