/*
 * integration.returns_scope - SPEC section 7 for returns: a staff token's
 * departments are matched against a return's `region`. Staff see and
 * change only their regions' returns; another region's id is NOT_FOUND
 * (never PERMISSION_DENIED, FAILED_PRECONDITION or ABORTED: nothing leaks)
 * in every read and every mutating method, and List and Stats leave those
 * returns out; Create in another region is PERMISSION_DENIED. Auditors
 * read everything and change nothing; ReloadPolicy is for admins.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "json.h"
#include "test.h"

static kh_redis redis;
static kh_service svc;
static char tokens_path[64];

#define TOK_ADMIN   "tok-rscope-admin-19aa"
#define TOK_AUDITOR "tok-rscope-auditor-7c02"
#define TOK_SOUTH   "tok-rscope-south-e5d1"
#define TOK_EAST    "tok-rscope-east-40b9"

/* A call as `token` with params from printf. */
#define call_as(tok, method, ...)                                                                  \
    kh_callf(svc.addr, &(kefu_call_opts){.token = (tok), .deadline_ms = 10000, .max_attempts = 1}, \
             (method), __VA_ARGS__)

#define EXPECT(r, code, what) KH_EXPECT((r), (code), NULL, (what))

#define DO_AS(code, token, method, ...)                                                            \
    KH_EXPECT_FREE(call_as((token), (method), __VA_ARGS__), (code), NULL, (method))

static const char *create_fmt =
    "{\"customer\":{\"id\":\"%s\",\"short_name\":\"明亮\",\"name\":\"明亮灯饰\"},"
    "\"region\":\"%s\",\"regional_manager\":\"李明\",\"reason\":\"quality\","
    "\"freight_station\":\"xiaolan\",\"items\":[{\"model\":\"CFL-18W\",\"category\":\"cfl\","
    "\"quantity\":2,\"production_date\":\"2026-06-01\",\"unit_price_cents\":1000}],"
    "\"boxes\":[{\"lines\":[{\"line\":1,\"quantity\":2}]}]}";

static const char *create_as(const char *token, const char *customer, const char *region)
{
    static char ring[16][24];
    static int next;
    char *id = ring[next++ % 16];
    cJSON *r = call_as(token, "returns.Create", create_fmt, customer, region);
    EXPECT(r, 0, "Create");
    snprintf(id, 24, "%s", kh_str(r, "id") ? kh_str(r, "id") : "none");
    cJSON_Delete(r);
    return id;
}

/* The record as the admin reads it, canonical (caller frees). */
static char *snapshot(const char *id)
{
    cJSON *r = call_as(TOK_ADMIN, "returns.Get", "{\"id\":\"%s\"}", id);
    char *t = kh_result(r) ? kefu_json_canonical(kh_result(r)) : NULL;
    cJSON_Delete(r);
    return t;
}

static void reset(void)
{
    kh_redis_flush(&redis);
    DO_AS(0, TOK_ADMIN, "sys.SetClock", "{\"now\":\"2026-11-02T10:00:00+08:00\"}");
}

static const struct {
    const char *method, *params;
} mutations[] = {
    {"returns.Confirm", ",\"customer_signature\":\"陈\",\"manager_signature\":\"李\""},
    {"returns.Submit", ""},
    {"returns.Approve", ",\"by\":\"组\""},
    {"returns.Reject", ",\"by\":\"组\",\"reason\":\"不符\""},
    {"returns.Ship", ",\"carrier\":\"c\",\"waybill\":\"w\""},
    {"returns.Receive", ",\"boxes_received\":1"},
    {"returns.Settle", ",\"lines\":[{\"line\":1,\"outcome\":\"credit\"}]"},
    {"returns.Cancel", ",\"reason\":\"撤回\""},
    {"returns.Confirm",
     ",\"customer_signature\":\"陈\",\"manager_signature\":\"李\",\"expected_version\":99"},
    {NULL, NULL},
};

static const char *const reads[] = {"returns.Get", "returns.History", "returns.PackingList", NULL};

/* Another region's return is NOT_FOUND in every method, in any status, and
 * nothing about it changes. */
static void test_other_region_not_found(void)
{
    const char *south[3];

    reset();
    south[0] = create_as(TOK_SOUTH, "S1", "华南"); /* draft */
    south[1] = create_as(TOK_SOUTH, "S2", "华南");
    DO_AS(0, TOK_SOUTH, "returns.Confirm",
          "{\"id\":\"%s\",\"customer_signature\":\"陈\",\"manager_signature\":\"李\"}", south[1]);
    DO_AS(0, TOK_SOUTH, "returns.Submit", "{\"id\":\"%s\"}", south[1]); /* submitted */
    south[2] = create_as(TOK_ADMIN, "S3", "华南");
    for (int k = 0; k < 3; k++) {
        char *before = snapshot(south[k]), *after;
        for (int i = 0; reads[i]; i++) {
            DO_AS(5, TOK_EAST, reads[i], "{\"id\":\"%s\"}", south[k]);
            DO_AS(0, TOK_SOUTH, reads[i], "{\"id\":\"%s\"}", south[k]);
            DO_AS(0, TOK_AUDITOR, reads[i], "{\"id\":\"%s\"}", south[k]);
        }
        for (int i = 0; mutations[i].method; i++)
            DO_AS(5, TOK_EAST, mutations[i].method, "{\"id\":\"%s\"%s}", south[k],
                  mutations[i].params);
        after = snapshot(south[k]);
        CHECK(before && after && strcmp(before, after) == 0);
        free(before);
        free(after);
    }
    /* Staff cannot open a return for another region. */
    {
        cJSON *r = call_as(TOK_EAST, "returns.Create", create_fmt, "E9", "华南");
        EXPECT(r, 7, "Create in another region");
        CHECK_STR(kh_field(r), "region");
        cJSON_Delete(r);
    }
    /* Its own region's returns a staff token changes. */
    DO_AS(0, TOK_SOUTH, "returns.Approve", "{\"id\":\"%s\",\"by\":\"组\"}", south[1]);
}

static int list_count(const char *token, const char *params)
{
    cJSON *r = call_as(token, "returns.List", "%s", params);
    int n = cJSON_GetArraySize(kh_path(kh_result(r), "items"));
    EXPECT(r, 0, "List");
    cJSON_Delete(r);
    return n;
}

static void test_list_and_stats_filtered(void)
{
    cJSON *r;

    reset();
    for (int i = 0; i < 3; i++)
        create_as(TOK_SOUTH, "S", "华南");
    for (int i = 0; i < 2; i++)
        create_as(TOK_EAST, "E", "华东");
    CHECK_INT(list_count(TOK_SOUTH, "{}"), 3);
    CHECK_INT(list_count(TOK_EAST, "{}"), 2);
    CHECK_INT(list_count(TOK_EAST, "{\"region\":\"华南\"}"), 0);
    CHECK_INT(list_count(TOK_AUDITOR, "{}"), 5);
    CHECK_INT(list_count(TOK_ADMIN, "{\"region\":\"华南\"}"), 3);
    /* Paging as staff never shows the other region. */
    {
        char cursor[40] = "";
        int seen = 0;
        for (int page = 0; page < 10; page++) {
            const cJSON *it, *next;
            r = cursor[0]
                    ? call_as(TOK_EAST, "returns.List", "{\"limit\":1,\"cursor\":\"%s\"}", cursor)
                    : call_as(TOK_EAST, "returns.List", "{\"limit\":1}");
            cJSON_ArrayForEach(it, kh_path(kh_result(r), "items"))
            {
                CHECK_STR(kh_path_str(it, "region"), "华东");
                seen++;
            }
            next = kh_path(kh_result(r), "next_cursor");
            if (!cJSON_IsString(next)) {
                cJSON_Delete(r);
                break;
            }
            snprintf(cursor, sizeof(cursor), "%s", next->valuestring);
            cJSON_Delete(r);
        }
        CHECK_INT(seen, 2);
    }
    r = call_as(TOK_EAST, "returns.Stats", "{\"from\":\"2026-11-01\",\"to\":\"2026-11-30\"}");
    EXPECT(r, 0, "Stats");
    CHECK_INT(kh_path_int(kh_result(r), "total"), 2);
    cJSON_Delete(r);
    r = call_as(TOK_AUDITOR, "returns.Stats", "{\"from\":\"2026-11-01\",\"to\":\"2026-11-30\"}");
    CHECK_INT(kh_path_int(kh_result(r), "total"), 5);
    cJSON_Delete(r);
}

/* Auditors read everything and change nothing; ReloadPolicy is admin only. */
static void test_auditor_and_admin(void)
{
    const char *id;
    char *before, *after;

    reset();
    id = create_as(TOK_SOUTH, "S1", "华南");
    before = snapshot(id);
    DO_AS(7, TOK_AUDITOR, "returns.Create", create_fmt, "A1", "华南");
    for (int i = 0; mutations[i].method; i++)
        DO_AS(7, TOK_AUDITOR, mutations[i].method, "{\"id\":\"%s\"%s}", id, mutations[i].params);
    for (int i = 0; reads[i]; i++)
        DO_AS(0, TOK_AUDITOR, reads[i], "{\"id\":\"%s\"}", id);
    DO_AS(0, TOK_AUDITOR, "returns.Policy", NULL);
    DO_AS(0, TOK_AUDITOR, "returns.CheckWarranty",
          "{\"category\":\"cfl\",\"production_date\":\"2026-01-01\"}");
    DO_AS(7, TOK_AUDITOR, "returns.ReloadPolicy", NULL);
    DO_AS(7, TOK_SOUTH, "returns.ReloadPolicy", NULL);
    DO_AS(16, "no-such-token", "returns.Get", "{\"id\":\"%s\"}", id);
    after = snapshot(id);
    CHECK(before && after && strcmp(before, after) == 0);
    free(before);
    free(after);
    /* History names the token. */
    {
        cJSON *r = call_as(TOK_ADMIN, "returns.History", "{\"id\":\"%s\"}", id);
        CHECK_STR(kh_path_str(cJSON_GetArrayItem(kh_path(kh_result(r), "events"), 0), "by"),
                  "south-manager");
        cJSON_Delete(r);
    }
}

KEFU_TESTS = {
    {"other_region_not_found", test_other_region_not_found},
    {"list_and_stats_filtered", test_list_and_stats_filtered},
    {"auditor_and_admin", test_auditor_and_admin},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    const char *extra[] = {"--tokens", tokens_path, "--test-clock", NULL};
    const kh_token tokens[] = {
        {"admin", TOK_ADMIN, "admin", "[\"*\"]"},
        {"auditor", TOK_AUDITOR, "auditor", "[\"*\"]"},
        {"south-manager", TOK_SOUTH, "staff", "[\"华南\"]"},
        {"east-manager", TOK_EAST, "staff", "[\"华东\"]"},
    };
    int rc;

    if (!kh_write_tokens_temp(tokens_path, sizeof(tokens_path), "kefu-rscope-tokens", tokens, 4))
        return 1;
    rc = kh_suite_main(argc, argv, &redis, &svc, "returns", extra);
    unlink(tokens_path);
    return rc;
}
