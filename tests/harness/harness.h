/*
 * harness.h - what integration and fault tests need: a real redis-server on
 * a free port, real service processes, and calls over real nng sockets.
 *
 * Binaries come from the build tree (KEFU_BUILD_DIR, set by CMake). When the
 * environment has KEFU_TEST_WRAPPER (e.g. "valgrind --error-exitcode=99
 * --leak-check=full"), services are started under it.
 */
#ifndef KEFU_HARNESS_H
#define KEFU_HARNESS_H

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "client.h"

typedef struct {
    pid_t pid;
    int port;
    char dir[128];
    char url[64];
} kh_redis;

typedef struct {
    pid_t pid;
    int port;
    char addr[64];
    char log[192];
    const char *name;
    bool gone; /* a kh_service_callf got no reply; see there */
} kh_service;

/*
 * SP over raw TCP, for tests that must see exactly what the service does with
 * the connection (nng's own client redials and resends behind our back).
 */
extern const unsigned char kh_sp_req0[8]; /* a req0 peer's SP handshake */
int kh_tcp_connect(int port);             /* 127.0.0.1:port, 2 s receive timeout */
void kh_put_be64(unsigned char *p, uint64_t v);
bool kh_closed_by_peer(int fd); /* the peer closes within the receive timeout */
/* Connects, handshakes and sends `len` bytes as one request frame (the body
 * may be cut short by a peer that refuses its size); -1 when the connection
 * or handshake fails. */
int kh_sp_send_request(int port, const void *body, size_t len);

/* A TCP port on 127.0.0.1 that was free a moment ago. */
int kh_free_port(void);

/* Starts redis-server (AOF always, in a fresh temp dir) and waits for PING. */
bool kh_redis_start(kh_redis *r);
/* Starts it again on the same port and dir (after kill or stop). */
bool kh_redis_restart(kh_redis *r);
void kh_redis_kill(kh_redis *r); /* SIGKILL */
void kh_redis_stop(kh_redis *r); /* SHUTDOWN-like SIGTERM, removes the dir */
/* Runs a redis-cli command against it; returns its stdout (caller frees). */
char *kh_redis_cli(const kh_redis *r, const char *args);

/*
 * Starts build/services/<name>/kefu-<name> listening on a free port with
 * `--redis <redis_url>` plus `extra` (NULL-terminated, may be NULL), and
 * waits until sys.Health answers (SERVING or not). False if it did not.
 */
bool kh_service_start(kh_service *s, const char *name, const char *redis_url,
                      const char *const *extra);
/* The same on a given port (0: a free one), e.g. to start a peer that others
 * were told about before it was up, or to restart one where it was. */
bool kh_service_start_at(kh_service *s, const char *name, const char *redis_url, int port,
                         const char *const *extra);
/* SIGTERM and wait; returns the exit status (or 128+signal). */
int kh_service_stop(kh_service *s);
void kh_service_kill(kh_service *s); /* SIGKILL */

/* One call; returns the reply envelope (caller deletes) or NULL on no reply. */
cJSON *kh_call(const char *addr, const char *method, const char *params_json,
               const kefu_call_opts *o);
/* kh_call with the params that printf makes of `fmt` (NULL: no params). */
cJSON *kh_callf(const char *addr, const kefu_call_opts *o, const char *method, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
cJSON *kh_vcallf(const char *addr, const kefu_call_opts *o, const char *method, const char *fmt,
                 va_list ap) __attribute__((format(printf, 4, 0)));
/*
 * kh_callf to `s` that fails fast once `s` has stopped answering: the first
 * call without a reply says so (with the service's log) and marks `s` gone;
 * later calls return NULL at once instead of waiting out every deadline.
 * Starting `s` again clears the mark.
 */
cJSON *kh_service_callf(kh_service *s, const kefu_call_opts *o, const char *method, const char *fmt,
                        ...) __attribute__((format(printf, 4, 5)));
/* Sends raw bytes; returns the raw reply text (caller frees) or NULL. */
char *kh_call_raw(const char *addr, const void *req, size_t len, int timeout_ms);

/* Helpers on a reply envelope. */
bool kh_ok(const cJSON *reply);
int kh_code(const cJSON *reply); /* error code, 0 when ok, -1 when no reply */
const char *kh_field(const cJSON *reply);
const cJSON *kh_result(const cJSON *reply);
/* A string at a dotted path inside the result ("customer.name"). */
const char *kh_str(const cJSON *reply, const char *path);
/* The error's message, or "" when there is none. */
const char *kh_message(const cJSON *reply);
/* Prints "    <what>: <reply>" (cut at 2,000 characters) to stderr. */
void kh_print_reply(const char *what, const cJSON *reply);

/*
 * Fails the running test at file:line unless `reply` is the error `code`
 * (0: ok) that names `field` and has a message containing `msg_has` (each
 * checked only when not NULL). The failure names `what` (may be NULL) and
 * shows the reply. Returns whether the reply was as expected.
 */
bool kh_expect(const char *file, int line, const cJSON *reply, int code, const char *field,
               const char *msg_has, const char *what);
/* The same, and deletes `reply`: for calls whose reply is not needed. */
bool kh_expect_free(const char *file, int line, cJSON *reply, int code, const char *field,
                    const char *msg_has, const char *what);
#define KH_EXPECT(r, code, field, what)                                                            \
    kh_expect(__FILE__, __LINE__, (r), (code), (field), NULL, (what))
#define KH_EXPECT_OK(r, what) kh_expect(__FILE__, __LINE__, (r), 0, NULL, NULL, (what))
/* Expects `code` and `field` of the reply expression `r`, then deletes it. */
#define KH_EXPECT_FREE(r, code, field, what)                                                       \
    kh_expect_free(__FILE__, __LINE__, (r), (code), (field), NULL, (what))

/*
 * The main() of a suite that needs one Redis and (when `service` is not
 * NULL) one service: starts them into `r` and `s`, runs the KEFU_TESTS
 * table, stops both. A service that does not exit 0 on SIGTERM fails the
 * suite. Returns the exit status.
 */
int kh_suite_main(int argc, char **argv, kh_redis *r, kh_service *s, const char *service,
                  const char *const *extra);

/* Valid complaints.Create params: customer K1 with a contact, a product with
 * batch and date, received by QA. */
#define KH_COMPLAINT_CREATE                                                                        \
    "{\"customer\":{\"id\":\"K1\",\"name\":\"华光照明\",\"contact\":{\"person\":\"李雷\","   \
    "\"phone\":\"0760-1234567\"}},\"product\":{\"model\":\"CFL-18W\",\"batch\":\"B7\","            \
    "\"production_date\":\"2026-03-01\",\"quantity\":12},\"channel\":\"phone\","                   \
    "\"category\":\"quality\",\"title\":\"灯管不亮\",\"description\":\"到货即不亮\","     \
    "\"received_by\":{\"name\":\"王芳\",\"department\":\"QA\"}}"

/* One entry of a tokens file; `departments` is a JSON array text or NULL. */
typedef struct {
    const char *name, *token, *role, *departments;
} kh_token;

/* Writes a tokens file (sha256 digests of the tokens) for `n` entries. */
bool kh_write_tokens(const char *path, const kh_token *tokens, size_t n);
/* Makes a fresh "/tmp/<prefix>-XXXXXX" into `path` and writes the tokens
 * file there; says why on stderr and returns false if it could not. */
bool kh_write_tokens_temp(char *path, size_t cap, const char *prefix, const kh_token *tokens,
                          size_t n);
/* Runs `args` with redis-cli; its output as an integer, -1 when none. */
long kh_redis_int(const kh_redis *r, const char *args);
/* FLUSHALL; a test failure unless Redis says OK. */
void kh_redis_flush(const kh_redis *r);

/* The member at dotted `path` inside `v` ("customer.name", "items.0.id": a
 * number indexes an array), or NULL. */
const cJSON *kh_path(const cJSON *v, const char *path);
/* The string, or integer (-999999 when absent), at `path` inside `v`. */
const char *kh_path_str(const cJSON *v, const char *path);
long long kh_path_int(const cJSON *v, const char *path);
/* Waits up to 5 s for `s` to answer SERVING; a test failure if it never does. */
void kh_wait_serving(const kh_service *s);

/* Sleeps `ms` milliseconds. */
void kh_sleep_ms(int ms);

#endif
