/*
 * cmd_help.c - muster help [AGENT]: the agents this client has DDLs for,
 * and one agent's DDL rendered for a person.  Also where DDLs are found:
 * $MUSTER_DDL_PATH (colon-separated) first, then the configuration's
 * ddl_path (default <datadir>/muster/ddl).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "ddl/ddl.h"
#include "ddl/path.h"
#include "base/status.h"

/* The directories to search, in order.  The caller frees `dirs`. */
static int ddl_dirs(const struct mst_cli *cli, struct mst_strv *dirs) {
    const char *env = getenv("MUSTER_DDL_PATH");
    char *copy = env ? strdup(env) : NULL;
    int rc = MST_OK;
    char *save = NULL;
    for (char *d = copy ? strtok_r(copy, ":", &save) : NULL;
         d != NULL && rc == MST_OK; d = strtok_r(NULL, ":", &save))
        rc = mst_strv_push(dirs, d);
    free(copy);
    for (size_t i = 0; rc == MST_OK && i < cli->cfg->ddl_path.n; i++)
        rc = mst_strv_push(dirs, cli->cfg->ddl_path.v[i]);
    return rc;
}

int mst_cli_find_ddl(const struct mst_cli *cli, const char *agent,
                     struct mst_ddl **ddl_r) {
    struct mst_strv dirs = {0};
    struct mst_err err = {0};
    int rc = ddl_dirs(cli, &dirs);
    if (rc == MST_OK)
        rc = mst_ddl_path_find(&dirs, agent, ddl_r, &err);
    mst_strv_free(&dirs);
    if (rc == MST_ENOTFOUND)
        return mst_cli_error(MST_EXIT_USAGE,
                             "no DDL for agent %s, so its inputs cannot be "
                             "checked: install %s.json in a ddl_path "
                             "directory (see 'muster help')",
                             agent, agent);
    if (rc != MST_OK)
        return mst_cli_error(MST_EXIT_USAGE, "%s", err.msg);
    return -1;
}

/* `text` wrapped at 76 columns, every line indented by `indent`. */
static void wrap(int indent, const char *text) {
    int col = 0;
    while (*text != '\0') {
        size_t word = strcspn(text, " ");
        if (col > 0 && col + 1 + (int)word > 76 - indent) {
            putchar('\n');
            col = 0;
        }
        if (col == 0)
            printf("%*s", indent, "");
        else
            putchar(' ');
        printf("%.*s", (int)word, text);
        col += (int)word + (col > 0);
        text += word;
        text += strspn(text, " ");
    }
    if (col > 0)
        putchar('\n');
}

static void print_json_field(const char *label, const json_t *v) {
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    printf("%16s%s: %s\n", "", label, s ? s : "?");
    free(s);
}

static void print_input(const struct mst_ddl_input *in) {
    printf("%12s%s (%s, %s%s)\n", "", in->name, mst_ddl_type_name(in->type),
           in->optional ? "optional" : "required",
           in->sensitive ? ", sensitive" : "");
    if (in->description[0] != '\0')
        wrap(16, in->description);
    if (in->prompt[0] != '\0' && strcmp(in->prompt, in->description) != 0)
        printf("%16sprompt: %s\n", "", in->prompt);
    if (in->validator == MST_DDL_V_REGEX)
        printf("%16svalidation: /%s/\n", "", in->validation);
    else if (in->validator != MST_DDL_V_NONE)
        printf("%16svalidation: %s\n", "", in->validation);
    if (in->maxlength > 0)
        printf("%16smaxlength: %zu\n", "", in->maxlength);
    if (in->enum_values != NULL)
        print_json_field("one of", in->enum_values);
    if (in->def != NULL)
        print_json_field("default", in->def);
}

static void print_action(const struct mst_ddl_action *act) {
    printf("    %s\n", act->name);
    if (act->description[0] != '\0')
        wrap(8, act->description);
    printf("        Results shown: %s\n", mst_ddl_display_name(act->display));
    printf("\n        INPUT\n");
    if (act->n_inputs == 0)
        printf("            (none)\n");
    for (size_t i = 0; i < act->n_inputs; i++)
        print_input(&act->inputs[i]);
    printf("\n        OUTPUT\n");
    if (act->n_outputs == 0)
        printf("            (none)\n");
    for (size_t i = 0; i < act->n_outputs; i++) {
        const struct mst_ddl_output *o = &act->outputs[i];
        printf("            %s \"%s\" (%s)\n", o->name, o->display_as,
               mst_ddl_type_name(o->type));
        if (o->description[0] != '\0')
            wrap(16, o->description);
    }
    if (act->n_aggregates > 0)
        printf("\n        SUMMARY\n");
    for (size_t i = 0; i < act->n_aggregates; i++) {
        const struct mst_ddl_aggregate *ag = &act->aggregates[i];
        printf("            %s of %s\n",
               ag->function == MST_DDL_SUMMARY   ? "summary"
               : ag->function == MST_DDL_AVERAGE ? "average"
                                                 : "sum",
               ag->output);
    }
    putchar('\n');
}

static void print_usage_line(const struct mst_ddl *ddl,
                             const struct mst_ddl_action *act) {
    printf("    muster rpc %s %s", ddl->name, act->name);
    for (size_t i = 0; i < act->n_inputs; i++)
        printf(act->inputs[i].optional ? " [%s=%s]" : " %s=%s",
               act->inputs[i].name, mst_ddl_type_name(act->inputs[i].type));
    putchar('\n');
}

static void render(const struct mst_ddl *ddl) {
    printf("NAME\n    %s - %s\n\n", ddl->name, ddl->description);
    printf("    Version %s, %s, by %s.  Timeout %d s.\n",
           ddl->version[0] ? ddl->version : "?",
           ddl->license[0] ? ddl->license : "no licence given",
           ddl->author[0] ? ddl->author : "?", ddl->timeout_s);
    if (ddl->url[0] != '\0')
        printf("    %s\n", ddl->url);
    printf("    DDL: %s\n\nSYNOPSIS\n", ddl->path);
    for (size_t i = 0; i < ddl->n_actions; i++)
        print_usage_line(ddl, &ddl->actions[i]);
    printf("\nACTIONS\n");
    for (size_t i = 0; i < ddl->n_actions; i++)
        print_action(&ddl->actions[i]);
}

static int list_agents(const struct mst_cli *cli) {
    struct mst_strv dirs = {0}, names = {0};
    int rc = ddl_dirs(cli, &dirs);
    if (rc == MST_OK)
        rc = mst_ddl_path_list(&dirs, &names);
    printf("Agents with a DDL on this client (muster help AGENT for one):\n\n");
    for (size_t i = 0; rc == MST_OK && i < names.n; i++) {
        struct mst_ddl *ddl = NULL;
        struct mst_err err = {0};
        if (mst_ddl_path_find(&dirs, names.v[i], &ddl, &err) == MST_OK)
            printf("  %-20s %s\n", names.v[i], ddl->description);
        else
            printf("  %-20s (broken DDL: %s)\n", names.v[i], err.msg);
        mst_ddl_free(&ddl);
    }
    if (names.n == 0)
        printf("  (none)\n");
    printf("\nSearched:");
    for (size_t i = 0; i < dirs.n; i++)
        printf(" %s", dirs.v[i]);
    putchar('\n');
    mst_strv_free(&names);
    mst_strv_free(&dirs);
    return rc == MST_OK ? MST_EXIT_OK
                        : mst_cli_error(MST_EXIT_USAGE, "out of memory");
}

int mst_cmd_help(struct mst_cli *cli) {
    if (cli->nargs > 2)
        return mst_cli_error(MST_EXIT_USAGE, "usage: muster help [AGENT]");
    if (cli->nargs == 1)
        return list_agents(cli);
    struct mst_ddl *ddl = NULL;
    int rc = mst_cli_find_ddl(cli, cli->args[1], &ddl);
    if (rc >= 0)
        return rc;
    render(ddl);
    mst_ddl_free(&ddl);
    return MST_EXIT_OK;
}
