#include "journal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "strutil.h"

/* An entry's strings live in one allocation (block), so recording a
 * request costs one malloc and one free, not seven. */
struct slot {
    struct journal_entry e;
    char *block;
};

struct journal {
    pthread_mutex_t lock;
    struct slot *ring;
    size_t cap, head, len;
    uint64_t dropped, total;
};

static void slot_release(struct slot *sl)
{
    free(sl->block);
    memset(sl, 0, sizeof *sl);
}

struct journal *journal_new(size_t cap)
{
    struct journal *j = xcalloc(1, sizeof *j);
    pthread_mutex_init(&j->lock, NULL);
    j->cap = cap ? cap : 1;
    j->ring = xcalloc(j->cap, sizeof *j->ring);
    return j;
}

void journal_clear(struct journal *j)
{
    pthread_mutex_lock(&j->lock);
    for (size_t i = 0; i < j->len; i++)
        slot_release(&j->ring[(j->head + i) % j->cap]);
    j->head = j->len = 0;
    j->dropped = j->total = 0;
    pthread_mutex_unlock(&j->lock);
}

void journal_free(struct journal *j)
{
    if (!j)
        return;
    journal_clear(j);
    free(j->ring);
    pthread_mutex_destroy(&j->lock);
    free(j);
}

/* Copies the strings of e into one block and points c's fields at it. */
static char *pack_strings(const struct journal_entry *e, struct journal_entry *c)
{
    const char *src[] = {e->path, e->query, e->form, e->user_agent, e->content_type,
                         e->accept_encoding, e->note};
    char **dst[] = {&c->path, &c->query, &c->form, &c->user_agent, &c->content_type,
                    &c->accept_encoding, &c->note};
    size_t lens[7], total = 0;
    for (size_t i = 0; i < 7; i++) {
        lens[i] = src[i] ? strnlen(src[i], 4096) : 0;
        total += src[i] ? lens[i] + 1 : 0;
    }
    char *block = total ? xmalloc(total) : NULL, *p = block;
    for (size_t i = 0; i < 7; i++) {
        if (!src[i]) {
            *dst[i] = NULL;
            continue;
        }
        memcpy(p, src[i], lens[i]);
        p[lens[i]] = '\0';
        *dst[i] = p;
        p += lens[i] + 1;
    }
    return block;
}

void journal_add(struct journal *j, const struct journal_entry *e)
{
    struct slot sl;
    sl.e = *e;
    sl.block = pack_strings(e, &sl.e);
    pthread_mutex_lock(&j->lock);
    if (j->len == j->cap) {
        slot_release(&j->ring[j->head]);
        j->head = (j->head + 1) % j->cap;
        j->len--;
        j->dropped++;
    }
    j->ring[(j->head + j->len) % j->cap] = sl;
    j->len++;
    j->total++;
    pthread_mutex_unlock(&j->lock);
}

static int matches(const struct journal_entry *e, const struct journal_filter *f)
{
    if (!f)
        return 1;
    if (f->method && strcmp(f->method, e->method))
        return 0;
    if (f->path_prefix && (!e->path || strncmp(e->path, f->path_prefix, strlen(f->path_prefix))))
        return 0;
    if (f->token_id && strcmp(f->token_id, e->token_id))
        return 0;
    if (f->status && f->status != e->status)
        return 0;
    if (e->seq <= f->after_seq)
        return 0;
    return 1;
}

void journal_each(struct journal *j, const struct journal_filter *f,
                  void (*fn)(void *ctx, const struct journal_entry *e), void *ctx)
{
    size_t n = 0;
    pthread_mutex_lock(&j->lock);
    for (size_t i = 0; i < j->len; i++) {
        const struct journal_entry *e = &j->ring[(j->head + i) % j->cap].e;
        if (!matches(e, f))
            continue;
        fn(ctx, e);
        if (f && f->limit && ++n >= f->limit)
            break;
    }
    pthread_mutex_unlock(&j->lock);
}

static void json_str_or_null(struct buf *out, const char *s)
{
    if (s)
        buf_json_str(out, s, strlen(s));
    else
        buf_puts(out, "null");
}

struct to_json_ctx {
    struct buf *out;
    int first;
};

static void entry_json(void *ctx, const struct journal_entry *e)
{
    struct to_json_ctx *c = ctx;
    struct buf *out = c->out;
    char when[32];
    format_iso8601(e->real_ms, when);
    buf_printf(out, "%s{\"seq\":%llu,\"realTime\":\"%s\",\"realMs\":%lld,\"durationMs\":%lld,"
               "\"method\":\"%s\",\"path\":", c->first ? "" : ",",
               (unsigned long long)e->seq, when, (long long)e->real_ms,
               (long long)e->dur_ms, e->method);
    c->first = 0;
    json_str_or_null(out, e->path);
    buf_puts(out, ",\"query\":");
    json_str_or_null(out, e->query);
    buf_puts(out, ",\"form\":");
    json_str_or_null(out, e->form);
    buf_printf(out, ",\"status\":%d,\"errorCode\":", e->status);
    if (e->error_code)
        buf_printf(out, "%d", e->error_code);
    else
        buf_puts(out, "null");
    buf_printf(out, ",\"tokenId\":\"%s\",\"auth\":\"%s\",\"userAgent\":", e->token_id,
               e->auth_scheme);
    json_str_or_null(out, e->user_agent);
    buf_puts(out, ",\"contentType\":");
    json_str_or_null(out, e->content_type);
    buf_puts(out, ",\"acceptEncoding\":");
    json_str_or_null(out, e->accept_encoding);
    buf_puts(out, ",\"note\":");
    json_str_or_null(out, e->note);
    buf_puts(out, "}");
}

int journal_to_json(struct journal *j, const struct journal_filter *f, struct buf *out)
{
    pthread_mutex_lock(&j->lock);
    uint64_t dropped = j->dropped, total = j->total;
    pthread_mutex_unlock(&j->lock);
    buf_printf(out, "{\"dropped\":%llu,\"total\":%llu,\"entries\":[",
               (unsigned long long)dropped, (unsigned long long)total);
    struct to_json_ctx c = {out, 1};
    journal_each(j, f, entry_json, &c);
    return buf_puts(out, "]}");
}

int journal_redact(const char *form, size_t len, const char *const *names, struct buf *out)
{
    size_t i = 0;
    int rc = 0;
    while (i < len && !rc) {
        size_t k = i;
        while (k < len && form[k] != '&')
            k++;
        const char *eq = memchr(form + i, '=', k - i);
        size_t klen = eq ? (size_t)(eq - (form + i)) : k - i;
        char key[128];
        long kd = klen < sizeof key ? url_decode(form + i, klen, key, sizeof key) : -1;
        int secret = 0;
        for (size_t n = 0; kd >= 0 && names && names[n]; n++)
            if (!strcmp(key, names[n]))
                secret = 1;
        if (i)
            rc = buf_append(out, "&", 1);
        if (!rc && secret && eq) {
            char *val = xmalloc(k - (size_t)(eq + 1 - form) + 1);
            long vd = url_decode(eq + 1, (size_t)(form + k - eq - 1), val,
                                 k - (size_t)(eq + 1 - form) + 1);
            char id[9] = "invalid";
            if (vd >= 0)
                rng_token_id(val, id);
            free(val);
            rc = buf_append(out, form + i, klen + 1);
            if (!rc)
                rc = buf_printf(out, "REDACTED-%s", id);
        } else if (!rc) {
            rc = buf_append(out, form + i, k - i);
        }
        i = k + 1;
    }
    if (!out->ptr && !rc)
        rc = buf_append(out, "", 0);
    return rc;
}
