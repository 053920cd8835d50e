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
#include "connector.h"

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

/*
 * mst_contract_options - what mst_connector_new refuses: no broker URL, an
 * unknown queue_overflow, a negative bound or a queue TTL over 2^31-1 ms,
 * a client certificate without its key or the reverse.
 */
int mst_contract_options(const struct mst_connector_options *opts,
                         struct mst_err *err);

/* mst_contract_node - a node's identity (1 to 255 bytes) and its
 * collectives. */
int mst_contract_node(const char *identity, const struct mst_strv *cs,
                      struct mst_err *err);

/* mst_contract_collector - a collector's queue name (1 to 255 bytes, not
 * starting with "amq.", the broker's own) and its collectives. */
int mst_contract_collector(const char *queue, const struct mst_strv *cs,
                           struct mst_err *err);

/*
 * mst_contract_request - a request to `collective` (to node `identity`, or
 * to all when NULL) with a positive ttl, from a connector that has a reply
 * queue (`has_reply_queue`); its exchange's name into `exchange`.
 */
int mst_contract_request(char *exchange, size_t size, const char *collective,
                         const char *identity, int64_t ttl_ms,
                         int has_reply_queue, struct mst_err *err);

/* mst_contract_reply_to - a reply's queue: 1 to 255 bytes. */
int mst_contract_reply_to(struct mst_bytes reply_to, struct mst_err *err);

#endif
