/*
 * integration.returns_lifecycle - the return state machine of SPEC section 4
 * over real sockets against a real Redis, with the test clock: draft ->
 * confirmed -> submitted -> approved -> shipped -> received -> settled with
 * every field and a credit total checked by hand; items evaluated at
 * creation; boxes that do not add up; freight stations; settling credit the
 * evaluation does not allow; every illegal transition; unknown ids;
 * expected_version; idempotent Create; History; PackingList (JSON and
 * text); Stats; List paging while returns are added; complaint_id written
 * to the outbox with the return.
 */
#define _GNU_SOURCE /* asprintf */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "json.h"
#include "test.h"

static kh_redis redis;
static kh_service svc;

/* ---------------------------------------------------------------- helpers */

/* A call with params from printf, optionally with idempotency key `key`. The
 * first call without a reply marks the service gone and the rest of the
 * suite fails fast. */
#define OPTS(idem)                                                                                 \
    (&(kefu_call_opts){.deadline_ms = 10000, .max_attempts = 1, .idempotency_key = (idem)})
#define call(method, ...)          kh_service_callf(&svc, OPTS(NULL), (method), __VA_ARGS__)
#define call_key(key, method, ...) kh_service_callf(&svc, OPTS(key), (method), __VA_ARGS__)

#define EXPECT(r, code, field, what) KH_EXPECT((r), (code), (field), (what))
#define EXPECT_OK(r, what)           KH_EXPECT_OK((r), (what))

/* Calls and expects OK; returns nothing. */
#define DO(method, ...) KH_EXPECT_FREE(call((method), __VA_ARGS__), 0, NULL, (method))

/* Calls and expects `code` and `field`. */
#define FAILS(code, field, method, ...)                                                            \
    KH_EXPECT_FREE(call((method), __VA_ARGS__), (code), (field), (method))

static void set_clock(const char *now)
{
    DO("sys.SetClock", "{\"now\":\"%s\"}", now);
}

static void reset(void)
{
    kh_redis_flush(&redis);
    set_clock("2026-11-02T10:00:00+08:00");
}

/* The standard items (3 lines) and boxes of the hand-checked example:
 *  1: cfl, 10 x 12.50, made 2026-01-15: in warranty (18 months) -> credit 12500
 *  2: ceiling_light ballast, 4 x 39.00, made 2025-06-01: in warranty (27) -> 15600
 *  3: ceiling_light whole lamp, 1 x 199.00: repair, no credit
 *  4: cfl, 3 x 9.99, made 2024-01-10: expired on 2025-07-10 -> reject */
static const char *items_json =
    "[{\"model\":\"CFL-18W\",\"category\":\"cfl\",\"quantity\":10,\"production_date\":"
    "\"2026-01-15\",\"unit_price_cents\":1250,\"defect\":\"不亮\"},"
    "{\"model\":\"XD-300\",\"category\":\"ceiling_light\",\"component\":\"ballast\","
    "\"quantity\":4,\"production_date\":\"2025-06-01\",\"unit_price_cents\":3900},"
    "{\"model\":\"XD-300\",\"category\":\"ceiling_light\",\"quantity\":1,"
    "\"production_date\":\"2025-06-01\",\"unit_price_cents\":19900},"
    "{\"model\":\"CFL-9W\",\"category\":\"cfl\",\"quantity\":3,\"production_date\":"
    "\"2024-01-10\",\"unit_price_cents\":999}]";
static const char *boxes_json =
    "[{\"lines\":[{\"line\":1,\"quantity\":6},{\"line\":2,\"quantity\":4}]},"
    "{\"lines\":[{\"line\":1,\"quantity\":4},{\"line\":3,\"quantity\":1},{\"line\":4,"
    "\"quantity\":3}]}]";

/* Create params with the standard items/boxes unless given. */
static char *create_params(const char *customer, const char *region, const char *station,
                           const char *items, const char *boxes, const char *extra)
{
    char *p = NULL;
    if (asprintf(&p,
                 "{\"customer\":{\"id\":\"%s\",\"short_name\":\"华光\",\"name\":\"中山华光照明"
                 "有限公司\"},\"region\":\"%s\",\"regional_manager\":\"李明\",\"reason\":"
                 "\"quality\",\"freight_station\":\"%s\",\"items\":%s,\"boxes\":%s%s}",
                 customer, region, station, items ? items : items_json, boxes ? boxes : boxes_json,
                 extra ? extra : "") < 0)
        p = NULL;
    return p;
}

/* Creates a return; its id in a static ring. */
static const char *create(const char *customer, const char *region)
{
    static char ring[16][24];
    static int next;
    char *id = ring[next++ % 16], *p = create_params(customer, region, "小榄", NULL, NULL, NULL);
    cJSON *r = call("returns.Create", "%s", p);
    EXPECT_OK(r, "returns.Create");
    snprintf(id, 24, "%s", kh_str(r, "id") ? kh_str(r, "id") : "none");
    cJSON_Delete(r);
    free(p);
    return id;
}

static const char *settle_lines = "[{\"line\":1,\"outcome\":\"credit\"},{\"line\":2,\"outcome\":"
                                  "\"credit\"},{\"line\":3,\"outcome\":\"repair\"},{\"line\":4,"
                                  "\"outcome\":\"reject\"}]";

static const char *status_of(const char *id);

/* Moves `id` from its status to `status` along the happy path. */
static void advance(const char *id, const char *status)
{
    static const char *const order[] = {"confirmed", "submitted", "approved", "shipped",
                                        "received",  "settled",   NULL};
    const char *now = status_of(id);
    int first = 0;

    for (int i = 0; order[i]; i++) {
        if (strcmp(order[i], now) == 0)
            first = i + 1;
    }
    for (int i = first; order[i]; i++) {
        switch (i) {
        case 0:
            DO("returns.Confirm",
               "{\"id\":\"%s\",\"customer_signature\":\"王强\",\"manager_signature\":\"李明\"}",
               id);
            break;
        case 1:
            DO("returns.Submit", "{\"id\":\"%s\"}", id);
            break;
        case 2:
            DO("returns.Approve", "{\"id\":\"%s\",\"by\":\"售后服务组\"}", id);
            break;
        case 3:
            DO("returns.Ship", "{\"id\":\"%s\",\"carrier\":\"德邦物流\",\"waybill\":\"DB88\"}", id);
            break;
        case 4:
            DO("returns.Receive", "{\"id\":\"%s\",\"boxes_received\":2}", id);
            break;
        case 5:
            DO("returns.Settle", "{\"id\":\"%s\",\"lines\":%s}", id, settle_lines);
            break;
        }
        if (strcmp(order[i], status) == 0)
            return;
    }
}

static cJSON *get(const char *id)
{
    return call("returns.Get", "{\"id\":\"%s\"}", id);
}

static const char *status_of(const char *id)
{
    static char s[32];
    cJSON *r = get(id);
    snprintf(s, sizeof(s), "%s", kh_str(r, "status") ? kh_str(r, "status") : "?");
    cJSON_Delete(r);
    return s;
}

/* ------------------------------------------------------------------ tests */

static void test_full_lifecycle(void)
{
    static const char *const fields[] = {"id",
                                         "status",
                                         "customer",
                                         "region",
                                         "regional_manager",
                                         "reason",
                                         "freight_station",
                                         "station_reason",
                                         "customer_bears_freight",
                                         "items",
                                         "boxes",
                                         "signatures",
                                         "approval",
                                         "shipment",
                                         "receipt",
                                         "settlement",
                                         "complaint_id",
                                         "created_at",
                                         "updated_at",
                                         "version",
                                         NULL};
    const char *id;
    cJSON *r;

    reset();
    id = create("K001", "华南");
    CHECK_STR(id, "R2026-000001");
    r = get(id);
    EXPECT_OK(r, "Get");
    for (int i = 0; fields[i]; i++) {
        if (!kh_path(kh_result(r), fields[i])) {
            fprintf(stderr, "  field %s missing\n", fields[i]);
            kefu_test_failed_checks++;
        }
    }
    CHECK_STR(kh_str(r, "status"), "draft");
    CHECK_STR(kh_str(r, "freight_station"), "xiaolan");
    CHECK(cJSON_IsFalse(kh_path(kh_result(r), "customer_bears_freight")));
    CHECK(cJSON_IsNull(kh_path(kh_result(r), "signatures")));
    CHECK(cJSON_IsNull(kh_path(kh_result(r), "settlement")));
    CHECK(cJSON_IsNull(kh_path(kh_result(r), "complaint_id")));
    CHECK_STR(kh_str(r, "created_at"), "2026-11-02T10:00:00+08:00");
    CHECK_INT(kh_path_int(kh_result(r), "version"), 1);
    /* Items evaluated at creation. */
    const cJSON *items = kh_path(kh_result(r), "items");
    CHECK_INT(cJSON_GetArraySize(items), 4);
    CHECK_STR(kh_path_str(cJSON_GetArrayItem(items, 0), "evaluation.rule"), "cfl.unit.in_warranty");
    CHECK_STR(kh_path_str(cJSON_GetArrayItem(items, 0), "evaluation.expires_on"), "2027-07-15");
    CHECK_INT(kh_path_int(cJSON_GetArrayItem(items, 0), "evaluation.credit_cents"), 12500);
    CHECK_INT(kh_path_int(cJSON_GetArrayItem(items, 1), "evaluation.credit_cents"), 15600);
    CHECK_STR(kh_path_str(cJSON_GetArrayItem(items, 2), "evaluation.remedy"), "repair");
    CHECK_INT(kh_path_int(cJSON_GetArrayItem(items, 2), "evaluation.credit_cents"), 0);
    CHECK_STR(kh_path_str(cJSON_GetArrayItem(items, 3), "evaluation.rule"), "cfl.unit.expired");
    CHECK_STR(kh_path_str(cJSON_GetArrayItem(items, 3), "condition"), "quality_defect");
    CHECK_INT(kh_path_int(cJSON_GetArrayItem(items, 3), "line"), 4);
    /* Boxes labelled <short_name>-<seq>. */
    const cJSON *boxes = kh_path(kh_result(r), "boxes");
    CHECK_INT(cJSON_GetArraySize(boxes), 2);
    CHECK_STR(kh_path_str(cJSON_GetArrayItem(boxes, 0), "label"), "华光-1");
    CHECK_STR(kh_path_str(cJSON_GetArrayItem(boxes, 1), "label"), "华光-2");
    CHECK_INT(kh_path_int(cJSON_GetArrayItem(boxes, 1), "seq"), 2);
    cJSON_Delete(r);

    set_clock("2026-11-03T09:00:00+08:00");
    r = call("returns.Confirm",
             "{\"id\":\"%s\",\"customer_signature\":\"王强\",\"manager_signature\":\"李明\"}", id);
    EXPECT_OK(r, "Confirm");
    CHECK_STR(kh_str(r, "status"), "confirmed");
    CHECK_STR(kh_str(r, "signatures.customer"), "王强");
    CHECK_STR(kh_str(r, "signatures.regional_manager"), "李明");
    CHECK_INT(kh_path_int(kh_result(r), "version"), 2);
    CHECK_STR(kh_str(r, "updated_at"), "2026-11-03T09:00:00+08:00");
    cJSON_Delete(r);
    r = call("returns.Submit", "{\"id\":\"%s\"}", id);
    EXPECT_OK(r, "Submit");
    CHECK_STR(kh_str(r, "status"), "submitted");
    CHECK_STR(kh_str(r, "quota_month"), "2026-11");
    cJSON_Delete(r);
    r = call("returns.Approve", "{\"id\":\"%s\",\"by\":\"售后服务组\",\"note\":\"同意\"}", id);
    EXPECT_OK(r, "Approve");
    CHECK_STR(kh_str(r, "approval.by"), "售后服务组");
    CHECK_STR(kh_str(r, "approval.note"), "同意");
    CHECK_STR(kh_str(r, "approval.at"), "2026-11-03T09:00:00+08:00");
    cJSON_Delete(r);
    r = call("returns.Ship", "{\"id\":\"%s\",\"carrier\":\"德邦物流\",\"waybill\":\"DB88\"}", id);
    EXPECT_OK(r, "Ship");
    CHECK_STR(kh_str(r, "shipment.carrier"), "德邦物流");
    CHECK_STR(kh_str(r, "shipment.waybill"), "DB88");
    CHECK_STR(kh_str(r, "shipment.shipped_at"), "2026-11-03T09:00:00+08:00");
    cJSON_Delete(r);
    /* One box missing needs the discrepancies written down. */
    FAILS(3, "discrepancies", "returns.Receive", "{\"id\":\"%s\",\"boxes_received\":1}", id);
    r = call("returns.Receive",
             "{\"id\":\"%s\",\"boxes_received\":2,\"discrepancies\":\"第2箱外箱破损\"}", id);
    EXPECT_OK(r, "Receive");
    CHECK_INT(kh_path_int(kh_result(r), "receipt.boxes_received"), 2);
    CHECK_STR(kh_str(r, "receipt.discrepancies"), "第2箱外箱破损");
    cJSON_Delete(r);

    /* Settle: credit only where the evaluation allows it. */
    FAILS(9, "lines[2].outcome", "returns.Settle",
          "{\"id\":\"%s\",\"lines\":[{\"line\":1,\"outcome\":\"credit\"},{\"line\":2,"
          "\"outcome\":\"credit\"},{\"line\":3,\"outcome\":\"credit\"},{\"line\":4,"
          "\"outcome\":\"reject\"}]}",
          id);
    FAILS(9, "lines[0].outcome", "returns.Settle",
          "{\"id\":\"%s\",\"lines\":[{\"line\":4,\"outcome\":\"credit\"},{\"line\":2,"
          "\"outcome\":\"credit\"},{\"line\":3,\"outcome\":\"repair\"},{\"line\":1,"
          "\"outcome\":\"credit\"}]}",
          id);
    /* Every line exactly once. */
    FAILS(3, "lines", "returns.Settle",
          "{\"id\":\"%s\",\"lines\":[{\"line\":1,\"outcome\":\"credit\"},{\"line\":2,"
          "\"outcome\":\"credit\"},{\"line\":3,\"outcome\":\"repair\"}]}",
          id);
    FAILS(3, "lines[1].line", "returns.Settle",
          "{\"id\":\"%s\",\"lines\":[{\"line\":1,\"outcome\":\"credit\"},{\"line\":1,"
          "\"outcome\":\"repair\"}]}",
          id);
    FAILS(3, "lines[0].line", "returns.Settle",
          "{\"id\":\"%s\",\"lines\":[{\"line\":5,\"outcome\":\"credit\"}]}", id);
    FAILS(3, "lines[0].outcome", "returns.Settle",
          "{\"id\":\"%s\",\"lines\":[{\"line\":1,\"outcome\":\"refund\"}]}", id);
    CHECK_STR(status_of(id), "received");

    set_clock("2026-11-20T16:30:00+08:00");
    r = call("returns.Settle", "{\"id\":\"%s\",\"lines\":%s}", id, settle_lines);
    EXPECT_OK(r, "Settle");
    CHECK_STR(kh_str(r, "status"), "settled");
    /* By hand: 10 x 1250 + 4 x 3900 = 12500 + 15600 = 28100 cents. */
    CHECK_INT(kh_path_int(kh_result(r), "settlement.credit_total_cents"), 28100);
    CHECK_STR(kh_str(r, "settlement.settled_at"), "2026-11-20T16:30:00+08:00");
    const cJSON *lines = kh_path(kh_result(r), "settlement.lines");
    CHECK_INT(cJSON_GetArraySize(lines), 4);
    CHECK_INT(kh_path_int(cJSON_GetArrayItem(lines, 0), "credit_cents"), 12500);
    CHECK_INT(kh_path_int(cJSON_GetArrayItem(lines, 1), "credit_cents"), 15600);
    CHECK_INT(kh_path_int(cJSON_GetArrayItem(lines, 2), "credit_cents"), 0);
    CHECK_STR(kh_path_str(cJSON_GetArrayItem(lines, 3), "outcome"), "reject");
    CHECK_INT(kh_path_int(kh_result(r), "version"), 7);
    cJSON_Delete(r);

    /* History: one event per change, oldest first. */
    r = call("returns.History", "{\"id\":\"%s\"}", id);
    EXPECT_OK(r, "History");
    {
        static const char *const actions[] = {"create", "confirm", "submit", "approve",
                                              "ship",   "receive", "settle", NULL};
        const cJSON *ev = kh_path(kh_result(r), "events");
        CHECK_INT(cJSON_GetArraySize(ev), 7);
        for (int i = 0; actions[i]; i++)
            CHECK_STR(kh_path_str(cJSON_GetArrayItem(ev, i), "action"), actions[i]);
        CHECK_STR(kh_path_str(cJSON_GetArrayItem(ev, 6), "by"), "local");
        CHECK_STR(kh_path_str(cJSON_GetArrayItem(ev, 6), "from"), "received");
    }
    cJSON_Delete(r);
}

/* Box quantities must add up exactly to each item's; the field is named. */
static void test_boxes_add_up(void)
{
    static const struct {
        const char *boxes, *field;
    } cases[] = {
        /* item 1 has 10: 6 + 5 is one too many, found at the second box's line */
        {"[{\"lines\":[{\"line\":1,\"quantity\":6},{\"line\":2,\"quantity\":4}]},"
         "{\"lines\":[{\"line\":1,\"quantity\":5},{\"line\":3,\"quantity\":1},{\"line\":4,"
         "\"quantity\":3}]}]",
         "boxes[1].lines[0].quantity"},
        /* item 3 (index 2) is in no box */
        {"[{\"lines\":[{\"line\":1,\"quantity\":10},{\"line\":2,\"quantity\":4},{\"line\":4,"
         "\"quantity\":3}]}]",
         "items[2].quantity"},
        /* item 1 short by one */
        {"[{\"lines\":[{\"line\":1,\"quantity\":9},{\"line\":2,\"quantity\":4},{\"line\":3,"
         "\"quantity\":1},{\"line\":4,\"quantity\":3}]}]",
         "items[0].quantity"},
        /* no item 5 */
        {"[{\"lines\":[{\"line\":5,\"quantity\":1}]}]", "boxes[0].lines[0].line"},
        /* the same line twice in one box */
        {"[{\"lines\":[{\"line\":1,\"quantity\":5},{\"line\":1,\"quantity\":5}]}]",
         "boxes[0].lines[1].line"},
        {"[]", "boxes"},
        {"[{\"lines\":[]}]", "boxes[0].lines"},
        {"[{\"lines\":[{\"line\":1,\"quantity\":0}]}]", "boxes[0].lines[0].quantity"},
        {NULL, NULL},
    };

    reset();
    for (int i = 0; cases[i].boxes; i++) {
        char *p = create_params("K001", "华南", "小榄", NULL, cases[i].boxes, NULL);
        FAILS(3, cases[i].field, "returns.Create", "%s", p);
        free(p);
    }
    /* Other item faults name their field. */
    {
        static const struct {
            const char *items, *field;
        } bad[] = {
            {"[{\"model\":\"A\",\"category\":\"lamp\",\"quantity\":1,\"production_date\":"
             "\"2026-01-01\",\"unit_price_cents\":1}]",
             "items[0].category"},
            {"[{\"model\":\"A\",\"category\":\"cfl\",\"component\":\"motor\",\"quantity\":1,"
             "\"production_date\":\"2026-01-01\",\"unit_price_cents\":1}]",
             "items[0].component"},
            {"[{\"model\":\"A\",\"category\":\"cfl\",\"condition\":\"wet\",\"quantity\":1,"
             "\"production_date\":\"2026-01-01\",\"unit_price_cents\":1}]",
             "items[0].condition"},
            {"[{\"model\":\"A\",\"category\":\"cfl\",\"quantity\":1,\"production_date\":"
             "\"2026-12-01\",\"unit_price_cents\":1}]",
             "items[0].production_date"},
            {"[{\"model\":\"A\",\"category\":\"cfl\",\"quantity\":1,\"production_date\":"
             "\"2026-01-01\",\"unit_price_cents\":-1}]",
             "items[0].unit_price_cents"},
            {"[{\"model\":\"A\",\"category\":\"cfl\",\"quantity\":1.5,\"production_date\":"
             "\"2026-01-01\",\"unit_price_cents\":1}]",
             "items[0].quantity"},
            {NULL, NULL},
        };
        for (int i = 0; bad[i].items; i++) {
            char *p = create_params("K001", "华南", "小榄", bad[i].items,
                                    "[{\"lines\":[{\"line\":1,\"quantity\":1}]}]", NULL);
            FAILS(3, bad[i].field, "returns.Create", "%s", p);
            free(p);
        }
    }
    /* Nothing was created. */
    {
        char *keys = kh_redis_cli(&redis, "KEYS kefu:return:*");
        CHECK(keys && strstr(keys, "R2026") == NULL);
        free(keys);
    }
}

/* Freight stations: allowed -> company pays; exception -> with a reason;
 * any other -> the customer bears freight. */
static void test_freight(void)
{
    char *p;
    cJSON *r;

    reset();
    p = create_params("K001", "华南", "Guzhen", NULL, NULL, NULL);
    r = call("returns.Create", "%s", p);
    EXPECT_OK(r, "allowed station");
    CHECK_STR(kh_str(r, "freight_station"), "guzhen");
    CHECK(cJSON_IsFalse(kh_path(kh_result(r), "customer_bears_freight")));
    cJSON_Delete(r);
    free(p);

    p = create_params("K001", "华南", "东凤", NULL, NULL, NULL);
    FAILS(3, "station_reason", "returns.Create", "%s", p);
    free(p);
    p = create_params("K001", "华南", "东凤", NULL, NULL, ",\"station_reason\":\"小榄站停运\"");
    r = call("returns.Create", "%s", p);
    EXPECT_OK(r, "exception station");
    CHECK_STR(kh_str(r, "freight_station"), "dongfeng");
    CHECK_STR(kh_str(r, "station_reason"), "小榄站停运");
    CHECK(cJSON_IsFalse(kh_path(kh_result(r), "customer_bears_freight")));
    cJSON_Delete(r);
    free(p);

    p = create_params("K001", "华南", "广州", NULL, NULL, NULL);
    r = call("returns.Create", "%s", p);
    EXPECT_OK(r, "other station");
    CHECK_STR(kh_str(r, "freight_station"), "广州");
    CHECK(cJSON_IsTrue(kh_path(kh_result(r), "customer_bears_freight")));
    cJSON_Delete(r);
    free(p);
}

/* Every transition not in the state machine is FAILED_PRECONDITION naming
 * the current status, and changes nothing. */
static void test_illegal_transitions(void)
{
    static const char *const statuses[] = {"draft",     "confirmed", "submitted", "approved",
                                           "shipped",   "received",  "settled",   "rejected",
                                           "cancelled", NULL};
    /* Which statuses each method accepts. */
    static const struct {
        const char *method, *params, *allowed;
    } methods[] = {
        {"returns.Confirm", ",\"customer_signature\":\"王\",\"manager_signature\":\"李\"", "draft"},
        {"returns.Submit", "", "confirmed"},
        {"returns.Approve", ",\"by\":\"组\"", "submitted"},
        {"returns.Reject", ",\"by\":\"组\",\"reason\":\"不符\"", "submitted"},
        {"returns.Ship", ",\"carrier\":\"c\",\"waybill\":\"w\"", "approved"},
        {"returns.Receive", ",\"boxes_received\":2", "shipped"},
        {"returns.Settle",
         ",\"lines\":[{\"line\":1,\"outcome\":\"credit\"},{\"line\":2,\"outcome\":\"credit\"},"
         "{\"line\":3,\"outcome\":\"repair\"},{\"line\":4,\"outcome\":\"reject\"}]",
         "received"},
        {"returns.Cancel", ",\"reason\":\"客户撤回\"", "draft confirmed submitted"},
        {NULL, NULL, NULL},
    };
    char ids[9][24];

    reset();
    /* One return in each status, each of its own customer (the monthly quota). */
    for (int s = 0; statuses[s]; s++) {
        char customer[16];
        snprintf(customer, sizeof(customer), "T%d", s);
        snprintf(ids[s], sizeof(ids[s]), "%s", create(customer, "华南"));
        if (strcmp(statuses[s], "rejected") == 0) {
            advance(ids[s], "submitted");
            DO("returns.Reject", "{\"id\":\"%s\",\"by\":\"组\",\"reason\":\"不符\"}", ids[s]);
        } else if (strcmp(statuses[s], "cancelled") == 0) {
            DO("returns.Cancel", "{\"id\":\"%s\",\"reason\":\"重复\"}", ids[s]);
        } else if (strcmp(statuses[s], "draft") != 0) {
            advance(ids[s], statuses[s]);
        }
        CHECK_STR(status_of(ids[s]), statuses[s]);
    }
    for (int m = 0; methods[m].method; m++) {
        for (int s = 0; statuses[s]; s++) {
            char msg[128];
            cJSON *r;
            if (strstr(methods[m].allowed, statuses[s]))
                continue;
            r = call(methods[m].method, "{\"id\":\"%s\"%s}", ids[s], methods[m].params);
            snprintf(msg, sizeof(msg), "%s on %s", methods[m].method, statuses[s]);
            EXPECT(r, 9, "id", msg);
            if (kh_code(r) == 9 && !strstr(kh_path_str(r, "error.message"), statuses[s])) {
                fprintf(stderr, "  %s: message does not name the status\n", msg);
                kh_print_reply("got", r);
                kefu_test_failed_checks++;
            }
            cJSON_Delete(r);
            CHECK_STR(status_of(ids[s]), statuses[s]);
        }
    }
    /* Unknown ids, malformed ids. */
    for (int m = 0; methods[m].method; m++) {
        FAILS(5, "id", methods[m].method, "{\"id\":\"R2026-999999\"%s}", methods[m].params);
        FAILS(3, "id", methods[m].method, "{\"id\":\"C2026-000001\"%s}", methods[m].params);
    }
    FAILS(5, "id", "returns.Get", "{\"id\":\"R2026-999999\"}");
    FAILS(5, "id", "returns.History", "{\"id\":\"R2026-999999\"}");
    FAILS(5, "id", "returns.PackingList", "{\"id\":\"R2026-999999\"}");
    /* Confirm needs both signatures. */
    FAILS(3, "manager_signature", "returns.Confirm",
          "{\"id\":\"%s\",\"customer_signature\":\"王\"}", ids[0]);
    FAILS(3, "customer_signature", "returns.Confirm",
          "{\"id\":\"%s\",\"manager_signature\":\"李\"}", ids[0]);
    FAILS(3, "customer_signature", "returns.Confirm",
          "{\"id\":\"%s\",\"customer_signature\":\"\",\"manager_signature\":\"李\"}", ids[0]);
}

static void test_expected_version(void)
{
    const char *id;
    cJSON *r;

    reset();
    id = create("K001", "华南");
    FAILS(10, "expected_version", "returns.Confirm",
          "{\"id\":\"%s\",\"customer_signature\":\"王\",\"manager_signature\":\"李\","
          "\"expected_version\":2}",
          id);
    r = call("returns.Confirm",
             "{\"id\":\"%s\",\"customer_signature\":\"王\",\"manager_signature\":\"李\","
             "\"expected_version\":1}",
             id);
    EXPECT_OK(r, "Confirm at version 1");
    CHECK_INT(kh_path_int(kh_result(r), "version"), 2);
    cJSON_Delete(r);
    advance(id, "received");
    FAILS(10, "expected_version", "returns.Settle",
          "{\"id\":\"%s\",\"lines\":%s,\"expected_version\":5}", id, settle_lines);
    DO("returns.Settle", "{\"id\":\"%s\",\"lines\":%s,\"expected_version\":6}", id, settle_lines);
}

/* The same idempotency key gives the first result and no second record. */
static void test_idempotent_create(void)
{
    char *p = create_params("K001", "华南", "小榄", NULL, NULL, NULL);
    char *other = create_params("K002", "华南", "小榄", NULL, NULL, NULL);
    cJSON *a, *b, *c;
    char *keys;

    reset();
    a = call_key("create-once-1", "returns.Create", "%s", p);
    b = call_key("create-once-1", "returns.Create", "%s", p);
    EXPECT_OK(a, "first");
    EXPECT_OK(b, "retry");
    CHECK_STR(kh_str(a, "id"), "R2026-000001");
    CHECK_STR(kh_str(b, "id"), "R2026-000001");
    c = call_key("create-once-1", "returns.Create", "%s", other);
    EXPECT(c, 9, "meta.idempotency_key", "same key, other params");
    keys = kh_redis_cli(&redis, "ZCARD kefu:returns:idx:all");
    CHECK(keys && atoi(keys) == 1);
    free(keys);
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_Delete(c);
    /* Settle (two steps) replays too. */
    advance("R2026-000001", "received");
    a = call_key("settle-once", "returns.Settle", "{\"id\":\"R2026-000001\",\"lines\":%s}",
                 settle_lines);
    b = call_key("settle-once", "returns.Settle", "{\"id\":\"R2026-000001\",\"lines\":%s}",
                 settle_lines);
    EXPECT_OK(a, "settle");
    EXPECT_OK(b, "settle replay");
    CHECK_INT(kh_path_int(kh_result(b), "settlement.credit_total_cents"), 28100);
    cJSON_Delete(a);
    cJSON_Delete(b);
    free(p);
    free(other);
}

static void test_packing_list(void)
{
    const char *id;
    cJSON *r;

    reset();
    id = create("K001", "华南");
    r = call("returns.PackingList", "{\"id\":\"%s\"}", id);
    EXPECT_OK(r, "PackingList json");
    {
        const cJSON *boxes = kh_path(kh_result(r), "boxes");
        const cJSON *b2 = cJSON_GetArrayItem(boxes, 1);
        const cJSON *l = cJSON_GetArrayItem(kh_path(b2, "lines"), 0);
        CHECK_INT(cJSON_GetArraySize(boxes), 2);
        CHECK_STR(kh_path_str(b2, "label"), "华光-2");
        CHECK_INT(kh_path_int(b2, "total_quantity"), 8);
        CHECK_STR(kh_path_str(l, "model"), "CFL-18W");
        CHECK_STR(kh_path_str(l, "category"), "cfl");
        CHECK_STR(kh_path_str(l, "category_label"), "节能灯");
        CHECK_INT(kh_path_int(l, "quantity"), 4);
        l = cJSON_GetArrayItem(kh_path(cJSON_GetArrayItem(boxes, 0), "lines"), 1);
        CHECK_STR(kh_path_str(l, "component"), "ballast");
        CHECK_STR(kh_path_str(l, "component_label"), "电子镇流器");
    }
    cJSON_Delete(r);
    r = call("returns.PackingList", "{\"id\":\"%s\",\"format\":\"text\"}", id);
    EXPECT_OK(r, "PackingList text");
    {
        const char *t = kh_str(r, "text");
        CHECK(t && strstr(t, "随箱清单"));
        CHECK(t && strstr(t, "华光-1"));
        CHECK(t && strstr(t, "华光-2"));
        CHECK(t && strstr(t, "节能灯"));
        CHECK(t && strstr(t, "电子镇流器"));
        CHECK(t && strstr(t, "吸顶灯"));
        CHECK(t && strstr(t, "XD-300"));
        /* Box 1 holds 6 + 4 = 10 units; box 2 4 + 1 + 3 = 8. */
        CHECK(t && strstr(t, "Total: 10\n"));
        CHECK(t && strstr(t, "Total: 8\n"));
    }
    cJSON_Delete(r);
    FAILS(3, "format", "returns.PackingList", "{\"id\":\"%s\",\"format\":\"pdf\"}", id);
}

static void test_stats(void)
{
    const char *a, *b, *c, *d;
    cJSON *r;

    reset();
    a = create("S1", "华南");
    advance(a, "settled"); /* 28100 in 华南: cfl 12500, ceiling_light 15600 */
    b = create("S2", "华东");
    advance(b, "settled"); /* 28100 in 华东 */
    c = create("S3", "华东");
    advance(c, "submitted");
    DO("returns.Reject", "{\"id\":\"%s\",\"by\":\"组\",\"reason\":\"超过保修期\"}", c);
    d = create("S4", "华东");
    advance(d, "submitted");
    DO("returns.Reject", "{\"id\":\"%s\",\"by\":\"组\",\"reason\":\"超过保修期\"}", d);
    create("S5", "华北");
    /* Out of the range. */
    set_clock("2026-12-01T00:00:00+08:00");
    advance(create("S6", "华南"), "settled");

    r = call("returns.Stats", "{\"from\":\"2026-11-01\",\"to\":\"2026-11-30\"}");
    EXPECT_OK(r, "Stats");
    CHECK_INT(kh_path_int(kh_result(r), "total"), 5);
    CHECK_INT(kh_path_int(kh_result(r), "by_status.settled"), 2);
    CHECK_INT(kh_path_int(kh_result(r), "by_status.rejected"), 2);
    CHECK_INT(kh_path_int(kh_result(r), "by_status.draft"), 1);
    CHECK_INT(kh_path_int(kh_result(r), "credit_total_cents"), 56200);
    CHECK_INT(kh_path_int(kh_result(r), "credit_by_category.cfl"), 25000);
    CHECK_INT(kh_path_int(kh_result(r), "credit_by_category.ceiling_light"), 31200);
    CHECK_INT(kh_path_int(kh_result(r), "credit_by_region.华南"), 28100);
    CHECK_INT(kh_path_int(kh_result(r), "credit_by_region.华东"), 28100);
    {
        const cJSON *reasons = kh_path(kh_result(r), "rejection_reasons");
        CHECK_INT(cJSON_GetArraySize(reasons), 1);
        CHECK_STR(kh_path_str(cJSON_GetArrayItem(reasons, 0), "reason"), "超过保修期");
        CHECK_INT(kh_path_int(cJSON_GetArrayItem(reasons, 0), "count"), 2);
    }
    cJSON_Delete(r);
    r = call("returns.Stats", "{\"from\":\"2026-11-01\",\"to\":\"2026-12-01\"}");
    CHECK_INT(kh_path_int(kh_result(r), "total"), 6);
    CHECK_INT(kh_path_int(kh_result(r), "credit_total_cents"), 84300);
    cJSON_Delete(r);
    FAILS(3, "to", "returns.Stats", "{\"from\":\"2026-11-02\",\"to\":\"2026-11-01\"}");
    FAILS(3, "from", "returns.Stats", "{\"to\":\"2026-11-01\"}");
}

/* Pages never repeat or skip a return that existed when paging began, even
 * while new ones are created between pages. */
static void test_list_paging(void)
{
    char seen[40][24];
    int n_seen = 0;
    char cursor[40] = "";
    cJSON *r;

    reset();
    for (int i = 0; i < 23; i++) {
        char customer[16];
        snprintf(customer, sizeof(customer), "P%d", i);
        create(customer, i % 2 ? "华南" : "华东");
    }
    for (int page = 0; page < 20; page++) {
        const cJSON *it, *next;
        r = cursor[0] ? call("returns.List", "{\"limit\":5,\"cursor\":\"%s\"}", cursor)
                      : call("returns.List", "{\"limit\":5}");
        EXPECT_OK(r, "List");
        cJSON_ArrayForEach(it, kh_path(kh_result(r), "items"))
        {
            const char *id = kh_path_str(it, "id");
            for (int k = 0; k < n_seen; k++)
                CHECK(strcmp(seen[k], id) != 0);
            if (n_seen < 40)
                snprintf(seen[n_seen++], 24, "%s", id);
        }
        /* Someone adds a return between pages. */
        create("NEW", "华南");
        next = kh_path(kh_result(r), "next_cursor");
        if (!cJSON_IsString(next)) {
            cJSON_Delete(r);
            break;
        }
        snprintf(cursor, sizeof(cursor), "%s", next->valuestring);
        cJSON_Delete(r);
    }
    /* All 23 (newest first, R2026-000023 down to 000001), none of the new. */
    CHECK_INT(n_seen, 23);
    CHECK_STR(seen[0], "R2026-000023");
    CHECK_STR(seen[22], "R2026-000001");

    /* Filters. */
    r = call("returns.List", "{\"region\":\"华东\",\"limit\":500}");
    CHECK_INT(cJSON_GetArraySize(kh_path(kh_result(r), "items")), 12);
    cJSON_Delete(r);
    r = call("returns.List", "{\"customer_id\":\"P3\"}");
    CHECK_INT(cJSON_GetArraySize(kh_path(kh_result(r), "items")), 1);
    cJSON_Delete(r);
    r = call("returns.List",
             "{\"status\":\"draft\",\"from\":\"2026-11-02\",\"to\":\"2026-11-02\",\"limit\":10}");
    CHECK_INT(cJSON_GetArraySize(kh_path(kh_result(r), "items")), 10);
    CHECK(cJSON_IsString(kh_path(kh_result(r), "next_cursor")));
    cJSON_Delete(r);
    r = call("returns.List", "{\"from\":\"2026-11-03\"}");
    CHECK_INT(cJSON_GetArraySize(kh_path(kh_result(r), "items")), 0);
    CHECK(cJSON_IsNull(kh_path(kh_result(r), "next_cursor")));
    cJSON_Delete(r);
    FAILS(3, "cursor", "returns.List", "{\"cursor\":\"x12\"}");
    FAILS(3, "status", "returns.List", "{\"status\":\"lost\"}");
    FAILS(3, "limit", "returns.List", "{\"limit\":501}");
}

/* complaint_id: stored on the record, and an outbox entry asking complaints
 * to link the return is written by the same script. */
static void test_complaint_link(void)
{
    char *p =
        create_params("K001", "华南", "小榄", NULL, NULL, ",\"complaint_id\":\"C2026-000042\"");
    char *out;
    cJSON *r;

    reset();
    r = call("returns.Create", "%s", p);
    EXPECT_OK(r, "Create with complaint_id");
    CHECK_STR(kh_str(r, "complaint_id"), "C2026-000042");
    cJSON_Delete(r);
    out = kh_redis_cli(&redis, "--scan --pattern kefu:outbox:*");
    CHECK(out && strstr(out, "kefu:outbox:returns"));
    free(out);
    free(p);
    p = create_params("K001", "华南", "小榄", NULL, NULL, ",\"complaint_id\":\"X1\"");
    FAILS(3, "complaint_id", "returns.Create", "%s", p);
    free(p);
}

KEFU_TESTS = {
    {"full_lifecycle", test_full_lifecycle},
    {"boxes_add_up", test_boxes_add_up},
    {"freight", test_freight},
    {"illegal_transitions", test_illegal_transitions},
    {"expected_version", test_expected_version},
    {"idempotent_create", test_idempotent_create},
    {"packing_list", test_packing_list},
    {"stats", test_stats},
    {"list_paging", test_list_paging},
    {"complaint_link", test_complaint_link},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    const char *extra[] = {"--test-clock", NULL};
    return kh_suite_main(argc, argv, &redis, &svc, "returns", extra);
}
