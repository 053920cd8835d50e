/*
 * util.h - small helpers shared by every part: clocks, ids, strings.
 */
#ifndef MST_UTIL_H
#define MST_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Significant digits of the reals muster writes as JSON (audit lines):
 * 1.812, not jansson's default %.17g 1.8120000000000001; the client API
 * says the same as MUSTER_JSON_REAL. */
#define MST_JSON_REAL_DIGITS 15

/* Length of a request id as text: 32 lowercase hex digits, plus NUL. */
#define MST_ID_LEN 33

/* mst_now_ms - monotonic milliseconds, for durations.  Thread-safe. */
int64_t mst_now_ms(void);

/* mst_now_us - monotonic microseconds, for durations.  Thread-safe. */
int64_t mst_now_us(void);

/* mst_wall_ms - milliseconds since the Unix epoch, for timestamps. */
int64_t mst_wall_ms(void);

/*
 * mst_sleep_ms - sleep `ms` milliseconds (nothing for ms <= 0), resuming
 * after a signal, so the whole time passes.
 */
void mst_sleep_ms(int64_t ms);

/*
 * mst_id_new - fill `id` with 32 random hex digits and a NUL (128 bits from
 * getrandom(2)).  Returns MST_OK or MST_EIO.
 */
int mst_id_new(char id[MST_ID_LEN]);

/*
 * mst_hash_seed - a random seed for mst_hash (getrandom(2); the clock if
 * that fails), so that whoever picks the keys cannot aim them at one
 * chain of a hash table.
 */
uint64_t mst_hash_seed(void);

/* mst_hash - a seeded hash of the `n` bytes at `p` (FNV-1a, mixed so that
 * its low bits serve as a table index). */
uint64_t mst_hash(uint64_t seed, const void *p, size_t n);

/*
 * mst_strlcpy - copy `src` into `dst` of `size` bytes, always NUL-terminated.
 * Returns strlen(src); truncated if that is >= size.
 */
size_t mst_strlcpy(char *dst, const char *src, size_t size);

/*
 * mst_has_suffix - true if `s` ends in `suffix` (case matters) after at
 * least one other byte: "x.so" has ".so", ".so" does not.
 */
int mst_has_suffix(const char *s, const char *suffix);

/*
 * mst_parse_int - parse all of `text` as a base-10 integer in [min, max].
 * Returns MST_OK and sets *out_r, or MST_EINVAL (empty, junk, out of range).
 */
int mst_parse_int(const char *text, long long min, long long max,
                  long long *out_r);

/*
 * mst_parse_seconds - parse a non-negative decimal number of seconds
 * ("2", "0.5") into milliseconds.  Returns MST_OK or MST_EINVAL.
 */
int mst_parse_seconds(const char *text, int64_t max_ms, int64_t *out_ms_r);

/*
 * mst_round_ms - `ms` (not negative, below 2^63) rounded to the nearest
 * integer, halves up: what llround() gives for it.  Exact (a double's
 * fraction is), and keeps libm out of musterd (linking it costs every
 * daemon about 320 kB of resident pages).
 */
int64_t mst_round_ms(double ms);

/*
 * mst_is_name - true if `s` is a non-empty identifier of at most `max` bytes
 * made of [A-Za-z0-9_.-] (agent, action, collective, fact names).
 */
int mst_is_name(const char *s, size_t max);

#endif
