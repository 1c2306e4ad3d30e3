/* portal.c - the portal's routes, page frame and the OAuth redirect hook. */
#include "portal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../mock-cas/cas.h"
#include "../mock-cas/handlers.h"
#include "../mock-cas/store.h"
#include "kit_limits.h"
#include "strutil.h"
#include "webpage.h"

#define PORTAL_PAGE_MAX (8u * 1024u * 1024u)

static const char portal_css[] =
    "*{box-sizing:border-box}"
    "body{font-family:'Segoe UI',system-ui,-apple-system,sans-serif;background:#faf9f8;"
    "color:#201f1e;margin:0;font-size:15px}"
    "header{background:#1b1a19;color:#fff;display:flex;align-items:center;padding:0 1.5rem;"
    "height:3rem;gap:2rem}header .brand{font-weight:600}"
    "header nav a{color:#d2d0ce;text-decoration:none;margin-right:1.3rem;padding:.9rem 0}"
    "header nav a.on{color:#fff;border-bottom:3px solid #0078d4}"
    "main{max-width:72rem;margin:1.5rem auto;padding:0 1.5rem}"
    "h1{font-size:1.5rem;font-weight:600;margin:.5rem 0 1rem}h2{font-size:1.15rem}"
    ".card{background:#fff;border:1px solid #edebe9;border-radius:4px;padding:1.2rem 1.4rem;"
    "margin-bottom:1.2rem;box-shadow:0 1px 2px rgba(0,0,0,.06)}"
    "table{border-collapse:collapse;width:100%;background:#fff}"
    "th,td{text-align:left;padding:.5rem .6rem;border-bottom:1px solid #edebe9;vertical-align:top}"
    "th{font-weight:600;color:#605e5c;font-size:.85rem}"
    "button,.button{font:inherit;padding:.4rem 1rem;border-radius:2px;border:1px solid #8a8886;"
    "background:#fff;color:#201f1e;cursor:pointer;text-decoration:none;display:inline-block}"
    ".primary{background:#0078d4;border-color:#0078d4;color:#fff}"
    ".plus{font-size:1.3rem;line-height:1;padding:.2rem .7rem}"
    "label{display:block;font-weight:600;margin:.9rem 0 .3rem}"
    "input[type=text],input[type=password],input[type=date],select{font:inherit;"
    "padding:.35rem .5rem;border:1px solid #8a8886;border-radius:2px;min-width:18rem}"
    ".inline label{display:inline-block;margin:0 .4rem 0 0}.inline input,.inline select"
    "{min-width:10rem;margin-right:.8rem}"
    ".st{display:inline-block;padding:.1rem .55rem;border-radius:10px;font-size:.85rem;"
    "font-weight:600}.st-ok{background:#dff6dd;color:#107c10}.st-err{background:#fde7e9;"
    "color:#a4262c}.st-off{background:#f3f2f1;color:#605e5c}.st-wait{background:#fff4ce;"
    "color:#8a6100}"
    ".msg{padding:.6rem .9rem;border-radius:2px;margin-bottom:1rem}"
    ".msg-ok{background:#dff6dd}.msg-err{background:#fde7e9}"
    ".note{color:#605e5c;font-size:.85rem}code{background:#f3f2f1;padding:0 .25rem}"
    ".tiles{display:flex;gap:1rem}.tile{border:1px solid #c8c6c4;border-radius:4px;padding:1rem 1.4rem;"
    "text-decoration:none;color:inherit;background:#fff;min-width:12rem}"
    ".tile:hover{border-color:#0078d4}.tile strong{display:block;font-size:1.1rem}"
    ".pager{margin-top:1rem;display:flex;gap:.6rem;align-items:center}"
    ".cols{display:grid;grid-template-columns:1fr 1fr;gap:1.2rem}"
    "pre{background:#f3f2f1;padding:.8rem;overflow:auto;font-size:.8rem;max-height:36rem;"
    "white-space:pre-wrap;word-break:break-all}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:0}"
    "dt{font-weight:600;color:#605e5c}dd{margin:0;word-break:break-word}"
    "svg text{font-family:inherit}.nw{white-space:nowrap}pre .k{color:#0b5cab}";

struct cJSON *portal_instances(struct cas_app *app)
{
    struct buf list;
    buf_init(&list, 4 * 1024 * 1024);
    cJSON *j = NULL;
    if (!store_instances_json(app->store, &list))
        j = cJSON_ParseWithLength(list.ptr, list.len);
    buf_release(&list);
    return j;
}

void portal_time(int64_t ms, char out[40])
{
    if (ms <= 0) {
        snprintf(out, 40, "-");
        return;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 40, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

void portal_page_begin(struct buf *b, const char *title, const char *active)
{
    buf_init(b, PORTAL_PAGE_MAX);
    buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width\"><title>");
    web_esc(b, title);
    buf_printf(b, " - Cloud App Security</title><style>%s</style></head>\n<body>\n<header>"
                  "<span class=\"brand\">Cloud App Security</span><nav>", portal_css);
    static const char *const items[][3] = {
        {"connectors", "/connectors", "App connectors"},
        {"activities", "/activities", "Activity log"},
        {"charts", "/charts", "Requests"},
    };
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++)
        buf_printf(b, "<a href=\"%s\"%s>%s</a>", items[i][1],
                   active && !strcmp(active, items[i][0]) ? " class=\"on\"" : "", items[i][2]);
    buf_puts(b, "</nav></header>\n<main>\n<h1>");
    web_esc(b, title);
    buf_puts(b, "</h1>\n");
}

void portal_page_end(struct http_resp *resp, int status, struct buf *b)
{
    buf_puts(b, "<p class=\"note\">mock-cas: a Cloud App Security test double.</p>\n"
                "</main></body></html>\n");
    web_send(resp, status, b);
}

int portal_route(const char *path)
{
    return !strcmp(path, "/") || !strcmp(path, "/connectors") ||
           !strncmp(path, "/connectors/", 12) || !strcmp(path, "/activities") ||
           !strncmp(path, "/activities/", 12) || !strcmp(path, "/charts");
}

static void refuse(struct http_resp *resp, int status, const char *title, const char *msg)
{
    struct buf b;
    portal_page_begin(&b, title, NULL);
    buf_puts(&b, "<div class=\"msg msg-err\" role=\"alert\">");
    web_esc(&b, msg);
    buf_puts(&b, "</div>\n");
    portal_page_end(resp, status, &b);
}

/* "/connectors/<id>/<action>": the id and the action into act. */
static int instance_action(const char *path, int64_t *id, char *act, size_t cap)
{
    const char *q = path + 12;
    const char *slash = strchr(q, '/');
    if (!slash || (size_t)(slash - q) >= 24 || strlen(slash + 1) >= cap)
        return -1;
    char num[24];
    memcpy(num, q, (size_t)(slash - q));
    num[slash - q] = '\0';
    if (parse_i64(num, 0, INT64_MAX / 2, id))
        return -1;
    snprintf(act, cap, "%s", slash + 1);
    return 0;
}

void portal_handle(struct cas_app *app, const struct http_req *req, struct http_resp *resp)
{
    const char *p = req->path;
    int get = !strcmp(req->method, "GET"), post = !strcmp(req->method, "POST");
    if (!get && !post) {
        refuse(resp, 405, "Not allowed", "Use GET or POST.");
        http_resp_header(resp, "Allow", "GET, POST");
        return;
    }
    if (post && !web_same_origin(req)) {
        refuse(resp, 403, "Request refused",
               "This form was not sent from a page of this portal (cross-site request).");
        return;
    }
    if (!strcmp(p, "/")) {
        web_redirect(resp, "/connectors");
    } else if (!strcmp(p, "/connectors")) {
        if (get)
            portal_connectors(app, req, resp);
        else
            portal_create(app, req, resp);
    } else if (!strcmp(p, "/connectors/new") && get) {
        portal_new(app, req, resp);
    } else if (!strncmp(p, "/connectors/", 12) && post) {
        int64_t id;
        char act[32];
        if (instance_action(p, &id, act, sizeof act))
            refuse(resp, 404, "Not found", "No such page.");
        else if (!strcmp(act, "test"))
            portal_test(app, req, resp, id);
        else if (!strcmp(act, "connect"))
            portal_reconnect(app, req, resp, id);
        else
            refuse(resp, 404, "Not found", "No such page.");
    } else if (!strcmp(p, "/activities") && get) {
        portal_activities(app, req, resp);
    } else if (!strncmp(p, "/activities/", 12) && get && p[12]) {
        portal_activity(app, req, resp, p + 12);
    } else if (!strcmp(p, "/charts") && get) {
        portal_charts(app, req, resp);
    } else {
        refuse(resp, 404, "Not found", "No such page.");
    }
}

int portal_saga(struct cas_app *app, const struct http_req *req, struct http_resp *resp)
{
    struct portal *p = app->portal;
    char state[LIM_PARAM_VALUE];
    if (!p || !p->connector_cmd || strcmp(req->method, "GET") ||
        http_query(req, "state", state, sizeof state) != 1)
        return 0;
    /* Recorded exactly as cas_saga does; for a portal connection its page
     * is replaced by a redirect back to the portal. */
    struct http_resp *tmp = xcalloc(1, sizeof *tmp);
    cas_saga(app, req, tmp);

    struct buf url;
    buf_init(&url, 24 * 1024);
    buf_printf(&url, "%s%s?%s", p->base_url, req->path, req->query);
    int64_t id = 0;
    char msg[800];
    int rc = url.err ? -1
                     : portal_conn_authorize(app, state, url.ptr, &id, msg, sizeof msg);
    buf_release(&url);
    explicit_bzero(state, sizeof state);
    if (!id) {
        *resp = *tmp;      /* not a portal connection: cas_saga's page is the answer */
        free(tmp);
        return 1;
    }
    if (tmp->body_owned)
        free((void *)tmp->body);
    free(tmp);
    char loc[160];
    snprintf(loc, sizeof loc, "/connectors?instance=%lld&authorized=%d", (long long)id,
             rc == 0 ? 1 : 0);
    web_redirect(resp, loc);
    return 1;
}
