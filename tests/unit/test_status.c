/* test_status.c - the status map matches gRPC's canonical codes. */
#include "status.h"
#include "test.h"

/* gRPC's code names by number (grpc/status.h, google.rpc.Code). */
static const char *const grpc_names[] = {
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
};

static void test_names_match_grpc(void)
{
    CHECK_INT(sizeof(grpc_names) / sizeof(grpc_names[0]), KEFU_STATUS_COUNT);
    for (int i = 0; i < KEFU_STATUS_COUNT; i++)
        CHECK_STR(kefu_status_name((kefu_status)i), grpc_names[i]);
    CHECK_STR(kefu_status_name(KEFU_STATUS_DEADLINE_EXCEEDED), "DEADLINE_EXCEEDED");
    CHECK_STR(kefu_status_name(KEFU_STATUS_UNAUTHENTICATED), "UNAUTHENTICATED");
    CHECK_INT(KEFU_STATUS_DEADLINE_EXCEEDED, 4);
    CHECK_INT(KEFU_STATUS_UNAUTHENTICATED, 16);
}

static void test_out_of_range_is_unknown(void)
{
    CHECK_STR(kefu_status_name((kefu_status)17), "UNKNOWN");
    CHECK_STR(kefu_status_name((kefu_status)1000), "UNKNOWN");
    CHECK_STR(kefu_status_name((kefu_status)-1), "UNKNOWN");
}

static void test_from_name_round_trip(void)
{
    for (int i = 0; i < KEFU_STATUS_COUNT; i++) {
        kefu_status st = KEFU_STATUS_UNKNOWN;
        CHECK(kefu_status_from_name(grpc_names[i], &st));
        CHECK_INT(st, i);
        CHECK_STR(kefu_status_name(st), grpc_names[i]);
    }
}

static void test_from_name_unknown(void)
{
    kefu_status st = KEFU_STATUS_ABORTED;

    CHECK(!kefu_status_from_name("NOPE", &st));
    CHECK(!kefu_status_from_name("", &st));
    CHECK(!kefu_status_from_name("not_found", &st));
    CHECK(!kefu_status_from_name("NOT_FOUND ", &st));
    CHECK_INT(st, KEFU_STATUS_ABORTED);
}

static void test_error_set_and_clear(void)
{
    kefu_error err;

    CHECK_INT(kefu_error_set(&err, KEFU_STATUS_NOT_FOUND, "id", "no ticket %d", 42),
              KEFU_STATUS_NOT_FOUND);
    CHECK_INT(err.status, KEFU_STATUS_NOT_FOUND);
    CHECK_STR(err.field, "id");
    CHECK_STR(err.message, "no ticket 42");
    kefu_error_set(&err, KEFU_STATUS_INTERNAL, NULL, "x");
    CHECK_STR(err.field, "");
    kefu_error_clear(&err);
    CHECK_INT(err.status, KEFU_STATUS_OK);
    CHECK_STR(err.message, "");
    CHECK_STR(err.field, "");
}

KEFU_TESTS = {
    {"names_match_grpc", test_names_match_grpc},
    {"out_of_range_is_unknown", test_out_of_range_is_unknown},
    {"from_name_round_trip", test_from_name_round_trip},
    {"from_name_unknown", test_from_name_unknown},
    {"error_set_and_clear", test_error_set_and_clear},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return kefu_test_main(argc, argv);
}
