/*
 * integration.auth - SPEC section 7 against a service started with --tokens:
 * missing and unknown tokens, roles, departments (staff sees only its own
 * and learns nothing of the rest), sys.Health without a token, and the
 * secure default: no tokens file, no listener beyond loopback.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "json.h"
#include "sha.h"
#include "test.h"

static kh_redis redis;
static kh_service svc;
static char tokens_path[64];

#define TOK_ADMIN   "tok-admin-7f3a9c"
#define TOK_QA      "tok-staff-qa-51be0d"
#define TOK_SALES   "tok-staff-sales-0c44e2"
#define TOK_AUDITOR "tok-auditor-a92f11"
#define TOK_SYSTEM  "tok-system-3d8e70"
#define TOK_UNKNOWN "tok-nobody-000000"

static const char *create_qa =
    "{\"customer\":{\"id\":\"K1\",\"name\":\"华光照明\"},\"product\":{\"model\":\"CFL-18W\"},"
    "\"channel\":\"phone\",\"category\":\"quality\",\"title\":\"灯管不亮\","
    "\"description\":\"到货即不亮\",\"received_by\":{\"name\":\"王芳\",\"department\":\"QA\"}}";
static const char *create_sales =
    "{\"customer\":{\"id\":\"K2\",\"name\":\"明亮灯饰\"},\"product\":{\"model\":\"DL-7W\"},"
    "\"channel\":\"email\",\"category\":\"delivery\",\"title\":\"少发两箱\","
    "\"description\":\"到货数量不对\",\"received_by\":{\"name\":\"赵强\",\"department\":\"Sales\"}"
    "}";

static const kh_token tokens[] = {
    {"admin-desk", TOK_ADMIN, "admin", NULL},          {"qa-desk", TOK_QA, "staff", "[\"QA\"]"},
    {"sales-desk", TOK_SALES, "staff", "[\"Sales\"]"}, {"auditor", TOK_AUDITOR, "auditor", NULL},
    {"visits-svc", TOK_SYSTEM, "system", NULL},
};

/* One call with `token` (NULL: none). */
static cJSON *call_as(const char *token, const char *method, const char *params)
{
    kefu_call_opts o = {.deadline_ms = 5000, .max_attempts = 1, .token = token};
    return kh_call(svc.addr, method, params, &o);
}

static void get_params(const cJSON *created, char *out, size_t cap)
{
    snprintf(out, cap, "{\"id\":\"%s\"}", kh_str(created, "id") ? kh_str(created, "id") : "");
}

static long complaints_total(void)
{
    char *out = kh_redis_cli(&redis, "ZCARD kefu:complaints:idx:all");
    long n = out ? strtol(out, NULL, 10) : -1;
    free(out);
    return n;
}

static void test_missing_token(void)
{
    static const char *const methods[] = {"complaints.Create", "complaints.Get", "sys.Describe",
                                          "sys.Metrics", NULL};
    long before = complaints_total();

    for (int i = 0; methods[i]; i++) {
        const char *params = strcmp(methods[i], "complaints.Create") == 0 ? create_qa
                             : strcmp(methods[i], "complaints.Get") == 0
                                 ? "{\"id\":\"C2026-000001\"}"
                                 : NULL;
        cJSON *r = call_as(NULL, methods[i], params);
        CHECK_INT(kh_code(r), 16);
        CHECK_STR(kefu_json_str(kefu_json_get(r, "error"), "status"), "UNAUTHENTICATED");
        cJSON_Delete(r);
        /* An empty token is no token. */
        r = call_as("", methods[i], params);
        CHECK_INT(kh_code(r), 16);
        cJSON_Delete(r);
    }
    CHECK_INT(complaints_total(), before);
}

static void test_unknown_token(void)
{
    cJSON *r = call_as(TOK_UNKNOWN, "complaints.Create", create_qa);
    CHECK_INT(kh_code(r), 16);
    cJSON_Delete(r);
    r = call_as(TOK_UNKNOWN, "sys.Describe", NULL);
    CHECK_INT(kh_code(r), 16);
    cJSON_Delete(r);
    /* The digest is what is listed: a token equal to a listed digest is unknown. */
    {
        char hex[65];
        kefu_sha256_hex(TOK_ADMIN, strlen(TOK_ADMIN), hex);
        r = call_as(hex, "sys.Describe", NULL);
        CHECK_INT(kh_code(r), 16);
        cJSON_Delete(r);
    }
    /* A prefix of a real token is unknown. */
    r = call_as("tok-admin", "sys.Describe", NULL);
    CHECK_INT(kh_code(r), 16);
    cJSON_Delete(r);
}

static void test_health_needs_no_token(void)
{
    cJSON *r = call_as(NULL, "sys.Health", NULL);
    CHECK(kh_ok(r));
    CHECK_STR(kh_str(r, "status"), "SERVING");
    cJSON_Delete(r);
    /* Nor does a wrong one stop it. */
    r = call_as(TOK_UNKNOWN, "sys.Health", NULL);
    CHECK(kh_ok(r));
    cJSON_Delete(r);
}

static void test_auditor_reads_only(void)
{
    long before = complaints_total();
    cJSON *c = call_as(TOK_ADMIN, "complaints.Create", create_qa), *r;
    char params[64];

    CHECK(kh_ok(c));
    get_params(c, params, sizeof(params));
    r = call_as(TOK_AUDITOR, "complaints.Create", create_qa);
    CHECK_INT(kh_code(r), 7);
    CHECK_STR(kefu_json_str(kefu_json_get(r, "error"), "status"), "PERMISSION_DENIED");
    cJSON_Delete(r);
    CHECK_INT(complaints_total(), before + 1);
    r = call_as(TOK_AUDITOR, "complaints.Get", params);
    CHECK(kh_ok(r));
    CHECK_STR(kh_str(r, "id"), kh_str(c, "id"));
    cJSON_Delete(r);
    r = call_as(TOK_AUDITOR, "complaints.Get", "{\"id\":\"C2026-999999\"}");
    CHECK_INT(kh_code(r), 5);
    cJSON_Delete(r);
    /* Auditors read everything: Sales records too. */
    {
        cJSON *s = call_as(TOK_ADMIN, "complaints.Create", create_sales);
        char sp[64];
        get_params(s, sp, sizeof(sp));
        r = call_as(TOK_AUDITOR, "complaints.Get", sp);
        CHECK(kh_ok(r));
        cJSON_Delete(r);
        cJSON_Delete(s);
    }
    r = call_as(TOK_AUDITOR, "sys.Describe", NULL);
    CHECK(kh_ok(r));
    cJSON_Delete(r);
    r = call_as(TOK_AUDITOR, "sys.Metrics", NULL);
    CHECK(kh_ok(r));
    cJSON_Delete(r);
    cJSON_Delete(c);
}

static void test_staff_departments(void)
{
    long before = complaints_total();
    cJSON *qa = call_as(TOK_QA, "complaints.Create", create_qa), *r;
    char params[64];

    CHECK(kh_ok(qa));
    CHECK_STR(kh_str(qa, "received_by.department"), "QA");
    get_params(qa, params, sizeof(params));
    /* A complaint for another department: refused, nothing written. */
    r = call_as(TOK_QA, "complaints.Create", create_sales);
    CHECK_INT(kh_code(r), 7);
    cJSON_Delete(r);
    CHECK_INT(complaints_total(), before + 1);
    /* Its own department's record it reads. */
    r = call_as(TOK_QA, "complaints.Get", params);
    CHECK(kh_ok(r));
    CHECK_STR(kh_str(r, "id"), kh_str(qa, "id"));
    cJSON_Delete(r);
    /* Sales may not see it, and may not learn that it exists. */
    r = call_as(TOK_SALES, "complaints.Get", params);
    CHECK_INT(kh_code(r), 5);
    CHECK_STR(kefu_json_str(kefu_json_get(r, "error"), "status"), "NOT_FOUND");
    {
        /* The same answer as for an id that does not exist. */
        cJSON *missing = call_as(TOK_SALES, "complaints.Get", "{\"id\":\"C2026-999999\"}");
        CHECK_INT(kh_code(missing), 5);
        CHECK_STR(kefu_json_str(kefu_json_get(r, "error"), "message"),
                  kefu_json_str(kefu_json_get(missing, "error"), "message"));
        CHECK(kh_field(r) == kh_field(missing) ||
              (kh_field(r) && kh_field(missing) && strcmp(kh_field(r), kh_field(missing)) == 0));
        cJSON_Delete(missing);
    }
    cJSON_Delete(r);
    /* Sales creates and reads its own. */
    {
        cJSON *s = call_as(TOK_SALES, "complaints.Create", create_sales);
        char sp[64];
        CHECK(kh_ok(s));
        get_params(s, sp, sizeof(sp));
        r = call_as(TOK_SALES, "complaints.Get", sp);
        CHECK(kh_ok(r));
        cJSON_Delete(r);
        r = call_as(TOK_QA, "complaints.Get", sp);
        CHECK_INT(kh_code(r), 5);
        cJSON_Delete(r);
        /* Admin sees everything. */
        r = call_as(TOK_ADMIN, "complaints.Get", sp);
        CHECK(kh_ok(r));
        cJSON_Delete(r);
        cJSON_Delete(s);
    }
    r = call_as(TOK_ADMIN, "complaints.Get", params);
    CHECK(kh_ok(r));
    CHECK_STR(kh_str(r, "id"), kh_str(qa, "id"));
    cJSON_Delete(r);
    /* Staff may read the method table. */
    r = call_as(TOK_QA, "sys.Describe", NULL);
    CHECK(kh_ok(r));
    cJSON_Delete(r);
    cJSON_Delete(qa);
}

static void test_admin_and_system_write_anywhere(void)
{
    cJSON *r = call_as(TOK_ADMIN, "complaints.Create", create_sales);
    CHECK(kh_ok(r));
    cJSON_Delete(r);
    r = call_as(TOK_SYSTEM, "complaints.Create", create_qa);
    CHECK(kh_ok(r));
    cJSON_Delete(r);
    r = call_as(TOK_SYSTEM, "complaints.Create", create_sales);
    CHECK(kh_ok(r));
    cJSON_Delete(r);
}

/* The history names who made the change: the token's name. */
static void test_history_names_the_token(void)
{
    cJSON *r = call_as(TOK_QA, "complaints.Create", create_qa);
    char args[128], *out;

    CHECK(kh_ok(r));
    snprintf(args, sizeof(args), "LRANGE kefu:complaint:%s:history 0 -1",
             kh_str(r, "id") ? kh_str(r, "id") : "");
    out = kh_redis_cli(&redis, args);
    CHECK(out && strstr(out, "\"by\":\"qa-desk\""));
    free(out);
    cJSON_Delete(r);
}

/* Runs the service binary with `args`; its exit code (or -1), its output in `log`. */
static int run_service(const char *const *args, const char *log, int timeout_ms)
{
    char bin[256];
    const char *argv[16];
    int n = 0, status;
    pid_t pid;

    snprintf(bin, sizeof(bin), "%s/services/complaints/kefu-complaints", KEFU_BUILD_DIR);
    argv[n++] = bin;
    for (int i = 0; args[i] && n < 15; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    for (int waited = 0; waited < timeout_ms; waited += 20) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        kh_sleep_ms(20);
    }
    /* Still running: it accepted the address. Stop it (it is ours). */
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = calloc(1, 65536);
    if (f && buf)
        buf[fread(buf, 1, 65535, f)] = '\0';
    if (f)
        fclose(f);
    return buf;
}

static void test_no_tokens_refuses_non_loopback(void)
{
    char listen[64], log[128], *out;
    int port = kh_free_port(), rc;

    snprintf(listen, sizeof(listen), "tcp://0.0.0.0:%d", port);
    snprintf(log, sizeof(log), "%s/auth-no-tokens-%d.log", KEFU_TEST_LOG_DIR, port);
    {
        const char *args[] = {"--listen", listen, "--redis", redis.url, NULL};
        rc = run_service(args, log, 10000);
    }
    CHECK(rc > 0 && rc < 128);
    out = read_file(log);
    CHECK(out && strstr(out, "loopback"));
    free(out);

    /* Through the harness too: it reports that the service did not start. */
    {
        kh_service bad;
        const char *extra[] = {"--listen", listen, NULL};
        bool started = kh_service_start(&bad, "complaints", redis.url, extra);
        CHECK(!started);
        if (started)
            kh_service_stop(&bad);
    }
    /* A loopback address alone is fine without tokens (and every caller is admin). */
    {
        kh_service ok;
        CHECK(kh_service_start(&ok, "complaints", redis.url, NULL));
        cJSON *r = kh_call(ok.addr, "complaints.Create", create_sales, NULL);
        CHECK(kh_ok(r));
        cJSON_Delete(r);
        CHECK_INT(kh_service_stop(&ok), 0);
    }
}

/* A tokens file that is broken stops the start-up; it is not ignored. */
static void test_bad_tokens_file_fails_start(void)
{
    char path[64], log[128];
    FILE *f;
    int rc;

    snprintf(path, sizeof(path), "/tmp/kefu-test-badtokens-%d.json", (int)getpid());
    f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fprintf(f, "{\"tokens\": [{\"name\": \"x\", \"sha256\": \"abc\", \"role\": \"admin\"}]}\n");
    fclose(f);
    snprintf(log, sizeof(log), "%s/auth-bad-tokens-%d.log", KEFU_TEST_LOG_DIR, (int)getpid());
    {
        char listen[64];
        snprintf(listen, sizeof(listen), "tcp://127.0.0.1:%d", kh_free_port());
        const char *args[] = {"--listen", listen, "--redis", redis.url, "--tokens", path, NULL};
        rc = run_service(args, log, 10000);
    }
    CHECK(rc > 0 && rc < 128);
    unlink(path);
}

KEFU_TESTS = {
    {"missing_token", test_missing_token},
    {"unknown_token", test_unknown_token},
    {"health_needs_no_token", test_health_needs_no_token},
    {"auditor_reads_only", test_auditor_reads_only},
    {"staff_departments", test_staff_departments},
    {"admin_and_system_write_anywhere", test_admin_and_system_write_anywhere},
    {"history_names_the_token", test_history_names_the_token},
    {"no_tokens_refuses_non_loopback", test_no_tokens_refuses_non_loopback},
    {"bad_tokens_file_fails_start", test_bad_tokens_file_fails_start},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    int rc;
    const char *extra[3] = {"--tokens", tokens_path, NULL};

    if (!kh_write_tokens_temp(tokens_path, sizeof(tokens_path), "kefu-test-tokens", tokens,
                              sizeof(tokens) / sizeof(tokens[0])))
        return 1;
    if (!kh_redis_start(&redis) || !kh_service_start(&svc, "complaints", redis.url, extra)) {
        fprintf(stderr, "could not start redis or the service\n");
        unlink(tokens_path);
        return 1;
    }
    rc = kefu_test_main(argc, argv);
    if (kh_service_stop(&svc) != 0)
        rc = 1;
    kh_redis_stop(&redis);
    unlink(tokens_path);
    return rc;
}
