/* webpage.c - see webpage.h. */
#include "webpage.h"

#include <string.h>
#include <strings.h>

#include "strutil.h"

void web_esc(struct buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': buf_puts(b, "&amp;"); break;
        case '<': buf_puts(b, "&lt;"); break;
        case '>': buf_puts(b, "&gt;"); break;
        case '"': buf_puts(b, "&quot;"); break;
        case '\'': buf_puts(b, "&#39;"); break;
        default: buf_append(b, s, 1); break;
        }
    }
}

/* Whether url starts with scheme://host and then ends or goes on with '/'. */
static int origin_matches(const char *url, const char *host)
{
    size_t skip;
    if (!strncasecmp(url, "http://", 7))
        skip = 7;
    else if (!strncasecmp(url, "https://", 8))
        skip = 8;
    else
        return 0;
    size_t hl = strlen(host);
    if (strncasecmp(url + skip, host, hl))
        return 0;
    char next = url[skip + hl];
    return next == '\0' || next == '/';
}

int web_same_origin(const struct http_req *req)
{
    const char *host = http_header(req, "Host");
    if (!host || !*host || strchr(host, '/'))
        return 0;
    const char *origin = http_header(req, "Origin");
    if (origin)
        return origin_matches(origin, host);
    const char *referer = http_header(req, "Referer");
    return referer && origin_matches(referer, host);
}

/* Sends the page; 0, or -1 when it was too large (a 500 was sent). */
static int send_page(struct http_resp *resp, int status, struct buf *b, const char *csp)
{
    if (b->err) {
        buf_release(b);
        static const char msg[] = "<!DOCTYPE html><title>Error</title><p>The page is too large.</p>";
        http_resp_static(resp, 500, "text/html;charset=UTF-8", msg, sizeof msg - 1);
        return -1;
    }
    size_t len = 0;
    char *body = buf_take(b, &len);
    http_resp_take(resp, status, "text/html;charset=UTF-8", body, len);
    http_resp_header(resp, "Cache-Control", "no-store");
    http_resp_header(resp, "X-Frame-Options", "DENY");
    http_resp_header(resp, "Content-Security-Policy", csp);
    return 0;
}

void web_send_csp(struct http_resp *resp, int status, struct buf *b, const char *csp)
{
    (void)send_page(resp, status, b, csp);
}

void web_send(struct http_resp *resp, int status, struct buf *b)
{
    if (send_page(resp, status, b,
                  "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; "
                  "img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'") == 0)
        http_resp_header(resp, "Referrer-Policy", "same-origin");
}

void web_misdirected(struct http_resp *resp)
{
    static const char msg[] =
        "<!DOCTYPE html><title>Misdirected request</title><p>This server answers to "
        "127.0.0.1, localhost, [::1] and its --listen address with its port, and to the "
        "names given with --allow-host; the request's Host header names none of them.</p>";
    http_resp_static(resp, 421, "text/html;charset=UTF-8", msg, sizeof msg - 1);
    http_resp_header(resp, "Cache-Control", "no-store");
}

void web_redirect(struct http_resp *resp, const char *location)
{
    static const char msg[] = "See other.\n";
    http_resp_static(resp, 303, "text/plain;charset=UTF-8", msg, sizeof msg - 1);
    http_resp_header(resp, "Location", location);
    http_resp_header(resp, "Cache-Control", "no-store");
}

int web_form(const struct http_req *req, const char *name, char *out, size_t cap)
{
    out[0] = '\0';
    const char *ct = http_header(req, "Content-Type");
    if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33))
        return 0;
    int r = form_get(req->body, req->body_len, name, out, cap);
    if (r <= 0)
        out[0] = '\0';
    return r;
}
