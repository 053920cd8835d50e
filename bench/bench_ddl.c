/*
 * bench_ddl - microseconds to validate one request's inputs against its
 * DDL on the node, as musterd does for every request it runs.
 *
 *   bench_ddl DDL ACTION KEY=VALUE... [-n N]
 *
 * Prints ddl_validate_us (median) and ddl_validate_us_p99.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "ddl/ddl.h"
#include "ddl/inputs.h"
#include "ddl/load.h"
#include "stats.h"

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: bench_ddl DDL ACTION KEY=VALUE...\n");
        return 2;
    }
    struct mst_err err = {0};
    struct mst_ddl *ddl = NULL;
    if (mst_ddl_load_file(argv[1], &ddl, &err) != MST_OK) {
        fprintf(stderr, "bench_ddl: %s\n", err.msg);
        return 1;
    }
    const struct mst_ddl_action *act = mst_ddl_action(ddl, argv[2]);
    json_t *data = NULL;
    if (act == NULL || mst_ddl_inputs_parse(act, argv + 3, (size_t)(argc - 3),
                                            &data, &err) != MST_OK) {
        fprintf(stderr, "bench_ddl: %s\n", act ? err.msg : "no such action");
        return 1;
    }
    enum { N = 20000 };
    static int64_t ns[N];
    for (size_t i = 0; i < N; i++) {
        json_t *copy = json_deep_copy(data); /* as decoded off the wire */
        int64_t t = bench_now_ns();
        int rc = mst_ddl_inputs_validate(act, copy, &err);
        ns[i] = bench_now_ns() - t;
        json_decref(copy);
        if (rc != MST_OK) {
            fprintf(stderr, "bench_ddl: %s\n", err.msg);
            return 1;
        }
    }
    bench_sort(ns, N);
    printf("ddl_validate_us: %.2f\n",
           (double)bench_percentile(ns, N, 50) / 1000.0);
    printf("ddl_validate_us_p99: %.2f\n",
           (double)bench_percentile(ns, N, 99) / 1000.0);
    json_decref(data);
    mst_ddl_free(&ddl);
    return 0;
}
