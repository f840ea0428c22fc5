/*
 * schema.h - declarative parameter schemas.
 *
 * Each method's params are a NULL-terminated array of kefu_field. The same
 * declarations validate requests (kefu_schema_validate) and are printed as
 * JSON Schema by sys.Describe (kefu_schema_to_json): one source of truth.
 * Build rows with the KEFU_F_* macros below.
 */
#ifndef KEFU_SCHEMA_H
#define KEFU_SCHEMA_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "status.h"

typedef enum {
    KEFU_T_STRING,  /* length in characters within [min, max] */
    KEFU_T_INTEGER, /* integral JSON number within [min, max] */
    KEFU_T_BOOLEAN,
    KEFU_T_ENUM,     /* a string, one of `values` */
    KEFU_T_DATE,     /* "YYYY-MM-DD", a real date */
    KEFU_T_DATETIME, /* RFC 3339 with offset */
    KEFU_T_OBJECT,   /* members `fields`; unknown members refused */
    KEFU_T_ARRAY,    /* elements per `items`; count within [min, max] */
    KEFU_T_ID,       /* a string or an integer (e.g. an external id), <= max characters */
} kefu_type;

enum {
    KEFU_REQUIRED = 1u << 0, /* must be present (and not null) */
    KEFU_NULLABLE = 1u << 1, /* null allowed and treated as absent */
};

typedef struct kefu_field {
    const char *name;
    kefu_type type;
    unsigned flags;
    int64_t min, max;
    const char *const *values;       /* KEFU_T_ENUM: NULL-terminated */
    const struct kefu_field *fields; /* KEFU_T_OBJECT: NULL-name-terminated */
    const struct kefu_field *items;  /* KEFU_T_ARRAY: the element schema */
    const char *doc;                 /* description for sys.Describe */
} kefu_field;

#define KEFU_F_STRING(n, fl, lo, hi, d)                                                            \
    {                                                                                              \
        .name = (n), .type = KEFU_T_STRING, .flags = (fl), .min = (lo), .max = (hi), .doc = (d)    \
    }
#define KEFU_F_INT(n, fl, lo, hi, d)                                                               \
    {                                                                                              \
        .name = (n), .type = KEFU_T_INTEGER, .flags = (fl), .min = (lo), .max = (hi), .doc = (d)   \
    }
#define KEFU_F_BOOL(n, fl, d)                                                                      \
    {                                                                                              \
        .name = (n), .type = KEFU_T_BOOLEAN, .flags = (fl), .doc = (d)                             \
    }
#define KEFU_F_ENUM(n, fl, vals, d)                                                                \
    {                                                                                              \
        .name = (n), .type = KEFU_T_ENUM, .flags = (fl), .values = (vals), .doc = (d)              \
    }
#define KEFU_F_DATE(n, fl, d)                                                                      \
    {                                                                                              \
        .name = (n), .type = KEFU_T_DATE, .flags = (fl), .doc = (d)                                \
    }
#define KEFU_F_DATETIME(n, fl, d)                                                                  \
    {                                                                                              \
        .name = (n), .type = KEFU_T_DATETIME, .flags = (fl), .doc = (d)                            \
    }
#define KEFU_F_OBJECT(n, fl, flds, d)                                                              \
    {                                                                                              \
        .name = (n), .type = KEFU_T_OBJECT, .flags = (fl), .fields = (flds), .doc = (d)            \
    }
#define KEFU_F_ARRAY(n, fl, lo, hi, it, d)                                                         \
    {                                                                                              \
        .name = (n), .type = KEFU_T_ARRAY, .flags = (fl), .min = (lo), .max = (hi), .items = (it), \
        .doc = (d)                                                                                 \
    }
/* Integer ids are below this in magnitude (15 digits): every JSON printer
 * on the way keeps them exact. */
#define KEFU_ID_INT_LIMIT 1000000000000000LL
#define KEFU_F_ID(n, fl, hi, d)                                                                    \
    {                                                                                              \
        .name = (n), .type = KEFU_T_ID, .flags = (fl), .max = (hi), .doc = (d)                     \
    }
#define KEFU_F_END                                                                                 \
    {                                                                                              \
        .name = NULL                                                                               \
    }

/*
 * Validates `params` against the object schema `fields`. `params` NULL means
 * an empty object; anything else that is not an object is refused. On
 * failure: INVALID_ARGUMENT, err->field the dotted path ("customer.name",
 * "items[2].quantity"), err->message "params.<path>: <reason>" — reasons
 * such as "required", "unknown field", "must be a string", "must be at most
 * 200 characters", "must be one of phone|visit|...", "must be a date
 * YYYY-MM-DD", "must be an RFC 3339 time with offset", "must be an integer
 * between 1 and 5". Strings must be valid UTF-8 (parse already checks).
 */
kefu_status kefu_schema_validate(const kefu_field *fields, const cJSON *params, kefu_error *err);

/*
 * JSON Schema (draft 2020-12 vocabulary) of the object schema `fields`:
 * {"type":"object","properties":{...},"required":[...],
 *  "additionalProperties":false}, with minLength/maxLength, minimum/maximum,
 * enum, format "date"/"date-time", minItems/maxItems, items and description.
 * Caller owns the result.
 */
cJSON *kefu_schema_to_json(const kefu_field *fields);

#endif
