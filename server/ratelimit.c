/*
 * ratelimit.c - token buckets in a fixed pool of callers.
 *
 * Tokens are counted in thousandths so that refilling `rate` tokens per
 * second is `rate` thousandths per millisecond, in integers.  A chained
 * hash (seeded at random) finds a caller's bucket; a doubly linked list in
 * order of last use names the bucket to reuse when the pool is full.
 */
#include "ratelimit.h"

#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "base/util.h"

#define NONE UINT32_MAX
#define MILLI 1000

struct bucket {
    char name[MUSTERD_RATELIMIT_NAME];
    int64_t tokens_milli;
    int64_t last_ms;
    uint32_t chain;        /* next bucket in the same hash chain */
    uint32_t newer, older; /* the use order */
};

struct musterd_ratelimit {
    int rate;
    int64_t burst_milli;
    size_t cap, n;
    struct bucket *pool;
    uint32_t *heads; /* hash chains; mask + 1 of them */
    size_t mask;
    uint32_t newest, oldest;
    uint64_t seed;
};

int musterd_ratelimit_new(int rate, size_t max_callers,
                          struct musterd_ratelimit **rl_r,
                          struct mst_err *err) {
    if (rate < 0 || max_callers < 1 || max_callers >= NONE)
        return mst_err_set(err, MST_EINVAL,
                           "rate limit of %d requests/s for %zu callers", rate,
                           max_callers);
    struct musterd_ratelimit *rl = calloc(1, sizeof *rl);
    size_t heads = 1;
    while (heads < max_callers)
        heads <<= 1;
    if (rl != NULL) {
        rl->pool = calloc(max_callers, sizeof *rl->pool);
        rl->heads = malloc(heads * sizeof *rl->heads);
    }
    if (rl == NULL || rl->pool == NULL || rl->heads == NULL) {
        musterd_ratelimit_free(&rl);
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    }
    rl->rate = rate;
    rl->burst_milli = 2 * (int64_t)rate * MILLI;
    rl->cap = max_callers;
    rl->mask = heads - 1;
    for (size_t i = 0; i < heads; i++)
        rl->heads[i] = NONE;
    rl->newest = rl->oldest = NONE;
    rl->seed = mst_hash_seed();
    *rl_r = rl;
    return MST_OK;
}

void musterd_ratelimit_free(struct musterd_ratelimit **rl) {
    if (rl == NULL || *rl == NULL)
        return;
    free((*rl)->pool);
    free((*rl)->heads);
    free(*rl);
    *rl = NULL;
}

int musterd_ratelimit_rate(const struct musterd_ratelimit *rl) {
    return rl->rate;
}

size_t musterd_ratelimit_callers(const struct musterd_ratelimit *rl) {
    return rl->n;
}

static size_t chain_of(const struct musterd_ratelimit *rl, const char *name) {
    return (size_t)mst_hash(rl->seed, name, strlen(name)) & rl->mask;
}

static void unlink_use(struct musterd_ratelimit *rl, uint32_t i) {
    struct bucket *b = &rl->pool[i];
    if (b->newer != NONE)
        rl->pool[b->newer].older = b->older;
    else
        rl->newest = b->older;
    if (b->older != NONE)
        rl->pool[b->older].newer = b->newer;
    else
        rl->oldest = b->newer;
}

static void link_newest(struct musterd_ratelimit *rl, uint32_t i) {
    rl->pool[i].newer = NONE;
    rl->pool[i].older = rl->newest;
    if (rl->newest != NONE)
        rl->pool[rl->newest].newer = i;
    rl->newest = i;
    if (rl->oldest == NONE)
        rl->oldest = i;
}

static void unlink_chain(struct musterd_ratelimit *rl, uint32_t i) {
    uint32_t *at = &rl->heads[chain_of(rl, rl->pool[i].name)];
    while (*at != i)
        at = &rl->pool[*at].chain;
    *at = rl->pool[i].chain;
}

/* A bucket for `name`, full: a never-used one, or the least recently
 * seen caller's. */
static uint32_t new_bucket(struct musterd_ratelimit *rl, const char *name,
                           int64_t now_ms) {
    uint32_t i;
    if (rl->n < rl->cap) {
        i = (uint32_t)rl->n++;
    } else {
        i = rl->oldest;
        unlink_use(rl, i);
        unlink_chain(rl, i);
    }
    struct bucket *b = &rl->pool[i];
    mst_strlcpy(b->name, name, sizeof b->name);
    b->tokens_milli = rl->burst_milli;
    b->last_ms = now_ms;
    size_t c = chain_of(rl, b->name);
    b->chain = rl->heads[c];
    rl->heads[c] = i;
    link_newest(rl, i);
    return i;
}

static uint32_t find_bucket(const struct musterd_ratelimit *rl,
                            const char *name) {
    uint32_t i = rl->heads[chain_of(rl, name)];
    while (i != NONE && strcmp(rl->pool[i].name, name) != 0)
        i = rl->pool[i].chain;
    return i;
}

static void refill(const struct musterd_ratelimit *rl, struct bucket *b,
                   int64_t now_ms) {
    if (now_ms <= b->last_ms)
        return; /* a clock that went back refills nothing */
    int64_t elapsed = now_ms - b->last_ms;
    /* past a full refill the product could only overflow */
    if (elapsed >= rl->burst_milli / rl->rate)
        b->tokens_milli = rl->burst_milli;
    else
        b->tokens_milli += elapsed * rl->rate;
    if (b->tokens_milli > rl->burst_milli)
        b->tokens_milli = rl->burst_milli;
    b->last_ms = now_ms;
}

int musterd_ratelimit_take(struct musterd_ratelimit *rl, const char *caller,
                           int64_t now_ms) {
    if (rl->rate == 0)
        return 1;
    char name[MUSTERD_RATELIMIT_NAME];
    mst_strlcpy(name, caller, sizeof name); /* as stored */
    uint32_t i = find_bucket(rl, name);
    if (i == NONE) {
        i = new_bucket(rl, name, now_ms);
    } else {
        unlink_use(rl, i);
        link_newest(rl, i);
        refill(rl, &rl->pool[i], now_ms);
    }
    struct bucket *b = &rl->pool[i];
    if (b->tokens_milli < MILLI)
        return 0;
    b->tokens_milli -= MILLI;
    return 1;
}
