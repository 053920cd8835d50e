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
#define ARGS_MAX_LEN 1024    /* the "args" input, "a!b!c" */
#define RUN_TIMEOUT_MS 55000 /* under the DDL's 60 s */

/* A lookup in progress: the command wanted and the last definition; with
 * no name, every definition (name -> line, later ones winning) in `all`. */
struct lookup {
    const char *name;
    char line[LINE_MAX_LEN];
    int found, files;
    json_t *all;
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
    size_t nlen = lk->name ? strlen(lk->name) : 0;
    if (strncmp(line, "command[", 8) == 0 && lk->name == NULL) {
        char *end = strstr(line + 8, "]=");
        if (end != NULL) {
            *end = '\0';
            if (mst_agent_is_name(line + 8, "_.-", NAME_MAX_LEN))
                json_object_set_new(lk->all, line + 8, json_string(end + 2));
        }
    } else if (strncmp(line, "command[", 8) == 0) {
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
 * Length of a whole unquoted word `$ARGn$` (n = 1..9) at `in`, else 0:
 * the one place a '$' is taken, as a placeholder for the caller's n-th
 * argument, which becomes exactly one word of the argv.
 */
static size_t arg_macro(const char *in) {
    if (strncmp(in, "$ARG", 4) != 0 || in[4] < '1' || in[4] > '9' ||
        in[5] != '$')
        return 0;
    return in[6] == '\0' || in[6] == ' ' || in[6] == '\t' ? 6 : 0;
}

/*
 * Split `line` in place into argv (at most MAX_ARGS - 1 words); a word
 * `$ARGn$` becomes "\x01n", replaced by the caller.  Returns the word
 * count, or -1 with the reason in `why`.
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
        if (arg_macro(in)) {
            *out++ = '\x01';
            *out++ = in[4];
            in += 6;
        }
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

/*
 * The caller's arguments ("a!b!c", as check_nrpe's -a): put the n-th
 * one in place of each "\x01n" word.  Returns 0, or -1 with `why`.
 */
static int put_args(char **argv, char *args, const char **why) {
    char *vals[9];
    int n = 0;
    for (char *a = args; a != NULL && n < 9; n++) {
        vals[n] = a;
        if ((a = strchr(a, '!')) != NULL)
            *a++ = '\0';
    }
    for (; *argv != NULL; argv++)
        if ((*argv)[0] == '\x01') {
            int k = (*argv)[1] - '1';
            if (k >= n || vals[k][0] == '\0')
                return *why = "an $ARGn$ of its line has no argument", -1;
            *argv = vals[k];
        }
    return 0;
}

/* Run the line defined for `name` with `args` (may be NULL): exitcode,
 * output and perfdata in `reply`.  MUSTER_OK when it ran at all. */
static int run_line(const char *name, char *line, char *args, json_t *reply,
                    char *msg, size_t msg_len) {
    char *argv[MAX_ARGS];
    const char *why = NULL;
    if (split_words(line, argv, &why) < 0 || put_args(argv, args, &why) < 0)
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED, "%s: refused: %s",
                              name, why);
    struct mst_proc_result res;
    int rc = mst_agent_run((const char *const *)argv, RUN_TIMEOUT_MS, NULL,
                           &res, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    json_object_set_new(reply, "exitcode", json_integer(res.exit_code));
    add_output(reply, &res);
    mst_proc_result_free(&res);
    return MUSTER_OK;
}

static const char *config_path(void) {
    const char *cfg = getenv(CONFIG_ENV);
    return cfg && cfg[0] ? cfg : DEFAULT_CONFIG;
}

static int runcommand(const struct muster_host *host,
                      const struct muster_call *call, json_t *reply, char *msg,
                      size_t msg_len) {
    (void)host;
    struct lookup lk = {0};
    const char *args = "";
    char args_copy[ARGS_MAX_LEN + 1];
    int rc = mst_agent_name(call, "command", "_.-", NAME_MAX_LEN, &lk.name, msg,
                            msg_len);
    if (rc == MUSTER_OK && json_object_get(call->data, "args") != NULL)
        rc = mst_agent_string(call, "args", ARGS_MAX_LEN, &args, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    mst_strlcpy(args_copy, args, sizeof args_copy);
    read_config(config_path(), 0, &lk);
    if (!lk.found)
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                              "%s: no such command in the NRPE "
                              "configuration",
                              lk.name);
    json_object_set_new(reply, "command", json_string(lk.name));
    rc = run_line(lk.name, lk.line, args_copy, reply, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    return plugin_state(
        (int)json_integer_value(json_object_get(reply, "exitcode")), lk.name,
        msg, msg_len);
}

/* Every defined command, each run without arguments, as Choria's
 * runallcommands: commands = {NAME: {exitcode, output, perfdata}}; a
 * line that cannot run is UNKNOWN (3) with the reason as its output. */
static int runallcommands(const struct muster_host *host,
                          const struct muster_call *call, json_t *reply,
                          char *msg, size_t msg_len) {
    (void)host, (void)call, (void)msg, (void)msg_len;
    struct lookup lk = {.all = json_object()};
    json_t *commands = json_object(), *line;
    const char *name;
    read_config(config_path(), 0, &lk);
    json_object_foreach(lk.all, name, line) {
        char text[LINE_MAX_LEN], why[256];
        json_t *one = json_object();
        mst_strlcpy(text, json_string_value(line), sizeof text);
        if (run_line(name, text, NULL, one, why, sizeof why) != MUSTER_OK) {
            json_object_set_new(one, "exitcode", json_integer(3));
            json_object_set_new(one, "output", json_string(why));
            json_object_set_new(one, "perfdata", json_string(""));
        }
        json_object_set_new(commands, name, one);
    }
    json_decref(lk.all);
    json_object_set_new(reply, "commands", commands);
    return MUSTER_OK;
}

static const struct muster_action actions[] = {
    {"runcommand", runcommand},
    {"runallcommands", runallcommands},
    {NULL, NULL},
};

MST_AGENT_EXPORT("nrpe", NULL, actions);
