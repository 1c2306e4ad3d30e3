#include "http_client.h"

#include <stdio.h>
#include <string.h>

#include "defects.h"
#include "kit_limits.h"

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    struct buf *b = ud;
    size_t len = size * n;
    return buf_append(b, data, len) ? 0 : len;
}

int conn_http_init(struct conn_http *h, const char *ca_file, double time_scale)
{
    memset(h, 0, sizeof *h);
    h->curl = curl_easy_init();
    if (!h->curl)
        return -1;
    snprintf(h->user_agent, sizeof h->user_agent, "sscas-reference-connector/%s",
             KIT_VERSION);
    if (time_scale <= 0)
        time_scale = 1;
    /* Real-time floors: a busy CI machine still connects (a TLS handshake
     * included: under a load of six per core one took over a second) and
     * serves a 10,000-event page within these, whatever the scale. */
    h->connect_timeout_ms = (long)(10000 / time_scale);
    if (h->connect_timeout_ms < 5000)
        h->connect_timeout_ms = 5000;
    h->total_timeout_ms = (long)(120000 / time_scale);
    if (h->total_timeout_ms < 5000)
        h->total_timeout_ms = 5000;
    h->stall_seconds = (long)(30 / time_scale);
    if (h->stall_seconds < 2)
        h->stall_seconds = 2;
    CURL *c = h->curl;
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    long verify = conn_defect("no-tls-verify") ? 0L : 1L;
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, verify);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, conn_defect("no-host-verify") ? 0L : verify * 2L);
    if (ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
    curl_easy_setopt(c, CURLOPT_USERAGENT, h->user_agent);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->total_timeout_ms);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, h->stall_seconds);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)LIM_RESPONSE_BODY);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    return 0;
}

void conn_http_release(struct conn_http *h)
{
    if (h->curl)
        curl_easy_cleanup(h->curl);
    h->curl = NULL;
}

int conn_http_request(struct conn_http *h, const char *method, const char *url,
                      struct curl_slist *headers, const char *body, size_t body_len,
                      struct conn_http_resp *r)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->body, LIM_RESPONSE_BODY);
    CURL *c = h->curl;
    h->errbuf[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    if (!strcmp(method, "POST")) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? body_len : 0));
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    CURLcode cc = curl_easy_perform(c);
    if (cc != CURLE_OK) {
        r->untrusted = cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE ||
                       cc == CURLE_SSL_CERTPROBLEM || cc == CURLE_SSL_ISSUER_ERROR ||
                       cc == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
        r->too_large = cc == CURLE_FILESIZE_EXCEEDED || (cc == CURLE_WRITE_ERROR && r->body.err);
        snprintf(r->error, sizeof r->error, "%s",
                 cc == CURLE_WRITE_ERROR && r->body.err ? "response body too large"
                 : h->errbuf[0]                          ? h->errbuf
                                                         : curl_easy_strerror(cc));
        buf_release(&r->body);
        buf_init(&r->body, LIM_RESPONSE_BODY);
        return -1;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    return 0;
}

void conn_http_resp_release(struct conn_http_resp *r)
{
    buf_release(&r->body);
}
