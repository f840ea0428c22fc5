/*
 * outbox.c - the relay that delivers this service's outbox entries (see
 * outbox.h for the contract and the Redis keys; the entries are written by
 * the outbox() function of every store script, script.c).
 *
 * Everything runs on the service's loop: a poll timer (and a kick after a
 * local commit) claims due entries, each claimed entry becomes a delivery in
 * flight on the loop client of its peer, and its outcome is one more script:
 * the hook then done, retry with backoff, or fail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "json.h"
#include "log.h"
#include "outbox.h"
#include "runtime.h"
#include "timeutil.h"
#include "utf8.h"

#define POLL_MS          200 /* how often every replica looks for due entries */
#define MAX_IN_FLIGHT    64  /* deliveries at once per replica */
#define MAX_PEERS        8   /* distinct services one service calls */
#define MAX_HOOKS        8
#define BACKOFF_FIRST_MS 200
#define BACKOFF_CAP_MS   30000

extern const char kefu_lua_outbox_claim[], kefu_lua_outbox_done[], kefu_lua_outbox_retry[],
    kefu_lua_outbox_fail[], kefu_lua_outbox_list[], kefu_lua_outbox_requeue[];

typedef struct {
    char *service;
    kefu_client *client;
} peer;

typedef struct {
    const char *name;
    const kefu_script *script;
} hook;

struct kefu_outbox {
    kefu_service *svc;
    uv_timer_t timer;
    bool started, stopping, claiming;
    bool quiet; /* the service is stopping: finish what is in flight, claim nothing */
    bool again; /* claim again as soon as there is room */
    int in_flight, requested;
    peer peers[MAX_PEERS];
    int n_peers;
    hook hooks[MAX_HOOKS];
    int n_hooks;
    kefu_script claim, done, retry, fail, list, requeue;
};

/* One claimed entry on its way to the peer. */
typedef struct {
    kefu_outbox *o;
    char n[24];     /* entry number */
    char token[24]; /* the lease's: the entry's lease count the claim set */
    char id[96];    /* "<service>-<n>": the idempotency key */
    char *method;   /* "visits.ScheduleFollowUp" */
    char *target;   /* "visits" */
    char *hook;     /* "" when none */
    char *ctx;
    char *actor;
    char *result;    /* the peer's result as JSON text, for the hook */
    int64_t created; /* wall-clock ms */
    int64_t attempts;
} delivery;

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t delivery_deadline_ms(const kefu_outbox *o)
{
    int64_t d = o->svc->cfg.outbox_lease_ms / 3;
    return d < 10000 ? d : 10000;
}

static void delivery_free(delivery *d)
{
    free(d->method);
    free(d->target);
    free(d->hook);
    free(d->ctx);
    free(d->actor);
    free(d->result);
    free(d);
}

/* A delivery has ended one way or another: the relay may claim more. */
static void delivery_end(delivery *d)
{
    kefu_outbox *o = d->o;

    o->in_flight--;
    delivery_free(d);
    if (!o->stopping && o->again)
        kefu_outbox_kick(o);
}

/* Statuses that no retry can change: the entry fails for good. */
static bool permanent(kefu_status st)
{
    switch (st) {
    case KEFU_STATUS_INVALID_ARGUMENT:
    case KEFU_STATUS_NOT_FOUND:
    case KEFU_STATUS_FAILED_PRECONDITION:
    case KEFU_STATUS_ALREADY_EXISTS:
    case KEFU_STATUS_OUT_OF_RANGE:
        return true;
    default:
        return false;
    }
}

static void on_step_done(redisReply *reply, const kefu_error *err, void *arg, uint64_t tag)
{
    delivery *d = arg;

    (void)tag;
    if (!reply || reply->type == REDIS_REPLY_ERROR)
        kefu_log(KEFU_LOG_WARN,
                 "outbox: could not record an entry's outcome; it will be sent again", "entry",
                 d->id, "error", reply ? reply->str : err->message, NULL);
    delivery_end(d);
}

/* Runs relay script `s` for `d`: the entry number, then `n` arguments. */
static void run_step(delivery *d, const kefu_script *s, int n, const char **args)
{
    const char *argv[5] = {d->n};

    for (int i = 0; i < n && i < 4; i++)
        argv[i + 1] = args[i];
    if (kefu_script_run(d->o->svc, s, wall_ms(), d->actor, n + 1, argv, NULL, on_step_done, d) !=
        KEFU_STATUS_OK)
        delivery_end(d); /* Redis is down: the lease ends and it is claimed again */
}

/* `why`, at most `cap` bytes of whole characters: how it goes into the
 * entry (whose listing must stay valid UTF-8) and the log. */
static const char *reason(const char *why, char *out, size_t cap)
{
    snprintf(out, cap, "%s", why);
    kefu_utf8_trim_end(out);
    return out;
}

/* Not acknowledged: due again after the backoff, unless this relay's lease
 * has ended meanwhile (the script checks the token). */
static void retry_later(delivery *d, const char *why)
{
    kefu_outbox *o = d->o;
    int64_t delay = BACKOFF_FIRST_MS;
    char ms[24], text[600];
    const char *args[3] = {ms, reason(why, text, sizeof(text)), d->token};

    for (int64_t i = 1; i < d->attempts && delay < BACKOFF_CAP_MS; i++)
        delay *= 2;
    if (delay > BACKOFF_CAP_MS)
        delay = BACKOFF_CAP_MS;
    delay += rand() % (delay / 4 + 1); /* replicas retrying together spread out */
    if (o->quiet)
        delay = 0; /* this replica is stopping: another may take it at once */
    snprintf(ms, sizeof(ms), "%lld", (long long)delay);
    o->svc->metrics.outbox.retries++;
    kefu_log(KEFU_LOG_INFO, "outbox: delivery not acknowledged; retrying", "entry", d->id, "method",
             d->method, "error", text, NULL);
    run_step(d, &o->retry, 3, args);
}

static void fail_entry(delivery *d, const char *why)
{
    char text[600];
    const char *args[2] = {reason(why, text, sizeof(text)), d->token};

    d->o->svc->metrics.outbox.failures++;
    kefu_log(KEFU_LOG_ERROR, "outbox: the peer refused an entry; it is kept as failed", "entry",
             d->id, "method", d->method, "error", text, NULL);
    run_step(d, &d->o->fail, 2, args);
}

static void acknowledged(delivery *d)
{
    kefu_outbox_metrics *m = &d->o->svc->metrics.outbox;
    int64_t waited = wall_ms() - d->created;

    m->delivered++;
    kefu_hist_add(&m->latency, waited > 0 ? (uint64_t)waited * 1000 : 0);
    run_step(d, &d->o->done, 0, NULL);
}

static const kefu_script *hook_script(const kefu_outbox *o, const char *name)
{
    for (int i = 0; i < o->n_hooks; i++) {
        if (strcmp(o->hooks[i].name, name) == 0)
            return o->hooks[i].script;
    }
    return NULL;
}

static void on_hook(redisReply *reply, const kefu_error *err, void *arg, uint64_t tag)
{
    delivery *d = arg;
    char why[800];

    (void)tag;
    if (d->o->stopping) {
        delivery_end(d);
        return;
    }
    if (!reply) {
        snprintf(why, sizeof(why), "hook %.100s: %s", d->hook, err->message);
        retry_later(d, why);
        return;
    }
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements >= 1 &&
        reply->element[0]->type == REDIS_REPLY_STRING &&
        strcmp(reply->element[0]->str, "ok") == 0) {
        acknowledged(d);
        return;
    }
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements >= 3 &&
        reply->element[1]->type == REDIS_REPLY_STRING &&
        reply->element[2]->type == REDIS_REPLY_STRING) {
        kefu_status st = KEFU_STATUS_INTERNAL;
        kefu_status_from_name(reply->element[1]->str, &st);
        snprintf(why, sizeof(why), "hook %s: %s: %s", d->hook, reply->element[1]->str,
                 reply->element[2]->str);
        if (permanent(st))
            fail_entry(d, why); /* the hook's own verdict: retrying cannot change it */
        else
            retry_later(d, why);
        return;
    }
    /* A Redis error (READONLY in a failover, OOM, BUSY, LOADING) passes. */
    snprintf(why, sizeof(why), "hook %s: %s", d->hook,
             reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
    retry_later(d, why);
}

static void run_hook(delivery *d)
{
    const kefu_script *s = hook_script(d->o, d->hook);
    const char *args[2] = {d->ctx, d->result};
    kefu_service *svc = d->o->svc;

    if (kefu_script_run(svc, s, kefu_clock_now(&svc->clock), d->actor, 2, args, NULL, on_hook, d) !=
        KEFU_STATUS_OK)
        delivery_end(d);
}

static void on_delivered(const cJSON *reply, const kefu_error *err, void *arg)
{
    delivery *d = arg;
    const cJSON *result;
    kefu_error e;
    char why[800];

    if (d->o->stopping) {
        delivery_end(d);
        return;
    }
    if (!reply) {
        retry_later(d, err->message);
        return;
    }
    if (kefu_client_result(reply, &result, &e) == KEFU_STATUS_OK) {
        if (!d->hook[0]) {
            acknowledged(d);
            return;
        }
        d->result = cJSON_PrintUnformatted(result);
        if (!d->result) {
            snprintf(why, sizeof(why), "out of memory");
            retry_later(d, why);
            return;
        }
        run_hook(d);
        return;
    }
    snprintf(why, sizeof(why), "%s: %s%s%s%s", kefu_status_name(e.status), e.message,
             e.field[0] ? " (field " : "", e.field, e.field[0] ? ")" : "");
    if (permanent(e.status))
        fail_entry(d, why);
    else
        retry_later(d, why);
}

static kefu_client *peer_client(kefu_outbox *o, const char *service, kefu_error *err)
{
    const char *addr;
    peer *p;

    for (int i = 0; i < o->n_peers; i++) {
        if (strcmp(o->peers[i].service, service) == 0)
            return o->peers[i].client;
    }
    addr = kefu_config_peer(&o->svc->cfg, service);
    if (!addr)
        addr = kefu_default_addr(service);
    if (!addr || o->n_peers == MAX_PEERS) {
        kefu_error_set(err, KEFU_STATUS_UNAVAILABLE, NULL,
                       "no address for service %.60s: give --peer %.60s=ADDR", service, service);
        return NULL;
    }
    p = &o->peers[o->n_peers];
    p->client = kefu_client_new(&o->svc->loop, addr, err);
    if (!p->client)
        return NULL;
    p->service = strdup(service);
    if (!p->service) {
        kefu_client_free(p->client);
        kefu_error_set(err, KEFU_STATUS_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    o->n_peers++;
    return p->client;
}

static char *dup_elem(const redisReply *r)
{
    char *s = malloc(r->len + 1);
    if (s) {
        memcpy(s, r->str, r->len);
        s[r->len] = '\0';
    }
    return s;
}

/* Claimed entry at elements e[0..9]: n, service, method, params, hook, ctx,
 * created, actor, attempts, lease token. */
static void deliver(kefu_outbox *o, redisReply **e)
{
    delivery *d = calloc(1, sizeof(*d));
    kefu_call_opts opts = {
        .token = o->svc->cfg.peer_token, .deadline_ms = delivery_deadline_ms(o), .max_attempts = 1};
    kefu_client *client;
    kefu_error err;
    cJSON *params = NULL;
    char why[600];

    if (!d)
        return; /* the lease ends and it is claimed again */
    d->o = o;
    o->in_flight++;
    snprintf(d->n, sizeof(d->n), "%.20s", e[0]->str);
    snprintf(d->id, sizeof(d->id), "%.60s-%.20s", o->svc->def->name, e[0]->str);
    d->target = dup_elem(e[1]);
    d->method = dup_elem(e[2]);
    d->hook = dup_elem(e[4]);
    d->ctx = dup_elem(e[5]);
    d->actor = dup_elem(e[7]);
    d->created = strtoll(e[6]->str, NULL, 10);
    d->attempts = strtoll(e[8]->str, NULL, 10);
    snprintf(d->token, sizeof(d->token), "%.20s", e[9]->str);
    if (!d->target || !d->method || !d->hook || !d->ctx || !d->actor) {
        delivery_end(d);
        return;
    }
    params = kefu_json_parse(e[3]->str, e[3]->len, 64, &err);
    if (!cJSON_IsObject(params)) {
        cJSON_Delete(params);
        snprintf(why, sizeof(why), "the entry's params are not a JSON object");
        fail_entry(d, why);
        return;
    }
    /* A hook this replica does not know (an older version during an
     * upgrade): leave the entry to one that does, before the peer acts. */
    if (d->hook[0] && !hook_script(o, d->hook)) {
        cJSON_Delete(params);
        snprintf(why, sizeof(why), "no hook %.100s on this replica (an older version?)", d->hook);
        retry_later(d, why);
        return;
    }
    client = peer_client(o, d->target, &err);
    if (!client) {
        cJSON_Delete(params);
        snprintf(why, sizeof(why), "%s", err.message);
        retry_later(d, why); /* a configuration to fix: delayed, never dropped */
        return;
    }
    opts.idempotency_key = d->id;
    kefu_client_call(client, d->method, params, &opts, on_delivered, d);
    cJSON_Delete(params);
}

static void on_claim(redisReply *reply, const kefu_error *err, void *arg, uint64_t tag)
{
    kefu_outbox *o = arg;
    kefu_outbox_metrics *m = &o->svc->metrics.outbox;
    size_t n;

    (void)tag;
    (void)err;
    o->claiming = false;
    if (o->stopping || !reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 2 ||
        reply->element[1]->type != REDIS_REPLY_STRING)
        return; /* Redis is down or going: the next poll tries again */
    {
        long long pending = 0, failed = 0, oldest = 0;
        sscanf(reply->element[1]->str, "%lld %lld %lld", &pending, &failed, &oldest);
        m->pending = pending;
        m->failed = failed;
        m->oldest_created_ms = oldest;
    }
    n = (reply->elements - 2) / 10;
    for (size_t i = 0; i < n; i++) {
        redisReply **e = reply->element + 2 + i * 10;
        bool strings = true;
        for (int k = 0; k < 10; k++)
            strings = strings && e[k]->type == REDIS_REPLY_STRING;
        if (strings)
            deliver(o, e);
    }
    /* A full batch (there may be more due now) or a kick while claiming. */
    if (o->again || (int)n == o->requested)
        kefu_outbox_kick(o);
}

static void claim(kefu_outbox *o)
{
    char lease[24], max[24];
    const char *args[2] = {lease, max};
    int room = MAX_IN_FLIGHT - o->in_flight;

    if (o->stopping || o->quiet || o->claiming)
        return;
    if (room <= 0) {
        o->again = true;
        return;
    }
    o->again = false;
    snprintf(lease, sizeof(lease), "%lld", (long long)o->svc->cfg.outbox_lease_ms);
    snprintf(max, sizeof(max), "%d", room);
    o->requested = room;
    if (kefu_script_run(o->svc, &o->claim, wall_ms(), "outbox", 2, args, NULL, on_claim, o) ==
        KEFU_STATUS_OK)
        o->claiming = true;
}

static void on_timer(uv_timer_t *t)
{
    claim(t->data);
}

kefu_outbox *kefu_outbox_new(kefu_service *svc)
{
    kefu_outbox *o = calloc(1, sizeof(*o));

    if (!o)
        return NULL;
    o->svc = svc;
    kefu_script_init(svc, &o->claim, "outbox_claim", kefu_lua_outbox_claim);
    kefu_script_init(svc, &o->done, "outbox_done", kefu_lua_outbox_done);
    kefu_script_init(svc, &o->retry, "outbox_retry", kefu_lua_outbox_retry);
    kefu_script_init(svc, &o->fail, "outbox_fail", kefu_lua_outbox_fail);
    kefu_script_init(svc, &o->list, "outbox_list", kefu_lua_outbox_list);
    kefu_script_init(svc, &o->requeue, "outbox_requeue", kefu_lua_outbox_requeue);
    uv_timer_init(&svc->loop, &o->timer);
    o->timer.data = o;
    return o;
}

void kefu_outbox_start(kefu_outbox *o)
{
    o->started = true;
    uv_timer_start(&o->timer, on_timer, 0, POLL_MS);
}

void kefu_outbox_kick(kefu_outbox *o)
{
    if (!o || !o->started || o->stopping || o->quiet)
        return;
    if (o->claiming || o->in_flight >= MAX_IN_FLIGHT) {
        o->again = true;
        return;
    }
    o->again = false;
    uv_timer_start(&o->timer, on_timer, 0, POLL_MS);
}

void kefu_outbox_quiesce(kefu_outbox *o)
{
    if (o)
        o->quiet = true;
}

bool kefu_outbox_busy(const kefu_outbox *o)
{
    return o && (o->in_flight > 0 || o->claiming);
}

void kefu_outbox_cancel(kefu_outbox *o)
{
    if (!o || o->stopping)
        return;
    o->quiet = true;
    /* Each call in flight ends now with CANCELLED (synchronously): its
     * delivery records a retry, due at once, and ends. */
    for (int i = 0; i < o->n_peers; i++) {
        kefu_client_free(o->peers[i].client);
        free(o->peers[i].service);
    }
    o->n_peers = 0;
}

static void on_timer_closed(uv_handle_t *h)
{
    (void)h;
}

void kefu_outbox_stop(kefu_outbox *o)
{
    if (!o || o->stopping)
        return;
    o->stopping = true;
    uv_close((uv_handle_t *)&o->timer, on_timer_closed);
    for (int i = 0; i < o->n_peers; i++)
        kefu_client_free(o->peers[i].client); /* in-flight calls end with CANCELLED */
}

void kefu_outbox_free(kefu_outbox *o)
{
    if (!o)
        return;
    for (int i = 0; i < o->n_peers; i++)
        free(o->peers[i].service);
    kefu_script_free(&o->claim);
    kefu_script_free(&o->done);
    kefu_script_free(&o->retry);
    kefu_script_free(&o->fail);
    kefu_script_free(&o->list);
    kefu_script_free(&o->requeue);
    free(o);
}

void kefu_outbox_hook(kefu_service *svc, const char *name, const kefu_script *s)
{
    kefu_outbox *o = svc->outbox;

    if (o->n_hooks == MAX_HOOKS) {
        kefu_log(KEFU_LOG_ERROR, "too many outbox hooks", "hook", name, NULL);
        abort();
    }
    o->hooks[o->n_hooks].name = name;
    o->hooks[o->n_hooks++].script = s;
}

/* ---- sys.Outbox, sys.OutboxRetry ---- */

/* Adds `<name>_at` (RFC 3339) for the ms field `<name>_ms`, which goes. */
static void ms_to_time(cJSON *entry, const char *name, int tz)
{
    char key[32], text[40];
    cJSON *v;

    snprintf(key, sizeof(key), "%s_ms", name);
    v = cJSON_DetachItemFromObjectCaseSensitive(entry, key);
    snprintf(key, sizeof(key), "%s_at", name);
    if (cJSON_IsNumber(v) && v->valuedouble > 0) {
        kefu_time_format_rfc3339((kefu_ms)v->valuedouble, tz, text);
        cJSON_AddStringToObject(entry, key, text);
    } else {
        cJSON_AddNullToObject(entry, key);
    }
    cJSON_Delete(v);
}

static void on_list(kefu_call *call, const char *json, size_t len, void *arg)
{
    cJSON *result = NULL;
    const cJSON *entry;
    kefu_error err;
    int64_t now = wall_ms();
    int tz = kefu_call_tz(call);

    (void)arg;
    result = kefu_json_parse(json, len, 64, &err);
    if (!result) {
        kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "outbox listing: %s", err.message);
        return;
    }
    cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(result, "entries"))
    {
        const cJSON *created = cJSON_GetObjectItemCaseSensitive(entry, "created_ms");
        if (cJSON_IsNumber(created))
            cJSON_AddNumberToObject((cJSON *)entry, "age_ms",
                                    now > created->valuedouble ? now - created->valuedouble : 0);
        ms_to_time((cJSON *)entry, "created", tz);
        ms_to_time((cJSON *)entry, "next_attempt", tz);
        ms_to_time((cJSON *)entry, "failed", tz);
    }
    kefu_call_reply_ok(call, result);
}

void kefu_outbox_list_method(kefu_call *call)
{
    int64_t limit = 100;
    char text[24];
    const char *args[1] = {text};

    kefu_json_int(kefu_json_get(kefu_call_params(call), "limit"), &limit);
    snprintf(text, sizeof(text), "%lld", (long long)limit);
    kefu_call_eval(call, &call->svc->outbox->list, 1, args, NULL, on_list, NULL);
}

/* sys.OutboxRetry / sys.OutboxDrop: `op` ("retry", "drop") a failed entry. */
static void requeue(kefu_call *call, const char *op)
{
    const char *id = kefu_json_str(kefu_call_params(call), "id");
    const char *svc_name = call->svc->def->name;
    size_t n = strlen(svc_name);
    const char *num = NULL;

    /* "<this service>-<number>" */
    if (strncmp(id, svc_name, n) == 0 && id[n] == '-')
        num = id + n + 1;
    if (!num || !*num || strspn(num, "0123456789") != strlen(num) || strlen(num) > 18) {
        kefu_call_reply_error(call, KEFU_STATUS_INVALID_ARGUMENT, "id",
                              "expected an entry id of this service, e.g. %s-42", svc_name);
        return;
    }
    const char *args[2] = {num, op};
    kefu_call_eval(call, &call->svc->outbox->requeue, 2, args, NULL, NULL, NULL);
}

void kefu_outbox_retry_method(kefu_call *call)
{
    requeue(call, "retry");
}

void kefu_outbox_drop_method(kefu_call *call)
{
    requeue(call, "drop");
}
