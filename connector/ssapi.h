/* ssapi.h - calls to the Smartsheet API with everything a polite client
 * does: the request budget, bearer token refreshed before it runs out and
 * on errorCode 1003, backoff with jitter on 429/4003 (and a lowered own
 * limit when 429s repeat), retries on 5xx, 4001/4002/4004, broken
 * connections, malformed bodies and timeouts, within a total budget. */
#ifndef CONN_SSAPI_H
#define CONN_SSAPI_H

#include <cjson/cJSON.h>

#include "buf.h"
#include "ctx.h"

struct conn_ss_answer {
    long status;           /* HTTP status of the final answer */
    int error_code;        /* Smartsheet errorCode, 0 when none */
    char message[200];     /* its message, sanitised */
    struct buf body;       /* the raw body (200 only) */
    cJSON *json;           /* the parsed body (200 only) */
    int too_large;         /* CONN_ERR_OTHER: the answer passed LIM_RESPONSE_BODY */
};

/* GET <smartsheet_api_url>/<path_query>.  Returns CONN_OK with a 200
 * answer in *a; CONN_ERR_OTHER with a->status/error_code/message for a
 * final non-retryable error; CONN_ERR_AUTH when the connection must be
 * re-authorised (already reported to CAS); CONN_ERR_TRANSIENT when the
 * retry budget ran out or a stop was requested.  The caller releases a. */
enum conn_rc conn_ss_get(struct conn_ctx *x, const char *path_query, struct conn_ss_answer *a);
void conn_ss_answer_release(struct conn_ss_answer *a);

/* POST <api>/token with form (already encoded, holding the hash and no
 * secret); on 200 the tokens are saved before anything else happens.
 * refresh says whether this is a refresh (refusal: reconnect needed) or a
 * code exchange (never retried: a code is used at most once).  Returns
 * CONN_OK, CONN_ERR_AUTH (refused; logged), CONN_ERR_TRANSIENT or
 * CONN_ERR_OTHER. */
enum conn_rc conn_ss_token(struct conn_ctx *x, const char *form, int refresh);
/* Refreshes the access token now. */
enum conn_rc conn_ss_refresh(struct conn_ctx *x);
/* Marks the connection as needing re-authorisation: reports status error
 * (stage Authorize, a message with "reconnect") to CAS, forgets tokens. */
void conn_ss_need_reconnect(struct conn_ctx *x, const char *why);

#endif
