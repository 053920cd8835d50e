/*
 * package.c - the package agent, with choria-plugins' interface: status,
 * install (optionally of a version), update, uninstall and purge of one
 * package, search of the repositories for a name, and the whole-system
 * actions count, md5, checkupdates, refresh, apt_update,
 * apt_checkupdates, yum_checkupdates and yum_clean; with dpkg-query and
 * apt-get on Debian-like systems, rpm and dnf (or yum) where dpkg is
 * absent.
 *
 * Every tool runs by absolute path with an argv, and a package name comes
 * after "--", so a name can never become an option.
 *
 * A change of musterd's own package runs apart from the daemon (see
 * detach_self): its postinst restarts musterd.service, which would end the
 * very action running apt-get.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "agent_util.h"

#define NAME_MAX_LEN 128
#define NAME_EXTRA "+._-" /* after a leading letter or digit */
#define VERSION_EXTRA ".+:~_-"
#define QUERY_TIMEOUT_MS 30000
#define LIST_MAX_OUT (16 * 1024 * 1024) /* dpkg --list, rpm -qa, ... */
#define CHANGE_TIMEOUT_MS 590000        /* under the DDL's 600 s */
#define SELF_PACKAGE "musterd"          /* debian/control: the daemon's */
#define SELF_UNIT "muster-self-upgrade" /* the transient unit it runs in */
/* Another systemd-run (an absolute path), for tests. */
#define SYSTEMD_RUN_ENV "MUSTER_SYSTEMD_RUN"

/* The tools this node has; paths empty when absent. */
struct backend {
    char query[256];  /* dpkg-query or rpm */
    char change[256]; /* apt-get, dnf or yum */
    int dpkg;         /* 1: Debian tools, 0: rpm tools */
};

static int find_backend(struct backend *b) {
    memset(b, 0, sizeof *b);
    if (mst_proc_find("dpkg-query", b->query, sizeof b->query) == 0) {
        b->dpkg = 1;
        if (mst_proc_find("apt-get", b->change, sizeof b->change) != 0)
            b->change[0] = '\0';
        return 0;
    }
    if (mst_proc_find("rpm", b->query, sizeof b->query) != 0)
        return -1;
    if (mst_proc_find("dnf", b->change, sizeof b->change) != 0 &&
        mst_proc_find("yum", b->change, sizeof b->change) != 0)
        b->change[0] = '\0';
    return 0;
}

static int activate(const struct muster_host *host) {
    (void)host;
    struct backend b;
    return find_backend(&b) == 0;
}

/* Split a tab-separated line into at most n fields (in place). */
static int split_tabs(char *line, char **fields, int n) {
    int k = 0;
    line[strcspn(line, "\n")] = '\0';
    for (char *p = line; k < n; k++) {
        fields[k] = p;
        p = strchr(p, '\t');
        if (p == NULL)
            return k + 1;
        *p++ = '\0';
    }
    return k;
}

/* epoch and release, split out of a version as EPOCH:UPSTREAM-RELEASE
 * (Debian's and rpm's shape; epoch "0" and release "" when absent). */
static void set_epoch_release(json_t *reply, const char *version) {
    const char *colon = strchr(version, ':');
    const char *dash = strrchr(version, '-');
    json_object_set_new(reply, "epoch",
                        colon
                            ? mst_agent_text(version, (size_t)(colon - version))
                            : json_string("0"));
    json_object_set_new(
        reply, "release",
        mst_agent_text(dash ? dash + 1 : "", dash ? strlen(dash + 1) : 0));
}

static void set_absent(json_t *reply, const char *name) {
    json_object_set_new(reply, "name", json_string(name));
    json_object_set_new(reply, "ensure", json_string("absent"));
    json_object_set_new(reply, "version", json_string(""));
    json_object_set_new(reply, "arch", json_string(""));
    json_object_set_new(reply, "status", json_string("not-installed"));
    set_epoch_release(reply, "");
}

/* Fill status outputs from "name\tversion\tarch\tstatus words". */
static void set_found(json_t *reply, char *line, int dpkg) {
    char *f[4] = {"", "", "", "install ok installed"};
    split_tabs(line, f, dpkg ? 4 : 3);
    const char *word = strrchr(f[3], ' ');
    word = word ? word + 1 : f[3];
    int installed = strcmp(word, "installed") == 0;
    json_object_set_new(reply, "name", mst_agent_text(f[0], strlen(f[0])));
    json_object_set_new(reply, "ensure",
                        installed ? mst_agent_text(f[1], strlen(f[1]))
                                  : json_string("absent"));
    json_object_set_new(reply, "version", mst_agent_text(f[1], strlen(f[1])));
    json_object_set_new(reply, "arch", mst_agent_text(f[2], strlen(f[2])));
    json_object_set_new(reply, "status", mst_agent_text(word, strlen(word)));
    set_epoch_release(reply, f[1]);
}

/* Query one package and add name, ensure, version, arch, status. */
static int query(const struct backend *b, const char *name, json_t *reply,
                 char *msg, size_t msg_len) {
    const char *dpkg_argv[] = {
        b->query,
        "-W",
        "-f=${Package}\t${Version}\t${Architecture}\t${Status}\n",
        "--",
        name,
        NULL};
    const char *rpm_argv[] = {
        b->query, "-q",
        "--qf",   "%{NAME}\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\t%{ARCH}\n",
        "--",     name,
        NULL};
    struct mst_proc_result res;
    int rc = mst_agent_run(b->dpkg ? dpkg_argv : rpm_argv, QUERY_TIMEOUT_MS,
                           NULL, &res, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    json_object_set_new(reply, "provider",
                        json_string(b->dpkg ? "dpkg" : "rpm"));
    if (res.exit_code == 0 && res.out_len > 0)
        set_found(reply, res.out, b->dpkg);
    else if (res.exit_code == 1) /* both tools: no such package installed */
        set_absent(reply, name);
    else
        rc = mst_agent_tool_failed(b->query, &res, msg, msg_len);
    mst_proc_result_free(&res);
    return rc;
}

/* What an action does with one package, `name`, by this node's tools. */
typedef int (*package_fn)(const struct backend *b, const char *name,
                          json_t *reply, char *msg, size_t msg_len);

/* `fn` on the call's "package" input, checked, with this node's tools. */
static int on_package(const struct muster_call *call, package_fn fn,
                      json_t *reply, char *msg, size_t msg_len) {
    const char *name;
    struct backend b;
    int rc = mst_agent_name(call, "package", NAME_EXTRA, NAME_MAX_LEN, &name,
                            msg, msg_len);
    if (rc == MUSTER_OK && find_backend(&b) != 0)
        rc = mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                            "neither dpkg-query nor rpm is installed");
    return rc != MUSTER_OK ? rc : fn(&b, name, reply, msg, msg_len);
}

static int status(const struct muster_host *host,
                  const struct muster_call *call, json_t *reply, char *msg,
                  size_t msg_len) {
    (void)host;
    return on_package(call, query, reply, msg, msg_len);
}

/* The verb each action passes to apt-get and to dnf/yum, and whether it
 * needs the package installed (1) or absent (-1) first, as Choria's
 * puppet provider: install refuses an installed package unless a
 * version is asked for, update/uninstall/purge an absent one. */
struct change {
    const char *action, *apt_verb, *apt_flag, *rpm_verb;
    int needs;
};

static const struct change changes[] = {
    {"install", "install", NULL, "install", -1},
    {"update", "install", "--only-upgrade", "upgrade", 1},
    {"uninstall", "remove", NULL, "remove", 1},
    {"purge", "purge", NULL, "remove", 1},
    {NULL, NULL, NULL, NULL, 0},
};

static const char *const apt_env[] = {"DEBIAN_FRONTEND=noninteractive", NULL};

/* The optional "version" input of install, allowlisted like a name. */
static int get_version(const struct muster_call *call, const char **ver_r,
                       char *msg, size_t msg_len) {
    *ver_r = NULL;
    if (json_object_get(call->data, "version") == NULL)
        return MUSTER_OK;
    return mst_agent_name(call, "version", VERSION_EXTRA, NAME_MAX_LEN, ver_r,
                          msg, msg_len);
}

/* Refuse what Choria refuses, with the status outputs already filled. */
static int precondition(const struct change *c, const char *version,
                        json_t *reply, char *msg, size_t msg_len) {
    int absent = strcmp(json_string_value(json_object_get(reply, "ensure")),
                        "absent") == 0;
    if (c->needs < 0 && !absent && version == NULL)
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                              "Package is already installed");
    int purged = strcmp(json_string_value(json_object_get(reply, "status")),
                        "not-installed") == 0;
    if (c->needs > 0 && (strcmp(c->action, "purge") == 0 ? purged : absent))
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                              "Package is not present on the system");
    return MUSTER_OK;
}

/*
 * The systemd-run that starts a change of musterd's own package: 0 with its
 * path, or -1 to run the change in place (no systemd here).
 */
static int find_systemd_run(char *path, size_t size) {
    const char *env = getenv(SYSTEMD_RUN_ENV);
    if (env != NULL && env[0] == '/') {
        snprintf(path, size, "%s", env);
        return access(path, X_OK) == 0 ? 0 : -1;
    }
    if (access("/run/systemd/system", F_OK) != 0) /* sd_booted(3) */
        return -1;
    return mst_proc_find("systemd-run", path, size) == 0 ? 0 : -1;
}

/*
 * A change of musterd's own package, under systemd: `argv` started in a
 * transient service of its own (SELF_UNIT), out of musterd.service's
 * cgroup and process tree, so that the restart its postinst makes (stop:
 * musterd TERMs this worker, the cgroup is killed) does not cut apt-get or
 * dpkg short; its output goes to the journal.  Not waited for: the reply
 * goes before the restart, saying where the upgrade runs.  A second one
 * while the first runs is refused by systemd (the unit exists).
 * -1: not ours to detach (run in place); else a MUSTER_* status (>= 0).
 */
static int detach_self(const char *name, const char *const *argv, json_t *reply,
                       char *msg, size_t msg_len) {
    char run[256];
    if (strcmp(name, SELF_PACKAGE) != 0 ||
        find_systemd_run(run, sizeof run) != 0)
        return -1;
    const char *sd_argv[16] = {run,
                               "--unit=" SELF_UNIT,
                               "--collect",
                               "--quiet",
                               "--setenv=DEBIAN_FRONTEND=noninteractive",
                               "--"};
    size_t n = 6;
    for (size_t i = 0; argv[i] != NULL && n < 15; i++)
        sd_argv[n++] = argv[i];
    sd_argv[n] = NULL;
    struct mst_proc_result res;
    int rc = mst_agent_run(sd_argv, QUERY_TIMEOUT_MS, NULL, &res, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    json_object_set_new(reply, "output",
                        json_string("started in " SELF_UNIT ".service "
                                    "(journalctl -u " SELF_UNIT "): musterd "
                                    "restarts when its package is set up"));
    if (res.exit_code != 0)
        rc = mst_agent_tool_failed(run, &res, msg, msg_len);
    mst_proc_result_free(&res);
    return rc;
}

/* Run the change tool, then report the package's state afterwards. */
static int change(const struct muster_call *call, json_t *reply, char *msg,
                  size_t msg_len) {
    const struct change *c = changes;
    while (c->action != NULL &&
           (call->action == NULL || strcmp(c->action, call->action) != 0))
        c++;
    const char *name, *version = NULL;
    struct backend b;
    int rc = mst_agent_name(call, "package", NAME_EXTRA, NAME_MAX_LEN, &name,
                            msg, msg_len);
    if (rc != MUSTER_OK || c->action == NULL)
        return c->action == NULL ? MUSTER_UNKNOWN_ACTION : rc;
    if (c->needs < 0 && (rc = get_version(call, &version, msg, msg_len)) != 0)
        return rc;
    if (find_backend(&b) != 0 || b.change[0] == '\0')
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                              "no package manager (apt-get, dnf, yum)");
    if ((rc = query(&b, name, reply, msg, msg_len)) != MUSTER_OK ||
        (rc = precondition(c, version, reply, msg, msg_len)) != MUSTER_OK)
        return rc;
    char spec[2 * NAME_MAX_LEN + 2]; /* NAME=VERSION (apt), NAME-VERSION */
    snprintf(spec, sizeof spec, "%s%s%s", name,
             version ? (b.dpkg ? "=" : "-") : "", version ? version : "");
    const char *argv[8];
    int n = 0;
    argv[n++] = b.change;
    argv[n++] = "-y";
    argv[n++] = b.dpkg ? c->apt_verb : c->rpm_verb;
    if (b.dpkg && c->apt_flag != NULL)
        argv[n++] = c->apt_flag;
    argv[n++] = "--";
    argv[n++] = spec;
    argv[n] = NULL;
    if ((rc = detach_self(name, argv, reply, msg, msg_len)) >= 0)
        return rc != MUSTER_OK ? rc : query(&b, name, reply, msg, msg_len);
    struct mst_proc_result res;
    rc = mst_agent_run(argv, CHANGE_TIMEOUT_MS, apt_env, &res, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    json_object_set_new(reply, "output", mst_agent_text(res.out, res.out_len));
    if (res.exit_code != 0)
        rc = mst_agent_tool_failed(b.change, &res, msg, msg_len);
    mst_proc_result_free(&res);
    return rc != MUSTER_OK ? rc : query(&b, name, reply, msg, msg_len);
}

static int run_change(const struct muster_host *host,
                      const struct muster_call *call, json_t *reply, char *msg,
                      size_t msg_len) {
    (void)host;
    return change(call, reply, msg, msg_len);
}

/* ---- whole-system actions ---- */

/*
 * Run `argv` (argv[0] found on the PATH by name) and put its output and
 * exitcode in the reply; an exit code other than 0 or `also_ok` fails
 * the action.  On MUSTER_OK *res_r holds the result (free it), unless
 * res_r is NULL.
 */
static int run_tool(const char **argv, int also_ok, json_t *reply,
                    struct mst_proc_result *res_r, char *msg, size_t msg_len) {
    char path[256];
    const char *tool = argv[0];
    if (mst_proc_find(tool, path, sizeof path) != 0)
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED, "Cannot find %s",
                              tool);
    argv[0] = path;
    struct mst_proc_result res;
    int rc = mst_agent_run_all(argv, CHANGE_TIMEOUT_MS, apt_env, LIST_MAX_OUT,
                               &res, msg, msg_len);
    argv[0] = tool;
    if (rc != MUSTER_OK)
        return rc;
    json_object_set_new(reply, "exitcode", json_integer(res.exit_code));
    json_object_set_new(reply, "output",
                        mst_agent_text(res.out, res.out_len < MST_AGENT_MAX_OUT
                                                    ? res.out_len
                                                    : MST_AGENT_MAX_OUT));
    if (res.exit_code != 0 && res.exit_code != also_ok)
        rc = mst_agent_tool_failed(tool, &res, msg, msg_len);
    if (rc == MUSTER_OK && res_r != NULL)
        *res_r = res;
    else
        mst_proc_result_free(&res);
    return rc;
}

/* The installed packages, one line each: dpkg --list's "ii" lines, or
 * rpm -qa; *lines_r (malloc'd, to free) joined by "\n" as Choria hashes
 * them, *count_r of them. */
static int installed_lines(json_t *reply, char **lines_r, long long *count_r,
                           char *msg, size_t msg_len) {
    struct backend b;
    if (find_backend(&b) != 0)
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                              "Cannot find a compatible package system");
    const char *dpkg_argv[] = {"dpkg", "--list", NULL};
    const char *rpm_argv[] = {"rpm", "-qa", NULL};
    struct mst_proc_result res;
    int rc =
        run_tool(b.dpkg ? dpkg_argv : rpm_argv, 0, reply, &res, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    char *out = malloc(res.out_len + 2);
    size_t n = 0;
    *count_r = 0;
    for (char *line = res.out; out != NULL && *line != '\0';) {
        size_t len = strcspn(line, "\n");
        if (b.dpkg ? strncmp(line, "ii", 2) == 0 : len > 0) {
            if (n > 0)
                out[n++] = '\n';
            memcpy(out + n, line, len);
            n += len;
            ++*count_r;
        }
        line += len + (line[len] == '\n');
    }
    if (out != NULL && !b.dpkg && res.out_len > 0)
        out[n++] = '\n'; /* Choria hashes rpm -qa as printed */
    mst_proc_result_free(&res);
    if (out == NULL)
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED, "out of memory");
    out[n] = '\0';
    *lines_r = out;
    return MUSTER_OK;
}

static int count(const struct muster_host *host, const struct muster_call *call,
                 json_t *reply, char *msg, size_t msg_len) {
    (void)host, (void)call;
    char *lines, num[24];
    long long n;
    int rc = installed_lines(reply, &lines, &n, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    free(lines);
    snprintf(num, sizeof num, "%lld", n);
    json_object_set_new(reply, "output", json_string(num));
    return MUSTER_OK;
}

static int md5(const struct muster_host *host, const struct muster_call *call,
               json_t *reply, char *msg, size_t msg_len) {
    (void)host, (void)call;
    char *lines;
    long long n;
    int rc = installed_lines(reply, &lines, &n, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    json_object_set_new(reply, "output",
                        mst_agent_md5_hex(lines, strlen(lines)));
    free(lines);
    return MUSTER_OK;
}

/* One {package, version, repo} of outdated_packages/available_packages. */
static json_t *pkg_entry(const char *name, size_t nlen, const char *ver,
                         size_t vlen, const char *repo, size_t rlen) {
    return json_pack("{s:o, s:o, s:o}", "package", mst_agent_text(name, nlen),
                     "version", mst_agent_text(ver, vlen), "repo",
                     mst_agent_text(repo, rlen));
}

/* "Inst NAME [OLD] (NEW REPO ...)" lines of apt-get --simulate. */
static void parse_apt_simulate(const char *out, json_t *list) {
    for (const char *l = out; (l = strstr(l, "Inst ")) != NULL; l++) {
        if (l != out && l[-1] != '\n')
            continue;
        const char *name = l + 5, *eol = name + strcspn(name, "\n");
        size_t nlen = strcspn(name, " \n");
        const char *open = memchr(name, '(', (size_t)(eol - name));
        if (open == NULL)
            continue;
        const char *ver = open + 1, *repo = ver + strcspn(ver, " )\n");
        if (*repo != ' ')
            continue;
        repo++;
        size_t rlen = strcspn(repo, ")\n"); /* as Choria: with " [arch]" */
        json_array_append_new(
            list,
            pkg_entry(name, nlen, ver, (size_t)(repo - 1 - ver), repo, rlen));
    }
}

/* "NAME VERSION REPO" lines of yum -q check-update, until "Obsoleting". */
static void parse_yum_check(const char *out, json_t *list) {
    for (const char *l = out; *l != '\0';) {
        size_t len = strcspn(l, "\n");
        if (strncasecmp(l, "Obsoleting Packages", 19) == 0)
            break;
        char name[256], ver[256], repo[256];
        char line[800];
        snprintf(line, sizeof line, "%.*s", (int)len, l);
        if (sscanf(line, "%255s %255s %255s", name, ver, repo) == 3)
            json_array_append_new(list,
                                  pkg_entry(name, strlen(name), ver,
                                            strlen(ver), repo, strlen(repo)));
        l += len + (l[len] == '\n');
    }
}

/* A manager's list of outdated packages: `argv` run (exit 0, or
 * `also_ok`), its output parsed by `parse` into outdated_packages. */
struct check {
    const char *manager;
    const char *argv[4];
    int also_ok;
    void (*parse)(const char *out, json_t *list);
};

static const struct check apt_checks = {
    "apt",
    {"apt-get", "--simulate", "dist-upgrade", NULL},
    0,
    parse_apt_simulate};
/* yum check-update exits 100 when there are updates. */
static const struct check yum_checks = {
    "yum", {"yum", "-q", "check-update", NULL}, 100, parse_yum_check};

static int run_check(const struct check *c, json_t *reply, char *msg,
                     size_t msg_len) {
    const char *argv[4];
    memcpy(argv, c->argv, sizeof argv);
    struct mst_proc_result res;
    int rc = run_tool(argv, c->also_ok, reply, &res, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    json_t *list = json_array();
    c->parse(res.out, list);
    mst_proc_result_free(&res);
    json_object_set_new(reply, "outdated_packages", list);
    json_object_set_new(reply, "package_manager", json_string(c->manager));
    return MUSTER_OK;
}

static int apt_check(json_t *reply, char *msg, size_t msg_len) {
    return run_check(&apt_checks, reply, msg, msg_len);
}

static int yum_check(json_t *reply, char *msg, size_t msg_len) {
    return run_check(&yum_checks, reply, msg, msg_len);
}

/* Choria's choice of manager: yum first, then apt-get. */
static int have_yum(void) {
    char path[256];
    return mst_proc_find("yum", path, sizeof path) == 0;
}

static int apt_checkupdates(const struct muster_host *host,
                            const struct muster_call *call, json_t *reply,
                            char *msg, size_t msg_len) {
    (void)host, (void)call;
    return apt_check(reply, msg, msg_len);
}

static int yum_checkupdates(const struct muster_host *host,
                            const struct muster_call *call, json_t *reply,
                            char *msg, size_t msg_len) {
    (void)host, (void)call;
    return yum_check(reply, msg, msg_len);
}

static int checkupdates(const struct muster_host *host,
                        const struct muster_call *call, json_t *reply,
                        char *msg, size_t msg_len) {
    (void)host, (void)call;
    return have_yum() ? yum_check(reply, msg, msg_len)
                      : apt_check(reply, msg, msg_len);
}

/* apt-get update, then the state after it (as Choria's apt_update). */
static int apt_refresh(json_t *reply, char *msg, size_t msg_len) {
    const char *argv[] = {"apt-get", "update", NULL};
    int rc = run_tool(argv, 0, reply, NULL, msg, msg_len);
    return rc != MUSTER_OK ? rc : apt_check(reply, msg, msg_len);
}

static const char *const yum_modes[] = {"all",          "headers", "packages",
                                        "metadata",     "dbcache", "plugins",
                                        "expire-cache", NULL};

static int yum_clean_mode(const char *mode, json_t *reply, char *msg,
                          size_t msg_len) {
    size_t i = 0;
    while (yum_modes[i] != NULL && strcmp(yum_modes[i], mode) != 0)
        i++;
    if (yum_modes[i] == NULL)
        return mst_agent_fail(msg, msg_len, MUSTER_INVALID_DATA,
                              "Unsupported yum clean mode: %s", mode);
    const char *argv[] = {"yum", "clean", yum_modes[i], NULL};
    return run_tool(argv, 0, reply, NULL, msg, msg_len);
}

static int apt_update(const struct muster_host *host,
                      const struct muster_call *call, json_t *reply, char *msg,
                      size_t msg_len) {
    (void)host, (void)call;
    return apt_refresh(reply, msg, msg_len);
}

/* yum: clean the metadata, then check (Choria's yum_update). */
static int refresh(const struct muster_host *host,
                   const struct muster_call *call, json_t *reply, char *msg,
                   size_t msg_len) {
    (void)host, (void)call;
    if (!have_yum())
        return apt_refresh(reply, msg, msg_len);
    int rc = yum_clean_mode("metadata", reply, msg, msg_len);
    return rc != MUSTER_OK ? rc : yum_check(reply, msg, msg_len);
}

static int yum_clean(const struct muster_host *host,
                     const struct muster_call *call, json_t *reply, char *msg,
                     size_t msg_len) {
    (void)host;
    const char *mode = "all";
    if (json_object_get(call->data, "mode") != NULL) {
        int rc = mst_agent_string(call, "mode", 32, &mode, msg, msg_len);
        if (rc != MUSTER_OK)
            return rc;
    }
    return yum_clean_mode(mode, reply, msg, msg_len);
}

/* "NAME | VERSION | SOURCE" lines of apt-cache madison. */
static void parse_madison(const char *out, json_t *list) {
    for (const char *l = out; *l != '\0';) {
        size_t len = strcspn(l, "\n");
        const char *f[3];
        size_t flen[3];
        int k = 0;
        for (const char *p = l; k < 3 && p <= l + len; k++) {
            p += strspn(p, " ");
            size_t n = strcspn(p, "|\n");
            f[k] = p;
            flen[k] = n;
            while (flen[k] > 0 && p[flen[k] - 1] == ' ')
                flen[k]--;
            p += n + 1;
        }
        if (k == 3 && flen[0] > 0 && flen[1] > 0)
            json_array_append_new(
                list, pkg_entry(f[0], flen[0], f[1], flen[1], f[2], flen[2]));
        l += len + (l[len] == '\n');
    }
}

/* The versions of `name` the repositories offer: apt-cache madison, or
 * dnf/yum repoquery (`name` may be a glob there, as yum's search). */
static int offered(const struct backend *b, const char *name, json_t *reply,
                   char *msg, size_t msg_len) {
    const char *apt_argv[] = {"apt-cache", "madison", "--", name, NULL};
    const char *rpm_argv[] = {
        "dnf", "-q", "repoquery", "--qf", "%{name} | %{evr} | %{repoid}\n",
        "--",  name, NULL};
    struct mst_proc_result res;
    json_t *scratch = json_object(); /* run_tool's output/exitcode */
    int rc =
        run_tool(b->dpkg ? apt_argv : rpm_argv, 0, scratch, &res, msg, msg_len);
    json_decref(scratch);
    if (rc != MUSTER_OK)
        return rc;
    json_t *list = json_array();
    parse_madison(res.out, list);
    mst_proc_result_free(&res);
    char found[64];
    snprintf(found, sizeof found, "%zu packages found", json_array_size(list));
    json_object_set_new(reply, "available_packages", list);
    json_object_set_new(reply, "package_count", json_string(found));
    if (json_array_size(list) == 0)
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                              "Package not found");
    return MUSTER_OK;
}

static int search(const struct muster_host *host,
                  const struct muster_call *call, json_t *reply, char *msg,
                  size_t msg_len) {
    (void)host;
    return on_package(call, offered, reply, msg, msg_len);
}

static const struct muster_action actions[] = {
    {"status", status},
    {"install", run_change},
    {"update", run_change},
    {"uninstall", run_change},
    {"purge", run_change},
    {"search", search},
    {"count", count},
    {"md5", md5},
    {"checkupdates", checkupdates},
    {"apt_checkupdates", apt_checkupdates},
    {"yum_checkupdates", yum_checkupdates},
    {"apt_update", apt_update},
    {"refresh", refresh},
    {"yum_clean", yum_clean},
    {NULL, NULL},
};

MST_AGENT_EXPORT("package", activate, actions);
