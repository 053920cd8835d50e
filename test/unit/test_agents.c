/*
 * test_agents.c - the standard agents as musterd will see them: each
 * module is dlopen'd from the build tree, its descriptor checked against
 * its DDL, and its handlers called with a small fake host.
 */
#include <arpa/inet.h>
#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "muster/agent.h"
#include "runner.h"

static const char *const agent_names[] = {
    "filemgr", "package", "service", "process", "nettest", "puppet", "nrpe",
};
#define N_AGENTS (sizeof agent_names / sizeof agent_names[0])

static void fake_log(const struct muster_host *host, int level, const char *fmt,
                     ...) {
    (void)host, (void)level;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

static json_t *fake_query(const struct muster_host *host, const char *t) {
    (void)host, (void)t;
    return NULL;
}

static const struct muster_host host = {
    .abi_version = MUSTER_AGENT_ABI_VERSION,
    .struct_size = sizeof(struct muster_host),
    .log = fake_log,
    .query = fake_query,
};

/* The module's descriptor; the handle stays open for the test process. */
static const struct muster_agent *load(const char *name) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.so", MST_AGENT_BUILD_DIR, name);
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    ck_assert_msg(h != NULL, "dlopen %s: %s", path, dlerror());
    const struct muster_agent *a = dlsym(h, "muster_agent");
    ck_assert_msg(a != NULL, "%s: no muster_agent", path);
    return a;
}

static json_t *load_ddl(const char *name) {
    char path[1024];
    json_error_t e;
    snprintf(path, sizeof path, "%s/%s/%s.json", MST_AGENT_SRC_DIR, name, name);
    json_t *ddl = json_load_file(path, 0, &e);
    ck_assert_msg(ddl != NULL, "%s:%d: %s", path, e.line, e.text);
    return ddl;
}

static muster_action_fn handler(const struct muster_agent *a,
                                const char *action) {
    for (const struct muster_action *x = a->actions; x->name; x++)
        if (strcmp(x->name, action) == 0)
            return x->run;
    return NULL;
}

/* Call agent.action with `data` (stolen); *reply_r to json_decref. */
static int call(const char *agent, const char *action, json_t *data,
                json_t **reply_r, char *msg, size_t msg_len) {
    const struct muster_agent *a = load(agent);
    muster_action_fn fn = handler(a, action);
    ck_assert_msg(fn != NULL, "%s has no %s", agent, action);
    struct muster_call c = {.id = "0123",
                            .agent = agent,
                            .action = action,
                            .caller = "cert=test",
                            .sender = "test",
                            .collective = "muster",
                            .ttl = 60,
                            .data = data};
    json_t *reply = json_object();
    msg[0] = '\0';
    int rc = fn(&host, &c, reply, msg, msg_len);
    json_decref(data);
    if (reply_r != NULL)
        *reply_r = reply;
    else
        json_decref(reply);
    return rc;
}

/* Same, for a one-string-input call. */
static int call1(const char *agent, const char *action, const char *key,
                 const char *value, json_t **reply_r, char *msg) {
    return call(agent, action, json_pack("{s:s}", key, value), reply_r, msg,
                256);
}

START_TEST(descriptor_matches_ddl) {
    const char *name = agent_names[_i];
    const struct muster_agent *a = load(name);
    ck_assert_uint_eq(a->abi_version, MUSTER_AGENT_ABI_VERSION);
    ck_assert_uint_eq(a->struct_size, sizeof(struct muster_agent));
    json_t *ddl = load_ddl(name);
    ck_assert_str_eq(a->name, json_string_value(json_object_get(
                                  json_object_get(ddl, "metadata"), "name")));
    ck_assert_int_gt(json_integer_value(json_object_get(
                         json_object_get(ddl, "metadata"), "timeout")),
                     0);
    json_t *acts = json_object_get(ddl, "actions"), *act;
    size_t i, n_handlers = 0;
    json_array_foreach(acts, i, act) {
        const char *an = json_string_value(json_object_get(act, "action"));
        ck_assert_msg(handler(a, an) != NULL, "%s: no handler for %s", name,
                      an);
    }
    for (const struct muster_action *x = a->actions; x->name; x++, n_handlers++)
        ck_assert_ptr_nonnull(x->run);
    ck_assert_uint_eq(n_handlers, json_array_size(acts));
    if (a->activate != NULL)
        a->activate(&host); /* must answer, whatever the answer */
    json_decref(ddl);
}
END_TEST

/* The published choria-plugins DDL of `name` (test/data/ddl/choria/). */
static json_t *load_published_ddl(const char *name) {
    char path[1024];
    json_error_t e;
    snprintf(path, sizeof path, "%s/../test/data/ddl/choria/%s.json",
             MST_AGENT_SRC_DIR, name);
    json_t *ddl = json_load_file(path, 0, &e);
    ck_assert_msg(ddl != NULL, "%s:%d: %s", path, e.line, e.text);
    return ddl;
}

static json_t *find_action(json_t *ddl, const char *name) {
    size_t i;
    json_t *act;
    json_array_foreach(json_object_get(ddl, "actions"), i, act) {
        if (strcmp(json_string_value(json_object_get(act, "action")), name) ==
            0)
            return act;
    }
    return NULL;
}

/*
 * Our DDL is a superset of the published one: every action, every input
 * with the same type (and optional where it is optional there, so a
 * script that leaves it out still works), every output.  Read with
 * jansson, not with our loader, so the check does not depend on what the
 * loader accepts.
 */
START_TEST(ddl_superset_of_choria) {
    const char *name = agent_names[_i];
    json_t *ours = load_ddl(name), *pub = load_published_ddl(name), *pact;
    size_t i;
    json_array_foreach(json_object_get(pub, "actions"), i, pact) {
        const char *an = json_string_value(json_object_get(pact, "action"));
        json_t *act = find_action(ours, an);
        ck_assert_msg(act != NULL, "%s: no action %s", name, an);
        const char *key;
        json_t *pin, *pout;
        json_object_foreach(json_object_get(pact, "input"), key, pin) {
            json_t *in = json_object_get(json_object_get(act, "input"), key);
            ck_assert_msg(in != NULL, "%s.%s: no input %s", name, an, key);
            const char *want = json_string_value(json_object_get(pin, "type"));
            const char *got = json_string_value(json_object_get(in, "type"));
            ck_assert_msg(got != NULL && strcmp(want, got) == 0,
                          "%s.%s input %s: type %s, published %s", name, an,
                          key, got ? got : "(none)", want);
            ck_assert_msg(!json_is_true(json_object_get(pin, "optional")) ||
                              json_is_true(json_object_get(in, "optional")),
                          "%s.%s input %s: required here, optional there", name,
                          an, key);
        }
        json_object_foreach(json_object_get(pact, "output"), key, pout) {
            ck_assert_msg(
                json_object_get(json_object_get(act, "output"), key) != NULL,
                "%s.%s: no output %s", name, an, key);
        }
    }
    json_decref(ours);
    json_decref(pub);
}
END_TEST

/* A fresh directory for one test, with a canary path in it. */
static char tmpdir[256];
static char canary[300];

/* The name of the user running the tests (root in CI, not always). */
static const char *me(void) {
    struct passwd *pw = getpwuid(getuid());
    ck_assert_ptr_nonnull(pw);
    return pw->pw_name;
}

static int remove_entry(const char *p, const struct stat *st, int type,
                        struct FTW *ftw) {
    (void)st, (void)type, (void)ftw;
    return remove(p);
}

/* Each test runs in its own process (Check's fork mode): at its exit. */
static void remove_tmpdir(void) {
    nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void make_tmpdir(void) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/muster-agents-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(canary, sizeof canary, "%s/CANARY", tmpdir);
    atexit(remove_tmpdir);
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

START_TEST(filemgr_status_sha256) {
    char path[512], msg[256];
    json_t *r;
    make_tmpdir();
    snprintf(path, sizeof path, "%s/hello", tmpdir);
    write_file(path, "hello\n");
    chmod(path, 0640);
    ck_assert_int_eq(call1("filemgr", "status", "file", path, &r, msg),
                     MUSTER_OK);
    ck_assert_str_eq(json_string_value(json_object_get(r, "sha256")),
                     "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2"
                     "e846f6be03");
    ck_assert_str_eq(json_string_value(json_object_get(r, "md5")),
                     "b1946ac92492d2347c6235b4d2611184");
    ck_assert_int_eq(json_integer_value(json_object_get(r, "present")), 1);
    ck_assert_int_gt(json_integer_value(json_object_get(r, "mtime_seconds")),
                     0);
    ck_assert_uint_eq(strlen(json_string_value(json_object_get(r, "mtime"))),
                      strlen("2026-12-02 03:45:38 +0000"));
    ck_assert_int_eq(json_integer_value(json_object_get(r, "size")), 6);
    ck_assert_str_eq(json_string_value(json_object_get(r, "mode")), "0640");
    ck_assert_str_eq(json_string_value(json_object_get(r, "type")), "file");
    ck_assert_str_eq(json_string_value(json_object_get(r, "owner")), me());
    json_decref(r);
    /* Choria: an absent file fails the status, with present 0 */
    snprintf(path, sizeof path, "%s/absent", tmpdir);
    ck_assert_int_eq(call1("filemgr", "status", "file", path, &r, msg),
                     MUSTER_ABORTED);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "present")), 0);
    ck_assert_ptr_nonnull(strstr(msg, "does not exist"));
    json_decref(r);
    ck_assert_int_eq(call("filemgr", "status",
                          json_pack("{s:s, s:b}", "file", tmpdir, "dirlist", 1),
                          &r, msg, sizeof msg),
                     MUSTER_OK);
    json_t *names = json_object_get(r, "dir_listing");
    ck_assert_uint_eq(json_array_size(names), 1);
    ck_assert_str_eq(json_string_value(json_array_get(names, 0)), "hello");
    json_decref(r);
}
END_TEST

START_TEST(filemgr_refuses_symlinks_and_bad_paths) {
    char link[512], path[1024], msg[256];
    json_t *r;
    make_tmpdir();
    snprintf(link, sizeof link, "%s/etc", tmpdir);
    ck_assert_int_eq(symlink("/etc", link), 0);
    snprintf(path, sizeof path, "%s/passwd", link);
    ck_assert_int_eq(call1("filemgr", "status", "file", path, NULL, msg),
                     MUSTER_ABORTED);
    ck_assert_ptr_nonnull(strstr(msg, "symbolic link"));
    snprintf(path, sizeof path, "%s/muster-must-not-exist", link);
    ck_assert_int_eq(call1("filemgr", "touch", "file", path, NULL, msg),
                     MUSTER_ABORTED);
    ck_assert_int_ne(access("/etc/muster-must-not-exist", F_OK), 0);
    ck_assert_int_eq(call1("filemgr", "remove", "file", path, NULL, msg),
                     MUSTER_ABORTED);
    /* the link itself is reported, not followed */
    ck_assert_int_eq(call1("filemgr", "status", "file", link, &r, msg),
                     MUSTER_OK);
    ck_assert_str_eq(json_string_value(json_object_get(r, "type")), "symlink");
    ck_assert_ptr_null(json_object_get(r, "sha256"));
    json_decref(r);
    ck_assert_int_eq(
        call1("filemgr", "status", "file", "etc/passwd", NULL, msg),
        MUSTER_INVALID_DATA);
    ck_assert_int_eq(
        call1("filemgr", "status", "file", "/tmp/../etc/passwd", NULL, msg),
        MUSTER_INVALID_DATA);
    json_t *nul = json_pack("{s:s%}", "file", "/etc/passwd\0x", (size_t)13);
    ck_assert_int_eq(call("filemgr", "status", nul, NULL, msg, sizeof msg),
                     MUSTER_INVALID_DATA);
    /* no file: Choria's default one */
    call("filemgr", "status", json_object(), &r, msg, sizeof msg);
    ck_assert_str_eq(json_string_value(json_object_get(r, "name")),
                     "/var/run/mcollective.plugin.filemgr.touch");
    json_decref(r);
}
END_TEST

START_TEST(filemgr_touch_remove) {
    char path[512], msg[256];
    make_tmpdir();
    snprintf(path, sizeof path, "%s/new", tmpdir);
    ck_assert_int_eq(call1("filemgr", "touch", "file", path, NULL, msg),
                     MUSTER_OK);
    ck_assert_int_eq(access(path, F_OK), 0);
    ck_assert_int_eq(call1("filemgr", "touch", "file", path, NULL, msg),
                     MUSTER_OK);
    ck_assert_int_eq(call1("filemgr", "remove", "file", path, NULL, msg),
                     MUSTER_OK);
    ck_assert_int_ne(access(path, F_OK), 0);
    ck_assert_int_eq(call1("filemgr", "remove", "file", path, NULL, msg),
                     MUSTER_ABORTED);
    ck_assert_int_eq(call1("filemgr", "remove", "file", tmpdir, NULL, msg),
                     MUSTER_ABORTED);
    ck_assert_int_eq(access(tmpdir, F_OK), 0);
    rmdir(tmpdir);
}
END_TEST

START_TEST(process_finds_itself) {
    char msg[256];
    json_t *r, *p;
    size_t i;
    int found = 0;
    ck_assert_int_eq(
        call1("process", "list", "pattern", "test_agents", &r, msg), MUSTER_OK);
    json_array_foreach(json_object_get(r, "processes"), i, p) {
        if (json_integer_value(json_object_get(p, "pid")) == getpid()) {
            found = 1;
            ck_assert_str_eq(json_string_value(json_object_get(p, "user")),
                             me());
            ck_assert_int_gt(json_integer_value(json_object_get(p, "rss")), 0);
        }
    }
    ck_assert(found);
    json_decref(r);
    ck_assert_int_eq(call1("process", "list", "pattern", "a{1000}", NULL, msg),
                     MUSTER_INVALID_DATA);
}
END_TEST

/* The pid's entry in the pslist of `r`, or NULL. */
static json_t *in_pslist(json_t *r, pid_t pid) {
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(r, "pslist"), i, p) {
        if (json_integer_value(json_object_get(p, "pid")) == pid)
            return p;
    }
    return NULL;
}

/* Choria's pslist, user and just_zombies. */
START_TEST(process_choria_inputs) {
    char msg[256];
    json_t *r;
    ck_assert_int_eq(
        call("process", "list",
             json_pack("{s:s, s:s}", "pattern", "test_agents", "user", me()),
             &r, msg, sizeof msg),
        MUSTER_OK);
    json_t *p = in_pslist(r, getpid());
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(json_string_value(json_object_get(p, "username")), me());
    ck_assert_int_eq(json_integer_value(json_object_get(p, "ppid")), getppid());
    ck_assert_int_gt(json_integer_value(json_object_get(p, "vsize")), 0);
    ck_assert_str_eq(json_string_value(json_object_get(p, "state")), "R");
    json_decref(r);
    ck_assert_int_eq(call("process", "list",
                          json_pack("{s:s, s:s}", "pattern", "test_agents",
                                    "user", "muster-no-such-user"),
                          &r, msg, sizeof msg),
                     MUSTER_OK);
    ck_assert_uint_eq(json_array_size(json_object_get(r, "pslist")), 0);
    json_decref(r);
    pid_t child = fork(); /* a zombie until waited for */
    if (child == 0)
        _exit(0);
    ck_assert_int_gt(child, 0);
    for (int tries = 0; tries < 200; tries++) {
        ck_assert_int_eq(call("process", "list",
                              json_pack("{s:b}", "just_zombies", 1), &r, msg,
                              sizeof msg),
                         MUSTER_OK);
        if (in_pslist(r, child) != NULL)
            break;
        json_decref(r);
        r = NULL;
        usleep(10000); /* not yet exited */
    }
    ck_assert_ptr_nonnull(r);
    ck_assert_ptr_null(in_pslist(r, getpid())); /* not a zombie */
    json_decref(r);
}
END_TEST

/* A listening socket on 127.0.0.1; its port in *port_r. */
static int listen_local(int *port_r) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(listen(fd, 4), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    *port_r = ntohs(sa.sin_port);
    return fd;
}

/* nettest connect to 127.0.0.1:port; the reply to json_decref. */
static json_t *connect_local(int port) {
    char msg[256];
    json_t *r;
    ck_assert_int_eq(
        call("nettest", "connect",
             json_pack("{s:s, s:i}", "fqdn", "127.0.0.1", "port", port), &r,
             msg, sizeof msg),
        MUSTER_OK);
    return r;
}

START_TEST(nettest_connect) {
    char msg[256];
    json_t *r;
    int port;
    int fd = listen_local(&port);
    r = connect_local(port);
    ck_assert(json_is_true(json_object_get(r, "connect")));
    ck_assert_str_eq(json_string_value(json_object_get(r, "connect_status")),
                     "Connected");
    ck_assert(json_real_value(json_object_get(r, "connect_time")) >= 0);
    json_decref(r);
    close(fd);
    r = connect_local(port);
    ck_assert(json_is_false(json_object_get(r, "connect")));
    ck_assert_str_eq(json_string_value(json_object_get(r, "connect_status")),
                     "Connection Refused");
    json_decref(r);
    ck_assert_int_eq(call("nettest", "connect",
                          json_pack("{s:s, s:i}", "fqdn", "::1", "port", 0),
                          NULL, msg, sizeof msg),
                     MUSTER_INVALID_DATA);
}
END_TEST

/* Choria's interface: ping takes fqdn and answers rtt; the agent sends
 * its own ICMP echo requests, so this needs no ping command. */
START_TEST(nettest_ping) {
    char msg[256];
    json_t *r;
    int fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
    if (fd < 0 && (fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)) < 0)
        return; /* neither a ping socket nor root here: nothing to test */
    close(fd);
    ck_assert_int_eq(
        call("nettest", "ping",
             json_pack("{s:s, s:i}", "fqdn", "127.0.0.1", "count", 2), &r, msg,
             sizeof msg),
        MUSTER_OK);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "received")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "transmitted")), 2);
    ck_assert(json_real_value(json_object_get(r, "rtt")) > 0);
    ck_assert_str_eq(json_string_value(json_object_get(r, "host")),
                     "127.0.0.1");
    json_decref(r);
    /* the old input name is gone: Choria's scripts say fqdn */
    ck_assert_int_eq(call1("nettest", "ping", "host", "127.0.0.1", NULL, msg),
                     MUSTER_MISSING_DATA);
    ck_assert_int_eq(
        call1("nettest", "ping", "fqdn", "no-such-host.invalid", NULL, msg),
        MUSTER_ABORTED);
    ck_assert_ptr_nonnull(strstr(msg, "Cannot resolve"));
}
END_TEST

START_TEST(package_status) {
    char msg[256];
    json_t *r;
    ck_assert_int_eq(call1("package", "status", "package", "dpkg", &r, msg),
                     MUSTER_OK);
    ck_assert_str_eq(json_string_value(json_object_get(r, "status")),
                     "installed");
    ck_assert_str_ne(json_string_value(json_object_get(r, "ensure")), "absent");
    ck_assert_str_eq(json_string_value(json_object_get(r, "ensure")),
                     json_string_value(json_object_get(r, "version")));
    json_decref(r);
    ck_assert_int_eq(call1("package", "status", "package",
                           "muster-no-such-package", &r, msg),
                     MUSTER_OK);
    ck_assert_str_eq(json_string_value(json_object_get(r, "ensure")), "absent");
    json_decref(r);
}
END_TEST

/* Choria's package actions that need no network: refusals before any
 * change, epoch/release, count and md5 of the installed list, outdated
 * packages from a simulated upgrade. */
START_TEST(package_choria_actions) {
    char msg[256];
    json_t *r;
    if (access("/usr/bin/dpkg", X_OK) != 0)
        return; /* the expectations below are dpkg's */
    ck_assert_int_eq(call1("package", "status", "package", "dpkg", &r, msg),
                     MUSTER_OK);
    ck_assert_ptr_nonnull(json_string_value(json_object_get(r, "epoch")));
    ck_assert_ptr_nonnull(json_string_value(json_object_get(r, "release")));
    json_decref(r);
    ck_assert_int_eq(call1("package", "install", "package", "dpkg", &r, msg),
                     MUSTER_ABORTED);
    ck_assert_str_eq(msg, "Package is already installed");
    ck_assert_str_eq(json_string_value(json_object_get(r, "status")),
                     "installed");
    json_decref(r);
    ck_assert_int_eq(call1("package", "uninstall", "package",
                           "muster-no-such-package", NULL, msg),
                     MUSTER_ABORTED);
    ck_assert_str_eq(msg, "Package is not present on the system");
    ck_assert_int_eq(call("package", "install",
                          json_pack("{s:s, s:s}", "package", "dpkg", "version",
                                    "1.0; touch CANARY"),
                          NULL, msg, sizeof msg),
                     MUSTER_INVALID_DATA);
    ck_assert_int_eq(call("package", "count", json_object(), &r, msg, 256),
                     MUSTER_OK);
    ck_assert_int_gt(atoi(json_string_value(json_object_get(r, "output"))), 10);
    json_decref(r);
    ck_assert_int_eq(call("package", "md5", json_object(), &r, msg, 256),
                     MUSTER_OK);
    ck_assert_uint_eq(strspn(json_string_value(json_object_get(r, "output")),
                             "0123456789abcdef"),
                      32);
    json_decref(r);
    ck_assert_int_eq(
        call("package", "apt_checkupdates", json_object(), &r, msg, 256),
        MUSTER_OK);
    ck_assert(json_is_array(json_object_get(r, "outdated_packages")));
    ck_assert_str_eq(json_string_value(json_object_get(r, "package_manager")),
                     "apt");
    json_decref(r);
    ck_assert_int_eq(call("package", "yum_clean",
                          json_pack("{s:s}", "mode", "everything"), NULL, msg,
                          256),
                     MUSTER_INVALID_DATA); /* checked before looking for yum */
}
END_TEST

START_TEST(service_status) {
    char msg[256];
    json_t *r;
    /* whichever init script this machine has */
    const char *name =
        access("/etc/init.d/procps", F_OK) == 0 ? "procps" : "dbus";
    ck_assert_int_eq(call1("service", "status", "service", name, &r, msg),
                     MUSTER_OK);
    const char *st = json_string_value(json_object_get(r, "status"));
    ck_assert_msg(strcmp(st, "running") == 0 || strcmp(st, "stopped") == 0,
                  "status %s", st);
    /* Choria refuses to start a running service, to stop a stopped one */
    int running = strcmp(st, "running") == 0;
    json_decref(r);
    ck_assert_int_eq(call1("service", running ? "start" : "stop", "service",
                           name, NULL, msg),
                     MUSTER_ABORTED);
    ck_assert_ptr_nonnull(strstr(msg, running ? "Service is already running"
                                              : "Service is already stopped"));
    ck_assert_int_eq(call1("service", "status", "service",
                           "muster-no-such-service", NULL, msg),
                     MUSTER_ABORTED);
    ck_assert_ptr_nonnull(strstr(msg, "no such service"));
}
END_TEST

/* Inputs that a shell, or an option parser, would act on. */
static const char *const hostile[] = {
    "x; touch CANARY",   "$(touch CANARY)", "`touch CANARY`",
    "x\ntouch CANARY",   "-oAPT::Update=1", "--help",
    "x && touch CANARY", "x|touch CANARY",  "",
};

/* Agent, action, input that reaches a command if it is let through. */
static const struct {
    const char *agent, *action, *key;
} targets[] = {
    {"package", "status", "package"}, {"package", "install", "package"},
    {"package", "purge", "package"},  {"service", "status", "service"},
    {"service", "stop", "service"},   {"nettest", "ping", "fqdn"},
    {"nettest", "connect", "fqdn"},   {"nrpe", "runcommand", "command"},
    {"puppet", "disable", "message"},
};

START_TEST(injection_is_refused) {
    char msg[256];
    make_tmpdir();
    ck_assert_int_eq(chdir(tmpdir), 0); /* relative CANARY lands here */
    for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
        for (size_t h = 0; h < sizeof hostile / sizeof hostile[0]; h++) {
            json_t *data =
                json_pack("{s:s, s:i}", targets[t].key, hostile[h], "port", 1);
            int rc = call(targets[t].agent, targets[t].action, data, NULL, msg,
                          sizeof msg);
            ck_assert_msg(rc == MUSTER_INVALID_DATA,
                          "%s.%s %s=%s: status %d (%s)", targets[t].agent,
                          targets[t].action, targets[t].key, hostile[h], rc,
                          msg);
        }
        json_t *nul = json_pack("{s:s%, s:i}", targets[t].key, "dpkg\0-x",
                                (size_t)7, "port", 1);
        ck_assert_int_eq(call(targets[t].agent, targets[t].action, nul, NULL,
                              msg, sizeof msg),
                         MUSTER_INVALID_DATA);
    }
    ck_assert_int_ne(access(canary, F_OK), 0);
}
END_TEST

/* An nrpe.cfg that includes a directory of definitions. */
static void write_nrpe_config(void) {
    char path[1024], dir[512], text[2048];
    snprintf(dir, sizeof dir, "%s/nrpe.d", tmpdir);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    snprintf(path, sizeof path, "%s/nrpe.cfg", tmpdir);
    snprintf(text, sizeof text,
             "# test\ncommand[check_ok]=/bin/false\ninclude_dir=%s/\n", dir);
    write_file(path, text);
    setenv("MUSTER_NRPE_CONFIG", path, 1);
    snprintf(path, sizeof path, "%s/checks.cfg", dir);
    snprintf(text, sizeof text,
             "command[check_ok]=/bin/echo 'OK - all fine' \"|load=1\"\n"
             "command[check_warn]=/bin/false\n"
             "command[check_shell]=/bin/echo hi; touch %s\n"
             "command[check_subst]=/bin/echo \"$(touch %s)\"\n"
             "command[check_relative]=touch %s\n"
             "command[check_args]=/bin/echo $ARG1$ -x $ARG2$\n",
             canary, canary, canary);
    write_file(path, text);
}

START_TEST(nrpe_runcommand) {
    char msg[256];
    json_t *r;
    make_tmpdir();
    write_nrpe_config();
    ck_assert_int_eq(
        call1("nrpe", "runcommand", "command", "check_ok", &r, msg), MUSTER_OK);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "exitcode")), 0);
    ck_assert_str_eq(json_string_value(json_object_get(r, "output")),
                     "OK - all fine");
    ck_assert_str_eq(json_string_value(json_object_get(r, "perfdata")),
                     "load=1");
    json_decref(r);
    ck_assert_int_eq(
        call1("nrpe", "runcommand", "command", "check_warn", &r, msg),
        MUSTER_ABORTED);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "exitcode")), 1);
    ck_assert_ptr_nonnull(strstr(msg, "WARNING"));
    json_decref(r);
    const char *refused[] = {"check_shell", "check_subst", "check_relative",
                             "check_missing"};
    for (size_t i = 0; i < 4; i++) {
        ck_assert_int_eq(
            call1("nrpe", "runcommand", "command", refused[i], NULL, msg),
            MUSTER_ABORTED);
    }
    ck_assert_int_ne(access(canary, F_OK), 0);
}
END_TEST

/* Choria's args ("a!b", each $ARGn$ one word, never a shell) and
 * runallcommands. */
START_TEST(nrpe_args_and_runallcommands) {
    char msg[256];
    json_t *r;
    make_tmpdir();
    write_nrpe_config();
    ck_assert_int_eq(call("nrpe", "runcommand",
                          json_pack("{s:s, s:s}", "command", "check_args",
                                    "args", "one two!$(touch CANARY);x"),
                          &r, msg, sizeof msg),
                     MUSTER_OK);
    ck_assert_str_eq(json_string_value(json_object_get(r, "output")),
                     "one two -x $(touch CANARY);x");
    json_decref(r);
    ck_assert_int_eq(call("nrpe", "runcommand",
                          json_pack("{s:s, s:s}", "command", "check_args",
                                    "args", "only-one"),
                          NULL, msg, sizeof msg),
                     MUSTER_ABORTED);
    ck_assert_ptr_nonnull(strstr(msg, "no argument"));
    ck_assert_int_eq(
        call("nrpe", "runallcommands", json_object(), &r, msg, sizeof msg),
        MUSTER_OK);
    json_t *cmds = json_object_get(r, "commands");
    ck_assert_int_eq(json_integer_value(json_object_get(
                         json_object_get(cmds, "check_ok"), "exitcode")),
                     0);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(cmds, "check_ok"), "output")),
                     "OK - all fine");
    ck_assert_int_eq(json_integer_value(json_object_get(
                         json_object_get(cmds, "check_warn"), "exitcode")),
                     1);
    ck_assert_int_eq(json_integer_value(json_object_get(
                         json_object_get(cmds, "check_shell"), "exitcode")),
                     3);
    ck_assert_int_eq((int)json_object_size(cmds), 6);
    json_decref(r);
    ck_assert_int_ne(access(canary, F_OK), 0);
}
END_TEST

/* A fake puppet (MUSTER_PUPPET_COMMAND): `config print` names state
 * files in tmpdir; `agent ...` writes its arguments to tmpdir/argv, one a
 * line, and exits 2 (changes applied). */
static void fake_puppet(void) {
    char path[512], text[2048];
    snprintf(path, sizeof path, "%s/puppet", tmpdir);
    snprintf(text, sizeof text,
             "#!/bin/sh\n"
             "D=%s\n"
             "if [ \"$1\" = config ]; then\n"
             "  echo \"agent_disabled_lockfile = $D/disabled.lock\"\n"
             "  echo \"agent_catalog_run_lockfile = $D/running.lock\"\n"
             "  echo \"lastrunfile = $D/last_run_summary.yaml\"\n"
             "  echo \"pidfile = $D/agent.pid\"\n"
             "  echo \"resourcefile = $D/resources.txt\"\n"
             "  exit 0\n"
             "fi\n"
             "printf '%%s\\n' \"$@\" > $D/argv\n"
             "exit 2\n",
             tmpdir);
    write_file(path, text);
    ck_assert_int_eq(chmod(path, 0755), 0);
    setenv("MUSTER_PUPPET_COMMAND", path, 1);
}

static char *read_text(const char *name) {
    static char buf[4096];
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    buf[fread(buf, 1, sizeof buf - 1, f)] = '\0';
    fclose(f);
    return buf;
}

/*
 * A change of musterd's own package goes to a transient systemd unit (a
 * fake systemd-run, MUSTER_SYSTEMD_RUN, writes its arguments to
 * tmpdir/argv and exits with tmpdir/rc's status) and is not waited for;
 * systemd refusing it (the unit exists: an upgrade runs) is the reply.
 */
START_TEST(package_change_of_musterd_runs_in_its_own_unit) {
    char msg[256], path[512], text[1024];
    json_t *r;
    ck_assert_int_eq(call1("package", "status", "package", "musterd", &r, msg),
                     MUSTER_OK);
    ck_assert_str_eq(json_string_value(json_object_get(r, "ensure")), "absent");
    json_decref(r);
    make_tmpdir();
    snprintf(path, sizeof path, "%s/systemd-run", tmpdir);
    snprintf(text, sizeof text,
             "#!/bin/sh\n"
             "printf '%%s\\n' \"$@\" > %s/argv\n"
             "[ -f %s/rc ] || exit 0\n"
             "echo 'Unit muster-self-upgrade.service already exists.' >&2\n"
             "exit 1\n",
             tmpdir, tmpdir);
    write_file(path, text);
    ck_assert_int_eq(chmod(path, 0755), 0);
    setenv("MUSTER_SYSTEMD_RUN", path, 1);
    ck_assert_int_eq(call1("package", "install", "package", "musterd", &r, msg),
                     MUSTER_OK);
    ck_assert_ptr_nonnull(
        strstr(json_string_value(json_object_get(r, "output")),
               "journalctl -u muster-self-upgrade"));
    ck_assert_str_eq(json_string_value(json_object_get(r, "ensure")), "absent");
    json_decref(r);
    ck_assert_str_eq(read_text("argv"),
                     "--unit=muster-self-upgrade\n--collect\n--quiet\n"
                     "--setenv=DEBIAN_FRONTEND=noninteractive\n--\n"
                     "/usr/bin/apt-get\n-y\ninstall\n--\nmusterd\n");
    snprintf(path, sizeof path, "%s/rc", tmpdir);
    write_file(path, "1\n");
    ck_assert_int_eq(
        call1("package", "install", "package", "musterd", NULL, msg),
        MUSTER_ABORTED);
    ck_assert_msg(strstr(msg, "already exists") != NULL, "%s", msg);
}
END_TEST

START_TEST(puppet_status_and_runonce_arguments) {
    char msg[256], path[512];
    json_t *r;
    make_tmpdir();
    fake_puppet();
    ck_assert_int_eq(load("puppet")->activate(&host), 1);
    ck_assert_int_eq(call("puppet", "status", json_object(), &r, msg, 256),
                     MUSTER_OK);
    ck_assert_str_eq(json_string_value(json_object_get(r, "status")),
                     "stopped");
    ck_assert(json_is_false(json_object_get(r, "daemon_present")));
    ck_assert_ptr_nonnull(
        strstr(json_string_value(json_object_get(r, "message")),
               "Currently stopped; last completed run"));
    json_decref(r);
    /* a live pid in the pidfile: the daemon idles */
    snprintf(path, sizeof path, "%s/agent.pid", tmpdir);
    char pid[32];
    snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    write_file(path, pid);
    ck_assert_int_eq(call("puppet", "status", json_object(), &r, msg, 256),
                     MUSTER_OK);
    ck_assert_str_eq(json_string_value(json_object_get(r, "status")), "idling");
    ck_assert(json_is_true(json_object_get(r, "idling")));
    json_decref(r);
    ck_assert_int_eq(
        call("puppet", "runonce",
             json_pack("{s:b, s:s, s:s, s:s, s:b, s:i, s:b}", "noop", 1, "tags",
                       "apache,ntp::server", "skip_tags", "db", "environment",
                       "production", "splay", 1, "splaylimit", 10,
                       "use_cached_catalog", 0),
             &r, msg, 256),
        MUSTER_OK);
    ck_assert_str_eq(read_text("argv"),
                     "agent\n--onetime\n--no-daemonize\n--color=false\n"
                     "--no-usecacheonfailure\n--detailed-exitcodes\n--noop\n"
                     "--tags\napache,ntp::server\n--skip_tags\ndb\n"
                     "--environment\nproduction\n--splay\n--splaylimit\n10\n"
                     "--no-use_cached_catalog\n");
    ck_assert_int_eq(json_integer_value(json_object_get(r, "exitcode")), 2);
    ck_assert_int_gt(json_integer_value(json_object_get(r, "initiated_at")), 0);
    ck_assert_ptr_nonnull(json_string_value(json_object_get(r, "summary")));
    json_decref(r);
    /* force: no splay whatever else is asked */
    ck_assert_int_eq(call("puppet", "runonce",
                          json_pack("{s:b, s:b}", "force", 1, "splay", 1), NULL,
                          msg, 256),
                     MUSTER_OK);
    ck_assert_ptr_nonnull(strstr(read_text("argv"), "--no-splay\n"));
    ck_assert_ptr_null(strstr(read_text("argv"), "--splay\n"));
    const char *bad_tags[] = {"-x", "a;b", "a,,b", "a:::b", "ab::-c"};
    for (size_t i = 0; i < 5; i++)
        ck_assert_int_eq(call("puppet", "runonce",
                              json_pack("{s:s}", "tags", bad_tags[i]), NULL,
                              msg, 256),
                         MUSTER_INVALID_DATA);
    ck_assert_int_eq(call("puppet", "runonce",
                          json_pack("{s:s}", "server", "puppet:8140"), &r, msg,
                          256),
                     MUSTER_ABORTED);
    ck_assert_ptr_nonnull(strstr(msg, "'server' option is not allowed"));
    json_decref(r);
    ck_assert_int_eq(
        call("puppet", "resource",
             json_pack("{s:s, s:s}", "type", "Package", "name", "vim"), NULL,
             msg, 256),
        MUSTER_ABORTED);
    ck_assert_str_eq(msg, "The package type is not listed in the type "
                          "whitelist");
    snprintf(path, sizeof path, "%s/disabled.lock", tmpdir);
    write_file(path, "{\"disabled_message\": \"maintenance\"}");
    ck_assert_int_eq(call("puppet", "runonce", json_object(), &r, msg, 256),
                     MUSTER_ABORTED);
    ck_assert_str_eq(msg, "Puppet is disabled: 'maintenance'");
    ck_assert_str_eq(json_string_value(json_object_get(r, "summary")), msg);
    json_decref(r);
}
END_TEST

START_TEST(puppet_last_run_summary) {
    char msg[256], path[512];
    json_t *r;
    make_tmpdir();
    fake_puppet();
    snprintf(path, sizeof path, "%s/last_run_summary.yaml", tmpdir);
    write_file(path, "---\nversion:\n  config: 1700000000\n  puppet: 8.4.0\n"
                     "resources:\n  changed: 2\n  failed: 1\n  total: 40\n"
                     "  out_of_sync: 3\ntime:\n  config_retrieval: 1.5\n"
                     "  total: 7.9\n  last_run: 1700000100\n");
    snprintf(path, sizeof path, "%s/resources.txt", tmpdir);
    write_file(path, "file[/etc/motd]\nfile[/etc/hosts]\napt::source[x]\n");
    ck_assert_int_eq(
        call("puppet", "last_run_summary", json_object(), &r, msg, 256),
        MUSTER_OK);
    ck_assert_int_eq(
        json_integer_value(json_object_get(r, "changed_resources")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "failed_resources")),
                     1);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "total_resources")),
                     40);
    ck_assert_int_eq(
        json_integer_value(json_object_get(r, "out_of_sync_resources")), 3);
    ck_assert_int_eq(
        json_integer_value(json_object_get(r, "corrected_resources")), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "lastrun")),
                     1700000100);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "total_time")), 7);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "config_version")),
                     1700000000);
    json_t *dist = json_object_get(r, "type_distribution");
    ck_assert_int_eq(json_integer_value(json_object_get(dist, "File")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(dist, "Apt::Source")),
                     1);
    json_decref(r);
}
END_TEST

START_TEST(puppet_only_where_installed) {
    char msg[256];
    const struct muster_agent *a = load("puppet");
    int have = access("/opt/puppetlabs/bin/puppet", X_OK) == 0 ||
               access("/usr/bin/puppet", X_OK) == 0;
    ck_assert_int_eq(a->activate(&host), have);
    if (!have)
        ck_assert_int_eq(
            call("puppet", "status", json_object(), NULL, msg, sizeof msg),
            MUSTER_ABORTED);
}
END_TEST

/*
 * The self-upgrade test needs apt-get (the argv it checks is apt-get's) and
 * no musterd package installed (install refuses an installed one before
 * systemd-run is reached): 77, skipped, where that is not so.
 */
static int self_upgrade_can_run(void) {
    return access("/usr/bin/apt-get", X_OK) == 0 &&
           system("dpkg-query -W -f='${db:Status-Status}' musterd 2>/dev/null"
                  " | grep -qx installed") != 0;
}

static int run_self_upgrade(void) {
    if (!self_upgrade_can_run()) {
        fprintf(stderr, "skipped: no apt-get, or musterd is installed here\n");
        return 77;
    }
    Suite *s = suite_create("agents-self-upgrade");
    TCase *tc = tcase_create("self-upgrade");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, package_change_of_musterd_runs_in_its_own_unit);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}

/* With the argument "self-upgrade": that test alone (its own meson test). */
int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "self-upgrade") == 0)
        return run_self_upgrade();
    Suite *s = suite_create("agents");
    TCase *tc = tcase_create("agents");
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, descriptor_matches_ddl, 0, (int)N_AGENTS);
    tcase_add_loop_test(tc, ddl_superset_of_choria, 0, (int)N_AGENTS);
    tcase_add_test(tc, filemgr_status_sha256);
    tcase_add_test(tc, filemgr_refuses_symlinks_and_bad_paths);
    tcase_add_test(tc, filemgr_touch_remove);
    tcase_add_test(tc, process_finds_itself);
    tcase_add_test(tc, process_choria_inputs);
    tcase_add_test(tc, nettest_connect);
    tcase_add_test(tc, nettest_ping);
    tcase_add_test(tc, package_status);
    tcase_add_test(tc, package_choria_actions);
    tcase_add_test(tc, service_status);
    tcase_add_test(tc, injection_is_refused);
    tcase_add_test(tc, nrpe_runcommand);
    tcase_add_test(tc, nrpe_args_and_runallcommands);
    tcase_add_test(tc, puppet_only_where_installed);
    tcase_add_test(tc, puppet_status_and_runonce_arguments);
    tcase_add_test(tc, puppet_last_run_summary);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
