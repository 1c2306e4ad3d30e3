#include "journal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kit_limits.h"
#include "rng.h"
#include "strutil.h"

/* An entry's strings live in the slot when they fit (most requests: no
 * allocation at all), else in one malloc'd block.  A slot is 232 bytes:
 * the default 20,000 entries take 4.6 MB. */
#define SLOT_INLINE 104

struct slot {
    struct journal_entry e;
    char *block;                  /* NULL when the strings are inline */
    char inline_text[SLOT_INLINE];
};

#define NSTRINGS_ 7

_Static_assert(sizeof(struct slot) <= 232, "journal slot size (memory budget)");

struct journal {
    pthread_mutex_t lock;
    struct slot *ring;
    size_t cap, head, len;
    uint64_t dropped, total;
    size_t text_bytes;      /* the malloc'd blocks of the entries kept */
};

/* The bytes a slot's block holds (0 when its strings are inline). */
static size_t block_bytes(const struct slot *sl)
{
    if (!sl->block)
        return 0;
    const char *const s[NSTRINGS_] = {sl->e.path, sl->e.query, sl->e.form, sl->e.user_agent,
                                      sl->e.content_type, sl->e.accept_encoding, sl->e.note};
    size_t n = 0;
    for (size_t i = 0; i < NSTRINGS_; i++)
        n += s[i] ? strlen(s[i]) + 1 : 0;
    return n;
}

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
    j->text_bytes = 0;
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

#define NSTRINGS 7

static void entry_strings(const struct journal_entry *e, const char *src[NSTRINGS])
{
    const char *v[NSTRINGS] = {e->path, e->query, e->form, e->user_agent, e->content_type,
                               e->accept_encoding, e->note};
    memcpy(src, v, sizeof v);
}

/* Copies e into sl, its strings into sl's inline text or, when they do not
 * fit, into block (malloc'd by the caller, outside the lock). */
static void slot_fill(struct slot *sl, const struct journal_entry *e, const char *const src[NSTRINGS],
                      const size_t lens[NSTRINGS], char *block)
{
    sl->e = *e;
    sl->block = block;
    char **dst[NSTRINGS] = {&sl->e.path, &sl->e.query, &sl->e.form, &sl->e.user_agent,
                            &sl->e.content_type, &sl->e.accept_encoding, &sl->e.note};
    char *p = block ? block : sl->inline_text;
    for (size_t i = 0; i < NSTRINGS; i++) {
        if (!src[i]) {
            *dst[i] = NULL;
            continue;
        }
        memcpy(p, src[i], lens[i]);
        p[lens[i]] = '\0';
        *dst[i] = p;
        p += lens[i] + 1;
    }
}

void journal_add(struct journal *j, const struct journal_entry *e)
{
    const char *src[NSTRINGS];
    size_t lens[NSTRINGS], total = 0;
    entry_strings(e, src);
    for (size_t i = 0; i < NSTRINGS; i++) {
        lens[i] = src[i] ? strnlen(src[i], LIM_JOURNAL_STRING) : 0;
        total += src[i] ? lens[i] + 1 : 0;
    }
    char *block = total > SLOT_INLINE ? xmalloc(total) : NULL;
    char *evicted = NULL;
    size_t bytes = block ? total : 0;
    pthread_mutex_lock(&j->lock);
    /* Long strings share LIM_JOURNAL_TEXT bytes: the oldest entries go
     * first when a new one would pass it (the journal's memory bound). */
    while (j->len && (j->len == j->cap || j->text_bytes + bytes > LIM_JOURNAL_TEXT)) {
        struct slot *old = &j->ring[j->head];
        j->text_bytes -= block_bytes(old);
        if (j->len == j->cap && !evicted) {
            evicted = old->block;            /* the slot is overwritten below */
            old->block = NULL;
        } else {
            slot_release(old);
        }
        j->head = j->head + 1 == j->cap ? 0 : j->head + 1;
        j->len--;
        j->dropped++;
    }
    j->text_bytes += bytes;
    size_t at = j->head + j->len;
    slot_fill(&j->ring[at >= j->cap ? at - j->cap : at], e, src, lens, block);
    j->len++;
    j->total++;
    /* The ring is bigger than the caches: fetch the slot the next request
     * writes (once full, the one it evicts) while this one is answered. */
    at = j->head + j->len;
    const char *next = (const char *)&j->ring[at >= j->cap ? at - j->cap : at];
    for (size_t off = 0; off < sizeof(struct slot); off += 64)
        __builtin_prefetch(next + off, 1);
    pthread_mutex_unlock(&j->lock);
    free(evicted);
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

/* Whether the key form[0..klen) (still URL-encoded) is one of names. */
static int key_is_secret(const char *key, size_t klen, const char *const *names)
{
    char tmp[128];
    const char *k;
    size_t kl;
    if (!klen || form_key_view(key, klen, tmp, &k, &kl) || !kl)
        return 0;
    for (size_t n = 0; names && names[n]; n++)
        if (form_key_eq(k, kl, names[n]))
            return 1;
    return 0;
}

static int pair_is_secret(void *ctx, const char *pair, size_t plen, size_t klen)
{
    (void)plen;
    return key_is_secret(pair, klen, ctx);
}

int journal_has_secret(const char *form, size_t len, const char *const *names)
{
    return form_each_pair(form, len, pair_is_secret, (void *)names);
}

const char *journal_safe_text(const char *form, size_t len, const char *const *names,
                              struct buf *scratch)
{
    if (!journal_has_secret(form, len, names))
        return form;
    return journal_redact(form, len, names, scratch) ? NULL : scratch->ptr;
}

struct redact_ctx {
    const char *const *names;
    struct buf *out;
    int first;
};

static int redact_pair(void *ctx, const char *pair, size_t plen, size_t klen)
{
    struct redact_ctx *c = ctx;
    int rc = c->first ? 0 : buf_append(c->out, "&", 1);
    c->first = 0;
    if (rc)
        return rc;
    if (klen == plen || !key_is_secret(pair, klen, c->names))
        return buf_append(c->out, pair, plen);
    size_t vlen = plen - klen - 1;
    char *val = xmalloc(vlen + 1);
    long vd = url_decode(pair + klen + 1, vlen, val, vlen + 1);
    char id[9] = "invalid";
    if (vd >= 0)
        rng_token_id(val, id);
    free(val);
    rc = buf_append(c->out, pair, klen + 1);
    return rc ? rc : buf_printf(c->out, "REDACTED-%s", id);
}

int journal_redact(const char *form, size_t len, const char *const *names, struct buf *out)
{
    struct redact_ctx c = {names, out, 1};
    int rc = form_each_pair(form, len, redact_pair, &c);
    if (!out->ptr && !rc)
        rc = buf_append(out, "", 0);
    return rc;
}

size_t journal_text_bytes(struct journal *j)
{
    pthread_mutex_lock(&j->lock);
    size_t n = j->text_bytes;
    pthread_mutex_unlock(&j->lock);
    return n;
}
