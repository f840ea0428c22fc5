/*
 * loopq.h - hand work from nng's threads to the service's libuv loop.
 *
 * Any thread pushes an item; the loop is woken with uv_async_send and drains
 * the whole queue on each wake-up, running each item's callback on the loop
 * thread in push order. While the loop is draining it looks again before it
 * goes back to sleep, so pushers under load need not wake it at all: no
 * eventfd write and no extra trip through epoll per request.
 */
#ifndef KEFU_LOOPQ_H
#define KEFU_LOOPQ_H

#include <pthread.h>
#include <stdbool.h>
#include <uv.h>

typedef struct kefu_loopq_item kefu_loopq_item;
typedef void (*kefu_loopq_fn)(kefu_loopq_item *item);

/* Embed in the struct being handed over; the queue never allocates. */
struct kefu_loopq_item {
    kefu_loopq_item *next;
    kefu_loopq_fn fn;
};

typedef struct {
    uv_async_t async;
    pthread_mutex_t mtx;
    kefu_loopq_item *head, *tail;
    bool wake_pending; /* an uv_async_send is on its way */
    bool draining;     /* the loop is running items and will look again */
} kefu_loopq;

int kefu_loopq_init(kefu_loopq *q, uv_loop_t *loop);
/* Safe from any thread. `item` must not be pushed again until its fn ran. */
void kefu_loopq_push(kefu_loopq *q, kefu_loopq_item *item, kefu_loopq_fn fn);
/* Closes the async handle (loop thread); `done` runs from its close callback. */
void kefu_loopq_close(kefu_loopq *q, uv_close_cb done);

#endif
