/* cas.h - delivery to the CAS ingestion API (docs/cas-ingestion-api.md):
 * entities, activities and status, with retries and backoff on 429, 5xx
 * and broken connections within a total budget. */
#ifndef CONN_CAS_H
#define CONN_CAS_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "ctx.h"

/* POST <base>/<what>/ with a JSON body.  Returns CONN_OK and the parsed
 * answer in *answer (caller frees; may be NULL if answer is NULL),
 * CONN_ERR_TRANSIENT when retries ran out or a stop was requested, or
 * CONN_ERR_OTHER for a refusal (401/403/4xx; logged). */
enum conn_rc conn_cas_post(struct conn_ctx *x, const char *what, const char *body, size_t len,
                           cJSON **answer);
/* The same on a caller's own connection h (another thread may use x's),
 * counting into *requests and *wait_ms; x is only read. */
enum conn_rc conn_cas_post_on(const struct conn_ctx *x, struct conn_http *h, uint64_t *requests,
                              int64_t *wait_ms, const char *what, const char *body, size_t len,
                              cJSON **answer);
/* Reports the connection status; stage and message may be NULL for
 * "connected".  Failures are logged, never fatal. */
void conn_cas_status(struct conn_ctx *x, const char *status, const char *stage,
                     const char *message);

#endif
