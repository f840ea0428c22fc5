/*
 * store.c - the only file of the returns service that knows Redis keys and
 * scripts. The policy every replica uses lives in one hash:
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

#include "log.h"
#include "returns.h"

#define SYNC_MS 2000

typedef struct {
    kefu_service *svc;
    kefu_script put;
    returns_policy *policy;
    int64_t version;
    char *path;
    uv_timer_t sync;
} returns_store;

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
    char now[24];

    text = read_file(st->path, &len, &err);
    if (!text) {
        sync_now(st);
        return;
    }
    snprintf(now, sizeof(now), "%lld", (long long)kefu_clock_now(kefu_service_clock(st->svc)));
    const char *argv[] = {
        "EVALSHA", st->put.rs.sha, "0", kefu_service_config(st->svc)->ns, "", "", now, "startup",
        text,      st->path,       "1"};
    size_t lens[11];
    for (int i = 0; i < 11; i++)
        lens[i] = i == 8 ? len : strlen(argv[i]);
    kefu_redis_command(kefu_service_redis(st->svc), on_published, st, 0, 11, argv, lens);
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
    returns_policy_free(st->policy);
    free(st->path);
    free(st);
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
