/*
 * probe.c - the broker checks of the doctor (probe.h), on the connector.
 */
#include "probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "connector.h"

#define CHECK_BROKER "broker"
#define CHECK_CLOCK "clock"

/* The command that most likely fixes a failed connection. */
static const char *connect_fix(const struct mst_err *err) {
    if (strstr(err->msg, "SSL") != NULL || strstr(err->msg, "TLS") != NULL)
        return "check that security.ca is the CA that signed the broker's "
               "certificate and that the URL's host is in its subjectAltName "
               "(muster cert show FILE)";
    if (strstr(err->msg, " 530 ") != NULL)
        return "create the vhost: rabbitmqctl add_vhost VHOST, and "
               "rabbitmqctl set_permissions -p VHOST USER '.*' '.*' '.*'";
    if (err->code == MST_EPROTO)
        return "check the user and password in the URL: rabbitmqctl "
               "authenticate_user USER PASSWORD (on the broker)";
    return "check that RabbitMQ listens there: rabbitmq-diagnostics -q "
           "listeners (on the broker), and that no firewall is in the way";
}

static int is_loopback(const char *url) {
    const char *host = strstr(url, "://");
    host = host != NULL ? host + 3 : url;
    const char *at = strchr(host, '@');
    const char *slash = strchr(host, '/');
    if (at != NULL && (slash == NULL || at < slash))
        host = at + 1;
    return strncmp(host, "127.", 4) == 0 ||
           strncmp(host, "localhost", 9) == 0 || strncmp(host, "[::1]", 5) == 0;
}

static void probe_clock(struct mst_connector *conn,
                        const struct mst_config *cfg, const char *url,
                        struct mst_findings *fs) {
    struct mst_broker_clock c;
    struct mst_err err = {0};
    if (mst_connector_broker_clock(conn, &c, &err) != MST_OK) {
        mst_findings_add(fs, MST_FINDING_WARNING, CHECK_CLOCK, NULL,
                         "%s: cannot read the broker's clock: %s", url,
                         err.msg);
        return;
    }
    int64_t skew = c.local_ms - c.broker_ms;
    int64_t off = llabs(skew) - c.uncertainty_ms; /* at least this much */
    const char *dir = skew > 0 ? "ahead of" : "behind";
    const char *fix = "sync the clock: timedatectl set-ntp true (or chronyc "
                      "makestep)";
    if (off > cfg->security_skew_ms)
        mst_findings_add(fs, MST_FINDING_ERROR, CHECK_CLOCK, fix,
                         "this clock is %.1f s %s the broker's at %s, more "
                         "than security.skew (%.0f s): requests and replies "
                         "are refused",
                         (double)llabs(skew) / 1000, dir, url,
                         (double)cfg->security_skew_ms / 1000);
    else if (off > MST_PROBE_CLOCK_WARN_MS)
        mst_findings_add(fs, MST_FINDING_WARNING, CHECK_CLOCK, fix,
                         "this clock is %.1f s %s the broker's at %s",
                         (double)llabs(skew) / 1000, dir, url);
    else
        mst_findings_add(fs, MST_FINDING_OK, CHECK_CLOCK, NULL,
                         "clock within %.1f s of the broker's at %s",
                         (double)c.uncertainty_ms / 1000, url);
}

static void probe_one(const struct mst_config *cfg, const char *url,
                      const char *connection_name, struct mst_findings *fs) {
    char *v[] = {(char *)url};
    struct mst_strv urls = {v, 1};
    struct mst_connector_options o = {
        .urls = &urls,
        .heartbeat_s = cfg->broker_heartbeat,
        .connection_name = connection_name,
        .tls_ca = cfg->security_ca,
        .tls_cert = cfg->security_cert,
        .tls_key = cfg->security_key,
    };
    struct mst_connector *conn = NULL;
    struct mst_err err = {0};
    int rc = mst_connector_new(&o, &conn, &err);
    if (rc == MST_OK)
        rc = mst_connector_connect(conn, &err);
    if (rc != MST_OK) {
        /* The connector's message names the URL (without its password). */
        mst_findings_add(fs, MST_FINDING_ERROR, CHECK_BROKER, connect_fix(&err),
                         "%s", err.msg);
    } else {
        const char *shown = mst_connector_url(conn);
        char server[160];
        mst_connector_server(conn, server, sizeof server);
        int tls = strncmp(url, "amqps://", 8) == 0;
        mst_findings_add(
            fs, MST_FINDING_OK, CHECK_BROKER, NULL, "%s answers (%s)%s", shown,
            server[0] ? server : "unknown broker", tls ? ", TLS verified" : "");
        if (!tls && !is_loopback(url))
            mst_findings_add(fs, MST_FINDING_WARNING, CHECK_BROKER,
                             "use amqps:// (docs/security.md, TLS)",
                             "%s is not TLS: its password and every message "
                             "cross the network in clear",
                             shown);
        probe_clock(conn, cfg, shown, fs);
    }
    mst_connector_free(&conn);
}

void mst_probe_brokers(const struct mst_config *cfg,
                       const char *connection_name, struct mst_findings *fs) {
    for (size_t i = 0; i < cfg->broker_urls.n; i++)
        probe_one(cfg, cfg->broker_urls.v[i], connection_name, fs);
}
