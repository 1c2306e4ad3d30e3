#include "strutil.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    if (!s || !*s || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int parse_double(const char *s, double min, double max, double *out)
{
    if (!s || !*s || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    char *end = NULL;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v) || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int parse_bool(const char *s, int *out)
{
    if (!s)
        return -1;
    if (!strcasecmp(s, "true"))
        *out = 1;
    else if (!strcasecmp(s, "false"))
        *out = 0;
    else
        return -1;
    return 0;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int parse_iso8601_ms(const char *s, int64_t *out_ms)
{
    if (!s)
        return -1;
    size_t len = strlen(s);
    int y, mo, d, h, mi, se;
    if (len < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
        s[13] != ':' || s[16] != ':')
        return -1;
    if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
        digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
        return -1;
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 60)
        return -1;
    if (mo == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0)))
        return -1;     /* not a leap year: no silent roll-over into March */
    const char *p = s + 19;
    int frac_ms = 0;
    if (*p == '.') {
        p++;
        int n = 0, scale = 100;
        while (isdigit((unsigned char)*p) && n < 9) {
            frac_ms += (*p - '0') * scale;
            scale /= 10;
            p++;
            n++;
        }
        if (n == 0)
            return -1;
    }
    int offset_min = 0;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh, om;
        p++;
        if (digits(p, 2, &oh))
            return -1;
        p += 2;
        if (*p == ':')
            p++;
        if (digits(p, 2, &om))
            return -1;
        p += 2;
        if (oh > 23 || om > 59)
            return -1;
        offset_min = sign * (oh * 60 + om);
    } else if (*p != '\0') {
        return -1;
    }
    if (*p != '\0')
        return -1;
    int64_t days = days_from_civil(y, mo, d);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - (int64_t)offset_min * 60;
    *out_ms = secs * 1000 + frac_ms;
    return 0;
}

void format_iso8601(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

long url_decode(const char *s, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= len)
                return -1;
            int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = hi * 16 + lo;
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (o + 1 >= cap)
            return -1;
        out[o++] = (char)c;
    }
    if (cap == 0)
        return -1;
    out[o] = '\0';
    return (long)o;
}

int form_key_view(const char *key, size_t klen, char tmp[128], const char **out,
                  size_t *out_len)
{
    *out = key;
    *out_len = klen;
    size_t i = 0;
    while (i < klen && key[i] != '%' && key[i] != '+')    /* keys are short: no memchr */
        i++;
    if (i == klen)
        return 0;
    long kd = klen < 128 ? url_decode(key, klen, tmp, 128) : -1;
    if (kd < 0)
        return -1;
    *out = tmp;
    *out_len = (size_t)kd;
    return 0;
}

int form_get(const char *form, size_t len, const char *name, char *out, size_t cap)
{
    size_t nlen = strlen(name);
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && form[j] != '&')
            j++;
        const char *eq = memchr(form + i, '=', j - i);
        size_t klen = eq ? (size_t)(eq - (form + i)) : j - i;
        char tmp[128];
        const char *k;
        size_t kl;
        if (!form_key_view(form + i, klen, tmp, &k, &kl) && kl == nlen && !memcmp(k, name, nlen)) {
            const char *v = eq ? eq + 1 : form + j;
            size_t vlen = eq ? (size_t)(form + j - v) : 0;
            return url_decode(v, vlen, out, cap) < 0 ? -1 : 1;
        }
        i = j + 1;
    }
    return 0;
}

int form_each_pair(const char *form, size_t len,
                   int (*fn)(void *ctx, const char *pair, size_t plen, size_t klen), void *ctx)
{
    size_t i = 0;
    while (i < len) {
        const char *pair = form + i;
        const char *amp = memchr(pair, '&', len - i);
        size_t plen = amp ? (size_t)(amp - pair) : len - i;
        const char *eq = memchr(pair, '=', plen);
        int rc = fn(ctx, pair, plen, eq ? (size_t)(eq - pair) : plen);
        if (rc)
            return rc;
        i += plen + 1;
    }
    return 0;
}

struct find_ctx {
    const char *const *names;
    size_t n;
    struct form_raw *out;
};

static int find_pair(void *ctx, const char *pair, size_t plen, size_t klen)
{
    struct find_ctx *f = ctx;
    char tmp[128];
    const char *key;
    size_t kl;
    if (!klen || form_key_view(pair, klen, tmp, &key, &kl) || !kl)
        return 0;
    for (size_t k = 0; k < f->n; k++) {
        if (f->out[k].value || !form_key_eq(key, kl, f->names[k]))
            continue;
        f->out[k].value = klen < plen ? pair + klen + 1 : pair + plen;
        f->out[k].len = klen < plen ? plen - klen - 1 : 0;
        break;
    }
    return 0;
}

void form_find(const char *form, size_t len, const char *const *names, size_t n,
               struct form_raw *out)
{
    for (size_t k = 0; k < n; k++) {
        out[k].value = NULL;
        out[k].len = 0;
    }
    struct find_ctx f = {names, n, out};
    form_each_pair(form, len, find_pair, &f);
}

int form_decode(const struct form_raw *raw, char *out, size_t cap)
{
    if (!raw->value)
        return 0;
    return url_decode(raw->value, raw->len, out, cap) < 0 ? -1 : 1;
}

void str_sanitize(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    if (!cap)
        return;
    for (; s && *s && o + 1 < cap; s++)
        out[o++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
    out[o] = '\0';
}

int double_to_i64(double d, int64_t *out)
{
    if (!isfinite(d) || d != floor(d) || fabs(d) > 9007199254740992.0)
        return -1;
    *out = (int64_t)d;
    return 0;
}
