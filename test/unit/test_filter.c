#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "runner.h"
#include "targeting/filter.h"

static struct mst_facts *facts;
static struct mst_strv classes, agents;
static enum mst_match_semantics semantics;

static void setup(void) {
    /* the last six as in go-choria's filter/facts/testdata/fact.yaml */
    json_t *root = json_pack(
        "{s:s, s:i, s:{s:s}, s:s, s:s, s:i, s:f, s:b, s:b, s:[i, i, s]}",
        "role", "web", "cpus", 8, "os", "family", "Debian", "version", "10.2",
        "string", "hello world", "inumber", 1, "fnumber", 1.2, "tbool", 1,
        "fbool", 0, "sarray", 1, 2, "Three");
    ck_assert_int_eq(mst_facts_from_json(root, &facts, NULL), MST_OK);
    mst_strv_push(&classes, "apache");
    mst_strv_push(&classes, "base");
    mst_strv_push(&agents, "rpcutil");
}

static void teardown(void) {
    semantics = MST_MATCH_CHORIA;
    mst_facts_free(&facts);
    mst_strv_free(&classes);
    mst_strv_free(&agents);
}

/* Build a filter from (kind, text) pairs and evaluate it on "web1". */
static int eval(int n, const int *kinds, const char *const *texts) {
    json_t *f = json_object();
    struct mst_err err = {0};
    for (int i = 0; i < n; i++)
        ck_assert_msg(mst_filter_add(f, (enum mst_filter_kind)kinds[i],
                                     texts[i], &err) == MST_OK,
                      "%s: %s", texts[i], err.msg);
    struct mst_filter_target t = {.identity = "web1",
                                  .facts = facts,
                                  .classes = &classes,
                                  .agents = &agents,
                                  .semantics = semantics};
    int rc = mst_filter_match(f, &t, &err);
    json_decref(f);
    return rc;
}

static int one(int kind, const char *text) {
    return eval(1, &kind, &text);
}

START_TEST(empty_filter_matches_everything) {
    ck_assert_int_eq(eval(0, NULL, NULL), 1);
}
END_TEST

/* One filter entry against web1 (see setup), under `sem`: CHORIA(KIND,
 * TEXT, WANT) or MCO(...) for the mcollective semantics. */
#define CHORIA(kind, text, want)                                               \
    { MST_FILTER_##kind, text, want, MST_MATCH_CHORIA }
#define MCO(kind, text, want)                                                  \
    { MST_FILTER_##kind, text, want, MST_MATCH_MCOLLECTIVE }
static const struct {
    int kind;
    const char *text;
    int want;
    enum mst_match_semantics sem;
} entries[] = {
    /* identity: exact or regex */
    CHORIA(IDENTITY, "web1", 1),
    CHORIA(IDENTITY, "web2", 0),
    CHORIA(IDENTITY, "/^web/", 1),
    CHORIA(IDENTITY, "/^db/", 0),
    /* fact operators */
    CHORIA(FACT, "role=web", 1),
    CHORIA(FACT, "role==db", 0),
    CHORIA(FACT, "role!=db", 1),
    CHORIA(FACT, "os.family=Debian", 1),
    CHORIA(FACT, "cpus>=8", 1),
    CHORIA(FACT, "cpus>10", 0),
    CHORIA(FACT, "cpus<10", 1), /* numeric, not text */
    CHORIA(FACT, "cpus<=7", 0),
    CHORIA(FACT, "role=~/^w.b$/", 1),
    CHORIA(FACT, "missing=x", 0),
    CHORIA(FACT, "missing!=x", 1),
    /* Choria's filter/facts/facts_test.go, case for case */
    CHORIA(FACT, "string==hello world", 1),
    CHORIA(FACT, "string==HeLlO WoRLD", 1),
    CHORIA(FACT, "string==helloworld", 0),
    CHORIA(FACT, "string!=hello world", 0),
    CHORIA(FACT, "string!=HeLlO WOrLd", 0),
    CHORIA(FACT, "string!=helloworld", 1),
    CHORIA(FACT, "string=~/hello/", 1),
    CHORIA(FACT, "string=~/HeLlO/", 1),
    CHORIA(FACT, "string=~/bye/", 0),
    CHORIA(FACT, "string<h", 0),
    CHORIA(FACT, "string<H", 0),
    CHORIA(FACT, "string<i", 1),
    CHORIA(FACT, "string<I", 1),
    CHORIA(FACT, "string>H", 1),
    CHORIA(FACT, "string>I", 0),
    CHORIA(FACT, "inumber==2", 0),
    CHORIA(FACT, "inumber!=1", 0),
    CHORIA(FACT, "inumber>=1", 1),
    CHORIA(FACT, "inumber>1", 0),
    CHORIA(FACT, "inumber<10", 1),
    CHORIA(FACT, "fnumber==1.2", 1),
    CHORIA(FACT, "fnumber=~/1\\.\\d+/", 1),
    CHORIA(FACT, "fnumber!=1.2", 0),
    CHORIA(FACT, "fnumber<=1.01", 0),
    CHORIA(FACT, "fnumber>=1", 1),
    CHORIA(FACT, "fnumber<1.0", 0),
    CHORIA(FACT, "fnumber>1.0", 1),
    CHORIA(FACT, "tbool==true", 1),
    CHORIA(FACT, "tbool==T", 1),
    CHORIA(FACT, "tbool==1", 1),
    CHORIA(FACT, "tbool==t", 1),
    CHORIA(FACT, "tbool==false", 0),
    CHORIA(FACT, "tbool!=bob", 1),
    CHORIA(FACT, "tbool!=false", 1),
    CHORIA(FACT, "tbool!=T", 0),
    CHORIA(FACT, "fbool==false", 1),
    CHORIA(FACT, "fbool==F", 1),
    CHORIA(FACT, "fbool==0", 1),
    CHORIA(FACT, "fbool==f", 1),
    CHORIA(FACT, "fbool==true", 0),
    CHORIA(FACT, "fbool!=bob", 1),
    CHORIA(FACT, "fbool!=true", 1),
    CHORIA(FACT, "fbool!=false", 0),
    CHORIA(FACT, "sarray=2", 1),
    CHORIA(FACT, "sarray=4", 0),
    CHORIA(FACT, "sarray=three", 1),
    CHORIA(FACT, "sarray=~/^thr/", 1),
    CHORIA(FACT, "sarray>1", 1),
    CHORIA(FACT, "sarray!=2", 0),
    CHORIA(FACT, "sarray!=4", 1),
    CHORIA(FACT, "os=Debian", 0),
    CHORIA(FACT, "os!=Debian", 0),
    /* mcollective semantics are case-sensitive */
    MCO(FACT, "string==hello world", 1),
    MCO(FACT, "string==HeLlO WoRLD", 0),
    MCO(FACT, "string!=HeLlO WoRLD", 1),
    MCO(FACT, "string=~/HeLlO/", 0),
    MCO(FACT, "string=~/(?i)HeLlO/", 1),
    MCO(FACT, "sarray=three", 0),
    MCO(FACT, "sarray=Three", 1),
    MCO(FACT, "tbool==T", 1),
    MCO(COMPOUND, "string == 'HELLO WORLD'", 0),
    CHORIA(COMPOUND, "string == 'HELLO WORLD'", 1),
    /* regexes are RE2 */
    CHORIA(IDENTITY, "/^web\\d+$/", 1),
    CHORIA(IDENTITY, "/^deb\\d+$/", 0),
    CHORIA(FACT, "version=~/^\\d+\\.\\d$/", 1),
    CHORIA(CLASS, "/^\\w{6}$/", 1), /* apache */
    CHORIA(COMPOUND, "not role=~/\\d/", 1),
    CHORIA(COMPOUND, "not cpus=~/\\d/", 0),
    CHORIA(COMPOUND, "sarray=~/^{?\\d}?$/", 1),
    /* bounded regexes still work */
    CHORIA(IDENTITY, "/^we[a-z]{1,3}[0-9]+$/", 1),
    CHORIA(IDENTITY, "/^[]a-z]+1$/", 1),
    CHORIA(IDENTITY, "/^web\\+$/", 0),
    /* agents */
    CHORIA(AGENT, "rpcutil", 1),
    CHORIA(AGENT, "package", 0),
    /* compound and with */
    CHORIA(COMPOUND, "role=web and apache", 1),
    CHORIA(COMPOUND, "role=db or not base", 0),
    CHORIA(COMPOUND, "agent(\"rpcutil\")", 1),
    CHORIA(COMPOUND, "version > 9.1", 1),
    CHORIA(FACT, "version>9.1", 1),
    CHORIA(WITH, "role=web apache", 1),
    CHORIA(WITH, "role=web nginx", 0),
};

START_TEST(one_entry_matches_or_not) {
    semantics = entries[_i].sem;
    ck_assert_msg(one(entries[_i].kind, entries[_i].text) == entries[_i].want,
                  "%s (semantics %d): expected %d", entries[_i].text,
                  (int)entries[_i].sem, entries[_i].want);
}
END_TEST

START_TEST(identities_or) {
    int kinds[] = {MST_FILTER_IDENTITY, MST_FILTER_IDENTITY};
    const char *texts[] = {"db1", "web1"};
    ck_assert_int_eq(eval(2, kinds, texts), 1);
}
END_TEST

/* Read a fuzz finding kept in test/data/fuzz (NUL-terminated copy). */
static char *finding(const char *name, size_t *len_r) {
    char path[512];
    snprintf(path, sizeof path, "%s/fuzz/%s", MST_TEST_DATA, name);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    char *buf = calloc(1, 65536);
    *len_r = fread(buf, 1, 65535, f);
    fclose(f);
    return buf;
}

/* Issue 15 point 6: what the client accepts, every node can evaluate. */
START_TEST(fuzz_findings_are_refused_when_added) {
    size_t len;
    char *text = finding("filter-long-with", &len);
    json_t *f = json_object();
    struct mst_err err = {0};
    ck_assert_int_eq(
        mst_filter_add(f, (enum mst_filter_kind)(text[0] % 6), text + 1, &err),
        MST_EINVAL);
    ck_assert_msg(strstr(err.msg, "word at position ") != NULL &&
                      strstr(err.msg, "more than 256 fact filters") != NULL,
                  "%s", err.msg);
    free(text);
    text = finding("expr-quoted-regex-not-utf8", &len);
    ck_assert_int_eq(mst_filter_add(f, MST_FILTER_COMPOUND, text, &err),
                     MST_EINVAL);
    ck_assert_msg(strstr(err.msg, "position ") == err.msg, "%s", err.msg);
    ck_assert_int_eq(json_object_size(f), 0);
    json_decref(f);
    free(text);
}
END_TEST

START_TEST(facts_and_classes_and_together) {
    int kinds[] = {MST_FILTER_FACT, MST_FILTER_FACT};
    const char *both[] = {"role=web", "cpus=8"};
    const char *one_wrong[] = {"role=web", "cpus=4"};
    ck_assert_int_eq(eval(2, kinds, both), 1);
    ck_assert_int_eq(eval(2, kinds, one_wrong), 0);
    int ckinds[] = {MST_FILTER_CLASS, MST_FILTER_CLASS};
    const char *classes_ok[] = {"apache", "/^ba/"};
    const char *classes_bad[] = {"apache", "mysql"};
    ck_assert_int_eq(eval(2, ckinds, classes_ok), 1);
    ck_assert_int_eq(eval(2, ckinds, classes_bad), 0);
}
END_TEST

START_TEST(bad_filters_are_refused_with_a_reason) {
    static const struct {
        int kind;
        const char *text;
        const char *expect;
    } bad[] = {
        {MST_FILTER_FACT, "role", "expected NAME OP VALUE"},
        {MST_FILTER_FACT, "=web", "expected NAME OP VALUE"},
        {MST_FILTER_FACT, "role=", "missing value"},
        {MST_FILTER_FACT, "role=~web", "needs a /regular expression/"},
        {MST_FILTER_COMPOUND, "role=web and (", "position 15: expected"},
        {MST_FILTER_COMPOUND, "fstat(\"x\").size",
         "position 8: fstat() "
         "needs an absolute path"},
        {MST_FILTER_WITH, "", "empty filter"},
        {MST_FILTER_WITH, "apache role=", "missing value"},
        {MST_FILTER_IDENTITY, "/(/", "bad regular expression"},
        {MST_FILTER_CLASS, "", "empty filter value"},
        {MST_FILTER_IDENTITY, "/a++/", "follows another quantifier"},
        {MST_FILTER_IDENTITY, "/(a{1,1000})/", "repetition bound"},
        {MST_FILTER_IDENTITY,
         "/a+b+c+d+e+f+g+h+i+j+k+l+m+n+o+p+q+r+s+t+u+v+w+x+y+z+A+B+C+D+E+F+G+/",
         "more than 32 quantifiers"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *f = json_object();
        struct mst_err err = {0};
        ck_assert_int_eq(mst_filter_add(f, (enum mst_filter_kind)bad[i].kind,
                                        bad[i].text, &err),
                         MST_EINVAL);
        ck_assert_msg(strstr(err.msg, bad[i].expect) != NULL, "%s -> %s",
                      bad[i].text, err.msg);
        ck_assert_int_eq(json_object_size(f), 0);
        json_decref(f);
    }
}
END_TEST

START_TEST(hostile_filter_objects_are_errors_not_matches) {
    struct mst_filter_target t = {.identity = "web1"};
    const char *bad[] = {
        "[]",
        "{\"nonsense\": []}",
        "{\"identity\": \"web1\"}",
        "{\"identity\": [1]}",
        "{\"fact\": [{\"fact\": \"a\"}]}",
        "{\"fact\": [{\"fact\": \"a\", \"op\": \"<>\", \"value\": \"1\"}]}",
        "{\"compound\": [\"a\"]}",
        "{\"compound\": \"(((\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *f = json_loads(bad[i], 0, NULL);
        ck_assert_ptr_nonnull(f);
        struct mst_err err = {0};
        ck_assert_msg(mst_filter_match(f, &t, &err) < 0, "%s", bad[i]);
        json_decref(f);
    }
}
END_TEST

/* Each would match web1 if read up to its NUL, as a C string would be. */
START_TEST(embedded_nul_is_refused_not_truncated) {
    struct mst_filter_target t = {.identity = "web1",
                                  .facts = facts,
                                  .classes = &classes,
                                  .agents = &agents,
                                  .semantics = semantics};
    const char *bad[] = {
        "{\"identity\": [\"web1\\u0000evil\"]}",
        "{\"class\": [\"apache\\u0000evil\"]}",
        "{\"agent\": [\"rpcutil\\u0000evil\"]}",
        "{\"fact\": [{\"fact\": \"role\\u0000x\", \"op\": \"==\", "
        "\"value\": \"web\"}]}",
        "{\"fact\": [{\"fact\": \"role\", \"op\": \"==\\u0000x\", "
        "\"value\": \"web\"}]}",
        "{\"fact\": [{\"fact\": \"role\", \"op\": \"==\", "
        "\"value\": \"web\\u0000x\"}]}",
        "{\"compound\": \"role=web\\u0000 and nonsense(\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_error_t je;
        json_t *f = json_loads(bad[i], JSON_ALLOW_NUL, &je);
        ck_assert_msg(f != NULL, "%s: %s", bad[i], je.text);
        struct mst_err err = {0};
        ck_assert_msg(mst_filter_match(f, &t, &err) < 0, "%s", bad[i]);
        ck_assert_msg(strstr(err.msg, "NUL byte") != NULL, "%s: %s", bad[i],
                      err.msg);
        json_decref(f);
    }
}
END_TEST

START_TEST(compound_filters_and_together) {
    /* two -S AND together */
    int kinds[] = {MST_FILTER_COMPOUND, MST_FILTER_COMPOUND};
    const char *both[] = {"role=web or role=db", "cpus=8"};
    const char *second_false[] = {"role=web or role=db", "cpus=4"};
    ck_assert_int_eq(eval(2, kinds, both), 1);
    ck_assert_int_eq(eval(2, kinds, second_false), 0);
    json_t *f = json_object();
    mst_filter_add(f, MST_FILTER_COMPOUND, "a or b", NULL);
    mst_filter_add(f, MST_FILTER_COMPOUND, "c", NULL);
    ck_assert_str_eq(json_string_value(json_object_get(f, "compound")),
                     "(a or b) and (c)");
    json_decref(f);
}
END_TEST

START_TEST(identity_only_filters_can_be_addressed) {
    json_t *f = json_object();
    ck_assert_int_eq(mst_filter_is_identity_only(f), 0);
    mst_filter_add(f, MST_FILTER_IDENTITY, "web1", NULL);
    ck_assert_int_eq(mst_filter_is_identity_only(f), 1);
    mst_filter_add(f, MST_FILTER_IDENTITY, "/^db/", NULL);
    ck_assert_int_eq(mst_filter_is_identity_only(f), 0);
    json_decref(f);
}
END_TEST

int main(void) {
    Suite *s = suite_create("filter");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, empty_filter_matches_everything);
    tcase_add_loop_test(tc, one_entry_matches_or_not, 0,
                        (int)(sizeof entries / sizeof entries[0]));
    tcase_add_test(tc, identities_or);
    tcase_add_test(tc, fuzz_findings_are_refused_when_added);
    tcase_add_test(tc, facts_and_classes_and_together);
    tcase_add_test(tc, bad_filters_are_refused_with_a_reason);
    tcase_add_test(tc, hostile_filter_objects_are_errors_not_matches);
    tcase_add_test(tc, embedded_nul_is_refused_not_truncated);
    tcase_add_test(tc, identity_only_filters_can_be_addressed);
    tcase_add_test(tc, compound_filters_and_together);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
