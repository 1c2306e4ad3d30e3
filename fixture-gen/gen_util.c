/* gen_util.c - small deterministic helpers: bounded random integers,
 * url-safe base64 and stream positions. */
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

/* Same check as mock-smartsheet's positions (splitmix64 finaliser). */
static uint32_t pos_check(uint64_t index)
{
    uint64_t z = index ^ 0x5353504f53763231ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (uint32_t)z;
}

void gen_stream_pos(uint64_t index, char out[21])
{
    unsigned char raw[12];
    uint32_t check = pos_check(index);
    for (int i = 0; i < 8; i++)
        raw[i] = (unsigned char)(index >> (56 - 8 * i));
    for (int i = 0; i < 4; i++)
        raw[8 + i] = (unsigned char)(check >> (24 - 8 * i));
    memcpy(out, "2.1.", 4);
    gen_b64url(raw, sizeof raw, out + 4, 16);
}
