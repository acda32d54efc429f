/* SPDX-License-Identifier: MIT */
/* tests/run.c - runs every suite and reports "N passed, M failed". */

#include "test.h"

int main(void)
{
    static const struct {
        const char *name;
        void (*run)(void);
    } suites[] = {
        {"pbwire", suite_pbwire},
        {"messages", suite_messages},
        {"vectors", suite_vectors},
        {"stream", suite_stream},
        {"service", suite_service},
        {"hardening", suite_hardening},
        {"json-client", suite_json_client},
        {"build", suite_build},
    };
    size_t i;
    for (i = 0; i < sizeof suites / sizeof suites[0]; i++) {
        unsigned long p = test_passed, f = test_failed;
        test_context("%s", "");
        suites[i].run();
        printf("%-10s %lu passed, %lu failed\n", suites[i].name, test_passed - p,
               test_failed - f);
    }
    printf("%lu passed, %lu failed\n", test_passed, test_failed);
    return test_failed != 0;
}
