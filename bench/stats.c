#include "stats.h"

#include <stdio.h>
#include <stdlib.h>

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted values, in ms. */
static double percentile_ms(const int64_t *v, size_t n, double p) {
    size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return (double)v[rank - 1] / 1000.0;
}

void bench_print_percentiles(const char *name, int64_t *us, size_t n) {
    if (n == 0)
        return;
    qsort(us, n, sizeof *us, cmp_i64);
    printf("%s_p50: %.2f\n", name, percentile_ms(us, n, 50));
    printf("%s_p99: %.2f\n", name, percentile_ms(us, n, 99));
}
