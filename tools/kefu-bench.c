/*
 * kefu-bench - calls/s and latency of one kefu method at 1, 16 and 64 (or
 * any) concurrent callers, measured next to the two ceilings that bound it in
 * the same run:
 *
 *   kefu            the service at --addr
 *   redis ceiling   the storage work of one call done by Redis alone
 *                   (bench_ceiling.c), at the same concurrency
 *   raw nng echo    an in-process rep0 server that returns each request as
 *                   it came, on the same transport: what nng itself costs
 *
 * A benchmark, not a test: it prints figures and exits 0 whatever they are.
 * Every run is bounded by --duration plus one --timeout, on loopback only.
 */
#include "bench.h"
#include "client.h"
#include "json.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef KEFU_VERSION
#define KEFU_VERSION "dev"
#endif

#define MAX_LEVELS 32

typedef struct {
    const char *addr;
    const char *method;
    const char *params; /* NULL: no params in the request */
    const char *token;
    const char *redis;
    const char *ns;
    double duration;
    int levels[MAX_LEVELS];
    int nlevels;
    int timeout_ms;
    bool idempotency;
    bool baseline;
    bool redis_benchmark;
    bool use_redis;
    bool json;
    bool outbox;
} bench_opts;

/* One printed row: a target measured at one concurrency level. */
typedef struct {
    const char *target; /* "kefu", "redis", "nng" */
    char label[96];
    bool ran;
    bench_result res;
} bench_row;

enum { ROW_KEFU, ROW_REDIS, ROW_NNG, ROW_COUNT };

static const char usage[] =
    "usage: kefu-bench --addr ADDR --method METHOD [options]\n"
    "\n"
    "Measures calls/s and p50/p90/p99 latency of one kefu method at each\n"
    "concurrency level, next to the Redis ceiling for the same work and a raw\n"
    "nng REQ/REP echo on the same transport.\n"
    "\n"
    "  --addr ADDR           service address (tcp://127.0.0.1:7101, ipc:///path)\n"
    "  --method NAME         method to call (sys.Health, complaints.Create, ...)\n"
    "  --params JSON         params object; every \"{{n}}\" in it becomes a number\n"
    "                        unique to each call (e.g. '{\"name\":\"bench-{{n}}\"}')\n"
    "  --token T             meta.token sent with every call\n"
    "  --idempotency         send a unique meta.idempotency_key with every call\n"
    "  --duration SECONDS    length of each run (default 5)\n"
    "  --concurrency LIST    calls in flight, comma separated (default 1,16,64)\n"
    "  --timeout MS          per-call timeout, also sent as meta.deadline_ms\n"
    "                        (default 5000)\n"
    "  --redis URL           Redis for the ceiling: redis://[:password@]host:port/db\n"
    "                        or unix:///path (default $KEFU_REDIS or\n"
    "                        redis://127.0.0.1:6379/0)\n"
    "  --namespace NAME      key prefix the ceiling uses (default $KEFU_NAMESPACE or kefu)\n"
    "  --no-redis            skip the Redis ceiling\n"
    "  --no-baseline         skip the raw nng echo\n"
    "  --redis-benchmark     also run the ceiling command with redis-benchmark\n"
    "                        -c 50 -P 1 (the targets' yardstick) and print the\n"
    "                        ratio of each kefu row to it\n"
    "  --json                one JSON object per row instead of a table\n"
    "  --n-start N           the first value of {{n}} (default 1), e.g. to walk ids\n"
    "                        R2026-100000, R2026-100001, ... made by an earlier run\n"
    "  --outbox              afterwards, wait for the service's outbox to drain and\n"
    "                        print its delivery latency (commit to peer ack)\n"
    "  --help, --version\n";

static int parse_levels(const char *s, bench_opts *o)
{
    o->nlevels = 0;
    while (*s != '\0') {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v < 1 || v > 10000 || o->nlevels == MAX_LEVELS ||
            (*end != ',' && *end != '\0'))
            return -1;
        o->levels[o->nlevels++] = (int)v;
        s = *end == ',' ? end + 1 : end;
    }
    return o->nlevels > 0 ? 0 : -1;
}

static int parse_opts(int argc, char **argv, bench_opts *o)
{
    enum {
        OPT_IDEM = 256,
        OPT_NO_BASELINE,
        OPT_RB,
        OPT_NO_REDIS,
        OPT_JSON,
        OPT_UNIQUE,
        OPT_OUTBOX,
        OPT_N_START,
        OPT_VERSION
    };
    static const struct option longopts[] = {
        {"addr", required_argument, NULL, 'a'},
        {"method", required_argument, NULL, 'm'},
        {"params", required_argument, NULL, 'p'},
        {"token", required_argument, NULL, 't'},
        {"duration", required_argument, NULL, 'd'},
        {"concurrency", required_argument, NULL, 'c'},
        {"timeout", required_argument, NULL, 'T'},
        {"redis", required_argument, NULL, 'r'},
        {"namespace", required_argument, NULL, 'n'},
        {"unique-key", required_argument, NULL, OPT_UNIQUE},
        {"idempotency", no_argument, NULL, OPT_IDEM},
        {"no-baseline", no_argument, NULL, OPT_NO_BASELINE},
        {"redis-benchmark", no_argument, NULL, OPT_RB},
        {"no-redis", no_argument, NULL, OPT_NO_REDIS},
        {"json", no_argument, NULL, OPT_JSON},
        {"outbox", no_argument, NULL, OPT_OUTBOX},
        {"n-start", required_argument, NULL, OPT_N_START},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    const char *env;
    memset(o, 0, sizeof(*o));
    o->duration = 5;
    o->timeout_ms = 5000;
    o->baseline = true;
    o->use_redis = true;
    o->redis = (env = getenv("KEFU_REDIS")) && *env ? env : "redis://127.0.0.1:6379/0";
    o->ns = (env = getenv("KEFU_NAMESPACE")) && *env ? env : "kefu";
    parse_levels("1,16,64", o);

    int c;
    char *end;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'a':
            o->addr = optarg;
            break;
        case 'm':
            o->method = optarg;
            break;
        case 'p':
            o->params = optarg;
            break;
        case 't':
            o->token = optarg;
            break;
        case 'd':
            o->duration = strtod(optarg, &end);
            if (*end != '\0' || !(o->duration > 0 && o->duration <= 3600)) {
                fprintf(stderr, "kefu-bench: --duration: expected seconds in (0, 3600]\n");
                return 2;
            }
            break;
        case 'c':
            if (parse_levels(optarg, o) != 0) {
                fprintf(stderr, "kefu-bench: --concurrency: expected e.g. 1,16,64 "
                                "(each 1..10000)\n");
                return 2;
            }
            break;
        case 'T': {
            long v = strtol(optarg, &end, 10);
            if (*end != '\0' || v < 1 || v > 600000) {
                fprintf(stderr, "kefu-bench: --timeout: expected milliseconds 1..600000\n");
                return 2;
            }
            o->timeout_ms = (int)v;
            break;
        }
        case 'r':
            o->redis = optarg;
            break;
        case 'n':
            o->ns = optarg;
            break;
        case OPT_UNIQUE:
            fprintf(stderr, "kefu-bench: --unique-key is not supported; put {{n}} where the "
                            "unique value goes in --params\n");
            return 2;
        case OPT_IDEM:
            o->idempotency = true;
            break;
        case OPT_NO_BASELINE:
            o->baseline = false;
            break;
        case OPT_RB:
            o->redis_benchmark = true;
            break;
        case OPT_NO_REDIS:
            o->use_redis = false;
            break;
        case OPT_JSON:
            o->json = true;
            break;
        case OPT_OUTBOX:
            o->outbox = true;
            break;
        case OPT_N_START: {
            long long v = strtoll(optarg, &end, 10);
            if (*end != '\0' || v < 1) {
                fprintf(stderr, "kefu-bench: --n-start: expected a positive number\n");
                return 2;
            }
            bench_first_n((uint64_t)v);
            break;
        }
        case 'h':
            fputs(usage, stdout);
            return 0;
        case OPT_VERSION:
            puts("kefu-bench " KEFU_VERSION);
            return 0;
        default:
            fputs(usage, stderr);
            return 2;
        }
    }
    if (optind < argc || o->addr == NULL || o->method == NULL) {
        fprintf(stderr, "kefu-bench: %s\n",
                optind < argc ? "unexpected argument" : "--addr and --method are required");
        fputs(usage, stderr);
        return 2;
    }
    return -1;
}

static int append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t ncap = (*len + n + 1) * 2;
        char *nbuf = realloc(*buf, ncap);
        if (nbuf == NULL)
            return -1;
        *buf = nbuf;
        *cap = ncap;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 0;
}

/* Appends `s` as a JSON string literal. */
static int append_json_string(char **buf, size_t *len, size_t *cap, const char *s)
{
    cJSON *str = cJSON_CreateString(s);
    char *text = str ? cJSON_PrintUnformatted(str) : NULL;
    int rc = text ? append(buf, len, cap, text, strlen(text)) : -1;
    cJSON_free(text);
    cJSON_Delete(str);
    return rc;
}

/*
 * The request envelope as a template: the id and the idempotency key carry
 * the call number, and so does every "{{n}}" of --params.
 */
static int build_request(const bench_opts *o, bench_tmpl *out)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    char tmp[128];
    int rc = -1;

    if (append(&buf, &len, &cap, "{\"id\":{{n}},\"method\":", 21) ||
        append_json_string(&buf, &len, &cap, o->method))
        goto out;
    if (o->params != NULL && (append(&buf, &len, &cap, ",\"params\":", 10) ||
                              append(&buf, &len, &cap, o->params, strlen(o->params))))
        goto out;
    snprintf(tmp, sizeof(tmp), ",\"meta\":{\"deadline_ms\":%d", o->timeout_ms);
    if (append(&buf, &len, &cap, tmp, strlen(tmp)))
        goto out;
    if (o->token != NULL && (append(&buf, &len, &cap, ",\"token\":", 9) ||
                             append_json_string(&buf, &len, &cap, o->token)))
        goto out;
    if (o->idempotency) {
        snprintf(tmp, sizeof(tmp), ",\"idempotency_key\":\"bench-%ld-%ld-{{n}}\"", (long)getpid(),
                 (long)time(NULL));
        if (append(&buf, &len, &cap, tmp, strlen(tmp)))
            goto out;
    }
    if (append(&buf, &len, &cap, "}}", 2))
        goto out;
    rc = bench_tmpl_init(out, buf, len);
out:
    free(buf);
    return rc;
}

/* --params must be a JSON object once "{{n}}" is filled in. */
static int check_params(const char *params)
{
    bench_tmpl t;
    if (bench_tmpl_init(&t, params, strlen(params)) != 0)
        return -1;
    char *text = malloc(bench_tmpl_max(&t));
    int rc = -1;
    if (text != NULL) {
        size_t n = bench_tmpl_expand(&t, 1, text);
        cJSON *doc = cJSON_ParseWithLength(text, n);
        rc = cJSON_IsObject(doc) ? 0 : -1;
        cJSON_Delete(doc);
    }
    free(text);
    bench_tmpl_free(&t);
    return rc;
}

static double per_s(const bench_result *r)
{
    return r->seconds > 0 ? (double)r->calls / r->seconds : 0;
}

static double round_to(double v, double unit)
{
    return (double)(long long)(v / unit + 0.5) * unit;
}

/* kefu's calls/s as a fraction of `row`'s; negative when there is nothing to compare. */
static double ratio(const bench_row *rows, int row)
{
    if (!rows[ROW_KEFU].ran || !rows[row].ran || per_s(&rows[row].res) <= 0)
        return -1;
    return per_s(&rows[ROW_KEFU].res) / per_s(&rows[row].res);
}

static void print_table_header(const bench_opts *o)
{
    printf("kefu-bench %s: %s at %s, %.1f s per run%s%s\n", KEFU_VERSION, o->method, o->addr,
           o->duration, o->idempotency ? ", idempotency keys" : "",
           o->params && strstr(o->params, BENCH_TMPL_HOLE) ? ", {{n}} in params" : "");
    printf("%5s  %-32s %11s %10s %10s %10s %8s\n", "conc", "target", "calls/s", "p50 us", "p90 us",
           "p99 us", "errors");
}

static void print_table_level(const bench_row *rows)
{
    for (int i = 0; i < ROW_COUNT; i++) {
        const bench_result *r = &rows[i].res;
        if (!rows[i].ran)
            continue;
        printf("%5d  %-32s %11.0f %10.1f %10.1f %10.1f %8llu\n", r->concurrency, rows[i].label,
               per_s(r), bench_hist_quantile_us(&r->hist, 0.50),
               bench_hist_quantile_us(&r->hist, 0.90), bench_hist_quantile_us(&r->hist, 0.99),
               (unsigned long long)r->errors);
    }
    char line[256];
    int n = 0;
    for (int i = ROW_REDIS; i < ROW_COUNT; i++) {
        double q = ratio(rows, i);
        if (q >= 0)
            n +=
                snprintf(line + n, sizeof(line) - (size_t)n, "   kefu/%s = %.3f", rows[i].label, q);
    }
    if (n > 0)
        printf("%5s%s\n", "", line);
    for (int i = 0; i < ROW_COUNT; i++)
        if (rows[i].ran && rows[i].res.first_error[0] != '\0')
            printf("%5s   first error (%s): %s\n", "", rows[i].label, rows[i].res.first_error);
    fflush(stdout);
}

static void json_ratio(cJSON *obj, const char *name, double q)
{
    if (q >= 0)
        cJSON_AddNumberToObject(obj, name, round_to(q, 0.001));
    else
        cJSON_AddNullToObject(obj, name);
}

static void print_json_level(const bench_opts *o, const bench_row *rows)
{
    for (int i = 0; i < ROW_COUNT; i++) {
        const bench_result *r = &rows[i].res;
        if (!rows[i].ran)
            continue;
        cJSON *obj = cJSON_CreateObject();
        cJSON_AddNumberToObject(obj, "concurrency", r->concurrency);
        cJSON_AddStringToObject(obj, "target", rows[i].target);
        cJSON_AddStringToObject(obj, "label", rows[i].label);
        cJSON_AddStringToObject(obj, "method", o->method);
        cJSON_AddNumberToObject(obj, "seconds", round_to(r->seconds, 0.001));
        cJSON_AddNumberToObject(obj, "calls", (double)r->calls);
        cJSON_AddNumberToObject(obj, "errors", (double)r->errors);
        cJSON_AddNumberToObject(obj, "calls_per_s", round_to(per_s(r), 0.1));
        cJSON_AddNumberToObject(obj, "p50_us", round_to(bench_hist_quantile_us(&r->hist, .5), .1));
        cJSON_AddNumberToObject(obj, "p90_us", round_to(bench_hist_quantile_us(&r->hist, .9), .1));
        cJSON_AddNumberToObject(obj, "p99_us", round_to(bench_hist_quantile_us(&r->hist, .99), .1));
        if (r->first_error[0] != '\0')
            cJSON_AddStringToObject(obj, "first_error", r->first_error);
        else
            cJSON_AddNullToObject(obj, "first_error");
        if (i == ROW_KEFU) {
            json_ratio(obj, "kefu_over_redis", ratio(rows, ROW_REDIS));
            json_ratio(obj, "kefu_over_nng", ratio(rows, ROW_NNG));
        }
        char *text = cJSON_PrintUnformatted(obj);
        if (text != NULL)
            puts(text);
        cJSON_free(text);
        cJSON_Delete(obj);
    }
    fflush(stdout);
}

/*
 * --outbox: the method under test writes outbox entries (e.g. complaints.
 * Resolve, visits.Record with a complaint issue). Waits up to 60 s for the
 * service's outbox to drain, then prints what its relay measured: entries
 * delivered and the latency from each entry's commit to the peer's
 * acknowledgement (sys.Metrics of the one process at --addr).
 */
static int report_outbox(const bench_opts *o)
{
    kefu_call_opts co = {.token = o->token, .deadline_ms = 2000};
    kefu_error err;
    kefu_sync_client *c = kefu_sync_client_open(o->addr, &err);
    const cJSON *ob = NULL;
    cJSON *reply = NULL;
    int rc = 1;

    if (!c) {
        fprintf(stderr, "kefu-bench: --outbox: %s\n", err.message);
        return 1;
    }
    for (int i = 0; i < 600; i++) {
        const cJSON *result;
        int64_t pending = -1;
        cJSON_Delete(reply);
        reply = NULL;
        if (kefu_sync_client_call(c, "sys.Metrics", NULL, &co, &reply, &err) == KEFU_STATUS_OK &&
            kefu_client_result(reply, &result, &err) == KEFU_STATUS_OK) {
            ob = kefu_json_get(result, "outbox");
            if (kefu_json_int(kefu_json_get(ob, "pending"), &pending) && pending == 0)
                break;
        }
        ob = NULL;
        usleep(100 * 1000);
    }
    if (ob) {
        const cJSON *lat = kefu_json_get(ob, "delivery_latency");
        int64_t delivered = 0, retries = 0, failures = 0, p50 = 0, p90 = 0, p99 = 0, max = 0;
        kefu_json_int(kefu_json_get(ob, "delivered"), &delivered);
        kefu_json_int(kefu_json_get(ob, "retries"), &retries);
        kefu_json_int(kefu_json_get(ob, "failures"), &failures);
        kefu_json_int(kefu_json_get(lat, "p50_us"), &p50);
        kefu_json_int(kefu_json_get(lat, "p90_us"), &p90);
        kefu_json_int(kefu_json_get(lat, "p99_us"), &p99);
        kefu_json_int(kefu_json_get(lat, "max_us"), &max);
        printf("outbox: %lld entries delivered (%lld retries, %lld failed); commit -> peer ack "
               "p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
               (long long)delivered, (long long)retries, (long long)failures, p50 / 1000.0,
               p90 / 1000.0, p99 / 1000.0, max / 1000.0);
        rc = 0;
    } else {
        fprintf(stderr, "kefu-bench: --outbox: the outbox did not drain within 60 s\n");
    }
    cJSON_Delete(reply);
    kefu_sync_client_close(c);
    return rc;
}

int main(int argc, char **argv)
{
    bench_opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc >= 0)
        return rc;

    if (o.params != NULL && check_params(o.params) != 0) {
        fprintf(stderr, "kefu-bench: --params must be a JSON object (with {{n}} filled in)\n");
        return 2;
    }
    bench_tmpl request;
    if (build_request(&o, &request) != 0) {
        fprintf(stderr, "kefu-bench: out of memory\n");
        return 1;
    }

    /* The Redis ceiling is optional: without it the table has no ratio to Redis. */
    bench_redis_url url;
    redisContext *setup = NULL;
    kefu_bench_ceiling ceiling;
    bool have_ceiling = false;
    char err[512];
    memset(&ceiling, 0, sizeof(ceiling));
    if (o.use_redis) {
        if (bench_redis_url_parse(o.redis, &url, err, sizeof(err)) != 0) {
            fprintf(stderr, "kefu-bench: --redis: %s\n", err);
            rc = 2;
            goto out_free_request;
        }
        if ((setup = bench_redis_connect(&url, err, sizeof(err))) == NULL)
            fprintf(stderr, "kefu-bench: no Redis ceiling: %s\n", err);
        else if (kefu_bench_ceiling_prepare(o.method, o.params ? o.params : "{}", o.ns, setup,
                                            &ceiling) != 0)
            fprintf(stderr, "kefu-bench: no Redis ceiling known for %s\n", o.method);
        else
            have_ceiling = true;
    }

    /* The yardstick of the targets: the same command by redis-benchmark. */
    double rb_rps = -1;
    if (have_ceiling && o.redis_benchmark) {
        long n = (long)(o.duration * 20000);
        rb_rps = bench_redis_benchmark(&url, &ceiling, 50, n, err, sizeof(err));
        if (rb_rps < 0)
            fprintf(stderr, "kefu-bench: redis-benchmark: %s\n", err);
    }

    rc = 0;
    for (int l = 0; l < o.nlevels; l++) {
        int conc = o.levels[l];
        bench_row rows[ROW_COUNT];
        memset(rows, 0, sizeof(rows));
        rows[ROW_KEFU].target = "kefu";
        rows[ROW_REDIS].target = "redis";
        rows[ROW_NNG].target = "nng";
        snprintf(rows[ROW_KEFU].label, sizeof(rows[ROW_KEFU].label), "kefu %s", o.method);
        snprintf(rows[ROW_REDIS].label, sizeof(rows[ROW_REDIS].label), "%s",
                 have_ceiling ? ceiling.label : "redis");
        snprintf(rows[ROW_NNG].label, sizeof(rows[ROW_NNG].label), "raw nng echo");

        if (bench_nng_run(o.addr, &request, true, conc, o.duration, o.timeout_ms,
                          &rows[ROW_KEFU].res, err, sizeof(err)) != 0) {
            fprintf(stderr, "kefu-bench: %s\n", err);
            rc = 1;
            break;
        }
        rows[ROW_KEFU].ran = true;

        if (have_ceiling) {
            if (bench_redis_run(&url, &ceiling, conc, o.duration, o.timeout_ms,
                                &rows[ROW_REDIS].res, err, sizeof(err)) == 0) {
                rows[ROW_REDIS].ran = true;
            } else {
                fprintf(stderr, "kefu-bench: Redis ceiling dropped: %s\n", err);
                have_ceiling = false;
            }
        }

        if (o.baseline) {
            bench_echo *echo = bench_echo_start(o.addr, conc, err, sizeof(err));
            if (echo == NULL) {
                fprintf(stderr, "kefu-bench: raw nng baseline dropped: %s\n", err);
                o.baseline = false;
            } else {
                if (bench_nng_run(bench_echo_addr(echo), &request, false, conc, o.duration,
                                  o.timeout_ms, &rows[ROW_NNG].res, err, sizeof(err)) == 0)
                    rows[ROW_NNG].ran = true;
                else
                    fprintf(stderr, "kefu-bench: raw nng baseline: %s\n", err);
                bench_echo_stop(echo);
            }
        }

        if (!o.json && l == 0)
            print_table_header(&o);
        if (o.json)
            print_json_level(&o, rows);
        else
            print_table_level(rows);
        if (rb_rps > 0 && rows[ROW_KEFU].ran) {
            double kefu = (double)rows[ROW_KEFU].res.calls / rows[ROW_KEFU].res.seconds;
            if (o.json)
                printf("{\"concurrency\":%d,\"target\":\"redis-benchmark\",\"calls_per_s\":%.1f,"
                       "\"ratio\":%.3f}\n",
                       conc, rb_rps, kefu / rb_rps);
            else
                printf("        kefu/redis-benchmark -c 50 -P 1 (%.0f/s) = %.3f\n", rb_rps,
                       kefu / rb_rps);
        }
    }

    if (rc == 0 && o.outbox)
        rc = report_outbox(&o);
    kefu_bench_ceiling_free(&ceiling);
    if (setup != NULL)
        redisFree(setup);
out_free_request:
    bench_tmpl_free(&request);
    return rc;
}
