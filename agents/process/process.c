/*
 * process.c - the process agent: list processes whose command line
 * matches a bounded regular expression, from /proc (no ps, no shell).
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

static json_t *describe(int dfd, long long pid, const char *cmd) {
    char status[4096], pwbuf[1024], num[24];
    if (read_small(dfd, "status", status, sizeof status) < 0)
        status[0] = '\0';
    long long uid = status_field(status, "\nUid:");
    long long rss = status_field(status, "\nVmRSS:");
    struct passwd pw, *pwr = NULL;
    if (uid >= 0)
        getpwuid_r((uid_t)uid, &pw, pwbuf, sizeof pwbuf, &pwr);
    snprintf(num, sizeof num, "%lld", uid);
    return json_pack("{s:I, s:s, s:I, s:I, s:o}", "pid", (json_int_t)pid,
                     "user", pwr ? pw.pw_name : num, "uid", (json_int_t)uid,
                     "rss", (json_int_t)(rss < 0 ? 0 : rss), "command",
                     mst_agent_text(cmd, strlen(cmd)));
}

/* Append every matching process to `list`; count of matches. */
static int scan(const regex_t *re, json_t *list, int *truncated) {
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
        command_of(dfd, cmd, sizeof cmd);
        if (regexec(re, cmd, 0, NULL, 0) == 0) {
            if (count < MAX_PROCS)
                json_array_append_new(list, describe(dfd, pid, cmd));
            else
                *truncated = 1;
            count++;
        }
        close(dfd);
    }
    closedir(d);
    return count;
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
    regex_t re;
    struct mst_err err;
    if (mst_regexp_compile(&re, pattern, REG_NOSUB, &err) != MST_OK)
        return mst_agent_fail(msg, msg_len, MUSTER_INVALID_DATA, "pattern: %s",
                              err.msg);
    json_t *procs = json_array();
    int truncated = 0;
    int count = scan(&re, procs, &truncated);
    regfree(&re);
    if (count < 0) {
        json_decref(procs);
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                              "cannot read /proc");
    }
    json_object_set_new(reply, "processes", procs);
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
