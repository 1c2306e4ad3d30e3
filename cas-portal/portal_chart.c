/* portal_chart.c - the "Requests" page: Smartsheet API requests per minute
 * per token against the rate limit line, drawn server-side as inline SVG
 * from mock-smartsheet's journal and stats, and the backfill's progress
 * (activities received against the events of the backfill window). */
#include "portal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../mock-cas/cas.h"
#include "dclock.h"
#include "httpc.h"
#include "webpage.h"

#define CHART_MINUTES 60          /* at most the newest hour is drawn */
#define CHART_MIN_MINUTES 10
#define CHART_TOKENS 8
#define CHART_W 860
#define CHART_H 300
#define CHART_L 50                /* left margin (axis labels) */
#define CHART_B 30                /* bottom margin */
#define BACKFILL_DAYS 7

static const char *const colours[CHART_TOKENS] = {"#0078d4", "#8764b8", "#00a36c", "#ca5010",
                                                 "#4f6bed", "#c239b3", "#498205", "#986f0b"};

struct series {
    char token[9];
    int64_t per_min[CHART_MINUTES];
    int64_t total;
};

/* GETs ss_url + path as JSON; NULL on any failure. */
static cJSON *fetch(const char *ss_url, const char *path)
{
    char url[1200];
    snprintf(url, sizeof url, "%s%s", ss_url, path);
    struct httpc_resp r;
    cJSON *j = NULL;
    if (!httpc_request("GET", url, NULL, NULL, 0, NULL, &r) && r.status == 200 && r.body.ptr)
        j = cJSON_ParseWithLength(r.body.ptr, r.body.len);
    httpc_resp_release(&r);
    return j;
}

static int64_t jnum(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

/* Buckets the journal's token requests by duration minute; *first_min is
 * the minute drawn at the left edge.  Returns the number of series. */
static size_t bucket(const cJSON *entries, struct series *s, int64_t *first_min, int *minutes,
                     int *seen)
{
    int64_t last = 0, first = INT64_MAX;
    const cJSON *e;
    cJSON_ArrayForEach(e, entries) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "tokenId");
        if (!cJSON_IsString(t) || strlen(t->valuestring) != 8)
            continue;
        int64_t d = jnum(e, "durationMs");
        last = d > last ? d : last;
        first = d < first ? d : first;
    }
    int64_t last_min = last / 60000, first_seen = first == INT64_MAX ? 0 : first / 60000;
    *first_min = last_min >= CHART_MINUTES ? last_min - CHART_MINUTES + 1 : 0;
    if (first_seen > *first_min)
        *first_min = first_seen;
    int64_t span = last_min - *first_min + 1;
    *seen = (int)span;
    *minutes = span < CHART_MIN_MINUTES ? CHART_MIN_MINUTES : (int)span;
    size_t n = 0;
    cJSON_ArrayForEach(e, entries) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "tokenId");
        if (!cJSON_IsString(t) || strlen(t->valuestring) != 8)
            continue;
        int64_t m = jnum(e, "durationMs") / 60000 - *first_min;
        if (m < 0 || m >= CHART_MINUTES)
            continue;
        size_t k = 0;
        while (k < n && strcmp(s[k].token, t->valuestring))
            k++;
        if (k == n) {
            if (n == CHART_TOKENS)
                continue;
            memset(&s[n], 0, sizeof s[n]);
            memcpy(s[n].token, t->valuestring, 9);
            n++;
        }
        s[k].per_min[m]++;
        s[k].total++;
    }
    return n;
}

/* Draws minutes columns; the series run over the first seen of them (the
 * minutes the journal has reached). */
static void draw(struct buf *b, const struct series *s, size_t n, int64_t first_min,
                 int minutes, int seen, int64_t limit)
{
    int64_t top = limit + limit / 5;
    for (size_t k = 0; k < n; k++)
        for (int m = 0; m < minutes; m++)
            if (s[k].per_min[m] > top)
                top = s[k].per_min[m];
    const double pw = CHART_W - CHART_L - 10, ph = CHART_H - CHART_B - 10;
#define X(m) (CHART_L + (m) * pw / (minutes - 1))
#define Y(v) (10 + ph - (double)(v) * ph / (double)top)
    buf_printf(b, "<svg id=\"rate-chart\" viewBox=\"0 0 %d %d\" width=\"100%%\" role=\"img\" "
                  "aria-label=\"Smartsheet API requests per minute per token\" "
                  "xmlns=\"http://www.w3.org/2000/svg\">\n", CHART_W, CHART_H);
    for (int g = 0; g <= 4; g++) {
        int64_t v = top * g / 4;
        buf_printf(b, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#edebe9\"/>"
                      "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\" "
                      "fill=\"#605e5c\">%lld</text>\n",
                   CHART_L, CHART_W - 10, Y(v), Y(v), CHART_L - 6, Y(v) + 4, (long long)v);
    }
    for (int m = 0; m < minutes; m += (minutes + 5) / 6)
        buf_printf(b, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\" "
                      "fill=\"#605e5c\">min %lld</text>\n",
                   X(m), CHART_H - 8, (long long)(first_min + m));
    buf_printf(b, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#a4262c\" "
                  "stroke-dasharray=\"6 4\" stroke-width=\"1.5\"/><text x=\"%d\" y=\"%.1f\" "
                  "font-size=\"12\" text-anchor=\"end\" fill=\"#a4262c\">limit %lld/min</text>\n",
               CHART_L, CHART_W - 10, Y(limit), Y(limit), CHART_W - 12, Y(limit) - 5,
               (long long)limit);
    for (size_t k = 0; k < n; k++) {
        buf_printf(b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
                   colours[k]);
        for (int m = 0; m < seen && m < minutes; m++)
            buf_printf(b, "%.1f,%.1f ", X(m), Y(s[k].per_min[m]));
        buf_puts(b, "\"/>\n");
        for (int m = 0; m < minutes; m++)
            if (s[k].per_min[m])
                buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>"
                              "token %s, minute %lld: %lld requests</title></circle>\n",
                           X(m), Y(s[k].per_min[m]), colours[k], s[k].token,
                           (long long)(first_min + m), (long long)s[k].per_min[m]);
    }
    buf_puts(b, "</svg>\n");
#undef X
#undef Y
}

static void rate_card(struct buf *b, const char *ss_url)
{
    cJSON *stats = fetch(ss_url, "/_mock/stats");
    cJSON *journal = fetch(ss_url, "/_mock/journal?limit=200000");
    buf_puts(b, "<div class=\"card\"><h2>Smartsheet API requests per minute, per token</h2>\n");
    if (!stats || !journal) {
        buf_puts(b, "<p class=\"msg msg-err\">mock-smartsheet's journal could not be read at ");
        web_esc(b, ss_url);
        buf_puts(b, ".</p></div>\n");
        cJSON_Delete(stats);
        cJSON_Delete(journal);
        return;
    }
    const cJSON *rl = cJSON_GetObjectItemCaseSensitive(stats, "rateLimit");
    int64_t limit = jnum(rl, "requests"), window = jnum(rl, "windowMs");
    if (window > 0 && window != 60000)
        limit = limit * 60000 / window;
    if (limit <= 0)
        limit = 300;
    struct series *s = xcalloc(CHART_TOKENS, sizeof *s);
    int64_t first = 0;
    int minutes = CHART_MIN_MINUTES, seen = 1;
    size_t n = bucket(cJSON_GetObjectItemCaseSensitive(journal, "entries"), s, &first, &minutes,
                      &seen);
    draw(b, s, n, first, minutes, seen, limit);
    buf_puts(b, "<p class=\"note\">Minutes of mock-smartsheet's duration clock; the dashed line "
                "is the rate limit. Token ids are the first 8 hex digits of the token's "
                "SHA-256.</p>\n<table><thead><tr><th>Token</th><th>Requests drawn</th>"
                "<th>Most in any window</th><th>Refused (429)</th></tr></thead><tbody>\n");
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(stats, "tokens")) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(t, "tokenId");
        const char *tid = cJSON_IsString(id) ? id->valuestring : "";
        int64_t drawn = 0;
        const char *colour = "#605e5c";
        for (size_t k = 0; k < n; k++)
            if (!strcmp(s[k].token, tid)) {
                drawn = s[k].total;
                colour = colours[k];
            }
        buf_printf(b, "<tr><td><span style=\"color:%s\">&#9632;</span> <code>", colour);
        web_esc(b, tid);
        buf_printf(b, "</code></td><td>%lld</td><td>%lld</td><td>%lld</td></tr>\n",
                   (long long)drawn, (long long)jnum(t, "maxInWindow"),
                   (long long)jnum(t, "refused"));
    }
    buf_puts(b, "</tbody></table></div>\n");
    free(s);
    cJSON_Delete(stats);
    cJSON_Delete(journal);
}

static void backfill_card(struct cas_app *app, struct buf *b, const char *ss_url)
{
    cJSON *events = fetch(ss_url, "/_mock/events?numericDates=true");
    /* a backfill asks for `since` seven days back, which Smartsheet resolves
     * down to the hour: count from there */
    int64_t since = dclock_wall_ms() - (int64_t)BACKFILL_DAYS * 86400000;
    since -= since % 3600000;
    int64_t window = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, events)
        window += jnum(e, "eventTimestamp") >= since;
    cJSON_Delete(events);
    cJSON *j = portal_instances(app);
    buf_printf(b, "<div class=\"card\"><h2>Backfill progress</h2><p class=\"note\">Activities "
                  "received against the %lld Smartsheet events of the last %d days (from the hour, as Smartsheet resolves a backfill's start).</p>\n",
               (long long)window, BACKFILL_DAYS);
    const cJSON *ins;
    int any = 0;
    cJSON_ArrayForEach(ins, cJSON_GetObjectItemCaseSensitive(j, "instances")) {
        int64_t got = jnum(ins, "accepted");
        double pct = window > 0 ? 100.0 * (double)got / (double)window : 0;
        if (pct > 100)
            pct = 100;
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(ins, "name");
        buf_puts(b, "<p><strong>");
        web_esc(b, cJSON_IsString(name) ? name->valuestring : "");
        buf_printf(b, "</strong>: %lld of %lld (%.0f%%)</p><svg viewBox=\"0 0 600 18\" "
                      "width=\"600\" height=\"18\" class=\"progress\" role=\"img\" "
                      "aria-label=\"%.0f percent\"><rect width=\"600\" height=\"18\" rx=\"3\" "
                      "fill=\"#edebe9\"/><rect width=\"%.1f\" height=\"18\" rx=\"3\" "
                      "fill=\"#107c10\"/></svg>\n",
                   (long long)got, (long long)window, pct, pct, 6.0 * pct);
        any = 1;
    }
    if (!any)
        buf_puts(b, "<p>No app connector yet.</p>\n");
    buf_puts(b, "</div>\n");
    cJSON_Delete(j);
}

void portal_charts(struct cas_app *app, const struct http_req *req, struct http_resp *resp)
{
    (void)req;
    struct buf b;
    portal_page_begin(&b, "Requests to Smartsheet", "charts");
    const char *ss = app->portal->smartsheet_url;
    if (!ss) {
        buf_puts(&b, "<div class=\"card\"><p>Start mock-cas with <code>--smartsheet-url</code> "
                     "to see mock-smartsheet's requests here.</p></div>\n");
    } else {
        rate_card(&b, ss);
        backfill_card(app, &b, ss);
    }
    portal_page_end(resp, 200, &b);
}
