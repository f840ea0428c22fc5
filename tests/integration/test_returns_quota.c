/*
 * integration.returns_quota - one return per customer per calendar month
 * (SPEC section 4): the slot is taken at Submit, atomically with the state
 * change, in the business time zone of the policy; a second Submit in the
 * month is RESOURCE_EXHAUSTED; Reject and Cancel give the slot back; the
 * month boundary at 23:59:59 / 00:00:00 +08:00; and 50 Submits of one
 * customer's 50 confirmed returns in flight at once: exactly one wins.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "json.h"
#include "test.h"

static kh_redis redis;
static kh_service svc;

/* A call with params from printf. */
#define call(method, ...)                                                                          \
    kh_callf(svc.addr, &(kefu_call_opts){.deadline_ms = 20000, .max_attempts = 1}, (method),       \
             __VA_ARGS__)

#define EXPECT(r, code, what) KH_EXPECT((r), (code), NULL, (what))

#define DO(code, method, ...) KH_EXPECT_FREE(call((method), __VA_ARGS__), (code), NULL, (method))

static void set_clock(const char *now)
{
    DO(0, "sys.SetClock", "{\"now\":\"%s\"}", now);
}

static void reset(void)
{
    kh_redis_flush(&redis);
    set_clock("2026-11-02T10:00:00+08:00");
}

/* A confirmed return of `customer`; its id in a static ring. */
static const char *confirmed(const char *customer)
{
    static char ring[64][24];
    static int next;
    char *id = ring[next++ % 64];
    cJSON *r = call("returns.Create",
                    "{\"customer\":{\"id\":\"%s\",\"short_name\":\"明亮\",\"name\":\"明亮灯饰\"},"
                    "\"region\":\"华南\",\"regional_manager\":\"李明\",\"reason\":\"quality\","
                    "\"freight_station\":\"xiaolan\",\"items\":[{\"model\":\"CFL-18W\","
                    "\"category\":\"cfl\",\"quantity\":2,\"production_date\":\"2026-06-01\","
                    "\"unit_price_cents\":1000}],\"boxes\":[{\"lines\":[{\"line\":1,"
                    "\"quantity\":2}]}]}",
                    customer);
    EXPECT(r, 0, "Create");
    snprintf(id, 24, "%s", kh_str(r, "id") ? kh_str(r, "id") : "none");
    cJSON_Delete(r);
    DO(0, "returns.Confirm",
       "{\"id\":\"%s\",\"customer_signature\":\"陈\",\"manager_signature\":\"李明\"}", id);
    return id;
}

static int submit(const char *id)
{
    cJSON *r = call("returns.Submit", "{\"id\":\"%s\"}", id);
    int code = kh_code(r);
    if (code == 8 && !strstr(kh_path_str(r, "error.message"), "per calendar month")) {
        kh_print_reply("RESOURCE_EXHAUSTED without the reason", r);
        kefu_test_failed_checks++;
    }
    cJSON_Delete(r);
    return code;
}

static void test_second_submit_in_month(void)
{
    const char *a, *b, *other;

    reset();
    a = confirmed("Q1");
    b = confirmed("Q1");
    other = confirmed("Q2");
    CHECK_INT(submit(a), 0);
    CHECK_INT(submit(b), 8);
    CHECK_INT(submit(other), 0); /* another customer's quota */
    /* The refused one is still confirmed and can go next month. */
    set_clock("2026-12-01T00:00:00+08:00");
    CHECK_INT(submit(b), 0);
}

static void test_reject_and_cancel_free_the_slot(void)
{
    const char *a, *b, *c, *d;

    reset();
    a = confirmed("Q1");
    b = confirmed("Q1");
    c = confirmed("Q1");
    d = confirmed("Q1");
    CHECK_INT(submit(a), 0);
    CHECK_INT(submit(b), 8);
    DO(0, "returns.Reject", "{\"id\":\"%s\",\"by\":\"售后\",\"reason\":\"资料不全\"}", a);
    CHECK_INT(submit(b), 0);
    CHECK_INT(submit(c), 8);
    DO(0, "returns.Cancel", "{\"id\":\"%s\",\"reason\":\"客户撤回\"}", b);
    CHECK_INT(submit(c), 0);
    /* Cancelling a return that never held the slot frees nothing. */
    DO(0, "returns.Cancel", "{\"id\":\"%s\",\"reason\":\"重复\"}", d);
    {
        const char *e = confirmed("Q1");
        CHECK_INT(submit(e), 8);
    }
    /* An approved return keeps its slot: Cancel is refused. */
    DO(0, "returns.Approve", "{\"id\":\"%s\",\"by\":\"售后\"}", c);
    DO(9, "returns.Cancel", "{\"id\":\"%s\",\"reason\":\"晚了\"}", c);
    CHECK_INT(submit(confirmed("Q1")), 8);
}

/* The month is the business zone's (+08:00), not UTC's. */
static void test_month_boundary(void)
{
    const char *a, *b, *c;
    cJSON *r;

    reset();
    a = confirmed("M1");
    b = confirmed("M1");
    c = confirmed("M1");
    /* 2026-11-30T23:59:59+08:00 is 15:59:59 UTC: November. */
    set_clock("2026-11-30T23:59:59+08:00");
    CHECK_INT(submit(a), 0);
    r = call("returns.Get", "{\"id\":\"%s\"}", a);
    CHECK_STR(kh_str(r, "quota_month"), "2026-11");
    cJSON_Delete(r);
    /* One second later it is December in Shanghai (still November in UTC). */
    set_clock("2026-12-01T00:00:00+08:00");
    CHECK_INT(submit(b), 0);
    r = call("returns.Get", "{\"id\":\"%s\"}", b);
    CHECK_STR(kh_str(r, "quota_month"), "2026-12");
    cJSON_Delete(r);
    set_clock("2026-12-31T23:59:59+08:00");
    CHECK_INT(submit(c), 8);
    /* A new year: the slot and the id sequence. */
    set_clock("2027-01-01T00:00:00+08:00");
    CHECK_INT(submit(c), 0);
    {
        const char *d = confirmed("M2");
        CHECK_STR(d, "R2027-000001");
    }
}

typedef struct {
    const char *id;
    int code;
} race_slot;

static void *race_submit(void *arg)
{
    race_slot *s = arg;
    cJSON *r = call("returns.Submit", "{\"id\":\"%s\"}", s->id);
    s->code = kh_code(r);
    cJSON_Delete(r);
    return NULL;
}

/* 50 confirmed returns of one customer, 50 Submits in flight at once. */
static void test_concurrent_submits(void)
{
    enum { N = 50 };
    static char ids[N][24];
    race_slot slots[N];
    pthread_t threads[N];
    int ok = 0, exhausted = 0, started = 0;
    char *members;

    reset();
    for (int i = 0; i < N; i++) {
        snprintf(ids[i], sizeof(ids[i]), "%s", confirmed("RACE"));
        slots[i] = (race_slot){.id = ids[i], .code = -2};
    }
    for (int i = 0; i < N; i++) {
        if (pthread_create(&threads[i], NULL, race_submit, &slots[i]) == 0)
            started++;
        else
            slots[i].code = -3;
    }
    CHECK_INT(started, N);
    for (int i = 0; i < N; i++) {
        if (slots[i].code != -3)
            pthread_join(threads[i], NULL);
        if (slots[i].code == 0)
            ok++;
        else if (slots[i].code == 8)
            exhausted++;
        else
            fprintf(stderr, "  submit %s: code %d\n", ids[i], slots[i].code);
    }
    CHECK_INT(ok, 1);
    CHECK_INT(exhausted, N - 1);
    members = kh_redis_cli(&redis, "SCARD kefu:returns:quota:RACE:2026-11");
    CHECK(members && atoi(members) == 1);
    free(members);
    {
        cJSON *r = call("returns.List", "{\"status\":\"submitted\",\"customer_id\":\"RACE\"}");
        CHECK_INT(cJSON_GetArraySize(kh_path(kh_result(r), "items")), 1);
        cJSON_Delete(r);
        r = call("returns.List", "{\"status\":\"confirmed\",\"customer_id\":\"RACE\"}");
        CHECK_INT(cJSON_GetArraySize(kh_path(kh_result(r), "items")), N - 1);
        cJSON_Delete(r);
    }
}

KEFU_TESTS = {
    {"second_submit_in_month", test_second_submit_in_month},
    {"reject_and_cancel_free_the_slot", test_reject_and_cancel_free_the_slot},
    {"month_boundary", test_month_boundary},
    {"concurrent_submits", test_concurrent_submits},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    const char *extra[] = {"--test-clock", NULL};
    return kh_suite_main(argc, argv, &redis, &svc, "returns", extra);
}
