#include "httpc.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "kit_limits.h"

static pthread_once_t httpc_once = PTHREAD_ONCE_INIT;

static void httpc_global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct buf *b = ud;
    return buf_append(b, p, size * n) ? 0 : size * n;
}

static int verify_host = 1;

void httpc_check_host_name(int on)
{
    verify_host = on;
}

int httpc_request(const char *method, const char *url, const char *const *headers,
                  const char *body, size_t body_len, const char *ca_file,
                  struct httpc_resp *out)
{
    pthread_once(&httpc_once, httpc_global_init);
    memset(out, 0, sizeof *out);
    buf_init(&out->body, LIM_RESPONSE_BODY);
    buf_init(&out->headers, 1024 * 1024);
    CURL *h = curl_easy_init();
    if (!h) {
        snprintf(out->error, sizeof out->error, "curl_easy_init failed");
        return -1;
    }
    struct curl_slist *hl = NULL;
    for (size_t i = 0; headers && headers[i]; i++)
        hl = curl_slist_append(hl, headers[i]);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (!strcmp(method, "HEAD"))
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &out->body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &out->headers);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 60000L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, ca_file);
    if (ca_file && !verify_host)
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
    } else {
        snprintf(out->error, sizeof out->error, "%s", curl_easy_strerror(rc));
        out->status = 0;
    }
    curl_slist_free_all(hl);
    curl_easy_cleanup(h);
    if (!out->body.ptr)
        buf_append(&out->body, "", 0);
    if (!out->headers.ptr)
        buf_append(&out->headers, "", 0);
    return rc == CURLE_OK ? 0 : -1;
}

const char *httpc_resp_header(const struct httpc_resp *r, const char *name, char *out,
                              size_t cap)
{
    size_t nlen = strlen(name);
    const char *p = r->headers.ptr;
    while (p && *p) {
        const char *eol = strstr(p, "\r\n");
        size_t llen = eol ? (size_t)(eol - p) : strlen(p);
        if (llen > nlen && p[nlen] == ':' && !strncasecmp(p, name, nlen)) {
            const char *v = p + nlen + 1;
            while (*v == ' ')
                v++;
            size_t vlen = llen - (size_t)(v - p);
            if (vlen >= cap)
                vlen = cap - 1;
            memcpy(out, v, vlen);
            out[vlen] = '\0';
            return out;
        }
        if (!eol)
            break;
        p = eol + 2;
    }
    return NULL;
}

void httpc_resp_release(struct httpc_resp *r)
{
    buf_release(&r->body);
    buf_release(&r->headers);
}
