/*
 * fixture.h - read test/data files for the unit tests (header-only).
 */
#ifndef MST_TEST_FIXTURE_H
#define MST_TEST_FIXTURE_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/bytes.h"
#include "base/file.h"
#include "base/status.h"

/* Load test/data/msgpack/<name>.bin; the caller frees the returned data. */
static inline uint8_t *fixture_load(const char *name, size_t *len_r) {
    char path[512];
    snprintf(path, sizeof path, "%s/msgpack/%s.bin", MST_TEST_DATA, name);
    char *data = NULL;
    struct mst_err err = {0};
    ck_assert_msg(mst_file_read(path, 1 << 20, &data, len_r, &err) == MST_OK,
                  "fixture: %s", err.msg);
    return (uint8_t *)data;
}

/* A fixture and what the function under test must return for it. */
struct fixture_case {
    const char *name;
    int status;
};

#endif
