/* report.c - summary, JSON and JUnit XML (see report.h). */
#include "report.h"

#include <stdio.h>
#include <string.h>

#include "strutil.h"

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

static const char *verdict_word(const struct ct_outcome *o)
{
    if (o->result == CT_PASS)
        return "pass";
    if (o->result == CT_ERROR)
        return "error";
    return o->req->level == CT_SHOULD ? "warning" : "fail";
}

void ct_report_summary(FILE *f, const struct ct_outcome *o, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!o[i].selected || o[i].result == CT_PASS)
            continue;
        fprintf(f, "%-7s %-9s %s\n", verdict_word(&o[i]), o[i].req->id, o[i].req->statement);
        const char *ev = o[i].evidence.ptr ? o[i].evidence.ptr : "";
        fprintf(f, "        %s\n", ev);
    }
    struct ct_counts c = ct_report_count(o, n);
    fprintf(f, "%d requirements: %d passed, %d failed, %d warning%s", c.total, c.passed, c.failed,
            c.warnings, c.warnings == 1 ? "" : "s");
    if (c.errors)
        fprintf(f, ", %d not judged", c.errors);
    fprintf(f, "\n");
}

static void json_str(struct buf *b, const char *s)
{
    buf_json_str(b, s ? s : "", s ? strlen(s) : 0);
}

/* Appends the lines of text as a JSON array of strings. */
static void json_lines(struct buf *b, const char *text)
{
    buf_puts(b, "[");
    const char *p = text ? text : "";
    int first = 1;
    while (*p) {
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

static int write_file(const char *dir, const char *name, const struct buf *b)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (b->err) {
        fprintf(stderr, "conformance: %s would be too large\n", path);
        return -1;
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "conformance: cannot write %s\n", path);
        return -1;
    }
    fwrite(b->ptr ? b->ptr : "", 1, b->len, f);
    return fclose(f) ? -1 : 0;
}

static int write_json(const char *dir, const struct ct_report_info *info,
                      const struct ct_outcome *o, size_t n)
{
    struct buf b;
    buf_init(&b, 64 * 1024 * 1024);
    struct ct_counts c = ct_report_count(o, n);
    char started[32];
    format_iso8601(info->started_ms, started);
    buf_puts(&b, "{\n  \"connector\": ");
    json_str(&b, info->connector);
    buf_printf(&b, ",\n  \"timeScale\": %g,\n  \"started\": \"%s\",\n  \"durationMs\": %lld,\n",
               info->time_scale, started, info->duration_ms);
    buf_printf(&b, "  \"summary\": {\"requirements\": %d, \"passed\": %d, \"failed\": %d, "
                   "\"warnings\": %d, \"errors\": %d},\n",
               c.total, c.passed, c.failed, c.warnings, c.errors);
    buf_printf(&b, "  \"result\": \"%s\",\n  \"requirements\": [",
               c.failed || c.errors ? "fail" : "pass");
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        if (!o[i].selected)
            continue;
        const struct ct_req *r = o[i].req;
        buf_puts(&b, first ? "\n    {" : ",\n    {");
        first = 0;
        buf_puts(&b, "\"id\": ");
        json_str(&b, r->id);
        buf_puts(&b, ", \"group\": ");
        json_str(&b, r->group);
        buf_printf(&b, ", \"level\": \"%s\", \"result\": \"%s\", \"statement\": ",
                   ct_level_name(r->level), verdict_word(&o[i]));
        json_str(&b, r->statement);
        buf_puts(&b, ", \"source\": ");
        json_str(&b, r->source);
        buf_puts(&b, ", \"evidence\": ");
        json_lines(&b, o[i].result == CT_PASS ? o[i].passes.ptr : o[i].evidence.ptr);
        buf_puts(&b, ", \"tests\": ");
        json_str(&b, o[i].tests.ptr);
        buf_printf(&b, ", \"seconds\": %.3f}", o[i].seconds);
    }
    buf_puts(&b, "\n  ]\n}\n");
    int rc = write_file(dir, "report.json", &b);
    buf_release(&b);
    return rc;
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

static int write_junit(const char *dir, const struct ct_group *g, const struct ct_outcome *o,
                       size_t n)
{
    int tests = 0, failures = 0, errors = 0;
    double secs = 0;
    for (size_t i = 0; i < n; i++) {
        if (!o[i].selected || strcmp(o[i].req->group, g->id))
            continue;
        tests++;
        if (o[i].result == CT_ERROR)
            errors++;
        else if (o[i].result == CT_FAIL && o[i].req->level == CT_MUST)
            failures++;
        secs += o[i].seconds;
    }
    if (!tests)
        return 0;
    struct buf b;
    buf_init(&b, 16 * 1024 * 1024);
    buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"");
    ct_xml_escape(&b, g->id);
    buf_printf(&b, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"0\" time=\"%.3f\">\n",
               tests, failures, errors, secs);
    for (size_t i = 0; i < n; i++) {
        if (!o[i].selected || strcmp(o[i].req->group, g->id))
            continue;
        const struct ct_req *r = o[i].req;
        buf_puts(&b, "    <testcase classname=\"conformance.");
        ct_xml_escape(&b, g->id);
        buf_puts(&b, "\" name=\"");
        ct_xml_escape(&b, r->id);
        buf_printf(&b, " (%s) ", ct_level_name(r->level));
        ct_xml_escape(&b, r->statement);
        buf_printf(&b, "\" time=\"%.3f\"", o[i].seconds);
        const char *ev = o[i].evidence.ptr ? o[i].evidence.ptr : "";
        if (o[i].result == CT_PASS) {
            buf_puts(&b, "/>\n");
            continue;
        }
        buf_puts(&b, ">\n");
        if (o[i].result == CT_ERROR || r->level == CT_MUST) {
            buf_puts(&b, o[i].result == CT_ERROR ? "      <error message=\""
                                                  : "      <failure message=\"");
            char first[300];
            snprintf(first, sizeof first, "%.*s", (int)strcspn(ev, "\n"), ev);
            ct_xml_escape(&b, first);
            buf_puts(&b, "\">");
            ct_xml_escape(&b, ev);
            buf_puts(&b, o[i].result == CT_ERROR ? "</error>\n" : "</failure>\n");
        } else {
            buf_puts(&b, "      <system-out>warning (SHOULD): ");
            ct_xml_escape(&b, ev);
            buf_puts(&b, "</system-out>\n");
        }
        buf_puts(&b, "    </testcase>\n");
    }
    buf_puts(&b, "  </testsuite>\n</testsuites>\n");
    char name[64];
    snprintf(name, sizeof name, "junit-%s.xml", g->id);
    int rc = write_file(dir, name, &b);
    buf_release(&b);
    return rc;
}

int ct_report_write(const char *dir, const struct ct_report_info *info,
                    const struct ct_outcome *o, size_t n)
{
    int rc = write_json(dir, info, o, n);
    for (size_t g = 0; g < ct_group_count(); g++)
        if (write_junit(dir, ct_group_at(g), o, n))
            rc = -1;
    return rc;
}
