/*
 * log.h - the process-wide log: one macro that filters before formatting.
 *
 * Levels follow syslog numbering.  The sink is stderr until mst_log_open()
 * names a file; mst_log_reopen() reopens that file (SIGHUP, logrotate).
 * Libraries below the daemon (codec, connector) do not log above debug:
 * they return codes and fill a struct mst_err.
 */
#ifndef MST_LOG_H
#define MST_LOG_H

enum mst_log_level {
    MST_LOG_ERR = 3,
    MST_LOG_WARNING = 4,
    MST_LOG_NOTICE = 5,
    MST_LOG_INFO = 6,
    MST_LOG_DEBUG = 7,
};

extern int mst_log_threshold; /* messages above this level are dropped */

#define MST_LOG(level, ...)                                                    \
    do {                                                                       \
        if ((level) <= mst_log_threshold)                                      \
            mst_log_write((level), __VA_ARGS__);                               \
    } while (0)

/*
 * mst_log_write - format and write one line "TIME LEVEL message\n".
 * Use MST_LOG() instead, which skips the formatting of dropped messages.
 * Thread-safe (one write(2) per line).
 */
void mst_log_write(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * mst_log_level_parse - "err", "warning", "notice", "info" or "debug" to a
 * level.  Returns the level, or -1 for an unknown name.
 */
int mst_log_level_parse(const char *name);

/* mst_log_level_name - the name of a level ("?" for others).  Static. */
const char *mst_log_level_name(int level);

/*
 * mst_log_open - send the log to `path` (appending; NULL or "" or "-" means
 * stderr).  Returns MST_OK or MST_EIO with the reason in `err`.  Not
 * thread-safe against concurrent mst_log_open/reopen.
 */
struct mst_err;
int mst_log_open(const char *path, struct mst_err *err);

/* mst_log_reopen - reopen the current file (after logrotate moved it). */
int mst_log_reopen(struct mst_err *err);

/* mst_log_close - back to stderr, closing any file. */
void mst_log_close(void);

#endif
