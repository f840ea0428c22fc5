/*
 * bench_ceiling.h - what "the same work done by Redis alone" means for each
 * method kefu-bench can drive. The benchmark runs the command this returns at
 * the same concurrency against the same Redis, and prints the service's
 * figure as a ratio of it.
 */
#ifndef KEFU_BENCH_CEILING_H
#define KEFU_BENCH_CEILING_H

#include <hiredis/hiredis.h>
#include <stddef.h>

#define KEFU_BENCH_MAX_ARGS 96

typedef struct {
    const char *label; /* e.g. "redis PING", "redis EVALSHA complaints.create" */
    int argc;
    char *argv[KEFU_BENCH_MAX_ARGS]; /* owned; freed by kefu_bench_ceiling_free */
    size_t argvlen[KEFU_BENCH_MAX_ARGS];
} kefu_bench_ceiling;

/*
 * Prepares the Redis command equivalent to one call of `method` with `params`
 * (JSON text) in key namespace `ns`, loading any script it needs through the
 * synchronous connection `setup`. Returns 0 on success, -1 when no ceiling is
 * known for the method (the benchmark then prints no ratio).
 */
int kefu_bench_ceiling_prepare(const char *method, const char *params, const char *ns,
                               redisContext *setup, kefu_bench_ceiling *out);
void kefu_bench_ceiling_free(kefu_bench_ceiling *c);

#endif
