/*
 * service.c - kefu_service_main: settings, wiring, the loop, and a clean
 * shutdown on SIGINT/SIGTERM (stop taking requests, finish those in flight,
 * close everything, exit 0).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "outbox.h"
#include "runtime.h"

#define DRAIN_LIMIT_US (10 * 1000000)

uv_loop_t *kefu_service_loop(kefu_service *svc)
{
    return &svc->loop;
}

kefu_redis *kefu_service_redis(kefu_service *svc)
{
    return svc->redis;
}

const kefu_config *kefu_service_config(kefu_service *svc)
{
    return &svc->cfg;
}

kefu_clock *kefu_service_clock(kefu_service *svc)
{
    return &svc->clock;
}

void *kefu_service_app(kefu_service *svc)
{
    return svc->app;
}

void kefu_service_set_app(kefu_service *svc, void *app)
{
    svc->app = app;
}

kefu_service *kefu_call_service(kefu_call *call)
{
    return call->svc;
}

void *kefu_call_app(kefu_call *call)
{
    return call->svc->app;
}

const cJSON *kefu_call_params(kefu_call *call)
{
    return call->params;
}

const kefu_principal *kefu_call_principal(kefu_call *call)
{
    return call->principal;
}

kefu_ms kefu_call_now(kefu_call *call)
{
    return call->now;
}

int kefu_call_tz(kefu_call *call)
{
    return call->svc->clock.tz_minutes;
}

uint64_t kefu_call_token(kefu_call *call)
{
    return call->gen;
}

bool kefu_call_live(kefu_call *call, uint64_t token)
{
    return call->gen == token && !call->answered;
}

int64_t kefu_call_remaining_ms(kefu_call *call)
{
    int64_t left;
    if (!call->deadline_us)
        return -1;
    left = (call->deadline_us - kefu_mono_us()) / 1000;
    return left > 0 ? left : 0;
}

/* The routing table: sys.* rows first, then the service's own. */
static int build_methods(kefu_service *svc)
{
    int n = 0;

    for (const kefu_method *m = kefu_sys_methods; m->name; m++)
        n++;
    for (const kefu_method *m = svc->def->methods; m->name; m++)
        n++;
    svc->methods = calloc((size_t)n, sizeof(*svc->methods));
    svc->method_names = calloc((size_t)n, sizeof(*svc->method_names));
    if (!svc->methods || !svc->method_names)
        return -1;
    n = 0;
    for (const kefu_method *m = kefu_sys_methods; m->name; m++)
        svc->methods[n++] = m;
    for (const kefu_method *m = svc->def->methods; m->name; m++)
        svc->methods[n++] = m;
    svc->n_methods = n;
    for (int i = 0; i < n; i++)
        svc->method_names[i] = svc->methods[i]->name;
    return kefu_metrics_init(&svc->metrics, svc->def->name, svc->method_names, n);
}

static void on_closed(uv_handle_t *h)
{
    (void)h;
}

/* Everything in flight is answered (or the drain limit passed): close. */
static void finish_shutdown(kefu_service *svc)
{
    uv_timer_stop(&svc->drain_timer);
    kefu_server_close(svc);
    if (svc->def->stop && svc->app)
        svc->def->stop(svc);
    kefu_outbox_stop(svc->outbox);
    kefu_http_stop(svc);
    kefu_redis_free(svc->redis);
    svc->redis = NULL;
    kefu_loopq_close(&svc->queue, on_closed);
    uv_close((uv_handle_t *)&svc->sigint, on_closed);
    uv_close((uv_handle_t *)&svc->sigterm, on_closed);
    uv_close((uv_handle_t *)&svc->drain_timer, on_closed);
    uv_close((uv_handle_t *)&svc->flush_timer, on_closed);
    uv_close((uv_handle_t *)&svc->share_timer, on_closed);
    kefu_log(KEFU_LOG_INFO, "stopped", NULL);
}

static void on_drain(uv_timer_t *t)
{
    kefu_service *svc = t->data;
    int busy = atomic_load(&svc->busy);
    bool relaying;

    if (busy == 0)
        kefu_outbox_cancel(svc->outbox); /* no waiting on peers that are down */
    relaying = kefu_outbox_busy(svc->outbox);

    /* Requests in flight are answered, and outbox deliveries in flight get
     * their outcome recorded, so a clean stop leaves no lease to wait out. */
    if ((busy == 0 && !relaying) || kefu_mono_us() > svc->stop_deadline_us) {
        if (busy)
            kefu_log(KEFU_LOG_WARN, "stopping with requests still in flight", NULL);
        if (relaying)
            kefu_log(KEFU_LOG_WARN, "stopping with outbox deliveries in flight", NULL);
        finish_shutdown(svc);
    }
}

static void on_signal(uv_signal_t *s, int signum)
{
    kefu_service *svc = s->data;

    if (atomic_load(&svc->stopping))
        return;
    kefu_log(KEFU_LOG_INFO, "stopping", "signal", signum == SIGINT ? "SIGINT" : "SIGTERM", NULL);
    kefu_server_stop_listening(svc);
    kefu_outbox_quiesce(svc->outbox);
    svc->stop_deadline_us = kefu_mono_us() + DRAIN_LIMIT_US;
    uv_timer_start(&svc->drain_timer, on_drain, 0, 10);
}

static void on_flush(uv_timer_t *t)
{
    (void)t;
    kefu_log_flush();
}

static void startup_failed(const char *what, const kefu_error *err)
{
    kefu_log(KEFU_LOG_ERROR, what, "error", err->message, NULL);
    kefu_log_flush();
}

int kefu_service_main(const kefu_service_def *def, int argc, char **argv)
{
    kefu_service *svc = calloc(1, sizeof(*svc));
    kefu_log_level level;
    kefu_error err;
    int rc = 1;

    if (!svc)
        return 1;
    svc->def = def;
    switch (kefu_config_load(&svc->cfg, def->name, def->default_listen, argc, argv)) {
    case KEFU_CONFIG_RUN:
        break;
    case KEFU_CONFIG_EXIT:
        free(svc);
        return 0;
    case KEFU_CONFIG_FAIL:
        free(svc);
        return 2;
    }
    kefu_log_level_parse(svc->cfg.log_level, &level);
    kefu_log_setup(def->name, level);
    signal(SIGPIPE, SIG_IGN);
    kefu_clock_init(&svc->clock, svc->cfg.test_clock, svc->cfg.tz_minutes);
    kefu_buf_init(&svc->scratch);
    if (svc->cfg.tokens_file && kefu_auth_load(&svc->auth, svc->cfg.tokens_file, &err)) {
        startup_failed("cannot load tokens", &err);
        rc = 2;
        goto out_cfg;
    }
    if (!svc->auth.enabled)
        kefu_log(KEFU_LOG_WARN,
                 "no --tokens: every caller is admin; listening on loopback and ipc only", NULL);
    if (uv_loop_init(&svc->loop) != 0 || build_methods(svc) != 0)
        goto out_cfg;
    kefu_loopq_init(&svc->queue, &svc->loop);
    uv_signal_init(&svc->loop, &svc->sigint);
    uv_signal_init(&svc->loop, &svc->sigterm);
    uv_timer_init(&svc->loop, &svc->drain_timer);
    uv_timer_init(&svc->loop, &svc->flush_timer);
    svc->sigint.data = svc->sigterm.data = svc->drain_timer.data = svc;
    uv_signal_start(&svc->sigint, on_signal, SIGINT);
    uv_signal_start(&svc->sigterm, on_signal, SIGTERM);
    uv_timer_start(&svc->flush_timer, on_flush, 50, 50);
    kefu_shared_metrics_start(svc);

    svc->redis = kefu_redis_new(&svc->loop, svc->cfg.redis_url, svc->cfg.redis_timeout_ms,
                                &svc->metrics, &err);
    if (!svc->redis) {
        startup_failed("bad redis address", &err);
        rc = 2;
        goto out_stop;
    }
    svc->outbox = kefu_outbox_new(svc);
    if (!svc->outbox) {
        kefu_log(KEFU_LOG_ERROR, "out of memory", NULL);
        goto out_stop;
    }
    if (def->init && def->init(svc, &err) != KEFU_STATUS_OK) {
        startup_failed("service init failed", &err);
        rc = 2;
        goto out_stop;
    }
    if (kefu_server_start(svc, &err) != 0) {
        startup_failed("cannot listen", &err);
        rc = 2;
        goto out_stop;
    }
    if (svc->cfg.metrics_listen && kefu_http_start(svc, &err) != 0) {
        startup_failed("cannot serve metrics", &err);
        rc = 2;
        goto out_stop;
    }
    kefu_outbox_start(svc->outbox);
    kefu_log(KEFU_LOG_INFO, "started", "version", KEFU_VERSION, NULL);
    rc = 0;
    uv_run(&svc->loop, UV_RUN_DEFAULT);
    goto out_loop;

out_stop:
    /* Start-up failed after the loop was set up: close it the normal way. */
    finish_shutdown(svc);
    uv_run(&svc->loop, UV_RUN_DEFAULT);
out_loop:
    if (def->fini)
        def->fini(svc);
    kefu_outbox_free(svc->outbox);
    uv_loop_close(&svc->loop);
    kefu_metrics_free(&svc->metrics);
    free(svc->calls);
    free(svc->methods);
    free(svc->method_names);
out_cfg:
    kefu_buf_free(&svc->scratch);
    kefu_auth_free(&svc->auth);
    kefu_config_free(&svc->cfg);
    kefu_log_flush();
    free(svc);
    return rc;
}
