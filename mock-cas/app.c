/* app.c - routing, faults and the request journal. */
#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dclock.h"
#include "fault_http.h"
#include "handlers.h"
#include "log.h"
#include "rng.h"
#include "strutil.h"
#include "webpage.h"
#include "../cas-portal/portal.h"

void cas_refuse(void *app, int status, const char *message, struct http_resp *resp)
{
    (void)app;
    cas_reply_error(resp, status, message);
}

/* Applies a fault for a service request.  Returns 1 when the fault is the
 * whole answer, 0 to go on (transport faults and delays are set on resp). */
static int apply_fault(struct cas_app *app, const struct http_req *req, struct http_resp *resp,
                       int *reject)
{
    char token[256] = "", tid[9] = "";
    if (!fault_any(app->faults) || req->held)
        return 0;
    if (cas_token(req, token, sizeof token))
        rng_token_id(token, tid);
    struct fault_caller caller = {tid, -1};
    struct fault_fire f;
    if (!fault_check(app->faults, req->method, req->path, &caller, dclock_now_ms(), &f))
        return 0;
    *reject = f.action == FAULT_REJECT;
    switch (fault_apply_http(&f, resp)) {
    case FAULT_GO_ON:
        return 0;
    case FAULT_HELD:
    case FAULT_ANSWERED:
        return 1;
    case FAULT_SERVICE_ERROR:
        break;
    }
    int status = f.status ? f.status : f.error_code ? f.error_code : 503;
    cas_reply_error(resp, status, status == 429 ? "TOO MANY REQUESTS"
                                  : status == 503 ? "Service Unavailable"
                                  : status == 400 ? "Bad Request: the request was refused"
                                  : status == 413 ? "Request Entity Too Large"
                                                  : "Internal Server Error");
    resp->error_code = f.error_code;
    return 1;
}

static void not_found(const struct http_req *req, struct http_resp *resp)
{
    char path[200], msg[300];
    str_sanitize(req->path, path, sizeof path);
    snprintf(msg, sizeof msg, "no route matches %.10s %s", req->method, path);
    cas_reply_error(resp, 404, msg);
}

void cas_handle(void *ctx, const struct http_req *req, struct http_resp *resp)
{
    struct cas_app *app = ctx;
    const char *p = req->path;
    if (!strncmp(p, "/_mock/", 7) || !strcmp(p, "/_mock")) {
        if (!serveropts_admin_allowed(&app->opts, req)) {
            cas_reply_error(resp, 403, "the admin API answers loopback clients, or others with "
                                       "X-Admin-Token");
            return;
        }
        cas_admin(app, req, resp, p[6] ? p + 7 : "");
        return;
    }
    if (app->portal && portal_route(p)) {      /* pages for people: no faults */
        if (!serveropts_host_allowed(&app->opts, req))
            web_misdirected(resp);
        else
            portal_handle(app, req, resp);
        return;
    }
    /* Transport faults keep the request's own handling; the rest answer here. */
    int reject = 0;
    if (apply_fault(app, req, resp, &reject))
        return;
    char token[256];
    if (cas_token(req, token, sizeof token))
        rng_token_id(token, resp->token_id);
    if (!strcmp(p, "/api/oauth/saga") || !strcmp(p, "/api/oauth/saga/")) {
        if (!portal_saga(app, req, resp))
            cas_saga(app, req, resp);
        return;
    }
    static const char ing[] = "/api/v1/app_connectors/";
    if (!strncmp(p, ing, sizeof ing - 1)) {
        const char *q = p + sizeof ing - 1;
        char num[24];
        const char *slash = strchr(q, '/');
        size_t n = slash ? (size_t)(slash - q) : strlen(q);
        int64_t id;
        if (slash && n < sizeof num) {
            memcpy(num, q, n);
            num[n] = '\0';
            if (!parse_i64(num, 0, INT64_MAX / 2, &id)) {
                char what[32];
                snprintf(what, sizeof what, "%.31s", slash + 1);
                size_t wl = strlen(what);
                if (wl && what[wl - 1] == '/')
                    what[wl - 1] = '\0';
                if (!strcmp(what, "activities") || !strcmp(what, "entities") ||
                    !strcmp(what, "status")) {
                    cas_ingest(app, req, resp, id, what, reject);
                    return;
                }
            }
        }
        not_found(req, resp);
        return;
    }
    if (!strncmp(p, "/api/v1/", 8)) {
        cas_query(app, req, resp, p + 8);
        return;
    }
    if (!strncmp(p, "/cas/api/v1/", 12)) {
        cas_query(app, req, resp, p + 12);
        return;
    }
    not_found(req, resp);
}

void cas_done(void *ctx, const struct http_req *req, const struct http_resp *resp)
{
    struct cas_app *app = ctx;
    if (!strncmp(req->path, "/_mock", 6))
        return;
    static const char *const secret_params[] = {"code", "state", NULL};
    struct buf q;
    buf_init(&q, 16384);
    const char *query = journal_safe_text(req->query, strlen(req->query), secret_params, &q);
    const char *auth = http_header(req, "Authorization");
    const char *scheme = !auth ? "none"
                         : !strncasecmp(auth, "Token", 5) ? "Token"
                         : !strncasecmp(auth, "Bearer", 6) ? "Bearer"
                                                           : "other";
    struct journal_entry e = {
        .seq = req->seq,
        .real_ms = req->real_ms,
        .dur_ms = req->dur_ms,
        .status = resp->transport == HTTP_CLOSE ? 0 : resp->status,
        .error_code = resp->error_code,
        .path = (char *)req->path,
        .query = (char *)query,
        .user_agent = (char *)http_header(req, "User-Agent"),
        .content_type = (char *)http_header(req, "Content-Type"),
        .accept_encoding = (char *)http_header(req, "Accept-Encoding"),
        .note = resp->note[0] ? (char *)resp->note : NULL,
    };
    snprintf(e.method, sizeof e.method, "%s", req->method);
    snprintf(e.token_id, sizeof e.token_id, "%s", resp->token_id);
    snprintf(e.auth_scheme, sizeof e.auth_scheme, "%s", scheme);
    journal_add(app->journal, &e);
    buf_release(&q);
}
