#include "tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The whole of a (small) PEM file as a string; NULL with `err` filled. */
static char *read_pem(const char *path, const char *what, kefu_error *err)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long size;

    if (!f) {
        kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, what, "%s %s: %s", what, path,
                       strerror(errno));
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || size > (1 << 20) ||
        fseek(f, 0, SEEK_SET) != 0 || !(buf = malloc((size_t)size + 1)) ||
        fread(buf, 1, (size_t)size, f) != (size_t)size) {
        kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, what, "%s %s: unreadable or over 1 MiB",
                       what, path);
        free(buf);
        fclose(f);
        return NULL;
    }
    buf[size] = '\0';
    fclose(f);
    return buf;
}

static kefu_status own_cert(nng_tls_config *tls, const char *cert, const char *key, kefu_error *err)
{
    char *c = read_pem(cert, "tls-cert", err), *k = c ? read_pem(key, "tls-key", err) : NULL;
    int rv;

    if (!c || !k) {
        free(c);
        return err->status;
    }
    rv = nng_tls_config_own_cert(tls, c, k, NULL);
    free(c);
    free(k);
    if (rv != 0)
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "tls-cert",
                              "certificate %s with key %s: %s", cert, key, nng_strerror(rv));
    return KEFU_STATUS_OK;
}

static kefu_status trust(nng_tls_config *tls, const char *ca, kefu_error *err)
{
    int rv;
    if ((rv = nng_tls_config_ca_file(tls, ca)) != 0 ||
        (rv = nng_tls_config_auth_mode(tls, NNG_TLS_AUTH_MODE_REQUIRED)) != 0)
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "tls-ca", "CA file %s: %s", ca,
                              nng_strerror(rv));
    return KEFU_STATUS_OK;
}

kefu_status kefu_tls_server(const char *cert, const char *key, const char *ca, nng_tls_config **out,
                            kefu_error *err)
{
    nng_tls_config *tls;
    int rv;

    if (!cert || !key)
        return kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "tls-cert",
                              "tls+tcp:// needs --tls-cert and --tls-key");
    if ((rv = nng_tls_config_alloc(&tls, NNG_TLS_MODE_SERVER)) != 0)
        return kefu_error_set(err, KEFU_STATUS_INTERNAL, NULL, "TLS: %s", nng_strerror(rv));
    if (own_cert(tls, cert, key, err) != KEFU_STATUS_OK ||
        (ca && trust(tls, ca, err) != KEFU_STATUS_OK)) {
        nng_tls_config_free(tls);
        return err->status;
    }
    *out = tls;
    return KEFU_STATUS_OK;
}

kefu_status kefu_tls_client_from_env(nng_tls_config **out, kefu_error *err)
{
    const char *ca = getenv("KEFU_TLS_CA"), *cert = getenv("KEFU_TLS_CERT");
    const char *key = getenv("KEFU_TLS_KEY"), *name = getenv("KEFU_TLS_SERVER_NAME");
    nng_tls_config *tls;
    int rv;

    if ((rv = nng_tls_config_alloc(&tls, NNG_TLS_MODE_CLIENT)) != 0)
        return kefu_error_set(err, KEFU_STATUS_INTERNAL, NULL, "TLS: %s", nng_strerror(rv));
    if (ca && *ca) {
        if (trust(tls, ca, err) != KEFU_STATUS_OK)
            goto fail;
    } else if ((rv = nng_tls_config_auth_mode(tls, NNG_TLS_AUTH_MODE_NONE)) != 0) {
        kefu_error_set(err, KEFU_STATUS_INTERNAL, NULL, "TLS: %s", nng_strerror(rv));
        goto fail;
    }
    if (cert && *cert && key && *key && own_cert(tls, cert, key, err) != KEFU_STATUS_OK)
        goto fail;
    if (name && *name && (rv = nng_tls_config_server_name(tls, name)) != 0) {
        kefu_error_set(err, KEFU_STATUS_INVALID_ARGUMENT, "tls", "TLS server name: %s",
                       nng_strerror(rv));
        goto fail;
    }
    *out = tls;
    return KEFU_STATUS_OK;
fail:
    nng_tls_config_free(tls);
    return err->status;
}
