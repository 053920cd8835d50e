#include "stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

void bench_sort(int64_t *v, size_t n) {
    qsort(v, n, sizeof *v, cmp_i64);
}

int64_t bench_percentile(const int64_t *sorted, size_t n, double p) {
    size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

void bench_print_percentiles(const char *name, int64_t *us, size_t n) {
    if (n == 0)
        return;
    bench_sort(us, n);
    printf("%s_p50: %.2f\n", name,
           (double)bench_percentile(us, n, 50) / 1000.0);
    printf("%s_p99: %.2f\n", name,
           (double)bench_percentile(us, n, 99) / 1000.0);
}

int64_t bench_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t bench_cpu_us(int who) {
    struct rusage ru;
    getrusage(who, &ru);
    return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
           ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}
