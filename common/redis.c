#include "redis.h"

#include <hiredis/async.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "sha.h"

/* One command in flight, in send order; recycled through a free list. */
typedef struct pending {
    struct pending *prev, *next;
    kefu_redis *r;
    kefu_redis_cb cb;
    void *arg;
    uint64_t tag;
    int64_t sent_us;
    bool internal; /* a connection-setup command: no user callback */
} pending;

struct kefu_redis {
    uv_loop_t *loop;
    redisAsyncContext *ac;
    bool ready;
    bool closing;
    char host[256];
    int port;
    char unix_path[256];
    char user[128], password[256];
    int db;
    int64_t timeout_ms;
    int64_t backoff_ms;
    int64_t connect_us; /* when the current connection attempt began */
    char status[256];
    uv_timer_t reconnect_timer;
    uv_timer_t watchdog;
    int64_t tick_us, last_tick_us; /* the watchdog's period and its last run */
    int open_handles;
    pending head; /* circular list of commands in flight, oldest first */
    pending *free_list;
    kefu_redis_script *scripts;
    kefu_metrics *stats;
    void (*on_ready)(void *);
    void *on_ready_arg;
};

static void connect_now(kefu_redis *r);

/*
 * The hiredis event hooks on libuv. hiredis 0.14's own adapter
 * (adapters/libuv.h) drops poll errors, so a refused connection is never
 * reported and the context waits forever; here an error is handed to hiredis
 * as writability, where its socket check reports the failure.
 */
typedef struct {
    redisAsyncContext *ac;
    uv_poll_t poll;
    int events;
} uv_hooks;

static void on_poll(uv_poll_t *h, int status, int events)
{
    uv_hooks *p = h->data;

    if (status < 0)
        events = UV_WRITABLE | UV_READABLE;
    if (p->ac && (events & UV_READABLE))
        redisAsyncHandleRead(p->ac);
    if (p->ac && (events & UV_WRITABLE))
        redisAsyncHandleWrite(p->ac);
}

static void hooks_update(uv_hooks *p, int add, int del)
{
    p->events = (p->events | add) & ~del;
    if (p->events)
        uv_poll_start(&p->poll, p->events, on_poll);
    else
        uv_poll_stop(&p->poll);
}

static void hook_add_read(void *d)
{
    hooks_update(d, UV_READABLE, 0);
}

static void hook_del_read(void *d)
{
    hooks_update(d, 0, UV_READABLE);
}

static void hook_add_write(void *d)
{
    hooks_update(d, UV_WRITABLE, 0);
}

static void hook_del_write(void *d)
{
    hooks_update(d, 0, UV_WRITABLE);
}

static void on_hooks_closed(uv_handle_t *h)
{
    free(h->data);
}

static void hook_cleanup(void *d)
{
    uv_hooks *p = d;
    p->ac = NULL;
    uv_close((uv_handle_t *)&p->poll, on_hooks_closed);
}

static int attach(redisAsyncContext *ac, uv_loop_t *loop)
{
    uv_hooks *p = calloc(1, sizeof(*p));

    if (!p)
        return -1;
    if (uv_poll_init_socket(loop, &p->poll, ac->c.fd) != 0) {
        free(p);
        return -1;
    }
    p->ac = ac;
    p->poll.data = p;
    ac->ev.data = p;
    ac->ev.addRead = hook_add_read;
    ac->ev.delRead = hook_del_read;
    ac->ev.addWrite = hook_add_write;
    ac->ev.delWrite = hook_del_write;
    ac->ev.cleanup = hook_cleanup;
    return 0;
}

static void set_status(kefu_redis *r, const char *what, const char *detail)
{
    snprintf(r->status, sizeof(r->status), "%s%s%s", what, detail ? ": " : "",
             detail ? detail : "");
}

/* Parses redis://[[user]:password@]host[:port][/db] or unix:///path. */
static kefu_status parse_url(kefu_redis *r, const char *url, kefu_error *err)
{
    const char *p, *at, *slash, *colon;
    char *end;

    r->port = 6379;
    if (strncmp(url, "unix://", 7) == 0) {
        if (strlen(url + 7) == 0 || strlen(url + 7) >= sizeof(r->unix_path))
            goto bad;
        snprintf(r->unix_path, sizeof(r->unix_path), "%s", url + 7);
        return KEFU_STATUS_OK;
    }
    if (strncmp(url, "redis://", 8) != 0)
        goto bad;
    p = url + 8;
    at = strrchr(p, '@');
    if (at) {
        const char *c = memchr(p, ':', (size_t)(at - p));
        if (!c || (size_t)(at - c) >= sizeof(r->password) || (size_t)(c - p) >= sizeof(r->user))
            goto bad;
        memcpy(r->user, p, (size_t)(c - p));
        memcpy(r->password, c + 1, (size_t)(at - c - 1));
        p = at + 1;
    }
    slash = strchr(p, '/');
    colon = memchr(p, ':', slash ? (size_t)(slash - p) : strlen(p));
    {
        const char *host_end = colon ? colon : (slash ? slash : p + strlen(p));
        if (host_end == p || (size_t)(host_end - p) >= sizeof(r->host))
            goto bad;
        memcpy(r->host, p, (size_t)(host_end - p));
    }
    if (colon) {
        long port = strtol(colon + 1, &end, 10);
        if (end == colon + 1 || port < 1 || port > 65535 || (*end && *end != '/'))
            goto bad;
        r->port = (int)port;
    }
    if (slash && slash[1]) {
        long db = strtol(slash + 1, &end, 10);
        if (*end || db < 0 || db > 10000)
            goto bad;
        r->db = (int)db;
    }
    return KEFU_STATUS_OK;
bad:
    /* The URL may hold a password: never echo it. */
    return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "redis",
                          "--redis: expected redis://[:password@]host:port/db or unix:///path");
}

static pending *take_pending(kefu_redis *r)
{
    pending *p = r->free_list;
    if (p)
        r->free_list = p->next;
    else if (!(p = malloc(sizeof(*p))))
        return NULL;
    memset(p, 0, sizeof(*p));
    p->r = r;
    return p;
}

static void link_pending(kefu_redis *r, pending *p)
{
    p->next = &r->head;
    p->prev = r->head.prev;
    r->head.prev->next = p;
    r->head.prev = p;
}

static void release_pending(kefu_redis *r, pending *p)
{
    p->prev->next = p->next;
    p->next->prev = p->prev;
    p->next = r->free_list;
    r->free_list = p;
}

static void on_reply(redisAsyncContext *ac, void *reply_, void *privdata)
{
    pending *p = privdata;
    kefu_redis *r = p->r;
    redisReply *reply = reply_;
    kefu_error err;
    kefu_redis_cb cb = p->cb;
    void *arg = p->arg;
    uint64_t tag = p->tag;
    bool internal = p->internal;

    (void)ac;
    if (reply && r->stats)
        kefu_hist_add(&r->stats->redis_rtt, (uint64_t)(kefu_mono_us() - p->sent_us));
    release_pending(r, p);
    if (!reply) {
        if (r->stats)
            r->stats->redis_errors++;
        kefu_error_set(&err, KEFU_STATUS_UNAVAILABLE, NULL, "redis unavailable: %s", r->status);
        if (!internal)
            cb(NULL, &err, arg, tag);
        return;
    }
    if (reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "NOSCRIPT", 8) == 0) {
        /* Someone flushed the script cache: reload all, let the caller retry. */
        kefu_log(KEFU_LOG_WARN, "redis lost our scripts; reloading", NULL);
        for (kefu_redis_script *s = r->scripts; s; s = s->next) {
            pending *lp = take_pending(r);
            if (!lp)
                break;
            lp->internal = true;
            lp->sent_us = kefu_mono_us();
            link_pending(r, lp);
            redisAsyncCommand(r->ac, on_reply, lp, "SCRIPT LOAD %s", s->source);
        }
        kefu_error_set(&err, KEFU_STATUS_UNAVAILABLE, NULL,
                       "redis script cache was flushed; retry");
        if (!internal)
            cb(NULL, &err, arg, tag);
        return;
    }
    if (internal) {
        if (reply->type == REDIS_REPLY_ERROR)
            kefu_log(KEFU_LOG_ERROR, "redis setup command failed", "error", reply->str, NULL);
        return;
    }
    cb(reply, NULL, arg, tag);
}

static void on_reconnect_timer(uv_timer_t *t)
{
    connect_now(t->data);
}

static void schedule_reconnect(kefu_redis *r)
{
    if (r->closing)
        return;
    uv_timer_start(&r->reconnect_timer, on_reconnect_timer, (uint64_t)r->backoff_ms, 0);
    r->backoff_ms = r->backoff_ms * 2 > 2000 ? 2000 : r->backoff_ms * 2;
}

/* Drops the connection: pending callbacks get UNAVAILABLE, then reconnect. */
static void drop(kefu_redis *r, const char *why)
{
    redisAsyncContext *ac = r->ac;

    if (!ac)
        return;
    if (r->ready)
        kefu_log(KEFU_LOG_WARN, "redis connection lost", "reason", why, NULL);
    r->ac = NULL;
    r->ready = false;
    set_status(r, why, NULL);
    ac->data = NULL;
    redisAsyncFree(ac);
    schedule_reconnect(r);
}

/* AUTH, SELECT, SCRIPT LOAD: an error drops the connection (and retries). */
static void on_setup_reply(redisAsyncContext *ac, void *reply_, void *privdata)
{
    kefu_redis *r = privdata;
    redisReply *reply = reply_;
    char why[200];

    if (!reply || ac != r->ac || reply->type != REDIS_REPLY_ERROR)
        return;
    snprintf(why, sizeof(why), "%s", reply->str);
    kefu_log(KEFU_LOG_ERROR, "redis refused the connection setup", "error", why, NULL);
    drop(r, why);
}

/* The PING after the setup commands: replies come in order, so all went well. */
static void on_ready_reply(redisAsyncContext *ac, void *reply_, void *privdata)
{
    kefu_redis *r = privdata;
    redisReply *reply = reply_;

    if (!reply || ac != r->ac)
        return;
    if (reply->type == REDIS_REPLY_ERROR) {
        on_setup_reply(ac, reply_, privdata);
        return;
    }
    r->ready = true;
    r->backoff_ms = 100;
    snprintf(r->status, sizeof(r->status), "ok");
    kefu_log(KEFU_LOG_INFO, "redis ready", NULL);
    if (r->on_ready)
        r->on_ready(r->on_ready_arg);
}

static void on_connect(const redisAsyncContext *ac, int status)
{
    kefu_redis *r = ac->data;

    if (!r || ac != r->ac)
        return;
    if (status != REDIS_OK) {
        /* hiredis frees the context after this callback. */
        set_status(r, "connect failed", ac->errstr);
        r->ac = NULL;
        r->ready = false;
        schedule_reconnect(r);
        return;
    }
    if (r->stats)
        r->stats->redis_reconnects++;
    /*
     * Setup is pipelined: AUTH, SELECT, SCRIPT LOAD... then a PING whose reply
     * marks the connection ready. Errors of the first commands surface in the
     * reply of the same-order PING callback chain via on_ready_reply.
     */
    redisAsyncContext *mac = (redisAsyncContext *)ac;
    if (r->password[0]) {
        if (r->user[0])
            redisAsyncCommand(mac, on_setup_reply, r, "AUTH %s %s", r->user, r->password);
        else
            redisAsyncCommand(mac, on_setup_reply, r, "AUTH %s", r->password);
    }
    if (r->db)
        redisAsyncCommand(mac, on_setup_reply, r, "SELECT %d", r->db);
    for (kefu_redis_script *s = r->scripts; s; s = s->next)
        redisAsyncCommand(mac, on_setup_reply, r, "SCRIPT LOAD %s", s->source);
    redisAsyncCommand(mac, on_ready_reply, r, "PING");
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
    kefu_redis *r = ac->data;

    (void)status;
    if (!r || ac != r->ac)
        return;
    /* hiredis frees the context after this callback. */
    r->ac = NULL;
    if (r->ready)
        kefu_log(KEFU_LOG_WARN, "redis connection lost", "reason",
                 ac->errstr[0] ? ac->errstr : "closed", NULL);
    r->ready = false;
    set_status(r, "disconnected", ac->errstr[0] ? ac->errstr : NULL);
    schedule_reconnect(r);
}

static void connect_now(kefu_redis *r)
{
    redisAsyncContext *ac;

    if (r->closing || r->ac)
        return;
    ac =
        r->unix_path[0] ? redisAsyncConnectUnix(r->unix_path) : redisAsyncConnect(r->host, r->port);
    if (!ac) {
        set_status(r, "connect failed", "out of memory");
        schedule_reconnect(r);
        return;
    }
    if (ac->err) {
        set_status(r, "connect failed", ac->errstr);
        redisAsyncFree(ac);
        schedule_reconnect(r);
        return;
    }
    if (attach(ac, r->loop) != 0) {
        set_status(r, "connect failed", "cannot watch the socket");
        redisAsyncFree(ac);
        schedule_reconnect(r);
        return;
    }
    ac->data = r;
    r->ac = ac;
    r->connect_us = kefu_mono_us();
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
}

/* Drops a connection whose oldest command has waited past the timeout. */
static void on_watchdog(uv_timer_t *t)
{
    kefu_redis *r = t->data;
    pending *oldest = r->head.next;
    int64_t now = kefu_mono_us();
    bool late = r->last_tick_us && now - r->last_tick_us > 2 * r->tick_us;

    r->last_tick_us = now;
    /* The loop was busy (this tick is late): commands queued meanwhile may
     * not even be written yet (hiredis writes when the poll says so, and
     * timers run before the poll). Judge Redis on the next tick. */
    if (late)
        return;

    if (r->ac && !r->ready && kefu_mono_us() - r->connect_us > r->timeout_ms * 1000) {
        drop(r, "connect timed out");
        return;
    }
    if (oldest != &r->head && kefu_mono_us() - oldest->sent_us > r->timeout_ms * 1000) {
        char why[96];
        /* Take in the replies that have arrived (hiredis reads 16 KB at a
         * time) before judging Redis. */
        for (int i = 0; i < 64 && r->ac && oldest == r->head.next; i++)
            redisAsyncHandleRead(r->ac);
        oldest = r->head.next;
        if (!r->ac || oldest == &r->head ||
            kefu_mono_us() - oldest->sent_us <= r->timeout_ms * 1000)
            return;
        snprintf(why, sizeof(why), "no reply within %lld ms", (long long)r->timeout_ms);
        drop(r, why);
    }
}

kefu_redis *kefu_redis_new(uv_loop_t *loop, const char *url, int64_t timeout_ms,
                           kefu_metrics *stats, kefu_error *err)
{
    kefu_redis *r = calloc(1, sizeof(*r));
    int64_t tick;

    if (!r) {
        kefu_error_set(err, KEFU_STATUS_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    if (parse_url(r, url, err) != KEFU_STATUS_OK) {
        free(r);
        return NULL;
    }
    r->loop = loop;
    r->timeout_ms = timeout_ms;
    r->backoff_ms = 100;
    r->stats = stats;
    r->head.next = r->head.prev = &r->head;
    set_status(r, "connecting", NULL);
    uv_timer_init(loop, &r->reconnect_timer);
    uv_timer_init(loop, &r->watchdog);
    r->reconnect_timer.data = r->watchdog.data = r;
    tick = timeout_ms / 4 > 0 ? timeout_ms / 4 : 1;
    r->tick_us = tick * 1000;
    uv_timer_start(&r->watchdog, on_watchdog, (uint64_t)tick, (uint64_t)tick);
    connect_now(r);
    return r;
}

static void on_handle_closed(uv_handle_t *h)
{
    kefu_redis *r = h->data;

    if (--r->open_handles > 0)
        return;
    while (r->free_list) {
        pending *p = r->free_list;
        r->free_list = p->next;
        free(p);
    }
    free(r);
}

void kefu_redis_free(kefu_redis *r)
{
    if (!r)
        return;
    r->closing = true;
    if (r->ac) {
        redisAsyncContext *ac = r->ac;
        r->ac = NULL;
        r->ready = false;
        ac->data = NULL;
        redisAsyncFree(ac);
    }
    r->open_handles = 2;
    uv_close((uv_handle_t *)&r->reconnect_timer, on_handle_closed);
    uv_close((uv_handle_t *)&r->watchdog, on_handle_closed);
}

void kefu_redis_add_script(kefu_redis *r, kefu_redis_script *s)
{
    kefu_sha1_hex(s->source, strlen(s->source), s->sha);
    s->next = r->scripts;
    r->scripts = s;
    if (r->ac) /* already connected: load it now, ahead of any use */
        redisAsyncCommand(r->ac, on_setup_reply, r, "SCRIPT LOAD %s", s->source);
}

bool kefu_redis_ready(const kefu_redis *r)
{
    return r->ready;
}

const char *kefu_redis_status(const kefu_redis *r)
{
    return r->status;
}

void kefu_redis_on_ready(kefu_redis *r, void (*fn)(void *arg), void *arg)
{
    r->on_ready = fn;
    r->on_ready_arg = arg;
}

kefu_status kefu_redis_command(kefu_redis *r, kefu_redis_cb cb, void *arg, uint64_t tag, int argc,
                               const char **argv, const size_t *argvlen)
{
    pending *p;

    if (!r->ready || !r->ac)
        return KEFU_STATUS_UNAVAILABLE;
    p = take_pending(r);
    if (!p)
        return KEFU_STATUS_UNAVAILABLE;
    p->cb = cb;
    p->arg = arg;
    p->tag = tag;
    p->sent_us = kefu_mono_us();
    link_pending(r, p);
    if (redisAsyncCommandArgv(r->ac, on_reply, p, argc, argv, argvlen) != REDIS_OK) {
        release_pending(r, p);
        return KEFU_STATUS_UNAVAILABLE;
    }
    return KEFU_STATUS_OK;
}
