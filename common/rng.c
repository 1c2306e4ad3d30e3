#include "rng.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
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

int rng_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen) {
        /* still touch the bytes so timing does not depend on where they differ */
        (void)CRYPTO_memcmp(a, a, alen);
        return 0;
    }
    return CRYPTO_memcmp(a, b, alen) == 0;
}

void sha256_hex(const void *data, size_t len, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
        fputs("fatal: SHA-256 failure\n", stderr);
        abort();
    }
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
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
