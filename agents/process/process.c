/*
 * process.c - the process agent: list processes whose command line
 * matches a bounded regular expression, from /proc (no ps, no shell),
 * optionally only one user's or only zombies; each process both in our
 * shape (processes) and in Choria's, sys-proctable's names (pslist).
 */
#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_util.h"
#include "base/status.h"
#include "targeting/regexp.h"

#define MAX_PROCS 4096   /* entries in one reply */
#define MAX_CMDLINE 1024 /* bytes of each command line kept */

/* Read up to size-1 bytes of /proc/PID/name into buf; length or -1. */
static ssize_t read_small(int dfd, const char *name, char *buf, size_t size) {
    int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return n;
}

/* The command line with NULs as spaces, or "[comm]" for kernel threads. */
static void command_of(int dfd, char *cmd, size_t size) {
    ssize_t n = read_small(dfd, "cmdline", cmd, size);
    for (ssize_t i = 0; i < n; i++)
        if (cmd[i] == '\0')
            cmd[i] = ' ';
    while (n > 0 && cmd[n - 1] == ' ')
        cmd[--n] = '\0';
    if (n > 0)
        return;
    char comm[64];
    n = read_small(dfd, "comm", comm, sizeof comm);
    comm[n > 0 ? strcspn(comm, "\n") : 0] = '\0';
    snprintf(cmd, size, "[%s]", comm);
}

/* A number field ("Uid:", "VmRSS:") of /proc/PID/status, or -1. */
static long long status_field(const char *status, const char *key) {
    const char *p = strstr(status, key);
    return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

/* What is reported of one process. */
struct proc_info {
    long long pid, ppid, uid, rss, vsize; /* rss KiB, vsize bytes */
    char state[2];
    char user[64];
};

/* state, ppid and vsize from /proc/PID/stat (after the ")" of comm, which
 * may itself hold spaces and parentheses). */
static void read_stat(int dfd, struct proc_info *pi) {
    char stat[1024];
    pi->state[0] = '?';
    if (read_small(dfd, "stat", stat, sizeof stat) < 0)
        return;
    const char *p = strrchr(stat, ')');
    unsigned long long vsize = 0;
    char state = '?';
    if (p != NULL &&
        sscanf(p + 1,
               " %c %lld %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u "
               "%*d %*d %*d %*d %*d %*d %*u %llu",
               &state, &pi->ppid, &vsize) == 3) {
        pi->state[0] = state;
        pi->vsize = (long long)vsize;
    }
}

static void read_info(int dfd, long long pid, struct proc_info *pi) {
    char status[4096], pwbuf[1024];
    memset(pi, 0, sizeof *pi);
    pi->pid = pid;
    if (read_small(dfd, "status", status, sizeof status) < 0)
        status[0] = '\0';
    pi->uid = status_field(status, "\nUid:");
    pi->rss = status_field(status, "\nVmRSS:");
    if (pi->rss < 0)
        pi->rss = 0;
    read_stat(dfd, pi);
    struct passwd pw, *pwr = NULL;
    if (pi->uid >= 0)
        getpwuid_r((uid_t)pi->uid, &pw, pwbuf, sizeof pwbuf, &pwr);
    if (pwr != NULL)
        snprintf(pi->user, sizeof pi->user, "%s", pw.pw_name);
    else
        snprintf(pi->user, sizeof pi->user, "%lld", pi->uid);
}

static json_t *describe(const struct proc_info *pi, const char *cmd) {
    return json_pack("{s:I, s:s, s:I, s:I, s:o}", "pid", (json_int_t)pi->pid,
                     "user", pi->user, "uid", (json_int_t)pi->uid, "rss",
                     (json_int_t)pi->rss, "command",
                     mst_agent_text(cmd, strlen(cmd)));
}

/* Choria's pslist entry (sys-proctable's field names). */
static json_t *describe_choria(const struct proc_info *pi, const char *cmd) {
    return json_pack("{s:I, s:I, s:s, s:I, s:s, s:o, s:I, s:I}", "pid",
                     (json_int_t)pi->pid, "ppid", (json_int_t)pi->ppid,
                     "username", pi->user, "uid", (json_int_t)pi->uid, "state",
                     pi->state, "cmdline", mst_agent_text(cmd, strlen(cmd)),
                     "rss", (json_int_t)pi->rss, "vsize",
                     (json_int_t)pi->vsize);
}

/* Which processes are listed: the pattern, and optionally one uid
 * (-1: any) and only zombies. */
struct selection {
    regex_t re;
    long long uid;
    int zombies;
};

/* Append every selected process to `list` and `pslist`; count of them. */
static int scan(const struct selection *sel, json_t *list, json_t *pslist,
                int *truncated) {
    DIR *d = opendir("/proc");
    if (d == NULL)
        return -1;
    int count = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        char *end;
        long long pid = strtoll(e->d_name, &end, 10);
        if (*end != '\0' || pid <= 0)
            continue;
        int dfd = openat(dirfd(d), e->d_name, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
            continue; /* it exited meanwhile */
        char cmd[MAX_CMDLINE + 1];
        struct proc_info pi;
        command_of(dfd, cmd, sizeof cmd);
        if (regexec(&sel->re, cmd, 0, NULL, 0) == 0) {
            read_info(dfd, pid, &pi);
            if ((sel->uid == -1 || pi.uid == sel->uid) &&
                (!sel->zombies || pi.state[0] == 'Z')) {
                if (count < MAX_PROCS) {
                    json_array_append_new(list, describe(&pi, cmd));
                    json_array_append_new(pslist, describe_choria(&pi, cmd));
                } else {
                    *truncated = 1;
                }
                count++;
            }
        }
        close(dfd);
    }
    closedir(d);
    return count;
}

/* The optional "user" input as a uid (-1 when absent); an unknown user
 * selects nothing, as in Choria (-2). */
static int get_user(const struct muster_call *call, long long *uid_r, char *msg,
                    size_t msg_len) {
    const char *user;
    *uid_r = -1;
    if (json_object_get(call->data, "user") == NULL)
        return MUSTER_OK;
    int rc = mst_agent_string(call, "user", 64, &user, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    char buf[1024];
    struct passwd pw, *pwr = NULL;
    getpwnam_r(user, &pw, buf, sizeof buf, &pwr);
    *uid_r = pwr ? (long long)pw.pw_uid : -2;
    return MUSTER_OK;
}

static int list(const struct muster_host *host, const struct muster_call *call,
                json_t *reply, char *msg, size_t msg_len) {
    (void)host;
    const char *pattern = "";
    int rc = mst_agent_string(call, "pattern", MST_REGEXP_MAX_LEN, &pattern,
                              msg, msg_len);
    if (rc == MUSTER_MISSING_DATA)
        pattern = ""; /* optional: every process */
    else if (rc != MUSTER_OK)
        return rc;
    struct selection sel;
    rc = mst_agent_bool(call, "just_zombies", 0, &sel.zombies, msg, msg_len);
    if (rc == MUSTER_OK)
        rc = get_user(call, &sel.uid, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    struct mst_err err;
    if (mst_regexp_compile(&sel.re, pattern, REG_NOSUB, &err) != MST_OK)
        return mst_agent_fail(msg, msg_len, MUSTER_INVALID_DATA, "pattern: %s",
                              err.msg);
    json_t *procs = json_array(), *pslist = json_array();
    int truncated = 0;
    int count = scan(&sel, procs, pslist, &truncated);
    regfree(&sel.re);
    if (count < 0) {
        json_decref(procs);
        json_decref(pslist);
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                              "cannot read /proc");
    }
    json_object_set_new(reply, "processes", procs);
    json_object_set_new(reply, "pslist", pslist);
    json_object_set_new(reply, "count", json_integer(count));
    json_object_set_new(reply, "truncated", json_boolean(truncated));
    return MUSTER_OK;
}

static const struct muster_action actions[] = {
    {"list", list},
    {NULL, NULL},
};

static int activate(const struct muster_host *host) {
    (void)host;
    return access("/proc/self/status", R_OK) == 0;
}

MST_AGENT_EXPORT("process", activate, actions);
