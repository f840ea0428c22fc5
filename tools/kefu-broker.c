/*
 * kefu-broker - the raw REQ/REP forwarder in front of a service's replicas
 * (SPEC section 8). Clients talk to the front (a raw rep0 socket), replicas
 * --dial the back (a raw req0 socket), and nng_device moves messages both
 * ways with their routing headers intact, so each reply finds its caller.
 * Adding capacity is starting another replica; when one dies mid-request the
 * client's REQ socket resends to another.
 *
 * The broker never looks inside a message. It caps message size on both
 * sockets (--max-request) so an oversized request is dropped by the transport
 * before it is buffered.
 *
 * Threads: nng_device runs on its own thread; the main thread only waits for
 * SIGINT/SIGTERM, then closes both sockets, which ends the device.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef KEFU_VERSION
#define KEFU_VERSION "dev"
#endif

#define MAX_ADDRS           16
#define DEFAULT_MAX_REQUEST 2097152 /* twice the services' default 1 MiB limit */

typedef enum { LEVEL_DEBUG, LEVEL_INFO, LEVEL_WARN, LEVEL_ERROR } log_level;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

typedef struct {
    char *front[MAX_ADDRS]; /* owned copies */
    int nfront;
    char *back[MAX_ADDRS];
    int nback;
    size_t max_request;
    log_level level;
} broker_opts;

typedef struct {
    nng_socket front;
    nng_socket back;
    pthread_t main_thread;
    atomic_bool stopping;
    int device_rv; /* read after the device thread is joined */
} broker;

static const char usage[] =
    "usage: kefu-broker --front ADDR --back ADDR [options]\n"
    "\n"
    "Forwards kefu requests from clients (front) to service replicas that\n"
    "--dial the back, and their replies back to the callers.\n"
    "\n"
    "  --front ADDR          listen for clients (repeatable; KEFU_BROKER_FRONT,\n"
    "                        comma separated), e.g. tcp://127.0.0.1:7101\n"
    "  --back ADDR           listen for replicas (repeatable; KEFU_BROKER_BACK),\n"
    "                        e.g. ipc:///run/kefu/complaints.back\n"
    "  --max-request BYTES   largest message accepted on either side\n"
    "                        (default 2097152; KEFU_BROKER_MAX_REQUEST)\n"
    "  --log-level LEVEL     debug, info, warn or error (default info; KEFU_LOG_LEVEL)\n"
    "  --help, --version\n"
    "\n"
    "Stops on SIGINT or SIGTERM and exits 0.\n";

/* Writes "2026-12-04T07:08:06+00:00": UTC, whole seconds, as common/log.c does. */
static void format_ts(char *buf, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
}

/*
 * Writes one JSON line to stderr: ts, level, service, msg, then the members of
 * `fields` (may be NULL). Takes ownership of `fields` on every path.
 */
static void log_line(const broker_opts *o, log_level level, const char *msg, cJSON *fields)
{
    if (level < o->level) {
        cJSON_Delete(fields);
        return;
    }
    char ts[64];
    format_ts(ts, sizeof(ts));
    cJSON *line = cJSON_CreateObject();
    cJSON_AddStringToObject(line, "ts", ts);
    cJSON_AddStringToObject(line, "level", level_names[level]);
    cJSON_AddStringToObject(line, "service", "broker");
    cJSON_AddStringToObject(line, "msg", msg);
    while (fields != NULL && fields->child != NULL) {
        cJSON *item = cJSON_DetachItemViaPointer(fields, fields->child);
        cJSON_AddItemToObject(line, item->string, item);
    }
    cJSON_Delete(fields);
    char *text = cJSON_PrintUnformatted(line);
    if (text != NULL)
        fprintf(stderr, "%s\n", text);
    fflush(stderr);
    cJSON_free(text);
    cJSON_Delete(line);
}

static cJSON *addr_array(char *const *addrs, int n)
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(addrs[i]));
    return arr;
}

/* Logs an nng failure: {"msg": msg, "addr": addr, "error": nng_strerror(rv)}. */
static void log_nng_error(const broker_opts *o, const char *msg, const char *addr, int rv)
{
    cJSON *f = cJSON_CreateObject();
    if (addr != NULL)
        cJSON_AddStringToObject(f, "addr", addr);
    cJSON_AddStringToObject(f, "error", nng_strerror(rv));
    log_line(o, LEVEL_ERROR, msg, f);
}

static int add_addr(char **list, int *n, const char *addr)
{
    if (*n == MAX_ADDRS) {
        fprintf(stderr, "kefu-broker: at most %d addresses per side\n", MAX_ADDRS);
        return -1;
    }
    if ((list[*n] = strdup(addr)) == NULL)
        return -1;
    (*n)++;
    return 0;
}

/* Adds each non-empty comma-separated address of `csv`. */
static int add_addr_list(char **list, int *n, const char *csv)
{
    while (*csv != '\0') {
        size_t len = strcspn(csv, ",");
        if (len > 0) {
            char addr[1024];
            if (len >= sizeof(addr)) {
                fprintf(stderr, "kefu-broker: address too long\n");
                return -1;
            }
            memcpy(addr, csv, len);
            addr[len] = '\0';
            if (add_addr(list, n, addr) != 0)
                return -1;
        }
        csv += len;
        if (*csv == ',')
            csv++;
    }
    return 0;
}

static int parse_level(const char *s, log_level *out)
{
    for (int i = LEVEL_DEBUG; i <= LEVEL_ERROR; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (log_level)i;
            return 0;
        }
    }
    fprintf(stderr, "kefu-broker: log level must be debug, info, warn or error\n");
    return -1;
}

static int parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 1 || v > ((size_t)1 << 40)) {
        fprintf(stderr, "kefu-broker: --max-request: expected a number of bytes\n");
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

static void free_opts(broker_opts *o)
{
    for (int i = 0; i < o->nfront; i++)
        free(o->front[i]);
    for (int i = 0; i < o->nback; i++)
        free(o->back[i]);
}

/* Returns -1 to go on, else the exit code (0 after --help/--version). */
static int parse_opts(int argc, char **argv, broker_opts *o)
{
    enum { OPT_VERSION = 256 };
    static const struct option longopts[] = {
        {"front", required_argument, NULL, 'f'},
        {"back", required_argument, NULL, 'b'},
        {"max-request", required_argument, NULL, 'm'},
        {"log-level", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    const char *env;
    memset(o, 0, sizeof(*o));
    o->max_request = DEFAULT_MAX_REQUEST;
    o->level = LEVEL_INFO;
    if ((env = getenv("KEFU_BROKER_MAX_REQUEST")) && *env && parse_size(env, &o->max_request))
        return 2;
    if ((env = getenv("KEFU_LOG_LEVEL")) && *env && parse_level(env, &o->level))
        return 2;

    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (add_addr(o->front, &o->nfront, optarg))
                return 2;
            break;
        case 'b':
            if (add_addr(o->back, &o->nback, optarg))
                return 2;
            break;
        case 'm':
            if (parse_size(optarg, &o->max_request))
                return 2;
            break;
        case 'l':
            if (parse_level(optarg, &o->level))
                return 2;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        case OPT_VERSION:
            puts("kefu-broker " KEFU_VERSION);
            return 0;
        default:
            fputs(usage, stderr);
            return 2;
        }
    }
    /* Flags replace the environment rather than adding to it. */
    if (o->nfront == 0 && (env = getenv("KEFU_BROKER_FRONT")) &&
        add_addr_list(o->front, &o->nfront, env))
        return 2;
    if (o->nback == 0 && (env = getenv("KEFU_BROKER_BACK")) &&
        add_addr_list(o->back, &o->nback, env))
        return 2;
    if (optind < argc || o->nfront == 0 || o->nback == 0) {
        fprintf(stderr, "kefu-broker: %s\n",
                optind < argc ? "unexpected argument"
                              : "--front and --back are required (or KEFU_BROKER_FRONT/_BACK)");
        fputs(usage, stderr);
        return 2;
    }
    return -1;
}

/* Opens a raw socket, caps its messages and listens on every address. */
static int open_side(const broker_opts *o, nng_socket *s, int (*open_raw)(nng_socket *),
                     char *const *addrs, int n)
{
    int rv = open_raw(s);
    if (rv != 0) {
        log_nng_error(o, "cannot open socket", NULL, rv);
        return -1;
    }
    if ((rv = nng_socket_set_size(*s, NNG_OPT_RECVMAXSZ, o->max_request)) != 0) {
        log_nng_error(o, "cannot set receive limit", NULL, rv);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if ((rv = nng_listen(*s, addrs[i], NULL, 0)) != 0) {
            log_nng_error(o, "cannot listen", addrs[i], rv);
            return -1;
        }
    }
    return 0;
}

static void *device_main(void *arg)
{
    broker *b = arg;
    b->device_rv = nng_device(b->front, b->back);
    /* Returning on its own (not because we closed the sockets) is a failure: wake main. */
    if (!atomic_load(&b->stopping))
        pthread_kill(b->main_thread, SIGTERM);
    return NULL;
}

int main(int argc, char **argv)
{
    broker_opts o;
    broker b;
    int rc = parse_opts(argc, argv, &o);
    if (rc >= 0)
        goto out_free_opts;
    rc = 1;
    memset(&b, 0, sizeof(b));
    b.main_thread = pthread_self();

    /* Block the stop signals before nng starts threads, so only sigwait sees them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    if (open_side(&o, &b.front, nng_rep0_open_raw, o.front, o.nfront) != 0)
        goto out_close;
    if (open_side(&o, &b.back, nng_req0_open_raw, o.back, o.nback) != 0)
        goto out_close;

    pthread_t device;
    if (pthread_create(&device, NULL, device_main, &b) != 0) {
        log_line(&o, LEVEL_ERROR, "cannot start device thread", NULL);
        goto out_close;
    }
    cJSON *f = cJSON_CreateObject();
    cJSON_AddItemToObject(f, "front", addr_array(o.front, o.nfront));
    cJSON_AddItemToObject(f, "back", addr_array(o.back, o.nback));
    cJSON_AddNumberToObject(f, "max_request", (double)o.max_request);
    cJSON_AddStringToObject(f, "version", KEFU_VERSION);
    log_line(&o, LEVEL_INFO, "broker started", f);

    int sig = 0;
    sigwait(&stop, &sig);
    atomic_store(&b.stopping, true);
    nng_close(b.front);
    nng_close(b.back);
    pthread_join(device, NULL);

    f = cJSON_CreateObject();
    cJSON_AddItemToObject(f, "front", addr_array(o.front, o.nfront));
    cJSON_AddItemToObject(f, "back", addr_array(o.back, o.nback));
    if (b.device_rv != NNG_ECLOSED) {
        cJSON_AddStringToObject(f, "error", nng_strerror(b.device_rv));
        log_line(&o, LEVEL_ERROR, "broker stopped: device failed", f);
        rc = 1;
    } else {
        cJSON_AddStringToObject(f, "signal", sig == SIGINT ? "SIGINT" : "SIGTERM");
        log_line(&o, LEVEL_INFO, "broker stopped", f);
        rc = 0;
    }
    goto out_free_opts;

out_close:
    nng_close(b.front); /* closing a socket that never opened is harmless */
    nng_close(b.back);
out_free_opts:
    free_opts(&o);
    return rc;
}
