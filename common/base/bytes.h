/*
 * bytes.h - byte views and a growable buffer with a hard cap.
 *
 * struct mst_bytes never owns what it points to.  struct mst_buf owns its
 * data and refuses to grow past `max`, so that nothing fed by a peer can
 * make muster allocate without bound.
 */
#ifndef MST_BYTES_H
#define MST_BYTES_H

#include <stddef.h>
#include <stdint.h>

struct mst_bytes {
    const uint8_t *ptr;
    size_t len;
};

struct mst_buf {
    uint8_t *data; /* owned; NULL until the first append */
    size_t len;
    size_t cap;
    size_t max; /* hard cap on len; 0 means SIZE_MAX / 2 */
};

#define MST_BYTES(p, n) ((struct mst_bytes){(const uint8_t *)(p), (n)})

/* mst_buf_init - an empty buffer that may grow to `max` bytes. */
void mst_buf_init(struct mst_buf *buf, size_t max);

/*
 * mst_buf_append - copy `len` bytes to the end of `buf`.
 * Returns MST_OK, MST_ETOOBIG if the cap would be passed (buf unchanged), or
 * MST_ENOMEM.
 */
int mst_buf_append(struct mst_buf *buf, const void *data, size_t len);

/*
 * mst_buf_steal - hand the data to the caller, who frees it with free();
 * `buf` is left empty and reusable.  May return NULL for an empty buffer.
 */
uint8_t *mst_buf_steal(struct mst_buf *buf);

/* mst_buf_free - release the data; `buf` is left empty and reusable. */
void mst_buf_free(struct mst_buf *buf);

/* mst_bytes_of - a view of the buffer's current contents. */
struct mst_bytes mst_buf_view(const struct mst_buf *buf);

#endif
