/* pseudo.c - consistent pseudonyms keyed by a per-run secret salt. */
#include "pseudo.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "rng.h"

#define ID_BASE 1000000000000000LL      /* smallest 16-digit number */
#define ID_SPAN 8000000000000000ULL     /* ID_BASE + span < 2^53 */

struct slot {
    int64_t key;       /* 0 = empty (ids are positive) */
    int64_t val;
};

struct table {
    struct slot *s;
    size_t cap, n;     /* cap a power of two */
};

struct pseudo {
    int enabled;
    unsigned char salt[32];
    struct table map;  /* input id -> pseudonym (kept ids map to themselves) */
    struct table used; /* pseudonyms handed out (val unused) */
};

static size_t slot_of(uint64_t k, size_t cap)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return (size_t)k & (cap - 1);
}

static struct slot *table_find(const struct table *t, int64_t key)
{
    if (!t->cap)
        return NULL;
    for (size_t i = slot_of((uint64_t)key, t->cap);; i = (i + 1) & (t->cap - 1)) {
        if (t->s[i].key == key)
            return &t->s[i];
        if (!t->s[i].key)
            return NULL;
    }
}

static void table_put(struct table *t, int64_t key, int64_t val)
{
    if ((t->n + 1) * 2 > t->cap) {
        struct table g = {xcalloc(t->cap ? t->cap * 2 : 64, sizeof(struct slot)),
                          t->cap ? t->cap * 2 : 64, 0};
        for (size_t i = 0; i < t->cap; i++)
            if (t->s[i].key)
                table_put(&g, t->s[i].key, t->s[i].val);
        free(t->s);
        *t = g;
    }
    size_t i = slot_of((uint64_t)key, t->cap);
    while (t->s[i].key && t->s[i].key != key)
        i = (i + 1) & (t->cap - 1);
    if (!t->s[i].key)
        t->n++;
    t->s[i].key = key;
    t->s[i].val = val;
}

struct pseudo *pseudo_new(int enabled)
{
    struct pseudo *p = xcalloc(1, sizeof *p);
    p->enabled = enabled;
    rng_bytes(p->salt, sizeof p->salt);
    return p;
}

void pseudo_free(struct pseudo *p)
{
    if (!p)
        return;
    OPENSSL_cleanse(p->salt, sizeof p->salt);
    free(p->map.s);
    free(p->used.s);
    free(p);
}

void pseudo_set_salt(struct pseudo *p, const unsigned char *salt, size_t len)
{
    memset(p->salt, 0, sizeof p->salt);
    memcpy(p->salt, salt, len < sizeof p->salt ? len : sizeof p->salt);
}

int pseudo_enabled(const struct pseudo *p)
{
    return p->enabled;
}

/* HMAC-SHA256(salt, kind 0x00 value [0x00 counter]). */
static void mac(const struct pseudo *p, const char *kind, const void *v, size_t vlen,
                unsigned counter, unsigned char out[32])
{
    struct buf b;
    buf_init(&b, (size_t)1 << 24);
    buf_puts(&b, kind);
    buf_append(&b, "", 1);
    buf_append(&b, v, vlen);
    if (counter)
        buf_printf(&b, "%c%u", 0, counter);
    unsigned int n = 32;
    if (!HMAC(EVP_sha256(), p->salt, (int)sizeof p->salt, (const unsigned char *)(b.ptr ? b.ptr : ""),
              b.len, out, &n)) {
        fprintf(stderr, "recorder: HMAC failed\n");
        abort();
    }
    buf_release(&b);
}

static uint64_t mac64(const unsigned char h[32])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | h[i];
    return v;
}

static void hex(const unsigned char *h, size_t nbytes, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < nbytes; i++) {
        out[2 * i] = d[h[i] >> 4];
        out[2 * i + 1] = d[h[i] & 15];
    }
    out[2 * nbytes] = '\0';
}

void pseudo_keep_id(struct pseudo *p, int64_t id)
{
    if (id > 0) {
        table_put(&p->map, id, id);
        table_put(&p->used, id, 0);
    }
}

int pseudo_id_known(const struct pseudo *p, int64_t id)
{
    return id > 0 && table_find(&p->map, id) != NULL;
}

int64_t pseudo_id(struct pseudo *p, int64_t id)
{
    if (!p->enabled || id <= 0)
        return id;
    struct slot *s = table_find(&p->map, id);
    if (s)
        return s->val;
    unsigned char h[32];
    int64_t out;
    for (unsigned c = 0;; c++) {
        mac(p, "id", &id, sizeof id, c, h);
        out = ID_BASE + (int64_t)(mac64(h) % ID_SPAN);
        if (!table_find(&p->used, out))
            break;
    }
    table_put(&p->map, id, out);
    table_put(&p->used, out, 0);
    return out;
}

char *pseudo_email(struct pseudo *p, const char *email)
{
    if (!p->enabled)
        return xstrdup(email);
    size_t n = strlen(email);
    char *low = xmalloc(n + 1);
    for (size_t i = 0; i <= n; i++)
        low[i] = (char)tolower((unsigned char)email[i]);
    unsigned char h[32];
    mac(p, "email", low, n, 0, h);
    free(low);
    char hx[13], out[64];
    hex(h, 6, hx);
    snprintf(out, sizeof out, "user-%s@recorded.example", hx);
    return xstrdup(out);
}

char *pseudo_person_name(struct pseudo *p, const char *kind, const char *name)
{
    if (!p->enabled || !*name)
        return xstrdup(name);
    static const char cons[] = "bdfgklmnprstvz";
    static const char vow[] = "aeiou";
    unsigned char h[32];
    mac(p, kind, name, strlen(name), 0, h);
    char out[16];
    size_t k = 0;
    for (int i = 0; i < 3; i++) {
        out[k++] = cons[h[2 * i] % (sizeof cons - 1)];
        out[k++] = vow[h[2 * i + 1] % (sizeof vow - 1)];
    }
    out[k++] = cons[h[6] % (sizeof cons - 1)];
    out[k] = '\0';
    out[0] = (char)toupper((unsigned char)out[0]);
    return xstrdup(out);
}

char *pseudo_label(struct pseudo *p, const char *label, const char *value)
{
    if (!p->enabled || !*value)
        return xstrdup(value);
    unsigned char h[32];
    mac(p, label, value, strlen(value), 0, h);
    char hx[9];
    hex(h, 4, hx);
    size_t n = strlen(label) + 10;
    char *out = xmalloc(n);
    snprintf(out, n, "%s %s", label, hx);
    return out;
}

char *pseudo_ip(struct pseudo *p, const char *ip)
{
    if (!p->enabled)
        return xstrdup(ip);
    unsigned char h[32], a4[4], a6[16];
    char out[INET6_ADDRSTRLEN];
    if (inet_pton(AF_INET, ip, a4) == 1) {
        mac(p, "ip", a4, 4, 0, h);
        snprintf(out, sizeof out, "%s.%u", h[0] & 1 ? "198.51.100" : "192.0.2",
                 1u + h[1] % 254u);
        return xstrdup(out);
    }
    if (inet_pton(AF_INET6, ip, a6) == 1) {
        mac(p, "ip", a6, 16, 0, h);
        unsigned char o[16] = {0x20, 0x01, 0x0d, 0xb8};
        memcpy(o + 4, h, 12);
        inet_ntop(AF_INET6, o, out, sizeof out);
        return xstrdup(out);
    }
    return pseudo_label(p, "Address", ip);
}

int looks_like_email(const char *s)
{
    const char *at = strchr(s, '@');
    return at && at > s && at[1] && !strchr(at + 1, '@') && !strchr(s, ' ');
}

int looks_like_ip(const char *s)
{
    unsigned char a[16];
    return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

void rec_fmt(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, cap, fmt, ap);
    va_end(ap);
}
