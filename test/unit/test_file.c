/*
 * test_file.c - whole files under a size cap (base/file.h): contents and
 * length, the cap exactly and one byte past it, missing and unreadable
 * files with messages that name them, pipes, and file identity.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file.h"
#include "base/status.h"
#include "runner.h"

static char dir[] = "/tmp/test_file_XXXXXX";
static char path[sizeof dir + 16];

static void make_dir(void) {
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/f", dir);
}

static void remove_dir(void) {
    unlink(path);
    rmdir(dir);
}

static void write_file(const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

START_TEST(reads_contents_and_length) {
    static const char data[] = "one\0two\n"; /* a NUL inside is kept */
    write_file(data, sizeof data - 1);
    char *buf = NULL;
    size_t len = 0;
    struct mst_err err = {0};
    ck_assert_int_eq(mst_file_read(path, 100, &buf, &len, &err), MST_OK);
    ck_assert_uint_eq(len, sizeof data - 1);
    ck_assert_mem_eq(buf, data, len);
    ck_assert_int_eq(buf[len], '\0');
    free(buf);

    write_file("", 0);
    ck_assert_int_eq(mst_file_read(path, 100, &buf, &len, &err), MST_OK);
    ck_assert_uint_eq(len, 0);
    ck_assert_str_eq(buf, "");
    free(buf);
}
END_TEST

/* Larger than the first chunk, so the buffer grows; `max` bytes pass and
 * max + 1 do not. */
START_TEST(the_cap_exactly) {
    enum { MAX = 10000 };
    char *data = malloc(MAX + 1);
    memset(data, 'x', MAX + 1);
    write_file(data, MAX);
    char *buf = NULL;
    size_t len = 0;
    struct mst_err err = {0};
    ck_assert_int_eq(mst_file_read(path, MAX, &buf, &len, &err), MST_OK);
    ck_assert_uint_eq(len, MAX);
    ck_assert_mem_eq(buf, data, MAX);
    free(buf);

    write_file(data, MAX + 1);
    buf = NULL;
    ck_assert_int_eq(mst_file_read(path, MAX, &buf, &len, &err), MST_ETOOBIG);
    ck_assert_ptr_null(buf);
    char want[sizeof path + 40];
    snprintf(want, sizeof want, "%s: larger than %d bytes", path, MAX);
    ck_assert_str_eq(err.msg, want);
    free(data);
}
END_TEST

START_TEST(missing_and_unreadable) {
    char *buf = NULL;
    size_t len = 0;
    struct mst_err err = {0};
    ck_assert_int_eq(mst_file_read(path, 100, &buf, &len, &err), MST_ENOTFOUND);
    ck_assert_ptr_null(buf);
    ck_assert_ptr_nonnull(strstr(err.msg, path));
    ck_assert_ptr_nonnull(strstr(err.msg, "cannot open"));
    /* A directory opens but cannot be read. */
    ck_assert_int_eq(mst_file_read(dir, 100, &buf, &len, &err), MST_EIO);
    ck_assert_ptr_null(buf);
    ck_assert_ptr_nonnull(strstr(err.msg, "cannot read"));
}
END_TEST

/* A pipe has no size to stat: read until end of file. */
START_TEST(reads_a_pipe_by_descriptor) {
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    char data[6000];
    memset(data, 'p', sizeof data);
    ck_assert_int_eq(write(fds[1], data, sizeof data), (ssize_t)sizeof data);
    close(fds[1]);
    char *buf = NULL;
    size_t len = 0;
    struct mst_err err = {0};
    ck_assert_int_eq(mst_file_read_fd(fds[0], "pipe", 8000, &buf, &len, &err),
                     MST_OK);
    ck_assert_uint_eq(len, sizeof data);
    ck_assert_mem_eq(buf, data, len);
    free(buf);
    close(fds[0]);

    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(write(fds[1], data, sizeof data), (ssize_t)sizeof data);
    close(fds[1]);
    ck_assert_int_eq(mst_file_read_fd(fds[0], "pipe", 100, &buf, &len, &err),
                     MST_ETOOBIG);
    ck_assert_str_eq(err.msg, "pipe: larger than 100 bytes");
    close(fds[0]);
}
END_TEST

START_TEST(same_file_notices_changes) {
    write_file("abc", 3);
    struct stat a, b;
    ck_assert_int_eq(stat(path, &a), 0);
    ck_assert_int_eq(stat(path, &b), 0);
    ck_assert(mst_file_same(&a, &b));
    write_file("abcd", 4); /* size (and times) change */
    ck_assert_int_eq(stat(path, &b), 0);
    ck_assert(!mst_file_same(&a, &b));
    /* Same contents, other inode: a replaced file is another file. */
    b = a;
    b.st_ino++;
    ck_assert(!mst_file_same(&a, &b));
    b = a;
    b.st_ctim.tv_nsec ^= 1; /* chmod, rename over it: ctime only */
    ck_assert(!mst_file_same(&a, &b));
}
END_TEST

int main(void) {
    Suite *s = suite_create("file");
    TCase *tc = tcase_create("file");
    tcase_add_checked_fixture(tc, make_dir, remove_dir);
    tcase_add_test(tc, reads_contents_and_length);
    tcase_add_test(tc, the_cap_exactly);
    tcase_add_test(tc, missing_and_unreadable);
    tcase_add_test(tc, reads_a_pipe_by_descriptor);
    tcase_add_test(tc, same_file_notices_changes);
    suite_add_tcase(s, tc);
    return mst_test_run(s);
}
