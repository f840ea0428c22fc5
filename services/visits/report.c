/*
 * report.c - the weekly report (周报) tally: pure, from the rows the week
 * script returns.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "visits.h"

static const char *const method_names[] = {"phone", "onsite", "email", "meeting", "other"};
static const char *const kind_names[] = {"routine", "followup", "survey", "unplanned"};
#define N_METHODS 5
#define N_KINDS   4

struct visits_week_tally {
    long long visits, by_method[N_METHODS], by_kind[N_KINDS];
    long long complaint_issues, quality_issues, complaints_created;
    long long rated, satisfaction_sum;
};

visits_week_tally *visits_week_tally_new(void)
{
    return calloc(1, sizeof(visits_week_tally));
}

void visits_week_tally_free(visits_week_tally *t)
{
    free(t);
}

/* Index of `name` in `names`, or -1. */
static int index_of(const char *const *names, int n, const char *name)
{
    for (int i = 0; name && i < n; i++) {
        if (strcmp(names[i], name) == 0)
            return i;
    }
    return -1;
}

void visits_week_tally_add(visits_week_tally *t, const cJSON *row)
{
    const cJSON *issues = kefu_json_get(row, "issues");
    const char *kind = kefu_json_str(row, "planned_kind");
    int64_t v;
    int i;

    t->visits++;
    i = index_of(method_names, N_METHODS, kefu_json_str(row, "method"));
    if (i >= 0)
        t->by_method[i]++;
    i = index_of(kind_names, N_KINDS - 1, kind);
    t->by_kind[i >= 0 ? i : N_KINDS - 1]++;
    if (kefu_json_int(kefu_json_get(issues, "complaint"), &v))
        t->complaint_issues += v;
    if (kefu_json_int(kefu_json_get(issues, "quality_info"), &v))
        t->quality_issues += v;
    if (kefu_json_int(kefu_json_get(row, "complaints"), &v))
        t->complaints_created += v;
    if (kefu_json_int(kefu_json_get(row, "satisfaction"), &v) && v >= 1 && v <= 5) {
        t->rated++;
        t->satisfaction_sum += v;
    }
}

static cJSON *counts(const char *const *names, const long long *values, int n)
{
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; i < n; i++)
        cJSON_AddNumberToObject(o, names[i], (double)values[i]);
    return o;
}

cJSON *visits_week_tally_json(const visits_week_tally *t, const char *week, kefu_date monday,
                              kefu_date sunday, long long planned_open, long long planned_done)
{
    cJSON *o = cJSON_CreateObject(), *planned, *issues;
    long long total = planned_open + planned_done;
    char from[11], to[11];

    kefu_date_format(monday, from);
    kefu_date_format(sunday, to);
    cJSON_AddStringToObject(o, "week", week);
    cJSON_AddStringToObject(o, "from", from);
    cJSON_AddStringToObject(o, "to", to);
    planned = cJSON_AddObjectToObject(o, "planned");
    cJSON_AddNumberToObject(planned, "total", (double)total);
    cJSON_AddNumberToObject(planned, "done", (double)planned_done);
    cJSON_AddNumberToObject(planned, "open", (double)planned_open);
    if (total > 0)
        cJSON_AddNumberToObject(o, "completion_rate", (double)planned_done / (double)total);
    else
        cJSON_AddNullToObject(o, "completion_rate");
    cJSON_AddNumberToObject(o, "visits", (double)t->visits);
    cJSON_AddNumberToObject(o, "visits_planned", (double)(t->visits - t->by_kind[N_KINDS - 1]));
    cJSON_AddNumberToObject(o, "visits_unplanned", (double)t->by_kind[N_KINDS - 1]);
    cJSON_AddItemToObject(o, "by_method", counts(method_names, t->by_method, N_METHODS));
    cJSON_AddItemToObject(o, "by_kind", counts(kind_names, t->by_kind, N_KINDS));
    issues = cJSON_AddObjectToObject(o, "issues");
    cJSON_AddNumberToObject(issues, "complaint", (double)t->complaint_issues);
    cJSON_AddNumberToObject(issues, "quality_info", (double)t->quality_issues);
    cJSON_AddNumberToObject(issues, "total", (double)(t->complaint_issues + t->quality_issues));
    cJSON_AddNumberToObject(o, "complaints_created", (double)t->complaints_created);
    if (t->rated > 0)
        cJSON_AddNumberToObject(o, "avg_satisfaction",
                                (double)t->satisfaction_sum / (double)t->rated);
    else
        cJSON_AddNullToObject(o, "avg_satisfaction");
    return o;
}
