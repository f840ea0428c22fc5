/*
 * fault.hostile - SPEC sections 1 and 9 under hostile input: a bounded,
 * fixed-seed fuzz where every request must get a well-formed reply (never a
 * crash, never silence), and peers that vanish mid-request or speak broken
 * SP over TCP. Afterwards the service still answers and exits 0 on SIGTERM
 * (in the sanitizer build, any memory error makes it exit non-zero).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "json.h"
#include "status.h"
#include "test.h"

static kh_redis redis;

static const char *valid_create = KH_COMPLAINT_CREATE;

/* ---- a fixed-seed PRNG (xorshift64*) ---- */

static uint64_t rng_state = 0x6b6566752d66757aULL;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

static int rnd_int(int n)
{
    return n > 0 ? (int)(rnd() % (uint64_t)n) : 0;
}

static const char *pick(const char *const *list, int n)
{
    return list[rnd_int(n)];
}

/* ---- a growable byte buffer ---- */

typedef struct {
    char *p;
    size_t len, cap;
} sbuf;

static void sb_put(sbuf *b, const void *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->p = realloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_puts(sbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

static void sb_byte(sbuf *b, int c)
{
    char ch = (char)c;
    sb_put(b, &ch, 1);
}

/* ---- generators ---- */

static const char *const huge_numbers[] = {
    "1e400",
    "-1e400",
    "1e-400",
    "123456789012345678901234567890",
    "9007199254740993",
    "-0",
    "0.0",
    "1E308",
    "-1.7976931348623157e308",
    "4.9e-324",
    "1e+99999999999",
    "-9223372036854775809",
    "18446744073709551616",
    "0.000000000000000000000000000001",
    "1.5",
    "2147483648",
    "-2147483649",
};
#define N_HUGE ((int)(sizeof(huge_numbers) / sizeof(huge_numbers[0])))

static const char *const escapes[] = {
    "\\ud800",
    "\\udfff",
    "\\udc00\\ud800",
    "\\ud83d\\ude00",
    "\\uffff",
    "\\ufeff",
    "\\u0000",
    "\\u001f",
    "\\u2028",
    "\\u2029",
    "\\uZZZZ",
    "\\u12",
    "\\ud83d",
    "\\ud83dx",
    "\\ud83d\\u0041",
    "\\u00e9",
    "\\x41",
    "\\",
    "\xC0\xAF",
    "\xED\xA0\x80",
    "\xF4\x90\x80\x80",
    "\xEF\xBF\xBF",
    "灯",
    "😀",
    "\x7f",
    "\t",
    "\n",
    "\\t",
    "\\/",
    "\\\"",
};
#define N_ESC ((int)(sizeof(escapes) / sizeof(escapes[0])))

static const char *const fields[] = {
    "customer",    "product",     "channel",     "category",    "severity",
    "title",       "description", "received_by", "received_at", "remedy_sought",
    "id",          "x",           "customer.id", "__proto__",   "",
    "constructor",
};
#define N_FIELDS ((int)(sizeof(fields) / sizeof(fields[0])))

static void weird_string(sbuf *b)
{
    int n = rnd_int(6) + 1;
    sb_byte(b, '"');
    for (int i = 0; i < n; i++) {
        if (rnd_int(3) == 0)
            sb_puts(b, "ab");
        sb_puts(b, pick(escapes, N_ESC));
    }
    sb_byte(b, '"');
}

/* A random JSON-ish value, usually valid, `depth` levels at most. */
static void random_value(sbuf *b, int depth)
{
    int k = rnd_int(depth > 0 ? 9 : 6);
    switch (k) {
    case 0:
        sb_puts(b, pick(huge_numbers, N_HUGE));
        break;
    case 1: {
        char num[32];
        snprintf(num, sizeof(num), "%lld", (long long)(rnd() % 2000000) - 1000000);
        sb_puts(b, num);
        break;
    }
    case 2:
        weird_string(b);
        break;
    case 3:
        sb_puts(b, pick((const char *const[]){"true", "false", "null"}, 3));
        break;
    case 4: {
        static const char *const strs[] = {"\"phone\"",
                                           "\"quality\"",
                                           "\"critical\"",
                                           "\"2026-03-01\"",
                                           "\"2026-12-04T15:08:06+08:00\"",
                                           "\"C2026-000001\"",
                                           "\"\"",
                                           "\"灯管不亮\""};
        sb_puts(b, pick(strs, 8));
        break;
    }
    case 5: {
        int n = rnd_int(300);
        sb_byte(b, '"');
        for (int i = 0; i < n; i++)
            sb_puts(b, rnd_int(2) ? "灯" : "a");
        sb_byte(b, '"');
        break;
    }
    case 6:
    case 7: {
        int n = rnd_int(5);
        sb_byte(b, '{');
        for (int i = 0; i < n; i++) {
            if (i)
                sb_byte(b, ',');
            if (rnd_int(4) == 0)
                weird_string(b);
            else {
                sb_byte(b, '"');
                sb_puts(b, pick(fields, N_FIELDS));
                sb_byte(b, '"');
            }
            sb_byte(b, ':');
            random_value(b, depth - 1);
        }
        sb_byte(b, '}');
        break;
    }
    default: {
        int n = rnd_int(5);
        sb_byte(b, '[');
        for (int i = 0; i < n; i++) {
            if (i)
                sb_byte(b, ',');
            random_value(b, depth - 1);
        }
        sb_byte(b, ']');
        break;
    }
    }
}

/* A whole, valid complaints.Create request with a random id. */
static void valid_request(sbuf *b)
{
    char head[96];
    snprintf(head, sizeof(head), "{\"id\":\"fz-%u\",\"method\":\"complaints.Create\",\"params\":",
             (unsigned)rnd_int(1000000));
    sb_puts(b, head);
    sb_puts(b, valid_create);
    sb_puts(b, "}");
}

static void gen_random_bytes(sbuf *b)
{
    int n = rnd_int(400);
    for (int i = 0; i < n; i++)
        sb_byte(b, rnd_int(256));
}

static void gen_json_alphabet(sbuf *b)
{
    static const char alphabet[] = "{}[]\":,0123456789.eE+-truefalsnul \\/u\t\r\nabcdmethodparams";
    int n = rnd_int(400);
    for (int i = 0; i < n; i++)
        sb_byte(b, alphabet[rnd_int((int)sizeof(alphabet) - 1)]);
}

static void gen_truncated(sbuf *b)
{
    sbuf full = {0};
    valid_request(&full);
    sb_put(b, full.p, (size_t)rnd_int((int)full.len));
    free(full.p);
}

static void gen_mutated(sbuf *b)
{
    sbuf full = {0};
    int edits = rnd_int(4) + 1;

    valid_request(&full);
    for (int i = 0; i < edits && full.len > 1; i++) {
        size_t at = (size_t)rnd_int((int)full.len);
        switch (rnd_int(3)) {
        case 0:
            full.p[at] = (char)rnd_int(256);
            break;
        case 1:
            memmove(full.p + at, full.p + at + 1, full.len - at - 1);
            full.len--;
            break;
        default:
            full.p[at] = "{}[]\",:\\"[rnd_int(8)];
            break;
        }
    }
    sb_put(b, full.p, full.len);
    free(full.p);
}

static void gen_deep(sbuf *b)
{
    static const int depths[] = {62, 63, 64, 65, 66, 100, 1000, 20000};
    int depth = depths[rnd_int(8)], where = rnd_int(4);
    bool objects = rnd_int(2), closed = rnd_int(3) != 0;

    if (where == 0) { /* the whole request */
        for (int i = 0; i < depth; i++)
            sb_puts(b, objects ? "{\"a\":" : "[");
        sb_puts(b, "1");
        for (int i = 0; closed && i < depth; i++)
            sb_puts(b, objects ? "}" : "]");
        return;
    }
    sb_puts(b, "{\"id\":\"deep\",\"method\":\"");
    sb_puts(b, rnd_int(2) ? "complaints.Create" : "sys.Metrics");
    sb_puts(b, where == 1   ? "\",\"params\":{\"title\":"
               : where == 2 ? "\",\"meta\":{\"trace_id\":"
                            : "\",\"params\":{\"x\":");
    for (int i = 0; i < depth; i++)
        sb_puts(b, objects ? "{\"a\":" : "[");
    sb_puts(b, "\"z\"");
    for (int i = 0; closed && i < depth; i++)
        sb_puts(b, objects ? "}" : "]");
    sb_puts(b, closed ? "}}" : "");
}

static void gen_huge_numbers(sbuf *b)
{
    const char *n = pick(huge_numbers, N_HUGE);
    char head[256];

    switch (rnd_int(5)) {
    case 0:
        snprintf(head, sizeof(head), "{\"id\":%s,\"method\":\"sys.Health\"}", n);
        sb_puts(b, head);
        break;
    case 1:
        snprintf(head, sizeof(head),
                 "{\"id\":%s,\"method\":\"complaints.Get\",\"params\":{\"id\":%s}}", n,
                 pick(huge_numbers, N_HUGE));
        sb_puts(b, head);
        break;
    case 2:
        snprintf(head, sizeof(head),
                 "{\"id\":\"hn\",\"method\":\"sys.Health\",\"meta\":{\"deadline_ms\":%s}}", n);
        sb_puts(b, head);
        break;
    case 3: {
        cJSON *p = cJSON_Parse(valid_create);
        char *text;
        cJSON_ReplaceItemInObject(cJSON_GetObjectItem(p, "product"), "quantity",
                                  cJSON_CreateString("@@"));
        text = cJSON_PrintUnformatted(p);
        sb_puts(b, "{\"id\":\"hq\",\"method\":\"complaints.Create\",\"params\":");
        /* splice the number where the placeholder string is */
        char *at = strstr(text, "\"@@\"");
        sb_put(b, text, (size_t)(at - text));
        sb_puts(b, n);
        sb_puts(b, at + 4);
        sb_puts(b, "}");
        cJSON_free(text);
        cJSON_Delete(p);
        break;
    }
    default:
        sb_puts(b, n);
        break;
    }
}

static void gen_unicode(sbuf *b)
{
    switch (rnd_int(5)) {
    case 0:
        sb_puts(b, "{\"id\":");
        weird_string(b);
        sb_puts(b, ",\"method\":\"sys.Health\"}");
        break;
    case 1:
        sb_puts(b, "{\"id\":\"wu\",\"method\":");
        weird_string(b);
        sb_puts(b, "}");
        break;
    case 2:
        sb_puts(b, "{\"id\":\"wu\",\"method\":\"sys.Health\",\"meta\":{\"trace_id\":");
        weird_string(b);
        sb_puts(b, "}}");
        break;
    case 3:
        sb_puts(b, "{\"id\":\"wu\",\"method\":\"complaints.Create\",\"params\":{");
        weird_string(b);
        sb_puts(b, ":1},\"meta\":{\"idempotency_key\":");
        weird_string(b);
        sb_puts(b, "}}");
        break;
    default: {
        cJSON *p = cJSON_Parse(valid_create);
        char *text;
        cJSON_ReplaceItemInObject(p, "title", cJSON_CreateString("@@"));
        text = cJSON_PrintUnformatted(p);
        char *at = strstr(text, "\"@@\"");
        sb_puts(b, "{\"id\":\"wt\",\"method\":\"complaints.Create\",\"params\":");
        sb_put(b, text, (size_t)(at - text));
        weird_string(b);
        sb_puts(b, at + 4);
        sb_puts(b, "}");
        cJSON_free(text);
        cJSON_Delete(p);
        break;
    }
    }
}

static void gen_random_params(sbuf *b)
{
    char head[128];
    bool get = rnd_int(3) == 0;

    snprintf(head, sizeof(head), "{\"id\":%d,\"method\":\"%s\",\"params\":", rnd_int(100000),
             get ? "complaints.Get" : "complaints.Create");
    sb_puts(b, head);
    if (get) {
        sb_puts(b, "{\"id\":");
        random_value(b, 2);
        sb_puts(b, "}");
    } else if (rnd_int(2)) {
        random_value(b, 4);
    } else {
        /* The valid params with one member replaced by a random value. */
        cJSON *p = cJSON_Parse(valid_create);
        const char *f = pick(fields, N_FIELDS);
        char *text, *at;
        cJSON_DeleteItemFromObjectCaseSensitive(p, f);
        cJSON_AddStringToObject(p, f, "@@");
        text = cJSON_PrintUnformatted(p);
        at = strstr(text, "\"@@\"");
        sb_put(b, text, (size_t)(at - text));
        random_value(b, 3);
        sb_puts(b, at + 4);
        cJSON_free(text);
        cJSON_Delete(p);
    }
    if (rnd_int(3) == 0) {
        sb_puts(b, ",\"meta\":");
        random_value(b, 2);
    }
    sb_puts(b, "}");
}

typedef void (*generator)(sbuf *b);

static const struct {
    const char *name;
    generator fn;
} generators[] = {
    {"random bytes", gen_random_bytes},   {"json alphabet", gen_json_alphabet},
    {"truncated", gen_truncated},         {"mutated", gen_mutated},
    {"deep nesting", gen_deep},           {"huge numbers", gen_huge_numbers},
    {"unicode escapes", gen_unicode},     {"random params", gen_random_params},
    {"random params", gen_random_params}, {"valid create", valid_request},
};
#define N_GEN ((int)(sizeof(generators) / sizeof(generators[0])))

/* ---- checking replies ---- */

/* Why `text` is not a proper reply envelope, or NULL when it is one. */
static const char *bad_reply(const char *text, bool must_succeed)
{
    static char why[160];
    kefu_error err;
    cJSON *r;
    const cJSON *ok, *e;
    int64_t code;

    if (!text)
        return "no reply within 2 s";
    r = kefu_json_parse(text, strlen(text), KEFU_JSON_MAX_DEPTH, &err);
    if (!r) {
        snprintf(why, sizeof(why), "reply is not JSON: %.100s", err.message);
        return why;
    }
    ok = kefu_json_get(r, "ok");
    e = kefu_json_get(r, "error");
    why[0] = '\0';
    if (!cJSON_IsObject(r) || !kefu_json_get(r, "id"))
        snprintf(why, sizeof(why), "not an envelope with an id");
    else if (!cJSON_IsBool(ok))
        snprintf(why, sizeof(why), "\"ok\" is not a boolean");
    else if (cJSON_IsTrue(ok) && !kefu_json_get(r, "result"))
        snprintf(why, sizeof(why), "ok without result");
    else if (cJSON_IsFalse(ok) &&
             (!kefu_json_int(kefu_json_get(e, "code"), &code) || code < 1 || code > 16 ||
              !kefu_json_str(e, "status") ||
              strcmp(kefu_json_str(e, "status"), kefu_status_name((kefu_status)code)) != 0 ||
              !kefu_json_str(e, "message")))
        snprintf(why, sizeof(why), "malformed error");
    else if (cJSON_IsFalse(ok) && (code == 2 || code == 13))
        snprintf(why, sizeof(why), "UNKNOWN/INTERNAL for bad input");
    else if (must_succeed && !cJSON_IsTrue(ok))
        snprintf(why, sizeof(why), "a valid request failed");
    cJSON_Delete(r);
    return why[0] ? why : NULL;
}

static long complaints_total(void)
{
    char *out = kh_redis_cli(&redis, "ZCARD kefu:complaints:idx:all");
    long n = out ? strtol(out, NULL, 10) : -1;
    free(out);
    return n;
}

static bool health_serving(const char *addr)
{
    kefu_call_opts o = {.deadline_ms = 2000, .max_attempts = 1};
    cJSON *h = kh_call(addr, "sys.Health", NULL, &o);
    bool up = kh_ok(h) && kh_str(h, "status") && strcmp(kh_str(h, "status"), "SERVING") == 0;
    cJSON_Delete(h);
    return up;
}

#define FUZZ_REQUESTS 3000

static void test_fuzz(void)
{
    kh_service svc;
    kefu_sync_client *c;
    kefu_error err;
    int failures = 0, shown = 0, ok = 0, refused = 0;

    if (!kh_service_start(&svc, "complaints", redis.url, NULL)) {
        CHECK(!"service started");
        return;
    }
    c = kefu_sync_client_open(svc.addr, &err);
    CHECK(c != NULL);
    for (int i = 0; c && i < FUZZ_REQUESTS; i++) {
        int g = rnd_int(N_GEN);
        sbuf req = {0};
        char *reply = NULL;
        size_t rlen;
        const char *why;

        generators[g].fn(&req);
        if (kefu_sync_client_raw(c, req.p ? req.p : "", req.len, 2000, &reply, &rlen, &err) !=
            KEFU_STATUS_OK)
            reply = NULL;
        why = bad_reply(reply, generators[g].fn == valid_request);
        if (why) {
            failures++;
            if (shown++ < 8)
                fprintf(
                    stderr, "  #%d (%s, %zu bytes) %s\n    request: %.200s\n    reply: %.300s\n", i,
                    generators[g].name, req.len, why, req.p ? req.p : "", reply ? reply : "(none)");
            if (!reply) {
                /* The socket may be stuck on a lost request: start afresh. */
                kefu_sync_client_close(c);
                c = kefu_sync_client_open(svc.addr, &err);
            }
        } else if (strstr(reply, "\"ok\":true")) {
            ok++;
        } else {
            refused++;
        }
        free(reply);
        free(req.p);
    }
    kefu_sync_client_close(c);
    fprintf(stderr, "  %d requests: %d ok, %d refused, %d bad\n", FUZZ_REQUESTS, ok, refused,
            failures);
    CHECK_INT(failures, 0);
    /* Both kinds happened, so the generators did reach the handlers. */
    CHECK(ok > 100);
    CHECK(refused > 1000);
    CHECK(health_serving(svc.addr));
    CHECK_INT(kh_service_stop(&svc), 0);
}

/* ---- peers that vanish ---- */

/* A whole request over raw TCP, to show the framing below is the real one. */
static bool raw_tcp_roundtrip(int port)
{
    static const char body[] = "{\"id\":\"raw\",\"method\":\"sys.Health\"}";
    unsigned char frame[8 + 4 + sizeof(body)], hs[8], hdr[8];
    char reply[512];
    int fd = kh_tcp_connect(port);
    uint64_t len = 0;
    bool good = false;

    if (fd < 0)
        return false;
    kh_put_be64(frame, 4 + sizeof(body) - 1);
    frame[8] = 0x80, frame[9] = 0, frame[10] = 0, frame[11] = 1; /* request id 1 */
    memcpy(frame + 12, body, sizeof(body) - 1);
    if (send(fd, kh_sp_req0, 8, 0) != 8 || recv(fd, hs, 8, MSG_WAITALL) != 8 ||
        send(fd, frame, sizeof(frame) - 1, 0) != (ssize_t)(sizeof(frame) - 1) ||
        recv(fd, hdr, 8, MSG_WAITALL) != 8)
        goto out;
    for (int i = 0; i < 8; i++)
        len = len << 8 | hdr[i];
    /* The reply: the 4-byte request id, then the envelope. */
    if (len < 4 || len >= sizeof(reply) || recv(fd, reply, len, MSG_WAITALL) != (ssize_t)len)
        goto out;
    reply[len] = '\0';
    good = hs[5] == 0x31 && memcmp(reply, frame + 8, 4) == 0 &&
           strstr(reply + 4, "\"id\":\"raw\"") && strstr(reply + 4, "SERVING");
out:
    close(fd);
    return good;
}

/*
 * Peer mode of this executable: a real nng req0 socket that dials `addr`,
 * sends request `i` and exits without closing anything, so the service sees
 * the connection go away while it works on the request. (A separate process,
 * because nng 1.5.2's nng_close can deadlock when a request was just sent.)
 */
static int vanishing_peer(const char *addr, int i)
{
    nng_socket s;
    char req[2048];

    if (i % 2)
        snprintf(req, sizeof(req),
                 "{\"id\":%d,\"method\":\"complaints.Create\",\"params\":%s,"
                 "\"meta\":{\"idempotency_key\":\"vanish-%d\"}}",
                 i, valid_create, i);
    else
        snprintf(req, sizeof(req), "{\"id\":%d,\"method\":\"sys.Health\"}", i);
    if (nng_req0_open(&s) != 0 || nng_dial(s, addr, NULL, 0) != 0 ||
        nng_send(s, req, strlen(req), 0) != 0)
        _exit(2);
    if (i % 3 == 0)
        kh_sleep_ms(2);
    _exit(0);
}

/* Runs `n` vanishing peers, `batch` at a time; returns how many sent their request. */
static int run_vanishing_peers(const char *addr, int n, int batch)
{
    int sent = 0;

    for (int first = 0; first < n; first += batch) {
        pid_t pids[32];
        int k = 0;
        for (int i = first; i < first + batch && i < n; i++) {
            char num[16];
            char *argv[] = {"/proc/self/exe", "--vanishing-peer", (char *)addr, num, NULL};
            snprintf(num, sizeof(num), "%d", i);
            pid_t pid = fork();
            if (pid == 0) {
                execv(argv[0], argv);
                _exit(127);
            }
            if (pid > 0)
                pids[k++] = pid;
        }
        for (int j = 0; j < k; j++) {
            int status;
            if (waitpid(pids[j], &status, 0) == pids[j] && WIFEXITED(status) &&
                WEXITSTATUS(status) == 0)
                sent++;
        }
    }
    return sent;
}

/* A whole request frame (SP over TCP) for request `i`, as in vanishing_peer. */
static size_t request_frame(int i, unsigned char *frame, size_t cap)
{
    char req[2048];
    size_t n;

    if (i % 2)
        snprintf(req, sizeof(req),
                 "{\"id\":%d,\"method\":\"complaints.Create\",\"params\":%s,"
                 "\"meta\":{\"idempotency_key\":\"tcp-vanish-%d\"}}",
                 i, valid_create, i);
    else
        snprintf(req, sizeof(req), "{\"id\":%d,\"method\":\"sys.Health\"}", i);
    n = strlen(req);
    if (12 + n > cap)
        return 0;
    kh_put_be64(frame, 4 + n);
    frame[8] = 0x80, frame[9] = 0, frame[10] = (unsigned char)(i >> 8),
    frame[11] = (unsigned char)i;
    memcpy(frame + 12, req, n);
    return 12 + n;
}

static void test_peers_vanish_mid_request(void)
{
    kh_service svc;
    int partial = 0, huge_dropped = 0, junk_dropped = 0, tcp_sent = 0;
    char params[2048];
    long before = complaints_total();

    if (!kh_service_start(&svc, "complaints", redis.url, NULL)) {
        CHECK(!"service started");
        return;
    }
    /* 200 peers that send a whole request over SP/TCP and hang up at once,
     * every fourth one with a reset instead of a clean close. */
    for (int i = 0; i < 200; i++) {
        unsigned char frame[2048];
        size_t n = request_frame(i, frame, sizeof(frame));
        int fd = kh_tcp_connect(svc.port);
        unsigned char hs[8];
        if (fd < 0 || n == 0) {
            if (fd >= 0)
                close(fd);
            continue;
        }
        if (send(fd, kh_sp_req0, 8, 0) == 8 && recv(fd, hs, 8, MSG_WAITALL) == 8 &&
            send(fd, frame, n, 0) == (ssize_t)n)
            tcp_sent++;
        if (i % 4 == 3) {
            struct linger lg = {1, 0};
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        }
        close(fd);
    }
    CHECK_INT(tcp_sent, 200);

    /* 40 real nng req0 peers that send and vanish. */
    CHECK_INT(run_vanishing_peers(svc.addr, 40, 8), 40);

    /* The raw framing is right: a full request over TCP is answered. */
    CHECK(raw_tcp_roundtrip(svc.port));

    /* 50 TCP peers that announce 1000 bytes, send 10, and hang up. */
    for (int i = 0; i < 50; i++) {
        unsigned char hdr[8 + 10] = {0};
        int fd = kh_tcp_connect(svc.port);
        if (fd < 0)
            continue;
        kh_put_be64(hdr, 1000);
        hdr[8] = 0x80;
        memcpy(hdr + 12, "{\"id\"", 5);
        if (send(fd, kh_sp_req0, 8, 0) == 8 &&
            send(fd, hdr, sizeof(hdr), 0) == (ssize_t)sizeof(hdr))
            partial++;
        close(fd);
    }
    CHECK_INT(partial, 50);

    /* 20 that announce 1 TiB: the transport drops them instead of waiting or buffering. */
    for (int i = 0; i < 20; i++) {
        unsigned char hdr[12] = {0};
        int fd = kh_tcp_connect(svc.port);
        if (fd < 0)
            continue;
        kh_put_be64(hdr, (uint64_t)1 << 40);
        hdr[8] = 0x80;
        if (send(fd, kh_sp_req0, 8, 0) == 8 &&
            send(fd, hdr, sizeof(hdr), 0) == (ssize_t)sizeof(hdr) && kh_closed_by_peer(fd))
            huge_dropped++;
        close(fd);
    }
    CHECK_INT(huge_dropped, 20);

    /* 20 that do not speak SP at all. */
    for (int i = 0; i < 20; i++) {
        static const char http[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
        int fd = kh_tcp_connect(svc.port);
        if (fd < 0)
            continue;
        if (send(fd, http, sizeof(http) - 1, 0) == (ssize_t)(sizeof(http) - 1) &&
            kh_closed_by_peer(fd))
            junk_dropped++;
        close(fd);
    }
    CHECK_INT(junk_dropped, 20);

    /* 40 idle connections held open do not keep others out. */
    {
        int idle[40], n = 0;
        for (int i = 0; i < 40; i++) {
            idle[n] = kh_tcp_connect(svc.port);
            if (idle[n] >= 0)
                n++;
        }
        CHECK(health_serving(svc.addr));
        for (int i = 0; i < n; i++)
            close(idle[i]);
    }

    /* Unaffected: it answers and creates... */
    for (int i = 0; i < 10; i++)
        CHECK(health_serving(svc.addr));
    snprintf(params, sizeof(params), "%s", valid_create);
    {
        cJSON *r = kh_call(svc.addr, "complaints.Create", params, NULL);
        CHECK(kh_ok(r));
        cJSON_Delete(r);
    }
    /* ...and each create whose caller vanished took effect at most once: a
     * retry with its key gives one complaint per key, whatever happened. */
    for (int k = 0; k < 120; k++) {
        char key[32];
        kefu_call_opts o = {.deadline_ms = 5000, .max_attempts = 1, .idempotency_key = key};
        cJSON *a, *b;
        if (k < 100)
            snprintf(key, sizeof(key), "tcp-vanish-%d", 2 * k + 1);
        else
            snprintf(key, sizeof(key), "vanish-%d", 2 * (k - 100) + 1);
        a = kh_call(svc.addr, "complaints.Create", params, &o);
        b = kh_call(svc.addr, "complaints.Create", params, &o);
        CHECK(kh_ok(a) && kh_ok(b));
        CHECK(kh_str(a, "id") && kh_str(b, "id") && strcmp(kh_str(a, "id"), kh_str(b, "id")) == 0);
        cJSON_Delete(a);
        cJSON_Delete(b);
    }
    CHECK_INT(complaints_total(), before + 1 + 120);
    CHECK_INT(kh_service_stop(&svc), 0);
}

KEFU_TESTS = {
    {"fuzz", test_fuzz},
    {"peers_vanish_mid_request", test_peers_vanish_mid_request},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--vanishing-peer") == 0)
        return vanishing_peer(argv[2], atoi(argv[3]));
    return kh_suite_main(argc, argv, &redis, NULL, NULL, NULL);
}
