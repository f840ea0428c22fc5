#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>

#include "json.h"
#include "sha.h"
#include "test.h"

void kh_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

int kh_free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* fork + exec argv with stdout/stderr to `log` (or /dev/null). */
static pid_t spawn(char *const argv[], const char *log)
{
    pid_t pid = fork();

    if (pid == 0) {
        /* A test that dies takes its servers with it. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        setpgid(0, 0);
        execvp(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static int wait_exit(pid_t pid, int timeout_ms)
{
    int status;
    for (int waited = 0; waited <= timeout_ms; waited += 10) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        kh_sleep_ms(10);
    }
    /* It did not exit in time: show where it is stuck, then kill it. */
    {
        char cmd[160];
        fprintf(stderr, "  pid %d did not exit within %d ms; its threads:\n", (int)pid, timeout_ms);
        snprintf(
            cmd, sizeof(cmd),
            "gdb -q -batch -p %d -ex 'thread apply all bt' 2>/dev/null | grep -E '^(#|Thread)' "
            ">&2",
            (int)pid);
        if (system(cmd) != 0)
            fprintf(stderr, "  (no gdb backtrace)\n");
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return 128 + SIGKILL;
}

char *kh_redis_cli(const kh_redis *r, const char *args)
{
    char cmd[1024], *out = malloc(65536);
    size_t n = 0;
    FILE *p;

    snprintf(cmd, sizeof(cmd), "redis-cli -p %d %s 2>&1", r->port, args);
    p = popen(cmd, "r");
    if (!p || !out) {
        free(out);
        if (p)
            pclose(p);
        return NULL;
    }
    n = fread(out, 1, 65535, p);
    out[n] = '\0';
    pclose(p);
    return out;
}

static bool redis_launch(kh_redis *r)
{
    char port[16], log[192];
    char *argv[] = {"redis-server",
                    "--port",
                    port,
                    "--bind",
                    "127.0.0.1",
                    "--dir",
                    r->dir,
                    "--appendonly",
                    "yes",
                    "--appendfsync",
                    "always",
                    "--save",
                    "",
                    "--daemonize",
                    "no",
                    NULL};

    snprintf(port, sizeof(port), "%d", r->port);
    snprintf(log, sizeof(log), "%s/redis.log", r->dir);
    r->pid = spawn(argv, log);
    for (int i = 0; i < 300; i++) {
        char *pong = kh_redis_cli(r, "PING");
        bool up = pong && strstr(pong, "PONG");
        free(pong);
        if (up)
            return true;
        kh_sleep_ms(10);
    }
    return false;
}

/*
 * nng frees closed sockets' pipes and dialers on its reaper thread; a suite
 * that exits right after its last call can leave them unfreed, which
 * LeakSanitizer reports. nng_fini() waits for the reaper. Registered after
 * LeakSanitizer's own exit hook, so it runs before the leak check.
 */
static void finish_nng(void)
{
    nng_fini();
}

bool kh_redis_start(kh_redis *r)
{
    static bool registered;

    if (!registered)
        registered = atexit(finish_nng) == 0;
    snprintf(r->dir, sizeof(r->dir), "/tmp/kefu-test-redis-XXXXXX");
    if (!mkdtemp(r->dir))
        return false;
    r->port = kh_free_port();
    snprintf(r->url, sizeof(r->url), "redis://127.0.0.1:%d/0", r->port);
    return redis_launch(r);
}

bool kh_redis_restart(kh_redis *r)
{
    return redis_launch(r);
}

void kh_redis_kill(kh_redis *r)
{
    if (r->pid > 0) {
        kill(r->pid, SIGKILL);
        waitpid(r->pid, NULL, 0);
        r->pid = 0;
    }
}

void kh_redis_stop(kh_redis *r)
{
    char cmd[256];

    if (r->pid > 0) {
        kill(r->pid, SIGTERM);
        wait_exit(r->pid, 5000);
        r->pid = 0;
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", r->dir);
}

bool kh_service_start(kh_service *s, const char *name, const char *redis_url,
                      const char *const *extra)
{
    return kh_service_start_at(s, name, redis_url, 0, extra);
}

bool kh_service_start_at(kh_service *s, const char *name, const char *redis_url, int port,
                         const char *const *extra)
{
    char bin[256], *argv[64];
    const char *wrapper = getenv("KEFU_TEST_WRAPPER");
    char *wcopy = wrapper ? strdup(wrapper) : NULL, *save = NULL;
    int n = 0;

    s->name = name;
    s->gone = false;
    s->port = port ? port : kh_free_port();
    snprintf(s->addr, sizeof(s->addr), "tcp://127.0.0.1:%d", s->port);
    snprintf(s->log, sizeof(s->log), "%s/%s-%d.log", KEFU_TEST_LOG_DIR, name, s->port);
    snprintf(bin, sizeof(bin), "%s/services/%s/kefu-%s", KEFU_BUILD_DIR, name, name);
    for (char *t = wcopy ? strtok_r(wcopy, " ", &save) : NULL; t && n < 16;
         t = strtok_r(NULL, " ", &save))
        argv[n++] = t;
    argv[n++] = bin;
    argv[n++] = "--listen";
    argv[n++] = s->addr;
    argv[n++] = "--redis";
    argv[n++] = (char *)redis_url;
    argv[n++] = "--redis-timeout-ms";
    argv[n++] = "1000";
    for (int i = 0; extra && extra[i] && n < 62; i++)
        argv[n++] = (char *)extra[i];
    argv[n] = NULL;
    s->pid = spawn(argv, s->log);
    free(wcopy);
    /* Valgrind starts slowly: allow it 60 s. */
    for (int i = 0; i < (wrapper ? 600 : 200); i++) {
        kefu_call_opts o = {.deadline_ms = 200, .max_attempts = 1};
        cJSON *r = kh_call(s->addr, "sys.Health", NULL, &o);
        if (r) {
            /* Answering; give it a moment to reach Redis too (tests of a
             * Redis that is down go on without it). */
            for (int j = 0; j < 100; j++) {
                const char *st = kh_str(r, "status");
                if (st && strcmp(st, "SERVING") == 0)
                    break;
                cJSON_Delete(r);
                kh_sleep_ms(20);
                r = kh_call(s->addr, "sys.Health", NULL, &o);
            }
            cJSON_Delete(r);
            return true;
        }
        if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
            s->pid = 0;
            return false;
        }
        kh_sleep_ms(wrapper ? 100 : 20);
    }
    return false;
}

int kh_service_stop(kh_service *s)
{
    int rc;
    if (s->pid <= 0)
        return -1;
    kill(s->pid, SIGTERM);
    rc = wait_exit(s->pid, getenv("KEFU_TEST_WRAPPER") ? 60000 : 15000);
    s->pid = 0;
    if (rc != 0)
        fprintf(stderr, "  %s exited with %d; log: %s\n", s->name, rc, s->log);
    return rc;
}

void kh_service_kill(kh_service *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
}

cJSON *kh_call(const char *addr, const char *method, const char *params_json,
               const kefu_call_opts *o)
{
    kefu_sync_client *c;
    cJSON *params = NULL, *reply = NULL;
    kefu_error err;
    kefu_call_opts def = {.deadline_ms = 5000, .max_attempts = 1};

    if (params_json) {
        params = kefu_json_parse(params_json, strlen(params_json), KEFU_JSON_MAX_DEPTH, &err);
        if (!params) {
            fprintf(stderr, "  test bug: params not JSON: %s\n", err.message);
            return NULL;
        }
    }
    c = kefu_sync_client_open(addr, &err);
    if (c) {
        kefu_sync_client_call(c, method, params, o ? o : &def, &reply, &err);
        kefu_sync_client_close(c);
    }
    cJSON_Delete(params);
    return reply;
}

cJSON *kh_vcallf(const char *addr, const kefu_call_opts *o, const char *method, const char *fmt,
                 va_list ap)
{
    char *params = NULL;
    cJSON *reply;
    va_list again;
    int n;

    if (fmt) {
        va_copy(again, ap);
        n = vsnprintf(NULL, 0, fmt, ap);
        params = n >= 0 ? malloc((size_t)n + 1) : NULL;
        if (params)
            vsnprintf(params, (size_t)n + 1, fmt, again);
        va_end(again);
    }
    reply = kh_call(addr, method, params, o);
    free(params);
    return reply;
}

cJSON *kh_callf(const char *addr, const kefu_call_opts *o, const char *method, const char *fmt, ...)
{
    va_list ap;
    cJSON *reply;

    va_start(ap, fmt);
    reply = kh_vcallf(addr, o, method, fmt, ap);
    va_end(ap);
    return reply;
}

cJSON *kh_service_callf(kh_service *s, const kefu_call_opts *o, const char *method, const char *fmt,
                        ...)
{
    va_list ap;
    cJSON *reply;

    if (s->gone)
        return NULL;
    va_start(ap, fmt);
    reply = kh_vcallf(s->addr, o, method, fmt, ap);
    va_end(ap);
    if (!reply) {
        fprintf(stderr, "  %s: no reply; the service is gone (log: %s)\n", method, s->log);
        s->gone = true;
    }
    return reply;
}

char *kh_call_raw(const char *addr, const void *req, size_t len, int timeout_ms)
{
    kefu_sync_client *c;
    char *reply = NULL;
    size_t rlen;
    kefu_error err;

    c = kefu_sync_client_open(addr, &err);
    if (!c)
        return NULL;
    if (kefu_sync_client_raw(c, req, len, timeout_ms, &reply, &rlen, &err) != KEFU_STATUS_OK)
        reply = NULL;
    kefu_sync_client_close(c);
    return reply;
}

bool kh_ok(const cJSON *reply)
{
    return reply && cJSON_IsTrue(kefu_json_get(reply, "ok"));
}

int kh_code(const cJSON *reply)
{
    int64_t code;
    if (!reply)
        return -1;
    if (kh_ok(reply))
        return 0;
    return kefu_json_int(kefu_json_get(kefu_json_get(reply, "error"), "code"), &code) ? (int)code
                                                                                      : -2;
}

const char *kh_field(const cJSON *reply)
{
    return kefu_json_str(kefu_json_get(reply, "error"), "field");
}

const cJSON *kh_result(const cJSON *reply)
{
    return kefu_json_get(reply, "result");
}

const char *kh_message(const cJSON *reply)
{
    const char *m = kefu_json_str(kefu_json_get(reply, "error"), "message");
    return m ? m : "";
}

void kh_print_reply(const char *what, const cJSON *reply)
{
    char *t = reply ? cJSON_PrintUnformatted(reply) : NULL;
    fprintf(stderr, "    %s: %.2000s\n", what, t ? t : "(no reply)");
    cJSON_free(t);
}

bool kh_expect(const char *file, int line, const cJSON *reply, int code, const char *field,
               const char *msg_has, const char *what)
{
    const char *got_field = kh_field(reply);

    if (kh_code(reply) == code && (!field || (got_field && strcmp(got_field, field) == 0)) &&
        (!msg_has || strstr(kh_message(reply), msg_has)))
        return true;
    fprintf(stderr, "  %s:%d: %s%sexpected ", file, line, what ? what : "", what ? ": " : "");
    if (code)
        fprintf(stderr, "code %d", code);
    else
        fprintf(stderr, "ok");
    fprintf(stderr, "%s%s%s%s%s\n", field ? " field " : "", field ? field : "",
            msg_has ? " message containing \"" : "", msg_has ? msg_has : "", msg_has ? "\"" : "");
    kh_print_reply("got", reply);
    kefu_test_failed_checks++;
    return false;
}

bool kh_expect_free(const char *file, int line, cJSON *reply, int code, const char *field,
                    const char *msg_has, const char *what)
{
    bool as_expected = kh_expect(file, line, reply, code, field, msg_has, what);
    cJSON_Delete(reply);
    return as_expected;
}

const cJSON *kh_path(const cJSON *v, const char *path)
{
    char buf[256], *save = NULL;

    snprintf(buf, sizeof(buf), "%s", path);
    for (char *t = strtok_r(buf, ".", &save); t && v; t = strtok_r(NULL, ".", &save)) {
        if (cJSON_IsArray(v) && t[0] >= '0' && t[0] <= '9')
            v = cJSON_GetArrayItem(v, atoi(t));
        else
            v = kefu_json_get(v, t);
    }
    return v;
}

const char *kh_path_str(const cJSON *v, const char *path)
{
    const cJSON *x = kh_path(v, path);
    return cJSON_IsString(x) ? x->valuestring : NULL;
}

long long kh_path_int(const cJSON *v, const char *path)
{
    int64_t n;
    return kefu_json_int(kh_path(v, path), &n) ? (long long)n : -999999;
}

const char *kh_str(const cJSON *reply, const char *path)
{
    return kh_path_str(kh_result(reply), path);
}

void kh_wait_serving(const kh_service *s)
{
    for (int i = 0; i < 250; i++) {
        kefu_call_opts o = {.deadline_ms = 1000, .max_attempts = 1};
        cJSON *r = kh_call(s->addr, "sys.Health", NULL, &o);
        const char *st = kh_str(r, "status");
        bool up = st && strcmp(st, "SERVING") == 0;
        cJSON_Delete(r);
        if (up)
            return;
        kh_sleep_ms(20);
    }
    fprintf(stderr, "  %s never said SERVING; log: %s\n", s->name, s->log);
    CHECK(false);
}

int kh_suite_main(int argc, char **argv, kh_redis *r, kh_service *s, const char *service,
                  const char *const *extra)
{
    int rc;

    if (!kh_redis_start(r)) {
        fprintf(stderr, "could not start redis-server\n");
        return 1;
    }
    if (service && !kh_service_start(s, service, r->url, extra)) {
        fprintf(stderr, "could not start kefu-%s; log: %s\n", service, s->log);
        kh_redis_stop(r);
        return 1;
    }
    rc = kefu_test_main(argc, argv);
    if (service && kh_service_stop(s) != 0)
        rc = 1;
    kh_redis_stop(r);
    return rc;
}

bool kh_write_tokens(const char *path, const kh_token *tokens, size_t n)
{
    FILE *f = fopen(path, "w");

    if (!f)
        return false;
    fprintf(f, "{\"tokens\": [\n");
    for (size_t i = 0; i < n; i++) {
        char hex[65];
        kefu_sha256_hex(tokens[i].token, strlen(tokens[i].token), hex);
        fprintf(f, "  {\"name\": \"%s\", \"sha256\": \"%s\", \"role\": \"%s\"%s%s}%s\n",
                tokens[i].name, hex, tokens[i].role,
                tokens[i].departments ? ", \"departments\": " : "",
                tokens[i].departments ? tokens[i].departments : "", i + 1 < n ? "," : "");
    }
    fprintf(f, "]}\n");
    return fclose(f) == 0;
}

bool kh_write_tokens_temp(char *path, size_t cap, const char *prefix, const kh_token *tokens,
                          size_t n)
{
    int fd;

    snprintf(path, cap, "/tmp/%s-XXXXXX", prefix);
    fd = mkstemp(path);
    if (fd < 0 || close(fd) != 0 || !kh_write_tokens(path, tokens, n)) {
        fprintf(stderr, "could not write the tokens file %s\n", path);
        return false;
    }
    return true;
}

long kh_redis_int(const kh_redis *r, const char *args)
{
    char *out = kh_redis_cli(r, args);
    long n = out ? strtol(out, NULL, 10) : -1;
    free(out);
    return n;
}

void kh_redis_flush(const kh_redis *r)
{
    char *out = kh_redis_cli(r, "FLUSHALL");
    CHECK(out && strstr(out, "OK"));
    free(out);
}

/* ---- SP over raw TCP ---- */

const unsigned char kh_sp_req0[8] = {0x00, 'S', 'P', 0x00, 0x00, 0x30, 0x00, 0x00};

int kh_tcp_connect(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = {2, 0};

    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

void kh_put_be64(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)(v & 0xff);
}

bool kh_closed_by_peer(int fd)
{
    char buf[256];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n == 0)
            return true;
        if (n < 0)
            return errno == ECONNRESET;
    }
}

int kh_sp_send_request(int port, const void *body, size_t len)
{
    unsigned char hdr[12], hs[8];
    int fd = kh_tcp_connect(port);

    if (fd < 0)
        return -1;
    kh_put_be64(hdr, 4 + (uint64_t)len);
    hdr[8] = 0x80, hdr[9] = 0, hdr[10] = 0, hdr[11] = 1; /* request id 1 */
    if (send(fd, kh_sp_req0, 8, 0) != 8 || recv(fd, hs, 8, MSG_WAITALL) != 8 ||
        send(fd, hdr, sizeof(hdr), MSG_NOSIGNAL) != (ssize_t)sizeof(hdr)) {
        close(fd);
        return -1;
    }
    /* A peer that refuses the frame's size closes the connection as soon as
     * it has read the header: the rest may not go out. That is its answer,
     * for kh_closed_by_peer to see. */
    (void)send(fd, body, len, MSG_NOSIGNAL);
    return fd;
}
