#include "base/bytes.h"

#include <stdlib.h>
#include <string.h>

#include "base/status.h"

void mst_buf_init(struct mst_buf *buf, size_t max) {
    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;
    buf->max = max ? max : SIZE_MAX / 2;
}

int mst_buf_append(struct mst_buf *buf, const void *data, size_t len) {
    if (len > buf->max - buf->len)
        return MST_ETOOBIG;
    if (buf->len + len > buf->cap) {
        size_t cap = buf->cap ? buf->cap : 256;
        while (cap < buf->len + len)
            cap *= 2;
        if (cap > buf->max)
            cap = buf->max;
        uint8_t *p = realloc(buf->data, cap);
        if (p == NULL)
            return MST_ENOMEM;
        buf->data = p;
        buf->cap = cap;
    }
    if (len > 0)
        memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    return MST_OK;
}

uint8_t *mst_buf_steal(struct mst_buf *buf) {
    uint8_t *p = buf->data;
    buf->data = NULL;
    buf->len = buf->cap = 0;
    return p;
}

void mst_buf_free(struct mst_buf *buf) {
    free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
}

struct mst_bytes mst_buf_view(const struct mst_buf *buf) {
    return MST_BYTES(buf->data, buf->len);
}
