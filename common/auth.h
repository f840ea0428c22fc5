/*
 * auth.h - bearer tokens, roles and departments (SPEC section 7).
 *
 * The tokens file lists sha256 digests of tokens, never the tokens. Without a
 * tokens file every caller is the local administrator, and the runtime allows
 * only loopback and ipc listeners.
 */
#ifndef KEFU_AUTH_H
#define KEFU_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

typedef enum {
    KEFU_ROLE_ADMIN = 1u << 0,
    KEFU_ROLE_STAFF = 1u << 1,
    KEFU_ROLE_AUDITOR = 1u << 2,
    KEFU_ROLE_SYSTEM = 1u << 3,
} kefu_role;

/* Role sets for method tables. */
#define KEFU_ROLES_READ  (KEFU_ROLE_ADMIN | KEFU_ROLE_STAFF | KEFU_ROLE_AUDITOR | KEFU_ROLE_SYSTEM)
#define KEFU_ROLES_WRITE (KEFU_ROLE_ADMIN | KEFU_ROLE_STAFF | KEFU_ROLE_SYSTEM)
#define KEFU_ROLES_ADMIN (KEFU_ROLE_ADMIN)
#define KEFU_ROLES_ANY   (KEFU_ROLES_READ)

#define KEFU_AUTH_MAX_DEPARTMENTS 16

typedef struct {
    char name[64];
    char sha256[65];
    kefu_role role;
    bool all_departments; /* "*" */
    int n_departments;
    char departments[KEFU_AUTH_MAX_DEPARTMENTS][64];
} kefu_principal;

typedef struct {
    bool enabled;
    int count;
    kefu_principal *tokens;
} kefu_auth;

/* The principal of every call when no tokens file is configured. */
extern const kefu_principal kefu_principal_local;

/* Loads a tokens file; on failure `err` says what is wrong with it. */
kefu_status kefu_auth_load(kefu_auth *auth, const char *path, kefu_error *err);
void kefu_auth_free(kefu_auth *auth);

/*
 * The principal for `token` (NULL when the request carried none), or
 * UNAUTHENTICATED. Disabled auth returns kefu_principal_local.
 */
kefu_status kefu_auth_check(const kefu_auth *auth, const char *token, const kefu_principal **out,
                            kefu_error *err);

const char *kefu_role_name(kefu_role role);
/* "admin|staff" style list of the roles in `roles`, for sys.Describe. */
int kefu_roles_list(unsigned roles, const char *out[4]);

/* True when `p` may see records of `department` (staff: only its own). */
bool kefu_principal_sees(const kefu_principal *p, const char *department);

/* The scope store scripts check records against: "*" (everything) or the
 * principal's departments separated by newlines. Writes a NUL. */
void kefu_principal_scope(const kefu_principal *p, char *out, size_t cap);

#endif
