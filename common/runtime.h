/*
 * runtime.h - the runtime's private structures, shared by service.c (wiring
 * and shutdown), server.c (nng contexts and dispatch), envelope.c, reply.c,
 * script.c, sysmethods.c and http.c. Services never include this file.
 */
#ifndef KEFU_RUNTIME_H
#define KEFU_RUNTIME_H

#include <nng/nng.h>
#include <stdatomic.h>

#include "buf.h"
#include "loopq.h"
#include "metrics.h"
#include "rpc.h"

#define KEFU_IDEM_KEY_MAX 128

typedef enum {
    CALL_RECV,    /* waiting in nng for a request */
    CALL_ACTIVE,  /* on the loop: being handled */
    CALL_SENDING, /* reply handed to nng */
} call_state;

struct kefu_call {
    kefu_loopq_item qitem; /* handoff from nng's thread to the loop */
    kefu_service *svc;
    nng_ctx ctx;
    nng_aio *aio;
    nng_msg *msg; /* the request; reused for the reply */
    call_state state;
    uint64_t gen;        /* bumped per request: late Redis replies are dropped */
    int64_t recv_us;     /* monotonic time the request arrived */
    int64_t deadline_us; /* 0: none */
    uv_timer_t timer;    /* fires at the deadline while the handler waits */
    bool timer_armed;
    cJSON *doc; /* the request tree */
    /* A handler that replied still runs: its params stay readable until it
     * returns (reply.c keeps the tree here, dispatch.c frees it). */
    bool in_handler;
    cJSON *held_doc;
    /* Loop-owned: this request has had its reply (`state` belongs to nng's
     * thread once the reply is handed over, and may already name the next
     * request of this context). */
    bool answered;
    const cJSON *id;
    const cJSON *params;
    const char *trace_id;
    const char *idem_key;
    int method_index;
    const kefu_method *method;
    const kefu_principal *principal;
    kefu_ms now;
    kefu_buf out; /* reply text, reused */
    /* freed when the call is answered (kefu_call_own) */
    struct {
        void *ptr;
        void (*free_fn)(void *);
    } owned[KEFU_CALL_MAX_OWNED];
    int n_owned;
    /* the Redis step in flight */
    kefu_call_redis_cb redis_cb;
    kefu_call_eval_cb eval_cb;
    void *cb_arg;
};

struct kefu_service {
    const kefu_service_def *def;
    kefu_config cfg;
    uv_loop_t loop;
    kefu_loopq queue;
    uv_signal_t sigint, sigterm;
    uv_timer_t drain_timer;
    uv_timer_t flush_timer; /* access logs are written in batches */
    uv_timer_t share_timer; /* counts added to the shared hash */
    kefu_redis *redis;
    kefu_auth auth;
    kefu_clock clock;
    kefu_metrics metrics;
    void *app;
    nng_socket sock;
    bool sock_open;
    int n_calls;
    kefu_call *calls;
    atomic_int busy; /* calls not in CALL_RECV */
    atomic_bool stopping;
    int64_t stop_deadline_us;
    int exit_code;
    /* method routing: sys.* rows then the service's */
    int n_methods;
    const kefu_method **methods;
    const char **method_names;
    void *http;                 /* metrics HTTP server, when --metrics-listen */
    struct kefu_outbox *outbox; /* the relay of this service's outbox */
    kefu_buf scratch;
};

/* The handler (or a continuation of it) returned: what it kept readable
 * after replying early is freed (see in_handler). */
static inline void kefu_call_handler_done(kefu_call *call)
{
    call->in_handler = false;
    if (call->held_doc) {
        cJSON_Delete(call->held_doc);
        call->held_doc = NULL;
    }
}

/* server.c */
int kefu_server_start(kefu_service *svc, kefu_error *err);
void kefu_server_stop_listening(kefu_service *svc);
void kefu_server_close(kefu_service *svc);
/* reply.c: finishes the call and hands the reply to nng */
void kefu_call_finish(kefu_call *call, kefu_status status);
void kefu_call_reply_status(kefu_call *call, const kefu_error *err);
/* envelope.c: parses and checks the request; fills call fields */
kefu_status kefu_envelope_parse(kefu_call *call, const char *body, size_t len, kefu_error *err);
/* sysmethods.c */
extern const kefu_method kefu_sys_methods[];
/* sharedmetrics.c */
void kefu_shared_metrics_start(kefu_service *svc);
/* Replies with `local` (taken) plus "cluster" from the shared hash. */
void kefu_shared_metrics_reply(kefu_call *call, cJSON *local);
/* http.c */
int kefu_http_start(kefu_service *svc, kefu_error *err);
void kefu_http_stop(kefu_service *svc);

int kefu_method_find(const kefu_service *svc, const char *name);

#endif
