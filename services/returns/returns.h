/*
 * returns.h - the returns service (SPEC section 4), shared between its files:
 * methods.c (the table and schemas), handlers.c (one function per method),
 * store.c (the only file that knows Redis keys and scripts: the shared policy
 * copy) and policy.c (pure warranty and freight rules).
 */
#ifndef KEFU_RETURNS_H
#define KEFU_RETURNS_H

#include "policy.h"
#include "rpc.h"

extern const kefu_service_def returns_service;

extern const char kefu_lua_policy_put[];

/* handlers.c */
void returns_policy_method(kefu_call *call);
void returns_check_warranty(kefu_call *call);
void returns_reload_policy(kefu_call *call);

/* store.c */
kefu_status returns_store_init(kefu_service *svc, kefu_error *err);
void returns_store_stop(kefu_service *svc);
void returns_store_fini(kefu_service *svc);
/* The policy in force on this replica (never NULL after init) and its
 * version in Redis (0 until it is there). */
const returns_policy *returns_store_policy(kefu_service *svc, int64_t *version);
/* Reads this replica's --policy file, validates it and publishes it to Redis
 * for every replica (the call's reply: {version, categories, source}). */
void returns_store_reload(kefu_call *call);

#endif
