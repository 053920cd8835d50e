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
    char out[MST_REGEXP_POSIX_MAX];
    struct mst_err err = {0};
    int rc = mst_regexp_translate(src, out, sizeof out, NULL, &err);
    if (want == NULL) {
        ck_assert_msg(rc == MST_EINVAL, "%s translated to %s", src, out);
        ck_assert_msg(strstr(err.msg, "position ") != NULL,
                      "%s: no position in: %s", src, err.msg);
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
    tr("[[:word:]]", "[[:alnum:]_]");
    tr("[\\[.]", "[.[]");
    tr("a\\/b\\-c", "a/b-c");
    tr("(a|b)\\(", "(a|b)\\(");
    tr("^{.+}$", "^\\{[^\n]+\\}$"); /* a '{' that starts no repetition */
    tr("a{,3}", "a\\{,3\\}");
    tr("a{2,3}", "a{2,3}");
    tr("(?s)a.b", "a.b");
    tr("(?:ab)+", "(ab)+");
    tr("(?P<x>a)(?<y>b)", "(a)(b)");
    tr("a*?b+?c??", "a*b+c?");
    tr("\\Qa.b*\\E+", "a\\.b\\*+");
    tr("\\x41\\x{7b}", "A\\{");
    tr("\\bx\\B", "\\bx\\B");
    tr("\xc3\xa9+", "(\xc3\xa9)+");
    tr("\\1", NULL);
    tr("\\p{Greek}", NULL);
    tr("a(?i)b", NULL);
    tr("(?m)^a", NULL);
    tr("[abc", NULL);
    tr("abc\\", NULL);
    tr("[\\W]", NULL);
    tr("*a", NULL);
    tr("a**", NULL);
    tr("a*??", NULL);
    tr("a{3,2}", NULL);
    tr("(a", NULL);
    tr("a)", NULL);
    tr("[\xc3\xa9]", NULL);
    tr("\xff", NULL);
    tr("\\x{100}", NULL);
}
END_TEST

static void m(const char *re, const char *text, int want) {
    struct mst_err err = {0};
    int rc = mst_regexp_match(re, text, &err);
    ck_assert_msg(rc == want, "/%s/ on \"%s\": %d, not %d (%s)", re, text, rc,
                  want, err.msg);
}

START_TEST(matches_as_re2_does) {
    m("^deb\\d+$", "deb12", 1);
    m("^deb\\d+$", "debian", 0);
    m("\\d", "abc", 0);
    m("\\D", "123", 0);
    m("^\\w+$", "web_1", 1);
    m("^\\W+$", "web", 0);
    m("\\bweb\\b", "a web node", 1);
    m("\\bweb\\b", "webnode", 0);
    m("^{.+}$", "{\"a\":1}", 1);
    m("^{.+}$", "a", 0);
    m("(?i)^DEBIAN$", "debian", 1);
    m("^DEBIAN$", "debian", 0);
    m("^a.b$", "a\nb", 0); /* "." stops at a newline, as in RE2 */
    m("(?s)^a.b$", "a\nb", 1);
    m("^a.*?b$", "axxb", 1);
    m("^\xc3\xa9+$", "\xc3\xa9\xc3\xa9", 1);
    m("^\\Q1.2\\E$", "1x2", 0);
    m("^\\Q1.2\\E$", "1.2", 1);
    m("^[\\d.]+$", "1.2.3", 1);
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
    /* each count is small, their product is not */
    ck_assert_int_eq(
        mst_regexp_compile(&re, "((a{20}){20}){20}", REG_NOSUB, &err),
        MST_EINVAL);
    ck_assert_int_eq(mst_regexp_compile(&re, "(a{20}){20}", REG_NOSUB, &err),
                     MST_OK);
    regfree(&re);
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
    tcase_add_test(tc, matches_as_re2_does);
    tcase_add_test(tc, bounds_refuse_explosive_patterns);
    tcase_add_test(tc, slashed_form);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
