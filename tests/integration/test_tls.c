/*
 * integration.tls - tls+tcp:// listeners (--tls-cert/--tls-key, and with
 * --tls-ca required client certificates) and the client's TLS settings.
 * Certificates are made fresh with openssl for each run.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test.h"

static kh_redis redis;
static char dir[64];

static bool make_certs(void)
{
    char cmd[1024];
    snprintf(dir, sizeof(dir), "/tmp/kefu-tls-XXXXXX");
    if (!mkdtemp(dir))
        return false;
    /* A CA, a server certificate for localhost and a client certificate. */
    snprintf(cmd, sizeof(cmd),
             "cd %s && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=kefu-test-ca "
             "-keyout ca.key -out ca.crt 2>/dev/null && "
             "openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key "
             "-out server.csr 2>/dev/null && "
             "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > san.ext && "
             "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 "
             "-extfile san.ext -out server.crt 2>/dev/null && "
             "openssl req -newkey rsa:2048 -nodes -subj /CN=client -keyout client.key "
             "-out client.csr 2>/dev/null && "
             "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 "
             "-out client.crt 2>/dev/null",
             dir);
    return system(cmd) == 0;
}

static void path(char *out, size_t cap, const char *file)
{
    snprintf(out, cap, "%s/%s", dir, file);
}

/* Health over tls+tcp:// with the given client environment; the reply code. */
static int health_over_tls(const char *addr, const char *ca, const char *cert, const char *key)
{
    kefu_call_opts o = {.deadline_ms = 3000, .max_attempts = 1};
    cJSON *r;
    int code;

    ca ? setenv("KEFU_TLS_CA", ca, 1) : unsetenv("KEFU_TLS_CA");
    cert ? setenv("KEFU_TLS_CERT", cert, 1) : unsetenv("KEFU_TLS_CERT");
    key ? setenv("KEFU_TLS_KEY", key, 1) : unsetenv("KEFU_TLS_KEY");
    setenv("KEFU_TLS_SERVER_NAME", "localhost", 1);
    r = kh_call(addr, "sys.Health", NULL, &o);
    code = kh_code(r);
    if (r)
        CHECK_STR(kh_str(r, "status"), "SERVING");
    cJSON_Delete(r);
    return code;
}

static void test_server_tls(void)
{
    char cert[128], key[128], ca[128], tls[64], bad[128];
    const char *extra[] = {"--listen", tls, "--tls-cert", cert, "--tls-key", key, NULL};
    kh_service svc;

    path(cert, sizeof(cert), "server.crt");
    path(key, sizeof(key), "server.key");
    path(ca, sizeof(ca), "ca.crt");
    path(bad, sizeof(bad), "client.crt"); /* not a CA of the server's certificate */
    snprintf(tls, sizeof(tls), "tls+tcp://127.0.0.1:%d", kh_free_port());
    CHECK(kh_service_start(&svc, "complaints", redis.url, extra));
    CHECK_INT(health_over_tls(tls, ca, NULL, NULL), 0);
    /* A client that trusts another CA gets no answer: the handshake fails. */
    CHECK_INT(health_over_tls(tls, bad, NULL, NULL), -1);
    /* Plain TCP to the TLS port gets nothing either. */
    {
        char plain[64];
        kefu_call_opts o = {.deadline_ms = 500, .max_attempts = 1};
        snprintf(plain, sizeof(plain), "tcp://%s", tls + strlen("tls+tcp://"));
        cJSON *r = kh_call(plain, "sys.Health", NULL, &o);
        CHECK(r == NULL);
        cJSON_Delete(r);
    }
    CHECK_INT(kh_service_stop(&svc), 0);
}

static void test_mutual_tls(void)
{
    char cert[128], key[128], ca[128], ccert[128], ckey[128], tls[64];
    const char *extra[] = {"--listen", tls,        "--tls-cert", cert, "--tls-key",
                           key,        "--tls-ca", ca,           NULL};
    kh_service svc;

    path(cert, sizeof(cert), "server.crt");
    path(key, sizeof(key), "server.key");
    path(ca, sizeof(ca), "ca.crt");
    path(ccert, sizeof(ccert), "client.crt");
    path(ckey, sizeof(ckey), "client.key");
    snprintf(tls, sizeof(tls), "tls+tcp://127.0.0.1:%d", kh_free_port());
    CHECK(kh_service_start(&svc, "complaints", redis.url, extra));
    CHECK_INT(health_over_tls(tls, ca, ccert, ckey), 0);
    /* Without a client certificate the server refuses the handshake. */
    CHECK_INT(health_over_tls(tls, ca, NULL, NULL), -1);
    CHECK_INT(kh_service_stop(&svc), 0);
}

static void test_tls_needs_cert(void)
{
    char tls[64];
    const char *extra[] = {"--listen", tls, NULL};
    kh_service svc;

    snprintf(tls, sizeof(tls), "tls+tcp://127.0.0.1:%d", kh_free_port());
    CHECK(!kh_service_start(&svc, "complaints", redis.url, extra));
}

KEFU_TESTS = {
    {"server_tls", test_server_tls},
    {"mutual_tls", test_mutual_tls},
    {"tls_needs_cert", test_tls_needs_cert},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    int rc;
    char cmd[128];

    if (!make_certs() || !kh_redis_start(&redis)) {
        fprintf(stderr, "could not make certificates (openssl) or start redis\n");
        return 1;
    }
    rc = kefu_test_main(argc, argv);
    kh_redis_stop(&redis);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        rc = 1;
    return rc;
}
