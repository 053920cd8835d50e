/*
 * refresh.c - keep the node's facts and classes fresh without ever blocking
 * request handling.
 *
 * A refresh thread rebuilds facts (files, facts.dir executables, which may
 * take seconds) and classes into new objects on its own, every
 * facts.refresh and whenever SIGHUP pokes it, and leaves the result in a
 * pending slot.  The I/O thread, which alone reads d->facts and d->classes,
 * swaps the pending set in at the top of its loop.  A load that fails is
 * logged and dropped, so the last good facts stay in use.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "refresh.h"

#include "base/log.h"
#include "base/status.h"
#include "musterd.h"

struct musterd_refresh {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake; /* poke or stop */
    int poked, stopping; /* under lock */
    int have_pending;    /* under lock */
    struct mst_facts *pending_facts;
    struct mst_strv pending_classes;
    const struct mst_config *cfg; /* borrowed; immutable while running */
};

int musterd_load_knowledge(const struct mst_config *cfg,
                           struct mst_facts **facts_r,
                           struct mst_strv *classes_r, struct mst_err *err) {
    struct mst_facts_sources src = {
        .files = (const char *const *)cfg->facts_files.v,
        .n_files = cfg->facts_files.n,
        .dir = cfg->facts_dir,
        .exec_timeout_ms = cfg->facts_timeout_ms,
    };
    struct mst_strv classes = {0};
    int rc = mst_facts_load_sources(&src, facts_r, err);
    if (rc == MST_OK && cfg->classes_file != NULL) {
        rc = mst_facts_load_classes(cfg->classes_file, &classes, err);
        if (rc != MST_OK)
            mst_facts_free(facts_r);
    }
    if (rc == MST_OK)
        *classes_r = classes;
    return rc;
}

/* Wait for a poke, the interval (0: none) or stop; 1 to load, 0 to stop. */
static int wait_turn(struct musterd_refresh *r) {
    pthread_mutex_lock(&r->lock);
    if (!r->poked && !r->stopping) {
        if (r->cfg->facts_refresh_ms > 0) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            int64_t ns =
                until.tv_nsec + (r->cfg->facts_refresh_ms % 1000) * 1000000LL;
            until.tv_sec += r->cfg->facts_refresh_ms / 1000 + ns / 1000000000;
            until.tv_nsec = ns % 1000000000;
            while (!r->poked && !r->stopping &&
                   pthread_cond_timedwait(&r->wake, &r->lock, &until) == 0)
                ;
        } else {
            while (!r->poked && !r->stopping)
                pthread_cond_wait(&r->wake, &r->lock);
        }
    }
    int go = !r->stopping;
    r->poked = 0;
    pthread_mutex_unlock(&r->lock);
    return go;
}

static void publish(struct musterd_refresh *r, struct mst_facts *facts,
                    struct mst_strv classes) {
    pthread_mutex_lock(&r->lock);
    mst_facts_free(&r->pending_facts);
    mst_strv_free(&r->pending_classes);
    r->pending_facts = facts;
    r->pending_classes = classes;
    r->have_pending = 1;
    pthread_mutex_unlock(&r->lock);
}

static void *refresh_main(void *arg) {
    struct musterd_refresh *r = arg;
    sigset_t all; /* signals are for the I/O thread */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    while (wait_turn(r)) {
        struct mst_facts *facts = NULL;
        struct mst_strv classes = {0};
        struct mst_err err = {0};
        if (musterd_load_knowledge(r->cfg, &facts, &classes, &err) != MST_OK)
            MST_LOG(MST_LOG_ERR, "facts: %s; keeping the facts loaded before",
                    err.msg);
        else
            publish(r, facts, classes);
    }
    return NULL;
}

int musterd_refresh_start(struct musterd *d, struct mst_err *err) {
    struct musterd_refresh *r = calloc(1, sizeof *r);
    if (r == NULL)
        return mst_err_set(err, MST_ENOMEM, "out of memory");
    r->cfg = d->cfg;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->wake, NULL);
    if (pthread_create(&r->thread, NULL, refresh_main, r) != 0) {
        pthread_cond_destroy(&r->wake);
        pthread_mutex_destroy(&r->lock);
        free(r);
        return mst_err_set(err, MST_ENOMEM, "cannot start the facts thread");
    }
    d->refresh = r;
    return MST_OK;
}

void musterd_refresh_poke(struct musterd *d) {
    struct musterd_refresh *r = d->refresh;
    if (r == NULL)
        return;
    pthread_mutex_lock(&r->lock);
    r->poked = 1;
    pthread_cond_signal(&r->wake);
    pthread_mutex_unlock(&r->lock);
}

int musterd_refresh_take(struct musterd *d) {
    struct musterd_refresh *r = d->refresh;
    if (r == NULL)
        return 0;
    struct mst_facts *old_facts = NULL;
    struct mst_strv old_classes = {0};
    pthread_mutex_lock(&r->lock);
    int have = r->have_pending;
    if (have) {
        old_facts = d->facts;
        old_classes = d->classes;
        d->facts = r->pending_facts;
        d->classes = r->pending_classes;
        r->pending_facts = NULL;
        memset(&r->pending_classes, 0, sizeof r->pending_classes);
        r->have_pending = 0;
    }
    pthread_mutex_unlock(&r->lock);
    mst_facts_free(&old_facts);
    mst_strv_free(&old_classes);
    if (have)
        MST_LOG(MST_LOG_INFO, "facts refreshed: %zu facts, %zu classes",
                json_object_size(mst_facts_root(d->facts)), d->classes.n);
    return have;
}

void musterd_refresh_stop(struct musterd *d) {
    struct musterd_refresh *r = d->refresh;
    if (r == NULL)
        return;
    pthread_mutex_lock(&r->lock);
    r->stopping = 1;
    pthread_cond_signal(&r->wake);
    pthread_mutex_unlock(&r->lock);
    pthread_join(r->thread, NULL);
    mst_facts_free(&r->pending_facts);
    mst_strv_free(&r->pending_classes);
    pthread_cond_destroy(&r->wake);
    pthread_mutex_destroy(&r->lock);
    free(r);
    d->refresh = NULL;
}
