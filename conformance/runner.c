/* runner.c - parallel test processes and verdict merging (see runner.h). */
#include "runner.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "catalogue.h"
#include "collect.h"
#include "ctenv.h"
#include "dclock.h"
#include "report.h"
#include "runmeta.h"
#include "tests.h"
#include "verdict.h"

#define CT_MAX_TESTS 256
/* A heartbeat line after this much silence. */
#define CT_HEARTBEAT_MS 10000

int ct_selected(const char *only, const char *id, const char *group)
{
    return !only || !*only || ct_list_has(only, id) || ct_list_has(only, group);
}

int ct_selection_check(const char *only, char *err, size_t errlen)
{
    const char *p = only ? only : "";
    while (*p) {
        size_t len = strcspn(p, ",");
        char item[64];
        if (len && len < sizeof item) {
            memcpy(item, p, len);
            item[len] = '\0';
            if (!ct_catalogue_find(item) && !ct_group_find(item)) {
                snprintf(err, errlen, "unknown requirement or group '%s' (see --list)", item);
                return -1;
            }
        } else if (len) {
            snprintf(err, errlen, "selection item too long");
            return -1;
        }
        p += len;
        if (*p)
            p++;
    }
    return 0;
}

static int test_selected(const struct ct_test *t, const char *only)
{
    const char *p = t->reqs;
    while (*p) {
        size_t len = strcspn(p, ",");
        char id[32];
        if (len && len < sizeof id) {
            memcpy(id, p, len);
            id[len] = '\0';
            const struct ct_req *r = ct_catalogue_find(id);
            if (r && ct_selected(only, r->id, r->group))
                return 1;
        }
        p += len;
        if (*p)
            p++;
    }
    return 0;
}

struct slot {
    const struct ct_test *t;
    pid_t pid;
    long long start_ms;
    int timed_out;
    double seconds;
    int status;
};

/* In the child: own process group, own empty working folder, output to the
 * test's log, then one cmocka group with this single test. */
static void child_main(const struct ct_test *t, const char *report_dir)
{
    setpgid(0, 0);
    char path[4400];
    snprintf(path, sizeof path, "%s/logs/%s.log", report_dir, t->name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    /* Line by line: a test killed at its time limit leaves a whole log. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *tmp = getenv("TMPDIR");
    char cwd[4200];
    snprintf(cwd, sizeof cwd, "%s/ct-cwd-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(cwd) || chdir(cwd)) {
        printf("cannot make a working folder: %s\n", strerror(errno));
        _exit(3);
    }
    snprintf(path, sizeof path, "%s/results/%s.jsonl", report_dir, t->name);
    ct_verdict_open(path, t->name);
    struct CMUnitTest one[1] = {{t->name, t->fn, NULL, NULL, NULL}};
    int failed = cmocka_run_group_tests_name(t->name, one, NULL, NULL);
    /* The folder is empty unless the connector left files behind (which
     * security_secrets_and_files judges); then it stays for a look. */
    if (chdir("/") == 0)
        rmdir(cwd);
    fflush(stdout);
    exit(failed ? 1 : 0);
}

/* 1 when a selected MUST has failed (not merely gone unjudged). */
static int must_failed(const struct ct_outcome *o, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (o[i].selected && o[i].req->level == CT_MUST && o[i].result == CT_FAIL)
            return 1;
    return 0;
}

/* --fail-fast: stops every test still running; they report as stopped. */
static void stop_running(struct slot *todo, size_t started, const struct slot *except)
{
    for (size_t i = 0; i < started; i++)
        if (&todo[i] != except && todo[i].pid > 0)
            kill(-todo[i].pid, SIGKILL);
}

/* "ok", "failed", "timed out after 180 s", ... */
static void slot_status(const struct slot *s, int stopped, char *out, size_t cap)
{
    if (s->status == -1 && s->pid == -1)
        snprintf(out, cap, "not started: fork failed");
    else if (s->timed_out)
        snprintf(out, cap, "timed out after %.0f s", s->seconds);
    else if (WIFEXITED(s->status))
        snprintf(out, cap, WEXITSTATUS(s->status) == 0 ? "ok" : "failed");
    else if (stopped && WIFSIGNALED(s->status) && WTERMSIG(s->status) == SIGKILL)
        snprintf(out, cap, "stopped by --fail-fast");
    else if (WIFSIGNALED(s->status))
        snprintf(out, cap, "killed by signal %d", WTERMSIG(s->status));
    else
        snprintf(out, cap, "ended");
}

/* "  ok    oauth_flow 3.1 s: OAUTH-001 pass, OAUTH-003 FAIL" */
static void progress_line(const struct ct_test_rec *t, const struct ct_report *r)
{
    printf("  %-5s %s %.1f s:", !strcmp(t->status, "ok") ? "ok" : "FAIL", t->name, t->seconds);
    const char *p = t->reqs;
    int first = 1;
    for (int guard = 0; *p && guard < 1000; guard++) {
        size_t len = strcspn(p, ",");
        char id[32];
        snprintf(id, sizeof id, "%.*s", (int)len, p);
        p += len + (p[len] == ',');
        const struct ct_req *q = ct_catalogue_find(id);
        if (!q || !ct_selected(r->only, q->id, q->group))
            continue;
        int v = ct_test_verdict(t, id);
        const char *w = v == CT_PASS ? "pass" : v == CT_ERROR || v < 0 ? "not judged"
                        : q->level == CT_SHOULD ? "warning" : "FAIL";
        printf("%s %s %s", first ? "" : ",", id, w);
        first = 0;
    }
    if (strcmp(t->status, "ok") && strcmp(t->status, "failed"))
        printf(" (%s)", t->status);
    printf("\n");
}

/* With KIT_CONFORMANCE_KEEP set: where the test's folders are (also with
 * --quiet: the user asked for them). */
static void kept_lines(const struct ct_test_rec *t)
{
    const cJSON *dir;
    cJSON_ArrayForEach(dir, t->kept)
        if (cJSON_IsString(dir))
            printf("        %s: kept %s\n", t->name, dir->valuestring);
}

/* During a silence: the tests still running, and for how long. */
static void heartbeat(const struct slot *todo, size_t next, long long now)
{
    printf("  ... still running:");
    int first = 1;
    for (size_t i = 0; i < next; i++)
        if (todo[i].pid > 0) {
            printf("%s %s (%.0f s)", first ? "" : ",", todo[i].t->name,
                   (double)(now - todo[i].start_ms) / 1000.0);
            first = 0;
        }
    printf("\n");
    fflush(stdout);
}

int ct_run(const struct ct_run_cfg *cfg)
{
    char err[200];
    if (ct_selection_check(cfg->only, err, sizeof err)) {
        fprintf(stderr, "conformance: %s\n", err);
        return 2;
    }
    char dir[PATH_MAX];
    if (ct_mkdirs(cfg->report_dir))
        return 2;
    if (!realpath(cfg->report_dir, dir)) {
        fprintf(stderr, "conformance: %s: %s\n", cfg->report_dir, strerror(errno));
        return 2;
    }
    struct ct_run_cfg c2 = *cfg;
    c2.report_dir = dir;
    cfg = &c2;
    if (ct_report_dir_claim(cfg->report_dir))
        return 2;

    struct ct_report rep;
    ct_collect_init(&rep, cfg->only, CT_MAX_TESTS);
    rep.only = cfg->only && *cfg->only ? cfg->only : NULL;
    rep.time_scale = ct_opts.time_scale;
    rep.jobs = cfg->jobs < 1 ? 1 : cfg->jobs;
    rep.started_ms = dclock_wall_ms();
    ct_runmeta_fill(&rep, ct_opts.connector);

    struct slot todo[CT_MAX_TESTS];
    size_t ntodo = 0;
    /* Tests that wait by design first, so they overlap the quick ones. */
    for (size_t k = 0; k < 2 * ct_test_count() && ntodo < CT_MAX_TESTS; k++) {
        size_t i = k % ct_test_count();
        const struct ct_test *t = ct_test_at(i);
        if (!t->slow != (k >= ct_test_count()))
            continue;
        if (test_selected(t, cfg->only)) {
            memset(&todo[ntodo], 0, sizeof todo[ntodo]);
            todo[ntodo++].t = t;
        }
    }
    if (!cfg->quiet)
        printf("conformance: %zu tests, %d at a time, time scale %g; reports in %s\n", ntodo,
               rep.jobs, rep.time_scale, cfg->report_dir);

    long long t0 = dclock_mono_ms(), last_said = t0;
    fflush(stdout);
    size_t next = 0, running = 0, done = 0;
    int jobs = rep.jobs;
    int stopped = 0;
    char status[120];
    while (done < ntodo) {
        while (!stopped && running < (size_t)jobs && next < ntodo) {
            struct slot *s = &todo[next++];
            pid_t pid = fork();
            if (pid == 0)
                child_main(s->t, cfg->report_dir);
            if (pid < 0) {
                s->pid = -1;
                s->status = -1;
                done++;
                slot_status(s, stopped, status, sizeof status);
                ct_collect_test(&rep, cfg->report_dir, s->t, 0, status, 0);
                continue;
            }
            setpgid(pid, pid);
            s->pid = pid;
            s->start_ms = dclock_mono_ms();
            running++;
        }
        if (stopped && !running)
            break;
        int wstatus;
        pid_t pid = waitpid(-1, &wstatus, WNOHANG);
        if (pid < 0 && errno == ECHILD)
            break;
        long long now = dclock_mono_ms();
        for (size_t i = 0; i < next; i++) {
            struct slot *s = &todo[i];
            if (s->pid <= 0)
                continue;
            if (pid == s->pid) {
                s->pid = 0;
                s->status = wstatus;
                s->seconds = (double)(now - s->start_ms) / 1000.0;
                /* The test's own doubles and connector runs, if any were left. */
                kill(-pid, SIGKILL);
                running--;
                done++;
                slot_status(s, stopped, status, sizeof status);
                const struct ct_test_rec *rec =
                    ct_collect_test(&rep, cfg->report_dir, s->t, s->seconds, status,
                                    s->timed_out);
                if (cfg->fail_fast && !stopped && must_failed(rep.o, rep.n)) {
                    stopped = 1;
                    stop_running(todo, next, s);
                }
                if (!cfg->quiet) {
                    progress_line(rec, &rep);
                    last_said = now;
                }
                kept_lines(rec);
                fflush(stdout);
            } else if (!s->timed_out && now - s->start_ms > ct_budget_ms(cfg->test_timeout_ms)) {
                s->timed_out = 1;
                kill(-s->pid, SIGKILL);
            }
        }
        if (!cfg->quiet && running && now - last_said > CT_HEARTBEAT_MS) {
            heartbeat(todo, next, now);
            last_said = now;
        }
        if (pid <= 0) {
            struct timespec ts = {0, 20 * 1000000};
            nanosleep(&ts, NULL);
        }
    }
    ct_collect_finish(&rep, stopped);
    rep.ended_ms = dclock_wall_ms();

    ct_report_summary(stdout, &rep);
    int wrc = ct_report_write(cfg->report_dir, &rep);
    printf("reports (%.1f s): %s/summary.md, report.html, report.json, junit-<group>.xml, "
           "logs/\n", (double)(dclock_mono_ms() - t0) / 1000.0, cfg->report_dir);
    int pass = !strcmp(ct_report_result(&rep), "pass");
    ct_collect_release(&rep);
    fflush(stdout);
    fflush(stderr);
    if (wrc)
        return 2;
    return pass ? 0 : 1;
}
