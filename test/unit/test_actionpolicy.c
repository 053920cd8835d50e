/*
 * test_actionpolicy.c - every example of the actionpolicy plugin's README
 * and spec (choria-plugins/action-policy: README.md,
 * spec/actionpolicy/actionpolicy_spec.rb, its fixtures copied in
 * test/data/policy/actionpolicy/) decided as those documents say.
 *
 * The spec's callers are unix uids (uid=500), which muster refuses
 * (docs/authorization.md): the `refusals` table asserts that refusal for
 * each such fixture, and the `decisions` table reads the fixtures with
 * every caller rewritten as a certificate (uid=500 -> cert=uid500,
 * rspec_caller -> cert=rspec_caller), so that the rest of each rule is
 * still decided as the spec expects.
 */
#include <check.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/status.h"
#include "policy/groups.h"
#include "policy/policy.h"
#include "runner.h"

#define FIXTURES MST_TEST_DATA "/policy/actionpolicy/"
#define ALLOW 1
#define DENY 0

/* README.md's examples, with the tabs its rendering shows as spaces. */
#define README_PUPPET                                                          \
    "policy default deny\n"                                                    \
    "allow\tcert=admin\t*\t*\t*\n"                                             \
    "allow\tcert=acme-devs\t*\tcustomer=acme\tacme::devserver\n"               \
    "allow\tcert=acme-devs\tenable disable status\tcustomer=acme\t*\n"
#define README_SERVICE_FSTAT                                                   \
    "policy default deny\n"                                                    \
    "allow\tcert=puppet-admins\trestart\t(fstat(\"/\").present=true and "      \
    "environment=production) or environment=development\n"
#define README_CALLERS "allow\tcert=bob /cert=.+_admin$/\t*\t*\t*\n"
#define README_GROUPS "# sample groups file\nsysadmins cert=sa1 cert=sa2\n"
#define README_GROUP_RULE                                                      \
    "allow\tsysadmins\t*\tcustomer=acme\tacme::devserver\n"

/* example15's first three rules (its fourth is refused, see refusals) */
#define EXAMPLE15_FIRST3                                                       \
    "policy default deny\n"                                                    \
    "allow\t\tuid=500\t\t\t*\t\t*\t\t*\n"                                      \
    "allow\t\tuid=600\t\t\t*\t\tcustomer=acme\t\tacme::devserver\n"            \
    "allow\t\tuid=600\t\t\tenable disable status\t\tcustomer=acme\t\t*\n"

struct decision_row {
    const char *what;   /* the README or spec case */
    const char *file;   /* a fixture, or NULL: */
    const char *text;   /* the policy text */
    const char *groups; /* a groups fixture ("@groups") or text, or NULL */
    const char *caller;
    const char *action;
    const char *facts;   /* JSON object */
    const char *classes; /* space-separated */
    int allow;
};

static const struct decision_row decisions[] = {
    /* spec #parse_policy_file */
    {"spec: no lines, no default", NULL, "", NULL, "cert=rspec_caller",
     "rspec_action", "{}", "", DENY},
    {"spec: comment only", NULL, "#", NULL, "cert=rspec_caller", "rspec_action",
     "{}", "", DENY},
    {"spec: default_allow", "default_allow", NULL, NULL, "cert=rspec_caller",
     "rspec_action", "{}", "", ALLOW},
    {"spec: default_deny", "default_deny", NULL, NULL, "cert=rspec_caller",
     "rspec_action", "{}", "", DENY},
    {"spec: example1", "example1", NULL, NULL, "cert=rspec_caller",
     "rspec_action", "{}", "", ALLOW},
    {"spec: example2 uid=500", "example2", NULL, NULL, "cert=uid500",
     "rspec_action", "{}", "", ALLOW},
    {"spec: example2 cert=db_admin", "example2", NULL, NULL, "cert=db_admin",
     "rspec_action", "{}", "", ALLOW},
    {"spec: example2 cert=db_admn", "example2", NULL, NULL, "cert=db_admn",
     "rspec_action", "{}", "", DENY},
    {"spec: example2 uid=501", "example2", NULL, NULL, "cert=uid501",
     "rspec_action", "{}", "", DENY},
    {"spec: example3 rspec", "example3", NULL, NULL, "cert=rspec_caller",
     "rspec", "{}", "", ALLOW},
    {"spec: example3 notrspec", "example3", NULL, NULL, "cert=rspec_caller",
     "notrspec", "{}", "", DENY},
    {"spec: example4 foo=bar", "example4", NULL, NULL, "cert=rspec_caller",
     "rspec_action", "{\"foo\":\"bar\"}", "", ALLOW},
    {"spec: example4 foo=notbar", "example4", NULL, NULL, "cert=rspec_caller",
     "rspec_action", "{\"foo\":\"notbar\"}", "", DENY},
    {"spec: example5 class", "example5", NULL, NULL, "cert=rspec_caller",
     "rspec_action", "{}", "rspec", ALLOW},
    {"spec: example5 no class", "example5", NULL, NULL, "cert=rspec_caller",
     "rspec_action", "{}", "", DENY},
    {"spec: example6 500 rspec", "example6", NULL, NULL, "cert=uid500", "rspec",
     "{}", "", ALLOW},
    {"spec: example6 501 notrspec", "example6", NULL, NULL, "cert=uid501",
     "notrspec", "{}", "", DENY},
    {"spec: example7 500 foo=bar", "example7", NULL, NULL, "cert=uid500",
     "rspec_action", "{\"foo\":\"bar\"}", "", ALLOW},
    {"spec: example7 501 foo=notbar", "example7", NULL, NULL, "cert=uid501",
     "rspec_action", "{\"foo\":\"notbar\"}", "", DENY},
    {"spec: example8 class", "example8", NULL, NULL, "cert=uid500",
     "rspec_action", "{}", "rspec", ALLOW},
    {"spec: example8 no class", "example8", NULL, NULL, "cert=uid500",
     "rspec_action", "{}", "", DENY},
    {"spec: example9 all hold", "example9", NULL, NULL, "cert=uid500", "rspec",
     "{\"foo\":\"bar\"}", "", ALLOW},
    {"spec: example9 none holds", "example9", NULL, NULL, "cert=uid501",
     "notrspec", "{\"foo\":\"notbar\"}", "", DENY},
    {"spec: example10 all hold", "example10", NULL, NULL, "cert=uid500",
     "rspec", "{}", "rspec", ALLOW},
    {"spec: example10 none holds", "example10", NULL, NULL, "cert=uid501",
     "notrspec", "{}", "", DENY},
    /* the spec's "example11" case reads example10 with facts too */
    {"spec: example11 (example10) all hold", "example10", NULL, NULL,
     "cert=uid500", "rspec", "{\"foo\":\"bar\"}", "rspec", ALLOW},
    {"spec: example11 (example10) none holds", "example10", NULL, NULL,
     "cert=uid501", "notrspec", "{\"foo\":\"notbar\"}", "", DENY},
    {"spec: example12", "example12", NULL, NULL, "cert=uid500", "rspec",
     "{\"foo\":\"bar\",\"bar\":\"foo\"}", "rspec", ALLOW},
    {"spec: example13", "example13", NULL, NULL, "cert=uid500", "rspec",
     "{\"foo\":\"bar\"}", "one two", ALLOW},
    {"spec: example14", "example14", NULL, NULL, "cert=uid500", "rspec",
     "{\"foo\":\"bar\"}", "one", ALLOW},
    {"spec: example16 uid=600", "example16", NULL, NULL, "cert=uid600",
     "rspec_action", "{}", "", ALLOW},
    {"spec: example16 uid=800", "example16", NULL, NULL, "cert=uid800",
     "rspec_action", "{}", "", DENY},
    /* example15 without its puppet() rule (refused below), then that rule
       with a data function muster has */
    {"spec: example15 first", NULL, EXAMPLE15_FIRST3, NULL, "cert=uid500",
     "rspec_action", "{}", "", ALLOW},
    {"spec: example15 second", NULL, EXAMPLE15_FIRST3, NULL, "cert=uid600",
     "rspec_action", "{\"customer\":\"acme\"}", "acme::devserver", ALLOW},
    {"spec: example15 third", NULL, EXAMPLE15_FIRST3, NULL, "cert=uid600",
     "status", "{\"customer\":\"acme\"}", "", ALLOW},
    {"spec: example15 other action", NULL, EXAMPLE15_FIRST3, NULL,
     "cert=uid600", "restart", "{\"customer\":\"acme\"}", "", DENY},
    {"spec: example15 fifth (fstat for puppet)", NULL,
     "allow\tcert=uid700\trestart\t(fstat(\"/\").present=true and "
     "environment=production) or environment=development\n",
     NULL, "cert=uid700", "restart", "{\"environment\":\"development\"}", "",
     ALLOW},
    /* spec #caller_in_groups? and #check_policy, on the groups fixture */
    {"spec: groups sysadmin", NULL, "allow\tsysadmin\t*\t*\t*\n", "@groups",
     "cert=rspec_caller", "rspec_action", "{}", "", ALLOW},
    {"spec: groups app_admin", NULL, "allow\tapp_admin\t*\t*\t*\n", "@groups",
     "cert=rspec_caller", "rspec_action", "{}", "", DENY},
    {"spec: groups single_group", NULL, "allow\tsingle_group\t*\t*\t*\n",
     "@groups", "cert=rspec_caller", "rspec_action", "{}", "", ALLOW},
    {"spec: groups foo (undefined)", NULL, "allow\tfoo\t*\t*\t*\n", "@groups",
     "cert=rspec_caller", "rspec_action", "{}", "", DENY},
    {"spec: groups invalid_group (no members)", NULL,
     "allow\tinvalid_group\t*\t*\t*\n", "@groups", "cert=rspec_caller",
     "rspec_action", "{}", "", DENY},
    {"spec: groups cert=aa1 in app_admin", NULL, "allow\tapp_admin\t*\t*\t*\n",
     "@groups", "cert=aa1", "rspec_action", "{}", "", ALLOW},
    {"spec: check_policy other caller", NULL, "allow\tcert=caller\t*\t*\t*\n",
     "@groups", "cert=rspec_caller", "rspec_action", "{}", "", DENY},
    {"spec: check_policy other action", NULL, "allow\t*\taction\t*\t*\n",
     "@groups", "cert=rspec_caller", "rspec_action", "{}", "", DENY},
    {"spec: check_policy classes left out", NULL, "allow\t*\t*\t*\n", NULL,
     "cert=rspec_caller", "rspec_action", "{}", "", ALLOW},
    /* spec #caller_in_callerids? */
    {"spec: callerids one two three", NULL,
     "allow\tcert=one cert=two cert=three\t*\t*\t*\n", NULL,
     "cert=rspec_caller", "rspec_action", "{}", "", DENY},
    {"spec: callerids first", NULL,
     "allow\tcert=rspec_caller cert=another_caller\t*\t*\t*\n", NULL,
     "cert=rspec_caller", "rspec_action", "{}", "", ALLOW},
    {"spec: callerids second", NULL,
     "allow\tcert=another_caller cert=rspec_caller\t*\t*\t*\n", NULL,
     "cert=rspec_caller", "rspec_action", "{}", "", ALLOW},
    {"spec: callerids regex", NULL,
     "allow\tcert=another_caller /rspec/\t*\t*\t*\n", NULL, "cert=rspec_caller",
     "rspec_action", "{}", "", ALLOW},
    /* spec #action_in_actions? */
    {"spec: actions one two three", NULL, "allow\t*\tone two three\t*\t*\n",
     NULL, "cert=rspec_caller", "rspec_action", "{}", "", DENY},
    {"spec: actions first", NULL,
     "allow\t*\trspec_action another_action\t*\t*\n", NULL, "cert=rspec_caller",
     "rspec_action", "{}", "", ALLOW},
    {"spec: actions second", NULL,
     "allow\t*\tanother_action rspec_action\t*\t*\n", NULL, "cert=rspec_caller",
     "rspec_action", "{}", "", ALLOW},
    /* spec #parse_facts, #parse_classes, #is_compound? */
    {"spec: facts all", NULL, "allow\t*\t*\tfoo=bar bar=foo\t*\n", NULL,
     "cert=rspec_caller", "rspec_action", "{\"foo\":\"bar\",\"bar\":\"foo\"}",
     "", ALLOW},
    {"spec: facts one fails", NULL, "allow\t*\t*\tfoo=bar bar=foo\t*\n", NULL,
     "cert=rspec_caller", "rspec_action", "{\"foo\":\"bar\"}", "", DENY},
    {"spec: compound facts", NULL, "allow\t*\t*\tfoo=bar and bar=foo\t*\n",
     NULL, "cert=rspec_caller", "rspec_action",
     "{\"foo\":\"bar\",\"bar\":\"foo\"}", "", ALLOW},
    {"spec: classes all", NULL, "allow\t*\t*\t*\tfoo bar baz\n", NULL,
     "cert=rspec_caller", "rspec_action", "{}", "foo bar baz", ALLOW},
    {"spec: classes one missing", NULL, "allow\t*\t*\t*\tfoo bar baz\n", NULL,
     "cert=rspec_caller", "rspec_action", "{}", "foo bar", DENY},
    {"spec: classes regex", NULL, "allow\t*\t*\t*\t/^rsp/\n", NULL,
     "cert=rspec_caller", "rspec_action", "{}", "rspec", ALLOW},
    {"spec: is_compound !rspec", NULL, "allow\t*\t*\t*\t!rspec\n", NULL,
     "cert=rspec_caller", "rspec_action", "{}", "rspec", DENY},
    {"spec: is_compound !rspec absent", NULL, "allow\t*\t*\t*\t!rspec\n", NULL,
     "cert=rspec_caller", "rspec_action", "{}", "other", ALLOW},
    {"spec: is_compound or", NULL, "allow\t*\t*\t*\tone or three\n", NULL,
     "cert=rspec_caller", "rspec_action", "{}", "three", ALLOW},
    {"spec: is_compound not", NULL, "allow\t*\t*\t*\tnot rspec\n", NULL,
     "cert=rspec_caller", "rspec_action", "{}", "", ALLOW},
    {"compound FACTS and CLASSES both hold", NULL,
     "allow\t*\t*\tfoo=bar or bar=x\tone and not two\n", NULL,
     "cert=rspec_caller", "rspec_action", "{\"foo\":\"bar\"}", "one", ALLOW},
    {"compound CLASSES fails", NULL,
     "allow\t*\t*\tfoo=bar or bar=x\tone and not two\n", NULL,
     "cert=rspec_caller", "rspec_action", "{\"foo\":\"bar\"}", "one two", DENY},
    {"compound FACTS fails", NULL,
     "allow\t*\t*\tfoo=bar or bar=x\tone and not two\n", NULL,
     "cert=rspec_caller", "rspec_action", "{\"foo\":\"baz\"}", "one", DENY},
    /* README: Example: Puppet agent policy file */
    {"README: admin, all actions", NULL, README_PUPPET, NULL, "cert=admin",
     "runonce", "{}", "", ALLOW},
    {"README: acme-devs on a devserver", NULL, README_PUPPET, NULL,
     "cert=acme-devs", "runonce", "{\"customer\":\"acme\"}", "acme::devserver",
     ALLOW},
    {"README: acme-devs enable elsewhere", NULL, README_PUPPET, NULL,
     "cert=acme-devs", "enable", "{\"customer\":\"acme\"}", "", ALLOW},
    {"README: acme-devs runonce elsewhere", NULL, README_PUPPET, NULL,
     "cert=acme-devs", "runonce", "{\"customer\":\"acme\"}", "", DENY},
    {"README: acme-devs another customer", NULL, README_PUPPET, NULL,
     "cert=acme-devs", "status", "{\"customer\":\"other\"}", "", DENY},
    {"README: anyone else", NULL, README_PUPPET, NULL, "cert=mallory", "status",
     "{\"customer\":\"acme\"}", "acme::devserver", DENY},
    {"README: service restart in development", NULL, README_SERVICE_FSTAT, NULL,
     "cert=puppet-admins", "restart", "{\"environment\":\"development\"}", "",
     ALLOW},
    {"README: service restart in production", NULL, README_SERVICE_FSTAT, NULL,
     "cert=puppet-admins", "restart", "{\"environment\":\"production\"}", "",
     ALLOW},
    {"README: service restart elsewhere", NULL, README_SERVICE_FSTAT, NULL,
     "cert=puppet-admins", "restart", "{\"environment\":\"staging\"}", "",
     DENY},
    {"README: service status", NULL, README_SERVICE_FSTAT, NULL,
     "cert=puppet-admins", "status", "{\"environment\":\"development\"}", "",
     DENY},
    /* README: Caller ID, Groups, Policy File Format */
    {"README: cert=bob", NULL, README_CALLERS, NULL, "cert=bob", "x", "{}", "",
     ALLOW},
    {"README: cert=db_admin", NULL, README_CALLERS, NULL, "cert=db_admin", "x",
     "{}", "", ALLOW},
    {"README: cert=db_admin2", NULL, README_CALLERS, NULL, "cert=db_admin2",
     "x", "{}", "", DENY},
    {"README: sysadmins group", NULL, README_GROUP_RULE, README_GROUPS,
     "cert=sa2", "x", "{\"customer\":\"acme\"}", "acme::devserver", ALLOW},
    {"README: not in sysadmins", NULL, README_GROUP_RULE, README_GROUPS,
     "cert=aa1", "x", "{\"customer\":\"acme\"}", "acme::devserver", DENY},
    {"README: policy default anywhere", NULL,
     "deny\tcert=bob\t*\t*\t*\npolicy default allow\n", NULL, "cert=alice", "x",
     "{}", "", ALLOW},
    {"README: classes absent", NULL, "allow\t*\t*\tcustomer=acme\n", NULL,
     "cert=a", "x", "{\"customer\":\"acme\"}", "", ALLOW},
    {"README: classes absent, fact fails", NULL, "allow\t*\t*\tcustomer=acme\n",
     NULL, "cert=a", "x", "{\"customer\":\"other\"}", "", DENY},
    /* Choria's caller ids (docs/authorization.md) */
    {"choria=NAME.mcollective names cert=NAME", NULL,
     "allow\tchoria=alice.mcollective\t*\t*\t*\n", NULL, "cert=alice", "x",
     "{}", "", ALLOW},
    {"choria=CN names cert=CN", NULL,
     "allow\tchoria=alice.mcollective\t*\t*\t*\n", NULL,
     "cert=alice.mcollective", "x", "{}", "", ALLOW},
    {"choria= of another user", NULL,
     "allow\tchoria=alice.mcollective\t*\t*\t*\n", NULL, "cert=bob", "x", "{}",
     "", DENY},
    {"choria=NAME.mcollective is not CN NAME.x", NULL,
     "allow\tchoria=alice.mcollective\t*\t*\t*\n", NULL, "cert=alicex", "x",
     "{}", "", DENY},
    {"regex over the choria= form", NULL,
     "allow\t/^choria=.+_admin\\.mcollective$/\t*\t*\t*\n", NULL,
     "cert=db_admin", "x", "{}", "", ALLOW},
    {"choria= member of a group", NULL, "allow\tops\t*\t*\t*\n",
     "ops choria=carol.mcollective\n", "cert=carol", "x", "{}", "", ALLOW},
};

/* Fixtures refused as a whole (docs/authorization.md says why). */
static const struct {
    const char *file;
    const char *expect; /* prefix of the error after "FILE:" */
} refusals[] = {
    {"example2", "2: CALLERS: 'uid=500' is a unix-uid caller"},
    {"example6", "2: CALLERS: 'uid=500' is a unix-uid caller"},
    {"example7", "2: CALLERS: 'uid=500' is a unix-uid caller"},
    {"example8", "2: CALLERS: 'uid=500' is a unix-uid caller"},
    {"example9", "2: CALLERS: 'uid=500' is a unix-uid caller"},
    {"example10", "2: CALLERS: 'uid=500' is a unix-uid caller"},
    /* "allow uid=500" with a space: the plugin skips the line */
    {"example11", "2: first field must be allow or deny, not 'allow uid=500'"},
    {"example12", "2: CALLERS: 'uid=500' is a unix-uid caller"},
    {"example13", "2: CALLERS: 'uid=500' is a unix-uid caller"},
    {"example14", "2: CALLERS: 'uid=500' is a unix-uid caller"},
    {"example15", "2: CALLERS: 'uid=500' is a unix-uid caller"},
    {"example16", "2: CALLERS: 'uid=500' is a unix-uid caller"},
    /* with the uids rewritten, muster has no puppet() data function */
    {"!example15", "5: FACTS field: position 2: unknown function 'puppet()'"},
    /* group members are caller ids; rspec_caller is not one */
    {"groups", "2: group 'sysadmin': 'rspec_caller' is not a caller id"},
};

/* Texts refused as a whole: policies ("t") and groups files ("g"). */
static const struct {
    int groups;
    const char *text;
    const char *expect;
} bad_texts[] = {
    /* the spec's #lookup_fact, #lookup_class, fstatement */
    {0, "allow\t*\t*\trspec\t*\n", "t:1: FACTS field: fact filter 'rspec'"},
    {0, "allow\t*\t*\t*\tfoo=bar\n",
     "t:1: CLASSES field: 'foo=bar' is a fact comparison"},
    {0, "allow\t*\t*\tdata('field').value=othervalue\t*\n",
     "t:1: FACTS field: position 1: unknown function 'data()'"},
    {0, "allow\t*\t*\trspec(\"data\").value=result\t*\n",
     "t:1: FACTS field: position 1: unknown function 'rspec()'"},
    /* groups files */
    {1, "ok cert=a\nbad!name cert=b\n", "g:2: 'bad!name' is not a group"},
    {1, "a cert=x\na cert=y\n", "g:2: group 'a' is already defined on line 1"},
    {1, "a uid=500\n", "g:1: group 'a': 'uid=500' is a unix-uid caller"},
    {1, "a /cert=.*/\n",
     "g:1: group 'a': '/cert=.*/': a group lists caller ids"},
    {1, "a other\n", "g:1: group 'a': 'other' is not a caller id"},
};

static char *read_fixture(const char *name) {
    char path[512];
    snprintf(path, sizeof path, FIXTURES "%s", name);
    char *text = NULL;
    size_t n = 0;
    struct mst_err err = {0};
    ck_assert_msg(mst_file_read(path, 1 << 20, &text, &n, &err) == MST_OK, "%s",
                  err.msg);
    return text;
}

/*
 * The spec's callers as muster certificates: uid=N -> cert=uidN, the bare
 * caller rspec_caller -> cert=rspec_caller.  Returns a new string.
 */
static char *as_certificates(const char *text) {
    size_t size = strlen(text) * 2 + 1;
    char *out = malloc(size), *o = out;
    ck_assert_ptr_nonnull(out);
    for (const char *p = text; *p != '\0';) {
        size_t ws = strspn(p, " \t\n");
        memcpy(o, p, ws), o += ws, p += ws;
        size_t n = strcspn(p, " \t\n");
        if (strncmp(p, "uid=", 4) == 0)
            o += sprintf(o, "cert=uid%.*s", (int)(n - 4), p + 4);
        else if (n == 12 && strncmp(p, "rspec_caller", 12) == 0)
            o += sprintf(o, "cert=rspec_caller");
        else
            memcpy(o, p, n), o += n;
        p += n;
    }
    *o = '\0';
    return out;
}

/* "@NAME": the fixture NAME with callers as certificates; else a copy. */
static char *source_text(const char *file, const char *text) {
    char *raw = file != NULL ? read_fixture(file) : strdup(text);
    char *out = as_certificates(raw);
    free(raw);
    return out;
}

static int decide(const struct decision_row *row) {
    struct mst_err err = {0};
    char *text = source_text(row->file, row->text);
    struct mst_policy *p = NULL;
    ck_assert_msg(mst_policy_parse(text, "t", &p, &err) == MST_OK, "%s: %s",
                  row->what, err.msg);
    free(text);
    struct mst_groups *groups = NULL;
    if (row->groups != NULL) {
        int fixture = row->groups[0] == '@';
        char *gt = source_text(fixture ? row->groups + 1 : NULL, row->groups);
        ck_assert_msg(mst_groups_parse(gt, "groups", &groups, &err) == MST_OK,
                      "%s: %s", row->what, err.msg);
        free(gt);
    }
    struct mst_facts *facts = NULL;
    ck_assert_int_eq(
        mst_facts_from_json(json_loads(row->facts, 0, NULL), &facts, NULL),
        MST_OK);
    struct mst_strv classes = {0};
    char *cl = strdup(row->classes);
    for (char *s = NULL, *w = strtok_r(cl, " ", &s); w != NULL;
         w = strtok_r(NULL, " ", &s))
        mst_strv_push(&classes, w);
    free(cl);
    struct mst_filter_target node = {
        .identity = "rspec.node", .facts = facts, .classes = &classes};
    struct mst_policy_request req = {row->caller, row->action, &node, groups};
    int allow = mst_policy_check(p, &req, 0).allow;
    mst_strv_free(&classes);
    mst_facts_free(&facts);
    mst_groups_free(&groups);
    mst_policy_free(&p);
    return allow;
}

START_TEST(decision) {
    const struct decision_row *row = &decisions[_i];
    ck_assert_msg(decide(row) == row->allow, "%s: expected %s", row->what,
                  row->allow ? "allow" : "deny");
}
END_TEST

/*
 * `text`, read as a groups file when `groups` and as a policy otherwise
 * (named `label`), is refused as a whole: MST_EINVAL, nothing made, and an
 * error that starts with `expect`.
 */
static void expect_refused(int groups, const char *text, const char *label,
                           const char *expect) {
    struct mst_err err = {0};
    int rc;
    if (groups) {
        struct mst_groups *g = NULL;
        rc = mst_groups_parse(text, label, &g, &err);
        ck_assert_ptr_null(g);
    } else {
        struct mst_policy *p = NULL;
        rc = mst_policy_parse(text, label, &p, &err);
        ck_assert_ptr_null(p);
    }
    ck_assert_int_eq(rc, MST_EINVAL);
    ck_assert_msg(strncmp(err.msg, expect, strlen(expect)) == 0,
                  "want '%s', got '%s'", expect, err.msg);
}

/* Refused as a whole, naming file and line; "!NAME": with certificates. */
START_TEST(refusal) {
    const char *name = refusals[_i].file;
    int rewritten = name[0] == '!';
    char *text = rewritten ? source_text(name + 1, NULL) : read_fixture(name);
    const char *base = name + rewritten;
    char expect[256];
    snprintf(expect, sizeof expect, "%s:%s", base, refusals[_i].expect);
    expect_refused(strcmp(base, "groups") == 0, text, base, expect);
    free(text);
}
END_TEST

START_TEST(bad_text) {
    expect_refused(bad_texts[_i].groups, bad_texts[_i].text,
                   bad_texts[_i].groups ? "g" : "t", bad_texts[_i].expect);
}
END_TEST

/* spec #parse_group_file: exactly the valid groups, members in order. */
START_TEST(groups_fixture) {
    char *text = source_text("groups", NULL);
    struct mst_groups *g = NULL;
    struct mst_err err = {0};
    ck_assert_msg(mst_groups_parse(text, "groups", &g, &err) == MST_OK, "%s",
                  err.msg);
    free(text);
    ck_assert(mst_groups_has(g, "sysadmin", "cert=sa1"));
    ck_assert(mst_groups_has(g, "sysadmin", "cert=sa2"));
    ck_assert(mst_groups_has(g, "sysadmin", "cert=rspec_caller"));
    ck_assert(!mst_groups_has(g, "sysadmin", "cert=aa1"));
    ck_assert(mst_groups_has(g, "app_admin", "cert=aa2"));
    ck_assert(mst_groups_has(g, "single_group", "cert=rspec_caller"));
    ck_assert(!mst_groups_has(g, "invalid_group", "cert=rspec_caller"));
    ck_assert(!mst_groups_has(g, "foo", "cert=sa1"));
    ck_assert(!mst_groups_has(NULL, "sysadmin", "cert=sa1"));
    mst_groups_free(&g);
}
END_TEST

/* A group no groups file defines is named, with its line, for a warning. */
START_TEST(undefined_group) {
    struct mst_policy *p = NULL;
    struct mst_groups *g = NULL;
    ck_assert_int_eq(mst_policy_parse("allow\tcert=a /x/\t*\t*\t*\n"
                                      "allow\tops cert=b\t*\t*\t*\n"
                                      "allow\tcert=c devs\t*\t*\t*\n",
                                      "t", &p, NULL),
                     MST_OK);
    int line = 0;
    ck_assert_str_eq(mst_policy_undefined_group(p, NULL, &line), "ops");
    ck_assert_int_eq(line, 2);
    ck_assert_int_eq(mst_groups_parse("ops cert=b\n", "g", &g, NULL), MST_OK);
    ck_assert_str_eq(mst_policy_undefined_group(p, g, &line), "devs");
    ck_assert_int_eq(line, 3);
    mst_groups_free(&g);
    ck_assert_int_eq(mst_groups_parse("ops\ndevs cert=c\n", "g", &g, NULL),
                     MST_OK);
    ck_assert_ptr_null(mst_policy_undefined_group(p, g, &line));
    mst_groups_free(&g);
    mst_policy_free(&p);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof(a)[0]))

int main(void) {
    Suite *s = suite_create("actionpolicy");
    TCase *tc = mst_test_case(s, "spec", NULL, NULL, 30);
    tcase_add_loop_test(tc, decision, 0, N(decisions));
    tcase_add_loop_test(tc, refusal, 0, N(refusals));
    tcase_add_loop_test(tc, bad_text, 0, N(bad_texts));
    tcase_add_test(tc, groups_fixture);
    tcase_add_test(tc, undefined_group);
    return mst_test_run(s);
}
