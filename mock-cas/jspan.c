/* jspan.c - bounded scanning of JSON text (see jspan.h). */
#include "jspan.h"

#include <string.h>

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
