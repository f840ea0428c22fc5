/*
 * complaints.h - the complaints service (SPEC section 3), shared between its
 * files: methods.c (the table), handlers.c (one function per method),
 * store.c (the only file that knows Redis keys and scripts) and record.c
 * (building records; pure, no I/O).
 */
#ifndef KEFU_COMPLAINTS_H
#define KEFU_COMPLAINTS_H

#include <cjson/cJSON.h>

#include "rpc.h"
#include "timeutil.h"

extern const kefu_service_def complaints_service;

/* Lua bodies embedded at build time from the lua/ folder. */
extern const char kefu_lua_create[];

/* handlers.c */
void complaints_create(kefu_call *call);
void complaints_get(kefu_call *call);

/* store.c */
typedef struct complaints_store complaints_store;
kefu_status complaints_store_init(kefu_service *svc, kefu_error *err);
void complaints_store_fini(kefu_service *svc);
/* Inserts `record` (JSON without id); replies with the stored record. */
void complaints_store_create(kefu_call *call, const char *record, int year, const char *customer_id,
                             bool escalated, const char *history);
/* Reads one complaint; `cb` gets its JSON text, or the call gets NOT_FOUND. */
typedef void (*complaints_record_cb)(kefu_call *call, const char *json, size_t len);
void complaints_store_get(kefu_call *call, const char *id, complaints_record_cb cb);

/* record.c */
/*
 * The new complaint of Create's validated `params`, received by `actor` at
 * instant `now` (zone `tz`): the record's JSON text without its "id" (the
 * store script assigns it). Caller frees with cJSON_free.
 */
char *complaints_record_new(const cJSON *params, kefu_ms now, int tz);
/* The history entry of an action, as JSON text. Caller frees with cJSON_free. */
char *complaints_history_entry(kefu_ms at, int tz, const char *action, const char *by,
                               const char *from, const char *to, cJSON *details);
/* The customer id of Create's params as text (the schema allows a string or
 * an integer): the key of the customer index. */
void complaints_customer_key(const cJSON *params, char *out, size_t cap);
/* True when `id` looks like C2026-000001. */
bool complaints_id_valid(const char *id);
/* The departments a staff member must belong to, to see this record. */
bool complaints_visible(const kefu_principal *p, const cJSON *record);

#endif
