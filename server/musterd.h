/*
 * musterd.h - the daemon's state, and nothing else: each server file
 * declares its functions in its own header.  Like redis's struct
 * redisServer: one instance, owned by main(), only touched by the I/O
 * thread (the refresh thread has its own, refresh.c).
 */
#ifndef MUSTERD_H
#define MUSTERD_H

#include <signal.h>
#include <stdint.h>

#include "base/config.h"
#include "counters.h"
#include "external.h"
#include "muster/agent.h"
#include "wire/registration.h"

struct musterd_refresh;     /* refresh.c */
struct musterd_pool;        /* worker.c */
struct musterd_agent_entry; /* registry.c */
struct musterd_authz;       /* authz.c */
struct mst_audit;
struct mst_connector;
struct mst_facts;
struct mst_replay;
struct musterd_ratelimit;
struct mst_security;

/* Every 12th periodic registration is a full one: at the default 300 s a
 * collector that missed a body has it again within an hour. */
#define MUSTERD_REGISTRATION_FULL_EVERY 12

/* registration.c's state. */
struct musterd_registration {
    char sent_digest[MST_DIGEST_LEN]; /* of the last full body sent; "" */
    char big_digest[MST_DIGEST_LEN];  /* last body too big (logged once) */
    int64_t due_ms;    /* mst_now_ms of the next one; 0 = none planned */
    unsigned periodic; /* periodic ones since the last full */
    int want_full;     /* the next one is full (start, reconnect) */
    uint64_t rng;      /* jitter */
};

struct musterd {
    struct mst_config *cfg;
    struct mst_security *sec;
    struct mst_replay *replay;           /* request ids inside their window */
    struct musterd_ratelimit *ratelimit; /* per caller (ratelimit.c) */
    struct musterd_authz *authz;         /* policies (authz.c) */
    struct mst_audit *audit;             /* NULL without audit.file */
    struct mst_connector *conn;
    struct mst_facts *facts; /* replaced by musterd_refresh_take() */
    struct mst_strv classes; /* from classes_file; likewise */
    struct musterd_refresh *refresh;
    struct musterd_pool *pool; /* actions running in worker processes */
    struct musterd_counters counters;
    struct muster_host host;
    struct musterd_agent_entry *agents;
    size_t n_agents;
    struct mst_strv agent_names;      /* the same agents' names, for filters */
    struct musterd_ext_user ext_user; /* agents.run_as, resolved */
    int64_t started_ms;               /* wall clock, for uptime */
    struct musterd_registration registration; /* registration.c */
    int foreground;
    int trim_due;        /* requests handled since the heap was last trimmed */
    int64_t retry_at_ms; /* broker away: next attempt (mst_now_ms);
                            0 while connected */
    volatile sig_atomic_t stop; /* SIGTERM/SIGINT */
    volatile sig_atomic_t hup;  /* SIGHUP: reopen logs, reload facts */
};

#endif
