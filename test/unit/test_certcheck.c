/*
 * test_certcheck.c - the doctor's certificate checks: a good pair passes,
 * and each fault (expiring, expired, not yet valid, wrong kind, wrong CN,
 * key open to others, key of another certificate, another CA, a missing
 * file) is one finding naming the file, with its fix.
 */
#include <check.h>
#include <sys/stat.h>

#include "findings.h"
#include "pki.h"
#include "runner.h"
#include "security/certcheck.h"

static char dir[64];
static struct mst_strv lines;
static struct mst_findings fs;

static void setup(void) {
    pki_init(dir, MST_KEY_EC);
    lines = (struct mst_strv){0};
    fs = (struct mst_findings){.fn = findings_record, .ud = &lines};
}

static void teardown(void) {
    mst_strv_free(&lines);
    pki_remove(dir);
}

/* Check NAME's pair in dir as a side of `kind` holding it to `identity`. */
static void run(const char *name, enum mst_cert_kind kind, const char *identity,
                int warn_days) {
    struct mst_certcheck c = {.ca = pki_path(dir, "ca", "pem"),
                              .cert = pki_path(dir, name, "pem"),
                              .key = pki_path(dir, name, "key"),
                              .kind = kind,
                              .identity = identity,
                              .warn_days = warn_days};
    mst_certcheck_run(&c, &fs);
}

START_TEST(good_pair_passes) {
    pki_issue(dir, "n1", MST_CERT_SERVER, MST_KEY_EC, 0);
    run("n1", MST_CERT_SERVER, "n1", 1);
    ck_assert_uint_eq(fs.errors, 0);
    ck_assert_uint_eq(fs.warnings, 0);
    ck_assert_finding(&lines, "ok: certificate: ", "n1.pem valid for ");
    ck_assert_finding(&lines, "ok: key: ", "n1.key is private and loads");
    ck_assert_finding(&lines, "ok: ca: ", "ca.pem valid for");
}
END_TEST

START_TEST(expiring_soon_warns_with_the_command) {
    pki_issue(dir, "n1", MST_CERT_SERVER, MST_KEY_EC, 0);
    run("n1", MST_CERT_SERVER, "n1", 0); /* default: 30 days */
    ck_assert_uint_eq(fs.errors, 0);
    ck_assert_finding(&lines, "warning: certificate: ", "n1.pem expires in ",
                      " days; fix: muster cert issue ", dir, " n1 --server");
    ck_assert_uint_ge(fs.warnings, 1); /* the CA (30 days) may be one too */
}
END_TEST

START_TEST(expired_and_not_yet_valid_are_errors) {
    pki_issue(dir, "old", MST_CERT_CLIENT, MST_KEY_EC, -5);
    pki_issue(dir, "new", MST_CERT_CLIENT, MST_KEY_EC, 5);
    run("old", MST_CERT_CLIENT, NULL, 1);
    ck_assert_finding(&lines, "error: certificate: ",
                      "old.pem has expired (3 days ago)", "--client");
    run("new", MST_CERT_CLIENT, NULL, 1);
    ck_assert_finding(&lines,
                      "error: certificate: ", "new.pem is not valid yet",
                      "fix: check the clock");
    /* Dates are their own finding: the chain is still good. */
    ck_assert_ptr_null(findings_line(&lines, "does not chain", NULL));
}
END_TEST

START_TEST(wrong_kind_and_wrong_cn) {
    pki_issue(dir, "alice", MST_CERT_CLIENT, MST_KEY_EC, 0);
    run("alice", MST_CERT_SERVER, "node1", 1);
    ck_assert_finding(&lines, "error: certificate: ",
                      "alice.pem is a client certificate; this side needs a "
                      "server one",
                      "muster cert issue ", " node1 --server");
    ck_assert_finding(&lines, "alice.pem is for CN \"alice\" but identity is "
                              "\"node1\"");
    ck_assert_uint_eq(fs.errors, 2);
}
END_TEST

START_TEST(client_cn_is_free) {
    pki_issue(dir, "alice", MST_CERT_CLIENT, MST_KEY_EC, 0);
    run("alice", MST_CERT_CLIENT, NULL, 1);
    ck_assert_uint_eq(fs.errors, 0);
    ck_assert_finding(&lines, "ok: certificate: ",
                      "alice.pem: nodes see this caller as cert=alice");
}
END_TEST

START_TEST(key_open_to_others) {
    pki_issue(dir, "n1", MST_CERT_SERVER, MST_KEY_EC, 0);
    ck_assert_int_eq(chmod(pki_path(dir, "n1", "key"), 0640), 0);
    run("n1", MST_CERT_SERVER, "n1", 1);
    char fix[128];
    snprintf(fix, sizeof fix, "; fix: chmod 600 %s/n1.key", dir);
    ck_assert_finding(&lines, "error: key: ",
                      "n1.key is open to group or others (mode 0640)", fix);
    ck_assert_uint_eq(fs.errors, 1);
}
END_TEST

START_TEST(key_of_another_certificate) {
    pki_issue(dir, "n1", MST_CERT_SERVER, MST_KEY_EC, 0);
    pki_issue(dir, "n2", MST_CERT_SERVER, MST_KEY_EC, 0);
    struct mst_certcheck c = {.ca = pki_path(dir, "ca", "pem"),
                              .cert = pki_path(dir, "n1", "pem"),
                              .key = pki_path(dir, "n2", "key"),
                              .kind = MST_CERT_SERVER,
                              .identity = "n1",
                              .warn_days = 1};
    mst_certcheck_run(&c, &fs);
    ck_assert_finding(&lines, "error: key: ", "n2.key does not match the ",
                      "n1.pem");
}
END_TEST

START_TEST(another_ca) {
    char other[64];
    pki_init(other, MST_KEY_EC);
    pki_issue(other, "n1", MST_CERT_SERVER, MST_KEY_EC, 0);
    struct mst_certcheck c = {.ca = pki_path(dir, "ca", "pem"),
                              .cert = pki_path(other, "n1", "pem"),
                              .key = pki_path(other, "n1", "key"),
                              .kind = MST_CERT_SERVER,
                              .identity = "n1",
                              .warn_days = 1};
    mst_certcheck_run(&c, &fs);
    pki_remove(other);
    ck_assert_finding(
        &lines, "error: certificate: ", "n1.pem does not chain to the CA");
    ck_assert_uint_eq(fs.errors, 1);
}
END_TEST

START_TEST(missing_files) {
    run("ghost", MST_CERT_SERVER, "ghost", 1);
    ck_assert_finding(&lines, "error: certificate: ", "ghost.pem",
                      "No such file");
    ck_assert_finding(&lines, "error: key: ", "ghost.key", "No such file");
    struct mst_certcheck c = {.kind = MST_CERT_CLIENT};
    mst_certcheck_run(&c, &fs);
    ck_assert_finding(&lines, "security.ca is not set");
}
END_TEST

int main(void) {
    Suite *s = suite_create("certcheck");
    TCase *tc = mst_test_case(s, "certcheck", setup, teardown, 30);
    tcase_add_test(tc, good_pair_passes);
    tcase_add_test(tc, expiring_soon_warns_with_the_command);
    tcase_add_test(tc, expired_and_not_yet_valid_are_errors);
    tcase_add_test(tc, wrong_kind_and_wrong_cn);
    tcase_add_test(tc, client_cn_is_free);
    tcase_add_test(tc, key_open_to_others);
    tcase_add_test(tc, key_of_another_certificate);
    tcase_add_test(tc, another_ca);
    tcase_add_test(tc, missing_files);
    return mst_test_run(s);
}
