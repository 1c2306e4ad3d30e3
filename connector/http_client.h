/* http_client.h - the connector's HTTP client: one libcurl easy handle per
 * service, reused for keep-alive; gzip accepted; connect and transfer
 * timeouts; a stalled response is abandoned; bodies capped at
 * LIM_RESPONSE_BODY; TLS verification always on; redirects never followed.
 * The handle and its buffers belong to struct conn_http. */
#ifndef CONN_HTTP_CLIENT_H
#define CONN_HTTP_CLIENT_H

#include <stddef.h>

#include <curl/curl.h>

#include "buf.h"

struct conn_http {
    CURL *curl;                         /* private */
    char errbuf[CURL_ERROR_SIZE];       /* must outlive the handle */
    char user_agent[64];
    long connect_timeout_ms;
    long total_timeout_ms;
    long stall_seconds;
};

struct conn_http_resp {
    long status;          /* 0 when no HTTP answer arrived */
    struct buf body;
    char error[256];      /* transport error (no secrets: URLs carry none) */
    int untrusted;        /* the failure was TLS verification: never retry */
    int too_large;        /* the failure was a body over LIM_RESPONSE_BODY */
};

/* Sets up a handle; ca_file may be NULL.  time_scale shortens timeouts
 * (never below a floor that a loaded machine still meets).  Returns 0 or
 * -1 when libcurl cannot start. */
int conn_http_init(struct conn_http *h, const char *ca_file, double time_scale);
void conn_http_release(struct conn_http *h);

/* One request.  method "GET" or "POST"; headers a curl list (borrowed);
 * body may be NULL for GET.  Fills *r (the caller releases r->body with
 * conn_http_resp_release).  Returns 0 when an HTTP answer arrived in full
 * (any status), -1 on a transport failure (reset, timeout, truncation,
 * oversized body) with r->error set. */
int conn_http_request(struct conn_http *h, const char *method, const char *url,
                      struct curl_slist *headers, const char *body, size_t body_len,
                      struct conn_http_resp *r);
void conn_http_resp_release(struct conn_http_resp *r);

#endif
