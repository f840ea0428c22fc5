#include "config.h"

#include <cjson/cJSON.h>
#include <nng/nng.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "log.h"
#include "timeutil.h"

typedef enum { OPT_STRING, OPT_LIST, OPT_INT, OPT_BOOL } opt_type;

typedef struct {
    const char *flag; /* without the leading "--"; also the config file key */
    const char *env;
    opt_type type;
    size_t offset;
    const char *only; /* NULL: every service; else the one service that takes it */
    const char *arg;
    const char *help;
    int64_t min, max; /* OPT_INT */
} option;

#define OFF(f) offsetof(kefu_config, f)

static const option options[] = {
    {"listen", "KEFU_LISTEN", OPT_LIST, OFF(listen), NULL, "ADDR",
     "listen on ADDR (tcp://host:port, ipc:///path, tls+tcp://host:port); repeatable"},
    {"dial", "KEFU_DIAL", OPT_LIST, OFF(dial), NULL, "ADDR",
     "connect out to a broker's back address; repeatable"},
    {"redis", "KEFU_REDIS", OPT_STRING, OFF(redis_url), NULL, "URL",
     "redis://[:password@]host:port/db or unix:///path (default redis://127.0.0.1:6379/0)"},
    {"namespace", "KEFU_NAMESPACE", OPT_STRING, OFF(ns), NULL, "NAME",
     "Redis key prefix (default kefu)"},
    {"config", "KEFU_CONFIG", OPT_STRING, OFF(config_file), NULL, "FILE",
     "JSON file of settings, keys named like the flags"},
    {"tokens", "KEFU_TOKENS", OPT_STRING, OFF(tokens_file), NULL, "FILE",
     "tokens file (JSON); without it only loopback and ipc listeners are allowed"},
    {"peer", "KEFU_PEER", OPT_LIST, OFF(peers), NULL, "SERVICE=ADDR",
     "where to call another service; repeatable"},
    {"peer-token", "KEFU_PEER_TOKEN", OPT_STRING, OFF(peer_token), NULL, "TOKEN",
     "the system token this service presents to its peers"},
    {"tls-cert", "KEFU_TLS_CERT", OPT_STRING, OFF(tls_cert), NULL, "FILE",
     "PEM certificate for tls+tcp:// listeners"},
    {"tls-key", "KEFU_TLS_KEY", OPT_STRING, OFF(tls_key), NULL, "FILE",
     "PEM private key for tls+tcp:// listeners"},
    {"tls-ca", "KEFU_TLS_CA", OPT_STRING, OFF(tls_ca), NULL, "FILE",
     "PEM CA bundle; when set, clients must present a certificate it signed"},
    {"metrics-listen", "KEFU_METRICS_LISTEN", OPT_STRING, OFF(metrics_listen), NULL, "URL",
     "serve GET /metrics and /healthz over HTTP, e.g. http://127.0.0.1:9101"},
    {"timezone", "KEFU_TIMEZONE", OPT_STRING, OFF(tz), NULL, "ZONE",
     "business time zone: +08:00, UTC+08:00, Asia/Shanghai (default +08:00)"},
    {"log-level", "KEFU_LOG_LEVEL", OPT_STRING, OFF(log_level), NULL, "LEVEL",
     "debug, info, warn or error (default info)"},
    {"policy", "KEFU_POLICY", OPT_STRING, OFF(policy_file), "returns", "FILE",
     "returns policy file (JSON)"},
    {"archive-dir", "KEFU_ARCHIVE_DIR", OPT_STRING, OFF(archive_dir), "complaints", "DIR",
     "directory for archived complaints (JSON lines)"},
    {"test-clock", "KEFU_TEST_CLOCK", OPT_BOOL, OFF(test_clock), NULL, NULL,
     "enable sys.SetClock (tests only)"},
    {"contexts", "KEFU_CONTEXTS", OPT_INT, OFF(contexts), NULL, "N",
     "concurrent requests in flight (nng contexts; default 64)", 1, 4096},
    {"max-request", "KEFU_MAX_REQUEST", OPT_INT, OFF(max_request), NULL, "BYTES",
     "largest request accepted (default 1048576); twice this is dropped unread", 1024,
     (int64_t)1 << 30},
    {"redis-timeout-ms", "KEFU_REDIS_TIMEOUT_MS", OPT_INT, OFF(redis_timeout_ms), NULL, "MS",
     "a Redis command unanswered this long marks Redis unavailable (default 2000)", 10, 600000},
    {"outbox-lease-ms", "KEFU_OUTBOX_LEASE_MS", OPT_INT, OFF(outbox_lease_ms), NULL, "MS",
     "an outbox entry being delivered is another replica's to retry after this long (default "
     "15000); a delivery's deadline is a third of it",
     1000, 3600000},
    {NULL},
};

static bool applies(const option *o, const char *service)
{
    return o->only == NULL || strcmp(o->only, service) == 0;
}

static void usage(const char *service, const char *default_listen)
{
    printf("Usage: kefu-%s [OPTIONS]\n\nThe kefu %s service: JSON over nng req/rep.\n\n", service,
           service);
    for (const option *o = options; o->flag; o++) {
        char left[64];
        if (!applies(o, service))
            continue;
        snprintf(left, sizeof(left), "--%s%s%s", o->flag, o->arg ? " " : "", o->arg ? o->arg : "");
        printf("  %-30s %s [%s]\n", left, o->help, o->env);
    }
    printf("  %-30s %s\n  %-30s %s\n", "--help", "show this help", "--version",
           "print the version");
    printf("\nDefault listen address: %s\n", default_listen);
}

static void list_clear(kefu_strlist *l)
{
    for (int i = 0; i < l->count; i++)
        free(l->items[i]);
    l->count = 0;
}

static bool list_add(kefu_strlist *l, const char *v)
{
    if (l->count == KEFU_CONFIG_MAX_LIST)
        return false;
    l->items[l->count++] = strdup(v);
    return true;
}

/*
 * Sets option `o` from text `v`. `level` counts which source set a list last,
 * so that a flag list replaces an environment list rather than extending it.
 */
static bool set_value(kefu_config *cfg, const option *o, const char *v, int level, int *list_level)
{
    void *p = (char *)cfg + o->offset;
    char *end;

    switch (o->type) {
    case OPT_STRING:
        free(*(char **)p);
        *(char **)p = strdup(v);
        return true;
    case OPT_LIST:
        if (*list_level != level) {
            list_clear(p);
            *list_level = level;
        }
        if (!list_add(p, v)) {
            fprintf(stderr, "kefu-%s: --%s: at most %d values\n", cfg->service, o->flag,
                    KEFU_CONFIG_MAX_LIST);
            return false;
        }
        return true;
    case OPT_INT: {
        errno = 0;
        long long n = strtoll(v, &end, 10);
        if (errno || end == v || *end || n < o->min || n > o->max) {
            fprintf(stderr, "kefu-%s: --%s: must be an integer between %lld and %lld\n",
                    cfg->service, o->flag, (long long)o->min, (long long)o->max);
            return false;
        }
        *(int64_t *)p = n;
        return true;
    }
    case OPT_BOOL:
        if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || strcmp(v, "yes") == 0) {
            *(bool *)p = true;
        } else if (strcmp(v, "0") == 0 || strcmp(v, "false") == 0 || strcmp(v, "no") == 0) {
            *(bool *)p = false;
        } else {
            fprintf(stderr, "kefu-%s: --%s: must be true or false\n", cfg->service, o->flag);
            return false;
        }
        return true;
    }
    return false;
}

/* Applies one member of the config file. */
static bool set_from_json(kefu_config *cfg, const option *o, const cJSON *v, int *list_level)
{
    char num[32];

    if (o->type == OPT_LIST && cJSON_IsArray(v)) {
        for (const cJSON *e = v->child; e; e = e->next) {
            if (!cJSON_IsString(e) || !set_value(cfg, o, e->valuestring, 1, list_level))
                goto bad;
        }
        return true;
    }
    if (cJSON_IsString(v))
        return set_value(cfg, o, v->valuestring, 1, list_level);
    if (o->type == OPT_INT && kefu_json_is_int(v)) {
        snprintf(num, sizeof(num), "%.0f", v->valuedouble);
        return set_value(cfg, o, num, 1, list_level);
    }
    if (o->type == OPT_BOOL && cJSON_IsBool(v))
        return set_value(cfg, o, cJSON_IsTrue(v) ? "true" : "false", 1, list_level);
bad:
    fprintf(stderr, "kefu-%s: config file: \"%s\" has the wrong type\n", cfg->service, o->flag);
    return false;
}

static bool load_file(kefu_config *cfg, const char *path, int *list_levels)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long size;
    cJSON *doc = NULL;
    kefu_error err;
    bool ok = false;

    if (!f) {
        fprintf(stderr, "kefu-%s: config file %s: %s\n", cfg->service, path, strerror(errno));
        return false;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || size > (1 << 20) ||
        fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "kefu-%s: config file %s: unreadable or over 1 MiB\n", cfg->service, path);
        goto out;
    }
    buf = malloc((size_t)size + 1);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size)
        goto out;
    doc = kefu_json_parse(buf, (size_t)size, KEFU_JSON_MAX_DEPTH, &err);
    if (!doc || !cJSON_IsObject(doc)) {
        fprintf(stderr, "kefu-%s: config file %s: %s\n", cfg->service, path,
                doc ? "must be a JSON object" : err.message);
        goto out;
    }
    for (const cJSON *m = doc->child; m; m = m->next) {
        const option *o = options;
        while (o->flag && !(strcmp(o->flag, m->string) == 0 && applies(o, cfg->service)))
            o++;
        if (!o->flag) {
            fprintf(stderr, "kefu-%s: config file %s: unknown setting \"%s\"\n", cfg->service, path,
                    m->string);
            goto out;
        }
        if (strcmp(o->flag, "config") == 0)
            continue;
        if (!set_from_json(cfg, o, m, &list_levels[o - options]))
            goto out;
    }
    ok = true;
out:
    cJSON_Delete(doc);
    free(buf);
    fclose(f);
    return ok;
}

/* Finds the option named by flag text "listen" or "listen=ADDR" (n = name length). */
static const option *find_flag(const char *service, const char *name, size_t n)
{
    for (const option *o = options; o->flag; o++) {
        if (strlen(o->flag) == n && strncmp(o->flag, name, n) == 0 && applies(o, service))
            return o;
    }
    return NULL;
}

/*
 * One --peer SERVICE=ADDR: a kefu service's name and an address nng can
 * dial (a mistyped one would only show when the first entry for that peer is
 * delivered, as a delay without end). Prints why not.
 */
static bool peer_valid(const char *service, const char *item)
{
    const char *eq = strchr(item, '=');
    char name[32];
    nng_url *url = NULL;
    bool ok = false;

    if (!eq || eq == item || (size_t)(eq - item) >= sizeof(name)) {
        fprintf(stderr, "kefu-%s: --peer: expected SERVICE=ADDR, got \"%s\"\n", service, item);
        return false;
    }
    snprintf(name, sizeof(name), "%.*s", (int)(eq - item), item);
    if (!kefu_default_addr(name)) {
        fprintf(stderr,
                "kefu-%s: --peer: no kefu service is called \"%s\" (complaints, returns, "
                "visits)\n",
                service, name);
        return false;
    }
    if (nng_url_parse(&url, eq + 1) == 0 && url->u_scheme) {
        if (strcmp(url->u_scheme, "ipc") == 0 || strcmp(url->u_scheme, "inproc") == 0) {
            ok = url->u_path && url->u_path[0] && strcmp(url->u_path, "/") != 0;
        } else if (strcmp(url->u_scheme, "tcp") == 0 || strcmp(url->u_scheme, "tcp4") == 0 ||
                   strcmp(url->u_scheme, "tcp6") == 0 || strcmp(url->u_scheme, "tls+tcp") == 0) {
            const char *port = url->u_port;
            long n = port && *port && strspn(port, "0123456789") == strlen(port) ? atol(port) : 0;
            ok = url->u_hostname && url->u_hostname[0] && n >= 1 && n <= 65535;
        }
    }
    if (url)
        nng_url_free(url);
    if (!ok)
        fprintf(stderr,
                "kefu-%s: --peer: \"%s\" is not an address to dial (tcp://host:port, "
                "ipc:///path, tls+tcp://host:port)\n",
                service, eq + 1);
    return ok;
}

kefu_config_result kefu_config_load(kefu_config *cfg, const char *service,
                                    const char *default_listen, int argc, char **argv)
{
    int list_levels[sizeof(options) / sizeof(options[0])] = {0};
    const char *config_path = getenv("KEFU_CONFIG");

    memset(cfg, 0, sizeof(*cfg));
    cfg->service = service;
    cfg->contexts = 64;
    cfg->max_request = 1 << 20;
    cfg->redis_timeout_ms = 2000;
    cfg->outbox_lease_ms = 15000;

    /* --help, --version and --config first: the file is the lowest layer. */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(service, default_listen);
            return KEFU_CONFIG_EXIT;
        }
        if (strcmp(argv[i], "--version") == 0) {
            printf("kefu-%s %s\n", service, KEFU_VERSION);
            return KEFU_CONFIG_EXIT;
        }
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            config_path = argv[i + 1];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            config_path = argv[i] + 9;
    }
    if (config_path && *config_path && !load_file(cfg, config_path, list_levels))
        goto fail;

    for (const option *o = options; o->flag; o++) {
        const char *v = getenv(o->env);
        if (!v || !applies(o, service))
            continue;
        if (o->type == OPT_LIST) {
            /* Lists in the environment are comma-separated. */
            char *copy = strdup(v), *save = NULL;
            for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                if (!set_value(cfg, o, t, 2, &list_levels[o - options])) {
                    free(copy);
                    goto fail;
                }
            }
            free(copy);
        } else if (!set_value(cfg, o, v, 2, &list_levels[o - options])) {
            goto fail;
        }
    }

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *eq, *v;
        const option *o;
        if (strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "kefu-%s: unexpected argument \"%s\" (see --help)\n", service, a);
            goto fail;
        }
        a += 2;
        eq = strchr(a, '=');
        o = find_flag(service, a, eq ? (size_t)(eq - a) : strlen(a));
        if (!o) {
            fprintf(stderr, "kefu-%s: unknown option \"%s\" (see --help)\n", service, argv[i]);
            goto fail;
        }
        if (eq) {
            v = eq + 1;
        } else if (o->type == OPT_BOOL) {
            v = "true";
        } else if (i + 1 < argc) {
            v = argv[++i];
        } else {
            fprintf(stderr, "kefu-%s: --%s needs a value\n", service, o->flag);
            goto fail;
        }
        if (!set_value(cfg, o, v, 3, &list_levels[o - options]))
            goto fail;
    }

    if (cfg->listen.count == 0 && cfg->dial.count == 0)
        list_add(&cfg->listen, default_listen);
    if (!cfg->redis_url)
        cfg->redis_url = strdup("redis://127.0.0.1:6379/0");
    if (!cfg->ns)
        cfg->ns = strdup("kefu");
    if (!cfg->log_level)
        cfg->log_level = strdup("info");
    if (!cfg->tz)
        cfg->tz = strdup("+08:00");
    if (!kefu_tz_parse(cfg->tz, &cfg->tz_minutes)) {
        fprintf(stderr, "kefu-%s: --timezone: unknown zone \"%s\"\n", service, cfg->tz);
        goto fail;
    }
    kefu_log_level lvl;
    if (!kefu_log_level_parse(cfg->log_level, &lvl)) {
        fprintf(stderr, "kefu-%s: --log-level: must be debug, info, warn or error\n", service);
        goto fail;
    }
    for (const char *c = cfg->ns; *c; c++) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '_' || *c == '.')) {
            fprintf(stderr, "kefu-%s: --namespace: letters, digits, '-', '_' and '.' only\n",
                    service);
            goto fail;
        }
    }
    for (int i = 0; i < cfg->peers.count; i++) {
        if (!peer_valid(service, cfg->peers.items[i]))
            goto fail;
    }
    return KEFU_CONFIG_RUN;
fail:
    kefu_config_free(cfg);
    return KEFU_CONFIG_FAIL;
}

void kefu_config_free(kefu_config *cfg)
{
    for (const option *o = options; o->flag; o++) {
        void *p = (char *)cfg + o->offset;
        if (o->type == OPT_STRING) {
            free(*(char **)p);
            *(char **)p = NULL;
        } else if (o->type == OPT_LIST) {
            list_clear(p);
        }
    }
}

const char *kefu_config_peer(const kefu_config *cfg, const char *service)
{
    size_t n = strlen(service);
    for (int i = 0; i < cfg->peers.count; i++) {
        const char *p = cfg->peers.items[i];
        if (strncmp(p, service, n) == 0 && p[n] == '=')
            return p + n + 1;
    }
    return NULL;
}

const char *kefu_default_addr(const char *service)
{
    static const struct {
        const char *name, *addr;
    } defaults[] = {
        {"complaints", "tcp://127.0.0.1:7101"},
        {"returns", "tcp://127.0.0.1:7102"},
        {"visits", "tcp://127.0.0.1:7103"},
    };
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
        if (strcmp(defaults[i].name, service) == 0)
            return defaults[i].addr;
    }
    return NULL;
}
