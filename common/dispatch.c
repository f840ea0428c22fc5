/*
 * dispatch.c - what happens to a request on the loop before its handler
 * runs: the envelope rules of SPEC section 1, routing, deadline, token and
 * role, params validation. Handlers see only what passed all of these.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "json.h"
#include "log.h"
#include "runtime.h"
#include "utf8.h"

#define TRACE_ID_MAX 128

int kefu_method_find(const kefu_service *svc, const char *name)
{
    for (int i = 0; i < svc->n_methods; i++) {
        if (strcmp(svc->methods[i]->name, name) == 0)
            return i;
    }
    return -1;
}

/* meta: {token, deadline_ms, idempotency_key, trace_id}, all optional. */
static kefu_status parse_meta(kefu_call *call, const cJSON *meta, kefu_error *err)
{
    if (!meta || cJSON_IsNull(meta))
        return KEFU_STATUS_OK;
    if (!cJSON_IsObject(meta))
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "meta", "meta: must be an object");
    for (const cJSON *m = meta->child; m; m = m->next) {
        const char *k = m->string;
        if (strcmp(k, "token") == 0) {
            if (!cJSON_IsString(m))
                return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "meta.token",
                                      "meta.token: must be a string");
        } else if (strcmp(k, "deadline_ms") == 0) {
            int64_t ms;
            if (!kefu_json_int(m, &ms) || ms < 0 || ms > 86400000)
                return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "meta.deadline_ms",
                                      "meta.deadline_ms: must be an integer between 0 and "
                                      "86400000");
            call->deadline_us = call->recv_us + ms * 1000;
        } else if (strcmp(k, "idempotency_key") == 0) {
            size_t n;
            if (!cJSON_IsString(m))
                return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "meta.idempotency_key",
                                      "meta.idempotency_key: must be a string");
            n = kefu_utf8_count(m->valuestring, strlen(m->valuestring));
            if (n < 1 || n > KEFU_IDEM_KEY_MAX)
                return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "meta.idempotency_key",
                                      "meta.idempotency_key: must be 1 to %d characters",
                                      KEFU_IDEM_KEY_MAX);
            call->idem_key = m->valuestring;
        } else if (strcmp(k, "trace_id") == 0) {
            if (!cJSON_IsString(m) ||
                kefu_utf8_count(m->valuestring, strlen(m->valuestring)) > TRACE_ID_MAX)
                return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "meta.trace_id",
                                      "meta.trace_id: must be a string of at most %d characters",
                                      TRACE_ID_MAX);
            call->trace_id = m->valuestring;
        } else {
            char field[96];
            snprintf(field, sizeof(field), "meta.%.*s", (int)kefu_utf8_prefix(k, strlen(k), 80), k);
            return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, field, "%s: unknown field",
                                  field);
        }
    }
    return KEFU_STATUS_OK;
}

kefu_status kefu_envelope_parse(kefu_call *call, const char *body, size_t len, kefu_error *err)
{
    const kefu_config *cfg = &call->svc->cfg;
    const cJSON *id, *method;
    kefu_status st;

    if (len > (size_t)cfg->max_request)
        return kefu_error_set(err, KEFU_STATUS_RESOURCE_EXHAUSTED, NULL,
                              "request of %zu bytes exceeds the limit of %lld bytes", len,
                              (long long)cfg->max_request);
    call->doc = kefu_json_parse(body, len, KEFU_JSON_MAX_DEPTH, err);
    if (!call->doc) {
        char why[sizeof(err->message)];
        snprintf(why, sizeof(why), "%s", err->message);
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, NULL, "bad request: %s", why);
    }
    if (!cJSON_IsObject(call->doc))
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, NULL,
                              "bad request: must be a JSON object");

    /* The trace id first, so that every later error carries it back. */
    {
        const char *trace = kefu_json_str(kefu_json_get(call->doc, "meta"), "trace_id");
        if (trace && kefu_utf8_count(trace, strlen(trace)) <= TRACE_ID_MAX)
            call->trace_id = trace;
    }
    id = kefu_json_get(call->doc, "id");
    if (id && !cJSON_IsString(id) && !cJSON_IsNumber(id))
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "id",
                              "id: must be a string or a number");
    /* 1e400 is JSON but no double: it could not be echoed as JSON. */
    if (id && cJSON_IsNumber(id) && !isfinite(id->valuedouble))
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "id", "id: number out of range");
    call->id = id;

    for (const cJSON *m = call->doc->child; m; m = m->next) {
        if (strcmp(m->string, "id") && strcmp(m->string, "method") && strcmp(m->string, "params") &&
            strcmp(m->string, "meta")) {
            char field[96];
            snprintf(field, sizeof(field), "%.*s",
                     (int)kefu_utf8_prefix(m->string, strlen(m->string), 80), m->string);
            return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, field,
                                  "%s: unknown field in the request envelope", field);
        }
    }
    method = kefu_json_get(call->doc, "method");
    if (!method)
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "method", "method: required");
    if (!cJSON_IsString(method))
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "method",
                              "method: must be a string");
    call->params = kefu_json_get(call->doc, "params");
    if (call->params && cJSON_IsNull(call->params))
        call->params = NULL;
    if (call->params && !cJSON_IsObject(call->params))
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "params",
                              "params: must be an object");
    st = parse_meta(call, kefu_json_get(call->doc, "meta"), err);
    if (st != KEFU_STATUS_OK)
        return st;

    call->method_index = kefu_method_find(call->svc, method->valuestring);
    if (call->method_index < 0) {
        call->method_index = call->svc->n_methods; /* the metrics row of unknown methods */
        return kefu_error_set(
            err, KEFU_STATUS_UNIMPLEMENTED, "method", "unknown method \"%.*s\"",
            (int)kefu_utf8_prefix(method->valuestring, strlen(method->valuestring), 200),
            method->valuestring);
    }
    call->method = call->svc->methods[call->method_index];
    return KEFU_STATUS_OK;
}

static void on_deadline(uv_timer_t *t)
{
    kefu_call *call = t->data;
    call->timer_armed = false;
    if (!call->answered)
        kefu_call_reply_error(call, KEFU_STATUS_DEADLINE_EXCEEDED, "meta.deadline_ms",
                              "deadline exceeded while waiting for storage");
}

static const cJSON empty_params = {.type = cJSON_Object};

/* Loop: a request arrived (queued by server.c). */
void kefu_dispatch(kefu_loopq_item *item)
{
    kefu_call *call = (kefu_call *)((char *)item - offsetof(kefu_call, qitem));
    kefu_service *svc = call->svc;
    const kefu_method *m;
    kefu_error err;
    kefu_status st;

    if (call->timer_armed) { /* left from the previous request of this context */
        uv_timer_stop(&call->timer);
        call->timer_armed = false;
    }
    call->gen++;
    call->answered = false;
    call->doc = NULL;
    call->id = NULL;
    call->params = NULL;
    call->trace_id = NULL;
    call->idem_key = NULL;
    call->method = NULL;
    call->method_index = svc->n_methods;
    call->principal = NULL;
    call->deadline_us = 0;
    call->redis_cb = NULL;
    call->eval_cb = NULL;
    kefu_error_clear(&err);

    if (atomic_load(&svc->stopping)) {
        kefu_error_set(&err, KEFU_STATUS_UNAVAILABLE, NULL, "service is shutting down; retry");
        goto fail;
    }
    st = kefu_envelope_parse(call, nng_msg_body(call->msg), nng_msg_len(call->msg), &err);
    if (st != KEFU_STATUS_OK)
        goto fail;
    m = call->method;
    if (call->deadline_us && kefu_mono_us() >= call->deadline_us) {
        kefu_error_set(&err, KEFU_STATUS_DEADLINE_EXCEEDED, "meta.deadline_ms",
                       "deadline exceeded before the work started");
        goto fail;
    }
    {
        static const kefu_principal anonymous = {.name = "anonymous"};
        const char *token = kefu_json_str(kefu_json_get(call->doc, "meta"), "token");
        if (kefu_auth_check(&svc->auth, token, &call->principal, &err) != KEFU_STATUS_OK) {
            if (!(m->flags & KEFU_PUBLIC))
                goto fail;
            call->principal = &anonymous; /* sys.Health needs no token */
            kefu_error_clear(&err);
        } else if (!(m->flags & KEFU_PUBLIC) && !(m->roles & call->principal->role)) {
            kefu_error_set(&err, KEFU_STATUS_PERMISSION_DENIED, NULL, "role %s may not call %s",
                           kefu_role_name(call->principal->role), m->name);
            goto fail;
        }
    }
    if (kefu_schema_validate(m->params ? m->params : (const kefu_field[]){KEFU_F_END}, call->params,
                             &err) != KEFU_STATUS_OK)
        goto fail;
    if (!call->params)
        call->params = &empty_params;
    if (!(m->flags & KEFU_MUTATING))
        call->idem_key = NULL;
    call->now = kefu_clock_now(&svc->clock);

    uint64_t gen = call->gen;
    call->in_handler = true;
    m->handler(call);
    kefu_call_handler_done(call);

    /* The handler is waiting for Redis: answer by the deadline regardless.
     * (A reply bumps gen; `state` may already belong to nng's thread.) */
    if (call->gen == gen && call->deadline_us) {
        int64_t left_ms = (call->deadline_us - kefu_mono_us() + 999) / 1000;
        call->timer_armed = true;
        uv_timer_start(&call->timer, on_deadline, left_ms > 0 ? (uint64_t)left_ms : 0, 0);
    }
    return;
fail:
    kefu_call_reply_status(call, &err);
}
