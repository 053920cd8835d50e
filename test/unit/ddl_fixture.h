/*
 * ddl_fixture.h - loading the DDL fixtures of test/data/ddl/ for the ddl
 * part's suites (header-only).
 */
#ifndef MST_TEST_DDL_FIXTURE_H
#define MST_TEST_DDL_FIXTURE_H

#include <check.h>
#include <stdio.h>

#include "base/status.h"
#include "ddl/ddl.h"
#include "ddl/load.h"

#define DDL_DIR MST_TEST_DATA "/ddl"
#define AGENTS_DIR MST_TEST_DATA "/../../agents"

/* test/data/ddl/NAME.json, loaded or the test fails. */
static inline struct mst_ddl *load(const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s.json", DDL_DIR, name);
    struct mst_ddl *ddl = NULL;
    struct mst_err err = {0};
    int rc = mst_ddl_load_file(path, &ddl, &err);
    ck_assert_msg(rc == MST_OK, "%s: %s", name, err.msg);
    return ddl;
}

/* The action "all" of good.json, which has every kind of input. */
static inline const struct mst_ddl_action *good_all(struct mst_ddl **ddl) {
    *ddl = load("good");
    const struct mst_ddl_action *act = mst_ddl_action(*ddl, "all");
    ck_assert_ptr_nonnull(act);
    return act;
}

#endif
