/*
 * integration.returns_regress - regressions found in review of the returns
 * service:
 *   - customer ids are keys exactly: two 64-character ids that differ only
 *     in their last character (past byte 79) are two customers, with two
 *     monthly quotas and two List filters;
 *   - Submit's RESOURCE_EXHAUSTED names only the returns the caller may see
 *     and counts the others;
 *   - List with a region the staff caller cannot see answers an empty last
 *     page at once (no next_cursor saying the region holds more);
 *   - Stats reads in short steps (nothing over 200 ms in the slow log on
 *     60,000 returns: a step takes a few ms, one script over them all most
 *     of a second), names the 50 most frequent rejection reasons and counts
 *     the rest, and refuses credit sums past 2^53 - 1 cents;
 *   - the outbox entry of Create with complaint_id carries the customer id.
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

#define TOK_ADMIN "tok-rregress-admin-5c1e"
#define TOK_SOUTH "tok-rregress-south-0b7a"
#define TOK_EAST  "tok-rregress-east-9d24"

#define call_as(tok, method, ...)                                                                  \
    kh_callf(svc.addr, &(kefu_call_opts){.token = (tok), .deadline_ms = 60000, .max_attempts = 1}, \
             (method), __VA_ARGS__)
#define call(method, ...) call_as(TOK_ADMIN, (method), __VA_ARGS__)

#define EXPECT(r, code, what) KH_EXPECT((r), (code), NULL, (what))
#define DO_AS(code, token, method, ...)                                                            \
    KH_EXPECT_FREE(call_as((token), (method), __VA_ARGS__), (code), NULL, (method))

static const char *create_fmt =
    "{\"customer\":{\"id\":%s,\"short_name\":\"明亮\",\"name\":\"明亮灯饰\"},"
    "\"region\":\"%s\",\"regional_manager\":\"李明\",\"reason\":\"quality\","
    "\"freight_station\":\"xiaolan\",\"items\":[{\"model\":\"CFL-18W\",\"category\":\"cfl\","
    "\"quantity\":2,\"production_date\":\"2026-06-01\",\"unit_price_cents\":1000}],"
    "\"boxes\":[{\"lines\":[{\"line\":1,\"quantity\":2}]}]%s}";

/* Creates a return of `customer_json` (a JSON string or integer) in
 * `region` as `token`; its id in a static ring. */
static const char *create_as(const char *token, const char *customer_json, const char *region,
                             const char *extra)
{
    static char ring[16][24];
    static int next;
    char *id = ring[next++ % 16];
    cJSON *r = call_as(token, "returns.Create", create_fmt, customer_json, region, extra);

    EXPECT(r, 0, "Create");
    snprintf(id, 24, "%s", kh_str(r, "id") ? kh_str(r, "id") : "none");
    cJSON_Delete(r);
    return id;
}

static void confirm_as(const char *token, const char *id)
{
    DO_AS(0, token, "returns.Confirm",
          "{\"id\":\"%s\",\"customer_signature\":\"陈\",\"manager_signature\":\"李\"}", id);
}

static void reset(void)
{
    kh_redis_flush(&redis);
    DO_AS(0, TOK_ADMIN, "sys.SetClock", "{\"now\":\"2026-11-02T10:00:00+08:00\"}");
}

/* `s` repeated `n` times then `last`, as a JSON string (caller frees). */
static char *repeated_id(const char *s, int n, const char *last)
{
    size_t len = strlen(s) * (size_t)n + strlen(last) + 3;
    char *out = malloc(len), *p = out;

    *p++ = '"';
    for (int i = 0; i < n; i++)
        p += sprintf(p, "%s", s);
    p += sprintf(p, "%s\"", last);
    return out;
}

/* The customer ids of one List page for `customer_json`. */
static int list_customer(const char *customer_json, const char *want_id_json)
{
    cJSON *r = call("returns.List", "{\"customer_id\":%s}", customer_json);
    const cJSON *it;
    int n = 0;

    EXPECT(r, 0, "List by customer");
    cJSON_ArrayForEach(it, kh_path(kh_result(r), "items"))
    {
        char *got = cJSON_PrintUnformatted(kh_path(it, "customer.id"));
        CHECK(got && strcmp(got, want_id_json) == 0);
        if (!got || strcmp(got, want_id_json) != 0)
            fprintf(stderr, "    customer.id %s, expected %s\n", got ? got : "(none)",
                    want_id_json);
        cJSON_free(got);
        n++;
    }
    cJSON_Delete(r);
    return n;
}

/* Ids that agree in their first 79 bytes (and more) are still two customers. */
static void test_customer_key_exact(void)
{
    static const struct {
        const char *unit, *a, *b;
        int n;
    } cases[] = {
        {"客", "甲", "申", 26}, /* 81 bytes; cut at 79 they were one customer */
        {"😀", "😁", "😂", 63},    /* 64 characters of 4 bytes: 256 bytes */
    };

    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        char *a = repeated_id(cases[c].unit, cases[c].n, cases[c].a);
        char *b = repeated_id(cases[c].unit, cases[c].n, cases[c].b);
        const char *ra, *rb;
        cJSON *r;

        reset();
        ra = create_as(TOK_ADMIN, a, "华南", "");
        rb = create_as(TOK_ADMIN, b, "华南", "");
        confirm_as(TOK_ADMIN, ra);
        confirm_as(TOK_ADMIN, rb);
        DO_AS(0, TOK_ADMIN, "returns.Submit", "{\"id\":\"%s\"}", ra);
        r = call("returns.Submit", "{\"id\":\"%s\"}", rb);
        KH_EXPECT_OK(r, "Submit of the other customer (its own quota)");
        cJSON_Delete(r);
        CHECK_INT(list_customer(a, a), 1);
        CHECK_INT(list_customer(b, b), 1);
        /* One quota key and one index per customer. */
        {
            char *keys = kh_redis_cli(&redis, "--scan --pattern 'kefu:returns:quota:*'");
            int n = 0;
            for (const char *p = keys; p && (p = strstr(p, "kefu:returns:quota:")); p++)
                n++;
            CHECK_INT(n, 2);
            free(keys);
        }
        free(a);
        free(b);
    }
    /* Integer ids are their decimal text; an id over 64 characters is refused. */
    reset();
    create_as(TOK_ADMIN, "4242", "华南", "");
    CHECK_INT(list_customer("4242", "4242"), 1);
    CHECK_INT(list_customer("\"4242\"", "4242"), 1);
    {
        char *big = repeated_id("客", 65, "");
        cJSON *r = call("returns.Create", create_fmt, big, "华南", "");
        KH_EXPECT(r, 3, "customer.id", "Create with a 65-character customer id");
        cJSON_Delete(r);
        free(big);
    }
}

/* The quota message names the holders the caller sees; others are counted. */
static void test_submit_message_scope(void)
{
    const char *south, *east;
    cJSON *r;
    const char *msg;

    reset();
    south = create_as(TOK_SOUTH, "\"K7\"", "华南", "");
    confirm_as(TOK_SOUTH, south);
    DO_AS(0, TOK_SOUTH, "returns.Submit", "{\"id\":\"%s\"}", south);
    east = create_as(TOK_EAST, "\"K7\"", "华东", "");
    confirm_as(TOK_EAST, east);
    r = call_as(TOK_EAST, "returns.Submit", "{\"id\":\"%s\"}", east);
    EXPECT(r, 8, "Submit over the quota as another region's staff");
    msg = kh_message(r);
    CHECK(strstr(msg, south) == NULL);
    CHECK(strstr(msg, "1 in other regions") != NULL);
    CHECK(strstr(msg, "per calendar month") != NULL);
    if (strstr(msg, south))
        kh_print_reply("leaks the other region's id", r);
    cJSON_Delete(r);
    /* Who sees the holder is told which one it is. */
    r = call_as(TOK_ADMIN, "returns.Submit", "{\"id\":\"%s\"}", east);
    EXPECT(r, 8, "Submit over the quota as admin");
    CHECK(strstr(kh_message(r), south) != NULL);
    CHECK(strstr(kh_message(r), "other regions") == NULL);
    cJSON_Delete(r);
}

/* Runs `lua` (written to a temp file) with redis-cli --eval and `args`. */
static void redis_eval(const char *lua, const char *args)
{
    char path[] = "/tmp/kefu-rregress-XXXXXX", cmd[512];
    int fd = mkstemp(path);
    char *out;

    CHECK(fd >= 0);
    if (fd < 0)
        return;
    CHECK(write(fd, lua, strlen(lua)) == (ssize_t)strlen(lua));
    close(fd);
    snprintf(cmd, sizeof(cmd), "--eval %s , %s", path, args);
    out = kh_redis_cli(&redis, cmd);
    if (!out || strstr(out, "ERR")) {
        fprintf(stderr, "    seeding failed: %s\n", out ? out : "(no output)");
        kefu_test_failed_checks++;
    }
    free(out);
    unlink(path);
}

/*
 * Writes `n` rejected returns R2027-<base+i> of region ARGV[3] created at ms
 * ARGV[4], rejected for reason "r<i % ARGV[5]>", straight into Redis: what
 * the scripts read of a return, in the layout store.c describes.
 */
static const char seed_lua[] =
    "local n, base, region, ms, kinds = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4],\n"
    "  tonumber(ARGV[5])\n"
    "local order = tonumber(redis.call('GET', 'kefu:returns:order') or '0')\n"
    "for i = 1, n do\n"
    "  local id = string.format('R2027-%06d', base + i)\n"
    "  order = order + 1\n"
    "  redis.call('HSET', 'kefu:return:' .. id, 'id', cjson.encode(id), 'status', '\"rejected\"',\n"
    "    'customer', '{\"id\":\"S\"}', 'region', cjson.encode(region), 'items', '[]',\n"
    "    'rejection', cjson.encode({by = 'x', reason = 'r' .. (i % kinds)}), 'version', '2',\n"
    "    '_order', order, '_created_ms', ms, '_region', region, '_customer', 'S',\n"
    "    '_boxes', '1', '_quota_key', '')\n"
    "  redis.call('ZADD', 'kefu:returns:idx:all', order, id)\n"
    "  redis.call('ZADD', 'kefu:returns:idx:status:rejected', order, id)\n"
    "  redis.call('ZADD', 'kefu:returns:idx:region:' .. region, order, id)\n"
    "  redis.call('ZADD', 'kefu:returns:idx:created', ms, id)\n"
    "end\n"
    "redis.call('SET', 'kefu:returns:order', order)\n"
    "return 'seeded'\n";

/* 2026-11-02T10:00:00+08:00 */
#define SEED_MS "1793584800000"

static void test_list_region_out_of_scope(void)
{
    cJSON *r;

    reset();
    redis_eval(seed_lua, "1100 0 华南 " SEED_MS " 7");
    r = call_as(TOK_EAST, "returns.List", "{\"region\":\"华南\"}");
    EXPECT(r, 0, "List of a region out of scope");
    CHECK_INT(cJSON_GetArraySize(kh_path(kh_result(r), "items")), 0);
    CHECK(cJSON_IsNull(kh_path(kh_result(r), "next_cursor")));
    if (!cJSON_IsNull(kh_path(kh_result(r), "next_cursor")))
        kh_print_reply("next_cursor reveals the region's size", r);
    cJSON_Delete(r);
    /* Those who see the region page through it. */
    r = call_as(TOK_SOUTH, "returns.List", "{\"region\":\"华南\",\"limit\":5}");
    EXPECT(r, 0, "List of its own region");
    CHECK_INT(cJSON_GetArraySize(kh_path(kh_result(r), "items")), 5);
    CHECK(cJSON_IsString(kh_path(kh_result(r), "next_cursor")));
    cJSON_Delete(r);
}

/* 60,000 returns: Stats is right, no step of it is slow, and the reasons
 * are the 50 most frequent plus a count of the rest. */
static void test_stats_bounded(void)
{
    cJSON *r;
    const cJSON *reasons;
    long slow;

    reset();
    redis_eval(seed_lua, "48000 0 华南 " SEED_MS " 60");
    redis_eval(seed_lua, "12000 48000 华东 " SEED_MS " 60");
    free(kh_redis_cli(&redis, "CONFIG SET slowlog-log-slower-than 200000"));
    free(kh_redis_cli(&redis, "SLOWLOG RESET"));
    r = call("returns.Stats", "{\"from\":\"2026-11-01\",\"to\":\"2026-11-30\"}");
    EXPECT(r, 0, "Stats over 60,000 returns");
    CHECK_INT(kh_path_int(kh_result(r), "total"), 60000);
    CHECK_INT(kh_path_int(kh_result(r), "by_status.rejected"), 60000);
    reasons = kh_path(kh_result(r), "rejection_reasons");
    CHECK_INT(cJSON_GetArraySize(reasons), 50);
    /* All 60 reasons are as frequent: the first 50 by text are named. */
    CHECK_STR(kh_path_str(cJSON_GetArrayItem(reasons, 0), "reason"), "r0");
    CHECK_INT(kh_path_int(cJSON_GetArrayItem(reasons, 0), "count"), 1000);
    CHECK_INT(kh_path_int(kh_result(r), "rejection_reasons_other"), 10000);
    cJSON_Delete(r);
    slow = kh_redis_int(&redis, "SLOWLOG LEN");
    CHECK_INT(slow, 0);
    if (slow != 0) {
        char *log = kh_redis_cli(&redis, "SLOWLOG GET 3");
        fprintf(stderr, "    slow log: %.600s\n", log ? log : "");
        free(log);
    }
    free(kh_redis_cli(&redis, "CONFIG SET slowlog-log-slower-than 10000"));
    /* Staff count only their region, in the same steps. */
    r = call_as(TOK_EAST, "returns.Stats", "{\"from\":\"2026-11-01\",\"to\":\"2026-11-30\"}");
    EXPECT(r, 0, "Stats as east staff");
    CHECK_INT(kh_path_int(kh_result(r), "total"), 12000);
    cJSON_Delete(r);
    /* A range that ends before them counts none. */
    r = call("returns.Stats", "{\"from\":\"2026-10-01\",\"to\":\"2026-11-01\"}");
    CHECK_INT(kh_path_int(kh_result(r), "total"), 0);
    cJSON_Delete(r);
}

/* A return of 200 items x 100000 units x 100000000 cents, settled with
 * every line credited: 2e15 cents. */
static void settle_biggest(const char *customer)
{
    char *p = malloc(64 * 1024), *q = p, id[24];
    cJSON *r;

    q += sprintf(q,
                 "{\"customer\":{\"id\":\"%s\",\"short_name\":\"大\",\"name\":\"大客户\"},"
                 "\"region\":\"华南\",\"regional_manager\":\"李明\",\"reason\":\"quality\","
                 "\"freight_station\":\"xiaolan\",\"items\":[",
                 customer);
    for (int i = 0; i < 200; i++)
        q += sprintf(q,
                     "%s{\"model\":\"M\",\"category\":\"cfl\",\"quantity\":100000,"
                     "\"production_date\":\"2026-06-01\",\"unit_price_cents\":100000000}",
                     i ? "," : "");
    q += sprintf(q, "],\"boxes\":[{\"lines\":[");
    for (int i = 0; i < 200; i++)
        q += sprintf(q, "%s{\"line\":%d,\"quantity\":100000}", i ? "," : "", i + 1);
    sprintf(q, "]}]}");
    r = call("returns.Create", "%s", p);
    EXPECT(r, 0, "Create of the biggest return");
    snprintf(id, sizeof(id), "%s", kh_str(r, "id") ? kh_str(r, "id") : "none");
    cJSON_Delete(r);
    confirm_as(TOK_ADMIN, id);
    DO_AS(0, TOK_ADMIN, "returns.Submit", "{\"id\":\"%s\"}", id);
    DO_AS(0, TOK_ADMIN, "returns.Approve", "{\"id\":\"%s\",\"by\":\"组\"}", id);
    DO_AS(0, TOK_ADMIN, "returns.Ship", "{\"id\":\"%s\",\"carrier\":\"c\",\"waybill\":\"w\"}", id);
    DO_AS(0, TOK_ADMIN, "returns.Receive", "{\"id\":\"%s\",\"boxes_received\":1}", id);
    q = p;
    q += sprintf(q, "{\"id\":\"%s\",\"lines\":[", id);
    for (int i = 0; i < 200; i++)
        q += sprintf(q, "%s{\"line\":%d,\"outcome\":\"credit\"}", i ? "," : "", i + 1);
    sprintf(q, "]}");
    r = call("returns.Settle", "%s", p);
    EXPECT(r, 0, "Settle of the biggest return");
    CHECK_INT(kh_path_int(kh_result(r), "settlement.credit_total_cents"), 2000000000000000LL);
    cJSON_Delete(r);
    free(p);
}

/* Credit sums stay below 2^53: four of the biggest returns are exact, a
 * fifth is OUT_OF_RANGE, not a figure a JSON parser would round. */
static void test_stats_credit_bound(void)
{
    char customer[16];
    cJSON *r;

    reset();
    for (int i = 0; i < 4; i++) {
        snprintf(customer, sizeof(customer), "BIG%d", i);
        settle_biggest(customer);
    }
    r = call("returns.Stats", "{\"from\":\"2026-11-01\",\"to\":\"2026-11-30\"}");
    EXPECT(r, 0, "Stats of four");
    CHECK_INT(kh_path_int(kh_result(r), "credit_total_cents"), 8000000000000000LL);
    CHECK_INT(kh_path_int(kh_result(r), "credit_by_region.华南"), 8000000000000000LL);
    CHECK_INT(kh_path_int(kh_result(r), "credit_by_category.cfl"), 8000000000000000LL);
    cJSON_Delete(r);
    settle_biggest("BIG4");
    r = call("returns.Stats", "{\"from\":\"2026-11-01\",\"to\":\"2026-11-30\"}");
    KH_EXPECT(r, 11, "from", "Stats past 2^53 cents");
    cJSON_Delete(r);
}

/* complaints.LinkReturn gets the return's customer id, as a string. */
static void test_link_carries_customer(void)
{
    char *params;
    cJSON *p;

    reset();
    create_as(TOK_ADMIN, "\"K042\"", "华南", ",\"complaint_id\":\"C2026-000042\"");
    create_as(TOK_ADMIN, "4242", "华南", ",\"complaint_id\":\"C2026-000043\"");
    params = kh_redis_cli(&redis, "HGET kefu:outbox:returns:e:1 params");
    p = params ? cJSON_Parse(params) : NULL;
    CHECK_STR(kh_path_str(p, "id"), "C2026-000042");
    CHECK_STR(kh_path_str(p, "customer_id"), "K042");
    CHECK(cJSON_IsString(kh_path(p, "return_id")));
    cJSON_Delete(p);
    free(params);
    params = kh_redis_cli(&redis, "HGET kefu:outbox:returns:e:2 params");
    p = params ? cJSON_Parse(params) : NULL;
    CHECK_STR(kh_path_str(p, "customer_id"), "4242");
    cJSON_Delete(p);
    free(params);
}

KEFU_TESTS = {
    {"customer_key_exact", test_customer_key_exact},
    {"submit_message_scope", test_submit_message_scope},
    {"list_region_out_of_scope", test_list_region_out_of_scope},
    {"stats_bounded", test_stats_bounded},
    {"stats_credit_bound", test_stats_credit_bound},
    {"link_carries_customer", test_link_carries_customer},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    const char *extra[] = {"--tokens", tokens_path, "--test-clock", NULL};
    const kh_token tokens[] = {
        {"admin", TOK_ADMIN, "admin", "[\"*\"]"},
        {"south-manager", TOK_SOUTH, "staff", "[\"华南\"]"},
        {"east-manager", TOK_EAST, "staff", "[\"华东\"]"},
    };
    int rc;

    if (!kh_write_tokens_temp(tokens_path, sizeof(tokens_path), "kefu-rregress-tokens", tokens, 3))
        return 1;
    rc = kh_suite_main(argc, argv, &redis, &svc, "returns", extra);
    unlink(tokens_path);
    return rc;
}
