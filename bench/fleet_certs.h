/*
 * fleet_certs.h - K node identities for the benchmarks that play a fleet
 * (bench_fleet, bench_registration: one generator for every bench that
 * needs many nodes):
 * a site CA and K P-256 server certificates, made with the library's own
 * certificate functions (security/cert.h) and kept in a directory under
 * the build tree, so that they are generated once.
 *
 * The directory is the layout of mst_cert_init/mst_cert_issue: ca.pem,
 * ca.key, and NAME.pem/NAME.key for every node, NAME = bench_node_name(i)
 * for i = 1..K.  Generation is incremental: asking for 50,000 where 10,000
 * exist makes only the 40,000 missing ones, in parallel threads.
 */
#ifndef MST_BENCH_FLEET_CERTS_H
#define MST_BENCH_FLEET_CERTS_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* Longest node name plus NUL. */
#define BENCH_NODE_NAME_LEN 32

/* bench_node_name - "fleet00001" for i = 1, and so on. */
void bench_node_name(size_t i, char name_r[BENCH_NODE_NAME_LEN]);

/*
 * bench_fleet_certs - make sure `dir` holds a CA and the certificates of
 * nodes 1..k (server kind) and of one client, "fleet-client".  Missing ones
 * are issued with `threads` threads (0 = 2).  *made_r (may be NULL) is how
 * many were issued now.  Returns MST_OK or the first failure in `err`.
 */
int bench_fleet_certs(const char *dir, size_t k, unsigned threads,
                      size_t *made_r, struct mst_err *err);

/*
 * bench_fleet_node - node i's private key (*key_r, EVP_PKEY_free) and
 * the DER bytes of its certificate (*der_r, OPENSSL_free; *der_len_r),
 * not parsed (OpenSSL 3.0's decoders take ~150 us a certificate; the
 * benches only send them).  Returns MST_OK or MST_EIO/MST_ESECURITY.
 */
int bench_fleet_node(const char *dir, size_t i, EVP_PKEY **key_r,
                     uint8_t **der_r, int *der_len_r, struct mst_err *err);

#endif
