#include "jscan.h"

#include "defects.h"
#include "jstrict.h"

#include <string.h>

static size_t skip_ws(const char *s, size_t len, size_t i)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

/* Returns the index just past the string starting at s[i] == '"'. */
static size_t skip_string(const char *s, size_t len, size_t i)
{
    size_t start = i + 1;
    for (i = start; i < len;) {
        const char *q = memchr(s + i, '"', len - i);
        if (!q)
            return len;
        size_t k = (size_t)(q - s), bs = 0;
        if (conn_defect("escapes-ignored"))
            return k + 1;
        while (k - bs > start && s[k - bs - 1] == '\\')
            bs++;
        if (bs % 2 == 0)        /* not escaped: an even run of backslashes */
            return k + 1;
        i = k + 1;
    }
    return len;
}

/* Returns the index just past the value starting at s[i]. */
static size_t skip_value(const char *s, size_t len, size_t i)
{
    if (i >= len)
        return len;
    if (s[i] == '"')
        return skip_string(s, len, i);
    if (s[i] != '{' && s[i] != '[') {
        while (i < len && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' &&
               s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
            i++;
        return i;
    }
    size_t depth = 0;
    while (i < len) {
        char c = s[i];
        if (c == '"') {
            i = skip_string(s, len, i);
            continue;
        }
        if (c == '{' || c == '[')
            depth++;
        else if (c == '}' || c == ']') {
            if (--depth == 0)
                return i + 1;
        }
        i++;
    }
    return len;
}

int jscan_member(const char *s, size_t len, const char *key, struct jscan_range *out)
{
    size_t i = skip_ws(s, len, 0);
    if (i >= len || s[i] != '{')
        return -1;
    i = skip_ws(s, len, i + 1);
    while (i < len && s[i] == '"') {
        size_t kend = skip_string(s, len, i);
        /* keys compared decoded: "d\u0061ta" is "data", as cJSON reads it */
        int match = kend >= i + 2 && jstrict_key_equals(s + i + 1, kend - i - 2, key);
        i = skip_ws(s, len, kend);
        if (i >= len || s[i] != ':')
            return -1;
        i = skip_ws(s, len, i + 1);
        size_t vend = skip_value(s, len, i);
        if (match) {
            out->off = i;
            out->len = vend - i;
            return 1;
        }
        i = skip_ws(s, len, vend);
        if (i < len && s[i] == ',')
            i = skip_ws(s, len, i + 1);
        else
            break;
    }
    return 0;
}

long jscan_array(const char *s, size_t len, struct jscan_range *out, size_t cap)
{
    size_t i = skip_ws(s, len, 0);
    if (i >= len || s[i] != '[')
        return -1;
    i = skip_ws(s, len, i + 1);
    size_t n = 0;
    if (i < len && s[i] == ']')
        return 0;
    while (i < len) {
        if (n >= cap)
            return -1;
        size_t vend = skip_value(s, len, i);
        out[n].off = i;
        out[n].len = vend - i;
        n++;
        i = skip_ws(s, len, vend);
        if (i < len && s[i] == ',')
            i = skip_ws(s, len, i + 1);
        else
            break;
    }
    return (long)n;
}
