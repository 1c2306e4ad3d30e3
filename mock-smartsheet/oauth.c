#include "oauth.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dclock.h"
#include "kit_limits.h"
#include "log.h"
#include "oauth_pages.h"
#include "oauth_store.h"
#include "rng.h"
#include "sserror.h"
#include "strutil.h"

#define CODE_LIFETIME_MS   600000         /* about ten minutes */
#define ACCESS_LIFETIME_S  604799         /* Smartsheet's expires_in */
#define DEFAULT_MAX_LIVE   100000u
#define MAX_APPS           1000u
#define CLIENT_ID_LEN      22
#define SECRET_LEN         26
#define CODE_LEN           16
#define TOKEN_LEN          26
#define LOCATION_MAX       2047           /* what a response header can carry */

struct oa_app {
    char *name;
    char *client_id;
    char *secret;
    char *redirect_url;
    int publish;
};

struct ss_oauth {
    pthread_mutex_t mu;
    struct oa_app *apps;
    size_t napps;
    struct ss_consent consent;
    struct oa_store *store;
};

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
static const struct oa_app *app_find(const struct ss_oauth *o, const char *client_id)
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
    return o;
}

void oauth_free(struct ss_oauth *o)
{
    if (!o)
        return;
    apps_clear(o);
    store_free(o->store);
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
static int body_is_form(const struct http_req *req)
{
    if (req->body_too_large || !req->body || !req->body_len)
        return 0;
    const char *ct = http_header(req, "Content-Type");
    return !ct || !strncasecmp(ct, "application/x-www-form-urlencoded", 33);
}

/* Looks name up in the form body (when use_body) and then the query: the
 * body wins.  1 found, 0 absent, -1 malformed or too long. */
static int get_param(const struct http_req *req, int use_body, const char *name, char *out,
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
static uint32_t parse_scopes(const char *s)
{
    uint32_t set = 0;
    while (*s) {
        size_t n = strcspn(s, " ,");
        if (n) {
            int found = -1;
            for (int i = 0; i < OAUTH_NSCOPES && found < 0; i++)
                if (strlen(oauth_scope_names[i]) == n && !strncmp(s, oauth_scope_names[i], n))
                    found = i;
            if (found < 0)
                return 0;
            set |= 1u << found;
        }
        s += n;
        if (*s)
            s++;
    }
    return set;
}

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

/* ---- /b/authorize ---- */

/* 302 to base with the already-encoded query tail and the state. */
static void redirect_to(struct http_resp *resp, const char *base, const char *tail,
                        const struct oa_authz *a)
{
    struct buf loc;
    buf_init(&loc, LOCATION_MAX);
    buf_puts(&loc, base);
    buf_puts(&loc, strchr(base, '?') ? "&" : "?");
    buf_puts(&loc, tail);
    if (a->has_state) {
        buf_puts(&loc, "&state=");
        buf_urlenc(&loc, a->state, strlen(a->state));
    }
    if (loc.err) {
        buf_release(&loc);
        oauth_page_error(resp, 400, "Authorization failed",
                         "The state parameter is too long to send back to the app.");
        return;
    }
    struct buf body;
    buf_init(&body, 64);
    buf_puts(&body, "Redirecting to the app.\n");
    size_t len = 0;
    char *text = buf_take(&body, &len);
    http_resp_take(resp, 302, "text/plain;charset=UTF-8", text, len);
    http_resp_header(resp, "Location", loc.ptr);
    http_resp_header(resp, "Cache-Control", "no-store");
    buf_release(&loc);
}

static const struct ss_user *find_user(const struct ss_user *const *users, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (users[i]->id == id)
            return users[i];
    return NULL;
}

static int user_active(const struct ss_user *u)
{
    return u && u->status && !strcmp(u->status, "ACTIVE");
}

/* Issues a code for user and redirects with it. */
static void approve(struct ss_oauth *o, const struct oa_authz *a, const char *base,
                    int64_t user_id, uint32_t scopes, struct http_resp *resp)
{
    char code[CODE_LEN + 1], key[65];
    rng_token(code, CODE_LEN);
    sha256_hex(code, CODE_LEN, key);
    int64_t now = dclock_now_ms();
    pthread_mutex_lock(&o->mu);
    struct oa_code *c = store_code_add(o->store, key, a->client_id, user_id, scopes,
                                       a->has_redirect ? a->redirect_uri : NULL,
                                       now + CODE_LIFETIME_MS, now);
    c->family = store_next_family(o->store);
    int64_t exp = c->expires_ms;
    pthread_mutex_unlock(&o->mu);
    int64_t left = exp - dclock_now_ms();
    char tail[96];
    snprintf(tail, sizeof tail, "code=%s&expires_in=%" PRId64, code, left > 0 ? left : 0);
    redirect_to(resp, base, tail, a);
    explicit_bzero(code, sizeof code);
    explicit_bzero(tail, sizeof tail);
}

static int read_authz(const struct http_req *req, int use_body, struct oa_authz *a,
                      const char **bad)
{
    memset(a, 0, sizeof *a);
    int rc;
    if ((rc = get_param(req, use_body, "response_type", a->response_type,
                        sizeof a->response_type)) < 0)
        return *bad = "response_type", -1;
    if ((rc = get_param(req, use_body, "client_id", a->client_id, sizeof a->client_id)) < 0)
        return *bad = "client_id", -1;
    if ((rc = get_param(req, use_body, "scope", a->scope, sizeof a->scope)) < 0)
        return *bad = "scope", -1;
    if ((rc = get_param(req, use_body, "redirect_uri", a->redirect_uri,
                        sizeof a->redirect_uri)) < 0)
        return *bad = "redirect_uri", -1;
    a->has_redirect = rc;
    if ((rc = get_param(req, use_body, "state", a->state, sizeof a->state)) < 0)
        return *bad = "state", -1;
    a->has_state = rc;
    return 0;
}

void oauth_authorize_users(struct ss_oauth *o, const struct ss_user *const *users,
                           size_t nusers, const struct http_req *req,
                           struct http_resp *resp)
{
    int is_post = !strcmp(req->method, "POST");
    int use_body = is_post && body_is_form(req);
    struct oa_authz *a = xmalloc(sizeof *a);
    const char *bad = NULL;
    char app_name[512] = "", base[1100] = "";
    int known = 0;
    if (read_authz(req, use_body, a, &bad)) {
        char msg[128];
        snprintf(msg, sizeof msg, "The %s parameter is malformed or too long.", bad);
        oauth_page_error(resp, 400, "Authorization failed", msg);
        goto out;
    }

    pthread_mutex_lock(&o->mu);
    const struct oa_app *app = app_find(o, a->client_id);
    if (app) {
        known = 1;
        snprintf(app_name, sizeof app_name, "%s", app->name);
        snprintf(base, sizeof base, "%s", app->redirect_url);
    }
    struct ss_consent consent = o->consent;
    pthread_mutex_unlock(&o->mu);

    if (!known) {
        oauth_page_error(resp, 400, "Authorization failed",
                         a->client_id[0] ? "The client_id is not a registered app."
                                         : "The client_id parameter is required.");
        goto out;
    }
    if (a->has_redirect && strcmp(a->redirect_uri, base)) {
        oauth_page_error(resp, 400, "Authorization failed",
                         "The redirect_uri does not match the redirect URL registered "
                         "for this app.");
        goto out;
    }
    if (strcmp(a->response_type, "code")) {
        redirect_to(resp, base, "error=unsupported_response_type", a);
        goto out;
    }
    uint32_t scopes = parse_scopes(a->scope);
    if (!scopes) {
        redirect_to(resp, base, "error=invalid_scope", a);
        goto out;
    }

    char decision[16], uid_text[32];
    int has_decision = is_post && get_param(req, use_body, "decision", decision,
                                            sizeof decision) == 1;
    int64_t uid = 0;
    int has_uid = get_param(req, use_body, "user_id", uid_text, sizeof uid_text) == 1 &&
                  !parse_i64(uid_text, 1, INT64_MAX, &uid);
    if (has_decision) {                     /* a person's answer to the consent page */
        if (!strcmp(decision, "deny")) {
            redirect_to(resp, base, "error=access_denied", a);
        } else if (strcmp(decision, "allow")) {
            oauth_page_error(resp, 400, "Authorization failed", "Unknown decision.");
        } else if (!has_uid || !user_active(find_user(users, nusers, uid))) {
            oauth_page_error(resp, 403, "Sign-in failed",
                             "Choose an active user of this organisation to sign in.");
        } else {
            approve(o, a, base, uid, scopes, resp);
        }
        goto out;
    }
    switch (consent.mode) {
    case SS_CONSENT_DENY:
        redirect_to(resp, base, "error=access_denied", a);
        break;
    case SS_CONSENT_PAGE:
        if (has_uid && user_active(find_user(users, nusers, uid)))
            oauth_page_consent(resp, a, app_name, scopes, find_user(users, nusers, uid));
        else
            oauth_page_signin(resp, a, app_name, users, nusers);
        break;
    case SS_CONSENT_APPROVE:
    default: {
        const struct ss_user *u = NULL;
        if (consent.user_id)
            u = find_user(users, nusers, consent.user_id);
        for (size_t i = 0; !u && i < nusers; i++)
            if (users[i]->admin && user_active(users[i]))
                u = users[i];
        if (!user_active(u)) {
            oauth_page_error(resp, 403, "Sign-in failed",
                             "The approving user is missing or not active in this scenario.");
            break;
        }
        approve(o, a, base, u->id, scopes, resp);
        break;
    }
    }
out:
    free(a);
}

/* ---- /2.0/token ---- */

struct token_params {
    char grant_type[64];
    char client_id[128];
    char value[LIM_PARAM_VALUE];        /* code or refresh_token */
    char hash[LIM_PARAM_VALUE];
    char secret[LIM_PARAM_VALUE];
    char redirect[LIM_PARAM_VALUE];
    int has_hash, has_secret, has_redirect;
};

static void bad_param(struct http_resp *resp, const char *name)
{
    char msg[128];
    snprintf(msg, sizeof msg, "the %s parameter is malformed or too long", name);
    ss_oauth_error(resp, 1008, "invalid_request", msg);
}

/* Reads and checks presence; answers and returns -1 on a problem. */
static int read_token_params(const struct http_req *req, struct token_params *p,
                             struct http_resp *resp)
{
    int use_body = body_is_form(req);
    int rc = get_param(req, use_body, "grant_type", p->grant_type, sizeof p->grant_type);
    if (rc < 0)
        return bad_param(resp, "grant_type"), -1;
    if (!rc || !p->grant_type[0])
        return ss_oauth_error(resp, 1070, "invalid_request", "grant_type"), -1;
    int is_code = !strcmp(p->grant_type, "authorization_code");
    if (!is_code && strcmp(p->grant_type, "refresh_token"))
        return ss_oauth_error(resp, 1068, "unsupported_grant_type", NULL), -1;
    rc = get_param(req, use_body, "client_id", p->client_id, sizeof p->client_id);
    if (rc < 0)
        return bad_param(resp, "client_id"), -1;
    if (!rc || !p->client_id[0])
        return ss_oauth_error(resp, 1070, "invalid_request", "client_id"), -1;
    const char *vname = is_code ? "code" : "refresh_token";
    rc = get_param(req, use_body, vname, p->value, sizeof p->value);
    if (rc < 0)
        return bad_param(resp, vname), -1;
    if (!rc || !p->value[0])
        return ss_oauth_error(resp, 1070, "invalid_request", vname), -1;
    rc = get_param(req, use_body, "hash", p->hash, sizeof p->hash);
    if (rc < 0)
        return bad_param(resp, "hash"), -1;
    p->has_hash = rc && p->hash[0];
    rc = get_param(req, use_body, "client_secret", p->secret, sizeof p->secret);
    if (rc < 0)
        return bad_param(resp, "client_secret"), -1;
    p->has_secret = rc && p->secret[0];
    rc = get_param(req, use_body, "redirect_uri", p->redirect, sizeof p->redirect);
    if (rc == 0)
        rc = get_param(req, use_body, "redirect_url", p->redirect, sizeof p->redirect);
    if (rc < 0)
        return bad_param(resp, "redirect_uri"), -1;
    p->has_redirect = rc;
    return 0;
}

/* Client authentication: exactly one of hash and client_secret. */
static int check_client_auth(const struct oa_app *app, const struct token_params *p,
                             struct http_resp *resp)
{
    if (p->has_hash && p->has_secret)
        return ss_oauth_error(resp, 1237, "invalid_request", NULL), -1;
    if (!p->has_hash && !p->has_secret)
        return ss_oauth_error(resp, 1236, "invalid_client", NULL), -1;
    if (p->has_secret) {
        if (!rng_equal(p->secret, strlen(p->secret), app->secret, strlen(app->secret)))
            return ss_oauth_error(resp, 1238, "invalid_client", NULL), -1;
        return 0;
    }
    struct buf pre;
    buf_init(&pre, 2 * LIM_PARAM_VALUE + 2);
    buf_puts(&pre, app->secret);
    buf_puts(&pre, "|");
    buf_puts(&pre, p->value);
    char want[65];
    sha256_hex(pre.ptr ? pre.ptr : "", pre.len, want);
    if (pre.ptr)
        explicit_bzero(pre.ptr, pre.len);
    buf_release(&pre);
    /* Lowercase hex only, as every SDK sends it. */
    int ok = rng_equal(p->hash, strlen(p->hash), want, 64);
    explicit_bzero(want, sizeof want);
    if (!ok)
        return ss_oauth_error(resp, 1072, "invalid_grant", NULL), -1;
    return 0;
}

/* Issues a new pair (lock held) and writes the 200 answer. */
static void issue_tokens(struct ss_oauth *o, const char *client_id, int64_t user_id,
                         uint32_t scopes, uint64_t family, int64_t now,
                         struct http_resp *resp)
{
    char access[TOKEN_LEN + 1], refresh[TOKEN_LEN + 1], akey[65], rkey[65], tid[9];
    rng_token(access, TOKEN_LEN);
    rng_token(refresh, TOKEN_LEN);
    sha256_hex(access, TOKEN_LEN, akey);
    sha256_hex(refresh, TOKEN_LEN, rkey);
    rng_token_id(access, tid);
    store_token_add(o->store, akey, rkey, tid, client_id, user_id, scopes,
                    now + (int64_t)ACCESS_LIFETIME_S * 1000, family, now);
    struct buf b;
    buf_init(&b, 512);
    buf_printf(&b, "{\"access_token\":\"%s\",\"token_type\":\"bearer\",\"refresh_token\":\"%s\","
                   "\"expires_in\":%d}", access, refresh, ACCESS_LIFETIME_S);
    ss_json_ok(resp, &b);
    resp->gzip_ok = 0;
    http_resp_header(resp, "Cache-Control", "no-store");
    memcpy(resp->token_id, tid, sizeof tid);
    explicit_bzero(access, sizeof access);
    explicit_bzero(refresh, sizeof refresh);
}

void oauth_token(struct ss_oauth *o, const struct http_req *req, struct http_resp *resp)
{
    struct token_params *p = xcalloc(1, sizeof *p);
    if (read_token_params(req, p, resp))
        goto out;
    int64_t now = dclock_now_ms();
    pthread_mutex_lock(&o->mu);
    const struct oa_app *app = app_find(o, p->client_id);
    if (!app) {
        ss_oauth_error(resp, 1067, "invalid_client", NULL);
        goto unlock;
    }
    if (p->has_redirect && strcmp(p->redirect, app->redirect_url)) {
        ss_oauth_error(resp, 1073, "invalid_grant", NULL);
        goto unlock;
    }
    if (check_client_auth(app, p, resp))
        goto unlock;
    char key[65];
    sha256_hex(p->value, strlen(p->value), key);
    if (!strcmp(p->grant_type, "authorization_code")) {
        struct oa_code *c = store_code_find(o->store, key);
        if (!c || strcmp(c->client_id, p->client_id)) {
            ss_oauth_error(resp, 1071, "invalid_grant", NULL);
        } else if (c->used) {
            size_t n = store_tokens_remove_family(o->store, c->family);
            log_warn("oauth: authorization code reused; revoked %zu token(s) issued from it", n);
            ss_oauth_error(resp, 1071, "invalid_grant", NULL);
        } else if (now >= c->expires_ms) {
            ss_oauth_error(resp, 1069, "invalid_grant", NULL);
        } else {
            c->used = 1;
            issue_tokens(o, c->client_id, c->user_id, c->scopes, c->family, now, resp);
        }
    } else {
        struct oa_token *t = store_token_by_refresh(o->store, key);
        if (!t || strcmp(t->client_id, p->client_id)) {
            ss_oauth_error(resp, 1071, "invalid_grant", NULL);
        } else {
            int64_t user = t->user_id;
            uint32_t scopes = t->scopes;
            uint64_t family = t->family;
            store_token_remove(o->store, t);
            issue_tokens(o, p->client_id, user, scopes, family, now, resp);
        }
    }
unlock:
    pthread_mutex_unlock(&o->mu);
out:
    explicit_bzero(p, sizeof *p);
    free(p);
}

/* ---- bearer tokens ---- */

/* Lock held. */
static struct oa_token *bearer_find(struct ss_oauth *o, const char *token)
{
    if (!token || !*token || strlen(token) > LIM_PARAM_VALUE)
        return NULL;
    char key[65];
    sha256_hex(token, strlen(token), key);
    return store_token_by_access(o->store, key);
}

int oauth_check_bearer(struct ss_oauth *o, const char *token, int64_t now_ms,
                       struct ss_grant *out)
{
    pthread_mutex_lock(&o->mu);
    struct oa_token *t = bearer_find(o, token);
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
        snprintf(out->client_id, sizeof out->client_id, "%s", t->client_id);
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
    pthread_mutex_lock(&o->mu);
    struct oa_token *t = bearer_find(o, bearer);
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
