/* handlers.h - mock-cas's request handlers, one file each, called by the
 * router (app.c): the ingestion API (ingest.c), the CAS-style query API
 * (query.c), the OAuth redirect (saga.c, also called by the portal) and the
 * admin API (admin.c).  They share the state and reply helpers of cas.h. */
#ifndef CAS_HANDLERS_H
#define CAS_HANDLERS_H

#include <stdint.h>

#include "cas.h"

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
