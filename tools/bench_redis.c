/*
 * bench_redis.c - the Redis side of kefu-bench: URL parsing, the synchronous
 * setup connection handed to kefu_bench_ceiling_prepare, and the ceiling run
 * itself, which keeps N commands in flight on one hiredis async connection
 * on a libuv loop (as a service would) and times each reply.
 *
 * Everything here runs on the calling thread's own loop; nothing is shared.
 */
#include "bench.h"

#include <hiredis/adapters/libuv.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

static int parse_int(const char *s, size_t len, int max, int *out)
{
    long v = 0;
    if (len == 0 || len > 9)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v > max)
        return -1;
    *out = (int)v;
    return 0;
}

static int copy_part(char *dst, size_t cap, const char *src, size_t len)
{
    if (len >= cap)
        return -1;
    memcpy(dst, src, len);
    dst[len] = '\0';
    return 0;
}

int bench_redis_url_parse(const char *url, bench_redis_url *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->port = 6379;

    if (strncmp(url, "unix://", 7) == 0) {
        const char *path = url + 7;
        const char *at = strstr(path, "@/");
        if (at != NULL) {
            const char *colon = memchr(path, ':', (size_t)(at - path));
            if (colon == NULL ||
                copy_part(out->user, sizeof(out->user), path, (size_t)(colon - path)) ||
                copy_part(out->password, sizeof(out->password), colon + 1,
                          (size_t)(at - colon - 1))) {
                snprintf(err, errlen, "redis URL: credentials must read [user]:password@");
                return -1;
            }
            path = at + 1;
        }
        const char *query = strchr(path, '?');
        size_t plen = query ? (size_t)(query - path) : strlen(path);
        if (plen == 0 || path[0] != '/' || copy_part(out->path, sizeof(out->path), path, plen)) {
            snprintf(err, errlen, "expected unix://[:password@]/absolute/path[?db=N]");
            return -1;
        }
        if (query != NULL && (strncmp(query, "?db=", 4) ||
                              parse_int(query + 4, strlen(query + 4), 65535, &out->db))) {
            snprintf(err, errlen, "unix:// URL: the only query understood is ?db=N");
            return -1;
        }
        return 0;
    }
    if (strncmp(url, "redis://", 8) != 0) {
        snprintf(err, errlen, "expected redis://[:password@]host:port/db or unix:///path");
        return -1;
    }
    const char *p = url + 8;
    const char *at = strrchr(p, '@');
    if (at != NULL) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        if (colon == NULL || copy_part(out->user, sizeof(out->user), p, (size_t)(colon - p)) ||
            copy_part(out->password, sizeof(out->password), colon + 1, (size_t)(at - colon - 1))) {
            snprintf(err, errlen, "redis URL: credentials must read [user]:password@");
            return -1;
        }
        p = at + 1;
    }
    const char *host = p;
    size_t hostlen;
    if (*p == '[') { /* [::1]:6379 */
        const char *close = strchr(p, ']');
        if (close == NULL)
            goto bad;
        host = p + 1;
        hostlen = (size_t)(close - host);
        p = close + 1;
    } else {
        hostlen = strcspn(p, ":/");
        p += hostlen;
    }
    if (hostlen == 0 || copy_part(out->host, sizeof(out->host), host, hostlen))
        goto bad;
    if (*p == ':') {
        size_t n = strcspn(p + 1, "/");
        if (parse_int(p + 1, n, 65535, &out->port) || out->port == 0)
            goto bad;
        p += 1 + n;
    }
    if (*p == '/' && p[1] != '\0' && parse_int(p + 1, strlen(p + 1), 65535, &out->db))
        goto bad;
    return 0;
bad:
    snprintf(err, errlen, "redis URL: expected redis://[:password@]host:port/db");
    return -1;
}

redisContext *bench_redis_connect(const bench_redis_url *url, char *err, size_t errlen)
{
    struct timeval tv = {2, 0};
    redisContext *c = url->path[0] ? redisConnectUnixWithTimeout(url->path, tv)
                                   : redisConnectWithTimeout(url->host, url->port, tv);
    if (c == NULL || c->err) {
        snprintf(err, errlen, "cannot connect to Redis: %s", c ? c->errstr : "out of memory");
        redisFree(c);
        return NULL;
    }
    redisSetTimeout(c, tv);
    redisReply *r = NULL;
    if (url->password[0]) {
        r = url->user[0] ? redisCommand(c, "AUTH %s %s", url->user, url->password)
                         : redisCommand(c, "AUTH %s", url->password);
        if (r == NULL || r->type == REDIS_REPLY_ERROR)
            goto fail;
        freeReplyObject(r);
    }
    if (url->db != 0) {
        r = redisCommand(c, "SELECT %d", url->db);
        if (r == NULL || r->type == REDIS_REPLY_ERROR)
            goto fail;
        freeReplyObject(r);
    }
    return c;
fail:
    snprintf(err, errlen, "Redis refused setup: %s", r ? r->str : c->errstr);
    freeReplyObject(r);
    redisFree(c);
    return NULL;
}

/* ---- the ceiling run ---- */

typedef struct redis_driver redis_driver;

typedef struct {
    redis_driver *d;
    uint64_t sent_ns;
} redis_slot;

struct redis_driver {
    uv_loop_t loop;
    uv_timer_t guard; /* ends a run whose replies stop coming */
    redisAsyncContext *ac;
    const kefu_bench_ceiling *cmd;
    bench_tmpl args[KEFU_BENCH_MAX_ARGS]; /* set for arguments holding "{{n}}" */
    char *expanded[KEFU_BENCH_MAX_ARGS];
    const char *argv[KEFU_BENCH_MAX_ARGS];
    size_t argvlen[KEFU_BENCH_MAX_ARGS];
    int concurrency;
    redis_slot *slots;
    int timeout_ms;
    uint64_t run_ms;
    uint64_t start_ns, end_ns, done_ns;
    int inflight;
    bool holes; /* some argument holds "{{n}}" */
    bool started;
    bool abandoned; /* callbacks after this are hiredis tearing down; ignore them */
    char setup_error[256];
    bench_result *out;
};

static bool has_hole(const char *s, size_t len)
{
    size_t holelen = strlen(BENCH_TMPL_HOLE);
    for (size_t i = 0; i + holelen <= len; i++)
        if (memcmp(s + i, BENCH_TMPL_HOLE, holelen) == 0)
            return true;
    return false;
}

static void note_error(redis_driver *d, const char *msg)
{
    if (d->out->first_error[0] == '\0')
        snprintf(d->out->first_error, sizeof(d->out->first_error), "%s", msg);
}

static void guard_close(redis_driver *d)
{
    if (!uv_is_closing((uv_handle_t *)&d->guard))
        uv_close((uv_handle_t *)&d->guard, NULL);
}

static void call_cb(redisAsyncContext *ac, void *r, void *privdata);
static void guard_cb(uv_timer_t *t);

static void call_issue(redis_slot *s)
{
    redis_driver *d = s->d;
    if (d->holes) {
        uint64_t n = bench_next_n();
        for (int i = 0; i < d->cmd->argc; i++)
            if (d->expanded[i] != NULL)
                d->argvlen[i] = bench_tmpl_expand(&d->args[i], n, d->expanded[i]);
    }
    s->sent_ns = bench_now_ns();
    /* hiredis copies the arguments into its output buffer before returning. */
    if (redisAsyncCommandArgv(d->ac, call_cb, s, d->cmd->argc, d->argv, d->argvlen) == REDIS_OK)
        d->inflight++;
}

static void call_cb(redisAsyncContext *ac, void *r, void *privdata)
{
    redis_slot *s = privdata;
    redis_driver *d = s->d;
    redisReply *reply = r; /* borrowed: hiredis frees it when this returns */
    if (d->abandoned)
        return;
    uint64_t now = bench_now_ns();
    d->inflight--;
    bench_hist_record(&d->out->hist, now - s->sent_ns);
    d->out->calls++;
    if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
        d->out->errors++;
        note_error(d, reply ? reply->str : (ac->errstr[0] ? ac->errstr : "connection lost"));
    }
    if (reply == NULL)
        return; /* the connection is going; the disconnect callback ends the run */
    if (now < d->end_ns) {
        call_issue(s);
    } else if (d->inflight == 0) {
        d->done_ns = now;
        redisAsyncDisconnect(ac);
    }
}

static void setup_cb(redisAsyncContext *ac, void *r, void *privdata)
{
    redis_driver *d = ac->data;
    redisReply *reply = r;
    (void)privdata;
    if (d->setup_error[0] == '\0' && (reply == NULL || reply->type == REDIS_REPLY_ERROR))
        snprintf(d->setup_error, sizeof(d->setup_error), "%s",
                 reply ? reply->str : "connection lost during setup");
}

/* The PING queued after AUTH and SELECT: once it answers, the measured run starts. */
static void ready_cb(redisAsyncContext *ac, void *r, void *privdata)
{
    redis_driver *d = ac->data;
    (void)privdata;
    setup_cb(ac, r, NULL);
    if (r == NULL)
        return;
    if (d->setup_error[0] != '\0') {
        redisAsyncDisconnect(ac);
        return;
    }
    d->started = true;
    d->start_ns = bench_now_ns();
    d->end_ns = d->start_ns + d->run_ms * 1000000u;
    uv_timer_start(&d->guard, guard_cb, d->run_ms + (uint64_t)d->timeout_ms, 0);
    for (int i = 0; i < d->concurrency; i++)
        call_issue(&d->slots[i]);
}

static void connect_cb(const redisAsyncContext *ac, int status)
{
    redis_driver *d = ac->data;
    if (status != REDIS_OK) {
        snprintf(d->setup_error, sizeof(d->setup_error), "cannot connect to Redis: %s", ac->errstr);
        d->ac = NULL; /* hiredis frees it after this callback */
        guard_close(d);
    }
}

static void disconnect_cb(const redisAsyncContext *ac, int status)
{
    redis_driver *d = ac->data;
    (void)status;
    if (d->started && d->done_ns == 0)
        d->done_ns = bench_now_ns();
    d->ac = NULL;
    guard_close(d);
}

static void guard_cb(uv_timer_t *t)
{
    redis_driver *d = t->data;
    if (!d->started) {
        snprintf(d->setup_error, sizeof(d->setup_error), "Redis did not answer within %d ms",
                 d->timeout_ms);
    } else {
        d->out->calls += (uint64_t)d->inflight;
        d->out->errors += (uint64_t)d->inflight;
        note_error(d, "timed out");
        d->done_ns = bench_now_ns();
    }
    d->abandoned = true;
    if (d->ac != NULL) {
        redisAsyncContext *ac = d->ac;
        d->ac = NULL;
        redisAsyncFree(ac);
    }
    guard_close(d);
}

int bench_redis_run(const bench_redis_url *url, const kefu_bench_ceiling *cmd, int concurrency,
                    double seconds, int timeout_ms, bench_result *out, char *err, size_t errlen)
{
    redis_driver d;
    memset(&d, 0, sizeof(d));
    memset(out, 0, sizeof(*out));
    out->concurrency = concurrency;
    d.out = out;
    d.cmd = cmd;
    d.concurrency = concurrency;
    d.timeout_ms = timeout_ms;
    d.run_ms = (uint64_t)(seconds * 1000.0);
    int ret = -1;

    d.slots = calloc((size_t)concurrency, sizeof(*d.slots));
    if (d.slots == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < concurrency; i++)
        d.slots[i].d = &d;
    for (int i = 0; i < cmd->argc; i++) {
        d.argv[i] = cmd->argv[i];
        d.argvlen[i] = cmd->argvlen[i];
        if (!has_hole(cmd->argv[i], cmd->argvlen[i]))
            continue;
        if (bench_tmpl_init(&d.args[i], cmd->argv[i], cmd->argvlen[i]) ||
            (d.expanded[i] = malloc(bench_tmpl_max(&d.args[i]))) == NULL) {
            snprintf(err, errlen, "out of memory");
            goto out_free;
        }
        d.argv[i] = d.expanded[i];
        d.holes = true;
    }

    uv_loop_init(&d.loop);
    uv_timer_init(&d.loop, &d.guard);
    d.guard.data = &d;
    d.ac =
        url->path[0] ? redisAsyncConnectUnix(url->path) : redisAsyncConnect(url->host, url->port);
    if (d.ac == NULL || d.ac->err) {
        snprintf(err, errlen, "cannot connect to Redis: %s", d.ac ? d.ac->errstr : "out of memory");
        if (d.ac != NULL)
            redisAsyncFree(d.ac);
        guard_close(&d);
        uv_run(&d.loop, UV_RUN_DEFAULT);
        uv_loop_close(&d.loop);
        goto out_free;
    }
    d.ac->data = &d;
    redisLibuvAttach(d.ac, &d.loop);
    redisAsyncSetConnectCallback(d.ac, connect_cb);
    redisAsyncSetDisconnectCallback(d.ac, disconnect_cb);
    if (url->password[0]) {
        if (url->user[0])
            redisAsyncCommand(d.ac, setup_cb, NULL, "AUTH %s %s", url->user, url->password);
        else
            redisAsyncCommand(d.ac, setup_cb, NULL, "AUTH %s", url->password);
    }
    if (url->db != 0)
        redisAsyncCommand(d.ac, setup_cb, NULL, "SELECT %d", url->db);
    redisAsyncCommand(d.ac, ready_cb, NULL, "PING");
    /* Setup gets one call's budget; ready_cb then gives the run its own. */
    uv_timer_start(&d.guard, guard_cb, (uint64_t)timeout_ms, 0);

    uv_run(&d.loop, UV_RUN_DEFAULT);
    uv_loop_close(&d.loop);

    if (d.setup_error[0] != '\0' || !d.started) {
        snprintf(err, errlen, "%s", d.setup_error[0] ? d.setup_error : "Redis run did not start");
        goto out_free;
    }
    out->seconds = (double)(d.done_ns - d.start_ns) / 1e9;
    ret = 0;

out_free:
    for (int i = 0; i < cmd->argc; i++) {
        if (d.expanded[i] != NULL) {
            free(d.expanded[i]);
            bench_tmpl_free(&d.args[i]);
        }
    }
    free(d.slots);
    return ret;
}
