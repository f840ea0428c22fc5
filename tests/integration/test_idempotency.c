/*
 * integration.idempotency - SPEC section 1, idempotency_key on a mutating
 * method: replays return the first result under the new request's id and
 * have no second effect (checked in Redis), also when the callers race; the
 * same key with other params is FAILED_PRECONDITION; keys are per method;
 * keys are 1..128 characters.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "sha.h"
#include "json.h"
#include "test.h"

static kh_redis redis;
static kh_service svc;

static const char *create_params = KH_COMPLAINT_CREATE;

/* The same params with the members in another order (and other white space). */
static const char *create_params_reordered =
    "{ \"received_by\": {\"department\": \"QA\", \"name\": \"王芳\"}, \"description\": "
    "\"到货即不亮\","
    " \"title\": \"灯管不亮\", \"category\": \"quality\", \"channel\": \"phone\","
    " \"product\": {\"quantity\": 12, \"production_date\": \"2026-03-01\", \"batch\": \"B7\","
    " \"model\": \"CFL-18W\"}, \"customer\": {\"contact\": {\"phone\": \"0760-1234567\","
    " \"person\": \"李雷\"}, \"name\": \"华光照明\", \"id\": \"K1\"}}";

/* Complaints in the global index. */
static long complaints_total(void)
{
    return kh_redis_int(&redis, "ZCARD kefu:complaints:idx:all");
}

/* Complaint records in Redis (kefu:complaint:<id>, not their :history lists). */
static long complaint_records(void)
{
    char *out = kh_redis_cli(&redis, "--scan --pattern 'kefu:complaint:C*'");
    long n = 0;
    char *save = NULL;

    if (!out)
        return -1;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (!strstr(line, ":history"))
            n++;
    }
    free(out);
    return n;
}

/* complaints.Create with key `key` (may be NULL); one attempt, no automatic key. */
static cJSON *create_keyed(const char *params, const char *key)
{
    kefu_call_opts o = {.deadline_ms = 5000, .max_attempts = 1, .idempotency_key = key};
    return kh_call(svc.addr, "complaints.Create", params, &o);
}

/* A raw request with our own envelope id; returns the parsed reply or NULL. */
static cJSON *send_text(const char *req)
{
    char *text = kh_call_raw(svc.addr, req, strlen(req), 5000);
    kefu_error err;
    cJSON *r = text ? kefu_json_parse(text, strlen(text), KEFU_JSON_MAX_DEPTH, &err) : NULL;
    free(text);
    return r;
}

static char *result_text(const cJSON *reply)
{
    return cJSON_PrintUnformatted(kh_result(reply));
}

static void test_sequential_replays(void)
{
    long total = complaints_total(), records = complaint_records();
    cJSON *first = create_keyed(create_params, "seq-key-1");
    char *first_text = result_text(first), id[32] = "";

    CHECK(kh_ok(first));
    snprintf(id, sizeof(id), "%s", kh_str(first, "id") ? kh_str(first, "id") : "");
    CHECK(id[0] == 'C');
    for (int i = 0; i < 10; i++) {
        cJSON *r = create_keyed(create_params, "seq-key-1");
        char *t = result_text(r);
        CHECK(kh_ok(r));
        CHECK_STR(kh_str(r, "id"), id);
        /* The first call's result, byte for byte (same created_at, version). */
        CHECK_STR(t, first_text);
        cJSON_free(t);
        cJSON_Delete(r);
    }
    CHECK_INT(complaints_total(), total + 1);
    CHECK_INT(complaint_records(), records + 1);
    {
        /* One history entry: the create happened once. */
        char args[96];
        snprintf(args, sizeof(args), "LLEN kefu:complaint:%s:history", id);
        CHECK_INT(kh_redis_int(&redis, args), 1);
    }
    /* Without a key, the same params are a new complaint each time. */
    cJSON *a = create_keyed(create_params, NULL), *b = create_keyed(create_params, NULL);
    CHECK(kh_ok(a) && kh_ok(b));
    CHECK(kh_str(a, "id") && kh_str(b, "id") && strcmp(kh_str(a, "id"), kh_str(b, "id")) != 0);
    CHECK_INT(complaints_total(), total + 3);
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_free(first_text);
    cJSON_Delete(first);
}

/* The same params in another member order are the same params. */
static void test_member_order_does_not_matter(void)
{
    long total = complaints_total();
    cJSON *a = create_keyed(create_params, "order-key");
    cJSON *b = create_keyed(create_params_reordered, "order-key");

    CHECK(kh_ok(a));
    CHECK(kh_ok(b));
    CHECK(kh_str(a, "id") && kh_str(b, "id") && strcmp(kh_str(a, "id"), kh_str(b, "id")) == 0);
    CHECK_INT(complaints_total(), total + 1);
    cJSON_Delete(a);
    cJSON_Delete(b);
}

/* ---- concurrent callers ---- */

#define RACERS 10

typedef struct {
    pthread_barrier_t *start;
    const char *key;
    cJSON *reply;
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    kefu_sync_client *c;
    kefu_error err;
    cJSON *params = cJSON_Parse(create_params);
    kefu_call_opts o = {.deadline_ms = 10000, .max_attempts = 1, .idempotency_key = r->key};

    /* Connect first, so the requests leave together. */
    c = kefu_sync_client_open(svc.addr, &err);
    if (c) {
        cJSON *warm = NULL;
        kefu_call_opts w = {.deadline_ms = 5000, .max_attempts = 1};
        kefu_sync_client_call(c, "sys.Health", NULL, &w, &warm, &err);
        cJSON_Delete(warm);
    }
    pthread_barrier_wait(r->start);
    if (c) {
        kefu_sync_client_call(c, "complaints.Create", params, &o, &r->reply, &err);
        kefu_sync_client_close(c);
    }
    cJSON_Delete(params);
    return NULL;
}

static void test_concurrent_same_key(void)
{
    for (int round = 0; round < 3; round++) {
        pthread_t th[RACERS];
        racer rs[RACERS];
        pthread_barrier_t start;
        char key[32];
        long total = complaints_total(), records = complaint_records();
        const char *id = NULL;
        int ok = 0;

        snprintf(key, sizeof(key), "race-key-%d", round);
        pthread_barrier_init(&start, NULL, RACERS);
        for (int i = 0; i < RACERS; i++) {
            rs[i] = (racer){.start = &start, .key = key};
            pthread_create(&th[i], NULL, race, &rs[i]);
        }
        for (int i = 0; i < RACERS; i++)
            pthread_join(th[i], NULL);
        pthread_barrier_destroy(&start);
        for (int i = 0; i < RACERS; i++) {
            if (!kh_ok(rs[i].reply)) {
                char *t = rs[i].reply ? cJSON_PrintUnformatted(rs[i].reply) : NULL;
                fprintf(stderr, "  racer %d: %s\n", i, t ? t : "no reply");
                cJSON_free(t);
                continue;
            }
            ok++;
            if (!id)
                id = kh_str(rs[i].reply, "id");
            CHECK_STR(kh_str(rs[i].reply, "id"), id);
        }
        CHECK_INT(ok, RACERS);
        CHECK_INT(complaints_total(), total + 1);
        CHECK_INT(complaint_records(), records + 1);
        for (int i = 0; i < RACERS; i++)
            cJSON_Delete(rs[i].reply);
    }
}

static void test_same_key_different_params(void)
{
    cJSON *p = cJSON_Parse(create_params), *a, *b, *c;
    char *other;
    long total;

    a = create_keyed(create_params, "diff-key");
    CHECK(kh_ok(a));
    total = complaints_total();
    cJSON_ReplaceItemInObject(p, "title", cJSON_CreateString("灯管闪烁"));
    other = cJSON_PrintUnformatted(p);
    b = create_keyed(other, "diff-key");
    CHECK_INT(kh_code(b), 9);
    CHECK_STR(kefu_json_str(kefu_json_get(b, "error"), "status"), "FAILED_PRECONDITION");
    CHECK(strstr(kefu_json_str(kefu_json_get(b, "error"), "message")
                     ? kefu_json_str(kefu_json_get(b, "error"), "message")
                     : "",
                 "idempotency key reused with different params") != NULL);
    CHECK_INT(complaints_total(), total);
    /* The original params still replay; the refusal changed nothing. */
    c = create_keyed(create_params, "diff-key");
    CHECK(kh_ok(c));
    CHECK_STR(kh_str(c, "id"), kh_str(a, "id"));
    CHECK_INT(complaints_total(), total);
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_Delete(c);
    cJSON_free(other);
    cJSON_Delete(p);
}

/*
 * Keys are per method: the key used on complaints.Create does not answer a
 * complaints.Get carrying the same key (neither with Create's result nor
 * with FAILED_PRECONDITION for its different params).
 */
static void test_key_is_per_method(void)
{
    cJSON *a = create_keyed(create_params, "method-key");
    cJSON *b = create_keyed(create_params, NULL);
    char params[64];
    kefu_call_opts o = {.deadline_ms = 5000, .max_attempts = 1, .idempotency_key = "method-key"};
    cJSON *g;

    CHECK(kh_ok(a) && kh_ok(b));
    snprintf(params, sizeof(params), "{\"id\":\"%s\"}", kh_str(b, "id") ? kh_str(b, "id") : "");
    g = kh_call(svc.addr, "complaints.Get", params, &o);
    CHECK(kh_ok(g));
    CHECK_STR(kh_str(g, "id"), kh_str(b, "id"));
    cJSON_Delete(g);
    /* And a key first seen on Get is fresh for Create. */
    o.idempotency_key = "get-first-key";
    g = kh_call(svc.addr, "complaints.Get", params, &o);
    CHECK(kh_ok(g));
    cJSON_Delete(g);
    {
        long total = complaints_total();
        cJSON *c = create_keyed(create_params, "get-first-key");
        CHECK(kh_ok(c));
        CHECK(kh_str(c, "id") && strcmp(kh_str(c, "id"), kh_str(b, "id")) != 0);
        CHECK_INT(complaints_total(), total + 1);
        cJSON_Delete(c);
    }
    cJSON_Delete(a);
    cJSON_Delete(b);
}

/* A replay is answered under the new request's id, not the first one's. */
static void test_replay_under_new_request_id(void)
{
    size_t n = strlen(create_params) + 256;
    char *req = malloc(n);
    cJSON *a, *b, *c;

    snprintf(req, n,
             "{\"id\":\"first-call\",\"method\":\"complaints.Create\",\"params\":%s,"
             "\"meta\":{\"idempotency_key\":\"echo-key\"}}",
             create_params);
    a = send_text(req);
    snprintf(req, n,
             "{\"id\":42,\"method\":\"complaints.Create\",\"params\":%s,"
             "\"meta\":{\"idempotency_key\":\"echo-key\",\"trace_id\":\"tr-replay\"}}",
             create_params);
    b = send_text(req);
    snprintf(req, n,
             "{\"method\":\"complaints.Create\",\"params\":%s,"
             "\"meta\":{\"idempotency_key\":\"echo-key\"}}",
             create_params);
    c = send_text(req);
    CHECK(kh_ok(a) && kh_ok(b) && kh_ok(c));
    CHECK_STR(kefu_json_str(a, "id"), "first-call");
    CHECK(cJSON_IsNumber(kefu_json_get(b, "id")) && kefu_json_get(b, "id")->valuedouble == 42);
    CHECK(cJSON_IsNull(kefu_json_get(c, "id")));
    CHECK_STR(kh_str(b, "id"), kh_str(a, "id"));
    CHECK_STR(kh_str(c, "id"), kh_str(a, "id"));
    /* The replay carries this request's trace id. */
    CHECK_STR(kefu_json_str(kefu_json_get(b, "meta"), "trace_id"), "tr-replay");
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_Delete(c);
    free(req);
}

/* The key's record is kept for 24 hours: no less (replays work), no more. */
static void test_key_kept_24_hours(void)
{
    cJSON *a = create_keyed(create_params, "ttl-key-5c1e");
    /* The record's key: NS:idem:<method>:<sha1 of "<principal>\n<key>">. */
    char digest[41], pattern[128];
    kefu_sha1_hex("local\nttl-key-5c1e", strlen("local\nttl-key-5c1e"), digest);
    snprintf(pattern, sizeof(pattern), "--scan --pattern '*:idem:complaints.Create:%s'", digest);
    char *keys = kh_redis_cli(&redis, pattern);
    char key[256] = "", args[300];
    long ttl;

    CHECK(kh_ok(a));
    CHECK(keys && sscanf(keys, "%255s", key) == 1);
    snprintf(args, sizeof(args), "PTTL '%s'", key);
    ttl = kh_redis_int(&redis, args);
    CHECK(ttl > 86400000L - 60000L && ttl <= 86400000L);
    free(keys);
    cJSON_Delete(a);
}

static void test_key_length(void)
{
    char key[600];
    long total = complaints_total();
    cJSON *r;

    /* 129 characters: refused before anything is written. */
    memset(key, 'k', 129);
    key[129] = '\0';
    r = create_keyed(create_params, key);
    CHECK_INT(kh_code(r), 3);
    CHECK_STR(kh_field(r), "meta.idempotency_key");
    cJSON_Delete(r);
    /* Empty: refused. */
    r = create_keyed(create_params, "");
    CHECK_INT(kh_code(r), 3);
    CHECK_STR(kh_field(r), "meta.idempotency_key");
    cJSON_Delete(r);
    CHECK_INT(complaints_total(), total);
    /* 128 characters: fine. */
    key[128] = '\0';
    r = create_keyed(create_params, key);
    CHECK(kh_ok(r));
    cJSON_Delete(r);
    /* Counted in characters: 128 Chinese characters (384 bytes) are fine, 129 are not. */
    key[0] = '\0';
    for (int i = 0; i < 128; i++)
        strcat(key, "键");
    r = create_keyed(create_params, key);
    CHECK(kh_ok(r));
    cJSON_Delete(r);
    strcat(key, "键");
    r = create_keyed(create_params, key);
    CHECK_INT(kh_code(r), 3);
    CHECK_STR(kh_field(r), "meta.idempotency_key");
    cJSON_Delete(r);
    /* Not a string. */
    {
        size_t n = strlen(create_params) + 128;
        char *req = malloc(n);
        snprintf(req, n,
                 "{\"id\":\"k\",\"method\":\"complaints.Create\",\"params\":%s,"
                 "\"meta\":{\"idempotency_key\":17}}",
                 create_params);
        r = send_text(req);
        CHECK_INT(kh_code(r), 3);
        CHECK_STR(kh_field(r), "meta.idempotency_key");
        cJSON_Delete(r);
        free(req);
    }
    CHECK_INT(complaints_total(), total + 2);
}

KEFU_TESTS = {
    {"sequential_replays", test_sequential_replays},
    {"member_order_does_not_matter", test_member_order_does_not_matter},
    {"concurrent_same_key", test_concurrent_same_key},
    {"same_key_different_params", test_same_key_different_params},
    {"key_is_per_method", test_key_is_per_method},
    {"replay_under_new_request_id", test_replay_under_new_request_id},
    {"key_kept_24_hours", test_key_kept_24_hours},
    {"key_length", test_key_length},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return kh_suite_main(argc, argv, &redis, &svc, "complaints", NULL);
}
