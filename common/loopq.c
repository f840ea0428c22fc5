#include "loopq.h"

#include <stddef.h>

static void on_wake(uv_async_t *async)
{
    kefu_loopq *q = async->data;
    kefu_loopq_item *batch;

    pthread_mutex_lock(&q->mtx);
    q->wake_pending = false;
    q->draining = true;
    for (;;) {
        /* Take the whole list at once and run it without holding the lock. */
        batch = q->head;
        q->head = q->tail = NULL;
        if (!batch) {
            q->draining = false;
            break;
        }
        pthread_mutex_unlock(&q->mtx);
        while (batch) {
            kefu_loopq_item *item = batch;
            batch = item->next;
            item->next = NULL;
            item->fn(item);
        }
        pthread_mutex_lock(&q->mtx);
    }
    pthread_mutex_unlock(&q->mtx);
}

int kefu_loopq_init(kefu_loopq *q, uv_loop_t *loop)
{
    q->head = q->tail = NULL;
    q->wake_pending = q->draining = false;
    pthread_mutex_init(&q->mtx, NULL);
    q->async.data = q;
    return uv_async_init(loop, &q->async, on_wake);
}

void kefu_loopq_push(kefu_loopq *q, kefu_loopq_item *item, kefu_loopq_fn fn)
{
    bool wake;

    item->fn = fn;
    item->next = NULL;
    pthread_mutex_lock(&q->mtx);
    if (q->tail)
        q->tail->next = item;
    else
        q->head = item;
    q->tail = item;
    /* A draining loop will see the item; a pending wake-up will drain it. */
    wake = !q->draining && !q->wake_pending;
    if (wake)
        q->wake_pending = true;
    pthread_mutex_unlock(&q->mtx);
    if (wake)
        uv_async_send(&q->async);
}

void kefu_loopq_close(kefu_loopq *q, uv_close_cb done)
{
    uv_close((uv_handle_t *)&q->async, done);
}
