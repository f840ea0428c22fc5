/*
 * integration.flows - the cross-service flows of SPEC section 6 end to end,
 * with kefu-complaints, kefu-visits and kefu-returns as real processes that
 * call each other through their outboxes:
 *
 *   visits.Record (complaint issue) -> complaints.Create (channel visit),
 *     the complaint id written back onto the visit;
 *   complaints.Resolve -> visits.ScheduleFollowUp (due in 3 days);
 *   visits.Record of the follow-up with satisfaction -> complaints.Confirm
 *     (>= 3 closes, < 3 reopens);
 *   returns.Create with complaint_id -> the complaint's return_ids;
 *   a peer's refusal kept as a failed entry, listed, and sent again.
 *
 * Services run with a system peer token, as deployed: the tokens file gives
 * each service a `system` token, and the history shows who acted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "json.h"
#include "test.h"
#include "timeutil.h"

static kh_redis redis;
static kh_service complaints, visits, returns;
static char tokens_path[64];

#define ADMIN "admin-token"

static const kh_token tokens[] = {
    {"desk", ADMIN, "admin", NULL},
    {"visits-service", "visits-peer-token", "system", NULL},
    {"complaints-service", "complaints-peer-token", "system", NULL},
    {"returns-service", "returns-peer-token", "system", NULL},
    {"cs-staff", "staff-token", "staff", "[\"CS\"]"},
    {"auditor", "auditor-token", "auditor", NULL},
};

/* A call to `s` as the admin, params from printf. */
#define call(s, method, ...)                                                                       \
    kh_callf((s)->addr, &(kefu_call_opts){.token = ADMIN, .deadline_ms = 5000}, (method),          \
             __VA_ARGS__)

static void today_plus(int days, char out[11])
{
    kefu_date d = kefu_time_to_date((kefu_ms)time(NULL) * 1000, 480);
    kefu_date_format(kefu_date_add_days(d, days), out);
}

/* Polls `method` {"id": id} at `s` until the string at `path` equals `want`
 * (or is present, when `want` is NULL); returns the last reply. */
static cJSON *wait_for(const kh_service *s, const char *method, const char *id, const char *path,
                       const char *want, int ms)
{
    cJSON *r = NULL;
    for (int t = 0; t <= ms; t += 100) {
        const char *v;
        cJSON_Delete(r);
        r = call(s, method, "{\"id\":\"%s\"}", id);
        v = kh_str(r, path);
        if (v && (!want || strcmp(v, want) == 0))
            return r;
        kh_sleep_ms(100);
    }
    return r;
}

static bool enrolled(const char *cust, char acc[16])
{
    cJSON *r = call(&visits, "visits.Enroll",
                    "{\"customer\":{\"id\":\"%s\",\"name\":\"中山华光照明\",\"contact\":{"
                    "\"person\":\"李雷\",\"phone\":\"0760-1234567\"}},\"project\":{\"name\":"
                    "\"厂房照明改造\"},\"delivered_on\":\"2026-05-20\",\"department\":\"CS\"}",
                    cust);
    bool good = kh_ok(r) && kh_str(r, "id");
    if (good)
        snprintf(acc, 16, "%s", kh_str(r, "id"));
    cJSON_Delete(r);
    return good;
}

/* The open follow-up of complaint `cid` on account `acc`: its planned id. */
static bool followup_of(const char *acc, const char *cid, char pid[24], char due[11], int ms)
{
    for (int t = 0; t <= ms; t += 100) {
        cJSON *r = call(&visits, "visits.Get", "{\"id\":\"%s\"}", acc);
        const cJSON *p;
        bool found = false;
        cJSON_ArrayForEach(p, kh_path(kh_result(r), "open"))
        {
            const char *kind = kh_path_str(p, "kind"), *ref = kh_path_str(p, "ref");
            if (kind && ref && strcmp(kind, "followup") == 0 && strcmp(ref, cid) == 0) {
                snprintf(pid, 24, "%s", kh_path_str(p, "id") ? kh_path_str(p, "id") : "");
                snprintf(due, 11, "%s", kh_path_str(p, "due_on") ? kh_path_str(p, "due_on") : "");
                found = true;
            }
        }
        cJSON_Delete(r);
        if (found)
            return true;
        kh_sleep_ms(100);
    }
    return false;
}

static bool record_followup(const char *acc, const char *pid, int satisfaction)
{
    char on[11];
    cJSON *r;
    bool good;

    today_plus(0, on);
    r = call(&visits, "visits.Record",
             "{\"account_id\":\"%s\",\"planned_id\":\"%s\",\"visited_on\":\"%s\",\"method\":"
             "\"phone\",\"contact\":\"李雷\",\"summary\":\"整改结果回访\",\"satisfaction\":%d}",
             acc, pid, on, satisfaction);
    good = kh_ok(r) && kh_str(r, "confirmation.complaint_id");
    if (!good)
        fprintf(stderr, "  follow-up Record: %s\n", r ? cJSON_PrintUnformatted(r) : "no reply");
    cJSON_Delete(r);
    return good;
}

static bool assign_and_resolve(const char *cid)
{
    cJSON *r = call(&complaints, "complaints.Assign",
                    "{\"id\":\"%s\",\"department\":\"Production\",\"owner\":\"张伟\"}", cid);
    bool good = kh_ok(r);
    cJSON_Delete(r);
    if (!good)
        return false;
    r = call(&complaints, "complaints.Resolve",
             "{\"id\":\"%s\",\"root_cause\":\"镇流器批次虚焊\",\"correction\":\"更换整批镇流器\","
             "\"resolved_by\":{\"name\":\"张伟\",\"department\":\"Production\"}}",
             cid);
    good = kh_ok(r);
    cJSON_Delete(r);
    return good;
}

/* The whole loop: a complaint raised on a visit, resolved, followed up,
 * confirmed by the customer's satisfaction. */
static void test_visit_complaint_followup_confirm(void)
{
    char acc[16], vid[32], cid[32], pid[24], due[11], on[11], want_due[11];
    cJSON *r, *c;

    CHECK(enrolled("K-FLOW-1", acc));
    today_plus(0, on);
    r = call(&visits, "visits.Record",
             "{\"account_id\":\"%s\",\"visited_on\":\"%s\",\"method\":\"onsite\",\"contact\":"
             "\"李雷\",\"summary\":\"现场回访\",\"issues\":[{\"kind\":\"complaint\",\"text\":"
             "\"筒灯批量闪烁\",\"category\":\"quality\",\"severity\":\"major\",\"product\":{"
             "\"model\":\"DL-7W\",\"batch\":\"B12\"}}]}",
             acc, on);
    CHECK(kh_ok(r));
    snprintf(vid, sizeof(vid), "%s", kh_str(r, "id") ? kh_str(r, "id") : "");
    cJSON_Delete(r);

    /* The complaint comes back onto the visit. */
    r = wait_for(&visits, "visits.Get", vid, "issues.0.complaint_id", NULL, 10000);
    CHECK(kh_str(r, "issues.0.complaint_id") != NULL);
    snprintf(cid, sizeof(cid), "%s",
             kh_str(r, "issues.0.complaint_id") ? kh_str(r, "issues.0.complaint_id") : "");
    cJSON_Delete(r);
    c = call(&complaints, "complaints.Get", "{\"id\":\"%s\"}", cid);
    CHECK_STR(kh_str(c, "status"), "received");
    CHECK_STR(kh_str(c, "channel"), "visit");
    CHECK_STR(kh_str(c, "customer.id"), "K-FLOW-1");
    CHECK_STR(kh_str(c, "customer.name"), "中山华光照明");
    CHECK_STR(kh_str(c, "product.model"), "DL-7W");
    CHECK_STR(kh_str(c, "severity"), "major");
    CHECK_STR(kh_str(c, "description"), "筒灯批量闪烁");
    CHECK_STR(kh_str(c, "received_by.department"), "CS");
    cJSON_Delete(c);
    /* Created once, by the visits service's system token. */
    c = call(&complaints, "complaints.History", "{\"id\":\"%s\"}", cid);
    CHECK_STR(kh_str(c, "events.0.by"), "visits-service");
    cJSON_Delete(c);

    /* Resolve -> a follow-up due in three days. */
    CHECK(assign_and_resolve(cid));
    CHECK(followup_of(acc, cid, pid, due, 10000));
    today_plus(3, want_due);
    CHECK_STR(due, want_due);

    /* The follow-up with satisfaction 4 closes the complaint. */
    CHECK(record_followup(acc, pid, 4));
    c = wait_for(&complaints, "complaints.Get", cid, "status", "closed", 10000);
    CHECK_STR(kh_str(c, "status"), "closed");
    CHECK_INT(kh_path_int(kh_result(c), "confirmation.rating"), 4);
    CHECK(cJSON_IsTrue(kh_path(kh_result(c), "confirmation.satisfied")));
    CHECK_STR(kh_str(c, "confirmation.confirmed_by"), "李雷");
    cJSON_Delete(c);
}

/* Satisfaction below 3 reopens; the next resolution gets a new follow-up. */
static void test_unsatisfied_followup_reopens(void)
{
    char acc[16], cid[32], pid[24], pid2[24], due[11];
    cJSON *r, *c;

    CHECK(enrolled("K-FLOW-2", acc));
    r = call(&complaints, "complaints.Create",
             "{\"customer\":{\"id\":\"K-FLOW-2\",\"name\":\"中山华光照明\"},\"product\":{"
             "\"model\":\"CFL-18W\"},\"channel\":\"phone\",\"category\":\"quality\",\"title\":"
             "\"灯管不亮\",\"description\":\"到货即不亮\",\"received_by\":{\"name\":\"王芳\","
             "\"department\":\"QA\"}}");
    CHECK(kh_ok(r));
    snprintf(cid, sizeof(cid), "%s", kh_str(r, "id") ? kh_str(r, "id") : "");
    cJSON_Delete(r);
    CHECK(assign_and_resolve(cid));
    CHECK(followup_of(acc, cid, pid, due, 10000));
    CHECK(record_followup(acc, pid, 2));
    c = wait_for(&complaints, "complaints.Get", cid, "status", "assigned", 10000);
    CHECK_STR(kh_str(c, "status"), "assigned");
    CHECK_INT(kh_path_int(kh_result(c), "reopened"), 1);
    CHECK(cJSON_IsFalse(kh_path(kh_result(c), "confirmation.satisfied")));
    cJSON_Delete(c);

    /* Resolved again: a second round, a second follow-up, which closes it. */
    r = call(&complaints, "complaints.Resolve",
             "{\"id\":\"%s\",\"root_cause\":\"返工不彻底\",\"correction\":\"全部更换\","
             "\"resolved_by\":{\"name\":\"张伟\",\"department\":\"Production\"}}",
             cid);
    CHECK(kh_ok(r));
    cJSON_Delete(r);
    CHECK(followup_of(acc, cid, pid2, due, 10000));
    CHECK(strcmp(pid, pid2) != 0);
    CHECK(record_followup(acc, pid2, 5));
    c = wait_for(&complaints, "complaints.Get", cid, "status", "closed", 10000);
    CHECK_STR(kh_str(c, "status"), "closed");
    cJSON_Delete(c);
    /* A repeated call for a round answers the same planned visit. */
    r = call(&visits, "visits.ScheduleFollowUp",
             "{\"customer_id\":\"K-FLOW-2\",\"complaint_id\":\"%s\",\"due_on\":\"%s\","
             "\"round\":1}",
             cid, due);
    CHECK_STR(kh_str(r, "id"), pid2);
    cJSON_Delete(r);
}

static void test_return_links_its_complaint(void)
{
    char cid[32], rid[32];
    cJSON *r, *c;

    r = call(&complaints, "complaints.Create",
             "{\"customer\":{\"id\":\"K-RET-1\",\"name\":\"华光\"},\"product\":{\"model\":"
             "\"CFL-18W\"},\"channel\":\"phone\",\"category\":\"quality\",\"title\":\"退货\","
             "\"description\":\"整批不亮\",\"received_by\":{\"name\":\"王芳\",\"department\":"
             "\"QA\"}}");
    snprintf(cid, sizeof(cid), "%s", kh_str(r, "id") ? kh_str(r, "id") : "");
    cJSON_Delete(r);
    r = call(&returns, "returns.Create",
             "{\"customer\":{\"id\":\"K-RET-1\",\"short_name\":\"华光\",\"name\":\"中山华光照明\"},"
             "\"region\":\"华南\",\"regional_manager\":\"李明\",\"reason\":\"quality\","
             "\"freight_station\":\"小榄\",\"complaint_id\":\"%s\",\"items\":[{\"model\":"
             "\"CFL-18W\",\"category\":\"cfl\",\"quantity\":10,\"production_date\":\"2026-06-15\","
             "\"unit_price_cents\":1250}],\"boxes\":[{\"lines\":[{\"line\":1,\"quantity\":10}]}]}",
             cid);
    CHECK(kh_ok(r));
    snprintf(rid, sizeof(rid), "%s", kh_str(r, "id") ? kh_str(r, "id") : "");
    cJSON_Delete(r);
    c = wait_for(&complaints, "complaints.Get", cid, "return_ids.0", rid, 10000);
    CHECK_STR(kh_str(c, "return_ids.0"), rid);
    CHECK_INT(cJSON_GetArraySize(kh_path(kh_result(c), "return_ids")), 1);
    cJSON_Delete(c);
}

/* complaints refuses (no such complaint): the entry is kept as failed,
 * listed by sys.Outbox, and sent again by sys.OutboxRetry. */
static void test_refused_entry_kept_failed(void)
{
    cJSON *r;
    char id[48] = "";
    int failed_seen = 0;

    r = call(&returns, "returns.Create",
             "{\"customer\":{\"id\":\"K-RET-2\",\"short_name\":\"华光\",\"name\":\"中山华光照明\"},"
             "\"region\":\"华南\",\"regional_manager\":\"李明\",\"reason\":\"quality\","
             "\"freight_station\":\"小榄\",\"complaint_id\":\"C2026-999999\",\"items\":[{"
             "\"model\":\"CFL-18W\",\"category\":\"cfl\",\"quantity\":1,\"production_date\":"
             "\"2026-06-15\",\"unit_price_cents\":1250}],\"boxes\":[{\"lines\":[{\"line\":1,"
             "\"quantity\":1}]}]}");
    CHECK(kh_ok(r)); /* the return itself is made */
    cJSON_Delete(r);
    for (int t = 0; t < 10000 && !failed_seen; t += 100) {
        r = call(&returns, "sys.Outbox", "{}");
        const cJSON *e;
        cJSON_ArrayForEach(e, kh_path(kh_result(r), "entries"))
        {
            const char *state = kh_path_str(e, "state"), *err = kh_path_str(e, "last_error");
            if (state && strcmp(state, "failed") == 0 && err && strstr(err, "NOT_FOUND") &&
                strcmp(kh_path_str(e, "params.id"), "C2026-999999") == 0) {
                snprintf(id, sizeof(id), "%s", kh_path_str(e, "id"));
                CHECK_STR(kh_path_str(e, "method"), "complaints.LinkReturn");
                CHECK(kh_path_str(e, "failed_at") != NULL);
                failed_seen = 1;
            }
        }
        cJSON_Delete(r);
        if (!failed_seen)
            kh_sleep_ms(100);
    }
    CHECK(failed_seen);
    /* The gauges come from the relay's next poll (every 200 ms). */
    kh_sleep_ms(400);
    r = call(&returns, "sys.Metrics", "{}");
    CHECK_INT(kh_path_int(kh_result(r), "outbox.failed"), 1);
    CHECK(kh_path_int(kh_result(r), "outbox.failures") >= 1);
    cJSON_Delete(r);

    /* Sent again: refused again, failed again (attempts counted afresh). */
    r = call(&returns, "sys.OutboxRetry", "{\"id\":\"%s\"}", id);
    CHECK_STR(kh_str(r, "state"), "pending");
    cJSON_Delete(r);
    r = call(&returns, "sys.OutboxRetry", "{\"id\":\"returns-999999\"}");
    CHECK_INT(kh_code(r), 5); /* NOT_FOUND */
    cJSON_Delete(r);
    r = call(&returns, "sys.OutboxRetry", "{\"id\":\"complaints-1\"}");
    CHECK_INT(kh_code(r), 3); /* not this service's entry */
    CHECK_STR(kh_field(r), "id");
    cJSON_Delete(r);
    kh_sleep_ms(1000);
    r = call(&returns, "sys.Metrics", "{}");
    CHECK_INT(kh_path_int(kh_result(r), "outbox.failed"), 1);
    CHECK(kh_path_int(kh_result(r), "outbox.failures") >= 2);
    cJSON_Delete(r);
    /* Only admins may send again. */
    {
        kefu_call_opts o = {.token = "visits-peer-token"};
        char params[80];
        snprintf(params, sizeof(params), "{\"id\":\"%s\"}", id);
        r = kh_call(returns.addr, "sys.OutboxRetry", params, &o);
        CHECK_INT(kh_code(r), 7); /* PERMISSION_DENIED */
        cJSON_Delete(r);
        r = kh_call(returns.addr, "sys.OutboxDrop", params, &o);
        CHECK_INT(kh_code(r), 7);
        cJSON_Delete(r);
    }
    /* Entries carry other departments' data: staff may not list them;
     * auditors may. */
    {
        kefu_call_opts staff = {.token = "staff-token"}, auditor = {.token = "auditor-token"};
        r = kh_call(returns.addr, "sys.Outbox", NULL, &staff);
        CHECK_INT(kh_code(r), 7);
        cJSON_Delete(r);
        r = kh_call(returns.addr, "sys.Outbox", NULL, &auditor);
        CHECK_INT(kh_path_int(kh_result(r), "failed"), 1);
        cJSON_Delete(r);
    }
    /* Dropped for good: gone from the listing and the gauges. */
    r = call(&returns, "sys.OutboxDrop", "{\"id\":\"%s\"}", id);
    CHECK_STR(kh_str(r, "state"), "dropped");
    cJSON_Delete(r);
    r = call(&returns, "sys.OutboxDrop", "{\"id\":\"%s\"}", id);
    CHECK_INT(kh_code(r), 5); /* NOT_FOUND: nothing left to drop */
    cJSON_Delete(r);
    r = call(&returns, "sys.Outbox", "{}");
    CHECK_INT(kh_path_int(kh_result(r), "failed"), 0);
    CHECK_INT(cJSON_GetArraySize(kh_path(kh_result(r), "entries")), 0);
    cJSON_Delete(r);
    kh_sleep_ms(400);
    r = call(&returns, "sys.Metrics", "{}");
    CHECK_INT(kh_path_int(kh_result(r), "outbox.failed"), 0);
    cJSON_Delete(r);
}

/* A return of another customer is not linked to the complaint. */
static void test_link_checks_the_customer(void)
{
    char cid[32];
    cJSON *r = call(&complaints, "complaints.Create", "%s", KH_COMPLAINT_CREATE);

    snprintf(cid, sizeof(cid), "%s", kh_str(r, "id") ? kh_str(r, "id") : "");
    cJSON_Delete(r);
    r = call(&complaints, "complaints.LinkReturn",
             "{\"id\":\"%s\",\"return_id\":\"R2026-000777\",\"customer_id\":\"someone-else\"}",
             cid);
    CHECK_INT(kh_code(r), 9); /* FAILED_PRECONDITION */
    CHECK_STR(kh_field(r), "customer_id");
    cJSON_Delete(r);
    r = call(&complaints, "complaints.Get", "{\"id\":\"%s\"}", cid);
    CHECK_INT(cJSON_GetArraySize(kh_path(kh_result(r), "return_ids")), 0);
    cJSON_Delete(r);
}

/* What every service's sys.Metrics says about its outbox once it drained. */
static void test_outbox_metrics(void)
{
    cJSON *r = call(&complaints, "sys.Metrics", "{}");
    const cJSON *ob = kh_path(kh_result(r), "outbox");

    CHECK_INT(kh_path_int(ob, "pending"), 0);
    CHECK_INT(kh_path_int(ob, "oldest_pending_age_ms"), 0);
    CHECK(kh_path_int(ob, "delivered") >= 3); /* follow-ups */
    CHECK(kh_path_int(ob, "delivery_latency.count") >= 3);
    CHECK(kh_path_int(ob, "delivery_latency.p50_us") > 0);
    cJSON_Delete(r);
    r = call(&complaints, "sys.Metrics", "{\"format\":\"prometheus\"}");
    CHECK(kh_str(r, "text") &&
          strstr(kh_str(r, "text"), "kefu_outbox_pending{service=\"complaints\"} 0"));
    CHECK(kh_str(r, "text") && strstr(kh_str(r, "text"), "kefu_outbox_delivery_us{"));
    cJSON_Delete(r);
    r = call(&visits, "sys.Outbox", "{}");
    CHECK_INT(kh_path_int(kh_result(r), "pending"), 0);
    CHECK_INT(cJSON_GetArraySize(kh_path(kh_result(r), "entries")), 0);
    cJSON_Delete(r);
}

KEFU_TESTS = {
    {"visit_complaint_followup_confirm", test_visit_complaint_followup_confirm},
    {"unsatisfied_followup_reopens", test_unsatisfied_followup_reopens},
    {"return_links_its_complaint", test_return_links_its_complaint},
    {"refused_entry_kept_failed", test_refused_entry_kept_failed},
    {"link_checks_the_customer", test_link_checks_the_customer},
    {"outbox_metrics", test_outbox_metrics},
    {NULL, NULL},
};

static bool start(kh_service *s, const char *name, int port, const char *peer_token,
                  const char *peers[2])
{
    const char *extra[] = {"--tokens", tokens_path, "--peer-token", peer_token, "--peer",
                           peers[0],   "--peer",    peers[1],       NULL};
    return kh_service_start_at(s, name, redis.url, port, extra);
}

int main(int argc, char **argv)
{
    int cport = kh_free_port(), vport = kh_free_port(), rport = kh_free_port(), rc;
    char pc[64], pv[64], pr[64];
    const char *cpeers[2] = {pv, pr}, *vpeers[2] = {pc, pr}, *rpeers[2] = {pc, pv};

    snprintf(pc, sizeof(pc), "complaints=tcp://127.0.0.1:%d", cport);
    snprintf(pv, sizeof(pv), "visits=tcp://127.0.0.1:%d", vport);
    snprintf(pr, sizeof(pr), "returns=tcp://127.0.0.1:%d", rport);
    if (!kh_write_tokens_temp(tokens_path, sizeof(tokens_path), "kefu-flows-tokens", tokens,
                              sizeof(tokens) / sizeof(tokens[0])))
        return 1;
    if (!kh_redis_start(&redis)) {
        fprintf(stderr, "could not start redis\n");
        unlink(tokens_path);
        return 1;
    }
    if (!start(&complaints, "complaints", cport, "complaints-peer-token", cpeers) ||
        !start(&visits, "visits", vport, "visits-peer-token", vpeers) ||
        !start(&returns, "returns", rport, "returns-peer-token", rpeers)) {
        fprintf(stderr, "could not start the three services\n");
        kh_service_stop(&complaints);
        kh_service_stop(&visits);
        kh_redis_stop(&redis);
        unlink(tokens_path);
        return 1;
    }
    rc = kefu_test_main(argc, argv);
    if (kh_service_stop(&returns) != 0 || kh_service_stop(&visits) != 0 ||
        kh_service_stop(&complaints) != 0)
        rc = 1;
    kh_redis_stop(&redis);
    unlink(tokens_path);
    return rc;
}
