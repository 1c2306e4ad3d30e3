/* app.c - routing, shared reply helpers, faults and the request journal. */
#include "app.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dclock.h"
#include "fault_http.h"
#include "jstrict.h"
#include "log.h"
#include "rng.h"
#include "strutil.h"
#include "webpage.h"

void cas_reply_buf(struct http_resp *resp, int status, struct buf *b)
{
    if (b->err) {
        buf_release(b);
        cas_reply_error(resp, 500, "the answer did not fit in memory limits");
        return;
    }
    size_t len;
    char *p = buf_take(b, &len);
    http_resp_take(resp, status, "application/json", p, len);
}

void cas_reply_error(struct http_resp *resp, int status, const char *message)
{
    struct buf b;
    buf_init(&b, 4096);
    buf_puts(&b, "{\"error\":true,\"message\":");
    buf_json_str(&b, message, strlen(message));
    buf_puts(&b, "}");
    size_t len;
    char *p = buf_take(&b, &len);
    http_resp_take(resp, status, "application/json", p, len);
}

/* The value after scheme (case-insensitive) in the Authorization header. */
static int auth_value(const struct http_req *req, const char *scheme, char *out, size_t cap)
{
    const char *h = http_header(req, "Authorization");
    size_t sl = strlen(scheme);
    if (!h)
        return 0;
    while (*h == ' ')
        h++;
    if (strncasecmp(h, scheme, sl))
        return 0;
    h += sl;
    while (*h == ' ')
        h++;
    size_t n = strlen(h);
    while (n && h[n - 1] == ' ')
        n--;
    if (!n || n >= cap)
        return 0;
    memcpy(out, h, n);
    out[n] = '\0';
    return 1;
}

int cas_token(const struct http_req *req, char *out, size_t cap)
{
    return auth_value(req, "Token", out, cap);
}

int cas_credentials(const struct http_req *req, char *out, size_t cap, int *bearer)
{
    *bearer = 0;
    if (auth_value(req, "Token", out, cap))
        return 1;
    *bearer = 1;
    return auth_value(req, "Bearer ", out, cap);
}

cJSON *cas_parse_json(const char *text, size_t len)
{
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!j)
        return NULL;
    while (end && end < text + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
        end++;
    if (end != text + len) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

cJSON *cas_json_body(const struct http_req *req, struct http_resp *resp, int strict_type)
{
    if (req->body_too_large) {
        cas_reply_error(resp, 413, "the request body is larger than 16 MiB");
        return NULL;
    }
    const char *ct = http_header(req, "Content-Type");
    if (strict_type && ct && strncasecmp(ct, "application/json", 16)) {
        cas_reply_error(resp, 415, "the request body must be JSON (Content-Type: application/json)");
        return NULL;
    }
    if (!req->body_len) {
        cas_reply_error(resp, 400, "the request body is empty; JSON expected");
        return NULL;
    }
    char msg[220];
    int status = jstrict_body_refusal(req->body, req->body_len, NULL, msg, sizeof msg);
    if (status) {
        cas_reply_error(resp, status, msg);
        return NULL;
    }
    cJSON *j = cas_parse_json(req->body, req->body_len);
    if (!j) {
        cas_reply_error(resp, 400, "the request body is not valid JSON");
        return NULL;
    }
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        cas_reply_error(resp, 400, "the request body must be a JSON object");
        return NULL;
    }
    return j;
}

void cas_refuse(void *app, int status, const char *message, struct http_resp *resp)
{
    (void)app;
    cas_reply_error(resp, status, message);
}

const int cas_fault_codes[] = {400, 413, 429, 500, 502, 503, 504, 0};

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
