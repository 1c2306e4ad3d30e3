#include "sspos.h"

#include <string.h>

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* A fixed mix (splitmix64 finaliser) so the check depends on every bit. */
static uint32_t pos_check(uint64_t index)
{
    uint64_t z = index ^ 0x5353504f53763231ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (uint32_t)z;
}

void sspos_encode(uint64_t index, char out[SSPOS_LEN + 1])
{
    unsigned char raw[12];
    uint32_t check = pos_check(index);
    for (int i = 0; i < 8; i++)
        raw[i] = (unsigned char)(index >> (56 - 8 * i));
    for (int i = 0; i < 4; i++)
        raw[8 + i] = (unsigned char)(check >> (24 - 8 * i));
    memcpy(out, "2.1.", 4);
    char *o = out + 4;
    for (int i = 0; i < 12; i += 3) {
        uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];
        *o++ = b64url[(v >> 18) & 63];
        *o++ = b64url[(v >> 12) & 63];
        *o++ = b64url[(v >> 6) & 63];
        *o++ = b64url[v & 63];
    }
    *o = '\0';
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
    unsigned char raw[12];
    const char *in = s + 4;
    for (int i = 0; i < 12; i += 3) {
        uint32_t v = 0;
        for (int k = 0; k < 4; k++) {
            int d = b64_value(*in++);
            if (d < 0)
                return -1;
            v = v << 6 | (uint32_t)d;
        }
        raw[i] = (unsigned char)(v >> 16);
        raw[i + 1] = (unsigned char)(v >> 8);
        raw[i + 2] = (unsigned char)v;
    }
    uint64_t idx = 0;
    uint32_t check = 0;
    for (int i = 0; i < 8; i++)
        idx = idx << 8 | raw[i];
    for (int i = 0; i < 4; i++)
        check = check << 8 | raw[8 + i];
    if (check != pos_check(idx))
        return -1;
    *index = idx;
    return 0;
}
