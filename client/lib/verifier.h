/*
 * verifier.h - inside libmusterclient: open (decode and verify) the
 * messages of the reply queue on worker threads, and hand the results back
 * in the order the messages arrived.
 *
 * A P-256 verification costs ~50 us, so one thread caps a client near
 * 20,000 replies a second; a fleet of 50,000 nodes needs every core.  The
 * connector stays on the calling thread (it is not thread-safe): the caller
 * submits each message it consumed (the body is copied for the workers),
 * workers verify,
 * and the caller takes the results oldest first, so that output,
 * de-duplication and the expected-set logic see exactly the order of the
 * serial path.  With 0 worker threads, mst_verifier_submit verifies on the
 * calling thread, in place in the connector's buffer: the serial path
 * itself.
 *
 * One verifier belongs to one client; its functions are called from that
 * client's thread only.
 */
#ifndef MST_VERIFIER_H
#define MST_VERIFIER_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "connector.h"
#include "security/security.h"
#include "wire/reply.h"
#include "wire/request.h"

/*
 * Open one reply body: on MST_OK fill `rep` (zeroed on entry) and `signer`;
 * otherwise say why in `why`.  Called on worker threads at once: it must
 * be thread-safe for distinct outputs.
 */
typedef int (*mst_verify_fn)(void *ud, struct mst_bytes body,
                             struct mst_reply *rep, char signer[MST_SIGNER_LEN],
                             char why[MST_ERR_LEN]);

/* The outcome of one message.  Owned by the verifier. */
struct mst_verified {
    enum mst_message_kind kind;
    int oversized;
    char routing_key[MST_IDENTITY_MAX + 2]; /* returned: the node addressed */
    size_t routing_key_len;                 /* > MST_IDENTITY_MAX: too long */
    int64_t recv_us;                        /* when it was consumed */
    int rc; /* deliveries: MST_OK when rep and signer are valid */
    struct mst_reply rep;
    char signer[MST_SIGNER_LEN];
    char why[MST_ERR_LEN];
};

struct mst_verifier;

/*
 * mst_verifier_new - a verifier with `threads` workers (0: verify on the
 * calling thread) and room for `depth` messages in flight (>= 1).  `fn` and
 * `ud` are borrowed for its life.  Returns MST_OK and *v_r (free with
 * mst_verifier_free), MST_ENOMEM or MST_EIO (a thread could not start).
 */
int mst_verifier_new(unsigned threads, size_t depth, mst_verify_fn fn, void *ud,
                     struct mst_verifier **v_r, struct mst_err *err);

/* mst_verifier_free - stop the workers, free everything, *v = NULL. */
void mst_verifier_free(struct mst_verifier **v);

/* mst_verifier_pending - messages submitted and not popped yet. */
size_t mst_verifier_pending(const struct mst_verifier *v);

/* mst_verifier_room - how many more may be submitted now. */
size_t mst_verifier_room(const struct mst_verifier *v);

/*
 * mst_verifier_submit - queue `msg` (copied; release it afterwards),
 * received at `recv_us`.  Deliveries with a body are verified; returned
 * and oversized messages only keep their place in the order.  Needs
 * mst_verifier_room() > 0.  Returns MST_OK, MST_EINVAL (no room) or
 * MST_ENOMEM.
 */
int mst_verifier_submit(struct mst_verifier *v, const struct mst_message *msg,
                        int64_t recv_us);

/*
 * mst_verifier_head - the oldest result once it is ready, waiting up to
 * `wait_ms` (< 0: until it is) for it; NULL when nothing is pending or it
 * is not ready in time.  Valid until mst_verifier_pop.
 */
const struct mst_verified *mst_verifier_head(struct mst_verifier *v,
                                             int wait_ms);

/* mst_verifier_pop - drop the result mst_verifier_head returned. */
void mst_verifier_pop(struct mst_verifier *v);

/* mst_verifier_discard - wait for every pending result and drop them. */
void mst_verifier_discard(struct mst_verifier *v);

#endif
