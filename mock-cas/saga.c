/* saga.c - CAS's OAuth redirect endpoint, GET /api/oauth/saga.
 *
 * Every callback is recorded for the admin API (the conformance suite and
 * the portal flow read the code from there); the browser gets a short page
 * saying what happened.  The code itself never appears on the page. */
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "kit_limits.h"
#include "webpage.h"

/* 1 found (into out), 0 absent, -1 malformed. */
static int param(const struct http_req *req, const char *name, char *out, size_t cap)
{
    int r = http_query(req, name, out, cap);
    if (r <= 0)
        out[0] = '\0';
    return r;
}

void cas_saga(struct cas_app *app, const struct http_req *req, struct http_resp *resp)
{
    if (strcmp(req->method, "GET")) {
        cas_reply_error(resp, 405, "the OAuth redirect takes GET only");
        return;
    }
    char code[LIM_PARAM_VALUE], state[LIM_PARAM_VALUE], error[LIM_PARAM_VALUE],
        desc[LIM_PARAM_VALUE];
    int rc = param(req, "code", code, sizeof code), rs = param(req, "state", state, sizeof state),
        re = param(req, "error", error, sizeof error),
        rd = param(req, "error_description", desc, sizeof desc);
    struct callback_rec c = {
        .code = rc == 1 ? code : NULL,
        .state = rs == 1 ? state : NULL,
        .error = re == 1 ? error : NULL,
        .error_description = rd == 1 ? desc : NULL,
        .raw_query = strlen(req->query) <= 16384 ? req->query : NULL,
        .missing_state = rs != 1,
        .code_and_error = rc == 1 && re == 1,
        .malformed = rc < 0 || rs < 0 || re < 0 || rd < 0,
    };
    store_callback_add(app->store, &c);

    struct buf b;
    buf_init(&b, 64 * 1024);
    buf_puts(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                 "<title>Cloud App Security - Smartsheet</title></head><body>\n");
    int status = 200;
    if (c.malformed) {
        status = 400;
        buf_puts(&b, "<h1>Connection failed</h1>\n<p>The callback's query string is malformed "
                     "or too long.</p>\n");
    } else if (c.code_and_error) {
        status = 400;
        buf_puts(&b, "<h1>Connection failed</h1>\n<p>The callback carries both an authorization "
                     "code and an error; it was recorded and not used.</p>\n");
    } else if (c.error) {
        buf_puts(&b, "<h1>Smartsheet did not connect</h1>\n<p>Smartsheet answered <code>");
        web_esc(&b, error);
        buf_puts(&b, "</code>");
        if (c.error_description) {
            buf_puts(&b, ": ");
            web_esc(&b, desc);
        }
        buf_puts(&b, ".</p>\n");
    } else if (c.code) {
        buf_puts(&b, "<h1>Authorization received</h1>\n<p>Smartsheet sent an authorization code. "
                     "Return to the app connector and select Test now.</p>\n");
    } else {
        status = 400;
        buf_puts(&b, "<h1>Connection failed</h1>\n<p>The callback carries neither an "
                     "authorization code nor an error.</p>\n");
    }
    if (c.missing_state)
        buf_puts(&b, "<p>Warning: the callback has no <code>state</code>, so it cannot be tied "
                     "to a connection attempt.</p>\n");
    buf_puts(&b, "</body></html>\n");
    if (b.err) {
        buf_release(&b);
        cas_reply_error(resp, 500, "page too large");
        return;
    }
    size_t len;
    char *p = buf_take(&b, &len);
    http_resp_take(resp, status, "text/html; charset=utf-8", p, len);
}
