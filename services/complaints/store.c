/*
 * store.c - the only file of the complaints service that knows Redis keys
 * and scripts. Keys, all under the namespace NS:
 *   NS:complaint:<id>                the record (JSON)
 *   NS:complaint:<id>:history        its history entries, oldest first
 *   NS:complaints:seq:<year>         the id sequence of a business year
 *   NS:complaints:order              the global insertion order
 *   NS:complaints:idx:<index>        sorted sets of ids by insertion order
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "complaints.h"

struct complaints_store {
    kefu_script create;
};

kefu_status complaints_store_init(kefu_service *svc, kefu_error *err)
{
    complaints_store *st = calloc(1, sizeof(*st));

    if (!st)
        return kefu_error_set(err, KEFU_STATUS_INTERNAL, NULL, "out of memory");
    kefu_script_init(svc, &st->create, "complaints.create", kefu_lua_create);
    kefu_service_set_app(svc, st);
    return KEFU_STATUS_OK;
}

void complaints_store_fini(kefu_service *svc)
{
    complaints_store *st = kefu_service_app(svc);
    if (!st)
        return;
    kefu_script_free(&st->create);
    free(st);
}

void complaints_store_create(kefu_call *call, const char *record, int year, const char *customer_id,
                             bool escalated, const char *history)
{
    complaints_store *st = kefu_call_app(call);
    char y[8];
    const char *args[5];

    snprintf(y, sizeof(y), "%04d", year);
    args[0] = y;
    args[1] = record;
    args[2] = customer_id;
    args[3] = escalated ? "1" : "0";
    args[4] = history;
    kefu_call_eval(call, &st->create, 5, args, NULL, NULL, NULL);
}

static void on_get(kefu_call *call, redisReply *reply, void *arg)
{
    complaints_record_cb cb = (complaints_record_cb)arg;

    if (reply->type != REDIS_REPLY_STRING) {
        kefu_call_reply_error(call, KEFU_STATUS_NOT_FOUND, "id", "complaint not found");
        return;
    }
    cb(call, reply->str, reply->len);
}

void complaints_store_get(kefu_call *call, const char *id, complaints_record_cb cb)
{
    const kefu_config *cfg = kefu_service_config(kefu_call_service(call));
    char key[128];
    const char *argv[2] = {"GET", key};

    snprintf(key, sizeof(key), "%s:complaint:%s", cfg->ns, id);
    kefu_call_redis(call, on_get, (void *)cb, 2, argv, NULL);
}
