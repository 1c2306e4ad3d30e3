/* procwatch.h - what the connector's processes carry in their command
 * lines and environments.  While a run goes on, the test samples /proc
 * for every process of its own process group (the runner makes each test a
 * group leader; the connector and its children inherit the group) and
 * every descendant of the test that left the group (setsid; with the test a
 * child subreaper, daemons stay descendants), except the ones it says to
 * skip (the doubles), and keeps their text so SEC-005 can look for secrets
 * in it.  A file is read until two reads agree, so a command line torn by
 * an exec is never taken.  Sampling can miss a process that lives less
 * than a sampling interval (2 ms). */
#ifndef CT_PROCWATCH_H
#define CT_PROCWATCH_H

#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "spawn.h"

#define CT_WATCH_SEEN 4096

struct ct_procwatch {
    struct buf text;                    /* "pid N argv: ...\n" and "env: ...\n" lines */
    int processes;                      /* distinct process images recorded */
    uint64_t seen[CT_WATCH_SEEN];       /* hashes of what is already recorded; private */
    int nseen;
    pid_t known[CT_WATCH_SEEN];         /* processes found to be ours; private */
    int nknown;
};

void ct_procwatch_init(struct ct_procwatch *w);
void ct_procwatch_release(struct ct_procwatch *w);
/* Records every process of this process group not in skip[0..nskip). */
void ct_procwatch_sample(struct ct_procwatch *w, const pid_t *skip, int nskip);

/* Runs argv (standard input closed, output captured through files in
 * capture_dir) while sampling it and its children every 2 ms; kills it
 * after timeout_ms.  Fills res like spawn_run (the caller releases it).
 * Returns 0 when it ran. */
int ct_run_watched(char *const argv[], const char *capture_dir, int timeout_ms,
                   const pid_t *skip, int nskip, struct ct_procwatch *w, struct run_result *res);

#endif
