#include "bearer.h"

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "rng.h"

#define CAS_AUDIENCE "05a65629-4c1b-48c1-a78b-804c4abdd4af"

/* base64url without padding of n bytes into out (cap >= 4n/3 + 4). */
static size_t b64url(const unsigned char *in, size_t n, char *out)
{
    int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
    size_t k = 0;
    for (int i = 0; i < len; i++) {
        char c = out[i];
        if (c == '=')
            break;
        out[k++] = c == '+' ? '-' : c == '/' ? '_' : c;
    }
    out[k] = '\0';
    return k;
}

/* Decodes one base64url segment of len bytes into out (cap bytes); the
 * decoded length, or -1. */
static long b64url_decode(const char *s, size_t len, unsigned char *out, size_t cap)
{
    char tmp[BEARER_MAX + 4];
    if (len == 0 || len > BEARER_MAX || len % 4 == 1)
        return -1;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return -1;
        tmp[i] = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    size_t padded = len;
    while (padded % 4)
        tmp[padded++] = '=';
    if (padded / 4 * 3 > cap)
        return -1;
    int n = EVP_DecodeBlock(out, (const unsigned char *)tmp, (int)padded);
    if (n < 0)
        return -1;
    return n - (long)(padded - len);     /* EVP_DecodeBlock counts the padding */
}

static int segment_is_object(const char *s, size_t len)
{
    unsigned char raw[BEARER_MAX];
    long n = b64url_decode(s, len, raw, sizeof raw);
    if (n <= 0)
        return 0;
    cJSON *j = cJSON_ParseWithLength((const char *)raw, (size_t)n);
    int ok = cJSON_IsObject(j);
    cJSON_Delete(j);
    return ok;
}

int bearer_well_formed(const char *tok)
{
    size_t n = tok ? strnlen(tok, BEARER_MAX + 1) : 0;
    if (n == 0 || n > BEARER_MAX)
        return 0;
    const char *d1 = memchr(tok, '.', n);
    const char *d2 = d1 ? memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - tok)) : NULL;
    if (!d2 || memchr(d2 + 1, '.', n - (size_t)(d2 + 1 - tok)))
        return 0;
    size_t sig = n - (size_t)(d2 + 1 - tok);
    unsigned char raw[BEARER_MAX];
    return segment_is_object(tok, (size_t)(d1 - tok)) &&
           segment_is_object(d1 + 1, (size_t)(d2 - d1 - 1)) &&
           b64url_decode(d2 + 1, sig, raw, sizeof raw) > 0;
}

int bearer_mint(char *out, size_t cap, long long now_s)
{
    char jti[33], claims[400];
    rng_hex(jti, 16);
    static const char header[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
    int m = snprintf(claims, sizeof claims,
                     "{\"aud\":\"" CAS_AUDIENCE "\",\"iss\":\"https://sts.windows.net/"
                     "00000000-0000-0000-0000-000000000000/\",\"iat\":%lld,\"nbf\":%lld,"
                     "\"exp\":%lld,\"roles\":[\"Investigation.read\"],\"jti\":\"%s\"}",
                     now_s, now_s, now_s + 3599, jti);
    unsigned char sig[256];
    rng_bytes(sig, sizeof sig);
    /* each part grows by 4/3; three parts, two dots, a NUL */
    size_t need = (sizeof header + (size_t)m + sizeof sig) * 4 / 3 + 16;
    if (m < 0 || (size_t)m >= sizeof claims || cap < need)
        return -1;
    size_t k = b64url((const unsigned char *)header, sizeof header - 1, out);
    out[k++] = '.';
    k += b64url((const unsigned char *)claims, (size_t)m, out + k);
    out[k++] = '.';
    b64url(sig, sizeof sig, out + k);
    return 0;
}
