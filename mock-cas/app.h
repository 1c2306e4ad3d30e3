/* app.h - the mock-cas server state and its request handlers.
 *
 * app.c routes a request to one of: the ingestion API (ingest.c), the
 * CAS-style query API (query.c), the OAuth redirect (saga.c) or the admin
 * API (admin.c).  The app owns the store, mapping, faults, journal and
 * query rate limiter; handlers share them through this struct. */
#ifndef CAS_APP_H
#define CAS_APP_H

#include <stdint.h>

#include "buf.h"
#include "fault.h"
#include "http.h"
#include "journal.h"
#include "mapping.h"
#include "../cas-portal/portal.h"
#include "ratelimit.h"
#include "serveropts.h"
#include "store.h"

#define CAS_REPLY_MAX (64u * 1024u * 1024u)

struct cas_app {
    struct server_opts opts;
    struct store *store;
    struct mapping map;
    struct fault_set *faults;
    struct journal *journal;
    struct ratelimit *query_rl;    /* NULL: the query API is not throttled */
    struct portal *portal;         /* the pages a person clicks (portal.h) */
};

/* The libmicrohttpd handler and completion hook (app is a cas_app). */
void cas_handle(void *app, const struct http_req *req, struct http_resp *resp);
void cas_done(void *app, const struct http_req *req, const struct http_resp *resp);

/* http_config.refuse: a request refused for its framing, in CAS's error
 * shape. */
void cas_refuse(void *app, int status, const char *message, struct http_resp *resp);

/* Error codes an "error" fault may use (0-ended). */
extern const int cas_fault_codes[];

/* Helpers for the handlers. */
void cas_reply_buf(struct http_resp *resp, int status, struct buf *b);  /* takes b's bytes */
void cas_reply_error(struct http_resp *resp, int status, const char *message);
/* The token of "Authorization: Token <t>" into out (cap >= 200); 1 found. */
int cas_token(const struct http_req *req, char *out, size_t cap);
/* The query API's credentials: "Token <t>" (*bearer 0) or "Bearer <t>"
 * (*bearer 1) into out; 1 found. */
int cas_credentials(const struct http_req *req, char *out, size_t cap, int *bearer);
/* Parses exactly text[0..len) as JSON (trailing bytes other than white
 * space refused); NULL when it is not. */
struct cJSON *cas_parse_json(const char *text, size_t len);
/* Parses a JSON request body; on failure answers 400/413/415 and returns
 * NULL.  strict_type: refuse a Content-Type other than application/json
 * (the service API); the admin API takes any (curl -d sends a form type). */
struct cJSON *cas_json_body(const struct http_req *req, struct http_resp *resp, int strict_type);

/* reject_last: a fault "reject" fired, the batch's last activity is
 * rejected whatever it holds. */
void cas_ingest(struct cas_app *app, const struct http_req *req, struct http_resp *resp,
                int64_t instance, const char *what, int reject_last);
void cas_query(struct cas_app *app, const struct http_req *req, struct http_resp *resp,
               const char *rest);
void cas_saga(struct cas_app *app, const struct http_req *req, struct http_resp *resp);
void cas_admin(struct cas_app *app, const struct http_req *req, struct http_resp *resp,
               const char *rest);

#endif
