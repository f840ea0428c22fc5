/*
 * server.c - the nng side of the runtime: one rep0 socket with every --listen
 * and --dial address, and a pool of contexts, each a small state machine
 * driven by its aio (as in nng's demo/async/server.c). The aio callbacks run
 * on nng's threads; they only hand the request to the loop.
 */
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "runtime.h"
#include "tls.h"

void kefu_dispatch(kefu_loopq_item *item); /* dispatch.c */

static void arm_recv(kefu_call *call)
{
    call->state = CALL_RECV;
    nng_ctx_recv(call->ctx, call->aio);
}

/* nng thread: a receive or a send finished. */
static void on_aio(void *arg)
{
    kefu_call *call = arg;
    int rv = nng_aio_result(call->aio);

    switch (call->state) {
    case CALL_RECV:
        if (rv == NNG_ECLOSED || rv == NNG_ECANCELED)
            return; /* shutting down */
        if (rv != 0) {
            arm_recv(call);
            return;
        }
        call->msg = nng_aio_get_msg(call->aio);
        call->recv_us = kefu_mono_us();
        call->state = CALL_ACTIVE;
        atomic_fetch_add(&call->svc->busy, 1);
        kefu_loopq_push(&call->svc->queue, &call->qitem, kefu_dispatch);
        return;
    case CALL_SENDING:
        if (rv != 0) {
            /* A failed send leaves the message with us. */
            nng_msg_free(nng_aio_get_msg(call->aio));
            nng_aio_set_msg(call->aio, NULL);
        }
        if (rv == NNG_ECLOSED || rv == NNG_ECANCELED || atomic_load(&call->svc->stopping)) {
            atomic_fetch_sub(&call->svc->busy, 1);
            call->state = CALL_RECV;
            return;
        }
        atomic_fetch_sub(&call->svc->busy, 1);
        arm_recv(call);
        return;
    case CALL_ACTIVE:
        break;
    }
}

/* A loopback or ipc address, the only kind allowed without a tokens file. */
static bool is_local_addr(const char *addr)
{
    static const char *const ok[] = {"ipc://",
                                     "inproc://",
                                     "tcp://127.",
                                     "tcp://localhost:",
                                     "tcp://[::1]:",
                                     "tls+tcp://127.",
                                     "tls+tcp://localhost:",
                                     "tls+tcp://[::1]:",
                                     "tcp4://127.",
                                     "tcp6://[::1]:",
                                     NULL};
    for (int i = 0; ok[i]; i++) {
        if (strncmp(addr, ok[i], strlen(ok[i])) == 0)
            return true;
    }
    return false;
}

static int add_endpoint(kefu_service *svc, const char *addr, bool dial, kefu_error *err)
{
    nng_tls_config *tls = NULL;
    int rv;

    if (!svc->auth.enabled && !dial && !is_local_addr(addr)) {
        kefu_error_set(err, KEFU_STATUS_PERMISSION_DENIED, "listen",
                       "refusing to listen on %s without --tokens: only loopback and ipc "
                       "addresses are allowed (secure by default)",
                       addr);
        return -1;
    }
    if (strncmp(addr, "tls+tcp://", 10) == 0 &&
        kefu_tls_server(svc->cfg.tls_cert, svc->cfg.tls_key, svc->cfg.tls_ca, &tls, err) !=
            KEFU_STATUS_OK)
        return -1;
    if (dial) {
        nng_dialer d;
        if ((rv = nng_dialer_create(&d, svc->sock, addr)) == 0 &&
            (!tls || (rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, tls)) == 0))
            rv = nng_dialer_start(d, NNG_FLAG_NONBLOCK); /* retries until the broker is up */
    } else {
        nng_listener l;
        if ((rv = nng_listener_create(&l, svc->sock, addr)) == 0 &&
            (!tls || (rv = nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, tls)) == 0))
            rv = nng_listener_start(l, 0);
    }
    if (tls)
        nng_tls_config_free(tls); /* the endpoint holds its own reference */
    if (rv != 0) {
        kefu_error_set(err, KEFU_STATUS_UNAVAILABLE, dial ? "dial" : "listen", "%s %s: %s",
                       dial ? "dial" : "listen on", addr, nng_strerror(rv));
        return -1;
    }
    kefu_log(KEFU_LOG_INFO, dial ? "dialing" : "listening", "addr", addr, NULL);
    return 0;
}

int kefu_server_start(kefu_service *svc, kefu_error *err)
{
    int rv;

    if ((rv = nng_rep0_open(&svc->sock)) != 0) {
        kefu_error_set(err, KEFU_STATUS_INTERNAL, NULL, "nng_rep0_open: %s", nng_strerror(rv));
        return -1;
    }
    svc->sock_open = true;
    /* Twice the request limit: larger messages are dropped unread by the
     * transport; between the two, the request is refused with
     * RESOURCE_EXHAUSTED so the caller learns why. */
    nng_socket_set_size(svc->sock, NNG_OPT_RECVMAXSZ, (size_t)svc->cfg.max_request * 2);
    svc->n_calls = (int)svc->cfg.contexts;
    svc->calls = calloc((size_t)svc->n_calls, sizeof(*svc->calls));
    if (!svc->calls) {
        kefu_error_set(err, KEFU_STATUS_INTERNAL, NULL, "out of memory");
        return -1;
    }
    for (int i = 0; i < svc->n_calls; i++) {
        kefu_call *call = &svc->calls[i];
        call->svc = svc;
        kefu_buf_init(&call->out);
        uv_timer_init(&svc->loop, &call->timer);
        call->timer.data = call;
        if ((rv = nng_aio_alloc(&call->aio, on_aio, call)) != 0 ||
            (rv = nng_ctx_open(&call->ctx, svc->sock)) != 0) {
            kefu_error_set(err, KEFU_STATUS_INTERNAL, NULL, "nng context: %s", nng_strerror(rv));
            return -1;
        }
    }
    for (int i = 0; i < svc->cfg.listen.count; i++) {
        if (add_endpoint(svc, svc->cfg.listen.items[i], false, err) != 0)
            return -1;
    }
    for (int i = 0; i < svc->cfg.dial.count; i++) {
        if (add_endpoint(svc, svc->cfg.dial.items[i], true, err) != 0)
            return -1;
    }
    for (int i = 0; i < svc->n_calls; i++)
        arm_recv(&svc->calls[i]);
    return 0;
}

void kefu_server_stop_listening(kefu_service *svc)
{
    /* Contexts stop re-arming after their reply is sent; a request that was
     * already being received is answered UNAVAILABLE by dispatch. */
    atomic_store(&svc->stopping, true);
}

static void on_timer_closed(uv_handle_t *h)
{
    (void)h;
}

void kefu_server_close(kefu_service *svc)
{
    if (svc->sock_open) {
        nng_close(svc->sock);
        svc->sock_open = false;
    }
    for (int i = 0; svc->calls && i < svc->n_calls; i++) {
        kefu_call *call = &svc->calls[i];
        if (call->aio) {
            nng_aio_stop(call->aio);
            if (call->state == CALL_ACTIVE && call->msg)
                nng_msg_free(call->msg);
            /* Work still out (thread pool) finds the call no longer live. */
            call->msg = NULL;
            call->state = CALL_SENDING;
            call->gen++;
            nng_aio_free(call->aio);
            call->aio = NULL;
        }
        cJSON_Delete(call->doc);
        call->doc = NULL;
        kefu_buf_free(&call->out);
        if (!uv_is_closing((uv_handle_t *)&call->timer))
            uv_close((uv_handle_t *)&call->timer, on_timer_closed);
    }
}
