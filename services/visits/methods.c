/*
 * methods.c - the visits method table and the params schemas. The same
 * declarations validate requests and are what sys.Describe prints.
 */
#include "auth.h"
#include "customer.h"
#include "visits.h"

static const char *const methods[] = {"phone", "onsite", "email", "meeting", "other", NULL};
static const char *const issue_kinds[] = {"complaint", "quality_info", NULL};
static const char *const plan_kinds[] = {"routine", "followup", "survey", NULL};
/* The complaints service's categories and severities (SPEC section 3). */
static const char *const categories[] = {"quality",       "delivery", "service",
                                         "documentation", "other",    NULL};
static const char *const severities[] = {"minor", "major", "critical", NULL};

#define ACCOUNT_FIELD KEFU_F_STRING("account_id", KEFU_REQUIRED, 7, 11, "account id, e.g. A000001")
#define LIMIT_FIELD   KEFU_F_INT("limit", 0, 1, 500, "page size (default 50)")
#define CURSOR_FIELD  KEFU_F_STRING("cursor", 0, 1, 40, "next_cursor of the previous page")

static const kefu_field project_fields[] = {
    KEFU_F_STRING("name", KEFU_REQUIRED, 1, 200, "the delivered project (工程)"),
    KEFU_F_ID("id", 0, 64, "its id in the customer's or the sales system"),
    KEFU_F_END,
};

static const kefu_field enroll_params[] = {
    KEFU_F_OBJECT("customer", KEFU_REQUIRED, kefu_customer_fields, "the customer"),
    KEFU_F_OBJECT("project", KEFU_REQUIRED, project_fields, "the project delivered"),
    KEFU_F_DATE("delivered_on", KEFU_REQUIRED,
                "delivery date (1970..2199); visits at +1..12 months, then every 3"),
    KEFU_F_STRING("department", 0, 1, 100,
                  "the department that owns the account (staff: one of theirs, default "
                  "their first)"),
    KEFU_F_STRING("owner", 0, 1, 100, "who in it makes the visits"),
    KEFU_F_END,
};

static const kefu_field account_params[] = {ACCOUNT_FIELD, KEFU_F_END};

static const kefu_field due_params[] = {
    KEFU_F_DATE("on", 0, "the day to look from (default today)"),
    KEFU_F_INT("window_days", 0, 0, 366, "also what falls due this many days after `on` (0)"),
    KEFU_F_STRING("department", 0, 1, 100, "only this department's accounts"),
    KEFU_F_STRING("owner", 0, 1, 100, "only this owner's accounts"),
    LIMIT_FIELD,
    CURSOR_FIELD,
    KEFU_F_END,
};

static const kefu_field product_fields[] = {
    KEFU_F_STRING("model", KEFU_REQUIRED, 1, 100, "product model"),
    KEFU_F_STRING("batch", 0, 0, 100, "production batch"),
    KEFU_F_END,
};

static const kefu_field department_item = KEFU_F_STRING(NULL, 0, 1, 100, "a department");

static const kefu_field issue_fields[] = {
    KEFU_F_ENUM("kind", KEFU_REQUIRED, issue_kinds,
                "complaint (sent to the complaints service) or quality_info"),
    KEFU_F_STRING("text", KEFU_REQUIRED, 1, 10000, "what the customer said"),
    KEFU_F_ENUM("category", 0, categories, "complaint category (default quality)"),
    KEFU_F_ENUM("severity", 0, severities, "complaint severity"),
    KEFU_F_ARRAY("departments", 0, 0, 16, &department_item,
                 "departments concerned (required, non-empty, for quality_info)"),
    KEFU_F_OBJECT("product", 0, product_fields,
                  "the product concerned (complaints get model \"" VISITS_UNNAMED_MODEL
                  "\" without it)"),
    KEFU_F_END,
};

static const kefu_field issue_item = KEFU_F_OBJECT(NULL, 0, issue_fields, "an issue raised");

static const kefu_field record_params[] = {
    ACCOUNT_FIELD,
    KEFU_F_DATE("visited_on", KEFU_REQUIRED, "the day of the contact (not in the future)"),
    KEFU_F_ENUM("method", KEFU_REQUIRED, methods, "how the customer was contacted"),
    KEFU_F_STRING("contact", KEFU_REQUIRED, 1, 100, "who was spoken to"),
    KEFU_F_STRING("summary", KEFU_REQUIRED, 1, 10000, "what was said"),
    KEFU_F_STRING("demands", 0, 1, 10000, "the customer's demands (需求)"),
    KEFU_F_INT("satisfaction", 0, 1, 5,
               "1..5; on a complaint's follow-up named in planned_id it confirms the complaint"),
    KEFU_F_ARRAY("issues", 0, 0, 20, &issue_item, "complaints and quality information raised"),
    KEFU_F_STRING("planned_id", 0, 7, 20,
                  "the open planned visit this closes (P000001 or A000001-R13); default "
                  "the earliest that is not a complaint's follow-up (those are closed, and "
                  "confirmed with satisfaction, only by naming them)"),
    KEFU_F_END,
};

static const kefu_field schedule_params[] = {
    ACCOUNT_FIELD,
    KEFU_F_DATE("due_on", KEFU_REQUIRED, "when (today or later)"),
    KEFU_F_ENUM("kind", KEFU_REQUIRED, plan_kinds, "routine, followup or survey"),
    KEFU_F_STRING("ref", 0, 1, 64,
                  "a note of what it is about (binds no complaint: complaint follow-ups "
                  "come from visits.ScheduleFollowUp)"),
    KEFU_F_END,
};

static const kefu_field followup_params[] = {
    KEFU_F_ID("customer_id", KEFU_REQUIRED, 64, "the complaint's customer"),
    KEFU_F_STRING("complaint_id", KEFU_REQUIRED, 12, 16, "the complaint, e.g. C2026-000001"),
    KEFU_F_DATE("due_on", KEFU_REQUIRED, "when to call (may already be past)"),
    KEFU_F_STRING("customer_name", 0, 1, 200,
                  "the customer's name, for a follow-up-only account (default the id)"),
    KEFU_F_STRING("department", 0, 1, 100, "the department of a follow-up-only account"),
    KEFU_F_INT("round", 0, 0, 1000000,
               "which resolution of the complaint this follows up (its reopened count, "
               "default 0): one follow-up per complaint and round"),
    KEFU_F_END,
};

static const kefu_field name_item = KEFU_F_STRING(NULL, 0, 1, 100, "a name");

static const kefu_field opinion_fields[] = {
    KEFU_F_ID("customer_id", 0, 64, "whose opinion"),
    KEFU_F_STRING("text", KEFU_REQUIRED, 1, 10000, "the opinion"),
    KEFU_F_ARRAY("departments", KEFU_REQUIRED, 1, 16, &department_item,
                 "departments it is passed to"),
    KEFU_F_END,
};

static const kefu_field opinion_item = KEFU_F_OBJECT(NULL, 0, opinion_fields, "an opinion");

static const kefu_field symposium_params[] = {
    KEFU_F_DATE("held_on", KEFU_REQUIRED, "the day of the symposium"),
    KEFU_F_STRING("chair", KEFU_REQUIRED, 1, 100, "who chaired it"),
    KEFU_F_ARRAY("attendees", KEFU_REQUIRED, 0, 500, &name_item, "who attended"),
    KEFU_F_ARRAY("opinions", KEFU_REQUIRED, 0, 100, &opinion_item,
                 "opinions gathered; each becomes quality information"),
    KEFU_F_END,
};

static const kefu_field qinfo_params[] = {
    KEFU_F_STRING("source", KEFU_REQUIRED, 1, 100, "where it comes from (e.g. hotline, field)"),
    KEFU_F_OBJECT("product", 0, product_fields, "the product concerned"),
    KEFU_F_STRING("text", KEFU_REQUIRED, 1, 10000, "the information"),
    KEFU_F_ARRAY("departments", KEFU_REQUIRED, 1, 16, &department_item,
                 "departments it is passed to"),
    KEFU_F_STRING("department", 0, 1, 100,
                  "the reporting department (staff: one of theirs, default their first)"),
    KEFU_F_END,
};

static const kefu_field list_qi_params[] = {
    KEFU_F_STRING("department", 0, 1, 100, "only information passed to this department"),
    KEFU_F_DATE("from", 0, "reported on or after"),
    KEFU_F_DATE("to", 0, "reported on or before"),
    LIMIT_FIELD,
    CURSOR_FIELD,
    KEFU_F_END,
};

static const kefu_field survey_params[] = {
    KEFU_F_INT("year", KEFU_REQUIRED, VISITS_MIN_YEAR, VISITS_MAX_YEAR,
               "the survey's year (the current year or later)"),
    KEFU_F_DATE("due_on", 0, "a day in December of that year (default December 1st)"),
    KEFU_F_END,
};

static const kefu_field get_params[] = {
    KEFU_F_STRING("id", KEFU_REQUIRED, 1, 24,
                  "A000001 (account), V2026-000001 (visit), P000001 (planned visit), "
                  "Q2026-000001 (quality information) or S2026-000001 (symposium)"),
    KEFU_F_END,
};

static const kefu_field list_params[] = {
    KEFU_F_STRING("account_id", 0, 7, 11, "only this account's visits"),
    KEFU_F_ID("customer_id", 0, 64, "only this customer's visits"),
    KEFU_F_DATE("from", 0, "visited on or after"),
    KEFU_F_DATE("to", 0, "visited on or before"),
    LIMIT_FIELD,
    CURSOR_FIELD,
    KEFU_F_END,
};

static const kefu_field week_params[] = {
    KEFU_F_STRING("week", KEFU_REQUIRED, 8, 8, "ISO week, e.g. 2026-W49"),
    KEFU_F_END,
};

#define ROLES_SYSTEM (KEFU_ROLE_SYSTEM | KEFU_ROLE_ADMIN)

static const kefu_method visits_methods[] = {
    {"visits.Enroll", visits_enroll, enroll_params, KEFU_MUTATING, KEFU_ROLES_WRITE,
     "open a visit account (回访档案) for a delivered project, with its visit plan"},
    {"visits.Deactivate", visits_deactivate, account_params, KEFU_MUTATING, KEFU_ROLES_WRITE,
     "stop an account's plan (open complaint follow-ups stay)"},
    {"visits.Due", visits_due, due_params, 0, KEFU_ROLES_READ,
     "open planned visits due by a day, most overdue first"},
    {"visits.Record", visits_record, record_params, KEFU_MUTATING, KEFU_ROLES_WRITE,
     "write a communication record (用户沟通记录); closes a planned visit"},
    {"visits.Schedule", visits_schedule, schedule_params, KEFU_MUTATING, KEFU_ROLES_WRITE,
     "plan one more visit for an account"},
    {"visits.ScheduleFollowUp", visits_schedule_followup, followup_params, KEFU_MUTATING,
     ROLES_SYSTEM, "the follow-up visit of a resolved complaint (once per complaint)"},
    {"visits.Symposium", visits_symposium, symposium_params, KEFU_MUTATING, KEFU_ROLES_WRITE,
     "record a user symposium (用户座谈会); each opinion becomes quality information"},
    {"visits.QualityInfo", visits_quality_info, qinfo_params, KEFU_MUTATING, KEFU_ROLES_WRITE,
     "pass quality information (产品质量信息) to the departments concerned"},
    {"visits.ListQualityInfo", visits_list_quality_info, list_qi_params, 0, KEFU_ROLES_READ,
     "quality information, newest first"},
    {"visits.AnnualSurvey", visits_annual_survey, survey_params, KEFU_MUTATING, ROLES_SYSTEM,
     "a December demand survey (新需求管理) for every active account, once a year"},
    {"visits.Get", visits_get, get_params, 0, KEFU_ROLES_READ,
     "an account, visit, planned visit, quality information or symposium by id"},
    {"visits.List", visits_list, list_params, 0, KEFU_ROLES_READ,
     "visit records, newest first, paged with a cursor"},
    {"visits.WeeklyReport", visits_weekly_report, week_params, 0, KEFU_ROLES_READ,
     "the weekly report (周报) of an ISO week"},
    {NULL},
};

static kefu_status init(kefu_service *svc, kefu_error *err)
{
    return visits_store_init(svc, err);
}

const kefu_service_def visits_service = {
    .name = "visits",
    .default_listen = "tcp://127.0.0.1:7103",
    .methods = visits_methods,
    .init = init,
    .fini = visits_store_fini,
};
