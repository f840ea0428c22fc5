/*
 * fault.outbox - the transactional outbox under failure (SPEC section 6,
 * README "Cross-service flows"), with real kefu-complaints and kefu-visits
 * processes and a real Redis:
 *
 *   - the peer down: complaints.Resolve while kefu-visits is not running
 *     succeeds at once; the follow-up appears once visits is started;
 *   - kill -9 of the relaying service mid-delivery (its request already in
 *     the peer's socket, the peer frozen with SIGSTOP): after a restart the
 *     entry is delivered again under the same idempotency key, and the
 *     complaint exists exactly once;
 *   - two replicas relaying one outbox: every entry delivered by exactly one
 *     of them, each effect once.
 *
 * Relays run with --outbox-lease-ms 2000 so an abandoned entry comes back
 * within seconds.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "json.h"
#include "test.h"
#include "timeutil.h"

static kh_redis redis;

/* A call to `addr`, params from printf. */
#define call(addr, method, ...)                                                                    \
    kh_callf((addr), &(kefu_call_opts){.deadline_ms = 5000}, (method), __VA_ARGS__)

/* Today in the business zone (UTC+08:00), the services' default. */
static void today(char out[11])
{
    kefu_date d = kefu_time_to_date((kefu_ms)time(NULL) * 1000, 480);
    kefu_date_format(d, out);
}

/* Starts `name` on `port` (0: any) with its peer `peer`=`peer_addr`. */
static bool start(kh_service *s, const char *name, int port, const char *peer,
                  const char *peer_addr)
{
    char flag[160];
    const char *extra[] = {"--peer", flag, "--outbox-lease-ms", "2000", NULL};

    snprintf(flag, sizeof(flag), "%s=%s", peer, peer_addr);
    return kh_service_start_at(s, name, redis.url, port, extra);
}

/* The outbox part of sys.Metrics of `addr` (caller deletes the reply). */
static cJSON *metrics(const char *addr, const cJSON **outbox)
{
    cJSON *r = call(addr, "sys.Metrics", "{}");
    *outbox = kh_path(kh_result(r), "outbox");
    return r;
}

static long long outbox_int(const char *addr, const char *field)
{
    const cJSON *ob;
    cJSON *r = metrics(addr, &ob);
    long long v = kh_path_int(ob, field);
    cJSON_Delete(r);
    return v;
}

/* Calls of `method` answered by `addr` (any status), from sys.Metrics. */
static long long calls_of(const char *addr, const char *method)
{
    cJSON *r = call(addr, "sys.Metrics", "{}");
    const cJSON *m;
    long long n = 0;

    cJSON_ArrayForEach(m, kh_path(kh_result(r), "methods"))
    {
        if (kh_path_str(m, "name") && strcmp(kh_path_str(m, "name"), method) == 0)
            n = kh_path_int(m, "calls");
    }
    cJSON_Delete(r);
    return n;
}

/* Waits up to `ms` for the outbox at `addr` to have nothing pending. */
static bool drained(const char *addr, int ms)
{
    for (int t = 0; t < ms; t += 50) {
        cJSON *r = call(addr, "sys.Outbox", "{}");
        long long pending = kh_path_int(kh_result(r), "pending");
        cJSON_Delete(r);
        if (pending == 0)
            return true;
        kh_sleep_ms(50);
    }
    return false;
}

/* A complaint of customer `cust` taken to resolved at `addr`; its id in `id`. */
static bool resolved_complaint(const char *addr, const char *cust, char id[32])
{
    cJSON *r = call(addr, "complaints.Create",
                    "{\"customer\":{\"id\":\"%s\",\"name\":\"客户 %s\"},\"product\":{\"model\":"
                    "\"CFL-18W\"},\"channel\":\"phone\",\"category\":\"quality\",\"title\":"
                    "\"灯管不亮\",\"description\":\"到货即不亮\",\"received_by\":{\"name\":"
                    "\"王芳\",\"department\":\"QA\"}}",
                    cust, cust);
    bool good = kh_ok(r) && kh_str(r, "id");

    if (good)
        snprintf(id, 32, "%s", kh_str(r, "id"));
    cJSON_Delete(r);
    if (!good)
        return false;
    r = call(addr, "complaints.Assign", "{\"id\":\"%s\",\"department\":\"Production\"}", id);
    good = kh_ok(r);
    cJSON_Delete(r);
    if (!good)
        return false;
    r = call(addr, "complaints.Resolve",
             "{\"id\":\"%s\",\"root_cause\":\"虚焊\",\"correction\":\"更换\",\"resolved_by\":{"
             "\"name\":\"张伟\",\"department\":\"Production\"}}",
             id);
    good = kh_ok(r) && kh_str(r, "status") && strcmp(kh_str(r, "status"), "resolved") == 0;
    cJSON_Delete(r);
    return good;
}

/* The open follow-up planned visits of complaint `cid` in visits at `addr`,
 * counted over Due (everything due up to a year from now). */
static int followups_of(const char *addr, const char *cid)
{
    char on[11];
    int n = 0;
    cJSON *r;
    const cJSON *item;

    today(on);
    r = call(addr, "visits.Due", "{\"on\":\"%s\",\"window_days\":366,\"limit\":500}", on);
    cJSON_ArrayForEach(item, kh_path(kh_result(r), "items"))
    {
        const char *kind = kh_path_str(item, "kind"), *ref = kh_path_str(item, "ref");
        if (kind && ref && strcmp(kind, "followup") == 0 && strcmp(ref, cid) == 0)
            n++;
    }
    cJSON_Delete(r);
    return n;
}

static int wait_followups(const char *addr, const char *cid, int ms)
{
    int n = 0;
    for (int t = 0; t < ms && (n = followups_of(addr, cid)) == 0; t += 100)
        kh_sleep_ms(100);
    return n;
}

static void test_peer_down_delays_never_drops(void)
{
    kh_service complaints, visits;
    int vport = kh_free_port();
    char vaddr[64], cid[32];

    snprintf(vaddr, sizeof(vaddr), "tcp://127.0.0.1:%d", vport);
    if (!start(&complaints, "complaints", 0, "visits", vaddr)) {
        CHECK(!"complaints started");
        return;
    }
    /* visits is not running: Resolve still succeeds at once. */
    CHECK(resolved_complaint(complaints.addr, "DOWN-1", cid));
    kh_sleep_ms(1500); /* a first attempt fails (no reply within its deadline) */
    CHECK_INT(outbox_int(complaints.addr, "pending"), 1);
    CHECK(outbox_int(complaints.addr, "oldest_pending_age_ms") >= 1000);
    {
        cJSON *r = call(complaints.addr, "sys.Outbox", "{}");
        CHECK_STR(kh_str(r, "entries.0.method"), "visits.ScheduleFollowUp");
        CHECK_STR(kh_str(r, "entries.0.params.complaint_id"), cid);
        CHECK(kh_path_int(kh_result(r), "entries.0.attempts") >= 1);
        cJSON_Delete(r);
    }

    if (!start(&visits, "visits", vport, "complaints", complaints.addr)) {
        CHECK(!"visits started");
        kh_service_stop(&complaints);
        return;
    }
    CHECK_INT(wait_followups(visits.addr, cid, 40000), 1);
    CHECK(drained(complaints.addr, 5000));
    CHECK_INT(outbox_int(complaints.addr, "delivered"), 1);
    CHECK_INT(outbox_int(complaints.addr, "failed"), 0);
    kh_sleep_ms(300);
    CHECK_INT(followups_of(visits.addr, cid), 1);
    /* Delivery is at least once: a request queued while visits was down may
     * arrive as well as its retry, which visits answers from its
     * idempotency record. At most one call per attempt, one effect. */
    {
        long long calls = calls_of(visits.addr, "visits.ScheduleFollowUp");
        CHECK(calls >= 1 && calls <= 1 + outbox_int(complaints.addr, "retries"));
    }
    CHECK_INT(kh_service_stop(&visits), 0);
    CHECK_INT(kh_service_stop(&complaints), 0);
}

/* SIGTERM while a delivery waits on a peer that is down: the stop does not
 * wait for the delivery's deadline (10 s with a 30 s lease), and the entry is
 * left due at once, not leased: the restarted service delivers it as soon
 * as the peer is up, long before the lease would have ended. */
static void test_clean_stop_leaves_no_lease(void)
{
    kh_service complaints, visits;
    int vport = kh_free_port();
    char vaddr[64], cid[32], flag[96];
    const char *extra[] = {"--peer", flag, "--outbox-lease-ms", "30000", NULL};
    struct timespec t0, t1;

    snprintf(vaddr, sizeof(vaddr), "tcp://127.0.0.1:%d", vport);
    snprintf(flag, sizeof(flag), "visits=%s", vaddr);
    if (!kh_service_start(&complaints, "complaints", redis.url, extra)) {
        CHECK(!"complaints started");
        return;
    }
    CHECK(resolved_complaint(complaints.addr, "STOP-1", cid));
    kh_sleep_ms(500); /* its delivery is waiting on the absent peer */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_INT(kh_service_stop(&complaints), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    CHECK(t1.tv_sec - t0.tv_sec < 5);
    if (!start(&visits, "visits", vport, "complaints", "tcp://127.0.0.1:1") ||
        !kh_service_start(&complaints, "complaints", redis.url, extra)) {
        CHECK(!"visits and complaints started");
        return;
    }
    CHECK_INT(wait_followups(visits.addr, cid, 10000), 1);
    CHECK_INT(kh_service_stop(&visits), 0);
    CHECK_INT(kh_service_stop(&complaints), 0);
}

/* Complaints of customer `cust` at `addr` (their count). */
static int complaints_of(const char *addr, const char *cust)
{
    cJSON *r = call(addr, "complaints.List", "{\"customer_id\":\"%s\",\"limit\":500}", cust);
    int n = cJSON_GetArraySize(kh_path(kh_result(r), "items"));
    cJSON_Delete(r);
    return n;
}

/* An account for customer `cust` in visits at `addr`; its id in `id`. */
static bool enrolled(const char *addr, const char *cust, char id[16])
{
    cJSON *r = call(addr, "visits.Enroll",
                    "{\"customer\":{\"id\":\"%s\",\"name\":\"客户 %s\"},\"project\":{\"name\":"
                    "\"厂房照明\"},\"delivered_on\":\"2026-06-15\",\"department\":\"CS\"}",
                    cust, cust);
    bool good = kh_ok(r) && kh_str(r, "id");
    if (good)
        snprintf(id, 16, "%s", kh_str(r, "id"));
    cJSON_Delete(r);
    return good;
}

/* visits.Record on account `acc` raising one complaint; the visit id in `vid`. */
static bool recorded_with_complaint(const char *addr, const char *acc, const char *text,
                                    char vid[32])
{
    char on[11];
    cJSON *r;
    bool good;

    today(on);
    r = call(addr, "visits.Record",
             "{\"account_id\":\"%s\",\"visited_on\":\"%s\",\"method\":\"phone\",\"contact\":"
             "\"李雷\",\"summary\":\"回访\",\"issues\":[{\"kind\":\"complaint\",\"text\":\"%s\","
             "\"severity\":\"major\",\"product\":{\"model\":\"DL-7W\"}}]}",
             acc, on, text);
    good = kh_ok(r) && kh_str(r, "id");
    if (good)
        snprintf(vid, 32, "%s", kh_str(r, "id"));
    else
        fprintf(stderr, "  visits.Record: %s\n", r ? cJSON_PrintUnformatted(r) : "no reply");
    cJSON_Delete(r);
    return good;
}

/* Waits for the visit's first issue to carry its complaint id. */
static bool issue_linked(const char *addr, const char *vid, int ms)
{
    for (int t = 0; t < ms; t += 100) {
        cJSON *r = call(addr, "visits.Get", "{\"id\":\"%s\"}", vid);
        bool linked = kh_str(r, "issues.0.complaint_id") != NULL;
        cJSON_Delete(r);
        if (linked)
            return true;
        kh_sleep_ms(100);
    }
    return false;
}

static void test_kill9_mid_delivery_effect_once(void)
{
    kh_service complaints, visits;
    int vport = kh_free_port();
    char vaddr[64], acc[16], v1[32], v2[32];
    long long creates_before, creates_after;

    snprintf(vaddr, sizeof(vaddr), "tcp://127.0.0.1:%d", vport);
    if (!start(&complaints, "complaints", 0, "visits", vaddr)) {
        CHECK(!"complaints started");
        return;
    }
    if (!start(&visits, "visits", vport, "complaints", complaints.addr)) {
        CHECK(!"visits started");
        kh_service_stop(&complaints);
        return;
    }
    CHECK(enrolled(visits.addr, "K9-1", acc));
    /* A first delivery connects the relay to complaints. */
    CHECK(recorded_with_complaint(visits.addr, acc, "第一次", v1));
    CHECK(issue_linked(visits.addr, v1, 10000));
    creates_before = calls_of(complaints.addr, "complaints.Create");

    /* complaints freezes; the next delivery's request goes into its socket;
     * the relaying visits process dies before any answer can come. */
    kill(complaints.pid, SIGSTOP);
    CHECK(recorded_with_complaint(visits.addr, acc, "第二次", v2));
    kh_sleep_ms(300);
    kh_service_kill(&visits);
    kill(complaints.pid, SIGCONT);

    /* visits again, same port: the entry's lease ends and it is sent again
     * under the same idempotency key. */
    if (!start(&visits, "visits", vport, "complaints", complaints.addr)) {
        CHECK(!"visits restarted");
        kh_service_stop(&complaints);
        return;
    }
    CHECK(issue_linked(visits.addr, v2, 20000));
    CHECK(drained(visits.addr, 10000));
    creates_after = calls_of(complaints.addr, "complaints.Create");
    /* Two visits raised two complaints: exactly two exist, however many
     * times the second was delivered. */
    CHECK_INT(complaints_of(complaints.addr, "K9-1"), 2);
    CHECK(creates_after - creates_before >= 1);
    if (creates_after - creates_before >= 2)
        fprintf(stderr, "  (the frozen delivery was applied, then replayed: %lld Create calls)\n",
                creates_after - creates_before);
    {
        cJSON *a = call(visits.addr, "visits.Get", "{\"id\":\"%s\"}", v1);
        cJSON *b = call(visits.addr, "visits.Get", "{\"id\":\"%s\"}", v2);
        const char *c1 = kh_str(a, "issues.0.complaint_id"),
                   *c2 = kh_str(b, "issues.0.complaint_id");
        CHECK(c1 && c2 && strcmp(c1, c2) != 0);
        if (c2) {
            cJSON *c = call(complaints.addr, "complaints.Get", "{\"id\":\"%s\"}", c2);
            CHECK_STR(kh_str(c, "channel"), "visit");
            CHECK_STR(kh_str(c, "description"), "第二次");
            cJSON_Delete(c);
        }
        cJSON_Delete(a);
        cJSON_Delete(b);
    }
    CHECK_INT(kh_service_stop(&visits), 0);
    CHECK_INT(kh_service_stop(&complaints), 0);
}

#define REPLICA_VISITS 40

static void test_two_replicas_each_entry_once(void)
{
    kh_service complaints, v1, v2;
    int vport = kh_free_port();
    char vaddr[64], acc[16], vid[32];
    const kh_service *replicas[2] = {&v1, &v2};
    int ok = 0;

    snprintf(vaddr, sizeof(vaddr), "tcp://127.0.0.1:%d", vport);
    if (!start(&complaints, "complaints", 0, "visits", vaddr)) {
        CHECK(!"complaints started");
        return;
    }
    if (!start(&v1, "visits", 0, "complaints", complaints.addr) ||
        !start(&v2, "visits", 0, "complaints", complaints.addr)) {
        CHECK(!"two visits replicas started");
        kh_service_stop(&complaints);
        return;
    }
    CHECK(enrolled(v1.addr, "TWO-1", acc));
    /* Each replica records visits; both relays work the one outbox. */
    for (int i = 0; i < REPLICA_VISITS; i++) {
        char text[32];
        snprintf(text, sizeof(text), "问题 %d", i);
        ok += recorded_with_complaint(replicas[i % 2]->addr, acc, text, vid);
    }
    CHECK_INT(ok, REPLICA_VISITS);
    CHECK(drained(v1.addr, 20000));
    CHECK_INT(complaints_of(complaints.addr, "TWO-1"), REPLICA_VISITS);
    /* No entry was delivered by both replicas: their acknowledgements add up
     * to the entries, and complaints saw one Create per entry (plus at most
     * one per retry, should a slow machine let a delivery's deadline pass). */
    CHECK_INT(outbox_int(v1.addr, "delivered") + outbox_int(v2.addr, "delivered"), REPLICA_VISITS);
    {
        long long calls = calls_of(complaints.addr, "complaints.Create");
        long long retries = outbox_int(v1.addr, "retries") + outbox_int(v2.addr, "retries");
        CHECK(calls >= REPLICA_VISITS && calls <= REPLICA_VISITS + retries);
        if (calls != REPLICA_VISITS)
            fprintf(stderr, "  (%lld Create calls for %d entries after %lld retries)\n", calls,
                    REPLICA_VISITS, retries);
    }
    CHECK_INT(kh_service_stop(&v1), 0);
    CHECK_INT(kh_service_stop(&v2), 0);
    CHECK_INT(kh_service_stop(&complaints), 0);
}

/* A mistyped peer address stops the service at start, naming it, rather
 * than parking every entry for that peer later. */
static void test_bad_peer_address_refused(void)
{
    kh_service s;
    static const char *const bad[] = {
        "visits=tcp//127.0.0.1:1",      "visits=",
        "=tcp://127.0.0.1:1",           "visits=http://127.0.0.1:1",
        "visits=tcp://127.0.0.1",       "visits=tcp://127.0.0.1:notaport",
        "visits=tcp://127.0.0.1:99999", "visits=ipc://",
        "visit=tcp://127.0.0.1:7103",
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *extra[] = {"--peer", bad[i], NULL};
        char cmd[300];
        CHECK(!kh_service_start(&s, "complaints", redis.url, extra));
        snprintf(cmd, sizeof(cmd), "grep -q -- '--peer' '%s'", s.log);
        CHECK(system(cmd) == 0);
    }
}

KEFU_TESTS = {
    {"bad_peer_address_refused", test_bad_peer_address_refused},
    {"peer_down_delays_never_drops", test_peer_down_delays_never_drops},
    {"clean_stop_leaves_no_lease", test_clean_stop_leaves_no_lease},
    {"kill9_mid_delivery_effect_once", test_kill9_mid_delivery_effect_once},
    {"two_replicas_each_entry_once", test_two_replicas_each_entry_once},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return kh_suite_main(argc, argv, &redis, NULL, NULL, NULL);
}
