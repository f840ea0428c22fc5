/*
 * reply.c - building the reply envelope and handing it to nng.
 *
 * The reply text is built in the call's reusable buffer and copied into the
 * request's own nng message, so a steady stream of requests allocates
 * neither buffers nor messages.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "runtime.h"
#include "utf8.h"

static void put_id(kefu_buf *b, const cJSON *id)
{
    if (!id || (cJSON_IsNumber(id) && !isfinite(id->valuedouble))) {
        kefu_buf_puts(b, "null");
    } else if (cJSON_IsString(id)) {
        kefu_buf_json_string(b, id->valuestring, strlen(id->valuestring));
    } else {
        double v = id->valuedouble;
        if (v == floor(v) && fabs(v) < 1e15)
            kefu_buf_printf(b, "%lld", (long long)v);
        else
            kefu_buf_printf(b, "%.17g", v);
    }
}

static void begin(kefu_call *call, bool ok)
{
    kefu_buf *b = &call->out;
    kefu_buf_reset(b);
    kefu_buf_puts(b, "{\"id\":");
    put_id(b, call->id);
    kefu_buf_puts(b, ok ? ",\"ok\":true," : ",\"ok\":false,");
}

static void end(kefu_call *call)
{
    kefu_buf *b = &call->out;
    if (call->trace_id) {
        kefu_buf_puts(b, ",\"meta\":{\"trace_id\":");
        kefu_buf_json_string(b, call->trace_id, strlen(call->trace_id));
        kefu_buf_puts(b, "}");
    }
    kefu_buf_puts(b, "}");
}

void kefu_call_finish(kefu_call *call, kefu_status status)
{
    kefu_service *svc = call->svc;
    int64_t latency = kefu_mono_us() - call->recv_us;
    nng_msg *msg = call->msg;

    call->answered = true;
    if (call->timer_armed) {
        uv_timer_stop(&call->timer);
        call->timer_armed = false;
    }
    kefu_metrics_record(&svc->metrics, call->method_index, status, (uint64_t)latency);
    if (kefu_log_enabled(KEFU_LOG_INFO)) {
        char idtext[160];
        kefu_buf *idb = &svc->scratch;
        kefu_buf_reset(idb);
        put_id(idb, call->id);
        snprintf(idtext, sizeof(idtext), "%s", idb->len < 150 ? kefu_buf_cstr(idb) : "\"(long)\"");
        kefu_log_request(call->method ? call->method->name : "(unknown)", idtext, status,
                         kefu_status_name(status), (long long)latency, call->trace_id,
                         call->principal ? call->principal->name : NULL);
    }

    nng_msg_clear(msg);
    if (call->out.oom || nng_msg_append(msg, call->out.data, call->out.len) != 0) {
        static const char oom[] = "{\"id\":null,\"ok\":false,\"error\":{\"code\":8,\"status\":"
                                  "\"RESOURCE_EXHAUSTED\",\"message\":\"out of memory\"}}";
        nng_msg_clear(msg);
        nng_msg_append(msg, oom, sizeof(oom) - 1);
    }
    /* Large replies must not pin their memory in an idle context. */
    if (call->out.cap > (1u << 20))
        kefu_buf_free(&call->out);
    while (call->n_owned > 0) {
        call->n_owned--;
        call->owned[call->n_owned].free_fn(call->owned[call->n_owned].ptr);
    }
    if (call->in_handler)
        call->held_doc = call->doc; /* freed when the handler returns */
    else
        cJSON_Delete(call->doc);
    call->doc = NULL;
    call->id = NULL;
    call->params = NULL;
    call->trace_id = NULL;
    call->gen++; /* a Redis reply still in flight for this request is now stale */
    call->msg = NULL;
    call->state = CALL_SENDING;
    nng_aio_set_msg(call->aio, msg);
    nng_ctx_send(call->ctx, call->aio);
}

void kefu_call_own(kefu_call *call, void *ptr, void (*free_fn)(void *))
{
    if (call->n_owned == KEFU_CALL_MAX_OWNED) {
        kefu_log(KEFU_LOG_ERROR, "bug: too many objects handed to one call", NULL);
        abort();
    }
    call->owned[call->n_owned].ptr = ptr;
    call->owned[call->n_owned].free_fn = free_fn;
    call->n_owned++;
}

static bool replied_already(kefu_call *call)
{
    if (!call->answered)
        return false;
    kefu_log(KEFU_LOG_ERROR, "bug: a call was answered twice", "method",
             call->method ? call->method->name : "", NULL);
    return true;
}

void kefu_call_reply_json(kefu_call *call, const char *json, size_t len)
{
    if (replied_already(call))
        return;
    begin(call, true);
    kefu_buf_puts(&call->out, "\"result\":");
    kefu_buf_append(&call->out, json, len);
    end(call);
    kefu_call_finish(call, KEFU_STATUS_OK);
}

void kefu_call_reply_ok(kefu_call *call, cJSON *result)
{
    char *text = result ? cJSON_PrintUnformatted(result) : NULL;

    cJSON_Delete(result);
    if (!text) {
        kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "could not encode the result");
        return;
    }
    kefu_call_reply_json(call, text, strlen(text));
    cJSON_free(text);
}

/* Length of `s` without a multi-byte character cut off at its end. */
static size_t valid_prefix(const char *s)
{
    size_t n = strlen(s);
    for (int trim = 0; trim < 4 && n > 0 && !kefu_utf8_valid(s, n); trim++)
        n--;
    return kefu_utf8_valid(s, n) ? n : 0;
}

void kefu_call_reply_status(kefu_call *call, const kefu_error *err)
{
    kefu_buf *b = &call->out;

    if (replied_already(call))
        return;
    begin(call, false);
    kefu_buf_printf(b, "\"error\":{\"code\":%d,\"status\":\"%s\",\"message\":", (int)err->status,
                    kefu_status_name(err->status));
    kefu_buf_json_string(b, err->message, valid_prefix(err->message));
    if (err->field[0]) {
        kefu_buf_puts(b, ",\"field\":");
        kefu_buf_json_string(b, err->field, valid_prefix(err->field));
    }
    kefu_buf_puts(b, "}");
    end(call);
    kefu_call_finish(call, err->status);
}

void kefu_call_reply_err(kefu_call *call, const kefu_error *err)
{
    kefu_call_reply_status(call, err);
}

void kefu_call_reply_error(kefu_call *call, kefu_status status, const char *field, const char *fmt,
                           ...)
{
    kefu_error err;
    va_list ap;

    err.status = status;
    snprintf(err.field, sizeof(err.field), "%s", field ? field : "");
    va_start(ap, fmt);
    vsnprintf(err.message, sizeof(err.message), fmt, ap);
    va_end(ap);
    kefu_call_reply_status(call, &err);
}
