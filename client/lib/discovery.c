/*
 * discovery.c - node lists, discovery, limits and batched rollouts.
 */
#include "discovery.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/status.h"
#include "base/util.h"
#include "wire/request.h"

#define COUNT_MAX 1000000
#define LINE_MAX_LEN 1024

int mst_discovery_count_parse(const char *text, struct mst_discovery_count *c_r,
                              struct mst_err *err) {
    size_t n = strlen(text);
    int percent = n > 0 && text[n - 1] == '%';
    char digits[32];
    long long v = 0;
    if (n - percent == 0 || n - percent >= sizeof digits)
        return mst_err_set(err, MST_EINVAL, "'%s': expected N or P%%", text);
    memcpy(digits, text, n - percent);
    digits[n - percent] = '\0';
    if (mst_parse_int(digits, 1, percent ? 100 : COUNT_MAX, &v) != MST_OK)
        return mst_err_set(err, MST_EINVAL,
                           "'%s': expected a number from 1 to %d%s", text,
                           percent ? 100 : COUNT_MAX, percent ? "%" : "");
    c_r->n = (size_t)v;
    c_r->percent = percent;
    return MST_OK;
}

size_t mst_discovery_count_of(const struct mst_discovery_count *c,
                              size_t total) {
    if (!c->percent)
        return c->n;
    return (total * c->n + 99) / 100;
}

/* ---- reading and limiting node lists ---- */

static char *trim(char *s) {
    char *hash = strchr(s, '#');
    if (hash != NULL)
        *hash = '\0';
    s += strspn(s, " \t\r\n");
    size_t n = strlen(s);
    while (n > 0 && strchr(" \t\r\n", s[n - 1]) != NULL)
        s[--n] = '\0';
    return s;
}

static int contains(const struct mst_strv *sv, const char *s) {
    for (size_t i = 0; i < sv->n; i++)
        if (strcmp(sv->v[i], s) == 0)
            return 1;
    return 0;
}

int mst_discovery_read_nodes(FILE *f, const char *name,
                             struct mst_strv *nodes_r, struct mst_err *err) {
    char line[LINE_MAX_LEN];
    int lineno = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        lineno++;
        char *id = trim(line);
        if (*id == '\0' || contains(nodes_r, id))
            continue;
        if (!mst_is_name(id, MST_IDENTITY_MAX)) {
            mst_strv_free(nodes_r);
            return mst_err_set(err, MST_EINVAL,
                               "%s:%d: '%.64s' is not a node identity", name,
                               lineno, id);
        }
        if (mst_strv_push(nodes_r, id) != MST_OK)
            return mst_err_set(err, MST_ENOMEM, "out of memory");
    }
    if (ferror(f))
        return mst_err_set(err, MST_EIO, "%s: %s", name, strerror(errno));
    return MST_OK;
}

/* splitmix64: a small, seedable generator; quality is plenty here. */
static uint64_t next_random(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void mst_discovery_limit(struct mst_strv *nodes,
                         const struct mst_discovery_count *limit,
                         uint64_t seed) {
    size_t keep = mst_discovery_count_of(limit, nodes->n);
    if (keep == 0 || keep >= nodes->n)
        return;
    /* Pick `keep` indices by a partial Fisher-Yates shuffle of positions,
     * then keep the chosen nodes in their original order. */
    size_t *pos = malloc(nodes->n * sizeof *pos);
    unsigned char *chosen = calloc(nodes->n, 1);
    if (pos == NULL || chosen == NULL) {
        free(pos);
        free(chosen);
        return;
    }
    for (size_t i = 0; i < nodes->n; i++)
        pos[i] = i;
    uint64_t state = seed;
    for (size_t i = 0; i < keep; i++) {
        size_t j = i + (size_t)(next_random(&state) % (nodes->n - i));
        size_t t = pos[i];
        pos[i] = pos[j];
        pos[j] = t;
        chosen[pos[i]] = 1;
    }
    size_t out = 0;
    for (size_t i = 0; i < nodes->n; i++) {
        if (chosen[i])
            nodes->v[out++] = nodes->v[i];
        else
            free(nodes->v[i]);
    }
    nodes->n = out;
    free(pos);
    free(chosen);
}

/* ---- discovery ---- */

static void collect_sender(void *ud, const struct mst_reply *rep,
                           const char *signer, int64_t rtt_us) {
    (void)signer, (void)rtt_us;
    mst_strv_push(ud, rep->sender);
}

int mst_discovery_run(struct mst_client *cl, const struct mst_call_spec *spec,
                      struct mst_strv *nodes_r, struct mst_err *err) {
    struct mst_call_spec ping = *spec;
    ping.agent = "rpcutil";
    ping.action = "ping";
    ping.data = NULL;
    ping.nodes = NULL;
    struct mst_call_handlers h = {.reply = collect_sender, .ud = nodes_r};
    struct mst_call_stats st = {0};
    int rc = mst_client_call(cl, &ping, &h, &st, err);
    mst_call_stats_clear(&st);
    if (rc == MST_OK)
        mst_strv_sort(nodes_r);
    return rc;
}

/* ---- rollout ---- */

static void append_all(struct mst_strv *to, const struct mst_strv *from) {
    for (size_t i = 0; i < from->n; i++)
        mst_strv_push(to, from->v[i]);
}

static void add_stats(struct mst_call_stats *to,
                      const struct mst_call_stats *from) {
    memcpy(to->request_id, from->request_id, sizeof to->request_id);
    to->responses += from->responses;
    to->ok += from->ok;
    to->failed += from->failed;
    to->invalid += from->invalid;
    append_all(&to->no_response, &from->no_response);
    append_all(&to->unknown, &from->unknown);
    append_all(&to->unexpected, &from->unexpected);
    to->elapsed_us += from->elapsed_us;
    to->ended = from->ended;
}

int mst_discovery_rollout(struct mst_client *cl,
                          const struct mst_call_spec *spec,
                          const struct mst_discovery_rollout *ro,
                          const struct mst_call_handlers *h,
                          struct mst_call_stats *st, struct mst_err *err) {
    const struct mst_strv *all = spec->nodes;
    size_t size = ro->batch_size ? ro->batch_size : all->n;
    size_t count = size ? (all->n + size - 1) / size : 0;
    size_t fail_limit = mst_discovery_count_of(&ro->fail, all->n);
    size_t failures = 0;
    int rc = MST_OK;
    for (size_t b = 0; b < count && rc == MST_OK; b++) {
        size_t from = b * size;
        if (fail_limit > 0 && failures >= fail_limit) {
            for (size_t i = from; i < all->n; i++)
                mst_strv_push(&st->not_reached, all->v[i]);
            break;
        }
        if (b > 0 && ro->batch_sleep_ms > 0)
            mst_sleep_ms(ro->batch_sleep_ms);
        struct mst_strv slice = {all->v + from,
                                 from + size > all->n ? all->n - from : size};
        if (ro->batch_size > 0 && h != NULL && h->batch != NULL)
            h->batch(h->ud, b + 1, count, &slice);
        struct mst_call_spec one = *spec;
        one.nodes = &slice;
        struct mst_call_stats part = {0};
        rc = mst_client_call(cl, &one, h, &part, err);
        add_stats(st, &part);
        st->batches++;
        failures += part.failed + part.no_response.n + part.unknown.n;
        mst_call_stats_clear(&part);
    }
    return rc;
}
