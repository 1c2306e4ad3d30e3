/* httpc.h - a small blocking HTTP client (libcurl) for tests, the
 * conformance suite and tools.  Not used by the connector, which has its
 * own tuned client.
 *
 * One call, one request, a fresh handle: simple over fast. */
#ifndef KIT_HTTPC_H
#define KIT_HTTPC_H

#include <stddef.h>

#include "buf.h"

struct httpc_resp {
    long status;             /* 0 when the request failed at transport level */
    struct buf body;         /* decoded body (gzip handled) */
    struct buf headers;      /* raw response header lines */
    char error[256];         /* transport error text */
};

/* method: "GET", "POST", ...  headers: NULL-ended array of "Name: value".
 * body may be NULL.  ca_file: PEM bundle for https, or NULL.  Returns 0
 * when an HTTP response arrived (any status), -1 otherwise. */
int httpc_request(const char *method, const char *url, const char *const *headers,
                  const char *body, size_t body_len, const char *ca_file,
                  struct httpc_resp *out);
/* Returns the value of response header name (case-insensitive) copied into
 * out, or NULL. */
const char *httpc_resp_header(const struct httpc_resp *r, const char *name, char *out,
                              size_t cap);
void httpc_resp_release(struct httpc_resp *r);
/* Whether https requests check that the certificate names the host (on by
 * default; the chain is always verified).  Off only for a test's own
 * calls to a server that presents another host's certificate on purpose.
 * Process-wide, not thread-safe. */
void httpc_check_host_name(int on);

#endif
