#include "sspos.h"

#include <string.h>

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* A fixed mix (splitmix64 finaliser) so the check depends on every bit;
 * round selects one of three independent 64-bit words. */
static uint64_t pos_check(uint64_t index, unsigned round)
{
    uint64_t z = index ^ 0x5353504f53763231ull ^ (0x9e3779b97f4a7c15ull * round);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return z;
}

/* 32 raw bytes: the index, then three check words, all big-endian. */
#define RAW_LEN 32

static void pos_raw(uint64_t index, unsigned char raw[RAW_LEN])
{
    for (unsigned w = 0; w < 4; w++) {
        uint64_t v = w ? pos_check(index, w) : index;
        for (int i = 0; i < 8; i++)
            raw[8 * w + (unsigned)i] = (unsigned char)(v >> (56 - 8 * i));
    }
}

void sspos_encode(uint64_t index, char out[SSPOS_LEN + 1])
{
    unsigned char raw[RAW_LEN];
    pos_raw(index, raw);
    memcpy(out, "2.1.", 4);
    /* 6 bits a character; the last character holds the final 4 bits. */
    for (size_t i = 0; i < SSPOS_LEN - 4; i++) {
        size_t bit = i * 6, byte = bit / 8, shift = bit % 8;
        unsigned v = (unsigned)raw[byte] << 8 | (byte + 1 < RAW_LEN ? raw[byte + 1] : 0);
        out[4 + i] = b64url[(v >> (10 - shift)) & 63];
    }
    out[SSPOS_LEN] = '\0';
}

static int b64_value(char c)
{
    const char *p = c ? strchr(b64url, c) : NULL;
    return p ? (int)(p - b64url) : -1;
}

int sspos_decode(const char *s, uint64_t *index)
{
    if (!s || strlen(s) != SSPOS_LEN || memcmp(s, "2.1.", 4) != 0)
        return -1;
    uint64_t idx = 0;
    const char *in = s + 4;
    for (int i = 0; i < 11; i++) {          /* 66 bits: the index and 2 of the check */
        int d = b64_value(in[i]);
        if (d < 0)
            return -1;
        if (i < 10)
            idx = idx << 6 | (uint64_t)d;
        else
            idx = idx << 4 | (uint64_t)(d >> 2);
    }
    /* Unique encodings: the whole text must be what this index encodes. */
    char again[SSPOS_LEN + 1];
    sspos_encode(idx, again);
    if (memcmp(again, s, SSPOS_LEN) != 0)
        return -1;
    *index = idx;
    return 0;
}
