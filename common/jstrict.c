/* jstrict.c - see jstrict.h. */
#include "jstrict.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "kit_limits.h"

const struct jstrict_limits jstrict_body_limits = {LIM_JSON_VALUES, LIM_JSON_BODY_DEPTH};

/* ------------------------------------------------------------------ */
/* Decoding one character of a JSON string's raw content               */

static int hex4(const char *p, const char *end, uint32_t *out)
{
    if (end - p < 4)
        return -1;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint32_t)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* Decodes the character at *pp (before end, inside a string): its code
 * point into *cp, *pp advanced.  Returns JS_OK or what is wrong. */
static enum jstrict_kind next_cp(const char **pp, const char *end, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)*pp;
    const unsigned char *e = (const unsigned char *)end;
    unsigned char c = *p;
    if (c < 0x20)
        return JS_CTRL;
    if (c == '\\') {
        if (e - p < 2)
            return JS_SYNTAX;
        char x = (char)p[1];
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *k = strchr(from, x);
        if (x && k) {
            *cp = (unsigned char)to[k - from];
            *pp += 2;
            return JS_OK;
        }
        if (x != 'u')
            return JS_SYNTAX;
        uint32_t u;
        if (hex4((const char *)p + 2, end, &u))
            return JS_SYNTAX;
        p += 6;
        if (u == 0)
            return JS_NUL;
        if (u >= 0xDC00 && u <= 0xDFFF)
            return JS_UTF8;
        if (u >= 0xD800 && u <= 0xDBFF) {
            uint32_t lo;
            if (e - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4((const char *)p + 2, end, &lo) ||
                lo < 0xDC00 || lo > 0xDFFF)
                return JS_UTF8;
            u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            p += 6;
        }
        *cp = u;
        *pp = (const char *)p;
        return JS_OK;
    }
    if (c < 0x80) {
        *cp = c;
        *pp += 1;
        return JS_OK;
    }
    size_t n;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        return JS_UTF8;
    }
    if ((size_t)(e - p) < n)
        return JS_UTF8;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return JS_UTF8;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return JS_UTF8;
    *cp = v;
    *pp += n;
    return JS_OK;
}

/* Scans a string at p (at the opening quote).  Returns the byte after the
 * closing quote, or NULL with *kind set; *hash (may be NULL) gets a hash
 * of the decoded content. */
static const char *scan_string(const char *p, const char *end, enum jstrict_kind *kind,
                               uint64_t *hash, const char **bad)
{
    uint64_t h = 1469598103934665603ULL;
    p++;
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            if (hash)
                *hash = h;
            return p + 1;
        }
        if (c >= 0x20 && c < 0x80 && c != '\\') {    /* the common case */
            h = (h ^ c) * 1099511628211ULL;
            p++;
            continue;
        }
        uint32_t cp;
        const char *at = p;
        enum jstrict_kind k = next_cp(&p, end, &cp);
        if (k) {
            *kind = k;
            *bad = at;
            return NULL;
        }
        h = (h ^ cp) * 1099511628211ULL;
    }
    *kind = JS_SYNTAX;
    *bad = end;
    return NULL;
}

/* Whether two raw string contents decode to the same text. */
static int raw_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    const char *ae = a + alen, *be = b + blen;
    while (a < ae && b < be) {
        uint32_t x, y;
        if (next_cp(&a, ae, &x) || next_cp(&b, be, &y) || x != y)
            return 0;
    }
    return a == ae && b == be;
}

int jstrict_key_equals(const char *raw, size_t rawlen, const char *key)
{
    if (!memchr(raw, '\\', rawlen))
        return rawlen == strlen(key) && !memcmp(raw, key, rawlen);
    return raw_equal(raw, rawlen, key, strlen(key));
}

/* ------------------------------------------------------------------ */
/* Duplicate keys: one table of (object, key hash, where) for the text  */

struct key_slot {
    uint64_t obj;          /* 0: empty */
    uint64_t hash;
    const char *raw;       /* the key's content, after the quote */
    size_t len;
};

struct key_table {
    struct key_slot *slots;
    size_t cap, n;
};

static void kt_grow(struct key_table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    struct key_slot *s = xcalloc(cap, sizeof *s);
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slots[i].obj)
            continue;
        size_t j = (size_t)(t->slots[i].hash ^ t->slots[i].obj * 0x9E3779B97F4A7C15ULL) & (cap - 1);
        while (s[j].obj)
            j = (j + 1) & (cap - 1);
        s[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = s;
    t->cap = cap;
}

/* Adds the key; returns 1 when the object already had it. */
static int kt_add(struct key_table *t, uint64_t obj, uint64_t hash, const char *raw, size_t len)
{
    if ((t->n + 1) * 2 > t->cap)
        kt_grow(t);
    size_t j = (size_t)(hash ^ obj * 0x9E3779B97F4A7C15ULL) & (t->cap - 1);
    for (; t->slots[j].obj; j = (j + 1) & (t->cap - 1)) {
        const struct key_slot *s = &t->slots[j];
        if (s->obj == obj && s->hash == hash && raw_equal(s->raw, s->len, raw, len))
            return 1;
    }
    t->slots[j] = (struct key_slot){obj, hash, raw, len};
    t->n++;
    return 0;
}

/* ------------------------------------------------------------------ */
/* The scanner                                                          */

static const char *ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

static const char *scan_number(const char *p, const char *end)
{
    const char *s = p;
    if (p < end && *p == '-')
        p++;
    if (p < end && *p == '0') {
        p++;
    } else {
        const char *d = p;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        if (p == d)
            return NULL;
    }
    if (p < end && *p == '.') {
        const char *d = ++p;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        if (p == d)
            return NULL;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        const char *d = p;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        if (p == d)
            return NULL;
    }
    return p > s ? p : NULL;
}

/* Copies a key's raw content into out for messages (printable ASCII). */
static void key_text(const char *raw, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < cap; i++)
        out[n++] = raw[i] >= 0x20 && raw[i] < 0x7f && raw[i] != '\'' ? raw[i] : '?';
    out[n] = '\0';
}

#define JS_STACK_MAX 4096u

enum jstrict_kind jstrict_check(const char *text, size_t len, const struct jstrict_limits *lim,
                                struct jstrict_issue *out)
{
    const char *p = text, *end = text + len, *bad = text;
    size_t max_depth = lim && lim->max_depth ? lim->max_depth : JS_STACK_MAX;
    if (max_depth > JS_STACK_MAX)
        max_depth = JS_STACK_MAX;
    size_t max_values = lim ? lim->max_values : 0;
    /* the open containers: '{' or '[', and each object's id */
    char kinds[JS_STACK_MAX];
    uint64_t *ids = xmalloc(max_depth * sizeof *ids);
    const char *cur_key = NULL;      /* the last key read, for messages */
    size_t cur_key_len = 0;
    size_t depth = 0, values = 0;
    uint64_t next_obj = 1;
    struct key_table keys = {NULL, 0, 0};
    enum jstrict_kind kind = JS_OK;

    p = ws(p, end);
    for (;;) {
        /* a value at p */
        if (p >= end) {
            kind = JS_SYNTAX, bad = p;
            goto out;
        }
        if (max_values && ++values > max_values) {
            kind = JS_TOO_MANY, bad = p;
            goto out;
        }
        char c = *p;
        if (c == '{' || c == '[') {
            if (depth >= max_depth) {
                kind = JS_TOO_DEEP, bad = p;
                goto out;
            }
            kinds[depth] = c;
            ids[depth] = c == '{' ? next_obj++ : 0;
            depth++;
            p = ws(p + 1, end);
            if (p < end && *p == (c == '{' ? '}' : ']')) {
                depth--;
                p++;
                goto after_value;
            }
            if (c == '[')
                continue;
            goto member;
        } else if (c == '"') {
            p = scan_string(p, end, &kind, NULL, &bad);
            if (!p)
                goto out;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            const char *q = scan_number(p, end);
            if (!q) {
                kind = JS_SYNTAX, bad = p;
                goto out;
            }
            p = q;
        } else if (end - p >= 4 && (!memcmp(p, "true", 4) || !memcmp(p, "null", 4))) {
            p += 4;
        } else if (end - p >= 5 && !memcmp(p, "false", 5)) {
            p += 5;
        } else {
            kind = JS_SYNTAX, bad = p;
            goto out;
        }
    after_value:
        p = ws(p, end);
        if (depth == 0) {
            if (p != end)
                kind = JS_SYNTAX, bad = p;
            goto out;
        }
        if (p < end && *p == ',') {
            p = ws(p + 1, end);
            if (kinds[depth - 1] == '[')
                continue;
            goto member;
        }
        if (p < end && *p == (kinds[depth - 1] == '{' ? '}' : ']')) {
            depth--;
            p++;
            goto after_value;
        }
        kind = JS_SYNTAX, bad = p;
        goto out;
    member:
        /* a key, ':' and then the value */
        if (p >= end || *p != '"') {
            kind = JS_SYNTAX, bad = p;
            goto out;
        }
        {
            uint64_t h;
            const char *k = p + 1, *after = scan_string(p, end, &kind, &h, &bad);
            if (!after)
                goto out;
            cur_key = k;
            cur_key_len = (size_t)(after - 1 - k);
            if (kt_add(&keys, ids[depth - 1], h, k, cur_key_len)) {
                kind = JS_DUP_KEY, bad = p;
                goto out;
            }
            p = ws(after, end);
            if (p >= end || *p != ':') {
                kind = JS_SYNTAX, bad = p;
                goto out;
            }
            p = ws(p + 1, end);
        }
    }
out:
    if (out) {
        out->kind = kind;
        out->offset = (size_t)(bad - text);
        out->key[0] = '\0';
        if (cur_key && kind != JS_SYNTAX && kind != JS_TOO_MANY && kind != JS_TOO_DEEP)
            key_text(cur_key, cur_key_len, out->key, sizeof out->key);
    }
    free(keys.slots);
    free(ids);
    return kind;
}

void jstrict_describe(const struct jstrict_issue *is, char *msg, size_t cap)
{
    char in[100] = "";
    if (is->key[0])
        snprintf(in, sizeof in, " (in '%s')", is->key);
    switch (is->kind) {
    case JS_OK: snprintf(msg, cap, "valid"); break;
    case JS_SYNTAX: snprintf(msg, cap, "not valid JSON at byte %zu", is->offset); break;
    case JS_TOO_MANY:
        snprintf(msg, cap, "more than %u JSON values", (unsigned)LIM_JSON_VALUES);
        break;
    case JS_TOO_DEEP:
        snprintf(msg, cap, "nested deeper than %u levels", (unsigned)LIM_JSON_BODY_DEPTH);
        break;
    case JS_DUP_KEY:
        snprintf(msg, cap, "the key '%s' appears twice in one object", is->key);
        break;
    case JS_NUL: snprintf(msg, cap, "a string holds \\u0000%s", in); break;
    case JS_UTF8: snprintf(msg, cap, "a string is not valid UTF-8%s", in); break;
    case JS_CTRL: snprintf(msg, cap, "a string holds a raw control byte%s", in); break;
    }
}

int jstrict_body_refusal(const char *body, size_t len, enum jstrict_kind *kind, char *msg,
                         size_t cap)
{
    struct jstrict_issue is;
    enum jstrict_kind k = jstrict_check(body, len, &jstrict_body_limits, &is);
    if (kind)
        *kind = k;
    if (!k)
        return 0;
    char what[160];
    jstrict_describe(&is, what, sizeof what);
    snprintf(msg, cap, "the request body is refused: %s", what);
    return k == JS_TOO_MANY || k == JS_TOO_DEEP ? 413 : 400;
}
