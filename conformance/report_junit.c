/* report_junit.c - junit-<group>.xml (see report.h): one test suite per
 * group, one test case per requirement; a failed MUST is a <failure>, an
 * unjudged one an <error>, an unjudged SHOULD is <skipped> (it does not
 * fail the run: e.g. RES-014 of a connector without the optional `run`), a
 * failed SHOULD passes with the warning in <system-out>.  Each test case that did not pass carries the connector's
 * output of the tests behind its verdict: standard output in <system-out>,
 * standard error in <system-err>, each run under a header line.  The files
 * validate against conformance/junit.xsd. */
#include <stdio.h>
#include <string.h>

#include "ctext.h"
#include "report.h"
#include "strutil.h"

/* "2026-12-06T20:21:33": JUnit's timestamp has no zone; it is UTC. */
static void junit_time(long long ms, char out[32])
{
    format_iso8601(ms, out);
    char *z = strchr(out, 'Z');
    if (z)
        *z = '\0';
    char *dot = strchr(out, '.');
    if (dot)
        *dot = '\0';
}

static void property(struct buf *b, const char *name, const char *value)
{
    buf_puts(b, "      <property name=\"");
    ct_xml_escape(b, name);
    buf_puts(b, "\" value=\"");
    ct_xml_escape(b, value ? value : "");
    buf_puts(b, "\"/>\n");
}

static void properties(struct buf *b, const struct ct_report *r)
{
    char num[64], started[32], ended[32];
    format_iso8601(r->started_ms, started);
    format_iso8601(r->ended_ms, ended);
    buf_puts(b, "    <properties>\n");
    property(b, "kit.version", r->kit_version);
    property(b, "contract.version", r->contract_version);
    property(b, "connector", r->connector);
    property(b, "connector.sha256", r->connector_sha256);
    property(b, "connector.version", r->connector_version[0] ? r->connector_version
                                                               : r->version_note);
    snprintf(num, sizeof num, "%g", r->time_scale);
    property(b, "time_scale", num);
    snprintf(num, sizeof num, "%d", r->jobs);
    property(b, "jobs", num);
    property(b, "only", r->only ? r->only : "");
    property(b, "started", started);
    property(b, "ended", ended);
    property(b, "result", ct_report_result(r));
    buf_puts(b, "    </properties>\n");
}

struct out_ctx {
    struct buf *b;
    const char *stream;      /* "stdout" or "stderr" */
    size_t used;
    int left_out;            /* runs not shown: the case's cap was reached */
    int runs;
};

/* "--- test, run 2: `sync` exit 1 after 0.52 s ---" */
static void run_header(struct buf *b, const struct ct_test_rec *t, const cJSON *run)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(run, "n"),
                *cmd = cJSON_GetObjectItemCaseSensitive(run, "cmd"),
                *how = cJSON_GetObjectItemCaseSensitive(run, "how"),
                *secs = cJSON_GetObjectItemCaseSensitive(run, "seconds");
    char line[400];
    snprintf(line, sizeof line, "--- %s, run %d: `%s` %s after %.2f s ---\n", t->name,
             cJSON_IsNumber(n) ? (int)n->valuedouble : 0,
             cJSON_IsString(cmd) ? cmd->valuestring : "?",
             cJSON_IsString(how) ? how->valuestring : "?",
             cJSON_IsNumber(secs) ? secs->valuedouble : 0.0);
    ct_xml_escape(b, line);
}

static int one_run(void *ctx, const struct ct_test_rec *t, const cJSON *run)
{
    struct out_ctx *c = ctx;
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(run, c->stream),
                *withheld = cJSON_GetObjectItemCaseSensitive(run, "withheld");
    const char *s = cJSON_IsString(text) ? text->valuestring : "";
    size_t len = strlen(s), skipped = 0;
    const char *tail = ct_text_tail(s, len, CT_RUN_SHOWN_MAX, &skipped);
    if (c->used + (len - skipped) > CT_JUNIT_OUTPUT_MAX) {
        c->left_out++;
        return 0;
    }
    c->used += len - skipped;
    c->runs++;
    run_header(c->b, t, run);
    if (cJSON_IsString(withheld)) {
        buf_puts(c->b, "(withheld: ");
        ct_xml_escape(c->b, withheld->valuestring);
        buf_puts(c->b, ")\n");
        return 0;
    }
    if (!cJSON_IsString(text))
        buf_puts(c->b, "(not kept: the report's budget for output was used up)\n");
    else if (!len)
        buf_printf(c->b, "(nothing on %s)\n", c->stream);
    if (skipped)
        buf_printf(c->b, "[... %zu bytes before]\n", skipped);
    ct_xml_escape(c->b, tail);
    if (len && tail[strlen(tail) - 1] != '\n')
        buf_puts(c->b, "\n");
    return 0;
}

/* <system-out> or <system-err> with the output of the runs behind
 * outcome i. */
static void outputs(struct buf *b, const struct ct_report *r, size_t i, const char *stream,
                    const char *first_line)
{
    struct buf part;
    buf_init(&part, 2 * CT_JUNIT_OUTPUT_MAX + 64 * 1024);
    struct out_ctx c = {&part, stream, 0, 0, 0};
    ct_report_each_run(r, i, one_run, &c);
    if (!c.runs && !first_line)
        goto out;
    buf_puts(b, !strcmp(stream, "stdout") ? "      <system-out>" : "      <system-err>");
    if (first_line)
        ct_xml_escape(b, first_line);
    if (c.runs)
        buf_printf(b, "The connector's %s in the tests behind this verdict (the end of each "
                      "run, at most %u KiB):\n", stream, CT_RUN_SHOWN_MAX >> 10);
    if (!part.err)
        buf_append(b, part.ptr ? part.ptr : "", part.len);
    if (c.left_out)
        buf_printf(b, "[%d more run%s left out: %u KiB shown already; report.json and "
                      "report.html have them]\n", c.left_out, c.left_out == 1 ? "" : "s",
                   CT_JUNIT_OUTPUT_MAX >> 10);
    buf_puts(b, !strcmp(stream, "stdout") ? "</system-out>\n" : "</system-err>\n");
out:
    buf_release(&part);
}

/* For a passing requirement: the evidence and which runs it rests on. */
static void pass_out(struct buf *b, const struct ct_outcome *o)
{
    buf_puts(b, "      <system-out>");
    ct_xml_escape(b, o->passes.ptr ? o->passes.ptr : "");
    buf_puts(b, "</system-out>\n");
}

static void testcase(struct buf *b, const struct ct_report *r, size_t i)
{
    const struct ct_outcome *o = &r->o[i];
    const struct ct_req *q = o->req;
    buf_puts(b, "    <testcase classname=\"conformance.");
    ct_xml_escape(b, q->group);
    buf_puts(b, "\" name=\"");
    ct_xml_escape(b, q->id);
    buf_printf(b, " (%s) ", ct_level_name(q->level));
    ct_xml_escape(b, q->statement);
    buf_printf(b, "\" time=\"%.3f\">\n", o->seconds);
    const char *ev = o->evidence.ptr ? o->evidence.ptr : "";
    char first[300];
    snprintf(first, sizeof first, "%.*s", (int)strcspn(ev, "\n"), ev);
    if (o->result == CT_PASS) {
        pass_out(b, o);
    } else if (o->result == CT_ERROR && q->level == CT_SHOULD) {
        buf_puts(b, "      <skipped message=\"not judged: ");
        ct_xml_escape(b, first);
        buf_puts(b, "\"/>\n");
        outputs(b, r, i, "stdout", NULL);
        outputs(b, r, i, "stderr", NULL);
    } else if (o->result == CT_ERROR || q->level == CT_MUST) {
        int err = o->result == CT_ERROR;
        buf_puts(b, err ? "      <error type=\"not judged\" message=\""
                        : "      <failure type=\"MUST\" message=\"");
        ct_xml_escape(b, first);
        buf_puts(b, "\">");
        ct_xml_escape(b, ev);
        buf_puts(b, err ? "</error>\n" : "</failure>\n");
        outputs(b, r, i, "stdout", NULL);
        outputs(b, r, i, "stderr", NULL);
    } else {
        struct buf w;
        buf_init(&w, o->evidence.len + 64);
        buf_printf(&w, "warning (SHOULD): %s\n", ev);
        outputs(b, r, i, "stdout", w.err ? "warning (SHOULD)\n" : w.ptr);
        outputs(b, r, i, "stderr", NULL);
        buf_release(&w);
    }
    buf_puts(b, "    </testcase>\n");
}

static int write_group(const char *dir, const struct ct_report *r, const struct ct_group *g)
{
    int tests = 0, failures = 0, errors = 0, skipped = 0;
    double secs = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct ct_outcome *o = &r->o[i];
        if (!o->selected || strcmp(o->req->group, g->id))
            continue;
        tests++;
        if (o->result == CT_ERROR && o->req->level == CT_SHOULD)
            skipped++;
        else if (o->result == CT_ERROR)
            errors++;
        else if (o->result == CT_FAIL && o->req->level == CT_MUST)
            failures++;
        secs += o->seconds;
    }
    if (!tests)
        return 0;
    char stamp[32];
    junit_time(r->started_ms, stamp);
    struct buf b;
    buf_init(&b, 64u * 1024 * 1024);
    buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"conformance\">\n"
                 "  <testsuite name=\"");
    ct_xml_escape(&b, g->id);
    buf_printf(&b, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%.3f\" "
                   "timestamp=\"%s\" hostname=\"", tests, failures, errors, skipped, secs, stamp);
    ct_xml_escape(&b, r->host);
    buf_puts(&b, "\">\n");
    properties(&b, r);
    for (size_t i = 0; i < r->n; i++)
        if (r->o[i].selected && !strcmp(r->o[i].req->group, g->id))
            testcase(&b, r, i);
    buf_puts(&b, "  </testsuite>\n</testsuites>\n");
    char name[64];
    snprintf(name, sizeof name, "junit-%s.xml", g->id);
    int rc = ct_report_file(dir, name, &b);
    buf_release(&b);
    return rc;
}

int ct_report_junit(const char *dir, const struct ct_report *r)
{
    int rc = 0;
    for (size_t g = 0; g < ct_group_count(); g++)
        if (write_group(dir, r, ct_group_at(g)))
            rc = -1;
    return rc;
}
