/*
 * runner.h - the end of every Check suite's main() (header-only).
 */
#ifndef MST_TEST_RUNNER_H
#define MST_TEST_RUNNER_H

#include <check.h>
#include <stdlib.h>

/*
 * A new test case `name` in `s`: each of its tests runs in its own process
 * between `setup` and `teardown` (checked fixtures), within `timeout_s`.
 */
static inline TCase *mst_test_case(Suite *s, const char *name,
                                   void (*setup)(void), void (*teardown)(void),
                                   double timeout_s) {
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, timeout_s);
    suite_add_tcase(s, tc);
    return tc;
}

/* Run every test of `s` (taken over and freed); the process exit status. */
static inline int mst_test_run(Suite *s) {
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
