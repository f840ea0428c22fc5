/*
 * integration.complaints_queries - the read side of README "complaints (port
 * 7101)" and SPEC sections 1 and 3: List with every filter (business dates
 * in UTC+08:00), overdue / due_soon / Escalations across a deadline with the
 * test clock, paging 1,000 records while 100 more arrive, cursor and limit
 * checks, the Ledger as JSON and as CSV (parsed here by a strict RFC 4180
 * parser and matched field by field), Stats with hand-computed figures, and
 * the monthly Report with its freeze.
 *
 * Each test starts from an empty Redis (FLUSHALL on the suite's own server)
 * so that lists and figures are exact.
 */
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>

#include "harness.h"
#include "json.h"
#include "test.h"

static kh_redis redis;
static kh_service svc;

/* ---------------------------------------------------------------- helpers */

/* A call with params from printf. The first call without a reply marks the
 * service gone and the rest of the suite fails fast. */
#define call(method, ...)                                                                          \
    kh_service_callf(&svc, &(kefu_call_opts){.deadline_ms = 20000, .max_attempts = 1}, (method),   \
                     __VA_ARGS__)

#define EXPECT_CODE(r, code, field) KH_EXPECT((r), (code), (field), NULL)
#define EXPECT_OK(r)                KH_EXPECT_OK((r), NULL)

/* A call that must succeed; the reply is dropped. */
#define DO(method, ...) KH_EXPECT_FREE(call((method), __VA_ARGS__), 0, NULL, (method))

static void set_clock(const char *now)
{
    DO("sys.SetClock", "{\"now\":\"%s\"}", now);
}

/* The complaints a test made, by label, so lists print readably. */
typedef struct {
    char label[8];
    char id[16];
} named;

static named names[64];
static int n_names;

static void names_reset(void)
{
    n_names = 0;
}

static const char *label_of(const char *id)
{
    for (int i = 0; i < n_names; i++)
        if (strcmp(names[i].id, id) == 0)
            return names[i].label;
    return "?";
}

static const char *id_of(const char *label)
{
    for (int i = 0; i < n_names; i++)
        if (strcmp(names[i].label, label) == 0)
            return names[i].id;
    return "C0000-000000";
}

typedef struct {
    const char *customer_id, *customer_name, *model, *category, *severity, *intake, *received_at;
} spec;

static cJSON *create_params(const spec *s)
{
    cJSON *p = cJSON_CreateObject(), *c, *pr, *rb;

    c = cJSON_AddObjectToObject(p, "customer");
    cJSON_AddStringToObject(c, "id", s->customer_id ? s->customer_id : "K1");
    cJSON_AddStringToObject(c, "name", s->customer_name ? s->customer_name : "华光照明");
    pr = cJSON_AddObjectToObject(p, "product");
    cJSON_AddStringToObject(pr, "model", s->model ? s->model : "CFL-18W");
    cJSON_AddStringToObject(p, "channel", "phone");
    cJSON_AddStringToObject(p, "category", s->category ? s->category : "quality");
    if (s->severity)
        cJSON_AddStringToObject(p, "severity", s->severity);
    cJSON_AddStringToObject(p, "title", "灯管不亮");
    cJSON_AddStringToObject(p, "description", "到货即不亮");
    rb = cJSON_AddObjectToObject(p, "received_by");
    cJSON_AddStringToObject(rb, "name", "王芳");
    cJSON_AddStringToObject(rb, "department", s->intake ? s->intake : "QA");
    if (s->received_at)
        cJSON_AddStringToObject(p, "received_at", s->received_at);
    return p;
}

/* Creates a complaint and names it `label`. */
static const char *create_named(const char *label, spec s)
{
    cJSON *p = create_params(&s), *r;
    char *text = cJSON_PrintUnformatted(p);
    named *n = &names[n_names < 63 ? n_names++ : 63];

    r = call("complaints.Create", "%s", text);
    EXPECT_OK(r);
    snprintf(n->label, sizeof(n->label), "%s", label);
    snprintf(n->id, sizeof(n->id), "%s", kh_str(r, "id") ? kh_str(r, "id") : "none");
    cJSON_Delete(r);
    cJSON_free(text);
    cJSON_Delete(p);
    return n->id;
}

static const char *resolve_fmt =
    "{\"id\":\"%s\",\"root_cause\":\"镇流器批次虚焊\",\"correction\":\"更换整批镇流器\","
    "\"resolved_by\":{\"name\":\"张伟\",\"department\":\"Production\"}}";

/* Appends "label" (comma separated) of every id in `items` to `out`. */
static void labels_of(const cJSON *items, char *out, size_t cap)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        const char *id = kh_path_str(it, "id");
        size_t n = strlen(out);
        snprintf(out + n, cap - n, "%s%s", n ? "," : "", id ? label_of(id) : "!");
    }
}

/*
 * Follows every page of complaints.List with `filters` (a JSON fragment
 * without braces, may be "") and returns the labels of all items in order.
 * Returns "ERR<code>" when a call fails.
 */
static char *list_labels(const char *filters, int limit)
{
    static char out[8192];
    char cursor[512] = "";
    int pages = 0;

    out[0] = '\0';
    for (;;) {
        char cur[600] = "";
        cJSON *r;
        const cJSON *next;

        if (cursor[0])
            snprintf(cur, sizeof(cur), ",\"cursor\":\"%s\"", cursor);
        r = call("complaints.List", "{%s%s\"limit\":%d%s}", filters, filters[0] ? "," : "", limit,
                 cur);
        if (!kh_ok(r)) {
            snprintf(out, sizeof(out), "ERR%d", kh_code(r));
            kh_print_reply("List", r);
            cJSON_Delete(r);
            return out;
        }
        labels_of(kefu_json_get(kh_result(r), "items"), out, sizeof(out));
        next = kefu_json_get(kh_result(r), "next_cursor");
        if (!next || !cJSON_IsString(next) || ++pages > 200) {
            CHECK(cJSON_IsNull(next));
            cJSON_Delete(r);
            return out;
        }
        snprintf(cursor, sizeof(cursor), "%s", next->valuestring);
        cJSON_Delete(r);
    }
}

#define EXPECT_LIST(filters, want)                                                                 \
    do {                                                                                           \
        const char *got_ = list_labels((filters), 500);                                            \
        if (strcmp(got_, (want)) != 0) {                                                           \
            fprintf(stderr, "  %s:%d: List {%s}: got [%s], expected [%s]\n", __FILE__, __LINE__,   \
                    (filters), got_, (want));                                                      \
            kefu_test_failed_checks++;                                                             \
        }                                                                                          \
    } while (0)

/* Labels of the Escalations items, and its counters. */
static void escalations(char *labels, size_t cap, long long *critical, long long *overdue)
{
    cJSON *r = call("complaints.Escalations", NULL);
    EXPECT_OK(r);
    labels[0] = '\0';
    labels_of(kefu_json_get(kh_result(r), "items"), labels, cap);
    *critical = kh_path_int(kh_result(r), "critical");
    *overdue = kh_path_int(kh_result(r), "overdue");
    cJSON_Delete(r);
}

#define EXPECT_ESCALATIONS(want, n_critical, n_overdue)                                            \
    do {                                                                                           \
        char got_[1024];                                                                           \
        long long c_, o_;                                                                          \
        escalations(got_, sizeof(got_), &c_, &o_);                                                 \
        if (strcmp(got_, (want)) != 0 || c_ != (n_critical) || o_ != (n_overdue)) {                \
            fprintf(stderr,                                                                        \
                    "  %s:%d: Escalations: got [%s] critical %lld overdue %lld, expected [%s] "    \
                    "%d %d\n",                                                                     \
                    __FILE__, __LINE__, got_, c_, o_, (want), (n_critical), (n_overdue));          \
            kefu_test_failed_checks++;                                                             \
        }                                                                                          \
    } while (0)

static bool get_overdue(const char *id)
{
    cJSON *r = call("complaints.Get", "{\"id\":\"%s\"}", id);
    bool v = cJSON_IsTrue(kefu_json_get(kh_result(r), "overdue"));
    CHECK(cJSON_IsBool(kefu_json_get(kh_result(r), "overdue")));
    cJSON_Delete(r);
    return v;
}

/* ------------------------------------------------------------- List tests */

static void test_list_filters(void)
{
    kh_wait_serving(&svc);
    kh_redis_flush(&redis);
    names_reset();
    set_clock("2026-12-02T10:00:00+08:00");
    /* created in the order they were received, so "newest first" is one order */
    create_named("C", (spec){.customer_id = "K200",
                             .category = "service",
                             .severity = "critical",
                             .received_at = "2026-11-15T12:00:00+08:00"});
    create_named("A", (spec){.customer_id = "K100",
                             .category = "quality",
                             .severity = "minor",
                             .received_at = "2026-11-30T23:30:00+08:00"});
    create_named("B", (spec){.customer_id = "K100",
                             .category = "delivery",
                             .severity = "major",
                             .received_at = "2026-12-01T00:00:00+08:00"});
    /* 16:30 UTC on 30 Nov is 00:30 on 1 Dec in the business zone */
    create_named("E", (spec){.customer_id = "K300",
                             .category = "documentation",
                             .received_at = "2026-11-30T16:30:00Z"});
    create_named("D", (spec){.customer_id = "K200",
                             .category = "quality",
                             .severity = "major",
                             .received_at = "2026-12-01T07:59:59+08:00"});
    DO("complaints.Assign", "{\"id\":\"%s\",\"department\":\"Production\"}", id_of("A"));
    DO("complaints.Assign", "{\"id\":\"%s\",\"department\":\"Sales\"}", id_of("B"));
    DO("complaints.Assign", "{\"id\":\"%s\",\"department\":\"Production\"}", id_of("C"));
    DO("complaints.Resolve", resolve_fmt, id_of("C"));
    DO("complaints.Withdraw", "{\"id\":\"%s\",\"reason\":\"重复\"}", id_of("D"));

    EXPECT_LIST("", "D,E,B,A,C");
    EXPECT_LIST("\"status\":\"assigned\"", "B,A");
    EXPECT_LIST("\"status\":\"received\"", "E");
    EXPECT_LIST("\"status\":\"resolved\"", "C");
    EXPECT_LIST("\"status\":\"withdrawn\"", "D");
    EXPECT_LIST("\"status\":\"closed\"", "");
    EXPECT_LIST("\"department\":\"Production\"", "A,C");
    EXPECT_LIST("\"department\":\"Sales\"", "B");
    EXPECT_LIST("\"department\":\"QA\"", ""); /* the assigned department, not the intake */
    EXPECT_LIST("\"customer_id\":\"K100\"", "B,A");
    EXPECT_LIST("\"customer_id\":\"K200\"", "D,C");
    EXPECT_LIST("\"customer_id\":\"K999\"", "");
    EXPECT_LIST("\"category\":\"quality\"", "D,A");
    EXPECT_LIST("\"category\":\"delivery\"", "B");
    EXPECT_LIST("\"category\":\"service\"", "C");
    EXPECT_LIST("\"category\":\"documentation\"", "E");
    EXPECT_LIST("\"category\":\"other\"", "");
    EXPECT_LIST("\"severity\":\"major\"", "D,B");
    EXPECT_LIST("\"severity\":\"critical\"", "C");
    EXPECT_LIST("\"severity\":\"minor\"", "E,A");
    EXPECT_LIST("\"received_to\":\"2026-11-30\"", "A,C");
    EXPECT_LIST("\"received_from\":\"2026-12-01\"", "D,E,B");
    EXPECT_LIST("\"received_from\":\"2026-11-30\",\"received_to\":\"2026-11-30\"", "A");
    EXPECT_LIST("\"received_from\":\"2026-12-01\",\"received_to\":\"2026-12-01\"", "D,E,B");
    EXPECT_LIST("\"received_from\":\"2026-11-15\",\"received_to\":\"2026-11-15\"", "C");
    EXPECT_LIST("\"received_from\":\"2026-11-16\",\"received_to\":\"2026-11-30\"", "A");
    EXPECT_LIST("\"received_to\":\"2026-11-14\"", "");
    EXPECT_LIST("\"received_from\":\"2026-12-02\"", "");
    EXPECT_LIST("\"customer_id\":\"K100\",\"status\":\"assigned\",\"department\":\"Sales\"", "B");
    EXPECT_LIST("\"category\":\"quality\",\"received_from\":\"2026-12-01\"", "D");
    EXPECT_LIST("\"severity\":\"minor\",\"status\":\"assigned\"", "A");
    EXPECT_LIST("\"severity\":\"critical\",\"department\":\"Sales\"", "");
    /* small pages of a filtered list */
    {
        const char *got = list_labels("\"received_from\":\"2026-12-01\"", 1);
        CHECK_STR(got, "D,E,B");
        got = list_labels("\"department\":\"Production\"", 1);
        CHECK_STR(got, "A,C");
    }
    /* items are records */
    {
        cJSON *r = call("complaints.List", "{\"status\":\"assigned\",\"limit\":1}");
        const cJSON *it = cJSON_GetArrayItem(kefu_json_get(kh_result(r), "items"), 0);
        EXPECT_OK(r);
        CHECK_STR(kh_path_str(it, "id"), id_of("B"));
        CHECK_STR(kh_path_str(it, "status"), "assigned");
        CHECK_STR(kh_path_str(it, "department"), "Sales");
        CHECK_STR(kh_path_str(it, "customer.id"), "K100");
        CHECK(cJSON_IsBool(kefu_json_get(it, "overdue")));
        CHECK(cJSON_IsString(kefu_json_get(kh_result(r), "next_cursor")));
        cJSON_Delete(r);
    }
    /* bad filters */
    {
        static const struct {
            const char *params, *field;
        } bad[] = {
            {"{\"status\":\"open\"}", "status"},
            {"{\"category\":\"price\"}", "category"},
            {"{\"severity\":\"huge\"}", "severity"},
            {"{\"received_from\":\"2026-13-01\"}", "received_from"},
            {"{\"received_to\":\"2026/11/30\"}", "received_to"},
            {"{\"received_from\":\"2026-11-30T00:00:00+08:00\"}", "received_from"},
            {"{\"overdue\":\"yes\"}", "overdue"},
            {"{\"due_soon\":1}", "due_soon"},
            {"{\"owner\":\"张伟\"}", "owner"},
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            cJSON *r = call("complaints.List", "%s", bad[i].params);
            EXPECT_CODE(r, 3, bad[i].field);
            cJSON_Delete(r);
        }
    }
}

static void test_overdue_due_soon_escalations(void)
{
    kh_wait_serving(&svc);
    kh_redis_flush(&redis);
    names_reset();
    set_clock("2026-11-02T10:00:00+08:00");
    create_named("X", (spec){.customer_id = "K1"});
    DO("complaints.Assign", "{\"id\":\"%s\",\"department\":\"Production\",\"due_in_days\":1}",
       id_of("X"));
    create_named("Y", (spec){.customer_id = "K2"});
    DO("complaints.Assign", "{\"id\":\"%s\",\"department\":\"Sales\",\"due_in_days\":2}",
       id_of("Y"));
    create_named("R", (spec){.customer_id = "K3"}); /* never assigned: never overdue */
    create_named("Z", (spec){.customer_id = "K4", .severity = "critical"});

    /* critical is escalated at once; X is due in (just under) 24 h, Y in 48 h */
    EXPECT_ESCALATIONS("Z", 1, 0);
    EXPECT_LIST("\"overdue\":true", "");
    EXPECT_LIST("\"due_soon\":true", "X");

    /* +23 h: X is due within 24 h, not yet overdue; Y has 25 h left */
    set_clock("2026-11-03T09:00:00+08:00");
    EXPECT_LIST("\"overdue\":true", "");
    EXPECT_LIST("\"due_soon\":true", "X");
    CHECK(!get_overdue(id_of("X")));
    EXPECT_ESCALATIONS("Z", 1, 0);

    /* +25 h: X is overdue (and no longer "due soon"); Y is due within 24 h */
    set_clock("2026-11-03T11:00:00+08:00");
    EXPECT_LIST("\"overdue\":true", "X");
    EXPECT_LIST("\"due_soon\":true", "Y");
    EXPECT_LIST("\"overdue\":true,\"department\":\"Production\"", "X");
    EXPECT_LIST("\"overdue\":true,\"department\":\"Sales\"", "");
    EXPECT_LIST("\"overdue\":true,\"status\":\"assigned\"", "X");
    CHECK(get_overdue(id_of("X")));
    CHECK(!get_overdue(id_of("Y")));
    CHECK(!get_overdue(id_of("R")));
    {
        /* the List item says so too */
        cJSON *r = call("complaints.List", "{\"customer_id\":\"K1\"}");
        const cJSON *it = cJSON_GetArrayItem(kefu_json_get(kh_result(r), "items"), 0);
        CHECK(cJSON_IsTrue(kefu_json_get(it, "overdue")));
        cJSON_Delete(r);
    }
    EXPECT_ESCALATIONS("Z,X", 1, 1);

    /* +49 h: both overdue */
    set_clock("2026-11-04T11:00:00+08:00");
    EXPECT_LIST("\"overdue\":true", "Y,X");
    EXPECT_LIST("\"due_soon\":true", "");
    EXPECT_ESCALATIONS("Z,Y,X", 1, 2);

    /* resolved is not overdue (overdue = assigned and past due) */
    DO("complaints.Resolve", resolve_fmt, id_of("X"));
    CHECK(!get_overdue(id_of("X")));
    EXPECT_LIST("\"overdue\":true", "Y");
    EXPECT_ESCALATIONS("Z,Y", 1, 1);
    /* reopened with a new due date (minor: 15 days from now): no longer overdue */
    DO("complaints.Confirm", "{\"id\":\"%s\",\"satisfied\":false,\"confirmed_by\":\"李雷\"}",
       id_of("X"));
    CHECK(!get_overdue(id_of("X")));
    EXPECT_LIST("\"overdue\":true", "Y");
    /* a transfer with a new due date lifts the overdue state */
    DO("complaints.Assign",
       "{\"id\":\"%s\",\"department\":\"Production\",\"reason\":\"延期\",\"due_in_days\":3}",
       id_of("Y"));
    EXPECT_LIST("\"overdue\":true", "");
    EXPECT_ESCALATIONS("Z", 1, 0);

    /* the critical one stays escalated until closed */
    DO("complaints.Assign", "{\"id\":\"%s\",\"department\":\"Production\"}", id_of("Z"));
    EXPECT_ESCALATIONS("Z", 1, 0);
    DO("complaints.Resolve", resolve_fmt, id_of("Z"));
    EXPECT_ESCALATIONS("Z", 1, 0);
    DO("complaints.Confirm", "{\"id\":\"%s\",\"satisfied\":true,\"confirmed_by\":\"李雷\"}",
       id_of("Z"));
    EXPECT_ESCALATIONS("", 0, 0);
    /* ... or withdrawn */
    create_named("W", (spec){.customer_id = "K5", .severity = "critical"});
    EXPECT_ESCALATIONS("W", 1, 0);
    DO("complaints.Withdraw", "{\"id\":\"%s\",\"reason\":\"误报\"}", id_of("W"));
    EXPECT_ESCALATIONS("", 0, 0);
    {
        /* Get still says escalated (the flag is history), Escalations does not list it */
        cJSON *r = call("complaints.Get", "{\"id\":\"%s\"}", id_of("Z"));
        CHECK(cJSON_IsTrue(kefu_json_get(kh_result(r), "escalated")));
        cJSON_Delete(r);
    }
}

/* ------------------------------------------------------------- paging */

#define ORIGINALS 1000
#define NEWCOMERS 100
#define WORKERS   8

typedef struct {
    int from, to; /* [from, to) */
    char (*ids)[16];
    const char *tag;
    int worker;
    int failures;
} bulk_job;

/*
 * The workers' clients, opened once on the main thread and kept for the
 * suite (opening and closing nng sockets on short-lived threads leaves nng
 * objects unreaped at exit, which LeakSanitizer reports).
 */
static kefu_sync_client *pool[WORKERS];

static void pool_close(void)
{
    for (int w = 0; w < WORKERS; w++) {
        kefu_sync_client_close(pool[w]);
        pool[w] = NULL;
    }
}

static void *bulk_create(void *arg)
{
    bulk_job *j = arg;
    kefu_error err;
    kefu_sync_client *c = pool[j->worker];
    kefu_call_opts o = {.deadline_ms = 20000, .max_attempts = 1};

    for (int i = j->from; i < j->to && !svc.gone; i++) {
        char cust[32];
        spec s = {.customer_id = cust, .category = i % 3 ? "quality" : "delivery"};
        cJSON *p, *reply = NULL;

        snprintf(cust, sizeof(cust), "%s%d", j->tag, i % 2);
        p = create_params(&s);
        j->ids[i][0] = '\0';
        if (c &&
            kefu_sync_client_call(c, "complaints.Create", p, &o, &reply, &err) == KEFU_STATUS_OK &&
            kh_ok(reply) && kh_str(reply, "id"))
            snprintf(j->ids[i], sizeof(j->ids[i]), "%s", kh_str(reply, "id"));
        else
            j->failures++;
        cJSON_Delete(p);
        if (!reply) {
            j->failures += j->to - i - 1;
            break; /* no reply: the service is gone */
        }
        cJSON_Delete(reply);
    }
    return NULL;
}

/* Creates ids[from..to) with WORKERS concurrent clients; returns failures. */
static int create_many(char (*ids)[16], int from, int to, const char *tag)
{
    pthread_t th[WORKERS];
    bulk_job jobs[WORKERS];
    int failures = 0, n = to - from;

    for (int w = 0; w < WORKERS; w++) {
        kefu_error err;
        if (!pool[w] && !(pool[w] = kefu_sync_client_open(svc.addr, &err)))
            return to - from;
    }
    for (int w = 0; w < WORKERS; w++) {
        jobs[w] = (bulk_job){.from = from + n * w / WORKERS,
                             .to = from + n * (w + 1) / WORKERS,
                             .ids = ids,
                             .tag = tag,
                             .worker = w};
        pthread_create(&th[w], NULL, bulk_create, &jobs[w]);
    }
    for (int w = 0; w < WORKERS; w++) {
        pthread_join(th[w], NULL);
        failures += jobs[w].failures;
    }
    return failures;
}

static int find_id(char (*ids)[16], int n, const char *id)
{
    for (int i = 0; i < n; i++)
        if (strcmp(ids[i], id) == 0)
            return i;
    return -1;
}

static int seq_of(const char *id)
{
    return (int)strtol(id + 6, NULL, 10);
}

/*
 * Pages through List {filters} with `limit`, creating `n_new` more (into
 * newids) between pages, and checks the paging rules against `orig`
 * (n_orig ids, of which only those with want[i] should be seen).
 */
static void page_while_inserting(const char *filters, int limit, char (*orig)[16], int n_orig,
                                 const bool *want, char (*newids)[16], int n_new,
                                 const char *new_tag)
{
    int *seen_orig = calloc((size_t)n_orig, sizeof(int));
    int *seen_new = calloc((size_t)n_new, sizeof(int));
    char cursor[512] = "";
    int created = 0, pages = 0, total = 0, stray = 0, dup = 0, last_seq = 1 << 30, disorder = 0,
        oversize = 0;

    for (;;) {
        char cur[600] = "";
        cJSON *r;
        const cJSON *items, *it, *next;

        if (cursor[0])
            snprintf(cur, sizeof(cur), ",\"cursor\":\"%s\"", cursor);
        r = call("complaints.List", "{%s%s\"limit\":%d%s}", filters, filters[0] ? "," : "", limit,
                 cur);
        if (!kh_ok(r)) {
            EXPECT_OK(r);
            cJSON_Delete(r);
            break;
        }
        items = kefu_json_get(kh_result(r), "items");
        if (cJSON_GetArraySize(items) > limit)
            oversize++;
        cJSON_ArrayForEach(it, items)
        {
            const char *id = kh_path_str(it, "id");
            int k;
            total++;
            if (!id) {
                stray++;
                continue;
            }
            if ((k = find_id(orig, n_orig, id)) >= 0) {
                if (seen_orig[k]++)
                    dup++;
                if (!want[k])
                    stray++;
                /* newest first */
                if (seq_of(id) >= last_seq)
                    disorder++;
                last_seq = seq_of(id);
            } else if ((k = find_id(newids, created, id)) >= 0) {
                if (seen_new[k]++)
                    dup++;
            } else {
                stray++;
            }
        }
        next = kefu_json_get(kh_result(r), "next_cursor");
        pages++;
        if (!cJSON_IsString(next) || pages > 2000) {
            CHECK(cJSON_IsNull(next));
            cJSON_Delete(r);
            break;
        }
        snprintf(cursor, sizeof(cursor), "%s", next->valuestring);
        cJSON_Delete(r);
        /* more complaints arrive between pages */
        if (created < n_new) {
            int batch = n_new - created < 8 ? n_new - created : 8;
            CHECK_INT(create_many(newids, created, created + batch, new_tag), 0);
            created += batch;
        }
    }
    if (created < n_new) {
        CHECK_INT(create_many(newids, created, n_new, new_tag), 0);
        created = n_new;
    }
    {
        int missing = 0, twice = 0;
        for (int i = 0; i < n_orig; i++) {
            if (want[i] && seen_orig[i] == 0)
                missing++;
            if (seen_orig[i] > 1)
                twice++;
        }
        if (missing || twice || dup || stray || disorder || oversize) {
            fprintf(stderr,
                    "  paging {%s} limit %d: %d pages, %d items: %d originals missing, %d seen "
                    "twice, %d duplicates, %d strays, %d out of order, %d oversize pages\n",
                    filters, limit, pages, total, missing, twice, dup, stray, disorder, oversize);
        }
        CHECK_INT(missing, 0);
        CHECK_INT(twice, 0);
        CHECK_INT(dup, 0);
        CHECK_INT(stray, 0);
        CHECK_INT(disorder, 0);
        CHECK_INT(oversize, 0);
    }
    free(seen_orig);
    free(seen_new);
}

static void test_paging_under_inserts(void)
{
    kh_wait_serving(&svc);
    static char orig[ORIGINALS][16], fresh[2 * NEWCOMERS][16];
    static bool all[ORIGINALS], even[ORIGINALS];
    cJSON *r;

    kh_redis_flush(&redis);
    names_reset();
    set_clock("2026-11-02T10:00:00+08:00");
    /* the oldest original is a needle that selective filters must find under the rest */
    snprintf(orig[0], sizeof(orig[0]), "%s",
             create_named("N", (spec){.customer_id = "KP0",
                                      .category = "other",
                                      .received_at = "2026-11-01T10:00:00+08:00"}));
    CHECK_INT(create_many(orig, 1, ORIGINALS, "KP"), 0);
    for (int i = 0; i < ORIGINALS; i++) {
        all[i] = orig[i][0] != '\0';
        even[i] = all[i] && i % 2 == 0; /* customer KP0 */
    }
    page_while_inserting("", 37, orig, ORIGINALS, all, fresh, NEWCOMERS, "KNEW");
    /* filtered: only customer KP0, while 100 more (half of them KP0 too) arrive */
    page_while_inserting("\"customer_id\":\"KP0\"", 37, orig, ORIGINALS, even, fresh + NEWCOMERS,
                         NEWCOMERS, "KP");

    /* default limit 50, maximum 500 */
    r = call("complaints.List", "{}");
    EXPECT_OK(r);
    CHECK_INT(cJSON_GetArraySize(kefu_json_get(kh_result(r), "items")), 50);
    CHECK(cJSON_IsString(kefu_json_get(kh_result(r), "next_cursor")));
    cJSON_Delete(r);
    r = call("complaints.List", "{\"limit\":500}");
    EXPECT_OK(r);
    CHECK_INT(cJSON_GetArraySize(kefu_json_get(kh_result(r), "items")), 500);
    cJSON_Delete(r);
    r = call("complaints.List", NULL); /* no params at all */
    EXPECT_OK(r);
    CHECK_INT(cJSON_GetArraySize(kefu_json_get(kh_result(r), "items")), 50);
    cJSON_Delete(r);
    /* the last page says so */
    r = call("complaints.List", "{\"customer_id\":\"KP1\",\"limit\":500}");
    EXPECT_OK(r);
    CHECK_INT(cJSON_GetArraySize(kefu_json_get(kh_result(r), "items")), 500);
    cJSON_Delete(r);
    /* selective filters over 1,200 records: every page is followed to the needle */
    EXPECT_LIST("\"category\":\"other\"", "N");
    EXPECT_LIST("\"received_to\":\"2026-11-01\"", "N");
    EXPECT_LIST("\"category\":\"other\",\"customer_id\":\"KP0\",\"status\":\"received\"", "N");
    CHECK_STR(list_labels("\"received_to\":\"2026-11-01\",\"customer_id\":\"KP0\"", 1), "N");
    CHECK_STR(list_labels("\"category\":\"other\",\"severity\":\"minor\"", 3), "N");
    r = call("complaints.List", "{\"customer_id\":\"nobody\"}");
    EXPECT_OK(r);
    CHECK_INT(cJSON_GetArraySize(kefu_json_get(kh_result(r), "items")), 0);
    CHECK(cJSON_IsNull(kefu_json_get(kh_result(r), "next_cursor")));
    cJSON_Delete(r);
}

static void test_limit_and_cursor_checks(void)
{
    kh_wait_serving(&svc);
    static const char *const bad_limits[] = {"0", "501", "-1", "1.5", "\"10\"", "100000", NULL};
    static const char *const bad_cursors[] = {
        "\"not-a-cursor\"", "\"\"", "\"!!!!\"", "12", "true", NULL};
    cJSON *r;

    names_reset();
    for (int i = 0; bad_limits[i]; i++) {
        r = call("complaints.List", "{\"limit\":%s}", bad_limits[i]);
        EXPECT_CODE(r, 3, "limit");
        cJSON_Delete(r);
    }
    for (int i = 0; bad_cursors[i]; i++) {
        r = call("complaints.List", "{\"cursor\":%s}", bad_cursors[i]);
        EXPECT_CODE(r, 3, "cursor");
        cJSON_Delete(r);
    }
    r = call("complaints.List", "{\"limit\":1}");
    EXPECT_OK(r);
    cJSON_Delete(r);
    r = call("complaints.List", "{\"limit\":500}");
    EXPECT_OK(r);
    cJSON_Delete(r);
    /* a real cursor with garbage appended */
    create_named("P1", (spec){0});
    create_named("P2", (spec){0});
    r = call("complaints.List", "{\"limit\":1}");
    {
        const char *next = kh_path_str(kh_result(r), "next_cursor");
        CHECK(next != NULL);
        if (next) {
            cJSON *b = call("complaints.List", "{\"limit\":1,\"cursor\":\"%s%%%%zz\"}", next);
            EXPECT_CODE(b, 3, "cursor");
            cJSON_Delete(b);
        }
    }
    cJSON_Delete(r);
}

/* ---------------------------------------------------------------- Ledger */

static const char *const ledger_columns[] = {
    "id",       "received_at", "customer_id", "customer", "product_model",
    "category", "severity",    "department",  "due_at",   "resolved_at",
    "on_time",  "closed_at",   "satisfied",   "rating",   NULL,
};
#define LEDGER_COLS 14

/*
 * A strict RFC 4180 parser: records end with CRLF (the last one may not),
 * fields are separated by commas, a quoted field may hold commas, CR, LF and
 * doubled quotes; a quote inside an unquoted field, text after a closing
 * quote or an unterminated quote is an error. Returns rows (an array of
 * arrays of strings) or NULL with `why`.
 */
static cJSON *csv_parse(const char *s, const char **why)
{
    cJSON *rows = cJSON_CreateArray(), *row = cJSON_CreateArray();
    size_t cap = 256, n = 0;
    char *field = malloc(cap);
    const char *p = s;
    bool quoted_field = false;

#define PUT(ch)                                                                                    \
    do {                                                                                           \
        if (n + 1 >= cap)                                                                          \
            field = realloc(field, cap *= 2);                                                      \
        field[n++] = (ch);                                                                         \
    } while (0)
#define END_FIELD()                                                                                \
    do {                                                                                           \
        field[n] = '\0';                                                                           \
        cJSON_AddItemToArray(row, cJSON_CreateString(field));                                      \
        n = 0;                                                                                     \
        quoted_field = false;                                                                      \
    } while (0)

    *why = NULL;
    if (*p == '\0') {
        *why = "empty";
        goto fail;
    }
    while (*p) {
        if (*p == '"' && n == 0 && !quoted_field) {
            quoted_field = true;
            p++;
            for (;;) {
                if (*p == '\0') {
                    *why = "unterminated quoted field";
                    goto fail;
                }
                if (*p == '"') {
                    if (p[1] == '"') {
                        PUT('"');
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                PUT(*p);
                p++;
            }
            if (*p != ',' && *p != '\r' && *p != '\0') {
                *why = "text after a closing quote";
                goto fail;
            }
            continue;
        }
        if (*p == ',') {
            END_FIELD();
            p++;
        } else if (*p == '\r') {
            if (p[1] != '\n') {
                *why = "CR without LF";
                goto fail;
            }
            END_FIELD();
            cJSON_AddItemToArray(rows, row);
            row = cJSON_CreateArray();
            p += 2;
        } else if (*p == '\n') {
            *why = "bare LF outside quotes (records end with CRLF)";
            goto fail;
        } else if (*p == '"') {
            *why = "quote inside an unquoted field";
            goto fail;
        } else {
            if (quoted_field) {
                *why = "text after a closing quote";
                goto fail;
            }
            PUT(*p);
            p++;
        }
    }
    /* a last record without CRLF */
    if (n > 0 || quoted_field || cJSON_GetArraySize(row) > 0) {
        END_FIELD();
        cJSON_AddItemToArray(rows, row);
    } else {
        cJSON_Delete(row);
    }
    free(field);
    return rows;
fail:
    free(field);
    cJSON_Delete(row);
    cJSON_Delete(rows);
    return NULL;
#undef PUT
#undef END_FIELD
}

static void test_csv_parser_self_check(void)
{
    const char *why;
    cJSON *rows = csv_parse("a,\"b,1\",\"c \"\"q\"\"\nd\"\r\n,x,中文\r\n", &why);
    CHECK(rows != NULL);
    CHECK_INT(cJSON_GetArraySize(rows), 2);
    CHECK_STR(cJSON_GetArrayItem(cJSON_GetArrayItem(rows, 0), 1)->valuestring, "b,1");
    CHECK_STR(cJSON_GetArrayItem(cJSON_GetArrayItem(rows, 0), 2)->valuestring, "c \"q\"\nd");
    CHECK_STR(cJSON_GetArrayItem(cJSON_GetArrayItem(rows, 1), 0)->valuestring, "");
    CHECK_STR(cJSON_GetArrayItem(cJSON_GetArrayItem(rows, 1), 2)->valuestring, "中文");
    cJSON_Delete(rows);
    CHECK(csv_parse("a,b\nc,d\r\n", &why) == NULL);
    CHECK(csv_parse("a,\"b\r\n", &why) == NULL);
    CHECK(csv_parse("a,b\"c\r\n", &why) == NULL);
    CHECK(csv_parse("a,\"b\"c\r\n", &why) == NULL);
}

/* The ledger rows array of a JSON Ledger result ("rows", or "items"). */
static const cJSON *ledger_rows(const cJSON *result)
{
    const cJSON *rows = kefu_json_get(result, "rows");
    if (!cJSON_IsArray(rows))
        rows = kefu_json_get(result, "items");
    return cJSON_IsArray(rows) ? rows : NULL;
}

static const cJSON *row_by_id(const cJSON *rows, const char *id)
{
    const cJSON *row;
    cJSON_ArrayForEach(row, rows)
    {
        if (kh_path_str(row, "id") && strcmp(kh_path_str(row, "id"), id) == 0)
            return row;
    }
    return NULL;
}

/* Does the CSV text `csv` stand for the JSON value `v`? */
static bool csv_matches(const char *csv, const cJSON *v)
{
    if (!v || cJSON_IsNull(v))
        return csv[0] == '\0';
    if (cJSON_IsString(v))
        return strcmp(csv, v->valuestring) == 0;
    if (cJSON_IsTrue(v))
        return !strcmp(csv, "true") || !strcmp(csv, "1") || !strcmp(csv, "yes");
    if (cJSON_IsFalse(v))
        return !strcmp(csv, "false") || !strcmp(csv, "0") || !strcmp(csv, "no");
    if (cJSON_IsNumber(v)) {
        char *end;
        double d = strtod(csv, &end);
        return end != csv && *end == '\0' && fabs(d - v->valuedouble) < 1e-9;
    }
    return false;
}

/* The labels of the ledger rows for `params`, sorted by label. */
static void ledger_labels(const char *params, char *out, size_t cap)
{
    cJSON *r = call("complaints.Ledger", "%s", params);
    const cJSON *rows = ledger_rows(kh_result(r)), *row;
    char labels[32][8];
    int n = 0;

    EXPECT_OK(r);
    out[0] = '\0';
    cJSON_ArrayForEach(row, rows)
    {
        if (n < 32)
            snprintf(labels[n++], sizeof(labels[0]), "%s",
                     label_of(kh_path_str(row, "id") ? kh_path_str(row, "id") : ""));
    }
    qsort(labels, (size_t)n, sizeof(labels[0]), (int (*)(const void *, const void *))strcmp);
    for (int i = 0; i < n; i++) {
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%s", i ? "," : "", labels[i]);
    }
    cJSON_Delete(r);
}

#define EXPECT_LEDGER(params, want)                                                                \
    do {                                                                                           \
        char got_[512];                                                                            \
        ledger_labels((params), got_, sizeof(got_));                                               \
        if (strcmp(got_, (want)) != 0) {                                                           \
            fprintf(stderr, "  %s:%d: Ledger %s: got [%s], expected [%s]\n", __FILE__, __LINE__,   \
                    (params), got_, (want));                                                       \
            kefu_test_failed_checks++;                                                             \
        }                                                                                          \
    } while (0)

static const char *TRICKY_NAME = "华光, \"照明\" 有限公司\n第二行";
static const char *TRICKY_MODEL = "CFL-18W, \"Pro\"\n二代";

static void check_row(const cJSON *row, const char *label, const char *const *expect)
{
    /* expect: 14 texts in column order; NULL = JSON null, "true"/"false" = bool,
     * "#n" = the number n */
    for (int c = 0; c < LEDGER_COLS; c++) {
        const cJSON *v = kefu_json_get(row, ledger_columns[c]);
        bool good;
        if (!expect[c])
            good = cJSON_IsNull(v) || (strcmp(ledger_columns[c], "department") == 0 &&
                                       cJSON_IsString(v) && v->valuestring[0] == '\0');
        else if (!strcmp(expect[c], "true"))
            good = cJSON_IsTrue(v);
        else if (!strcmp(expect[c], "false"))
            good = cJSON_IsFalse(v);
        else if (expect[c][0] == '#')
            good = cJSON_IsNumber(v) && v->valuedouble == atof(expect[c] + 1);
        else
            good = cJSON_IsString(v) && strcmp(v->valuestring, expect[c]) == 0;
        if (!good) {
            fprintf(stderr, "  ledger row %s: %s expected %s\n", label, ledger_columns[c],
                    expect[c] ? expect[c] : "null");
            kh_print_reply("row", row);
            kefu_test_failed_checks++;
        }
    }
}

static void test_ledger_json_and_csv(void)
{
    kh_wait_serving(&svc);
    cJSON *r, *rows_csv;
    const cJSON *rows;
    const char *csv, *why;

    kh_redis_flush(&redis);
    names_reset();
    set_clock("2026-10-31T23:59:59+08:00");
    create_named("L5", (spec){.customer_id = "K5"});
    set_clock("2026-11-03T09:00:00+08:00");
    create_named("L1", (spec){.customer_id = "K1",
                              .customer_name = TRICKY_NAME,
                              .model = TRICKY_MODEL,
                              .category = "quality",
                              .severity = "major"});
    set_clock("2026-11-03T10:00:00+08:00");
    DO("complaints.Assign", "{\"id\":\"%s\",\"department\":\"Production\"}", id_of("L1"));
    set_clock("2026-11-04T09:00:00+08:00");
    create_named("L2", (spec){.customer_id = "K2",
                              .customer_name = "明亮灯饰",
                              .model = "DL-7W",
                              .category = "delivery",
                              .severity = "minor"});
    set_clock("2026-11-04T10:00:00+08:00");
    DO("complaints.Assign", "{\"id\":\"%s\",\"department\":\"Sales\",\"due_in_days\":1}",
       id_of("L2"));
    set_clock("2026-11-05T10:00:00+08:00");
    DO("complaints.Resolve", resolve_fmt, id_of("L1"));
    set_clock("2026-11-06T10:00:00+08:00");
    DO("complaints.Confirm",
       "{\"id\":\"%s\",\"satisfied\":true,\"rating\":4,\"confirmed_by\":\"李雷\"}", id_of("L1"));
    DO("complaints.Resolve", resolve_fmt, id_of("L2")); /* a day late */
    set_clock("2026-11-30T23:30:00+08:00");
    create_named("L3", (spec){.customer_id = "K3",
                              .customer_name = "东方 \"Light\", Ltd.",
                              .model = "X\r\nY",
                              .category = "service",
                              .severity = "critical"});
    set_clock("2026-12-01T00:10:00+08:00");
    create_named("L4", (spec){.customer_id = "K4"});

    /* which complaints are in which ledger */
    EXPECT_LEDGER("{\"year\":2026,\"month\":11}", "L1,L2,L3");
    EXPECT_LEDGER("{\"year\":2026,\"month\":10}", "L5");
    EXPECT_LEDGER("{\"year\":2026,\"month\":12}", "L4");
    EXPECT_LEDGER("{\"year\":2026}", "L1,L2,L3,L4,L5");
    EXPECT_LEDGER("{\"year\":2025}", "");
    EXPECT_LEDGER("{\"year\":2026,\"month\":11,\"department\":\"Production\"}", "L1");
    EXPECT_LEDGER("{\"year\":2026,\"department\":\"Sales\"}", "L2");
    EXPECT_LEDGER("{\"year\":2026,\"month\":11,\"format\":\"json\"}", "L1,L2,L3");

    /* the JSON rows, field by field */
    r = call("complaints.Ledger", "{\"year\":2026,\"month\":11}");
    EXPECT_OK(r);
    rows = ledger_rows(kh_result(r));
    CHECK(rows != NULL);
    {
        const char *l1[] = {id_of("L1"),
                            "2026-11-03T09:00:00+08:00",
                            "K1",
                            TRICKY_NAME,
                            TRICKY_MODEL,
                            "quality",
                            "major",
                            "Production",
                            "2026-11-10T10:00:00+08:00",
                            "2026-11-05T10:00:00+08:00",
                            "true",
                            "2026-11-06T10:00:00+08:00",
                            "true",
                            "#4"};
        const char *l2[] = {id_of("L2"),
                            "2026-11-04T09:00:00+08:00",
                            "K2",
                            "明亮灯饰",
                            "DL-7W",
                            "delivery",
                            "minor",
                            "Sales",
                            "2026-11-05T10:00:00+08:00",
                            "2026-11-06T10:00:00+08:00",
                            "false",
                            NULL,
                            NULL,
                            NULL};
        const char *l3[] = {id_of("L3"), "2026-11-30T23:30:00+08:00",
                            "K3",        "东方 \"Light\", Ltd.",
                            "X\r\nY",    "service",
                            "critical",  NULL,
                            NULL,        NULL,
                            NULL,        NULL,
                            NULL,        NULL};
        const cJSON *row;
        check_row((row = row_by_id(rows, id_of("L1"))), "L1", l1);
        CHECK(row != NULL);
        check_row((row = row_by_id(rows, id_of("L2"))), "L2", l2);
        CHECK(row != NULL);
        check_row((row = row_by_id(rows, id_of("L3"))), "L3", l3);
        CHECK(row != NULL);
    }

    /* the CSV: RFC 4180, CRLF, header, one row per JSON row, same values */
    {
        cJSON *c = call("complaints.Ledger", "{\"year\":2026,\"month\":11,\"format\":\"csv\"}");
        EXPECT_OK(c);
        csv = kh_path_str(kh_result(c), "csv");
        CHECK(csv != NULL);
        rows_csv = csv ? csv_parse(csv, &why) : NULL;
        if (csv && !rows_csv)
            fprintf(stderr, "  CSV does not parse: %s\n  %s\n", why, csv);
        CHECK(rows_csv != NULL);
        if (csv) {
            /* UTF-8 as is (no \u escapes), CRLF after the header */
            CHECK(strstr(csv, "华光") != NULL);
            CHECK(strstr(csv, "\r\n") != NULL);
        }
        if (rows_csv) {
            const cJSON *header = cJSON_GetArrayItem(rows_csv, 0), *line;
            int i = 0;
            /* the header: the README's columns, in the README's order */
            {
                char got[512] = "", want[512] = "";
                const cJSON *h;
                cJSON_ArrayForEach(h, header)
                {
                    const char *name = h->valuestring;
                    if (h == header->child && !strncmp(name, "\xEF\xBB\xBF", 3))
                        name += 3; /* a BOM is allowed */
                    snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
                             got[0] ? "," : "", name);
                }
                for (int col = 0; col < LEDGER_COLS; col++)
                    snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%s",
                             col ? "," : "", ledger_columns[col]);
                CHECK_STR(got, want);
            }
            CHECK_INT(cJSON_GetArraySize(rows_csv), 1 + cJSON_GetArraySize(rows));
            cJSON_ArrayForEach(line, rows_csv)
            {
                const cJSON *json_row;
                if (i++ == 0)
                    continue;
                CHECK_INT(cJSON_GetArraySize(line), cJSON_GetArraySize(header));
                json_row = row_by_id(rows, cJSON_GetArrayItem(line, 0)->valuestring);
                if (!json_row) {
                    fprintf(stderr, "  CSV row %d has id %s, not in the JSON rows\n", i - 1,
                            cJSON_GetArrayItem(line, 0)->valuestring);
                    CHECK(json_row != NULL);
                    continue;
                }
                /* column by column, by the CSV's own header (its order is checked above) */
                for (int col = 0; col < cJSON_GetArraySize(line); col++) {
                    const char *text = cJSON_GetArrayItem(line, col)->valuestring;
                    const cJSON *h = cJSON_GetArrayItem(header, col);
                    const char *name = h ? h->valuestring : "";
                    const cJSON *v;
                    if (col == 0 && !strncmp(name, "\xEF\xBB\xBF", 3))
                        name += 3;
                    v = kefu_json_get(json_row, name);
                    if (!v || !csv_matches(text, v)) {
                        char *jv = v ? cJSON_PrintUnformatted(v) : NULL;
                        fprintf(stderr, "  CSV %s.%s = \"%s\" but JSON = %s\n",
                                label_of(kh_path_str(json_row, "id")), name, text,
                                jv ? jv : "(absent)");
                        cJSON_free(jv);
                        kefu_test_failed_checks++;
                    }
                }
            }
            /* the tricky texts came through byte for byte */
            {
                bool name_ok = false, model_ok = false;
                cJSON_ArrayForEach(line, rows_csv)
                {
                    if (!strcmp(cJSON_GetArrayItem(line, 3)->valuestring, TRICKY_NAME))
                        name_ok = true;
                    if (!strcmp(cJSON_GetArrayItem(line, 4)->valuestring, TRICKY_MODEL))
                        model_ok = true;
                }
                CHECK(name_ok);
                CHECK(model_ok);
            }
        }
        cJSON_Delete(rows_csv);
        cJSON_Delete(c);
    }
    cJSON_Delete(r);

    /* an empty ledger still has its header */
    {
        cJSON *c = call("complaints.Ledger", "{\"year\":2025,\"format\":\"csv\"}");
        const char *text = kh_path_str(kh_result(c), "csv");
        EXPECT_OK(c);
        rows_csv = text ? csv_parse(text, &why) : NULL;
        CHECK(rows_csv != NULL);
        CHECK_INT(cJSON_GetArraySize(rows_csv), 1);
        CHECK(cJSON_GetArraySize(cJSON_GetArrayItem(rows_csv, 0)) >= LEDGER_COLS);
        cJSON_Delete(rows_csv);
        cJSON_Delete(c);
    }
    /* bad params */
    {
        static const struct {
            const char *params, *field;
        } bad[] = {
            {"{\"month\":11}", "year"},
            {"{\"year\":2026,\"month\":13}", "month"},
            {"{\"year\":2026,\"month\":0}", "month"},
            {"{\"year\":2026,\"format\":\"xml\"}", "format"},
            {"{\"year\":\"2026\"}", "year"},
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            cJSON *b = call("complaints.Ledger", "%s", bad[i].params);
            EXPECT_CODE(b, 3, bad[i].field);
            cJSON_Delete(b);
        }
    }
}

/* ----------------------------------------------------------------- Stats */

static long long count_in(const cJSON *obj, const char *key)
{
    const cJSON *v = kefu_json_get(obj, key);
    int64_t n;
    if (!v)
        return 0;
    return kefu_json_int(v, &n) ? (long long)n : -999999;
}

static bool near(const cJSON *v, double want)
{
    return cJSON_IsNumber(v) && fabs(v->valuedouble - want) < 0.01;
}

static void expect_stats(const cJSON *s, long long total, long long closed, double on_time,
                         double hours, double rating, long long overdue_now, const char *file,
                         int line)
{
    bool bad = kh_path_int(s, "total") != total || kh_path_int(s, "closed") != closed ||
               kh_path_int(s, "overdue_now") != overdue_now ||
               !(on_time < 0 ? cJSON_IsNull(kefu_json_get(s, "on_time_rate"))
                             : near(kefu_json_get(s, "on_time_rate"), on_time)) ||
               !(hours < 0 ? cJSON_IsNull(kefu_json_get(s, "avg_resolution_hours"))
                           : near(kefu_json_get(s, "avg_resolution_hours"), hours)) ||
               !(rating < 0 ? cJSON_IsNull(kefu_json_get(s, "avg_rating"))
                            : near(kefu_json_get(s, "avg_rating"), rating));
    if (bad) {
        fprintf(stderr,
                "  %s:%d: expected total %lld closed %lld on_time_rate %g avg_resolution_hours %g "
                "avg_rating %g overdue_now %lld (negative = null)\n",
                file, line, total, closed, on_time, hours, rating, overdue_now);
        kh_print_reply("got", s);
        kefu_test_failed_checks++;
    }
}
#define EXPECT_STATS(s, total, closed, on_time, hours, rating, overdue_now)                        \
    expect_stats((s), (total), (closed), (on_time), (hours), (rating), (overdue_now), __FILE__,    \
                 __LINE__)

static void test_stats(void)
{
    kh_wait_serving(&svc);
    cJSON *r;
    const cJSON *s;

    kh_redis_flush(&redis);
    names_reset();
    set_clock("2026-09-30T23:59:00+08:00");
    create_named("S8", (spec){.category = "quality"});
    set_clock("2026-10-05T09:00:00+08:00");
    create_named("S1", (spec){.category = "quality", .severity = "minor"});
    set_clock("2026-10-05T10:00:00+08:00");
    DO("complaints.Assign", "{\"id\":\"%s\",\"department\":\"Production\"}", id_of("S1"));
    set_clock("2026-10-06T08:00:00+08:00");
    create_named("S2", (spec){.category = "delivery", .severity = "major"});
    set_clock("2026-10-06T09:00:00+08:00");
    DO("complaints.Resolve", resolve_fmt, id_of("S1")); /* 24 h, on time */
    DO("complaints.Assign", "{\"id\":\"%s\",\"department\":\"Sales\",\"due_in_days\":1}",
       id_of("S2"));
    set_clock("2026-10-07T09:00:00+08:00");
    DO("complaints.Confirm",
       "{\"id\":\"%s\",\"satisfied\":true,\"rating\":5,\"confirmed_by\":\"李雷\"}", id_of("S1"));
    set_clock("2026-10-07T12:00:00+08:00");
    create_named("S3", (spec){.category = "quality", .severity = "critical"});
    set_clock("2026-10-07T12:30:00+08:00");
    DO("complaints.Assign", "{\"id\":\"%s\",\"department\":\"Production\"}", id_of("S3"));
    set_clock("2026-10-08T08:00:00+08:00");
    DO("complaints.Resolve", resolve_fmt, id_of("S2")); /* 48 h, a day late */
    set_clock("2026-10-08T09:00:00+08:00");
    create_named("S4", (spec){.category = "service"});
    set_clock("2026-10-08T10:00:00+08:00");
    DO("complaints.Confirm",
       "{\"id\":\"%s\",\"satisfied\":true,\"rating\":2,\"confirmed_by\":\"李雷\"}", id_of("S2"));
    set_clock("2026-10-09T09:00:00+08:00");
    create_named("S5", (spec){.category = "documentation"});
    set_clock("2026-10-09T10:00:00+08:00");
    DO("complaints.Withdraw", "{\"id\":\"%s\",\"reason\":\"重复\"}", id_of("S5"));
    set_clock("2026-10-31T23:30:00+08:00");
    create_named("S6", (spec){.category = "quality"});
    set_clock("2026-11-01T00:10:00+08:00");
    DO("complaints.Assign", "{\"id\":\"%s\",\"department\":\"Sales\"}", id_of("S6"));
    set_clock("2026-11-01T00:30:00+08:00");
    create_named("S7", (spec){.category = "quality"});
    set_clock("2026-11-01T11:30:00+08:00");
    DO("complaints.Resolve", resolve_fmt, id_of("S6")); /* 12 h, on time */
    set_clock("2026-11-02T10:00:00+08:00");

    r = call("complaints.Stats", "{\"from\":\"2026-10-01\",\"to\":\"2026-10-31\"}");
    EXPECT_OK(r);
    s = kh_result(r);
    /* S1..S6: on time 2 of 3 resolved; (24 + 48 + 12) / 3 h; (5 + 2) / 2; S3 overdue */
    EXPECT_STATS(s, 6, 2, 2.0 / 3.0, 28.0, 3.5, 1);
    {
        const cJSON *st = kefu_json_get(s, "by_status"), *cat = kefu_json_get(s, "by_category"),
                    *dep = kefu_json_get(s, "by_department");
        CHECK(cJSON_IsObject(st) && cJSON_IsObject(cat) && cJSON_IsObject(dep));
        CHECK_INT(count_in(st, "closed"), 2);
        CHECK_INT(count_in(st, "assigned"), 1);
        CHECK_INT(count_in(st, "received"), 1);
        CHECK_INT(count_in(st, "withdrawn"), 1);
        CHECK_INT(count_in(st, "resolved"), 1);
        CHECK_INT(count_in(cat, "quality"), 3);
        CHECK_INT(count_in(cat, "delivery"), 1);
        CHECK_INT(count_in(cat, "service"), 1);
        CHECK_INT(count_in(cat, "documentation"), 1);
        CHECK_INT(count_in(cat, "other"), 0);
        CHECK_INT(count_in(dep, "Production"), 2);
        CHECK_INT(count_in(dep, "Sales"), 2);
        CHECK_INT(count_in(dep, ""), 2);
        CHECK_INT(cJSON_GetArraySize(dep), 3);
    }
    cJSON_Delete(r);

    /* per department (the assigned department) */
    r = call("complaints.Stats",
             "{\"from\":\"2026-10-01\",\"to\":\"2026-10-31\",\"department\":\"Production\"}");
    EXPECT_OK(r);
    EXPECT_STATS(kh_result(r), 2, 1, 1.0, 24.0, 5.0, 1);
    CHECK_INT(count_in(kefu_json_get(kh_result(r), "by_status"), "assigned"), 1);
    cJSON_Delete(r);
    r = call("complaints.Stats",
             "{\"from\":\"2026-10-01\",\"to\":\"2026-10-31\",\"department\":\"Sales\"}");
    EXPECT_OK(r);
    EXPECT_STATS(kh_result(r), 2, 1, 0.5, 30.0, 2.0, 0);
    cJSON_Delete(r);

    /* business dates at the edges: 23:30 on 31 Oct (+08:00) is 31 Oct */
    r = call("complaints.Stats", "{\"from\":\"2026-10-31\",\"to\":\"2026-10-31\"}");
    EXPECT_OK(r);
    EXPECT_STATS(kh_result(r), 1, 0, 1.0, 12.0, -1, 0);
    cJSON_Delete(r);
    r = call("complaints.Stats", "{\"from\":\"2026-09-30\",\"to\":\"2026-09-30\"}");
    EXPECT_OK(r);
    CHECK_INT(kh_path_int(kh_result(r), "total"), 1);
    cJSON_Delete(r);
    r = call("complaints.Stats", "{\"from\":\"2026-11-01\",\"to\":\"2026-11-30\"}");
    EXPECT_OK(r);
    EXPECT_STATS(kh_result(r), 1, 0, -1, -1, -1, 0);
    cJSON_Delete(r);
    r = call("complaints.Stats", "{\"from\":\"2026-09-01\",\"to\":\"2026-11-30\"}");
    EXPECT_OK(r);
    CHECK_INT(kh_path_int(kh_result(r), "total"), 8);
    cJSON_Delete(r);
    /* nothing in range */
    r = call("complaints.Stats", "{\"from\":\"2025-01-01\",\"to\":\"2025-12-31\"}");
    EXPECT_OK(r);
    EXPECT_STATS(kh_result(r), 0, 0, -1, -1, -1, 0);
    cJSON_Delete(r);
    /* bad params */
    r = call("complaints.Stats", "{\"from\":\"2026-10-32\",\"to\":\"2026-10-31\"}");
    EXPECT_CODE(r, 3, "from");
    cJSON_Delete(r);
    r = call("complaints.Stats", "{\"from\":\"2026-10-01\"}");
    EXPECT_CODE(r, 3, "to");
    cJSON_Delete(r);
}

/* ---------------------------------------------------------------- Report */

static bool has_id(const cJSON *list, const char *id)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, list)
    {
        if ((cJSON_IsString(it) && !strcmp(it->valuestring, id)) ||
            (kh_path_str(it, "id") && !strcmp(kh_path_str(it, "id"), id)))
            return true;
    }
    return false;
}

/* A stats object: one with a numeric "total". */
static bool is_stats(const cJSON *v)
{
    return cJSON_IsNumber(kefu_json_get(v, "total"));
}

/* The month's overall stats in a report (the README names no member): the
 * result itself, or its "total", "stats" or "overall" member. */
static const cJSON *report_overall(const cJSON *res)
{
    static const char *const keys[] = {"total", "stats", "overall", NULL};
    if (is_stats(res))
        return res;
    for (int i = 0; keys[i]; i++)
        if (is_stats(kefu_json_get(res, keys[i])))
            return kefu_json_get(res, keys[i]);
    return NULL;
}

/* The per-department stats of `dept` anywhere in a report: a member named
 * `dept` holding stats, or an element with "department": dept that is stats
 * or holds them in "stats". */
static const cJSON *report_department(const cJSON *v, const char *dept)
{
    const cJSON *c;
    if (cJSON_IsObject(v)) {
        const cJSON *d = kefu_json_get(v, dept);
        if (is_stats(d))
            return d;
        if (kh_path_str(v, "department") && !strcmp(kh_path_str(v, "department"), dept)) {
            if (is_stats(v))
                return v;
            if (is_stats(kefu_json_get(v, "stats")))
                return kefu_json_get(v, "stats");
        }
    }
    cJSON_ArrayForEach(c, v)
    {
        const cJSON *d = report_department(c, dept);
        if (d)
            return d;
    }
    return NULL;
}

static char *canonical_result(const cJSON *r)
{
    return kefu_json_canonical(kh_result(r) ? kh_result(r) : cJSON_CreateNull());
}

static void test_report_and_freeze(void)
{
    kh_wait_serving(&svc);
    cJSON *r, *frozen;
    char *frozen_text, *text;

    kh_redis_flush(&redis);
    names_reset();
    set_clock("2026-10-31T12:00:00+08:00");
    create_named("O1", (spec){0}); /* October: not in the November report */
    set_clock("2026-11-10T09:00:00+08:00");
    create_named("N2", (spec){.category = "quality"});
    DO("complaints.Assign", "{\"id\":\"%s\",\"department\":\"Production\",\"due_in_days\":1}",
       id_of("N2"));
    set_clock("2026-11-12T09:00:00+08:00");
    create_named("N3", (spec){.category = "delivery", .severity = "major"});
    set_clock("2026-11-12T10:00:00+08:00");
    DO("complaints.Assign", "{\"id\":\"%s\",\"department\":\"Sales\"}", id_of("N3"));
    set_clock("2026-11-13T10:00:00+08:00");
    DO("complaints.Resolve", resolve_fmt, id_of("N3"));
    set_clock("2026-11-14T10:00:00+08:00"); /* reopened: due 2026-11-21T10:00 */
    DO("complaints.Confirm", "{\"id\":\"%s\",\"satisfied\":false,\"confirmed_by\":\"李雷\"}",
       id_of("N3"));
    set_clock("2026-11-15T09:00:00+08:00");
    create_named("N4", (spec){0});
    DO("complaints.Assign", "{\"id\":\"%s\",\"department\":\"Production\",\"due_in_days\":1}",
       id_of("N4"));
    set_clock("2026-11-16T09:00:00+08:00");
    create_named("N5", (spec){0});
    DO("complaints.Assign", "{\"id\":\"%s\",\"department\":\"Production\"}", id_of("N5"));
    set_clock("2026-11-17T09:00:00+08:00");
    DO("complaints.Resolve", resolve_fmt, id_of("N4")); /* resolved late */
    DO("complaints.Confirm",
       "{\"id\":\"%s\",\"satisfied\":true,\"rating\":3,\"confirmed_by\":\"李雷\"}", id_of("N4"));
    set_clock("2026-11-18T09:00:00+08:00");
    DO("complaints.Resolve", resolve_fmt, id_of("N5")); /* on time */
    set_clock("2026-11-30T23:30:00+08:00");
    create_named("N1", (spec){.category = "service"});

    /* the month is not over: a report, but no freeze */
    set_clock("2026-11-30T23:40:00+08:00");
    r = call("complaints.Report", "{\"month\":\"2026-11\"}");
    EXPECT_OK(r);
    {
        const cJSON *res = kh_result(r), *overall = report_overall(res);
        const cJSON *overdue = kefu_json_get(res, "overdue"),
                    *reopened = kefu_json_get(res, "reopened");
        const cJSON *prod = report_department(res, "Production"),
                    *sales = report_department(res, "Sales");
        CHECK_INT(kh_path_int(overall, "total"), 5);
        CHECK_INT(kh_path_int(overall, "closed"), 1);
        CHECK(cJSON_IsArray(overdue) && cJSON_IsArray(reopened));
        /* overdue now (N2, N3) or resolved late (N4) */
        CHECK(has_id(overdue, id_of("N2")));
        CHECK(has_id(overdue, id_of("N3")));
        CHECK(has_id(overdue, id_of("N4")));
        CHECK(!has_id(overdue, id_of("N5")));
        CHECK(!has_id(overdue, id_of("N1")));
        CHECK_INT(cJSON_GetArraySize(overdue), 3);
        CHECK(has_id(reopened, id_of("N3")));
        CHECK_INT(cJSON_GetArraySize(reopened), 1);
        CHECK(prod != NULL && sales != NULL);
        CHECK_INT(kh_path_int(prod, "total"), 3);
        CHECK_INT(kh_path_int(sales, "total"), 1);
        CHECK(!cJSON_IsTrue(kefu_json_get(res, "frozen")));
    }
    cJSON_Delete(r);
    r = call("complaints.Report", "{\"month\":\"2026-11\",\"freeze\":true}");
    EXPECT_CODE(r, 9, NULL);
    cJSON_Delete(r);
    r = call("complaints.Report", "{\"month\":\"2026-12\",\"freeze\":true}");
    EXPECT_CODE(r, 9, NULL);
    cJSON_Delete(r);
    r = call("complaints.Report", "{\"month\":\"2027-01\",\"freeze\":true}");
    EXPECT_CODE(r, 9, NULL);
    cJSON_Delete(r);
    /* not frozen by the refused attempt */
    r = call("complaints.Report", "{\"month\":\"2026-11\"}");
    CHECK(!cJSON_IsTrue(kefu_json_get(kh_result(r), "frozen")));
    cJSON_Delete(r);

    /* December: freeze November */
    set_clock("2026-12-01T00:10:00+08:00");
    create_named("D1", (spec){0});
    r = call("complaints.Report", "{\"month\":\"2026-11\"}");
    EXPECT_OK(r);
    CHECK_INT(kh_path_int(report_overall(kh_result(r)), "total"), 5);
    CHECK(!cJSON_IsTrue(kefu_json_get(kh_result(r), "frozen")));
    cJSON_Delete(r);
    frozen = call("complaints.Report", "{\"month\":\"2026-11\",\"freeze\":true}");
    EXPECT_OK(frozen);
    CHECK(cJSON_IsTrue(kefu_json_get(kh_result(frozen), "frozen")));
    CHECK_INT(kh_path_int(report_overall(kh_result(frozen)), "total"), 5);
    frozen_text = canonical_result(frozen);

    /* later changes to November complaints, and a late-registered November letter */
    set_clock("2026-12-02T09:00:00+08:00");
    DO("complaints.Assign", "{\"id\":\"%s\",\"department\":\"Sales\"}", id_of("N1"));
    DO("complaints.Resolve", resolve_fmt, id_of("N2"));
    DO("complaints.Confirm", "{\"id\":\"%s\",\"satisfied\":true,\"confirmed_by\":\"李雷\"}",
       id_of("N2"));
    DO("complaints.Withdraw", "{\"id\":\"%s\",\"reason\":\"客户撤回\"}", id_of("N3"));
    create_named("N6", (spec){.received_at = "2026-11-20T10:00:00+08:00"});
    {
        /* the live figures did change */
        cJSON *st = call("complaints.Stats", "{\"from\":\"2026-11-01\",\"to\":\"2026-11-30\"}");
        CHECK_INT(kh_path_int(kh_result(st), "total"), 6);
        CHECK_INT(kh_path_int(kh_result(st), "closed"), 2);
        cJSON_Delete(st);
    }
    r = call("complaints.Report", "{\"month\":\"2026-11\"}");
    EXPECT_OK(r);
    text = canonical_result(r);
    CHECK(frozen_text && text && strcmp(frozen_text, text) == 0);
    CHECK(cJSON_IsTrue(kefu_json_get(kh_result(r), "frozen")));
    CHECK_INT(kh_path_int(report_overall(kh_result(r)), "total"), 5);
    cJSON_free(text);
    cJSON_Delete(r);
    /* freezing again returns the stored one, unchanged */
    r = call("complaints.Report", "{\"month\":\"2026-11\",\"freeze\":true}");
    EXPECT_OK(r);
    text = canonical_result(r);
    CHECK(frozen_text && text && strcmp(frozen_text, text) == 0);
    cJSON_free(text);
    cJSON_Delete(r);
    /* December is live */
    r = call("complaints.Report", "{\"month\":\"2026-12\"}");
    EXPECT_OK(r);
    CHECK_INT(kh_path_int(report_overall(kh_result(r)), "total"), 1);
    CHECK(!cJSON_IsTrue(kefu_json_get(kh_result(r), "frozen")));
    cJSON_Delete(r);
    /* October was never frozen: it is computed now */
    r = call("complaints.Report", "{\"month\":\"2026-10\"}");
    EXPECT_OK(r);
    CHECK_INT(kh_path_int(report_overall(kh_result(r)), "total"), 1);
    cJSON_Delete(r);
    /* bad month */
    r = call("complaints.Report", "{\"month\":\"2026-13\"}");
    EXPECT_CODE(r, 3, "month");
    cJSON_Delete(r);
    r = call("complaints.Report", "{\"month\":\"2026-11-01\"}");
    EXPECT_CODE(r, 3, "month");
    cJSON_Delete(r);
    r = call("complaints.Report", "{}");
    EXPECT_CODE(r, 3, "month");
    cJSON_Delete(r);
    cJSON_free(frozen_text);
    cJSON_Delete(frozen);
}

KEFU_TESTS = {
    {"csv_parser_self_check", test_csv_parser_self_check},
    {"list_filters", test_list_filters},
    {"overdue_due_soon_escalations", test_overdue_due_soon_escalations},
    {"paging_under_inserts", test_paging_under_inserts},
    {"limit_and_cursor_checks", test_limit_and_cursor_checks},
    {"ledger_json_and_csv", test_ledger_json_and_csv},
    {"stats", test_stats},
    {"report_and_freeze", test_report_and_freeze},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    const char *extra[] = {"--test-clock", NULL};
    int rc = kh_suite_main(argc, argv, &redis, &svc, "complaints", extra);
    pool_close();
    return rc;
}
