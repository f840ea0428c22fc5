/*
 * policy.c - the returns policy: loading and validating its JSON, warranty
 * evaluation and freight stations. Pure: no I/O, no clock. The rules are
 * described once, in policy.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json.h"
#include "policy.h"

#define POLICY_FORMAT  1
#define POLICY_DEPTH   16
#define MAX_CONDITIONS 16
#define MAX_ID         32
#define MAX_MONTHS     600
#define MAX_MONTHLY    100
#define PATH_MAX_LEN   200

static const char *const remedies[] = {"credit", "repair", "replace", "reject", NULL};

typedef struct {
    const char *id, *label;
    bool warranted;
    int months; /* 0: no warranty period */
    const char *remedy;
    unsigned conditions; /* bit i: conditions[i] of the policy */
    const char *needs_approval;
} component;

typedef struct {
    const char *id, *label;
    bool unit_warranted;
    int unit_component; /* when unit_warranted */
    const char *unit_remedy;
    unsigned unit_conditions, unit_rejects;
    component *components;
    int ncomponents;
} category;

typedef struct {
    const char *id, *label;
    bool exception;
} station;

struct returns_policy {
    cJSON *doc; /* the validated text; every string below points into it */
    int tz_minutes;
    int monthly_limit;
    const char *conditions[MAX_CONDITIONS];
    int nconditions;
    int default_condition;
    int carrier_condition;
    station *stations;
    int nstations;
    category *categories;
    int ncategories;
};

/* ---- validation helpers: each names the JSON path of what it refuses ---- */

static kefu_status fail(kefu_error *err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static kefu_status fail(kefu_error *err, const char *path, const char *fmt, ...)
{
    char what[320];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, path, "policy: %s: %s",
                          *path ? path : "(top level)", what);
}

/* Paths are cut at PATH_MAX_LEN - 1 bytes; only a hostile member name gets
 * near that, and the cut path still leads to it. */
static void path_key(char *out, const char *base, const char *key)
{
    if (snprintf(out, PATH_MAX_LEN, "%s%s%s", base, *base ? "." : "", key) >= PATH_MAX_LEN)
        out[PATH_MAX_LEN - 1] = '\0';
}

static void path_index(char *out, const char *base, int i)
{
    if (snprintf(out, PATH_MAX_LEN, "%s[%d]", base, i) >= PATH_MAX_LEN)
        out[PATH_MAX_LEN - 1] = '\0';
}

/* `obj` must be an object whose members are all in `allowed`. */
static kefu_status check_members(const cJSON *obj, const char *path, const char *const *allowed,
                                 kefu_error *err)
{
    if (!cJSON_IsObject(obj))
        return fail(err, path, "must be an object");
    for (const cJSON *m = obj->child; m; m = m->next) {
        const char *const *a = allowed;
        while (*a && strcmp(*a, m->string) != 0)
            a++;
        if (!*a) {
            char p[PATH_MAX_LEN];
            path_key(p, path, m->string);
            return fail(err, p, "unknown member");
        }
    }
    return KEFU_STATUS_OK;
}

static bool id_valid(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > MAX_ID || s[0] < 'a' || s[0] > 'z')
        return false;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

/* A required string member; `id` asks for the id pattern, else non-empty. */
static kefu_status get_string(const cJSON *obj, const char *path, const char *key, bool id,
                              const char **out, kefu_error *err)
{
    char p[PATH_MAX_LEN];
    const cJSON *v = kefu_json_get(obj, key);

    path_key(p, path, key);
    if (!v)
        return fail(err, p, "is required");
    if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
        return fail(err, p, "must be a non-empty string");
    if (id && !id_valid(v->valuestring))
        return fail(err, p, "\"%s\" is not an id ([a-z][a-z0-9_]{0,31})", v->valuestring);
    *out = v->valuestring;
    return KEFU_STATUS_OK;
}

static kefu_status get_int(const cJSON *obj, const char *path, const char *key, int min, int max,
                           int *out, kefu_error *err)
{
    char p[PATH_MAX_LEN];
    const cJSON *v = kefu_json_get(obj, key);
    int64_t n;

    path_key(p, path, key);
    if (!v)
        return fail(err, p, "is required");
    if (!kefu_json_int(v, &n) || n < min || n > max)
        return fail(err, p, "must be an integer in %d..%d", min, max);
    *out = (int)n;
    return KEFU_STATUS_OK;
}

static kefu_status get_bool(const cJSON *obj, const char *path, const char *key, bool *out,
                            kefu_error *err)
{
    char p[PATH_MAX_LEN];
    const cJSON *v = kefu_json_get(obj, key);

    path_key(p, path, key);
    if (!v)
        return fail(err, p, "is required");
    if (!cJSON_IsBool(v))
        return fail(err, p, "must be true or false");
    *out = cJSON_IsTrue(v);
    return KEFU_STATUS_OK;
}

/* A required non-empty array member (or an optional one when `optional`). */
static kefu_status get_array(const cJSON *obj, const char *path, const char *key, bool optional,
                             const cJSON **out, kefu_error *err)
{
    char p[PATH_MAX_LEN];
    const cJSON *v = kefu_json_get(obj, key);

    path_key(p, path, key);
    if (!v && optional) {
        *out = NULL;
        return KEFU_STATUS_OK;
    }
    if (!v)
        return fail(err, p, "is required");
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
        return fail(err, p, "must be a non-empty array");
    *out = v;
    return KEFU_STATUS_OK;
}

static int find_condition(const returns_policy *p, const char *id)
{
    for (int i = 0; i < p->nconditions; i++)
        if (strcmp(p->conditions[i], id) == 0)
            return i;
    return -1;
}

static kefu_status get_condition(const returns_policy *p, const cJSON *obj, const char *path,
                                 const char *key, int *out, kefu_error *err)
{
    char cp[PATH_MAX_LEN];
    const char *id;
    kefu_status st = get_string(obj, path, key, true, &id, err);

    if (st != KEFU_STATUS_OK)
        return st;
    path_key(cp, path, key);
    if ((*out = find_condition(p, id)) < 0)
        return fail(err, cp, "unknown condition \"%s\"", id);
    return KEFU_STATUS_OK;
}

/* An optional array of condition ids, as a bit set; absent is empty. */
static kefu_status get_condition_set(const returns_policy *p, const cJSON *obj, const char *path,
                                     const char *key, bool optional, unsigned *out, kefu_error *err)
{
    char ap[PATH_MAX_LEN], ip[PATH_MAX_LEN];
    const cJSON *arr;
    kefu_status st = get_array(obj, path, key, optional, &arr, err);
    unsigned set = 0;
    int i = 0;

    if (st != KEFU_STATUS_OK)
        return st;
    path_key(ap, path, key);
    for (const cJSON *v = arr ? arr->child : NULL; v; v = v->next, i++) {
        int c;
        path_index(ip, ap, i);
        if (!cJSON_IsString(v))
            return fail(err, ip, "must be a condition id");
        if ((c = find_condition(p, v->valuestring)) < 0)
            return fail(err, ip, "unknown condition \"%s\"", v->valuestring);
        if (set & (1u << c))
            return fail(err, ip, "duplicate condition \"%s\"", v->valuestring);
        set |= 1u << c;
    }
    *out = set;
    return KEFU_STATUS_OK;
}

static kefu_status get_remedy(const cJSON *obj, const char *path, const char **out, kefu_error *err)
{
    char p[PATH_MAX_LEN];
    const char *s;
    kefu_status st = get_string(obj, path, "remedy", false, &s, err);

    if (st != KEFU_STATUS_OK)
        return st;
    for (const char *const *r = remedies; *r; r++)
        if (strcmp(*r, s) == 0) {
            *out = *r;
            return KEFU_STATUS_OK;
        }
    path_key(p, path, "remedy");
    return fail(err, p, "\"%s\" is not one of credit, repair, replace, reject", s);
}

/* ---- the sections of the policy ---- */

static kefu_status load_conditions(returns_policy *p, const cJSON *doc, kefu_error *err)
{
    static const char *const members[] = {"id", "label", NULL};
    char ip[PATH_MAX_LEN];
    const cJSON *arr;
    kefu_status st = get_array(doc, "", "conditions", false, &arr, err);
    int i = 0;

    if (st != KEFU_STATUS_OK)
        return st;
    if (cJSON_GetArraySize(arr) > MAX_CONDITIONS)
        return fail(err, "conditions", "at most %d conditions", MAX_CONDITIONS);
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        const char *id, *label;
        path_index(ip, "conditions", i);
        if ((st = check_members(c, ip, members, err)) != KEFU_STATUS_OK ||
            (st = get_string(c, ip, "id", true, &id, err)) != KEFU_STATUS_OK ||
            (st = get_string(c, ip, "label", false, &label, err)) != KEFU_STATUS_OK)
            return st;
        if (find_condition(p, id) >= 0)
            return fail(err, ip, "duplicate condition id \"%s\"", id);
        p->conditions[p->nconditions++] = id;
    }
    return KEFU_STATUS_OK;
}

static kefu_status load_carrier_claim(returns_policy *p, const cJSON *doc, kefu_error *err)
{
    static const char *const members[] = {"condition", "label", NULL};
    const cJSON *cc = kefu_json_get(doc, "carrier_claim");
    const char *label;
    kefu_status st;

    if (!cc)
        return fail(err, "carrier_claim", "is required");
    if ((st = check_members(cc, "carrier_claim", members, err)) != KEFU_STATUS_OK ||
        (st = get_condition(p, cc, "carrier_claim", "condition", &p->carrier_condition, err)) !=
            KEFU_STATUS_OK)
        return st;
    return get_string(cc, "carrier_claim", "label", false, &label, err);
}

static const station *find_station(const returns_policy *p, const char *name)
{
    for (int i = 0; i < p->nstations; i++)
        if (strcasecmp(p->stations[i].id, name) == 0 || strcmp(p->stations[i].label, name) == 0)
            return &p->stations[i];
    return NULL;
}

static kefu_status load_stations(returns_policy *p, const cJSON *freight, const char *key,
                                 bool exception, kefu_error *err)
{
    static const char *const members[] = {"id", "label", NULL};
    char ap[PATH_MAX_LEN], ip[PATH_MAX_LEN];
    const cJSON *arr;
    kefu_status st = get_array(freight, "freight", key, false, &arr, err);
    int i = 0;

    if (st != KEFU_STATUS_OK)
        return st;
    path_key(ap, "freight", key);
    for (const cJSON *s = arr->child; s; s = s->next, i++) {
        station st_new = {.exception = exception};
        path_index(ip, ap, i);
        if ((st = check_members(s, ip, members, err)) != KEFU_STATUS_OK ||
            (st = get_string(s, ip, "id", true, &st_new.id, err)) != KEFU_STATUS_OK ||
            (st = get_string(s, ip, "label", false, &st_new.label, err)) != KEFU_STATUS_OK)
            return st;
        if (find_station(p, st_new.id) || find_station(p, st_new.label))
            return fail(err, ip, "duplicate station \"%s\"", st_new.id);
        p->stations[p->nstations++] = st_new;
    }
    return KEFU_STATUS_OK;
}

static kefu_status load_freight(returns_policy *p, const cJSON *doc, kefu_error *err)
{
    static const char *const members[] = {"allowed_stations", "exception_stations", NULL};
    const cJSON *f = kefu_json_get(doc, "freight");
    const cJSON *a, *e;
    kefu_status st;

    if (!f)
        return fail(err, "freight", "is required");
    if ((st = check_members(f, "freight", members, err)) != KEFU_STATUS_OK ||
        (st = get_array(f, "freight", "allowed_stations", false, &a, err)) != KEFU_STATUS_OK ||
        (st = get_array(f, "freight", "exception_stations", true, &e, err)) != KEFU_STATUS_OK)
        return st;
    p->stations = calloc((size_t)cJSON_GetArraySize(a) + (size_t)(e ? cJSON_GetArraySize(e) : 0),
                         sizeof(*p->stations));
    if (!p->stations)
        return kefu_error_set(err, KEFU_STATUS_RESOURCE_EXHAUSTED, NULL, "out of memory");
    if ((st = load_stations(p, f, "allowed_stations", false, err)) != KEFU_STATUS_OK)
        return st;
    return e ? load_stations(p, f, "exception_stations", true, err) : KEFU_STATUS_OK;
}

static kefu_status load_component(const returns_policy *p, const cJSON *c, const char *path,
                                  component *out, kefu_error *err)
{
    static const char *const members[] = {"id",     "label",      "warranted",      "months",
                                          "remedy", "conditions", "needs_approval", NULL};
    char mp[PATH_MAX_LEN];
    kefu_status st;

    if ((st = check_members(c, path, members, err)) != KEFU_STATUS_OK ||
        (st = get_string(c, path, "id", true, &out->id, err)) != KEFU_STATUS_OK ||
        (st = get_string(c, path, "label", false, &out->label, err)) != KEFU_STATUS_OK ||
        (st = get_bool(c, path, "warranted", &out->warranted, err)) != KEFU_STATUS_OK)
        return st;
    if (kefu_json_get(c, "months")) {
        if ((st = get_int(c, path, "months", 1, MAX_MONTHS, &out->months, err)) != KEFU_STATUS_OK)
            return st;
        path_key(mp, path, "months");
        if (!out->warranted)
            return fail(err, mp, "a component that is not warranted has no warranty period");
    }
    if ((st = get_remedy(c, path, &out->remedy, err)) != KEFU_STATUS_OK ||
        (st = get_condition_set(p, c, path, "conditions", false, &out->conditions, err)) !=
            KEFU_STATUS_OK)
        return st;
    if (kefu_json_get(c, "needs_approval"))
        return get_string(c, path, "needs_approval", true, &out->needs_approval, err);
    return KEFU_STATUS_OK;
}

static int find_component(const category *c, const char *id)
{
    for (int i = 0; i < c->ncomponents; i++)
        if (strcmp(c->components[i].id, id) == 0)
            return i;
    return -1;
}

static kefu_status load_whole_unit(const returns_policy *p, const cJSON *cat, const char *path,
                                   category *out, kefu_error *err)
{
    static const char *const warranted[] = {"warranted", "component", NULL};
    static const char *const not_warranted[] = {"warranted", "remedy", "conditions",
                                                "reject_conditions", NULL};
    char wp[PATH_MAX_LEN], fp[PATH_MAX_LEN];
    const cJSON *w = kefu_json_get(cat, "whole_unit");
    kefu_status st;

    path_key(wp, path, "whole_unit");
    if (!w)
        return fail(err, wp, "is required");
    if (!cJSON_IsObject(w))
        return fail(err, wp, "must be an object");
    if ((st = get_bool(w, wp, "warranted", &out->unit_warranted, err)) != KEFU_STATUS_OK)
        return st;
    if (out->unit_warranted) {
        const char *id;
        if ((st = check_members(w, wp, warranted, err)) != KEFU_STATUS_OK ||
            (st = get_string(w, wp, "component", true, &id, err)) != KEFU_STATUS_OK)
            return st;
        path_key(fp, wp, "component");
        if ((out->unit_component = find_component(out, id)) < 0)
            return fail(err, fp, "unknown component \"%s\" of category \"%s\"", id, out->id);
        if (out->components[out->unit_component].months == 0)
            return fail(err, fp, "component \"%s\" has no warranty period", id);
        return KEFU_STATUS_OK;
    }
    if ((st = check_members(w, wp, not_warranted, err)) != KEFU_STATUS_OK ||
        (st = get_remedy(w, wp, &out->unit_remedy, err)) != KEFU_STATUS_OK ||
        (st = get_condition_set(p, w, wp, "conditions", true, &out->unit_conditions, err)) !=
            KEFU_STATUS_OK ||
        (st = get_condition_set(p, w, wp, "reject_conditions", true, &out->unit_rejects, err)) !=
            KEFU_STATUS_OK)
        return st;
    if (strcmp(out->unit_remedy, "reject") == 0 && out->unit_conditions) {
        path_key(fp, wp, "conditions");
        return fail(err, fp, "a whole unit that is rejected takes no conditions");
    }
    if (strcmp(out->unit_remedy, "reject") != 0 && !out->unit_conditions) {
        path_key(fp, wp, "conditions");
        return fail(err, fp, "is required with remedy \"%s\"", out->unit_remedy);
    }
    if (out->unit_conditions & out->unit_rejects) {
        path_key(fp, wp, "reject_conditions");
        return fail(err, fp, "overlaps conditions");
    }
    return KEFU_STATUS_OK;
}

static kefu_status load_category(const returns_policy *p, const cJSON *cat, const char *path,
                                 category *out, kefu_error *err)
{
    static const char *const members[] = {"id", "label", "whole_unit", "components", NULL};
    char ap[PATH_MAX_LEN], ip[PATH_MAX_LEN];
    const cJSON *arr;
    kefu_status st;
    int i = 0;

    if ((st = check_members(cat, path, members, err)) != KEFU_STATUS_OK ||
        (st = get_string(cat, path, "id", true, &out->id, err)) != KEFU_STATUS_OK ||
        (st = get_string(cat, path, "label", false, &out->label, err)) != KEFU_STATUS_OK ||
        (st = get_array(cat, path, "components", false, &arr, err)) != KEFU_STATUS_OK)
        return st;
    out->components = calloc((size_t)cJSON_GetArraySize(arr), sizeof(*out->components));
    if (!out->components)
        return kefu_error_set(err, KEFU_STATUS_RESOURCE_EXHAUSTED, NULL, "out of memory");
    path_key(ap, path, "components");
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        component comp = {0};
        path_index(ip, ap, i);
        if ((st = load_component(p, c, ip, &comp, err)) != KEFU_STATUS_OK)
            return st;
        if (find_component(out, comp.id) >= 0)
            return fail(err, ip, "duplicate component id \"%s\"", comp.id);
        out->components[out->ncomponents++] = comp;
    }
    return load_whole_unit(p, cat, path, out, err);
}

static int find_category(const returns_policy *p, const char *id)
{
    for (int i = 0; i < p->ncategories; i++)
        if (strcmp(p->categories[i].id, id) == 0)
            return i;
    return -1;
}

static kefu_status load_categories(returns_policy *p, const cJSON *doc, kefu_error *err)
{
    char ip[PATH_MAX_LEN];
    const cJSON *arr;
    kefu_status st = get_array(doc, "", "categories", false, &arr, err);
    int i = 0;

    if (st != KEFU_STATUS_OK)
        return st;
    p->categories = calloc((size_t)cJSON_GetArraySize(arr), sizeof(*p->categories));
    if (!p->categories)
        return kefu_error_set(err, KEFU_STATUS_RESOURCE_EXHAUSTED, NULL, "out of memory");
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        category *cat = &p->categories[p->ncategories];
        path_index(ip, "categories", i);
        /* Counted before it is complete, so that free finds its components. */
        p->ncategories++;
        if ((st = load_category(p, c, ip, cat, err)) != KEFU_STATUS_OK)
            return st;
        for (int j = 0; j < p->ncategories - 1; j++)
            if (strcmp(p->categories[j].id, cat->id) == 0)
                return fail(err, ip, "duplicate category id \"%s\"", cat->id);
    }
    return KEFU_STATUS_OK;
}

static kefu_status load(returns_policy *p, const cJSON *doc, kefu_error *err)
{
    static const char *const members[] = {"format",
                                          "label",
                                          "time_zone",
                                          "returns_per_customer_per_month",
                                          "default_condition",
                                          "conditions",
                                          "carrier_claim",
                                          "freight",
                                          "categories",
                                          NULL};
    const char *label, *tz;
    int format;
    kefu_status st;

    if ((st = check_members(doc, "", members, err)) != KEFU_STATUS_OK ||
        (st = get_int(doc, "", "format", POLICY_FORMAT, POLICY_FORMAT, &format, err)) !=
            KEFU_STATUS_OK ||
        (st = get_string(doc, "", "label", false, &label, err)) != KEFU_STATUS_OK ||
        (st = get_string(doc, "", "time_zone", false, &tz, err)) != KEFU_STATUS_OK)
        return st;
    if (!kefu_tz_parse(tz, &p->tz_minutes))
        return fail(err, "time_zone", "\"%s\" is not a time zone", tz);
    if ((st = get_int(doc, "", "returns_per_customer_per_month", 1, MAX_MONTHLY, &p->monthly_limit,
                      err)) != KEFU_STATUS_OK ||
        (st = load_conditions(p, doc, err)) != KEFU_STATUS_OK ||
        (st = get_condition(p, doc, "", "default_condition", &p->default_condition, err)) !=
            KEFU_STATUS_OK ||
        (st = load_carrier_claim(p, doc, err)) != KEFU_STATUS_OK ||
        (st = load_freight(p, doc, err)) != KEFU_STATUS_OK)
        return st;
    return load_categories(p, doc, err);
}

kefu_status returns_policy_load(const char *json, size_t len, returns_policy **out, kefu_error *err)
{
    returns_policy *p = calloc(1, sizeof(*p));

    if (!p)
        return kefu_error_set(err, KEFU_STATUS_RESOURCE_EXHAUSTED, NULL, "out of memory");
    p->doc = kefu_json_parse(json, len, POLICY_DEPTH, err);
    if (!p->doc) {
        char why[sizeof(err->message)];
        snprintf(why, sizeof(why), "%s", err->message);
        kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, NULL, "policy: not JSON: %s", why);
        goto out_free;
    }
    if (load(p, p->doc, err) != KEFU_STATUS_OK)
        goto out_free;
    *out = p;
    return KEFU_STATUS_OK;

out_free:
    returns_policy_free(p);
    return err->status;
}

void returns_policy_free(returns_policy *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->ncategories; i++)
        free(p->categories[i].components);
    free(p->categories);
    free(p->stations);
    cJSON_Delete(p->doc);
    free(p);
}

cJSON *returns_policy_to_json(const returns_policy *p)
{
    return cJSON_Duplicate(p->doc, true);
}

int returns_policy_tz_minutes(const returns_policy *p)
{
    return p->tz_minutes;
}

int returns_policy_monthly_limit(const returns_policy *p)
{
    return p->monthly_limit;
}

const char *returns_policy_default_condition(const returns_policy *p)
{
    return p->conditions[p->default_condition];
}

void returns_policy_labels(const returns_policy *p, const char *category_id,
                           const char *component_id, const char **category_label,
                           const char **component_label)
{
    int ci = category_id ? find_category(p, category_id) : -1, comp = -1;
    const category *cat = ci >= 0 ? &p->categories[ci] : NULL;

    *category_label = cat ? cat->label : NULL;
    *component_label = NULL;
    if (!cat)
        return;
    if (component_id)
        comp = find_component(cat, component_id);
    else if (cat->unit_warranted)
        comp = cat->unit_component;
    if (comp >= 0)
        *component_label = cat->components[comp].label;
}

/* ---- evaluation ---- */

static void set_result(returns_evaluation *e, bool covered, const char *remedy,
                       const char *needs_approval)
{
    e->covered = covered;
    e->remedy = remedy;
    e->needs_approval = needs_approval;
}

static void evaluate_component(const returns_policy *p, const category *cat, const component *c,
                               int cond, kefu_date produced, kefu_date check, returns_evaluation *e)
{
    const char *cond_id = p->conditions[cond];

    if (c->conditions & (1u << cond)) {
        if (c->months == 0) {
            set_result(e, true, c->remedy, c->needs_approval);
            snprintf(e->rule, sizeof(e->rule), "%s.%s.%s_%s", cat->id, c->id, cond_id, c->remedy);
            return;
        }
        e->has_expiry = true;
        e->expires_on = kefu_date_add_months(produced, c->months);
        if (kefu_date_compare(check, e->expires_on) <= 0) {
            set_result(e, true, c->remedy, c->needs_approval);
            snprintf(e->rule, sizeof(e->rule), "%s.%s.in_warranty", cat->id, c->id);
        } else {
            set_result(e, false, "reject", NULL);
            snprintf(e->rule, sizeof(e->rule), "%s.%s.expired", cat->id, c->id);
        }
        return;
    }
    set_result(e, false, "reject", NULL);
    if (cond == p->carrier_condition)
        snprintf(e->rule, sizeof(e->rule), "%s.claim_carrier", cond_id);
    else if (!c->warranted)
        snprintf(e->rule, sizeof(e->rule), "%s.%s.not_warranted", cat->id, c->id);
    else
        snprintf(e->rule, sizeof(e->rule), "%s.%s.%s_not_covered", cat->id, c->id, cond_id);
}

static void evaluate_whole_unit(const returns_policy *p, const category *cat, int cond,
                                returns_evaluation *e)
{
    set_result(e, false, "reject", NULL);
    if (cat->unit_rejects & (1u << cond)) {
        snprintf(e->rule, sizeof(e->rule), "%s.whole_unit.%s", cat->id, p->conditions[cond]);
    } else if (cat->unit_conditions & (1u << cond)) {
        e->remedy = cat->unit_remedy;
        snprintf(e->rule, sizeof(e->rule), "%s.whole_unit.%s", cat->id, cat->unit_remedy);
    } else if (cond == p->carrier_condition) {
        snprintf(e->rule, sizeof(e->rule), "%s.claim_carrier", p->conditions[cond]);
    } else {
        snprintf(e->rule, sizeof(e->rule), "%s.whole_unit_not_warranted", cat->id);
    }
}

static bool date_valid(kefu_date d)
{
    return d.year >= 1 && d.year <= 9999 && d.month >= 1 && d.month <= 12 && d.day >= 1 &&
           d.day <= kefu_days_in_month(d.year, d.month);
}

kefu_status returns_evaluate(const returns_policy *p, const char *category_id,
                             const char *component_id, kefu_date production_date,
                             const char *condition, kefu_date check_date, returns_evaluation *out,
                             kefu_error *err)
{
    returns_evaluation e = {0};
    const category *cat;
    int ci, cond, comp = -1;

    if (!category_id || (ci = find_category(p, category_id)) < 0)
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "category",
                              "unknown category \"%s\"", category_id ? category_id : "");
    cat = &p->categories[ci];
    if (component_id && (comp = find_component(cat, component_id)) < 0)
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "component",
                              "category \"%s\" has no component \"%s\"", cat->id, component_id);
    cond = condition ? find_condition(p, condition) : p->default_condition;
    if (cond < 0)
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "condition",
                              "unknown condition \"%s\"", condition);
    /* 600 months at most: the expiry stays inside year 9999. */
    if (!date_valid(production_date) || production_date.year > 9999 - MAX_MONTHS / 12 - 1)
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "production_date",
                              "production date out of range");
    if (!date_valid(check_date))
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "on_date",
                              "check date out of range");

    if (comp < 0 && cat->unit_warranted)
        comp = cat->unit_component;
    if (comp >= 0)
        evaluate_component(p, cat, &cat->components[comp], cond, production_date, check_date, &e);
    else
        evaluate_whole_unit(p, cat, cond, &e);
    *out = e;
    return KEFU_STATUS_OK;
}

cJSON *returns_evaluation_to_json(const returns_evaluation *e)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddBoolToObject(o, "covered", e->covered);
    cJSON_AddStringToObject(o, "remedy", e->remedy);
    if (e->has_expiry) {
        char d[11];
        kefu_date_format(e->expires_on, d);
        cJSON_AddStringToObject(o, "expires_on", d);
    } else {
        cJSON_AddNullToObject(o, "expires_on");
    }
    cJSON_AddStringToObject(o, "rule", e->rule);
    if (e->needs_approval)
        cJSON_AddStringToObject(o, "needs_approval", e->needs_approval);
    else
        cJSON_AddNullToObject(o, "needs_approval");
    return o;
}

/* ---- freight ---- */

kefu_status returns_freight(const returns_policy *p, const char *station_name, const char *reason,
                            returns_freight_result *out, kefu_error *err)
{
    returns_freight_result r = {0};
    const station *s;

    if (!station_name || !*station_name)
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "station",
                              "a freight station is required");
    s = find_station(p, station_name);
    if (s && s->exception && (!reason || !*reason))
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "station_reason",
                              "station \"%s\" (%s) is allowed only with a reason", s->id, s->label);
    if (s) {
        r.station = s->id;
        r.label = s->label;
        r.exception = s->exception;
        r.company_pays = true;
    } else {
        r.customer_bears_freight = true;
    }
    *out = r;
    return KEFU_STATUS_OK;
}
