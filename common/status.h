/*
 * status.h - the one error model of kefu: gRPC's canonical status codes.
 *
 * KEFU_STATUS_MAP is the single list; the enum and the names are generated
 * from it. A function that can fail returns kefu_status and writes its
 * out-parameters only on success; the message and the offending field travel
 * in a caller-owned kefu_error.
 */
#ifndef KEFU_STATUS_H
#define KEFU_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#define KEFU_STATUS_MAP(XX)                                                                        \
    XX(OK, 0)                                                                                      \
    XX(CANCELLED, 1)                                                                               \
    XX(UNKNOWN, 2)                                                                                 \
    XX(INVALID_ARGUMENT, 3)                                                                        \
    XX(DEADLINE_EXCEEDED, 4)                                                                       \
    XX(NOT_FOUND, 5)                                                                               \
    XX(ALREADY_EXISTS, 6)                                                                          \
    XX(PERMISSION_DENIED, 7)                                                                       \
    XX(RESOURCE_EXHAUSTED, 8)                                                                      \
    XX(FAILED_PRECONDITION, 9)                                                                     \
    XX(ABORTED, 10)                                                                                \
    XX(OUT_OF_RANGE, 11)                                                                           \
    XX(UNIMPLEMENTED, 12)                                                                          \
    XX(INTERNAL, 13)                                                                               \
    XX(UNAVAILABLE, 14)                                                                            \
    XX(DATA_LOSS, 15)                                                                              \
    XX(UNAUTHENTICATED, 16)

typedef enum {
#define XX(name, num) KEFU_STATUS_##name = num,
    KEFU_STATUS_MAP(XX)
#undef XX
} kefu_status;

#define KEFU_STATUS_COUNT 17

/* "INVALID_ARGUMENT" for 3; "UNKNOWN" for a number outside the map. */
const char *kefu_status_name(kefu_status status);

/* Looks a name up ("NOT_FOUND"); false when it is not in the map. */
bool kefu_status_from_name(const char *name, kefu_status *out);

/* A failure's details. `field` is empty when no single field is at fault. */
typedef struct {
    kefu_status status;
    char message[512];
    char field[256];
} kefu_error;

/*
 * Fills `err` (status, field or NULL, printf-style message) and returns
 * `status`, so that `return kefu_error_set(err, ...)` reads naturally.
 */
kefu_status kefu_error_set(kefu_error *err, kefu_status status, const char *field, const char *fmt,
                           ...) __attribute__((format(printf, 4, 5)));

/* Resets `err` to OK with empty message and field. */
void kefu_error_clear(kefu_error *err);

#endif
