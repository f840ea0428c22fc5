/*
 * archive.c - complaints.Archive: closed and withdrawn complaints older than
 * the cut-off leave Redis for a JSON-lines file, and nothing is lost or
 * written twice whatever crashes when:
 *   1. archive_claim.lua marks the batch pending in Redis (or hands back the
 *      batch a dead call left pending) with the file name it goes to;
 *   2. on the thread pool: the file is written as <name>.tmp, fsynced,
 *      renamed, its directory fsynced, and read back and compared — unless
 *      the file is there already with exactly this content (a call that died
 *      after writing it);
 *   3. archive_commit.lua removes the batch's complaints and the mark.
 * A crash before 3 leaves the mark, and the next call finishes the batch.
 * A write that fails removes what it wrote and then the mark
 * (archive_abort.lua), so the complaints are free again. A file of another
 * content under the batch's name is never replaced: that stops the archive
 * until someone looks.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "complaints.h"
#include "json.h"

#define BATCH "5000"
#define YEARS 3

typedef struct {
    uv_work_t work;
    kefu_call *call;
    uint64_t token;
    char dir[512];
    char file[128];
    char owner[48]; /* this call's claim on the batch (a lease in Redis) */
    bool remaining;
    char *lines; /* the batch's JSON lines */
    size_t len;
    size_t count;
    bool wrote;     /* this attempt created the final file */
    bool keep_mark; /* the file may hold the batch: do not free it */
    char error[1024];
} archive_job;

static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* True when `path` holds exactly `len` bytes equal to `want`. */
static bool same_content(const char *path, const char *want, size_t len)
{
    FILE *f = fopen(path, "rb");
    char buf[65536];
    size_t off = 0, n;
    bool same = f != NULL;

    while (same && (n = fread(buf, 1, sizeof(buf), f)) > 0) {
        same = off + n <= len && memcmp(buf, want + off, n) == 0;
        off += n;
    }
    if (f)
        fclose(f);
    return same && off == len;
}

static void fail(archive_job *j, const char *what, const char *path)
{
    snprintf(j->error, sizeof(j->error), "%s %s: %s", what, path, strerror(errno));
}

/* Thread pool: a failed attempt takes back the file it wrote. */
static void undo_file(archive_job *j)
{
    char path[700];

    snprintf(path, sizeof(path), "%s/%s", j->dir, j->file);
    if (j->wrote && unlink(path) != 0 && errno != ENOENT)
        j->keep_mark = true; /* it may still be there: keep the batch pending */
}

/* fsyncs `path` (a file or a directory); false on failure. */
static bool sync_path(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC);
    bool ok = fd >= 0 && fsync(fd) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

/*
 * Thread pool: step 2 of the header. Touches only the job. Each attempt
 * writes its own temporary file and publishes it with link(), which never
 * replaces: two calls on the same batch (a retry while the first still
 * writes, or two replicas) end with one file, and both find it complete.
 */
/* Removes the temporary files earlier attempts at this batch left when they
 * died (an attempt beside us only loses its link, and then finds the file
 * complete or leaves the batch to its owner). */
static void remove_stale_temps(archive_job *j)
{
    char prefix[160], path[900];
    DIR *d = opendir(j->dir);
    struct dirent *e;

    if (!d)
        return;
    snprintf(prefix, sizeof(prefix), "%s.tmp.", j->file);
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
            snprintf(path, sizeof(path), "%s/%s", j->dir, e->d_name);
            unlink(path);
        }
    }
    closedir(d);
}

static void write_attempt(archive_job *j)
{
    char path[700], tmp[760];
    int fd;

    snprintf(path, sizeof(path), "%s/%s", j->dir, j->file);
    snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path);
    if (mkdir(j->dir, 0750) != 0 && errno != EEXIST) {
        fail(j, "cannot create", j->dir);
        return;
    }
    remove_stale_temps(j);
    if (same_content(path, j->lines, j->len))
        goto durable; /* written by a call that died, or runs beside us */
    fd = mkstemp(tmp);
    if (fd < 0) {
        fail(j, "cannot create", tmp);
        return;
    }
    if (!write_all(fd, j->lines, j->len) || fsync(fd) != 0) {
        fail(j, "cannot write", tmp);
        close(fd);
        unlink(tmp);
        return;
    }
    close(fd);
    if (link(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        if (errno == EEXIST && same_content(path, j->lines, j->len))
            goto durable;
        if (errno == EEXIST) {
            snprintf(j->error, sizeof(j->error),
                     "%s exists with other content; it is never replaced (move it aside)", path);
            j->keep_mark = true;
        } else {
            fail(j, "cannot publish", path);
        }
        return;
    }
    unlink(tmp);
    j->wrote = true;
    if (!same_content(path, j->lines, j->len)) {
        snprintf(j->error, sizeof(j->error), "%s does not read back as written", path);
        undo_file(j);
        return;
    }
durable:
    /* The file and its name on disk before the records leave Redis, also
     * when an earlier call wrote it and died before syncing. */
    if (!sync_path(path, O_RDONLY) || !sync_path(j->dir, O_RDONLY | O_DIRECTORY)) {
        fail(j, "cannot sync", path);
        if (j->wrote)
            undo_file(j);
        else
            j->keep_mark = true; /* an earlier call's file: it may hold the batch */
    }
}

/*
 * Thread pool. Whatever failed, a complete file of exactly this batch on
 * disk (another call on the same batch wrote it) means the batch is
 * archived: commit rather than free it.
 */
static void write_file(uv_work_t *w)
{
    archive_job *j = w->data;
    char path[700];

    write_attempt(j);
    snprintf(path, sizeof(path), "%s/%s", j->dir, j->file);
    if (j->error[0] && !j->keep_mark && same_content(path, j->lines, j->len) &&
        sync_path(path, O_RDONLY) && sync_path(j->dir, O_RDONLY | O_DIRECTORY))
        j->error[0] = '\0';
}

static void job_free(archive_job *j)
{
    free(j->lines);
    free(j);
}

static void free_job(void *p)
{
    job_free(p);
}

/* The failed batch is released; say why it failed. */
static void on_aborted(kefu_call *call, const char *json, size_t len, void *arg)
{
    archive_job *j = arg;
    (void)json;
    (void)len;
    kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, "archive-dir",
                          "archive not written, nothing archived: %s", j->error);
}

/* Loop: the file is written (or not). */
static void after_write(uv_work_t *w, int status)
{
    archive_job *j = w->data;
    kefu_call *call = j->call;

    if (!kefu_call_live(call, j->token)) {
        /* Answered already (deadline): the batch stays pending for the next call. */
        job_free(j);
        return;
    }
    kefu_call_own(call, j, free_job);
    if (status != 0 || j->error[0]) {
        if (!j->error[0])
            snprintf(j->error, sizeof(j->error), "cancelled");
        if (j->keep_mark) {
            kefu_call_reply_error(call, KEFU_STATUS_DATA_LOSS, "archive-dir",
                                  "archive stopped (the batch stays pending): %s", j->error);
            return;
        }
        const char *args[] = {j->file, j->owner};
        complaints_store_step(call, COMPLAINTS_ARCHIVE_ABORT, 2, args, on_aborted, j);
        return;
    }
    char path[700];
    snprintf(path, sizeof(path), "%s/%s", j->dir, j->file);
    const char *args[] = {j->file, path, j->remaining ? "true" : "false", j->owner};
    complaints_store_run(call, COMPLAINTS_ARCHIVE_COMMIT, 4, args, NULL, NULL);
}

/* The claimed batch: "<file>\n<remaining>\n<lines>". */
static void on_claimed(kefu_call *call, const char *text, size_t len, void *arg)
{
    const char *owner = arg;
    const char *nl1 = memchr(text, '\n', len), *nl2;
    archive_job *j;
    cJSON *out;

    nl2 = nl1 ? memchr(nl1 + 1, '\n', len - (size_t)(nl1 + 1 - text)) : NULL;
    if (!nl2) {
        kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "bad archive batch from storage");
        return;
    }
    if (nl1 == text) { /* nothing to archive */
        out = cJSON_CreateObject();
        cJSON_AddNullToObject(out, "file");
        cJSON_AddNumberToObject(out, "count", 0);
        cJSON_AddBoolToObject(out, "remaining", false);
        kefu_call_reply_ok(call, out);
        return;
    }
    j = calloc(1, sizeof(*j));
    if (!j || !(j->lines = malloc(len))) {
        free(j);
        kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "out of memory");
        return;
    }
    j->call = call;
    j->token = kefu_call_token(call);
    snprintf(j->owner, sizeof(j->owner), "%s", owner);
    snprintf(j->dir, sizeof(j->dir), "%s", complaints_store_archive_dir(kefu_call_service(call)));
    snprintf(j->file, sizeof(j->file), "%.*s", (int)(nl1 - text), text);
    j->remaining = nl1[1] == '1';
    j->len = len - (size_t)(nl2 + 1 - text);
    memcpy(j->lines, nl2 + 1, j->len);
    j->work.data = j;
    if (uv_queue_work(kefu_service_loop(kefu_call_service(call)), &j->work, write_file,
                      after_write) != 0) {
        job_free(j);
        kefu_call_reply_error(call, KEFU_STATUS_UNAVAILABLE, NULL, "cannot start the archive");
    }
}

/* After the idempotency check: claim the batch. */
static void archive_start(kefu_call *call)
{
    const char *before = kefu_json_str(kefu_call_params(call), "before");
    kefu_ms now = kefu_call_now(call);
    int tz = kefu_call_tz(call);
    kefu_date cut;
    char cut_ms[24], file[128], stamp[32];

    if (before) {
        kefu_date_parse(before, strlen(before), &cut);
    } else {
        /* Records are kept three years. */
        cut = kefu_date_add_months(kefu_time_to_date(now, tz), -12 * YEARS);
    }
    snprintf(cut_ms, sizeof(cut_ms), "%lld", (long long)kefu_date_to_time(cut, tz));
    kefu_time_format_rfc3339(now, tz, stamp);
    for (char *c = stamp; *c; c++) {
        if (*c == ':' || *c == '+')
            *c = *c == ':' ? '-' : 'p';
    }
    snprintf(file, sizeof(file), "complaints-before-%04d-%02d-%02d-at-%s", cut.year, cut.month,
             cut.day, stamp);
    /* A claim of this call alone: pid, monotonic time and request token. */
    char *owner = malloc(48);
    if (!owner) {
        kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "out of memory");
        return;
    }
    snprintf(owner, 48, "%d-%lld-%llu", (int)getpid(), (long long)uv_hrtime(),
             (unsigned long long)kefu_call_token(call));
    kefu_call_own(call, owner, free);
    const char *args[] = {cut_ms, BATCH, file, owner};
    complaints_store_step(call, COMPLAINTS_ARCHIVE_CLAIM, 4, args, on_claimed, owner);
}

void complaints_archive(kefu_call *call)
{
    kefu_call_idempotency_check(call, archive_start);
}
