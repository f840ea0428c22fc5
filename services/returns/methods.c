/*
 * methods.c - the returns method table and params schemas (SPEC section 4).
 * The same declarations validate requests and are what sys.Describe prints.
 * Money fields are bounded so every sum stays below 2^53 cents (record.c).
 */
#include "auth.h"
#include "returns.h"

static const char *const reasons[] = {"quality", "transport_damage", NULL};
static const char *const statuses[] = {"draft",   "confirmed", "submitted", "approved",  "rejected",
                                       "shipped", "received",  "settled",   "cancelled", NULL};
static const char *const outcomes[] = {"credit", "repair", "replace", "reject", NULL};
static const char *const formats[] = {"json", "text", NULL};

#define ID_FIELD KEFU_F_STRING("id", KEFU_REQUIRED, 1, 32, "return id, e.g. R2026-000001")
#define VERSION_FIELD                                                                              \
    KEFU_F_INT("expected_version", 0, 1, 1000000000000LL,                                          \
               "the version the change is meant for; ABORTED when it moved on")

static const kefu_field check_params[] = {
    KEFU_F_STRING("category", KEFU_REQUIRED, 1, 32, "product category id, e.g. cfl"),
    KEFU_F_STRING("component", 0, 1, 32, "component id; absent: the whole unit"),
    KEFU_F_DATE("production_date", KEFU_REQUIRED, "warranty runs from this date"),
    KEFU_F_STRING("condition", 0, 1, 32, "quality_defect (default), pre_install_defect, ..."),
    KEFU_F_DATE("on_date", 0, "the date to check on (default today, business time zone)"),
    KEFU_F_END,
};

static const kefu_field customer_fields[] = {
    KEFU_F_ID("id", KEFU_REQUIRED, RETURNS_CUSTOMER_ID_MAX, "the customer's id"),
    KEFU_F_STRING("short_name", KEFU_REQUIRED, 1, 20, "short name: the boxes' labels"),
    KEFU_F_STRING("name", KEFU_REQUIRED, 1, 200, "the customer's name"),
    KEFU_F_END,
};

static const kefu_field item_fields[] = {
    KEFU_F_STRING("model", KEFU_REQUIRED, 1, 100, "product model"),
    KEFU_F_STRING("category", KEFU_REQUIRED, 1, 32, "policy category id, e.g. cfl"),
    KEFU_F_STRING("component", 0, 1, 32, "policy component id; absent: the whole unit"),
    KEFU_F_INT("quantity", KEFU_REQUIRED, 1, RETURNS_MAX_QUANTITY, "units returned"),
    KEFU_F_DATE("production_date", KEFU_REQUIRED, "warranty runs from this date"),
    KEFU_F_INT("unit_price_cents", KEFU_REQUIRED, 0, RETURNS_MAX_PRICE,
               "the customer's purchase price per unit, in cents (分)"),
    KEFU_F_STRING("condition", 0, 1, 32, "policy condition id (default quality_defect)"),
    KEFU_F_STRING("defect", 0, 1, 2000, "what is wrong with it"),
    KEFU_F_END,
};
static const kefu_field item_schema = KEFU_F_OBJECT("item", 0, item_fields, "one item line");

static const kefu_field box_line_fields[] = {
    KEFU_F_INT("line", KEFU_REQUIRED, 1, RETURNS_MAX_ITEMS, "item line (1 = the first item)"),
    KEFU_F_INT("quantity", KEFU_REQUIRED, 1, RETURNS_MAX_QUANTITY, "units of it in this box"),
    KEFU_F_END,
};
static const kefu_field box_line_schema =
    KEFU_F_OBJECT("line", 0, box_line_fields, "units of one item line");
static const kefu_field box_fields[] = {
    KEFU_F_ARRAY("lines", KEFU_REQUIRED, 1, RETURNS_MAX_BOX_LINES, &box_line_schema,
                 "what the box holds"),
    KEFU_F_END,
};
static const kefu_field box_schema =
    KEFU_F_OBJECT("box", 0, box_fields, "one box; labelled <short_name>-<seq> in order");

static const kefu_field create_params[] = {
    KEFU_F_OBJECT("customer", KEFU_REQUIRED, customer_fields, "the returning customer"),
    KEFU_F_STRING("region", KEFU_REQUIRED, 1, 63, "the sales region (a department for scoping)"),
    KEFU_F_STRING("regional_manager", KEFU_REQUIRED, 1, 100,
                  "the regional manager who confirms the count"),
    KEFU_F_ENUM("reason", KEFU_REQUIRED, reasons, "quality or transport_damage"),
    KEFU_F_STRING("freight_station", KEFU_REQUIRED, 1, 64,
                  "freight station (xiaolan/小榄, guzhen/古镇; dongfeng, henglan with a reason)"),
    KEFU_F_STRING("station_reason", 0, 1, 2000, "why an exception station is used"),
    KEFU_F_ARRAY("items", KEFU_REQUIRED, 1, RETURNS_MAX_ITEMS, &item_schema,
                 "the goods returned, evaluated by the policy at creation"),
    KEFU_F_ARRAY("boxes", KEFU_REQUIRED, 1, RETURNS_MAX_BOXES, &box_schema,
                 "the boxes; their quantities add up exactly to the items'"),
    KEFU_F_STRING("complaint_id", 0, 12, 16, "the complaint this return settles"),
    KEFU_F_END,
};

static const kefu_field id_params[] = {ID_FIELD, KEFU_F_END};

static const kefu_field confirm_params[] = {
    ID_FIELD,
    KEFU_F_STRING("customer_signature", KEFU_REQUIRED, 1, 200, "the customer's signature"),
    KEFU_F_STRING("manager_signature", KEFU_REQUIRED, 1, 200, "the regional manager's signature"),
    VERSION_FIELD,
    KEFU_F_END,
};

static const kefu_field submit_params[] = {ID_FIELD, VERSION_FIELD, KEFU_F_END};

static const kefu_field approve_params[] = {
    ID_FIELD,
    KEFU_F_STRING("by", KEFU_REQUIRED, 1, 100, "who in the after-sales group approved"),
    KEFU_F_STRING("note", 0, 1, 2000, "remarks"),
    VERSION_FIELD,
    KEFU_F_END,
};

static const kefu_field reject_params[] = {
    ID_FIELD,
    KEFU_F_STRING("by", KEFU_REQUIRED, 1, 100, "who in the after-sales group rejected"),
    KEFU_F_STRING("reason", KEFU_REQUIRED, 1, 2000, "why"),
    VERSION_FIELD,
    KEFU_F_END,
};

static const kefu_field ship_params[] = {
    ID_FIELD,
    KEFU_F_STRING("carrier", KEFU_REQUIRED, 1, 100, "the carrier"),
    KEFU_F_STRING("waybill", KEFU_REQUIRED, 1, 100, "the waybill number"),
    VERSION_FIELD,
    KEFU_F_END,
};

static const kefu_field receive_params[] = {
    ID_FIELD,
    KEFU_F_INT("boxes_received", KEFU_REQUIRED, 0, 10000, "boxes that arrived"),
    KEFU_F_STRING("discrepancies", 0, 1, 5000,
                  "what differs from the packing lists (required when a box is missing)"),
    VERSION_FIELD,
    KEFU_F_END,
};

static const kefu_field settle_line_fields[] = {
    KEFU_F_INT("line", KEFU_REQUIRED, 1, RETURNS_MAX_ITEMS, "item line"),
    KEFU_F_ENUM("outcome", KEFU_REQUIRED, outcomes,
                "credit (only where the evaluation allows it), repair, replace or reject"),
    KEFU_F_END,
};
static const kefu_field settle_line_schema =
    KEFU_F_OBJECT("line", 0, settle_line_fields, "the outcome of one item line");

static const kefu_field settle_params[] = {
    ID_FIELD,
    KEFU_F_ARRAY("lines", KEFU_REQUIRED, 1, RETURNS_MAX_ITEMS, &settle_line_schema,
                 "every item line exactly once"),
    VERSION_FIELD,
    KEFU_F_END,
};

static const kefu_field cancel_params[] = {
    ID_FIELD,
    KEFU_F_STRING("reason", KEFU_REQUIRED, 1, 2000, "why"),
    VERSION_FIELD,
    KEFU_F_END,
};

static const kefu_field list_params[] = {
    KEFU_F_ENUM("status", 0, statuses, "only this status"),
    KEFU_F_ID("customer_id", 0, RETURNS_CUSTOMER_ID_MAX, "only this customer's"),
    KEFU_F_STRING("region", 0, 1, 63, "only this region"),
    KEFU_F_DATE("from", 0, "created on or after this business date"),
    KEFU_F_DATE("to", 0, "created on or before this business date"),
    KEFU_F_INT("limit", 0, 1, 500, "page size (default 50)"),
    KEFU_F_STRING("cursor", 0, 1, 32, "next_cursor of the previous page"),
    KEFU_F_END,
};

static const kefu_field packing_params[] = {
    ID_FIELD,
    KEFU_F_ENUM("format", 0, formats, "json (default) or text (printable)"),
    KEFU_F_END,
};

static const kefu_field stats_params[] = {
    KEFU_F_DATE("from", KEFU_REQUIRED, "first business date created"),
    KEFU_F_DATE("to", KEFU_REQUIRED, "last business date created (inclusive)"),
    KEFU_F_END,
};

static const kefu_method returns_methods[] = {
    {"returns.Policy", returns_policy_method, NULL, 0, KEFU_ROLES_READ,
     "the returns policy in force and its version"},
    {"returns.CheckWarranty", returns_check_warranty, check_params, 0, KEFU_ROLES_READ,
     "warranty verdict for one item: covered, remedy, expires_on, rule"},
    {"returns.ReloadPolicy", returns_reload_policy, NULL, KEFU_MUTATING, KEFU_ROLE_ADMIN,
     "re-read the --policy file, validate it and publish it to every replica"},
    {"returns.Create", returns_create, create_params, KEFU_MUTATING, KEFU_ROLES_WRITE,
     "a draft return: items evaluated, boxes labelled and checked, freight decided"},
    {"returns.Confirm", returns_confirm, confirm_params, KEFU_MUTATING, KEFU_ROLES_WRITE,
     "both signatures after sorting and counting: draft -> confirmed"},
    {"returns.Submit", returns_submit, submit_params, KEFU_MUTATING, KEFU_ROLES_WRITE,
     "the return application: confirmed -> submitted, taking the customer's monthly slot"},
    {"returns.Approve", returns_approve, approve_params, KEFU_MUTATING, KEFU_ROLES_WRITE,
     "the after-sales group approves: submitted -> approved"},
    {"returns.Reject", returns_reject, reject_params, KEFU_MUTATING, KEFU_ROLES_WRITE,
     "the after-sales group rejects: submitted -> rejected (the monthly slot is freed)"},
    {"returns.Ship", returns_ship, ship_params, KEFU_MUTATING, KEFU_ROLES_WRITE,
     "sent to the company: approved -> shipped"},
    {"returns.Receive", returns_receive, receive_params, KEFU_MUTATING, KEFU_ROLES_WRITE,
     "arrived and counted: shipped -> received"},
    {"returns.Settle", returns_settle, settle_params, KEFU_MUTATING, KEFU_ROLES_WRITE,
     "the outcome of every line and the credit in cents: received -> settled"},
    {"returns.Cancel", returns_cancel, cancel_params, KEFU_MUTATING, KEFU_ROLES_WRITE,
     "draft, confirmed or submitted -> cancelled (the monthly slot is freed)"},
    {"returns.Get", returns_get, id_params, 0, KEFU_ROLES_READ, "one return"},
    {"returns.History", returns_history, id_params, 0, KEFU_ROLES_READ,
     "every change of one return, oldest first"},
    {"returns.List", returns_list, list_params, 0, KEFU_ROLES_READ,
     "filtered, newest first, paged with a cursor"},
    {"returns.PackingList", returns_packing_list, packing_params, 0, KEFU_ROLES_READ,
     "the packing list (随箱清单) of every box, as JSON or printable text"},
    {"returns.Stats", returns_stats, stats_params, 0, KEFU_ROLES_READ,
     "counts by status, settled credit by category and region, rejection reasons"},
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
