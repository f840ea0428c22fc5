/*
 * metrics.h - per-method call counts by status, latency histograms and Redis
 * round-trip figures, kept on the loop (no locks) and printed as JSON for
 * sys.Metrics or as Prometheus text exposition.
 *
 * Each replica also adds what changed to one Redis hash per service every
 * second (kefu_metrics_deltas), so sys.Metrics can show the whole service
 * across replicas (kefu_metrics_cluster_json).
 */
#ifndef KEFU_METRICS_H
#define KEFU_METRICS_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "buf.h"
#include "status.h"

/* Log-linear buckets: exact below 16 µs, then 8 per power of two. */
#define KEFU_HIST_BUCKETS 272

typedef struct {
    uint64_t count;
    uint64_t sum_us;
    uint64_t max_us;
    uint32_t buckets[KEFU_HIST_BUCKETS];
} kefu_hist;

void kefu_hist_add(kefu_hist *h, uint64_t us);
/* The value below which fraction `q` (0..1) of samples fall; 0 when empty. */
uint64_t kefu_hist_quantile(const kefu_hist *h, double q);

typedef struct {
    const char *method;
    uint64_t by_status[KEFU_STATUS_COUNT];
    kefu_hist latency;
    /* what has been added to the shared hash already */
    uint64_t shared_status[KEFU_STATUS_COUNT];
    uint32_t shared_buckets[KEFU_HIST_BUCKETS];
} kefu_method_metrics;

/* The relay's view of this service's outbox (outbox.h), as of its last claim. */
typedef struct {
    int64_t pending, failed;
    int64_t oldest_created_ms; /* wall clock; 0 when nothing is pending */
    uint64_t delivered, retries, failures;
    kefu_hist latency; /* entry written -> peer acknowledged */
} kefu_outbox_metrics;

typedef struct {
    const char *service;
    int n_methods;
    kefu_method_metrics *methods; /* one per method, plus a last row for unknown methods */
    kefu_hist redis_rtt;
    uint64_t redis_errors;
    uint64_t redis_reconnects;
    kefu_outbox_metrics outbox;
    int64_t started_ms;
} kefu_metrics;

/* `names` lists the method names; a last row "(unknown)" is added. */
int kefu_metrics_init(kefu_metrics *m, const char *service, const char *const *names, int n);
void kefu_metrics_free(kefu_metrics *m);
/* Row `index` (n_methods - 1 is the unknown row). */
void kefu_metrics_record(kefu_metrics *m, int index, kefu_status status, uint64_t latency_us);

cJSON *kefu_metrics_json(const kefu_metrics *m);

/* One counter increment for the shared hash: field "<method>|<STATUS>" or
 * "<method>|b<bucket>". */
typedef struct {
    char field[112];
    uint64_t delta;
} kefu_metric_delta;

/* Writes up to `cap` increments made since kefu_metrics_mark_shared. */
int kefu_metrics_deltas(const kefu_metrics *m, kefu_metric_delta *out, int cap);
/* Records that every count so far has been added to the shared hash. */
void kefu_metrics_mark_shared(kefu_metrics *m);
/* The cross-replica view from the shared hash's HGETALL pairs:
 * {"methods": [{name, calls, by_status, latency{p50_us,p90_us,p99_us}}]}. */
cJSON *kefu_metrics_cluster_json(const char *const *fields, const char *const *values, int n);
void kefu_metrics_prometheus(const kefu_metrics *m, kefu_buf *out);

#endif
