/* cas.h - what mock-cas's parts share: the server state (struct cas_app)
 * and the reply helpers every handler answers with (cas.c).
 *
 * The one header below the router and the handlers, as redis's server.h:
 * app.c (routing) includes the handlers' prototypes (handlers.h), the
 * handlers and the portal (cas-portal/) include this, and this includes
 * neither of them, so the dependencies go one way. */
#ifndef CAS_CAS_H
#define CAS_CAS_H

#include <stddef.h>

#include "buf.h"
#include "fault.h"
#include "http.h"
#include "journal.h"
#include "mapping.h"
#include "ratelimit.h"
#include "serveropts.h"
#include "store.h"

struct cJSON;
struct portal;

#define CAS_REPLY_MAX (64u * 1024u * 1024u)

struct cas_app {
    struct server_opts opts;
    struct store *store;
    struct mapping map;
    struct fault_set *faults;
    struct journal *journal;
    struct ratelimit *query_rl;    /* NULL: the query API is not throttled */
    struct portal *portal;         /* the pages a person clicks (cas-portal/portal.h) */
};

/* Error codes an "error" fault may use (0-ended). */
extern const int cas_fault_codes[];

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

#endif
