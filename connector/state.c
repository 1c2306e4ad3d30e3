#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "defects.h"
#include "log.h"
#include "strutil.h"

#define STATE_TMP_MARK ".tmp."

static void path_join(char *out, size_t cap, const char *dir, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static int mkdir_parents(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int r = mkdir(path, 0700);
        *p = '/';
        if (r && errno != EEXIST)
            return -1;
    }
    return mkdir(path, 0700) && errno != EEXIST ? -1 : 0;
}

static void remove_leftovers(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    unsigned seen = 0;
    while ((e = readdir(d)) && seen++ < 100000) {
        if (e->d_name[0] == '.' && strstr(e->d_name, STATE_TMP_MARK)) {
            char p[4096];
            path_join(p, sizeof p, dir, e->d_name);
            if (!unlink(p))
                log_info("removed '%s' left by an interrupted write", e->d_name);
        }
    }
    closedir(d);
}

int conn_state_prepare(const char *dir, char *err, size_t errlen)
{
    char name[256];
    str_sanitize(dir, name, sizeof name);
    if (strlen(dir) >= 3000) {
        snprintf(err, errlen, "state_dir '%s' is too long", name);
        return -1;
    }
    char tmp[3072];
    snprintf(tmp, sizeof tmp, "%s", dir);
    if (mkdir_parents(tmp)) {
        snprintf(err, errlen, "cannot create state_dir '%s': %s", name, strerror(errno));
        return -1;
    }
    struct stat st;
    if (lstat(dir, &st) || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "state_dir '%s' is not a directory", name);
        return -1;
    }
    if (st.st_mode & 077) {
        if (chmod(dir, 0700)) {
            snprintf(err, errlen, "state_dir '%s' is open to others and cannot be made "
                                  "private: %s", name, strerror(errno));
            return -1;
        }
        log_warn("state_dir '%s' was open to other users; narrowed to 0700", name);
    }
    remove_leftovers(dir);
    return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int conn_state_stage(const char *dir, const char *name, const void *data, size_t len,
                     struct conn_state_staged *st, char *err, size_t errlen)
{
    path_join(st->final, sizeof st->final, dir, name);
    snprintf(st->dir, sizeof st->dir, "%s", dir);
    snprintf(st->tmp, sizeof st->tmp, "%s/.%s" STATE_TMP_MARK "XXXXXX", dir, name);
    int fd = mkstemp(st->tmp);
    if (fd < 0) {
        snprintf(err, errlen, "cannot write state file '%s': %s", name, strerror(errno));
        return -1;
    }
    if (fchmod(fd, conn_defect("state-world-readable") ? 0644 : 0600) || write_all(fd, data, len) ||
        fsync(fd)) {
        snprintf(err, errlen, "cannot write state file '%s': %s", name, strerror(errno));
        close(fd);
        unlink(st->tmp);
        return -1;
    }
    if (close(fd)) {
        snprintf(err, errlen, "cannot write state file '%s': %s", name, strerror(errno));
        unlink(st->tmp);
        return -1;
    }
    return 0;
}

int conn_state_commit(const struct conn_state_staged *st, char *err, size_t errlen)
{
    if (rename(st->tmp, st->final)) {
        snprintf(err, errlen, "cannot replace state file '%s': %s", st->final, strerror(errno));
        unlink(st->tmp);
        return -1;
    }
    int dfd = open(st->dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

void conn_state_discard(const struct conn_state_staged *st)
{
    unlink(st->tmp);
}

int conn_state_write(const char *dir, const char *name, const void *data, size_t len,
                     char *err, size_t errlen)
{
    struct conn_state_staged st;
    if (conn_state_stage(dir, name, data, len, &st, err, errlen))
        return -1;
    return conn_state_commit(&st, err, errlen);
}

int conn_state_read(const char *dir, const char *name, struct buf *out, char *err,
                    size_t errlen)
{
    char path[4096];
    path_join(path, sizeof path, dir, name);
    buf_init(out, STATE_MAX_FILE);
    int fd = open(path, O_RDONLY | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "cannot read state file '%s': %s", name, strerror(errno));
        return -1;
    }
    struct stat st;
    if (!fstat(fd, &st) && (st.st_mode & 077) && !conn_defect("state-world-readable")) {
        if (!fchmod(fd, 0600))
            log_warn("state file '%s' was open to other users; narrowed to 0600", name);
    }
    char chunk[8192];
    int rc = 1;
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "cannot read state file '%s': %s", name, strerror(errno));
            rc = -1;
            break;
        }
        if (n == 0)
            break;
        if (buf_append(out, chunk, (size_t)n)) {
            snprintf(err, errlen, "state file '%s' is larger than %u bytes", name,
                     STATE_MAX_FILE);
            rc = -1;
            break;
        }
    }
    close(fd);
    if (rc < 0)
        buf_release(out);
    return rc;
}

int conn_state_read_json(const char *dir, const char *name, cJSON **out, char *err,
                         size_t errlen)
{
    struct buf b;
    int r = conn_state_read(dir, name, &b, err, errlen);
    if (r <= 0)
        return r;
    cJSON *j = cJSON_ParseWithLength(b.ptr ? b.ptr : "", b.len);
    buf_release(&b);
    if (!j || !cJSON_IsObject(j)) {
        cJSON_Delete(j);
        char d[256];
        str_sanitize(dir, d, sizeof d);
        snprintf(err, errlen, "state file '%s/%s' is corrupt (not a JSON object); remove it "
                              "to start over", d, name);
        return -1;
    }
    *out = j;
    return 1;
}

int conn_state_remove(const char *dir, const char *name, char *err, size_t errlen)
{
    char path[4096];
    path_join(path, sizeof path, dir, name);
    if (unlink(path) && errno != ENOENT) {
        snprintf(err, errlen, "cannot remove state file '%s': %s", name, strerror(errno));
        return -1;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}
