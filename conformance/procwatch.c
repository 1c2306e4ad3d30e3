/* procwatch.c - sampling /proc for the test's process group (see
 * procwatch.h). */
#include "procwatch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dclock.h"

#define TEXT_MAX (16u * 1024u * 1024u)
#define FILE_MAX (256u * 1024u)

void ct_procwatch_init(struct ct_procwatch *w)
{
    memset(w, 0, sizeof *w);
    buf_init(&w->text, TEXT_MAX);
}

void ct_procwatch_release(struct ct_procwatch *w)
{
    buf_release(&w->text);
}

/* Reads a /proc file (NUL-separated fields become spaces); -1 if gone. */
static long read_proc(const char *path, char *out, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t len = 0;
    for (int guard = 0; guard < 1024 && len + 1 < cap; guard++) {
        ssize_t n = read(fd, out + len, cap - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    for (size_t i = 0; i < len; i++)
        if (out[i] == '\0' || out[i] == '\n')
            out[i] = ' ';
    out[len] = '\0';
    return (long)len;
}

static uint64_t fnv(const char *s, uint64_t h)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* A process's parent and process group, from /proc/<pid>/stat. */
static int parent_and_group(pid_t pid, int *ppid, int *pgrp)
{
    char path[64], stat[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (read_proc(path, stat, sizeof stat) < 0)
        return -1;
    /* "pid (comm) state ppid pgrp ...": comm may hold spaces; skip past ')'. */
    const char *p = strrchr(stat, ')');
    char state;
    if (!p || sscanf(p + 1, " %c %d %d", &state, ppid, pgrp) != 3)
        return -1;
    return 0;
}

/* Whether pid is this test's: in its process group, a child of this
 * process, or a child of a process already found to be ours.  A helper
 * that called setsid stays one: it was a child of the connector, and the
 * test is a child subreaper, so orphans are re-parented to it.  One read
 * of /proc/<pid>/stat per process and sample. */
static int ours(struct ct_procwatch *w, pid_t pid, pid_t self, int group)
{
    int ppid, pgrp;
    if (parent_and_group(pid, &ppid, &pgrp))
        return 0;
    int mine = pgrp == group || ppid == self;
    for (int i = 0; i < w->nknown && !mine; i++)
        mine = w->known[i] == ppid;
    if (mine) {
        int seen = 0;
        for (int i = 0; i < w->nknown && !seen; i++)
            seen = w->known[i] == pid;
        if (!seen && w->nknown < CT_WATCH_SEEN)
            w->known[w->nknown++] = pid;
    }
    return mine;
}

/* Reads a /proc file until two reads agree: a command line read while the
 * process calls exec can come back half old, half new.  -1 if gone or it
 * never settled (the next sample sees it). */
static long read_settled(const char *path, char *out, char *spare, size_t cap)
{
    long n = read_proc(path, out, cap);
    for (int tries = 0; n >= 0 && tries < 8; tries++) {
        long m = read_proc(path, spare, cap);
        if (m == n && !memcmp(out, spare, (size_t)n))
            return n;
        memcpy(out, spare, m >= 0 ? (size_t)m + 1 : 1);
        n = m;
    }
    return -1;
}

void ct_procwatch_sample(struct ct_procwatch *w, const pid_t *skip, int nskip)
{
    DIR *d = opendir("/proc");
    if (!d)
        return;
    pid_t self = getpid();
    int group = (int)getpgrp();
    static char argv_text[FILE_MAX], env_text[FILE_MAX], spare[FILE_MAX];
    struct dirent *de;
    for (int guard = 0; guard < 1000000 && (de = readdir(d)); guard++) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end || pid <= 0 || pid == self)
            continue;
        int skipped = 0;
        for (int i = 0; i < nskip; i++)
            skipped |= skip[i] == (pid_t)pid;
        if (skipped || !ours(w, (pid_t)pid, self, group))
            continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
        if (read_settled(path, argv_text, spare, sizeof argv_text) < 0)
            continue;
        snprintf(path, sizeof path, "/proc/%ld/environ", pid);
        if (read_settled(path, env_text, spare, sizeof env_text) < 0)
            env_text[0] = '\0';
        uint64_t h = fnv(env_text, fnv(argv_text, 1469598103934665603ULL ^ (uint64_t)pid));
        int known = 0;
        for (int i = 0; i < w->nseen && !known; i++)
            known = w->seen[i] == h;
        if (known)
            continue;
        if (w->nseen < CT_WATCH_SEEN)
            w->seen[w->nseen++] = h;
        w->processes++;
        buf_printf(&w->text, "pid %ld argv: %s\nenv: %s\n", pid, argv_text, env_text);
    }
    closedir(d);
}

static void slurp(const char *path, struct buf *b)
{
    FILE *f = fopen(path, "rb");
    char tmp[8192];
    size_t n;
    while (f && (n = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_append(b, tmp, n);
    if (f)
        fclose(f);
    if (!b->ptr)
        buf_append(b, "", 0);
}

int ct_run_watched(char *const argv[], const char *capture_dir, int timeout_ms,
                   const pid_t *skip, int nskip, struct ct_procwatch *w, struct run_result *res)
{
    memset(res, 0, sizeof *res);
    buf_init(&res->out, 16 * 1024 * 1024);
    buf_init(&res->err, 16 * 1024 * 1024);
    static unsigned serial;
    char outp[4200], errp[4200];
    snprintf(outp, sizeof outp, "%s/run-%u.out", capture_dir, serial);
    snprintf(errp, sizeof errp, "%s/run-%u.err", capture_dir, serial++);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        int fo = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int fe = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in < 0 || fo < 0 || fe < 0)
            _exit(127);
        dup2(in, 0);
        dup2(fo, 1);
        dup2(fe, 2);
        int fds[3] = {in, fo, fe};      /* the connector gets 0-2 only */
        for (int k = 0; k < 3; k++)
            if (fds[k] > 2)
                close(fds[k]);
        execv(argv[0], argv);
        _exit(127);
    }
    int64_t deadline = dclock_mono_ms() + timeout_ms;
    int status = 0;
    for (;;) {
        ct_procwatch_sample(w, skip, nskip);
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR)
            return -1;
        if (!res->timed_out && dclock_mono_ms() > deadline) {
            kill(pid, SIGKILL);
            res->timed_out = 1;
        }
        struct timespec ts = {0, 2 * 1000000};
        nanosleep(&ts, NULL);
    }
    if (WIFEXITED(status)) {
        res->exited = 1;
        res->code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        res->code = WTERMSIG(status);
    }
    slurp(outp, &res->out);
    slurp(errp, &res->err);
    unlink(outp);
    unlink(errp);
    return 0;
}
