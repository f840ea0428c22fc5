/*
 * params.h - a call's validated params as store-script arguments: the
 * readings every service's handlers make the same way.
 */
#ifndef KEFU_PARAMS_H
#define KEFU_PARAMS_H

#include <stdbool.h>

#include "rpc.h"

/* The number behind a cursor this service gave out (`letter`, then 1 to 19
 * digits) in `out`; "" when the call has none. False after replying
 * INVALID_ARGUMENT (field "cursor") to anything else. */
bool kefu_param_cursor(kefu_call *call, char letter, char out[24]);

/* Integer param `key` as text; `def` ("" when NULL) when it is absent. */
void kefu_param_int_text(kefu_call *call, const char *key, const char *def, char out[24]);

/* A list's page: kefu_param_cursor into `cursor`, and `limit` (default 50)
 * as text. False after replying INVALID_ARGUMENT to a bad cursor. */
bool kefu_param_page(kefu_call *call, char letter, char cursor[24], char limit[24]);

/* Business-date param `key` as the ms its day starts in zone `tz` (plus
 * `plus_days`: 1 for a range's exclusive end), as text; "" when absent. */
void kefu_param_day_ms(kefu_call *call, const char *key, int tz, int plus_days, char out[24]);

#endif
