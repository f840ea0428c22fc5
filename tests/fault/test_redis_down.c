/*
 * fault.redis_down - SPEC sections 1, 2 and 9 when Redis goes away: a killed
 * Redis gives UNAVAILABLE promptly while sys.Health answers NOT_SERVING; the
 * service recovers by itself when Redis returns on the same port; what was
 * acknowledged before a SIGKILL of Redis (AOF, appendfsync always) is still
 * there after it; and a Redis that hangs gives UNAVAILABLE or
 * DEADLINE_EXCEEDED rather than a hang, with retries made safe by keys.
 *
 * The harness starts the service with --redis-timeout-ms 1000.
 */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "harness.h"
#include "json.h"
#include "test.h"

static kh_redis redis;
static kh_service svc;

static const char *create_params =
    "{\"customer\":{\"id\":\"K1\",\"name\":\"华光照明\"},\"product\":{\"model\":\"CFL-18W\"},"
    "\"channel\":\"phone\",\"category\":\"quality\",\"title\":\"%s\","
    "\"description\":\"到货即不亮\",\"received_by\":{\"name\":\"王芳\",\"department\":\"QA\"}}";

static int64_t now_ms(void)
{
    return kefu_mono_us() / 1000;
}

/* complaints.Create titled `title`, one attempt, `key` may be NULL. */
static cJSON *create(const char *title, const char *key, int64_t deadline_ms)
{
    char params[1024];
    kefu_call_opts o = {.deadline_ms = deadline_ms, .max_attempts = 1, .idempotency_key = key};

    snprintf(params, sizeof(params), create_params, title);
    return kh_call(svc.addr, "complaints.Create", params, &o);
}

static cJSON *health(void)
{
    kefu_call_opts o = {.deadline_ms = 2000, .max_attempts = 1};
    return kh_call(svc.addr, "sys.Health", NULL, &o);
}

/* Polls sys.Health until its status is `want` or `ms` pass; true if reached. */
static bool wait_health(const char *want, int ms)
{
    int64_t end = now_ms() + ms;
    do {
        cJSON *h = health();
        bool hit = kh_ok(h) && kh_str(h, "status") && strcmp(kh_str(h, "status"), want) == 0;
        cJSON_Delete(h);
        if (hit)
            return true;
        kh_sleep_ms(50);
    } while (now_ms() < end);
    return false;
}

static long complaints_total(void)
{
    return kh_redis_int(&redis, "ZCARD kefu:complaints:idx:all");
}

static void test_redis_killed_then_back(void)
{
    cJSON *r = create("before", NULL, 5000), *h;
    int64_t t0;

    CHECK(kh_ok(r));
    cJSON_Delete(r);
    kh_redis_kill(&redis);

    /* A write is refused as UNAVAILABLE (retryable), promptly. */
    t0 = now_ms();
    r = create("while down", NULL, 5000);
    CHECK_INT(kh_code(r), 14);
    CHECK_STR(kefu_json_str(kefu_json_get(r, "error"), "status"), "UNAVAILABLE");
    CHECK(now_ms() - t0 < 2000);
    cJSON_Delete(r);
    /* And again, once the service has certainly noticed. */
    kh_sleep_ms(300);
    t0 = now_ms();
    r = create("while down", NULL, 5000);
    CHECK_INT(kh_code(r), 14);
    CHECK(now_ms() - t0 < 2000);
    cJSON_Delete(r);
    r = kh_call(svc.addr, "complaints.Get", "{\"id\":\"C2026-000001\"}", NULL);
    CHECK_INT(kh_code(r), 14);
    cJSON_Delete(r);

    /* Health answers, and says NOT_SERVING with the reason. */
    CHECK(wait_health("NOT_SERVING", 2000));
    h = health();
    CHECK(kh_ok(h));
    CHECK_STR(kh_str(h, "status"), "NOT_SERVING");
    CHECK_STR(kh_str(h, "service"), "complaints");
    CHECK(kh_str(h, "checks.redis") && strcmp(kh_str(h, "checks.redis"), "ok") != 0 &&
          kh_str(h, "checks.redis")[0] != '\0');
    cJSON_Delete(h);
    /* Still down after the reconnect backoff has grown: still answering. */
    kh_sleep_ms(1500);
    t0 = now_ms();
    r = create("still down", NULL, 5000);
    CHECK_INT(kh_code(r), 14);
    CHECK(now_ms() - t0 < 2000);
    cJSON_Delete(r);

    /* Redis returns on the same port: the service recovers without a restart. */
    CHECK(kh_redis_restart(&redis));
    t0 = now_ms();
    CHECK(wait_health("SERVING", 5000));
    CHECK(now_ms() - t0 < 5000);
    h = health();
    CHECK_STR(kh_str(h, "checks.redis"), "ok");
    cJSON_Delete(h);
    r = create("after", NULL, 5000);
    CHECK(kh_ok(r));
    CHECK_STR(kh_str(r, "title"), "after");
    cJSON_Delete(r);
}

static void test_acknowledged_writes_survive_redis_kill(void)
{
    char ids[20][32], titles[20][32];
    long before = complaints_total();

    for (int i = 0; i < 20; i++) {
        snprintf(titles[i], sizeof(titles[i]), "durable-%02d", i);
        cJSON *r = create(titles[i], NULL, 5000);
        CHECK(kh_ok(r));
        snprintf(ids[i], sizeof(ids[i]), "%s", kh_str(r, "id") ? kh_str(r, "id") : "");
        cJSON_Delete(r);
    }
    kh_redis_kill(&redis);
    CHECK(kh_redis_restart(&redis));
    CHECK(wait_health("SERVING", 5000));
    for (int i = 0; i < 20; i++) {
        char params[64];
        snprintf(params, sizeof(params), "{\"id\":\"%.31s\"}", ids[i]);
        cJSON *g = kh_call(svc.addr, "complaints.Get", params, NULL);
        CHECK(kh_ok(g));
        CHECK_STR(kh_str(g, "id"), ids[i]);
        CHECK_STR(kh_str(g, "title"), titles[i]);
        cJSON_Delete(g);
    }
    CHECK_INT(complaints_total(), before + 20);
    /* The id sequence survived too: the next id follows the last one. */
    {
        cJSON *r = create("after-restart", NULL, 5000);
        CHECK(kh_ok(r));
        CHECK(kh_str(r, "id") && atoi(kh_str(r, "id") + 6) == atoi(ids[19] + 6) + 1);
        cJSON_Delete(r);
    }
}

/* ---- a Redis that hangs ---- */

typedef struct {
    kh_redis *r;
    int seconds;
    bool debug_sleep;
} hang_args;

static void *hang_thread(void *arg)
{
    hang_args *h = arg;
    if (h->debug_sleep) {
        char args[32];
        snprintf(args, sizeof(args), "DEBUG SLEEP %d", h->seconds);
        free(kh_redis_cli(h->r, args));
    } else {
        /* DEBUG is disabled (Redis 7 default): stop the process we started instead. */
        kill(h->r->pid, SIGSTOP);
        kh_sleep_ms(h->seconds * 1000);
        kill(h->r->pid, SIGCONT);
    }
    return NULL;
}

/* Makes Redis unresponsive for `seconds` in the background; join the thread after. */
static pthread_t hang_redis(hang_args *h)
{
    pthread_t t;
    char *probe = kh_redis_cli(h->r, "DEBUG SLEEP 0");

    h->debug_sleep = probe && strncmp(probe, "OK", 2) == 0;
    free(probe);
    pthread_create(&t, NULL, hang_thread, h);
    kh_sleep_ms(200); /* let it take hold */
    return t;
}

static void test_redis_hangs(void)
{
    hang_args h = {.r = &redis, .seconds = 3};
    long before;
    pthread_t t;
    int64_t t0, elapsed;
    char params[1024], req[2048];
    cJSON *r;
    char *text;
    kefu_error err;

    CHECK(wait_health("SERVING", 5000));
    before = complaints_total();
    t = hang_redis(&h);

    /* With 500 ms of budget: DEADLINE_EXCEEDED at the deadline, not a hang. */
    snprintf(params, sizeof(params), create_params, "hang-a");
    snprintf(req, sizeof(req),
             "{\"id\":\"hang-a\",\"method\":\"complaints.Create\",\"params\":%s,"
             "\"meta\":{\"deadline_ms\":500,\"idempotency_key\":\"hang-key-a\"}}",
             params);
    t0 = now_ms();
    text = kh_call_raw(svc.addr, req, strlen(req), 3000);
    elapsed = now_ms() - t0;
    r = text ? kefu_json_parse(text, strlen(text), KEFU_JSON_MAX_DEPTH, &err) : NULL;
    CHECK_INT(kh_code(r), 4);
    CHECK_STR(kefu_json_str(r, "id"), "hang-a");
    CHECK(elapsed >= 400 && elapsed < 1000);
    cJSON_Delete(r);
    free(text);

    /* Health is answered from memory meanwhile. */
    t0 = now_ms();
    r = health();
    CHECK(kh_ok(r));
    CHECK(now_ms() - t0 < 500);
    cJSON_Delete(r);

    /* With a long budget: UNAVAILABLE once Redis is deemed unresponsive (1 s). */
    t0 = now_ms();
    r = create("hang-b", "hang-key-b", 5000);
    elapsed = now_ms() - t0;
    CHECK(kh_code(r) == 14 || kh_code(r) == 4);
    CHECK(elapsed < 2500);
    cJSON_Delete(r);

    pthread_join(t, NULL);

    /* It recovers by itself... */
    CHECK(wait_health("SERVING", 6000));
    /* ...and retries with the same keys are safe whatever the hung commands did. */
    r = create("hang-a", "hang-key-a", 5000);
    CHECK(kh_ok(r));
    cJSON_Delete(r);
    r = create("hang-b", "hang-key-b", 5000);
    CHECK(kh_ok(r));
    cJSON_Delete(r);
    r = create("hang-b", "hang-key-b", 5000);
    CHECK(kh_ok(r));
    cJSON_Delete(r);
    CHECK_INT(complaints_total(), before + 2);
}

/*
 * sys.Metrics while Redis hangs: it answers promptly (its own view, or
 * UNAVAILABLE), and what it built for the reply is not leaked when the
 * cluster read from Redis fails (a leak makes the sanitizer build's service
 * exit non-zero, and valgrind's too).
 */
static void test_metrics_during_redis_hang(void)
{
    static const char *const extra[] = {"--log-level", "warn", NULL};
    hang_args h = {.r = &redis, .seconds = 3};
    kh_service m;
    pthread_t t;

    CHECK(wait_health("SERVING", 5000));
    if (!kh_service_start(&m, "complaints", redis.url, extra)) {
        CHECK(!"second service started");
        return;
    }
    t = hang_redis(&h);
    for (int i = 0; i < 3; i++) {
        kefu_call_opts o = {.deadline_ms = 2500, .max_attempts = 1};
        int64_t t0 = now_ms();
        cJSON *r = kh_call(m.addr, "sys.Metrics", NULL, &o);
        fprintf(stderr, "  sys.Metrics while Redis hangs: code %d after %lld ms\n", kh_code(r),
                (long long)(now_ms() - t0));
        CHECK(r != NULL);
        CHECK(kh_ok(r) || kh_code(r) == 14);
        CHECK(now_ms() - t0 < 2500);
        cJSON_Delete(r);
    }
    pthread_join(t, NULL);
    {
        int64_t end = now_ms() + 6000;
        cJSON *r = NULL;
        do {
            cJSON_Delete(r);
            kh_sleep_ms(100);
            r = kh_call(m.addr, "sys.Metrics", NULL, NULL);
        } while (!(kh_ok(r) && cJSON_IsObject(kefu_json_get(kh_result(r), "cluster"))) &&
                 now_ms() < end);
        CHECK(kh_ok(r));
        CHECK(cJSON_IsObject(kefu_json_get(kh_result(r), "cluster")));
        cJSON_Delete(r);
    }
    CHECK_INT(kh_service_stop(&m), 0);
}

typedef struct {
    const char *addr;
    cJSON *reply;
    int64_t elapsed_ms;
} pending_call;

static void *call_create(void *arg)
{
    pending_call *pc = arg;
    kefu_call_opts o = {.deadline_ms = 5000, .max_attempts = 1, .idempotency_key = "stop-hang"};
    char params[1024];
    int64_t t0 = now_ms();

    snprintf(params, sizeof(params), create_params, "stop-hang");
    pc->reply = kh_call(pc->addr, "complaints.Create", params, &o);
    pc->elapsed_ms = now_ms() - t0;
    return NULL;
}

/* SIGTERM with Redis gone, and with Redis hung under a request: a clean exit 0,
 * and the request in flight gets its answer before the process goes. */
static void test_sigterm_while_redis_down_or_hung(void)
{
    kh_service s;
    int64_t t0;

    CHECK(wait_health("SERVING", 5000));
    if (!kh_service_start(&s, "complaints", redis.url, NULL)) {
        CHECK(!"service started");
        return;
    }
    kh_redis_kill(&redis);
    kh_sleep_ms(300);
    t0 = now_ms();
    CHECK_INT(kh_service_stop(&s), 0);
    CHECK(now_ms() - t0 < 5000);
    CHECK(kh_redis_restart(&redis));
    CHECK(wait_health("SERVING", 5000));

    if (!kh_service_start(&s, "complaints", redis.url, NULL)) {
        CHECK(!"service started again");
        return;
    }
    {
        hang_args h = {.r = &redis, .seconds = 3};
        pending_call pc = {.addr = s.addr};
        pthread_t hang = hang_redis(&h), caller;

        pthread_create(&caller, NULL, call_create, &pc);
        kh_sleep_ms(300); /* the Create is waiting for Redis */
        t0 = now_ms();
        CHECK_INT(kh_service_stop(&s), 0);
        CHECK(now_ms() - t0 < 5000);
        pthread_join(caller, NULL);
        CHECK(pc.reply != NULL);
        CHECK(kh_code(pc.reply) == 14 || kh_code(pc.reply) == 4);
        CHECK(pc.elapsed_ms < 2500);
        cJSON_Delete(pc.reply);
        pthread_join(hang, NULL);
    }
    CHECK(wait_health("SERVING", 6000));
}

KEFU_TESTS = {
    {"redis_killed_then_back", test_redis_killed_then_back},
    {"acknowledged_writes_survive_redis_kill", test_acknowledged_writes_survive_redis_kill},
    {"redis_hangs", test_redis_hangs},
    {"metrics_during_redis_hang_no_leak", test_metrics_during_redis_hang},
    {"sigterm_while_redis_down_or_hung", test_sigterm_while_redis_down_or_hung},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return kh_suite_main(argc, argv, &redis, &svc, "complaints", NULL);
}
