/*
 * filemgr.c - the filemgr agent, with choria-plugins' interface: status
 * (with sha256 and Choria's md5, times as text and seconds, a directory's
 * listing), touch and remove of one file given by absolute path (Choria's
 * default file when none is given).
 *
 * Paths are resolved without following any symbolic link
 * (openat2 RESOLVE_NO_SYMLINKS, or O_NOFOLLOW component by component on
 * kernels without openat2), so a link planted anywhere along the way
 * cannot redirect the agent outside what the caller named; a link as the
 * last component is reported (status) or removed as the link itself.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "agent_util.h"

#define MAX_PATH_LEN 4096
/* Choria's file when the caller names none */
#define DEFAULT_FILE "/var/run/mcollective.plugin.filemgr.touch"
#define MAX_LISTING 10000 /* names of a dirlist */

/*
 * The agent's own allowlist: absolute, no control characters, no "..",
 * so the path means what it says.  Returns MUSTER_OK or
 * MUSTER_INVALID_DATA / MUSTER_MISSING_DATA with `msg`.
 */
static int get_path(const struct muster_call *call, const char **path_r,
                    char *msg, size_t msg_len) {
    *path_r = DEFAULT_FILE;
    int rc = json_object_get(call->data, "file") == NULL
                 ? MUSTER_OK
                 : mst_agent_string(call, "file", MAX_PATH_LEN, path_r, msg,
                                    msg_len);
    if (rc != MUSTER_OK)
        return rc;
    const char *p = *path_r;
    if (p[0] != '/')
        return mst_agent_fail(msg, msg_len, MUSTER_INVALID_DATA,
                              "file must be an absolute path");
    for (const unsigned char *c = (const unsigned char *)p; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return mst_agent_fail(msg, msg_len, MUSTER_INVALID_DATA,
                                  "file contains a control character");
    for (const char *c = p; (c = strstr(c, "..")) != NULL; c += 2)
        if (c[-1] == '/' && (c[2] == '/' || c[2] == '\0'))
            return mst_agent_fail(msg, msg_len, MUSTER_INVALID_DATA,
                                  "file may not contain '..' components");
    return MUSTER_OK;
}

/* Fallback: walk from "/" one component at a time, refusing any link. */
static int walk_nofollow(const char *path, int flags, mode_t mode) {
    char buf[MAX_PATH_LEN + 1];
    size_t len = strlen(path);
    if (len >= sizeof buf)
        return -ENAMETOOLONG;
    memcpy(buf, path, len + 1);
    int dfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    char *save = NULL;
    char *comp = strtok_r(buf, "/", &save);
    if (comp == NULL) /* "/" itself */
        return dfd;
    for (char *next; dfd >= 0; comp = next) {
        next = strtok_r(NULL, "/", &save);
        if (next == NULL) {
            int fd = openat(dfd, comp, flags | O_NOFOLLOW | O_CLOEXEC, mode);
            int e = errno;
            close(dfd);
            return fd >= 0 ? fd : -e;
        }
        int sub = openat(dfd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        int e = errno;
        close(dfd);
        struct stat st;
        if (sub < 0)
            return -e;
        if (fstat(sub, &st) != 0)
            st.st_mode = 0;
        if (!S_ISDIR(st.st_mode)) {
            e = S_ISLNK(st.st_mode) ? ELOOP : ENOTDIR;
            close(sub);
            return -e;
        }
        dfd = sub;
    }
    return -errno;
}

/* Open `path` refusing symbolic links; fd, or -errno. */
static int open_nofollow(const char *path, int flags, mode_t mode) {
    struct open_how how = {
        .flags = (unsigned)(flags | O_NOFOLLOW | O_CLOEXEC),
        .mode = (flags & O_CREAT) ? mode : 0,
        .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
    };
    long fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
    if (fd >= 0)
        return (int)fd;
    if (errno != ENOSYS && errno != EPERM) /* EPERM: a seccomp filter */
        return -errno;
    return walk_nofollow(path, flags, mode);
}

/* Why a path could not be opened, for statusmsg. */
static int open_failed(const char *path, int neg_errno, char *msg,
                       size_t msg_len) {
    if (neg_errno == -ELOOP || neg_errno == -EXDEV)
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                              "%s: refused, the path goes through a "
                              "symbolic link",
                              path);
    return mst_agent_fail(msg, msg_len, MUSTER_ABORTED, "%s: %s", path,
                          strerror(-neg_errno));
}

static const char *type_name(mode_t m) {
    return S_ISREG(m)    ? "file"
           : S_ISDIR(m)  ? "directory"
           : S_ISLNK(m)  ? "symlink"
           : S_ISFIFO(m) ? "fifo"
           : S_ISSOCK(m) ? "socket"
           : S_ISCHR(m)  ? "character device"
           : S_ISBLK(m)  ? "block device"
                         : "unknown";
}

/* User and group names (thread-safe lookups), or the number as text. */
static void add_owner(json_t *reply, const struct stat *st) {
    char buf[4096], num[24];
    struct passwd pw, *pwr = NULL;
    struct group gr, *grr = NULL;
    getpwuid_r(st->st_uid, &pw, buf, sizeof buf, &pwr);
    snprintf(num, sizeof num, "%u", (unsigned)st->st_uid);
    json_object_set_new(reply, "owner", json_string(pwr ? pw.pw_name : num));
    getgrgid_r(st->st_gid, &gr, buf, sizeof buf, &grr);
    snprintf(num, sizeof num, "%u", (unsigned)st->st_gid);
    json_object_set_new(reply, "group", json_string(grr ? gr.gr_name : num));
    json_object_set_new(reply, "uid", json_integer(st->st_uid));
    json_object_set_new(reply, "gid", json_integer(st->st_gid));
}

/* SHA-256 and MD5 (Choria's md5) of what `fd` reads, in hex; 0 or -1. */
static int digests_fd(int fd, char sha256[65], char md5[33]) {
    unsigned char md[EVP_MAX_MD_SIZE], buf[65536];
    unsigned int md_len = 0;
    EVP_MD_CTX *sha = EVP_MD_CTX_new(), *m5 = EVP_MD_CTX_new();
    int ok = sha != NULL && m5 != NULL &&
             EVP_DigestInit_ex(sha, EVP_sha256(), NULL) == 1 &&
             EVP_DigestInit_ex(m5, EVP_md5(), NULL) == 1;
    for (ssize_t n; ok && (n = read(fd, buf, sizeof buf)) != 0;) {
        if (n < 0 && errno == EINTR)
            continue;
        ok = n > 0 && EVP_DigestUpdate(sha, buf, (size_t)n) == 1 &&
             EVP_DigestUpdate(m5, buf, (size_t)n) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(sha, md, &md_len) == 1 && md_len == 32;
    for (unsigned i = 0; ok && i < md_len; i++)
        snprintf(sha256 + 2 * i, 3, "%02x", md[i]);
    ok = ok && EVP_DigestFinal_ex(m5, md, &md_len) == 1 && md_len == 16;
    for (unsigned i = 0; ok && i < md_len; i++)
        snprintf(md5 + 2 * i, 3, "%02x", md[i]);
    EVP_MD_CTX_free(sha);
    EVP_MD_CTX_free(m5);
    return ok ? 0 : -1;
}

/*
 * Open a file again for reading (the status fd is O_PATH) and make sure
 * it is still the same inode.  Returns the fd, or -1 with a muster status
 * in *rc_r and the reason in `msg`.
 */
static int reopen_same(const char *path, int flags, const struct stat *st,
                       int *rc_r, char *msg, size_t msg_len) {
    int fd = open_nofollow(path, flags | O_NONBLOCK | O_NOCTTY, 0);
    struct stat now;
    if (fd < 0) {
        *rc_r = open_failed(path, fd, msg, msg_len);
        return -1;
    }
    if (fstat(fd, &now) != 0 || now.st_dev != st->st_dev ||
        now.st_ino != st->st_ino) {
        close(fd);
        *rc_r = mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                               "%s: changed while being read", path);
        return -1;
    }
    return fd;
}

/* Hash a regular file: sha256 and md5. */
static int add_digests(json_t *reply, const char *path, const struct stat *st,
                       char *msg, size_t msg_len) {
    int rc = MUSTER_OK;
    int fd = reopen_same(path, O_RDONLY, st, &rc, msg, msg_len);
    if (fd < 0)
        return rc;
    char sha256[65], md5[33];
    if (digests_fd(fd, sha256, md5) != 0)
        rc = mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                            "%s: cannot read it: %s", path, strerror(errno));
    else {
        json_object_set_new(reply, "sha256", json_string(sha256));
        json_object_set_new(reply, "md5", json_string(md5));
    }
    close(fd);
    return rc;
}

/* A directory's names but "." and "..", for dirlist (dir_listing). */
static int add_listing(json_t *reply, const char *path, const struct stat *st,
                       char *msg, size_t msg_len) {
    int rc = MUSTER_OK;
    int fd = reopen_same(path, O_RDONLY | O_DIRECTORY, st, &rc, msg, msg_len);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return fd < 0 ? rc
                      : mst_agent_fail(msg, msg_len, MUSTER_ABORTED, "%s: %s",
                                       path, strerror(errno));
    }
    json_t *names = json_array();
    for (struct dirent *e;
         (e = readdir(d)) != NULL && json_array_size(names) < MAX_LISTING;)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            json_array_append_new(names,
                                  mst_agent_text(e->d_name, strlen(e->d_name)));
    closedir(d);
    json_object_set_new(reply, "dir_listing", names);
    return MUSTER_OK;
}

/* A time as Ruby's Time#to_s prints it (Choria's mtime, ctime, atime). */
static json_t *ruby_time(time_t t) {
    struct tm tm;
    char buf[64];
    if (localtime_r(&t, &tm) == NULL ||
        strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %z", &tm) == 0)
        return json_string("");
    return json_string(buf);
}

static void add_times(json_t *reply, const struct stat *st) {
    static const char *const names[] = {"mtime", "ctime", "atime"};
    const time_t secs[] = {st->st_mtim.tv_sec, st->st_ctim.tv_sec,
                           st->st_atim.tv_sec};
    for (int i = 0; i < 3; i++) {
        char key[24];
        json_object_set_new(reply, names[i], ruby_time(secs[i]));
        snprintf(key, sizeof key, "%s_seconds", names[i]);
        json_object_set_new(reply, key, json_integer((json_int_t)secs[i]));
    }
}

static void add_stat(json_t *reply, const struct stat *st) {
    char mode[8];
    snprintf(mode, sizeof mode, "%04o", (unsigned)(st->st_mode & 07777));
    json_object_set_new(reply, "present", json_integer(1));
    json_object_set_new(reply, "output", json_string("present"));
    json_object_set_new(reply, "type", json_string(type_name(st->st_mode)));
    json_object_set_new(reply, "size", json_integer((json_int_t)st->st_size));
    json_object_set_new(reply, "mode", json_string(mode));
    add_times(reply, st);
    add_owner(reply, st);
}

static int status(const struct muster_host *host,
                  const struct muster_call *call, json_t *reply, char *msg,
                  size_t msg_len) {
    (void)host;
    const char *path;
    int dirlist;
    int rc = get_path(call, &path, msg, msg_len);
    if (rc == MUSTER_OK)
        rc = mst_agent_bool(call, "dirlist", 0, &dirlist, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    json_object_set_new(reply, "name", json_string(path));
    int fd = open_nofollow(path, O_PATH, 0);
    if (fd == -ENOENT || fd == -ENOTDIR) { /* as Choria: a failure */
        json_object_set_new(reply, "present", json_integer(0));
        json_object_set_new(reply, "output", json_string("not present"));
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED, "%s does not exist",
                              path);
    }
    if (fd < 0)
        return open_failed(path, fd, msg, msg_len);
    struct stat st;
    rc = fstat(fd, &st);
    close(fd);
    if (rc != 0)
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED, "%s: %s", path,
                              strerror(errno));
    add_stat(reply, &st);
    if (S_ISREG(st.st_mode))
        return add_digests(reply, path, &st, msg, msg_len);
    if (S_ISDIR(st.st_mode) && dirlist)
        return add_listing(reply, path, &st, msg, msg_len);
    return MUSTER_OK;
}

/*
 * Open the directory that holds `path` (without links) and point *base_r
 * at the last component.  Returns an O_PATH fd (caller closes it), or -1
 * with a muster status in *rc_r and the reason in `msg`.
 */
static int open_parent_of(const char *path, const char **base_r, int *rc_r,
                          char *msg, size_t msg_len) {
    const char *slash = strrchr(path, '/');
    const char *base = slash + 1;
    char dir[MAX_PATH_LEN + 1];
    if (*base == '\0' || strcmp(base, ".") == 0) {
        *rc_r = mst_agent_fail(msg, msg_len, MUSTER_INVALID_DATA,
                               "%s: names a directory, not a file", path);
        return -1;
    }
    size_t dlen = slash == path ? 1 : (size_t)(slash - path);
    memcpy(dir, path, dlen);
    dir[dlen] = '\0';
    int dfd = open_nofollow(dir, O_PATH | O_DIRECTORY, 0);
    if (dfd < 0) {
        *rc_r = open_failed(dir, dfd, msg, msg_len);
        return -1;
    }
    *base_r = base;
    return dfd;
}

/* What an action does to the file `base` of directory `dfd` (`path`). */
typedef int (*at_fn)(int dfd, const char *base, const char *path, char *msg,
                     size_t msg_len);

/* `fn` on the input "file", checked, in its directory opened (see
 * above) for the call and closed after. */
static int in_parent(const struct muster_call *call, at_fn fn, char *msg,
                     size_t msg_len) {
    const char *path, *base;
    int rc = get_path(call, &path, msg, msg_len);
    if (rc != MUSTER_OK)
        return rc;
    int dfd = open_parent_of(path, &base, &rc, msg, msg_len);
    if (dfd < 0)
        return rc;
    rc = fn(dfd, base, path, msg, msg_len);
    close(dfd);
    return rc;
}

static int touch_at(int dfd, const char *base, const char *path, char *msg,
                    size_t msg_len) {
    /* create it if absent; never open what exists (a fifo, a device) */
    int fd = openat(dfd, base,
                    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0)
        close(fd);
    if ((fd < 0 && errno != EEXIST) ||
        utimensat(dfd, base, NULL, AT_SYMLINK_NOFOLLOW) != 0)
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED, "%s: %s", path,
                              strerror(errno));
    return MUSTER_OK;
}

static int touch(const struct muster_host *host, const struct muster_call *call,
                 json_t *reply, char *msg, size_t msg_len) {
    (void)host, (void)reply;
    return in_parent(call, touch_at, msg, msg_len);
}

static int remove_at(int dfd, const char *base, const char *path, char *msg,
                     size_t msg_len) {
    struct stat st;
    if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED, "%s: %s", path,
                              strerror(errno));
    if (S_ISDIR(st.st_mode))
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED,
                              "%s: is a directory; only files are removed",
                              path);
    if (unlinkat(dfd, base, 0) != 0) /* a link goes, not its target */
        return mst_agent_fail(msg, msg_len, MUSTER_ABORTED, "%s: %s", path,
                              strerror(errno));
    return MUSTER_OK;
}

static int remove_file(const struct muster_host *host,
                       const struct muster_call *call, json_t *reply, char *msg,
                       size_t msg_len) {
    (void)host, (void)reply;
    return in_parent(call, remove_at, msg, msg_len);
}

static const struct muster_action actions[] = {
    {"status", status},
    {"touch", touch},
    {"remove", remove_file},
    {NULL, NULL},
};

MST_AGENT_EXPORT("filemgr", NULL, actions);
