/*
 * rpc.h - the service runtime: method tables, calls, replies, store scripts.
 *
 * A service is a kefu_service_def: a name, a default address and a method
 * table. kefu_service_main() does the rest: settings, logs, Redis, the nng
 * rep0 listeners with a pool of contexts, the envelope rules of SPEC section 1,
 * tokens and roles, deadlines, parameter validation against each row's
 * schema, idempotency, metrics, the sys.* methods and clean shutdown.
 *
 * nng receives on its own threads and hands each request to the libuv loop;
 * handlers run only on the loop. A handler replies at once or later (after
 * Redis answers) through its kefu_call; every call is replied to exactly once.
 */
#ifndef KEFU_RPC_H
#define KEFU_RPC_H

#include <cjson/cJSON.h>
#include <hiredis/hiredis.h>
#include <stdint.h>
#include <uv.h>

#include "auth.h"
#include "clock.h"
#include "config.h"
#include "redis.h"
#include "schema.h"
#include "status.h"

typedef struct kefu_service kefu_service;
typedef struct kefu_call kefu_call;

typedef void (*kefu_handler)(kefu_call *call);

enum {
    KEFU_MUTATING = 1u << 0, /* changes state: idempotency keys apply */
    KEFU_PUBLIC = 1u << 1,   /* callable without a token (sys.Health) */
};

/* One row of a service's method table; the table ends with {NULL}. */
typedef struct {
    const char *name; /* "complaints.Create" */
    kefu_handler handler;
    const kefu_field *params; /* object schema of params; NULL: takes none */
    unsigned flags;           /* KEFU_MUTATING */
    unsigned roles;           /* KEFU_ROLE_* allowed to call it */
    const char *doc;
} kefu_method;

/* A store script: a Lua body wrapped by the runtime (see kefu_script_init). */
typedef struct {
    kefu_redis_script rs;
} kefu_script;

typedef struct {
    const char *name;           /* "complaints" */
    const char *default_listen; /* "tcp://127.0.0.1:7101" */
    const kefu_method *methods;
    /* Runs on the loop after settings and Redis are set up, before listening:
     * create the service's own context (kefu_service_set_app) and register
     * scripts. A failure stops the process with the message. */
    kefu_status (*init)(kefu_service *svc, kefu_error *err);
    /* Runs on the loop at shutdown, after the last request: close the
     * service's own libuv handles (timers), or the loop cannot end. */
    void (*stop)(kefu_service *svc);
    /* Frees what init made; runs after the loop has ended. */
    void (*fini)(kefu_service *svc);
} kefu_service_def;

/* The whole of a service's main(): returns the process exit status. */
int kefu_service_main(const kefu_service_def *def, int argc, char **argv);

uv_loop_t *kefu_service_loop(kefu_service *svc);
kefu_redis *kefu_service_redis(kefu_service *svc);
const kefu_config *kefu_service_config(kefu_service *svc);
kefu_clock *kefu_service_clock(kefu_service *svc);
void *kefu_service_app(kefu_service *svc);
void kefu_service_set_app(kefu_service *svc, void *app);

/*
 * Wraps `body` (Lua) into a store script and registers it. The body sees
 * KEYS as given, ARGV as the caller's own arguments, and the globals NS (key
 * prefix), NOW_MS (service clock, integer ms), ACTOR (the caller's name), SVC
 * (this service's name), and the function outbox(service, method, params
 * [, hook, ctx]) that writes a transactional outbox entry (outbox.h); it
 * returns ok(json_text) or err(status_name, message, field). The wrapper
 * checks and records the call's idempotency key in the same script, so a
 * retried request never has a second effect. Scripts never roll back:
 * bodies validate everything before their first write.
 */
void kefu_script_init(kefu_service *svc, kefu_script *s, const char *name, const char *body);
/* The full source of a store script: `body` inside the runtime's prelude and
 * epilogue (what kefu_script_init loads). Caller frees; NULL when out of memory.
 * Arguments when run: ARGV = NS, idempotency record key or "", params
 * fingerprint, NOW_MS, ACTOR, SVC, then the body's own. */
char *kefu_script_wrap(const char *body);
/* Frees the wrapped source (in the service's fini, after Redis is closed). */
void kefu_script_free(kefu_script *s);
/*
 * Runs store script `s` outside any call (start-up work, the outbox relay):
 * no idempotency record; NOW_MS = `now`, ACTOR = `actor`; `lens` may be NULL
 * (NUL-terminated args). `cb` gets the raw reply ({'ok', json} or {'err',
 * status, message, field}). UNAVAILABLE, and no callback, when Redis is not
 * connected.
 */
kefu_status kefu_script_run(kefu_service *svc, const kefu_script *s, kefu_ms now, const char *actor,
                            int nargs, const char **args, const size_t *lens, kefu_redis_cb cb,
                            void *arg);

/* ---- inside a handler ---- */

kefu_service *kefu_call_service(kefu_call *call);
void *kefu_call_app(kefu_call *call);
/* The validated params: an object, never NULL. */
const cJSON *kefu_call_params(kefu_call *call);
const kefu_principal *kefu_call_principal(kefu_call *call);
/* The service clock when the call was dispatched; the business zone. */
kefu_ms kefu_call_now(kefu_call *call);
int kefu_call_tz(kefu_call *call);
/* ms left of the caller's deadline, or -1 when it set none. */
int64_t kefu_call_remaining_ms(kefu_call *call);

/*
 * Hands `ptr` to the call: `free_fn(ptr)` runs when the call is answered,
 * however that happens (reply, error, deadline, Redis failure). For data a
 * handler keeps across a Redis step. At most KEFU_CALL_MAX_OWNED per call.
 */
#define KEFU_CALL_MAX_OWNED 8
void kefu_call_own(kefu_call *call, void *ptr, void (*free_fn)(void *));

/*
 * For work that leaves the loop (uv_queue_work): the token names this request;
 * back on the loop, kefu_call_live says whether the call still waits for it
 * (it may have been answered at its deadline, and the slot reused).
 */
uint64_t kefu_call_token(kefu_call *call);
bool kefu_call_live(kefu_call *call, uint64_t token);

/* Replies. Each takes ownership of what it is given, on every path. */
void kefu_call_reply_ok(kefu_call *call, cJSON *result);
/* `json` is the result as JSON text (e.g. a record read from Redis). */
void kefu_call_reply_json(kefu_call *call, const char *json, size_t len);
void kefu_call_reply_error(kefu_call *call, kefu_status status, const char *field, const char *fmt,
                           ...) __attribute__((format(printf, 4, 5)));
void kefu_call_reply_err(kefu_call *call, const kefu_error *err);

/*
 * A Redis command for this call. `cb` runs with a reply that is neither NULL
 * nor a Redis error: the runtime answers those itself (UNAVAILABLE,
 * INTERNAL), as it does when the call's deadline passes first (the late
 * reply is then dropped). `reply` is borrowed.
 */
typedef void (*kefu_call_redis_cb)(kefu_call *call, redisReply *reply, void *arg);
void kefu_call_redis(kefu_call *call, kefu_call_redis_cb cb, void *arg, int argc, const char **argv,
                     const size_t *argvlen);

/*
 * Runs store script `s` for this call with `nargs` arguments (ARGV inside
 * the body). On ok(json): `on_ok(call, json, len, arg)` when given, else the
 * json is the reply's result. On err(...): the runtime replies that error.
 * For a mutating method the script's json is what the idempotency record
 * keeps and a retry gets, so the script must produce the whole result.
 */
typedef void (*kefu_call_eval_cb)(kefu_call *call, const char *json, size_t len, void *arg);
#define KEFU_SCRIPT_MAX_ARGS 120
void kefu_call_eval(kefu_call *call, const kefu_script *s, int nargs, const char **args,
                    const size_t *arglens, kefu_call_eval_cb on_ok, void *arg);

/*
 * Mutations that take several store steps: a single script cannot check
 * the idempotency key before the first step and record it with the last.
 * kefu_call_idempotency_check runs first: a key already recorded answers
 * the call (the first result, or FAILED_PRECONDITION for other params);
 * otherwise `next` runs. The steps then use kefu_call_eval_step, which
 * leaves the key alone, and the last step kefu_call_eval, which records it
 * (and replays the first result to a concurrent duplicate that got there).
 */
void kefu_call_idempotency_check(kefu_call *call, kefu_handler next);

/*
 * The leading arguments every kefu service gives its store scripts: the
 * call's time as RFC 3339 text in zone `tz`, and the caller's scope ("*", or
 * its departments joined by "\n", for the scripts' visibility checks).
 */
typedef struct {
    char now[32];
    char scope[KEFU_AUTH_MAX_DEPARTMENTS * 65 + 2];
} kefu_call_scope;
void kefu_call_scope_init(kefu_call *call, int tz, kefu_call_scope *out);
/* kefu_call_eval (`last_step`) or kefu_call_eval_step with the `nhead`
 * strings of `head` before the `nargs` of `args`. */
void kefu_call_eval_args(kefu_call *call, const kefu_script *s, bool last_step, int nhead,
                         const char *const *head, int nargs, const char **args,
                         kefu_call_eval_cb on_ok, void *arg);
void kefu_call_eval_step(kefu_call *call, const kefu_script *s, int nargs, const char **args,
                         const size_t *arglens, kefu_call_eval_cb on_ok, void *arg);

#endif
