/* sserror.h - Smartsheet's error responses.
 *
 * Every error body is {"errorCode":N,"message":"...","refId":"..."} with
 * Content-Type application/json;charset=UTF-8 and the status Smartsheet
 * uses for that code (docs: smartsheet-api-facts section 2.2).  OAuth
 * errors from /2.0/token add "error" and "error_description" (a modelled
 * assumption: the real shape is unconfirmed). */
#ifndef SS_SSERROR_H
#define SS_SSERROR_H

#include "buf.h"
#include "http.h"

#define SS_JSON "application/json;charset=UTF-8"

/* HTTP status for an errorCode (400 for unknown codes). */
int ss_error_status(int error_code);
/* The listed message for an errorCode ("{0}" placeholders filled from
 * arg0/arg1 when given). */
const char *ss_error_message(int error_code);
/* Fills resp with the standard error body; arg0/arg1 fill {0}/{1} (may be
 * NULL).  Sets resp->error_code. */
void ss_error(struct http_resp *resp, int error_code, const char *arg0, const char *arg1);
/* Same, with message text given verbatim. */
void ss_error_msg(struct http_resp *resp, int error_code, const char *message);
/* /2.0/token errors: adds "error" and "error_description". */
void ss_oauth_error(struct http_resp *resp, int error_code, const char *oauth_error,
                    const char *arg0);
/* Fills resp with a 200 JSON body taken from b (consumed). */
void ss_json_ok(struct http_resp *resp, struct buf *b);
/* Writes a fresh refId (12 lowercase alphanumerics) into out[13]. */
void ss_ref_id(char out[13]);
/* http_config.refuse: a request refused for its framing, as errorCode
 * 1008 ("Unable to parse request") with the given status. */
void ss_refuse(void *app, int status, const char *message, struct http_resp *resp);
/* Error codes a fault rule may inject. */
extern const int ss_fault_codes[];

#endif
