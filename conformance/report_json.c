/* report_json.c - report.json (see report.h): metadata, counts, blocking
 * causes, every selected requirement, and every test with the connector's
 * runs and timelines. */
#include <stdio.h>
#include <string.h>

#include "report.h"
#include "strutil.h"

static void json_str(struct buf *b, const char *s)
{
    buf_json_str(b, s ? s : "", s ? strlen(s) : 0);
}

static void json_str_or_null(struct buf *b, const char *s)
{
    if (s && *s)
        json_str(b, s);
    else
        buf_puts(b, "null");
}

/* Appends the lines of text as a JSON array of strings. */
static void json_lines(struct buf *b, const char *text)
{
    buf_puts(b, "[");
    const char *p = text ? text : "";
    int first = 1;
    for (int guard = 0; *p && guard < 1000000; guard++) {
        size_t len = strcspn(p, "\n");
        if (len) {
            buf_puts(b, first ? "" : ",");
            buf_json_str(b, p, len);
            first = 0;
        }
        p += len;
        if (*p)
            p++;
    }
    buf_puts(b, "]");
}

/* Appends the comma-separated list as a JSON array of strings. */
static void json_list(struct buf *b, const char *list)
{
    buf_puts(b, "[");
    const char *p = list ? list : "";
    for (int first = 1, guard = 0; *p && guard < 100000; guard++) {
        size_t len = strcspn(p, ",");
        if (len) {
            buf_puts(b, first ? "" : ", ");
            buf_json_str(b, p, len);
            first = 0;
        }
        p += len + (p[len] == ',');
    }
    buf_puts(b, "]");
}

static void metadata(struct buf *b, const struct ct_report *r)
{
    char started[32], ended[32];
    format_iso8601(r->started_ms, started);
    format_iso8601(r->ended_ms, ended);
    buf_puts(b, "{\n  \"reportFormat\": 2,\n  \"kit\": ");
    json_str(b, r->kit_version);
    buf_puts(b, ",\n  \"contract\": ");
    json_str(b, r->contract_version);
    buf_puts(b, ",\n  \"connector\": ");
    json_str(b, r->connector);
    buf_puts(b, ",\n  \"connectorSha256\": ");
    json_str_or_null(b, r->connector_sha256);
    buf_puts(b, ",\n  \"connectorVersion\": ");
    json_str_or_null(b, r->connector_version);
    buf_puts(b, ",\n  \"connectorVersionNote\": ");
    json_str_or_null(b, r->version_note);
    buf_printf(b, ",\n  \"timeScale\": %g,\n  \"jobs\": %d,\n  \"only\": ", r->time_scale, r->jobs);
    json_str_or_null(b, r->only);
    buf_puts(b, ",\n  \"host\": ");
    json_str(b, r->host);
    buf_printf(b, ",\n  \"started\": \"%s\",\n  \"ended\": \"%s\",\n  \"durationMs\": %lld,\n",
               started, ended, r->ended_ms - r->started_ms);
    struct ct_counts c = ct_report_count(r->o, r->n);
    buf_printf(b, "  \"summary\": {\"requirements\": %d, \"passed\": %d, \"failed\": %d, "
                  "\"warnings\": %d, \"errors\": %d},\n",
               c.total, c.passed, c.failed, c.warnings, c.errors);
    buf_printf(b, "  \"result\": \"%s\",\n  \"stoppedByFailFast\": %s,\n", ct_report_result(r),
               r->stopped ? "true" : "false");
}

static void causes(struct buf *b, const struct ct_report *r)
{
    buf_puts(b, "  \"blockingCauses\": [");
    for (size_t k = 0; k < r->ncauses; k++) {
        const struct ct_cause_group *g = &r->causes[k];
        char text[1024];
        ct_cause_text(&g->c, g->lo, g->hi, text, sizeof text);
        buf_puts(b, k ? ",\n    {\"text\": " : "\n    {\"text\": ");
        json_str(b, text);
        buf_puts(b, ", \"requirements\": [");
        for (int j = 0; j < g->nreqs; j++) {
            buf_puts(b, j ? ", " : "");
            json_str(b, r->o[g->reqs[j]].req->id);
        }
        buf_puts(b, "], \"tests\": ");
        json_list(b, g->tests.ptr);
        buf_puts(b, "}");
    }
    buf_puts(b, r->ncauses ? "\n  ],\n" : "],\n");
}

/* The index + 1 of the first cause that blocked outcome i, or 0. */
static size_t blocked_by(const struct ct_report *r, size_t i)
{
    for (size_t k = 0; k < r->ncauses; k++)
        for (int j = 0; j < r->causes[k].nreqs; j++)
            if ((size_t)r->causes[k].reqs[j] == i)
                return k + 1;
    return 0;
}

static void requirements(struct buf *b, const struct ct_report *r)
{
    buf_puts(b, "  \"requirements\": [");
    int first = 1;
    for (size_t i = 0; i < r->n; i++) {
        const struct ct_outcome *o = &r->o[i];
        if (!o->selected)
            continue;
        const struct ct_req *q = o->req;
        buf_puts(b, first ? "\n    {" : ",\n    {");
        first = 0;
        buf_puts(b, "\"id\": ");
        json_str(b, q->id);
        buf_puts(b, ", \"group\": ");
        json_str(b, q->group);
        buf_printf(b, ", \"level\": \"%s\", \"result\": \"%s\", \"statement\": ",
                   ct_level_name(q->level), ct_verdict_word(o));
        json_str(b, q->statement);
        buf_puts(b, ", \"source\": ");
        json_str(b, q->source);
        buf_puts(b, ", \"evidence\": ");
        json_lines(b, o->result == CT_PASS ? o->passes.ptr : o->evidence.ptr);
        buf_puts(b, ", \"tests\": ");
        json_list(b, o->tests.ptr);
        size_t k = blocked_by(r, i);
        if (k)
            buf_printf(b, ", \"blockedBy\": %zu", k - 1);
        buf_printf(b, ", \"seconds\": %.3f}", o->seconds);
    }
    buf_puts(b, "\n  ],\n");
}

/* One run: its fields, the output while the budget lasts. */
static void run_json(struct buf *b, const cJSON *run, size_t *budget)
{
    buf_puts(b, "{");
    const cJSON *f;
    int first = 1;
    cJSON_ArrayForEach(f, run) {
        if (!f->string || !strcmp(f->string, "kind"))
            continue;
        int output = !strcmp(f->string, "stdout") || !strcmp(f->string, "stderr");
        buf_puts(b, first ? "" : ", ");
        first = 0;
        json_str(b, f->string);
        buf_puts(b, ": ");
        if (output && cJSON_IsString(f)) {
            size_t len = strlen(f->valuestring);
            if (len > *budget) {
                buf_puts(b, "null, ");
                json_str(b, !strcmp(f->string, "stdout") ? "stdoutLeftOut" : "stderrLeftOut");
                buf_printf(b, ": \"the report's %u MiB for connector output were used up\"",
                           CT_OUTPUT_BUDGET >> 20);
                continue;
            }
            *budget -= len;
        }
        char *text = cJSON_PrintUnformatted(f);
        buf_puts(b, text ? text : "null");
        cJSON_free(text);
    }
    buf_puts(b, "}");
}

static void tests(struct buf *b, const struct ct_report *r)
{
    size_t budget = CT_OUTPUT_BUDGET;
    buf_puts(b, "  \"tests\": [");
    for (size_t k = 0; k < r->ntests; k++) {
        const struct ct_test_rec *t = &r->tests[k];
        buf_puts(b, k ? ",\n    {\"name\": " : "\n    {\"name\": ");
        json_str(b, t->name);
        buf_puts(b, ", \"requirements\": ");
        json_list(b, t->reqs);
        buf_puts(b, ", \"status\": ");
        json_str(b, t->status);
        buf_printf(b, ", \"seconds\": %.3f, \"log\": \"logs/%s.log\", \"note\": ", t->seconds,
                   t->name);
        json_str_or_null(b, t->note);
        char *v = cJSON_PrintUnformatted(t->verdicts);
        buf_puts(b, ",\n     \"verdicts\": ");
        buf_puts(b, v ? v : "[]");
        cJSON_free(v);
        buf_puts(b, ",\n     \"runs\": [");
        const cJSON *run;
        int first = 1;
        cJSON_ArrayForEach(run, t->runs) {
            buf_puts(b, first ? "\n      " : ",\n      ");
            first = 0;
            run_json(b, run, &budget);
        }
        buf_puts(b, "],\n     \"timelines\": [");
        first = 1;
        const cJSON *tl;
        cJSON_ArrayForEach(tl, t->timelines) {
            char *text = cJSON_PrintUnformatted(tl);
            buf_puts(b, first ? "" : ", ");
            buf_puts(b, text ? text : "null");
            cJSON_free(text);
            first = 0;
        }
        char *kept = cJSON_PrintUnformatted(t->kept);
        buf_puts(b, "],\n     \"kept\": ");
        buf_puts(b, kept ? kept : "[]");
        cJSON_free(kept);
        buf_puts(b, "}");
    }
    buf_puts(b, "\n  ]\n}\n");
}

int ct_report_json(const char *dir, const struct ct_report *r)
{
    struct buf b;
    buf_init(&b, 256u * 1024 * 1024);
    metadata(&b, r);
    causes(&b, r);
    requirements(&b, r);
    tests(&b, r);
    int rc = ct_report_file(dir, "report.json", &b);
    buf_release(&b);
    return rc;
}
