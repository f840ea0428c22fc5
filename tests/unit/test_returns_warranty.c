/*
 * unit.returns_warranty - the returns policy (services/returns/policy.c):
 * every category and component of deploy/returns-policy.json against the
 * rules of SPEC section 4, date arithmetic at the edges, policy validation
 * and freight stations.
 */
#include <string.h>

#include "json.h"
#include "policy.h"
#include "test.h"

/* ---- helpers ---- */

static kefu_date date(const char *text)
{
    kefu_date d = {0};
    CHECK(kefu_date_parse(text, strlen(text), &d));
    return d;
}

static char *read_text(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) != NULL) {
        *len = fread(buf, 1, (size_t)n, f);
        buf[*len] = '\0';
    }
    fclose(f);
    return buf;
}

/* deploy/returns-policy.json, found from this file: <root>/tests/unit/x.c. */
static char *default_policy_text(size_t *len)
{
    char path[4096];
    const char *file = __FILE__;
    const char *end = file + strlen(file);
    int slashes = 0;

    while (end > file && slashes < 3)
        if (*--end == '/')
            slashes++;
    snprintf(path, sizeof(path), "%.*sdeploy/returns-policy.json",
             slashes == 3 ? (int)(end - file + 1) : 0, file);
    return read_text(path, len);
}

static returns_policy *default_policy(void)
{
    size_t len = 0;
    char *text = default_policy_text(&len);
    returns_policy *p = NULL;
    kefu_error err = {0};

    CHECK(text != NULL);
    if (!text)
        return NULL;
    if (returns_policy_load(text, len, &p, &err) != KEFU_STATUS_OK)
        fprintf(stderr, "  default policy refused: %s\n", err.message);
    free(text);
    CHECK(p != NULL);
    return p;
}

/* ---- the warranty table ---- */

typedef struct {
    const char *category, *component; /* NULL: whole unit */
    const char *produced;
    const char *condition; /* NULL: quality_defect */
    const char *checked;
    bool covered;
    const char *remedy;
    const char *expires_on; /* NULL: no warranty period */
    const char *rule;
    const char *needs_approval;
} warranty_case;

/* The six fixture categories share one set of rules. Production 2025-03-10:
 * 15 months end 2026-06-10, 27 months 2027-06-10. */
#define FIXTURE_CASES(cat)                                                                         \
    {cat,                                                                                          \
     "body",                                                                                       \
     "2025-03-10",                                                                                 \
     "pre_install_defect",                                                                         \
     "2030-01-01",                                                                                 \
     true,                                                                                         \
     "replace",                                                                                    \
     NULL,                                                                                         \
     cat ".body.pre_install_defect_replace"},                                                      \
        {cat,      "body",       "2025-03-10",                                                     \
         NULL,     "2025-04-01", false,                                                            \
         "reject", NULL,         cat ".body.quality_defect_not_covered"},                          \
        {cat,                                                                                      \
         "body",                                                                                   \
         "2025-03-10",                                                                             \
         "transport_damage",                                                                       \
         "2025-04-01",                                                                             \
         false,                                                                                    \
         "reject",                                                                                 \
         NULL,                                                                                     \
         "transport_damage.claim_carrier"},                                                        \
        {cat,       "spring_clip", "2020-01-01",                                                   \
         NULL,      "2030-01-01",  true,                                                           \
         "replace", NULL,          cat ".spring_clip.quality_defect_replace"},                     \
        {cat,                                                                                      \
         "spring_clip",                                                                            \
         "2020-01-01",                                                                             \
         "missing_parts",                                                                          \
         "2030-01-01",                                                                             \
         true,                                                                                     \
         "replace",                                                                                \
         NULL,                                                                                     \
         cat ".spring_clip.missing_parts_replace"},                                                \
        {cat,      "light_source", "2025-03-10",                                                   \
         NULL,     "2026-06-10",   true,                                                           \
         "credit", "2026-06-10",   cat ".light_source.in_warranty"},                               \
        {cat,      "light_source", "2025-03-10",                                                   \
         NULL,     "2026-06-11",   false,                                                          \
         "reject", "2026-06-10",   cat ".light_source.expired"},                                   \
        {cat,      "ballast",    "2025-03-10",                                                     \
         NULL,     "2027-06-10", true,                                                             \
         "credit", "2027-06-10", cat ".ballast.in_warranty"},                                      \
        {cat,      "ballast",    "2025-03-10",          NULL, "2027-06-11", false,                 \
         "reject", "2027-06-10", cat ".ballast.expired"},                                          \
        {cat,      "transformer", "2025-03-10",                                                    \
         NULL,     "2027-06-10",  true,                                                            \
         "credit", "2027-06-10",  cat ".transformer.in_warranty"},                                 \
        {cat,      "transformer", "2025-03-10",                                                    \
         NULL,     "2027-06-11",  false,                                                           \
         "reject", "2027-06-10",  cat ".transformer.expired"},                                     \
    {                                                                                              \
        cat, NULL, "2025-03-10", NULL, "2025-04-01", false, "reject", NULL,                        \
            cat ".whole_unit_not_warranted"                                                        \
    }

static const warranty_case cases[] = {
    /* cfl: the whole unit (or its component "unit"), 18 months. */
    {"cfl", NULL, "2025-01-15", NULL, "2026-07-15", true, "credit", "2026-07-15",
     "cfl.unit.in_warranty"},
    {"cfl", NULL, "2025-01-15", NULL, "2026-07-16", false, "reject", "2026-07-15",
     "cfl.unit.expired"},
    {"cfl", "unit", "2025-01-15", "quality_defect", "2026-07-15", true, "credit", "2026-07-15",
     "cfl.unit.in_warranty"},
    {"cfl", NULL, "2025-01-15", NULL, "2024-12-01", true, "credit", "2026-07-15",
     "cfl.unit.in_warranty"},
    /* 2024-08-31 + 18 months: February 2026 has 28 days. */
    {"cfl", NULL, "2024-08-31", NULL, "2026-02-28", true, "credit", "2026-02-28",
     "cfl.unit.in_warranty"},
    {"cfl", NULL, "2024-08-31", NULL, "2026-03-01", false, "reject", "2026-02-28",
     "cfl.unit.expired"},
    /* Every other condition on cfl. */
    {"cfl", NULL, "2025-01-15", "pre_install_defect", "2025-02-01", false, "reject", NULL,
     "cfl.unit.pre_install_defect_not_covered"},
    {"cfl", NULL, "2025-01-15", "broken_body", "2025-02-01", false, "reject", NULL,
     "cfl.unit.broken_body_not_covered"},
    {"cfl", NULL, "2025-01-15", "missing_parts", "2025-02-01", false, "reject", NULL,
     "cfl.unit.missing_parts_not_covered"},
    {"cfl", NULL, "2025-01-15", "transport_damage", "2025-02-01", false, "reject", NULL,
     "transport_damage.claim_carrier"},

    /* ceiling_light: tube 15, ballast 27; the whole lamp is repaired. */
    {"ceiling_light", "tube", "2025-03-10", NULL, "2026-06-10", true, "credit", "2026-06-10",
     "ceiling_light.tube.in_warranty"},
    {"ceiling_light", "tube", "2025-03-10", NULL, "2026-06-11", false, "reject", "2026-06-10",
     "ceiling_light.tube.expired"},
    /* 15 months from a month end: 2024-11-30 -> 2026-02-28; leap: 2024-02-29. */
    {"ceiling_light", "tube", "2024-11-30", NULL, "2026-02-28", true, "credit", "2026-02-28",
     "ceiling_light.tube.in_warranty"},
    {"ceiling_light", "tube", "2024-11-30", NULL, "2026-03-01", false, "reject", "2026-02-28",
     "ceiling_light.tube.expired"},
    {"ceiling_light", "tube", "2022-11-30", NULL, "2024-02-29", true, "credit", "2024-02-29",
     "ceiling_light.tube.in_warranty"},
    {"ceiling_light", "tube", "2022-11-30", NULL, "2024-03-01", false, "reject", "2024-02-29",
     "ceiling_light.tube.expired"},
    {"ceiling_light", "ballast", "2025-03-10", NULL, "2027-06-10", true, "credit", "2027-06-10",
     "ceiling_light.ballast.in_warranty"},
    {"ceiling_light", "ballast", "2025-03-10", NULL, "2027-06-11", false, "reject", "2027-06-10",
     "ceiling_light.ballast.expired"},
    {"ceiling_light", "tube", "2025-03-10", "broken_body", "2025-04-01", false, "reject", NULL,
     "ceiling_light.tube.broken_body_not_covered"},
    {"ceiling_light", "tube", "2025-03-10", "transport_damage", "2025-04-01", false, "reject", NULL,
     "transport_damage.claim_carrier"},
    {"ceiling_light", NULL, "2025-03-10", NULL, "2025-04-01", false, "repair", NULL,
     "ceiling_light.whole_unit.repair"},
    {"ceiling_light", NULL, "2015-03-10", "pre_install_defect", "2025-04-01", false, "repair", NULL,
     "ceiling_light.whole_unit.repair"},
    {"ceiling_light", NULL, "2025-03-10", "missing_parts", "2025-04-01", false, "reject", NULL,
     "ceiling_light.whole_unit.missing_parts"},
    {"ceiling_light", NULL, "2025-03-10", "broken_body", "2025-04-01", false, "reject", NULL,
     "ceiling_light.whole_unit.broken_body"},
    {"ceiling_light", NULL, "2025-03-10", "transport_damage", "2025-04-01", false, "reject", NULL,
     "transport_damage.claim_carrier"},

    /* exhaust_light: as ceiling_light plus the motor, 27 months. */
    {"exhaust_light", "tube", "2025-03-10", NULL, "2026-06-10", true, "credit", "2026-06-10",
     "exhaust_light.tube.in_warranty"},
    {"exhaust_light", "tube", "2025-03-10", NULL, "2026-06-11", false, "reject", "2026-06-10",
     "exhaust_light.tube.expired"},
    {"exhaust_light", "ballast", "2025-03-10", NULL, "2027-06-10", true, "credit", "2027-06-10",
     "exhaust_light.ballast.in_warranty"},
    {"exhaust_light", "ballast", "2025-03-10", NULL, "2027-06-11", false, "reject", "2027-06-10",
     "exhaust_light.ballast.expired"},
    {"exhaust_light", "motor", "2025-03-10", NULL, "2027-06-10", true, "credit", "2027-06-10",
     "exhaust_light.motor.in_warranty"},
    {"exhaust_light", "motor", "2025-03-10", NULL, "2027-06-11", false, "reject", "2027-06-10",
     "exhaust_light.motor.expired"},
    {"exhaust_light", NULL, "2025-03-10", NULL, "2025-04-01", false, "repair", NULL,
     "exhaust_light.whole_unit.repair"},
    {"exhaust_light", NULL, "2025-03-10", "broken_body", "2025-04-01", false, "reject", NULL,
     "exhaust_light.whole_unit.broken_body"},
    {"exhaust_light", NULL, "2025-03-10", "missing_parts", "2025-04-01", false, "reject", NULL,
     "exhaust_light.whole_unit.missing_parts"},

    /* integrated_bracket: only the tube or ballast may come back. */
    {"integrated_bracket", "tube", "2025-03-10", NULL, "2026-06-10", true, "credit", "2026-06-10",
     "integrated_bracket.tube.in_warranty"},
    {"integrated_bracket", "tube", "2025-03-10", NULL, "2026-06-11", false, "reject", "2026-06-10",
     "integrated_bracket.tube.expired"},
    {"integrated_bracket", "ballast", "2025-03-10", NULL, "2027-06-10", true, "credit",
     "2027-06-10", "integrated_bracket.ballast.in_warranty"},
    {"integrated_bracket", "ballast", "2025-03-10", NULL, "2027-06-11", false, "reject",
     "2027-06-10", "integrated_bracket.ballast.expired"},
    {"integrated_bracket", NULL, "2025-03-10", NULL, "2025-04-01", false, "reject", NULL,
     "integrated_bracket.whole_unit_not_warranted"},
    {"integrated_bracket", NULL, "2025-03-10", "broken_body", "2025-04-01", false, "reject", NULL,
     "integrated_bracket.whole_unit_not_warranted"},
    {"integrated_bracket", NULL, "2025-03-10", "transport_damage", "2025-04-01", false, "reject",
     NULL, "transport_damage.claim_carrier"},

    FIXTURE_CASES("pendant"),
    FIXTURE_CASES("downlight"),
    FIXTURE_CASES("spotlight"),
    FIXTURE_CASES("ceiling_spot"),
    FIXTURE_CASES("mirror_light"),
    FIXTURE_CASES("desk_lamp"),

    /* bath_heater: 39 months; bulbs are the exception to the carrier claim. */
    {"bath_heater", "infrared_bulb", "2025-03-10", NULL, "2028-06-10", true, "credit", "2028-06-10",
     "bath_heater.infrared_bulb.in_warranty"},
    {"bath_heater", "infrared_bulb", "2025-03-10", NULL, "2028-06-11", false, "reject",
     "2028-06-10", "bath_heater.infrared_bulb.expired"},
    {"bath_heater", "infrared_bulb", "2025-03-10", "transport_damage", "2025-04-01", true, "credit",
     "2028-06-10", "bath_heater.infrared_bulb.in_warranty"},
    {"bath_heater", "infrared_bulb", "2025-03-10", "broken_body", "2025-04-01", false, "reject",
     NULL, "bath_heater.infrared_bulb.broken_body_not_covered"},
    {"bath_heater", "lighting_bulb", "2025-03-10", NULL, "2025-04-01", false, "reject", NULL,
     "bath_heater.lighting_bulb.not_warranted"},
    {"bath_heater", "lighting_bulb", "2025-03-10", "transport_damage", "2030-04-01", true,
     "replace", NULL, "bath_heater.lighting_bulb.transport_damage_replace", "director"},
    {"bath_heater", "motor", "2025-03-10", NULL, "2028-06-10", true, "credit", "2028-06-10",
     "bath_heater.motor.in_warranty"},
    {"bath_heater", "motor", "2025-03-10", NULL, "2028-06-11", false, "reject", "2028-06-10",
     "bath_heater.motor.expired"},
    {"bath_heater", "motor", "2025-03-10", "transport_damage", "2025-04-01", false, "reject", NULL,
     "transport_damage.claim_carrier"},
    {"bath_heater", NULL, "2025-03-10", NULL, "2025-04-01", false, "reject", NULL,
     "bath_heater.whole_unit_not_warranted"},
    {NULL},
};

static void check_case(const returns_policy *p, const warranty_case *c)
{
    returns_evaluation e;
    kefu_error err = {0};
    char expires[11] = "";
    kefu_status st = returns_evaluate(p, c->category, c->component, date(c->produced), c->condition,
                                      date(c->checked), &e, &err);

    if (st != KEFU_STATUS_OK) {
        fprintf(stderr, "  case %s rule %s: %s\n", c->category, c->rule, err.message);
        CHECK(st == KEFU_STATUS_OK);
        return;
    }
    if (e.has_expiry)
        kefu_date_format(e.expires_on, expires);
    if (e.covered != c->covered || strcmp(e.remedy, c->remedy) != 0 ||
        strcmp(e.rule, c->rule) != 0 || e.has_expiry != (c->expires_on != NULL) ||
        (c->expires_on && strcmp(expires, c->expires_on) != 0) ||
        (e.needs_approval == NULL) != (c->needs_approval == NULL) ||
        (c->needs_approval && strcmp(e.needs_approval, c->needs_approval) != 0)) {
        fprintf(stderr,
                "  case %s/%s produced %s checked %s: got covered=%d remedy=%s expires=%s "
                "rule=%s approval=%s; expected %d %s %s %s %s\n",
                c->category, c->component ? c->component : "(unit)", c->produced, c->checked,
                e.covered, e.remedy, e.has_expiry ? expires : "-", e.rule,
                e.needs_approval ? e.needs_approval : "-", c->covered, c->remedy,
                c->expires_on ? c->expires_on : "-", c->rule,
                c->needs_approval ? c->needs_approval : "-");
        kefu_test_failed_checks++;
    }
}

static void test_warranty_table(void)
{
    returns_policy *p = default_policy();
    const char *seen[32];
    int nseen = 0;

    if (!p)
        return;
    for (const warranty_case *c = cases; c->category; c++)
        check_case(p, c);
    /* Every category appears in the table. */
    for (const warranty_case *c = cases; c->category; c++) {
        int i = 0;
        while (i < nseen && strcmp(seen[i], c->category) != 0)
            i++;
        if (i == nseen && nseen < 32)
            seen[nseen++] = c->category;
    }
    CHECK_INT(nseen, 11);
    returns_policy_free(p);
}

/* Every component the policy lists is covered by some row of the table. */
static void test_table_covers_policy(void)
{
    returns_policy *p = default_policy();
    cJSON *doc;
    const cJSON *cat;

    if (!p)
        return;
    doc = returns_policy_to_json(p);
    cJSON_ArrayForEach(cat, kefu_json_get(doc, "categories"))
    {
        const cJSON *comp;
        const char *cid = kefu_json_str(cat, "id");
        cJSON_ArrayForEach(comp, kefu_json_get(cat, "components"))
        {
            const char *id = kefu_json_str(comp, "id");
            bool found = false;
            for (const warranty_case *c = cases; c->category && !found; c++)
                found = strcmp(c->category, cid) == 0 &&
                        ((c->component && strcmp(c->component, id) == 0) ||
                         (!c->component && strcmp(id, "unit") == 0));
            if (!found)
                fprintf(stderr, "  no case for %s.%s\n", cid, id);
            CHECK(found);
        }
    }
    cJSON_Delete(doc);
    returns_policy_free(p);
}

/* The calendar edges with 1- and 12-month rules: a policy written here. */
static const char small_policy[] =
    "{\"format\":1,\"label\":\"t\",\"time_zone\":\"UTC\",\"returns_per_customer_per_month\":2,"
    "\"default_condition\":\"quality_defect\","
    "\"conditions\":[{\"id\":\"quality_defect\",\"label\":\"q\"},{\"id\":\"transport_damage\","
    "\"label\":\"t\"}],"
    "\"carrier_claim\":{\"condition\":\"transport_damage\",\"label\":\"c\"},"
    "\"freight\":{\"allowed_stations\":[{\"id\":\"xiaolan\",\"label\":\"小榄\"}]},"
    "\"categories\":[{\"id\":\"lamp\",\"label\":\"灯\","
    "\"whole_unit\":{\"warranted\":true,\"component\":\"month\"},\"components\":["
    "{\"id\":\"month\",\"label\":\"m\",\"warranted\":true,\"months\":1,\"remedy\":\"credit\","
    "\"conditions\":[\"quality_defect\"]},"
    "{\"id\":\"year\",\"label\":\"y\",\"warranted\":true,\"months\":12,\"remedy\":\"replace\","
    "\"conditions\":[\"quality_defect\"]}]}]}";

static void expect_expiry(const returns_policy *p, const char *component, const char *produced,
                          const char *expires)
{
    returns_evaluation e;
    kefu_error err = {0};
    char text[11] = "";
    kefu_date exp = date(expires);

    CHECK_INT(returns_evaluate(p, "lamp", component, date(produced), NULL, exp, &e, &err),
              KEFU_STATUS_OK);
    kefu_date_format(e.expires_on, text);
    CHECK_STR(text, expires);
    CHECK(e.covered);
    CHECK_INT(returns_evaluate(p, "lamp", component, date(produced), NULL,
                               kefu_date_add_days(exp, 1), &e, &err),
              KEFU_STATUS_OK);
    CHECK(!e.covered);
    CHECK_STR(e.remedy, "reject");
}

static void test_calendar_edges(void)
{
    returns_policy *p = NULL;
    kefu_error err = {0};

    CHECK_INT(returns_policy_load(small_policy, strlen(small_policy), &p, &err), KEFU_STATUS_OK);
    if (!p)
        return;
    CHECK_INT(returns_policy_tz_minutes(p), 0);
    CHECK_INT(returns_policy_monthly_limit(p), 2);
    expect_expiry(p, NULL, "2025-01-31", "2025-02-28");
    expect_expiry(p, "month", "2024-01-31", "2024-02-29");
    expect_expiry(p, "month", "2025-12-31", "2026-01-31");
    expect_expiry(p, "year", "2023-02-28", "2024-02-28");
    expect_expiry(p, "year", "2024-02-29", "2025-02-28");
    expect_expiry(p, "year", "2023-03-01", "2024-03-01");
    returns_policy_free(p);
}

static void test_argument_errors(void)
{
    returns_policy *p = default_policy();
    returns_evaluation e = {.rule = "untouched"};
    kefu_error err = {0};
    kefu_date d = date("2025-03-10"), bad = {2025, 2, 29};

    if (!p)
        return;
    CHECK_INT(returns_evaluate(p, "lantern", NULL, d, NULL, d, &e, &err),
              KEFU_STATUS_INVALID_ARGUMENT);
    CHECK_STR(err.field, "category");
    CHECK_INT(returns_evaluate(p, NULL, NULL, d, NULL, d, &e, &err), KEFU_STATUS_INVALID_ARGUMENT);
    CHECK_STR(err.field, "category");
    CHECK_INT(returns_evaluate(p, "ceiling_light", "motor", d, NULL, d, &e, &err),
              KEFU_STATUS_INVALID_ARGUMENT);
    CHECK_STR(err.field, "component");
    CHECK_INT(returns_evaluate(p, "ceiling_light", "unit", d, NULL, d, &e, &err),
              KEFU_STATUS_INVALID_ARGUMENT);
    CHECK_STR(err.field, "component");
    CHECK_INT(returns_evaluate(p, "cfl", "tube", d, NULL, d, &e, &err),
              KEFU_STATUS_INVALID_ARGUMENT);
    CHECK_STR(err.field, "component");
    CHECK_INT(returns_evaluate(p, "cfl", NULL, d, "water_damage", d, &e, &err),
              KEFU_STATUS_INVALID_ARGUMENT);
    CHECK_STR(err.field, "condition");
    CHECK_INT(returns_evaluate(p, "cfl", NULL, bad, NULL, d, &e, &err),
              KEFU_STATUS_INVALID_ARGUMENT);
    CHECK_STR(err.field, "production_date");
    CHECK_STR(e.rule, "untouched");
    returns_policy_free(p);
}

static void test_evaluation_json(void)
{
    returns_policy *p = default_policy();
    returns_evaluation e;
    kefu_error err = {0};
    cJSON *j;

    if (!p)
        return;
    CHECK_INT(
        returns_evaluate(p, "cfl", NULL, date("2025-01-15"), NULL, date("2025-02-01"), &e, &err),
        KEFU_STATUS_OK);
    j = returns_evaluation_to_json(&e);
    CHECK(cJSON_IsTrue(kefu_json_get(j, "covered")));
    CHECK_STR(kefu_json_str(j, "remedy"), "credit");
    CHECK_STR(kefu_json_str(j, "expires_on"), "2026-07-15");
    CHECK_STR(kefu_json_str(j, "rule"), "cfl.unit.in_warranty");
    CHECK(cJSON_IsNull(kefu_json_get(j, "needs_approval")));
    cJSON_Delete(j);

    CHECK_INT(returns_evaluate(p, "bath_heater", "lighting_bulb", date("2025-01-15"),
                               "transport_damage", date("2025-02-01"), &e, &err),
              KEFU_STATUS_OK);
    j = returns_evaluation_to_json(&e);
    CHECK(cJSON_IsNull(kefu_json_get(j, "expires_on")));
    CHECK_STR(kefu_json_str(j, "needs_approval"), "director");
    cJSON_Delete(j);
    returns_policy_free(p);
}

/* ---- the default policy file ---- */

static void test_default_policy_file(void)
{
    returns_policy *p = default_policy();
    returns_policy *again = NULL;
    returns_evaluation e;
    kefu_error err = {0};
    cJSON *doc, *cat;
    char *text;

    if (!p)
        return;
    CHECK_INT(returns_policy_tz_minutes(p), 480);
    CHECK_INT(returns_policy_monthly_limit(p), 1);
    doc = returns_policy_to_json(p);
    CHECK_INT(cJSON_GetArraySize(kefu_json_get(doc, "categories")), 11);
    CHECK_STR(kefu_json_str(doc, "time_zone"), "+08:00");
    cat = cJSON_GetArrayItem(kefu_json_get(doc, "categories"), 0);
    CHECK_STR(kefu_json_str(cat, "label"), "节能灯");
    cat = cJSON_GetArrayItem(kefu_json_get(doc, "categories"), 10);
    CHECK_STR(kefu_json_str(cat, "id"), "bath_heater");
    CHECK_STR(kefu_json_str(cat, "label"), "浴霸");

    /* What returns.Policy prints loads again and says the same. */
    text = cJSON_PrintUnformatted(doc);
    CHECK_INT(returns_policy_load(text, strlen(text), &again, &err), KEFU_STATUS_OK);
    if (again) {
        CHECK_INT(returns_evaluate(again, "exhaust_light", "motor", date("2024-11-30"), NULL,
                                   date("2027-02-28"), &e, &err),
                  KEFU_STATUS_OK);
        CHECK(e.covered);
        CHECK_STR(e.rule, "exhaust_light.motor.in_warranty");
        returns_policy_free(again);
    }
    cJSON_free(text);
    cJSON_Delete(doc);

    /* 2025-06-30 + 18 months is 2026-12-30: the day is kept, not moved to
     * the month's end. */
    CHECK_INT(
        returns_evaluate(p, "cfl", NULL, date("2025-06-30"), NULL, date("2026-12-30"), &e, &err),
        KEFU_STATUS_OK);
    CHECK(e.covered);
    CHECK_INT(
        returns_evaluate(p, "cfl", NULL, date("2025-06-30"), NULL, date("2026-12-31"), &e, &err),
        KEFU_STATUS_OK);
    CHECK(!e.covered);
    CHECK_STR(e.rule, "cfl.unit.expired");
    returns_policy_free(p);
}

/* ---- policy validation: one broken edit of the default policy per row ---- */

/* The member named by `path` ("categories[1].components[0]"), or NULL. */
static cJSON *walk(cJSON *node, const char *path)
{
    char name[64];

    while (node && *path) {
        size_t n = strcspn(path, ".[");
        if (n > 0) {
            snprintf(name, sizeof(name), "%.*s", (int)n, path);
            node = kefu_json_get(node, name);
            path += n;
        } else if (*path == '[') {
            node = cJSON_GetArrayItem(node, atoi(path + 1));
            path = strchr(path, ']') + 1;
        }
        if (*path == '.')
            path++;
    }
    return node;
}

typedef struct {
    const char *object; /* path of the object to edit ("" = top level) */
    const char *key;
    const char *value; /* JSON text; NULL deletes the member */
    const char *field; /* the path the refusal names */
} broken_case;

static const broken_case broken[] = {
    {"", "format", "2", "format"},
    {"", "label", NULL, "label"},
    {"", "time_zone", "\"Mars/Base\"", "time_zone"},
    {"", "returns_per_customer_per_month", "0", "returns_per_customer_per_month"},
    {"", "default_condition", "\"rain\"", "default_condition"},
    {"", "colour", "1", "colour"},
    {"", "categories", "[]", "categories"},
    {"conditions[1]", "id", "\"quality_defect\"", "conditions[1]"},
    {"conditions[2]", "label", "\"\"", "conditions[2].label"},
    {"carrier_claim", "condition", "\"rain\"", "carrier_claim.condition"},
    {"freight", "allowed_stations", NULL, "freight.allowed_stations"},
    {"freight.exception_stations[0]", "id", "\"xiaolan\"", "freight.exception_stations[0]"},
    {"freight.exception_stations[1]", "label", "\"小榄\"", "freight.exception_stations[1]"},
    {"categories[0]", "id", "\"CFL\"", "categories[0].id"},
    {"categories[4]", "id", "\"cfl\"", "categories[4]"},
    {"categories[3]", "label", NULL, "categories[3].label"},
    {"categories[3]", "label", "\"\"", "categories[3].label"},
    {"categories[0].components[0]", "months", "0", "categories[0].components[0].months"},
    {"categories[0].components[0]", "months", "601", "categories[0].components[0].months"},
    {"categories[0].components[0]", "months", "\"18\"", "categories[0].components[0].months"},
    {"categories[0].components[0]", "months", "18.5", "categories[0].components[0].months"},
    {"categories[0].components[0]", "colour", "\"red\"", "categories[0].components[0].colour"},
    {"categories[1].components[0]", "remedy", "\"refund\"", "categories[1].components[0].remedy"},
    {"categories[1].components[1]", "id", "\"tube\"", "categories[1].components[1]"},
    {"categories[1].components[1]", "warranted", "1", "categories[1].components[1].warranted"},
    {"categories[2].components[0]", "conditions", "[\"rain\"]",
     "categories[2].components[0].conditions[0]"},
    {"categories[2].components[0]", "conditions", "[\"quality_defect\",\"quality_defect\"]",
     "categories[2].components[0].conditions[1]"},
    {"categories[2].components[0]", "conditions", "[]", "categories[2].components[0].conditions"},
    {"categories[10].components[1]", "months", "12", "categories[10].components[1].months"},
    {"categories[10].components[1]", "needs_approval", "\"\"",
     "categories[10].components[1].needs_approval"},
    {"categories[0].whole_unit", "component", "\"bulb\"", "categories[0].whole_unit.component"},
    {"categories[0].whole_unit", "remedy", "\"credit\"", "categories[0].whole_unit.remedy"},
    {"categories[1].whole_unit", "remedy", NULL, "categories[1].whole_unit.remedy"},
    {"categories[1].whole_unit", "reject_conditions", "[\"quality_defect\"]",
     "categories[1].whole_unit.reject_conditions"},
    {"categories[3].whole_unit", "conditions", "[\"quality_defect\"]",
     "categories[3].whole_unit.conditions"},
    {"categories[5]", "whole_unit", NULL, "categories[5].whole_unit"},
    {"categories[5]", "components", "{}", "categories[5].components"},
    {NULL},
};

static void test_policy_refused(void)
{
    size_t len = 0;
    char *text = default_policy_text(&len);
    returns_policy *p = NULL;
    kefu_error err = {0};

    CHECK(text != NULL);
    if (!text)
        return;
    for (const broken_case *b = broken; b->object; b++) {
        cJSON *doc = cJSON_Parse(text);
        cJSON *obj = walk(doc, b->object);
        char *edited;

        CHECK(obj != NULL);
        if (!obj) {
            cJSON_Delete(doc);
            continue;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(obj, b->key);
        if (b->value)
            cJSON_AddItemToObject(obj, b->key, cJSON_Parse(b->value));
        edited = cJSON_PrintUnformatted(doc);
        p = NULL;
        kefu_error_clear(&err);
        CHECK_INT(returns_policy_load(edited, strlen(edited), &p, &err),
                  KEFU_STATUS_INVALID_ARGUMENT);
        CHECK(p == NULL);
        if (strcmp(err.field, b->field) != 0 || !strstr(err.message, b->field)) {
            fprintf(stderr, "  edit %s.%s: field \"%s\" message \"%s\", expected field %s\n",
                    b->object, b->key, err.field, err.message, b->field);
            kefu_test_failed_checks++;
        }
        returns_policy_free(p);
        cJSON_free(edited);
        cJSON_Delete(doc);
    }

    CHECK_INT(returns_policy_load("{\"format\":", 10, &p, &err), KEFU_STATUS_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "not JSON") != NULL);
    CHECK_INT(returns_policy_load("[]", 2, &p, &err), KEFU_STATUS_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "must be an object") != NULL);
    /* A duplicate key is refused by the strict parser. */
    CHECK_INT(returns_policy_load("{\"format\":1,\"format\":1}", 23, &p, &err),
              KEFU_STATUS_INVALID_ARGUMENT);
    free(text);
}

/* ---- freight ---- */

static void test_freight(void)
{
    returns_policy *p = default_policy();
    returns_freight_result r = {0};
    kefu_error err = {0};

    if (!p)
        return;
    CHECK_INT(returns_freight(p, "xiaolan", NULL, &r, &err), KEFU_STATUS_OK);
    CHECK_STR(r.station, "xiaolan");
    CHECK_STR(r.label, "小榄");
    CHECK(r.company_pays && !r.customer_bears_freight && !r.exception);
    CHECK_INT(returns_freight(p, "古镇", NULL, &r, &err), KEFU_STATUS_OK);
    CHECK_STR(r.station, "guzhen");
    CHECK(r.company_pays && !r.customer_bears_freight);
    CHECK_INT(returns_freight(p, "Guzhen", "", &r, &err), KEFU_STATUS_OK);
    CHECK_STR(r.station, "guzhen");

    CHECK_INT(returns_freight(p, "东凤", NULL, &r, &err), KEFU_STATUS_INVALID_ARGUMENT);
    CHECK_STR(err.field, "station_reason");
    CHECK_INT(returns_freight(p, "henglan", "", &r, &err), KEFU_STATUS_INVALID_ARGUMENT);
    CHECK_STR(err.field, "station_reason");
    CHECK_INT(returns_freight(p, "dongfeng", "小榄站停运", &r, &err), KEFU_STATUS_OK);
    CHECK_STR(r.station, "dongfeng");
    CHECK(r.exception && r.company_pays && !r.customer_bears_freight);
    CHECK_INT(returns_freight(p, "横栏", "客户在横栏", &r, &err), KEFU_STATUS_OK);
    CHECK_STR(r.station, "henglan");

    CHECK_INT(returns_freight(p, "中山", NULL, &r, &err), KEFU_STATUS_OK);
    CHECK(r.station == NULL && r.customer_bears_freight && !r.company_pays);
    CHECK_INT(returns_freight(p, "xiaolan-east", "reason", &r, &err), KEFU_STATUS_OK);
    CHECK(r.customer_bears_freight);

    CHECK_INT(returns_freight(p, "", NULL, &r, &err), KEFU_STATUS_INVALID_ARGUMENT);
    CHECK_STR(err.field, "station");
    CHECK_INT(returns_freight(p, NULL, NULL, &r, &err), KEFU_STATUS_INVALID_ARGUMENT);
    CHECK_STR(err.field, "station");
    returns_policy_free(p);
}

KEFU_TESTS = {
    {"warranty_table", test_warranty_table},
    {"table_covers_policy", test_table_covers_policy},
    {"calendar_edges", test_calendar_edges},
    {"argument_errors", test_argument_errors},
    {"evaluation_json", test_evaluation_json},
    {"default_policy_file", test_default_policy_file},
    {"policy_refused", test_policy_refused},
    {"freight", test_freight},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return kefu_test_main(argc, argv);
}
