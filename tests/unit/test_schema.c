/* Unit tests of schema: validation messages and fields, JSON Schema output. */
#include <stdbool.h>

#include "json.h"
#include "schema.h"
#include "test.h"

static const char *const channels[] = {"phone",   "visit", "email", "letter",
                                       "hotline", "web",   "other", NULL};
static const char *const severities[] = {"minor", "major", "critical", NULL};

static const kefu_field contact_fields[] = {
    KEFU_F_STRING("person", 0, 1, 50, "contact person"),
    KEFU_F_STRING("phone", 0, 1, 30, NULL),
    KEFU_F_STRING("email", KEFU_NULLABLE, 0, 100, NULL),
    KEFU_F_END,
};

static const kefu_field customer_fields[] = {
    KEFU_F_ID("id", KEFU_REQUIRED, 32, "customer id"),
    KEFU_F_STRING("name", KEFU_REQUIRED, 1, 100, "customer name"),
    KEFU_F_OBJECT("contact", KEFU_NULLABLE, contact_fields, NULL),
    KEFU_F_END,
};

static const kefu_field product_fields[] = {
    KEFU_F_STRING("model", KEFU_REQUIRED, 1, 64, NULL),
    KEFU_F_STRING("batch", 0, 0, 64, NULL),
    KEFU_F_DATE("production_date", 0, NULL),
    KEFU_F_INT("quantity", 0, 1, 1000000, NULL),
    KEFU_F_END,
};

static const kefu_field item_fields[] = {
    KEFU_F_STRING("sku", KEFU_REQUIRED, 1, 32, NULL),
    KEFU_F_INT("quantity", KEFU_REQUIRED, 1, 1000000, NULL),
    KEFU_F_END,
};
static const kefu_field item_schema = KEFU_F_OBJECT("item", 0, item_fields, "one line");
static const kefu_field tag_schema = KEFU_F_STRING("tag", 0, 1, 10, NULL);

static const kefu_field create_params[] = {
    KEFU_F_OBJECT("customer", KEFU_REQUIRED, customer_fields, "who complains"),
    KEFU_F_OBJECT("product", KEFU_REQUIRED, product_fields, NULL),
    KEFU_F_ENUM("channel", KEFU_REQUIRED, channels, NULL),
    KEFU_F_ENUM("severity", KEFU_NULLABLE, severities, NULL),
    KEFU_F_STRING("title", KEFU_REQUIRED, 1, 200, "one-line summary"),
    KEFU_F_STRING("note", 0, 1, 20, NULL),
    KEFU_F_DATE("purchase_date", 0, NULL),
    KEFU_F_DATETIME("received_at", 0, NULL),
    KEFU_F_BOOL("escalated", 0, NULL),
    KEFU_F_INT("rating", KEFU_NULLABLE, 1, 5, NULL),
    KEFU_F_ARRAY("items", 0, 1, 50, &item_schema, NULL),
    KEFU_F_ARRAY("tags", 0, 0, 3, &tag_schema, NULL),
    KEFU_F_END,
};

static const char *const valid_doc =
    "{\"customer\":{\"id\":\"K-001\",\"name\":\"上海某某机械有限公司\","
    "\"contact\":{\"person\":\"王工\",\"phone\":\"13800000000\",\"email\":null}},"
    "\"product\":{\"model\":\"XJ-200\",\"batch\":\"\",\"production_date\":\"2026-03-01\","
    "\"quantity\":1000000},"
    "\"channel\":\"hotline\",\"severity\":null,\"title\":\"电机异响\",\"note\":\"n\","
    "\"purchase_date\":\"2024-02-29\",\"received_at\":\"2026-12-04T15:08:06+08:00\","
    "\"escalated\":false,\"rating\":null,"
    "\"items\":[{\"sku\":\"A\",\"quantity\":1},{\"sku\":\"B\",\"quantity\":2}],"
    "\"tags\":[\"a\",\"b\",\"c\"]}";

static cJSON *parse(const char *text)
{
    kefu_error err;
    cJSON *doc = kefu_json_parse(text, strlen(text), KEFU_JSON_MAX_DEPTH, &err);

    if (doc == NULL)
        fprintf(stderr, "  bad test JSON (%s): %s\n", err.message, text);
    return doc;
}

/*
 * Validates the valid document after replacing member `path` (dotted, may be
 * "items.1" for an array index) with `value` (JSON text, or NULL to delete it).
 */
static kefu_status validate_patched(const char *path, const char *value, kefu_error *err)
{
    cJSON *doc = parse(valid_doc);
    cJSON *parent = doc;
    char buf[128];
    char *key = buf, *dot;
    kefu_status st;

    snprintf(buf, sizeof(buf), "%s", path ? path : "");
    while (path && (dot = strchr(key, '.')) != NULL) {
        *dot = '\0';
        parent = cJSON_IsArray(parent) ? cJSON_GetArrayItem(parent, atoi(key))
                                       : cJSON_GetObjectItemCaseSensitive(parent, key);
        key = dot + 1;
    }
    if (path && parent) {
        bool is_array = cJSON_IsArray(parent);
        int index = atoi(key);
        cJSON *v = value ? parse(value) : NULL;

        /* cJSON 1.7.15's InsertItemInArray fails mid-array: replace instead. */
        if (v == NULL) {
            if (is_array)
                cJSON_DeleteItemFromArray(parent, index);
            else
                cJSON_DeleteItemFromObjectCaseSensitive(parent, key);
        } else if (is_array && index < cJSON_GetArraySize(parent)) {
            cJSON_ReplaceItemInArray(parent, index, v);
        } else if (is_array) {
            cJSON_AddItemToArray(parent, v);
        } else {
            cJSON_DeleteItemFromObjectCaseSensitive(parent, key);
            cJSON_AddItemToObject(parent, key, v);
        }
    }
    kefu_error_clear(err);
    st = kefu_schema_validate(create_params, doc, err);
    cJSON_Delete(doc);
    return st;
}

/* Expects refusal of the patched document with `message` naming `field`. */
#define CHECK_REFUSED(path, value, msg, fld)                                                       \
    do {                                                                                           \
        kefu_error e_;                                                                             \
        CHECK_INT(validate_patched((path), (value), &e_), KEFU_STATUS_INVALID_ARGUMENT);           \
        CHECK_INT(e_.status, KEFU_STATUS_INVALID_ARGUMENT);                                        \
        CHECK_STR(e_.message, (msg));                                                              \
        CHECK_STR(e_.field, (fld));                                                                \
    } while (0)

#define CHECK_ACCEPTED(path, value)                                                                \
    do {                                                                                           \
        kefu_error e_;                                                                             \
        kefu_status s_ = validate_patched((path), (value), &e_);                                   \
        if (s_ != KEFU_STATUS_OK)                                                                  \
            fprintf(stderr, "  refused: %s\n", e_.message);                                        \
        CHECK_INT(s_, KEFU_STATUS_OK);                                                             \
    } while (0)

/* `n` copies of `s`, in a static buffer. */
static const char *repeat(const char *s, int n)
{
    static char buf[4096];
    size_t len = strlen(s), at = 0;

    buf[at++] = '"';
    for (int i = 0; i < n && at + len + 2 < sizeof(buf); i++, at += len)
        memcpy(buf + at, s, len);
    buf[at++] = '"';
    buf[at] = '\0';
    return buf;
}

static void test_valid_document(void)
{
    CHECK_ACCEPTED(NULL, NULL);
    CHECK_ACCEPTED("severity", "\"critical\"");
    CHECK_ACCEPTED("rating", "5");
    CHECK_ACCEPTED("rating", "1.0");
    CHECK_ACCEPTED("customer.id", "12345");
    CHECK_ACCEPTED("customer.id", "-7");
    CHECK_ACCEPTED("customer.contact", "null");
    CHECK_ACCEPTED("customer.contact", "{}");
    CHECK_ACCEPTED("items", "[{\"sku\":\"A\",\"quantity\":1}]");
    CHECK_ACCEPTED("received_at", "\"2026-12-04T07:08:06.123Z\"");
    CHECK_ACCEPTED("escalated", "true");
    CHECK_ACCEPTED("tags", "[\"a\",\"bb\",\"ccc\"]");
    CHECK_ACCEPTED("tags", "[]");
    /* Absent optional fields are fine. */
    CHECK_ACCEPTED("note", NULL);
    CHECK_ACCEPTED("items", NULL);
    CHECK_ACCEPTED("product.quantity", NULL);
    CHECK_ACCEPTED("customer.contact", NULL);
}

static void test_required(void)
{
    CHECK_REFUSED("customer.name", NULL, "params.customer.name: required", "customer.name");
    CHECK_REFUSED("customer.name", "\"\"", "params.customer.name: required", "customer.name");
    CHECK_REFUSED("customer.id", NULL, "params.customer.id: required", "customer.id");
    CHECK_REFUSED("customer.id", "\"\"", "params.customer.id: required", "customer.id");
    CHECK_REFUSED("customer", NULL, "params.customer: required", "customer");
    CHECK_REFUSED("product.model", NULL, "params.product.model: required", "product.model");
    CHECK_REFUSED("channel", NULL, "params.channel: required", "channel");
    CHECK_REFUSED("title", NULL, "params.title: required", "title");
    CHECK_REFUSED("items.1.sku", NULL, "params.items[1].sku: required", "items[1].sku");
    /* Optional but min 1: an empty string is not a value. */
    CHECK_REFUSED("note", "\"\"", "params.note: must not be empty", "note");
    CHECK_REFUSED("customer.contact.person", "\"\"",
                  "params.customer.contact.person: must not be empty", "customer.contact.person");
    /* min 0: empty is fine. */
    CHECK_ACCEPTED("product.batch", "\"\"");
}

static void test_first_error_wins(void)
{
    kefu_error err;
    cJSON *doc;

    /* Declaration order: customer before title. */
    doc = parse("{\"product\":{\"model\":\"M\"},\"channel\":\"web\"}");
    CHECK_INT(kefu_schema_validate(create_params, doc, &err), KEFU_STATUS_INVALID_ARGUMENT);
    CHECK_STR(err.message, "params.customer: required");
    cJSON_Delete(doc);

    /* Unknown members are reported before missing declared ones. */
    doc = parse("{\"custmer\":{}}");
    CHECK_INT(kefu_schema_validate(create_params, doc, &err), KEFU_STATUS_INVALID_ARGUMENT);
    CHECK_STR(err.message, "params.custmer: unknown field");
    CHECK_STR(err.field, "custmer");
    cJSON_Delete(doc);

    /* Inside customer: name missing is found before contact's problems. */
    doc = parse("{\"customer\":{\"id\":1,\"contact\":{\"person\":5}}}");
    CHECK_INT(kefu_schema_validate(create_params, doc, &err), KEFU_STATUS_INVALID_ARGUMENT);
    CHECK_STR(err.message, "params.customer.name: required");
    cJSON_Delete(doc);
}

static void test_unknown_fields(void)
{
    CHECK_REFUSED("status", "\"closed\"", "params.status: unknown field", "status");
    CHECK_REFUSED("customer.vip", "true", "params.customer.vip: unknown field", "customer.vip");
    CHECK_REFUSED("customer.contact.fax", "\"1\"", "params.customer.contact.fax: unknown field",
                  "customer.contact.fax");
    CHECK_REFUSED("items.0.price_cents", "100", "params.items[0].price_cents: unknown field",
                  "items[0].price_cents");
    /* Lookups are case-sensitive. */
    CHECK_REFUSED("Title", "\"x\"", "params.Title: unknown field", "Title");
}

static void test_types(void)
{
    CHECK_REFUSED("title", "5", "params.title: must be a string", "title");
    CHECK_REFUSED("title", "null", "params.title: must be a string", "title");
    CHECK_REFUSED("customer", "\"K-001\"", "params.customer: must be an object", "customer");
    CHECK_REFUSED("customer", "[]", "params.customer: must be an object", "customer");
    CHECK_REFUSED("product", "null", "params.product: must be an object", "product");
    CHECK_REFUSED("escalated", "0", "params.escalated: must be a boolean", "escalated");
    CHECK_REFUSED("escalated", "null", "params.escalated: must be a boolean", "escalated");
    CHECK_REFUSED("items", "{}", "params.items: must be an array", "items");
    CHECK_REFUSED("customer.id", "1.5", "params.customer.id: must be a string or an integer",
                  "customer.id");
    CHECK_REFUSED("customer.id", "true", "params.customer.id: must be a string or an integer",
                  "customer.id");
    CHECK_REFUSED("customer.id", "null", "params.customer.id: must be a string or an integer",
                  "customer.id");
    CHECK_REFUSED("customer.id", repeat("x", 33),
                  "params.customer.id: must be at most 32 characters", "customer.id");
    CHECK_ACCEPTED("customer.id", repeat("编", 32));
}

static void test_integers(void)
{
    const char *msg = "params.product.quantity: must be an integer between 1 and 1000000";

    CHECK_REFUSED("product.quantity", "0", msg, "product.quantity");
    CHECK_REFUSED("product.quantity", "1000001", msg, "product.quantity");
    CHECK_REFUSED("product.quantity", "-1", msg, "product.quantity");
    CHECK_REFUSED("product.quantity", "2.5", msg, "product.quantity");
    CHECK_REFUSED("product.quantity", "\"5\"", msg, "product.quantity");
    CHECK_REFUSED("product.quantity", "1e300", msg, "product.quantity");
    CHECK_REFUSED("product.quantity", "null", msg, "product.quantity");
    CHECK_ACCEPTED("product.quantity", "1");
    CHECK_ACCEPTED("product.quantity", "1e6");
    CHECK_REFUSED("rating", "6", "params.rating: must be an integer between 1 and 5", "rating");
    CHECK_REFUSED("items.1.quantity", "0",
                  "params.items[1].quantity: must be an integer between 1 and 1000000",
                  "items[1].quantity");
    /* Integer ids keep to 15 digits, which every JSON printer keeps exact. */
    CHECK_ACCEPTED("customer.id", "999999999999999");
    CHECK_ACCEPTED("customer.id", "-999999999999999");
    CHECK_REFUSED("customer.id", "1000000000000000",
                  "params.customer.id: an integer id has at most 15 digits; send a longer one as "
                  "a string",
                  "customer.id");
    CHECK_REFUSED("customer.id", "9007199254740991",
                  "params.customer.id: an integer id has at most 15 digits; send a longer one as "
                  "a string",
                  "customer.id");
    CHECK_ACCEPTED("customer.id", "\"9007199254740991\"");
}

static void test_enums_dates(void)
{
    CHECK_REFUSED("channel", "\"fax\"",
                  "params.channel: must be one of phone|visit|email|letter|hotline|web|other",
                  "channel");
    CHECK_REFUSED("channel", "\"Phone\"",
                  "params.channel: must be one of phone|visit|email|letter|hotline|web|other",
                  "channel");
    CHECK_REFUSED("channel", "1",
                  "params.channel: must be one of phone|visit|email|letter|hotline|web|other",
                  "channel");
    CHECK_REFUSED("severity", "\"\"", "params.severity: must be one of minor|major|critical",
                  "severity");

    CHECK_REFUSED("purchase_date", "\"2026-02-30\"",
                  "params.purchase_date: must be a date YYYY-MM-DD", "purchase_date");
    CHECK_REFUSED("purchase_date", "\"2026-12-04T00:00:00Z\"",
                  "params.purchase_date: must be a date YYYY-MM-DD", "purchase_date");
    CHECK_REFUSED("purchase_date", "20261204", "params.purchase_date: must be a date YYYY-MM-DD",
                  "purchase_date");
    CHECK_REFUSED("product.production_date", "\"2026-13-01\"",
                  "params.product.production_date: must be a date YYYY-MM-DD",
                  "product.production_date");

    CHECK_REFUSED("received_at", "\"2026-12-04T15:08:06\"",
                  "params.received_at: must be an RFC 3339 time with offset", "received_at");
    CHECK_REFUSED("received_at", "\"2026-12-04\"",
                  "params.received_at: must be an RFC 3339 time with offset", "received_at");
    CHECK_REFUSED("received_at", "1796368086000",
                  "params.received_at: must be an RFC 3339 time with offset", "received_at");
}

static void test_string_lengths_in_characters(void)
{
    /* 200 Chinese characters are 600 bytes and still within maxLength 200. */
    CHECK_ACCEPTED("title", repeat("投", 200));
    CHECK_REFUSED("title", repeat("投", 201), "params.title: must be at most 200 characters",
                  "title");
    CHECK_ACCEPTED("title", repeat("a", 200));
    CHECK_REFUSED("title", repeat("a", 201), "params.title: must be at most 200 characters",
                  "title");
    /* Four-byte characters count once too. */
    CHECK_ACCEPTED("note", repeat("😀", 20));
    CHECK_REFUSED("note", repeat("😀", 21), "params.note: must be at most 20 characters", "note");
    CHECK_REFUSED("tags.0", repeat("x", 11), "params.tags[0]: must be at most 10 characters",
                  "tags[0]");
    CHECK_REFUSED("tags.1", "\"\"", "params.tags[1]: must not be empty", "tags[1]");
    CHECK_REFUSED("tags.2", "7", "params.tags[2]: must be a string", "tags[2]");
}

static void test_arrays(void)
{
    char big[2048];
    size_t at = 0;

    CHECK_REFUSED("items", "[]", "params.items: must have at least 1 item", "items");
    CHECK_REFUSED("tags", "[\"a\",\"b\",\"c\",\"d\"]", "params.tags: must have at most 3 items",
                  "tags");
    CHECK_REFUSED("items.1", "5", "params.items[1]: must be an object", "items[1]");
    CHECK_REFUSED("items.0", "null", "params.items[0]: must be an object", "items[0]");

    at += (size_t)snprintf(big + at, sizeof(big) - at, "[");
    for (int i = 0; i < 51; i++)
        at += (size_t)snprintf(big + at, sizeof(big) - at, "%s{\"sku\":\"s\",\"quantity\":1}",
                               i ? "," : "");
    snprintf(big + at, sizeof(big) - at, "]");
    CHECK_REFUSED("items", big, "params.items: must have at most 50 items", "items");
    /* Exactly 50 is the limit and is accepted. */
    at = (size_t)snprintf(big, sizeof(big), "[");
    for (int i = 0; i < 50; i++)
        at += (size_t)snprintf(big + at, sizeof(big) - at, "%s{\"sku\":\"s\",\"quantity\":%d}",
                               i ? "," : "", i + 1);
    snprintf(big + at, sizeof(big) - at, "]");
    CHECK_ACCEPTED("items", big);
}

static void test_nulls(void)
{
    /* NULLABLE: null is the same as absent. */
    CHECK_ACCEPTED("severity", "null");
    CHECK_ACCEPTED("customer.contact.email", "null");
    /* Not NULLABLE: null is a wrong type, even for optional fields. */
    CHECK_REFUSED("note", "null", "params.note: must be a string", "note");
    CHECK_REFUSED("customer.contact.phone", "null",
                  "params.customer.contact.phone: must be a string", "customer.contact.phone");
    CHECK_REFUSED("channel", "null",
                  "params.channel: must be one of phone|visit|email|letter|hotline|web|other",
                  "channel");
}

static const kefu_field required_nullable[] = {
    KEFU_F_STRING("reason", KEFU_REQUIRED | KEFU_NULLABLE, 1, 10, NULL),
    KEFU_F_STRING("grade", 0, 0, 1, NULL),
    KEFU_F_ARRAY("pair", 0, 2, 2, &tag_schema, NULL),
    KEFU_F_END,
};

static void test_params_shape(void)
{
    static const kefu_field none[] = {KEFU_F_END};
    kefu_error err;
    cJSON *doc;

    kefu_error_clear(&err);
    CHECK_INT(kefu_schema_validate(none, NULL, &err), KEFU_STATUS_OK);
    CHECK_INT(kefu_schema_validate(create_params, NULL, &err), KEFU_STATUS_INVALID_ARGUMENT);
    CHECK_STR(err.message, "params.customer: required");
    CHECK_STR(err.field, "customer");

    doc = parse("[1]");
    CHECK_INT(kefu_schema_validate(none, doc, &err), KEFU_STATUS_INVALID_ARGUMENT);
    CHECK_STR(err.message, "params: must be an object");
    CHECK_STR(err.field, "");
    cJSON_Delete(doc);

    doc = parse("\"x\"");
    CHECK_INT(kefu_schema_validate(create_params, doc, &err), KEFU_STATUS_INVALID_ARGUMENT);
    CHECK_STR(err.message, "params: must be an object");
    cJSON_Delete(doc);

    doc = parse("{\"a\":1}");
    CHECK_INT(kefu_schema_validate(none, doc, &err), KEFU_STATUS_INVALID_ARGUMENT);
    CHECK_STR(err.message, "params.a: unknown field");
    cJSON_Delete(doc);

    doc = parse("{}");
    CHECK_INT(kefu_schema_validate(none, doc, &err), KEFU_STATUS_OK);
    cJSON_Delete(doc);

    /* REQUIRED | NULLABLE: null counts as absent, so it is missing. */
    doc = parse("{\"reason\":null}");
    CHECK_INT(kefu_schema_validate(required_nullable, doc, &err), KEFU_STATUS_INVALID_ARGUMENT);
    CHECK_STR(err.message, "params.reason: required");
    CHECK_STR(err.field, "reason");
    cJSON_Delete(doc);

    /* Singular and exact limits read naturally. */
    doc = parse("{\"reason\":\"r\",\"grade\":\"AB\"}");
    CHECK_INT(kefu_schema_validate(required_nullable, doc, &err), KEFU_STATUS_INVALID_ARGUMENT);
    CHECK_STR(err.message, "params.grade: must be at most 1 character");
    cJSON_Delete(doc);
    doc = parse("{\"reason\":\"r\",\"pair\":[\"a\"]}");
    CHECK_INT(kefu_schema_validate(required_nullable, doc, &err), KEFU_STATUS_INVALID_ARGUMENT);
    CHECK_STR(err.message, "params.pair: must have at least 2 items");
    cJSON_Delete(doc);
    doc = parse("{\"reason\":\"r\",\"grade\":\"\",\"pair\":[\"a\",\"b\"]}");
    CHECK_INT(kefu_schema_validate(required_nullable, doc, &err), KEFU_STATUS_OK);
    cJSON_Delete(doc);
}

static void test_long_unknown_name(void)
{
    /* A 300-character Chinese member name: field and message stay valid UTF-8. */
    char text[2048];
    kefu_error err;
    cJSON *doc;

    snprintf(text, sizeof(text), "{%s:1}", repeat("名", 300));
    doc = parse(text);
    CHECK_INT(kefu_schema_validate(create_params, doc, &err), KEFU_STATUS_INVALID_ARGUMENT);
    CHECK(strlen(err.field) > 200 && strlen(err.field) < sizeof(err.field));
    CHECK(strlen(err.field) % 3 == 0);
    CHECK(strncmp(err.message, "params.名名", strlen("params.名名")) == 0);
    CHECK(strstr(err.message, ": unknown field") != NULL);
    cJSON_Delete(doc);
}

static const cJSON *at(const cJSON *obj, const char *path)
{
    char buf[256];
    char *key = buf, *dot;

    snprintf(buf, sizeof(buf), "%s", path);
    while ((dot = strchr(key, '/')) != NULL) {
        *dot = '\0';
        obj = kefu_json_get(obj, key);
        key = dot + 1;
    }
    return kefu_json_get(obj, key);
}

static char *text_of(const cJSON *v)
{
    static char buf[1024];
    char *s = v ? cJSON_PrintUnformatted(v) : NULL;

    snprintf(buf, sizeof(buf), "%s", s ? s : "(none)");
    cJSON_free(s);
    return buf;
}

static void test_to_json(void)
{
    cJSON *s = kefu_schema_to_json(create_params);

    CHECK(s != NULL);
    CHECK_STR(text_of(at(s, "type")), "\"object\"");
    CHECK_STR(text_of(at(s, "required")), "[\"customer\",\"product\",\"channel\",\"title\"]");
    CHECK(cJSON_IsFalse(at(s, "additionalProperties")));
    CHECK_STR(text_of(at(s, "properties/title")),
              "{\"type\":\"string\",\"minLength\":1,\"maxLength\":200,"
              "\"description\":\"one-line summary\"}");
    CHECK_STR(text_of(at(s, "properties/channel/enum")),
              "[\"phone\",\"visit\",\"email\",\"letter\",\"hotline\",\"web\",\"other\"]");
    CHECK_STR(text_of(at(s, "properties/severity")),
              "{\"type\":[\"string\",\"null\"],\"enum\":[\"minor\",\"major\",\"critical\",null]}");
    CHECK_STR(text_of(at(s, "properties/rating")),
              "{\"type\":[\"integer\",\"null\"],\"minimum\":1,\"maximum\":5}");
    CHECK_STR(text_of(at(s, "properties/purchase_date")),
              "{\"type\":\"string\",\"format\":\"date\"}");
    CHECK_STR(text_of(at(s, "properties/received_at/format")), "\"date-time\"");
    CHECK_STR(text_of(at(s, "properties/escalated")), "{\"type\":\"boolean\"}");

    CHECK_STR(text_of(at(s, "properties/customer/type")), "\"object\"");
    CHECK_STR(text_of(at(s, "properties/customer/description")), "\"who complains\"");
    CHECK_STR(text_of(at(s, "properties/customer/required")), "[\"id\",\"name\"]");
    CHECK(cJSON_IsFalse(at(s, "properties/customer/additionalProperties")));
    CHECK_STR(text_of(at(s, "properties/customer/properties/id")),
              "{\"type\":[\"string\",\"integer\"],\"minLength\":1,\"maxLength\":32,"
              "\"minimum\":-999999999999999,\"maximum\":999999999999999,"
              "\"description\":\"customer id\"}");
    CHECK_STR(text_of(at(s, "properties/customer/properties/contact/type")),
              "[\"object\",\"null\"]");
    /* No required member: the key is omitted. */
    CHECK(at(s, "properties/customer/properties/contact/required") == NULL);
    CHECK(cJSON_IsFalse(at(s, "properties/customer/properties/contact/additionalProperties")));

    CHECK_STR(text_of(at(s, "properties/items/type")), "\"array\"");
    CHECK_STR(text_of(at(s, "properties/items/minItems")), "1");
    CHECK_STR(text_of(at(s, "properties/items/maxItems")), "50");
    CHECK_STR(text_of(at(s, "properties/items/items/required")), "[\"sku\",\"quantity\"]");
    CHECK_STR(text_of(at(s, "properties/items/items/properties/quantity")),
              "{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000000}");
    CHECK_STR(text_of(at(s, "properties/tags/items")),
              "{\"type\":\"string\",\"minLength\":1,\"maxLength\":10}");
    cJSON_Delete(s);

    static const kefu_field none[] = {KEFU_F_END};
    s = kefu_schema_to_json(none);
    CHECK_STR(text_of(s), "{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}");
    cJSON_Delete(s);
}

KEFU_TESTS = {
    {"valid_document", test_valid_document},
    {"required", test_required},
    {"first_error_wins", test_first_error_wins},
    {"unknown_fields", test_unknown_fields},
    {"types", test_types},
    {"integers", test_integers},
    {"enums_dates", test_enums_dates},
    {"string_lengths_in_characters", test_string_lengths_in_characters},
    {"arrays", test_arrays},
    {"nulls", test_nulls},
    {"params_shape", test_params_shape},
    {"long_unknown_name", test_long_unknown_name},
    {"to_json", test_to_json},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return kefu_test_main(argc, argv);
}
