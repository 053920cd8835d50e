/*
 * fixture.h - read test/data files for the unit tests (header-only).
 */
#ifndef MST_TEST_FIXTURE_H
#define MST_TEST_FIXTURE_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/bytes.h"

/* Load test/data/msgpack/<name>.bin; the caller frees the returned data. */
static inline uint8_t *fixture_load(const char *name, size_t *len_r) {
    char path[512];
    snprintf(path, sizeof path, "%s/msgpack/%s.bin", MST_TEST_DATA, name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open fixture %s", path);
    uint8_t *data = malloc(1 << 20);
    ck_assert_ptr_nonnull(data);
    size_t n = fread(data, 1, 1 << 20, f);
    ck_assert_msg(!ferror(f) && feof(f), "cannot read fixture %s", path);
    fclose(f);
    *len_r = n;
    return data;
}

/* A fixture and what the function under test must return for it. */
struct fixture_case {
    const char *name;
    int status;
};

#endif
