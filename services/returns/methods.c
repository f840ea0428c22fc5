/*
 * methods.c - the returns method table and params schemas (the methods built
 * so far; the rest of SPEC section 4 is issue 4).
 */
#include "auth.h"
#include "returns.h"

static const kefu_field check_params[] = {
    KEFU_F_STRING("category", KEFU_REQUIRED, 1, 32, "product category id, e.g. cfl"),
    KEFU_F_STRING("component", 0, 1, 32, "component id; absent: the whole unit"),
    KEFU_F_DATE("production_date", KEFU_REQUIRED, "warranty runs from this date"),
    KEFU_F_STRING("condition", 0, 1, 32, "quality_defect (default), pre_install_defect, ..."),
    KEFU_F_DATE("on_date", 0, "the date to check on (default today, business time zone)"),
    KEFU_F_END,
};

static const kefu_method returns_methods[] = {
    {"returns.Policy", returns_policy_method, NULL, 0, KEFU_ROLES_READ,
     "the returns policy in force and its version"},
    {"returns.CheckWarranty", returns_check_warranty, check_params, 0, KEFU_ROLES_READ,
     "warranty verdict for one item: covered, remedy, expires_on, rule"},
    {"returns.ReloadPolicy", returns_reload_policy, NULL, KEFU_MUTATING, KEFU_ROLE_ADMIN,
     "re-read the --policy file, validate it and publish it to every replica"},
    {NULL},
};

const kefu_service_def returns_service = {
    .name = "returns",
    .default_listen = "tcp://127.0.0.1:7102",
    .methods = returns_methods,
    .init = returns_store_init,
    .stop = returns_store_stop,
    .fini = returns_store_fini,
};
