/* ctext.c - report-safe text (see ctext.h). */
#include "ctext.h"

#include <string.h>

static const char replacement[] = "\xEF\xBF\xBD";   /* U+FFFD */

/* Length of the valid UTF-8 sequence of a character at p (at most n
 * bytes), or 0 when it is not one a report may carry. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t need;
    unsigned min;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
        cp = c & 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        cp = c & 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        cp = c & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE ||
        cp == 0xFFFF)
        return 0;
    return need;
}

/* Length of an ANSI escape sequence at p (ESC [ ... final byte, or ESC and
 * one byte), at most n bytes. */
static size_t escape_len(const unsigned char *p, size_t n)
{
    if (n < 2)
        return 1;
    if (p[1] != '[')
        return 2;
    for (size_t i = 2; i < n && i < 64; i++)
        if (p[i] >= 0x40 && p[i] <= 0x7E)
            return i + 1;
    return 2;
}

int ct_text_clean(struct buf *out, const char *s, size_t len, int multiline)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    if (!s)
        len = 0;
    size_t i = 0, run = 0;
    while (i < len && !out->err) {
        unsigned c = p[i];
        if (c >= 0x20 && c != 0x7F && c < 0x80) {
            i++;
            continue;
        }
        size_t k = c >= 0x80 ? utf8_len(p + i, len - i) : 0;
        if (k) {
            i += k;
            continue;
        }
        buf_append(out, p + run, i - run);
        if (c == 0x1B) {
            i += escape_len(p + i, len - i);
        } else if (c == '\r') {
            i++;
        } else if (c == '\n' || c == '\t') {
            buf_append(out, multiline ? (const char *)p + i : " ", 1);
            i++;
        } else if (c < 0x20 || c == 0x7F) {
            buf_append(out, " ", 1);
            i++;
        } else {
            buf_append(out, replacement, 3);
            i++;
        }
        run = i;
    }
    if (!out->err && run < len)
        buf_append(out, p + run, len - run);
    return out->err;
}

/* Cuts text (valid UTF-8) to at most cap - 1 bytes at a character
 * boundary, ending in "..." when anything was left out. */
static void cut_utf8(const char *text, size_t len, char *out, size_t cap)
{
    if (len < cap) {
        memcpy(out, text, len);
        out[len] = '\0';
        return;
    }
    size_t keep = cap - 4;
    while (keep > 0 && ((unsigned char)text[keep] & 0xC0) == 0x80)
        keep--;
    memcpy(out, text, keep);
    memcpy(out + keep, "...", 4);
}

void ct_text_last_line(const char *s, size_t len, char *out, size_t cap)
{
    out[0] = '\0';
    if (!s || cap < 5)
        return;
    size_t end = len;
    for (size_t guard = 0; end > 0 && guard < len + 1; guard++) {
        size_t start = end;
        while (start > 0 && s[start - 1] != '\n')
            start--;
        size_t a = start, b = end;
        while (a < b && (s[a] == ' ' || s[a] == '\t' || s[a] == '\r'))
            a++;
        while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\r' ||
                         s[b - 1] == '\n'))
            b--;
        if (b > a) {
            struct buf clean;
            buf_init(&clean, 4 * cap + 64);
            /* Only what can show: a line cut to 4 x cap bytes first. */
            ct_text_clean(&clean, s + a, b - a > 4 * cap ? 4 * cap : b - a, 0);
            if (!clean.err && clean.ptr)
                cut_utf8(clean.ptr, clean.len, out, cap);
            buf_release(&clean);
            return;
        }
        if (start == 0)
            break;
        end = start - 1;
    }
}

void ct_text_key(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    if (!cap)
        return;
    for (const char *p = s ? s : ""; *p && o + 1 < cap; p++) {
        if (*p >= '0' && *p <= '9') {
            out[o++] = '#';
            while (p[1] >= '0' && p[1] <= '9')
                p++;
        } else if (*p == ' ' || *p == '\t' || *p == '\n') {
            out[o++] = ' ';
            while (p[1] == ' ' || p[1] == '\t' || p[1] == '\n')
                p++;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

const char *ct_text_tail(const char *text, size_t len, size_t max, size_t *skipped)
{
    *skipped = 0;
    if (!text || len <= max)
        return text ? text : "";
    size_t at = len - max;
    const char *nl = memchr(text + at, '\n', max < 1024 ? max : 1024);
    if (nl && (size_t)(nl + 1 - text) < len)
        at = (size_t)(nl + 1 - text);
    else
        while (at < len && ((unsigned char)text[at] & 0xC0) == 0x80)
            at++;
    *skipped = at;
    return text + at;
}
