/*
 * test.h - the minimal harness every kefu test executable uses.
 *
 *   static void test_add(void) { CHECK(1 + 1 == 2); CHECK_STR("a", "a"); }
 *   KEFU_TESTS = { {"add", test_add}, {NULL, NULL} };
 *   (then: int main(int argc, char **argv) { return kefu_test_main(argc, argv); })
 *
 * A failed CHECK prints file:line and the expression, marks the test failed
 * and continues. The runner prints "N passed, N failed" and exits non-zero on
 * any failure. `argv[1]`, when given, runs only the test of that name.
 */
#ifndef KEFU_TEST_H
#define KEFU_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    void (*fn)(void);
} kefu_test_case;

extern const kefu_test_case kefu_tests[];
#define KEFU_TESTS const kefu_test_case kefu_tests[]

/* Weak, so that the test file and the harness share one counter and one
 * runner however many files include this header. */
__attribute__((weak)) int kefu_test_failed_checks;

#define CHECK(expr)                                                                                \
    do {                                                                                           \
        if (!(expr)) {                                                                             \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #expr);             \
            kefu_test_failed_checks++;                                                             \
        }                                                                                          \
    } while (0)

#define CHECK_INT(a, b)                                                                            \
    do {                                                                                           \
        long long kefu_a_ = (long long)(a), kefu_b_ = (long long)(b);                              \
        if (kefu_a_ != kefu_b_) {                                                                  \
            fprintf(stderr, "  %s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, #a,  \
                    kefu_a_, #b, kefu_b_);                                                         \
            kefu_test_failed_checks++;                                                             \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *kefu_a_ = (a), *kefu_b_ = (b);                                                 \
        if (kefu_a_ == NULL || kefu_b_ == NULL || strcmp(kefu_a_, kefu_b_) != 0) {                 \
            fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a,    \
                    kefu_a_ ? kefu_a_ : "(null)", kefu_b_ ? kefu_b_ : "(null)");                   \
            kefu_test_failed_checks++;                                                             \
        }                                                                                          \
    } while (0)

__attribute__((weak)) int kefu_test_main(int argc, char **argv)
{
    int passed = 0, failed = 0;

    for (const kefu_test_case *t = kefu_tests; t->name; t++) {
        if (argc > 1 && strcmp(argv[1], t->name) != 0)
            continue;
        int before = kefu_test_failed_checks;
        fprintf(stderr, "[ RUN  ] %s\n", t->name);
        t->fn();
        if (kefu_test_failed_checks == before) {
            passed++;
            fprintf(stderr, "[  OK  ] %s\n", t->name);
        } else {
            failed++;
            fprintf(stderr, "[ FAIL ] %s\n", t->name);
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : (passed ? 0 : 1);
}

#endif
