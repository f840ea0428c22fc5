#include "metrics.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int bucket_of(uint64_t v)
{
    int e, b;

    if (v < 16)
        return (int)v;
    e = 63 - __builtin_clzll(v); /* e >= 4 */
    b = 16 + (e - 4) * 8 + (int)((v >> (e - 3)) & 7);
    return b < KEFU_HIST_BUCKETS ? b : KEFU_HIST_BUCKETS - 1;
}

/* The upper edge of bucket `b`, what a quantile inside it reports. */
static uint64_t bucket_upper(int b)
{
    int e, sub;

    if (b < 16)
        return (uint64_t)b;
    e = (b - 16) / 8 + 4;
    sub = (b - 16) % 8;
    return ((uint64_t)(8 + sub + 1) << (e - 3)) - 1;
}

void kefu_hist_add(kefu_hist *h, uint64_t us)
{
    h->count++;
    h->sum_us += us;
    if (us > h->max_us)
        h->max_us = us;
    h->buckets[bucket_of(us)]++;
}

uint64_t kefu_hist_quantile(const kefu_hist *h, double q)
{
    uint64_t rank, seen = 0;

    if (h->count == 0)
        return 0;
    rank = (uint64_t)(q * (double)h->count);
    if (rank >= h->count)
        rank = h->count - 1;
    for (int b = 0; b < KEFU_HIST_BUCKETS; b++) {
        seen += h->buckets[b];
        if (seen > rank) {
            uint64_t up = bucket_upper(b);
            return up < h->max_us ? up : h->max_us;
        }
    }
    return h->max_us;
}

int kefu_metrics_init(kefu_metrics *m, const char *service, const char *const *names, int n)
{
    memset(m, 0, sizeof(*m));
    m->service = service;
    m->n_methods = n + 1;
    m->methods = calloc((size_t)n + 1, sizeof(*m->methods));
    if (!m->methods)
        return -1;
    for (int i = 0; i < n; i++)
        m->methods[i].method = names[i];
    m->methods[n].method = "(unknown)";
    return 0;
}

void kefu_metrics_free(kefu_metrics *m)
{
    free(m->methods);
    m->methods = NULL;
}

void kefu_metrics_record(kefu_metrics *m, int index, kefu_status status, uint64_t latency_us)
{
    kefu_method_metrics *mm = &m->methods[index];
    mm->by_status[(unsigned)status < KEFU_STATUS_COUNT ? status : KEFU_STATUS_UNKNOWN]++;
    kefu_hist_add(&mm->latency, latency_us);
}

static cJSON *hist_json(const kefu_hist *h)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "count", (double)h->count);
    cJSON_AddNumberToObject(o, "p50_us", (double)kefu_hist_quantile(h, 0.50));
    cJSON_AddNumberToObject(o, "p90_us", (double)kefu_hist_quantile(h, 0.90));
    cJSON_AddNumberToObject(o, "p99_us", (double)kefu_hist_quantile(h, 0.99));
    cJSON_AddNumberToObject(o, "max_us", (double)h->max_us);
    cJSON_AddNumberToObject(o, "mean_us", h->count ? (double)h->sum_us / (double)h->count : 0);
    return o;
}

/* How long the oldest pending outbox entry has waited, now. */
static int64_t outbox_oldest_age_ms(const kefu_outbox_metrics *o)
{
    struct timespec ts;
    int64_t now;

    if (!o->oldest_created_ms)
        return 0;
    clock_gettime(CLOCK_REALTIME, &ts);
    now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    return now > o->oldest_created_ms ? now - o->oldest_created_ms : 0;
}

cJSON *kefu_metrics_json(const kefu_metrics *m)
{
    cJSON *root = cJSON_CreateObject(), *methods = cJSON_AddArrayToObject(root, "methods");
    cJSON *redis;

    cJSON_AddStringToObject(root, "service", m->service);
    for (int i = 0; i < m->n_methods; i++) {
        const kefu_method_metrics *mm = &m->methods[i];
        cJSON *row, *by;
        if (mm->latency.count == 0)
            continue;
        row = cJSON_CreateObject();
        cJSON_AddStringToObject(row, "name", mm->method);
        cJSON_AddNumberToObject(row, "calls", (double)mm->latency.count);
        by = cJSON_AddObjectToObject(row, "by_status");
        for (int s = 0; s < KEFU_STATUS_COUNT; s++) {
            if (mm->by_status[s])
                cJSON_AddNumberToObject(by, kefu_status_name((kefu_status)s),
                                        (double)mm->by_status[s]);
        }
        cJSON_AddItemToObject(row, "latency", hist_json(&mm->latency));
        cJSON_AddItemToArray(methods, row);
    }
    redis = cJSON_AddObjectToObject(root, "redis");
    cJSON_AddItemToObject(redis, "roundtrip", hist_json(&m->redis_rtt));
    cJSON_AddNumberToObject(redis, "errors", (double)m->redis_errors);
    cJSON_AddNumberToObject(redis, "reconnects", (double)m->redis_reconnects);
    {
        const kefu_outbox_metrics *o = &m->outbox;
        cJSON *ob = cJSON_AddObjectToObject(root, "outbox");
        cJSON_AddNumberToObject(ob, "pending", (double)o->pending);
        cJSON_AddNumberToObject(ob, "failed", (double)o->failed);
        cJSON_AddNumberToObject(ob, "oldest_pending_age_ms", (double)outbox_oldest_age_ms(o));
        cJSON_AddNumberToObject(ob, "delivered", (double)o->delivered);
        cJSON_AddNumberToObject(ob, "retries", (double)o->retries);
        cJSON_AddNumberToObject(ob, "failures", (double)o->failures);
        cJSON_AddItemToObject(ob, "delivery_latency", hist_json(&o->latency));
    }
    return root;
}

int kefu_metrics_deltas(const kefu_metrics *m, kefu_metric_delta *out, int cap)
{
    int n = 0;

    for (int i = 0; i < m->n_methods; i++) {
        const kefu_method_metrics *mm = &m->methods[i];
        for (int s = 0; s < KEFU_STATUS_COUNT && n < cap; s++) {
            if (mm->by_status[s] == mm->shared_status[s])
                continue;
            snprintf(out[n].field, sizeof(out[n].field), "%s|%s", mm->method,
                     kefu_status_name((kefu_status)s));
            out[n++].delta = mm->by_status[s] - mm->shared_status[s];
        }
        for (int b = 0; b < KEFU_HIST_BUCKETS && n < cap; b++) {
            if (mm->latency.buckets[b] == mm->shared_buckets[b])
                continue;
            snprintf(out[n].field, sizeof(out[n].field), "%s|b%d", mm->method, b);
            out[n++].delta = mm->latency.buckets[b] - mm->shared_buckets[b];
        }
    }
    return n;
}

void kefu_metrics_mark_shared(kefu_metrics *m)
{
    for (int i = 0; i < m->n_methods; i++) {
        kefu_method_metrics *mm = &m->methods[i];
        memcpy(mm->shared_status, mm->by_status, sizeof(mm->shared_status));
        memcpy(mm->shared_buckets, mm->latency.buckets, sizeof(mm->shared_buckets));
    }
}

/* The row of `method` in a growing array of cluster rows. */
typedef struct {
    char name[96];
    uint64_t by_status[KEFU_STATUS_COUNT];
    kefu_hist latency;
} cluster_row;

cJSON *kefu_metrics_cluster_json(const char *const *fields, const char *const *values, int n)
{
    cluster_row *rows = NULL;
    int nrows = 0;
    cJSON *root = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(root, "methods");

    for (int i = 0; i < n; i++) {
        const char *bar = strrchr(fields[i], '|');
        unsigned long long v = strtoull(values[i], NULL, 10);
        size_t nlen;
        int r;
        kefu_status st;

        if (!bar || (nlen = (size_t)(bar - fields[i])) >= sizeof(rows->name))
            continue;
        for (r = 0; r < nrows; r++) {
            if (strlen(rows[r].name) == nlen && memcmp(rows[r].name, fields[i], nlen) == 0)
                break;
        }
        if (r == nrows) {
            cluster_row *more = realloc(rows, (size_t)(nrows + 1) * sizeof(*rows));
            if (!more)
                break;
            rows = more;
            memset(&rows[r], 0, sizeof(rows[r]));
            memcpy(rows[r].name, fields[i], nlen);
            nrows++;
        }
        if (bar[1] == 'b' && bar[2] >= '0' && bar[2] <= '9') {
            int b = atoi(bar + 2);
            if (b >= 0 && b < KEFU_HIST_BUCKETS) {
                rows[r].latency.buckets[b] += (uint32_t)v;
                rows[r].latency.count += v;
                if (bucket_upper(b) > rows[r].latency.max_us)
                    rows[r].latency.max_us = bucket_upper(b);
            }
        } else if (kefu_status_from_name(bar + 1, &st)) {
            rows[r].by_status[st] += v;
        }
    }
    for (int r = 0; r < nrows; r++) {
        cJSON *row = cJSON_CreateObject(), *by, *lat;
        uint64_t calls = 0;
        cJSON_AddStringToObject(row, "name", rows[r].name);
        by = cJSON_AddObjectToObject(row, "by_status");
        for (int s = 0; s < KEFU_STATUS_COUNT; s++) {
            calls += rows[r].by_status[s];
            if (rows[r].by_status[s])
                cJSON_AddNumberToObject(by, kefu_status_name((kefu_status)s),
                                        (double)rows[r].by_status[s]);
        }
        cJSON_AddNumberToObject(row, "calls", (double)calls);
        lat = cJSON_AddObjectToObject(row, "latency");
        cJSON_AddNumberToObject(lat, "p50_us", (double)kefu_hist_quantile(&rows[r].latency, 0.5));
        cJSON_AddNumberToObject(lat, "p90_us", (double)kefu_hist_quantile(&rows[r].latency, 0.9));
        cJSON_AddNumberToObject(lat, "p99_us", (double)kefu_hist_quantile(&rows[r].latency, 0.99));
        cJSON_AddItemToArray(list, row);
    }
    free(rows);
    return root;
}

static void prom_summary(kefu_buf *out, const char *name, const char *labels, const kefu_hist *h)
{
    static const double qs[] = {0.5, 0.9, 0.99};
    for (int i = 0; i < 3; i++)
        kefu_buf_printf(out, "%s{%s%squantile=\"%g\"} %llu\n", name, labels, *labels ? "," : "",
                        qs[i], (unsigned long long)kefu_hist_quantile(h, qs[i]));
    kefu_buf_printf(out, "%s_sum{%s} %llu\n%s_count{%s} %llu\n", name, labels,
                    (unsigned long long)h->sum_us, name, labels, (unsigned long long)h->count);
}

void kefu_metrics_prometheus(const kefu_metrics *m, kefu_buf *out)
{
    char labels[192];

    kefu_buf_puts(out, "# HELP kefu_requests_total Requests answered, by method and status.\n"
                       "# TYPE kefu_requests_total counter\n");
    for (int i = 0; i < m->n_methods; i++) {
        for (int s = 0; s < KEFU_STATUS_COUNT; s++) {
            if (m->methods[i].by_status[s])
                kefu_buf_printf(out,
                                "kefu_requests_total{service=\"%s\",method=\"%s\",code=\"%s\"} "
                                "%llu\n",
                                m->service, m->methods[i].method, kefu_status_name((kefu_status)s),
                                (unsigned long long)m->methods[i].by_status[s]);
        }
    }
    kefu_buf_puts(out, "# HELP kefu_request_duration_us Request latency in microseconds.\n"
                       "# TYPE kefu_request_duration_us summary\n");
    for (int i = 0; i < m->n_methods; i++) {
        if (m->methods[i].latency.count == 0)
            continue;
        snprintf(labels, sizeof(labels), "service=\"%s\",method=\"%s\"", m->service,
                 m->methods[i].method);
        prom_summary(out, "kefu_request_duration_us", labels, &m->methods[i].latency);
    }
    snprintf(labels, sizeof(labels), "service=\"%s\"", m->service);
    kefu_buf_puts(out, "# HELP kefu_redis_roundtrip_us Redis command round trip in microseconds.\n"
                       "# TYPE kefu_redis_roundtrip_us summary\n");
    prom_summary(out, "kefu_redis_roundtrip_us", labels, &m->redis_rtt);
    kefu_buf_printf(out,
                    "# TYPE kefu_redis_errors_total counter\nkefu_redis_errors_total{%s} %llu\n"
                    "# TYPE kefu_redis_reconnects_total counter\n"
                    "kefu_redis_reconnects_total{%s} %llu\n",
                    labels, (unsigned long long)m->redis_errors, labels,
                    (unsigned long long)m->redis_reconnects);
    kefu_buf_printf(
        out,
        "# HELP kefu_outbox_pending Outbox entries not yet acknowledged by their peer.\n"
        "# TYPE kefu_outbox_pending gauge\nkefu_outbox_pending{%s} %lld\n"
        "# HELP kefu_outbox_failed Outbox entries a peer refused for good.\n"
        "# TYPE kefu_outbox_failed gauge\nkefu_outbox_failed{%s} %lld\n"
        "# HELP kefu_outbox_oldest_pending_age_ms Age of the oldest pending entry.\n"
        "# TYPE kefu_outbox_oldest_pending_age_ms gauge\n"
        "kefu_outbox_oldest_pending_age_ms{%s} %lld\n"
        "# TYPE kefu_outbox_delivered_total counter\n"
        "kefu_outbox_delivered_total{%s} %llu\n"
        "# TYPE kefu_outbox_retries_total counter\nkefu_outbox_retries_total{%s} %llu\n"
        "# TYPE kefu_outbox_failures_total counter\nkefu_outbox_failures_total{%s} %llu\n",
        labels, (long long)m->outbox.pending, labels, (long long)m->outbox.failed, labels,
        (long long)outbox_oldest_age_ms(&m->outbox), labels,
        (unsigned long long)m->outbox.delivered, labels, (unsigned long long)m->outbox.retries,
        labels, (unsigned long long)m->outbox.failures);
    kefu_buf_puts(out, "# HELP kefu_outbox_delivery_us From the entry's commit to the peer's "
                       "acknowledgement, in microseconds.\n"
                       "# TYPE kefu_outbox_delivery_us summary\n");
    prom_summary(out, "kefu_outbox_delivery_us", labels, &m->outbox.latency);
}
