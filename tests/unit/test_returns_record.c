/*
 * unit.returns_record - the pure parts of a return (services/returns/
 * record.c, packing.c, stats.c): Create's params checked against the policy
 * (box quantities adding up, each fault's field named), items evaluated on
 * the creation date with credit in integer cents, box labels, freight; the
 * settlement (credit only where allowed, every line once, totals in cents,
 * large figures exact); the packing list text; the Stats tally.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "returns.h"
#include "test.h"

static returns_policy *policy;

/* deploy/returns-policy.json, found from this file: <root>/tests/unit/x.c. */
static returns_policy *load_default_policy(void)
{
    char path[4096];
    const char *file = __FILE__, *end = file + strlen(file);
    int slashes = 0;
    FILE *f;
    char *buf = malloc(1 << 20);
    size_t n = 0;
    returns_policy *p = NULL;
    kefu_error err;

    while (end > file && slashes < 3)
        if (*--end == '/')
            slashes++;
    snprintf(path, sizeof(path), "%.*sdeploy/returns-policy.json",
             slashes == 3 ? (int)(end - file + 1) : 0, file);
    f = fopen(path, "rb");
    if (f && buf) {
        n = fread(buf, 1, (1 << 20) - 1, f);
        if (returns_policy_load(buf, n, &p, &err) != KEFU_STATUS_OK)
            fprintf(stderr, "  policy refused: %s\n", err.message);
    }
    if (f)
        fclose(f);
    free(buf);
    return p;
}

/* 2026-11-02T10:00:00+08:00 */
static const kefu_ms NOW = 1793584800000LL;

static cJSON *parse(const char *json)
{
    kefu_error err;
    cJSON *v = kefu_json_parse(json, strlen(json), 64, &err);
    if (!v)
        fprintf(stderr, "  test bug: %s: %s\n", err.message, json);
    return v;
}

/* Builds the create record for `items`/`boxes`/`station`; on failure the
 * error's field in `field` and NULL. Caller deletes. */
static cJSON *build(const char *items, const char *boxes, const char *station, const char *extra,
                    char field[256])
{
    char json[8192];
    returns_create_args a;
    kefu_error err;
    cJSON *p, *rec = NULL;

    snprintf(json, sizeof(json),
             "{\"customer\":{\"id\":42,\"short_name\":\"华光\",\"name\":\"华光照明\"},"
             "\"region\":\"华南\",\"regional_manager\":\"李明\",\"reason\":\"quality\","
             "\"freight_station\":\"%s\",\"items\":%s,\"boxes\":%s%s}",
             station, items, boxes, extra ? extra : "");
    p = parse(json);
    field[0] = '\0';
    if (returns_create_args_build(&a, policy, p, NOW, &err) == KEFU_STATUS_OK) {
        rec = cJSON_Duplicate(a.rec, true);
        CHECK_STR(a.customer, "42");
        CHECK_STR(a.year, "2026");
        returns_create_args_free(&a);
    } else {
        CHECK_INT(err.status, KEFU_STATUS_INVALID_ARGUMENT);
        snprintf(field, 256, "%s", err.field);
        CHECK(strstr(err.message, err.field) != NULL);
    }
    cJSON_Delete(p);
    return rec;
}

static const char *two_items =
    "[{\"model\":\"CFL-18W\",\"category\":\"cfl\",\"quantity\":10,\"production_date\":"
    "\"2026-01-15\",\"unit_price_cents\":1250},{\"model\":\"TD-1\",\"category\":\"downlight\","
    "\"component\":\"body\",\"condition\":\"pre_install_defect\",\"quantity\":3,"
    "\"production_date\":\"2020-01-01\",\"unit_price_cents\":4500}]";

static void test_evaluated_and_labelled(void)
{
    char field[256];
    cJSON *rec = build(two_items,
                       "[{\"lines\":[{\"line\":1,\"quantity\":10}]},{\"lines\":[{\"line\":2,"
                       "\"quantity\":3}]}]",
                       "小榄", NULL, field);
    const cJSON *i1, *i2, *boxes;

    CHECK(rec != NULL);
    if (!rec)
        return;
    i1 = cJSON_GetArrayItem(kefu_json_get(rec, "items"), 0);
    i2 = cJSON_GetArrayItem(kefu_json_get(rec, "items"), 1);
    CHECK_STR(kefu_json_str(kefu_json_get(i1, "evaluation"), "rule"), "cfl.unit.in_warranty");
    CHECK(cJSON_IsRaw(kefu_json_get(kefu_json_get(i1, "evaluation"), "credit_cents")));
    CHECK_STR(kefu_json_get(kefu_json_get(i1, "evaluation"), "credit_cents")->valuestring, "12500");
    /* A pre-installation body defect is replaced unconditionally: no credit. */
    CHECK_STR(kefu_json_str(kefu_json_get(i2, "evaluation"), "remedy"), "replace");
    CHECK_STR(kefu_json_get(kefu_json_get(i2, "evaluation"), "credit_cents")->valuestring, "0");
    CHECK_STR(kefu_json_str(i2, "condition"), "pre_install_defect");
    CHECK_STR(kefu_json_str(i1, "condition"), "quality_defect");
    boxes = kefu_json_get(rec, "boxes");
    CHECK_STR(kefu_json_str(cJSON_GetArrayItem(boxes, 0), "label"), "华光-1");
    CHECK_STR(kefu_json_str(cJSON_GetArrayItem(boxes, 1), "label"), "华光-2");
    CHECK_STR(kefu_json_str(rec, "freight_station"), "xiaolan");
    CHECK_STR(kefu_json_str(rec, "status"), "draft");
    CHECK(cJSON_IsNull(kefu_json_get(rec, "settlement")));
    cJSON_Delete(rec);
}

static void test_box_faults(void)
{
    static const struct {
        const char *boxes, *field;
    } cases[] = {
        {"[{\"lines\":[{\"line\":1,\"quantity\":11}]}]", "boxes[0].lines[0].quantity"},
        {"[{\"lines\":[{\"line\":1,\"quantity\":10}]}]", "items[1].quantity"},
        {"[{\"lines\":[{\"line\":1,\"quantity\":9},{\"line\":2,\"quantity\":3}]}]",
         "items[0].quantity"},
        {"[{\"lines\":[{\"line\":2,\"quantity\":3}]},{\"lines\":[{\"line\":1,\"quantity\":5}]},"
         "{\"lines\":[{\"line\":2,\"quantity\":1}]}]",
         "boxes[2].lines[0].quantity"},
        {"[{\"lines\":[{\"line\":3,\"quantity\":1}]}]", "boxes[0].lines[0].line"},
        {"[{\"lines\":[{\"line\":1,\"quantity\":5},{\"line\":1,\"quantity\":5}]}]",
         "boxes[0].lines[1].line"},
        {NULL, NULL},
    };
    char field[256];

    for (int i = 0; cases[i].boxes; i++) {
        cJSON *rec = build(two_items, cases[i].boxes, "小榄", NULL, field);
        CHECK(rec == NULL);
        CHECK_STR(field, cases[i].field);
        cJSON_Delete(rec);
    }
}

static void test_freight_and_items(void)
{
    const char *one = "[{\"lines\":[{\"line\":1,\"quantity\":1}]}]";
    char field[256];
    cJSON *rec;

    rec = build("[{\"model\":\"A\",\"category\":\"cfl\",\"quantity\":1,\"production_date\":"
                "\"2026-01-01\",\"unit_price_cents\":1}]",
                one, "Henglan", NULL, field);
    CHECK(rec == NULL);
    CHECK_STR(field, "station_reason");
    rec = build("[{\"model\":\"A\",\"category\":\"cfl\",\"quantity\":1,\"production_date\":"
                "\"2026-01-01\",\"unit_price_cents\":1}]",
                one, "佛山", NULL, field);
    CHECK(rec && cJSON_IsTrue(kefu_json_get(rec, "customer_bears_freight")));
    cJSON_Delete(rec);
    rec = build("[{\"model\":\"A\",\"category\":\"cfl\",\"quantity\":1,\"production_date\":"
                "\"2026-11-03\",\"unit_price_cents\":1}]",
                one, "小榄", NULL, field);
    CHECK(rec == NULL);
    CHECK_STR(field, "items[0].production_date");
    rec = build("[{\"model\":\"A\",\"category\":\"bath_heater\",\"component\":\"tube\","
                "\"quantity\":1,\"production_date\":\"2026-01-01\",\"unit_price_cents\":1}]",
                one, "小榄", NULL, field);
    CHECK(rec == NULL);
    CHECK_STR(field, "items[0].component");
    rec = build("[{\"model\":\"A\",\"category\":\"cfl\",\"quantity\":1,\"production_date\":"
                "\"2026-01-01\",\"unit_price_cents\":1}]",
                one, "小榄", ",\"complaint_id\":\"R2026-000001\"", field);
    CHECK(rec == NULL);
    CHECK_STR(field, "complaint_id");
}

/* The stored form of a record: what Settle reads back. */
static cJSON *stored(cJSON *rec)
{
    char *text = cJSON_PrintUnformatted(rec);
    cJSON *back = parse(text);
    cJSON_free(text);
    cJSON_Delete(rec);
    return back;
}

static void test_settlement(void)
{
    /* 200 units at 99,999,999 cents: 19,999,999,800 cents on one line, exact. */
    char field[256];
    cJSON *rec = stored(build(
        "[{\"model\":\"A\",\"category\":\"cfl\",\"quantity\":100000,\"production_date\":"
        "\"2026-01-01\",\"unit_price_cents\":99999999},{\"model\":\"B\",\"category\":"
        "\"ceiling_light\",\"quantity\":1,\"production_date\":\"2026-01-01\","
        "\"unit_price_cents\":100},{\"model\":\"C\",\"category\":\"cfl\",\"quantity\":7,"
        "\"production_date\":\"2026-01-01\",\"unit_price_cents\":333}]",
        "[{\"lines\":[{\"line\":1,\"quantity\":100000},{\"line\":2,\"quantity\":1},{\"line\":3,"
        "\"quantity\":7}]}]",
        "小榄", NULL, field));
    cJSON *lines, *out = NULL;
    kefu_error err;

    CHECK(rec != NULL);
    lines = parse("[{\"line\":3,\"outcome\":\"credit\"},{\"line\":1,\"outcome\":\"credit\"},"
                  "{\"line\":2,\"outcome\":\"repair\"}]");
    CHECK_INT(returns_settlement_build(rec, lines, "2026-11-20T10:00:00+08:00", &out, &err),
              KEFU_STATUS_OK);
    if (out) {
        char *text = cJSON_PrintUnformatted(out);
        /* 100000 x 99999999 + 7 x 333 = 9999999900000 + 2331 */
        CHECK(strstr(text, "\"credit_total_cents\":9999999902331") != NULL);
        CHECK(strstr(text, "{\"line\":1,\"outcome\":\"credit\",\"credit_cents\":9999999900000}"));
        CHECK(strstr(text, "{\"line\":2,\"outcome\":\"repair\",\"credit_cents\":0}"));
        cJSON_free(text);
        cJSON_Delete(out);
    }
    cJSON_Delete(lines);
    /* Credit for the repaired whole lamp: refused, the line named. */
    lines = parse("[{\"line\":1,\"outcome\":\"credit\"},{\"line\":2,\"outcome\":\"credit\"},"
                  "{\"line\":3,\"outcome\":\"credit\"}]");
    CHECK_INT(returns_settlement_build(rec, lines, "x", &out, &err),
              KEFU_STATUS_FAILED_PRECONDITION);
    CHECK_STR(err.field, "lines[1].outcome");
    cJSON_Delete(lines);
    lines = parse("[{\"line\":1,\"outcome\":\"reject\"},{\"line\":3,\"outcome\":\"reject\"}]");
    CHECK_INT(returns_settlement_build(rec, lines, "x", &out, &err), KEFU_STATUS_INVALID_ARGUMENT);
    CHECK_STR(err.field, "lines");
    cJSON_Delete(lines);
    lines = parse("[{\"line\":1,\"outcome\":\"reject\"},{\"line\":1,\"outcome\":\"reject\"}]");
    CHECK_INT(returns_settlement_build(rec, lines, "x", &out, &err), KEFU_STATUS_INVALID_ARGUMENT);
    CHECK_STR(err.field, "lines[1].line");
    cJSON_Delete(lines);
    lines = parse("[{\"line\":4,\"outcome\":\"reject\"}]");
    CHECK_INT(returns_settlement_build(rec, lines, "x", &out, &err), KEFU_STATUS_INVALID_ARGUMENT);
    CHECK_STR(err.field, "lines[0].line");
    cJSON_Delete(lines);
    cJSON_Delete(rec);
}

static void test_packing_text(void)
{
    char field[256];
    cJSON *rec = stored(build(two_items,
                              "[{\"lines\":[{\"line\":1,\"quantity\":4},{\"line\":2,"
                              "\"quantity\":3}]},{\"lines\":[{\"line\":1,\"quantity\":6}]}]",
                              "古镇", NULL, field));
    cJSON *pack;
    kefu_buf text;

    CHECK(rec != NULL);
    cJSON_AddStringToObject(rec, "id", "R2026-000007");
    pack = returns_packing_json(policy, rec);
    kefu_buf_init(&text);
    returns_packing_text(pack, &text);
    const char *t = kefu_buf_cstr(&text);
    CHECK(strstr(t, "箱标 Label: 华光-1") != NULL);
    CHECK(strstr(t, "箱标 Label: 华光-2") != NULL);
    CHECK(strstr(t, "第 2 箱 / 共 2 箱") != NULL);
    CHECK(strstr(t, "退货单 Return: R2026-000007") != NULL);
    CHECK(strstr(t, "1 | CFL-18W | 节能灯 cfl | 整灯 (whole unit) | 4\n") != NULL);
    CHECK(strstr(t, "2 | TD-1 | 筒灯 downlight | 灯具部分 body | 3\n") != NULL);
    CHECK(strstr(t, "合计 Total: 7\n") != NULL);
    CHECK(strstr(t, "合计 Total: 6\n") != NULL);
    kefu_buf_free(&text);
    cJSON_Delete(pack);
    cJSON_Delete(rec);
}

static void test_tally(void)
{
    returns_tally *t = returns_tally_new();
    cJSON *rows = parse(
        "[{\"id\":\"R1\",\"status\":\"settled\",\"region\":\"华南\",\"items\":[{\"category\":"
        "\"cfl\"},{\"category\":\"downlight\"}],\"settlement\":{\"lines\":[{\"line\":1,"
        "\"credit_cents\":4000000000000},{\"line\":2,\"credit_cents\":5}]},\"rejection\":null},"
        "{\"id\":\"R2\",\"status\":\"rejected\",\"region\":\"华东\",\"items\":[],\"settlement\":"
        "null,\"rejection\":{\"reason\":\"资料不全\"}},{\"id\":\"R3\",\"status\":\"rejected\","
        "\"region\":\"华东\",\"items\":[],\"settlement\":null,\"rejection\":{\"reason\":"
        "\"资料不全\"}},{\"id\":\"R4\",\"status\":\"rejected\",\"region\":\"华东\",\"items\":[],"
        "\"settlement\":null,\"rejection\":{\"reason\":\"超期\"}},{\"id\":\"R5\",\"status\":"
        "\"settled\",\"region\":\"华东\",\"items\":[{\"category\":\"cfl\"}],\"settlement\":{"
        "\"lines\":[{\"line\":1,\"credit_cents\":4000000000001}]},\"rejection\":null}]");
    const cJSON *row;
    cJSON *out;
    char *text;

    cJSON_ArrayForEach(row, rows) returns_tally_add(t, row);
    out = returns_tally_json(t);
    text = cJSON_PrintUnformatted(out);
    CHECK(strstr(text, "\"total\":5") != NULL);
    CHECK(strstr(text, "\"by_status\":{\"settled\":2,\"rejected\":3}") != NULL);
    CHECK(strstr(text, "\"credit_total_cents\":8000000000006") != NULL);
    CHECK(strstr(text, "\"credit_by_category\":{\"cfl\":8000000000001,\"downlight\":5}") != NULL);
    CHECK(strstr(text, "\"credit_by_region\":{\"华南\":4000000000005,\"华东\":4000000000001}"));
    CHECK(strstr(text, "\"rejection_reasons\":[{\"reason\":\"资料不全\",\"count\":2},{\"reason\":"
                       "\"超期\",\"count\":1}]") != NULL);
    cJSON_free(text);
    cJSON_Delete(out);
    cJSON_Delete(rows);
    returns_tally_free(t);
}

static void test_ids(void)
{
    CHECK(returns_id_valid("R2026-000001", 'R'));
    CHECK(returns_id_valid("R2026-1234567", 'R'));
    CHECK(!returns_id_valid("C2026-000001", 'R'));
    CHECK(!returns_id_valid("R2026000001", 'R'));
    CHECK(!returns_id_valid("R2026-00000x", 'R'));
    CHECK(!returns_id_valid("", 'R'));
    CHECK(returns_id_valid("C2026-000001", 'C'));
}

KEFU_TESTS = {
    {"evaluated_and_labelled", test_evaluated_and_labelled},
    {"box_faults", test_box_faults},
    {"freight_and_items", test_freight_and_items},
    {"settlement", test_settlement},
    {"packing_text", test_packing_text},
    {"tally", test_tally},
    {"ids", test_ids},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    int rc;
    policy = load_default_policy();
    if (!policy) {
        fprintf(stderr, "cannot load deploy/returns-policy.json\n");
        return 1;
    }
    rc = kefu_test_main(argc, argv);
    returns_policy_free(policy);
    return rc;
}
