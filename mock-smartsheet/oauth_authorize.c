/* oauth_authorize.c - GET|POST /b/authorize: checks the app, redirect URI,
 * response type and scopes, then answers per the consent setting (redirect
 * with a code, access_denied, or the sign-in and consent pages). */
#include "oauth_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dclock.h"
#include "oauth_pages.h"
#include "rng.h"
#include "strutil.h"
#include "webpage.h"

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
    if (atomic_load(&o->unreserved_codes)) {
        /* Smartsheet's code format is not documented: a client must take
         * any unreserved character (a modelled assumption, docs/oauth.md). */
        static const char extra[] = "-._~";
        for (size_t i = 0; i < 4; i++)
            code[1 + i * (CODE_LEN - 2) / 3] = extra[i];
    }
    sha256_hex(code, CODE_LEN, key);
    int64_t now = dclock_now_ms();
    pthread_mutex_lock(&o->mu);
    oa_note_issued(o, key);
    struct oa_code *c = store_code_add(o->store, key, a->client_id, user_id, scopes,
                                       a->has_redirect ? a->redirect_uri : NULL,
                                       now + o->code_lifetime_ms, now);
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
    if ((rc = oa_get_param(req, use_body, "response_type", a->response_type,
                        sizeof a->response_type)) < 0)
        return *bad = "response_type", -1;
    if ((rc = oa_get_param(req, use_body, "client_id", a->client_id, sizeof a->client_id)) < 0)
        return *bad = "client_id", -1;
    if ((rc = oa_get_param(req, use_body, "scope", a->scope, sizeof a->scope)) < 0)
        return *bad = "scope", -1;
    if ((rc = oa_get_param(req, use_body, "redirect_uri", a->redirect_uri,
                        sizeof a->redirect_uri)) < 0)
        return *bad = "redirect_uri", -1;
    a->has_redirect = rc;
    if ((rc = oa_get_param(req, use_body, "state", a->state, sizeof a->state)) < 0)
        return *bad = "state", -1;
    a->has_state = rc;
    return 0;
}

void oauth_authorize_users(struct ss_oauth *o, const struct ss_user *const *users,
                           size_t nusers, const struct http_req *req,
                           struct http_resp *resp)
{
    int is_post = !strcmp(req->method, "POST");
    int use_body = is_post && oa_body_is_form(req);
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
    const struct oa_app *app = oa_app_find(o, a->client_id);
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
    int has_decision = is_post && oa_get_param(req, use_body, "decision", decision,
                                            sizeof decision) == 1;
    int64_t uid = 0;
    int has_uid = oa_get_param(req, use_body, "user_id", uid_text, sizeof uid_text) == 1 &&
                  !parse_i64(uid_text, 1, INT64_MAX, &uid);
    if (has_decision) {                     /* a person's answer to the consent page */
        /* A browser names the page a form came from: refuse another site's
         * (cross-site request forgery).  Clients that name none are tests. */
        if ((http_header(req, "Origin") || http_header(req, "Referer")) &&
            !web_same_origin(req)) {
            oauth_page_error(resp, 403, "Request refused",
                             "This answer was not sent from Smartsheet's consent page.");
            goto out;
        }
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
