/*
 * customer.c - the shared customer schema (see customer.h).
 */
#include "customer.h"

const kefu_field kefu_contact_fields[] = {
    KEFU_F_STRING("person", 0, 0, 100, "contact person"),
    KEFU_F_STRING("phone", 0, 0, 40, "telephone"),
    KEFU_F_STRING("email", 0, 0, 254, "e-mail address"),
    KEFU_F_END,
};

const kefu_field kefu_customer_fields[] = {
    KEFU_F_ID("id", KEFU_REQUIRED, 64, "the customer's id"),
    KEFU_F_STRING("name", KEFU_REQUIRED, 1, 200, "the customer's name"),
    KEFU_F_OBJECT("contact", 0, kefu_contact_fields, "who to talk to"),
    KEFU_F_END,
};
