/* webpage.h - small helpers for the HTML pages the doubles serve to people
 * (Developer Tools, the CAS portal): escaping, same-origin checks on form
 * posts, sending a page with safe headers, redirects.
 *
 * Pages are built in a caller-owned struct buf; web_send takes its bytes. */
#ifndef KIT_WEBPAGE_H
#define KIT_WEBPAGE_H

#include <stddef.h>

#include "buf.h"
#include "http.h"

/* Appends s HTML-escaped (& < > " ').  NULL appends nothing. */
void web_esc(struct buf *b, const char *s);

/* Whether a state-changing request comes from a page of this server: its
 * Origin header (or, without one, its Referer) must be http(s)://<Host>.
 * A request carrying neither is refused (browsers send Origin on POST). */
int web_same_origin(const struct http_req *req);

/* Sends the page in b (taking its bytes) as text/html with no-store, a
 * Content-Security-Policy allowing only inline style and same-origin
 * scripts (forms may redirect to other origins: OAuth) and X-Frame-Options
 * DENY.  A buffer that overflowed
 * becomes a 500 page. */
void web_send(struct http_resp *resp, int status, struct buf *b);
/* web_send with another Content-Security-Policy (and no Referrer-Policy). */
void web_send_csp(struct http_resp *resp, int status, struct buf *b, const char *csp);

/* 421 Misdirected Request: the page was asked for under a Host name this
 * server does not answer to (serveropts_host_allowed), as a page of another
 * site rebound by DNS to this machine would. */
void web_misdirected(struct http_resp *resp);

/* 303 See Other to location (a path on this server or a full URL). */
void web_redirect(struct http_resp *resp, const char *location);

/* Form field name of an application/x-www-form-urlencoded POST body into
 * out.  1 found, 0 absent (or the body is not a form), -1 malformed or
 * longer than cap-1. */
int web_form(const struct http_req *req, const char *name, char *out, size_t cap);

#endif
