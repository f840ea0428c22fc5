/*
 * integration.complaints_slice - complaints.Create and complaints.Get over a
 * real socket against a real Redis: the record, its id sequence, history.
 */
#include <time.h>

#include "harness.h"
#include "timeutil.h"
#include "test.h"

static kh_redis redis;
static kh_service svc;

static const char *create_params = KH_COMPLAINT_CREATE;

static void test_create_then_get(void)
{
    cJSON *r = kh_call(svc.addr, "complaints.Create", create_params, NULL);
    char get[64];
    const char *id;

    CHECK(kh_ok(r));
    id = kh_str(r, "id");
    {
        /* The id's year is the business year (UTC+08:00) of now. */
        char prefix[8];
        snprintf(prefix, sizeof(prefix), "C%04d-",
                 kefu_time_to_date((kefu_ms)time(NULL) * 1000, 480).year);
        CHECK(id && strncmp(id, prefix, 6) == 0 && strlen(id) == 12);
    }
    CHECK_STR(kh_str(r, "status"), "received");
    CHECK_STR(kh_str(r, "customer.name"), "华光照明");
    CHECK_STR(kh_str(r, "severity"), "minor");
    CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(kh_result(r), "escalated")));
    CHECK(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(kh_result(r), "return_ids")));
    snprintf(get, sizeof(get), "{\"id\":\"%s\"}", id ? id : "");
    cJSON *g = kh_call(svc.addr, "complaints.Get", get, NULL);
    CHECK(kh_ok(g));
    CHECK_STR(kh_str(g, "id"), id);
    CHECK_STR(kh_str(g, "product.model"), "CFL-18W");
    cJSON_Delete(g);
    cJSON_Delete(r);
}

static void test_ids_are_sequential(void)
{
    cJSON *a = kh_call(svc.addr, "complaints.Create", create_params, NULL);
    cJSON *b = kh_call(svc.addr, "complaints.Create", create_params, NULL);
    const char *ia = kh_str(a, "id"), *ib = kh_str(b, "id");
    CHECK(ia && ib);
    if (ia && ib)
        CHECK_INT(atoi(ib + 6), atoi(ia + 6) + 1);
    cJSON_Delete(a);
    cJSON_Delete(b);
}

static void test_critical_is_escalated(void)
{
    cJSON *p = cJSON_Parse(create_params), *r;
    char *text;
    cJSON_AddStringToObject(p, "severity", "critical");
    text = cJSON_PrintUnformatted(p);
    r = kh_call(svc.addr, "complaints.Create", text, NULL);
    CHECK(kh_ok(r));
    CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(kh_result(r), "escalated")));
    cJSON_Delete(r);
    cJSON_free(text);
    cJSON_Delete(p);
}

static void test_history_written(void)
{
    cJSON *r = kh_call(svc.addr, "complaints.Create", create_params, NULL);
    char args[128], *out;
    snprintf(args, sizeof(args), "LRANGE kefu:complaint:%s:history 0 -1", kh_str(r, "id"));
    out = kh_redis_cli(&redis, args);
    CHECK(out && strstr(out, "\"action\":\"create\"") && strstr(out, "\"to\":\"received\""));
    free(out);
    cJSON_Delete(r);
}

static void test_get_unknown_and_malformed(void)
{
    cJSON *r = kh_call(svc.addr, "complaints.Get", "{\"id\":\"C2026-999999\"}", NULL);
    CHECK_INT(kh_code(r), 5);
    cJSON_Delete(r);
    r = kh_call(svc.addr, "complaints.Get", "{\"id\":\"X\"}", NULL);
    CHECK_INT(kh_code(r), 3);
    CHECK_STR(kh_field(r), "id");
    cJSON_Delete(r);
}

KEFU_TESTS = {
    {"create_then_get", test_create_then_get},
    {"ids_are_sequential", test_ids_are_sequential},
    {"critical_is_escalated", test_critical_is_escalated},
    {"history_written", test_history_written},
    {"get_unknown_and_malformed", test_get_unknown_and_malformed},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return kh_suite_main(argc, argv, &redis, &svc, "complaints", NULL);
}
