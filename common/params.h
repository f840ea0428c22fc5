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

#endif
