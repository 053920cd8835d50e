/*
 * stats.h - percentiles for the benchmark programs: every figure they
 * print is a median or a p99 over many runs, by nearest rank.
 */
#ifndef MST_BENCH_STATS_H
#define MST_BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

/* bench_sort - sort `v` ascending in place. */
void bench_sort(int64_t *v, size_t n);

/*
 * bench_percentile - the nearest-rank `p` percentile (0 < p <= 100) of
 * `sorted` (n > 0), in the values' own unit.
 */
int64_t bench_percentile(const int64_t *sorted, size_t n, double p);

/*
 * bench_print_percentiles - sort `us` (microseconds) in place and print
 * "NAME_p50: X" and "NAME_p99: X" in milliseconds.
 */
void bench_print_percentiles(const char *name, int64_t *us, size_t n);

/* bench_now_ns - monotonic nanoseconds. */
int64_t bench_now_ns(void);

/*
 * bench_cpu_us - user + system CPU in microseconds of RUSAGE_SELF (this
 * process, all its threads) or RUSAGE_CHILDREN (its waited-for children).
 */
int64_t bench_cpu_us(int who);

#endif
