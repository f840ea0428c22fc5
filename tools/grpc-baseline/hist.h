/*
 * hist.h - kefu-bench's latency histogram and clock (tools/bench_common.c)
 * for the C++ gRPC load generator, behind an opaque type so that C++ never
 * sees bench.h (which is C-only). The buckets, quantiles and rounding are
 * exactly those of kefu-bench, so the figures compare like for like.
 */
#ifndef KEFU_GRPC_BASELINE_HIST_H
#define KEFU_GRPC_BASELINE_HIST_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct grpc_bench_hist grpc_bench_hist;

/* A zeroed histogram; NULL when out of memory. */
grpc_bench_hist *grpc_bench_hist_new(void);
void grpc_bench_hist_free(grpc_bench_hist *h);
void grpc_bench_hist_record(grpc_bench_hist *h, uint64_t ns);
void grpc_bench_hist_merge(grpc_bench_hist *into, const grpc_bench_hist *from);
uint64_t grpc_bench_hist_count(const grpc_bench_hist *h);
/* The q-quantile in microseconds, as bench_hist_quantile_us. */
double grpc_bench_hist_quantile_us(const grpc_bench_hist *h, double q);
/* CLOCK_MONOTONIC in nanoseconds, as bench_now_ns. */
uint64_t grpc_bench_now_ns(void);

#ifdef __cplusplus
}
#endif

#endif
