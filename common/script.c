/*
 * script.c - store scripts and Redis calls made on behalf of a call.
 *
 * Every store script is wrapped in the same prelude and epilogue, which give
 * the body its globals and helpers and make idempotency part of the very
 * script that makes the change: the key's record is checked before the body
 * runs and written in the same atomic step as the body's effect.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "log.h"
#include "outbox.h"
#include "runtime.h"
#include "sha.h"
#include "timeutil.h"

static const char prelude[] =
    "local NS, IDEM, FP, NOW_MS, ACTOR, SVC = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), "
    "ARGV[5], ARGV[6]\n"
    "local function ok(json) return {'ok', json} end\n"
    "local function err(status, message, field) return {'err', status, message, field or ''} end\n"
    "if IDEM ~= '' then\n"
    "  local prev = redis.call('GET', IDEM)\n"
    "  if prev then\n"
    "    local nl = string.find(prev, '\\n', 1, true)\n"
    "    if string.sub(prev, 1, nl - 1) == FP then return {'ok', string.sub(prev, nl + 1), "
    "'replay'} end\n"
    "    return err('FAILED_PRECONDITION', 'idempotency key reused with different params', "
    "'meta.idempotency_key')\n"
    "  end\n"
    "end\n"
    /* The transactional outbox (outbox.h): an entry asking `service` to run
     * `method` with `params` (JSON text), written with this script's change;
     * `hook` (optional) names the sender's script to run with `ctx` and the
     * peer's result once it answers. Returns the entry id. */
    "local function redis_ms()\n" /* Redis's clock: one for every replica */
    "  local t = redis.call('TIME')\n"
    "  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "end\n"
    "local OUTBOX_N = 0\n"
    "local function outbox(service, method, params, hook, ctx)\n"
    "  local base = NS .. ':outbox:' .. SVC\n"
    "  local n = redis.call('INCR', base .. ':seq')\n"
    "  local ms = redis_ms()\n"
    "  redis.call('HSET', base .. ':e:' .. n, 'service', service, 'method', method, 'params', "
    "params, 'hook', hook or '', 'ctx', ctx or '', 'created', ms, 'attempts', 0, 'actor', ACTOR)\n"
    "  redis.call('ZADD', base .. ':pending', ms, n)\n"
    "  redis.call('ZADD', base .. ':due', 0, n)\n"
    "  OUTBOX_N = OUTBOX_N + 1\n"
    "  return SVC .. '-' .. n\n"
    "end\n"
    "local A = {}\n"
    "for i = 7, #ARGV do A[i - 6] = ARGV[i] end\n"
    "local function body(KEYS, ARGV)\n";

static const char epilogue[] = "\nend\n"
                               "local r = body(KEYS, A)\n"
                               "if r[1] == 'ok' then\n"
                               "  if IDEM ~= '' then\n"
                               "    redis.call('SET', IDEM, FP .. '\\n' .. r[2], 'PX', 86400000)\n"
                               "  end\n"
                               "  if OUTBOX_N > 0 then r[3] = 'outbox' end\n"
                               "end\n"
                               "return r\n";

char *kefu_script_wrap(const char *body)
{
    size_t n = sizeof(prelude) + strlen(body) + sizeof(epilogue);
    char *src = malloc(n);

    if (src)
        snprintf(src, n, "%s%s%s", prelude, body, epilogue);
    return src;
}

void kefu_script_init(kefu_service *svc, kefu_script *s, const char *name, const char *body)
{
    s->rs.name = name;
    s->rs.source = kefu_script_wrap(body);
    if (!s->rs.source) {
        kefu_log(KEFU_LOG_ERROR, "out of memory loading script", "script", name, NULL);
        abort();
    }
    kefu_redis_add_script(svc->redis, &s->rs);
}

void kefu_script_free(kefu_script *s)
{
    free(s->rs.source);
    s->rs.source = NULL;
}

/* A Redis reply for call `arg`, if the call is still waiting for it. */
static void on_call_reply(redisReply *reply, const kefu_error *err, void *arg, uint64_t tag)
{
    kefu_call *call = arg;
    kefu_call_redis_cb cb = call->redis_cb;

    if (call->gen != tag || call->answered)
        return; /* answered already (deadline) */
    if (!reply) {
        kefu_call_reply_err(call, err);
        return;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        kefu_log(KEFU_LOG_ERROR, "redis command failed", "method", call->method->name, "error",
                 reply->str, NULL);
        kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "storage error");
        return;
    }
    call->in_handler = true; /* a continuation may reply, then read its params */
    cb(call, reply, call->cb_arg);
    kefu_call_handler_done(call);
}

void kefu_call_redis(kefu_call *call, kefu_call_redis_cb cb, void *arg, int argc, const char **argv,
                     const size_t *argvlen)
{
    call->redis_cb = cb;
    call->cb_arg = arg;
    if (kefu_redis_command(call->svc->redis, on_call_reply, call, call->gen, argc, argv, argvlen) !=
        KEFU_STATUS_OK)
        kefu_call_reply_error(call, KEFU_STATUS_UNAVAILABLE, NULL, "redis unavailable: %s",
                              call->svc->redis ? kefu_redis_status(call->svc->redis)
                                               : "shutting down");
}

/* The script's {'ok', json[, 'replay']} or {'err', status, message, field}. */
static void on_eval(kefu_call *call, redisReply *reply, void *arg)
{
    kefu_error err;
    kefu_status st;

    (void)arg;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 2 ||
        reply->element[0]->type != REDIS_REPLY_STRING ||
        reply->element[1]->type != REDIS_REPLY_STRING)
        goto bad;
    if (strcmp(reply->element[0]->str, "ok") == 0) {
        if (reply->elements > 2 && reply->element[2]->type == REDIS_REPLY_STRING &&
            strcmp(reply->element[2]->str, "outbox") == 0)
            kefu_outbox_kick(call->svc->outbox); /* deliver it now, not at the next poll */
        if (call->eval_cb)
            call->eval_cb(call, reply->element[1]->str, reply->element[1]->len, call->cb_arg);
        else
            kefu_call_reply_json(call, reply->element[1]->str, reply->element[1]->len);
        return;
    }
    if (strcmp(reply->element[0]->str, "err") != 0 || reply->elements < 4 ||
        !kefu_status_from_name(reply->element[1]->str, &st))
        goto bad;
    kefu_error_set(
        &err, st, reply->element[3]->type == REDIS_REPLY_STRING ? reply->element[3]->str : NULL,
        "%s", reply->element[2]->type == REDIS_REPLY_STRING ? reply->element[2]->str : "");
    kefu_call_reply_err(call, &err);
    return;
bad:
    kefu_log(KEFU_LOG_ERROR, "store script returned an unexpected reply", "method",
             call->method->name, NULL);
    kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "storage error");
}

/* The idempotency record's key and the params fingerprint of the call; both
 * empty when the call has no key. False when out of memory. */
static bool idem_of(kefu_call *call, char idem[300], char fp[41])
{
    char *canon;

    idem[0] = fp[0] = '\0';
    if (!call->idem_key)
        return true;
    canon = kefu_json_canonical(call->params);
    if (!canon)
        return false;
    kefu_sha1_hex(canon, strlen(canon), fp);
    cJSON_free(canon);
    /* The key's record is the caller's own (a replay never shows one
     * principal's result to another) and of fixed length (any key of up to
     * 128 characters fits): NS:idem:<method>:<sha1(principal \n key)>. */
    {
        char who[600], digest[41];
        int n = snprintf(who, sizeof(who), "%s\n%s", call->principal->name, call->idem_key);
        kefu_sha1_hex(who, (size_t)n < sizeof(who) ? (size_t)n : sizeof(who) - 1, digest);
        snprintf(idem, 300, "%s:idem:%s:%s", call->svc->cfg.ns, call->method->name, digest);
    }
    return true;
}

static void eval(kefu_call *call, const kefu_script *s, int nargs, const char **args,
                 const size_t *arglens, kefu_call_eval_cb on_ok, void *arg, bool record)
{
    kefu_service *svc = call->svc;
    const char *argv[KEFU_SCRIPT_MAX_ARGS + 8];
    size_t lens[KEFU_SCRIPT_MAX_ARGS + 8];
    char idem[300] = "", fp[41] = "", now[24];
    int n = 0;

    if (nargs > KEFU_SCRIPT_MAX_ARGS) {
        kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "too many script arguments");
        return;
    }
    if (record && !idem_of(call, idem, fp)) {
        kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "out of memory");
        return;
    }
    snprintf(now, sizeof(now), "%lld", (long long)call->now);
    argv[n] = "EVALSHA", lens[n++] = 7;
    argv[n] = s->rs.sha, lens[n++] = 40;
    argv[n] = "0", lens[n++] = 1;
    argv[n] = svc->cfg.ns, lens[n++] = strlen(svc->cfg.ns);
    argv[n] = idem, lens[n++] = strlen(idem);
    argv[n] = fp, lens[n++] = strlen(fp);
    argv[n] = now, lens[n++] = strlen(now);
    argv[n] = call->principal->name, lens[n++] = strlen(call->principal->name);
    argv[n] = svc->def->name, lens[n++] = strlen(svc->def->name);
    for (int i = 0; i < nargs; i++)
        argv[n] = args[i], lens[n++] = arglens ? arglens[i] : strlen(args[i]);
    call->eval_cb = on_ok;
    kefu_call_redis(call, on_eval, arg, n, argv, lens);
}

void kefu_call_eval(kefu_call *call, const kefu_script *s, int nargs, const char **args,
                    const size_t *arglens, kefu_call_eval_cb on_ok, void *arg)
{
    eval(call, s, nargs, args, arglens, on_ok, arg, true);
}

void kefu_call_eval_step(kefu_call *call, const kefu_script *s, int nargs, const char **args,
                         const size_t *arglens, kefu_call_eval_cb on_ok, void *arg)
{
    eval(call, s, nargs, args, arglens, on_ok, arg, false);
}

/* The idempotency record, if any: "<fingerprint>\n<first result>". */
static void on_idem_record(kefu_call *call, redisReply *reply, void *arg)
{
    kefu_handler next = (kefu_handler)arg;
    char idem[300], fp[41];
    const char *nl;

    if (reply->type != REDIS_REPLY_STRING) {
        next(call);
        return;
    }
    idem_of(call, idem, fp);
    nl = memchr(reply->str, '\n', reply->len);
    if (nl && (size_t)(nl - reply->str) == strlen(fp) && memcmp(reply->str, fp, strlen(fp)) == 0) {
        kefu_call_reply_json(call, nl + 1, reply->len - (size_t)(nl + 1 - reply->str));
        return;
    }
    kefu_call_reply_error(call, KEFU_STATUS_FAILED_PRECONDITION, "meta.idempotency_key",
                          "idempotency key reused with different params");
}

void kefu_call_idempotency_check(kefu_call *call, kefu_handler next)
{
    char idem[300], fp[41];
    const char *argv[2] = {"GET", idem};

    if (!call->idem_key) {
        next(call);
        return;
    }
    if (!idem_of(call, idem, fp)) {
        kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "out of memory");
        return;
    }
    kefu_call_redis(call, on_idem_record, (void *)next, 2, argv, NULL);
}

kefu_status kefu_script_run(kefu_service *svc, const kefu_script *s, kefu_ms now, const char *actor,
                            int nargs, const char **args, const size_t *lens, kefu_redis_cb cb,
                            void *arg)
{
    const char *argv[KEFU_SCRIPT_MAX_ARGS + 9];
    size_t argvlen[KEFU_SCRIPT_MAX_ARGS + 9];
    char nowtext[24];
    int n = 0;

    if (!svc->redis || nargs > KEFU_SCRIPT_MAX_ARGS)
        return KEFU_STATUS_UNAVAILABLE;
    snprintf(nowtext, sizeof(nowtext), "%lld", (long long)now);
    argv[n] = "EVALSHA", argvlen[n++] = 7;
    argv[n] = s->rs.sha, argvlen[n++] = 40;
    argv[n] = "0", argvlen[n++] = 1;
    argv[n] = svc->cfg.ns, argvlen[n++] = strlen(svc->cfg.ns);
    argv[n] = "", argvlen[n++] = 0; /* no idempotency record */
    argv[n] = "", argvlen[n++] = 0;
    argv[n] = nowtext, argvlen[n++] = strlen(nowtext);
    argv[n] = actor, argvlen[n++] = strlen(actor);
    argv[n] = svc->def->name, argvlen[n++] = strlen(svc->def->name);
    for (int i = 0; i < nargs; i++)
        argv[n] = args[i], argvlen[n++] = lens ? lens[i] : strlen(args[i]);
    return kefu_redis_command(svc->redis, cb, arg, 0, n, argv, argvlen);
}

void kefu_call_scope_init(kefu_call *call, int tz, kefu_call_scope *out)
{
    kefu_time_format_rfc3339(call->now, tz, out->now);
    kefu_principal_scope(call->principal, out->scope, sizeof(out->scope));
}

void kefu_call_eval_args(kefu_call *call, const kefu_script *s, bool last_step, int nhead,
                         const char *const *head, int nargs, const char **args,
                         kefu_call_eval_cb on_ok, void *arg)
{
    const char *argv[KEFU_SCRIPT_MAX_ARGS];

    if (nhead + nargs > KEFU_SCRIPT_MAX_ARGS) {
        kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "too many script arguments");
        return;
    }
    for (int i = 0; i < nhead; i++)
        argv[i] = head[i];
    for (int i = 0; i < nargs; i++)
        argv[nhead + i] = args[i];
    eval(call, s, nhead + nargs, argv, NULL, on_ok, arg, last_step);
}
