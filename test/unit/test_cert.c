/*
 * test_cert.c - the CA tooling: issue for every key type, usage marks,
 * key file modes, refusal to overwrite, show, CN rules.
 */
#include <check.h>
#include <sys/stat.h>

#include "pki.h"
#include "runner.h"

START_TEST(issue_every_type) {
    static const enum mst_key_type types[] = {MST_KEY_EC, MST_KEY_RSA,
                                              MST_KEY_ED25519};
    char dir[64];
    pki_init(dir, MST_KEY_EC);
    for (size_t i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof name, "n%zu", i);
        pki_issue(dir, name, i == 1 ? MST_CERT_CLIENT : MST_CERT_SERVER,
                  types[i], 0);
        struct stat st;
        ck_assert_int_eq(stat(pki_path(dir, name, "key"), &st), 0);
        ck_assert_int_eq(st.st_mode & 0777, 0600);
        X509 *cert = NULL;
        EVP_PKEY *key = NULL;
        ck_assert_int_eq(mst_cert_load(pki_path(dir, name, "pem"), &cert, NULL),
                         MST_OK);
        ck_assert_int_eq(
            mst_cert_load_key(pki_path(dir, name, "key"), &key, NULL), MST_OK);
        ck_assert_int_eq(X509_check_private_key(cert, key), 1);
        ck_assert_int_eq(mst_cert_kind(cert),
                         i == 1 ? MST_CERT_CLIENT : MST_CERT_SERVER);
        char cn[MST_CERT_CN_LEN];
        ck_assert_int_eq(mst_cert_cn(cert, cn, NULL), MST_OK);
        ck_assert_str_eq(cn, name);
        X509_free(cert);
        EVP_PKEY_free(key);
    }
    pki_remove(dir);
}
END_TEST

START_TEST(refusals) {
    char dir[64];
    struct mst_err err = {0};
    pki_init(dir, MST_KEY_ED25519);
    ck_assert_int_eq(mst_cert_init(dir, MST_KEY_EC, 30, &err), MST_EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, "refusing to overwrite"));
    pki_issue(dir, "a", MST_CERT_CLIENT, MST_KEY_EC, 0);
    struct mst_cert_request req = {
        .name = "a", .kind = MST_CERT_CLIENT, .days = 1};
    ck_assert_int_eq(mst_cert_issue(dir, &req, &err), MST_EIO);
    req.name = "bad name";
    ck_assert_int_eq(mst_cert_issue(dir, &req, &err), MST_EINVAL);
    req.name = "ca";
    ck_assert_int_eq(mst_cert_issue(dir, &req, &err), MST_EINVAL);
    req.name = "b";
    req.kind = MST_CERT_OTHER;
    ck_assert_int_eq(mst_cert_issue(dir, &req, &err), MST_EINVAL);
    req.kind = MST_CERT_SERVER;
    char *bad[] = {"x,DNS:evil"};
    struct mst_strv sans = {bad, 1};
    req.sans = &sans;
    ck_assert_int_eq(mst_cert_issue(dir, &req, &err), MST_EINVAL);
    /* a key others can read is refused */
    chmod(pki_path(dir, "a", "key"), 0640);
    EVP_PKEY *key = NULL;
    ck_assert_int_eq(mst_cert_load_key(pki_path(dir, "a", "key"), &key, &err),
                     MST_ESECURITY);
    ck_assert_ptr_nonnull(strstr(err.msg, "group or others"));
    enum mst_key_type t;
    ck_assert_int_eq(mst_cert_parse_key_type("dsa", &t), MST_EINVAL);
    ck_assert_int_eq(mst_cert_parse_key_type("ed25519", &t), MST_OK);
    ck_assert_int_eq(t, MST_KEY_ED25519);
    pki_remove(dir);
}
END_TEST

START_TEST(show_prints_fields) {
    char dir[64];
    pki_init(dir, MST_KEY_EC);
    pki_issue(dir, "old", MST_CERT_CLIENT, MST_KEY_EC, -10);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    ck_assert_int_eq(mst_cert_show(pki_path(dir, "old", "pem"), out, NULL),
                     MST_OK);
    fclose(out);
    ck_assert_ptr_nonnull(strstr(text, "subject:    CN = old"));
    ck_assert_ptr_nonnull(strstr(text, "EXPIRED"));
    ck_assert_ptr_nonnull(strstr(text, "usage:      client"));
    ck_assert_ptr_nonnull(strstr(text, "sha256:"));
    free(text);
    ck_assert_int_eq(mst_cert_show(pki_path(dir, "none", "pem"), stdout, NULL),
                     MST_EIO);
    pki_remove(dir);
}
END_TEST

int main(void) {
    Suite *s = suite_create("cert");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, issue_every_type);
    tcase_add_test(tc, refusals);
    tcase_add_test(tc, show_prints_fields);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
