/*
 * handlers.c - the visits methods that change state. The runtime has checked
 * the envelope, token, role, deadline and params schema; these check what a
 * schema cannot (id shapes, date ranges, cross-field rules, the caller's
 * departments) and hand the rest to one store script each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "json.h"
#include "visits.h"

/* Surveys created per store step of AnnualSurvey. */
#define SURVEY_BATCH "500"
/* JSON texts a handler builds for its script: each is one script argument,
 * so no call can need more (Symposium: chair, attendees, the customer ids
 * and up to 100 opinions). */
#define VISITS_MAX_TEXTS KEFU_SCRIPT_MAX_ARGS

/* The account_id param, or NULL after replying INVALID_ARGUMENT. */
static const char *account_param(kefu_call *call)
{
    const char *id = kefu_json_str(kefu_call_params(call), "account_id");

    if (visits_id_classify(id) != VISITS_ID_ACCOUNT) {
        kefu_call_reply_error(call, KEFU_STATUS_INVALID_ARGUMENT, "account_id",
                              "params.account_id: must look like A000001");
        return NULL;
    }
    return id;
}

/* A date param within the stored range, or false after replying. */
static bool date_param(kefu_call *call, const char *name, kefu_date *out)
{
    if (visits_date_in_range(kefu_json_str(kefu_call_params(call), name), out))
        return true;
    kefu_call_reply_error(call, KEFU_STATUS_INVALID_ARGUMENT, name,
                          "params.%s: must be a date between %d-01-01 and %d-12-31", name,
                          VISITS_MIN_YEAR, VISITS_MAX_YEAR);
    return false;
}

static kefu_date today_of(kefu_call *call)
{
    return kefu_time_to_date(kefu_call_now(call), kefu_call_tz(call));
}

/* Member `key` of `obj` as JSON text, "null" when absent. Caller frees. */
static char *json_of(const cJSON *obj, const char *key)
{
    const cJSON *v = kefu_json_get(obj, key);
    return v ? cJSON_PrintUnformatted(v) : strdup("null");
}

/*
 * The department a record made by the caller belongs to: `given`, which a
 * staff member must hold (else PERMISSION_DENIED), or by default the staff
 * member's first department ("" for the others). False after replying.
 */
static bool own_department(kefu_call *call, const char *field, const char **out)
{
    const kefu_principal *p = kefu_call_principal(call);
    const char *given = kefu_json_str(kefu_call_params(call), field);

    if (given && !kefu_principal_sees(p, given)) {
        kefu_call_reply_error(call, KEFU_STATUS_PERMISSION_DENIED, field,
                              "params.%s: not one of your departments", field);
        return false;
    }
    if (!given)
        given = !p->all_departments && p->n_departments > 0 ? p->departments[0] : "";
    *out = given;
    return true;
}

/* Texts a handler builds for its script; freed together. */
typedef struct {
    char *t[VISITS_MAX_TEXTS];
    int n;
    bool oom;
} texts;

static const char *keep(texts *ts, char *s)
{
    if (!s || ts->n == VISITS_MAX_TEXTS) {
        ts->oom = true;
        free(s);
        return "";
    }
    ts->t[ts->n++] = s;
    return s;
}

static void texts_free(texts *ts)
{
    for (int i = 0; i < ts->n; i++)
        free(ts->t[i]);
    ts->n = 0;
}

/*
 * `customer` (an object with an `id` param) as JSON text with the id printed
 * exactly (see visits_id_item). Caller frees; NULL when out of memory.
 */
static char *customer_text(const cJSON *customer)
{
    cJSON *c = cJSON_Duplicate(customer, true), *id = visits_id_item(kefu_json_get(customer, "id"));
    char *text = NULL;

    if (c && id && cJSON_ReplaceItemInObjectCaseSensitive(c, "id", id)) {
        id = NULL;
        text = cJSON_PrintUnformatted(c);
    }
    cJSON_Delete(id);
    cJSON_Delete(c);
    return text;
}

void visits_enroll(kefu_call *call)
{
    const cJSON *p = kefu_call_params(call);
    const char *dept, *owner = kefu_json_str(p, "owner");
    char customer_key[KEFU_ID_TEXT_SIZE], n_text[16], due_text[11], day[16];
    kefu_date delivered, due;
    texts ts = {0};
    int n;

    if (!date_param(call, "delivered_on", &delivered) || !own_department(call, "department", &dept))
        return;
    visits_plan_at_enroll(delivered, today_of(call), &n, &due);
    snprintf(n_text, sizeof(n_text), "%d", n);
    kefu_date_format(due, due_text);
    visits_day_text(due, day);
    kefu_json_id_text(kefu_json_get(kefu_json_get(p, "customer"), "id"), customer_key);
    const char *args[] = {keep(&ts, customer_text(kefu_json_get(p, "customer"))),
                          customer_key,
                          keep(&ts, json_of(p, "project")),
                          kefu_json_str(p, "delivered_on"),
                          dept,
                          owner ? owner : "",
                          n_text,
                          due_text,
                          day};
    if (ts.oom)
        kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "out of memory");
    else
        visits_store_run(call, VISITS_ENROLL, 9, args, NULL, NULL);
    texts_free(&ts);
}

void visits_deactivate(kefu_call *call)
{
    const char *id = account_param(call);
    if (id)
        visits_store_run(call, VISITS_DEACTIVATE, 1, &id, NULL, NULL);
}

/* ---- Record: read the plan state, compute the next routine visit, write ---- */

/* Checks what the schema cannot; false after replying. */
static bool record_checks(kefu_call *call)
{
    const cJSON *p = kefu_call_params(call), *issue;
    const char *planned = kefu_json_str(p, "planned_id");
    kefu_date visited;
    int i = 0;

    if (!account_param(call) || !date_param(call, "visited_on", &visited))
        return false;
    if (kefu_date_compare(visited, today_of(call)) > 0) {
        kefu_call_reply_error(call, KEFU_STATUS_INVALID_ARGUMENT, "visited_on",
                              "params.visited_on: must not be in the future");
        return false;
    }
    if (planned && visits_id_classify(planned) != VISITS_ID_PLANNED &&
        visits_id_classify(planned) != VISITS_ID_ROUTINE) {
        kefu_call_reply_error(call, KEFU_STATUS_INVALID_ARGUMENT, "planned_id",
                              "params.planned_id: must look like P000001 or A000001-R13");
        return false;
    }
    cJSON_ArrayForEach(issue, kefu_json_get(p, "issues"))
    {
        if (strcmp(kefu_json_str(issue, "kind"), "quality_info") == 0 &&
            cJSON_GetArraySize(kefu_json_get(issue, "departments")) == 0) {
            char field[48];
            snprintf(field, sizeof(field), "issues[%d].departments", i);
            kefu_call_reply_error(call, KEFU_STATUS_INVALID_ARGUMENT, field,
                                  "params.%s: quality information needs at least one department",
                                  field);
            return false;
        }
        i++;
    }
    return true;
}

static void on_plan_state(kefu_call *call, const char *json, size_t len, void *arg)
{
    const cJSON *p = kefu_call_params(call), *issue;
    const char *planned = kefu_json_str(p, "planned_id"), *demands = kefu_json_str(p, "demands");
    const cJSON *sat = kefu_json_get(p, "satisfaction");
    cJSON *state = cJSON_ParseWithLength(json, len);
    const char *delivered_text = kefu_json_str(state, "delivered_on");
    int64_t plan_n = 0, satisfaction = 0;
    int next_n = 0, nargs = 0;
    kefu_date visited, delivered, due = {0, 0, 0}, today = today_of(call);
    char plan_text[16], next_text[16], due_text[11] = "", due_day[16] = "", visited_day[16];
    char sat_text[8] = "", count[8], received_at[32];
    const char *args[KEFU_SCRIPT_MAX_ARGS];
    texts ts = {0};

    (void)arg;
    kefu_json_int(kefu_json_get(state, "plan_n"), &plan_n);
    kefu_date_parse(kefu_json_str(p, "visited_on"), 10, &visited);
    if (plan_n > 0 && delivered_text &&
        kefu_date_parse(delivered_text, strlen(delivered_text), &delivered)) {
        visits_plan_after(delivered, (int)plan_n, visited, &next_n, &due);
        kefu_date_format(due, due_text);
        visits_day_text(due, due_day);
    }
    cJSON_Delete(state);
    snprintf(plan_text, sizeof(plan_text), "%lld", (long long)plan_n);
    snprintf(next_text, sizeof(next_text), "%d", next_n);
    visits_day_text(visited, visited_day);
    if (kefu_json_int(sat, &satisfaction))
        snprintf(sat_text, sizeof(sat_text), "%lld", (long long)satisfaction);
    /* A complaint raised on a visit was received at the visit: now when the
     * visit was today, else the start of that day. */
    kefu_time_format_rfc3339(kefu_date_compare(visited, today) == 0
                                 ? kefu_call_now(call)
                                 : kefu_date_to_time(visited, kefu_call_tz(call)),
                             kefu_call_tz(call), received_at);
    snprintf(count, sizeof(count), "%d", cJSON_GetArraySize(kefu_json_get(p, "issues")));

    args[nargs++] = kefu_json_str(p, "account_id");
    args[nargs++] = plan_text;
    args[nargs++] = next_text;
    args[nargs++] = due_text;
    args[nargs++] = due_day;
    args[nargs++] = planned ? planned : "";
    args[nargs++] = kefu_json_str(p, "visited_on");
    args[nargs++] = visited_day;
    args[nargs++] = kefu_json_str(p, "method");
    args[nargs++] = keep(&ts, json_of(p, "contact"));
    args[nargs++] = keep(&ts, json_of(p, "summary"));
    args[nargs++] = keep(&ts, demands ? json_of(p, "demands") : strdup("null"));
    args[nargs++] = sat_text;
    args[nargs++] =
        sat_text[0]
            ? keep(&ts, visits_confirm_members((int)satisfaction, kefu_json_str(p, "contact"),
                                               kefu_json_str(p, "summary")))
            : "";
    args[nargs++] = VISITS_DEFAULT_DEPARTMENT;
    args[nargs++] = count;
    cJSON_ArrayForEach(issue, kefu_json_get(p, "issues"))
    {
        bool complaint = strcmp(kefu_json_str(issue, "kind"), "complaint") == 0;
        args[nargs++] = kefu_json_str(issue, "kind");
        args[nargs++] = keep(&ts, visits_issue_text(issue));
        args[nargs++] = complaint ? keep(&ts, visits_complaint_members(issue, received_at)) : "";
    }
    if (ts.oom)
        kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "out of memory");
    else
        visits_store_run(call, VISITS_RECORD, nargs, args, NULL, NULL);
    texts_free(&ts);
}

static void record_read_plan(kefu_call *call)
{
    const char *id = kefu_json_str(kefu_call_params(call), "account_id");
    visits_store_step(call, VISITS_PLAN_STATE, 1, &id, on_plan_state, NULL);
}

void visits_record(kefu_call *call)
{
    if (record_checks(call))
        kefu_call_idempotency_check(call, record_read_plan);
}

void visits_schedule(kefu_call *call)
{
    const cJSON *p = kefu_call_params(call);
    const char *id = account_param(call), *ref = kefu_json_str(p, "ref");
    char day[16];
    kefu_date due;

    if (!id || !date_param(call, "due_on", &due))
        return;
    if (kefu_date_compare(due, today_of(call)) < 0) {
        kefu_call_reply_error(call, KEFU_STATUS_INVALID_ARGUMENT, "due_on",
                              "params.due_on: must not be in the past");
        return;
    }
    visits_day_text(due, day);
    const char *args[] = {id, kefu_json_str(p, "due_on"), day, kefu_json_str(p, "kind"),
                          ref ? ref : ""};
    visits_store_run(call, VISITS_SCHEDULE, 5, args, NULL, NULL);
}

void visits_schedule_followup(kefu_call *call)
{
    const cJSON *p = kefu_call_params(call), *cid = kefu_json_get(p, "customer_id");
    const char *complaint = kefu_json_str(p, "complaint_id"),
               *name = kefu_json_str(p, "customer_name");
    const char *dept = kefu_json_str(p, "department");
    char key[KEFU_ID_TEXT_SIZE], day[16], round[24] = "0", *new_customer;
    kefu_date due;
    cJSON *customer;
    int64_t n;

    if (kefu_json_int(kefu_json_get(p, "round"), &n))
        snprintf(round, sizeof(round), "%lld", (long long)n);
    if (!visits_complaint_id_valid(complaint)) {
        kefu_call_reply_error(call, KEFU_STATUS_INVALID_ARGUMENT, "complaint_id",
                              "params.complaint_id: must look like C2026-000001");
        return;
    }
    if (!date_param(call, "due_on", &due))
        return;
    kefu_json_id_text(cid, key);
    if (key[0] == '\0') {
        kefu_call_reply_error(call, KEFU_STATUS_INVALID_ARGUMENT, "customer_id",
                              "params.customer_id: must not be empty");
        return;
    }
    visits_day_text(due, day);
    /* The customer of a follow-up-only account, should one be needed. */
    customer = cJSON_CreateObject();
    cJSON_AddItemToObject(customer, "id", cJSON_Duplicate(cid, true));
    cJSON_AddStringToObject(customer, "name", name ? name : key);
    new_customer = customer_text(customer);
    cJSON_Delete(customer);
    if (!new_customer) {
        kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "out of memory");
        return;
    }
    const char *args[] = {
        key, complaint, kefu_json_str(p, "due_on"), day, new_customer, dept ? dept : "", round};
    visits_store_run(call, VISITS_FOLLOWUP, 7, args, NULL, NULL);
    cJSON_free(new_customer);
}

/*
 * The customer ids of the opinions are printed here, exactly (visits_id_item),
 * and handed to the script as text besides the opinions, so the script never
 * encodes a number id itself.
 */
void visits_symposium(kefu_call *call)
{
    const cJSON *p = kefu_call_params(call), *op;
    const char *args[KEFU_SCRIPT_MAX_ARGS];
    char day[16];
    kefu_date held;
    kefu_buf ids;
    texts ts = {0};
    int nargs = 0;

    if (!date_param(call, "held_on", &held))
        return;
    visits_day_text(held, day);
    kefu_buf_init(&ids);
    args[nargs++] = kefu_json_str(p, "held_on");
    args[nargs++] = day;
    args[nargs++] = keep(&ts, json_of(p, "chair"));
    args[nargs++] = keep(&ts, json_of(p, "attendees"));
    nargs++; /* the customer ids, once all are printed */
    cJSON_ArrayForEach(op, kefu_json_get(p, "opinions"))
    {
        const cJSON *c = kefu_json_get(op, "customer_id");
        cJSON *o = cJSON_CreateObject(), *id = c ? visits_id_item(c) : cJSON_CreateNull();
        char *id_text = id ? cJSON_PrintUnformatted(id) : NULL;

        if (!o || !id_text) {
            cJSON_Delete(o);
            cJSON_Delete(id);
            cJSON_free(id_text);
            ts.oom = true;
            continue;
        }
        /* "\n" never occurs in an id's JSON text: it separates them. */
        kefu_buf_printf(&ids, "%s%s", ids.len ? "\n" : "", id_text);
        cJSON_free(id_text);
        cJSON_AddItemToObject(o, "customer_id", id);
        cJSON_AddStringToObject(o, "text", kefu_json_str(op, "text"));
        cJSON_AddItemToObject(o, "departments",
                              cJSON_Duplicate(kefu_json_get(op, "departments"), true));
        cJSON_AddNullToObject(o, "quality_info_id"); /* last: the script fills it */
        args[nargs++] = keep(&ts, cJSON_PrintUnformatted(o));
        cJSON_Delete(o);
    }
    args[4] = ids.oom ? "" : kefu_buf_cstr(&ids);
    if (ts.oom || ids.oom)
        kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "out of memory");
    else
        visits_store_run(call, VISITS_SYMPOSIUM, nargs, args, NULL, NULL);
    texts_free(&ts);
    kefu_buf_free(&ids);
}

void visits_quality_info(kefu_call *call)
{
    const cJSON *p = kefu_call_params(call), *d;
    const char *args[KEFU_SCRIPT_MAX_ARGS], *from;
    texts ts = {0};
    int nargs = 0;

    if (!own_department(call, "department", &from))
        return;
    args[nargs++] = kefu_json_str(p, "source");
    args[nargs++] = keep(&ts, json_of(p, "product"));
    args[nargs++] = keep(&ts, json_of(p, "text"));
    args[nargs++] = keep(&ts, json_of(p, "departments"));
    args[nargs++] = from;
    cJSON_ArrayForEach(d, kefu_json_get(p, "departments")) args[nargs++] = d->valuestring;
    if (ts.oom)
        kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "out of memory");
    else
        visits_store_run(call, VISITS_QINFO, nargs, args, NULL, NULL);
    texts_free(&ts);
}

/* ---- AnnualSurvey: bounded batches, then the answer ---- */

typedef struct {
    long long created;
    char year[8], due[11], day[16];
} survey_run;

/* The survey's due date: `due_on`, or December 1st (today, when that has
 * passed); false after replying. A
 * year before the current business year is refused: its surveys would all
 * be overdue at once. */
static bool survey_due(kefu_call *call, kefu_date *due)
{
    const cJSON *p = kefu_call_params(call);
    int this_year = today_of(call).year;
    int64_t year = 0;

    kefu_json_int(kefu_json_get(p, "year"), &year);
    if (year < this_year) {
        kefu_call_reply_error(call, KEFU_STATUS_INVALID_ARGUMENT, "year",
                              "params.year: must be %d or later (the current year)", this_year);
        return false;
    }
    *due = (kefu_date){(int)year, 12, 1};
    /* Asked for during December: due from today, not overdue at once. */
    if (kefu_date_compare(*due, today_of(call)) < 0)
        *due = today_of(call);
    if (!kefu_json_str(p, "due_on"))
        return true;
    if (!date_param(call, "due_on", due))
        return false;
    if (due->year != year || due->month != 12) {
        kefu_call_reply_error(call, KEFU_STATUS_INVALID_ARGUMENT, "due_on",
                              "params.due_on: must be in December %lld", (long long)year);
        return false;
    }
    if (kefu_date_compare(*due, today_of(call)) < 0) {
        kefu_call_reply_error(call, KEFU_STATUS_INVALID_ARGUMENT, "due_on",
                              "params.due_on: must be today or later");
        return false;
    }
    return true;
}

static void survey_step(kefu_call *call, survey_run *s);

static void on_survey_step(kefu_call *call, const char *json, size_t len, void *arg)
{
    survey_run *s = arg;
    cJSON *r = cJSON_ParseWithLength(json, len);
    bool done = cJSON_IsTrue(kefu_json_get(r, "done"));
    char created[24];
    int64_t n = 0;

    kefu_json_int(kefu_json_get(r, "created"), &n);
    cJSON_Delete(r);
    s->created += n;
    if (!done) {
        survey_step(call, s);
        return;
    }
    snprintf(created, sizeof(created), "%lld", s->created);
    const char *args[] = {s->year, s->due, created};
    visits_store_run(call, VISITS_SURVEY_DONE, 3, args, NULL, NULL);
}

static void survey_step(kefu_call *call, survey_run *s)
{
    const char *args[] = {s->year, s->due, s->day, SURVEY_BATCH};
    visits_store_step(call, VISITS_SURVEY_STEP, 4, args, on_survey_step, s);
}

/* After the idempotency check: the batches, each its own bounded script. */
static void survey_start(kefu_call *call)
{
    survey_run *s = calloc(1, sizeof(*s));
    kefu_date due;

    if (!s) {
        kefu_call_reply_error(call, KEFU_STATUS_INTERNAL, NULL, "out of memory");
        return;
    }
    kefu_call_own(call, s, free);
    survey_due(call, &due); /* checked before */
    snprintf(s->year, sizeof(s->year), "%d", due.year);
    kefu_date_format(due, s->due);
    visits_day_text(due, s->day);
    survey_step(call, s);
}

void visits_annual_survey(kefu_call *call)
{
    kefu_date due;
    if (survey_due(call, &due))
        kefu_call_idempotency_check(call, survey_start);
}
