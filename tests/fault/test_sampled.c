/*
 * fault.sampled - every method of every service, called with params made
 * from its own sys.Describe schema: once as the schema's smallest valid
 * request, then once with each id-like field (id, account_id, complaint_id,
 * planned_id) set to values no service ever gave out. Whatever the answer,
 * there must be one, and the service must stay up and SERVING: a handler
 * that replies early (a bad id) and then reads its params, a script that
 * trips on an empty record, a crash on any of these is a failure here (and
 * under AddressSanitizer, a use after free is one too).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "json.h"
#include "test.h"

static kh_redis redis;
static kh_service services[3];
static const char *const names[3] = {"complaints", "returns", "visits"};
static char archive_dir[64];

/* The smallest value `schema` accepts (for the kinds sys.Describe uses). */
static cJSON *sample(const cJSON *schema)
{
    const cJSON *type = kefu_json_get(schema, "type"), *en = kefu_json_get(schema, "enum");
    const char *t = cJSON_IsArray(type) ? cJSON_GetStringValue(cJSON_GetArrayItem(type, 0))
                                        : cJSON_GetStringValue(type);
    const char *format = kefu_json_str(schema, "format");

    if (cJSON_IsArray(en) && cJSON_GetArraySize(en) > 0)
        return cJSON_Duplicate(cJSON_GetArrayItem(en, 0), true);
    if (!t)
        return cJSON_CreateNull();
    if (strcmp(t, "string") == 0) {
        int64_t min = 1;
        char text[64] = "";
        if (format && strcmp(format, "date") == 0)
            return cJSON_CreateString("2026-01-15");
        if (format && strcmp(format, "date-time") == 0)
            return cJSON_CreateString("2026-01-15T10:00:00+08:00");
        kefu_json_int(kefu_json_get(schema, "minLength"), &min);
        for (int64_t i = 0; i < min && i < 63; i++)
            text[i] = 'x';
        return cJSON_CreateString(text);
    }
    if (strcmp(t, "integer") == 0 || strcmp(t, "number") == 0) {
        int64_t min = 1;
        kefu_json_int(kefu_json_get(schema, "minimum"), &min);
        return cJSON_CreateNumber((double)(min > 1 ? min : 1));
    }
    if (strcmp(t, "boolean") == 0)
        return cJSON_CreateTrue();
    if (strcmp(t, "array") == 0) {
        cJSON *a = cJSON_CreateArray();
        int64_t min = 0;
        kefu_json_int(kefu_json_get(schema, "minItems"), &min);
        for (int64_t i = 0; i < min && i < 4; i++)
            cJSON_AddItemToArray(a, sample(kefu_json_get(schema, "items")));
        return a;
    }
    if (strcmp(t, "object") == 0) {
        cJSON *o = cJSON_CreateObject();
        const cJSON *req, *props = kefu_json_get(schema, "properties");
        cJSON_ArrayForEach(req, kefu_json_get(schema, "required"))
        {
            const char *name = cJSON_GetStringValue(req);
            if (name)
                cJSON_AddItemToObject(o, name, sample(kefu_json_get(props, name)));
        }
        return o;
    }
    return cJSON_CreateNull();
}

static bool alive(const kh_service *s)
{
    kefu_call_opts o = {.deadline_ms = 3000, .max_attempts = 1};
    cJSON *r = kh_call(s->addr, "sys.Health", NULL, &o);
    const char *st = kh_str(r, "status");
    bool up = st && strcmp(st, "SERVING") == 0;

    cJSON_Delete(r);
    return up && waitpid(s->pid, NULL, WNOHANG) == 0;
}

/* Calls `method` with `params`; false when there was no answer. */
static bool answered(const kh_service *s, const char *method, const cJSON *params)
{
    kefu_call_opts o = {.deadline_ms = 5000, .max_attempts = 1};
    char *text = cJSON_PrintUnformatted(params);
    cJSON *r = kh_call(s->addr, method, text, &o);
    bool got = r != NULL;

    if (!got)
        fprintf(stderr, "  %s %s: no answer\n", method, text);
    cJSON_Delete(r);
    cJSON_free(text);
    return got;
}

static const char *const id_fields[] = {"id", "account_id", "complaint_id", "planned_id"};
static const char *const bad_ids[] = {"x", "C2026-1", "R2026-00000x", "A0", "V2026-", "Q"};

static void sweep(const kh_service *s)
{
    cJSON *d = kh_callf(s->addr, NULL, "sys.Describe", "{}");
    const cJSON *m;
    int methods = 0;

    CHECK(kh_ok(d));
    cJSON_ArrayForEach(m, kh_path(kh_result(d), "methods"))
    {
        const char *name = kh_path_str(m, "name");
        cJSON *params = sample(kh_path(m, "params"));
        if (!name) {
            cJSON_Delete(params);
            continue;
        }
        methods++;
        CHECK(answered(s, name, params));
        for (size_t f = 0; f < sizeof(id_fields) / sizeof(id_fields[0]); f++) {
            if (!kefu_json_get(params, id_fields[f]))
                continue;
            for (size_t b = 0; b < sizeof(bad_ids) / sizeof(bad_ids[0]); b++) {
                cJSON_ReplaceItemInObjectCaseSensitive(params, id_fields[f],
                                                       cJSON_CreateString(bad_ids[b]));
                CHECK(answered(s, name, params));
            }
        }
        cJSON_Delete(params);
        if (!alive(s)) {
            fprintf(stderr, "  %s is down after %s; log: %s\n", s->name, name, s->log);
            CHECK(false);
            break;
        }
    }
    CHECK(methods > 10);
    cJSON_Delete(d);
}

static void test_complaints(void)
{
    sweep(&services[0]);
}

static void test_returns(void)
{
    sweep(&services[1]);
}

static void test_visits(void)
{
    sweep(&services[2]);
}

KEFU_TESTS = {
    {"complaints", test_complaints},
    {"returns", test_returns},
    {"visits", test_visits},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    int rc = 1;
    bool started = true;
    char cmd[128];

    snprintf(archive_dir, sizeof(archive_dir), "/tmp/kefu-sampled-XXXXXX");
    if (!mkdtemp(archive_dir) || !kh_redis_start(&redis))
        return 1;
    for (int i = 0; i < 3 && started; i++) {
        const char *extra[] = {"--archive-dir", archive_dir, NULL}; /* complaints' flag */
        started = kh_service_start(&services[i], names[i], redis.url, i == 0 ? extra : NULL);
    }
    if (started)
        rc = kefu_test_main(argc, argv);
    else
        fprintf(stderr, "could not start the services\n");
    for (int i = 0; i < 3; i++) {
        if (services[i].pid && kh_service_stop(&services[i]) != 0)
            rc = 1;
    }
    kh_redis_stop(&redis);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", archive_dir);
    if (system(cmd) != 0)
        rc = 1;
    return rc;
}
