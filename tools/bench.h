/*
 * bench.h - the pieces kefu-bench is made of: a latency histogram, request
 * templates with a "{{n}}" counter, the nng driver (also used against the
 * in-process echo server) and the Redis ceiling driver.
 *
 * Every driver works the same way: `concurrency` calls in flight, each one
 * issued again as soon as the previous one completes, until `seconds` have
 * passed; then the calls still in flight are awaited (up to the per-call
 * timeout) and the figures land in a bench_result.
 */
#ifndef KEFU_BENCH_H
#define KEFU_BENCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench_ceiling.h"

/*
 * Log-linear latency histogram over nanoseconds: values below 128 ns are
 * exact, above that each power of two is split into 128 buckets, so a
 * percentile read from a bucket's midpoint is within 0.4% of the truth.
 */
#define BENCH_HIST_SUB_BITS 7
#define BENCH_HIST_SUB      (1 << BENCH_HIST_SUB_BITS)
#define BENCH_HIST_BUCKETS  (BENCH_HIST_SUB * 40) /* up to 2^46 ns, about 19 hours */

typedef struct {
    uint64_t count;
    uint64_t buckets[BENCH_HIST_BUCKETS];
} bench_hist;

void bench_hist_record(bench_hist *h, uint64_t ns);
void bench_hist_merge(bench_hist *into, const bench_hist *from);
/* The q-quantile (0 < q <= 1) in microseconds; 0 when the histogram is empty. */
double bench_hist_quantile_us(const bench_hist *h, double q);

/* Monotonic clock in nanoseconds. */
uint64_t bench_now_ns(void);

/*
 * A text with "{{n}}" placeholders, expanded once per call with that call's
 * number. The counter is shared by every run of the process, so numbers are
 * never reused.
 */
typedef struct {
    char *text;
    size_t len;
    size_t holes; /* occurrences of "{{n}}" */
} bench_tmpl;

#define BENCH_TMPL_HOLE "{{n}}"

/* Copies `text`; returns -1 only when out of memory. */
int bench_tmpl_init(bench_tmpl *t, const char *text, size_t len);
void bench_tmpl_free(bench_tmpl *t);
/* The most bytes bench_tmpl_expand can write. */
size_t bench_tmpl_max(const bench_tmpl *t);
/* Writes the expansion for `n` to `out` (bench_tmpl_max bytes) and returns its length. */
size_t bench_tmpl_expand(const bench_tmpl *t, uint64_t n, char *out);
/* A process-wide call number: 1, 2, 3, ... (or from bench_first_n). */
uint64_t bench_next_n(void);
/* The next call number bench_next_n hands out. */
void bench_first_n(uint64_t first);

/* What one driver measured at one concurrency level. */
typedef struct {
    int concurrency;
    double seconds; /* from the first call to the last completion */
    uint64_t calls; /* completed calls, errors included */
    uint64_t errors;
    char first_error[256];
    bench_hist hist; /* latency of every completed call */
} bench_result;

/*
 * Drives a REQ/REP server at `addr`: one req0 socket, `concurrency` contexts,
 * each sending `request` (expanded per call) and waiting for the reply. When
 * `check_ok` is set a reply without "ok": true counts as an error. Returns 0,
 * or -1 with a message in `err` when the socket cannot be set up or dialed.
 */
int bench_nng_run(const char *addr, const bench_tmpl *request, bool check_ok, int concurrency,
                  double seconds, int timeout_ms, bench_result *out, char *err, size_t errlen);

/* An in-process rep0 server that replies to each request with its body. */
typedef struct bench_echo bench_echo;

/*
 * Listens on a private address of the same transport as `like` (ipc when it
 * is ipc://, else tcp on an ephemeral loopback port) with `contexts`
 * concurrent contexts; the address it got is in bench_echo_addr.
 */
bench_echo *bench_echo_start(const char *like, int contexts, char *err, size_t errlen);
const char *bench_echo_addr(const bench_echo *e);
void bench_echo_stop(bench_echo *e);

/*
 * Where Redis is: redis://[[user]:password@]host[:port][/db] or
 * unix://[[user]:password@]/path[?db=N]. Passwords are taken as written (no
 * percent-decoding); error messages never repeat the URL, which may hold one.
 */
typedef struct {
    char host[256];
    int port;
    char path[256]; /* set for unix:// */
    char user[128];
    char password[256];
    int db;
} bench_redis_url;

int bench_redis_url_parse(const char *url, bench_redis_url *out, char *err, size_t errlen);

/* A synchronous connection, authenticated and on the right db; NULL with `err` set on failure. */
redisContext *bench_redis_connect(const bench_redis_url *url, char *err, size_t errlen);

/*
 * Runs `cmd` with `concurrency` commands in flight on one hiredis async
 * connection on a libuv loop. "{{n}}" in any argument is replaced per call.
 * Returns 0, or -1 with `err` set when the connection fails.
 */
int bench_redis_run(const bench_redis_url *url, const kefu_bench_ceiling *cmd, int concurrency,
                    double seconds, int timeout_ms, bench_result *out, char *err, size_t errlen);

/*
 * Runs `cmd` with redis-benchmark (`clients` connections, -P 1, `requests`
 * calls) and returns its requests per second, or -1 with `err` set.
 */
double bench_redis_benchmark(const bench_redis_url *url, const kefu_bench_ceiling *cmd, int clients,
                             long requests, char *err, size_t errlen);

#endif
