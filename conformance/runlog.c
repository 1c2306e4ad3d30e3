/* runlog.c - runs, timelines and failed stages for the report (see
 * runlog.h). */
#include "runlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctenv.h"
#include "ctext.h"
#include "judge.h"
#include "secrets.h"
#include "verdict.h"

/* Journal entries one timeline keeps (a double's journal holds 20,000 by
 * default); beyond it the timeline says how many were left out. */
#define TIMELINE_MAX 20000
/* Bytes of one line of the runs file: a run's two tails, escaped. */
#define RUN_LINE_MAX (2u * 1024 * 1024)
#define TIMELINE_LINE_MAX (4u * 1024 * 1024)

static struct ct_env *live[CT_LIVE_ENVS];

/* Loads e's secrets into s.  Returns 1 when every secret is known (the
 * double listed what it issued, or it never started, so issued nothing). */
static int secrets_of(struct ct_env *e, struct ct_secrets *s)
{
    char err[sizeof e->err];
    memset(s, 0, sizeof *s);              /* released below even when never loaded */
    memcpy(err, e->err, sizeof err);     /* loading must not hide the caller's error */
    int loaded = e->ss.pid > 0 && ct_secrets_load(e, s) == 0;
    memcpy(e->err, err, sizeof err);
    if (!loaded) {
        ct_secrets_release(s);
        memset(s, 0, sizeof *s);
        snprintf(s->client_secret, sizeof s->client_secret, "%s", e->secret);
        snprintf(s->cas_token, sizeof s->cas_token, "%s", e->cas_token);
    }
    return loaded || e->ss.pid <= 0;
}

static void redact_live(char *text, size_t len)
{
    for (int i = 0; i < CT_LIVE_ENVS; i++) {
        if (!live[i])
            continue;
        struct ct_secrets s;
        secrets_of(live[i], &s);
        ct_secret_redact(&s, text, len);
        ct_secrets_release(&s);
    }
}

void ct_live_add(struct ct_env *e)
{
    for (int i = 0; i < CT_LIVE_ENVS; i++)
        if (!live[i] || live[i] == e) {
            live[i] = e;
            break;
        }
    ct_verdict_set_redactor(redact_live);
}

void ct_live_remove(struct ct_env *e)
{
    for (int i = 0; i < CT_LIVE_ENVS; i++)
        if (live[i] == e)
            live[i] = NULL;
}

/* ---- failed stages ------------------------------------------------------ */

static int set_cause(struct ct_env *e, struct ct_cause *c)
{
    /* One line of valid text, as evidence quoting it will be. */
    struct buf clean;
    buf_init(&clean, 4 * sizeof c->tail);
    ct_text_clean(&clean, c->tail, strlen(c->tail), 0);
    if (!clean.err && clean.ptr)
        snprintf(c->tail, sizeof c->tail, "%s", clean.ptr);
    buf_release(&clean);
    struct ct_secrets s;
    secrets_of(e, &s);
    ct_secret_redact(&s, c->tail, strlen(c->tail));
    ct_secrets_release(&s);
    ct_cause_text(c, c->seconds, c->seconds, e->err, sizeof e->err);
    /* The key again, from the redacted text: the same leak in two tests is
     * two different secrets, but one label. */
    ct_cause_make_key(c);
    ct_verdict_set_cause(c);
    return -1;
}

int ct_stage_failed(struct ct_env *e, const char *cmd, const struct run_result *r,
                    const char *missing, const char *saw)
{
    struct ct_stage_run sr = {.cmd = cmd, .exited = r->exited, .code = r->code,
                              .timed_out = r->timed_out, .seconds = e->last_seconds,
                              .out = r->out.ptr, .out_len = r->out.len, .err = r->err.ptr,
                              .err_len = r->err.len, .missing = missing,
                              .saw = saw && *saw ? saw : NULL};
    struct ct_cause c;
    ct_cause_of_run(&c, &sr);
    return set_cause(e, &c);
}

int ct_step_failed(struct ct_env *e, const char *who, const char *what)
{
    struct ct_cause c;
    ct_cause_of_step(&c, who, what);
    return set_cause(e, &c);
}

void ct_doubles_saw(struct ct_env *e, const char *cmd, char *out, size_t cap)
{
    out[0] = '\0';
    char err[sizeof e->err];
    memcpy(err, e->err, sizeof err);
    cJSON *j = e->ss.pid > 0 ? ct_ss_journal(e, "/2.0/") : NULL;
    memcpy(e->err, err, sizeof err);
    if (!j)
        return;
    long long since = e->last_end_ms - (long long)(e->last_seconds * 1000) - 50;
    int token = !strcmp(cmd, "authorize");
    int n = 0;
    const cJSON *it, *last = NULL;
    cJSON_ArrayForEach(it, j) {
        const char *p = ct_jstr(it, "path");
        if (!p || ct_jnum(it, "realMs") < since ||
            token != !strncmp(p, "/2.0/token", 10))
            continue;
        n++;
        last = it;
    }
    if (!n) {
        snprintf(out, cap, token ? "mock-smartsheet's token endpoint got no request"
                                 : "mock-smartsheet got no API request");
    } else {
        char code[32] = "";
        if (ct_jnum(last, "errorCode"))
            snprintf(code, sizeof code, " (errorCode %lld)", ct_jnum(last, "errorCode"));
        const char *m = ct_jstr(last, "method"), *p = ct_jstr(last, "path");
        snprintf(out, cap, "mock-smartsheet got %d %s request%s, the last %s %.80s answered "
                 "%lld%s", n, token ? "token" : "API", n == 1 ? "" : "s", m ? m : "?",
                 p ? p : "?", ct_jnum(last, "status"), code);
    }
    cJSON_Delete(j);
}

/* ---- the runs file ------------------------------------------------------ */

/* A kept tail starting "[... N bytes before]" may begin inside a secret,
 * where redaction cannot see it: the first word after the mark goes. */
static void blank_cut_start(char *text, size_t len)
{
    if (len < 6 || strncmp(text, "[... ", 5))
        return;
    char *nl = memchr(text, '\n', len < 64 ? len : 64);
    if (!nl)
        return;
    char *end = text + len;
    for (char *p = nl + 1; p < end && p < nl + 600 && *p != ' ' && *p != '\n' && *p != '"'; p++)
        *p = '*';
}

/* Appends "key": the redacted, cleaned text of b. */
static void json_output(struct buf *line, const char *key, const struct buf *b,
                        const struct ct_secrets *s)
{
    char *copy = xmalloc(b->len + 1);
    memcpy(copy, b->ptr ? b->ptr : "", b->len);
    copy[b->len] = '\0';
    blank_cut_start(copy, b->len);
    ct_secret_redact(s, copy, b->len);
    struct buf clean;
    buf_init(&clean, 3 * b->len + 16);
    ct_text_clean(&clean, copy, b->len, 1);
    buf_printf(line, ",\"%s\":", key);
    buf_json_str(line, clean.ptr ? clean.ptr : "", clean.err ? 0 : clean.len);
    buf_release(&clean);
    free(copy);
}

static void export_run(const struct ct_run_rec *r, int env, int n, int complete,
                       const struct ct_secrets *s)
{
    struct buf line;
    buf_init(&line, RUN_LINE_MAX);
    buf_printf(&line, "{\"kind\":\"run\",\"env\":%d,\"n\":%d,\"cmd\":", env, n);
    buf_json_str(&line, r->cmd, strlen(r->cmd));
    buf_puts(&line, ",\"how\":");
    buf_json_str(&line, r->how, strlen(r->how));
    buf_printf(&line, ",\"exited\":%s,\"code\":%d,\"overtime\":%s,\"seconds\":%.3f,"
                      "\"endMs\":%lld", r->exited ? "true" : "false", r->code,
               r->overtime ? "true" : "false", r->seconds, r->end_ms);
    if (complete) {
        json_output(&line, "stdout", &r->out, s);
        json_output(&line, "stderr", &r->err, s);
    } else {
        buf_puts(&line, ",\"withheld\":\"mock-smartsheet did not list the codes and tokens it "
                        "issued, so the output could not be redacted\"");
    }
    buf_puts(&line, "}");
    if (!line.err)
        ct_verdict_attach(line.ptr, line.len);
    buf_release(&line);
}

static char ss_kind(const char *path)
{
    if (!path || strncmp(path, "/2.0/", 5))
        return 'x';
    path += 5;
    if (!strncmp(path, "token", 5))
        return 't';
    if (!strncmp(path, "users/me", 8))
        return 'm';
    if (!strncmp(path, "users", 5))
        return 'u';
    if (!strncmp(path, "events", 6))
        return 'e';
    return 'o';
}

static char cas_kind(const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    /* .../app_connectors/<id>/activities/ ends in a slash: the word before */
    if (slash && slash[1] == '\0' && slash > path) {
        const char *p = slash - 1;
        while (p > path && *p != '/')
            p--;
        if (!strncmp(p, "/activities", 11))
            return 'a';
        if (!strncmp(p, "/entities", 9))
            return 'n';
        if (!strncmp(p, "/status", 7))
            return 's';
    }
    if (path && strstr(path, "/activities"))
        return 'a';
    if (path && strstr(path, "/entities"))
        return 'n';
    if (path && strstr(path, "/status"))
        return 's';
    return 'o';
}

/* [[realMs, durationMs, status, errorCode, "tokenId", "kind", "note"], ...] */
static void timeline_ss(struct buf *line, const cJSON *entries)
{
    int n = 0, total = cJSON_GetArraySize(entries);
    const cJSON *it;
    buf_puts(line, ",\"ss\":[");
    cJSON_ArrayForEach(it, entries) {
        char k = ss_kind(ct_jstr(it, "path"));
        if (k == 'x')
            continue;
        if (n >= TIMELINE_MAX)
            break;
        const char *tok = ct_jstr(it, "tokenId"), *note = ct_jstr(it, "note");
        buf_printf(line, "%s[%lld,%lld,%lld,%lld,", n++ ? "," : "", ct_jnum(it, "realMs"),
                   ct_jnum(it, "durationMs"), ct_jnum(it, "status"), ct_jnum(it, "errorCode"));
        buf_json_str(line, tok ? tok : "", tok ? strnlen(tok, 16) : 0);
        buf_printf(line, ",\"%c\",", k);
        buf_json_str(line, note ? note : "", note ? strnlen(note, 120) : 0);
        buf_puts(line, "]");
    }
    buf_printf(line, "],\"ssTotal\":%d", total);
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

/* [[realMs, status, "kind", stored], ...]: stored is the number of new
 * activities CAS kept from that request (by their "created" time, which
 * falls between its arrival and the next request's), -1 when unknown. */
static void timeline_cas(struct ct_env *e, struct buf *line, const cJSON *entries)
{
    int n = 0, nposts = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, entries)
        nposts += cas_kind(ct_jstr(it, "path")) == 'a';
    long long *created = NULL;
    int ncreated = 0;
    cJSON *acts = nposts ? ct_cas_activities(e) : NULL;
    if (acts) {
        int total = cJSON_GetArraySize(acts);
        created = xcalloc((size_t)total + 1, sizeof *created);
        cJSON_ArrayForEach(it, acts)
            if (ncreated < total)
                created[ncreated++] = ct_jnum(it, "created");
        qsort(created, (size_t)ncreated, sizeof *created, cmp_ll);
        cJSON_Delete(acts);
    }
    buf_puts(line, ",\"cas\":[");
    int ci = 0;
    const cJSON *next;
    for (it = entries ? entries->child : NULL; it && n < TIMELINE_MAX; it = next) {
        next = it->next;
        char k = cas_kind(ct_jstr(it, "path"));
        long long at = ct_jnum(it, "realMs");
        long long stored = -1;
        if (k == 'a' && created) {
            /* the next activities request's arrival ends this one's share */
            long long until = -1;
            for (const cJSON *x = next; x; x = x->next)
                if (cas_kind(ct_jstr(x, "path")) == 'a') {
                    until = ct_jnum(x, "realMs");
                    break;
                }
            while (ci < ncreated && created[ci] < at)
                ci++;
            stored = 0;
            while (ci < ncreated && (until < 0 || created[ci] < until)) {
                stored++;
                ci++;
            }
        }
        buf_printf(line, "%s[%lld,%lld,\"%c\",%lld]", n++ ? "," : "", at,
                   ct_jnum(it, "status"), k, stored);
    }
    buf_puts(line, "]");
    free(created);
}

static void export_timeline(struct ct_env *e, int env)
{
    cJSON *ss = ct_ss_journal(e, NULL);
    cJSON *casj = ct_cas(e, "GET", "/_mock/journal", NULL);
    const cJSON *cas_entries = cJSON_GetObjectItemCaseSensitive(casj, "entries");
    if (!ss) {
        cJSON_Delete(casj);
        return;
    }
    const cJSON *lim = cJSON_GetObjectItemCaseSensitive(e->config, "rate_limit_per_minute");
    struct buf line;
    buf_init(&line, TIMELINE_LINE_MAX);
    buf_printf(&line, "{\"kind\":\"timeline\",\"env\":%d,\"scale\":%g,\"limit\":%d", env,
               e->scale, cJSON_IsNumber(lim) ? (int)lim->valuedouble : 300);
    timeline_ss(&line, ss);
    if (cJSON_IsArray(cas_entries))
        timeline_cas(e, &line, cas_entries);
    buf_puts(&line, "}");
    if (!line.err)
        ct_verdict_attach(line.ptr, line.len);
    buf_release(&line);
    cJSON_Delete(ss);
    cJSON_Delete(casj);
}

void ct_runs_export(struct ct_env *e)
{
    static int envs;
    int env = ++envs;
    char err[sizeof e->err];
    memcpy(err, e->err, sizeof err);
    struct ct_secrets s;
    int complete = secrets_of(e, &s);
    for (int i = 0; i < e->nruns; i++)
        export_run(&e->runs[i], env, i + 1, complete, &s);
    ct_secrets_release(&s);
    if (e->nruns && e->ss.pid > 0 && e->cas.pid > 0)
        export_timeline(e, env);
    if (e->dir[0] && getenv("KIT_CONFORMANCE_KEEP")) {
        struct buf line;
        buf_init(&line, 8192);
        buf_printf(&line, "{\"kind\":\"kept\",\"env\":%d,\"dir\":", env);
        buf_json_str(&line, e->dir, strlen(e->dir));
        buf_puts(&line, "}");
        if (!line.err)
            ct_verdict_attach(line.ptr, line.len);
        buf_release(&line);
        printf("kept the test's folder (KIT_CONFORMANCE_KEEP): %s\n", e->dir);
    }
    memcpy(e->err, err, sizeof err);
}
