/*
 * client.h - calling kefu services: request building, reply checking, and
 * two clients over nng req0 that share them.
 *
 * kefu_sync_client blocks (kefuctl, tests). kefu_client runs on a libuv loop
 * (services calling each other, tools that drive many calls): nng completes
 * on its own threads and the result is handed to the loop, like the server.
 * Both retry UNAVAILABLE with exponential backoff while the deadline allows,
 * and keep the same idempotency key across retries, so a retried mutation
 * never has a second effect (a key is generated when the caller gives none).
 * tls+tcp:// addresses take their TLS settings from KEFU_TLS_CA,
 * KEFU_TLS_CERT, KEFU_TLS_KEY and KEFU_TLS_SERVER_NAME.
 */
#ifndef KEFU_CLIENT_H
#define KEFU_CLIENT_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include <uv.h>

#include "status.h"

/* A request without a reply this long is resent by the req0 socket. */
#define KEFU_CLIENT_RESEND_MS 2000

typedef struct {
    const char *token;
    int64_t deadline_ms;         /* whole budget incl. retries; 0: 5000 */
    const char *idempotency_key; /* NULL: none */
    const char *trace_id;        /* NULL: none */
    int max_attempts;            /* 0: 4 (retries of UNAVAILABLE) */
} kefu_call_opts;

/*
 * The request text for `method` with `params` (borrowed, may be NULL) and
 * `remaining_ms` of budget. Caller frees with cJSON_free.
 */
char *kefu_client_request(const char *id, const char *method, const cJSON *params,
                          const kefu_call_opts *o, int64_t remaining_ms);

/*
 * Checks a reply envelope. OK: *result points into `reply` (borrowed).
 * Not ok: the error's status, message and field in `err`. A reply that is
 * not a kefu envelope: INTERNAL.
 */
kefu_status kefu_client_result(const cJSON *reply, const cJSON **result, kefu_error *err);

/* ---- blocking ---- */
typedef struct kefu_sync_client kefu_sync_client;

kefu_sync_client *kefu_sync_client_open(const char *addr, kefu_error *err);
void kefu_sync_client_close(kefu_sync_client *c);
/*
 * Calls `method`. On success *reply is the whole reply envelope (caller
 * deletes), whatever its "ok"; a transport failure gives UNAVAILABLE or
 * DEADLINE_EXCEEDED in `err` and no reply.
 */
kefu_status kefu_sync_client_call(kefu_sync_client *c, const char *method, const cJSON *params,
                                  const kefu_call_opts *o, cJSON **reply, kefu_error *err);
/* Sends raw bytes once (no retry) and returns the raw reply (caller frees). */
kefu_status kefu_sync_client_raw(kefu_sync_client *c, const void *req, size_t len,
                                 int64_t timeout_ms, char **reply, size_t *reply_len,
                                 kefu_error *err);

/* ---- on a libuv loop ---- */
typedef struct kefu_client kefu_client;

/*
 * `reply` is the reply envelope (borrowed: freed when the callback returns),
 * or NULL with `err` on transport failure or deadline.
 */
typedef void (*kefu_client_cb)(const cJSON *reply, const kefu_error *err, void *arg);

kefu_client *kefu_client_new(uv_loop_t *loop, const char *addr, kefu_error *err);
/* Fails calls still in flight with CANCELLED, then frees on the loop. */
void kefu_client_free(kefu_client *c);
/* `params` is borrowed (serialised before returning). `cb` runs exactly once. */
void kefu_client_call(kefu_client *c, const char *method, const cJSON *params,
                      const kefu_call_opts *o, kefu_client_cb cb, void *arg);

#endif
