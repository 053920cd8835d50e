/*
 * test_loader.c - musterd's agent loader on its own: plugins from the test
 * agents build (good and bad ones) and external agents written here, in a
 * private agents.dir.  Each refused agent leaves one "PATH: reason" log
 * line and the rest still load.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/config.h"
#include "base/log.h"
#include "base/status.h"
#include "host.h"
#include "loader.h"
#include "musterd.h"
#include "registry.h"
#include "runner.h"
#include "worker.h"

static char dir[] = "/tmp/test_loader.XXXXXX";
static char agents[300], log_path[300], cfg_path[300];
static struct musterd d;

static void write_file(const char *path, const char *text, mode_t mode) {
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
    ck_assert_int_eq(chmod(path, mode), 0);
}

static void copy_built(const char *file) {
    char from[512], to[512], cmd[1100];
    snprintf(from, sizeof from, "%s/%s", MST_TEST_AGENTS_DIR, file);
    snprintf(to, sizeof to, "%s/%s", agents, file);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", from, to);
    ck_assert_msg(system(cmd) == 0, "cannot copy %s", from);
}

/* A DDL with one action "ok" for agent `name`. */
static void write_ddl(const char *file, const char *name) {
    char path[600], text[1024];
    snprintf(path, sizeof path, "%s/%s", agents, file);
    snprintf(text, sizeof text,
             "{\"metadata\": {\"name\": \"%s\", \"description\": \"t\", "
             "\"author\": \"t\", \"license\": \"t\", \"version\": \"1.0.0\", "
             "\"url\": \"https://example.invalid\", \"timeout\": 2}, "
             "\"actions\": [{\"action\": \"ok\", \"description\": \"t\", "
             "\"display\": \"always\", \"input\": {}, \"output\": {}}]}",
             name);
    write_file(path, text, 0644);
}

static void write_external(const char *name, const char *body, mode_t mode) {
    char path[512], text[1024];
    snprintf(path, sizeof path, "%s/%s", agents, name);
    snprintf(text, sizeof text, "#!/bin/sh\n%s\n", body);
    write_file(path, text, mode);
    char ddl[64];
    snprintf(ddl, sizeof ddl, "%.58s.json", name);
    write_ddl(ddl, name);
}

static const char *const built[] = {
    "test_agent.so",       "test_agent.json", "good_minimal.so",
    "bad_abi.so",          "bad_abi.json",    "bad_size.so",
    "bad_size.json",       "no_ddl.so",       "wrong_ddl.so",
    "wrong_ddl.json",      "no_symbol.so",    "no_symbol.json",
    "inactive.so",         "inactive.json",   "activate_crash.so",
    "activate_crash.json",
};

static void setup(void) {
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(agents, sizeof agents, "%s/agents", dir);
    snprintf(log_path, sizeof log_path, "%s/musterd.log", dir);
    snprintf(cfg_path, sizeof cfg_path, "%s/server.cfg", dir);
    ck_assert_int_eq(mkdir(agents, 0700), 0);
    for (size_t i = 0; i < sizeof built / sizeof built[0]; i++)
        copy_built(built[i]);
    /* good_minimal handles "ok" only: a DDL with one more action refuses it */
    char path[512];
    snprintf(path, sizeof path, "%s/good_minimal.json", agents);
    write_file(path,
               "{\"metadata\": {\"name\": \"good_minimal\", "
               "\"description\": \"t\", \"author\": \"t\", "
               "\"license\": \"t\", \"version\": \"1.0.0\", "
               "\"url\": \"https://example.invalid\", \"timeout\": 2}, "
               "\"actions\": [{\"action\": \"ok\", \"description\": \"t\", "
               "\"display\": \"always\", \"input\": {}, \"output\": {}}, "
               "{\"action\": \"extra\", \"description\": \"t\", "
               "\"display\": \"always\", \"input\": {}, \"output\": {}}]}",
               0644);
    write_external("ext_ok", "echo '{\"activate\": true}' >\"$2\"", 0755);
    write_external("ext_no", "echo '{\"activate\": false}' >\"$2\"", 0755);
    write_external("ext_open", "exit 0", 0777);
    write_external("ext_noexec", "exit 0", 0644);
    /* Choria's layout: go_agent.json describes the executable "echo_ext" */
    write_external("echo_ext", "echo '{\"activate\": true}' >\"$2\"", 0755);
    snprintf(path, sizeof path, "%s/echo_ext.json", agents);
    ck_assert_int_eq(unlink(path), 0);
    write_ddl("go_agent.json", "echo_ext");
    write_ddl("lost.json", "lost_agent"); /* names no executable */
    char text[600];
    snprintf(text, sizeof text,
             "identity = \"loader-test\";\n"
             "security: { provider = \"none\"; };\n"
             "agents: { dir = \"%s\"; run_as = \"root\"; };\n",
             agents);
    write_file(cfg_path, text, 0600);
    struct mst_err err = {0};
    memset(&d, 0, sizeof d);
    ck_assert_msg(mst_config_load(cfg_path, MST_CONFIG_SERVER, &d.cfg, &err) ==
                      MST_OK,
                  "%s", err.msg);
    ck_assert_int_eq(mst_log_open(log_path, &err), MST_OK);
    musterd_host_init(&d);
    ck_assert_int_eq(musterd_worker_init(&d, &err), MST_OK);
    ck_assert_int_eq(musterd_register_builtin(&d, &err), MST_OK);
    ck_assert_msg(musterd_loader_load(&d, &err) == MST_OK, "%s", err.msg);
}

static void teardown(void) {
    musterd_worker_stop(&d);
    musterd_free_agents(&d);
    mst_config_free(&d.cfg);
    mst_log_close();
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static char *read_log(void) {
    FILE *f = fopen(log_path, "r");
    ck_assert_ptr_nonnull(f);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

START_TEST(good_agents_are_registered) {
    const struct musterd_agent_entry *e = musterd_find_agent(&d, "test_agent");
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->kind, MUSTERD_AGENT_PLUGIN);
    ck_assert_ptr_nonnull(e->ddl);
    ck_assert_ptr_nonnull(musterd_find_action(e->agent, "hang"));
    ck_assert_ptr_null(musterd_find_action(e->agent, "nope"));
    e = musterd_find_agent(&d, "ext_ok");
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->kind, MUSTERD_AGENT_EXTERNAL);
    ck_assert_str_eq(e->agent->version, "1.0.0");
    e = musterd_find_agent(&d, "echo_ext"); /* by its DDL's metadata.name */
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->kind, MUSTERD_AGENT_EXTERNAL);
    ck_assert_ptr_null(musterd_find_agent(&d, "go_agent"));
    e = musterd_find_agent(&d, "rpcutil");
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->kind, MUSTERD_AGENT_BUILTIN);
}
END_TEST

/* Every refused agent: not registered, and its one log line. */
static const struct {
    const char *name, *line;
} refused[] = {
    {"bad_abi", "bad_abi.so: agent ABI version 99, musterd has 1"},
    {"bad_size", "bad_size.so: descriptor size"},
    {"no_ddl", "no_ddl.so: no DDL"},
    {"wrong_ddl", "its DDL"},
    {"no_symbol", "no_symbol.so: no muster_agent symbol"},
    {"inactive", "agent inactive not active on this node"},
    {"activate_crash",
     "activate_crash.so: activation check crashed (signal 11)"},
    {"good_minimal", "good_minimal.so: no handler for action extra of its DDL"},
    {"ext_no", "agent ext_no not active on this node"},
    {"ext_open", "ext_open: writable by group or others"},
    {"ext_noexec", "ext_noexec: has a DDL but is not an executable agent"},
    {"lost_agent", "lost_agent: named by the DDL"},
};

START_TEST(bad_agents_are_refused_with_one_line) {
    const char *log = read_log();
    ck_assert_msg(musterd_find_agent(&d, refused[_i].name) == NULL,
                  "%s was registered", refused[_i].name);
    ck_assert_msg(strstr(log, refused[_i].line) != NULL,
                  "no \"%s\" in the log:\n%s", refused[_i].line, log);
}
END_TEST

START_TEST(names_list_every_registered_agent) {
    size_t n = d.agent_names.n;
    ck_assert_uint_eq(n, d.n_agents);
    ck_assert_uint_eq(n, 4); /* rpcutil, ext_ok, echo_ext, test_agent */
}
END_TEST

int main(void) {
    Suite *s = suite_create("loader");
    TCase *tc = tcase_create("loader");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, good_agents_are_registered);
    tcase_add_loop_test(tc, bad_agents_are_refused_with_one_line, 0,
                        (int)(sizeof refused / sizeof refused[0]));
    tcase_add_test(tc, names_list_every_registered_agent);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
