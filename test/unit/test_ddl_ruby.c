/*
 * test_ddl_ruby.c - Ruby DDLs to JSON DDLs (ddl/ruby.h): the choria-plugins
 * agents' Ruby DDLs give the JSON Choria published from them, MCollective's
 * own rpcutil DDL converts and loads, the subset's syntax, and everything
 * outside it refused at the right FILE:LINE.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/status.h"
#include "ddl/ddl.h"
#include "ddl/load.h"
#include "ddl/ruby.h"
#include "runner.h"

#define CHORIA_DIR MST_TEST_DATA "/ddl/choria"

static json_t *convert_file(const char *path) {
    char *text = NULL;
    size_t len = 0;
    struct mst_err err = {0};
    ck_assert_int_eq(
        mst_file_read(path, MST_DDL_RUBY_MAX_FILE, &text, &len, &err), MST_OK);
    json_t *doc = NULL;
    int rc = mst_ddl_ruby_convert(text, len, path, &doc, &err);
    ck_assert_msg(rc == MST_OK, "%s", err.msg);
    free(text);
    return doc;
}

static const json_t *action_named(const json_t *doc, const char *name) {
    size_t i;
    const json_t *a;
    json_array_foreach(json_object_get(doc, "actions"), i, a) {
        if (strcmp(json_string_value(json_object_get(a, "action")), name) == 0)
            return a;
    }
    return NULL;
}

/* Our loader's verdict on a document: MST_OK or its error code. */
static int load_verdict(const json_t *doc, struct mst_err *err) {
    char *text = json_dumps(doc, 0);
    struct mst_ddl *ddl = NULL;
    int rc = mst_ddl_load_text(text, strlen(text), "x.json", &ddl, err);
    mst_ddl_free(&ddl);
    free(text);
    return rc;
}

static const char *const choria_agents[] = {
    "package", "service", "puppet", "nettest", "process", "nrpe", "filemgr",
};

/* Choria's JSON was generated from these Ruby files: every action,
 * input, output and aggregate the same.  (Only the order of the actions
 * differs: Choria sorts them by name, we keep the file's.) */
START_TEST(choria_agent_matches_published_json) {
    const char *agent = choria_agents[_i];
    char path[512];
    snprintf(path, sizeof path, "%s/ruby/%s.ddl", CHORIA_DIR, agent);
    json_t *ours = convert_file(path);
    snprintf(path, sizeof path, "%s/%s.json", CHORIA_DIR, agent);
    json_t *theirs = json_load_file(path, 0, NULL);
    ck_assert_ptr_nonnull(theirs);
    ck_assert(json_equal(json_object_get(ours, "$schema"),
                         json_object_get(theirs, "$schema")));
    ck_assert(json_equal(json_object_get(ours, "metadata"),
                         json_object_get(theirs, "metadata")));
    const json_t *actions = json_object_get(theirs, "actions");
    ck_assert_uint_eq(json_array_size(json_object_get(ours, "actions")),
                      json_array_size(actions));
    size_t i;
    const json_t *want;
    json_array_foreach(actions, i, want) {
        const char *name = json_string_value(json_object_get(want, "action"));
        const json_t *got = action_named(ours, name);
        ck_assert_msg(got != NULL, "%s: no action %s", agent, name);
        char *g = json_dumps(got, JSON_SORT_KEYS);
        char *w = json_dumps(want, JSON_SORT_KEYS);
        ck_assert_msg(json_equal(got, want), "%s %s:\n ours   %s\n theirs %s",
                      agent, name, g, w);
        free(g);
        free(w);
    }
    /* and our loader thinks of ours, put in Choria's order, what it thinks
     * of theirs (both load once the loader reads all of Choria's schema) */
    json_t *sorted = json_array();
    json_array_foreach(actions, i, want) {
        json_array_append(
            sorted,
            (json_t *)action_named(
                ours, json_string_value(json_object_get(want, "action"))));
    }
    json_object_set_new(ours, "actions", sorted);
    struct mst_err e1 = {0}, e2 = {0};
    ck_assert_int_eq(load_verdict(ours, &e1), load_verdict(theirs, &e2));
    ck_assert_str_eq(e1.msg, e2.msg);
    json_decref(ours);
    json_decref(theirs);
}
END_TEST

START_TEST(mcollective_rpcutil_converts_and_loads) {
    json_t *doc = convert_file(MST_TEST_DATA "/ddl/ruby/rpcutil.ddl");
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(doc, "metadata"), "name")),
                     "rpcutil");
    ck_assert_int_eq(json_integer_value(json_object_get(
                         json_object_get(doc, "metadata"), "timeout")),
                     10);
    ck_assert_uint_eq(json_array_size(json_object_get(doc, "actions")), 8);
    const json_t *fact = json_object_get(
        json_object_get(action_named(doc, "get_fact"), "input"), "fact");
    ck_assert_str_eq(json_string_value(json_object_get(fact, "validation")),
                     "^[\\w\\-\\.]+$");
    ck_assert_int_eq(json_integer_value(json_object_get(fact, "maxlength")),
                     40);
    ck_assert(json_is_false(json_object_get(fact, "optional")));
    ck_assert(json_is_null(json_object_get(fact, "default")));
    json_t *want =
        json_loads("[{\"function\":\"summary\",\"args\":[\"version\"]},"
                   "{\"function\":\"summary\",\"args\":[\"agents\"]}]",
                   0, NULL);
    ck_assert(json_equal(
        json_object_get(action_named(doc, "daemon_stats"), "aggregate"), want));
    json_decref(want);
    ck_assert_str_eq(json_string_value(
                         json_object_get(action_named(doc, "ping"), "display")),
                     "always");
    ck_assert_ptr_null(json_object_get(action_named(doc, "ping"), "aggregate"));
    /* the validation uses \w, which only a loader speaking RE2 syntax
     * (issue 11) reads; everything else must load today */
    struct mst_err err = {0};
    int rc = load_verdict(doc, &err);
    ck_assert_msg(rc == MST_OK || strstr(err.msg, "validation") != NULL, "%s",
                  err.msg);
    json_decref(doc);
}
END_TEST

/* The DDLs of MCollective's own package, service and puppet agents
 * (the puppetlabs repositories, now choria-legacy): the actions their
 * loops and interpolations make, evaluated as Ruby would. */
static const struct {
    const char *agent, *version;
    size_t n_actions;
    const char *action, *text_path, *text;
} legacy[] = {
    {"package", "4.7.0", 12, "purge", "description", "Purge a package"},
    {"service", "3.2.0", 4, "stop", "output.status.description",
     "The status of the service after stopping"},
    {"service", "3.2.0", 4, "start", "output.status.description",
     "The status of the service after starting"},
    {"puppet", "1.14.0", 6, "runonce", "input.tags.validation", "puppet_tags"},
};

START_TEST(mcollective_agents_convert) {
    char path[512];
    snprintf(path, sizeof path, "%s/ddl/ruby/%s.ddl", MST_TEST_DATA,
             legacy[_i].agent);
    json_t *doc = convert_file(path);
    const json_t *md = json_object_get(doc, "metadata");
    ck_assert_str_eq(json_string_value(json_object_get(md, "name")),
                     legacy[_i].agent);
    ck_assert_str_eq(json_string_value(json_object_get(md, "version")),
                     legacy[_i].version);
    ck_assert_uint_eq(json_array_size(json_object_get(doc, "actions")),
                      legacy[_i].n_actions);
    const json_t *v = action_named(doc, legacy[_i].action);
    char keys[128];
    snprintf(keys, sizeof keys, "%s", legacy[_i].text_path);
    for (char *save, *k = strtok_r(keys, ".", &save); k != NULL;
         k = strtok_r(NULL, ".", &save))
        v = json_object_get(v, k);
    ck_assert_str_eq(json_string_value(v), legacy[_i].text);
    json_decref(doc);
}
END_TEST

START_TEST(filemgr_loads) {
    json_t *doc = convert_file(CHORIA_DIR "/ruby/filemgr.ddl");
    struct mst_err err = {0};
    ck_assert_msg(load_verdict(doc, &err) == MST_OK, "%s", err.msg);
    json_decref(doc);
}
END_TEST

static int convert_text(const char *ruby, json_t **doc_r, struct mst_err *err) {
    *doc_r = NULL;
    return mst_ddl_ruby_convert(ruby, strlen(ruby), "t.ddl", doc_r, err);
}

#define META                                                                   \
    "metadata :name => 'x', :description => 'd', :author => 'a',\n"            \
    "         :license => 'l', :version => '1', :url => 'u', :timeout => 5\n"

/* The syntax of the subset: both hash syntaxes, parentheses, %w, loops,
 * interpolation and its string methods, if/else, respond_to?, escapes,
 * concatenation, nested hashes, comments, `;`. */
START_TEST(subset_syntax) {
    static const char ruby[] =
        "# a comment\n"
        "metadata(name: \"demo\", description: 'it\\'s' + \" a\\tdemo\",\n"
        "         author: 'a', license: 'l', version: '1.0', url: 'u',\n"
        "         timeout: 7)\n"
        "requires :mcollective => '2.2.1'\n"
        "%w[start stop].each do |act|\n"
        "  action act, :description => \"#{act.capitalize}s #{act.upcase}\" "
        "do\n"
        "    display :ok; input :n, :prompt => 'N', :description => 'n',\n"
        "      :type => :integer, :optional => true, :default => -3,\n"
        "      :maxlength => 9, :validation => /ignored/\n"
        "    if act == 'stop'\n"
        "      output :was, :description => \"#{act.sub(/p$/, 'pp')}ed\",\n"
        "             :display_as => 'W', :default => 1.5\n"
        "    else\n"
        "      output :is, :description => 'd', :display_as => 'I',\n"
        "             :default => {:a => [1, nil, true]}\n"
        "    end\n"
        "    if respond_to?(:summarize)\n"
        "      summarize do\n"
        "        aggregate average(:n, :format => '%d')\n"
        "      end\n"
        "    end\n"
        "  end\n"
        "end\n";
    json_t *doc = NULL;
    struct mst_err err = {0};
    ck_assert_msg(convert_text(ruby, &doc, &err) == MST_OK, "%s", err.msg);
    const json_t *md = json_object_get(doc, "metadata");
    ck_assert_str_eq(json_string_value(json_object_get(md, "description")),
                     "it's a\tdemo");
    ck_assert_uint_eq(json_array_size(json_object_get(doc, "actions")), 2);
    const json_t *start = action_named(doc, "start");
    const json_t *stop = action_named(doc, "stop");
    ck_assert_str_eq(json_string_value(json_object_get(start, "description")),
                     "Starts START");
    ck_assert_str_eq(json_string_value(json_object_get(stop, "display")), "ok");
    const json_t *n = json_object_get(json_object_get(stop, "input"), "n");
    ck_assert_int_eq(json_integer_value(json_object_get(n, "default")), -3);
    /* as MCollective: validation and maxlength only for strings */
    ck_assert_ptr_null(json_object_get(n, "validation"));
    ck_assert_ptr_null(json_object_get(n, "maxlength"));
    const json_t *was = json_object_get(json_object_get(stop, "output"), "was");
    ck_assert_str_eq(json_string_value(json_object_get(was, "description")),
                     "stopped");
    ck_assert(json_real_value(json_object_get(was, "default")) == 1.5);
    ck_assert_ptr_null(json_object_get(json_object_get(stop, "output"), "is"));
    json_t *want = json_loads("{\"description\":\"d\",\"display_as\":\"I\","
                              "\"default\":{\"a\":[1,null,true]}}",
                              0, NULL);
    ck_assert(json_equal(
        json_object_get(json_object_get(start, "output"), "is"), want));
    json_decref(want);
    want = json_loads("[{\"function\":\"average\",\"args\":[\"n\","
                      "{\"format\":\"%d\"}]}]",
                      0, NULL);
    ck_assert(json_equal(json_object_get(start, "aggregate"), want));
    json_decref(want);
    json_decref(doc);
}
END_TEST

static const struct {
    const char *ruby; /* after META (2 lines) */
    const char *message;
} refused[] = {
    {"def foo\nend\n", "t.ddl:3: 'def' not understood here"},
    {"action 'a', :description => \"#{File.read('x')}\" do\nend\n",
     "t.ddl:3: 'File' not understood"},
    {"action 'a', :description => \"#@x\" do\nend\n",
     "t.ddl:3: interpolation #@ not understood"},
    {"action 'a', :description => 'd' do\n  if x\n  end\nend\n",
     "t.ddl:4: 'x' not understood"},
    {"action 'a', :description => 'd' do\n  input :i,\n    :prompt => 'p',\n"
     "    :description => 'd',\n    :type => :strin, :optional => true\nend\n",
     "t.ddl:7: input type :strin not understood"},
    {"action 'a', :description => 'd' do\n  output :o, :description => 'd',\n"
     "    :display_as => 'o',\n    :colour => 1\nend\n",
     "t.ddl:6: output: property :colour not understood"},
    {"action 'a', :description => 'd' do\n  output :o, :description => 'd'\n"
     "end\n",
     "t.ddl:4: output needs a :display_as property"},
    {"action 'a', :description => 'd' do\n  display :sometimes\nend\n",
     "t.ddl:4: display :sometimes not understood (:always, :ok or :failed)"},
    {"action 'a', :description => 'd' do\nend\naction 'a', :description => "
     "'e' do\nend\n",
     "t.ddl:5: action a given twice"},
    {"action 'a', :description => 'd' do\n  display :ok\n",
     "t.ddl:5: end of file: 'end' missing"},
    {"end\n", "t.ddl:3: 'end' without a block"},
    {"# caf\xe9\n", "t.ddl:3: not UTF-8"},
    {"\xc3\xa9\n", "t.ddl:3: byte \\xc3 not understood"},
    {"action 'a', :description => 'open\ndo\nend\n",
     "t.ddl:3: string never closed"},
    {"x = 1\n", "t.ddl:3: '=' not understood"},
    {"action 'a', :description => 'd' do\n  display :ok input :x\nend\n",
     "t.ddl:4: 'input' not understood (the end of the line expected)"},
    {"action 'a', :description => 'd' do\n  input :i, :prompt => 'p',\n"
     "    :description => 'd', :type => :string, :validation => /x/i\nend\n",
     "t.ddl:5: regular expression flag 'i' not understood"},
    {"['a'].each do |v|\n  action v, :description => \"#{v.sub(/a.*/, "
     "'b')}\" do\n  end\nend\n",
     "t.ddl:4: sub(/a.*/) with regular expression characters not understood"},
    {"[1].each do |v|\nend\n",
     "t.ddl:3: each over a list of anything but strings not understood"},
    {"action 'a', :description => 'd' do\n  summarize do\n"
     "    aggregate summary\n  end\nend\n",
     "t.ddl:5: 'summary' not understood (FUNCTION(:output) expected)"},
    {"action 'a', :description => 'd' do\n  summarize do\n"
     "    aggregate summary(:x, {:a => })\n  end\nend\n",
     "t.ddl:5: '}' not understood (a value expected)"},
    {"action 'a', :description => \"\\u00e9\" do\nend\n",
     "t.ddl:3: escape \\u not understood"},
    {"metadata :name => 'y', :description => 'd', :author => 'a',\n"
     "  :license => 'l', :version => '1', :url => 'u', :timeout => 5\n",
     "t.ddl:3: metadata given twice"},
};

START_TEST(outside_the_subset_is_refused) {
    char ruby[1024];
    snprintf(ruby, sizeof ruby, "%s%s", META, refused[_i].ruby);
    json_t *doc = NULL;
    struct mst_err err = {0};
    ck_assert_int_eq(convert_text(ruby, &doc, &err), MST_ECONFIG);
    ck_assert_str_eq(err.msg, refused[_i].message);
    ck_assert_ptr_null(doc);
}
END_TEST

START_TEST(bounds) {
    json_t *doc = NULL;
    struct mst_err err = {0};
    ck_assert_int_eq(
        convert_text("action 'a', :description => 'd' do\nend\n", &doc, &err),
        MST_ECONFIG);
    ck_assert_str_eq(err.msg, "t.ddl: no metadata");
    /* nesting */
    char deep[256] = "requires :mcollective => ";
    for (size_t i = strlen(deep); i < 200; i++)
        deep[i] = '[';
    ck_assert_int_eq(convert_text(deep, &doc, &err), MST_ETOODEEP);
    /* size */
    size_t big = MST_DDL_RUBY_MAX_FILE + 1;
    char *text = malloc(big);
    memset(text, '#', big);
    ck_assert_int_eq(mst_ddl_ruby_convert(text, big, "t.ddl", &doc, &err),
                     MST_ETOOBIG);
    free(text);
    /* work: nested loops multiply */
    static const char loops[] =
        META "%w[a b c d e f g h i j k l m n o p q r s t u v w x y z].each "
             "do |a|\n"
             "%w[a b c d e f g h i j k l m n o p q r s t u v w x y z].each "
             "do |b|\n"
             "%w[a b c d e f g h i j k l m n o p q r s t u v w x y z].each "
             "do |c|\n"
             "%w[a b c d e f g h i j k l m n o p q r s t u v w x y z].each "
             "do |d|\n"
             "requires :mcollective => a\n"
             "end\nend\nend\nend\n";
    ck_assert_int_eq(convert_text(loops, &doc, &err), MST_ETOOBIG);
    ck_assert_ptr_null(doc);
}
END_TEST

int main(void) {
    Suite *s = suite_create("ddl_ruby");
    TCase *tc = tcase_create("ruby");
    tcase_add_loop_test(tc, choria_agent_matches_published_json, 0,
                        sizeof choria_agents / sizeof choria_agents[0]);
    tcase_add_test(tc, mcollective_rpcutil_converts_and_loads);
    tcase_add_loop_test(tc, mcollective_agents_convert, 0,
                        sizeof legacy / sizeof legacy[0]);
    tcase_add_test(tc, filemgr_loads);
    tcase_add_test(tc, subset_syntax);
    tcase_add_loop_test(tc, outside_the_subset_is_refused, 0,
                        sizeof refused / sizeof refused[0]);
    tcase_add_test(tc, bounds);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
