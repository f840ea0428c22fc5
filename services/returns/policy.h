/*
 * policy.h - the returns policy (SPEC section 4) as data, and the pure rules
 * that read it: warranty evaluation and freight stations. No I/O: the caller
 * reads the policy file (deploy/returns-policy.json, `--policy FILE`) and
 * passes its text; no clock: the caller passes the check date.
 *
 * The policy text, format 1. Every object is closed (an unknown member is
 * refused), ids match [a-z][a-z0-9_]{0,31} and are unique in their list,
 * labels are non-empty strings (Chinese, for people):
 *
 *   {
 *     "format": 1,
 *     "label": "...",                        the policy's name
 *     "time_zone": "+08:00",                 business zone (kefu_tz_parse)
 *     "returns_per_customer_per_month": 1,   1..100, calendar months
 *     "default_condition": "quality_defect", used when an item names none
 *     "conditions": [{"id", "label"}, ...],  at most 16
 *     "carrier_claim": {"condition": "transport_damage", "label"},
 *         damage of this kind found on delivery is claimed from the carrier
 *         and not returned, unless a component lists the condition itself
 *     "freight": {
 *       "allowed_stations":   [{"id", "label"}, ...],  the company pays
 *       "exception_stations": [{"id", "label"}, ...]   allowed with a reason
 *     },                     any other station: the customer bears freight
 *     "categories": [{
 *       "id", "label",
 *       "whole_unit": {"warranted": true, "component": "<component id>"}
 *                  | {"warranted": false, "remedy",
 *                     "conditions"?: [...], "reject_conditions"?: [...]},
 *       "components": [{
 *         "id", "label",
 *         "warranted": bool,     false: no warranty period ("months" absent)
 *         "months"?: 1..600,     warranty from the production date
 *         "remedy": "credit" | "repair" | "replace" | "reject",
 *         "conditions": [...],   the conditions this component is taken for
 *         "needs_approval"?: "director"
 *       }, ...]
 *     }, ...]
 *   }
 *
 * Rules, for an item (category, component or the whole unit, condition):
 * - A component taken for the condition: with "months", covered iff the check
 *   date <= expires_on (production date + months, day clamped to month end),
 *   rule "<cat>.<comp>.in_warranty" with its remedy, else ".expired" and
 *   `reject`; without "months", covered with its remedy, rule
 *   "<cat>.<comp>.<condition>_<remedy>" (body replaced unconditionally).
 * - A component not taken for the condition: the carrier claim's condition
 *   gives "<condition>.claim_carrier"; otherwise "<cat>.<comp>.not_warranted"
 *   (warranted false) or "<cat>.<comp>.<condition>_not_covered"; all `reject`.
 * - The whole unit, warranted: evaluated as its named component
 *   ("cfl.unit.in_warranty"). Not warranted: a reject condition gives
 *   "<cat>.whole_unit.<condition>"; one of its conditions gives
 *   "<cat>.whole_unit.<remedy>" (not covered: a repaired lamp earns no
 *   credit); the carrier claim's condition gives "<condition>.claim_carrier";
 *   anything else "<cat>.whole_unit_not_warranted"; these are `reject`.
 * `covered` means the policy grants the remedy as of right.
 */
#ifndef KEFU_RETURNS_POLICY_H
#define KEFU_RETURNS_POLICY_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "status.h"
#include "timeutil.h"

typedef struct returns_policy returns_policy;

typedef struct {
    bool covered;
    const char *remedy;         /* "credit" | "repair" | "replace" | "reject" */
    bool has_expiry;            /* false when the rule has no warranty period */
    kefu_date expires_on;       /* valid when has_expiry */
    char rule[160];             /* "cfl.unit.in_warranty", ... */
    const char *needs_approval; /* NULL or "director"; borrowed from the policy */
} returns_evaluation;

typedef struct {
    const char *station;         /* the station's id, NULL when not listed */
    const char *label;           /* its label, NULL when not listed */
    bool exception;              /* an exception station (a reason was given) */
    bool company_pays;           /* allowed or exception station */
    bool customer_bears_freight; /* any other station */
} returns_freight_result;

/*
 * Parses and validates a policy text of `len` bytes. Every fault is
 * INVALID_ARGUMENT with `err->field` the JSON path ("categories[2].
 * components[0].months") and the message naming it. On success *out is the
 * policy (free with returns_policy_free); it keeps no pointer into `json`.
 */
kefu_status returns_policy_load(const char *json, size_t len, returns_policy **out,
                                kefu_error *err);
void returns_policy_free(returns_policy *p);

/* The policy as JSON, as loaded (for returns.Policy). Caller frees. */
cJSON *returns_policy_to_json(const returns_policy *p);

/* Business zone in minutes east of UTC; returns allowed per customer and
 * calendar month. */
int returns_policy_tz_minutes(const returns_policy *p);
int returns_policy_monthly_limit(const returns_policy *p);
/* The condition an item that names none is evaluated for (quality_defect). */
const char *returns_policy_default_condition(const returns_policy *p);
/* The people's names of a category and of one of its components (NULL: the
 * whole unit, which is its warranted component's when it has one); NULL
 * when the policy does not know them. Borrowed from the policy. */
void returns_policy_labels(const returns_policy *p, const char *category_id,
                           const char *component_id, const char **category_label,
                           const char **component_label);

/*
 * Evaluates one item on `check_date`. `component` NULL is the whole unit;
 * `condition` NULL is the policy's default condition (quality_defect).
 * An unknown category, a component the category does not have or an unknown
 * condition is INVALID_ARGUMENT with field "category", "component" or
 * "condition"; an impossible production date, field "production_date".
 * Writes *out only on success.
 */
kefu_status returns_evaluate(const returns_policy *p, const char *category, const char *component,
                             kefu_date production_date, const char *condition, kefu_date check_date,
                             returns_evaluation *out, kefu_error *err);

/* {covered, remedy, expires_on (date or null), rule, needs_approval (or
 * null)}. Caller frees. */
cJSON *returns_evaluation_to_json(const returns_evaluation *e);

/*
 * Who pays freight from `station` (an id, ASCII case ignored, or a label:
 * "xiaolan", "Xiaolan", "小榄"). An exception station needs a non-empty
 * `reason`, else INVALID_ARGUMENT field "station_reason"; a missing or empty
 * station is INVALID_ARGUMENT field "station". Any other station is allowed
 * with customer_bears_freight.
 */
kefu_status returns_freight(const returns_policy *p, const char *station, const char *reason,
                            returns_freight_result *out, kefu_error *err);

#endif
