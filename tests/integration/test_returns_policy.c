/*
 * integration.returns_policy - the returns methods built so far over real
 * sockets: returns.Policy, returns.CheckWarranty, and returns.ReloadPolicy
 * with the policy shared by two replicas through Redis (a broken file is
 * refused and the policy in force stays).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "json.h"
#include "test.h"

static kh_redis redis;
static char policy_path[64] = "/tmp/kefu-policy-XXXXXX";
static char *original; /* deploy/returns-policy.json */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = malloc(1 << 20);
    size_t n = f && buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    if (f)
        fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

static bool put_file(const char *text)
{
    FILE *f = fopen(policy_path, "wb");
    bool ok = f && fputs(text, f) >= 0;
    return f && fclose(f) == 0 && ok;
}

static const char *verdict_rule(const char *addr, const char *params)
{
    static char rule[160];
    cJSON *r = kh_call(addr, "returns.CheckWarranty", params, NULL);
    snprintf(rule, sizeof(rule), "%s", kh_ok(r) && kh_str(r, "rule") ? kh_str(r, "rule") : "");
    cJSON_Delete(r);
    return rule;
}

static void test_policy_and_check(void)
{
    const char *extra[] = {"--policy", policy_path, NULL};
    kh_service a;
    cJSON *r;

    CHECK(put_file(original));
    CHECK(kh_service_start(&a, "returns", redis.url, extra));
    r = kh_call(a.addr, "returns.Policy", NULL, NULL);
    CHECK(kh_ok(r));
    CHECK_INT(
        cJSON_GetArraySize(kefu_json_get(kefu_json_get(kh_result(r), "policy"), "categories")), 11);
    cJSON_Delete(r);
    /* cfl: 18 months from production, the day clamped to month end. */
    CHECK_STR(verdict_rule(a.addr, "{\"category\":\"cfl\",\"production_date\":\"2025-01-31\","
                                   "\"on_date\":\"2026-07-31\"}"),
              "cfl.unit.in_warranty");
    CHECK_STR(verdict_rule(a.addr, "{\"category\":\"cfl\",\"production_date\":\"2025-01-31\","
                                   "\"on_date\":\"2026-08-01\"}"),
              "cfl.unit.expired");
    CHECK_STR(verdict_rule(a.addr, "{\"category\":\"ceiling_light\",\"production_date\":"
                                   "\"2025-01-31\"}"),
              "ceiling_light.whole_unit.repair");
    r = kh_call(a.addr, "returns.CheckWarranty",
                "{\"category\":\"lamp\",\"production_date\":\"2025-01-31\"}", NULL);
    CHECK_INT(kh_code(r), 3);
    CHECK_STR(kh_field(r), "category");
    cJSON_Delete(r);
    r = kh_call(a.addr, "returns.CheckWarranty",
                "{\"category\":\"cfl\",\"production_date\":\"2025-02-30\"}", NULL);
    CHECK_INT(kh_code(r), 3);
    CHECK_STR(kh_field(r), "production_date");
    cJSON_Delete(r);
    CHECK_INT(kh_service_stop(&a), 0);
}

/* A reload on one replica reaches the other through Redis; a broken file
 * is refused with the path of the fault, and nothing changes. */
static void test_reload_shared(void)
{
    const char *extra[] = {"--policy", policy_path, "--namespace", "reload", NULL};
    const char *cfl = "{\"category\":\"cfl\",\"production_date\":\"2025-01-31\","
                      "\"on_date\":\"2026-08-01\"}";
    char *longer = strdup(original), *p;
    kh_service a, b;
    cJSON *r;

    CHECK(put_file(original));
    CHECK(kh_service_start(&a, "returns", redis.url, extra));
    CHECK(kh_service_start(&b, "returns", redis.url, extra));
    CHECK_STR(verdict_rule(b.addr, cfl), "cfl.unit.expired");

    /* A broken policy: refused, the old one stays. */
    CHECK(put_file("{\"format\": 1, \"categories\": 5}"));
    r = kh_call(a.addr, "returns.ReloadPolicy", NULL, NULL);
    CHECK_INT(kh_code(r), 3);
    cJSON_Delete(r);
    CHECK_STR(verdict_rule(a.addr, cfl), "cfl.unit.expired");

    /* cfl's whole unit 18 -> 19 months: covered on 2026-08-01 everywhere. */
    p = strstr(longer, "\"months\": 18");
    CHECK(p != NULL);
    if (p) {
        memcpy(p, "\"months\": 19", 12);
        CHECK(put_file(longer));
        r = kh_call(a.addr, "returns.ReloadPolicy", NULL, NULL);
        CHECK(kh_ok(r));
        cJSON_Delete(r);
        CHECK_STR(verdict_rule(a.addr, cfl), "cfl.unit.in_warranty");
        /* The other replica picks the new version up within its 2 s sync. */
        for (int i = 0; i < 40 && strcmp(verdict_rule(b.addr, cfl), "cfl.unit.in_warranty"); i++)
            kh_sleep_ms(100);
        CHECK_STR(verdict_rule(b.addr, cfl), "cfl.unit.in_warranty");
    }
    free(longer);
    CHECK_INT(kh_service_stop(&a), 0);
    CHECK_INT(kh_service_stop(&b), 0);
}

KEFU_TESTS = {
    {"policy_and_check", test_policy_and_check},
    {"reload_shared", test_reload_shared},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    char path[512];
    int fd, rc;

    snprintf(path, sizeof(path), "%s/deploy/returns-policy.json", KEFU_SOURCE_DIR);
    original = slurp(path);
    fd = mkstemp(policy_path);
    if (!original || fd < 0) {
        fprintf(stderr, "cannot read %s or make a temp file\n", path);
        return 1;
    }
    close(fd);
    rc = kh_suite_main(argc, argv, &redis, NULL, NULL, NULL);
    unlink(policy_path);
    free(original);
    return rc;
}
