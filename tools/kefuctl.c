/*
 * kefuctl - call kefu services from the command line.
 *
 *   kefuctl call complaints.Create '{"customer": {...}, ...}'
 *   kefuctl call complaints.Get '{"id": "C2026-000001"}'
 *   kefuctl describe complaints
 *   kefuctl health returns
 *   kefuctl metrics visits --prometheus
 *   kefuctl outbox complaints
 *
 * The address comes from --addr (or KEFU_ADDR), else from the service named
 * by the method or argument, on its default port. Exit status: 0 ok, 1 the
 * service answered with an error (printed on stderr), 2 usage, 3 no answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "config.h"
#include "json.h"

static void usage(FILE *to)
{
    fprintf(to,
            "Usage: kefuctl [OPTIONS] COMMAND [ARGS]\n\n"
            "Commands:\n"
            "  call METHOD [PARAMS]     call a method; PARAMS is a JSON object, or - for stdin\n"
            "  describe SERVICE         the service's methods and their params (JSON Schema)\n"
            "  health [SERVICE]         sys.Health; exit 0 only when SERVING\n"
            "  metrics [SERVICE]        sys.Metrics (--prometheus for text exposition)\n"
            "  outbox SERVICE           the service's outbox: pending and failed entries\n"
            "  outbox SERVICE retry ID  send a failed outbox entry again (admin)\n"
            "  outbox SERVICE drop ID   remove a failed outbox entry for good (admin)\n\n"
            "Options:\n"
            "  --addr ADDR              service address (KEFU_ADDR); default: the service's "
            "port on 127.0.0.1\n"
            "                           (complaints 7101, returns 7102, visits 7103)\n"
            "  --token TOKEN            bearer token (KEFU_TOKEN)\n"
            "  --timeout MS             deadline for the whole call incl. retries (default 5000)\n"
            "  --idempotency-key KEY    make a mutating call safe to repeat\n"
            "  --trace-id ID            trace id to propagate\n"
            "  --attempts N             tries on UNAVAILABLE (default 4)\n"
            "  --prometheus             with metrics: Prometheus text\n"
            "  --compact                print JSON on one line\n"
            "  --help, --version\n\n"
            "tls+tcp:// addresses: KEFU_TLS_CA (verify the server), KEFU_TLS_CERT and\n"
            "KEFU_TLS_KEY (client certificate), KEFU_TLS_SERVER_NAME.\n");
}

static char *read_stdin(void)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;

    while (buf && (n = fread(buf + len, 1, cap - len - 1, stdin)) > 0) {
        len += n;
        if (len + 1 == cap) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                return NULL;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    if (buf)
        buf[len] = '\0';
    return buf;
}

int main(int argc, char **argv)
{
    const char *addr = getenv("KEFU_ADDR");
    kefu_call_opts o = {.token = getenv("KEFU_TOKEN")};
    bool prometheus = false, compact = false;
    const char *pos[4] = {NULL, NULL, NULL, NULL};
    int npos = 0, rc = 0;
    const char *method, *service = NULL;
    char method_buf[160], *params_text = NULL, *out;
    cJSON *params = NULL, *reply = NULL, *shown;
    const cJSON *result;
    kefu_sync_client *client;
    kefu_error err;
    kefu_status st;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            printf("kefuctl %s\n", KEFU_VERSION);
            return 0;
        } else if (strcmp(a, "--prometheus") == 0) {
            prometheus = true;
        } else if (strcmp(a, "--compact") == 0) {
            compact = true;
        } else if (strncmp(a, "--", 2) == 0 && strcmp(a, "--") != 0) {
            if (!v) {
                fprintf(stderr, "kefuctl: %s needs a value\n", a);
                return 2;
            }
            i++;
            if (strcmp(a, "--addr") == 0)
                addr = v;
            else if (strcmp(a, "--token") == 0)
                o.token = v;
            else if (strcmp(a, "--timeout") == 0)
                o.deadline_ms = atoll(v);
            else if (strcmp(a, "--idempotency-key") == 0)
                o.idempotency_key = v;
            else if (strcmp(a, "--trace-id") == 0)
                o.trace_id = v;
            else if (strcmp(a, "--attempts") == 0)
                o.max_attempts = atoi(v);
            else {
                fprintf(stderr, "kefuctl: unknown option %s (see --help)\n", a);
                return 2;
            }
        } else if (npos < 4) {
            pos[npos++] = a;
        } else {
            fprintf(stderr, "kefuctl: too many arguments (see --help)\n");
            return 2;
        }
    }
    if (!pos[0]) {
        usage(stderr);
        return 2;
    }
    if (pos[3] && strcmp(pos[0], "outbox") != 0) {
        fprintf(stderr, "kefuctl: too many arguments (see --help)\n");
        return 2;
    }
    if (strcmp(pos[0], "call") == 0) {
        if (!pos[1]) {
            fprintf(stderr, "kefuctl: call needs a METHOD\n");
            return 2;
        }
        method = pos[1];
        params_text =
            pos[2] && strcmp(pos[2], "-") == 0 ? read_stdin() : (pos[2] ? strdup(pos[2]) : NULL);
        if (params_text) {
            params = kefu_json_parse(params_text, strlen(params_text), KEFU_JSON_MAX_DEPTH, &err);
            free(params_text);
            if (!params) {
                fprintf(stderr, "kefuctl: PARAMS: %s\n", err.message);
                return 2;
            }
        }
        snprintf(method_buf, sizeof(method_buf), "%s", method);
        char *dot = strchr(method_buf, '.');
        if (dot) {
            *dot = '\0';
            service = method_buf;
        }
    } else if (strcmp(pos[0], "describe") == 0 || strcmp(pos[0], "health") == 0 ||
               strcmp(pos[0], "metrics") == 0) {
        method = strcmp(pos[0], "describe") == 0 ? "sys.Describe"
                 : strcmp(pos[0], "health") == 0 ? "sys.Health"
                                                 : "sys.Metrics";
        service = pos[1];
        if (prometheus) {
            params = cJSON_CreateObject();
            cJSON_AddStringToObject(params, "format", "prometheus");
        }
    } else if (strcmp(pos[0], "outbox") == 0) {
        service = pos[1];
        if (!service) {
            fprintf(stderr, "kefuctl: outbox needs a SERVICE\n");
            return 2;
        }
        if (pos[2] && ((strcmp(pos[2], "retry") != 0 && strcmp(pos[2], "drop") != 0) || !pos[3])) {
            fprintf(stderr, "kefuctl: outbox SERVICE [retry|drop ENTRY-ID]\n");
            return 2;
        }
        method = !pos[2]                        ? "sys.Outbox"
                 : strcmp(pos[2], "retry") == 0 ? "sys.OutboxRetry"
                                                : "sys.OutboxDrop";
        if (pos[3]) {
            params = cJSON_CreateObject();
            cJSON_AddStringToObject(params, "id", pos[3]);
        }
    } else {
        fprintf(stderr, "kefuctl: unknown command \"%s\" (see --help)\n", pos[0]);
        return 2;
    }
    if (!addr) {
        if (!service || strcmp(service, "sys") == 0)
            service = "complaints";
        addr = kefu_default_addr(service);
        if (!addr) {
            fprintf(stderr, "kefuctl: unknown service \"%s\"; give --addr\n", service);
            cJSON_Delete(params);
            return 2;
        }
    }

    client = kefu_sync_client_open(addr, &err);
    if (!client) {
        fprintf(stderr, "kefuctl: %s\n", err.message);
        cJSON_Delete(params);
        return 2;
    }
    st = kefu_sync_client_call(client, method, params, &o, &reply, &err);
    kefu_sync_client_close(client);
    cJSON_Delete(params);
    if (!reply) {
        fprintf(stderr, "kefuctl: %s: %s (%s)\n", addr, err.message, kefu_status_name(st));
        return 3;
    }
    st = kefu_client_result(reply, &result, &err);
    if (st != KEFU_STATUS_OK) {
        shown = kefu_json_get(reply, "error");
        out = compact ? cJSON_PrintUnformatted(shown) : cJSON_Print(shown);
        fprintf(stderr, "%s\n", out ? out : err.message);
        cJSON_free(out);
        rc = 1;
    } else if (prometheus && kefu_json_str(result, "text")) {
        fputs(kefu_json_str(result, "text"), stdout);
    } else {
        out = compact ? cJSON_PrintUnformatted(result) : cJSON_Print(result);
        printf("%s\n", out ? out : "null");
        cJSON_free(out);
        if (strcmp(method, "sys.Health") == 0 &&
            !(kefu_json_str(result, "status") &&
              strcmp(kefu_json_str(result, "status"), "SERVING") == 0))
            rc = 1;
    }
    cJSON_Delete(reply);
    return rc;
}
