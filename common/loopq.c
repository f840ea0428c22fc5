#include "loopq.h"

#include <stddef.h>

static void on_wake(uv_async_t *async)
{
    kefu_loopq *q = async->data;
    kefu_loopq_item *batch;

    /* Take the whole list at once and run it without holding the lock. */
    pthread_mutex_lock(&q->mtx);
    batch = q->head;
    q->head = q->tail = NULL;
    pthread_mutex_unlock(&q->mtx);

    while (batch) {
        kefu_loopq_item *item = batch;
        batch = item->next;
        item->next = NULL;
        item->fn(item);
    }
}

int kefu_loopq_init(kefu_loopq *q, uv_loop_t *loop)
{
    q->head = q->tail = NULL;
    pthread_mutex_init(&q->mtx, NULL);
    q->async.data = q;
    return uv_async_init(loop, &q->async, on_wake);
}

void kefu_loopq_push(kefu_loopq *q, kefu_loopq_item *item, kefu_loopq_fn fn)
{
    int was_empty;

    item->fn = fn;
    item->next = NULL;
    pthread_mutex_lock(&q->mtx);
    was_empty = q->head == NULL;
    if (q->tail)
        q->tail->next = item;
    else
        q->head = item;
    q->tail = item;
    pthread_mutex_unlock(&q->mtx);
    /* A non-empty queue already has a wake-up pending that will drain it. */
    if (was_empty)
        uv_async_send(&q->async);
}

void kefu_loopq_close(kefu_loopq *q, uv_close_cb done)
{
    uv_close((uv_handle_t *)&q->async, done);
}
