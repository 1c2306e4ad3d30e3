/* ctenv.h - one test's private world: its own mock-smartsheet and mock-cas
 * (port 0), a temporary folder with the connector's config and state_dir,
 * and helpers to run the connector under test and to talk to the doubles'
 * admin APIs.  A test owns its ct_env and the processes in it; nothing is
 * shared between tests. */
#ifndef CT_CTENV_H
#define CT_CTENV_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "spawn.h"

/* Settings for the whole run, filled by the runner before tests start. */
struct ct_opts {
    char connector[PATH_MAX];   /* the executable under test */
    char bin_dir[PATH_MAX];     /* where mock-smartsheet and mock-cas are */
    char fixtures[PATH_MAX];    /* fixtures folder for the doubles ("" = their default) */
    double time_scale;          /* passed to doubles and the connector config */
};
extern struct ct_opts ct_opts;

struct ct_env_cfg {
    const char *scenario;       /* NULL = "default" */
    const char *rate_limit;     /* mock-smartsheet --rate-limit, NULL = default */
    int tls;                    /* serve both doubles over HTTPS from a test CA */
    /* Serve a certificate from the test CA issued for another host name
     * (with tls). */
    int tls_wrong_host;
    /* Run this test at no more than this time scale (0 = the run's): for
     * checks of waits that scheduler noise would blur at high scales. */
    double max_scale;
};

/* One connector invocation, as the test saw it.  Output is kept as its
 * last CT_RUN_TAIL bytes. */
#define CT_RUN_TAIL (64 * 1024)
#define CT_MAX_RUNS 64
struct ct_run_rec {
    char cmd[24];
    char how[96];               /* "exit 3", "killed by signal 9 (by the test)", ... */
    int overtime;               /* the suite stopped it: its real-time budget ran out */
    int exited, code;           /* as in struct run_result */
    double seconds;
    long long end_ms;           /* wall clock when it ended, epoch ms */
    struct buf out, err;
};

struct ct_env {
    char dir[1024];             /* the test's private temporary folder */
    char state_dir[PATH_MAX];   /* the connector's state_dir (inside dir) */
    char config_path[PATH_MAX];
    char ca_file[PATH_MAX];     /* the test CA (tls only), else "" */
    struct child ss, cas;
    char ss_url[512], cas_url[512];
    char ss_app_url[512];       /* ss_url under the consent host's name (localhost) */
    char client_id[128], secret[160];
    long long instance_id;
    char cas_token[200];
    char err[512];              /* why the last call failed */
    cJSON *config;              /* written by ct_env_write_config; tests may edit */
    double scale;               /* this test's time scale */
    /* Every connector run of this test, oldest first. */
    struct ct_run_rec runs[CT_MAX_RUNS];
    int nruns;
    /* Set when the suite stopped a run for running past its real-time
     * budget: failures that could come from that are "not judged, because
     * <overtime>" (ct_judge). */
    char overtime[200];
    /* Checks every test makes on what its connector did (OAUTH-011, RL-001,
     * SEC-001) run when the env stops, unless this is set. */
    int no_ambient;
    /* SEC-001 over every run: the whole output of each is scanned for the
     * secrets known when it ended (secrets.h); the first leak found. */
    char leak[400];
    long long scanned_bytes;
    int scanned_runs;
    /* The duration and end (epoch ms) of the run recorded last. */
    double last_seconds;
    long long last_end_ms;
    /* The background run of ct_env_spawn (one at a time). */
    char spawn_out[PATH_MAX], spawn_err[PATH_MAX], spawn_cmd[24];
    long long spawn_t0;
};

/* Records a failure of requirement id as "not judged" instead when the
 * suite stopped one of e's connector runs for time (e->overtime): the
 * evidence then says so.  Otherwise as ct_verdict.  For failures whose
 * evidence does not depend on the harness's timing, use ct_verdict. */
void ct_judge(const struct ct_env *e, const char *id, int ok, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Keeps a run's outcome and output in e->runs (and e->overtime). */
void ct_env_record(struct ct_env *e, const char *cmd, const struct run_result *r,
                   double seconds);

/* Starts both doubles, registers an app (redirect to mock-cas's saga URL),
 * creates a CAS instance and writes the config.  Points this process's
 * HOME and TMPDIR (inherited by the connector) into the test folder.  Returns 0, or -1 with the
 * reason in e->err (whatever started is stopped by ct_env_stop). */
int ct_env_start(struct ct_env *e, const struct ct_env_cfg *cfg);
/* Judges the checks made in every test (judge.h), hands the runs to the
 * report (runlog.h), stops the doubles this env started and removes its
 * folder (kept, and named in the log, with KIT_CONFORMANCE_KEEP set). */
void ct_env_stop(struct ct_env *e);
/* Writes e->config to the config file (mode 0600).  Returns 0 or -1. */
int ct_env_write_config(struct ct_env *e);

/* A real-time limit written for time scale 60, stretched for slower scales
 * (60 / time_scale times longer; never shorter than given).  Uses the
 * scale of the env this process started last, else the run's. */
int ct_budget_ms(int ms_at_60);

/* Runs "CONNECTOR <cmd> --config FILE [extra...]" with a timeout in real
 * milliseconds for time scale 60 (ct_budget_ms stretches it; kill_after_ms
 * >= 0: SIGKILL at that point, not stretched).  The caller releases res.
 * Returns 0 when the program ran. */
int ct_env_run(struct ct_env *e, const char *cmd, const char *extra1, const char *extra2,
               int timeout_ms, int kill_after_ms, struct run_result *res);
/* Starts "CONNECTOR <cmd> --config FILE" in the background (stdout and
 * stderr to two files in the test folder, standard input closed).  Returns 0 and the pid,
 * or -1 with e->err.  The caller ends it with ct_env_kill. */
int ct_env_spawn(struct ct_env *e, const char *cmd, pid_t *pid);
/* SIGKILLs a process from ct_env_spawn (if still running), with every
 * process descended from it, and reaps it; describes how it ended in how.
 * The run is recorded in e->runs, "killed ... by the test (why)". */
void ct_env_kill(struct ct_env *e, pid_t pid, const char *why, char *how, size_t cap);
/* Whether a process from ct_env_spawn is still running (not yet reaped;
 * once it has ended it is recorded in e->runs). */
int ct_env_running(struct ct_env *e, pid_t pid, char *how, size_t cap);

/* A readable summary of how a run ended: "exit 3", "killed by signal 9",
 * "timed out". */
const char *ct_run_outcome(const struct run_result *r, char *out, size_t cap);

/* The OAuth dance without a browser: authorize-url, consent at the double
 * (approve unless the test set another mode), then authorize with the
 * redirect.  Returns 0 when authorize exited 0, else -1 with e->err. */
int ct_env_connect(struct ct_env *e);

/* ct_env_start, then ct_env_connect; on a failure the requirements `reqs`
 * are recorded as not judged, with the reason, and -1 returned. */
int ct_env_ready(struct ct_env *e, const struct ct_env_cfg *cfg, const char *reqs);
/* Runs authorize-url and returns its one output line in url.  0 or -1. */
int ct_env_authorize_url(struct ct_env *e, char *url, size_t cap);
/* GETs the consent URL at mock-smartsheet and returns the Location the
 * double redirected to.  0 or -1. */
int ct_env_consent(struct ct_env *e, const char *auth_url, char *location, size_t cap);

/* Admin calls: method, path (with query), JSON body or NULL.  Returns the
 * parsed answer of a 2xx response (caller frees), or NULL with e->err. */
cJSON *ct_ss(struct ct_env *e, const char *method, const char *path, const char *body);
cJSON *ct_cas(struct ct_env *e, const char *method, const char *path, const char *body);
/* The same, for calls whose answer the test ignores: 0 on 2xx. */
int ct_ss_do(struct ct_env *e, const char *method, const char *path, const char *body);
int ct_cas_do(struct ct_env *e, const char *method, const char *path, const char *body);

/* mock-smartsheet's journal entries (the "entries" array, oldest first),
 * optionally only those with this path prefix.  Caller frees the array
 * returned (a detached cJSON array). */
cJSON *ct_ss_journal(struct ct_env *e, const char *path);
/* Helpers on journal entries. */
long long ct_jnum(const cJSON *o, const char *key);
const char *ct_jstr(const cJSON *o, const char *key);

#endif
