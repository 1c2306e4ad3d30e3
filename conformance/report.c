/* report.c - counts, the summary on stdout, and what the writers share
 * (see report.h).  The files themselves: report_json.c, report_junit.c,
 * report_md.c, report_html.c. */
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "strutil.h"
#include "tests.h"

const char *const ct_report_files[] = {"report.json", "report.html", "summary.md",
                                       "junit-*.xml", NULL};

struct ct_counts ct_report_count(const struct ct_outcome *o, size_t n)
{
    struct ct_counts c = {0};
    for (size_t i = 0; i < n; i++) {
        if (!o[i].selected)
            continue;
        c.total++;
        if (o[i].result == CT_PASS)
            c.passed++;
        else if (o[i].result == CT_ERROR)
            c.errors++;
        else if (o[i].req->level == CT_SHOULD)
            c.warnings++;
        else
            c.failed++;
    }
    return c;
}

const char *ct_verdict_word(const struct ct_outcome *o)
{
    if (o->result == CT_PASS)
        return "pass";
    if (o->result == CT_ERROR)
        return "error";
    return o->req->level == CT_SHOULD ? "warning" : "fail";
}

const char *ct_report_result(const struct ct_report *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->o[i].selected && r->o[i].req->level == CT_MUST && r->o[i].result != CT_PASS)
            return "fail";
    return "pass";
}

/* Prints text with every line indented. */
static void indented(FILE *f, const char *text, const char *indent)
{
    const char *p = text ? text : "";
    for (int guard = 0; *p && guard < 100000; guard++) {
        size_t len = strcspn(p, "\n");
        fprintf(f, "%s%.*s\n", indent, (int)len, p);
        p += len;
        if (*p)
            p++;
    }
}

/* 1 when every "not judged" verdict of o came with a blocking cause: the
 * cause, said once, explains it. */
static int explained(const struct ct_outcome *o)
{
    return o->result == CT_ERROR && o->errors > 0 && o->caused == o->errors;
}

void ct_report_summary(FILE *f, const struct ct_report *r)
{
    static const char indent[] = "            ";
    for (size_t i = 0; i < r->n; i++) {
        const struct ct_outcome *o = &r->o[i];
        if (!o->selected || o->result == CT_PASS || explained(o))
            continue;
        const char *w = ct_verdict_word(o);
        fprintf(f, "%-11s %-9s %s\n", !strcmp(w, "fail") ? "FAIL" : !strcmp(w, "error")
                ? "not judged" : w, o->req->id, o->req->statement);
        indented(f, o->evidence.ptr, indent);
    }
    for (size_t k = 0; k < r->ncauses; k++) {
        const struct ct_cause_group *g = &r->causes[k];
        char text[1024];
        ct_cause_text(&g->c, g->lo, g->hi, text, sizeof text);
        fprintf(f, "%d requirement%s not judged: %s\n", g->nreqs, g->nreqs == 1 ? "" : "s",
                text);
        fputs(indent, f);
        for (int j = 0, col = 0; j < g->nreqs; j++) {
            const char *id = r->o[g->reqs[j]].req->id;
            if (col > 70) {
                fprintf(f, "\n%s", indent);
                col = 0;
            }
            col += fprintf(f, "%s%s", id, j + 1 < g->nreqs ? " " : "");
        }
        fputs("\n", f);
    }
    struct ct_counts c = ct_report_count(r->o, r->n);
    fprintf(f, "%d requirements: %d passed, %d failed, %d warning%s", c.total, c.passed, c.failed,
            c.warnings, c.warnings == 1 ? "" : "s");
    if (c.errors)
        fprintf(f, ", %d not judged", c.errors);
    fprintf(f, "\n");
}

int ct_report_file(const char *dir, const char *name, const struct buf *b)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (b->err) {
        fprintf(stderr, "conformance: %s would be too large\n", path);
        return -1;
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "conformance: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t w = fwrite(b->ptr ? b->ptr : "", 1, b->len, f);
    if (fclose(f) || w != b->len) {
        fprintf(stderr, "conformance: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

void ct_xml_escape(struct buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '<': buf_puts(b, "&lt;"); break;
        case '>': buf_puts(b, "&gt;"); break;
        case '&': buf_puts(b, "&amp;"); break;
        case '"': buf_puts(b, "&quot;"); break;
        case '\'': buf_puts(b, "&apos;"); break;
        default:
            if (*p >= 0x20 || *p == '\n' || *p == '\t')
                buf_append(b, p, 1);
        }
    }
}

const struct ct_test_rec *ct_report_test(const struct ct_report *r, const char *name)
{
    for (size_t i = 0; i < r->ntests; i++)
        if (!strcmp(r->tests[i].name, name))
            return &r->tests[i];
    return NULL;
}

int ct_test_verdict(const struct ct_test_rec *t, const char *id)
{
    int worst = -1;
    const cJSON *v;
    cJSON_ArrayForEach(v, t->verdicts) {
        const cJSON *vid = cJSON_GetObjectItemCaseSensitive(v, "id"),
                    *res = cJSON_GetObjectItemCaseSensitive(v, "result");
        if (!cJSON_IsString(vid) || !cJSON_IsString(res) || strcmp(vid->valuestring, id))
            continue;
        int r = !strcmp(res->valuestring, "pass") ? CT_PASS
                : !strcmp(res->valuestring, "fail") ? CT_FAIL : CT_ERROR;
        if (worst < 0 || r == CT_FAIL || (r == CT_ERROR && worst == CT_PASS))
            worst = r;
    }
    return worst;
}

void ct_report_each_run(const struct ct_report *r, size_t i,
                        int (*fn)(void *ctx, const struct ct_test_rec *t, const cJSON *run),
                        void *ctx)
{
    const struct ct_outcome *o = &r->o[i];
    for (size_t k = 0; k < r->ntests; k++) {
        const struct ct_test_rec *t = &r->tests[k];
        int v = ct_test_verdict(t, o->req->id);
        /* A test bears on it when it judged it, or was to and stopped first. */
        if ((v < 0 && !ct_list_has(t->reqs, o->req->id)) || (o->result != CT_PASS && v == CT_PASS))
            continue;
        const cJSON *run;
        cJSON_ArrayForEach(run, t->runs)
            if (fn(ctx, t, run))
                return;
    }
}

int ct_report_write(const char *dir, const struct ct_report *r)
{
    int rc = ct_report_json(dir, r);
    if (ct_report_junit(dir, r))
        rc = -1;
    if (ct_report_markdown(dir, r))
        rc = -1;
    if (ct_report_html(dir, r))
        rc = -1;
    return rc;
}
