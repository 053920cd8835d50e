/*
 * test_pull.c - `muster collect --poll`'s conversion of an rpcutil
 * inventory reply into the registration the store keeps (pull.c).
 */
#include <check.h>

#include "base/status.h"
#include "pull.h"
#include "runner.h"

static void setup(void) {}
static void teardown(void) {}

START_TEST(inventory_reply_becomes_a_registration) {
    json_t *data = json_pack(
        "{s:s, s:s, s:[s], s:{s:s}, s:[s], s:[s,s], s:i}", "identity", "web1",
        "version", "0.1.0", "collectives", "muster", "facts", "role", "web",
        "classes", "base", "agents", "rpcutil", "service", "uptime", 60);
    struct mst_registration reg = {0};
    struct mst_err err = {0};
    ck_assert_msg(mst_pull_registration("web1", 1700000060000, data, &reg,
                                        &err) == MST_OK,
                  "%s", err.msg);
    ck_assert(mst_registration_full(&reg));
    ck_assert_int_eq(reg.started_ms, 1700000000000);
    ck_assert_int_eq(reg.interval_s, 0);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(reg.agents, 1), "name")),
                     "service");
    /* the digest is that of what is stored */
    char d[MST_DIGEST_LEN];
    ck_assert_int_eq(
        mst_registration_digest(reg.facts, reg.classes, reg.agents, d, NULL),
        MST_OK);
    ck_assert_str_eq(d, reg.digest);
    mst_registration_clear(&reg);
    /* what no node sends */
    json_object_set_new(data, "facts", json_array());
    ck_assert_int_eq(mst_pull_registration("web1", 1, data, &reg, &err),
                     MST_EINVAL);
    ck_assert_ptr_null(reg.sender);
    json_object_set_new(data, "facts", json_object());
    json_object_set_new(data, "collectives", json_pack("[s]", "bad name"));
    ck_assert_int_eq(mst_pull_registration("web1", 1, data, &reg, &err),
                     MST_EINVAL);
    json_decref(data);
}
END_TEST

int main(void) {
    Suite *s = suite_create("pull");
    TCase *tc = mst_test_case(s, "pull", setup, teardown, 30);
    tcase_add_test(tc, inventory_reply_becomes_a_registration);
    return mst_test_run(s);
}
