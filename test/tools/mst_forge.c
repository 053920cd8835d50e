/*
 * mst_forge - build signed, mis-signed and tampered requests, and act as a
 * fake node that answers with a forged reply, for test/integration/07-*.
 * It signs with OpenSSL directly (not the security provider), so that it
 * can do what the provider refuses to: sign with the wrong key, a client
 * certificate on a reply, an expired certificate.
 *
 *   mst_forge request OUT CERT KEY [MUTATION] [TIME_OFFSET_S] [TTL_S]
 *       write a broadcast rpcutil/ping request to OUT, signed with KEY and
 *       carrying CERT.  MUTATION: none (default), unsigned, payload,
 *       filter, reply_to (changed after signing).  Sign with a key that
 *       does not match CERT by giving another certificate's key.
 *
 *   mst_forge node URL IDENTITY SENDER CERT KEY [WAIT_S]
 *       join collective "muster" as IDENTITY, answer the first request
 *       with an OK reply that claims to come from SENDER, signed with KEY
 *       and carrying CERT, then exit (0 once a reply was sent).
 *
 *   mst_forge registration URL SENDER CERT KEY
 *       publish to muster.registration a full registration of SENDER
 *       (facts {"forged": true}), signed with KEY and carrying CERT: a
 *       client certificate, or another node's (test/integration/17-*).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "base/util.h"
#include "connector.h"
#include "security/cert.h"
#include "wire/envelope.h"
#include "wire/registration.h"
#include "wire/reply.h"
#include "wire/request.h"

struct signer {
    EVP_PKEY *key;
    uint8_t *der;
    int der_len;
};

static int load_signer(const char *cert_path, const char *key_path,
                       struct signer *s) {
    struct mst_err err = {0};
    X509 *cert = NULL;
    if (mst_cert_load(cert_path, &cert, &err) != MST_OK ||
        mst_cert_load_key(key_path, &s->key, &err) != MST_OK) {
        fprintf(stderr, "mst_forge: %s\n", err.msg);
        X509_free(cert);
        return -1;
    }
    s->der = NULL;
    s->der_len = i2d_X509(cert, &s->der);
    X509_free(cert);
    return s->der_len > 0 ? 0 : -1;
}

static void free_signer(struct signer *s) {
    EVP_PKEY_free(s->key);
    OPENSSL_free(s->der);
}

/* Sign `signed_payload`, but send `payload` (the same unless tampering). */
static int seal(const struct signer *s, struct mst_bytes signed_payload,
                struct mst_bytes payload, int unsigned_env,
                struct mst_buf *out) {
    uint8_t sig[1024];
    size_t len = sizeof sig;
    struct mst_envelope env = {.payload = payload};
    if (!unsigned_env) {
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        int ok = EVP_DigestSignInit(md, NULL, mst_cert_sign_md(s->key), NULL,
                                    s->key) == 1 &&
                 EVP_DigestSign(md, sig, &len, signed_payload.ptr,
                                signed_payload.len) == 1;
        EVP_MD_CTX_free(md);
        if (!ok)
            return -1;
        env.sig = MST_BYTES(sig, len);
        env.cert = MST_BYTES(s->der, (size_t)s->der_len);
    }
    return mst_envelope_encode(&env, out, NULL) == MST_OK ? 0 : -1;
}

/* Change the field MUTATION names, after the original was signed. */
static int mutate(struct mst_request *req, const char *mutation) {
    if (strcmp(mutation, "payload") == 0) {
        free(req->action);
        req->action = strdup("daemon_stats");
    } else if (strcmp(mutation, "filter") == 0) {
        json_object_set_new(req->filter, "identity", json_pack("[s]", "node1"));
    } else if (strcmp(mutation, "reply_to") == 0) {
        free(req->reply_to);
        req->reply_to = strdup("forge.elsewhere");
    } else {
        return -1;
    }
    return 0;
}

static int write_file(const char *path, struct mst_bytes b) {
    FILE *f = fopen(path, "wb");
    int ok = f != NULL && fwrite(b.ptr, 1, b.len, f) == b.len;
    if (f != NULL && fclose(f) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

static int cmd_request(int argc, char **argv) {
    const char *mutation = argc > 5 ? argv[5] : "none";
    long long offset = 0, ttl = 60;
    if ((argc > 6 && mst_parse_int(argv[6], -86400, 86400, &offset)) ||
        (argc > 7 && mst_parse_int(argv[7], -100, 100000, &ttl)))
        return 2;
    struct signer s;
    if (load_signer(argv[3], argv[4], &s) != 0)
        return 1;
    struct mst_request req = {0};
    mst_id_new(req.id);
    req.time_ms = mst_wall_ms() + offset * 1000;
    req.ttl_ms = ttl * 1000;
    req.collective = strdup("muster");
    req.agent = strdup("rpcutil");
    req.action = strdup("ping");
    req.caller = strdup("cert=forger");
    req.sender = strdup("forge");
    req.reply_to = strdup("forge.nowhere");
    req.filter = json_object();
    req.data = json_object();
    struct mst_buf p1, p2, out;
    mst_buf_init(&p1, 0);
    mst_buf_init(&p2, 0);
    mst_buf_init(&out, 0);
    int tamper = strcmp(mutation, "none") && strcmp(mutation, "unsigned");
    int rc = mst_request_encode(&req, &p1, NULL) == MST_OK ? 0 : 1;
    if (rc == 0 && tamper)
        rc = mutate(&req, mutation) == 0 &&
                     mst_request_encode(&req, &p2, NULL) == MST_OK
                 ? 0
                 : 2;
    if (rc == 0)
        rc = seal(&s, mst_buf_view(&p1), mst_buf_view(tamper ? &p2 : &p1),
                  strcmp(mutation, "unsigned") == 0, &out) == 0 &&
                     write_file(argv[2], mst_buf_view(&out)) == 0
                 ? 0
                 : 1;
    if (rc != 0)
        fprintf(stderr, "mst_forge: cannot build the request (%s)\n", mutation);
    mst_request_clear(&req);
    mst_buf_free(&p1);
    mst_buf_free(&p2);
    mst_buf_free(&out);
    free_signer(&s);
    return rc;
}

/* Answer `msg` with a reply from `sender`, signed by `s`. */
static int answer(struct mst_connector *conn, const struct mst_message *msg,
                  const char *sender, const struct signer *s) {
    struct mst_envelope env;
    struct mst_request req = {0};
    if (mst_envelope_decode(msg->body, NULL, &env, NULL) != MST_OK ||
        mst_request_decode(env.payload, &req, NULL) != MST_OK)
        return -1;
    struct mst_reply rep = {.sender = (char *)sender,
                            .time_ms = mst_wall_ms(),
                            .status = MUSTER_OK,
                            .statusmsg = (char *)"OK",
                            .data = json_pack("{s:s}", "pong", "forged")};
    mst_strlcpy(rep.id, req.id, sizeof rep.id);
    struct mst_buf p, out;
    mst_buf_init(&p, 0);
    mst_buf_init(&out, 0);
    int rc = mst_reply_encode(&rep, &p, NULL) == MST_OK &&
                     seal(s, mst_buf_view(&p), mst_buf_view(&p), 0, &out) == 0
                 ? 0
                 : -1;
    if (rc == 0)
        rc = mst_connector_publish_reply(
                 conn, MST_BYTES(req.reply_to, strlen(req.reply_to)),
                 MST_BYTES(req.id, strlen(req.id)), mst_buf_view(&out),
                 NULL) == MST_OK
                 ? 0
                 : -1;
    json_decref(rep.data);
    mst_request_clear(&req);
    mst_buf_free(&p);
    mst_buf_free(&out);
    return rc;
}

static int cmd_node(int argc, char **argv) {
    long long wait_s = 30;
    if (argc > 7 && mst_parse_int(argv[7], 1, 600, &wait_s) != MST_OK)
        return 2;
    struct signer s;
    if (load_signer(argv[5], argv[6], &s) != 0)
        return 1;
    struct mst_strv urls = {0}, collectives = {0};
    mst_strv_push(&urls, argv[2]);
    mst_strv_push(&collectives, "muster");
    struct mst_connector_options o = {.urls = &urls,
                                      .heartbeat_s = 30,
                                      .connection_name = "mst_forge",
                                      .tls_ca = getenv("MUSTER_TLS_CA")};
    struct mst_connector *conn = NULL;
    struct mst_err err = {0};
    int rc = mst_connector_new(&o, &conn, &err);
    if (rc == MST_OK)
        rc = mst_connector_connect(conn, &err);
    if (rc == MST_OK)
        rc = mst_connector_declare_node(conn, argv[3], &collectives, &err);
    if (rc == MST_OK) {
        printf("connected as %s, queue bound\n", argv[3]);
        fflush(stdout);
    }
    struct mst_message msg;
    int got = rc == MST_OK
                  ? mst_connector_consume(conn, (int)wait_s * 1000, &msg, &err)
                  : -1;
    int status = 1;
    if (got > 0) {
        mst_connector_ack(conn, &msg, NULL);
        status = answer(conn, &msg, argv[4], &s) == 0 ? 0 : 1;
        mst_connector_release(conn, &msg);
    } else {
        fprintf(stderr, "mst_forge: no request: %s\n", err.msg);
    }
    mst_connector_free(&conn);
    mst_strv_free(&urls);
    mst_strv_free(&collectives);
    free_signer(&s);
    return status;
}

/* Connect to URL without declaring anything; NULL after saying why. */
static struct mst_connector *connect_to(const char *url,
                                        struct mst_strv *urls) {
    mst_strv_push(urls, url);
    struct mst_connector_options o = {.urls = urls,
                                      .heartbeat_s = 30,
                                      .connection_name = "mst_forge",
                                      .tls_ca = getenv("MUSTER_TLS_CA")};
    struct mst_connector *conn = NULL;
    struct mst_err err = {0};
    if (mst_connector_new(&o, &conn, &err) != MST_OK ||
        mst_connector_connect(conn, &err) != MST_OK) {
        fprintf(stderr, "mst_forge: %s\n", err.msg);
        mst_connector_free(&conn);
    }
    return conn;
}

static int cmd_registration(char **argv) {
    struct signer s;
    if (load_signer(argv[4], argv[5], &s) != 0)
        return 1;
    struct mst_registration reg = {
        .sender = strdup(argv[3]),
        .version = strdup("0.1.0"),
        .time_ms = mst_wall_ms(),
        .started_ms = mst_wall_ms(),
        .interval_s = 300,
        .collectives = json_pack("[s]", "muster"),
        .facts = json_pack("{s:b}", "forged", 1),
        .classes = json_array(),
        .agents = json_array(),
    };
    struct mst_buf p, out;
    mst_buf_init(&p, 0);
    mst_buf_init(&out, 0);
    struct mst_strv urls = {0};
    struct mst_connector *conn = NULL;
    int rc = mst_registration_digest(reg.facts, reg.classes, reg.agents,
                                     reg.digest, NULL) == MST_OK &&
                     mst_registration_encode(&reg, &p, NULL) == MST_OK &&
                     seal(&s, mst_buf_view(&p), mst_buf_view(&p), 0, &out) == 0
                 ? 0
                 : 1;
    if (rc == 0 && (conn = connect_to(argv[2], &urls)) == NULL)
        rc = 1;
    struct mst_err err = {0};
    if (rc == 0 && mst_connector_publish_registration(
                       conn, "muster", mst_buf_view(&out), &err) != MST_OK) {
        fprintf(stderr, "mst_forge: %s\n", err.msg);
        rc = 1;
    }
    mst_connector_free(&conn);
    mst_strv_free(&urls);
    mst_registration_clear(&reg);
    mst_buf_free(&p);
    mst_buf_free(&out);
    free_signer(&s);
    return rc;
}

int main(int argc, char **argv) {
    if (argc >= 5 && argc <= 8 && strcmp(argv[1], "request") == 0)
        return cmd_request(argc, argv);
    if (argc >= 7 && argc <= 8 && strcmp(argv[1], "node") == 0)
        return cmd_node(argc, argv);
    if (argc == 6 && strcmp(argv[1], "registration") == 0)
        return cmd_registration(argv);
    fprintf(stderr,
            "usage: mst_forge request OUT CERT KEY [MUTATION] [OFFSET_S] "
            "[TTL_S]\n"
            "       mst_forge node URL IDENTITY SENDER CERT KEY [WAIT_S]\n"
            "       mst_forge registration URL SENDER CERT KEY\n");
    return 2;
}
