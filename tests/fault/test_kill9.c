/*
 * fault.kill9 - SPEC sections 1, 8 and 9 when the service process dies:
 * SIGKILL while 16 callers create complaints with idempotency keys, then a
 * restart and a resend of everything whose reply was lost, with the same
 * keys: every key maps to exactly one complaint (none doubled, none of the
 * acknowledged ones lost). And SIGTERM under load: every reply that came is
 * a proper one, and the process exits 0.
 */
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "harness.h"
#include "json.h"
#include "test.h"

#define WORKERS    16
#define PER_WORKER 40

static kh_redis redis;

static const char *create_params =
    "{\"customer\":{\"id\":\"K9\",\"name\":\"华光照明\"},\"product\":{\"model\":\"CFL-18W\"},"
    "\"channel\":\"phone\",\"category\":\"quality\",\"title\":\"%s\","
    "\"description\":\"到货即不亮\",\"received_by\":{\"name\":\"王芳\",\"department\":\"QA\"}}";

typedef struct {
    int n;
    const char *prefix; /* of keys and titles: "<prefix>-<n>-<i>" */
    const char *addr;
    atomic_bool *stop;
    atomic_int *acked;
    int sent;                 /* keys 0..sent-1 were sent (or about to be) */
    char ids[PER_WORKER][32]; /* the acknowledged id, or "" */
    int unavailable;          /* proper UNAVAILABLE refusals */
    int bad;                  /* replies that are neither */
    char bad_text[256];
} worker;

static void key_of(const worker *w, int i, char *out, size_t cap)
{
    snprintf(out, cap, "%s-%d-%d", w->prefix, w->n, i);
}

/* complaints.Create for key i of `w` on client `c` (a fresh one when NULL). */
static cJSON *send_key(const worker *w, int i, const char *addr, kefu_sync_client *c,
                       int64_t deadline_ms, int attempts)
{
    char key[64], params[1024];
    cJSON *p, *reply = NULL;
    kefu_call_opts o = {
        .deadline_ms = deadline_ms, .max_attempts = attempts, .idempotency_key = key};
    kefu_error err;

    key_of(w, i, key, sizeof(key));
    snprintf(params, sizeof(params), create_params, key);
    p = cJSON_Parse(params);
    if (c) {
        kefu_sync_client_call(c, "complaints.Create", p, &o, &reply, &err);
    } else {
        kefu_sync_client *own = kefu_sync_client_open(addr, &err);
        if (own) {
            kefu_sync_client_call(own, "complaints.Create", p, &o, &reply, &err);
            kefu_sync_client_close(own);
        }
    }
    cJSON_Delete(p);
    return reply;
}

/* A correct id: C<year>-<6 digits>. */
static bool id_ok(const char *id)
{
    if (!id || strlen(id) != 12 || id[0] != 'C' || id[5] != '-')
        return false;
    for (int i = 1; i < 12; i++) {
        if (i != 5 && (id[i] < '0' || id[i] > '9'))
            return false;
    }
    return true;
}

static void *work(void *arg)
{
    worker *w = arg;
    kefu_error err;
    kefu_sync_client *c = kefu_sync_client_open(w->addr, &err);

    for (int i = 0; c && i < PER_WORKER && !atomic_load(w->stop); i++) {
        cJSON *r;
        w->sent = i + 1;
        r = send_key(w, i, w->addr, c, 1500, 1);
        if (!r)
            break; /* lost: the service is gone */
        if (kh_ok(r) && id_ok(kh_str(r, "id"))) {
            snprintf(w->ids[i], sizeof(w->ids[i]), "%s", kh_str(r, "id"));
            atomic_fetch_add(w->acked, 1);
        } else if (kh_code(r) == 14) {
            w->unavailable++; /* shutting down: a proper refusal, retryable */
        } else {
            char *t = cJSON_PrintUnformatted(r);
            if (!w->bad++)
                snprintf(w->bad_text, sizeof(w->bad_text), "%s", t ? t : "");
            cJSON_free(t);
        }
        cJSON_Delete(r);
    }
    kefu_sync_client_close(c);
    return NULL;
}

static void start_workers(worker *ws, pthread_t *th, const char *prefix, const char *addr,
                          atomic_bool *stop, atomic_int *acked)
{
    for (int i = 0; i < WORKERS; i++) {
        memset(&ws[i], 0, sizeof(ws[i]));
        ws[i].n = i;
        ws[i].prefix = prefix;
        ws[i].addr = addr;
        ws[i].stop = stop;
        ws[i].acked = acked;
        pthread_create(&th[i], NULL, work, &ws[i]);
    }
}

/* Waits until `acked` reaches `n` or `ms` pass. */
static void wait_acked(atomic_int *acked, int n, int ms)
{
    int64_t end = kefu_mono_us() / 1000 + ms;
    while (atomic_load(acked) < n && kefu_mono_us() / 1000 < end)
        kh_sleep_ms(2);
}

static long zcard_all(redisContext *rc)
{
    redisReply *r = redisCommand(rc, "ZCARD kefu:complaints:idx:all");
    long n = r && r->type == REDIS_REPLY_INTEGER ? (long)r->integer : -1;
    freeReplyObject(r);
    return n;
}

/* The record of `id` holds title `title`. */
static bool record_has_title(redisContext *rc, const char *id, const char *title)
{
    /* A record is a hash of JSON-text fields. */
    redisReply *r = redisCommand(rc, "HGET kefu:complaint:%s title", id);
    bool ok = false;
    if (r && r->type == REDIS_REPLY_STRING) {
        cJSON *t = cJSON_Parse(r->str);
        ok = cJSON_IsString(t) && strcmp(t->valuestring, title) == 0;
        cJSON_Delete(t);
    }
    freeReplyObject(r);
    return ok;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/*
 * Resends every key the workers sent, on `addr`, and checks that each key
 * has exactly one complaint: acknowledged ones keep their id, the rest get
 * one now, all ids differ, and Redis holds exactly that many new records.
 */
static void resend_and_check(worker *ws, const char *addr, redisContext *rc, long before)
{
    static char ids[WORKERS * PER_WORKER][32];
    int n = 0, lost = 0, acked = 0;

    for (int w = 0; w < WORKERS; w++) {
        for (int i = 0; i < ws[w].sent; i++) {
            char key[64];
            cJSON *r = send_key(&ws[w], i, addr, NULL, 5000, 3);
            const char *id = kh_str(r, "id");

            key_of(&ws[w], i, key, sizeof(key));
            CHECK(kh_ok(r) && id_ok(id));
            if (ws[w].ids[i][0]) {
                acked++;
                /* A replay: the acknowledged complaint, not a new one. */
                CHECK_STR(id, ws[w].ids[i]);
            } else {
                lost++;
            }
            CHECK(id && record_has_title(rc, id, key));
            snprintf(ids[n++], sizeof(ids[0]), "%s", id ? id : "");
            cJSON_Delete(r);
        }
    }
    qsort(ids, (size_t)n, sizeof(ids[0]), cmp_str);
    for (int i = 1; i < n; i++) {
        if (strcmp(ids[i - 1], ids[i]) == 0) {
            fprintf(stderr, "  two keys got complaint %s\n", ids[i]);
            kefu_test_failed_checks++;
        }
    }
    /* Nothing more was created than one per key. */
    CHECK_INT(zcard_all(rc), before + n);
    fprintf(stderr, "  %d keys: %d acknowledged before, %d resent after losing the reply\n", n,
            acked, lost);
}

/*
 * Stops the callers and checks what they saw: every reply a result or a
 * retryable refusal (no garbage), and every acknowledged complaint stored in
 * Redis before any resend. Returns how many were refused as UNAVAILABLE.
 */
static int join_and_check(worker *ws, pthread_t *th, atomic_bool *stop, redisContext *rc)
{
    int bad = 0, unavailable = 0;

    atomic_store(stop, true);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < WORKERS; i++) {
        if (ws[i].bad)
            fprintf(stderr, "  worker %d got: %s\n", i, ws[i].bad_text);
        bad += ws[i].bad;
        unavailable += ws[i].unavailable;
    }
    CHECK_INT(bad, 0);
    for (int w = 0; w < WORKERS; w++) {
        for (int i = 0; i < ws[w].sent; i++) {
            char key[64];
            key_of(&ws[w], i, key, sizeof(key));
            if (ws[w].ids[i][0])
                CHECK(record_has_title(rc, ws[w].ids[i], key));
        }
    }
    return unavailable;
}

static void test_kill9_under_load(void)
{
    kh_service svc, again;
    worker *ws = calloc(WORKERS, sizeof(*ws));
    pthread_t th[WORKERS];
    atomic_bool stop = false;
    atomic_int acked = 0;
    redisContext *rc = redisConnect("127.0.0.1", redis.port);
    long before;

    CHECK(rc && !rc->err);
    before = zcard_all(rc);
    if (!kh_service_start(&svc, "complaints", redis.url, NULL)) {
        CHECK(!"service started");
        goto out;
    }
    start_workers(ws, th, "k9", svc.addr, &stop, &acked);
    wait_acked(&acked, 150, 20000);
    CHECK(atomic_load(&acked) >= 150);
    kh_service_kill(&svc); /* requests are in flight from 16 callers */
    join_and_check(ws, th, &stop, rc);

    if (!kh_service_start(&again, "complaints", redis.url, NULL)) {
        CHECK(!"service restarted");
        goto out;
    }
    resend_and_check(ws, again.addr, rc, before);
    CHECK_INT(kh_service_stop(&again), 0);
out:
    if (rc)
        redisFree(rc);
    free(ws);
}

static void test_sigterm_under_load(void)
{
    kh_service svc, again;
    worker *ws = calloc(WORKERS, sizeof(*ws));
    pthread_t th[WORKERS];
    atomic_bool stop = false;
    atomic_int acked = 0;
    redisContext *rc = redisConnect("127.0.0.1", redis.port);
    long before;
    int unavailable = 0, rc_exit;

    CHECK(rc && !rc->err);
    before = zcard_all(rc);
    if (!kh_service_start(&svc, "complaints", redis.url, NULL)) {
        CHECK(!"service started");
        goto out;
    }
    start_workers(ws, th, "term", svc.addr, &stop, &acked);
    wait_acked(&acked, 100, 20000);
    CHECK(atomic_load(&acked) >= 100);
    /* SIGTERM while the callers keep sending; waits for the exit. */
    rc_exit = kh_service_stop(&svc);
    CHECK_INT(rc_exit, 0);
    unavailable = join_and_check(ws, th, &stop, rc);
    fprintf(stderr, "  %d acknowledged, %d refused as shutting down\n", atomic_load(&acked),
            unavailable);
    /* And the rest can be retried safely on the next instance. */
    if (!kh_service_start(&again, "complaints", redis.url, NULL)) {
        CHECK(!"service restarted");
        goto out;
    }
    resend_and_check(ws, again.addr, rc, before);
    CHECK_INT(kh_service_stop(&again), 0);
out:
    if (rc)
        redisFree(rc);
    free(ws);
}

KEFU_TESTS = {
    {"kill9_under_load", test_kill9_under_load},
    {"sigterm_under_load", test_sigterm_under_load},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return kh_suite_main(argc, argv, &redis, NULL, NULL, NULL);
}
