#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "runner.h"

static const int all_codes[] = {
#define CODE(name, value, text) MST_##name,
    MST_STATUS_MAP(CODE)
#undef CODE
};

START_TEST(every_code_has_a_distinct_string) {
    size_t n = sizeof all_codes / sizeof all_codes[0];
    for (size_t i = 0; i < n; i++) {
        const char *s = mst_strerror(all_codes[i]);
        ck_assert_ptr_nonnull(s);
        ck_assert_int_gt(strlen(s), 0);
        ck_assert_str_ne(s, "unknown status");
        ck_assert_str_ne(mst_status_name(all_codes[i]), "UNKNOWN");
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(s, mst_strerror(all_codes[j]));
    }
}
END_TEST

START_TEST(errors_are_negative_and_ok_is_zero) {
    ck_assert_int_eq(MST_OK, 0);
    size_t n = sizeof all_codes / sizeof all_codes[0];
    for (size_t i = 1; i < n; i++)
        ck_assert_int_lt(all_codes[i], 0);
    ck_assert_str_eq(mst_strerror(12345), "unknown status");
}
END_TEST

int main(void) {
    Suite *s = suite_create("status");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, every_code_has_a_distinct_string);
    tcase_add_test(tc, errors_are_negative_and_ok_is_zero);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
