/* collect.c - a finished test's verdicts and runs into the report (see
 * collect.h). */
#include "collect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctenv.h"
#include "runner.h"

/* Verdict lines one test may write (a guard, far above any real test). */
#define VERDICT_LINES 10000
/* One verdict line: evidence is at most 2 KiB, escaped. */
#define VERDICT_LINE_MAX (64u * 1024)
#define VERDICT_FILE_MAX (8u * 1024 * 1024)

void ct_collect_init(struct ct_report *r, const char *only, size_t max_tests)
{
    memset(r, 0, sizeof *r);
    r->n = ct_catalogue_count();
    r->o = xcalloc(r->n, sizeof *r->o);
    for (size_t i = 0; i < r->n; i++) {
        struct ct_outcome *o = &r->o[i];
        o->req = ct_catalogue_at(i);
        o->selected = ct_selected(only, o->req->id, o->req->group);
        o->result = CT_PASS;
        buf_init(&o->evidence, 256 * 1024);
        buf_init(&o->passes, 256 * 1024);
        buf_init(&o->tests, 4096);
    }
    r->tests = xcalloc(max_tests ? max_tests : 1, sizeof *r->tests);
    /* one cause per requirement at most: a verdict carries one */
    r->causes = xcalloc(r->n, sizeof *r->causes);
}

/* The whole file, at most max bytes (*cut set when there was more), or
 * NULL when it cannot be read. */
static char *read_bounded(const char *path, size_t max, size_t *len, int *cut)
{
    FILE *f = fopen(path, "rb");
    *len = 0;
    *cut = 0;
    if (!f)
        return NULL;
    struct buf b;
    buf_init(&b, max + 1);
    char tmp[65536];
    size_t n;
    while (!b.err && (n = fread(tmp, 1, sizeof tmp, f)) > 0) {
        size_t room = max - b.len;
        if (n > room) {
            buf_append(&b, tmp, room);
            *cut = 1;
            break;
        }
        buf_append(&b, tmp, n);
    }
    fclose(f);
    return buf_take(&b, len);
}

/* Calls fn for each line of text (NUL-terminated in place) no longer than
 * max; counts the longer ones in *skipped. */
static void each_line(char *text, size_t len, size_t max, size_t limit, int *skipped,
                      void (*fn)(void *ctx, char *line), void *ctx)
{
    char *p = text, *end = text + len;
    for (size_t k = 0; p && p < end && k < limit; k++) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *stop = nl ? nl : end;
        *stop = '\0';
        if ((size_t)(stop - p) > max)
            ++*skipped;
        else if (stop > p)
            fn(ctx, p);
        p = nl ? nl + 1 : NULL;
    }
}

static struct ct_cause_group *cause_group(struct ct_report *r, const struct ct_cause *c)
{
    for (size_t k = 0; k < r->ncauses; k++)
        if (!strcmp(r->causes[k].c.key, c->key))
            return &r->causes[k];
    if (r->ncauses >= r->n)
        return NULL;
    struct ct_cause_group *g = &r->causes[r->ncauses++];
    memset(g, 0, sizeof *g);
    g->c = *c;
    g->lo = g->hi = c->seconds;
    g->reqs = xcalloc(r->n, sizeof *g->reqs);
    buf_init(&g->tests, 64 * 1024);
    return g;
}

static void add_cause(struct ct_report *r, size_t i, const struct ct_cause *c, const char *test)
{
    struct ct_cause_group *g = cause_group(r, c);
    if (!g)
        return;
    if (c->seconds >= 0 && c->seconds < g->lo)
        g->lo = c->seconds;
    if (c->seconds > g->hi)
        g->hi = c->seconds;
    int at = 0;
    while (at < g->nreqs && (size_t)g->reqs[at] < i)
        at++;
    if (at == g->nreqs || (size_t)g->reqs[at] != i) {
        memmove(&g->reqs[at + 1], &g->reqs[at], (size_t)(g->nreqs - at) * sizeof *g->reqs);
        g->reqs[at] = (int)i;
        g->nreqs++;
    }
    if (!ct_list_has(g->tests.ptr ? g->tests.ptr : "", test))
        buf_printf(&g->tests, "%s%s", g->tests.len ? "," : "", test);
}

struct vctx {
    struct ct_report *r;
    struct ct_test_rec *t;
};

static void verdict_line(void *ctx, char *line)
{
    struct vctx *v = ctx;
    cJSON *j = cJSON_Parse(line);
    const char *id = ct_jstr(j, "id"), *res = ct_jstr(j, "result"), *ev = ct_jstr(j, "evidence");
    struct ct_report *r = v->r;
    for (size_t i = 0; id && res && i < r->n; i++) {
        struct ct_outcome *o = &r->o[i];
        if (strcmp(o->req->id, id) || !o->selected)
            continue;
        enum ct_result res_ = !strcmp(res, "pass") ? CT_PASS
                              : !strcmp(res, "fail") ? CT_FAIL : CT_ERROR;
        o->judged = 1;
        if (res_ == CT_FAIL || (res_ == CT_ERROR && o->result == CT_PASS))
            o->result = res_;
        buf_printf(res_ == CT_PASS ? &o->passes : &o->evidence, "%s: %s\n", v->t->name,
                   ev ? ev : "");
        if (res_ == CT_ERROR) {
            o->errors++;
            struct ct_cause c;
            if (!ct_cause_parse(cJSON_GetObjectItemCaseSensitive(j, "cause"), &c)) {
                o->caused++;
                add_cause(r, i, &c, v->t->name);
            }
        }
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "id", id);
        cJSON_AddStringToObject(item, "result", res);
        cJSON_AddStringToObject(item, "evidence", ev ? ev : "");
        cJSON_AddItemToArray(v->t->verdicts, item);
    }
    cJSON_Delete(j);
}

static void runs_line(void *ctx, char *line)
{
    struct vctx *v = ctx;
    cJSON *j = cJSON_Parse(line);
    const char *kind = ct_jstr(j, "kind");
    if (!kind) {
        cJSON_Delete(j);
        return;
    }
    if (!strcmp(kind, "run")) {
        cJSON_AddItemToArray(v->t->runs, j);
    } else if (!strcmp(kind, "timeline")) {
        cJSON_AddItemToArray(v->t->timelines, j);
    } else if (!strcmp(kind, "kept") && ct_jstr(j, "dir")) {
        cJSON_AddItemToArray(v->t->kept, cJSON_CreateString(ct_jstr(j, "dir")));
        cJSON_Delete(j);
    } else {
        cJSON_Delete(j);
    }
}

/* 1 when test t gave a verdict on requirement id. */
static int gave(const struct ct_test_rec *t, const char *id)
{
    return ct_test_verdict(t, id) >= 0;
}

const struct ct_test_rec *ct_collect_test(struct ct_report *r, const char *report_dir,
                                          const struct ct_test *test, double seconds,
                                          const char *status, int timed_out)
{
    struct ct_test_rec *t = &r->tests[r->ntests++];
    t->name = test->name;
    t->reqs = test->reqs;
    t->seconds = seconds;
    snprintf(t->status, sizeof t->status, "%s", status);
    t->verdicts = cJSON_CreateArray();
    t->runs = cJSON_CreateArray();
    t->timelines = cJSON_CreateArray();
    t->kept = cJSON_CreateArray();
    struct vctx v = {r, t};
    char path[4400];
    size_t len;
    int cut, skipped = 0;
    snprintf(path, sizeof path, "%s/results/%s.jsonl", report_dir, test->name);
    char *text = read_bounded(path, VERDICT_FILE_MAX, &len, &cut);
    if (text)
        each_line(text, len, VERDICT_LINE_MAX, VERDICT_LINES, &skipped, verdict_line, &v);
    free(text);
    snprintf(path, sizeof path, "%s/results/%s.runs.jsonl", report_dir, test->name);
    int cut2, skipped2 = 0;
    text = read_bounded(path, CT_RUNS_FILE_MAX, &len, &cut2);
    if (text)
        each_line(text, len, CT_RUNS_LINE_MAX, 100000, &skipped2, runs_line, &v);
    free(text);
    if (cut || cut2 || skipped || skipped2)
        snprintf(t->note, sizeof t->note, "part of what the test recorded was left out "
                 "(over the report's limits: %d verdict line(s), %d run line(s)%s)", skipped,
                 skipped2, cut || cut2 ? ", a file cut short" : "");
    /* Requirements this test was to judge but did not. */
    for (size_t i = 0; i < r->n; i++) {
        struct ct_outcome *o = &r->o[i];
        if (!o->selected || !ct_list_has(test->reqs, o->req->id))
            continue;
        buf_printf(&o->tests, "%s%s", o->tests.len ? "," : "", test->name);
        if (seconds > o->seconds)
            o->seconds = seconds;
        if (gave(t, o->req->id))
            continue;
        o->result = o->result == CT_FAIL ? CT_FAIL : CT_ERROR;
        o->errors++;
        if (timed_out)
            buf_printf(&o->evidence, "%s: not judged, because the test was still running "
                       "after %.0f s of real time, the suite's limit for one test at this "
                       "time scale (a busy machine or a slow connector; see logs/%s.log)\n",
                       test->name, seconds, test->name);
        else
            buf_printf(&o->evidence, "%s: not judged, because the test stopped before judging "
                       "this (test status: %s; see logs/%s.log)\n", test->name, status,
                       test->name);
    }
    return t;
}

void ct_collect_finish(struct ct_report *r, int stopped)
{
    for (size_t i = 0; i < r->n; i++) {
        struct ct_outcome *o = &r->o[i];
        if (o->selected && !o->judged && !o->tests.len) {
            o->result = CT_ERROR;
            o->errors++;
            buf_puts(&o->evidence, stopped ? "not run: --fail-fast stopped the run after a "
                                             "MUST failed\n"
                                           : "no test judges this requirement\n");
        }
    }
    r->stopped = stopped;
}

void ct_collect_release(struct ct_report *r)
{
    for (size_t i = 0; i < r->n; i++) {
        buf_release(&r->o[i].evidence);
        buf_release(&r->o[i].passes);
        buf_release(&r->o[i].tests);
    }
    for (size_t k = 0; k < r->ntests; k++) {
        cJSON_Delete(r->tests[k].verdicts);
        cJSON_Delete(r->tests[k].runs);
        cJSON_Delete(r->tests[k].timelines);
        cJSON_Delete(r->tests[k].kept);
    }
    for (size_t k = 0; k < r->ncauses; k++) {
        free(r->causes[k].reqs);
        buf_release(&r->causes[k].tests);
    }
    free(r->o);
    free(r->tests);
    free(r->causes);
    memset(r, 0, sizeof *r);
}
