#include "rng.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rng_bytes(void *out, size_t n)
{
    if (n && RAND_bytes(out, (int)n) != 1) {
        fputs("fatal: CSPRNG failure\n", stderr);
        abort();
    }
}

void rng_hex(char *out, size_t nbytes)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[64];
    size_t done = 0;
    while (done < nbytes) {
        size_t n = nbytes - done < sizeof raw ? nbytes - done : sizeof raw;
        rng_bytes(raw, n);
        for (size_t i = 0; i < n; i++) {
            out[2 * (done + i)] = hex[raw[i] >> 4];
            out[2 * (done + i) + 1] = hex[raw[i] & 15];
        }
        done += n;
    }
    out[2 * nbytes] = '\0';
}

void rng_token(char *out, size_t n)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    size_t i = 0;
    while (i < n) {
        unsigned char raw[64];
        rng_bytes(raw, sizeof raw);
        for (size_t k = 0; k < sizeof raw && i < n; k++)
            if (raw[k] < 252)    /* 252 = 7 * 36: rejection keeps it uniform */
                out[i++] = alphabet[raw[k] % 36];
    }
    out[n] = '\0';
}

/* Constant time: every byte is read and the differences only OR-ed; the
 * empty asm keeps the compiler from reasoning about the accumulator (and
 * so from stopping early).  Eight bytes a step: this runs on every API
 * request (token store keys). */
static int ct_equal(const char *a, const char *b, size_t n)
{
    uint64_t diff = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        diff |= x ^ y;
        __asm__("" : "+r"(diff));
    }
    for (; i < n; i++) {
        diff |= (uint64_t)(unsigned char)(a[i] ^ b[i]);
        __asm__("" : "+r"(diff));
    }
    return diff == 0;
}

int rng_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    /* lengths are not secret (every token kind has a fixed, documented
     * length); the contents are */
    return alen == blen && ct_equal(a, b, alen);
}

/* SHA-256 runs on every API request (the token store is keyed by the
 * token's hash), so the digest is fetched once and each thread keeps its
 * own context instead of EVP_Digest's implicit fetch and allocation. */
static EVP_MD *sha256_md;
static pthread_key_t sha256_ctx_key;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_ctx_free(void *ctx)
{
    EVP_MD_CTX_free(ctx);
}

static void sha256_init(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (!sha256_md || pthread_key_create(&sha256_ctx_key, sha256_ctx_free)) {
        fputs("fatal: SHA-256 unavailable\n", stderr);
        abort();
    }
}

static void sha256_fail(void)
{
    fputs("fatal: SHA-256 failure\n", stderr);
    abort();
}

void sha256_hex(const void *data, size_t len, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    pthread_once(&sha256_once, sha256_init);
    EVP_MD_CTX *ctx = pthread_getspecific(sha256_ctx_key);
    if (!ctx) {
        ctx = EVP_MD_CTX_new();
        if (!ctx || pthread_setspecific(sha256_ctx_key, ctx))
            sha256_fail();
    }
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (EVP_DigestInit_ex2(ctx, sha256_md, NULL) != 1 || EVP_DigestUpdate(ctx, data, len) != 1 ||
        EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32)
        sha256_fail();
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

struct sha256_memo {
    size_t len;                    /* 0: empty */
    char data[SHA256_MEMO_MAX];
    char hex[65];
};

struct sha256_memo *sha256_memo_new(void)
{
    struct sha256_memo *m = malloc(sizeof *m);
    if (!m) {
        fputs("fatal: out of memory\n", stderr);
        abort();
    }
    m->len = 0;
    return m;
}

void sha256_memo_free(void *memo)
{
    if (!memo)
        return;
    OPENSSL_cleanse(memo, sizeof(struct sha256_memo));
    free(memo);
}

void sha256_memo_hex(struct sha256_memo *m, const char *data, size_t len, char out[65])
{
    if (m && m->len && rng_equal(data, len, m->data, m->len)) {
        memcpy(out, m->hex, 65);
        return;
    }
    sha256_hex(data, len, out);
    if (!m || !len || len > SHA256_MEMO_MAX)
        return;
    OPENSSL_cleanse(m->data, sizeof m->data);
    memcpy(m->data, data, len);
    m->len = len;
    memcpy(m->hex, out, 65);
}

void rng_token_id(const char *token, char out[9])
{
    char h[65];
    sha256_hex(token, strlen(token), h);
    memcpy(out, h, 8);
    out[8] = '\0';
}

void prng_seed(struct prng *p, uint64_t seed)
{
    p->s = seed;
}

uint64_t prng_next(struct prng *p)
{
    uint64_t z = (p->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

double prng_unit(struct prng *p)
{
    return (double)(prng_next(p) >> 11) / 9007199254740992.0;
}
