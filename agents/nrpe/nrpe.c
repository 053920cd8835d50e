/*
 * nrpe.c - the nrpe agent: runcommand NAME runs the command defined as
 * `command[NAME]=...` in NRPE's configuration (nrpe.cfg and the files it
 * pulls in with include= and include_dir=), and returns its exit code and
 * output, as the nagios plugin it is.
 *
 * NRPE itself hands the line to /bin/sh; muster never uses a shell, so
 * the line is split into words here (whitespace, '...' and "..."), and a
 * line that needs a shell (| ; & < > ` $ and so macros like $ARG1$) is
 * refused rather than run differently from what its author meant.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent_util.h"
#include "base/util.h"

#define DEFAULT_CONFIG "/etc/nagios/nrpe.cfg"
#define CONFIG_ENV "MUSTER_NRPE_CONFIG" /* another main file, for tests */
#define NAME_MAX_LEN 64
#define MAX_DEPTH 8   /* include nesting */
#define MAX_FILES 256 /* files read for one lookup */
#define LINE_MAX_LEN 4096
#define MAX_ARGS 64
#define RUN_TIMEOUT_MS 55000 /* under the DDL's 60 s */

/* A lookup in progress: the command wanted and the last definition. */
struct lookup {
    const char *name;
    char line[LINE_MAX_LEN];
    int found, files;
};

static void read_config(const char *path, int depth, struct lookup *lk);

/* Every *.cfg below `dir`, in name order (as NRPE reads them). */
static void read_dir(const char *dir, int depth, struct lookup *lk) {
    struct dirent **ents = NULL;
    int n = scandir(dir, &ents, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        char path[4096];
        const char *nm = ents[i]->d_name;
        struct stat st;
        size_t len = strlen(nm);
        snprintf(path, sizeof path, "%s/%s", dir, nm);
        if (nm[0] != '.' && stat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode) && depth < MAX_DEPTH)
                read_dir(path, depth + 1, lk);
            else if (S_ISREG(st.st_mode) && len > 4 &&
                     strcmp(nm + len - 4, ".cfg") == 0)
                read_config(path, depth + 1, lk);
        }
        free(ents[i]);
    }
    free(ents);
}

/* One line of a config file; later definitions win, as in NRPE. */
static void config_line(char *line, int depth, struct lookup *lk) {
    line[strcspn(line, "\r\n")] = '\0';
    size_t nlen = strlen(lk->name);
    if (strncmp(line, "command[", 8) == 0) {
        const char *nm = line + 8;
        if (strncmp(nm, lk->name, nlen) == 0 &&
            strncmp(nm + nlen, "]=", 2) == 0) {
            mst_strlcpy(lk->line, nm + nlen + 2, sizeof lk->line);
            lk->found = 1;
        }
    } else if (strncmp(line, "include=", 8) == 0) {
        read_config(line + 8, depth + 1, lk);
    } else if (strncmp(line, "include_dir=", 12) == 0) {
        char *dir = line + 12;
        size_t len = strlen(dir);
        while (len > 1 && dir[len - 1] == '/')
            dir[--len] = '\0';
        if (depth < MAX_DEPTH)
            read_dir(dir, depth + 1, lk);
    }
}

static void read_config(const char *path, int depth, struct lookup *lk) {
    if (depth > MAX_DEPTH || ++lk->files > MAX_FILES)
        return;
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return;
    char line[LINE_MAX_LEN];
    while (fgets(line, sizeof line, f) != NULL) {
        if (strchr(line, '\n') == NULL && !feof(f)) {
            int c; /* overlong: skip the rest of it */
            while ((c = fgetc(f)) != EOF && c != '\n')
                ;
            continue;
        }
        config_line(line, depth, lk);
    }
    fclose(f);
}

/* A shell expands $, ` and \ between double quotes. */
static int expands(const char *from, const char *end) {
    for (; from < end; from++)
        if (*from == '$' || *from == '`' || *from == '\\')
            return 1;
    return 0;
}

/*
 * Split `line` in place into argv (at most MAX_ARGS - 1 words).  Returns
 * the word count, or -1 with the reason in `why`.
 */
static int split_words(char *line, char **argv, const char **why) {
    int argc = 0;
    char *in = line, *out = line;
    while (*in != '\0') {
        in += strspn(in, " \t");
        if (*in == '\0')
            break;
        if (argc == MAX_ARGS - 1)
            return *why = "too many words", -1;
        argv[argc++] = out;
        while (*in != '\0' && *in != ' ' && *in != '\t') {
            char q = *in;
            if (q == '\'' || q == '"') {
                char *end = strchr(in + 1, q);
                if (end == NULL)
                    return *why = "unterminated quote", -1;
                /* a shell expands these inside double quotes */
                if (q == '"' && expands(in + 1, end))
                    return *why = "it needs a shell ($ ` \\ in quotes)", -1;
                memmove(out, in + 1, (size_t)(end - in - 1));
                out += end - in - 1;
                in = end + 1;
            } else if (strchr("|;&<>`$()\\", q) != NULL) {
                return *why = "it needs a shell (| ; & < > ` $ ( ) \\)", -1;
            } else {
                *out++ = *in++;
            }
        }
        char *next = in + (*in != '\0');
        *out++ = '\0'; /* never past `in`: out <= in */
        in = next;
    }
    argv[argc] = NULL;
    if (argc == 0 || argv[0][0] != '/')
        return *why = "the program is not an absolute path", -1;
    return argc;
}

/* The plugin output's first line, split at '|' into text and perfdata. */
static void add_output(json_t *reply, const struct mst_proc_result *res) {
    const char *out = res->out;
    size_t n = strcspn(out, "\n");
    const char *bar = memchr(out, '|', n);
    size_t text = bar ? (size_t)(bar - out) : n;
    while (text > 0 && out[text - 1] == ' ')
        text--;
    json_object_set_new(reply, "output", mst_agent_text(out, text));
    json_object_set_new(
        reply, "perfdata",
        bar ? mst_agent_text(bar + 1, n - (size_t)(bar - out) - 1)
            : json_string(""));
}

/* Nagios plugin exit codes; anything but OK fails the action. */
static int plugin_state(int code, const char *name, char *msg, size_t msg_len) {
    static const char *const states[] = {"OK", "WARNING", "CRITICAL",
                                         "UNKNOWN"};
    if (code == 0)
        return MUSTER_OK;
    return mst_agent_fail(msg, msg_len, MUSTER_ABORTED, "%s: %s", name,
                          code > 0 && code < 4 ? states[code] : "UNKNOWN");
}

static int runcommand(const struct muster_host *host,
                      const struct muster_call *call, json_t *reply, char *msg,
                      size_t msg_len) {
    (void)host;
    struct lookup lk = {0};
    int rc = mst_agent_name(call, "command", "_.-", NAME_MAX_LEN, &lk.name, msg,
                            msg_len);
    if (rc != MUSTER_OK)
        return rc;
    const char *cfg = getenv(CONFIG_ENV);
    read_config(cfg && cfg[0] ? cfg : DEFAULT_CONFIG, 0, &lk);
    if (!lk.found)
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                              "%s: no such command in the NRPE "
                              "configuration",
                              lk.name);
    char *argv[MAX_ARGS];
    const char *why = NULL;
    if (split_words(lk.line, argv, &why) < 0)
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED, "%s: refused: %s",
                              lk.name, why);
    struct mst_proc_result res;
    rc = mst_agent_run((const char *const *)argv, RUN_TIMEOUT_MS, NULL, &res,
                       msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    json_object_set_new(reply, "command", json_string(lk.name));
    json_object_set_new(reply, "exitcode", json_integer(res.exit_code));
    add_output(reply, &res);
    rc = plugin_state(res.exit_code, lk.name, msg, msg_len);
    mst_proc_result_free(&res);
    return rc;
}

static const struct muster_action actions[] = {
    {"runcommand", runcommand},
    {NULL, NULL},
};

MST_AGENT_EXPORT("nrpe", NULL, actions);
