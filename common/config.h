/*
 * config.h - a service's settings from flags, environment and a JSON file.
 *
 * One table (config.c) declares every option once: its flag, its environment
 * variable, its key in the --config file, its help text and which services
 * take it. Precedence: flag > environment > config file > default. Repeatable
 * options (--listen, --dial, --peer) given at a higher level replace the
 * lower level's list.
 */
#ifndef KEFU_CONFIG_H
#define KEFU_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#define KEFU_CONFIG_MAX_LIST 16

typedef struct {
    char *items[KEFU_CONFIG_MAX_LIST];
    int count;
} kefu_strlist;

typedef struct {
    const char *service; /* "complaints" */
    kefu_strlist listen;
    kefu_strlist dial;
    kefu_strlist peers; /* "SERVICE=ADDR" */
    char *redis_url;
    char *ns;
    char *config_file;
    char *tokens_file;
    char *peer_token;
    char *tls_cert, *tls_key, *tls_ca;
    char *metrics_listen;
    char *tz;
    int tz_minutes;
    char *log_level;
    char *policy_file; /* returns */
    char *archive_dir; /* complaints */
    bool test_clock;
    int64_t contexts;
    int64_t max_request;
    int64_t redis_timeout_ms;
    int64_t outbox_lease_ms;
} kefu_config;

typedef enum {
    KEFU_CONFIG_RUN,  /* settings loaded: start the service */
    KEFU_CONFIG_EXIT, /* --help or --version printed: exit 0 */
    KEFU_CONFIG_FAIL, /* a bad setting, message on stderr: exit 2 */
} kefu_config_result;

/*
 * Fills `cfg` for `service` (whose default listen address is
 * `default_listen`). Prints --help / --version / errors itself.
 */
kefu_config_result kefu_config_load(kefu_config *cfg, const char *service,
                                    const char *default_listen, int argc, char **argv);
void kefu_config_free(kefu_config *cfg);

/* The address of peer `service` from --peer, or NULL. */
const char *kefu_config_peer(const kefu_config *cfg, const char *service);

/* A kefu service's default address (complaints tcp://127.0.0.1:7101,
 * returns 7102, visits 7103), or NULL for another name. */
const char *kefu_default_addr(const char *service);

#endif
