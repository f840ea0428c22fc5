/*
 * methods.c - the complaints method table and the params schemas. The same
 * declarations validate requests and are what sys.Describe prints.
 */
#include "auth.h"
#include "customer.h"
#include "complaints.h"

static const char *const channels[] = {"phone",   "visit", "email", "letter",
                                       "hotline", "web",   "other", NULL};
static const char *const categories[] = {"quality",       "delivery", "service",
                                         "documentation", "other",    NULL};
static const char *const severities[] = {"minor", "major", "critical", NULL};
static const char *const statuses[] = {"received", "assigned",  "resolved",
                                       "closed",   "withdrawn", NULL};
static const char *const formats[] = {"json", "csv", NULL};

#define ID_FIELD KEFU_F_STRING("id", KEFU_REQUIRED, 1, 32, "complaint id, e.g. C2026-000001")
#define VERSION_FIELD                                                                              \
    KEFU_F_INT("expected_version", 0, 1, 1000000000000LL,                                          \
               "the version the change is meant for; ABORTED when it moved on")

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
    KEFU_F_OBJECT("customer", KEFU_REQUIRED, kefu_customer_fields, "the complaining customer"),
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

static const kefu_field id_params[] = {ID_FIELD, KEFU_F_END};

static const kefu_field assign_params[] = {
    ID_FIELD,
    KEFU_F_STRING("department", KEFU_REQUIRED, 1, 100, "the responsible department"),
    KEFU_F_STRING("owner", 0, 1, 100, "who in it handles the complaint"),
    KEFU_F_DATETIME("due_at", 0,
                    "deadline; default by severity (critical 3, major 7, minor 15 days)"),
    KEFU_F_INT("due_in_days", 0, 1, 365, "deadline in days from now (instead of due_at)"),
    KEFU_F_STRING("reason", 0, 1, 2000, "why: required to transfer an assigned complaint"),
    VERSION_FIELD,
    KEFU_F_END,
};

static const kefu_field resolve_params[] = {
    ID_FIELD,
    KEFU_F_STRING("root_cause", KEFU_REQUIRED, 1, 5000, "the cause found"),
    KEFU_F_STRING("correction", KEFU_REQUIRED, 1, 5000, "what was done for this customer"),
    KEFU_F_STRING("corrective_action", 0, 1, 5000, "what removes the cause (CAPA)"),
    KEFU_F_STRING("preventive_action", 0, 1, 5000, "what prevents it elsewhere (CAPA)"),
    KEFU_F_OBJECT("resolved_by", KEFU_REQUIRED, person_fields, "who resolved it"),
    VERSION_FIELD,
    KEFU_F_END,
};

static const kefu_field confirm_params[] = {
    ID_FIELD,
    KEFU_F_BOOL("satisfied", KEFU_REQUIRED, "the customer accepts the result"),
    KEFU_F_INT("rating", 0, 1, 5, "1..5"),
    KEFU_F_STRING("comment", 0, 1, 2000, "the customer's words"),
    KEFU_F_STRING("confirmed_by", KEFU_REQUIRED, 1, 100, "the customer contact's name"),
    VERSION_FIELD,
    KEFU_F_END,
};

static const kefu_field reason_params[] = {
    ID_FIELD,
    KEFU_F_STRING("reason", KEFU_REQUIRED, 1, 2000, "why"),
    VERSION_FIELD,
    KEFU_F_END,
};

static const kefu_field release_params[] = {ID_FIELD, VERSION_FIELD, KEFU_F_END};

static const kefu_field list_params[] = {
    KEFU_F_ENUM("status", 0, statuses, "only this status"),
    KEFU_F_STRING("department", 0, 1, 100, "only complaints assigned to this department"),
    KEFU_F_ID("customer_id", 0, 64, "only this customer's"),
    KEFU_F_ENUM("category", 0, categories, "only this category"),
    KEFU_F_ENUM("severity", 0, severities, "only this severity"),
    KEFU_F_BOOL("overdue", 0, "assigned and past due"),
    KEFU_F_BOOL("due_soon", 0, "assigned and due within 24 hours"),
    KEFU_F_DATE("received_from", 0, "received on or after this business date"),
    KEFU_F_DATE("received_to", 0, "received on or before this business date"),
    KEFU_F_INT("limit", 0, 1, 500, "page size (default 50)"),
    KEFU_F_STRING("cursor", 0, 1, 32, "next_cursor of the previous page"),
    KEFU_F_END,
};

static const kefu_field ledger_params[] = {
    KEFU_F_INT("year", KEFU_REQUIRED, 2000, 9999, "business year"),
    KEFU_F_INT("month", 0, 1, 12, "one month of it"),
    KEFU_F_STRING("department", 0, 1, 100, "only this assigned department"),
    KEFU_F_ENUM("format", 0, formats, "json (default) or csv"),
    KEFU_F_END,
};

static const kefu_field stats_params[] = {
    KEFU_F_DATE("from", KEFU_REQUIRED, "first business date received"),
    KEFU_F_DATE("to", KEFU_REQUIRED, "last business date received (inclusive)"),
    KEFU_F_STRING("department", 0, 1, 100, "only this assigned department"),
    KEFU_F_END,
};

static const kefu_field report_params[] = {
    KEFU_F_STRING("month", KEFU_REQUIRED, 7, 7, "YYYY-MM"),
    KEFU_F_BOOL("freeze", 0, "store it, unchangeable from then on (admin; month over)"),
    KEFU_F_END,
};

static const kefu_field archive_params[] = {
    KEFU_F_DATE("before", 0, "archive what ended before this date (default: 3 years ago)"),
    KEFU_F_END,
};

static const kefu_field link_return_params[] = {
    ID_FIELD,
    KEFU_F_STRING("return_id", KEFU_REQUIRED, 1, 32, "the return's id, e.g. R2026-000001"),
    KEFU_F_ID("customer_id", 0, 64, "the return's customer: must be the complaint's"),
    KEFU_F_END,
};

static const kefu_method complaints_methods[] = {
    {"complaints.Create", complaints_create, create_params, KEFU_MUTATING, KEFU_ROLES_WRITE,
     "register a complaint (status received); critical ones are escalated at once"},
    {"complaints.Get", complaints_get, id_params, 0, KEFU_ROLES_READ, "one complaint"},
    {"complaints.History", complaints_history, id_params, 0, KEFU_ROLES_READ,
     "every change of one complaint, oldest first"},
    {"complaints.Assign", complaints_assign, assign_params, KEFU_MUTATING, KEFU_ROLES_WRITE,
     "assign to the responsible department with a deadline, or transfer (with reason)"},
    {"complaints.Resolve", complaints_resolve, resolve_params, KEFU_MUTATING, KEFU_ROLES_WRITE,
     "record root cause, correction and CAPA actions"},
    {"complaints.Confirm", complaints_confirm, confirm_params, KEFU_MUTATING, KEFU_ROLES_WRITE,
     "the customer's verdict: close, or reopen when not satisfied"},
    {"complaints.Withdraw", complaints_withdraw, reason_params, KEFU_MUTATING, KEFU_ROLES_WRITE,
     "withdraw a received or assigned complaint"},
    {"complaints.Hold", complaints_hold, reason_params, KEFU_MUTATING, KEFU_ROLES_WRITE,
     "keep a complaint from archiving (legal hold)"},
    {"complaints.Release", complaints_release, release_params, KEFU_MUTATING, KEFU_ROLES_WRITE,
     "lift a hold"},
    {"complaints.List", complaints_list, list_params, 0, KEFU_ROLES_READ,
     "filtered, newest first, paged with a cursor"},
    {"complaints.Escalations", complaints_escalations, NULL, 0, KEFU_ROLES_READ,
     "critical complaints not closed, and overdue ones"},
    {"complaints.Ledger", complaints_ledger, ledger_params, 0, KEFU_ROLES_READ,
     "the complaint ledger (质量投诉处理台帐) of a year or month, JSON or CSV"},
    {"complaints.Stats", complaints_stats, stats_params, 0, KEFU_ROLES_READ,
     "counts, on-time rate, resolution time and rating over a date range"},
    {"complaints.Report", complaints_report, report_params, 0, KEFU_ROLES_READ,
     "the monthly service supervision report (服务监督报告)"},
    {"complaints.LinkReturn", complaints_link_return, link_return_params, KEFU_MUTATING,
     KEFU_ROLE_SYSTEM | KEFU_ROLE_ADMIN,
     "list a return in the complaint's return_ids (the returns service calls it)"},
    {"complaints.Archive", complaints_archive, archive_params, KEFU_MUTATING, KEFU_ROLE_ADMIN,
     "move closed/withdrawn complaints past retention to the archive directory"},
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
