#include "sserror.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "rng.h"

struct ss_code {
    int code;
    int status;
    const char *message;
};

/* From Smartsheet's published error code list. */
static const struct ss_code ss_codes[] = {
    {1001, 401, "An Access Token is required."},
    {1002, 401, "Your Access Token is invalid."},
    {1003, 401, "Your Access Token has expired."},
    {1004, 403, "You are not authorized to perform this action."},
    {1006, 404, "Not Found."},
    {1008, 400, "Unable to parse request. The following error occurred: {0}"},
    {1009, 400, "A required parameter is missing from your request: {0}."},
    {1010, 405, "HTTP Method not supported."},
    {1013, 403, "The operation you are attempting to perform is not supported by your plan."},
    {1018, 400, "The value {0} was not valid for the parameter {1}."},
    {1020, 404, "User not found."},
    {1067, 401, "Invalid client_id"},
    {1068, 400, "Unsupported grant type."},
    {1069, 400, "Invalid Request. The authorization_code has expired."},
    {1070, 400, "Invalid Request. Required parameter is missing: {0}."},
    {1071, 400, "Invalid Grant. The authorization code or refresh token provided was invalid."},
    {1072, 400, "Invalid hash value. The hash provided did not match the expected value."},
    {1073, 400, "The redirect_uri did not match the expected value."},
    {1122, 405, "Requested URL does not support this method: {0}."},
    {1132, 400, "The token provided has previously been revoked."},
    {1227, 400, "The query parameters '{0}' and '{1}' are mutually exclusive. Only one may be set."},
    {1228, 400, "You must specify one of the following query parameters: '{0}' or '{1}'."},
    {1229, 400, "The value '{0}' was not valid for the parameter '{1}'."},
    {1236, 400, "OAuth missing client auth."},
    {1237, 400, "OAuth redundant client auth."},
    {1238, 400, "OAuth invalid secret."},
    {4000, 500, "An unexpected error has occurred. Please contact api@smartsheet.com for assistance."},
    {4001, 503, "Smartsheet.com is currently offline for system maintenance. Please check back again shortly."},
    {4002, 500, "Server timeout exceeded. Request has failed."},
    {4003, 429, "Rate limit exceeded."},
    {4004, 500, "An unexpected error has occurred. Please retry your request. If you encounter "
                "this error repeatedly, please contact api@smartsheet.com for assistance."},
};

const int ss_fault_codes[] = {1002, 1003, 1004, 1006, 4000, 4001, 4002, 4003, 4004, 0};

static const struct ss_code *find_code(int code)
{
    for (size_t i = 0; i < sizeof ss_codes / sizeof ss_codes[0]; i++)
        if (ss_codes[i].code == code)
            return &ss_codes[i];
    return NULL;
}

int ss_error_status(int error_code)
{
    const struct ss_code *c = find_code(error_code);
    return c ? c->status : 400;
}

const char *ss_error_message(int error_code)
{
    const struct ss_code *c = find_code(error_code);
    return c ? c->message : "An unexpected error has occurred.";
}

void ss_ref_id(char out[13])
{
    rng_token(out, 12);
}

/* Fills "{0}" and "{1}" in template. */
static void fill_message(struct buf *b, const char *tmpl, const char *arg0, const char *arg1)
{
    for (const char *p = tmpl; *p; p++) {
        if (p[0] == '{' && (p[1] == '0' || p[1] == '1') && p[2] == '}') {
            const char *a = p[1] == '0' ? arg0 : arg1;
            buf_puts(b, a ? a : "");
            p += 2;
        } else {
            buf_append(b, p, 1);
        }
    }
}

static void error_body(struct http_resp *resp, int error_code, const char *message,
                       const char *oauth_error)
{
    char ref[13];
    ss_ref_id(ref);
    struct buf b;
    buf_init(&b, 8192);
    buf_printf(&b, "{\"errorCode\":%d,\"message\":", error_code);
    buf_json_str(&b, message, strlen(message));
    buf_printf(&b, ",\"refId\":\"%s\"", ref);
    if (oauth_error) {
        buf_puts(&b, ",\"error\":");
        buf_json_str(&b, oauth_error, strlen(oauth_error));
        buf_puts(&b, ",\"error_description\":");
        buf_json_str(&b, message, strlen(message));
    }
    buf_puts(&b, "}");
    size_t len = 0;
    char *body = buf_take(&b, &len);
    http_resp_take(resp, ss_error_status(error_code), SS_JSON, body, len);
    resp->error_code = error_code;
}

void ss_error_msg(struct http_resp *resp, int error_code, const char *message)
{
    error_body(resp, error_code, message, NULL);
}

void ss_error(struct http_resp *resp, int error_code, const char *arg0, const char *arg1)
{
    struct buf m;
    buf_init(&m, 2048);
    fill_message(&m, ss_error_message(error_code), arg0, arg1);
    error_body(resp, error_code, m.ptr ? m.ptr : "", NULL);
    buf_release(&m);
}

void ss_oauth_error(struct http_resp *resp, int error_code, const char *oauth_error,
                    const char *arg0)
{
    struct buf m;
    buf_init(&m, 2048);
    fill_message(&m, ss_error_message(error_code), arg0, NULL);
    error_body(resp, error_code, m.ptr ? m.ptr : "", oauth_error);
    buf_release(&m);
}

void ss_json_ok(struct http_resp *resp, struct buf *b)
{
    size_t len = 0;
    char *body = buf_take(b, &len);
    http_resp_take(resp, 200, SS_JSON, body, len);
    resp->gzip_ok = 1;
}

void ss_refuse(void *app, int status, const char *message, struct http_resp *resp)
{
    (void)app;
    ss_error(resp, 1008, message, NULL);
    resp->status = status;
}
