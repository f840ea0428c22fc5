#include "client.h"

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "json.h"
#include "loopq.h"
#include "tls.h"
#include <unistd.h>

#define DEFAULT_DEADLINE_MS 5000
#define DEFAULT_ATTEMPTS    4

static atomic_uint_fast64_t next_id;

static int64_t deadline_of(const kefu_call_opts *o)
{
    return o && o->deadline_ms > 0 ? o->deadline_ms : DEFAULT_DEADLINE_MS;
}

static int attempts_of(const kefu_call_opts *o)
{
    return o && o->max_attempts > 0 ? o->max_attempts : DEFAULT_ATTEMPTS;
}

/* A fresh key for calls that did not bring one, so that retries are safe. */
static void auto_key(char out[40])
{
    static atomic_uint_fast64_t counter;
    uint64_t a = (uint64_t)kefu_mono_us() ^ ((uint64_t)getpid() << 40);
    uint64_t b = atomic_fetch_add(&counter, 1) + ((uint64_t)rand() << 20);
    snprintf(out, 40, "auto-%016llx%08llx", (unsigned long long)a,
             (unsigned long long)(b & 0xffffffffu));
}

/* The envelope around params already serialised as `params_text`. */
static void build(kefu_buf *b, const char *id, const char *method, const char *params_text,
                  const kefu_call_opts *o, const char *idem, int64_t remaining_ms)
{
    kefu_buf_reset(b);
    kefu_buf_puts(b, "{\"id\":");
    kefu_buf_json_string(b, id, strlen(id));
    kefu_buf_puts(b, ",\"method\":");
    kefu_buf_json_string(b, method, strlen(method));
    if (params_text) {
        kefu_buf_puts(b, ",\"params\":");
        kefu_buf_puts(b, params_text);
    }
    kefu_buf_printf(b, ",\"meta\":{\"deadline_ms\":%lld", (long long)remaining_ms);
    if (o && o->token) {
        kefu_buf_puts(b, ",\"token\":");
        kefu_buf_json_string(b, o->token, strlen(o->token));
    }
    if (idem) {
        kefu_buf_puts(b, ",\"idempotency_key\":");
        kefu_buf_json_string(b, idem, strlen(idem));
    }
    if (o && o->trace_id) {
        kefu_buf_puts(b, ",\"trace_id\":");
        kefu_buf_json_string(b, o->trace_id, strlen(o->trace_id));
    }
    kefu_buf_puts(b, "}}");
}

char *kefu_client_request(const char *id, const char *method, const cJSON *params,
                          const kefu_call_opts *o, int64_t remaining_ms)
{
    char *ptext = params ? cJSON_PrintUnformatted(params) : NULL;
    kefu_buf b;
    char *out;

    kefu_buf_init(&b);
    build(&b, id, method, ptext, o, o ? o->idempotency_key : NULL, remaining_ms);
    cJSON_free(ptext);
    out = b.oom ? NULL : cJSON_malloc(b.len + 1);
    if (out)
        memcpy(out, kefu_buf_cstr(&b), b.len + 1);
    kefu_buf_free(&b);
    return out;
}

kefu_status kefu_client_result(const cJSON *reply, const cJSON **result, kefu_error *err)
{
    const cJSON *ok = kefu_json_get(reply, "ok");
    const cJSON *e;
    int64_t code;

    if (cJSON_IsTrue(ok)) {
        *result = kefu_json_get(reply, "result");
        return KEFU_STATUS_OK;
    }
    e = kefu_json_get(reply, "error");
    if (!cJSON_IsFalse(ok) || !cJSON_IsObject(e) ||
        !kefu_json_int(kefu_json_get(e, "code"), &code) || code <= 0 || code >= KEFU_STATUS_COUNT)
        return kefu_error_set(err, KEFU_STATUS_INTERNAL, NULL, "malformed reply");
    kefu_error_set(err, (kefu_status)code, kefu_json_str(e, "field"), "%s",
                   kefu_json_str(e, "message") ? kefu_json_str(e, "message") : "");
    return (kefu_status)code;
}

/* UNAVAILABLE replies are worth another try; all else is final. */
static bool retryable(const cJSON *reply)
{
    const cJSON *e = kefu_json_get(reply, "error");
    int64_t code;
    return e && kefu_json_int(kefu_json_get(e, "code"), &code) && code == KEFU_STATUS_UNAVAILABLE;
}

static int64_t backoff_ms(int attempt)
{
    int64_t ms = 50LL << (attempt < 6 ? attempt : 6);
    return ms + rand() % (ms / 2 + 1); /* jitter */
}

/*
 * A req0 socket dialing `addr`. The socket resends a request that got no
 * reply after KEFU_CLIENT_RESEND_MS (e.g. its replica died behind a broker);
 * every request carries an idempotency key, so a resent mutation is replayed,
 * never applied twice.
 */
static int open_socket(nng_socket *s, const char *addr, kefu_error *err)
{
    nng_tls_config *tls = NULL;
    nng_dialer d;
    int rv;

    if ((rv = nng_req0_open(s)) != 0) {
        kefu_error_set(err, KEFU_STATUS_INTERNAL, NULL, "nng_req0_open: %s", nng_strerror(rv));
        return -1;
    }
    nng_socket_set_ms(*s, NNG_OPT_REQ_RESENDTIME, KEFU_CLIENT_RESEND_MS);
    nng_socket_set_ms(*s, NNG_OPT_RECONNMINT, 20);
    nng_socket_set_ms(*s, NNG_OPT_RECONNMAXT, 500);
    nng_socket_set_size(*s, NNG_OPT_RECVMAXSZ, (size_t)64 << 20);
    if (strncmp(addr, "tls+tcp://", 10) == 0 &&
        kefu_tls_client_from_env(&tls, err) != KEFU_STATUS_OK) {
        nng_close(*s);
        return -1;
    }
    if ((rv = nng_dialer_create(&d, *s, addr)) != 0 ||
        (tls && (rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, tls)) != 0) ||
        (rv = nng_dialer_start(d, NNG_FLAG_NONBLOCK)) != 0) {
        if (tls)
            nng_tls_config_free(tls);
        nng_close(*s);
        kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "addr", "%s: %s", addr, nng_strerror(rv));
        return -1;
    }
    if (tls)
        nng_tls_config_free(tls); /* the dialer holds its own reference */
    return 0;
}

/* ---- blocking ---- */

struct kefu_sync_client {
    nng_socket sock;
    kefu_buf req;
};

kefu_sync_client *kefu_sync_client_open(const char *addr, kefu_error *err)
{
    kefu_sync_client *c = calloc(1, sizeof(*c));

    if (!c) {
        kefu_error_set(err, KEFU_STATUS_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    if (open_socket(&c->sock, addr, err) != 0) {
        free(c);
        return NULL;
    }
    kefu_buf_init(&c->req);
    return c;
}

void kefu_sync_client_close(kefu_sync_client *c)
{
    if (!c)
        return;
    nng_close(c->sock);
    kefu_buf_free(&c->req);
    free(c);
}

kefu_status kefu_sync_client_raw(kefu_sync_client *c, const void *req, size_t len,
                                 int64_t timeout_ms, char **reply, size_t *reply_len,
                                 kefu_error *err)
{
    nng_ctx ctx;
    nng_aio *aio = NULL;
    nng_msg *msg = NULL;
    int rv;

    *reply = NULL;
    if ((rv = nng_ctx_open(&ctx, c->sock)) != 0)
        return kefu_error_set(err, KEFU_STATUS_INTERNAL, NULL, "nng_ctx_open: %s",
                              nng_strerror(rv));
    if ((rv = nng_aio_alloc(&aio, NULL, NULL)) != 0 || (rv = nng_msg_alloc(&msg, 0)) != 0 ||
        (rv = nng_msg_append(msg, req, len)) != 0) {
        nng_msg_free(msg);
        goto fail;
    }
    /* One budget for the send and the receive together. */
    int64_t end = kefu_mono_us() + timeout_ms * 1000;
    nng_aio_set_timeout(aio, (nng_duration)timeout_ms);
    nng_aio_set_msg(aio, msg);
    nng_ctx_send(ctx, aio);
    nng_aio_wait(aio);
    if ((rv = nng_aio_result(aio)) != 0) {
        nng_msg_free(nng_aio_get_msg(aio));
        goto fail;
    }
    int64_t left = (end - kefu_mono_us()) / 1000;
    nng_aio_set_timeout(aio, (nng_duration)(left > 0 ? left : 1));
    nng_ctx_recv(ctx, aio);
    nng_aio_wait(aio);
    if ((rv = nng_aio_result(aio)) != 0)
        goto fail;
    msg = nng_aio_get_msg(aio);
    *reply_len = nng_msg_len(msg);
    *reply = malloc(*reply_len + 1);
    if (*reply) {
        memcpy(*reply, nng_msg_body(msg), *reply_len);
        (*reply)[*reply_len] = '\0';
    }
    nng_msg_free(msg);
    nng_aio_free(aio);
    nng_ctx_close(ctx);
    return *reply ? KEFU_STATUS_OK
                  : kefu_error_set(err, KEFU_STATUS_INTERNAL, NULL, "out of memory");
fail:
    if (aio)
        nng_aio_free(aio);
    nng_ctx_close(ctx);
    if (rv == NNG_ETIMEDOUT)
        return kefu_error_set(err, KEFU_STATUS_DEADLINE_EXCEEDED, NULL, "no reply within %lld ms",
                              (long long)timeout_ms);
    return kefu_error_set(err, KEFU_STATUS_UNAVAILABLE, NULL, "%s", nng_strerror(rv));
}

kefu_status kefu_sync_client_call(kefu_sync_client *c, const char *method, const cJSON *params,
                                  const kefu_call_opts *o, cJSON **reply, kefu_error *err)
{
    int64_t end = kefu_mono_us() + deadline_of(o) * 1000;
    int attempts = attempts_of(o);
    char id[32], key[40];
    const char *idem = o ? o->idempotency_key : NULL;
    char *ptext = params ? cJSON_PrintUnformatted(params) : NULL;
    kefu_status st = KEFU_STATUS_UNAVAILABLE;

    *reply = NULL;
    if (!idem) {
        auto_key(key);
        idem = key;
    }
    snprintf(id, sizeof(id), "%llu", (unsigned long long)atomic_fetch_add(&next_id, 1) + 1);
    for (int attempt = 0; attempt < attempts; attempt++) {
        int64_t left = (end - kefu_mono_us()) / 1000;
        char *text = NULL;
        size_t len;
        if (left <= 0) {
            st = kefu_error_set(err, KEFU_STATUS_DEADLINE_EXCEEDED, NULL,
                                "deadline exceeded after %d attempts", attempt);
            break;
        }
        build(&c->req, id, method, ptext, o, idem, left);
        st = kefu_sync_client_raw(c, c->req.data, c->req.len, left, &text, &len, err);
        if (st == KEFU_STATUS_OK) {
            kefu_error perr;
            *reply = kefu_json_parse(text, len, KEFU_JSON_MAX_DEPTH, &perr);
            free(text);
            if (!*reply) {
                st = kefu_error_set(err, KEFU_STATUS_INTERNAL, NULL, "unparsable reply: %s",
                                    perr.message);
                break;
            }
            if (!retryable(*reply) || attempt + 1 == attempts)
                break;
            cJSON_Delete(*reply);
            *reply = NULL;
            st = KEFU_STATUS_UNAVAILABLE;
        } else if (st != KEFU_STATUS_UNAVAILABLE) {
            break;
        }
        {
            int64_t wait = backoff_ms(attempt);
            if (kefu_mono_us() + wait * 1000 >= end)
                wait = (end - kefu_mono_us()) / 1000;
            if (wait > 0)
                usleep((useconds_t)(wait * 1000));
        }
    }
    if (st == KEFU_STATUS_UNAVAILABLE && !*reply)
        kefu_error_set(err, KEFU_STATUS_UNAVAILABLE, NULL, "service unavailable");
    cJSON_free(ptext);
    return st;
}

/* ---- on a libuv loop ---- */

typedef struct outcall {
    kefu_loopq_item qitem;
    struct outcall *prev, *next; /* in flight, for kefu_client_free */
    kefu_client *c;
    nng_ctx ctx;
    nng_aio *aio;
    bool sending;
    int result; /* nng result of the attempt */
    nng_msg *reply;
    char id[24];
    char *method, *params, *token, *idem, *trace;
    int attempt, attempts;
    int64_t end_us;
    uv_timer_t backoff;
    kefu_client_cb cb;
    void *arg;
} outcall;

struct kefu_client {
    uv_loop_t *loop;
    nng_socket sock;
    kefu_loopq queue;
    outcall head;
    kefu_buf req;
    bool closing;
};

static void attempt_call(outcall *oc);
static void on_outcome(kefu_loopq_item *item);

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void on_backoff_closed(uv_handle_t *h)
{
    outcall *oc = h->data;
    free(oc->method);
    free(oc->params);
    free(oc->token);
    free(oc->idem);
    free(oc->trace);
    free(oc);
}

/* Loop: the call is over; tell the caller and free it. */
static void complete(outcall *oc, const cJSON *reply, const kefu_error *err)
{
    oc->prev->next = oc->next;
    oc->next->prev = oc->prev;
    oc->cb(reply, err, oc->arg);
    nng_ctx_close(oc->ctx);
    nng_aio_free(oc->aio);
    uv_close((uv_handle_t *)&oc->backoff, on_backoff_closed);
}

/* nng thread: the send or the receive of an attempt finished. */
static void on_out_aio(void *arg)
{
    outcall *oc = arg;
    int rv = nng_aio_result(oc->aio);

    if (oc->sending && rv == 0) {
        oc->sending = false;
        nng_ctx_recv(oc->ctx, oc->aio);
        return;
    }
    if (oc->sending)
        nng_msg_free(nng_aio_get_msg(oc->aio));
    oc->result = rv;
    oc->reply = rv == 0 ? nng_aio_get_msg(oc->aio) : NULL;
    kefu_loopq_push(&oc->c->queue, &oc->qitem, on_outcome);
}

static void on_backoff(uv_timer_t *t)
{
    attempt_call(t->data);
}

/* Loop: an attempt's outcome. Retry what is retryable while time remains. */
static void on_outcome(kefu_loopq_item *item)
{
    outcall *oc = (outcall *)item;
    int64_t left_ms = (oc->end_us - kefu_mono_us()) / 1000;
    kefu_error err;
    cJSON *reply = NULL;

    if (oc->c->closing) {
        nng_msg_free(oc->reply);
        kefu_error_set(&err, KEFU_STATUS_CANCELLED, NULL, "client closed");
        complete(oc, NULL, &err);
        return;
    }
    if (oc->reply) {
        kefu_error perr;
        reply = kefu_json_parse(nng_msg_body(oc->reply), nng_msg_len(oc->reply),
                                KEFU_JSON_MAX_DEPTH, &perr);
        nng_msg_free(oc->reply);
        oc->reply = NULL;
        if (!reply) {
            kefu_error_set(&err, KEFU_STATUS_INTERNAL, NULL, "unparsable reply: %s", perr.message);
            complete(oc, NULL, &err);
            return;
        }
        if (!retryable(reply) || oc->attempt >= oc->attempts || left_ms <= 0) {
            complete(oc, reply, NULL);
            cJSON_Delete(reply);
            return;
        }
        cJSON_Delete(reply);
    } else if (oc->result == NNG_ETIMEDOUT || left_ms <= 0) {
        kefu_error_set(&err, KEFU_STATUS_DEADLINE_EXCEEDED, NULL, "no reply within the deadline");
        complete(oc, NULL, &err);
        return;
    } else if (oc->attempt >= oc->attempts) {
        kefu_error_set(&err, KEFU_STATUS_UNAVAILABLE, NULL, "%s", nng_strerror(oc->result));
        complete(oc, NULL, &err);
        return;
    }
    {
        int64_t wait = backoff_ms(oc->attempt - 1);
        if (wait > left_ms)
            wait = left_ms;
        uv_timer_start(&oc->backoff, on_backoff, (uint64_t)wait, 0);
    }
}

static void attempt_call(outcall *oc)
{
    kefu_client *c = oc->c;
    int64_t left_ms = (oc->end_us - kefu_mono_us()) / 1000;
    kefu_call_opts o = {.token = oc->token, .trace_id = oc->trace};
    nng_msg *msg;
    kefu_error err;

    if (left_ms <= 0) {
        kefu_error_set(&err, KEFU_STATUS_DEADLINE_EXCEEDED, NULL, "deadline exceeded");
        complete(oc, NULL, &err);
        return;
    }
    oc->attempt++;
    build(&c->req, oc->id, oc->method, oc->params, &o, oc->idem, left_ms);
    if (c->req.oom || nng_msg_alloc(&msg, 0) != 0) {
        kefu_error_set(&err, KEFU_STATUS_INTERNAL, NULL, "out of memory");
        complete(oc, NULL, &err);
        return;
    }
    if (nng_msg_append(msg, c->req.data, c->req.len) != 0) {
        nng_msg_free(msg);
        kefu_error_set(&err, KEFU_STATUS_INTERNAL, NULL, "out of memory");
        complete(oc, NULL, &err);
        return;
    }
    oc->sending = true;
    nng_aio_set_timeout(oc->aio, (nng_duration)left_ms);
    nng_aio_set_msg(oc->aio, msg);
    nng_ctx_send(oc->ctx, oc->aio);
}

kefu_client *kefu_client_new(uv_loop_t *loop, const char *addr, kefu_error *err)
{
    kefu_client *c = calloc(1, sizeof(*c));

    if (!c) {
        kefu_error_set(err, KEFU_STATUS_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    if (open_socket(&c->sock, addr, err) != 0) {
        free(c);
        return NULL;
    }
    c->loop = loop;
    c->head.next = c->head.prev = &c->head;
    kefu_buf_init(&c->req);
    kefu_loopq_init(&c->queue, loop);
    return c;
}

static void on_queue_closed(uv_handle_t *h)
{
    kefu_client *c = h->data;
    kefu_buf_free(&c->req);
    free(c);
}

void kefu_client_free(kefu_client *c)
{
    kefu_error err;

    if (!c)
        return;
    c->closing = true;
    /* Closing the socket completes every aio with NNG_ECLOSED; wait for them
     * here, then fail the calls on this thread. */
    nng_close(c->sock);
    while (c->head.next != &c->head) {
        outcall *oc = c->head.next;
        nng_aio_stop(oc->aio);
        uv_timer_stop(&oc->backoff);
        if (oc->reply)
            nng_msg_free(oc->reply);
        oc->reply = NULL;
        kefu_error_set(&err, KEFU_STATUS_CANCELLED, NULL, "client closed");
        complete(oc, NULL, &err);
    }
    c->queue.async.data = c;
    kefu_loopq_close(&c->queue, on_queue_closed);
}

void kefu_client_call(kefu_client *c, const char *method, const cJSON *params,
                      const kefu_call_opts *o, kefu_client_cb cb, void *arg)
{
    outcall *oc = calloc(1, sizeof(*oc));
    char key[40];
    kefu_error err;
    int rv;

    if (!oc) {
        kefu_error_set(&err, KEFU_STATUS_INTERNAL, NULL, "out of memory");
        cb(NULL, &err, arg);
        return;
    }
    oc->c = c;
    oc->cb = cb;
    oc->arg = arg;
    oc->attempts = attempts_of(o);
    oc->end_us = kefu_mono_us() + deadline_of(o) * 1000;
    snprintf(oc->id, sizeof(oc->id), "%llu", (unsigned long long)atomic_fetch_add(&next_id, 1) + 1);
    oc->method = strdup(method);
    oc->params = params ? cJSON_PrintUnformatted(params) : NULL;
    oc->token = dup_or_null(o ? o->token : NULL);
    oc->trace = dup_or_null(o ? o->trace_id : NULL);
    if (o && o->idempotency_key) {
        oc->idem = strdup(o->idempotency_key);
    } else {
        auto_key(key);
        oc->idem = strdup(key);
    }
    uv_timer_init(c->loop, &oc->backoff);
    oc->backoff.data = oc;
    oc->next = &c->head;
    oc->prev = c->head.prev;
    c->head.prev->next = oc;
    c->head.prev = oc;
    if ((rv = nng_aio_alloc(&oc->aio, on_out_aio, oc)) != 0 ||
        (rv = nng_ctx_open(&oc->ctx, c->sock)) != 0) {
        kefu_error_set(&err, KEFU_STATUS_INTERNAL, NULL, "nng: %s", nng_strerror(rv));
        complete(oc, NULL, &err);
        return;
    }
    attempt_call(oc);
}
