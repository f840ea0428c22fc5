/*
 * tls.h - nng TLS configurations for kefu's listeners and clients.
 * Certificates and keys are PEM files; nng takes them as strings.
 */
#ifndef KEFU_TLS_H
#define KEFU_TLS_H

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>

#include "status.h"

/*
 * A server configuration: our certificate and key; with `ca` (may be NULL),
 * clients must present a certificate signed by it. Caller frees.
 */
kefu_status kefu_tls_server(const char *cert, const char *key, const char *ca, nng_tls_config **out,
                            kefu_error *err);

/*
 * A client configuration from the environment: KEFU_TLS_CA (verify the server
 * against it; without it the server is not verified), KEFU_TLS_CERT and
 * KEFU_TLS_KEY (a client certificate), KEFU_TLS_SERVER_NAME. Caller frees.
 */
kefu_status kefu_tls_client_from_env(nng_tls_config **out, kefu_error *err);

#endif
