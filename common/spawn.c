#include "spawn.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dclock.h"

/* The last non-empty line of a double's log (what it said before it gave
 * up, e.g. a scenario it could not load), or "" when there is none. */
static void last_line_of(const char *path, char *out, size_t cap)
{
    out[0] = '\0';
    int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    if (fd < 0)
        return;
    char tail[512];
    off_t end = lseek(fd, 0, SEEK_END);
    off_t from = end > (off_t)sizeof tail - 1 ? end - (off_t)(sizeof tail - 1) : 0;
    ssize_t n = end > 0 ? pread(fd, tail, (size_t)(end - from), from) : 0;
    close(fd);
    if (n <= 0)
        return;
    while (n > 0 && (tail[n - 1] == '\n' || tail[n - 1] == '\r'))
        n--;
    tail[n] = '\0';
    const char *line = strrchr(tail, '\n');
    line = line ? line + 1 : tail;
    size_t len = strlen(line);
    if (len >= cap)
        len = cap - 1;
    for (size_t i = 0; i < len; i++)       /* printable only: it goes into reports */
        out[i] = (unsigned char)line[i] < 0x20 ? ' ' : line[i];
    out[len] = '\0';
}

int spawn_double(char *const argv[], const char *stderr_path, int timeout_ms,
                 struct child *out, char *err, size_t errlen)
{
    int pfd[2];
    memset(out, 0, sizeof *out);
    out->stderr_fd = -1;
    if (pipe2(pfd, O_CLOEXEC)) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(pfd[0]);
        close(pfd[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(pfd[1], 1);
        if (stderr_path) {
            int fd = open(stderr_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
            if (fd >= 0)
                dup2(fd, 2);
        }
        execv(argv[0], argv);
        fprintf(stderr, "cannot run '%s': %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(pfd[1]);
    out->pid = pid;

    char line[512];
    size_t len = 0;
    int64_t deadline = dclock_mono_ms() + timeout_ms;
    for (;;) {
        int64_t left = deadline - dclock_mono_ms();
        if (left <= 0) {
            snprintf(err, errlen, "'%s' did not announce its address within %d ms", argv[0],
                     timeout_ms);
            break;
        }
        struct pollfd p = {pfd[0], POLLIN, 0};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            continue;
        ssize_t n = read(pfd[0], line + len, sizeof line - 1 - len);
        if (n <= 0) {
            char why[240];
            last_line_of(stderr_path, why, sizeof why);
            snprintf(err, errlen, "'%s' exited before announcing its address%s%s", argv[0],
                     why[0] ? ": " : "", why);
            break;
        }
        len += (size_t)n;
        line[len] = '\0';
        char *nl = strchr(line, '\n');
        if (nl) {
            *nl = '\0';
            if (strncmp(line, "listening on ", 13)) {
                snprintf(err, errlen, "unexpected first line from '%s': '%.100s'", argv[0], line);
                break;
            }
            snprintf(out->url, sizeof out->url, "%s", line + 13);
            close(pfd[0]);
            return 0;
        }
        if (len >= sizeof line - 1) {
            snprintf(err, errlen, "first line from '%s' is too long", argv[0]);
            break;
        }
    }
    close(pfd[0]);
    spawn_stop(out, 2000);
    return -1;
}

static int wait_pid(pid_t pid, int timeout_ms, int *status)
{
    int64_t deadline = dclock_mono_ms() + timeout_ms;
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return 0;
        if (r < 0 && errno != EINTR)
            return -1;
        if (dclock_mono_ms() >= deadline)
            return 1;
        struct timespec ts = {0, 2 * 1000000};
        nanosleep(&ts, NULL);
    }
}

/* The parent of process pid from /proc/pid/stat ("pid (comm) state ppid
 * ..."; comm may hold spaces and parentheses: read after the last ')').
 * 0 when unknown. */
static pid_t parent_of(pid_t pid)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, line, sizeof line - 1);
    close(fd);
    if (n <= 0)
        return 0;
    line[n] = '\0';
    const char *rp = strrchr(line, ')');
    int ppid = 0;
    char state;
    if (!rp || sscanf(rp + 1, " %c %d", &state, &ppid) != 2)
        return 0;
    return (pid_t)ppid;
}

int spawn_kill_tree(pid_t pid, int sig)
{
    if (pid <= 0)
        return 0;
    /* every process with its parent, read once */
    pid_t all[4096][2];
    size_t nall = 0;
    DIR *d = opendir("/proc");
    struct dirent *de;
    while (d && (de = readdir(d)) && nall < sizeof all / sizeof all[0]) {
        char *end;
        long v = strtol(de->d_name, &end, 10);
        if (*end || v <= 0)
            continue;
        pid_t pp = parent_of((pid_t)v);
        if (pp > 0) {
            all[nall][0] = (pid_t)v;
            all[nall][1] = pp;
            nall++;
        }
    }
    if (d)
        closedir(d);
    /* breadth first from pid */
    pid_t tree[SPAWN_TREE_MAX];
    size_t ntree = 0;
    tree[ntree++] = pid;
    for (size_t i = 0; i < ntree; i++)
        for (size_t k = 0; k < nall && ntree < SPAWN_TREE_MAX; k++)
            if (all[k][1] == tree[i])
                tree[ntree++] = all[k][0];
    for (size_t i = 0; i < ntree; i++)
        kill(tree[i], sig);
    return (int)ntree;
}

int spawn_stop(struct child *c, int timeout_ms)
{
    if (c->pid <= 0)
        return -1;
    int status = -1;
    kill(c->pid, SIGTERM);
    int r = wait_pid(c->pid, timeout_ms, &status);
    if (r == 1) {
        spawn_kill_tree(c->pid, SIGKILL);
        wait_pid(c->pid, 5000, &status);
    }
    c->pid = 0;
    if (c->stderr_fd >= 0)
        close(c->stderr_fd);
    c->stderr_fd = -1;
    return status;
}

static void drain(int *fd, struct buf *b)
{
    char tmp[8192];
    ssize_t n = read(*fd, tmp, sizeof tmp);
    if (n > 0) {
        if (!b->err)
            buf_append(b, tmp, (size_t)n);
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        close(*fd);
        *fd = -1;
    }
}

int spawn_run(char *const argv[], char *const envp[], int timeout_ms, int kill_after_ms,
              struct run_result *res)
{
    memset(res, 0, sizeof *res);
    buf_init(&res->out, 16 * 1024 * 1024);
    buf_init(&res->err, 16 * 1024 * 1024);
    int po[2], pe[2];
    if (pipe2(po, O_CLOEXEC))
        return -1;
    if (pipe2(pe, O_CLOEXEC)) {
        close(po[0]);
        close(po[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(po[0]); close(po[1]); close(pe[0]); close(pe[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        if (envp)
            execve(argv[0], argv, envp);
        else
            execv(argv[0], argv);
        fprintf(stderr, "cannot run '%s': %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    int64_t start = dclock_mono_ms();
    int killed = 0;
    int fo = po[0], fe = pe[0];
    while (fo >= 0 || fe >= 0) {
        int64_t now = dclock_mono_ms();
        int64_t limit = kill_after_ms >= 0 ? kill_after_ms : timeout_ms;
        if (!killed && now - start >= limit) {
            spawn_kill_tree(pid, SIGKILL);
            killed = 1;
            res->timed_out = kill_after_ms < 0;
        }
        /* a grandchild may hold the pipes open after the kill: stop reading */
        if (killed && now - start >= limit + 2000) {
            if (fo >= 0)
                close(fo);
            if (fe >= 0)
                close(fe);
            break;
        }
        struct pollfd p[2];
        int n = 0;
        if (fo >= 0)
            p[n++] = (struct pollfd){fo, POLLIN, 0};
        if (fe >= 0)
            p[n++] = (struct pollfd){fe, POLLIN, 0};
        int wait_ms = killed ? 100 : (int)(limit - (now - start));
        if (wait_ms < 1)
            wait_ms = 1;
        int r = poll(p, (nfds_t)n, wait_ms);
        if (r <= 0)
            continue;
        for (int k = 0; k < n; k++) {
            if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            if (p[k].fd == fo)
                drain(&fo, &res->out);
            else
                drain(&fe, &res->err);
        }
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status)) {
        res->exited = 1;
        res->code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        res->code = WTERMSIG(status);
    }
    if (!res->out.ptr)
        buf_append(&res->out, "", 0);
    if (!res->err.ptr)
        buf_append(&res->err, "", 0);
    return 0;
}

void run_result_release(struct run_result *res)
{
    buf_release(&res->out);
    buf_release(&res->err);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void spawn_remove_tree(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}
