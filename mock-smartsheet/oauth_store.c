#include "oauth_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "rng.h"

#define STORE_BUCKETS (1u << 15)

struct oa_store {
    struct oa_code *codes[STORE_BUCKETS];
    struct oa_token *by_access[STORE_BUCKETS];
    struct oa_token *by_refresh[STORE_BUCKETS];
    struct oa_code *code_oldest, *code_newest;
    struct oa_token *tok_oldest, *tok_newest;
    size_t ncodes, ntokens;
    size_t max_codes, max_tokens;
    uint64_t family_seq;
};

/* Keys are SHA-256 outputs, so their first hex digits are already uniform. */
static size_t bucket_of(const char *key)
{
    size_t h = 0;
    for (int i = 0; i < 8 && key[i]; i++) {
        char c = key[i];
        unsigned v = (c >= '0' && c <= '9') ? (unsigned)(c - '0')
                     : (c >= 'a' && c <= 'f') ? (unsigned)(c - 'a' + 10) : 0u;
        h = (h << 4) | v;
    }
    return h & (STORE_BUCKETS - 1);
}

/* Keys are SHA-256 hex digests: 64 characters. */
static int key_equal(const char *a, const char *b)
{
    return rng_equal(a, 64, b, 64);
}

struct oa_store *store_new(size_t max_codes, size_t max_tokens)
{
    struct oa_store *s = xcalloc(1, sizeof *s);
    store_set_caps(s, max_codes, max_tokens);
    return s;
}

void store_set_caps(struct oa_store *s, size_t max_codes, size_t max_tokens)
{
    s->max_codes = max_codes ? max_codes : 1;
    s->max_tokens = max_tokens ? max_tokens : 1;
}

size_t store_code_count(const struct oa_store *s) { return s->ncodes; }
size_t store_token_count(const struct oa_store *s) { return s->ntokens; }
uint64_t store_next_family(struct oa_store *s) { return ++s->family_seq; }
struct oa_token *store_token_first(struct oa_store *s) { return s->tok_oldest; }
struct oa_code *store_code_first(struct oa_store *s) { return s->code_oldest; }

static void code_remove(struct oa_store *s, struct oa_code *c)
{
    struct oa_code **pp = &s->codes[bucket_of(c->key)];
    while (*pp && *pp != c)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = c->hnext;
    if (c->older)
        c->older->newer = c->newer;
    else
        s->code_oldest = c->newer;
    if (c->newer)
        c->newer->older = c->older;
    else
        s->code_newest = c->older;
    s->ncodes--;
    free(c->redirect_uri);
    free(c);
}

void store_token_remove(struct oa_store *s, struct oa_token *t)
{
    struct oa_token **pp = &s->by_access[bucket_of(t->akey)];
    while (*pp && *pp != t)
        pp = &(*pp)->anext;
    if (*pp)
        *pp = t->anext;
    pp = &s->by_refresh[bucket_of(t->rkey)];
    while (*pp && *pp != t)
        pp = &(*pp)->rnext;
    if (*pp)
        *pp = t->rnext;
    if (t->older)
        t->older->newer = t->newer;
    else
        s->tok_oldest = t->newer;
    if (t->newer)
        t->newer->older = t->older;
    else
        s->tok_newest = t->older;
    s->ntokens--;
    free(t);
}

void store_clear(struct oa_store *s)
{
    while (s->code_oldest)
        code_remove(s, s->code_oldest);
    while (s->tok_oldest)
        store_token_remove(s, s->tok_oldest);
}

void store_free(struct oa_store *s)
{
    if (!s)
        return;
    store_clear(s);
    free(s);
}

static void codes_make_room(struct oa_store *s, int64_t now_ms)
{
    if (s->ncodes < s->max_codes)
        return;
    for (struct oa_code *c = s->code_oldest, *n; c; c = n) {
        n = c->newer;
        if (c->expires_ms <= now_ms)
            code_remove(s, c);
    }
    while (s->ncodes >= s->max_codes && s->code_oldest)
        code_remove(s, s->code_oldest);
}

static void tokens_make_room(struct oa_store *s, int64_t now_ms)
{
    if (s->ntokens < s->max_tokens)
        return;
    for (struct oa_token *t = s->tok_oldest, *n; t; t = n) {
        n = t->newer;
        if (t->access_exp_ms <= now_ms)
            store_token_remove(s, t);
    }
    while (s->ntokens >= s->max_tokens && s->tok_oldest)
        store_token_remove(s, s->tok_oldest);
}

struct oa_code *store_code_add(struct oa_store *s, const char key[65], const char *client_id,
                               int64_t user_id, uint32_t scopes, const char *redirect_uri,
                               int64_t expires_ms, int64_t now_ms)
{
    codes_make_room(s, now_ms);
    struct oa_code *c = xcalloc(1, sizeof *c);
    memcpy(c->key, key, 64);
    snprintf(c->client_id, sizeof c->client_id, "%s", client_id);
    c->user_id = user_id;
    c->scopes = scopes;
    c->redirect_uri = redirect_uri ? xstrdup(redirect_uri) : NULL;
    c->expires_ms = expires_ms;
    size_t b = bucket_of(c->key);
    c->hnext = s->codes[b];
    s->codes[b] = c;
    c->older = s->code_newest;
    if (s->code_newest)
        s->code_newest->newer = c;
    else
        s->code_oldest = c;
    s->code_newest = c;
    s->ncodes++;
    return c;
}

struct oa_code *store_code_find(struct oa_store *s, const char key[65])
{
    for (struct oa_code *c = s->codes[bucket_of(key)]; c; c = c->hnext)
        if (key_equal(c->key, key))
            return c;
    return NULL;
}

struct oa_token *store_token_add(struct oa_store *s, const char akey[65], const char rkey[65],
                                 const char token_id[9], const char *client_id,
                                 int64_t user_id, uint32_t scopes, int64_t access_exp_ms,
                                 uint64_t family, int64_t now_ms)
{
    tokens_make_room(s, now_ms);
    struct oa_token *t = xcalloc(1, sizeof *t);
    memcpy(t->akey, akey, 64);
    memcpy(t->rkey, rkey, 64);
    memcpy(t->token_id, token_id, 8);
    snprintf(t->client_id, sizeof t->client_id, "%s", client_id);
    t->user_id = user_id;
    t->scopes = scopes;
    t->access_exp_ms = access_exp_ms;
    t->issued_ms = now_ms;
    t->family = family;
    size_t b = bucket_of(t->akey);
    t->anext = s->by_access[b];
    s->by_access[b] = t;
    b = bucket_of(t->rkey);
    t->rnext = s->by_refresh[b];
    s->by_refresh[b] = t;
    t->older = s->tok_newest;
    if (s->tok_newest)
        s->tok_newest->newer = t;
    else
        s->tok_oldest = t;
    s->tok_newest = t;
    s->ntokens++;
    return t;
}

struct oa_token *store_token_by_access(struct oa_store *s, const char akey[65])
{
    for (struct oa_token *t = s->by_access[bucket_of(akey)]; t; t = t->anext)
        if (key_equal(t->akey, akey))
            return t;
    return NULL;
}

struct oa_token *store_token_by_refresh(struct oa_store *s, const char rkey[65])
{
    for (struct oa_token *t = s->by_refresh[bucket_of(rkey)]; t; t = t->rnext)
        if (key_equal(t->rkey, rkey))
            return t;
    return NULL;
}

size_t store_tokens_remove_family(struct oa_store *s, uint64_t family)
{
    size_t n = 0;
    for (struct oa_token *t = s->tok_oldest, *nx; t; t = nx) {
        nx = t->newer;
        if (t->family == family) {
            store_token_remove(s, t);
            n++;
        }
    }
    return n;
}

size_t store_tokens_remove_client_user(struct oa_store *s, const char *client_id,
                                       int64_t user_id)
{
    size_t n = 0;
    for (struct oa_token *t = s->tok_oldest, *nx; t; t = nx) {
        nx = t->newer;
        if (t->user_id == user_id && !strcmp(t->client_id, client_id)) {
            store_token_remove(s, t);
            n++;
        }
    }
    return n;
}
