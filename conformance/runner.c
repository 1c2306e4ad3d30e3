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
#include "ctenv.h"
#include "dclock.h"
#include "report.h"
#include "tests.h"
#include "verdict.h"

#define CT_MAX_TESTS 256

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

static int ensure_dir(const char *path)
{
    if (mkdir(path, 0755) && errno != EEXIST) {
        fprintf(stderr, "conformance: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Reads one test's verdict lines into the outcomes. */
static void merge_results(const char *report_dir, const struct slot *s, struct ct_outcome *o,
                          size_t n)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/results/%s.jsonl", report_dir, s->t->name);
    FILE *f = fopen(path, "r");
    char line[16384];
    for (int guard = 0; f && guard < 10000 && fgets(line, sizeof line, f); guard++) {
        cJSON *j = cJSON_Parse(line);
        const char *id = ct_jstr(j, "id"), *res = ct_jstr(j, "result"),
                   *ev = ct_jstr(j, "evidence");
        for (size_t i = 0; id && res && i < n; i++) {
            if (strcmp(o[i].req->id, id) || !o[i].selected)
                continue;
            enum ct_result r = !strcmp(res, "pass") ? CT_PASS
                               : !strcmp(res, "fail") ? CT_FAIL : CT_ERROR;
            o[i].judged = 1;
            if (r == CT_FAIL || (r == CT_ERROR && o[i].result == CT_PASS))
                o[i].result = r;
            struct buf *b = r == CT_PASS ? &o[i].passes : &o[i].evidence;
            buf_printf(b, "%s: %s\n", s->t->name, ev ? ev : "");
        }
        cJSON_Delete(j);
    }
    if (f)
        fclose(f);
    /* Requirements this test should have judged but did not. */
    for (size_t i = 0; i < n; i++) {
        if (!o[i].selected || !ct_list_has(s->t->reqs, o[i].req->id))
            continue;
        if (o[i].tests.len)
            buf_puts(&o[i].tests, ",");
        buf_puts(&o[i].tests, s->t->name);
        if (s->seconds > o[i].seconds)
            o[i].seconds = s->seconds;
        int seen = o[i].evidence.ptr && strstr(o[i].evidence.ptr, s->t->name);
        seen |= o[i].passes.ptr && strstr(o[i].passes.ptr, s->t->name);
        if (!seen) {
            o[i].result = o[i].result == CT_FAIL ? CT_FAIL : CT_ERROR;
            if (s->timed_out)
                buf_printf(&o[i].evidence, "%s: not judged, because the test was still running "
                           "after %.0f s of real time, the suite's limit for one test at this "
                           "time scale (a busy machine or a slow connector; see logs/%s.log)\n",
                           s->t->name, s->seconds, s->t->name);
            else
                buf_printf(&o[i].evidence, "%s: not judged, because the test stopped before "
                           "judging this (see logs/%s.log)\n", s->t->name, s->t->name);
        }
    }
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

int ct_run(const struct ct_run_cfg *cfg)
{
    char err[200];
    if (ct_selection_check(cfg->only, err, sizeof err)) {
        fprintf(stderr, "conformance: %s\n", err);
        return 2;
    }
    char sub[4200], dir[PATH_MAX];
    if (ensure_dir(cfg->report_dir))
        return 2;
    if (!realpath(cfg->report_dir, dir)) {
        fprintf(stderr, "conformance: %s: %s\n", cfg->report_dir, strerror(errno));
        return 2;
    }
    struct ct_run_cfg c2 = *cfg;
    c2.report_dir = dir;
    cfg = &c2;
    snprintf(sub, sizeof sub, "%s/logs", cfg->report_dir);
    if (ensure_dir(sub))
        return 2;
    snprintf(sub, sizeof sub, "%s/results", cfg->report_dir);
    if (ensure_dir(sub))
        return 2;

    size_t nreq = ct_catalogue_count();
    struct ct_outcome *o = xcalloc(nreq, sizeof *o);
    for (size_t i = 0; i < nreq; i++) {
        o[i].req = ct_catalogue_at(i);
        o[i].selected = ct_selected(cfg->only, o[i].req->id, o[i].req->group);
        o[i].result = CT_PASS;
        buf_init(&o[i].evidence, 256 * 1024);
        buf_init(&o[i].passes, 256 * 1024);
        buf_init(&o[i].tests, 4096);
    }
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
            snprintf(sub, sizeof sub, "%s/results/%s.jsonl", cfg->report_dir, t->name);
            unlink(sub);
        }
    }

    long long started = dclock_wall_ms(), t0 = dclock_mono_ms();
    fflush(stdout);
    size_t next = 0, running = 0, done = 0;
    int jobs = cfg->jobs < 1 ? 1 : cfg->jobs;
    int stopped = 0;
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
                merge_results(cfg->report_dir, s, o, nreq);
                continue;
            }
            setpgid(pid, pid);
            s->pid = pid;
            s->start_ms = dclock_mono_ms();
            running++;
        }
        if (stopped && !running)
            break;
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid < 0 && errno == ECHILD)
            break;
        long long now = dclock_mono_ms();
        for (size_t i = 0; i < next; i++) {
            struct slot *s = &todo[i];
            if (s->pid <= 0)
                continue;
            if (pid == s->pid) {
                s->pid = 0;
                s->status = status;
                s->seconds = (double)(now - s->start_ms) / 1000.0;
                /* The test's own doubles and connector runs, if any were left. */
                kill(-pid, SIGKILL);
                running--;
                done++;
                merge_results(cfg->report_dir, s, o, nreq);
                if (cfg->fail_fast && !stopped && must_failed(o, nreq)) {
                    stopped = 1;
                    stop_running(todo, next, s);
                }
                if (!cfg->quiet)
                    printf("  %-40s %s %.1f s\n", s->t->name,
                           WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "ok  " : "FAIL",
                           s->seconds);
                fflush(stdout);
            } else if (!s->timed_out && now - s->start_ms > ct_budget_ms(cfg->test_timeout_ms)) {
                s->timed_out = 1;
                kill(-s->pid, SIGKILL);
            }
        }
        if (pid <= 0) {
            struct timespec ts = {0, 20 * 1000000};
            nanosleep(&ts, NULL);
        }
    }
    for (size_t i = 0; i < nreq; i++)
        if (o[i].selected && !o[i].judged && !o[i].tests.len) {
            o[i].result = CT_ERROR;
            buf_puts(&o[i].evidence, stopped ? "not run: --fail-fast stopped the run after a "
                                               "MUST failed\n"
                                             : "no test judges this requirement\n");
        }

    struct ct_report_info info = {ct_opts.connector, ct_opts.time_scale, started,
                                  dclock_mono_ms() - t0};
    ct_report_summary(stdout, o, nreq);
    printf("reports: %s/report.json, %s/junit-<group>.xml (%.1f s)\n", cfg->report_dir,
           cfg->report_dir, (double)info.duration_ms / 1000.0);
    int wrc = ct_report_write(cfg->report_dir, &info, o, nreq);
    int must_ok = 1;
    for (size_t i = 0; i < nreq; i++)
        if (o[i].selected && o[i].req->level == CT_MUST && o[i].result != CT_PASS)
            must_ok = 0;
    for (size_t i = 0; i < nreq; i++) {
        buf_release(&o[i].evidence);
        buf_release(&o[i].passes);
        buf_release(&o[i].tests);
    }
    free(o);
    if (wrc)
        return 2;
    return must_ok ? 0 : 1;
}
