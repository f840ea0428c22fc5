/*
 * bench_nng.c - the REQ/REP side of kefu-bench: a client that keeps N calls
 * in flight on one req0 socket (one nng_ctx and one nng_aio per call, a
 * callback state machine as in nng's demo/async), and the in-process rep0
 * echo server that gives the transport's own ceiling.
 *
 * Callbacks run on nng's threads. Each client slot owns its counters and its
 * histogram, so the hot path takes no lock; the driver merges them once every
 * slot has finished.
 */
#include "bench.h"

#include <cjson/cJSON.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Replies larger than this are dropped by the transport; far above any kefu reply. */
#define BENCH_RECV_MAX (64u * 1024 * 1024)
/* The client never resends: a resend would be a second call hidden in one latency. */
#define BENCH_NO_RESEND_MS (3600 * 1000)

typedef struct nng_driver nng_driver;

typedef struct {
    nng_driver *d;
    nng_ctx ctx;
    nng_aio *aio;
    bool receiving; /* false: the aio is sending the request */
    uint64_t sent_ns;
    uint64_t calls;
    uint64_t errors;
    bench_hist *hist;
} client_slot;

struct nng_driver {
    nng_socket sock;
    const bench_tmpl *request;
    size_t request_max;
    bool check_ok;
    uint64_t end_ns;
    atomic_bool error_claimed; /* the first failing slot writes first_error */
    char first_error[256];
    pthread_mutex_t mu;
    pthread_cond_t idle;
    int active;       /* slots still calling; under mu */
    uint64_t done_ns; /* when the last slot finished; under mu */
};

static const char *skip_space(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/*
 * True when the first "ok" key of the reply is true (any spacing), without
 * parsing the reply: kefu puts "ok" at the envelope's top level.
 */
static bool reply_ok(const char *body, size_t len)
{
    static const char key[] = "\"ok\"";
    const char *end = body + len;
    for (const char *p = body; p + sizeof(key) - 1 <= end; p++) {
        p = memchr(p, '"', (size_t)(end - p));
        if (p == NULL || (size_t)(end - p) < sizeof(key) - 1)
            return false;
        if (memcmp(p, key, sizeof(key) - 1) != 0)
            continue;
        const char *q = skip_space(p + sizeof(key) - 1, end);
        if (q == end || *q != ':')
            continue; /* a string value "ok", not the key */
        q = skip_space(q + 1, end);
        return (size_t)(end - q) >= 4 && memcmp(q, "true", 4) == 0;
    }
    return false;
}

/* Keeps the first error of the run: "STATUS: message (field)" or a transport error. */
static void note_error(nng_driver *d, const char *body, size_t len, int rv)
{
    if (atomic_exchange(&d->error_claimed, true))
        return;
    if (body == NULL) {
        snprintf(d->first_error, sizeof(d->first_error), "transport: %s", nng_strerror(rv));
        return;
    }
    cJSON *doc = cJSON_ParseWithLength(body, len);
    cJSON *error = cJSON_GetObjectItemCaseSensitive(doc, "error");
    const char *status = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(error, "status"));
    const char *message = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(error, "message"));
    const char *field = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(error, "field"));
    if (status != NULL || message != NULL)
        snprintf(d->first_error, sizeof(d->first_error), "%s: %s%s%s%s", status ? status : "?",
                 message ? message : "", field ? " (field " : "", field ? field : "",
                 field ? ")" : "");
    else
        snprintf(d->first_error, sizeof(d->first_error), "reply without \"ok\": true: %.*s",
                 (int)(len < 160 ? len : 160), body);
    cJSON_Delete(doc);
}

static void slot_finish(client_slot *s)
{
    nng_driver *d = s->d;
    pthread_mutex_lock(&d->mu);
    if (--d->active == 0) {
        d->done_ns = bench_now_ns();
        pthread_cond_broadcast(&d->idle);
    }
    pthread_mutex_unlock(&d->mu);
}

static void slot_issue(client_slot *s)
{
    nng_driver *d = s->d;
    nng_msg *msg;
    if (nng_msg_alloc(&msg, d->request_max) != 0) {
        note_error(d, NULL, 0, NNG_ENOMEM);
        slot_finish(s);
        return;
    }
    size_t len = bench_tmpl_expand(d->request, bench_next_n(), nng_msg_body(msg));
    nng_msg_chop(msg, d->request_max - len);
    s->receiving = false;
    s->sent_ns = bench_now_ns();
    nng_aio_set_msg(s->aio, msg);
    nng_ctx_send(s->ctx, s->aio);
}

/* One call's life: send completes -> receive; reply (or failure) -> record, call again. */
static void slot_cb(void *arg)
{
    client_slot *s = arg;
    nng_driver *d = s->d;
    int rv = nng_aio_result(s->aio);

    if (!s->receiving && rv == 0) {
        s->receiving = true;
        nng_ctx_recv(s->ctx, s->aio);
        return;
    }
    uint64_t now = bench_now_ns();
    bench_hist_record(s->hist, now - s->sent_ns);
    s->calls++;
    if (rv != 0) {
        if (!s->receiving) {
            /* A failed send leaves the message with us. */
            nng_msg_free(nng_aio_get_msg(s->aio));
            nng_aio_set_msg(s->aio, NULL);
        }
        s->errors++;
        note_error(d, NULL, 0, rv);
    } else {
        nng_msg *reply = nng_aio_get_msg(s->aio);
        nng_aio_set_msg(s->aio, NULL);
        if (d->check_ok && !reply_ok(nng_msg_body(reply), nng_msg_len(reply))) {
            s->errors++;
            note_error(d, nng_msg_body(reply), nng_msg_len(reply), 0);
        }
        nng_msg_free(reply);
    }
    if (rv == NNG_ECLOSED || now >= d->end_ns) {
        slot_finish(s);
        return;
    }
    slot_issue(s);
}

int bench_nng_run(const char *addr, const bench_tmpl *request, bool check_ok, int concurrency,
                  double seconds, int timeout_ms, bench_result *out, char *err, size_t errlen)
{
    nng_driver d;
    memset(&d, 0, sizeof(d));
    d.request = request;
    d.request_max = bench_tmpl_max(request);
    d.check_ok = check_ok;
    pthread_mutex_init(&d.mu, NULL);
    pthread_cond_init(&d.idle, NULL);
    int ret = -1;
    int opened = 0;

    client_slot *slots = calloc((size_t)concurrency, sizeof(*slots));
    if (slots == NULL) {
        snprintf(err, errlen, "out of memory");
        goto out_destroy;
    }
    int rv = nng_req0_open(&d.sock);
    if (rv != 0) {
        snprintf(err, errlen, "nng_req0_open: %s", nng_strerror(rv));
        goto out_free_slots;
    }
    nng_socket_set_ms(d.sock, NNG_OPT_REQ_RESENDTIME, BENCH_NO_RESEND_MS);
    nng_socket_set_size(d.sock, NNG_OPT_RECVMAXSZ, BENCH_RECV_MAX);
    rv = nng_dial(d.sock, addr, NULL, 0);
    if (rv != 0) {
        snprintf(err, errlen, "cannot dial %s: %s", addr, nng_strerror(rv));
        goto out_close;
    }
    for (; opened < concurrency; opened++) {
        client_slot *s = &slots[opened];
        s->d = &d;
        s->hist = calloc(1, sizeof(*s->hist));
        if (s->hist == NULL || (rv = nng_ctx_open(&s->ctx, d.sock)) != 0 ||
            (rv = nng_aio_alloc(&s->aio, slot_cb, s)) != 0) {
            snprintf(err, errlen, "cannot open context %d: %s", opened,
                     s->hist == NULL ? "out of memory" : nng_strerror(rv));
            free(s->hist);
            goto out_close;
        }
        nng_ctx_set_ms(s->ctx, NNG_OPT_REQ_RESENDTIME, BENCH_NO_RESEND_MS);
        nng_aio_set_timeout(s->aio, timeout_ms);
    }

    uint64_t start = bench_now_ns();
    d.end_ns = start + (uint64_t)(seconds * 1e9);
    d.active = concurrency;
    for (int i = 0; i < concurrency; i++)
        slot_issue(&slots[i]);
    pthread_mutex_lock(&d.mu);
    while (d.active > 0)
        pthread_cond_wait(&d.idle, &d.mu);
    pthread_mutex_unlock(&d.mu);

    memset(out, 0, sizeof(*out));
    out->concurrency = concurrency;
    out->seconds = (double)(d.done_ns - start) / 1e9;
    for (int i = 0; i < concurrency; i++) {
        out->calls += slots[i].calls;
        out->errors += slots[i].errors;
        bench_hist_merge(&out->hist, slots[i].hist);
    }
    snprintf(out->first_error, sizeof(out->first_error), "%s", d.first_error);
    ret = 0;

out_close:
    /* Nothing is in flight here: every slot finished or never started. */
    nng_close(d.sock);
    for (int i = 0; i < opened; i++) {
        nng_aio_free(slots[i].aio);
        free(slots[i].hist);
    }
out_free_slots:
    free(slots);
out_destroy:
    pthread_cond_destroy(&d.idle);
    pthread_mutex_destroy(&d.mu);
    return ret;
}

/* ---- the echo server ---- */

typedef struct {
    nng_ctx ctx;
    nng_aio *aio;
    bool sending;
} echo_slot;

struct bench_echo {
    nng_socket sock;
    int nslots;
    echo_slot *slots;
    char addr[300];
    char ipc_path[256];
};

static void echo_cb(void *arg)
{
    echo_slot *e = arg;
    int rv = nng_aio_result(e->aio);

    if (!e->sending && rv == 0) {
        nng_msg *msg = nng_aio_get_msg(e->aio);
        nng_aio_set_msg(e->aio, msg);
        e->sending = true;
        nng_ctx_send(e->ctx, e->aio);
        return;
    }
    if (e->sending && rv != 0) {
        nng_msg_free(nng_aio_get_msg(e->aio));
        nng_aio_set_msg(e->aio, NULL);
    }
    e->sending = false;
    if (rv == NNG_ECLOSED || rv == NNG_ECANCELED)
        return;
    nng_ctx_recv(e->ctx, e->aio);
}

bench_echo *bench_echo_start(const char *like, int contexts, char *err, size_t errlen)
{
    bench_echo *e = calloc(1, sizeof(*e));
    if (e == NULL || (e->slots = calloc((size_t)contexts, sizeof(*e->slots))) == NULL) {
        snprintf(err, errlen, "out of memory");
        free(e);
        return NULL;
    }
    int rv = nng_rep0_open(&e->sock);
    if (rv != 0) {
        snprintf(err, errlen, "nng_rep0_open: %s", nng_strerror(rv));
        free(e->slots);
        free(e);
        return NULL;
    }
    nng_socket_set_size(e->sock, NNG_OPT_RECVMAXSZ, BENCH_RECV_MAX);

    nng_listener l;
    if (strncmp(like, "ipc://", 6) == 0) {
        snprintf(e->ipc_path, sizeof(e->ipc_path), "/tmp/kefu-bench-%ld-%llu.ipc", (long)getpid(),
                 (unsigned long long)bench_now_ns());
        snprintf(e->addr, sizeof(e->addr), "ipc://%s", e->ipc_path);
        rv = nng_listen(e->sock, e->addr, &l, 0);
    } else {
        int port = 0;
        rv = nng_listen(e->sock, "tcp://127.0.0.1:0", &l, 0);
        if (rv == 0)
            rv = nng_listener_get_int(l, NNG_OPT_TCP_BOUND_PORT, &port);
        snprintf(e->addr, sizeof(e->addr), "tcp://127.0.0.1:%d", port);
    }
    if (rv != 0) {
        snprintf(err, errlen, "echo server cannot listen: %s", nng_strerror(rv));
        goto fail;
    }
    for (; e->nslots < contexts; e->nslots++) {
        echo_slot *s = &e->slots[e->nslots];
        if ((rv = nng_ctx_open(&s->ctx, e->sock)) != 0 ||
            (rv = nng_aio_alloc(&s->aio, echo_cb, s)) != 0) {
            snprintf(err, errlen, "echo server context: %s", nng_strerror(rv));
            goto fail;
        }
    }
    for (int i = 0; i < e->nslots; i++)
        nng_ctx_recv(e->slots[i].ctx, e->slots[i].aio);
    return e;

fail:
    bench_echo_stop(e);
    return NULL;
}

const char *bench_echo_addr(const bench_echo *e)
{
    return e->addr;
}

void bench_echo_stop(bench_echo *e)
{
    if (e == NULL)
        return;
    /* Closing fails every pending operation with NNG_ECLOSED; the callbacks stop there. */
    nng_close(e->sock);
    for (int i = 0; i < e->nslots; i++)
        nng_aio_free(e->slots[i].aio);
    if (e->ipc_path[0] != '\0')
        unlink(e->ipc_path);
    free(e->slots);
    free(e);
}
