/*
 * bench_rss_floor - the resident set of a process that does nothing but
 * what every x509 daemon must: link libcrypto and make one P-256
 * signature and verification.  Prints rss_floor_kb (VmRSS), the part of
 * daemon_rss_kb that no change to muster can remove: the shared library
 * pages OpenSSL maps (the kernel maps page-cache neighbours of every page
 * touched), counted in full by RSS though shared by every process.
 */
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

static long vm_rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    if (f != NULL)
        fclose(f);
    return kb;
}

int main(void) {
    unsigned char msg[256], sig[128];
    size_t len = sizeof sig;
    memset(msg, 'm', sizeof msg);
    EVP_PKEY *key = EVP_EC_gen("P-256");
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = key != NULL && md != NULL &&
             EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
             EVP_DigestSign(md, sig, &len, msg, sizeof msg) == 1 &&
             EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
             EVP_DigestVerify(md, sig, len, msg, sizeof msg) == 1;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    if (!ok) {
        fprintf(stderr, "bench_rss_floor: P-256 sign/verify failed\n");
        return 1;
    }
    printf("rss_floor_kb: %ld\n", vm_rss_kb());
    return 0;
}
