/*
 * test_regexp.c - bounded regular expressions (targeting/regexp.h): the
 * bounds, RE2/PCRE escapes translated to POSIX, and the "/re/" form of
 * filters.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "runner.h"
#include "targeting/regexp.h"

static void tr(const char *src, const char *want) {
    char out[1100];
    struct mst_err err = {0};
    int rc = mst_regexp_translate(src, out, sizeof out, &err);
    if (want == NULL) {
        ck_assert_msg(rc == MST_EINVAL, "%s translated to %s", src, out);
        return;
    }
    ck_assert_msg(rc == MST_OK, "%s: %s", src, err.msg);
    ck_assert_str_eq(out, want);
}

START_TEST(translates_regex) {
    tr("^[\\w\\-\\.]+$", "^[[:alnum:]_.-]+$");
    tr("^\\d+\\.\\d+$", "^[0-9]+\\.[0-9]+$");
    tr("\\s*,\\s*", "[[:space:]]*,[[:space:]]*");
    tr("\\A\\S+\\z", "^[^[:space:]]+$");
    tr("[^\\]a]", "[^]a]");
    tr("[-a]", "[a-]");
    tr("[a\\^]", "[a^]");
    tr("[\\^]", "\\^");
    tr("[[:alpha:]\\d]", "[[:alpha:]0-9]");
    tr("a\\/b\\-c", "a/b-c");
    tr("(a|b)\\(", "(a|b)\\(");
    tr("\\1", NULL);
    tr("\\bword", NULL);
    tr("(?i)abc", NULL);
    tr("[abc", NULL);
    tr("abc\\", NULL);
    tr("[\\W]", NULL);
}
END_TEST

START_TEST(bounds_refuse_explosive_patterns) {
    regex_t re;
    struct mst_err err = {0};
    ck_assert_int_eq(mst_regexp_compile(&re, "^web[0-9]+$", REG_NOSUB, &err),
                     MST_OK);
    regfree(&re);
    ck_assert_int_eq(mst_regexp_compile(&re, "a++", REG_NOSUB, &err),
                     MST_EINVAL);
    ck_assert_int_eq(mst_regexp_compile(&re, "(a{1000})", REG_NOSUB, &err),
                     MST_EINVAL);
    char big[MST_REGEXP_MAX_LEN + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ck_assert_int_eq(mst_regexp_compile(&re, big, REG_NOSUB, &err), MST_EINVAL);
}
END_TEST

START_TEST(slashed_form) {
    ck_assert(mst_regexp_is_slashed("/web/"));
    ck_assert(mst_regexp_is_slashed("//"));
    ck_assert(!mst_regexp_is_slashed("/"));
    ck_assert(!mst_regexp_is_slashed("web"));
    ck_assert(!mst_regexp_is_slashed("/web"));
    ck_assert(!mst_regexp_is_slashed("web/"));
    ck_assert(!mst_regexp_is_slashed(""));

    struct mst_err err = {0};
    ck_assert_int_eq(mst_regexp_check_slashed("/^web[0-9]+$/", &err), MST_OK);
    ck_assert_int_eq(mst_regexp_check_slashed("//", &err), MST_OK);
    ck_assert_int_eq(mst_regexp_check_slashed("/a++/", &err), MST_EINVAL);
    ck_assert_int_eq(mst_regexp_check_slashed("/(/", &err), MST_EINVAL);

    /* The slashes are not part of the pattern. */
    ck_assert_int_eq(mst_regexp_match_slashed("/^web[0-9]+$/", "web12", &err),
                     1);
    ck_assert_int_eq(mst_regexp_match_slashed("/^web[0-9]+$/", "/web12/", &err),
                     0);
    ck_assert_int_eq(mst_regexp_match_slashed("/b/", "abc", &err), 1);
    ck_assert_int_eq(mst_regexp_match_slashed("//", "anything", &err), 1);
    ck_assert_int_eq(mst_regexp_match_slashed("/[/", "x", &err), MST_EINVAL);
}
END_TEST

int main(void) {
    Suite *s = suite_create("regexp");
    TCase *tc = tcase_create("regexp");
    tcase_add_test(tc, translates_regex);
    tcase_add_test(tc, bounds_refuse_explosive_patterns);
    tcase_add_test(tc, slashed_form);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
