/*
 * contract.h - the arguments connector.h refuses before any broker is
 * asked, and the exchange names it publishes to, for every implementation
 * of connector.h: rabbitmq.c and the unit tests' connector double
 * (test/unit/connector_double.c), so the double refuses exactly what the
 * real connector refuses.  Each check returns MST_OK or MST_EINVAL with
 * the reason in `err`.
 */
#ifndef MST_CONTRACT_H
#define MST_CONTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"
#include "base/err.h"
#include "base/strv.h"

/* The longest name AMQP carries: a short string. */
#define MST_CONTRACT_NAME_MAX 255

/*
 * mst_contract_exchange - "COLLECTIVE.SUFFIX" (broadcast, direct,
 * registration) into `buf` of `size` bytes, or MST_EINVAL "bad collective
 * name" for a NULL collective or a name that would not fit `buf` or an
 * AMQP short string.
 */
int mst_contract_exchange(char *buf, size_t size, const char *collective,
                          const char *suffix, struct mst_err *err);

/* mst_contract_collectives - at least one, each non-empty and short enough
 * to name its exchanges. */
int mst_contract_collectives(const struct mst_strv *cs, struct mst_err *err);

/* mst_contract_identity - a node identity: 1 to 255 bytes. */
int mst_contract_identity(const char *identity, struct mst_err *err);

/* mst_contract_collector_queue - a collector's queue name: 1 to 255 bytes,
 * not starting with "amq." (the broker's own). */
int mst_contract_collector_queue(const char *queue, struct mst_err *err);

/* mst_contract_reply_to - a reply's queue: 1 to 255 bytes. */
int mst_contract_reply_to(struct mst_bytes reply_to, struct mst_err *err);

/* mst_contract_ttl - a request's ttl: positive. */
int mst_contract_ttl(int64_t ttl_ms, struct mst_err *err);

/* mst_contract_tls_pair - a client certificate comes with its key, and a
 * key with its certificate (either may be NULL: none). */
int mst_contract_tls_pair(const char *cert, const char *key,
                          struct mst_err *err);

#endif
