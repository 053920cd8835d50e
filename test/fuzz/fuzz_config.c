/*
 * fuzz_config.c - libFuzzer target for mst_config_load in both roles.
 *
 * libconfig reads files, so each input is written to one private temporary
 * file first.  Whatever the bytes, the loader must return a status, fill
 * the error when it fails, and leak nothing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"
#include "base/status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static int write_input(const uint8_t *data, size_t size) {
    if (path[0] == '\0') {
        snprintf(path, sizeof path, "/tmp/fuzz_config.%ld.cfg", (long)getpid());
    }
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    size_t put = fwrite(data, 1, size, f);
    return fclose(f) == 0 && put == size ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* An @include could read any file; keep inputs self-contained. */
    if (memmem(data, size, "@include", 8) != NULL || write_input(data, size))
        return 0;
    for (int role = MST_CONFIG_SERVER; role <= MST_CONFIG_CLIENT; role++) {
        struct mst_config *cfg = NULL;
        struct mst_err err = {0, ""};
        int rc = mst_config_load(path, (enum mst_config_role)role, &cfg, &err);
        if ((rc == MST_OK) != (cfg != NULL) ||
            (rc != MST_OK && (err.code != rc || err.msg[0] == '\0')))
            abort();
        mst_config_free(&cfg);
    }
    return 0;
}
