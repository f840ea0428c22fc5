/*
 * methods.c - the complaints method table and the params schemas. The same
 * declarations validate requests and are what sys.Describe prints.
 */
#include "complaints.h"

static const char *const channels[] = {"phone", "visit", "email", "letter", "hotline",
                                       "web",   "other", NULL};
static const char *const categories[] = {"quality", "delivery", "service", "documentation",
                                         "other", NULL};
static const char *const severities[] = {"minor", "major", "critical", NULL};

static const kefu_field contact_fields[] = {
    KEFU_F_STRING("person", 0, 0, 100, "contact person"),
    KEFU_F_STRING("phone", 0, 0, 40, "telephone"),
    KEFU_F_STRING("email", 0, 0, 254, "e-mail address"),
    KEFU_F_END,
};

static const kefu_field customer_fields[] = {
    KEFU_F_ID("id", KEFU_REQUIRED, 64, "the customer's id"),
    KEFU_F_STRING("name", KEFU_REQUIRED, 1, 200, "the customer's name"),
    KEFU_F_OBJECT("contact", 0, contact_fields, "who to talk to"),
    KEFU_F_END,
};

static const kefu_field product_fields[] = {
    KEFU_F_STRING("model", KEFU_REQUIRED, 1, 100, "product model"),
    KEFU_F_STRING("batch", 0, 0, 100, "production batch"),
    KEFU_F_STRING("serial", 0, 0, 100, "serial number"),
    KEFU_F_DATE("production_date", 0, "production date"),
    KEFU_F_INT("quantity", 0, 1, 1000000000, "quantity concerned"),
    KEFU_F_END,
};

static const kefu_field person_fields[] = {
    KEFU_F_STRING("name", KEFU_REQUIRED, 1, 100, "name"),
    KEFU_F_STRING("department", KEFU_REQUIRED, 1, 100, "department"),
    KEFU_F_END,
};

static const kefu_field create_params[] = {
    KEFU_F_OBJECT("customer", KEFU_REQUIRED, customer_fields, "the complaining customer"),
    KEFU_F_OBJECT("product", KEFU_REQUIRED, product_fields, "the product concerned"),
    KEFU_F_ENUM("channel", KEFU_REQUIRED, channels, "how the complaint arrived"),
    KEFU_F_ENUM("category", KEFU_REQUIRED, categories, "what the complaint is about"),
    KEFU_F_ENUM("severity", 0, severities, "minor (default), major or critical"),
    KEFU_F_STRING("title", KEFU_REQUIRED, 1, 200, "one-line summary"),
    KEFU_F_STRING("description", KEFU_REQUIRED, 1, 10000, "the customer's account"),
    KEFU_F_OBJECT("received_by", KEFU_REQUIRED, person_fields,
                  "the first responder who took the complaint (首问负责制)"),
    KEFU_F_DATETIME("received_at", 0, "when it was received; default now"),
    KEFU_F_STRING("remedy_sought", 0, 0, 2000, "what the customer asks for"),
    KEFU_F_END,
};

static const kefu_field get_params[] = {
    KEFU_F_STRING("id", KEFU_REQUIRED, 1, 32, "complaint id, e.g. C2026-000001"),
    KEFU_F_END,
};

static const kefu_method complaints_methods[] = {
    {"complaints.Create", complaints_create, create_params, KEFU_MUTATING, KEFU_ROLES_WRITE,
     "register a complaint (status received); critical ones are escalated at once"},
    {"complaints.Get", complaints_get, get_params, 0, KEFU_ROLES_READ, "one complaint by id"},
    {NULL},
};

static kefu_status init(kefu_service *svc, kefu_error *err)
{
    return complaints_store_init(svc, err);
}

const kefu_service_def complaints_service = {
    .name = "complaints",
    .default_listen = "tcp://127.0.0.1:7101",
    .methods = complaints_methods,
    .init = init,
    .fini = complaints_store_fini,
};
