/* report_html.c - report.html (see report.h): one self-contained page for
 * people.  No script, font or image from elsewhere: inline CSS, the
 * filters are radio buttons styled with :checked, pictures are inline
 * SVG (report_svg.h).  Sections: the run's metadata, blocking causes once
 * with the ids they block, the verdict table by group (statement, source,
 * evidence and the connector's output for each requirement), then every
 * test with its runs and timeline pictures. */
#include <stdio.h>
#include <string.h>

#include "ctext.h"
#include "report.h"
#include "report_svg.h"
#include "strutil.h"

/* Connector output in the whole page (beyond it, runs are listed without
 * their output). */
#define HTML_OUTPUT_BUDGET (16u * 1024 * 1024)

static const char style[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}"
    "h1{font-size:1.4em}h2{font-size:1.2em;margin-top:1.5em}"
    "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px 6px;"
    "vertical-align:top;text-align:left}th{background:#f3f3f3}"
    "pre{white-space:pre-wrap;word-break:break-all;background:#f7f7f7;padding:6px;margin:4px 0;"
    "max-height:30em;overflow:auto}"
    ".pass{color:#2e7d32}.fail{color:#c62828;font-weight:bold}.warning{color:#ef6c00}"
    ".error{color:#6a1b9a}.meta td{border:none;padding:1px 8px 1px 0}"
    ".cause{border-left:4px solid #6a1b9a;padding:4px 10px;margin:8px 0;background:#faf5fc}"
    ".filters label{margin-right:1em}input.f{margin-right:4px}"
    "#f-failed:checked~table tr.r:not(.fail),#f-warnings:checked~table tr.r:not(.warning),"
    "#f-error:checked~table tr.r:not(.error){display:none}"
    "details{margin:2px 0}summary{cursor:pointer}svg{max-width:100%;height:auto}";

static void esc(struct buf *b, const char *s)
{
    ct_xml_escape(b, s);
}

static void meta_row(struct buf *b, const char *name, const char *value)
{
    buf_puts(b, "<tr><td>");
    esc(b, name);
    buf_puts(b, "</td><td>");
    esc(b, value && *value ? value : "-");
    buf_puts(b, "</td></tr>\n");
}

static void header(struct buf *b, const struct ct_report *r)
{
    struct ct_counts c = ct_report_count(r->o, r->n);
    const char *result = ct_report_result(r);
    char started[32], ended[32], num[160];
    format_iso8601(r->started_ms, started);
    format_iso8601(r->ended_ms, ended);
    buf_printf(b, "<h1>Connector conformance: <span class=\"%s\">%s</span></h1>\n",
               !strcmp(result, "pass") ? "pass" : "fail", !strcmp(result, "pass") ? "PASS"
                                                                                 : "FAIL");
    buf_printf(b, "<p>%d requirements: <span class=\"pass\">%d passed</span>, "
                  "<span class=\"fail\">%d failed</span>, <span class=\"warning\">%d "
                  "warning%s</span>, <span class=\"error\">%d not judged</span></p>\n",
               c.total, c.passed, c.failed, c.warnings, c.warnings == 1 ? "" : "s", c.errors);
    buf_puts(b, "<table class=\"meta\">\n");
    meta_row(b, "connector", r->connector);
    meta_row(b, "connector SHA-256", r->connector_sha256);
    meta_row(b, "connector --version", r->connector_version[0] ? r->connector_version
                                                                : r->version_note);
    meta_row(b, "kit version", r->kit_version);
    meta_row(b, "contract version", r->contract_version);
    snprintf(num, sizeof num, "%g (duration time runs %g times faster)", r->time_scale,
             r->time_scale);
    meta_row(b, "time scale", num);
    snprintf(num, sizeof num, "%d", r->jobs);
    meta_row(b, "tests at once", num);
    meta_row(b, "only", r->only ? r->only : "everything");
    snprintf(num, sizeof num, "%s to %s (%.1f s)", started, ended,
             (double)(r->ended_ms - r->started_ms) / 1000.0);
    meta_row(b, "run", num);
    meta_row(b, "host", r->host);
    buf_puts(b, "</table>\n");
    if (r->stopped)
        buf_puts(b, "<p>--fail-fast stopped the run after the first failed MUST.</p>\n");
}

static void causes(struct buf *b, const struct ct_report *r)
{
    if (!r->ncauses)
        return;
    buf_puts(b, "<h2>Not judged: blocking causes</h2>\n");
    for (size_t k = 0; k < r->ncauses; k++) {
        const struct ct_cause_group *g = &r->causes[k];
        char text[1024];
        ct_cause_text(&g->c, g->lo, g->hi, text, sizeof text);
        buf_printf(b, "<div class=\"cause\"><b>%d requirement%s not judged:</b> ", g->nreqs,
                   g->nreqs == 1 ? "" : "s");
        esc(b, text);
        buf_puts(b, "<br>");
        for (int j = 0; j < g->nreqs; j++) {
            const char *id = r->o[g->reqs[j]].req->id;
            buf_printf(b, "%s<a href=\"#%s\">%s</a>", j ? " " : "", id, id);
        }
        buf_puts(b, "<br><small>in tests: ");
        esc(b, g->tests.ptr ? g->tests.ptr : "");
        buf_puts(b, "</small></div>\n");
    }
}

static void run_head(struct buf *b, const struct ct_test_rec *t, const cJSON *run)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(run, "n"),
                *cmd = cJSON_GetObjectItemCaseSensitive(run, "cmd"),
                *how = cJSON_GetObjectItemCaseSensitive(run, "how"),
                *secs = cJSON_GetObjectItemCaseSensitive(run, "seconds");
    char line[400];
    snprintf(line, sizeof line, "%s, run %d: `%s` %s after %.2f s", t->name,
             cJSON_IsNumber(n) ? (int)n->valuedouble : 0,
             cJSON_IsString(cmd) ? cmd->valuestring : "?",
             cJSON_IsString(how) ? how->valuestring : "?",
             cJSON_IsNumber(secs) ? secs->valuedouble : 0.0);
    esc(b, line);
}

/* One stream of a run: its end, at most max bytes. */
static void stream(struct buf *b, const cJSON *run, const char *name, size_t max,
                   size_t *budget)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(run, name);
    if (!cJSON_IsString(s) || !*s->valuestring)
        return;
    size_t len = strlen(s->valuestring), skipped = 0;
    const char *tail = ct_text_tail(s->valuestring, len, max, &skipped);
    buf_printf(b, "<div>%s:</div><pre>", name);
    if (len - skipped > *budget) {
        buf_puts(b, "(left out: the page's budget for connector output was used up; "
                    "report.json has it)</pre>\n");
        return;
    }
    *budget -= len - skipped;
    if (skipped)
        buf_printf(b, "[... %zu bytes before]\n", skipped);
    esc(b, tail);
    buf_puts(b, "</pre>\n");
}

struct out_ctx {
    struct buf *b;
    size_t *budget;
    int runs;
};

static int req_run(void *ctx, const struct ct_test_rec *t, const cJSON *run)
{
    struct out_ctx *c = ctx;
    if (c->runs++ >= 20)
        return 1;
    buf_puts(c->b, "<details><summary>");
    run_head(c->b, t, run);
    buf_puts(c->b, "</summary>\n");
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(run, "withheld");
    if (cJSON_IsString(w)) {
        buf_puts(c->b, "<p>withheld: ");
        esc(c->b, w->valuestring);
        buf_puts(c->b, "</p>");
    }
    stream(c->b, run, "stdout", CT_RUN_SHOWN_MAX, c->budget);
    stream(c->b, run, "stderr", CT_RUN_SHOWN_MAX, c->budget);
    buf_puts(c->b, "</details>\n");
    return 0;
}

static void verdicts(struct buf *b, const struct ct_report *r, size_t *budget)
{
    buf_puts(b, "<h2>Requirements</h2>\n<div class=\"filters\">"
                "<input class=\"f\" type=\"radio\" name=\"f\" id=\"f-all\" checked>"
                "<label for=\"f-all\">all</label>"
                "<input class=\"f\" type=\"radio\" name=\"f\" id=\"f-failed\">"
                "<label for=\"f-failed\">failed</label>"
                "<input class=\"f\" type=\"radio\" name=\"f\" id=\"f-warnings\">"
                "<label for=\"f-warnings\">warnings</label>"
                "<input class=\"f\" type=\"radio\" name=\"f\" id=\"f-error\">"
                "<label for=\"f-error\">not judged</label>\n"
                "<table><tr><th>requirement</th><th>level</th><th>result</th>"
                "<th>statement, source, evidence, the connector's output</th></tr>\n");
    const char *group = "";
    for (size_t i = 0; i < r->n; i++) {
        const struct ct_outcome *o = &r->o[i];
        if (!o->selected)
            continue;
        if (strcmp(group, o->req->group)) {
            group = o->req->group;
            buf_puts(b, "<tr class=\"g\"><th colspan=\"4\">");
            esc(b, group);
            buf_puts(b, "</th></tr>\n");
        }
        const char *w = ct_verdict_word(o);
        buf_printf(b, "<tr class=\"r %s\" id=\"%s\"><td>%s</td><td>%s</td><td class=\"%s\">%s"
                      "</td><td>", w, o->req->id, o->req->id, ct_level_name(o->req->level), w,
                   !strcmp(w, "error") ? "not judged" : w);
        esc(b, o->req->statement);
        buf_puts(b, " <small>[");
        esc(b, o->req->source);
        buf_puts(b, "]</small><pre>");
        esc(b, o->result == CT_PASS ? o->passes.ptr : o->evidence.ptr);
        buf_puts(b, "</pre>");
        struct out_ctx c = {b, budget, 0};
        ct_report_each_run(r, i, req_run, &c);
        buf_puts(b, "</td></tr>\n");
    }
    buf_puts(b, "</table></div>\n");
}

static void tests(struct buf *b, const struct ct_report *r)
{
    buf_puts(b, "<h2>Tests</h2>\n");
    for (size_t k = 0; k < r->ntests; k++) {
        const struct ct_test_rec *t = &r->tests[k];
        buf_printf(b, "<details id=\"t-%s\"><summary><b>", t->name);
        esc(b, t->name);
        buf_printf(b, "</b> %s, %.1f s: ", t->status, t->seconds);
        esc(b, t->reqs);
        buf_printf(b, "</summary>\n<p>log: logs/%s.log", t->name);
        if (t->note[0]) {
            buf_puts(b, "; ");
            esc(b, t->note);
        }
        buf_puts(b, "</p>\n");
        const cJSON *tl;
        cJSON_ArrayForEach(tl, t->timelines)
            ct_svg_timeline(b, tl, t->runs);
        buf_puts(b, "<table><tr><th>run</th><th>command</th><th>ended</th><th>seconds</th>"
                    "</tr>\n");
        const cJSON *run;
        cJSON_ArrayForEach(run, t->runs) {
            const cJSON *n = cJSON_GetObjectItemCaseSensitive(run, "n"),
                        *cmd = cJSON_GetObjectItemCaseSensitive(run, "cmd"),
                        *how = cJSON_GetObjectItemCaseSensitive(run, "how"),
                        *secs = cJSON_GetObjectItemCaseSensitive(run, "seconds");
            buf_printf(b, "<tr><td>%d</td><td>", cJSON_IsNumber(n) ? (int)n->valuedouble : 0);
            esc(b, cJSON_IsString(cmd) ? cmd->valuestring : "?");
            buf_puts(b, "</td><td>");
            esc(b, cJSON_IsString(how) ? how->valuestring : "?");
            buf_printf(b, "</td><td>%.2f</td></tr>\n",
                       cJSON_IsNumber(secs) ? secs->valuedouble : 0.0);
        }
        buf_puts(b, "</table></details>\n");
    }
}

int ct_report_html(const char *dir, const struct ct_report *r)
{
    struct buf b;
    buf_init(&b, 256u * 1024 * 1024);
    size_t budget = HTML_OUTPUT_BUDGET;
    buf_printf(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                   "<title>Connector conformance report</title><style>%s</style></head>"
                   "<body>\n", style);
    header(&b, r);
    causes(&b, r);
    verdicts(&b, r, &budget);
    tests(&b, r);
    buf_puts(&b, "<p><small>Also: summary.md, report.json, junit-&lt;group&gt;.xml, logs/."
                 "</small></p>\n</body></html>\n");
    int rc = ct_report_file(dir, "report.html", &b);
    buf_release(&b);
    return rc;
}
