/*
 * customer.h - the customer object complaints and visits share, {id, name,
 * contact {person, phone, email}}: one schema, so a visit's customer passes
 * into a complaint as it is.
 */
#ifndef KEFU_CUSTOMER_H
#define KEFU_CUSTOMER_H

#include "schema.h"

extern const kefu_field kefu_contact_fields[];
extern const kefu_field kefu_customer_fields[];

#endif
