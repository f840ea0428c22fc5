/*
 * fault.complaints_archive - README "complaints (port 7101)" Archive and SPEC
 * section 3 (records kept 3 years) and 9 (no loss under SIGKILL):
 *
 *  - with --archive-dir and the test clock: closed and withdrawn complaints
 *    closed before `before` (default: 3 years ago) and not on hold go to one
 *    JSON-lines file ({"record", "history"} each) and leave Redis; held and
 *    open ones stay; a second Archive finds nothing new; no complaint is in
 *    two files.
 *  - kill -9 while Archive runs over ~2000 complaints, at several moments,
 *    restarting each time; then Archive until `remaining` is false: every
 *    archived complaint is in exactly one file, none is left in Redis, none
 *    is lost, and no temporary file is left behind.
 */
#define _GNU_SOURCE /* vasprintf */
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include <nng/nng.h>

#include "harness.h"
#include "json.h"
#include "test.h"

#define NS "arch"

static kh_redis redis;
static kh_service svc;
static char dir_basic[64], dir_crash[64], dir_many[64], dir_same[64], dir_hold[64];
static char not_a_dir[64], bad_dir[96];
static const char *extra[] = {"--test-clock", "--namespace", NS, "--archive-dir", dir_basic, NULL};

/* ---------------------------------------------------------------- helpers */

/* A call with a deadline of `deadline_ms` (call: 10 s) and params from
 * printf. The first call without a reply marks the service gone and the rest
 * of the test fails fast (until the service is started again). */
#define call_ms(deadline, method, ...)                                                             \
    kh_service_callf(&svc, &(kefu_call_opts){.deadline_ms = (deadline), .max_attempts = 1},        \
                     (method), __VA_ARGS__)
#define call(...) call_ms(10000, __VA_ARGS__)

#define EXPECT_CODE(r, code, what) KH_EXPECT((r), (code), NULL, (what))
#define EXPECT_OK(r, what)         KH_EXPECT_OK((r), (what))

#define DO(method, ...) KH_EXPECT_FREE(call((method), __VA_ARGS__), 0, NULL, (method))

static void set_clock(const char *now)
{
    DO("sys.SetClock", "{\"now\":\"%s\"}", now);
}

static const char *create_fmt =
    "{\"customer\":{\"id\":\"K%d\",\"name\":\"华光照明\"},\"product\":{\"model\":\"CFL-18W\"},"
    "\"channel\":\"letter\",\"category\":\"quality\",\"title\":\"灯管不亮 %d\","
    "\"description\":\"到货即不亮\",\"received_by\":{\"name\":\"王芳\",\"department\":\"QA\"}}";
static const char *resolve_fmt =
    "{\"id\":\"%s\",\"root_cause\":\"镇流器批次虚焊\",\"correction\":\"更换整批镇流器\","
    "\"resolved_by\":{\"name\":\"张伟\",\"department\":\"Production\"}}";
static const char *confirm_fmt =
    "{\"id\":\"%s\",\"satisfied\":true,\"rating\":5,\"confirmed_by\":\"李雷\"}";

static void create(char out[16], int n)
{
    cJSON *r = call("complaints.Create", create_fmt, n, n);
    EXPECT_OK(r, "complaints.Create");
    snprintf(out, 16, "%s", kh_str(r, "id") ? kh_str(r, "id") : "none");
    cJSON_Delete(r);
}

static void close_it(const char *id)
{
    DO("complaints.Assign", "{\"id\":\"%s\",\"department\":\"Production\"}", id);
    DO("complaints.Resolve", resolve_fmt, id);
    DO("complaints.Confirm", confirm_fmt, id);
}

static int get_code(const char *id)
{
    cJSON *r = call("complaints.Get", "{\"id\":\"%s\"}", id);
    int c = kh_code(r);
    cJSON_Delete(r);
    return c;
}

static char *history_text(const char *id)
{
    cJSON *r = call("complaints.History", "{\"id\":\"%s\"}", id);
    char *t = kefu_json_canonical(kefu_json_get(kh_result(r), "events")
                                      ? kefu_json_get(kh_result(r), "events")
                                      : cJSON_CreateNull());
    cJSON_Delete(r);
    return t;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The path of the file an Archive reply names (absolute, in the dir, or as given). */
static void file_path(const char *dir, const char *file, char *out, size_t cap)
{
    struct stat st;
    if (file[0] == '/') {
        snprintf(out, cap, "%s", file);
        return;
    }
    snprintf(out, cap, "%s/%s", dir, file);
    if (stat(out, &st) == 0)
        return;
    snprintf(out, cap, "%s", file);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return buf;
}

/*
 * Parses one archive file: every line must be {"record": {...}, "history":
 * [...]}. Calls `seen` for each. Returns the number of lines, -1 when the
 * file cannot be read or a line is malformed.
 */
static int read_archive(const char *path, void (*seen)(const cJSON *line, void *arg), void *arg)
{
    size_t len;
    char *text = slurp(path, &len), *p, *nl;
    int n = 0;

    if (!text)
        return -1;
    for (p = text; *p; p = nl + 1) {
        cJSON *line;
        kefu_error err;
        nl = strchr(p, '\n');
        if (!nl) {
            fprintf(stderr, "  %s: last line without a newline\n", path);
            n = -1;
            break;
        }
        line = kefu_json_parse(p, (size_t)(nl - p), KEFU_JSON_MAX_DEPTH, &err);
        if (!line || !cJSON_IsObject(kefu_json_get(line, "record")) ||
            !cJSON_IsArray(kefu_json_get(line, "history")) ||
            !kefu_json_str(kefu_json_get(line, "record"), "id")) {
            fprintf(stderr, "  %s: line %d is not {record, history}: %.200s\n", path, n + 1, p);
            cJSON_Delete(line);
            n = -1;
            break;
        }
        if (seen)
            seen(line, arg);
        cJSON_Delete(line);
        n++;
    }
    free(text);
    return n;
}

/* ---------------------------------------------------- id counting by file */

typedef struct {
    int n;
    char (*ids)[16];
    int *count;
    int strays;      /* ids not in the list */
    int bad_history; /* history not matching the record's status */
    int bad_status;  /* a record neither closed nor withdrawn */
} tally;

static int index_of(const tally *t, const char *id)
{
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->ids[i], id) == 0)
            return i;
    return -1;
}

static void tally_line(const cJSON *line, void *arg)
{
    tally *t = arg;
    const cJSON *rec = kefu_json_get(line, "record"), *hist = kefu_json_get(line, "history");
    const char *id = kefu_json_str(rec, "id"), *status = kefu_json_str(rec, "status");
    int k = index_of(t, id);
    int events = cJSON_GetArraySize(hist);

    if (k < 0)
        t->strays++;
    else
        t->count[k]++;
    if (!status || (strcmp(status, "closed") != 0 && strcmp(status, "withdrawn") != 0))
        t->bad_status++;
    /* closed: create, assign, resolve, confirm; withdrawn: create, withdraw */
    if (!status || events != (strcmp(status, "closed") == 0 ? 4 : 2) ||
        !kefu_json_str(cJSON_GetArrayItem(hist, 0), "action") ||
        strcmp(kefu_json_str(cJSON_GetArrayItem(hist, 0), "action"), "create") != 0)
        t->bad_history++;
    if (kh_path_int(rec, "version") != events)
        t->bad_history++;
}

/* Reads every file of `dir` into `t`; returns the number of files, and counts
 * temporary files in *tmp and unreadable/malformed files in *bad. */
static int tally_dir(const char *dir, tally *t, int *tmp, int *bad)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int files = 0;

    *tmp = *bad = 0;
    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL) {
        char path[512];
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (ends_with(e->d_name, ".tmp") || strstr(e->d_name, ".tmp.") ||
            strstr(e->d_name, ".part")) {
            fprintf(stderr, "  temporary file left: %s\n", path);
            (*tmp)++;
            continue;
        }
        files++;
        if (read_archive(path, tally_line, t) < 0)
            (*bad)++;
    }
    closedir(d);
    return files;
}

static int count_dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

/* Lines of `redis-cli KEYS pattern` output (one key a line). */
static int redis_keys(const char *pattern, char *out, size_t cap)
{
    char args[128], *text;
    int n = 0;
    snprintf(args, sizeof(args), "KEYS '%s'", pattern);
    text = kh_redis_cli(&redis, args);
    if (out)
        snprintf(out, cap, "%s", text ? text : "");
    for (char *p = text; p && *p; p++)
        if (*p == '\n')
            n++;
    if (text && text[0] == '\n')
        n = 0; /* empty list */
    free(text);
    return n;
}

/* ------------------------------------------------------------ basic test */

static void test_archive_basic(void)
{
    kh_wait_serving(&svc);
    char c[8][16];
    char *hist_before[8] = {0};
    cJSON *r;
    char path[512];

    set_clock("2023-01-10T10:00:00+08:00");
    for (int i = 1; i <= 7; i++)
        create(c[i], i);
    close_it(c[1]); /* closed: archived */
    DO("complaints.Withdraw", "{\"id\":\"%s\",\"reason\":\"客户撤回\"}", c[2]); /* archived */
    close_it(c[3]);
    DO("complaints.Hold", "{\"id\":\"%s\",\"reason\":\"诉讼保全\"}", c[3]); /* held: stays */
    DO("complaints.Assign", "{\"id\":\"%s\",\"department\":\"Production\"}", c[4]); /* open */
    /* c[5] stays received */
    close_it(c[7]);
    DO("complaints.Hold", "{\"id\":\"%s\",\"reason\":\"临时\"}", c[7]);
    DO("complaints.Release", "{\"id\":\"%s\"}", c[7]); /* released: archived */
    DO("complaints.Assign", "{\"id\":\"%s\",\"department\":\"Production\"}", c[6]);
    DO("complaints.Resolve", resolve_fmt, c[6]);
    set_clock("2023-06-01T10:00:00+08:00");
    DO("complaints.Confirm", confirm_fmt, c[6]); /* closed five months later */
    for (int i = 1; i <= 7; i++)
        hist_before[i] = history_text(c[i]);

    /* a day short of 3 years: the default `before` is 2023-01-09, nothing is due */
    set_clock("2026-01-09T10:00:00+08:00");
    r = call_ms(30000, "complaints.Archive", "{}");
    EXPECT_OK(r, "early Archive");
    CHECK_INT(kh_path_int(kh_result(r), "count"), 0);
    cJSON_Delete(r);
    CHECK_INT(get_code(c[1]), 0);

    /* 3 years and a day later; the default `before` is 2023-01-11 */
    set_clock("2026-01-11T10:00:00+08:00");
    r = call_ms(30000, "complaints.Archive", "{}");
    EXPECT_OK(r, "Archive");
    CHECK_INT(kh_path_int(kh_result(r), "count"), 3);
    CHECK(cJSON_IsFalse(kefu_json_get(kh_result(r), "remaining")));
    CHECK(kh_str(r, "file") != NULL);
    if (kh_str(r, "file")) {
        tally t = {.n = 8, .ids = c, .count = (int[8]){0}};
        int lines;
        file_path(dir_basic, kh_str(r, "file"), path, sizeof(path));
        CHECK(access(path, R_OK) == 0);
        lines = read_archive(path, tally_line, &t);
        CHECK_INT(lines, 3);
        CHECK_INT(t.count[1], 1);
        CHECK_INT(t.count[2], 1);
        CHECK_INT(t.count[7], 1);
        CHECK_INT(t.count[3] + t.count[4] + t.count[5] + t.count[6], 0);
        CHECK_INT(t.strays, 0);
        CHECK_INT(t.bad_status, 0);
        /* each line holds the complaint's whole history, as History showed it */
        {
            size_t len;
            char *text = slurp(path, &len), *p = text, *nl;
            while (p && (nl = strchr(p, '\n'))) {
                cJSON *line = cJSON_ParseWithLength(p, (size_t)(nl - p));
                const char *id = kefu_json_str(kefu_json_get(line, "record"), "id");
                for (int i = 1; i <= 7; i++) {
                    if (id && strcmp(id, c[i]) == 0) {
                        char *h = kefu_json_canonical(kefu_json_get(line, "history"));
                        CHECK(h && hist_before[i] && strcmp(h, hist_before[i]) == 0);
                        cJSON_free(h);
                        CHECK(kh_path_int(kefu_json_get(line, "record"), "version") ==
                              cJSON_GetArraySize(kefu_json_get(line, "history")));
                    }
                }
                cJSON_Delete(line);
                p = nl + 1;
            }
            free(text);
        }
    }
    cJSON_Delete(r);

    /* archived ones are gone, the rest stay */
    for (int i = 1; i <= 7; i++) {
        bool gone = i == 1 || i == 2 || i == 7;
        int code = get_code(c[i]);
        char args[96];
        if (code != (gone ? 5 : 0))
            fprintf(stderr, "  complaint %d (%s): Get code %d\n", i, c[i], code);
        CHECK_INT(code, gone ? 5 : 0);
        snprintf(args, sizeof(args), "EXISTS " NS ":complaint:%s " NS ":complaint:%s:history", c[i],
                 c[i]);
        CHECK_INT(kh_redis_int(&redis, args), gone ? 0 : 2);
        snprintf(args, sizeof(args), "ZSCORE " NS ":complaints:idx:all %s", c[i]);
        {
            char *out = kh_redis_cli(&redis, args);
            CHECK(out && (gone ? strtol(out, NULL, 10) == 0 && !strchr("0123456789", out[0])
                               : strchr("0123456789", out[0]) != NULL));
            free(out);
        }
        r = call("complaints.History", "{\"id\":\"%s\"}", c[i]);
        CHECK_INT(kh_code(r), gone ? 5 : 0);
        cJSON_Delete(r);
    }
    r = call("complaints.List", "{\"limit\":500}");
    CHECK_INT(cJSON_GetArraySize(kefu_json_get(kh_result(r), "items")), 4);
    cJSON_Delete(r);

    /* again: nothing new */
    r = call_ms(30000, "complaints.Archive", "{}");
    EXPECT_OK(r, "second Archive");
    CHECK_INT(kh_path_int(kh_result(r), "count"), 0);
    CHECK(cJSON_IsFalse(kefu_json_get(kh_result(r), "remaining")));
    if (kh_str(r, "file") && kh_str(r, "file")[0]) {
        char p2[512];
        file_path(dir_basic, kh_str(r, "file"), p2, sizeof(p2));
        /* if it names a file, that file holds nothing */
        CHECK(access(p2, R_OK) != 0 || read_archive(p2, NULL, NULL) == 0);
    }
    cJSON_Delete(r);

    /* `before` is a date: closed 2023-06-01 10:00 is not before 2023-06-01 */
    r = call_ms(30000, "complaints.Archive", "{\"before\":\"2023-06-01\"}");
    EXPECT_OK(r, "Archive before 2023-06-01");
    CHECK_INT(kh_path_int(kh_result(r), "count"), 0);
    cJSON_Delete(r);
    r = call_ms(30000, "complaints.Archive", "{\"before\":\"2023-06-02\"}");
    EXPECT_OK(r, "Archive before 2023-06-02");
    CHECK_INT(kh_path_int(kh_result(r), "count"), 1);
    cJSON_Delete(r);
    CHECK_INT(get_code(c[6]), 5);
    CHECK_INT(get_code(c[3]), 0); /* still held */
    /* released, it goes with the next call */
    DO("complaints.Release", "{\"id\":\"%s\"}", c[3]);
    r = call_ms(30000, "complaints.Archive", "{}");
    EXPECT_OK(r, "Archive after release");
    CHECK_INT(kh_path_int(kh_result(r), "count"), 1);
    cJSON_Delete(r);
    CHECK_INT(get_code(c[3]), 5);
    CHECK_INT(get_code(c[4]), 0);
    CHECK_INT(get_code(c[5]), 0);

    /* across all files: each archived complaint exactly once, no temporary files */
    {
        int count[8] = {0}, tmp, bad;
        tally t = {.n = 8, .ids = c, .count = count};
        tally_dir(dir_basic, &t, &tmp, &bad);
        CHECK_INT(tmp, 0);
        CHECK_INT(bad, 0);
        CHECK_INT(t.strays, 0);
        for (int i = 1; i <= 7; i++) {
            int want = (i == 4 || i == 5) ? 0 : 1;
            if (count[i] != want)
                fprintf(stderr, "  complaint %d (%s) in %d files\n", i, c[i], count[i]);
            CHECK_INT(count[i], want);
        }
    }

    /* bad params */
    r = call("complaints.Archive", "{\"before\":\"2023-13-01\"}");
    EXPECT_CODE(r, 3, "Archive bad date");
    CHECK(kh_field(r) && strcmp(kh_field(r), "before") == 0);
    cJSON_Delete(r);
    r = call("complaints.Archive", "{\"before\":\"2023-01-01T00:00:00+08:00\"}");
    EXPECT_CODE(r, 3, "Archive datetime");
    cJSON_Delete(r);
    for (int i = 1; i <= 7; i++)
        cJSON_free(hist_before[i]);
}

/* ------------------------------------------------------ idempotency */

static cJSON *archive_with_key(const char *key, const char *params)
{
    kefu_call_opts o = {.deadline_ms = 30000, .max_attempts = 1, .idempotency_key = key};
    return kh_service_callf(&svc, &o, "complaints.Archive", "%s", params);
}

static void withdrawn_in_2023(char out[16], int n)
{
    set_clock("2023-02-01T10:00:00+08:00");
    create(out, n);
    DO("complaints.Withdraw", "{\"id\":\"%s\",\"reason\":\"客户撤回\"}", out);
}

static void test_archive_idempotency_key(void)
{
    kh_wait_serving(&svc);
    char a[16], b[16], c[16], key1[64], key2[64], path[512];
    cJSON *first, *again, *r;
    char *t1, *t2;

    snprintf(key1, sizeof(key1), "archive-1-%d", (int)getpid());
    snprintf(key2, sizeof(key2), "archive-2-%d", (int)getpid());
    withdrawn_in_2023(a, 9001);
    withdrawn_in_2023(b, 9002);
    set_clock("2026-03-01T10:00:00+08:00");
    first = archive_with_key(key1, "{}");
    EXPECT_OK(first, "Archive with a key");
    CHECK_INT(kh_path_int(kh_result(first), "count"), 2);
    CHECK_INT(get_code(a), 5);

    /* one more is due; the same key replays the first answer and archives nothing */
    withdrawn_in_2023(c, 9003);
    set_clock("2026-03-01T11:00:00+08:00");
    again = archive_with_key(key1, "{}");
    EXPECT_OK(again, "Archive replay");
    t1 = kefu_json_canonical(kh_result(first) ? kh_result(first) : cJSON_CreateNull());
    t2 = kefu_json_canonical(kh_result(again) ? kh_result(again) : cJSON_CreateNull());
    CHECK(t1 && t2 && strcmp(t1, t2) == 0);
    cJSON_free(t1);
    cJSON_free(t2);
    CHECK_INT(get_code(c), 0);
    /* the same key with other params */
    r = archive_with_key(key1, "{\"before\":\"2023-06-01\"}");
    EXPECT_CODE(r, 9, "Archive key reused with other params");
    cJSON_Delete(r);
    CHECK_INT(get_code(c), 0);
    /* a new key archives it */
    set_clock("2026-03-01T12:00:00+08:00");
    r = archive_with_key(key2, "{}");
    EXPECT_OK(r, "Archive with a new key");
    CHECK_INT(kh_path_int(kh_result(r), "count"), 1);
    cJSON_Delete(r);
    CHECK_INT(get_code(c), 5);
    /* the first file still holds its two */
    if (kh_str(first, "file")) {
        file_path(extra[4], kh_str(first, "file"), path, sizeof(path));
        CHECK_INT(read_archive(path, NULL, NULL), 2);
    }
    cJSON_Delete(first);
    cJSON_Delete(again);
}

/* ------------------------------------------------------------ crash test */

#define CLOSED    1000
#define WITHDRAWN 1000
#define KEPT      10 /* 5 held closed + 5 open */
#define BASE      (CLOSED + WITHDRAWN + KEPT)
#define PER_ROUND 300 /* more withdrawn ones before each kill round */
#define ROUNDS    8
#define MAX_IDS   (BASE + ROUNDS * PER_ROUND)
#define WORKERS   8

/*
 * ids[i]: i < CLOSED closed; < CLOSED + WITHDRAWN withdrawn; the next 5
 * closed and held, the 5 after them assigned (these KEPT stay in Redis);
 * from BASE on, withdrawn ones added round by round.
 */
static char ids[MAX_IDS][16];
static int n_ids;

static bool is_kept(int i)
{
    return i >= CLOSED + WITHDRAWN && i < BASE;
}

typedef struct {
    int from, to;
    kefu_sync_client *c; /* opened and closed on the main thread */
    int failures;
} job;

/*
 * Runs `fn` on WORKERS threads over [from, to), each with its own client.
 * The clients are opened and closed here, on the main thread: nng sockets
 * closed on short-lived threads are left unreaped at exit, which
 * LeakSanitizer reports. Returns the failures.
 */
static int run_workers(void *(*fn)(void *), int from, int to)
{
    pthread_t th[WORKERS];
    job jobs[WORKERS];
    int failures = 0, n = to - from;

    for (int w = 0; w < WORKERS; w++) {
        kefu_error err;
        jobs[w] = (job){.from = from + n * w / WORKERS, .to = from + n * (w + 1) / WORKERS};
        jobs[w].c = kefu_sync_client_open(svc.addr, &err);
        pthread_create(&th[w], NULL, fn, &jobs[w]);
    }
    for (int w = 0; w < WORKERS; w++) {
        pthread_join(th[w], NULL);
        failures += jobs[w].failures;
        if (jobs[w].c)
            kefu_sync_client_close(jobs[w].c);
        else
            failures++;
    }
    return failures;
}

static cJSON *client_call(kefu_sync_client *c, const char *method, const char *fmt, ...)
{
    char *text = NULL;
    cJSON *p = NULL, *reply = NULL;
    va_list ap;
    kefu_error err;
    kefu_call_opts o = {.deadline_ms = 5000, .max_attempts = 1};

    va_start(ap, fmt);
    if (vasprintf(&text, fmt, ap) < 0)
        text = NULL;
    va_end(ap);
    if (text)
        p = cJSON_Parse(text);
    kefu_sync_client_call(c, method, p, &o, &reply, &err);
    cJSON_Delete(p);
    free(text);
    return reply;
}

static void *populate(void *arg)
{
    job *j = arg;
    kefu_sync_client *c = j->c;

    for (int i = j->from; c && i < j->to; i++) {
        cJSON *r = client_call(c, "complaints.Create", create_fmt, i, i);
        const char *steps[4][2];
        int n = 0;

        if (!r) {
            j->failures++;
            break; /* no reply: the service is gone */
        }
        if (!kh_ok(r) || !kh_str(r, "id")) {
            j->failures++;
            cJSON_Delete(r);
            continue;
        }
        snprintf(ids[i], sizeof(ids[i]), "%s", kh_str(r, "id"));
        cJSON_Delete(r);
        if ((i >= CLOSED && i < CLOSED + WITHDRAWN) || i >= BASE) {
            steps[n][0] = "complaints.Withdraw";
            steps[n++][1] = "{\"id\":\"%s\",\"reason\":\"客户撤回\"}";
        } else {
            steps[n][0] = "complaints.Assign";
            steps[n++][1] = "{\"id\":\"%s\",\"department\":\"Production\"}";
            if (i < CLOSED + WITHDRAWN + 5) {
                steps[n][0] = "complaints.Resolve";
                steps[n++][1] = resolve_fmt;
                steps[n][0] = "complaints.Confirm";
                steps[n++][1] = confirm_fmt;
            }
            if (i >= CLOSED + WITHDRAWN && i < CLOSED + WITHDRAWN + 5) {
                steps[n][0] = "complaints.Hold";
                steps[n++][1] = "{\"id\":\"%s\",\"reason\":\"诉讼保全\"}";
            }
        }
        for (int k = 0; k < n; k++) {
            r = client_call(c, steps[k][0], steps[k][1], ids[i]);
            if (!kh_ok(r))
                j->failures++;
            if (!r)
                goto out; /* no reply: the service is gone */
            cJSON_Delete(r);
        }
    }
out:
    return NULL;
}

/* Creates ids[from..to) on the 2023 clock, with WORKERS concurrent clients. */
static int populate_range(int from, int to)
{
    int failures;

    set_clock("2023-02-01T10:00:00+08:00");
    failures = run_workers(populate, from, to);
    /* three years and a month later: all of them are due for the archive */
    set_clock("2026-03-01T10:00:00+08:00");
    return failures;
}

typedef struct {
    char addr[64];
    cJSON *reply;
    atomic_bool done;
} archive_job;

static void *archive_bg(void *arg)
{
    archive_job *a = arg;
    kefu_call_opts o = {.deadline_ms = 1500, .max_attempts = 1};
    a->reply = kh_call(a->addr, "complaints.Archive", "{}", &o);
    atomic_store(&a->done, true);
    return NULL;
}

static bool restart(void)
{
    /* a second try: a concurrent rebuild of the tree may be relinking the binary */
    if (!kh_service_start(&svc, "complaints", redis.url, extra)) {
        fprintf(stderr, "  could not restart kefu-complaints; log: %s; trying again\n", svc.log);
        kh_service_kill(&svc);
        kh_sleep_ms(2000);
        if (!kh_service_start(&svc, "complaints", redis.url, extra)) {
            fprintf(stderr, "  could not restart kefu-complaints; log: %s\n", svc.log);
            return false;
        }
    }
    kh_wait_serving(&svc);
    set_clock("2026-03-01T10:00:00+08:00"); /* the test clock does not survive a restart */
    return true;
}

/* The names in `dir`, newline separated (caller frees). */
static char *dir_names(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t cap = 4096, len = 0;
    char *out = malloc(cap);

    out[0] = '\0';
    while (d && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.')
            continue;
        if (len + n + 2 >= cap)
            out = realloc(out, cap = 2 * cap + n);
        memcpy(out + len, e->d_name, n);
        len += n;
        out[len++] = '\n';
        out[len] = '\0';
    }
    if (d)
        closedir(d);
    return out;
}

/* A name in `dir` that was not in `before` and is (or is not) temporary. */
static bool new_entry(const char *dir, const char *before, bool temporary)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    bool found = false;

    while (d && !found && (e = readdir(d)) != NULL) {
        char line[300];
        bool tmp = strstr(e->d_name, ".tmp") != NULL;
        if (e->d_name[0] == '.' || tmp != temporary)
            continue;
        snprintf(line, sizeof(line), "%s\n", e->d_name);
        if (!strstr(before, line))
            found = true;
    }
    if (d)
        closedir(d);
    return found;
}

typedef enum { AFTER_MS, WHEN_TMP_FILE, WHEN_FINAL_FILE } trigger;

static void test_archive_survives_kill9(void)
{
    kh_wait_serving(&svc);
    static const struct {
        trigger when;
        int ms;
    } rounds[ROUNDS] = {
        {AFTER_MS, 2},      {WHEN_TMP_FILE, 0}, {WHEN_FINAL_FILE, 0}, {AFTER_MS, 20},
        {WHEN_TMP_FILE, 0}, {AFTER_MS, 60},     {WHEN_FINAL_FILE, 0}, {AFTER_MS, 150},
    };
    int failures, replies = 0, fired = 0;
    char keys[8192];

    /* a fresh Redis and an empty archive dir of its own */
    {
        char *out = kh_redis_cli(&redis, "FLUSHALL");
        free(out);
    }
    kh_service_kill(&svc);
    extra[4] = dir_crash;
    if (!restart()) {
        CHECK(false);
        return;
    }
    failures = populate_range(0, BASE);
    CHECK_INT(failures, 0);
    n_ids = BASE;
    CHECK_INT(kh_redis_int(&redis, "ZCARD " NS ":complaints:idx:all"), BASE);

    for (int k = 0; k < ROUNDS && !svc.gone; k++) {
        archive_job a = {.reply = NULL};
        pthread_t bg;
        char *before;
        bool hit = false;
        int64_t start, killed_after_us;

        if (k > 0) {
            CHECK_INT(populate_range(n_ids, n_ids + PER_ROUND), 0);
            n_ids += PER_ROUND;
        }
        before = dir_names(dir_crash);
        snprintf(a.addr, sizeof(a.addr), "%s", svc.addr);
        atomic_init(&a.done, false);
        pthread_create(&bg, NULL, archive_bg, &a);
        start = kefu_mono_us();
        if (rounds[k].when == AFTER_MS) {
            kh_sleep_ms(rounds[k].ms);
            hit = !atomic_load(&a.done);
        } else {
            /* poll until the moment comes, the call returns, or 3 s pass */
            while (!atomic_load(&a.done) && kefu_mono_us() - start < 3000000) {
                if (new_entry(dir_crash, before, rounds[k].when == WHEN_TMP_FILE)) {
                    hit = true;
                    break;
                }
            }
        }
        killed_after_us = kefu_mono_us() - start;
        kh_service_kill(&svc);
        pthread_join(bg, NULL);
        if (hit && !a.reply)
            fired++;
        if (a.reply)
            replies++;
        fprintf(
            stderr,
            "    round %d: kill %s %s after %lld us: %s; %d entries in the dir, %ld in Redis\n", k,
            rounds[k].when == AFTER_MS ? "after" : "when",
            rounds[k].when == AFTER_MS        ? "a delay"
            : rounds[k].when == WHEN_TMP_FILE ? "a temporary file appeared"
                                              : "a final file appeared",
            (long long)killed_after_us, a.reply ? "Archive had answered" : "Archive was cut off",
            count_dir_entries(dir_crash), kh_redis_int(&redis, "ZCARD " NS ":complaints:idx:all"));
        cJSON_Delete(a.reply);
        free(before);
        if (!restart()) {
            CHECK(false);
            return;
        }
    }
    /* at least the file-triggered kills must have landed inside an Archive */
    CHECK(fired >= 3);

    /* finish: Archive until nothing remains */
    {
        int calls = 0;
        bool remaining = true;
        while (remaining && calls < 20 && !svc.gone) {
            cJSON *r = call_ms(60000, "complaints.Archive", "{}");
            EXPECT_OK(r, "final Archive");
            remaining = cJSON_IsTrue(kefu_json_get(kh_result(r), "remaining"));
            CHECK(cJSON_IsBool(kefu_json_get(kh_result(r), "remaining")));
            if (!kh_ok(r))
                remaining = false;
            cJSON_Delete(r);
            calls++;
        }
        CHECK(!remaining);
        /* and once more: nothing */
        {
            cJSON *r = call_ms(60000, "complaints.Archive", "{}");
            EXPECT_OK(r, "extra Archive");
            CHECK_INT(kh_path_int(kh_result(r), "count"), 0);
            CHECK(cJSON_IsFalse(kefu_json_get(kh_result(r), "remaining")));
            cJSON_Delete(r);
        }
    }

    /* every archived complaint in exactly one file, none lost, no tmp files */
    {
        int *count = calloc(MAX_IDS, sizeof(int)), tmp, bad, files, missing = 0, doubled = 0,
            kept_archived = 0;
        tally t = {.n = n_ids, .ids = ids, .count = count};
        files = tally_dir(dir_crash, &t, &tmp, &bad);
        CHECK(files >= 1);
        CHECK_INT(tmp, 0);
        CHECK_INT(bad, 0);
        CHECK_INT(t.strays, 0);
        CHECK_INT(t.bad_status, 0);
        CHECK_INT(t.bad_history, 0);
        for (int i = 0; i < n_ids; i++) {
            if (is_kept(i)) {
                kept_archived += count[i];
                continue;
            }
            if (count[i] == 0 && missing++ < 5)
                fprintf(stderr, "  missing: ids[%d] = %s (Get code %d)\n", i, ids[i],
                        get_code(ids[i]));
            if (count[i] > 1)
                doubled++;
        }
        fprintf(stderr,
                "    %d ids, %d files, %d rounds (%d kills inside an Archive, %d answered first)\n",
                n_ids, files, ROUNDS, fired, replies);
        if (missing || doubled || kept_archived)
            fprintf(stderr,
                    "  %d archived complaints missing, %d in more than one line, %d held/open "
                    "ones archived\n",
                    missing, doubled, kept_archived);
        CHECK_INT(missing, 0);
        CHECK_INT(doubled, 0);
        CHECK_INT(kept_archived, 0);
        free(count);
    }

    /* Redis: only the held and open ones are left, records and histories */
    {
        int n = redis_keys(NS ":complaint:*", keys, sizeof(keys));
        int hist = redis_keys(NS ":complaint:*:history", NULL, 0);
        CHECK_INT(n, 2 * KEPT);
        CHECK_INT(hist, KEPT);
        if (n != 2 * KEPT)
            fprintf(stderr, "  keys left: %.600s\n", keys);
        for (int i = 0; i < n_ids; i++) {
            if (is_kept(i)) {
                CHECK_INT(get_code(ids[i]), 0);
                CHECK(strstr(keys, ids[i]) != NULL);
            } else if (i % 97 == 0) {
                CHECK_INT(get_code(ids[i]), 5);
            }
        }
        CHECK_INT(kh_redis_int(&redis, "ZCARD " NS ":complaints:idx:all"), KEPT);
        CHECK_INT(kh_redis_int(&redis, "ZCARD " NS ":complaints:idx:status:closed"), 5);
        CHECK_INT(kh_redis_int(&redis, "ZCARD " NS ":complaints:idx:status:withdrawn"), 0);
    }
}

/* ------------------------------------------------- 5000 per call */

#define MANY 5100

static char many[MANY][16];

static void *withdraw_many(void *arg)
{
    job *j = arg;
    kefu_sync_client *c = j->c;

    for (int i = j->from; c && i < j->to; i++) {
        cJSON *r = client_call(c, "complaints.Create", create_fmt, i, i);
        if (!kh_ok(r) || !kh_str(r, "id")) {
            j->failures++;
            if (!r)
                break;
            cJSON_Delete(r);
            continue;
        }
        snprintf(many[i], sizeof(many[i]), "%s", kh_str(r, "id"));
        cJSON_Delete(r);
        r = client_call(c, "complaints.Withdraw", "{\"id\":\"%s\",\"reason\":\"客户撤回\"}",
                        many[i]);
        if (!kh_ok(r))
            j->failures++;
        if (!r)
            break;
        cJSON_Delete(r);
    }
    return NULL;
}

static void test_archive_5000_per_call(void)
{
    kh_wait_serving(&svc);
    int failures;
    cJSON *r;
    char path[512];

    /* a fresh Redis and an archive dir of its own */
    {
        char *out = kh_redis_cli(&redis, "FLUSHALL");
        free(out);
    }
    kh_service_kill(&svc);
    extra[4] = dir_many;
    if (!restart()) {
        CHECK(false);
        return;
    }
    set_clock("2023-02-01T10:00:00+08:00");
    failures = run_workers(withdraw_many, 0, MANY);
    CHECK_INT(failures, 0);
    set_clock("2026-03-01T10:00:00+08:00");

    r = call_ms(60000, "complaints.Archive", "{}");
    EXPECT_OK(r, "Archive of 5100");
    CHECK_INT(kh_path_int(kh_result(r), "count"), 5000);
    CHECK(cJSON_IsTrue(kefu_json_get(kh_result(r), "remaining")));
    if (kh_str(r, "file")) {
        file_path(extra[4], kh_str(r, "file"), path, sizeof(path));
        CHECK_INT(read_archive(path, NULL, NULL), 5000);
    }
    cJSON_Delete(r);
    CHECK_INT(kh_redis_int(&redis, "ZCARD " NS ":complaints:idx:all"), MANY - 5000);
    r = call_ms(60000, "complaints.Archive", "{}");
    EXPECT_OK(r, "Archive of the rest");
    CHECK_INT(kh_path_int(kh_result(r), "count"), MANY - 5000);
    CHECK(cJSON_IsFalse(kefu_json_get(kh_result(r), "remaining")));
    if (kh_str(r, "file")) {
        file_path(extra[4], kh_str(r, "file"), path, sizeof(path));
        CHECK_INT(read_archive(path, NULL, NULL), MANY - 5000);
    }
    cJSON_Delete(r);
    CHECK_INT(kh_redis_int(&redis, "ZCARD " NS ":complaints:idx:all"), 0);
    CHECK_INT(redis_keys(NS ":complaint:*", NULL, 0), 0);
    for (int i = 0; i < MANY; i += 251)
        CHECK_INT(get_code(many[i]), 5);
}

/* ------------------------------------------- a file is never replaced */

#define SAME_ROUNDS 25

/*
 * Archive after Archive at the same clock instant (the test clock set to
 * the same second each time, as after a clock step back): each call
 * archives one complaint, and every one of them must still be in exactly
 * one file at the end. A batch must never replace an earlier batch's file.
 */
static void test_archive_never_replaces_a_file(void)
{
    kh_wait_serving(&svc);
    char same[SAME_ROUNDS][16];
    int count[SAME_ROUNDS] = {0}, tmp, bad, files;
    tally t = {.n = SAME_ROUNDS, .ids = same, .count = count};

    {
        char *out = kh_redis_cli(&redis, "FLUSHALL");
        free(out);
    }
    kh_service_kill(&svc);
    extra[4] = dir_same;
    if (!restart()) {
        CHECK(false);
        return;
    }
    for (int i = 0; i < SAME_ROUNDS && !svc.gone; i++) {
        cJSON *r;
        set_clock("2023-02-01T10:00:00+08:00");
        create(same[i], i);
        DO("complaints.Withdraw", "{\"id\":\"%s\",\"reason\":\"客户撤回\"}", same[i]);
        set_clock("2026-03-01T10:00:00+08:00");
        r = call_ms(30000, "complaints.Archive", "{}");
        EXPECT_OK(r, "Archive");
        CHECK_INT(kh_path_int(kh_result(r), "count"), 1);
        cJSON_Delete(r);
    }
    files = tally_dir(dir_same, &t, &tmp, &bad);
    CHECK_INT(tmp, 0);
    CHECK_INT(bad, 0);
    CHECK_INT(t.strays, 0);
    {
        int missing = 0;
        for (int i = 0; i < SAME_ROUNDS; i++)
            if (count[i] != 1)
                missing++;
        if (missing)
            fprintf(stderr,
                    "  %d of %d archived complaints are not in exactly one file (%d files for %d "
                    "Archive calls): a later batch replaced an earlier batch's file\n",
                    missing, SAME_ROUNDS, files, SAME_ROUNDS);
        CHECK_INT(missing, 0);
    }
    for (int i = 0; i < SAME_ROUNDS; i++)
        CHECK_INT(get_code(same[i]), 5);
}

/* ------------------------------------- a failed write, then a Hold */

/*
 * The archive dir cannot be made (its parent is a regular file): Archive
 * fails and every complaint stays in Redis ("written ... before the records
 * leave Redis"). A Hold on one of them then works ("Hold works in any
 * status") and keeps it out of the archive ("a held complaint is never
 * archived") when the next Archive, with a usable dir, finishes the job.
 */
static void test_archive_write_failure_then_hold(void)
{
    kh_wait_serving(&svc);
    char w[3][16];
    int count[3] = {0}, tmp, bad;
    tally t = {.n = 3, .ids = w, .count = count};
    cJSON *r;

    {
        char *out = kh_redis_cli(&redis, "FLUSHALL");
        free(out);
    }
    kh_service_kill(&svc);
    extra[4] = bad_dir;
    if (!restart()) {
        CHECK(false);
        return;
    }
    for (int i = 0; i < 3; i++)
        withdrawn_in_2023(w[i], 7000 + i);
    set_clock("2026-03-01T10:00:00+08:00");
    r = call_ms(30000, "complaints.Archive", "{}");
    CHECK(r != NULL && !kh_ok(r));
    cJSON_Delete(r);
    for (int i = 0; i < 3; i++)
        CHECK_INT(get_code(w[i]), 0);
    r = call("complaints.Hold", "{\"id\":\"%s\",\"reason\":\"诉讼保全\"}", w[1]);
    EXPECT_OK(r, "Hold of a complaint a failed Archive had picked");
    cJSON_Delete(r);

    kh_service_kill(&svc);
    extra[4] = dir_hold;
    if (!restart()) {
        CHECK(false);
        return;
    }
    for (int calls = 0; calls < 5; calls++) {
        bool more;
        r = call_ms(30000, "complaints.Archive", "{}");
        EXPECT_OK(r, "Archive");
        more = cJSON_IsTrue(kefu_json_get(kh_result(r), "remaining"));
        cJSON_Delete(r);
        if (!more)
            break;
    }
    CHECK_INT(get_code(w[0]), 5);
    CHECK_INT(get_code(w[2]), 5);
    CHECK_INT(get_code(w[1]), 0); /* held: never archived */
    tally_dir(dir_hold, &t, &tmp, &bad);
    CHECK_INT(tmp, 0);
    CHECK_INT(bad, 0);
    CHECK_INT(count[0], 1);
    CHECK_INT(count[1], 0);
    CHECK_INT(count[2], 1);
}

KEFU_TESTS = {
    {"archive_basic", test_archive_basic},
    {"archive_idempotency_key", test_archive_idempotency_key},
    {"archive_survives_kill9", test_archive_survives_kill9},
    {"archive_5000_per_call", test_archive_5000_per_call},
    {"archive_never_replaces_a_file", test_archive_never_replaces_a_file},
    {"archive_write_failure_then_hold", test_archive_write_failure_then_hold},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    char cmd[400];
    int rc, fd;

    snprintf(dir_basic, sizeof(dir_basic), "/tmp/kefu-archive-a-XXXXXX");
    snprintf(dir_crash, sizeof(dir_crash), "/tmp/kefu-archive-b-XXXXXX");
    snprintf(dir_many, sizeof(dir_many), "/tmp/kefu-archive-c-XXXXXX");
    snprintf(dir_same, sizeof(dir_same), "/tmp/kefu-archive-d-XXXXXX");
    snprintf(dir_hold, sizeof(dir_hold), "/tmp/kefu-archive-e-XXXXXX");
    snprintf(not_a_dir, sizeof(not_a_dir), "/tmp/kefu-archive-f-XXXXXX");
    fd = mkstemp(not_a_dir);
    snprintf(bad_dir, sizeof(bad_dir), "%s/archive", not_a_dir);
    if (!mkdtemp(dir_basic) || !mkdtemp(dir_crash) || !mkdtemp(dir_many) || !mkdtemp(dir_same) ||
        !mkdtemp(dir_hold) || fd < 0 || close(fd) != 0) {
        fprintf(stderr, "could not make the archive dirs\n");
        return 1;
    }
    rc = kh_suite_main(argc, argv, &redis, &svc, "complaints", extra);
    if (getenv("KEFU_TEST_KEEP")) {
        fprintf(stderr, "archive dirs kept (KEFU_TEST_KEEP): %s %s %s %s %s\n", dir_basic,
                dir_crash, dir_many, dir_same, dir_hold);
    } else {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s' '%s' '%s' '%s'", dir_basic, dir_crash,
                 dir_many, dir_same, dir_hold);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove the archive dirs\n");
        if (rc != 0)
            fprintf(stderr, "(set KEFU_TEST_KEEP=1 to keep the archive dirs for inspection)\n");
    }
    unlink(not_a_dir);
    return rc;
}
