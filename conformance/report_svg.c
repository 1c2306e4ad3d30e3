/* report_svg.c - one test env's timeline as an inline SVG picture (see
 * report_svg.h): the connector's Smartsheet requests over duration time
 * against its rate limit, the 429s and the retries after them, the
 * deliveries to mock-cas, and the connector runs behind them. */
#include "report_svg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define W 900            /* picture width */
#define LEFT 56          /* room for the y labels */
#define RIGHT 12
#define PLOT_W (W - LEFT - RIGHT)
#define TOP 40           /* room for the title, then the run labels */
#define RATE_H 170       /* the requests panel */
#define GAP 34
#define CAS_H 70         /* the deliveries panel */
#define H (TOP + RATE_H + GAP + CAS_H + 30)
#define MAX_MARKS 400    /* 429s, errors and token requests drawn one by one */
#define MAX_TOKENS 6     /* tokens drawn in their own colour; more share grey */
#define WINDOW_MS 60000

/* The picture's own style: it reads the same copied out of the page. */
static const char svg_style[] =
    "svg.tl .ax{stroke:#888;stroke-width:1}svg.tl .tick{font:10px sans-serif;fill:#555}"
    "svg.tl .lbl{font:11px sans-serif;fill:#333}"
    "svg.tl .limit{stroke:#c62828;stroke-dasharray:5 3}svg.tl .limit-l{fill:#c62828}"
    "svg.tl .m429 path{stroke:#c62828;stroke-width:2}"
    "svg.tl .merr path{stroke:#6a1b9a;stroke-width:2}"
    "svg.tl .retry path{stroke:#c62828;stroke-dasharray:2 2}svg.tl .retry circle{fill:#c62828}"
    "svg.tl .mtok path{fill:#333}"
    "svg.tl .batch.ok,svg.tl .ents.ok,svg.tl .stat.ok{fill:#2e7d32}"
    "svg.tl .refused{fill:#ef6c00}svg.tl .failed{fill:#c62828}";

static const char *const colours[MAX_TOKENS] = {"#0b6bcb", "#2e7d32", "#8e24aa", "#ef6c00",
                                                 "#00838f", "#6d4c41"};

struct sreq {
    long long real, dur;
    int status, err;
    char tok[12];
    char kind;           /* t token, u users, m users/me, e events, o other */
    int count;           /* the token's requests in the 60 s ending here */
    int colour;          /* index into colours, or -1 */
    char note[64];
};

struct scas {
    long long real;
    int status;
    char kind;           /* a activities, n entities, s status, o other */
    long long stored;    /* new activities kept, -1 unknown */
};

struct axis {
    long long d0, d1;    /* duration-time domain, ms */
    const struct sreq *byreal;   /* requests sorted by real time, for mapping */
    int n;
    double scale;
    long long real0;     /* when there is no request to map by */
};

static int by_real(const void *a, const void *b)
{
    const struct sreq *x = a, *y = b;
    return x->real < y->real ? -1 : x->real > y->real;
}

static int by_tok_dur(const void *a, const void *b)
{
    const struct sreq *const *x = a, *const *y = b;
    int c = strcmp((*x)->tok, (*y)->tok);
    if (c)
        return c;
    return (*x)->dur < (*y)->dur ? -1 : (*x)->dur > (*y)->dur;
}

/* Duration time (ms) of a wall-clock instant: from the request journaled
 * last before it, or first after it, at the env's scale. */
static double dur_of(const struct axis *a, long long real)
{
    if (a->n == 0)
        return (double)(real - a->real0) * a->scale;
    int lo = 0, hi = a->n - 1, at = -1;
    for (int guard = 0; lo <= hi && guard < 64; guard++) {
        int mid = lo + (hi - lo) / 2;
        if (a->byreal[mid].real <= real) {
            at = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    const struct sreq *r = &a->byreal[at < 0 ? 0 : at];
    return (double)r->dur + (double)(real - r->real) * a->scale;
}

static double xpos(const struct axis *a, double dur)
{
    double span = (double)(a->d1 - a->d0);
    double x = LEFT + (dur - (double)a->d0) * PLOT_W / (span > 0 ? span : 1);
    return x < LEFT ? LEFT : x > LEFT + PLOT_W ? LEFT + PLOT_W : x;
}

static long long jll(const cJSON *arr, int i)
{
    const cJSON *v = cJSON_GetArrayItem(arr, i);
    return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

static const char *jstr_at(const cJSON *arr, int i)
{
    const cJSON *v = cJSON_GetArrayItem(arr, i);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static int parse_ss(const cJSON *ss, struct sreq **out)
{
    int n = cJSON_GetArraySize(ss), k = 0;
    struct sreq *r = xcalloc((size_t)n + 1, sizeof *r);
    const cJSON *e;
    cJSON_ArrayForEach(e, ss) {
        if (k >= n || !cJSON_IsArray(e))
            continue;
        struct sreq *q = &r[k++];
        q->real = jll(e, 0);
        q->dur = jll(e, 1);
        q->status = (int)jll(e, 2);
        q->err = (int)jll(e, 3);
        snprintf(q->tok, sizeof q->tok, "%s", jstr_at(e, 4));
        q->kind = jstr_at(e, 5)[0];
        snprintf(q->note, sizeof q->note, "%s", jstr_at(e, 6));
        q->colour = -1;
    }
    *out = r;
    return k;
}

/* The rolling count per token (what RL-001 judges) and each token's
 * colour, in order of first use. */
static int rolling_counts(struct sreq *r, int n, char toks[MAX_TOKENS][12])
{
    int ntok = 0;
    struct sreq **p = xcalloc((size_t)n + 1, sizeof *p);
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (r[i].kind == 't' || !r[i].tok[0])
            continue;
        p[m++] = &r[i];
        int c = -1;
        for (int k = 0; k < ntok; k++)
            if (!strcmp(toks[k], r[i].tok))
                c = k;
        if (c < 0 && ntok < MAX_TOKENS) {
            snprintf(toks[ntok], sizeof toks[0], "%s", r[i].tok);
            c = ntok++;
        }
        r[i].colour = c;
    }
    qsort(p, (size_t)m, sizeof *p, by_tok_dur);
    for (int i = 0, start = 0; i < m; i++) {
        if (i && strcmp(p[i]->tok, p[i - 1]->tok))
            start = i;
        while (p[start]->dur <= p[i]->dur - WINDOW_MS)
            start++;
        p[i]->count = i - start + 1;
    }
    free(p);
    return ntok;
}

static void esc(struct buf *b, const char *s)
{
    ct_xml_escape(b, s);
}

/* Light bands for the connector runs, labelled with the command. */
static void run_bands(struct buf *b, const struct axis *a, const cJSON *runs, int env)
{
    const cJSON *run;
    int k = 0;
    cJSON_ArrayForEach(run, runs) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(run, "env"),
                    *end = cJSON_GetObjectItemCaseSensitive(run, "endMs"),
                    *secs = cJSON_GetObjectItemCaseSensitive(run, "seconds"),
                    *cmd = cJSON_GetObjectItemCaseSensitive(run, "cmd"),
                    *how = cJSON_GetObjectItemCaseSensitive(run, "how"),
                    *n = cJSON_GetObjectItemCaseSensitive(run, "n");
        if (!cJSON_IsNumber(e) || (int)e->valuedouble != env || !cJSON_IsNumber(end) ||
            !cJSON_IsNumber(secs))
            continue;
        long long t1 = (long long)end->valuedouble;
        long long t0 = t1 - (long long)(secs->valuedouble * 1000);
        double x0 = xpos(a, dur_of(a, t0)), x1 = xpos(a, dur_of(a, t1));
        if (x1 - x0 < 1.5)
            x1 = x0 + 1.5;
        buf_printf(b, "<g class=\"run\"><rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                      "fill=\"%s\"/><title>run %d: `", x0, TOP, x1 - x0,
                   RATE_H + GAP + CAS_H, k++ % 2 ? "#eef2f7" : "#e4ebf3",
                   cJSON_IsNumber(n) ? (int)n->valuedouble : 0);
        esc(b, cJSON_IsString(cmd) ? cmd->valuestring : "?");
        buf_puts(b, "` ");
        esc(b, cJSON_IsString(how) ? how->valuestring : "");
        buf_printf(b, " after %.2f s</title>", secs->valuedouble);
        if (x1 - x0 > 30) {
            buf_printf(b, "<text x=\"%.1f\" y=\"%d\" class=\"lbl\">", x0 + 2, TOP - 6);
            esc(b, cJSON_IsString(cmd) ? cmd->valuestring : "");
            buf_puts(b, "</text>");
        }
        buf_puts(b, "</g>\n");
    }
}

static void x_axis(struct buf *b, const struct axis *a, int y)
{
    double span_s = (double)(a->d1 - a->d0) / 1000.0;
    static const double steps[] = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600,
                                   7200, 14400, 21600, 43200, 86400};
    double step = steps[sizeof steps / sizeof steps[0] - 1];
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (span_s / steps[i] <= 8) {
            step = steps[i];
            break;
        }
    buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"ax\"/>\n", LEFT, y,
               LEFT + PLOT_W, y);
    for (int k = 0; k <= 9 && k * step <= span_s + 1e-9; k++) {
        double x = xpos(a, (double)a->d0 + k * step * 1000);
        double v = k * step;
        char label[32];
        if (step >= 60)
            snprintf(label, sizeof label, "%.0f min", v / 60);
        else
            snprintf(label, sizeof label, "%.0f s", v);
        buf_printf(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" class=\"ax\"/>"
                      "<text x=\"%.1f\" y=\"%d\" class=\"tick\" text-anchor=\"middle\">%s</text>\n",
                   x, y, x, y + 4, x, y + 16, label);
    }
}

static void rate_panel(struct buf *b, const struct axis *a, const struct sreq *r, int n,
                       int limit)
{
    int ymax = limit;
    for (int i = 0; i < n; i++)
        if (r[i].count > ymax)
            ymax = r[i].count;
    ymax = ymax + ymax / 10 + 1;
    int y0 = TOP + RATE_H;
#define Y(v) ((double)y0 - (double)(v) * RATE_H / ymax)
    buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"ax\"/>\n", LEFT, TOP,
               LEFT, y0);
    for (int k = 0; k <= 4; k++) {
        int v = ymax * k / 4;
        buf_printf(b, "<text x=\"%d\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%d</text>\n",
                   LEFT - 4, Y(v) + 4, v);
    }
    buf_printf(b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"limit\"><title>"
                  "rate_limit_per_minute %d</title></line><text x=\"%d\" y=\"%.1f\" "
                  "class=\"lbl limit-l\" text-anchor=\"end\">limit %d</text>\n",
               LEFT, Y(limit), LEFT + PLOT_W, Y(limit), limit, LEFT + PLOT_W - 2,
               Y(limit) - 3, limit);
    /* Each token's rolling count: the highest in each pixel column. */
    int cols = PLOT_W + 1;
    int *top = xcalloc((size_t)cols * (MAX_TOKENS + 1), sizeof *top);
    for (int i = 0; i < n; i++) {
        if (r[i].kind == 't' || !r[i].tok[0])
            continue;
        int c = (int)(xpos(a, (double)r[i].dur) - LEFT);
        int t = r[i].colour < 0 ? MAX_TOKENS : r[i].colour;
        int *cell = &top[(size_t)c * (MAX_TOKENS + 1) + (size_t)t];
        if (r[i].count > *cell)
            *cell = r[i].count;
    }
    for (int t = 0; t <= MAX_TOKENS; t++) {
        for (int c = 0; c < cols; c++) {
            int v = top[(size_t)c * (MAX_TOKENS + 1) + (size_t)t];
            if (v)
                buf_printf(b, "<rect x=\"%d\" y=\"%.1f\" width=\"2\" height=\"2\" fill=\"%s\"/>",
                           LEFT + c - 1, Y(v) - 1, t < MAX_TOKENS ? colours[t] : "#777");
        }
        buf_puts(b, "\n");
    }
    free(top);
    /* 429s (and the retry after each), other refusals, token requests. */
    int marks = 0;
    for (int i = 0; i < n && marks < MAX_MARKS; i++) {
        double x = xpos(a, (double)r[i].dur);
        if (r[i].status == 429 || (r[i].status >= 400 && r[i].kind != 't') ||
            r[i].status >= 500 || r[i].status == 0) {
            marks++;
            int is429 = r[i].status == 429;
            double y = r[i].count ? Y(r[i].count) : (double)y0 - 6;
            buf_printf(b, "<g class=\"%s\"><path d=\"M%.1f %.1fl6 6m0 -6l-6 6\"/><title>%s "
                          "request answered %d", is429 ? "m429" : "merr", x - 3, y - 3,
                       r[i].kind == 'e' ? "events" : r[i].kind == 'u' ? "users"
                       : r[i].kind == 'm' ? "users/me" : "API", r[i].status);
            if (r[i].err)
                buf_printf(b, " (errorCode %d)", r[i].err);
            if (r[i].note[0]) {
                buf_puts(b, ": ");
                esc(b, r[i].note);
            }
            buf_puts(b, "</title></g>\n");
            /* the retry: the same token's next request of the same kind */
            for (int k = i + 1; k < n && r[i].status != 0; k++) {
                if (r[k].kind != r[i].kind || strcmp(r[k].tok, r[i].tok))
                    continue;
                double xr = xpos(a, (double)r[k].dur);
                buf_printf(b, "<g class=\"retry\"><path d=\"M%.1f %d L%.1f %d\"/><circle "
                              "cx=\"%.1f\" cy=\"%d\" r=\"2.5\"/><title>retried after %.1f s of "
                              "duration time (answered %d)</title></g>\n",
                           x, y0 - 10, xr, y0 - 10, xr, y0 - 10,
                           (double)(r[k].dur - r[i].dur) / 1000.0, r[k].status);
                break;
            }
        } else if (r[i].kind == 't') {
            marks++;
            buf_printf(b, "<g class=\"mtok\"><path d=\"M%.1f %dl4 4l-4 4l-4 -4z\"/><title>token "
                          "request answered %d</title></g>\n", x, y0 - 4, r[i].status);
        }
    }
#undef Y
}

static void cas_panel(struct buf *b, const struct axis *a, const struct scas *c, int n)
{
    int y0 = TOP + RATE_H + GAP + CAS_H;
    long long most = 1;
    for (int i = 0; i < n; i++)
        if (c[i].kind == 'a' && c[i].stored > most)
            most = c[i].stored;
    buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"ax\"/>\n"
                  "<text x=\"%d\" y=\"%d\" class=\"tick\" text-anchor=\"end\">%lld</text>\n",
               LEFT, y0 - CAS_H, LEFT, y0, LEFT - 4, y0 - CAS_H + 8, most);
    int marks = 0;
    for (int i = 0; i < n && marks < 4 * MAX_MARKS; i++) {
        double x = xpos(a, dur_of(a, c[i].real));
        const char *cls = c[i].status >= 200 && c[i].status < 300 ? "ok"
                          : c[i].status >= 400 && c[i].status < 500 ? "refused" : "failed";
        marks++;
        if (c[i].kind == 'a') {
            double h = c[i].stored > 0 ? (double)c[i].stored * (CAS_H - 4) / (double)most : 0;
            if (h < 3)
                h = 3;
            buf_printf(b, "<rect class=\"batch %s\" x=\"%.1f\" y=\"%.1f\" width=\"3\" "
                          "height=\"%.1f\"><title>activities batch answered %d", cls, x - 1.5,
                       y0 - h, h, c[i].status);
            if (c[i].stored >= 0)
                buf_printf(b, ": %lld new stored", c[i].stored);
            buf_puts(b, "</title></rect>\n");
        } else {
            buf_printf(b, "<rect class=\"%s %s\" x=\"%.1f\" y=\"%d\" width=\"2\" height=\"8\">"
                          "<title>%s answered %d</title></rect>\n",
                       c[i].kind == 'n' ? "ents" : "stat", cls, x - 1, y0 - CAS_H - 10,
                       c[i].kind == 'n' ? "users (entities)" : c[i].kind == 's' ? "status"
                                                                                 : "request",
                       c[i].status);
        }
    }
}

int ct_svg_timeline(struct buf *b, const cJSON *tl, const cJSON *runs)
{
    const cJSON *ss = cJSON_GetObjectItemCaseSensitive(tl, "ss"),
                *cas = cJSON_GetObjectItemCaseSensitive(tl, "cas"),
                *lim = cJSON_GetObjectItemCaseSensitive(tl, "limit"),
                *sc = cJSON_GetObjectItemCaseSensitive(tl, "scale"),
                *env = cJSON_GetObjectItemCaseSensitive(tl, "env");
    struct sreq *r = NULL;
    int n = parse_ss(ss, &r);
    int ncas = cJSON_GetArraySize(cas), k = 0;
    if (n == 0 && ncas == 0) {
        free(r);
        return 0;
    }
    struct scas *c = xcalloc((size_t)ncas + 1, sizeof *c);
    const cJSON *e;
    cJSON_ArrayForEach(e, cas) {
        if (k >= ncas || !cJSON_IsArray(e))
            continue;
        c[k].real = jll(e, 0);
        c[k].status = (int)jll(e, 1);
        c[k].kind = jstr_at(e, 2)[0];
        c[k].stored = jll(e, 3);
        k++;
    }
    ncas = k;
    char toks[MAX_TOKENS][12];
    int ntok = rolling_counts(r, n, toks);
    struct sreq *byreal = xcalloc((size_t)n + 1, sizeof *byreal);
    memcpy(byreal, r, (size_t)n * sizeof *r);
    qsort(byreal, (size_t)n, sizeof *byreal, by_real);
    struct axis a = {0, 0, byreal, n, cJSON_IsNumber(sc) ? sc->valuedouble : 1, 0};
    a.real0 = ncas ? c[0].real : 0;
    int first = 1;
    for (int i = 0; i < n; i++) {
        if (first || r[i].dur < a.d0)
            a.d0 = r[i].dur;
        if (first || r[i].dur > a.d1)
            a.d1 = r[i].dur;
        first = 0;
    }
    for (int i = 0; i < ncas; i++) {
        long long d = (long long)dur_of(&a, c[i].real);
        if (first || d < a.d0)
            a.d0 = d;
        if (first || d > a.d1)
            a.d1 = d;
        first = 0;
    }
    int envn = cJSON_IsNumber(env) ? (int)env->valuedouble : 0;
    const cJSON *run;
    cJSON_ArrayForEach(run, runs) {
        const cJSON *re = cJSON_GetObjectItemCaseSensitive(run, "env"),
                    *end = cJSON_GetObjectItemCaseSensitive(run, "endMs"),
                    *secs = cJSON_GetObjectItemCaseSensitive(run, "seconds");
        if (!cJSON_IsNumber(re) || (int)re->valuedouble != envn || !cJSON_IsNumber(end) ||
            !cJSON_IsNumber(secs))
            continue;
        long long t1 = (long long)end->valuedouble,
                  t0 = t1 - (long long)(secs->valuedouble * 1000);
        long long d0 = (long long)dur_of(&a, t0), d1 = (long long)dur_of(&a, t1);
        if (d0 < a.d0)
            a.d0 = d0;
        if (d1 > a.d1)
            a.d1 = d1;
    }
    if (a.d1 - a.d0 < 1000)
        a.d1 = a.d0 + 1000;
    int limit = cJSON_IsNumber(lim) ? (int)lim->valuedouble : 300;
    buf_printf(b, "<svg class=\"tl\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
                  "role=\"img\" aria-label=\"Smartsheet requests and CAS deliveries over "
                  "duration time\">\n<style>%s</style>\n", W, H, W, H, svg_style);
    run_bands(b, &a, runs, envn);
    rate_panel(b, &a, r, n, limit);
    buf_printf(b, "<text x=\"%d\" y=\"%d\" class=\"lbl\">Smartsheet API requests of each token in "
                  "the 60 s of duration time ending at each request (x: 429, dot: retry, "
                  "diamond: token endpoint)</text>\n", LEFT + 4, 13);
    x_axis(b, &a, TOP + RATE_H);
    cas_panel(b, &a, c, ncas);
    buf_printf(b, "<text x=\"%d\" y=\"%d\" class=\"lbl\">Deliveries to mock-cas: activities "
                  "batches (height: new activities stored), users and status on top</text>\n",
               LEFT + 4, TOP + RATE_H + GAP - 2);
    x_axis(b, &a, TOP + RATE_H + GAP + CAS_H);
    buf_puts(b, "</svg>\n");
    if (ntok > 1) {
        buf_puts(b, "<p class=\"note\">Tokens: ");
        for (int t = 0; t < ntok; t++) {
            buf_printf(b, "<span style=\"color:%s\">&#9632;</span> <code>", colours[t]);
            esc(b, toks[t]);
            buf_puts(b, "</code> ");
        }
        buf_puts(b, "</p>\n");
    }
    free(byreal);
    free(r);
    free(c);
    return 1;
}
