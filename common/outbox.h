/*
 * outbox.h - the transactional outbox and its relay (SPEC section 6).
 *
 * A service that must make another one do something never calls it from a
 * handler. Its store script calls outbox(service, method, params[, hook,
 * ctx]) (see kefu_script_init), which writes an entry in the same atomic
 * script as the service's own change: both happen or neither does.
 *
 * Every service runs a relay on its loop. It claims due entries with a lease
 * in Redis (one replica at a time delivers an entry; one that dies
 * mid-delivery leaves it to be claimed again when the lease ends), calls the
 * peer with the client library using the entry id ("complaints-42") as the
 * idempotency key, and on acknowledgement runs the entry's hook, if any, then
 * removes the entry. UNAVAILABLE, a deadline, INTERNAL and the like are
 * retried with capped exponential backoff: a peer that is down delays the
 * effect, never drops it. An answer that retrying cannot change
 * (INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION, ALREADY_EXISTS,
 * OUT_OF_RANGE) moves the entry to the failed set, logged, counted, listed by
 * sys.Outbox (kefuctl outbox), sent again by sys.OutboxRetry or dropped by
 * sys.OutboxDrop. Each claim leases the entry with a token (a count of its
 * claims, never reset); a relay whose lease has ended cannot reschedule or
 * fail it. Times are Redis's clock, the same for every replica.
 *
 * Redis keys, per sending service S: NS:outbox:S:seq (entry numbers),
 * NS:outbox:S:e:<n> (the entry: service, method, params, hook, ctx, created,
 * actor, attempts, lease, last_error, failed_at), NS:outbox:S:pending (n by
 * creation time), NS:outbox:S:due (n by the wall-clock ms from which it may
 * be claimed), NS:outbox:S:failed (n by the time it failed).
 */
#ifndef KEFU_OUTBOX_H
#define KEFU_OUTBOX_H

#include "rpc.h"

typedef struct kefu_outbox kefu_outbox;

/*
 * Registers store script `s` as hook `name`: when the peer acknowledges an
 * entry written with that hook, the relay runs `s` with ARGV = {ctx, the
 * peer's result as JSON text} (NOW_MS the service clock, ACTOR the entry's
 * writer) before removing the entry. A hook may run more than once with the
 * same result (a relay can die between the hook and the removal): it must be
 * idempotent. An error from it other than UNAVAILABLE fails the entry.
 * Call from the service's init.
 */
void kefu_outbox_hook(kefu_service *svc, const char *name, const kefu_script *s);

/* ---- the runtime's ---- */
kefu_outbox *kefu_outbox_new(kefu_service *svc);
void kefu_outbox_start(kefu_outbox *o);
/* An entry was just written: claim now rather than at the next poll. */
void kefu_outbox_kick(kefu_outbox *o);
/* SIGTERM: claim nothing more; deliveries in flight finish (with their
 * outcome recorded) while the service drains its requests. */
void kefu_outbox_quiesce(kefu_outbox *o);
/* Deliveries or a claim still in flight. */
bool kefu_outbox_busy(const kefu_outbox *o);
/* The service's own requests have drained: deliveries still waiting on a
 * peer give up now, each recording a retry due at once (for another
 * replica, or this one restarted), instead of holding the stop up. */
void kefu_outbox_cancel(kefu_outbox *o);
/* On the loop at shutdown, before Redis closes: no more claims; deliveries
 * still in flight (past the drain limit) are abandoned: their leases end and
 * they are delivered again. */
void kefu_outbox_stop(kefu_outbox *o);
/* After the loop has ended. */
void kefu_outbox_free(kefu_outbox *o);

/* sys.Outbox {limit?}, sys.OutboxRetry {id}, sys.OutboxDrop {id} */
void kefu_outbox_list_method(kefu_call *call);
void kefu_outbox_retry_method(kefu_call *call);
void kefu_outbox_drop_method(kefu_call *call);

#endif
