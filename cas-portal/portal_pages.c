/* portal_pages.c - the App connectors pages: the list with each instance's
 * status and counts, "+" -> Smartsheet -> the instance form, and the
 * buttons behind "Connect in Smartsheet" and "Test now". */
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

static int64_t num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* When the instance's newest activity was received (0 when none). */
static int64_t last_activity(struct cas_app *app, int64_t id)
{
    char text[160];
    snprintf(text, sizeof text,
             "{\"filters\":{\"instance\":{\"eq\":%lld}},\"limit\":1,\"sortField\":\"created\"}",
             (long long)id);
    cJSON *params = cJSON_Parse(text);
    struct act_query q;
    act_query_init(&q);
    struct buf err, out;
    buf_init(&err, 4096);
    buf_init(&out, 1024 * 1024);
    int64_t created = 0;
    if (params && !act_query_parse(&q, params, dclock_wall_ms(), store_resolve_activity_id,
                                   app->store, &err) &&
        !store_query_activities(app->store, &q, &out)) {
        cJSON *j = cJSON_ParseWithLength(out.ptr, out.len);
        const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "data"), 0);
        created = first ? num(first, "created") : 0;
        cJSON_Delete(j);
    }
    cJSON_Delete(params);
    act_query_free(&q);
    buf_release(&err);
    buf_release(&out);
    return created;
}

static void status_cell(struct buf *b, const cJSON *st, const struct portal_inst *pi, int known)
{
    const char *s = st ? str(st, "status") : NULL;
    if (s && !strcmp(s, "connected")) {
        buf_puts(b, "<span class=\"st st-ok\">Connected</span>");
    } else if (s && !strcmp(s, "error")) {
        buf_puts(b, "<span class=\"st st-err\">Error</span><div class=\"note\">");
        web_esc(b, str(st, "stage"));
        buf_puts(b, ": ");
        web_esc(b, str(st, "message"));
        buf_puts(b, "</div>");
    } else if (s && !strcmp(s, "disconnected")) {
        buf_puts(b, "<span class=\"st st-off\">Disconnected</span>");
    } else if (known && pi->oauth_state[0]) {
        buf_puts(b, "<span class=\"st st-wait\">Waiting for consent</span>");
    } else {
        buf_puts(b, "<span class=\"st st-off\">Not connected</span>");
    }
}

static void instance_row(struct cas_app *app, struct buf *b, const cJSON *ins)
{
    int64_t id = num(ins, "instanceId");
    struct portal_inst pi;
    int known = !portal_conn_get(app->portal, id, &pi);
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(ins, "status");
    if (!cJSON_IsObject(st))
        st = NULL;
    char when[40], last[40];
    const char *s = st ? str(st, "status") : NULL;
    int64_t connected = known && pi.connected_ms ? pi.connected_ms
                        : s && !strcmp(s, "connected") ? num(st, "time") : 0;
    portal_time(connected, when);
    portal_time(last_activity(app, id), last);
    buf_printf(b, "<tr id=\"instance-%lld\"><td><strong>", (long long)id);
    web_esc(b, str(ins, "name"));
    buf_printf(b, "</strong><div class=\"note\">Smartsheet &middot; instance %lld</div></td><td>",
               (long long)id);
    status_cell(b, st, &pi, known);
    buf_printf(b, "</td><td class=\"nw\">%s</td><td class=\"nw\">%s</td><td>%lld activities<br>%lld users"
                  "<div class=\"note\">%lld duplicates, %lld rejected</div></td><td>",
               when, last, (long long)num(ins, "accepted"), (long long)num(ins, "entities"),
               (long long)num(ins, "duplicates"), (long long)num(ins, "rejected"));
    if (known) {
        buf_printf(b, "<form method=\"post\" action=\"/connectors/%lld/test\">"
                      "<button type=\"submit\" class=\"primary\">Test now</button></form>",
                   (long long)id);
        if (!s || strcmp(s, "connected"))
            buf_printf(b, "<form method=\"post\" action=\"/connectors/%lld/connect\" "
                          "style=\"margin-top:.4rem\"><button type=\"submit\">Connect in "
                          "Smartsheet</button></form>", (long long)id);
        if (pi.run_pid > 0)
            buf_puts(b, "<div class=\"note\">connector running</div>");
        else if (pi.run_rc >= 0)
            buf_printf(b, "<div class=\"note\">connector stopped (exit %d)</div>", pi.run_rc);
    } else {
        buf_puts(b, "<span class=\"note\">created through the API</span>");
    }
    buf_puts(b, "</td></tr>\n");
}

void portal_connectors(struct cas_app *app, const struct http_req *req, struct http_resp *resp)
{
    struct buf b;
    portal_page_begin(&b, "App connectors", "connectors");
    char idtext[24];
    int64_t flash_id = 0;
    if (http_query(req, "instance", idtext, sizeof idtext) == 1 &&
        !parse_i64(idtext, 0, INT64_MAX / 2, &flash_id)) {
        struct portal_inst pi;
        if (!portal_conn_get(app->portal, flash_id, &pi) && pi.last_check[0]) {
            buf_printf(&b, "<div class=\"msg %s\" role=\"status\" id=\"flash\">",
                       pi.last_check_rc == 0 ? "msg-ok" : "msg-err");
            web_esc(&b, pi.last_check);
            buf_puts(&b, "</div>\n");
        }
    }
    buf_puts(&b, "<div class=\"card\"><p style=\"margin-top:0\">Connected apps send their "
                 "users and activities to Cloud App Security. <a class=\"button plus\" "
                 "href=\"/connectors/new\" title=\"Add an app connector\" "
                 "aria-label=\"Add an app connector\">+</a> "
                 "<a class=\"button\" href=\"/connectors\">Refresh</a></p>\n");
    cJSON *j = portal_instances(app);
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(j, "instances");
    if (!cJSON_GetArraySize(arr)) {
        buf_puts(&b, "<p>No app connector yet. Select <strong>+</strong> to connect "
                     "Smartsheet.</p>\n");
    } else {
        buf_puts(&b, "<table><thead><tr><th>Instance name</th><th>Status</th><th>Connected"
                     "</th><th>Last activity received</th><th>Received</th><th></th></tr>"
                     "</thead><tbody>\n");
        const cJSON *ins;
        cJSON_ArrayForEach(ins, arr)
            instance_row(app, &b, ins);
        buf_puts(&b, "</tbody></table>\n");
    }
    buf_puts(&b, "</div>\n");
    cJSON_Delete(j);
    portal_page_end(resp, 200, &b);
}

static void instance_form(struct cas_app *app, struct http_resp *resp, const char *name,
                          const char *client_id, const char *err)
{
    struct buf b;
    portal_page_begin(&b, "Connect Smartsheet", "connectors");
    if (err) {
        buf_puts(&b, "<div class=\"msg msg-err\" role=\"alert\">");
        web_esc(&b, err);
        buf_puts(&b, "</div>\n");
    }
    buf_puts(&b, "<div class=\"card\"><form method=\"post\" action=\"/connectors\">\n"
                 "<label for=\"instance_name\">Instance name</label>"
                 "<input type=\"text\" id=\"instance_name\" name=\"instance_name\" required "
                 "maxlength=\"200\" value=\"");
    web_esc(&b, name);
    buf_puts(&b, "\">\n<label for=\"client_id\">Client ID</label><input type=\"text\" "
                 "id=\"client_id\" name=\"client_id\" required maxlength=\"150\" "
                 "autocomplete=\"off\" value=\"");
    web_esc(&b, client_id);
    buf_puts(&b, "\">\n<label for=\"client_secret\">Client Secret</label><input "
                 "type=\"password\" id=\"client_secret\" name=\"client_secret\" required "
                 "maxlength=\"200\" autocomplete=\"off\">\n<p class=\"note\">Create the app in "
                 "Smartsheet Developer Tools with this redirect URL: <code id=\"redirect-url\">");
    web_esc(&b, app->portal->base_url);
    buf_puts(&b, "/api/oauth/saga</code></p>\n<p><button type=\"submit\" class=\"primary\">"
                 "Connect in Smartsheet</button> <a class=\"button\" href=\"/connectors\">"
                 "Cancel</a></p>\n</form></div>\n");
    portal_page_end(resp, err ? 400 : 200, &b);
}

void portal_new(struct cas_app *app, const struct http_req *req, struct http_resp *resp)
{
    char which[32];
    if (http_query(req, "app", which, sizeof which) == 1 && !strcmp(which, "smartsheet")) {
        instance_form(app, resp, "", "", NULL);
        return;
    }
    struct buf b;
    portal_page_begin(&b, "Connect an app", "connectors");
    buf_puts(&b, "<div class=\"card\"><p style=\"margin-top:0\">Select the app to connect."
                 "</p><div class=\"tiles\"><a class=\"tile\" href=\"/connectors/new?app="
                 "smartsheet\"><strong>Smartsheet</strong><span class=\"note\">Users and "
                 "Event Reporting</span></a></div></div>\n");
    portal_page_end(resp, 200, &b);
}

/* A form value: 1 ok, 0 missing/empty, -1 too long or with control bytes. */
static int field(const struct http_req *req, const char *name, char *out, size_t cap)
{
    int r = web_form(req, name, out, cap);
    if (r <= 0)
        return r;
    for (const char *c = out; *c; c++)
        if ((unsigned char)*c < 0x20)
            return -1;
    size_t n = strlen(out);
    while (n && out[n - 1] == ' ')
        out[--n] = '\0';
    return n ? 1 : 0;
}

void portal_create(struct cas_app *app, const struct http_req *req, struct http_resp *resp)
{
    char name[208], client_id[160], secret[208];
    int rn = field(req, "instance_name", name, sizeof name);
    int rc = field(req, "client_id", client_id, sizeof client_id);
    int rs = field(req, "client_secret", secret, sizeof secret);
    const char *bad = rn <= 0 ? "Enter an instance name (at most 200 characters)."
                      : rc <= 0 ? "Enter the app's Client ID from Smartsheet Developer Tools."
                      : rs <= 0 ? "Enter the app's Client Secret from Smartsheet Developer Tools."
                                : NULL;
    if (bad) {
        explicit_bzero(secret, sizeof secret);
        instance_form(app, resp, rn > 0 ? name : "", rc > 0 ? client_id : "", bad);
        return;
    }
    int64_t id = 0;
    char url[8192], err[800];
    int r = portal_conn_create(app, name, client_id, secret, &id, url, sizeof url, err,
                               sizeof err);
    explicit_bzero(secret, sizeof secret);
    if (r) {
        instance_form(app, resp, name, client_id, err);
        return;
    }
    web_redirect(resp, url);
}

void portal_test(struct cas_app *app, const struct http_req *req, struct http_resp *resp,
                 int64_t id)
{
    (void)req;
    char msg[800], loc[96];
    portal_conn_check(app, id, msg, sizeof msg);
    snprintf(loc, sizeof loc, "/connectors?instance=%lld&tested=1", (long long)id);
    web_redirect(resp, loc);
}

void portal_reconnect(struct cas_app *app, const struct http_req *req, struct http_resp *resp,
                      int64_t id)
{
    (void)req;
    char url[8192], err[800];
    if (portal_conn_reconnect(app, id, url, sizeof url, err, sizeof err)) {
        struct buf b;
        portal_page_begin(&b, "App connectors", "connectors");
        buf_puts(&b, "<div class=\"msg msg-err\" role=\"alert\">");
        web_esc(&b, err);
        buf_puts(&b, "</div><p><a class=\"button\" href=\"/connectors\">Back</a></p>\n");
        portal_page_end(resp, 400, &b);
        return;
    }
    web_redirect(resp, url);
}
