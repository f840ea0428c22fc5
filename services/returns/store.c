/*
 * store.c - the only file of the returns service that knows Redis keys and
 * scripts. Keys, all under the namespace NS:
 *   NS:returns:policy                 the policy every replica uses (below)
 *   NS:return:<id>                    a return: a hash of JSON-text fields
 *                                     plus plain "_" fields for indexes
 *   NS:return:<id>:history            its history events, oldest first
 *   NS:returns:seq:<year>             the id sequence of a business year
 *   NS:returns:order                  the global insertion order (List paging)
 *   NS:returns:idx:<index>            sorted sets: all, status:<s>, region:<r>,
 *                                     customer:<c> (by order); created (by ms)
 *   NS:returns:quota:<customer>:<YYYY-MM>  the ids holding the customer's
 *                                     return slots of a business month
 * Every record script is lua/lib.lua followed by its own body.
 *
 * The policy lives in one hash:
 *   NS:returns:policy   text (the policy JSON), version, source, by, at_ms
 * A replica starts with its --policy file and publishes it when Redis has
 * none; from then on the copy in Redis rules: every replica checks its
 * version every 2 s and loads a newer text. returns.ReloadPolicy re-reads
 * the file of the replica it reaches and publishes it (version + 1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "log.h"
#include "returns.h"
#include "store.h"

#define SYNC_MS 2000

typedef struct {
    kefu_service *svc;
    kefu_script put;
    kefu_script scripts[RETURNS_SCRIPT_COUNT];
    returns_policy *policy;
    int64_t version;
    char *path;
    uv_timer_t sync;
} returns_store;

static const kefu_store_entry script_table[RETURNS_SCRIPT_COUNT] = {
    [RETURNS_CREATE] = {"returns.create", kefu_lua_returns_create},
    [RETURNS_GET] = {"returns.get", kefu_lua_returns_get},
    [RETURNS_HISTORY] = {"returns.history", kefu_lua_returns_history},
    [RETURNS_CONFIRM] = {"returns.confirm", kefu_lua_returns_confirm},
    [RETURNS_SUBMIT] = {"returns.submit", kefu_lua_returns_submit},
    [RETURNS_DECIDE] = {"returns.decide", kefu_lua_returns_decide},
    [RETURNS_SHIP] = {"returns.ship", kefu_lua_returns_ship},
    [RETURNS_RECEIVE] = {"returns.receive", kefu_lua_returns_receive},
    [RETURNS_SETTLE] = {"returns.settle", kefu_lua_returns_settle},
    [RETURNS_CANCEL] = {"returns.cancel", kefu_lua_returns_cancel},
    [RETURNS_LIST] = {"returns.list", kefu_lua_returns_list},
    [RETURNS_ROWS] = {"returns.rows", kefu_lua_returns_rows},
};

char *returns_store_source(returns_script script)
{
    return kefu_store_source(kefu_lua_returns_lib, script_table[script].body);
}

/* The whole file as a string; NULL with `err` filled. */
static char *read_file(const char *path, size_t *len, kefu_error *err)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long size;

    if (!f) {
        kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "policy", "policy file %s: %s", path,
                       strerror(errno));
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && size <= (1 << 20) &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)size + 1)) &&
        fread(buf, 1, (size_t)size, f) == (size_t)size) {
        buf[size] = '\0';
        *len = (size_t)size;
    } else {
        free(buf);
        buf = NULL;
        kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "policy",
                       "policy file %s: unreadable or over 1 MiB", path);
    }
    fclose(f);
    return buf;
}

/* Replaces the policy in force with one parsed from `text`. */
static kefu_status adopt(returns_store *st, const char *text, size_t len, int64_t version,
                         kefu_error *err)
{
    returns_policy *p;
    kefu_status s = returns_policy_load(text, len, &p, err);

    if (s != KEFU_STATUS_OK)
        return s;
    returns_policy_free(st->policy);
    st->policy = p;
    st->version = version;
    return KEFU_STATUS_OK;
}

static void on_text(redisReply *reply, const kefu_error *err, void *arg, uint64_t version)
{
    returns_store *st = arg;
    kefu_error perr;
    char v[24];

    (void)err;
    if (!reply || reply->type != REDIS_REPLY_STRING || (int64_t)version == st->version)
        return;
    snprintf(v, sizeof(v), "%lld", (long long)version);
    if (adopt(st, reply->str, reply->len, (int64_t)version, &perr) == KEFU_STATUS_OK)
        kefu_log(KEFU_LOG_INFO, "returns policy loaded from redis", "version", v, NULL);
    else
        kefu_log(KEFU_LOG_ERROR, "returns policy in redis is invalid; keeping ours", "version", v,
                 "error", perr.message, NULL);
}

static void on_version(redisReply *reply, const kefu_error *err, void *arg, uint64_t tag)
{
    returns_store *st = arg;
    char key[160];
    const char *argv[3] = {"HGET", key, "text"};
    long long v;

    (void)err;
    (void)tag;
    if (!reply || reply->type != REDIS_REPLY_STRING || (v = atoll(reply->str)) == st->version)
        return;
    snprintf(key, sizeof(key), "%s:returns:policy", kefu_service_config(st->svc)->ns);
    kefu_redis_command(kefu_service_redis(st->svc), on_text, st, (uint64_t)v, 3, argv, NULL);
}

static void sync_now(returns_store *st)
{
    char key[160];
    const char *argv[3] = {"HGET", key, "version"};

    snprintf(key, sizeof(key), "%s:returns:policy", kefu_service_config(st->svc)->ns);
    kefu_redis_command(kefu_service_redis(st->svc), on_version, st, 0, 3, argv, NULL);
}

static void on_sync_timer(uv_timer_t *t)
{
    returns_store *st = t->data;
    if (kefu_redis_ready(kefu_service_redis(st->svc)))
        sync_now(st);
}

static void on_published(redisReply *reply, const kefu_error *err, void *arg, uint64_t tag)
{
    (void)reply;
    (void)err;
    (void)tag;
    sync_now(arg); /* adopt whichever copy Redis now holds */
}

/* Redis is (back) up: publish our file if Redis holds no policy yet. */
static void on_redis_ready(void *arg)
{
    returns_store *st = arg;
    char *text;
    size_t len;
    kefu_error err;

    text = read_file(st->path, &len, &err);
    if (!text) {
        sync_now(st);
        return;
    }
    const char *args[3] = {text, st->path, "1"};
    size_t lens[3] = {len, strlen(st->path), 1};
    kefu_script_run(st->svc, &st->put, kefu_clock_now(kefu_service_clock(st->svc)), "startup", 3,
                    args, lens, on_published, st);
    free(text);
}

kefu_status returns_store_init(kefu_service *svc, kefu_error *err)
{
    const kefu_config *cfg = kefu_service_config(svc);
    returns_store *st = calloc(1, sizeof(*st));
    char *text;
    size_t len;

    if (!st)
        return kefu_error_set(err, KEFU_STATUS_INTERNAL, NULL, "out of memory");
    st->svc = svc;
    st->path =
        strdup(cfg->policy_file && *cfg->policy_file ? cfg->policy_file : KEFU_DEFAULT_POLICY);
    text = st->path ? read_file(st->path, &len, err) : NULL;
    if (!text || adopt(st, text, len, 0, err) != KEFU_STATUS_OK) {
        free(text);
        free(st->path);
        free(st);
        return err->status;
    }
    free(text);
    kefu_script_init(svc, &st->put, "returns.policy_put", kefu_lua_policy_put);
    if (kefu_store_load(svc, kefu_lua_returns_lib, script_table, RETURNS_SCRIPT_COUNT, st->scripts,
                        err) != KEFU_STATUS_OK) {
        kefu_log(KEFU_LOG_ERROR, "out of memory loading scripts", NULL);
        abort();
    }
    uv_timer_init(kefu_service_loop(svc), &st->sync);
    st->sync.data = st;
    uv_timer_start(&st->sync, on_sync_timer, SYNC_MS, SYNC_MS);
    kefu_redis_on_ready(kefu_service_redis(svc), on_redis_ready, st);
    kefu_service_set_app(svc, st);
    return KEFU_STATUS_OK;
}

static void on_sync_closed(uv_handle_t *h)
{
    (void)h;
}

void returns_store_stop(kefu_service *svc)
{
    returns_store *st = kefu_service_app(svc);
    uv_close((uv_handle_t *)&st->sync, on_sync_closed);
}

void returns_store_fini(kefu_service *svc)
{
    returns_store *st = kefu_service_app(svc);
    if (!st)
        return;
    kefu_script_free(&st->put);
    kefu_store_free(st->scripts, RETURNS_SCRIPT_COUNT);
    returns_policy_free(st->policy);
    free(st->path);
    free(st);
}

const char *returns_store_default_policy_path(void)
{
    return KEFU_DEFAULT_POLICY;
}

const returns_policy *returns_store_policy(kefu_service *svc, int64_t *version)
{
    returns_store *st = kefu_service_app(svc);
    if (version)
        *version = st->version;
    return st->policy;
}

/* Published: this replica adopts the text now (the others within 2 s). */
static void on_reloaded(kefu_call *call, const char *json, size_t len, void *arg)
{
    returns_store *st = kefu_call_app(call);
    char *text = arg;
    cJSON *r = cJSON_ParseWithLength(json, len);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, "version");
    kefu_error err;

    if (cJSON_IsNumber(v))
        adopt(st, text, strlen(text), (int64_t)v->valuedouble, &err);
    cJSON_Delete(r);
    kefu_call_reply_json(call, json, len);
}

void returns_store_reload(kefu_call *call)
{
    returns_store *st = kefu_call_app(call);
    returns_policy *check;
    kefu_error err;
    size_t len;
    char *text = read_file(st->path, &len, &err);

    if (!text) {
        kefu_call_reply_err(call, &err);
        return;
    }
    /* A broken file is refused; the policy in force stays. */
    if (returns_policy_load(text, len, &check, &err) != KEFU_STATUS_OK) {
        free(text);
        kefu_call_reply_err(call, &err);
        return;
    }
    returns_policy_free(check);
    kefu_call_own(call, text, free);
    const char *args[] = {text, st->path, "0"};
    kefu_call_eval(call, &st->put, 3, args, NULL, on_reloaded, text);
}

static void run(kefu_call *call, returns_script script, int nargs, const char **args,
                kefu_call_eval_cb on_ok, void *arg, bool last_step)
{
    returns_store *st = kefu_call_app(call);
    kefu_call_scope sc;

    kefu_call_scope_init(call, returns_policy_tz_minutes(st->policy), &sc);
    const char *head[] = {sc.now, sc.scope};
    kefu_call_eval_args(call, &st->scripts[script], last_step, 2, head, nargs, args, on_ok, arg);
}

void returns_store_run(kefu_call *call, returns_script script, int nargs, const char **args,
                       kefu_call_eval_cb on_ok, void *arg)
{
    run(call, script, nargs, args, on_ok, arg, true);
}

void returns_store_step(kefu_call *call, returns_script script, int nargs, const char **args,
                        kefu_call_eval_cb on_ok, void *arg)
{
    run(call, script, nargs, args, on_ok, arg, false);
}
