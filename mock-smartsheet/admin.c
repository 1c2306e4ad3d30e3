/* admin.c - mock-smartsheet's /_mock/ admin API (docs/mock-smartsheet.md). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dclock.h"
#include "jstrict.h"
#include "kit_limits.h"
#include "server.h"
#include "sserror.h"
#include "strutil.h"

static void reply_json(struct http_resp *resp, int status, struct buf *b)
{
    size_t len = 0;
    char *body = buf_take(b, &len);
    http_resp_take(resp, status, SS_JSON, body, len);
}

static void reply_error(struct http_resp *resp, int status, const char *msg)
{
    struct buf b;
    buf_init(&b, 4096);
    buf_puts(&b, "{\"error\":");
    buf_json_str(&b, msg, strlen(msg));
    buf_puts(&b, "}");
    reply_json(resp, status, &b);
}

static void reply_ok(struct http_resp *resp)
{
    static const char ok[] = "{\"ok\":true}";
    http_resp_copy(resp, 200, SS_JSON, ok, sizeof ok - 1);
}

/* Parses the request body as a JSON object; answers 400 and returns NULL
 * when it is not one.  An empty body is an empty object. */
static cJSON *body_object(const struct http_req *req, struct http_resp *resp)
{
    if (req->body_too_large) {
        reply_error(resp, 413, "request body too large");
        return NULL;
    }
    if (!req->body_len)
        return cJSON_CreateObject();
    /* bounded and strict before any tree is built */
    char msg[220];
    int status = jstrict_body_refusal(req->body, req->body_len, NULL, msg, sizeof msg);
    if (status) {
        reply_error(resp, status, msg);
        return NULL;
    }
    cJSON *j = cJSON_ParseWithLength(req->body, req->body_len);
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        reply_error(resp, 400, "the body must be a JSON object");
        return NULL;
    }
    return j;
}

static const char *json_string(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The current scenario's name (ss_load_scenario writes it under s->lock). */
static void scenario_name_copy(struct ss_server *s, char out[])
{
    pthread_rwlock_rdlock(&s->lock);
    memcpy(out, s->scenario_name, sizeof s->scenario_name);
    pthread_rwlock_unlock(&s->lock);
}

/* A body {"<field>": "<no>"|"<yes>"}: 0 or 1, or -1 when answered 400. */
static int body_choice(const struct http_req *req, struct http_resp *resp, const char *field,
                       const char *no, const char *yes)
{
    cJSON *j = body_object(req, resp);
    if (!j)
        return -1;
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(j, field);
    const char *v = cJSON_IsString(f) ? f->valuestring : "";
    int rc = !strcmp(v, yes) ? 1 : !strcmp(v, no) ? 0 : -1;
    cJSON_Delete(j);
    if (rc < 0) {
        char msg[200];
        snprintf(msg, sizeof msg, "field '%s' must be \"%s\" or \"%s\"", field, yes, no);
        reply_error(resp, 400, msg);
    }
    return rc;
}

/* POST /_mock/wide-queries {"overMs":N,"answer":"timeout"|"slow","delayMs":M}:
 * `since` queries spanning more than N ms of calendar time (0: off). */
static void admin_wide_queries(struct ss_server *s, const struct http_req *req,
                               struct http_resp *resp)
{
    cJSON *j = body_object(req, resp);
    if (!j)
        return;
    const cJSON *over = cJSON_GetObjectItemCaseSensitive(j, "overMs");
    const cJSON *ans = cJSON_GetObjectItemCaseSensitive(j, "answer");
    const cJSON *delay = cJSON_GetObjectItemCaseSensitive(j, "delayMs");
    const char *a = cJSON_IsString(ans) ? ans->valuestring : "timeout";
    int64_t over_ms = 0, delay_ms = 0;
    if (!cJSON_IsNumber(over) || double_to_i64(over->valuedouble, &over_ms) || over_ms < 0 ||
        (ans && !cJSON_IsString(ans)) || (strcmp(a, "timeout") && strcmp(a, "slow")) ||
        (delay && (!cJSON_IsNumber(delay) || double_to_i64(delay->valuedouble, &delay_ms) ||
                   delay_ms < 0 || delay_ms > 86400000LL))) {
        reply_error(resp, 400, "want {\"overMs\": N >= 0 (0: off), \"answer\": \"timeout\" or "
                    "\"slow\", \"delayMs\": 0 to 86400000}");
    } else {
        atomic_store(&s->events_wide_timeout, !strcmp(a, "timeout"));
        atomic_store(&s->events_wide_delay_ms, delay_ms);
        atomic_store(&s->events_wide_over_ms, over_ms);
        reply_ok(resp);
    }
    cJSON_Delete(j);
}

static void admin_reset(struct ss_server *s, const char *name, struct http_resp *resp)
{
    char err[512];
    if (ss_load_scenario(s, name, err, sizeof err)) {
        reply_error(resp, 400, err);
        return;
    }
    struct buf b;
    buf_init(&b, 1024);
    buf_puts(&b, "{\"ok\":true,\"scenario\":");
    buf_json_str(&b, name, strlen(name));
    buf_puts(&b, "}");
    reply_json(resp, 200, &b);
}

static void admin_scenario(struct ss_server *s, const struct http_req *req,
                           struct http_resp *resp)
{
    cJSON *j = body_object(req, resp);
    if (!j)
        return;
    const char *name = json_string(j, "name");
    if (!name || !*name || strlen(name) >= sizeof s->scenario_name || strchr(name, '/') ||
        name[0] == '.')
        reply_error(resp, 400, "field 'name' must be a scenario folder name");
    else
        admin_reset(s, name, resp);
    cJSON_Delete(j);
}

static void admin_clock(const struct http_req *req, struct http_resp *resp)
{
    if (!strcmp(req->method, "POST")) {
        cJSON *j = body_object(req, resp);
        if (!j)
            return;
        const cJSON *adv = cJSON_GetObjectItemCaseSensitive(j, "advanceMs");
        if (!cJSON_IsNumber(adv) || adv->valuedouble < 0 || adv->valuedouble > 1e13) {
            cJSON_Delete(j);
            reply_error(resp, 400, "field 'advanceMs' must be a number of milliseconds >= 0");
            return;
        }
        dclock_jump((int64_t)adv->valuedouble);
        cJSON_Delete(j);
    }
    struct buf b;
    buf_init(&b, 256);
    buf_printf(&b, "{\"durationMs\":%lld,\"timeScale\":%g,\"wallMs\":%lld}",
               (long long)dclock_now_ms(), dclock_scale(), (long long)dclock_wall_ms());
    reply_json(resp, 200, &b);
}

static void admin_ratelimit(struct ss_server *s, const struct http_req *req,
                            struct http_resp *resp)
{
    cJSON *j = body_object(req, resp);
    if (!j)
        return;
    enum rl_algo algo;
    uint32_t n;
    int64_t window;
    rl_get_config(s->rl, &algo, &n, &window);
    const cJSON *req_n = cJSON_GetObjectItemCaseSensitive(j, "requests");
    const cJSON *secs = cJSON_GetObjectItemCaseSensitive(j, "seconds");
    const char *a = json_string(j, "algorithm");
    const cJSON *ra = cJSON_GetObjectItemCaseSensitive(j, "retryAfter");
    const char *bad = NULL;
    if (req_n && (!cJSON_IsNumber(req_n) || req_n->valuedouble < 1 || req_n->valuedouble > 1e8))
        bad = "field 'requests' must be a number from 1 to 100000000";
    else if (secs && (!cJSON_IsNumber(secs) || secs->valuedouble <= 0 || secs->valuedouble > 1e7))
        bad = "field 'seconds' must be a positive number";
    else if (a && rl_parse_algo(a, &algo))
        bad = "field 'algorithm' must be sliding, fixed or gcra";
    else if (ra && !cJSON_IsBool(ra))
        bad = "field 'retryAfter' must be true or false";
    if (bad) {
        cJSON_Delete(j);
        reply_error(resp, 400, bad);
        return;
    }
    if (req_n)
        n = (uint32_t)req_n->valuedouble;
    if (secs)
        window = (int64_t)(secs->valuedouble * 1000.0 + 0.5);
    if (ra)
        s->retry_after = cJSON_IsTrue(ra);
    rl_configure(s->rl, algo, n, window);
    cJSON_Delete(j);
    reply_ok(resp);
}

static void admin_stats(struct ss_server *s, struct http_resp *resp)
{
    enum rl_algo algo;
    uint32_t n;
    int64_t window;
    rl_get_config(s->rl, &algo, &n, &window);
    size_t cap = 1024;
    struct rl_stats *st = calloc(cap, sizeof *st);
    size_t count = st ? rl_stats(s->rl, st, cap) : 0;
    unsigned long long requests = atomic_load(&s->requests), served = atomic_load(&s->served_429);

    char name[sizeof s->scenario_name];
    scenario_name_copy(s, name);
    struct buf b;
    buf_init(&b, 1024 * 1024);
    buf_printf(&b, "{\"scenario\":");
    buf_json_str(&b, name, strlen(name));
    buf_printf(&b, ",\"requests\":%llu,\"served429\":%llu,\"durationMs\":%lld,"
                   "\"rateLimit\":{\"requests\":%u,\"windowMs\":%lld,\"algorithm\":\"%s\","
                   "\"retryAfter\":%s},\"tokens\":[",
               requests, served, (long long)dclock_now_ms(), n, (long long)window,
               rl_algo_name(algo), s->retry_after ? "true" : "false");
    for (size_t i = 0; i < count && i < cap; i++)
        buf_printf(&b, "%s{\"tokenId\":\"%s\",\"requests\":%llu,\"refused\":%llu,"
                       "\"maxInWindow\":%llu,\"maxWindowEndMs\":%lld}",
                   i ? "," : "", st[i].key, (unsigned long long)st[i].requests,
                   (unsigned long long)st[i].refused, (unsigned long long)st[i].max_in_window,
                   (long long)st[i].max_window_end);
    buf_puts(&b, "]}");
    free(st);
    reply_json(resp, 200, &b);
}

static void admin_journal(struct ss_server *s, const struct http_req *req,
                          struct http_resp *resp)
{
    if (!strcmp(req->method, "DELETE")) {
        journal_clear(s->journal);
        reply_ok(resp);
        return;
    }
    char method[16], path[512], token[16], status[16], after[32], limit[32];
    struct journal_filter f = {0};
    if (http_query(req, "method", method, sizeof method) == 1)
        f.method = method;
    if (http_query(req, "path", path, sizeof path) == 1)
        f.path_prefix = path;
    if (http_query(req, "token", token, sizeof token) == 1)
        f.token_id = token;
    int64_t v;
    if (http_query(req, "status", status, sizeof status) == 1 && !parse_i64(status, 100, 599, &v))
        f.status = (int)v;
    if (http_query(req, "after", after, sizeof after) == 1 &&
        !parse_i64(after, 0, INT64_MAX, &v))
        f.after_seq = (uint64_t)v;
    if (http_query(req, "limit", limit, sizeof limit) == 1 &&
        !parse_i64(limit, 1, 100000000, &v))
        f.limit = (size_t)v;
    struct buf b;
    buf_init(&b, 512u * 1024 * 1024);
    journal_to_json(s->journal, &f, &b);
    if (b.err) {
        reply_error(resp, 500, "journal too large for one answer: use 'after' and 'limit'");
        buf_release(&b);
        return;
    }
    reply_json(resp, 200, &b);
}

static void admin_faults(struct ss_server *s, const struct http_req *req, const char *rest,
                         struct http_resp *resp)
{
    if (!strcmp(req->method, "GET") && !*rest) {
        struct buf b;
        buf_init(&b, 1024 * 1024);
        fault_list_json(s->faults, &b);
        reply_json(resp, 200, &b);
    } else if (!strcmp(req->method, "DELETE") && !*rest) {
        fault_set_clear(s->faults);
        reply_ok(resp);
    } else if (!strcmp(req->method, "DELETE")) {
        int64_t id;
        if (parse_i64(rest, 1, UINT32_MAX, &id) || !fault_remove(s->faults, (unsigned)id))
            reply_error(resp, 404, "no such fault rule");
        else
            reply_ok(resp);
    } else if (!strcmp(req->method, "POST") && !*rest) {
        cJSON *j = body_object(req, resp);
        if (!j)
            return;
        char err[256];
        unsigned id = fault_add_json(s->faults, j, ss_fault_codes, dclock_now_ms(), err, sizeof err);
        cJSON_Delete(j);
        if (!id) {
            reply_error(resp, 400, err);
            return;
        }
        struct buf b;
        buf_init(&b, 64);
        buf_printf(&b, "{\"id\":%u}", id);
        reply_json(resp, 200, &b);
    } else {
        reply_error(resp, 405, "use GET, POST or DELETE");
    }
}

static void admin_apps(struct ss_server *s, const struct http_req *req, struct http_resp *resp)
{
    cJSON *j = body_object(req, resp);
    if (!j)
        return;
    const cJSON *publish = cJSON_GetObjectItemCaseSensitive(j, "publish");
    char client_id[64], secret[64], err[256];
    int rc = oauth_register_app(s->oauth, json_string(j, "name"), json_string(j, "description"),
                                json_string(j, "appUrl"), json_string(j, "contactUrl"),
                                json_string(j, "redirectUrl"), cJSON_IsTrue(publish), client_id,
                                sizeof client_id, secret, sizeof secret, err, sizeof err);
    cJSON_Delete(j);
    if (rc) {
        reply_error(resp, 400, err);
        return;
    }
    struct buf b;
    buf_init(&b, 512);
    buf_printf(&b, "{\"clientId\":\"%s\",\"secret\":\"%s\"}", client_id, secret);
    reply_json(resp, 200, &b);
}

static void admin_consent(struct ss_server *s, const struct http_req *req,
                          struct http_resp *resp)
{
    cJSON *j = body_object(req, resp);
    if (!j)
        return;
    const char *mode = json_string(j, "mode");
    const cJSON *uid = cJSON_GetObjectItemCaseSensitive(j, "userId");
    struct ss_consent c = {SS_CONSENT_APPROVE, 0};
    const char *bad = NULL;
    if (!mode)
        bad = "field 'mode' must be approve, deny or page";
    else if (!strcmp(mode, "approve"))
        c.mode = SS_CONSENT_APPROVE;
    else if (!strcmp(mode, "deny"))
        c.mode = SS_CONSENT_DENY;
    else if (!strcmp(mode, "page"))
        c.mode = SS_CONSENT_PAGE;
    else
        bad = "field 'mode' must be approve, deny or page";
    if (!bad && uid) {
        /* 0 stands for the scenario's first ACTIVE System Admin (docs/oauth.md). */
        if (!cJSON_IsNumber(uid) || uid->valuedouble < 0 || uid->valuedouble > 9007199254740991.0 ||
            uid->valuedouble != (double)(int64_t)uid->valuedouble) {
            bad = "field 'userId' must be a user id, or 0 for the first ACTIVE System Admin";
        } else if (uid->valuedouble != 0) {
            c.user_id = (int64_t)uid->valuedouble;
            pthread_rwlock_rdlock(&s->lock);
            if (!scenario_user_by_id(s->sc, c.user_id))
                bad = "field 'userId' names no user of the scenario";
            pthread_rwlock_unlock(&s->lock);
        }
    }
    cJSON_Delete(j);
    if (bad) {
        reply_error(resp, 400, bad);
        return;
    }
    oauth_set_consent(s->oauth, c);
    reply_ok(resp);
}

static void admin_events(struct ss_server *s, const struct http_req *req,
                         struct http_resp *resp)
{
    struct buf b;
    if (!strcmp(req->method, "GET")) {
        char nd[8];
        int numeric = http_query(req, "numericDates", nd, sizeof nd) == 1 && !strcmp(nd, "true");
        buf_init(&b, 2048u * 1024 * 1024);
        pthread_rwlock_rdlock(&s->lock);
        scenario_events_json(s->sc, numeric, &b);
        pthread_rwlock_unlock(&s->lock);
        if (b.err) {
            reply_error(resp, 500, "event stream too large for one answer");
            buf_release(&b);
            return;
        }
        reply_json(resp, 200, &b);
        resp->gzip_ok = 1;
        return;
    }
    if (strcmp(req->method, "POST")) {
        reply_error(resp, 405, "use GET or POST");
        return;
    }
    if (req->body_too_large) {
        reply_error(resp, 413, "request body too large");
        return;
    }
    char err[512];
    pthread_rwlock_wrlock(&s->lock);
    long n = scenario_append_events(s->sc, req->body, req->body_len, dclock_wall_ms(), err,
                                    sizeof err);
    size_t total = scenario_event_count(s->sc);
    pthread_rwlock_unlock(&s->lock);
    if (n < 0) {
        reply_error(resp, 400, err);
        return;
    }
    buf_init(&b, 128);
    buf_printf(&b, "{\"appended\":%ld,\"total\":%zu}", n, total);
    reply_json(resp, 200, &b);
}

static void admin_users(struct ss_server *s, struct http_resp *resp)
{
    struct buf b;
    buf_init(&b, 64u * 1024 * 1024);
    buf_puts(&b, "[");
    pthread_rwlock_rdlock(&s->lock);
    size_t n = scenario_user_count(s->sc);
    for (size_t i = 0; i < n; i++) {
        const struct ss_user *u = scenario_user(s->sc, i);
        buf_printf(&b, "%s{\"id\":%lld,\"email\":", i ? "," : "", (long long)u->id);
        buf_json_str(&b, u->email, strlen(u->email));
        buf_puts(&b, ",\"status\":");
        buf_json_str(&b, u->status, strlen(u->status));
        buf_printf(&b, ",\"admin\":%s}", u->admin ? "true" : "false");
    }
    pthread_rwlock_unlock(&s->lock);
    buf_puts(&b, "]");
    reply_json(resp, 200, &b);
}

void ss_admin(struct ss_server *s, const struct http_req *req, struct http_resp *resp)
{
    const char *p = req->path + 6;     /* after "/_mock" (ss_handle also sends "/_mock") */
    if (*p == '/')
        p++;
    char route[64];
    size_t n = strcspn(p, "/");
    if (n >= sizeof route) {
        reply_error(resp, 404, "no such admin route");
        return;
    }
    memcpy(route, p, n);
    route[n] = '\0';
    const char *rest = p[n] == '/' ? p + n + 1 : "";
    int get = !strcmp(req->method, "GET"), post = !strcmp(req->method, "POST");

    if (!strcmp(route, "reset") && post) {
        char name[sizeof s->scenario_name];
        scenario_name_copy(s, name);
        admin_reset(s, name, resp);
    } else if (!strcmp(route, "scenario") && post) {
        admin_scenario(s, req, resp);
    } else if (!strcmp(route, "clock") && (get || post)) {
        admin_clock(req, resp);
    } else if (!strcmp(route, "page-limit") && post) {
        cJSON *j = body_object(req, resp);
        if (!j)
            return;
        const cJSON *ev = cJSON_GetObjectItemCaseSensitive(j, "events");
        if (!cJSON_IsNumber(ev) || ev->valuedouble < 0 || ev->valuedouble > 10000) {
            reply_error(resp, 400, "field 'events' must be a number from 0 (no limit) to 10000");
        } else {
            atomic_store(&s->events_page_limit, (size_t)ev->valuedouble);
            reply_ok(resp);
        }
        cJSON_Delete(j);
    } else if (!strcmp(route, "token-errors") && post) {
        int generic = body_choice(req, resp, "shape", "detailed", "generic");
        if (generic >= 0) {
            oauth_set_generic_token_errors(s->oauth, generic);
            reply_ok(resp);
        }
    } else if (!strcmp(route, "code-alphabet") && post) {
        int unreserved = body_choice(req, resp, "alphabet", "alnum", "unreserved");
        if (unreserved >= 0) {
            oauth_set_unreserved_codes(s->oauth, unreserved);
            reply_ok(resp);
        }
    } else if (!strcmp(route, "last-page") && post) {
        int omit = body_choice(req, resp, "nextStreamPosition", "send", "omit");
        if (omit >= 0) {
            atomic_store(&s->events_omit_last_position, omit);
            reply_ok(resp);
        }
    } else if (!strcmp(route, "wide-queries") && post) {
        admin_wide_queries(s, req, resp);
    } else if (!strcmp(route, "ratelimit") && post) {
        admin_ratelimit(s, req, resp);
    } else if (!strcmp(route, "stats") && get) {
        admin_stats(s, resp);
    } else if (!strcmp(route, "journal") && (get || !strcmp(req->method, "DELETE"))) {
        admin_journal(s, req, resp);
    } else if (!strcmp(route, "faults")) {
        admin_faults(s, req, rest, resp);
    } else if (!strcmp(route, "apps") && post) {
        admin_apps(s, req, resp);
    } else if (!strcmp(route, "oauth") && get) {
        struct buf b;
        buf_init(&b, 64u * 1024 * 1024);
        oauth_state_json(s->oauth, &b);
        reply_json(resp, 200, &b);
    } else if (!strcmp(route, "issued") && get) {
        struct buf b;
        buf_init(&b, 1024u * 1024);
        oauth_issued_json(s->oauth, &b);
        reply_json(resp, 200, &b);
    } else if (!strcmp(route, "consent") && post) {
        admin_consent(s, req, resp);
    } else if (!strcmp(route, "tokens") && post && !strcmp(rest, "expire")) {
        oauth_expire_all(s->oauth);
        reply_ok(resp);
    } else if (!strcmp(route, "tokens") && post && !strcmp(rest, "revoke")) {
        oauth_revoke_all(s->oauth);
        reply_ok(resp);
    } else if (!strcmp(route, "events") && (get || post)) {
        admin_events(s, req, resp);
    } else if (!strcmp(route, "users") && get) {
        admin_users(s, resp);
    } else {
        char what[128];
        str_sanitize(req->path, what, sizeof what);
        char msg[200];
        snprintf(msg, sizeof msg, "no admin route %s %s", req->method, what);
        reply_error(resp, 404, msg);
    }
}
