/*
 * sharedmetrics.c - every replica adds its new counts to one Redis hash per
 * service once a second (NS:metrics:<service>), so sys.Metrics can report
 * the whole service across replicas. Counts that could not be sent stay
 * pending for the next second; the hash is a monitoring aggregate, not a
 * ledger, so a count lost with a dropped connection is acceptable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "runtime.h"

static void ignore_reply(redisReply *reply, const kefu_error *err, void *arg, uint64_t tag)
{
    (void)reply;
    (void)err;
    (void)arg;
    (void)tag;
}

static void metrics_key(const kefu_service *svc, char *out, size_t cap)
{
    snprintf(out, cap, "%s:metrics:%s", svc->cfg.ns, svc->def->name);
}

static void on_share(uv_timer_t *t)
{
    kefu_service *svc = t->data;
    /* Room for every counter there is, so the list is never cut. */
    int cap = svc->metrics.n_methods * (KEFU_STATUS_COUNT + KEFU_HIST_BUCKETS);
    kefu_metric_delta *deltas;
    char key[160], num[24];
    const char *argv[4] = {"HINCRBY", key, NULL, num};
    int n;

    if (!kefu_redis_ready(svc->redis) || !(deltas = malloc((size_t)cap * sizeof(*deltas))))
        return;
    n = kefu_metrics_deltas(&svc->metrics, deltas, cap);
    metrics_key(svc, key, sizeof(key));
    for (int i = 0; i < n; i++) {
        argv[2] = deltas[i].field;
        snprintf(num, sizeof(num), "%llu", (unsigned long long)deltas[i].delta);
        if (kefu_redis_command(svc->redis, ignore_reply, NULL, 0, 4, argv, NULL) != KEFU_STATUS_OK)
            goto out; /* nothing marked: all of it goes again next time */
    }
    /* All queued: hiredis pipelines them in one write. */
    if (n > 0)
        kefu_metrics_mark_shared(&svc->metrics);
out:
    free(deltas);
}

void kefu_shared_metrics_start(kefu_service *svc)
{
    uv_timer_init(&svc->loop, &svc->share_timer);
    svc->share_timer.data = svc;
    uv_timer_start(&svc->share_timer, on_share, 1000, 1000);
}

static void on_cluster(kefu_call *call, redisReply *reply, void *arg)
{
    cJSON *local = arg;
    const char *fields[2048], *values[2048];
    int n = 0;

    for (size_t i = 0; i + 1 < reply->elements && n < 2048; i += 2) {
        if (reply->element[i]->type != REDIS_REPLY_STRING ||
            reply->element[i + 1]->type != REDIS_REPLY_STRING)
            continue;
        fields[n] = reply->element[i]->str;
        values[n++] = reply->element[i + 1]->str;
    }
    cJSON_AddItemToObject(local, "cluster", kefu_metrics_cluster_json(fields, values, n));
    /* `local` belongs to the call (freed when it is answered): print, not hand over. */
    char *text = cJSON_PrintUnformatted(local);
    if (text)
        kefu_call_reply_json(call, text, strlen(text));
    else
        kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "could not encode the result");
    cJSON_free(text);
}

static void delete_json(void *p)
{
    cJSON_Delete(p);
}

void kefu_shared_metrics_reply(kefu_call *call, cJSON *local)
{
    kefu_service *svc = call->svc;
    char key[160];
    const char *argv[2] = {"HGETALL", key};

    if (!kefu_redis_ready(svc->redis)) {
        /* Metrics must answer while Redis is down: this replica's view only. */
        cJSON_AddNullToObject(local, "cluster");
        kefu_call_reply_ok(call, local);
        return;
    }
    metrics_key(svc, key, sizeof(key));
    kefu_call_own(call, local, delete_json);
    kefu_call_redis(call, on_cluster, local, 2, argv, NULL);
}
