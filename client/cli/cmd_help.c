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
#include "rpc_check.h"

int mst_cli_find_ddl(const struct mst_cli *cli, const char *agent,
                     struct muster_ddl **ddl_r) {
    struct muster_error err = {0};
    if (mst_rpc_find_ddl(cli->cfg, agent, ddl_r, &err) != 0)
        return mst_cli_error(MST_EXIT_USAGE, "%s", err.message);
    const char *w;
    for (size_t i = 0; (w = muster_ddl_warning(*ddl_r, i)) != NULL; i++)
        fprintf(stderr, "muster: warning: %s\n", w);
    return MST_EXIT_GO_ON;
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
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | MUSTER_JSON_REAL);
    printf("%16s%s: %s\n", "", label, s ? s : "?");
    free(s);
}

static void print_input(const struct muster_ddl_input *in) {
    printf("%12s%s (%s, %s%s)\n", "", in->name, in->type,
           in->optional ? "optional" : "required",
           in->sensitive ? ", sensitive" : "");
    if (in->description[0] != '\0')
        wrap(16, in->description);
    if (in->prompt[0] != '\0' && strcmp(in->prompt, in->description) != 0)
        printf("%16sprompt: %s\n", "", in->prompt);
    if (in->validator != NULL && strcmp(in->validator, "regex") == 0)
        printf("%16svalidation: /%s/\n", "", in->validation);
    else if (in->validator != NULL)
        printf("%16svalidation: %s\n", "", in->validation);
    if (in->maxlength > 0)
        printf("%16smaxlength: %zu\n", "", in->maxlength);
    if (in->enum_values != NULL)
        print_json_field("one of", in->enum_values);
    if (in->default_value != NULL)
        print_json_field("default", in->default_value);
}

static void print_action(const struct muster_ddl_action *act) {
    struct muster_ddl_action_about a;
    muster_ddl_action_about(act, &a);
    printf("    %s\n", a.name);
    if (a.description[0] != '\0')
        wrap(8, a.description);
    printf("        Results shown: %s\n", a.display_name);
    printf("\n        INPUT\n");
    if (a.n_inputs == 0)
        printf("            (none)\n");
    for (size_t i = 0; i < a.n_inputs; i++) {
        struct muster_ddl_input in;
        muster_ddl_input_at(act, i, &in);
        print_input(&in);
    }
    printf("\n        OUTPUT\n");
    if (a.n_outputs == 0)
        printf("            (none)\n");
    for (size_t i = 0; i < a.n_outputs; i++) {
        struct muster_ddl_output o;
        muster_ddl_output_at(act, i, &o);
        printf("            %s \"%s\" (%s)\n", o.name, o.display_as, o.type);
        if (o.description[0] != '\0')
            wrap(16, o.description);
    }
    if (a.n_aggregates > 0)
        printf("\n        SUMMARY\n");
    for (size_t i = 0; i < a.n_aggregates; i++) {
        struct muster_ddl_aggregate ag;
        muster_ddl_aggregate_at(act, i, &ag);
        printf("            %s of %s\n", ag.function, ag.output);
    }
    putchar('\n');
}

static void print_usage_line(const char *agent,
                             const struct muster_ddl_action *act) {
    struct muster_ddl_action_about a;
    muster_ddl_action_about(act, &a);
    printf("    muster rpc %s %s", agent, a.name);
    for (size_t i = 0; i < a.n_inputs; i++) {
        struct muster_ddl_input in;
        muster_ddl_input_at(act, i, &in);
        printf(in.optional ? " [%s=%s]" : " %s=%s", in.name, in.type);
    }
    putchar('\n');
}

static void render(const struct muster_ddl *ddl) {
    struct muster_ddl_about d;
    muster_ddl_about(ddl, &d);
    printf("NAME\n    %s - %s\n\n", d.name, d.description);
    printf("    Version %s, %s, by %s.  Timeout %g s.\n",
           d.version[0] ? d.version : "?",
           d.license[0] ? d.license : "no licence given",
           d.author[0] ? d.author : "?", (double)d.timeout_ms / 1000);
    if (d.url[0] != '\0')
        printf("    %s\n", d.url);
    printf("    DDL: %s\n\nSYNOPSIS\n", d.path);
    for (size_t i = 0; i < d.n_actions; i++)
        print_usage_line(d.name, muster_ddl_action_at(ddl, i));
    printf("\nACTIONS\n");
    for (size_t i = 0; i < d.n_actions; i++)
        print_action(muster_ddl_action_at(ddl, i));
}

static int list_agents(const struct mst_cli *cli) {
    struct muster_list *dirs = muster_list_new(), *names = muster_list_new();
    int rc = dirs && names ? muster_ddl_dirs(cli->cfg, dirs) : MUSTER_ENOMEM;
    if (rc == 0)
        rc = muster_ddl_list(cli->cfg, names);
    printf("Agents with a DDL on this client (muster help AGENT for one):\n\n");
    for (size_t i = 0; rc == 0 && i < muster_list_count(names); i++) {
        const char *name = muster_list_get(names, i);
        struct muster_ddl *ddl = NULL;
        struct muster_error err = {0};
        struct muster_ddl_about d;
        if (muster_ddl_find(cli->cfg, name, &ddl, &err) == 0) {
            muster_ddl_about(ddl, &d);
            printf("  %-20s %s\n", name, d.description);
        } else {
            printf("  %-20s (broken DDL: %s)\n", name, err.message);
        }
        muster_ddl_free(&ddl);
    }
    if (muster_list_count(names) == 0)
        printf("  (none)\n");
    printf("\nSearched:");
    for (size_t i = 0; i < muster_list_count(dirs); i++)
        printf(" %s", muster_list_get(dirs, i));
    putchar('\n');
    muster_list_free(&names);
    muster_list_free(&dirs);
    return rc == 0 ? MST_EXIT_OK
                   : mst_cli_error(MST_EXIT_USAGE, "out of memory");
}

int mst_cmd_help(struct mst_cli *cli) {
    if (cli->nargs > 2)
        return mst_cli_error(MST_EXIT_USAGE, "usage: muster help [AGENT]");
    if (cli->nargs == 1)
        return list_agents(cli);
    struct muster_ddl *ddl = NULL;
    int rc = mst_cli_find_ddl(cli, cli->args[1], &ddl);
    if (rc != MST_EXIT_GO_ON)
        return rc;
    render(ddl);
    muster_ddl_free(&ddl);
    return MST_EXIT_OK;
}
