/*
 * cmd_ddl.c - `muster ddl convert FILE.ddl [-o OUT.json]`: an MCollective
 * Ruby DDL turned into a JSON DDL (Choria's schema), without Ruby.  Needs
 * neither a client configuration nor a broker, so it is dispatched before
 * the common option parsing (see muster.c), like `muster cert`.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

#define MAX_DDL (1024 * 1024) /* as muster_ddl_convert_ruby accepts */

static const char ddl_usage[] =
    "usage: muster ddl convert FILE.ddl [-o OUT.json]\n"
    "\n"
    "  convert  read an MCollective Ruby DDL without running Ruby and print\n"
    "           it as a JSON DDL (Choria's schema) on stdout, or write it to\n"
    "           OUT.json.  Only the declarative subset DDLs are written in is\n"
    "           read (metadata, action, input, output, display, summarize,\n"
    "           loops over literal lists); anything else is refused with\n"
    "           FILE:LINE.  See docs/agents.md \"Converting Ruby DDLs\".\n";

/* The whole of `path` (at most MAX_DDL bytes) into *text_r, *len_r. */
static int read_all(const char *path, char **text_r, size_t *len_r) {
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return mst_cli_error(MST_EXIT_USAGE, "%s: %s", path, strerror(errno));
    char *text = malloc(MAX_DDL + 1);
    size_t len = text != NULL ? fread(text, 1, MAX_DDL + 1, f) : 0;
    int bad = text == NULL || ferror(f);
    fclose(f);
    if (bad || len > MAX_DDL) {
        free(text);
        return mst_cli_error(MST_EXIT_USAGE, "%s: %s", path,
                             bad ? "cannot read" : "larger than 1 MiB");
    }
    *text_r = text;
    *len_r = len;
    return MST_EXIT_GO_ON;
}

static int write_json(const json_t *doc, const char *out) {
    FILE *f = out != NULL ? fopen(out, "w") : stdout;
    if (f == NULL)
        return mst_cli_error(MST_EXIT_USAGE, "%s: %s", out, strerror(errno));
    int bad =
        json_dumpf(doc, f, JSON_INDENT(2) | JSON_REAL_PRECISION(15)) != 0 ||
        fputc('\n', f) == EOF;
    if (out != NULL)
        bad |= fclose(f) != 0;
    else
        bad |= fflush(f) != 0;
    if (bad)
        return mst_cli_error(MST_EXIT_FAILED, "%s: cannot write",
                             out != NULL ? out : "stdout");
    return MST_EXIT_OK;
}

static int convert(const char *path, const char *out) {
    char *text = NULL;
    size_t len = 0;
    int rc = read_all(path, &text, &len);
    if (rc != MST_EXIT_GO_ON)
        return rc;
    json_t *doc = NULL;
    struct muster_error err = {0};
    if (muster_ddl_convert_ruby(text, len, path, &doc, &err) != 0)
        rc = mst_cli_error(MST_EXIT_FAILED, "%s", err.message);
    else
        rc = write_json(doc, out);
    json_decref(doc);
    free(text);
    return rc;
}

int mst_cmd_ddl(int argc, char **argv) {
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out = NULL;
    int opt;
    /* GNU getopt: options may come before or after the words */
    while ((opt = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        if (opt == 'h') {
            fputs(ddl_usage, stdout);
            return MST_EXIT_OK;
        }
        if (opt != 'o')
            return mst_cli_error(MST_EXIT_USAGE, "see 'muster ddl --help'");
        out = optarg;
    }
    if (argc - optind == 2 && strcmp(argv[optind], "convert") == 0)
        return convert(argv[optind + 1], out);
    fputs(ddl_usage, stderr);
    return MST_EXIT_USAGE;
}
