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
} kh_service;

/*
 * SP over raw TCP, for tests that must see exactly what the service does with
 * the connection (nng's own client redials and resends behind our back).
 */
extern const unsigned char kh_sp_req0[8]; /* a req0 peer's SP handshake */
int kh_tcp_connect(int port);             /* 127.0.0.1:port, 2 s receive timeout */
void kh_put_be64(unsigned char *p, uint64_t v);
bool kh_closed_by_peer(int fd); /* the peer closes within the receive timeout */
/* Connects, handshakes and sends `len` bytes as one request frame; -1 on failure. */
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
/* Sends raw bytes; returns the raw reply text (caller frees) or NULL. */
char *kh_call_raw(const char *addr, const void *req, size_t len, int timeout_ms);

/* Helpers on a reply envelope. */
bool kh_ok(const cJSON *reply);
int kh_code(const cJSON *reply); /* error code, 0 when ok, -1 when no reply */
const char *kh_field(const cJSON *reply);
const cJSON *kh_result(const cJSON *reply);
/* A string at a dotted path inside the result ("customer.name"). */
const char *kh_str(const cJSON *reply, const char *path);

/*
 * The main() of a suite that needs one Redis and (when `service` is not
 * NULL) one service: starts them into `r` and `s`, runs the KEFU_TESTS
 * table, stops both. A service that does not exit 0 on SIGTERM fails the
 * suite. Returns the exit status.
 */
int kh_suite_main(int argc, char **argv, kh_redis *r, kh_service *s, const char *service,
                  const char *const *extra);

/* One entry of a tokens file; `departments` is a JSON array text or NULL. */
typedef struct {
    const char *name, *token, *role, *departments;
} kh_token;

/* Writes a tokens file (sha256 digests of the tokens) for `n` entries. */
bool kh_write_tokens(const char *path, const kh_token *tokens, size_t n);

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
