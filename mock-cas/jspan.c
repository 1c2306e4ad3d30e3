/* jspan.c - bounded scanning of JSON text (see jspan.h). */
#include "jspan.h"

#include <string.h>

#include "buf.h"
#include "jstrict.h"

static const char *ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* p at '"': returns the byte after the closing quote, or NULL. */
static const char *skip_string(const char *p, const char *end)
{
    for (p++; p < end; p++) {
        if (*p == '\\')
            p++;
        else if (*p == '"')
            return p + 1;
    }
    return NULL;
}

/* Skips one value; returns the byte after it, or NULL. */
static const char *skip_value(const char *p, const char *end)
{
    if (p >= end)
        return NULL;
    if (*p == '"')
        return skip_string(p, end);
    if (*p == '{' || *p == '[') {
        size_t depth = 0;
        for (; p < end; p++) {
            if (*p == '"') {
                p = skip_string(p, end);
                if (!p)
                    return NULL;
                p--;
            } else if (*p == '{' || *p == '[') {
                depth++;
            } else if (*p == '}' || *p == ']') {
                if (--depth == 0)
                    return p + 1;
            }
        }
        return NULL;
    }
    while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n' &&
           *p != '\r' && *p != '\t')
        p++;
    return p;
}

int jspan_array(const char *text, size_t len, const char *key, struct jspan *out, size_t max,
                size_t *n)
{
    const char *p = text, *end = text + len;
    *n = 0;
    p = ws(p, end);
    if (p >= end || *p != '{')
        return -1;
    p++;
    for (;;) {
        p = ws(p, end);
        if (p >= end || *p != '"')
            return -1;
        const char *k = p + 1, *after = skip_string(p, end);
        if (!after)
            return -1;
        int match = jstrict_key_equals(k, (size_t)(after - 1 - k), key);
        p = ws(after, end);
        if (p >= end || *p != ':')
            return -1;
        p = ws(p + 1, end);
        if (!match) {
            p = skip_value(p, end);
            if (!p)
                return -1;
            p = ws(p, end);
            if (p < end && *p == ',') {
                p++;
                continue;
            }
            return -1;
        }
        if (p >= end || *p != '[')
            return -1;
        p = ws(p + 1, end);
        if (p < end && *p == ']')
            return 0;
        for (;;) {
            const char *v = skip_value(p, end);
            if (!v || *n >= max)
                return -1;
            out[(*n)++] = (struct jspan){p, (size_t)(v - p)};
            p = ws(v, end);
            if (p < end && *p == ',') {
                p = ws(p + 1, end);
                continue;
            }
            return p < end && *p == ']' ? 0 : -1;
        }
    }
}

int jspan_object_without(const char *text, size_t len, const char *const *drop,
                         struct buf *out)
{
    const char *p = ws(text, text + len), *end = text + len;
    if (p >= end || *p != '{')
        return -1;
    buf_puts(out, "{");
    p = ws(p + 1, end);
    if (p < end && *p == '}')
        return 0;
    int first = 1;
    for (;;) {
        if (p >= end || *p != '"')
            return -1;
        const char *member = p, *k = p + 1, *after = skip_string(p, end);
        if (!after)
            return -1;
        int dropped = 0;
        for (size_t i = 0; drop[i] && !dropped; i++)
            dropped = jstrict_key_equals(k, (size_t)(after - 1 - k), drop[i]);
        p = ws(after, end);
        if (p >= end || *p != ':')
            return -1;
        p = skip_value(ws(p + 1, end), end);
        if (!p)
            return -1;
        if (!dropped) {
            if (!first)
                buf_puts(out, ",");
            buf_append(out, member, (size_t)(p - member));
            first = 0;
        }
        p = ws(p, end);
        if (p < end && *p == ',') {
            p = ws(p + 1, end);
            continue;
        }
        return p < end && *p == '}' ? 0 : -1;
    }
}
