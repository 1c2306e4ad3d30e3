#include "callback.h"

#include <stdio.h>
#include <string.h>

#include "strutil.h"

#define CALLBACK_MAX_PARAMS 256

static int take_param(const char *name, const char *v, size_t vlen, char *out, size_t cap,
                      int *seen, char *err, size_t errlen)
{
    if (*seen) {
        snprintf(err, errlen, "callback URL repeats parameter '%s'", name);
        return -1;
    }
    if (url_decode(v, vlen, out, cap) < 0) {
        snprintf(err, errlen, "callback URL parameter '%s' is malformed or too long", name);
        return -1;
    }
    *seen = 1;
    return 0;
}

int conn_callback_parse(const char *url, struct conn_callback *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    size_t len = strnlen(url, CALLBACK_MAX_URL);
    if (len >= CALLBACK_MAX_URL) {
        snprintf(err, errlen, "callback URL is longer than %u bytes", CALLBACK_MAX_URL - 1);
        return -1;
    }
    if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) {
        snprintf(err, errlen, "callback URL must start with http:// or https://");
        return -1;
    }
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f) {
            snprintf(err, errlen, "callback URL contains a space or control character");
            return -1;
        }
    const char *q = memchr(url, '?', len);
    const char *hash = memchr(url, '#', len);
    if (hash && (!q || hash < q))
        q = NULL;
    size_t base_len = q ? (size_t)(q - url) : hash ? (size_t)(hash - url) : len;
    memcpy(out->base, url, base_len);
    out->base[base_len] = '\0';
    if (!q) {
        snprintf(err, errlen, "callback URL has no query (no code, state or error)");
        return -1;
    }
    const char *p = q + 1;
    const char *end = hash && hash > q ? hash : url + len;
    int n = 0;
    int seen_desc = 0;
    while (p < end) {
        if (++n > CALLBACK_MAX_PARAMS) {
            snprintf(err, errlen, "callback URL has more than %d parameters",
                     CALLBACK_MAX_PARAMS);
            return -1;
        }
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *pe = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(pe - p));
        const char *ne = eq ? eq : pe;
        const char *v = eq ? eq + 1 : pe;
        size_t vlen = (size_t)(pe - v);
        char name[64];
        if (ne > p && url_decode(p, (size_t)(ne - p), name, sizeof name) < 0) {
            snprintf(err, errlen, "callback URL has a malformed parameter name");
            return -1;
        }
        if (ne == p)
            name[0] = '\0';
        int r = 0;
        if (!strcmp(name, "code"))
            r = take_param("code", v, vlen, out->code, sizeof out->code, &out->has_code, err,
                           errlen);
        else if (!strcmp(name, "state"))
            r = take_param("state", v, vlen, out->state, sizeof out->state, &out->has_state,
                           err, errlen);
        else if (!strcmp(name, "error"))
            r = take_param("error", v, vlen, out->error, sizeof out->error, &out->has_error,
                           err, errlen);
        else if (!strcmp(name, "error_description"))
            r = take_param("error_description", v, vlen, out->error_description,
                           sizeof out->error_description, &seen_desc, err, errlen);
        if (r)
            return -1;
        p = pe + 1;
    }
    if (out->has_code && !out->code[0])
        out->has_code = 0;
    if (out->has_state && !out->state[0])
        out->has_state = 0;
    if (out->has_error && !out->error[0])
        snprintf(out->error, sizeof out->error, "unspecified");
    return 0;
}

int conn_callback_base_matches(const char *base, const char *redirect_url)
{
    size_t a = strlen(base), b = strlen(redirect_url);
    while (a > 0 && base[a - 1] == '/')
        a--;
    while (b > 0 && redirect_url[b - 1] == '/')
        b--;
    return a == b && !strncmp(base, redirect_url, a);
}
