/*
 * integration.client - the loop client (common/client.c) that services use
 * to call each other: plain calls, retries of UNAVAILABLE across a Redis
 * outage with the same idempotency key, deadlines, and close with calls in
 * flight. Also the blocking client's deadline.
 */
#include <pthread.h>
#include <string.h>

#include "harness.h"
#include "json.h"
#include "test.h"

static kh_redis redis;
static kh_service svc;

typedef struct {
    int done;
    int code; /* reply error code, 0 ok, or -status for transport errors */
    char id[32];
} outcome;

static void on_reply(const cJSON *reply, const kefu_error *err, void *arg)
{
    outcome *o = arg;
    const cJSON *result;
    kefu_error e;

    o->done++;
    if (!reply) {
        o->code = -(int)err->status;
        return;
    }
    o->code = (int)kefu_client_result(reply, &result, &e);
    if (o->code == 0 && kefu_json_str(result, "id"))
        snprintf(o->id, sizeof(o->id), "%s", kefu_json_str(result, "id"));
}

/* Runs the loop until `o` is done or `ms` pass. */
static void run_until(uv_loop_t *loop, outcome *o, int ms)
{
    for (int waited = 0; !o->done && waited < ms; waited += 5) {
        uv_run(loop, UV_RUN_NOWAIT);
        kh_sleep_ms(5);
    }
}

static const char *create =
    "{\"customer\":{\"id\":\"K9\",\"name\":\"n\"},\"product\":{\"model\":\"m\"},"
    "\"channel\":\"web\",\"category\":\"service\",\"title\":\"t\",\"description\":\"d\","
    "\"received_by\":{\"name\":\"a\",\"department\":\"QA\"}}";

static void test_call(void)
{
    uv_loop_t loop;
    kefu_error err;
    kefu_client *c;
    outcome o = {0};
    cJSON *p = cJSON_Parse(create);

    uv_loop_init(&loop);
    c = kefu_client_new(&loop, svc.addr, &err);
    CHECK(c != NULL);
    kefu_client_call(c, "complaints.Create", p, NULL, on_reply, &o);
    run_until(&loop, &o, 5000);
    CHECK_INT(o.done, 1);
    CHECK_INT(o.code, 0);
    CHECK(strncmp(o.id, "C", 1) == 0);
    kefu_client_free(c);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&loop), 0);
    cJSON_Delete(p);
}

/* Redis is down for ~600 ms: the client retries UNAVAILABLE and succeeds,
 * and its automatic idempotency key means exactly one record results. */
static void test_retry_across_outage(void)
{
    uv_loop_t loop;
    kefu_error err;
    kefu_client *c;
    outcome o = {0};
    cJSON *p = cJSON_Parse(create);
    kefu_call_opts opts = {.deadline_ms = 10000, .max_attempts = 30};
    char *before, *after;

    before = kh_redis_cli(&redis, "ZCARD kefu:complaints:idx:all");
    uv_loop_init(&loop);
    c = kefu_client_new(&loop, svc.addr, &err);
    kh_redis_kill(&redis);
    kefu_client_call(c, "complaints.Create", p, &opts, on_reply, &o);
    run_until(&loop, &o, 600);
    CHECK_INT(o.done, 0); /* still retrying */
    CHECK(kh_redis_restart(&redis));
    run_until(&loop, &o, 9000);
    CHECK_INT(o.done, 1);
    CHECK_INT(o.code, 0);
    after = kh_redis_cli(&redis, "ZCARD kefu:complaints:idx:all");
    CHECK(before && after);
    if (before && after)
        CHECK_INT(atoi(after), atoi(before) + 1);
    free(before);
    free(after);
    kefu_client_free(c);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    cJSON_Delete(p);
}

/* Nobody listens: the call ends at its deadline, not later. */
static void test_deadline(void)
{
    uv_loop_t loop;
    kefu_error err;
    kefu_client *c;
    outcome o = {0};
    char addr[64];
    kefu_call_opts opts = {.deadline_ms = 300};
    int64_t start;

    snprintf(addr, sizeof(addr), "tcp://127.0.0.1:%d", kh_free_port());
    uv_loop_init(&loop);
    c = kefu_client_new(&loop, addr, &err);
    start = (int64_t)uv_now(&loop);
    kefu_client_call(c, "sys.Health", NULL, &opts, on_reply, &o);
    run_until(&loop, &o, 3000);
    uv_update_time(&loop);
    CHECK_INT(o.done, 1);
    CHECK_INT(o.code, -KEFU_STATUS_DEADLINE_EXCEEDED);
    CHECK((int64_t)uv_now(&loop) - start < 1500);
    kefu_client_free(c);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
}

/* Freeing the client fails the calls still in flight with CANCELLED. */
static void test_free_with_calls_in_flight(void)
{
    uv_loop_t loop;
    kefu_error err;
    kefu_client *c;
    outcome o[3] = {{0}};
    char addr[64];

    snprintf(addr, sizeof(addr), "tcp://127.0.0.1:%d", kh_free_port());
    uv_loop_init(&loop);
    c = kefu_client_new(&loop, addr, &err);
    for (int i = 0; i < 3; i++)
        kefu_client_call(c, "sys.Health", NULL, NULL, on_reply, &o[i]);
    uv_run(&loop, UV_RUN_NOWAIT);
    kefu_client_free(c);
    uv_run(&loop, UV_RUN_DEFAULT);
    for (int i = 0; i < 3; i++) {
        CHECK_INT(o[i].done, 1);
        CHECK_INT(o[i].code, -KEFU_STATUS_CANCELLED);
    }
    CHECK_INT(uv_loop_close(&loop), 0);
}

static void test_sync_deadline(void)
{
    char addr[64];
    kefu_call_opts opts = {.deadline_ms = 200, .max_attempts = 3};
    kefu_sync_client *c;
    kefu_error err;
    cJSON *reply = NULL;

    snprintf(addr, sizeof(addr), "tcp://127.0.0.1:%d", kh_free_port());
    c = kefu_sync_client_open(addr, &err);
    CHECK(c != NULL);
    CHECK_INT(kefu_sync_client_call(c, "sys.Health", NULL, &opts, &reply, &err),
              KEFU_STATUS_DEADLINE_EXCEEDED);
    CHECK(reply == NULL);
    kefu_sync_client_close(c);
}

KEFU_TESTS = {
    {"call", test_call},
    {"retry_across_outage", test_retry_across_outage},
    {"deadline", test_deadline},
    {"free_with_calls_in_flight", test_free_with_calls_in_flight},
    {"sync_deadline", test_sync_deadline},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return kh_suite_main(argc, argv, &redis, &svc, "complaints", NULL);
}
