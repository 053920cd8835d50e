/*
 * stats.h - percentiles for the benchmark programs.
 */
#ifndef MST_BENCH_STATS_H
#define MST_BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

/*
 * bench_print_percentiles - sort `us` (microseconds) in place and print
 * "NAME_p50: X" and "NAME_p99: X" in milliseconds (nearest rank).
 */
void bench_print_percentiles(const char *name, int64_t *us, size_t n);

#endif
