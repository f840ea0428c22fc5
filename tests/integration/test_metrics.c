/*
 * integration.metrics - GET /metrics and /healthz over --metrics-listen, and
 * the cluster view of sys.Metrics summed across two replicas.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "json.h"
#include "test.h"

static kh_redis redis;

/* A plain HTTP/1.0 GET; returns the whole response (caller frees). */
static char *http_get(int port, const char *path)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    char req[128], *buf = calloc(1, 1 << 20);
    size_t len = 0;
    ssize_t n;
    struct timeval tv = {3, 0};

    if (fd < 0 || !buf || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        if (fd >= 0)
            close(fd);
        free(buf);
        return NULL;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n", path);
    if (write(fd, req, strlen(req)) < 0)
        len = 0;
    while (len < (1 << 20) - 1 && (n = read(fd, buf + len, (1 << 20) - 1 - len)) > 0)
        len += (size_t)n;
    close(fd);
    return buf;
}

static void test_http_endpoints(void)
{
    int port = kh_free_port();
    char url[64];
    const char *extra[] = {"--metrics-listen", url, NULL};
    kh_service svc;
    char *text;

    snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
    CHECK(kh_service_start(&svc, "complaints", redis.url, extra));
    for (int i = 0; i < 5; i++)
        cJSON_Delete(kh_call(svc.addr, "sys.Health", NULL, NULL));
    kh_sleep_ms(1300); /* the snapshot is refreshed every second */
    text = http_get(port, "/metrics");
    CHECK(text && strstr(text, "200 OK"));
    CHECK(text && strstr(text, "kefu_requests_total{service=\"complaints\",method=\"sys.Health\","
                               "code=\"OK\"}"));
    CHECK(text && strstr(text, "kefu_request_duration_us{service=\"complaints\","
                               "method=\"sys.Health\",quantile=\"0.99\"}"));
    free(text);
    text = http_get(port, "/healthz");
    CHECK(text && strstr(text, "200 OK") && strstr(text, "SERVING"));
    free(text);
    kh_redis_kill(&redis);
    kh_sleep_ms(1300);
    text = http_get(port, "/healthz");
    CHECK(text && strstr(text, "503") && strstr(text, "NOT_SERVING"));
    free(text);
    CHECK(kh_redis_restart(&redis));
    CHECK_INT(kh_service_stop(&svc), 0);
}

/* The sys.Health calls of `reply`'s cluster view (-1 when absent). */
static int cluster_health_calls(const cJSON *reply)
{
    const cJSON *methods = kefu_json_get(kefu_json_get(kh_result(reply), "cluster"), "methods");
    const cJSON *m;
    int64_t calls;

    cJSON_ArrayForEach(m, methods)
    {
        if (kefu_json_str(m, "name") && strcmp(kefu_json_str(m, "name"), "sys.Health") == 0)
            return kefu_json_int(kefu_json_get(m, "calls"), &calls) ? (int)calls : -1;
    }
    return -1;
}

static void test_cluster_view(void)
{
    const char *extra[] = {"--namespace", "metricstest", NULL};
    kh_service a, b;
    cJSON *r;

    CHECK(kh_service_start(&a, "complaints", redis.url, extra));
    CHECK(kh_service_start(&b, "complaints", redis.url, extra));
    /* The start-up probes count too; measure the difference. */
    kh_sleep_ms(1300);
    r = kh_call(a.addr, "sys.Metrics", NULL, NULL);
    int before = cluster_health_calls(r);
    cJSON_Delete(r);
    for (int i = 0; i < 7; i++)
        cJSON_Delete(kh_call(a.addr, "sys.Health", NULL, NULL));
    for (int i = 0; i < 5; i++)
        cJSON_Delete(kh_call(b.addr, "sys.Health", NULL, NULL));
    kh_sleep_ms(1300);
    r = kh_call(b.addr, "sys.Metrics", NULL, NULL);
    CHECK(kh_ok(r));
    CHECK(before >= 0);
    CHECK_INT(cluster_health_calls(r), before + 12);
    cJSON_Delete(r);
    CHECK_INT(kh_service_stop(&a), 0);
    CHECK_INT(kh_service_stop(&b), 0);
}

KEFU_TESTS = {
    {"http_endpoints", test_http_endpoints},
    {"cluster_view", test_cluster_view},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return kh_suite_main(argc, argv, &redis, NULL, NULL, NULL);
}
