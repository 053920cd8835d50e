/*
 * replay.c - a bounded set of request ids with expiry.
 *
 * Entries live in a fixed pool.  A min-heap of pool indices ordered by
 * expiry finds what to forget; an open-addressing hash table (linear
 * probing, at most half full, deletion by backward shift so no tombstones)
 * finds an id.  The hash is seeded at random so that a caller who picks
 * ids cannot aim them at one chain.  The pool and the heap are calloc'd
 * at capacity and filled from the front, so their pages are only touched
 * as entries arrive; the table starts small and doubles when half full
 * (up to 2 * capacity): ids hash all over it, and a full-size table of a
 * default cache (512 kB) had most of its pages touched by the first few
 * hundred requests.
 */
#include "security/replay.h"

#include <stdlib.h>
#include <string.h>

#include "base/status.h"

#define ID_CHARS (MST_ID_LEN - 1)
/* Slots of a new table (a power of two). */
#define SLOTS_FIRST 64

struct entry {
    char id[ID_CHARS];
    int64_t expires_ms;
};

struct mst_replay {
    size_t cap; /* pool entries */
    struct entry *pool;
    uint32_t *heap;      /* n pool indices, min-heap by expires_ms */
    uint32_t *free_list; /* pool indices never used or released */
    size_t n_free;
    size_t next_unused; /* pool indices >= this were never used */
    size_t n;
    uint32_t *slots;  /* pool index + 1; 0 = empty */
    size_t mask;      /* slots - 1 (a power of two) */
    size_t max_slots; /* the table's last size: a power of two >= 2 * cap */
    uint64_t seed;
};

static uint64_t hash_id(const struct mst_replay *r, const char *id) {
    return mst_hash(r->seed, id, ID_CHARS);
}

int mst_replay_new(size_t capacity, struct mst_replay **replay_r,
                   struct mst_err *err) {
    if (capacity < MST_REPLAY_MIN || capacity > MST_REPLAY_MAX)
        return mst_err_set(err, MST_EINVAL,
                           "replay cache of %zu entries (%d to %d)", capacity,
                           MST_REPLAY_MIN, MST_REPLAY_MAX);
    struct mst_replay *r = calloc(1, sizeof *r);
    size_t slots = 1;
    while (slots < 2 * capacity)
        slots <<= 1;
    if (r != NULL) {
        r->cap = capacity;
        r->max_slots = slots;
        r->mask = (slots < SLOTS_FIRST ? slots : SLOTS_FIRST) - 1;
        r->pool = calloc(capacity, sizeof *r->pool);
        r->heap = calloc(capacity, sizeof *r->heap);
        r->free_list = calloc(capacity, sizeof *r->free_list);
        r->slots = calloc(r->mask + 1, sizeof *r->slots);
    }
    if (r == NULL || !r->pool || !r->heap || !r->free_list || !r->slots) {
        mst_replay_free(&r);
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    }
    r->seed = mst_hash_seed();
    *replay_r = r;
    return MST_OK;
}

void mst_replay_free(struct mst_replay **replay) {
    if (replay == NULL || *replay == NULL)
        return;
    free((*replay)->pool);
    free((*replay)->heap);
    free((*replay)->free_list);
    free((*replay)->slots);
    free(*replay);
    *replay = NULL;
}

size_t mst_replay_count(const struct mst_replay *replay) {
    return replay->n;
}

/* The slot holding `id`, or the empty slot where it would go. */
static size_t find_slot(const struct mst_replay *r, const char *id) {
    size_t i = (size_t)hash_id(r, id) & r->mask;
    while (r->slots[i] != 0 &&
           memcmp(r->pool[r->slots[i] - 1].id, id, ID_CHARS) != 0)
        i = (i + 1) & r->mask;
    return i;
}

/* Empty slot `i` and shift later members of its run back into the hole. */
static void delete_slot(struct mst_replay *r, size_t i) {
    size_t hole = i;
    for (size_t j = (i + 1) & r->mask; r->slots[j] != 0;
         j = (j + 1) & r->mask) {
        size_t home = (size_t)hash_id(r, r->pool[r->slots[j] - 1].id) & r->mask;
        /* Move j into the hole unless its home lies in (hole, j]. */
        int stays =
            hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (!stays) {
            r->slots[hole] = r->slots[j];
            hole = j;
        }
    }
    r->slots[hole] = 0;
}

static int64_t heap_key(const struct mst_replay *r, size_t at) {
    return r->pool[r->heap[at]].expires_ms;
}

static void heap_swap(struct mst_replay *r, size_t a, size_t b) {
    uint32_t t = r->heap[a];
    r->heap[a] = r->heap[b];
    r->heap[b] = t;
}

static void heap_push(struct mst_replay *r, uint32_t idx) {
    size_t at = r->n++;
    r->heap[at] = idx;
    while (at > 0 && heap_key(r, (at - 1) / 2) > heap_key(r, at)) {
        heap_swap(r, at, (at - 1) / 2);
        at = (at - 1) / 2;
    }
}

static uint32_t heap_pop(struct mst_replay *r) {
    uint32_t top = r->heap[0];
    r->heap[0] = r->heap[--r->n];
    for (size_t at = 0;;) {
        size_t l = 2 * at + 1, m = at;
        if (l < r->n && heap_key(r, l) < heap_key(r, m))
            m = l;
        if (l + 1 < r->n && heap_key(r, l + 1) < heap_key(r, m))
            m = l + 1;
        if (m == at)
            break;
        heap_swap(r, at, m);
        at = m;
    }
    return top;
}

static void forget_expired(struct mst_replay *r, int64_t now_ms) {
    while (r->n > 0 && heap_key(r, 0) <= now_ms) {
        uint32_t idx = heap_pop(r);
        delete_slot(r, find_slot(r, r->pool[idx].id));
        r->free_list[r->n_free++] = idx;
    }
}

/* Double the table, every live id rehashed; MST_ENOMEM leaves it as it
 * was.  Called when it is half full, so it never fills. */
static int grow(struct mst_replay *r) {
    size_t slots = 2 * (r->mask + 1);
    uint32_t *fresh = calloc(slots, sizeof *fresh);
    if (fresh == NULL)
        return MST_ENOMEM;
    free(r->slots);
    r->slots = fresh;
    r->mask = slots - 1;
    for (size_t i = 0; i < r->n; i++)
        r->slots[find_slot(r, r->pool[r->heap[i]].id)] = r->heap[i] + 1;
    return MST_OK;
}

static uint32_t take_entry(struct mst_replay *r) {
    if (r->n_free > 0)
        return r->free_list[--r->n_free];
    return (uint32_t)r->next_unused++;
}

int mst_replay_check(struct mst_replay *r, const char *id, int64_t expires_ms,
                     int64_t now_ms, struct mst_err *err) {
    if (expires_ms <= now_ms)
        return mst_err_set(err, MST_EINVAL, "window already over");
    if (strnlen(id, ID_CHARS + 1) != ID_CHARS)
        return mst_err_set(err, MST_EINVAL, "request id is not %d characters",
                           ID_CHARS);
    forget_expired(r, now_ms);
    size_t slot = find_slot(r, id);
    if (r->slots[slot] != 0)
        return mst_err_set(err, MST_EREPLAY,
                           "request id %.32s seen before (a replay)", id);
    if (r->n == r->cap)
        return mst_err_set(err, MST_EFULL,
                           "replay cache full (%zu requests inside their "
                           "window); refusing rather than forgetting one",
                           r->cap);
    if (2 * (r->n + 1) > r->mask + 1 && r->mask + 1 < r->max_slots) {
        if (grow(r) != MST_OK)
            return mst_err_set(err, MST_ENOMEM, "out of memory");
        slot = find_slot(r, id);
    }
    uint32_t idx = take_entry(r);
    memcpy(r->pool[idx].id, id, ID_CHARS);
    r->pool[idx].expires_ms = expires_ms;
    r->slots[slot] = idx + 1;
    heap_push(r, idx);
    return MST_OK;
}
