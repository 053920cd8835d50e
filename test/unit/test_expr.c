#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/status.h"
#include "runner.h"
#include "targeting/expr.h"
#include "targeting/facts.h"
#include "targeting/regexp.h"

static struct mst_facts *facts;
static char tmpdir[] = "/tmp/test_expr.XXXXXX";
static char file_path[256];

static void setup(void) {
    json_t *root =
        json_pack("{s:s, s:i, s:{s:s, s:{s:s}}, s:s, s:[s, s], s:b, s:s}",
                  "role", "web", "cpus", 8, "os", "family", "Debian", "release",
                  "full", "12.5", "kernel", "6.1.0-18-amd64", "disks", "sda",
                  "sdb", "virtual", 1, "ver", "1.10.2");
    ck_assert_int_eq(mst_facts_from_json(root, &facts, NULL), MST_OK);
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(file_path, sizeof file_path, "%s/motd", tmpdir);
    FILE *f = fopen(file_path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("hello\n", f); /* 6 bytes */
    fclose(f);
    chmod(file_path, 0640);
}

static void teardown(void) {
    mst_facts_free(&facts);
    unlink(file_path);
    rmdir(tmpdir);
}

static const json_t *fact(void *ud, const char *name) {
    (void)ud;
    return mst_facts_get(facts, name);
}

/* Classes "apache", "role::web"; agents "rpcutil", "package". */
static int in_list(const char *const *list, const char *pattern,
                   struct mst_err *err) {
    size_t n = strlen(pattern);
    for (; *list != NULL; list++) {
        if (n >= 2 && pattern[0] == '/' && pattern[n - 1] == '/') {
            char body[256];
            snprintf(body, sizeof body, "%.*s", (int)n - 2, pattern + 1);
            int rc = mst_regexp_match(body, *list, err);
            if (rc != 0)
                return rc;
        } else if (strcmp(*list, pattern) == 0) {
            return 1;
        }
    }
    return 0;
}

static int has_class(void *ud, const char *pattern, struct mst_err *err) {
    static const char *const classes[] = {"apache", "role::web", NULL};
    (void)ud;
    return in_list(classes, pattern, err);
}

static int has_agent(void *ud, const char *pattern, struct mst_err *err) {
    static const char *const agents[] = {"rpcutil", "package", NULL};
    (void)ud;
    return in_list(agents, pattern, err);
}

static int eval(const char *text) {
    struct mst_expr *e = NULL;
    struct mst_err err = {0};
    ck_assert_msg(mst_expr_parse(text, &e, &err) == MST_OK, "%s: %s", text,
                  err.msg);
    struct mst_expr_env env = {fact, has_class, has_agent, NULL,
                               MST_MATCH_CHORIA};
    int rc = mst_expr_eval(e, &env, &err);
    mst_expr_free(&e);
    return rc;
}

#define TRUE(text) ck_assert_msg(eval(text) == 1, "expected true: %s", text)
#define FALSE(text) ck_assert_msg(eval(text) == 0, "expected false: %s", text)

static int append_name(void *ud, const char *name) {
    strcat(ud, name);
    strcat(ud, " ");
    return 0;
}

START_TEST(fact_names_are_every_fact_the_expression_reads) {
    struct mst_expr *e = NULL;
    ck_assert_int_eq(
        mst_expr_parse("(role=web and not os.family=~/deb/) or apache or "
                       "fact(\"kernel.release\") >= 6 or virtual or "
                       "agent(\"rpcutil\") or fstat(\"/etc/motd\").size > 1",
                       &e, NULL),
        MST_OK);
    char names[256] = "";
    ck_assert_int_eq(mst_expr_fact_names(e, append_name, names), 0);
    ck_assert_str_eq(names, "role os.family kernel.release ");
    ck_assert_int_eq(mst_expr_reads_files(e), 1);
    mst_expr_free(&e);
    ck_assert_int_eq(mst_expr_parse("role=web or agent(\"x\")", &e, NULL),
                     MST_OK);
    ck_assert_int_eq(mst_expr_reads_files(e), 0);
    mst_expr_free(&e);
}
END_TEST

START_TEST(every_operator) {
    TRUE("role=web");
    TRUE("role==web");
    FALSE("role!=web");
    TRUE("cpus>4");
    TRUE("cpus>=8");
    FALSE("cpus<8");
    TRUE("cpus<=8");
    TRUE("role=~/^w/");
    FALSE("role=~/^d/");
    TRUE("role==/eb$/");
    TRUE("role!=/^db/");
}
END_TEST

START_TEST(numbers_versions_and_text) {
    TRUE("cpus < 10");    /* numeric: 8 < 10, though "8" > "10" as text */
    TRUE("ver > 1.9.12"); /* version: 1.10.2 > 1.9.12 */
    FALSE("ver < 1.9.12");
    TRUE("ver >= 1.10.2");
    TRUE("os.release.full > 12.10"); /* both numbers: 12.5 > 12.1 */
    TRUE("kernel > 6.1.0-9-amd64");  /* version segments: 18 > 9 */
    TRUE("role > apple");            /* text */
    ck_assert_int_lt(mst_expr_version_cmp("1.0~rc1", "1.0"), 0);
    ck_assert_int_gt(mst_expr_version_cmp("1.0.1", "1.0"), 0);
    ck_assert_int_eq(mst_expr_version_cmp("1.02", "1.2"), 0);
    ck_assert_int_gt(mst_expr_version_cmp("2.4.1", "2.4rc1"), 0);
    struct mst_err err = {0};
    ck_assert_int_eq(mst_expr_compare("10", "<", "9", MST_MATCH_CHORIA, &err),
                     0);
    ck_assert_int_eq(mst_expr_compare("b", "=~", "b", MST_MATCH_CHORIA, &err),
                     MST_EINVAL);
    ck_assert_int_eq(mst_expr_compare("b", "<>", "b", MST_MATCH_CHORIA, &err),
                     MST_EINVAL);
}
END_TEST

START_TEST(dotted_and_indexed_facts) {
    TRUE("os.family=Debian");
    TRUE("disks.1=sdb");
    FALSE("disks.2=sdc");
    TRUE("fact(\"os.family\") == \"Debian\"");
    TRUE("fact(\"disks.0\")");
    FALSE("fact(\"nope\")");
    TRUE("nope != x"); /* missing: only != holds */
    FALSE("nope == x");
}
END_TEST

START_TEST(precedence_and_parentheses) {
    TRUE("role=db or role=web and cpus=8"); /* and binds tighter */
    FALSE("(role=db or role=web) and cpus=4");
    TRUE("not role=db and cpus=8"); /* not binds tightest */
    FALSE("not (role=web and cpus=8)");
    TRUE("! role=db");
    TRUE("not not role=web");
    TRUE("((((role=web))))");
    TRUE("role=db or role=x or cpus=8");
}
END_TEST

START_TEST(classes_and_agents) {
    TRUE("apache");
    TRUE("/^role::/");
    FALSE("nginx");
    TRUE("apache and role=web");
    TRUE("agent(\"rpcutil\")");
    TRUE("agent(\"/^pack/\")");
    FALSE("agent(\"service\")");
    TRUE("agent(\"service\") == false");
}
END_TEST

/* fstat() over a real file and directory: "%s" is replaced by `path`,
 * "file" (the 6-byte motd, mode 0640), "dir" or "dir/none". */
static const struct {
    const char *fmt, *path;
    int want;
} fstat_cases[] = {
    {"fstat(\"%s\").present", "file", 1},
    {"fstat(\"%s\").size == 6", "file", 1},
    {"fstat(\"%s\").size > 100", "file", 0},
    {"fstat(\"%s\").mode == 0640", "file", 1},
    {"fstat(\"%s\").type == file", "file", 1},
    {"fstat(\"%s\").type == directory", "dir", 1},
    {"fstat(\"%s\").mtime > 1000000000", "file", 1},
    /* sha256("hello\n") */
    {"fstat(\"%s\").sha256 == "
     "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03",
     "file", 1},
    {"fstat(\"%s\").present", "dir/none", 0},
    {"not fstat(\"%s\").present", "dir/none", 1},
    {"fstat(\"%s\").size > 0", "dir/none", 0},
};

START_TEST(fstat_on_real_files) {
    char path[300], text[512];
    const char *which = fstat_cases[_i].path;
    if (strcmp(which, "file") == 0)
        snprintf(path, sizeof path, "%s", file_path);
    else if (strcmp(which, "dir") == 0)
        snprintf(path, sizeof path, "%s", tmpdir);
    else
        snprintf(path, sizeof path, "%s/none", tmpdir);
    snprintf(text, sizeof text, fstat_cases[_i].fmt, path);
    ck_assert_msg(eval(text) == fstat_cases[_i].want, "expected %s: %s",
                  fstat_cases[_i].want ? "true" : "false", text);
}
END_TEST

/*
 * The digest is remembered per file, but never past a change to it, even
 * one within the same tick of the file clock (same size, same times).
 */
START_TEST(sha256_follows_changes) {
    char text[512];
    /* sha256("hello\n"), then sha256("jello\n"): same size, new content */
    static const char *const before =
        "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
    static const char *const after =
        "8b128914480c08c1d7a9c8a8ef78487f4f21cbc802a8134aa3850c9501571a15";
    snprintf(text, sizeof text, "fstat(\"%s\").sha256 == %s", file_path,
             before);
    TRUE(text);
    FILE *f = fopen(file_path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("jello\n", f);
    fclose(f);
    FALSE(text);
    snprintf(text, sizeof text, "fstat(\"%s\").sha256 == %s", file_path, after);
    TRUE(text);
}
END_TEST

/* A file untouched for a while is hashed once and then remembered. */
START_TEST(sha256_of_a_settled_file_repeats) {
    const char *text =
        "fstat(\"" MST_TEST_DATA "/sha256/settled.txt\").sha256 == "
        "c0c4bab24358b290efb925693f62217e2eb68485573fbe60255977e2b6e8d34f";
    for (int i = 0; i < 3; i++)
        TRUE(text);
}
END_TEST

/* Malformed expressions and the position (from 1) of their error. */
static const struct {
    const char *text;
    int pos;
    const char *why;
} malformed[] = {
    {"", 1, "expected a fact comparison"},
    {"role=", 6, "a value after the operator"},
    {"(role=web", 10, "expected ')' to close the '(' at position 1"},
    {"role=web)", 9, "expected 'and', 'or' or the end"},
    {"role=web and", 13, "expected a fact"},
    {"role=web or or x", 13, "expected a fact"},
    {"and role=web", 1, "found 'and'"},
    {"role=~web", 7, "=~ needs a /regular expression/"},
    {"cpus</4/", 6, "cannot take a regular expression"},
    {"role=\"web", 6, "unterminated string"},
    {"/^web", 1, "unterminated regular expression"},
    {"role=/a{1000}/", 6, "regular expression"},
    {"fstat(\"etc/motd\").size > 1", 8, "absolute path"},
    {"fstat(\"/etc/motd\").bytes > 1", 20, "unknown fstat field 'bytes'"},
    {"fstat(\"/etc/motd\") > 1", 19, "needs a field"},
    {"fact(role) == web", 6, "a \"quoted\" argument"},
    {"agent(\"x\"", 10, "')' after the argument"},
    {"role = web x", 12, "expected 'and', 'or' or the end"},
    {"a\x01", 2, "control character"},
    {"not", 4, "expected a fact"},
    {"puppet().enabled=false", 1, "unknown function 'puppet()'"},
    {"role=web and nosuch(\"x\")", 14, "unknown function 'nosuch()'"},
    {"role=\"/a(/\"", 6, "bad regular expression at position 2"},
    {"host=~/^deb\\1$/", 7, "back-references"},
    {"x=~/a(?i)b/", 4, "(?i is not supported"},
};

/* Facts as Choria compares them: booleans, arrays, case, RE2 regexes. */
START_TEST(fact_values_compare_as_choria) {
    TRUE("virtual == T");
    TRUE("virtual == 1");
    FALSE("virtual == false");
    TRUE("disks == sdb");
    TRUE("disks == SDA");
    TRUE("disks =~ /^sd[ab]$/");
    FALSE("disks != sdb");
    TRUE("disks != sdc");
    TRUE("fact(\"disks\") == sdb");
    TRUE("role == WEB");
    TRUE("role =~ /^W/");
    TRUE("kernel =~ /^\\d+\\.\\d+\\.\\d+-\\d+-\\w+$/");
    FALSE("not kernel =~ /\\d/");
    TRUE("not role =~ /\\d/");
    FALSE("os == Debian"); /* an object compares with nothing */
}
END_TEST

/* Issue 15 point 6: a quoted "/.../" is compared as a regex, so it is
 * checked as one when parsed (this one is not UTF-8). */
START_TEST(fuzz_finding_quoted_regex_is_refused) {
    char path[512], text[4096] = {0};
    snprintf(path, sizeof path, "%s/fuzz/expr-quoted-regex-not-utf8",
             MST_TEST_DATA);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_gt(fread(text, 1, sizeof text - 1, f), 0);
    fclose(f);
    struct mst_expr *e = NULL;
    struct mst_err err = {0};
    ck_assert_int_eq(mst_expr_parse(text, &e, &err), MST_EINVAL);
    ck_assert_msg(strstr(err.msg, "position 50: bad regular expression at "
                                  "position 1: not UTF-8") == err.msg,
                  "%s", err.msg);
}
END_TEST

START_TEST(malformed_expressions_name_the_position) {
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        struct mst_expr *e = NULL;
        struct mst_err err = {0};
        int rc = mst_expr_parse(malformed[i].text, &e, &err);
        ck_assert_msg(rc == MST_EINVAL, "'%s' parsed", malformed[i].text);
        ck_assert_ptr_null(e);
        char want[32];
        snprintf(want, sizeof want, "position %d: ", malformed[i].pos);
        ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0 &&
                          strstr(err.msg, malformed[i].why) != NULL,
                      "'%s': got \"%s\", want \"%s...%s\"", malformed[i].text,
                      err.msg, want, malformed[i].why);
    }
}
END_TEST

START_TEST(deep_nesting_is_an_error_not_a_crash) {
    size_t n = 10000;
    char *text = malloc(2 * n + 16);
    memset(text, '(', n);
    strcpy(text + n, "role=web");
    memset(text + n + 8, ')', n);
    text[2 * n + 8] = '\0';
    struct mst_expr *e = NULL;
    struct mst_err err = {0};
    /* 10,000 levels are also over the length bound: cut to fit. */
    text[MST_EXPR_LEN_MAX] = '\0';
    ck_assert_int_eq(mst_expr_parse(text, &e, &err), MST_EINVAL);
    ck_assert_str_eq(err.msg, "position 33: nested deeper than 32 levels");
    for (size_t i = 0; i < n; i++)
        text[i] = i % 2 ? ' ' : '!';
    text[MST_EXPR_LEN_MAX] = '\0';
    ck_assert_int_eq(mst_expr_parse(text, &e, &err), MST_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "nested deeper"));
    free(text);
    /* exactly the limit is fine */
    char ok[128] = "";
    for (int i = 0; i < MST_EXPR_DEPTH_MAX; i++)
        strcat(ok, "(");
    strcat(ok, "x");
    for (int i = 0; i < MST_EXPR_DEPTH_MAX; i++)
        strcat(ok, ")");
    ck_assert_int_eq(mst_expr_parse(ok, &e, &err), MST_OK);
    mst_expr_free(&e);
}
END_TEST

START_TEST(length_and_term_bounds) {
    char *text = malloc(MST_EXPR_LEN_MAX + 2);
    memset(text, 'a', MST_EXPR_LEN_MAX + 1);
    text[MST_EXPR_LEN_MAX + 1] = '\0';
    struct mst_expr *e = NULL;
    struct mst_err err = {0};
    ck_assert_int_eq(mst_expr_parse(text, &e, &err), MST_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "longer than"));
    /* "a or a or ..." with more terms than allowed */
    size_t at = 0;
    for (int i = 0; i < MST_EXPR_TERMS_MAX * 2 + 2; i++)
        at += (size_t)snprintf(text + at, MST_EXPR_LEN_MAX + 2 - at, "a or ");
    strcpy(text + at - 4, "a");
    ck_assert_int_eq(mst_expr_parse(text, &e, &err), MST_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "more than"));
    free(text);
}
END_TEST

START_TEST(long_chains_are_flat) {
    /* 200 "and"s evaluate without one stack frame per operand */
    char text[4096] = "role=web";
    for (int i = 0; i < 200; i++)
        strcat(text, " and cpus=8");
    TRUE(text);
}
END_TEST

int main(void) {
    Suite *s = suite_create("expr");
    TCase *tc = tcase_create("expr");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, every_operator);
    tcase_add_test(tc, numbers_versions_and_text);
    tcase_add_test(tc, dotted_and_indexed_facts);
    tcase_add_test(tc, precedence_and_parentheses);
    tcase_add_test(tc, classes_and_agents);
    tcase_add_loop_test(tc, fstat_on_real_files, 0,
                        (int)(sizeof fstat_cases / sizeof fstat_cases[0]));
    tcase_add_test(tc, sha256_follows_changes);
    tcase_add_test(tc, sha256_of_a_settled_file_repeats);
    tcase_add_test(tc, malformed_expressions_name_the_position);
    tcase_add_test(tc, fact_values_compare_as_choria);
    tcase_add_test(tc, fuzz_finding_quoted_regex_is_refused);
    tcase_add_test(tc, deep_nesting_is_an_error_not_a_crash);
    tcase_add_test(tc, length_and_term_bounds);
    tcase_add_test(tc, long_chains_are_flat);
    tcase_add_test(tc, fact_names_are_every_fact_the_expression_reads);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
