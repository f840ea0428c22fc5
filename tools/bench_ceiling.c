/*
 * bench_ceiling.c - the Redis command that does, alone, the storage work of
 * one call of a method. kefu-bench runs it at the same concurrency as the
 * service and prints the service's calls/s as a fraction of it.
 *
 * Adding a method is one row in ceiling_table and one function that fills
 * `out` (label and arguments, loading any script through `setup`).
 *
 * `params` is the --params text as the user gave it, "{{n}}" placeholders
 * included. kefu-bench replaces "{{n}}" in every argument on each call, as it
 * does in the request sent to the service, so an argument built from params
 * stays unique per call when the request does.
 */
#include "bench_ceiling.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "complaints.h"
#include "returns.h"
#include "visits.h"

typedef int (*ceiling_fn)(const char *params, const char *ns, redisContext *setup,
                          kefu_bench_ceiling *out);

/* Appends one argument (copied). Returns -1 when out of room or memory. */
static int ceiling_arg(kefu_bench_ceiling *c, const char *s, size_t len)
{
    if (c->argc >= KEFU_BENCH_MAX_ARGS)
        return -1;
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, s, len);
    copy[len] = '\0';
    c->argv[c->argc] = copy;
    c->argvlen[c->argc] = len;
    c->argc++;
    return 0;
}

/* sys.Health answers from one Redis round trip: PING. */
static int ceiling_health(const char *params, const char *ns, redisContext *setup,
                          kefu_bench_ceiling *out)
{
    (void)params;
    (void)ns;
    (void)setup;
    out->label = "redis PING";
    return ceiling_arg(out, "PING", 4);
}

/* Appends `n` arguments (copied). Returns -1 when out of room or memory. */
static int ceiling_args(kefu_bench_ceiling *c, const char *const *argv, int n)
{
    for (int i = 0; i < n; i++) {
        if (ceiling_arg(c, argv[i], strlen(argv[i])) != 0)
            return -1;
    }
    return 0;
}

/*
 * A store script by EVALSHA, with no idempotency key, like a benchmark call
 * without --idempotency. Loads the wrapped source of `body` as the service
 * does (takes ownership of `body`; NULL fails), then appends the runtime's
 * six leading arguments (NS, no idempotency key, no fingerprint, NOW_MS,
 * ACTOR "bench", SVC `svc`), the store's two (time text, scope "*"), the
 * service's own `lead`, and last the script's `argv`.
 */
static int ceiling_script(char *body, const char *svc, const char *const *lead, int nlead,
                          const char *label, int argc, const char **argv, const char *ns,
                          redisContext *setup, kefu_bench_ceiling *out)
{
    kefu_ms now = (kefu_ms)time(NULL) * 1000;
    char *src = body ? kefu_script_wrap(body) : NULL;
    char nowms[24], nowtext[32];
    redisReply *sha = NULL;
    int rc = -1;

    if (!src)
        goto out;
    sha = redisCommand(setup, "SCRIPT LOAD %s", src);
    if (!sha || sha->type != REDIS_REPLY_STRING)
        goto out;
    snprintf(nowms, sizeof(nowms), "%lld", (long long)now);
    kefu_time_format_rfc3339(now, KEFU_DEFAULT_TZ_MINUTES, nowtext);
    const char *head[] = {"EVALSHA", sha->str, "0", ns, "", "", nowms, "bench", svc, nowtext, "*"};
    if (ceiling_args(out, head, (int)(sizeof(head) / sizeof(head[0]))) != 0 ||
        ceiling_args(out, lead, nlead) != 0 || ceiling_args(out, argv, argc) != 0)
        goto out;
    out->label = label;
    rc = 0;
out:
    if (sha)
        freeReplyObject(sha);
    free(src);
    free(body);
    return rc;
}

/* A complaints store script: nothing after the common leading arguments. */
static int ceiling_complaints_script(complaints_script script, const char *label, int argc,
                                     const char **argv, const char *ns, redisContext *setup,
                                     kefu_bench_ceiling *out)
{
    return ceiling_script(complaints_store_source(script), "complaints", NULL, 0, label, argc, argv,
                          ns, setup, out);
}

/* complaints.Create: the create script with the arguments the handler
 * passes, built by the same function. */
static int ceiling_complaints_create(const char *params, const char *ns, redisContext *setup,
                                     kefu_bench_ceiling *out)
{
    cJSON *p = cJSON_Parse(params ? params : "{}");
    complaints_create_args a;
    int rc = -1;

    memset(&a, 0, sizeof(a));
    if (p &&
        complaints_create_args_build(&a, p, (kefu_ms)time(NULL) * 1000, KEFU_DEFAULT_TZ_MINUTES))
        rc = ceiling_complaints_script(COMPLAINTS_CREATE, "redis EVALSHA complaints.create", a.argc,
                                       a.argv, ns, setup, out);
    complaints_create_args_free(&a);
    cJSON_Delete(p);
    return rc;
}

/* complaints.Get {id}: the get script. */
static int ceiling_complaints_get(const char *params, const char *ns, redisContext *setup,
                                  kefu_bench_ceiling *out)
{
    cJSON *p = cJSON_Parse(params ? params : "{}");
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "id"));
    int rc = id ? ceiling_complaints_script(COMPLAINTS_GET, "redis EVALSHA complaints.get", 1, &id,
                                            ns, setup, out)
                : -1;
    cJSON_Delete(p);
    return rc;
}

/* complaints.List {limit}: the list script, unfiltered, first page. */
static int ceiling_complaints_list(const char *params, const char *ns, redisContext *setup,
                                   kefu_bench_ceiling *out)
{
    cJSON *p = cJSON_Parse(params ? params : "{}");
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(p, "limit");
    char limit[16];
    snprintf(limit, sizeof(limit), "%d", cJSON_IsNumber(l) ? (int)l->valuedouble : 50);
    const char *args[] = {"", "", "", "", "", "", "", "", "", "", limit};
    int rc = ceiling_complaints_script(COMPLAINTS_LIST, "redis EVALSHA complaints.list", 11, args,
                                       ns, setup, out);
    cJSON_Delete(p);
    return rc;
}

/* A returns store script: nothing after the common leading arguments. */
static int ceiling_returns_script(returns_script script, const char *label, int argc,
                                  const char **argv, const char *ns, redisContext *setup,
                                  kefu_bench_ceiling *out)
{
    return ceiling_script(returns_store_source(script), "returns", NULL, 0, label, argc, argv, ns,
                          setup, out);
}

/* returns.Create: the create script with the arguments the handler passes,
 * built by the same function from the default policy. */
static int ceiling_returns_create(const char *params, const char *ns, redisContext *setup,
                                  kefu_bench_ceiling *out)
{
    const char *path = returns_store_default_policy_path();
    FILE *f = fopen(path, "rb");
    char *text = malloc(1 << 20);
    size_t len = f && text ? fread(text, 1, 1 << 20, f) : 0;
    cJSON *p = cJSON_Parse(params ? params : "{}");
    returns_policy *policy = NULL;
    returns_create_args a;
    kefu_error err;
    int rc = -1;

    if (f)
        fclose(f);
    if (p && len && returns_policy_load(text, len, &policy, &err) == KEFU_STATUS_OK &&
        returns_create_args_build(&a, policy, p, (kefu_ms)time(NULL) * 1000, &err) ==
            KEFU_STATUS_OK) {
        rc = ceiling_returns_script(RETURNS_CREATE, "redis EVALSHA returns.create", a.argc, a.argv,
                                    ns, setup, out);
        returns_create_args_free(&a);
    }
    returns_policy_free(policy);
    cJSON_Delete(p);
    free(text);
    return rc;
}

/* returns.Submit {id}: the submit script (this month, limit 1). */
static int ceiling_returns_submit(const char *params, const char *ns, redisContext *setup,
                                  kefu_bench_ceiling *out)
{
    cJSON *p = cJSON_Parse(params ? params : "{}");
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "id"));
    kefu_date today = kefu_time_to_date((kefu_ms)time(NULL) * 1000, KEFU_DEFAULT_TZ_MINUTES);
    char month[16];
    snprintf(month, sizeof(month), "%04d-%02d", today.year, today.month);
    const char *args[] = {id, "", month, "1"};
    int rc = id ? ceiling_returns_script(RETURNS_SUBMIT, "redis EVALSHA returns.submit", 4, args,
                                         ns, setup, out)
                : -1;
    cJSON_Delete(p);
    return rc;
}

/* A visits store script: after the common leading arguments, today and its
 * day number. */
static int ceiling_visits_script(visits_script script, const char *label, int argc,
                                 const char **argv, const char *ns, redisContext *setup,
                                 kefu_bench_ceiling *out)
{
    kefu_date today = kefu_time_to_date((kefu_ms)time(NULL) * 1000, KEFU_DEFAULT_TZ_MINUTES);
    char date[11], day[16];
    const char *lead[] = {date, day};

    kefu_date_format(today, date);
    visits_day_text(today, day);
    return ceiling_script(visits_store_source(script), "visits", lead, 2, label, argc, argv, ns,
                          setup, out);
}

/* visits.Record {account_id, visited_on, method, contact, summary}: the
 * record script's write for an account with nothing open (an unplanned
 * contact; the service also runs the plan-state read first). */
static int ceiling_visits_record(const char *params, const char *ns, redisContext *setup,
                                 kefu_bench_ceiling *out)
{
    cJSON *p = cJSON_Parse(params ? params : "{}");
    const char *account = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "account_id"));
    const char *on = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "visited_on"));
    const char *method = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "method"));
    char *contact = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(p, "contact"));
    char *summary = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(p, "summary"));
    char day[16];
    kefu_date d;
    int rc = -1;

    if (account && on && method && contact && summary && kefu_date_parse(on, strlen(on), &d)) {
        visits_day_text(d, day);
        const char *args[] = {account, "0",     "0",     "",     "", "", on,        day,
                              method,  contact, summary, "null", "", "", "Service", "0"};
        rc = ceiling_visits_script(VISITS_RECORD, "redis EVALSHA visits.record", 16, args, ns,
                                   setup, out);
    }
    cJSON_free(contact);
    cJSON_free(summary);
    cJSON_Delete(p);
    return rc;
}

/* visits.Due {window_days?, limit?}: the due script, today, first page, with
 * the cutoff the handler computes (the day after today + window). */
static int ceiling_visits_due(const char *params, const char *ns, redisContext *setup,
                              kefu_bench_ceiling *out)
{
    cJSON *p = cJSON_Parse(params ? params : "{}");
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(p, "limit");
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(p, "window_days");
    kefu_date today = kefu_time_to_date((kefu_ms)time(NULL) * 1000, KEFU_DEFAULT_TZ_MINUTES);
    char date[11], day[16], cutoff[32], limit[16];

    kefu_date_format(today, date);
    visits_day_text(today, day);
    snprintf(cutoff, sizeof(cutoff), "%.0f",
             (double)kefu_date_to_days(
                 kefu_date_add_days(today, 1 + (cJSON_IsNumber(w) ? w->valueint : 0))) *
                 VISITS_DAY_SCALE);
    snprintf(limit, sizeof(limit), "%d", cJSON_IsNumber(l) ? l->valueint : 50);
    const char *args[] = {date, day, cutoff, "", "", "", limit};
    int rc = ceiling_visits_script(VISITS_DUE, "redis EVALSHA visits.due", 7, args, ns, setup, out);
    cJSON_Delete(p);
    return rc;
}

static const struct {
    const char *method;
    ceiling_fn prepare;
} ceiling_table[] = {
    {"sys.Health", ceiling_health},
    {"complaints.Create", ceiling_complaints_create},
    {"complaints.Get", ceiling_complaints_get},
    {"complaints.List", ceiling_complaints_list},
    {"returns.Create", ceiling_returns_create},
    {"returns.Submit", ceiling_returns_submit},
    {"returns.CheckWarranty", ceiling_health}, /* pure C: one round trip at most */
    {"visits.Record", ceiling_visits_record},
    {"visits.Due", ceiling_visits_due},
    {NULL, NULL},
};

int kefu_bench_ceiling_prepare(const char *method, const char *params, const char *ns,
                               redisContext *setup, kefu_bench_ceiling *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; ceiling_table[i].method != NULL; i++) {
        if (strcmp(ceiling_table[i].method, method) != 0)
            continue;
        if (ceiling_table[i].prepare(params, ns, setup, out) != 0) {
            kefu_bench_ceiling_free(out);
            return -1;
        }
        return 0;
    }
    return -1;
}

void kefu_bench_ceiling_free(kefu_bench_ceiling *c)
{
    for (int i = 0; i < c->argc; i++)
        free(c->argv[i]);
    memset(c, 0, sizeof(*c));
}
