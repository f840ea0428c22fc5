/*
 * schema.c - validates params against kefu_field declarations and prints the
 * same declarations as JSON Schema.
 *
 * Validation stops at the first error. Within one object, members that the
 * schema does not declare are reported first (in the order they appear in the
 * request), then the declared fields in declaration order, each one checked
 * fully (recursing into objects and arrays) before the next. Reporting an
 * unknown member first means a misspelt name ("custmer") is named as such
 * rather than surfacing as "customer: required".
 *
 * Limits are inclusive and always applied as declared: a STRING, ARRAY or ID
 * declared with max 0 accepts nothing longer than 0.
 */
#include "schema.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "timeutil.h"
#include "utf8.h"

/* A dotted path fits kefu_error.field; longer ones are cut at a character. */
typedef struct {
    char buf[sizeof(((kefu_error *)0)->field)];
    size_t len;
} path_buf;

/* Cuts a trailing UTF-8 sequence that truncation left incomplete. */
static void utf8_trim_tail(char *s, size_t len)
{
    size_t i = len, back = 0;
    unsigned char lead;
    size_t need;

    while (i > 0 && back < 4 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) {
        i--;
        back++;
    }
    if (i == 0)
        return;
    lead = (unsigned char)s[i - 1];
    need = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (back + 1 < need)
        s[i - 1] = '\0';
}

/* Appends `.name` (or `name` at the top) or `[index]`; returns the old length. */
static size_t path_push(path_buf *p, const char *name, long index)
{
    size_t old = p->len, room = sizeof(p->buf) - p->len;
    int n;

    if (name)
        n = snprintf(p->buf + p->len, room, "%s%s", p->len ? "." : "", name);
    else
        n = snprintf(p->buf + p->len, room, "[%ld]", index);
    if (n < 0)
        n = 0;
    if ((size_t)n >= room) {
        p->len = sizeof(p->buf) - 1;
        utf8_trim_tail(p->buf, p->len);
        p->len = strlen(p->buf);
    } else {
        p->len += (size_t)n;
    }
    return old;
}

static void path_pop(path_buf *p, size_t old)
{
    p->len = old;
    p->buf[old] = '\0';
}

/* Fills `err` with "params.<path>: <reason>" and field <path>. */
static kefu_status fail(kefu_error *err, const path_buf *p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static kefu_status fail(kefu_error *err, const path_buf *p, const char *fmt, ...)
{
    char reason[sizeof(err->message)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    utf8_trim_tail(reason, strlen(reason));
    kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, p->buf, "params%s%s: %s", p->len ? "." : "",
                   p->buf, reason);
    utf8_trim_tail(err->message, strlen(err->message));
    return KEFU_STATUS_INVALID_ARGUMENT;
}

static const char *plural(int64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* The "required"/"must not be empty"/length checks shared by STRING and ID. */
static kefu_status check_length(const kefu_field *f, const char *s, int64_t min, int64_t max,
                                const path_buf *p, kefu_error *err)
{
    size_t bytes = strlen(s);
    int64_t n;

    if (!kefu_utf8_valid(s, bytes))
        return fail(err, p, "must be valid UTF-8");
    if (bytes == 0 && min >= 1)
        return fail(err, p, "%s", (f->flags & KEFU_REQUIRED) ? "required" : "must not be empty");
    n = (int64_t)kefu_utf8_count(s, bytes);
    if (n < min)
        return fail(err, p, "must be at least %" PRId64 " %s", min,
                    plural(min, "character", "characters"));
    if (n > max)
        return fail(err, p, "must be at most %" PRId64 " %s", max,
                    plural(max, "character", "characters"));
    return KEFU_STATUS_OK;
}

static kefu_status fail_enum(const kefu_field *f, const path_buf *p, kefu_error *err)
{
    char list[sizeof(err->message)];
    size_t len = 0;

    list[0] = '\0';
    for (const char *const *v = f->values; v && *v && len < sizeof(list) - 1; v++) {
        int n = snprintf(list + len, sizeof(list) - len, "%s%s", len ? "|" : "", *v);
        if (n < 0)
            break;
        len += (size_t)n;
    }
    return fail(err, p, "must be one of %s", list);
}

static kefu_status validate_object(const kefu_field *fields, const cJSON *obj, path_buf *p,
                                   kefu_error *err);

/* Checks present, non-null-as-absent value `v` against `f`. */
static kefu_status validate_value(const kefu_field *f, const cJSON *v, path_buf *p, kefu_error *err)
{
    int64_t n;

    switch (f->type) {
    case KEFU_T_STRING:
        if (!cJSON_IsString(v))
            return fail(err, p, "must be a string");
        return check_length(f, v->valuestring, f->min, f->max, p, err);

    case KEFU_T_INTEGER:
        if (!kefu_json_int(v, &n) || n < f->min || n > f->max)
            return fail(err, p, "must be an integer between %" PRId64 " and %" PRId64, f->min,
                        f->max);
        return KEFU_STATUS_OK;

    case KEFU_T_BOOLEAN:
        if (!cJSON_IsBool(v))
            return fail(err, p, "must be a boolean");
        return KEFU_STATUS_OK;

    case KEFU_T_ENUM:
        if (cJSON_IsString(v)) {
            for (const char *const *e = f->values; e && *e; e++) {
                if (strcmp(*e, v->valuestring) == 0)
                    return KEFU_STATUS_OK;
            }
        }
        return fail_enum(f, p, err);

    case KEFU_T_DATE: {
        kefu_date d;
        if (!cJSON_IsString(v) || !kefu_date_parse(v->valuestring, strlen(v->valuestring), &d))
            return fail(err, p, "must be a date YYYY-MM-DD");
        return KEFU_STATUS_OK;
    }

    case KEFU_T_DATETIME: {
        kefu_ms t;
        if (!cJSON_IsString(v) ||
            !kefu_time_parse_rfc3339(v->valuestring, strlen(v->valuestring), &t))
            return fail(err, p, "must be an RFC 3339 time with offset");
        return KEFU_STATUS_OK;
    }

    case KEFU_T_OBJECT:
        if (!cJSON_IsObject(v))
            return fail(err, p, "must be an object");
        return validate_object(f->fields, v, p, err);

    case KEFU_T_ARRAY: {
        long i = 0;
        const cJSON *e;

        if (!cJSON_IsArray(v))
            return fail(err, p, "must be an array");
        n = cJSON_GetArraySize(v);
        if (n < f->min)
            return fail(err, p, "must have at least %" PRId64 " %s", f->min,
                        plural(f->min, "item", "items"));
        if (n > f->max)
            return fail(err, p, "must have at most %" PRId64 " %s", f->max,
                        plural(f->max, "item", "items"));
        if (f->items == NULL)
            return KEFU_STATUS_OK;
        cJSON_ArrayForEach(e, v)
        {
            size_t old = path_push(p, NULL, i++);
            kefu_status st = KEFU_STATUS_OK;

            if (!cJSON_IsNull(e) || !(f->items->flags & KEFU_NULLABLE))
                st = validate_value(f->items, e, p, err);
            path_pop(p, old);
            if (st != KEFU_STATUS_OK)
                return st;
        }
        return KEFU_STATUS_OK;
    }

    case KEFU_T_ID:
        if (kefu_json_is_int(v)) {
            /* JSON printers (cJSON's among them) write doubles with 15
             * significant digits: a longer integer id would come back as
             * another customer. Such ids travel as strings. */
            int64_t n = 0;
            kefu_json_int(v, &n);
            if (n <= -KEFU_ID_INT_LIMIT || n >= KEFU_ID_INT_LIMIT)
                return fail(err, p,
                            "an integer id has at most 15 digits; send a longer one as a string");
            return KEFU_STATUS_OK;
        }
        if (!cJSON_IsString(v))
            return fail(err, p, "must be a string or an integer");
        return check_length(f, v->valuestring, 1, f->max, p, err);
    }
    return fail(err, p, "has an unsupported schema type");
}

static const kefu_field *find_field(const kefu_field *fields, const char *name)
{
    for (const kefu_field *f = fields; f && f->name; f++) {
        if (strcmp(f->name, name) == 0)
            return f;
    }
    return NULL;
}

static kefu_status validate_object(const kefu_field *fields, const cJSON *obj, path_buf *p,
                                   kefu_error *err)
{
    const cJSON *m;

    cJSON_ArrayForEach(m, obj)
    {
        const char *name = m->string ? m->string : "";

        if (find_field(fields, name) == NULL) {
            path_push(p, name, 0);
            return fail(err, p, "unknown field");
        }
    }

    for (const kefu_field *f = fields; f && f->name; f++) {
        const cJSON *v = kefu_json_get(obj, f->name);
        size_t old = path_push(p, f->name, 0);
        kefu_status st = KEFU_STATUS_OK;

        if (v == NULL || (cJSON_IsNull(v) && (f->flags & KEFU_NULLABLE))) {
            if (f->flags & KEFU_REQUIRED)
                return fail(err, p, "required");
        } else {
            st = validate_value(f, v, p, err);
        }
        if (st != KEFU_STATUS_OK)
            return st;
        path_pop(p, old);
    }
    return KEFU_STATUS_OK;
}

kefu_status kefu_schema_validate(const kefu_field *fields, const cJSON *params, kefu_error *err)
{
    static const cJSON empty = {.type = cJSON_Object};
    path_buf p = {.len = 0};

    if (params == NULL)
        params = &empty;
    if (!cJSON_IsObject(params))
        return fail(err, &p, "must be an object");
    return validate_object(fields, params, &p, err);
}

/* Attaches `item` to `obj`; frees `item` when that fails. */
static bool add(cJSON *obj, const char *key, cJSON *item)
{
    if (item == NULL)
        return false;
    if (!cJSON_AddItemToObject(obj, key, item)) {
        cJSON_Delete(item);
        return false;
    }
    return true;
}

static bool append(cJSON *arr, cJSON *item)
{
    if (item == NULL)
        return false;
    if (!cJSON_AddItemToArray(arr, item)) {
        cJSON_Delete(item);
        return false;
    }
    return true;
}

/* "type": "<name>", or a list of names, plus "null" when `nullable`. */
static bool add_type(cJSON *node, const char *a, const char *b, bool nullable)
{
    cJSON *list;
    bool ok;

    if (b == NULL && !nullable)
        return add(node, "type", cJSON_CreateString(a));
    list = cJSON_CreateArray();
    if (list == NULL)
        return false;
    ok = append(list, cJSON_CreateString(a));
    if (b)
        ok = ok && append(list, cJSON_CreateString(b));
    if (nullable)
        ok = ok && append(list, cJSON_CreateString("null"));
    if (!ok) {
        cJSON_Delete(list);
        return false;
    }
    return add(node, "type", list);
}

static bool add_int(cJSON *node, const char *key, int64_t v)
{
    return add(node, key, cJSON_CreateNumber((double)v));
}

static bool fill_object(cJSON *node, const kefu_field *fields);

static cJSON *field_schema(const kefu_field *f)
{
    cJSON *node = cJSON_CreateObject();
    bool nullable = (f->flags & KEFU_NULLABLE) != 0;
    bool ok;

    if (node == NULL)
        return NULL;

    switch (f->type) {
    case KEFU_T_STRING:
        ok = add_type(node, "string", NULL, nullable) && add_int(node, "minLength", f->min) &&
             add_int(node, "maxLength", f->max);
        break;
    case KEFU_T_INTEGER:
        ok = add_type(node, "integer", NULL, nullable) && add_int(node, "minimum", f->min) &&
             add_int(node, "maximum", f->max);
        break;
    case KEFU_T_BOOLEAN:
        ok = add_type(node, "boolean", NULL, nullable);
        break;
    case KEFU_T_ENUM: {
        cJSON *values = NULL;

        ok = add_type(node, "string", NULL, nullable);
        if (ok) {
            values = cJSON_CreateArray();
            ok = add(node, "enum", values);
        }
        for (const char *const *v = f->values; ok && v && *v; v++)
            ok = append(values, cJSON_CreateString(*v));
        /* "enum" restricts the value itself, so a nullable enum lists null. */
        if (ok && nullable)
            ok = append(values, cJSON_CreateNull());
        break;
    }
    case KEFU_T_DATE:
        ok = add_type(node, "string", NULL, nullable) &&
             add(node, "format", cJSON_CreateString("date"));
        break;
    case KEFU_T_DATETIME:
        ok = add_type(node, "string", NULL, nullable) &&
             add(node, "format", cJSON_CreateString("date-time"));
        break;
    case KEFU_T_OBJECT:
        ok = add_type(node, "object", NULL, nullable) && fill_object(node, f->fields);
        break;
    case KEFU_T_ARRAY:
        ok = add_type(node, "array", NULL, nullable) && add_int(node, "minItems", f->min) &&
             add_int(node, "maxItems", f->max);
        if (ok && f->items)
            ok = add(node, "items", field_schema(f->items));
        break;
    case KEFU_T_ID:
        ok = add_type(node, "string", "integer", nullable) && add_int(node, "minLength", 1) &&
             add_int(node, "maxLength", f->max) &&
             add_int(node, "minimum", -(KEFU_ID_INT_LIMIT - 1)) &&
             add_int(node, "maximum", KEFU_ID_INT_LIMIT - 1);
        break;
    default:
        ok = false;
        break;
    }
    if (ok && f->doc && f->doc[0])
        ok = add(node, "description", cJSON_CreateString(f->doc));
    if (!ok) {
        cJSON_Delete(node);
        return NULL;
    }
    return node;
}

/* Adds "properties", "required" (when not empty) and "additionalProperties". */
static bool fill_object(cJSON *node, const kefu_field *fields)
{
    cJSON *props = cJSON_CreateObject();
    cJSON *required = cJSON_CreateArray();
    bool ok = props && required;

    for (const kefu_field *f = fields; ok && f && f->name; f++) {
        ok = add(props, f->name, field_schema(f));
        if (ok && (f->flags & KEFU_REQUIRED))
            ok = append(required, cJSON_CreateString(f->name));
    }
    if (!ok) {
        cJSON_Delete(props);
        cJSON_Delete(required);
        return false;
    }
    if (!add(node, "properties", props)) {
        cJSON_Delete(required);
        return false;
    }
    if (cJSON_GetArraySize(required) == 0)
        cJSON_Delete(required);
    else if (!add(node, "required", required))
        return false;
    return add(node, "additionalProperties", cJSON_CreateFalse());
}

cJSON *kefu_schema_to_json(const kefu_field *fields)
{
    cJSON *node = cJSON_CreateObject();

    if (node == NULL)
        return NULL;
    if (!add(node, "type", cJSON_CreateString("object")) || !fill_object(node, fields)) {
        cJSON_Delete(node);
        return NULL;
    }
    return node;
}
