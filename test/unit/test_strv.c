/*
 * test_strv.c - the string vector (base/strv.h): copies, order, freeing,
 * and its JSON form.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "base/strv.h"
#include "runner.h"

START_TEST(push_copies_in_order) {
    struct mst_strv sv = {0};
    char word[] = "alpha";
    ck_assert_int_eq(mst_strv_push(&sv, word), MST_OK);
    word[0] = 'A'; /* the vector holds its own copy */
    ck_assert_int_eq(mst_strv_push(&sv, "beta"), MST_OK);
    ck_assert_int_eq(mst_strv_push(&sv, ""), MST_OK);
    ck_assert_uint_eq(sv.n, 3);
    ck_assert_str_eq(sv.v[0], "alpha");
    ck_assert_str_eq(sv.v[1], "beta");
    ck_assert_str_eq(sv.v[2], "");
    mst_strv_free(&sv);
    ck_assert_ptr_null(sv.v);
    ck_assert_uint_eq(sv.n, 0);
    mst_strv_free(&sv); /* freeing an empty vector is fine */
    mst_strv_free(NULL);
    ck_assert_int_eq(mst_strv_push(&sv, "again"), MST_OK);
    ck_assert_uint_eq(sv.n, 1);
    mst_strv_free(&sv);
}
END_TEST

START_TEST(to_json_keeps_order) {
    struct mst_strv sv = {0};
    mst_strv_push(&sv, "b");
    mst_strv_push(&sv, "a");
    mst_strv_push(&sv, "b");
    json_t *a = mst_strv_to_json(&sv);
    char *dump = json_dumps(a, JSON_COMPACT);
    ck_assert_str_eq(dump, "[\"b\",\"a\",\"b\"]");
    free(dump);
    json_decref(a);
    mst_strv_free(&sv);

    a = mst_strv_to_json(&sv);
    ck_assert(json_is_array(a));
    ck_assert_uint_eq(json_array_size(a), 0);
    json_decref(a);
    a = mst_strv_to_json(NULL);
    ck_assert(json_is_array(a));
    ck_assert_uint_eq(json_array_size(a), 0);
    json_decref(a);
}
END_TEST

int main(void) {
    Suite *s = suite_create("strv");
    TCase *tc = tcase_create("strv");
    tcase_add_test(tc, push_copies_in_order);
    tcase_add_test(tc, to_json_keeps_order);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
