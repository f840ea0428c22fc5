/*
 * unit.returns_stats - the Stats tally (services/returns/stats.c): names
 * counted in hash tables (right figures and first-seen order for thousands
 * of distinct names, in linear time), the 50 most frequent rejection
 * reasons with the rest counted as other (and a cap on the distinct reasons
 * kept), and money sums that stop at 2^53 - 1 cents with OUT_OF_RANGE.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "returns.h"
#include "test.h"

static cJSON *rejected(const char *reason)
{
    cJSON *row = cJSON_CreateObject();
    cJSON_AddStringToObject(row, "id", "R2026-000001");
    cJSON_AddStringToObject(row, "status", "rejected");
    cJSON_AddStringToObject(row, "region", "华南");
    cJSON_AddObjectToObject(row, "rejection");
    cJSON_AddStringToObject(kefu_json_get(row, "rejection"), "reason", reason);
    return row;
}

/* A settled row of one credited line of `category` in `region`. */
static cJSON *settled(const char *region, const char *category, const char *credit)
{
    char text[512];
    snprintf(text, sizeof(text),
             "{\"id\":\"R2026-000002\",\"status\":\"settled\",\"region\":\"%s\",\"items\":[{"
             "\"category\":\"%s\"}],\"settlement\":{\"lines\":[{\"line\":1,\"credit_cents\":%s}]},"
             "\"rejection\":null}",
             region, category, credit);
    return cJSON_Parse(text);
}

static void add(returns_tally *t, cJSON *row)
{
    returns_tally_add(t, row);
    cJSON_Delete(row);
}

static double cpu_seconds(void)
{
    return (double)clock() / CLOCKS_PER_SEC;
}

/* An integer of the tally's JSON: a number, or money (raw integer text);
 * -1 when it is neither. */
static int64_t int_of(const cJSON *v)
{
    int64_t n = -1;
    if (cJSON_IsRaw(v))
        return strtoll(v->valuestring, NULL, 10);
    kefu_json_int(v, &n);
    return n;
}

static int64_t int_at(const cJSON *o, const char *key)
{
    return int_of(kefu_json_get(o, key));
}

/* 30,000 distinct regions, each credited twice: every sum right, first-seen
 * order kept, and fast (a linear scan per add took seconds). */
static void test_many_names(void)
{
    enum { N = 30000 };
    returns_tally *t = returns_tally_new();
    double start = cpu_seconds();
    const cJSON *v, *by_region;
    cJSON *out;
    kefu_error err;
    char region[32];
    int i = 0, good = 0;

    for (int round = 0; round < 2; round++) {
        for (int k = 0; k < N; k++) {
            snprintf(region, sizeof(region), "region-%05d", k);
            add(t, settled(region, "cfl", round ? "2" : "1"));
        }
    }
    CHECK_INT(returns_tally_check(t, &err), KEFU_STATUS_OK);
    out = returns_tally_json(t);
    CHECK(cpu_seconds() - start < 5.0);
    CHECK_INT(int_at(out, "total"), 2 * N);
    CHECK_INT(int_at(out, "credit_total_cents"), 3 * N);
    CHECK_INT(int_at(kefu_json_get(out, "credit_by_category"), "cfl"), 3 * N);
    CHECK_INT(int_at(kefu_json_get(out, "by_status"), "settled"), 2 * N);
    by_region = kefu_json_get(out, "credit_by_region");
    CHECK_INT(cJSON_GetArraySize(by_region), N);
    cJSON_ArrayForEach(v, by_region)
    {
        snprintf(region, sizeof(region), "region-%05d", i++);
        good += strcmp(v->string, region) == 0 && int_of(v) == 3;
    }
    CHECK_INT(good, N);
    cJSON_Delete(out);
    returns_tally_free(t);
}

/* 60 reasons, reason k rejected k + 1 times: the 50 most frequent are
 * named, most frequent first; the other 10 (1 + ... + 10 = 55) are counted. */
static void test_top_reasons(void)
{
    returns_tally *t = returns_tally_new();
    const cJSON *reasons;
    cJSON *out;
    char reason[32];
    bool ordered = true;

    for (int k = 0; k < 60; k++) {
        snprintf(reason, sizeof(reason), "理由 %02d", k);
        for (int n = 0; n <= k; n++)
            add(t, rejected(reason));
    }
    out = returns_tally_json(t);
    reasons = kefu_json_get(out, "rejection_reasons");
    CHECK_INT(cJSON_GetArraySize(reasons), RETURNS_STATS_TOP_REASONS);
    for (int i = 0; i < cJSON_GetArraySize(reasons); i++) {
        const cJSON *row = cJSON_GetArrayItem(reasons, i);
        snprintf(reason, sizeof(reason), "理由 %02d", 59 - i);
        ordered = ordered && strcmp(kefu_json_str(row, "reason"), reason) == 0 &&
                  int_at(row, "count") == 60 - i;
    }
    CHECK(ordered);
    CHECK_INT(int_at(out, "rejection_reasons_other"), 55);
    CHECK_INT(int_at(out, "total"), 60 * 61 / 2);
    cJSON_Delete(out);
    returns_tally_free(t);
}

/* Equal counts rank by reason; with fewer than 50 reasons none is other. */
static void test_few_reasons(void)
{
    returns_tally *t = returns_tally_new();
    cJSON *out;
    char *text;

    add(t, rejected("b"));
    add(t, rejected("a"));
    add(t, rejected("c"));
    add(t, rejected("c"));
    out = returns_tally_json(t);
    text = cJSON_PrintUnformatted(out);
    CHECK(text && strstr(text, "\"rejection_reasons\":[{\"reason\":\"c\",\"count\":2},{"
                               "\"reason\":\"a\",\"count\":1},{\"reason\":\"b\",\"count\":1}],"
                               "\"rejection_reasons_other\":0"));
    cJSON_free(text);
    cJSON_Delete(out);
    returns_tally_free(t);
}

/* The tally keeps RETURNS_STATS_MAX_REASONS distinct reasons; a reason first
 * seen after that is counted as other, and one it keeps still counts. */
static void test_reason_cap(void)
{
    returns_tally *t = returns_tally_new();
    cJSON *out;
    char reason[32];

    for (int k = 0; k < RETURNS_STATS_MAX_REASONS + 100; k++) {
        snprintf(reason, sizeof(reason), "r%d", k);
        add(t, rejected(reason));
    }
    add(t, rejected("r0"));
    add(t, rejected("r0"));
    out = returns_tally_json(t);
    CHECK_STR(
        kefu_json_str(cJSON_GetArrayItem(kefu_json_get(out, "rejection_reasons"), 0), "reason"),
        "r0");
    CHECK_INT(int_at(cJSON_GetArrayItem(kefu_json_get(out, "rejection_reasons"), 0), "count"), 3);
    CHECK_INT(int_at(out, "rejection_reasons_other"),
              RETURNS_STATS_MAX_REASONS + 100 - RETURNS_STATS_TOP_REASONS);
    cJSON_Delete(out);
    returns_tally_free(t);
}

/* Money sums reach 2^53 - 1 exactly and stop there with OUT_OF_RANGE;
 * nothing wraps around int64 on the way. */
static void test_money_bound(void)
{
    returns_tally *t = returns_tally_new();
    kefu_error err;
    cJSON *out;
    char *text;

    add(t, settled("华南", "cfl", "9007199254740990"));
    add(t, settled("华东", "cfl", "1"));
    CHECK_INT(returns_tally_check(t, &err), KEFU_STATUS_OK);
    out = returns_tally_json(t);
    text = cJSON_PrintUnformatted(out);
    CHECK(text && strstr(text, "\"credit_total_cents\":9007199254740991"));
    cJSON_free(text);
    cJSON_Delete(out);
    add(t, settled("华西", "downlight", "1"));
    CHECK_INT(returns_tally_check(t, &err), KEFU_STATUS_OUT_OF_RANGE);
    CHECK_STR(err.field, "from");
    CHECK(strstr(err.message, "R2026-000002") != NULL);
    /* Once failed, the tally stays failed. */
    add(t, settled("华西", "downlight", "1"));
    CHECK_INT(returns_tally_check(t, &err), KEFU_STATUS_OUT_OF_RANGE);
    returns_tally_free(t);

    /* Many figures each in range: the sum stops at the bound, it never
     * wraps around int64. */
    t = returns_tally_new();
    for (int i = 0; i < 5000; i++)
        add(t, settled("华南", "cfl", "2000000000000000"));
    CHECK_INT(returns_tally_check(t, &err), KEFU_STATUS_OUT_OF_RANGE);
    returns_tally_free(t);
    /* A negative stored figure is refused, not subtracted. */
    t = returns_tally_new();
    add(t, settled("华南", "cfl", "-5"));
    CHECK_INT(returns_tally_check(t, &err), KEFU_STATUS_OUT_OF_RANGE);
    returns_tally_free(t);
}

KEFU_TESTS = {
    {"many_names", test_many_names},   {"top_reasons", test_top_reasons},
    {"few_reasons", test_few_reasons}, {"reason_cap", test_reason_cap},
    {"money_bound", test_money_bound}, {NULL, NULL},
};

int main(int argc, char **argv)
{
    return kefu_test_main(argc, argv);
}
