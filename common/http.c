/*
 * http.c - GET /metrics and GET /healthz for Prometheus and load balancers,
 * on nng's own HTTP server (--metrics-listen http://127.0.0.1:9101).
 *
 * nng runs HTTP handlers on its own threads, and the metrics belong to the
 * loop. So the loop renders a snapshot every second into a buffer guarded by
 * a mutex and the handlers serve the snapshot: they never wait on the loop,
 * so shutting the HTTP server down from the loop cannot deadlock.
 */
#include <nng/nng.h>
#include <nng/supplemental/http/http.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "runtime.h"

typedef struct {
    nng_http_server *server;
    uv_timer_t timer;
    pthread_mutex_t mtx;
    kefu_buf text;
    bool serving;
} http_state;

static void respond(nng_aio *aio, uint16_t status, const char *type, const void *data, size_t len)
{
    nng_http_res *res;
    int rv;

    if ((rv = nng_http_res_alloc(&res)) != 0) {
        nng_aio_finish(aio, rv);
        return;
    }
    if ((rv = nng_http_res_set_status(res, status)) != 0 ||
        (rv = nng_http_res_set_header(res, "Content-Type", type)) != 0 ||
        (rv = nng_http_res_copy_data(res, data, len)) != 0) {
        nng_http_res_free(res);
        nng_aio_finish(aio, rv);
        return;
    }
    nng_aio_set_output(aio, 0, res);
    nng_aio_finish(aio, 0);
}

static void on_metrics(nng_aio *aio)
{
    nng_http_handler *h = nng_aio_get_input(aio, 1);
    http_state *st = nng_http_handler_get_data(h);

    pthread_mutex_lock(&st->mtx);
    respond(aio, 200, "text/plain; version=0.0.4; charset=utf-8", st->text.data, st->text.len);
    pthread_mutex_unlock(&st->mtx);
}

static void on_healthz(nng_aio *aio)
{
    nng_http_handler *h = nng_aio_get_input(aio, 1);
    http_state *st = nng_http_handler_get_data(h);
    bool serving;

    pthread_mutex_lock(&st->mtx);
    serving = st->serving;
    pthread_mutex_unlock(&st->mtx);
    if (serving)
        respond(aio, 200, "text/plain", "SERVING\n", 8);
    else
        respond(aio, 503, "text/plain", "NOT_SERVING\n", 12);
}

static void refresh(uv_timer_t *t)
{
    kefu_service *svc = t->data;
    http_state *st = svc->http;
    kefu_buf *b = &svc->scratch;

    kefu_buf_reset(b);
    kefu_metrics_prometheus(&svc->metrics, b);
    pthread_mutex_lock(&st->mtx);
    kefu_buf_reset(&st->text);
    kefu_buf_append(&st->text, b->data, b->len);
    st->serving = kefu_redis_ready(svc->redis);
    pthread_mutex_unlock(&st->mtx);
}

static int add_handler(http_state *st, const char *path, void (*fn)(nng_aio *))
{
    nng_http_handler *h;
    int rv;

    if ((rv = nng_http_handler_alloc(&h, path, fn)) != 0)
        return rv;
    if ((rv = nng_http_handler_set_method(h, "GET")) != 0 ||
        (rv = nng_http_handler_set_data(h, st, NULL)) != 0 ||
        (rv = nng_http_server_add_handler(st->server, h)) != 0) {
        nng_http_handler_free(h);
        return rv;
    }
    return 0;
}

int kefu_http_start(kefu_service *svc, kefu_error *err)
{
    http_state *st = calloc(1, sizeof(*st));
    nng_url *url = NULL;
    int rv;

    if (!st) {
        kefu_error_set(err, KEFU_STATUS_INTERNAL, NULL, "out of memory");
        return -1;
    }
    pthread_mutex_init(&st->mtx, NULL);
    kefu_buf_init(&st->text);
    svc->http = st;
    uv_timer_init(&svc->loop, &st->timer);
    st->timer.data = svc;
    if ((rv = nng_url_parse(&url, svc->cfg.metrics_listen)) != 0 ||
        (rv = nng_http_server_hold(&st->server, url)) != 0 ||
        (rv = add_handler(st, "/metrics", on_metrics)) != 0 ||
        (rv = add_handler(st, "/healthz", on_healthz)) != 0 ||
        (rv = nng_http_server_start(st->server)) != 0) {
        if (url)
            nng_url_free(url);
        kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "metrics-listen",
                       "--metrics-listen %s: %s", svc->cfg.metrics_listen, nng_strerror(rv));
        return -1;
    }
    nng_url_free(url);
    refresh(&st->timer);
    uv_timer_start(&st->timer, refresh, 1000, 1000);
    kefu_log(KEFU_LOG_INFO, "metrics over http", "addr", svc->cfg.metrics_listen, NULL);
    return 0;
}

static void on_timer_closed(uv_handle_t *h)
{
    http_state *st = h->data;
    kefu_buf_free(&st->text);
    pthread_mutex_destroy(&st->mtx);
    free(st);
}

void kefu_http_stop(kefu_service *svc)
{
    http_state *st = svc->http;

    if (!st)
        return;
    if (st->server) {
        nng_http_server_stop(st->server);
        nng_http_server_release(st->server);
    }
    svc->http = NULL;
    st->timer.data = st;
    uv_close((uv_handle_t *)&st->timer, on_timer_closed);
}
