/* oauth.c - the OAuth double's state and the calls that are not an endpoint
 * of their own: apps and registration, resets and admin controls, bearer
 * checks and DELETE /2.0/token.  The endpoints are oauth_authorize.c and
 * oauth_token.c; codes and tokens live in oauth_store.c. */
#include "oauth_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dclock.h"
#include "kit_limits.h"
#include "log.h"
#include "oauth_pages.h"
#include "rng.h"
#include "sserror.h"
#include "strutil.h"

/* ---- apps ---- */

static void apps_clear(struct ss_oauth *o)
{
    for (size_t i = 0; i < o->napps; i++) {
        struct oa_app *a = &o->apps[i];
        free(a->name);
        free(a->client_id);
        if (a->secret) {
            explicit_bzero(a->secret, strlen(a->secret));
            free(a->secret);
        }
        free(a->redirect_url);
    }
    free(o->apps);
    o->apps = NULL;
    o->napps = 0;
}

static int app_add(struct ss_oauth *o, const char *name, const char *client_id,
                   const char *secret, const char *redirect_url, int publish)
{
    if (o->napps >= MAX_APPS)
        return -1;
    o->apps = xrealloc(o->apps, (o->napps + 1) * sizeof *o->apps);
    struct oa_app *a = &o->apps[o->napps++];
    a->name = xstrdup(name);
    a->client_id = xstrdup(client_id);
    a->secret = xstrdup(secret);
    a->redirect_url = xstrdup(redirect_url);
    a->publish = publish;
    return 0;
}

/* Client ids are public, so a plain comparison is fine. */
const struct oa_app *oa_app_find(const struct ss_oauth *o, const char *client_id)
{
    for (size_t i = 0; i < o->napps; i++)
        if (!strcmp(o->apps[i].client_id, client_id))
            return &o->apps[i];
    return NULL;
}

/* ---- lifecycle and admin ---- */

struct ss_oauth *oauth_new(void)
{
    struct ss_oauth *o = xcalloc(1, sizeof *o);
    pthread_mutex_init(&o->mu, NULL);
    o->store = store_new(DEFAULT_MAX_LIVE, DEFAULT_MAX_LIVE);
    o->code_lifetime_ms = CODE_LIFETIME_MS;
    return o;
}

void oa_note_issued(struct ss_oauth *o, const char key[65])
{
    if (!o->issued)
        o->issued = xcalloc(ISSUED_MAX, sizeof *o->issued);
    memcpy(o->issued[o->issued_next], key, 65);
    o->issued_next = (o->issued_next + 1) % ISSUED_MAX;
    if (o->issued_n < ISSUED_MAX)
        o->issued_n++;
}

int oauth_issued_json(struct ss_oauth *o, struct buf *out)
{
    pthread_mutex_lock(&o->mu);
    buf_printf(out, "{\"lengths\":[%d,%d],\"sha256\":[", CODE_LEN, TOKEN_LEN);
    for (size_t i = 0; i < o->issued_n; i++)
        buf_printf(out, "%s\"%s\"", i ? "," : "", o->issued[i]);
    pthread_mutex_unlock(&o->mu);
    return buf_puts(out, "]}");
}

void oauth_set_code_lifetime(struct ss_oauth *o, int64_t ms)
{
    o->code_lifetime_ms = ms;
}

void oauth_set_generic_token_errors(struct ss_oauth *o, int generic)
{
    atomic_store(&o->generic_token_errors, generic != 0);
}

void oauth_set_unreserved_codes(struct ss_oauth *o, int on)
{
    atomic_store(&o->unreserved_codes, on != 0);
}

void oauth_free(struct ss_oauth *o)
{
    if (!o)
        return;
    apps_clear(o);
    store_free(o->store);
    free(o->issued);
    pthread_mutex_destroy(&o->mu);
    free(o);
}

void oauth_set_limits(struct ss_oauth *o, size_t max_codes, size_t max_tokens)
{
    pthread_mutex_lock(&o->mu);
    store_set_caps(o->store, max_codes, max_tokens);
    pthread_mutex_unlock(&o->mu);
}

void oauth_reset_with(struct ss_oauth *o, const struct ss_app *apps, size_t napps,
                      struct ss_consent consent)
{
    pthread_mutex_lock(&o->mu);
    store_clear(o->store);
    apps_clear(o);
    for (size_t i = 0; i < napps; i++) {
        const struct ss_app *a = &apps[i];
        if (!a->client_id || !a->secret || !a->redirect_url)
            continue;
        if (app_add(o, a->name ? a->name : "", a->client_id, a->secret, a->redirect_url, 1))
            log_warn("oauth: more than %u apps; the rest are ignored", MAX_APPS);
    }
    o->consent = consent;
    pthread_mutex_unlock(&o->mu);
}

void oauth_set_consent(struct ss_oauth *o, struct ss_consent c)
{
    pthread_mutex_lock(&o->mu);
    o->consent = c;
    pthread_mutex_unlock(&o->mu);
}

void oauth_expire_all(struct ss_oauth *o)
{
    int64_t now = dclock_now_ms();
    pthread_mutex_lock(&o->mu);
    for (struct oa_token *t = store_token_first(o->store); t; t = t->newer)
        if (t->access_exp_ms > now)
            t->access_exp_ms = now;
    pthread_mutex_unlock(&o->mu);
}

void oauth_revoke_all(struct ss_oauth *o)
{
    pthread_mutex_lock(&o->mu);
    while (store_token_first(o->store))
        store_token_remove(o->store, store_token_first(o->store));
    pthread_mutex_unlock(&o->mu);
}

static const char *consent_mode_name(enum ss_consent_mode m)
{
    switch (m) {
    case SS_CONSENT_APPROVE: return "APPROVE";
    case SS_CONSENT_DENY: return "DENY";
    case SS_CONSENT_PAGE: return "PAGE";
    }
    return "APPROVE";
}

static void scopes_json(struct buf *b, uint32_t scopes)
{
    buf_puts(b, "[");
    int first = 1;
    for (int i = 0; i < OAUTH_NSCOPES; i++) {
        if (!(scopes & (1u << i)))
            continue;
        buf_printf(b, "%s\"%s\"", first ? "" : ",", oauth_scope_names[i]);
        first = 0;
    }
    buf_puts(b, "]");
}

int oauth_state_json(struct ss_oauth *o, struct buf *out)
{
    int64_t now = dclock_now_ms();
    pthread_mutex_lock(&o->mu);
    buf_puts(out, "{\"apps\":[");
    for (size_t i = 0; i < o->napps; i++) {
        const struct oa_app *a = &o->apps[i];
        buf_puts(out, i ? ",{\"name\":" : "{\"name\":");
        buf_json_str(out, a->name, strlen(a->name));
        buf_puts(out, ",\"clientId\":");
        buf_json_str(out, a->client_id, strlen(a->client_id));
        buf_puts(out, ",\"redirectUrl\":");
        buf_json_str(out, a->redirect_url, strlen(a->redirect_url));
        buf_printf(out, ",\"publish\":%s}", a->publish ? "true" : "false");
    }
    buf_printf(out, "],\"consent\":{\"mode\":\"%s\",\"userId\":%" PRId64 "},\"tokens\":[",
               consent_mode_name(o->consent.mode), o->consent.user_id);
    int first = 1;
    for (struct oa_token *t = store_token_first(o->store); t; t = t->newer) {
        buf_printf(out, "%s{\"tokenId\":\"%s\",\"clientId\":", first ? "" : ",", t->token_id);
        buf_json_str(out, t->client_id, strlen(t->client_id));
        buf_printf(out, ",\"userId\":%" PRId64 ",\"scopes\":", t->user_id);
        scopes_json(out, t->scopes);
        int64_t left = t->access_exp_ms - now;
        buf_printf(out, ",\"expiresInMs\":%" PRId64 "}", left > 0 ? left : 0);
        first = 0;
    }
    buf_printf(out, "],\"codes\":%zu}", store_code_count(o->store));
    pthread_mutex_unlock(&o->mu);
    return out->err ? -1 : 0;
}

/* ---- registration ---- */

static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

/* An absolute http(s) URL with a host, no fragment, no spaces. */
static int valid_redirect_url(const char *u)
{
    size_t skip;
    if (!strncasecmp(u, "https://", 8))
        skip = 8;
    else if (!strncasecmp(u, "http://", 7))
        skip = 7;
    else
        return 0;
    size_t host = strcspn(u + skip, "/?#");
    if (host == 0 || strlen(u) > 1024 || has_control(u) || strpbrk(u, " #\"<>\\"))
        return 0;
    return 1;
}

int oauth_register_app(struct ss_oauth *o, const char *name, const char *description,
                       const char *app_url, const char *contact_url,
                       const char *redirect_url, int publish, char *client_id_out,
                       size_t client_id_cap, char *secret_out, size_t secret_cap,
                       char *err, size_t errlen)
{
    if (!name || !*name || strlen(name) > 256 || has_control(name)) {
        snprintf(err, errlen, "name: required, at most 256 characters, no control characters");
        return -1;
    }
    if (description && (strlen(description) > 4096)) {
        snprintf(err, errlen, "description: at most 4096 characters");
        return -1;
    }
    if (app_url && *app_url && (strlen(app_url) > 1024 || has_control(app_url))) {
        snprintf(err, errlen, "appUrl: at most 1024 characters, no control characters");
        return -1;
    }
    if (contact_url && *contact_url && (strlen(contact_url) > 1024 || has_control(contact_url))) {
        snprintf(err, errlen, "contactUrl: at most 1024 characters, no control characters");
        return -1;
    }
    if (!redirect_url || !valid_redirect_url(redirect_url)) {
        snprintf(err, errlen, "redirectUrl: must be an absolute http:// or https:// URL "
                              "with a host and no fragment");
        return -1;
    }
    if (client_id_cap < CLIENT_ID_LEN + 1 || secret_cap < SECRET_LEN + 1) {
        snprintf(err, errlen, "internal: output buffers too small");
        return -1;
    }
    char cid[CLIENT_ID_LEN + 1], secret[SECRET_LEN + 1];
    rng_token(cid, CLIENT_ID_LEN);
    rng_token(secret, SECRET_LEN);
    pthread_mutex_lock(&o->mu);
    int rc = app_add(o, name, cid, secret, redirect_url, publish);
    pthread_mutex_unlock(&o->mu);
    if (rc) {
        explicit_bzero(secret, sizeof secret);
        snprintf(err, errlen, "too many apps (at most %u)", MAX_APPS);
        return -1;
    }
    memcpy(client_id_out, cid, sizeof cid);
    memcpy(secret_out, secret, sizeof secret);
    explicit_bzero(secret, sizeof secret);
    return 0;
}

/* ---- request parameters ---- */

/* Whether the body is a form we read parameters from. */
int oa_body_is_form(const struct http_req *req)
{
    if (req->body_too_large || !req->body || !req->body_len)
        return 0;
    const char *ct = http_header(req, "Content-Type");
    return !ct || !strncasecmp(ct, "application/x-www-form-urlencoded", 33);
}

/* Looks name up in the form body (when use_body) and then the query: the
 * body wins.  1 found, 0 absent, -1 malformed or too long. */
int oa_get_param(const struct http_req *req, int use_body, const char *name, char *out,
                     size_t cap)
{
    if (use_body) {
        int rc = form_get(req->body, req->body_len, name, out, cap);
        if (rc)
            return rc;
    }
    return form_get(req->query ? req->query : "", req->query ? strlen(req->query) : 0, name,
                    out, cap);
}

/* Parses a space- or comma-separated scope list into a set; 0 if empty or
 * any name is unknown. */
static unsigned grant_scopes(uint32_t set)
{
    unsigned bits = 0;
    for (int i = 0; i < OAUTH_NSCOPES; i++) {
        if (!(set & (1u << i)))
            continue;
        if (!strcmp(oauth_scope_names[i], "READ_USERS"))
            bits |= SCOPE_READ_USERS;
        else if (!strcmp(oauth_scope_names[i], "READ_EVENTS"))
            bits |= SCOPE_READ_EVENTS;
        else
            bits |= SCOPE_OTHER;
    }
    return bits;
}

/* ---- bearer tokens ---- */

/* The key is computed before the store's lock is taken. */
int oauth_bearer_key(const char *token, struct sha256_memo *memo, char key[65])
{
    size_t len = token ? strnlen(token, LIM_PARAM_VALUE + 1) : 0;
    if (!len || len > LIM_PARAM_VALUE)
        return -1;
    sha256_memo_hex(memo, token, len, key);
    return 0;
}

int oauth_check_bearer(struct ss_oauth *o, const char *token, int64_t now_ms,
                       struct ss_grant *out)
{
    char key[65];
    if (oauth_bearer_key(token, NULL, key))
        return 1002;
    return oauth_check_key(o, key, now_ms, out);
}

int oauth_check_key(struct ss_oauth *o, const char key[65], int64_t now_ms,
                    struct ss_grant *out)
{
    pthread_mutex_lock(&o->mu);
    struct oa_token *t = store_token_by_access(o->store, key);
    int rc = 0;
    if (!t) {
        rc = 1002;
    } else if (now_ms >= t->access_exp_ms) {
        rc = 1003;
    } else {
        memset(out, 0, sizeof *out);
        out->user_id = t->user_id;
        out->scopes = grant_scopes(t->scopes);
        memcpy(out->token_id, t->token_id, sizeof out->token_id);
        _Static_assert(sizeof out->client_id == sizeof t->client_id, "same size");
        memcpy(out->client_id, t->client_id, sizeof out->client_id);
        out->issued_ms = t->issued_ms;
    }
    pthread_mutex_unlock(&o->mu);
    return rc;
}

void oauth_revoke(struct ss_oauth *o, const char *bearer, const struct http_req *req,
                  struct http_resp *resp)
{
    char all[16];
    int delete_all = http_query(req, "deleteAllForApiClient", all, sizeof all) == 1 &&
                     !strcasecmp(all, "true");
    int64_t now = dclock_now_ms();
    char key[65];
    int keyed = oauth_bearer_key(bearer, NULL, key) == 0;
    pthread_mutex_lock(&o->mu);
    struct oa_token *t = keyed ? store_token_by_access(o->store, key) : NULL;
    if (!t) {
        pthread_mutex_unlock(&o->mu);
        ss_error(resp, 1002, NULL, NULL);
        return;
    }
    if (now >= t->access_exp_ms) {
        pthread_mutex_unlock(&o->mu);
        ss_error(resp, 1003, NULL, NULL);
        return;
    }
    memcpy(resp->token_id, t->token_id, sizeof resp->token_id);
    if (delete_all) {
        char client[64];
        snprintf(client, sizeof client, "%s", t->client_id);
        store_tokens_remove_client_user(o->store, client, t->user_id);
    } else {
        store_token_remove(o->store, t);
    }
    pthread_mutex_unlock(&o->mu);
    struct buf b;
    buf_init(&b, 64);
    buf_puts(&b, "{\"message\":\"SUCCESS\",\"resultCode\":0}");
    ss_json_ok(resp, &b);
}
