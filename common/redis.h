/*
 * redis.h - the async Redis client on the service's loop.
 *
 * hiredis async with the libuv adapter. Reconnects with backoff; loads every
 * registered script (SCRIPT LOAD) on each connection before it reports ready;
 * answers UNAVAILABLE while disconnected. hiredis 0.14 has no command
 * timeout: one timer watches the oldest unanswered command, and a connection
 * that leaves a command unanswered for longer than the timeout is dropped
 * (replies come in order, so every later command is late too) and every
 * pending callback gets UNAVAILABLE.
 */
#ifndef KEFU_REDIS_H
#define KEFU_REDIS_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "metrics.h"
#include "status.h"

typedef struct kefu_redis kefu_redis;

/*
 * A command's outcome. On success `reply` is the reply (possibly of type
 * REDIS_REPLY_ERROR), borrowed: hiredis frees it when the callback returns.
 * On failure `reply` is NULL and `err` says why (UNAVAILABLE).
 */
typedef void (*kefu_redis_cb)(redisReply *reply, const kefu_error *err, void *arg, uint64_t tag);

/* A Lua script run by SHA; `source` is loaded on every connection. */
typedef struct kefu_redis_script {
    const char *name;
    char *source;
    char sha[41];
    struct kefu_redis_script *next;
} kefu_redis_script;

/*
 * Parses `url` and starts connecting. `rtt` (may be NULL) receives round-trip
 * times, `stats` error and reconnect counts. NULL with `err` on a bad URL.
 */
kefu_redis *kefu_redis_new(uv_loop_t *loop, const char *url, int64_t timeout_ms,
                           kefu_metrics *stats, kefu_error *err);
/* Closes the connection and frees `r` once libuv has released its handles. */
void kefu_redis_free(kefu_redis *r);

/* Registers `s` (its sha computed here); it is loaded on every connection. */
void kefu_redis_add_script(kefu_redis *r, kefu_redis_script *s);

bool kefu_redis_ready(const kefu_redis *r);
/* "ok" when ready, else the last connection error. */
const char *kefu_redis_status(const kefu_redis *r);
/* Calls `fn(arg)` every time the connection becomes ready. */
void kefu_redis_on_ready(kefu_redis *r, void (*fn)(void *arg), void *arg);

/*
 * Sends a command. Returns UNAVAILABLE (and never calls `cb`) when not
 * connected; otherwise `cb` runs exactly once, later, on the loop. `tag` is
 * handed back to `cb` unchanged.
 */
kefu_status kefu_redis_command(kefu_redis *r, kefu_redis_cb cb, void *arg, uint64_t tag, int argc,
                               const char **argv, const size_t *argvlen);

#endif
