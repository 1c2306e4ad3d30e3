/* report_md.c - summary.md (see report.h): short enough for a pull-request
 * comment or a CI step summary ($GITHUB_STEP_SUMMARY): the result, counts,
 * what was judged, every failed MUST and warning with one line of
 * evidence, and each blocking cause once with the ids it blocks. */
#include <stdio.h>
#include <string.h>

#include "report.h"
#include "strutil.h"

/* Most findings listed one by one; the rest are counted. */
#define MD_ROWS 100
/* Evidence shown per finding. */
#define MD_EVIDENCE 300

/* Appends text for a Markdown table cell or line: one line, cut to max
 * bytes, with the characters Markdown or HTML would read escaped. */
static void md_text(struct buf *b, const char *s, size_t max)
{
    size_t n = 0;
    const char *p = s ? s : "";
    /* at max, only the rest of a multi-byte character still goes in */
    for (; *p && *p != '\n' && (n < max || ((unsigned char)*p & 0xC0) == 0x80); p++, n++) {
        switch (*p) {
        case '|': buf_puts(b, "\\|"); break;
        case '<': buf_puts(b, "&lt;"); break;
        case '>': buf_puts(b, "&gt;"); break;
        case '&': buf_puts(b, "&amp;"); break;
        case '*': case '_': case '[': case ']': case '\\':
            buf_printf(b, "\\%c", *p);
            break;
        default: buf_append(b, p, 1);
        }
    }
    if (*p && *p != '\n')
        buf_puts(b, " ...");
}

static void findings(struct buf *b, const struct ct_report *r, const char *word,
                     const char *title, int *rows)
{
    int any = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct ct_outcome *o = &r->o[i];
        if (!o->selected || strcmp(ct_verdict_word(o), word))
            continue;
        if (!strcmp(word, "error") && o->caused == o->errors && o->errors)
            continue;   /* said once under its blocking cause */
        if (!any)
            buf_printf(b, "\n### %s\n\n| requirement | level | evidence |\n|---|---|---|\n",
                       title);
        any = 1;
        if (++*rows > MD_ROWS)
            continue;
        buf_printf(b, "| %s | %s | ", o->req->id, ct_level_name(o->req->level));
        md_text(b, o->evidence.ptr, MD_EVIDENCE);   /* its first line */
        buf_puts(b, " |\n");
    }
}

int ct_report_markdown(const char *dir, const struct ct_report *r)
{
    struct buf b;
    buf_init(&b, 4u * 1024 * 1024);
    struct ct_counts c = ct_report_count(r->o, r->n);
    const char *result = ct_report_result(r);
    buf_printf(&b, "## Connector conformance: %s\n\n", !strcmp(result, "pass") ? "PASS" : "FAIL");
    buf_printf(&b, "%d requirements: **%d passed, %d failed, %d warning%s, %d not judged**\n\n",
               c.total, c.passed, c.failed, c.warnings, c.warnings == 1 ? "" : "s", c.errors);
    buf_puts(&b, "Connector `");
    md_text(&b, r->connector, 300);
    buf_printf(&b, "` (SHA-256 `%.16s...`", r->connector_sha256[0] ? r->connector_sha256 : "?");
    if (r->connector_version[0]) {
        buf_puts(&b, ", version `");
        md_text(&b, r->connector_version, 120);
        buf_puts(&b, "`");
    }
    char started[32];
    format_iso8601(r->started_ms, started);
    buf_printf(&b, "), kit %s, contract %s, time scale %g, %s, %.1f s", r->kit_version,
               r->contract_version, r->time_scale, started,
               (double)(r->ended_ms - r->started_ms) / 1000.0);
    if (r->only) {
        buf_puts(&b, ", only `");
        md_text(&b, r->only, 200);
        buf_puts(&b, "`");
    }
    buf_puts(&b, ".\n");
    if (r->stopped)
        buf_puts(&b, "\n--fail-fast stopped the run after the first failed MUST.\n");
    int rows = 0;
    findings(&b, r, "fail", "Failed (MUST)", &rows);
    findings(&b, r, "warning", "Warnings (SHOULD)", &rows);
    if (r->ncauses)
        buf_puts(&b, "\n### Not judged\n\n");
    for (size_t k = 0; k < r->ncauses; k++) {
        const struct ct_cause_group *g = &r->causes[k];
        char text[1024];
        ct_cause_text(&g->c, g->lo, g->hi, text, sizeof text);
        buf_printf(&b, "- **%d requirement%s not judged:** ", g->nreqs, g->nreqs == 1 ? "" : "s");
        md_text(&b, text, sizeof text);
        buf_puts(&b, "<br>");
        for (int j = 0; j < g->nreqs; j++)
            buf_printf(&b, "%s%s", j ? ", " : "", r->o[g->reqs[j]].req->id);
        buf_puts(&b, "\n");
    }
    findings(&b, r, "error", r->ncauses ? "Not judged (other reasons)" : "Not judged", &rows);
    if (rows > MD_ROWS)
        buf_printf(&b, "\n%d more findings: see report.html.\n", rows - MD_ROWS);
    buf_puts(&b, "\nFull report: `report.html` (one self-contained page), `report.json`, "
                 "`junit-<group>.xml`, `logs/`.\n");
    int rc = ct_report_file(dir, "summary.md", &b);
    buf_release(&b);
    return rc;
}
