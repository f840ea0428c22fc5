#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "timeutil.h"

/*
 * Logging may be called from nng's threads (rarely: start-up, fatal paths) as
 * well as the loop, so the buffer is guarded by a mutex; it is uncontended in
 * the normal case where only the loop logs.
 */
static struct {
    pthread_mutex_t mtx;
    char service[32];
    kefu_log_level level;
    char buf[65536];
    size_t len;
} logger = {PTHREAD_MUTEX_INITIALIZER, "kefu", KEFU_LOG_INFO, {0}, 0};

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void kefu_log_setup(const char *service, kefu_log_level level)
{
    snprintf(logger.service, sizeof(logger.service), "%s", service);
    logger.level = level;
}

bool kefu_log_level_parse(const char *s, kefu_log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (kefu_log_level)i;
            return true;
        }
    }
    if (strcmp(s, "warning") == 0) {
        *out = KEFU_LOG_WARN;
        return true;
    }
    return false;
}

bool kefu_log_enabled(kefu_log_level level)
{
    return level >= logger.level;
}

static void write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, p, n);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void flush_locked(void)
{
    write_all(logger.buf, logger.len);
    logger.len = 0;
}

/* JSON-escapes `s` into `out` (at most cap-1 bytes); returns bytes written. */
static size_t escape(char *out, size_t cap, const char *s)
{
    size_t n = 0;
    for (; *s && n + 7 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            out[n++] = '\\';
            out[n++] = (char)c;
        } else if (c < 0x20) {
            n += (size_t)snprintf(out + n, cap - n, "\\u%04x", c);
        } else {
            out[n++] = (char)c;
        }
    }
    out[n] = '\0';
    return n;
}

static size_t prefix(char *line, size_t cap, kefu_log_level level, const char *msg)
{
    /* The formatted second is cached: a busy service logs thousands of lines
     * per second. */
    static _Thread_local time_t cached_sec = -1;
    static _Thread_local char when[32];
    struct timespec ts;
    char emsg[1024];

    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec != cached_sec) {
        kefu_time_format_rfc3339((kefu_ms)ts.tv_sec * 1000, 0, when);
        cached_sec = ts.tv_sec;
    }
    escape(emsg, sizeof(emsg), msg);
    return (size_t)snprintf(line, cap,
                            "{\"ts\":\"%s\",\"level\":\"%s\",\"service\":\"%s\",\"msg\":\"%s\"",
                            when, level_names[level], logger.service, emsg);
}

static void emit(kefu_log_level level, const char *line, size_t len)
{
    pthread_mutex_lock(&logger.mtx);
    if (logger.len + len + 1 > sizeof(logger.buf))
        flush_locked();
    if (len + 1 > sizeof(logger.buf)) {
        write_all(line, len);
        write_all("\n", 1);
    } else {
        memcpy(logger.buf + logger.len, line, len);
        logger.len += len;
        logger.buf[logger.len++] = '\n';
    }
    if (level >= KEFU_LOG_WARN)
        flush_locked();
    pthread_mutex_unlock(&logger.mtx);
}

void kefu_log(kefu_log_level level, const char *msg, ...)
{
    char line[4096], ev[1024];
    size_t n;
    va_list ap;

    if (!kefu_log_enabled(level))
        return;
    n = prefix(line, sizeof(line), level, msg);
    va_start(ap, msg);
    for (;;) {
        const char *k = va_arg(ap, const char *);
        if (!k)
            break;
        const char *v = va_arg(ap, const char *);
        escape(ev, sizeof(ev), v ? v : "");
        if (n < sizeof(line))
            n += (size_t)snprintf(line + n, sizeof(line) - n, ",\"%s\":\"%s\"", k, ev);
    }
    va_end(ap);
    if (n + 2 > sizeof(line))
        n = sizeof(line) - 2;
    line[n++] = '}';
    emit(level, line, n);
}

void kefu_log_json(kefu_log_level level, const char *msg, const cJSON *fields)
{
    char line[4096];
    size_t n;

    if (!kefu_log_enabled(level))
        return;
    n = prefix(line, sizeof(line), level, msg);
    for (const cJSON *f = fields ? fields->child : NULL; f && n < sizeof(line); f = f->next) {
        char *v = cJSON_PrintUnformatted(f);
        char ek[128];
        if (!v)
            continue;
        escape(ek, sizeof(ek), f->string ? f->string : "");
        n += (size_t)snprintf(line + n, sizeof(line) - n, ",\"%s\":%s", ek, v);
        cJSON_free(v);
    }
    if (n + 2 > sizeof(line))
        n = sizeof(line) - 2;
    line[n++] = '}';
    emit(level, line, n);
}

void kefu_log_request(const char *method, const char *id_json, int status, const char *status_name,
                      long long latency_us, const char *trace_id, const char *principal)
{
    char line[2048], em[256], et[256], ep[128];
    size_t n;
    kefu_log_level level = KEFU_LOG_INFO;

    if (!kefu_log_enabled(level))
        return;
    n = prefix(line, sizeof(line), level, "request");
    escape(em, sizeof(em), method ? method : "");
    escape(et, sizeof(et), trace_id ? trace_id : "");
    escape(ep, sizeof(ep), principal ? principal : "");
    n += (size_t)snprintf(line + n, sizeof(line) - n,
                          ",\"method\":\"%s\",\"id\":%.200s,\"code\":%d,\"status\":\"%s\","
                          "\"latency_us\":%lld,\"principal\":\"%s\"",
                          em, id_json ? id_json : "null", status, status_name, latency_us, ep);
    if (trace_id && n < sizeof(line))
        n += (size_t)snprintf(line + n, sizeof(line) - n, ",\"trace_id\":\"%s\"", et);
    if (n + 2 > sizeof(line))
        n = sizeof(line) - 2;
    line[n++] = '}';
    emit(level, line, n);
}

void kefu_log_flush(void)
{
    pthread_mutex_lock(&logger.mtx);
    if (logger.len)
        flush_locked();
    pthread_mutex_unlock(&logger.mtx);
}
