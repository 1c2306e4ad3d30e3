/* oauth_token.c - POST /2.0/token: the code exchange and refresh, with
 * client authentication by hash or client_secret, single-use codes and
 * refresh rotation. */
#include "oauth_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dclock.h"
#include "kit_limits.h"
#include "log.h"
#include "rng.h"
#include "sserror.h"

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
    int use_body = oa_body_is_form(req);
    int rc = oa_get_param(req, use_body, "grant_type", p->grant_type, sizeof p->grant_type);
    if (rc < 0)
        return bad_param(resp, "grant_type"), -1;
    if (!rc || !p->grant_type[0])
        return ss_oauth_error(resp, 1070, "invalid_request", "grant_type"), -1;
    int is_code = !strcmp(p->grant_type, "authorization_code");
    if (!is_code && strcmp(p->grant_type, "refresh_token"))
        return ss_oauth_error(resp, 1068, "unsupported_grant_type", NULL), -1;
    rc = oa_get_param(req, use_body, "client_id", p->client_id, sizeof p->client_id);
    if (rc < 0)
        return bad_param(resp, "client_id"), -1;
    if (!rc || !p->client_id[0])
        return ss_oauth_error(resp, 1070, "invalid_request", "client_id"), -1;
    const char *vname = is_code ? "code" : "refresh_token";
    rc = oa_get_param(req, use_body, vname, p->value, sizeof p->value);
    if (rc < 0)
        return bad_param(resp, vname), -1;
    if (!rc || !p->value[0])
        return ss_oauth_error(resp, 1070, "invalid_request", vname), -1;
    rc = oa_get_param(req, use_body, "hash", p->hash, sizeof p->hash);
    if (rc < 0)
        return bad_param(resp, "hash"), -1;
    p->has_hash = rc && p->hash[0];
    rc = oa_get_param(req, use_body, "client_secret", p->secret, sizeof p->secret);
    if (rc < 0)
        return bad_param(resp, "client_secret"), -1;
    p->has_secret = rc && p->secret[0];
    rc = oa_get_param(req, use_body, "redirect_uri", p->redirect, sizeof p->redirect);
    if (rc == 0)
        rc = oa_get_param(req, use_body, "redirect_url", p->redirect, sizeof p->redirect);
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
    oa_note_issued(o, akey);
    oa_note_issued(o, rkey);
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
    const struct oa_app *app = oa_app_find(o, p->client_id);
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
    /* The cause stays in the journal's errorCode only in detailed mode:
     * the generic answer replaces the whole body. */
    if (resp->status >= 400 && atomic_load(&o->generic_token_errors))
        ss_error(resp, 1004, NULL, NULL);
}
