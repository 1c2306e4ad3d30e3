/* server.c - mock-smartsheet's request pipeline: route, faults, bearer
 * token, rate limit, scope, endpoint; and the journal hook. */
#include "server.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "dclock.h"
#include "devtools.h"
#include "webpage.h"
#include "fault_http.h"
#include "log.h"
#include "rng.h"
#include "sserror.h"
#include "strutil.h"

/* Parameters whose values never reach the journal. */
static const char *const secret_params[] = {"client_secret", "code", "refresh_token", "hash",
                                            "access_token", NULL};

struct ss_sref {
    struct ss_scenario *sc;
    atomic_long refs;
};

static void sref_release(void *cls)
{
    struct ss_sref *r = cls;
    if (atomic_fetch_sub(&r->refs, 1) == 1) {
        scenario_free(r->sc);
        free(r);
    }
}

enum route {
    R_NONE = 0,
    R_AUTHORIZE,
    R_TOKEN,
    R_USERS,
    R_USERS_ME,
    R_USER,
    R_GROUPS,
    R_EVENTS,
    R_API_UNKNOWN,
};

struct route_match {
    enum route route;
    char segment[64];       /* {id} of /2.0/users/{id} */
};

/* Strips one trailing slash (SDKs before 4.7 send "events/"). */
static size_t path_len(const char *path)
{
    size_t n = strlen(path);
    if (n > 1 && path[n - 1] == '/')
        n--;
    return n;
}

static int path_is(const char *path, size_t n, const char *want)
{
    return strlen(want) == n && !memcmp(path, want, n);
}

static struct route_match route_of(const char *path)
{
    struct route_match m = {R_NONE, ""};
    size_t n = path_len(path);
    if (path_is(path, n, "/b/authorize"))
        m.route = R_AUTHORIZE;
    else if (path_is(path, n, "/2.0/token"))
        m.route = R_TOKEN;
    else if (path_is(path, n, "/2.0/users"))
        m.route = R_USERS;
    else if (path_is(path, n, "/2.0/users/me"))
        m.route = R_USERS_ME;
    else if (path_is(path, n, "/2.0/events"))
        m.route = R_EVENTS;
    else if (path_is(path, n, "/2.0/groups"))
        m.route = R_GROUPS;
    else if (n > 12 && !strncmp(path, "/2.0/users/", 11) && !memchr(path + 11, '/', n - 11) &&
             n - 11 < sizeof m.segment) {
        m.route = R_USER;
        memcpy(m.segment, path + 11, n - 11);
        m.segment[n - 11] = '\0';
    } else if (!strncmp(path, "/2.0/", 5) || path_is(path, n, "/2.0")) {
        m.route = R_API_UNKNOWN;
    }
    return m;
}

/* The bearer token of the request, or NULL.  *scheme says what was sent. */
static const char *bearer_of(const struct http_req *req, const char **scheme)
{
    const char *h = http_header(req, "Authorization");
    *scheme = "none";
    if (!h)
        return NULL;
    if (strncasecmp(h, "Bearer ", 7)) {
        *scheme = "other";
        return NULL;
    }
    *scheme = "Bearer";
    h += 7;
    while (*h == ' ')
        h++;
    return *h ? h : NULL;
}

static void not_found(const struct http_req *req, struct http_resp *resp)
{
    char ref[13], method[16], path[256];
    ss_ref_id(ref);
    str_sanitize(req->method, method, sizeof method);
    str_sanitize(req->path, path, sizeof path);
    struct buf b;
    buf_init(&b, 4096);
    buf_printf(&b, "{\"errorCode\":1006,\"message\":\"Not Found\",\"refId\":\"%s\","
                   "\"detail\":{\"unmatched\":", ref);
    char what[300];
    snprintf(what, sizeof what, "%s %s", method, path);
    buf_json_str(&b, what, strlen(what));
    buf_puts(&b, "}}");
    size_t len = 0;
    char *body = buf_take(&b, &len);
    http_resp_take(resp, 404, SS_JSON, body, len);
    resp->error_code = 1006;
}

static void method_not_allowed(const struct http_req *req, struct http_resp *resp)
{
    char method[16];
    str_sanitize(req->method, method, sizeof method);
    ss_error(resp, 1122, method, NULL);
}

static int method_is(const struct http_req *req, const char *m)
{
    return !strcmp(req->method, m);
}

/* Applies a fault; returns 1 if it is the whole answer. */
static int apply_fault(struct ss_server *s, const struct http_req *req, const char *token,
                       struct http_resp *resp)
{
    char tid[9] = "";
    if (!fault_any(s->faults) || req->held)
        return 0;
    if (token)
        rng_token_id(token, tid);
    struct fault_caller caller = {tid, -1};
    struct ss_grant g;
    char key[65];
    if (token && fault_wants_token_age(s->faults) && !oauth_bearer_key(token, NULL, key) &&
        !oauth_check_key(s->oauth, key, req->dur_ms, &g))
        caller.token_issued_ms = g.issued_ms;
    struct fault_fire f;
    if (!fault_check(s->faults, req->method, req->path, &caller, req->dur_ms, &f))
        return 0;
    memcpy(resp->token_id, tid, sizeof tid);
    switch (fault_apply_http(&f, resp)) {
    case FAULT_HELD:
        return 1;
    case FAULT_SERVICE_ERROR:
        ss_error(resp, f.error_code, NULL, NULL);
        if (f.status)
            resp->status = f.status;
        return 1;
    case FAULT_ANSWERED:
        return 1;
    default:
        return 0;
    }
}

static void rate_limited(struct ss_server *s, int64_t retry_ms, struct http_resp *resp)
{
    ss_error(resp, 4003, NULL, NULL);
    if (s->retry_after) {
        int64_t real = dclock_to_real_ms(retry_ms);
        char v[32];
        snprintf(v, sizeof v, "%lld", (long long)((real + 999) / 1000));
        http_resp_header(resp, "Retry-After", v);
    }
    atomic_fetch_add(&s->served_429, 1);
}

/* What mock-smartsheet keeps on a keep-alive connection: clients present
 * the same token on each request, and pollers the same query. */
struct ss_conn {
    struct sha256_memo *bearer;
    struct events_memo events;
};

void ss_conn_free(void *data)
{
    struct ss_conn *c = data;
    if (!c)
        return;
    sha256_memo_free(c->bearer);
    free(c);
}

static struct ss_conn *conn_of(const struct http_req *req)
{
    if (!req->conn_data)
        return NULL;
    if (!*req->conn_data) {
        struct ss_conn *c = xcalloc(1, sizeof *c);
        c->bearer = sha256_memo_new();
        *req->conn_data = c;
    }
    return *req->conn_data;
}

/* The API calls behind a bearer token. */
static void api_call(struct ss_server *s, const struct http_req *req,
                     const struct route_match *m, const char *token, struct http_resp *resp)
{
    if (!token) {
        ss_error(resp, 1001, NULL, NULL);
        return;
    }
    struct ss_conn *conn = conn_of(req);
    struct ss_grant g;
    char key[65];
    int code = oauth_bearer_key(token, conn ? conn->bearer : NULL, key)
                   ? 1002
                   : oauth_check_key(s->oauth, key, req->dur_ms, &g);
    if (code) {
        ss_error(resp, code, NULL, NULL);
        return;
    }
    memcpy(resp->token_id, g.token_id, sizeof g.token_id);
    int64_t retry = 0;
    if (!rl_take(s->rl, g.token_id, req->dur_ms, &retry)) {
        rate_limited(s, retry, resp);
        return;
    }
    if (m->route == R_TOKEN) {            /* DELETE /2.0/token */
        oauth_revoke(s->oauth, token, req, resp);
        return;
    }
    unsigned need = m->route == R_EVENTS ? SCOPE_READ_EVENTS
                  : m->route == R_USERS_ME ? 0 : SCOPE_READ_USERS;
    if ((g.scopes & need) != need) {
        ss_error(resp, 1004, NULL, NULL);
        return;
    }

    pthread_rwlock_rdlock(&s->lock);
    const struct ss_user *u = scenario_user_by_id(s->sc, g.user_id);
    if (!u) {
        /* the scenario was reloaded under the token's feet */
        pthread_rwlock_unlock(&s->lock);
        ss_error(resp, 1002, NULL, NULL);
        return;
    }
    struct ss_caller caller = {g.user_id, u->admin};
    switch (m->route) {
    case R_EVENTS: {
        struct events_shape shape = {atomic_load(&s->events_page_limit),
                                     atomic_load(&s->events_omit_last_position),
                                     atomic_load(&s->events_wide_over_ms),
                                     atomic_load(&s->events_wide_timeout),
                                     atomic_load(&s->events_wide_delay_ms)};
        api_events(s->sc, &caller, req, req->real_ms, conn ? &conn->events : NULL, &shape, resp);
        break;
    }
    case R_USERS: api_users_list(s->sc, &caller, req, resp); break;
    case R_USERS_ME: api_users_me(s->sc, &caller, req, resp); break;
    case R_USER: api_users_get(s->sc, &caller, m->segment, req, resp); break;
    case R_GROUPS: api_groups_list(s->sc, &caller, req, resp); break;
    default: not_found(req, resp); break;
    }
    if (resp->body && !resp->body_owned) {
        /* a prebuilt page: keep its scenario alive until it is sent */
        atomic_fetch_add(&s->sref->refs, 1);
        resp->body_release = sref_release;
        resp->body_release_cls = s->sref;
    }
    pthread_rwlock_unlock(&s->lock);
}

void ss_handle(void *app, const struct http_req *req, struct http_resp *resp)
{
    struct ss_server *s = app;
    if (!strncmp(req->path, "/_mock/", 7) || !strcmp(req->path, "/_mock")) {
        if (!serveropts_admin_allowed(&s->opts, req)) {
            static const char msg[] = "{\"error\":\"the admin API is open to loopback clients "
                                      "or with X-Admin-Token only\"}";
            http_resp_copy(resp, 403, SS_JSON, msg, sizeof msg - 1);
            return;
        }
        ss_admin(s, req, resp);
        return;
    }

    if (devtools_route(req->path)) {
        if (!serveropts_host_allowed(&s->opts, req))
            web_misdirected(resp);
        else
            devtools_handle(s, req, resp);
        return;
    }

    struct route_match m = route_of(req->path);
    const char *scheme;
    const char *token = bearer_of(req, &scheme);
    resp->auth_scheme = scheme;
    if (m.route == R_NONE || m.route == R_API_UNKNOWN) {
        not_found(req, resp);
        return;
    }
    /* Two hosts, as in production: a client that derives one URL from the
     * other gets what Smartsheet would give it, a page not found. */
    if (s->app_host[0] &&
        serveropts_host_named(&s->opts, req, s->app_host) != (m.route == R_AUTHORIZE)) {
        not_found(req, resp);
        return;
    }
    if (apply_fault(s, req, token, resp))
        return;

    switch (m.route) {
    case R_AUTHORIZE:
        if (!serveropts_host_allowed(&s->opts, req)) {   /* a page for people */
            web_misdirected(resp);
            return;
        }
        if (!method_is(req, "GET") && !method_is(req, "POST")) {
            method_not_allowed(req, resp);
            return;
        }
        pthread_rwlock_rdlock(&s->lock);
        oauth_authorize(s->oauth, s->sc, req, resp);
        pthread_rwlock_unlock(&s->lock);
        return;
    case R_TOKEN:
        if (method_is(req, "POST"))
            oauth_token(s->oauth, req, resp);
        else if (method_is(req, "DELETE"))
            api_call(s, req, &m, token, resp);
        else
            method_not_allowed(req, resp);
        return;
    default:
        if (!method_is(req, "GET")) {
            method_not_allowed(req, resp);
            return;
        }
        api_call(s, req, &m, token, resp);
        return;
    }
}

void ss_done(void *app, const struct http_req *req, const struct http_resp *resp)
{
    struct ss_server *s = app;
    if (!strncmp(req->path, "/_mock/", 7))
        return;    /* the admin API is not part of what a client did */

    struct buf query, form;
    buf_init(&query, 16384);
    buf_init(&form, 16384);
    const char *q = journal_safe_text(req->query, strlen(req->query), secret_params, &query);
    const char *ctype = http_header(req, "Content-Type");
    if (req->body_len && ctype && !strncasecmp(ctype, "application/x-www-form-urlencoded", 33))
        journal_redact(req->body, req->body_len, secret_params, &form);
    const char *scheme = resp->auth_scheme;
    if (!scheme)
        (void)bearer_of(req, &scheme);

    struct journal_entry e;
    memset(&e, 0, sizeof e);
    e.seq = req->seq;
    e.real_ms = req->real_ms;
    e.dur_ms = req->dur_ms;
    size_t mlen = strnlen(req->method, sizeof e.method - 1);
    memcpy(e.method, req->method, mlen);             /* e is zeroed: stays terminated */
    e.status = resp->status;
    e.error_code = resp->error_code;
    memcpy(e.token_id, resp->token_id, sizeof e.token_id);
    memcpy(e.auth_scheme, scheme, strnlen(scheme, sizeof e.auth_scheme - 1));
    e.path = (char *)req->path;
    e.query = (char *)q;
    e.form = form.ptr;
    e.user_agent = (char *)http_header(req, "User-Agent");
    e.content_type = (char *)ctype;
    e.accept_encoding = (char *)http_header(req, "Accept-Encoding");
    e.note = resp->note[0] ? (char *)resp->note : NULL;
    journal_add(s->journal, &e);
    buf_release(&query);
    buf_release(&form);

    atomic_fetch_add(&s->requests, 1);
}

int ss_load_scenario(struct ss_server *s, const char *name, char *err, size_t errlen)
{
    struct ss_scenario *sc = NULL;
    if (scenario_load(s->fixtures_dir, name, dclock_wall_ms(), &sc, err, errlen))
        return -1;
    struct ss_sref *ref = xcalloc(1, sizeof *ref);
    ref->sc = sc;
    atomic_init(&ref->refs, 1);
    size_t users = scenario_user_count(sc), events = scenario_event_count(sc);
    pthread_rwlock_wrlock(&s->lock);
    struct ss_sref *old = s->sref;
    s->sref = ref;
    s->sc = sc;
    snprintf(s->scenario_name, sizeof s->scenario_name, "%s", name);
    oauth_reset(s->oauth, sc);
    struct ss_ratelimit_cfg rc = scenario_ratelimit(sc);
    if (!rc.requests) {
        /* not the previous scenario's (or admin call's) limit: the default */
        rc.requests = s->rate_default_n;
        rc.window_ms = s->rate_default_window_ms;
    }
    if (!s->rate_limit_from_cli && rc.requests) {
        enum rl_algo a;
        uint32_t n;
        int64_t w;
        rl_get_config(s->rl, &a, &n, &w);
        rl_configure(s->rl, a, rc.requests, rc.window_ms);
    } else {
        rl_reset(s->rl);
    }
    fault_set_clear(s->faults);
    journal_clear(s->journal);
    atomic_store(&s->served_429, 0);
    atomic_store(&s->requests, 0);
    atomic_store(&s->events_page_limit, 0);
    atomic_store(&s->events_omit_last_position, 0);
    atomic_store(&s->events_wide_over_ms, 0);
    oauth_set_generic_token_errors(s->oauth, 1);
    oauth_set_unreserved_codes(s->oauth, 0);
    pthread_rwlock_unlock(&s->lock);
    if (old)
        sref_release(old);
    log_info("scenario '%s' loaded: %zu users, %zu events", name, users, events);
    return 0;
}

void ss_release_scenario(struct ss_server *s)
{
    pthread_rwlock_wrlock(&s->lock);
    struct ss_sref *old = s->sref;
    s->sref = NULL;
    s->sc = NULL;
    pthread_rwlock_unlock(&s->lock);
    if (old)
        sref_release(old);
}
