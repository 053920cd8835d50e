/*
 * runner.h - the end of every Check suite's main() (header-only).
 */
#ifndef MST_TEST_RUNNER_H
#define MST_TEST_RUNNER_H

#include <check.h>
#include <stdlib.h>

/* Run every test of `s` (taken over and freed); the process exit status. */
static inline int mst_test_run(Suite *s) {
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
