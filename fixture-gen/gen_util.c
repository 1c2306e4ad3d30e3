/* gen_util.c - small deterministic helpers: bounded random integers,
 * url-safe base64. */
#include "gen.h"

#include <string.h>

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

uint64_t gen_below(struct prng *p, uint64_t n)
{
    return n ? prng_next(p) % n : 0;
}

void gen_b64url(const unsigned char *raw, size_t len, char *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t bit = i * 6, byte = bit / 8, shift = bit % 8;
        unsigned v = (unsigned)(byte < len ? raw[byte] : 0) << 8 |
                     (byte + 1 < len ? raw[byte + 1] : 0);
        out[i] = b64url[(v >> (10 - shift)) & 63];
    }
    out[n] = '\0';
}
