/* app.h - mock-cas's router: the libmicrohttpd handler that sends a request
 * to the portal's pages (cas-portal/), the ingestion API, the CAS-style
 * query API, the OAuth redirect or the admin API (handlers.h), after the
 * faults, and journals it.  The state it routes with is struct cas_app
 * (cas.h); main.c and the fuzz harness set one up and pass it as app. */
#ifndef CAS_APP_H
#define CAS_APP_H

#include "cas.h"

/* The libmicrohttpd handler and completion hook (app is a cas_app). */
void cas_handle(void *app, const struct http_req *req, struct http_resp *resp);
void cas_done(void *app, const struct http_req *req, const struct http_resp *resp);

/* http_config.refuse: a request refused for its framing, in CAS's error
 * shape. */
void cas_refuse(void *app, int status, const char *message, struct http_resp *resp);

#endif
