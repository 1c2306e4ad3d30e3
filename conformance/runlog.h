/* runlog.h - what a test hands the runner besides its verdicts, and how
 * failed stages are told.
 *
 * When an env stops (ct_env_stop, after the ambient judgement, while the
 * doubles still run), every connector run of it is written, redacted, to
 * the test's runs file (verdict.h, ct_verdict_attach) as one JSON line
 * {"kind":"run", ...}, followed by the env's timeline {"kind":"timeline",
 * ...} (mock-smartsheet's and mock-cas's journals, reduced to what the
 * report draws) and, with KIT_CONFORMANCE_KEEP set, {"kind":"kept","dir"}.
 * Redaction uses every secret the test knows (secrets.h); output that
 * cannot be redacted because mock-smartsheet no longer answers is withheld,
 * never shown unredacted. */
#ifndef CT_RUNLOG_H
#define CT_RUNLOG_H

#include "cause.h"
#include "spawn.h"

struct ct_env;

/* An env that is running: evidence is redacted with its secrets while it
 * is on this list (at most CT_LIVE_ENVS at once). */
#define CT_LIVE_ENVS 4
void ct_live_add(struct ct_env *e);
void ct_live_remove(struct ct_env *e);

/* Writes e's runs, timeline and kept folder to the runs file. */
void ct_runs_export(struct ct_env *e);

/* A stage every later check depends on failed in connector run r (just
 * recorded, so e->last_seconds is its duration): describes it in e->err
 * ("`authorize-url` exited 1 after 0.02 s without printing a URL; stderr:
 * not implemented"), redacted, and makes it the cause that verdicts
 * blocked from now on carry.  missing and saw as in struct ct_stage_run.
 * Returns -1, for "return ct_stage_failed(...)". */
int ct_stage_failed(struct ct_env *e, const char *cmd, const struct run_result *r,
                    const char *missing, const char *saw);
/* The same for a stage without a run of its own: "who" then "what". */
int ct_step_failed(struct ct_env *e, const char *who, const char *what);

/* What mock-smartsheet saw of the run that ended just now (requests since
 * it started): "mock-smartsheet's token endpoint got no request" for
 * authorize, "mock-smartsheet got 12 API requests, the last GET
 * /2.0/events answered 429 (errorCode 4003)" for others.  "" when the
 * journal cannot be read. */
void ct_doubles_saw(struct ct_env *e, const char *cmd, char *out, size_t cap);

#endif
