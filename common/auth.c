#include "auth.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "sha.h"
#include "utf8.h"

const kefu_principal kefu_principal_local = {
    .name = "local",
    .role = KEFU_ROLE_ADMIN,
    .all_departments = true,
};

static const struct {
    const char *name;
    kefu_role role;
} role_names[] = {
    {"admin", KEFU_ROLE_ADMIN},
    {"staff", KEFU_ROLE_STAFF},
    {"auditor", KEFU_ROLE_AUDITOR},
    {"system", KEFU_ROLE_SYSTEM},
};

const char *kefu_role_name(kefu_role role)
{
    for (size_t i = 0; i < 4; i++) {
        if (role_names[i].role == role)
            return role_names[i].name;
    }
    return "unknown";
}

int kefu_roles_list(unsigned roles, const char *out[4])
{
    int n = 0;
    for (size_t i = 0; i < 4; i++) {
        if (roles & role_names[i].role)
            out[n++] = role_names[i].name;
    }
    return n;
}

static bool is_hex64(const char *s)
{
    size_t i = 0;
    for (; s[i]; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    }
    return i == 64;
}

/* Parses one entry of "tokens" into `p`. */
static kefu_status parse_entry(const cJSON *e, int i, kefu_principal *p, kefu_error *err)
{
    const char *name = kefu_json_str(e, "name");
    const char *digest = kefu_json_str(e, "sha256");
    const char *role = kefu_json_str(e, "role");
    const cJSON *depts = kefu_json_get(e, "departments");
    char where[32];

    snprintf(where, sizeof(where), "tokens[%d]", i);
    memset(p, 0, sizeof(*p));
    if (!name || !*name || strlen(name) >= sizeof(p->name))
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, where,
                              "%s.name: required, at most 63 bytes", where);
    if (!digest || !is_hex64(digest))
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, where,
                              "%s.sha256: must be 64 lowercase hex digits", where);
    snprintf(p->name, sizeof(p->name), "%s", name);
    memcpy(p->sha256, digest, 65);
    for (size_t r = 0; role && r < 4; r++) {
        if (strcmp(role, role_names[r].name) == 0)
            p->role = role_names[r].role;
    }
    if (!p->role)
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, where,
                              "%s.role: must be admin, staff, auditor or system", where);
    if (depts && !cJSON_IsArray(depts))
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, where,
                              "%s.departments: must be an array of strings", where);
    for (const cJSON *d = depts ? depts->child : NULL; d; d = d->next) {
        if (!cJSON_IsString(d) || !*d->valuestring || strlen(d->valuestring) >= 64)
            return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, where,
                                  "%s.departments: non-empty strings of at most 63 bytes", where);
        if (strcmp(d->valuestring, "*") == 0) {
            p->all_departments = true;
            continue;
        }
        bool again = false; /* each department once: scopes are sets */
        for (int i = 0; i < p->n_departments && !again; i++)
            again = strcmp(p->departments[i], d->valuestring) == 0;
        if (again)
            continue;
        if (p->n_departments == KEFU_AUTH_MAX_DEPARTMENTS)
            return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, where,
                                  "%s.departments: at most %d", where, KEFU_AUTH_MAX_DEPARTMENTS);
        snprintf(p->departments[p->n_departments++], 64, "%s", d->valuestring);
    }
    if (p->role != KEFU_ROLE_STAFF)
        p->all_departments = true; /* only staff is scoped to departments */
    if (p->role == KEFU_ROLE_STAFF && !p->all_departments && p->n_departments == 0)
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, where,
                              "%s.departments: a staff token needs at least one", where);
    return KEFU_STATUS_OK;
}

kefu_status kefu_auth_load(kefu_auth *auth, const char *path, kefu_error *err)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t n;
    cJSON *doc = NULL;
    const cJSON *list;
    kefu_status st;

    memset(auth, 0, sizeof(*auth));
    if (!f)
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "tokens", "tokens file %s: %s",
                              path, strerror(errno));
    buf = malloc(1 << 20);
    n = buf ? fread(buf, 1, 1 << 20, f) : 0;
    fclose(f);
    bool oom = buf == NULL;
    doc = oom ? NULL : kefu_json_parse(buf, n, KEFU_JSON_MAX_DEPTH, err);
    free(buf);
    if (!doc) {
        char why[sizeof(err->message)];
        snprintf(why, sizeof(why), "%s", oom ? "out of memory" : err->message);
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "tokens", "tokens file %s: %s",
                              path, why);
    }
    list = kefu_json_get(doc, "tokens");
    if (!cJSON_IsArray(list)) {
        st = kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "tokens",
                            "tokens file %s: needs {\"tokens\": [...]}", path);
        goto out;
    }
    auth->count = cJSON_GetArraySize(list);
    auth->tokens = calloc((size_t)auth->count + 1, sizeof(*auth->tokens));
    int i = 0;
    for (const cJSON *e = list->child; e; e = e->next, i++) {
        st = parse_entry(e, i, &auth->tokens[i], err);
        if (st != KEFU_STATUS_OK)
            goto out;
    }
    auth->enabled = true;
    st = KEFU_STATUS_OK;
out:
    if (st != KEFU_STATUS_OK)
        kefu_auth_free(auth);
    cJSON_Delete(doc);
    return st;
}

void kefu_auth_free(kefu_auth *auth)
{
    free(auth->tokens);
    memset(auth, 0, sizeof(*auth));
}

kefu_status kefu_auth_check(const kefu_auth *auth, const char *token, const kefu_principal **out,
                            kefu_error *err)
{
    char digest[65];

    if (!auth->enabled) {
        *out = &kefu_principal_local;
        return KEFU_STATUS_OK;
    }
    if (!token || !*token)
        return kefu_error_set(err, KEFU_STATUS_UNAUTHENTICATED, "meta.token",
                              "meta.token: a bearer token is required");
    kefu_sha256_hex(token, strlen(token), digest);
    for (int i = 0; i < auth->count; i++) {
        if (memcmp(auth->tokens[i].sha256, digest, 64) == 0) {
            *out = &auth->tokens[i];
            return KEFU_STATUS_OK;
        }
    }
    return kefu_error_set(err, KEFU_STATUS_UNAUTHENTICATED, "meta.token",
                          "meta.token: unknown token");
}

bool kefu_principal_sees(const kefu_principal *p, const char *department)
{
    if (p->all_departments)
        return true;
    for (int i = 0; department && i < p->n_departments; i++) {
        if (strcmp(p->departments[i], department) == 0)
            return true;
    }
    return false;
}

void kefu_principal_scope(const kefu_principal *p, char *out, size_t cap)
{
    size_t n = 0;

    out[0] = '\0';
    if (p->all_departments) {
        snprintf(out, cap, "*");
        return;
    }
    for (int i = 0; i < p->n_departments && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? "\n" : "", p->departments[i]);
}
