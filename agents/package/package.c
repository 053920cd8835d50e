/*
 * package.c - the package agent: status, install, update, uninstall and
 * purge of one package, with dpkg-query/apt-get on Debian-like systems and
 * rpm/dnf (or yum) where dpkg is absent.
 *
 * Every tool runs by absolute path with an argv, and the package name
 * comes after "--", so a name can never become an option.
 */
#include <stdio.h>
#include <string.h>

#include "agent_util.h"

#define NAME_MAX_LEN 128
#define NAME_EXTRA "+._-" /* after a leading letter or digit */
#define QUERY_TIMEOUT_MS 30000
#define CHANGE_TIMEOUT_MS 590000 /* under the DDL's 600 s */

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

static void set_absent(json_t *reply, const char *name) {
    json_object_set_new(reply, "name", json_string(name));
    json_object_set_new(reply, "ensure", json_string("absent"));
    json_object_set_new(reply, "version", json_string(""));
    json_object_set_new(reply, "arch", json_string(""));
    json_object_set_new(reply, "status", json_string("not-installed"));
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

static int status(const struct muster_host *host,
                  const struct muster_call *call, json_t *reply, char *msg,
                  size_t msg_len) {
    (void)host;
    const char *name;
    struct backend b;
    int rc = mst_agent_name(call, "package", NAME_EXTRA, NAME_MAX_LEN, &name,
                            msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    if (find_backend(&b) != 0)
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                              "neither dpkg-query nor rpm is installed");
    return query(&b, name, reply, msg, msg_len);
}

/* The verb each action passes to apt-get and to dnf/yum. */
struct change {
    const char *action, *apt_verb, *apt_flag, *rpm_verb;
};

static const struct change changes[] = {
    {"install", "install", NULL, "install"},
    {"update", "install", "--only-upgrade", "upgrade"},
    {"uninstall", "remove", NULL, "remove"},
    {"purge", "purge", NULL, "remove"},
    {NULL, NULL, NULL, NULL},
};

/* Run the change tool, then report the package's state afterwards. */
static int change(const struct muster_call *call, json_t *reply, char *msg,
                  size_t msg_len) {
    const struct change *c = changes;
    while (c->action != NULL &&
           (call->action == NULL || strcmp(c->action, call->action) != 0))
        c++;
    const char *name;
    struct backend b;
    int rc = mst_agent_name(call, "package", NAME_EXTRA, NAME_MAX_LEN, &name,
                            msg, msg_len);
    if (rc != MUSTER_OK || c->action == NULL)
        return c->action == NULL ? MUSTER_UNKNOWN_ACTION : rc;
    if (find_backend(&b) != 0 || b.change[0] == '\0')
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                              "no package manager (apt-get, dnf, yum)");
    const char *argv[8];
    int n = 0;
    argv[n++] = b.change;
    argv[n++] = "-y";
    argv[n++] = b.dpkg ? c->apt_verb : c->rpm_verb;
    if (b.dpkg && c->apt_flag != NULL)
        argv[n++] = c->apt_flag;
    argv[n++] = "--";
    argv[n++] = name;
    argv[n] = NULL;
    static const char *const env[] = {"DEBIAN_FRONTEND=noninteractive", NULL};
    struct mst_proc_result res;
    rc = mst_agent_run(argv, CHANGE_TIMEOUT_MS, env, &res, msg, msg_len);
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

static const struct muster_action actions[] = {
    {"status", status},        {"install", run_change}, {"update", run_change},
    {"uninstall", run_change}, {"purge", run_change},   {NULL, NULL},
};

MST_AGENT_EXPORT("package", activate, actions);
