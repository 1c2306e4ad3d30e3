/* portal_log.c - the activity log: filters (user, activity type, day) and
 * paging over the same store and query code as the CAS query API, and a
 * page per activity with the CAS record beside the raw Smartsheet event. */
#include "portal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../mock-cas/cas.h"
#include "dclock.h"
#include "../mock-cas/filter.h"
#include "../mock-cas/store.h"
#include "strutil.h"
#include "webpage.h"

#define LOG_PAGE 25

struct log_filter {
    char user[200], type[120], day[16];
    int64_t page;                /* 0-based */
};

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static int64_t jnum(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

/* "YYYY-MM-DD" to the epoch ms of that UTC midnight; -1 if malformed. */
static int64_t day_start(const char *day)
{
    char iso[40];
    int64_t ms;
    if (strlen(day) != 10)
        return -1;
    snprintf(iso, sizeof iso, "%sT00:00:00Z", day);
    return parse_iso8601_ms(iso, &ms) ? -1 : ms;
}

/* The query parameters for f, as the query API would take them. */
static cJSON *log_params(const struct log_filter *f, const char **bad)
{
    cJSON *p = cJSON_CreateObject(), *filters = cJSON_AddObjectToObject(p, "filters");
    if (f->user[0])
        cJSON_AddStringToObject(cJSON_AddObjectToObject(filters, "user.username"), "contains",
                                f->user);
    if (f->type[0])
        cJSON_AddStringToObject(cJSON_AddObjectToObject(filters, "activity.eventType"), "eq",
                                f->type);
    if (f->day[0]) {
        int64_t start = day_start(f->day);
        if (start < 0) {
            *bad = "The date must be a day (YYYY-MM-DD).";
        } else {
            cJSON *r = cJSON_AddArrayToObject(cJSON_AddObjectToObject(filters, "date"), "range");
            cJSON *span = cJSON_CreateObject();
            cJSON_AddNumberToObject(span, "start", (double)start);
            cJSON_AddNumberToObject(span, "end", (double)(start + 86400000 - 1));
            cJSON_AddItemToArray(r, span);
        }
    }
    cJSON_AddNumberToObject(p, "skip", (double)(f->page * LOG_PAGE));
    cJSON_AddNumberToObject(p, "limit", LOG_PAGE);
    return p;
}

/* A link to page of the log with f's filters. */
static void log_link(struct buf *b, const struct log_filter *f, int64_t page)
{
    buf_puts(b, "/activities?user=");
    buf_urlenc(b, f->user, strlen(f->user));
    buf_puts(b, "&amp;type=");
    buf_urlenc(b, f->type, strlen(f->type));
    buf_puts(b, "&amp;date=");
    buf_urlenc(b, f->day, strlen(f->day));
    buf_printf(b, "&amp;page=%lld", (long long)page + 1);
}

static void filter_form(struct cas_app *app, struct buf *b, const struct log_filter *f)
{
    buf_puts(b, "<form method=\"get\" action=\"/activities\" class=\"card inline\">"
                "<label for=\"user\">User</label><input type=\"text\" id=\"user\" name=\"user\" "
                "placeholder=\"name@example.com\" value=\"");
    web_esc(b, f->user);
    buf_puts(b, "\"><label for=\"type\">Activity type</label><select id=\"type\" name=\"type\">"
                "<option value=\"\">All</option>");
    /* One option per activity type of the mapping table, in table order. */
    for (size_t i = 0; i < app->map.n_rows; i++) {
        const struct map_row *r = &app->map.rows[i];
        int seen = 0;
        for (size_t k = 0; k < i && !seen; k++)
            seen = !strcmp(app->map.rows[k].event_type_name, r->event_type_name);
        if (seen)
            continue;
        buf_puts(b, "<option value=\"");
        web_esc(b, r->event_type_name);
        buf_printf(b, "\"%s>", !strcmp(f->type, r->event_type_name) ? " selected" : "");
        web_esc(b, r->activity_type);
        buf_puts(b, "</option>");
    }
    buf_puts(b, "</select><label for=\"date\">Date</label><input type=\"date\" id=\"date\" "
                "name=\"date\" value=\"");
    web_esc(b, f->day);
    buf_puts(b, "\"><button type=\"submit\" class=\"primary\">Apply</button> "
                "<a class=\"button\" href=\"/activities\">Clear</a></form>\n");
}

static void log_rows(struct buf *b, const cJSON *data)
{
    buf_puts(b, "<table id=\"activities\"><thead><tr><th>Date</th><th>Activity</th><th>User</th>"
                "<th>Description</th></tr></thead><tbody>\n");
    const cJSON *a;
    cJSON_ArrayForEach(a, data) {
        char when[40];
        portal_time(jnum(a, "timestamp"), when);
        const cJSON *user = cJSON_GetObjectItemCaseSensitive(a, "user");
        buf_printf(b, "<tr><td class=\"nw\">%s</td><td><a href=\"/activities/", when);
        buf_urlenc(b, jstr(a, "_id"), strlen(jstr(a, "_id")));
        buf_puts(b, "\">");
        web_esc(b, jstr(a, "activityType"));
        buf_puts(b, "</a></td><td>");
        web_esc(b, jstr(user, "userName"));
        buf_puts(b, "</td><td>");
        web_esc(b, jstr(a, "description"));
        buf_puts(b, "</td></tr>\n");
    }
    buf_puts(b, "</tbody></table>\n");
}

void portal_activities(struct cas_app *app, const struct http_req *req, struct http_resp *resp)
{
    struct log_filter *f = xcalloc(1, sizeof *f);
    char page[24];
    const char *bad = NULL;
    if (http_query(req, "user", f->user, sizeof f->user) < 0 ||
        http_query(req, "type", f->type, sizeof f->type) < 0 ||
        http_query(req, "date", f->day, sizeof f->day) < 0)
        bad = "A filter is malformed or too long.";
    if (http_query(req, "page", page, sizeof page) == 1 &&
        (parse_i64(page, 1, 100000, &f->page) || f->page-- < 1))
        bad = "The page must be a number from 1.";
    if (bad)
        memset(f, 0, sizeof *f);

    struct buf b;
    portal_page_begin(&b, "Activity log", "activities");
    filter_form(app, &b, f);
    cJSON *params = log_params(f, &bad);
    struct act_query q;
    act_query_init(&q);
    struct buf err, out;
    buf_init(&err, 16384);
    buf_init(&out, CAS_REPLY_MAX);
    cJSON *j = NULL;
    if (!bad && act_query_parse(&q, params, dclock_wall_ms(), store_resolve_activity_id,
                                app->store, &err))
        bad = "The filters were refused by the query API.";
    if (!bad && !store_query_activities(app->store, &q, &out))
        j = cJSON_ParseWithLength(out.ptr, out.len);
    if (bad || !j) {
        buf_puts(&b, "<div class=\"msg msg-err\" role=\"alert\">");
        web_esc(&b, bad ? bad : "The activities could not be read.");
        buf_puts(&b, "</div>\n");
    } else {
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(j, "data");
        int64_t total = jnum(j, "total");
        int more = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "hasNext"));
        int n = cJSON_GetArraySize(data);
        buf_puts(&b, "<div class=\"card\">");
        if (!n) {
            buf_puts(&b, "<p>No activity matches.</p>");
        } else {
            buf_printf(&b, "<p class=\"note\" id=\"count\">Showing %lld to %lld of %s%lld "
                           "activities, newest first.</p>\n",
                       (long long)(f->page * LOG_PAGE + 1), (long long)(f->page * LOG_PAGE + n),
                       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "moreThanTotal"))
                           ? "more than " : "",
                       (long long)total);
            log_rows(&b, data);
        }
        buf_puts(&b, "<div class=\"pager\">");
        if (f->page > 0) {
            buf_puts(&b, "<a class=\"button\" rel=\"prev\" href=\"");
            log_link(&b, f, f->page - 1);
            buf_puts(&b, "\">Previous</a>");
        }
        buf_printf(&b, "<span>Page %lld</span>", (long long)f->page + 1);
        if (more) {
            buf_puts(&b, "<a class=\"button\" rel=\"next\" href=\"");
            log_link(&b, f, f->page + 1);
            buf_puts(&b, "\">Next</a>");
        }
        buf_puts(&b, "</div></div>\n");
    }
    cJSON_Delete(j);
    cJSON_Delete(params);
    act_query_free(&q);
    buf_release(&err);
    buf_release(&out);
    free(f);
    portal_page_end(resp, 200, &b);
}

/* Appends v as indented JSON, HTML-escaped; whole numbers print as
 * integers (Smartsheet ids are 16 digits). */
static void json_html(struct buf *b, const cJSON *v, int depth)
{
    char num[64];
    if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
        int obj = cJSON_IsObject(v);
        if (!v->child) {
            buf_puts(b, obj ? "{}" : "[]");
            return;
        }
        buf_puts(b, obj ? "{\n" : "[\n");
        for (const cJSON *c = v->child; c; c = c->next) {
            buf_printf(b, "%*s", (depth + 1) * 2, "");
            if (obj) {
                buf_puts(b, "<span class=\"k\">");
                struct buf key;
                buf_init(&key, 4096);
                buf_json_str(&key, c->string, strlen(c->string));
                web_esc(b, key.ptr);
                buf_release(&key);
                buf_puts(b, "</span>: ");
            }
            json_html(b, c, depth + 1);
            buf_puts(b, c->next ? ",\n" : "\n");
        }
        buf_printf(b, "%*s%s", depth * 2, "", obj ? "}" : "]");
    } else if (cJSON_IsString(v)) {
        struct buf str;
        buf_init(&str, 1024 * 1024);
        buf_json_str(&str, v->valuestring, strlen(v->valuestring));
        web_esc(b, str.ptr);
        buf_release(&str);
    } else if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == (double)(int64_t)d && d < 9007199254740992.0 && d > -9007199254740992.0)
            snprintf(num, sizeof num, "%lld", (long long)d);
        else
            snprintf(num, sizeof num, "%.17g", d);
        buf_puts(b, num);
    } else {
        buf_puts(b, cJSON_IsTrue(v) ? "true" : cJSON_IsFalse(v) ? "false" : "null");
    }
}

static void pretty(struct buf *b, const cJSON *v)
{
    buf_puts(b, "<pre>");
    if (v)
        json_html(b, v, 0);
    else
        buf_puts(b, "(none)");
    buf_puts(b, "</pre>\n");
}

void portal_activity(struct cas_app *app, const struct http_req *req, struct http_resp *resp,
                     const char *id_enc)
{
    (void)req;
    char id[300];
    struct buf out;
    buf_init(&out, CAS_REPLY_MAX);
    cJSON *a = NULL;
    if (url_decode(id_enc, strlen(id_enc), id, sizeof id) > 0 &&
        !store_activity_json(app->store, id, &out))
        a = cJSON_ParseWithLength(out.ptr, out.len);
    buf_release(&out);
    struct buf b;
    portal_page_begin(&b, "Activity", "activities");
    if (!a) {
        buf_puts(&b, "<div class=\"msg msg-err\" role=\"alert\">No such activity.</div>\n");
        portal_page_end(resp, 404, &b);
        return;
    }
    char when[40], created[40];
    portal_time(jnum(a, "timestamp"), when);
    portal_time(jnum(a, "created"), created);
    const cJSON *user = cJSON_GetObjectItemCaseSensitive(a, "user");
    buf_puts(&b, "<div class=\"card\"><dl><dt>Activity</dt><dd>");
    web_esc(&b, jstr(a, "activityType"));
    buf_puts(&b, " (<code>");
    web_esc(&b, jstr(a, "eventTypeValue"));
    buf_printf(&b, "</code>)</dd><dt>Date</dt><dd>%s</dd><dt>User</dt><dd>", when);
    web_esc(&b, jstr(user, "userName"));
    buf_puts(&b, "</dd><dt>Description</dt><dd>");
    web_esc(&b, jstr(a, "description"));
    buf_printf(&b, "</dd><dt>Received</dt><dd>%s</dd><dt>Id</dt><dd><code>", created);
    web_esc(&b, jstr(a, "_id"));
    buf_puts(&b, "</code></dd></dl></div>\n<div class=\"cols\"><div class=\"card\">"
                 "<h2>Cloud App Security record</h2>");
    cJSON *raw = cJSON_DetachItemFromObjectCaseSensitive(a, "rawDataJson");
    pretty(&b, a);
    buf_puts(&b, "</div><div class=\"card\"><h2>Smartsheet event (rawDataJson)</h2>");
    pretty(&b, raw);
    buf_puts(&b, "</div></div>\n<p><a class=\"button\" href=\"/activities\">Back to the "
                 "activity log</a></p>\n");
    cJSON_Delete(raw);
    cJSON_Delete(a);
    portal_page_end(resp, 200, &b);
}
