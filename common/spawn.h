/* spawn.h - start and stop child processes for tests and the conformance
 * suite.
 *
 * spawn_double() runs a double, waits (bounded) for its one stdout line
 * "listening on <url>" and returns the URL; no sleeping, no fixed ports.
 * spawn_run() runs a command to completion with a time limit, capturing
 * stdout and stderr.  Processes are only ever stopped by the PID we got. */
#ifndef KIT_SPAWN_H
#define KIT_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

struct child {
    pid_t pid;
    char url[512];
    int stderr_fd;     /* -1, or the read end of the child's stderr when captured */
};

/* argv[0] is a path.  stderr_path: file to send the child's stderr to, or
 * NULL to inherit.  Returns 0, or -1 with a message in err. */
int spawn_double(char *const argv[], const char *stderr_path, int timeout_ms,
                 struct child *out, char *err, size_t errlen);
/* SIGTERM, wait up to timeout_ms, then SIGKILL.  Returns the exit status
 * as from waitpid, or -1. */
int spawn_stop(struct child *c, int timeout_ms);

struct run_result {
    int exited;        /* 1 if it exited normally */
    int code;          /* exit code, or the signal number if !exited */
    int timed_out;     /* it was killed for running too long */
    struct buf out;    /* captured stdout (capped) */
    struct buf err;    /* captured stderr (capped) */
};

/* Runs argv with envp (NULL = inherit), capturing output, killing it after
 * timeout_ms.  kill_after_ms >= 0 sends SIGKILL at that point instead (for
 * crash tests) and is reported as a signal.  Returns 0 if it ran. */
int spawn_run(char *const argv[], char *const envp[], int timeout_ms,
              int kill_after_ms, struct run_result *res);
void run_result_release(struct run_result *res);

/* Sends sig to pid and to every process descended from it (found in /proc
 * before any is signalled: a launcher script's children, a connector's
 * helpers), so that a kill leaves no orphan running.  At most
 * SPAWN_TREE_MAX processes.  Returns how many were signalled. */
#define SPAWN_TREE_MAX 256
int spawn_kill_tree(pid_t pid, int sig);

/* Removes dir and everything below it (a spawned program's working folder),
 * without following symbolic links.  Best effort: what cannot be removed
 * stays. */
void spawn_remove_tree(const char *dir);

#endif
