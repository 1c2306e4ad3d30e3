/* verdict.c - verdict lines for the runner (see verdict.h). */
#include "verdict.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "catalogue.h"
#include "cause.h"
#include "ctext.h"

static char results_path[4096];
static char test_name[128];
static int must_failed;
static struct ct_cause cause;
static int have_cause;
static void (*redactor)(char *text, size_t len);

void ct_verdict_open(const char *path, const char *test)
{
    snprintf(results_path, sizeof results_path, "%s", path);
    snprintf(test_name, sizeof test_name, "%s", test);
    must_failed = 0;
    have_cause = 0;
}

void ct_verdict_set_cause(const struct ct_cause *c)
{
    have_cause = c != NULL;
    if (c)
        cause = *c;
}

void ct_verdict_set_redactor(void (*redact)(char *text, size_t len))
{
    redactor = redact;
}

int ct_verdict_attach(const char *line, size_t len)
{
    char path[sizeof results_path + 16];
    size_t n = strlen(results_path);
    if (!results_path[0] || n < 6 || strcmp(results_path + n - 6, ".jsonl"))
        return -1;
    snprintf(path, sizeof path, "%.*s.runs.jsonl", (int)(n - 6), results_path);
    FILE *f = fopen(path, "a");
    if (!f)
        return -1;
    int rc = fwrite(line, 1, len, f) == len && fputc('\n', f) != EOF ? 0 : -1;
    if (fclose(f))
        rc = -1;
    return rc;
}

static void write_line(const char *id, enum ct_result r, const char *raw)
{
    /* One line of evidence: connector output quoted in it may hold line
     * breaks, control bytes, bytes that are not UTF-8 and secrets. */
    char redacted[2048];
    snprintf(redacted, sizeof redacted, "%s", raw);
    if (redactor)
        redactor(redacted, strlen(redacted));
    struct buf clean;
    buf_init(&clean, 3 * sizeof redacted);
    ct_text_clean(&clean, redacted, strlen(redacted), 0);
    const char *evidence = clean.ptr && !clean.err ? clean.ptr : "";
    const struct ct_req *req = ct_catalogue_find(id);
    if (r != CT_PASS && (!req || req->level == CT_MUST))
        must_failed = 1;
    struct buf b;
    buf_init(&b, 64 * 1024);
    buf_puts(&b, "{\"test\":");
    buf_json_str(&b, test_name, strlen(test_name));
    buf_puts(&b, ",\"id\":");
    buf_json_str(&b, id, strlen(id));
    buf_printf(&b, ",\"result\":\"%s\",\"evidence\":", ct_result_name(r));
    buf_json_str(&b, evidence, strlen(evidence));
    if (r == CT_ERROR && have_cause) {
        char text[sizeof cause.head + sizeof cause.tail + 64];
        ct_cause_text(&cause, cause.seconds, cause.seconds, text, sizeof text);
        if (strstr(evidence, text)) {
            buf_puts(&b, ",\"cause\":");
            ct_cause_json(&b, &cause);
        }
    }
    buf_puts(&b, "}\n");
    /* Also on stdout, which the runner keeps as the test's log. */
    printf("  %-9s %-5s %s\n", id, ct_result_name(r), evidence);
    fflush(stdout);
    FILE *f = results_path[0] ? fopen(results_path, "a") : NULL;
    if (f && !b.err) {
        fwrite(b.ptr, 1, b.len, f);
    }
    if (f)
        fclose(f);
    buf_release(&b);
    buf_release(&clean);
}

void ct_verdict(const char *id, int ok, const char *fmt, ...)
{
    char ev[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ev, sizeof ev, fmt, ap);
    va_end(ap);
    write_line(id, ok ? CT_PASS : CT_FAIL, ev);
}

void ct_blocked(const char *ids, const char *fmt, ...)
{
    char ev[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ev, sizeof ev, fmt, ap);
    va_end(ap);
    const char *p = ids;
    for (int guard = 0; *p && guard < 64; guard++) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        char id[32];
        if (n > 0 && n < sizeof id) {
            memcpy(id, p, n);
            id[n] = '\0';
            write_line(id, CT_ERROR, ev);
        }
        p += n + (comma ? 1 : 0);
    }
}

int ct_verdict_must_failed(void) { return must_failed; }

void ct_verdict_end(void)
{
    if (must_failed)
        fail_msg("a MUST requirement failed in %s (evidence above)", test_name);
}

const char *ct_result_name(enum ct_result r)
{
    switch (r) {
    case CT_PASS: return "pass";
    case CT_FAIL: return "fail";
    default: return "error";
    }
}
