/*
 * log.h - structured logs: one JSON object per line on stderr.
 *
 * Lines are built in a buffer and written every 50 ms (kefu_log_flush, from
 * the runtime's timer) or when the buffer fills, so per-request access logs
 * cost no syscall each. Warnings and errors are written at once.
 *
 *   kefu_log(KEFU_LOG_INFO, "redis connected", "addr", "127.0.0.1:6379", NULL);
 *
 * Arguments after the message are key/value string pairs ended by NULL;
 * kefu_log_json takes a cJSON object of extra fields instead.
 */
#ifndef KEFU_LOG_H
#define KEFU_LOG_H

#include <cjson/cJSON.h>
#include <stdbool.h>

typedef enum {
    KEFU_LOG_DEBUG,
    KEFU_LOG_INFO,
    KEFU_LOG_WARN,
    KEFU_LOG_ERROR,
} kefu_log_level;

/* The process-wide settings: service name and minimum level. */
void kefu_log_setup(const char *service, kefu_log_level level);
bool kefu_log_level_parse(const char *s, kefu_log_level *out);
bool kefu_log_enabled(kefu_log_level level);

void kefu_log(kefu_log_level level, const char *msg, ...) __attribute__((sentinel));
/* `fields` is borrowed; its members are added after ts/level/service/msg. */
void kefu_log_json(kefu_log_level level, const char *msg, const cJSON *fields);
/* A request line: the fields every access log carries, without cJSON. */
void kefu_log_request(const char *method, const char *id_json, int status, const char *status_name,
                      long long latency_us, const char *trace_id, const char *principal);
void kefu_log_flush(void);

#endif
