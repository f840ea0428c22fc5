/*
 * record.c - pure helpers of the visits service: day numbers, id shapes,
 * the plan steps the store needs, and the JSON texts of issues and of the
 * parameters sent to the complaints service. No I/O, no clock.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "utf8.h"
#include "visits.h"

void visits_day_text(kefu_date d, char out[16])
{
    snprintf(out, 16, "%lld", (long long)kefu_date_to_days(d));
}

bool visits_date_in_range(const char *s, kefu_date *out)
{
    kefu_date d;

    if (!s || !kefu_date_parse(s, strlen(s), &d) || d.year < VISITS_MIN_YEAR ||
        d.year > VISITS_MAX_YEAR)
        return false;
    *out = d;
    return true;
}

/* True when s[from, from + n) are all digits. */
static bool digits(const char *s, size_t from, size_t n)
{
    for (size_t i = from; i < from + n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
    }
    return true;
}

/* "X2026-000001": a letter, a year, a dash and 6..10 digits. */
static bool yearly_id(const char *id, char letter)
{
    size_t n = strlen(id);
    return n >= 12 && n <= 16 && id[0] == letter && id[5] == '-' && digits(id, 1, 4) &&
           digits(id, 6, n - 6);
}

/* "X000001": a letter and 6..10 digits. */
static bool plain_id(const char *id, size_t n, char letter)
{
    return n >= 7 && n <= 11 && id[0] == letter && digits(id, 1, n - 1);
}

visits_id_kind visits_id_classify(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    const char *r;

    if (n == 0)
        return VISITS_ID_NONE;
    if (plain_id(id, n, 'A'))
        return VISITS_ID_ACCOUNT;
    if (plain_id(id, n, 'P'))
        return VISITS_ID_PLANNED;
    if (yearly_id(id, 'V'))
        return VISITS_ID_VISIT;
    if (yearly_id(id, 'Q'))
        return VISITS_ID_QINFO;
    if (yearly_id(id, 'S'))
        return VISITS_ID_SYMPOSIUM;
    r = strstr(id, "-R");
    if (r && plain_id(id, (size_t)(r - id), 'A') && r[2] != '\0' && strlen(r + 2) <= 6 &&
        digits(r, 2, strlen(r + 2)) && r[2] != '0')
        return VISITS_ID_ROUTINE;
    return VISITS_ID_NONE;
}

bool visits_complaint_id_valid(const char *id)
{
    return id && yearly_id(id, 'C');
}

void visits_plan_at_enroll(kefu_date delivered_on, kefu_date today, int *n, kefu_date *due)
{
    *n = visits_plan_first_on_or_after(delivered_on, today);
    *due = visits_plan_due(delivered_on, *n);
}

void visits_plan_after(kefu_date delivered_on, int n, kefu_date visited_on, int *next_n,
                       kefu_date *due)
{
    int after = visits_plan_first_on_or_after(delivered_on, kefu_date_add_days(visited_on, 1));

    *next_n = after > n + 1 ? after : n + 1;
    *due = visits_plan_due(delivered_on, *next_n);
}

cJSON *visits_id_item(const cJSON *v)
{
    char digits[24];
    int64_t n;

    if (cJSON_IsString(v))
        return cJSON_CreateString(v->valuestring);
    if (!kefu_json_int(v, &n))
        return NULL;
    snprintf(digits, sizeof(digits), "%lld", (long long)n);
    return cJSON_CreateRaw(digits);
}

char *visits_utf8_cut(const char *s, size_t max_chars)
{
    size_t len = strlen(s), bytes = 0, chars = 0;

    /* Count characters by their lead bytes (the text is valid UTF-8). */
    while (bytes < len) {
        if (((unsigned char)s[bytes] & 0xC0) != 0x80) {
            if (chars == max_chars)
                break;
            chars++;
        }
        bytes++;
    }
    bytes = kefu_utf8_prefix(s, len, bytes);
    char *out = malloc(bytes + 1);
    if (out) {
        memcpy(out, s, bytes);
        out[bytes] = '\0';
    }
    return out;
}

static cJSON *copy_or_null(const cJSON *obj, const char *key)
{
    const cJSON *v = kefu_json_get(obj, key);
    return v ? cJSON_Duplicate(v, true) : cJSON_CreateNull();
}

char *visits_issue_text(const cJSON *issue)
{
    const char *kind = kefu_json_str(issue, "kind");
    const cJSON *deps = kefu_json_get(issue, "departments");
    cJSON *o = cJSON_CreateObject();
    char *text;

    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "kind", kind);
    cJSON_AddStringToObject(o, "text", kefu_json_str(issue, "text"));
    cJSON_AddItemToObject(o, "category", copy_or_null(issue, "category"));
    cJSON_AddItemToObject(o, "severity", copy_or_null(issue, "severity"));
    cJSON_AddItemToObject(o, "departments",
                          deps ? cJSON_Duplicate(deps, true) : cJSON_CreateArray());
    cJSON_AddItemToObject(o, "product", copy_or_null(issue, "product"));
    /* The id the issue led to goes last, so the store can fill it in. */
    cJSON_AddNullToObject(o, strcmp(kind, "complaint") == 0 ? "complaint_id" : "quality_info_id");
    text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

/* Appends `"key":<v printed>,` to `b`. */
static void member(kefu_buf *b, const char *key, cJSON *v)
{
    char *t = v ? cJSON_PrintUnformatted(v) : NULL;

    kefu_buf_printf(b, "%s\"%s\":%s", b->len ? "," : "", key, t ? t : "null");
    cJSON_free(t);
    cJSON_Delete(v);
}

/* The buffer's text as a malloc'd string (the buffer is freed). */
static char *take(kefu_buf *b)
{
    char *out = b->oom ? NULL : strdup(kefu_buf_cstr(b));
    kefu_buf_free(b);
    return out;
}

char *visits_complaint_members(const cJSON *issue, const char *received_at)
{
    const char *text = kefu_json_str(issue, "text"), *category = kefu_json_str(issue, "category");
    const cJSON *product = kefu_json_get(issue, "product"), *severity;
    char *title = visits_utf8_cut(text, VISITS_TITLE_MAX);
    cJSON *prod;
    kefu_buf b;

    if (!title)
        return NULL;
    kefu_buf_init(&b);
    if (product) {
        prod = cJSON_Duplicate(product, true);
    } else {
        prod = cJSON_CreateObject();
        cJSON_AddStringToObject(prod, "model", VISITS_UNNAMED_MODEL);
    }
    member(&b, "product", prod);
    member(&b, "category", cJSON_CreateString(category ? category : "quality"));
    severity = kefu_json_get(issue, "severity");
    if (severity)
        member(&b, "severity", cJSON_Duplicate(severity, true));
    member(&b, "title", cJSON_CreateString(title));
    member(&b, "description", cJSON_CreateString(text));
    member(&b, "received_at", cJSON_CreateString(received_at));
    free(title);
    return take(&b);
}

char *visits_confirm_members(int satisfaction, const char *contact, const char *summary)
{
    char *comment = visits_utf8_cut(summary, VISITS_COMMENT_MAX);
    kefu_buf b;

    if (!comment)
        return NULL;
    kefu_buf_init(&b);
    member(&b, "satisfied", cJSON_CreateBool(satisfaction >= 3));
    member(&b, "rating", cJSON_CreateNumber(satisfaction));
    member(&b, "confirmed_by", cJSON_CreateString(contact));
    member(&b, "comment", cJSON_CreateString(comment));
    free(comment);
    return take(&b);
}
