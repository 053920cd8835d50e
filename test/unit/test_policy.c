#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "policy/policy.h"
#include "runner.h"

static struct mst_facts *facts;
static struct mst_strv classes;
static struct mst_filter_target node;

static void setup(void) {
    json_t *root = json_pack("{s:s, s:s}", "role", "web", "env", "prod");
    ck_assert_int_eq(mst_facts_from_json(root, &facts, NULL), MST_OK);
    mst_strv_push(&classes, "apache");
    node = (struct mst_filter_target){
        .identity = "web1", .facts = facts, .classes = &classes};
}

static void teardown(void) {
    mst_facts_free(&facts);
    mst_strv_free(&classes);
}

/* Parse `text`, decide (caller, action) with fallback deny; line in *line. */
static int decide(const char *text, const char *caller, const char *action,
                  int *line) {
    struct mst_policy *p = NULL;
    struct mst_err err = {0};
    ck_assert_msg(mst_policy_parse(text, "t.policy", &p, &err) == MST_OK, "%s",
                  err.msg);
    struct mst_policy_request req = {caller, action, &node, NULL};
    struct mst_policy_decision d = mst_policy_check(p, &req, 0);
    mst_policy_free(&p);
    if (line)
        *line = d.line;
    return d.allow;
}

/* `text` decides (caller, action) `allow` by its line `line` (0: by the
 * default). */
static void expect_decided(const char *text, const char *caller,
                           const char *action, int allow, int line) {
    int got;
    ck_assert_int_eq(decide(text, caller, action, &got), allow);
    ck_assert_int_eq(got, line);
}

START_TEST(callers_and_actions) {
    const char *t = "policy default deny\n"
                    "allow\tcert=alice\t*\t*\t*\n"
                    "allow\tcert=bob cert=carol\tstatus\t*\t*\n";
    expect_decided(t, "cert=alice", "restart", 1, 2);
    expect_decided(t, "cert=bob", "status", 1, 3);
    ck_assert_int_eq(decide(t, "cert=carol", "status", NULL), 1);
    expect_decided(t, "cert=bob", "restart", 0, 0);
    ck_assert_int_eq(decide(t, "cert=mallory", "status", NULL), 0);
}
END_TEST

START_TEST(first_match_wins) {
    const char *t = "deny\tcert=alice\trestart\t*\t*\n"
                    "allow\t*\t*\t*\t*\n";
    expect_decided(t, "cert=alice", "restart", 0, 1);
    expect_decided(t, "cert=alice", "status", 1, 2);
}
END_TEST

START_TEST(defaults) {
    ck_assert_int_eq(decide("policy default allow\n", "cert=x", "a", NULL), 1);
    ck_assert_int_eq(decide("policy default deny\n", "cert=x", "a", NULL), 0);
    /* no default line: the caller's fallback (deny here) */
    ck_assert_int_eq(decide("# empty\n\n", "cert=x", "a", NULL), 0);
}
END_TEST

START_TEST(facts_and_classes) {
    const char *t = "allow\t*\t*\trole=web env=prod\tapache\n"
                    "allow\t*\tstatus\trole=db\t*\n"
                    "allow\t*\tstop\t*\tmysql\n";
    ck_assert_int_eq(decide(t, "cert=a", "restart", NULL), 1);
    ck_assert_int_eq(decide(t + strlen("allow\t*\t*\trole=web env=prod\t"
                                       "apache\n"),
                            "cert=a", "status", NULL),
                     0);
    ck_assert_int_eq(
        decide("allow\t*\t*\trole=web env=dev\t*\n", "cert=a", "x", NULL), 0);
    ck_assert_int_eq(decide("allow\t*\t*\t*\tmysql\n", "cert=a", "x", NULL), 0);
}
END_TEST

START_TEST(compound_expressions) {
    const char *t = "deny\t*\trestart\t(env=prod and not role=db)\n"
                    "allow\t*\t*\trole=web or role=db\t*\n";
    expect_decided(t, "cert=a", "restart", 0, 1);
    expect_decided(t, "cert=a", "status", 1, 2);
}
END_TEST

START_TEST(tabs_may_repeat_and_spaces_trail) {
    ck_assert_int_eq(
        decide("allow\t\tcert=a\t\t*\t*\t*  \r\n", "cert=a", "x", NULL), 1);
}
END_TEST

START_TEST(malformed_lines_name_file_and_line) {
    static const struct {
        const char *text;
        const char *expect;
    } bad[] = {
        {"policy default maybe\n", "t.policy:1: expected 'policy default"},
        {"# ok\npermit\tcert=a\t*\t*\t*\n",
         "t.policy:2: first field must be allow or deny"},
        {"allow\tcert=a\t*\n", "t.policy:1: expected 4 or 5 tab-separated"},
        {"allow cert=a * * *\n", "t.policy:1: expected 4 or 5 tab-separated"},
        {"allow\tuid=500\t*\t*\t*\n",
         "t.policy:1: CALLERS: 'uid=500' is a unix-uid"},
        {"allow\tgid=7\t*\t*\t*\n",
         "t.policy:1: CALLERS: 'gid=7': unknown caller kind"},
        {"allow\tcert=a x!y\t*\t*\t*\n",
         "t.policy:1: CALLERS: 'x!y' is neither"},
        {"allow\t/cert=(/\t*\t*\t*\n", "t.policy:1: CALLERS: "},
        {"allow\t*\t*\t*\trole=web\n",
         "t.policy:1: CLASSES field: 'role=web' is a fact comparison"},
        {"allow\t*\t*\tpuppet().enabled=false\t*\n",
         "t.policy:1: FACTS field: position 1: unknown function 'puppet()'"},
        {"allow\t*\t*\t*\tone and nosuch(\"a\")\n",
         "t.policy:1: CLASSES field: position 9: unknown function 'nosuch()'"},
        {"allow\ta\tb\tc\td\te\n", "t.policy:1: expected 4 or 5 tab-separated"},
        {"allow\tcert=a\t*\trole\t*\n",
         "t.policy:1: FACTS field: fact filter 'role'"},
        {"allow\t*\t*\t(role=web and\t*\n", "t.policy:1: "},
        {"policy default deny\npolicy default allow\n",
         "t.policy:2: a second 'policy default'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct mst_policy *p = NULL;
        struct mst_err err = {0};
        ck_assert_int_ne(mst_policy_parse(bad[i].text, "t.policy", &p, &err),
                         MST_OK);
        ck_assert_ptr_null(p);
        ck_assert_msg(strncmp(err.msg, bad[i].expect, strlen(bad[i].expect)) ==
                          0,
                      "%zu: got '%s'", i, err.msg);
    }
}
END_TEST

START_TEST(load_from_file) {
    struct mst_policy *p = NULL;
    struct mst_err err = {0};
    ck_assert_int_eq(
        mst_policy_load(MST_TEST_DATA "/policy/service.policy", &p, &err),
        MST_OK);
    struct mst_policy_request req = {"cert=bob", "status", &node, NULL};
    ck_assert_int_eq(mst_policy_check(p, &req, 0).allow, 1);
    mst_policy_free(&p);
    ck_assert_int_eq(
        mst_policy_load(MST_TEST_DATA "/policy/none.policy", &p, &err),
        MST_ENOTFOUND);
}
END_TEST

int main(void) {
    Suite *s = suite_create("policy");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, callers_and_actions);
    tcase_add_test(tc, first_match_wins);
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, facts_and_classes);
    tcase_add_test(tc, tabs_may_repeat_and_spaces_trail);
    tcase_add_test(tc, compound_expressions);
    tcase_add_test(tc, malformed_lines_name_file_and_line);
    tcase_add_test(tc, load_from_file);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
