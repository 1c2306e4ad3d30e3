/* cas.c - the reply helpers every mock-cas handler shares (cas.h). */
#include "cas.h"

#include <cjson/cJSON.h>
#include <string.h>
#include <strings.h>

#include "jstrict.h"

void cas_reply_buf(struct http_resp *resp, int status, struct buf *b)
{
    if (b->err) {
        buf_release(b);
        cas_reply_error(resp, 500, "the answer did not fit in memory limits");
        return;
    }
    size_t len;
    char *p = buf_take(b, &len);
    http_resp_take(resp, status, "application/json", p, len);
}

void cas_reply_error(struct http_resp *resp, int status, const char *message)
{
    struct buf b;
    buf_init(&b, 4096);
    buf_puts(&b, "{\"error\":true,\"message\":");
    buf_json_str(&b, message, strlen(message));
    buf_puts(&b, "}");
    size_t len;
    char *p = buf_take(&b, &len);
    http_resp_take(resp, status, "application/json", p, len);
}

/* The value after scheme (case-insensitive) in the Authorization header. */
static int auth_value(const struct http_req *req, const char *scheme, char *out, size_t cap)
{
    const char *h = http_header(req, "Authorization");
    size_t sl = strlen(scheme);
    if (!h)
        return 0;
    while (*h == ' ')
        h++;
    if (strncasecmp(h, scheme, sl))
        return 0;
    h += sl;
    while (*h == ' ')
        h++;
    size_t n = strlen(h);
    while (n && h[n - 1] == ' ')
        n--;
    if (!n || n >= cap)
        return 0;
    memcpy(out, h, n);
    out[n] = '\0';
    return 1;
}

int cas_token(const struct http_req *req, char *out, size_t cap)
{
    return auth_value(req, "Token", out, cap);
}

int cas_credentials(const struct http_req *req, char *out, size_t cap, int *bearer)
{
    *bearer = 0;
    if (auth_value(req, "Token", out, cap))
        return 1;
    *bearer = 1;
    return auth_value(req, "Bearer ", out, cap);
}

cJSON *cas_parse_json(const char *text, size_t len)
{
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!j)
        return NULL;
    while (end && end < text + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
        end++;
    if (end != text + len) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

cJSON *cas_json_body(const struct http_req *req, struct http_resp *resp, int strict_type)
{
    if (req->body_too_large) {
        cas_reply_error(resp, 413, "the request body is larger than 16 MiB");
        return NULL;
    }
    const char *ct = http_header(req, "Content-Type");
    if (strict_type && ct && strncasecmp(ct, "application/json", 16)) {
        cas_reply_error(resp, 415, "the request body must be JSON (Content-Type: application/json)");
        return NULL;
    }
    if (!req->body_len) {
        cas_reply_error(resp, 400, "the request body is empty; JSON expected");
        return NULL;
    }
    char msg[220];
    int status = jstrict_body_refusal(req->body, req->body_len, NULL, msg, sizeof msg);
    if (status) {
        cas_reply_error(resp, status, msg);
        return NULL;
    }
    cJSON *j = cas_parse_json(req->body, req->body_len);
    if (!j) {
        cas_reply_error(resp, 400, "the request body is not valid JSON");
        return NULL;
    }
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        cas_reply_error(resp, 400, "the request body must be a JSON object");
        return NULL;
    }
    return j;
}

/* The statuses an "error" fault may answer with (admin.c validates them). */
const int cas_fault_codes[] = {400, 413, 429, 500, 502, 503, 504, 0};
