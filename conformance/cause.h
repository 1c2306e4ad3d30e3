/* cause.h - a failed stage that blocks every check after it, said once.
 *
 * When a connector run that every later check of a test depends on fails
 * (authorize-url, the consent round trip, authorize, the first check or
 * sync), the test describes it once, from what happened: the command, how
 * it ended, after how long, what the doubles saw and what it printed --
 * "`authorize-url` exited 1 after 0.02 s without printing a URL; stderr:
 * not implemented".  Verdicts blocked by it carry the cause (verdict.h),
 * and the runner groups the same cause from every test into one finding
 * with the blocked requirement ids under it. */
#ifndef CT_CAUSE_H
#define CT_CAUSE_H

#include <cjson/cJSON.h>

#include "buf.h"

struct ct_cause {
    char key[400];      /* equal for the same failure in another test */
    char head[160];     /* "`authorize-url` exited 1" */
    char tail[560];     /* " without printing a URL; stderr: not implemented" */
    double seconds;     /* how long the run took; < 0 when no run failed */
};

/* What a stage's connector run did, for ct_cause_of_run. */
struct ct_stage_run {
    const char *cmd;         /* "authorize-url" */
    int exited, code;        /* code: exit code, or the signal */
    int timed_out;           /* the suite stopped it at its time limit */
    double seconds;
    const char *out, *err;   /* what it printed (need not be terminated) */
    size_t out_len, err_len;
    const char *missing;     /* what it should have done: "without printing a URL", or NULL */
    const char *saw;         /* what the doubles saw, or NULL */
};
/* Describes a failed stage run. */
void ct_cause_of_run(struct ct_cause *c, const struct ct_stage_run *r);
/* A failed stage without a connector run of its own (the consent page):
 * who, then what happened. */
void ct_cause_of_step(struct ct_cause *c, const char *who, const char *what);

/* Sets c->key from its head and tail (after either changed). */
void ct_cause_make_key(struct ct_cause *c);

/* The sentence: head, " after 0.02 s" (or "after 0.02-0.05 s" when lo and
 * hi differ; nothing when no run failed), tail. */
void ct_cause_text(const struct ct_cause *c, double lo, double hi, char *out, size_t cap);

/* As a JSON object {"key","head","tail","seconds"}; and back (0, or -1
 * when j is not one). */
void ct_cause_json(struct buf *b, const struct ct_cause *c);
int ct_cause_parse(const cJSON *j, struct ct_cause *c);

#endif
