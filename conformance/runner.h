/* runner.h - runs the selected tests, a few at a time, each in its own
 * process (own process group, own working folder, own doubles), then
 * merges their verdicts into per-requirement outcomes and writes the
 * reports.  ct_opts (ctenv.h) must be filled first. */
#ifndef CT_RUNNER_H
#define CT_RUNNER_H

#include <stddef.h>

struct ct_run_cfg {
    const char *only;        /* comma-separated ids and/or groups; NULL = all */
    const char *report_dir;  /* created if missing */
    int jobs;                /* tests at once (>= 1) */
    int test_timeout_ms;     /* real time one test may take at time scale 60 */
    int quiet;               /* no per-test progress lines */
    int fail_fast;           /* stop at the first failed MUST (mutation runs) */
};

/* Returns the process exit code: 0 when every selected MUST passed, 1 when
 * one failed or could not be judged, 2 for a bad selection or report dir. */
int ct_run(const struct ct_run_cfg *cfg);

/* Checks a --only list: every item must be a requirement id or a group.
 * Returns 0, or -1 naming the first unknown item in err. */
int ct_selection_check(const char *only, char *err, size_t errlen);
/* 1 if requirement id (of group) is selected by only (NULL = all). */
int ct_selected(const char *only, const char *id, const char *group);

#endif
