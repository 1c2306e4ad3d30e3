/* admin.c - the admin API under /_mock/ (loopback, or X-Admin-Token):
 * reset, instances, API tokens, callbacks, violations, rules, journal,
 * stats, faults and the duration clock. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "bearer.h"
#include "dclock.h"
#include "strutil.h"

#define ADMIN_PAGE_DEFAULT 1000
#define ADMIN_PAGE_MAX 10000

static void ok(struct http_resp *resp)
{
    http_resp_copy(resp, 200, "application/json", "{\"ok\":true}", 11);
}

/* A numeric query parameter within [min,max]; def when absent.  Answers
 * 400 and returns -1 when bad. */
static int num_param(const struct http_req *req, struct http_resp *resp, const char *name,
                     int64_t min, int64_t max, int64_t def, int64_t *out)
{
    char v[32];
    int r = http_query(req, name, v, sizeof v);
    *out = def;
    if (r == 0)
        return 0;
    if (r < 0 || parse_i64(v, min, max, out)) {
        char msg[160];
        snprintf(msg, sizeof msg, "query parameter '%s' wants a number from %lld to %lld", name,
                 (long long)min, (long long)max);
        cas_reply_error(resp, 400, msg);
        return -1;
    }
    return 0;
}

static void reply_store(struct http_resp *resp, int rc, struct buf *out, int missing_status)
{
    if (rc) {
        buf_release(out);
        cas_reply_error(resp, missing_status, missing_status == 404 ? "no such instance"
                                                                    : "the store failed");
        return;
    }
    cas_reply_buf(resp, 200, out);
}

/* POST /_mock/api-tokens {"name","kind":"bearer","token"?}: a bearer
 * token for the query API, minted or (token given) bound. */
static void create_bearer(struct cas_app *app, const cJSON *body, const char *name,
                          struct http_resp *resp)
{
    const cJSON *given = cJSON_GetObjectItemCaseSensitive(body, "token");
    char *tok = xmalloc(BEARER_MAX + 1);
    if (given && (!cJSON_IsString(given) || !bearer_well_formed(given->valuestring))) {
        cas_reply_error(resp, 400, "'token' must be a JWT in compact form (three base64url "
                        "parts, the first two JSON objects), at most 8192 bytes");
    } else if (!given && bearer_mint(tok, BEARER_MAX + 1, (long long)(dclock_wall_ms() / 1000))) {
        cas_reply_error(resp, 500, "cannot make a token");
    } else {
        if (given)
            snprintf(tok, BEARER_MAX + 1, "%s", given->valuestring);
        int rc = store_token_bind(app->store, name, tok, 1);
        struct buf out;
        buf_init(&out, 2 * BEARER_MAX);
        buf_puts(&out, "{\"name\":");
        buf_json_str(&out, name, strlen(name));
        buf_puts(&out, ",\"kind\":\"bearer\",\"token\":");
        buf_json_str(&out, tok, strlen(tok));
        buf_puts(&out, "}");
        reply_store(resp, rc, &out, 500);
    }
    explicit_bzero(tok, BEARER_MAX + 1);
    free(tok);
}

static void create_named(struct cas_app *app, const struct http_req *req, struct http_resp *resp,
                         int api_token)
{
    cJSON *body = cas_json_body(req, resp, 0);
    if (!body)
        return;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(body, "name");
    if (!cJSON_IsString(name) || !name->valuestring[0] || strlen(name->valuestring) > 200) {
        cJSON_Delete(body);
        cas_reply_error(resp, 400, "'name' must be a string of 1 to 200 bytes");
        return;
    }
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(body, "kind");
    if (api_token && kind && (!cJSON_IsString(kind) || (strcmp(kind->valuestring, "token") &&
                                                        strcmp(kind->valuestring, "bearer")))) {
        cJSON_Delete(body);
        cas_reply_error(resp, 400, "'kind' must be \"token\" (the default) or \"bearer\"");
        return;
    }
    if (api_token && kind && !strcmp(kind->valuestring, "bearer")) {
        create_bearer(app, body, name->valuestring, resp);
        cJSON_Delete(body);
        return;
    }
    char token[65];
    int64_t id = 0;
    int rc = api_token ? store_api_token_create(app->store, name->valuestring, token)
                       : store_instance_create(app->store, name->valuestring, &id, token);
    struct buf out;
    buf_init(&out, 4096);
    if (api_token)
        buf_puts(&out, "{\"name\":");
    else
        buf_printf(&out, "{\"instanceId\":%lld,\"appId\":%d,\"name\":", (long long)id, STORE_APP_ID);
    buf_json_str(&out, name->valuestring, strlen(name->valuestring));
    buf_printf(&out, ",\"token\":\"%s\"}", token);
    cJSON_Delete(body);
    reply_store(resp, rc, &out, 500);
}

static void instance_routes(struct cas_app *app, const struct http_req *req,
                            struct http_resp *resp, const char *rest)
{
    int is_get = !strcmp(req->method, "GET");
    if (!*rest) {
        if (!strcmp(req->method, "POST")) {
            create_named(app, req, resp, 0);
        } else if (is_get) {
            struct buf out;
            buf_init(&out, CAS_REPLY_MAX);
            reply_store(resp, store_instances_json(app->store, &out), &out, 500);
        } else {
            cas_reply_error(resp, 405, "use GET or POST");
        }
        return;
    }
    char num[24];
    const char *slash = strchr(rest, '/');
    size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
    int64_t id;
    if (n >= sizeof num) {
        cas_reply_error(resp, 404, "no such instance");
        return;
    }
    memcpy(num, rest, n);
    num[n] = '\0';
    if (parse_i64(num, 0, INT64_MAX / 2, &id)) {
        cas_reply_error(resp, 404, "no such instance");
        return;
    }
    const char *sub = slash ? slash + 1 : "";
    if (!is_get) {
        cas_reply_error(resp, 405, "use GET");
        return;
    }
    struct buf out;
    buf_init(&out, CAS_REPLY_MAX);
    if (store_instance_json(app->store, id, &out)) {
        buf_release(&out);
        cas_reply_error(resp, 404, "no such instance");
        return;
    }
    if (!*sub) {
        cas_reply_buf(resp, 200, &out);
        return;
    }
    buf_clear(&out);
    int64_t skip, limit;
    if (!strcmp(sub, "activities") || !strcmp(sub, "entities")) {
        if (num_param(req, resp, "skip", 0, INT64_MAX / 2, 0, &skip) ||
            num_param(req, resp, "limit", 1, ADMIN_PAGE_MAX, ADMIN_PAGE_DEFAULT, &limit)) {
            buf_release(&out);
            return;
        }
        int rc = sub[0] == 'a' ? store_instance_activities_json(app->store, id, skip, limit, &out)
                               : store_entities_json(app->store, id, skip, limit, &out);
        reply_store(resp, rc, &out, 500);
    } else if (!strcmp(sub, "statuses")) {
        reply_store(resp, store_statuses_json(app->store, id, &out), &out, 500);
    } else {
        buf_release(&out);
        cas_reply_error(resp, 404, "instance routes: activities, entities, statuses");
    }
}

static void violations(struct cas_app *app, const struct http_req *req, struct http_resp *resp)
{
    char rule[16];
    int r = http_query(req, "rule", rule, sizeof rule);
    int64_t instance, after, limit;
    if (r < 0) {
        cas_reply_error(resp, 400, "query parameter 'rule' is malformed");
        return;
    }
    if (num_param(req, resp, "instance", 0, INT64_MAX / 2, 0, &instance) ||
        num_param(req, resp, "after", 0, INT64_MAX / 2, 0, &after) ||
        num_param(req, resp, "limit", 1, ADMIN_PAGE_MAX, ADMIN_PAGE_DEFAULT, &limit))
        return;
    struct buf out;
    buf_init(&out, CAS_REPLY_MAX);
    reply_store(resp, store_violations_json(app->store, r ? rule : NULL, instance, after, limit, &out),
                &out, 500);
}

static void rules(struct http_resp *resp)
{
    struct buf out;
    buf_init(&out, 64 * 1024);
    buf_puts(&out, "{\"rules\":[");
    for (size_t i = 0; val_rules[i].id; i++) {
        buf_printf(&out, "%s{\"id\":\"%s\",\"statement\":", i ? "," : "", val_rules[i].id);
        buf_json_str(&out, val_rules[i].statement, strlen(val_rules[i].statement));
        buf_puts(&out, "}");
    }
    buf_puts(&out, "]}");
    cas_reply_buf(resp, 200, &out);
}

static void journal(struct cas_app *app, const struct http_req *req, struct http_resp *resp)
{
    char method[16], path[512], token[16];
    int64_t status, after, limit;
    int rm = http_query(req, "method", method, sizeof method);
    int rp = http_query(req, "path", path, sizeof path);
    int rt = http_query(req, "token", token, sizeof token);
    if (rm < 0 || rp < 0 || rt < 0) {
        cas_reply_error(resp, 400, "journal filters: method, path (prefix), token (id), status, "
                                   "after, limit");
        return;
    }
    if (num_param(req, resp, "status", 0, 999, 0, &status) ||
        num_param(req, resp, "after", 0, INT64_MAX / 2, 0, &after) ||
        num_param(req, resp, "limit", 0, 1000000, 0, &limit))
        return;
    struct journal_filter f = {
        .method = rm ? method : NULL,
        .path_prefix = rp ? path : NULL,
        .token_id = rt ? token : NULL,
        .status = (int)status,
        .after_seq = (uint64_t)after,
        .limit = (size_t)limit,
    };
    struct buf out;
    buf_init(&out, CAS_REPLY_MAX);
    journal_to_json(app->journal, &f, &out);
    cas_reply_buf(resp, 200, &out);
}

static void faults(struct cas_app *app, const struct http_req *req, struct http_resp *resp,
                   const char *rest)
{
    if (*rest) {
        int64_t id;
        if (strcmp(req->method, "DELETE") || parse_i64(rest, 1, 1000000000, &id)) {
            cas_reply_error(resp, 404, "use DELETE /_mock/faults/<id>");
            return;
        }
        if (!fault_remove(app->faults, (unsigned)id)) {
            cas_reply_error(resp, 404, "no such fault rule");
            return;
        }
        ok(resp);
        return;
    }
    if (!strcmp(req->method, "GET")) {
        struct buf out;
        buf_init(&out, CAS_REPLY_MAX);
        buf_puts(&out, "{\"faults\":");
        fault_list_json(app->faults, &out);
        buf_puts(&out, "}");
        cas_reply_buf(resp, 200, &out);
    } else if (!strcmp(req->method, "DELETE")) {
        fault_set_clear(app->faults);
        ok(resp);
    } else if (!strcmp(req->method, "POST")) {
        cJSON *body = cas_json_body(req, resp, 0);
        if (!body)
            return;
        char err[256];
        unsigned id = fault_add_json(app->faults, body, cas_fault_codes, dclock_now_ms(), err, sizeof err);
        cJSON_Delete(body);
        if (!id) {
            cas_reply_error(resp, 400, err);
            return;
        }
        char out[48];
        int n = snprintf(out, sizeof out, "{\"id\":%u}", id);
        http_resp_copy(resp, 200, "application/json", out, (size_t)n);
    } else {
        cas_reply_error(resp, 405, "use GET, POST or DELETE");
    }
}

static void clock_route(const struct http_req *req, struct http_resp *resp)
{
    if (!strcmp(req->method, "POST")) {
        cJSON *body = cas_json_body(req, resp, 0);
        if (!body)
            return;
        const cJSON *adv = cJSON_GetObjectItemCaseSensitive(body, "advanceMs");
        int good = cJSON_IsNumber(adv) && adv->valuedouble >= 0 && adv->valuedouble <= 1e13;
        if (good)
            dclock_jump((int64_t)adv->valuedouble);
        cJSON_Delete(body);
        if (!good) {
            cas_reply_error(resp, 400, "'advanceMs' must be a number of milliseconds >= 0");
            return;
        }
    } else if (strcmp(req->method, "GET")) {
        cas_reply_error(resp, 405, "use GET or POST");
        return;
    }
    char out[160];
    int n = snprintf(out, sizeof out, "{\"durationMs\":%lld,\"timeScale\":%g,\"wallMs\":%lld}",
                     (long long)dclock_now_ms(), dclock_scale(), (long long)dclock_wall_ms());
    http_resp_copy(resp, 200, "application/json", out, (size_t)n);
}

void cas_admin(struct cas_app *app, const struct http_req *req, struct http_resp *resp,
               const char *rest)
{
    char route[64];
    const char *slash = strchr(rest, '/');
    size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
    snprintf(route, sizeof route, "%.*s", (int)(n < 63 ? n : 63), rest);
    const char *sub = slash ? slash + 1 : "";
    int is_get = !strcmp(req->method, "GET"), is_post = !strcmp(req->method, "POST");
    struct buf out;
    if (!strcmp(route, "reset") && is_post) {
        store_reset(app->store);
        fault_set_clear(app->faults);
        journal_clear(app->journal);
        if (app->query_rl)
            rl_reset(app->query_rl);
        ok(resp);
    } else if (!strcmp(route, "instances")) {
        instance_routes(app, req, resp, sub);
    } else if (!strcmp(route, "api-tokens") && is_post && !*sub) {
        create_named(app, req, resp, 1);
    } else if (!strcmp(route, "callbacks") && is_get) {
        int64_t after;
        if (num_param(req, resp, "after", 0, INT64_MAX / 2, 0, &after))
            return;
        buf_init(&out, CAS_REPLY_MAX);
        reply_store(resp, store_callbacks_json(app->store, after, &out), &out, 500);
    } else if (!strcmp(route, "violations") && is_get) {
        violations(app, req, resp);
    } else if (!strcmp(route, "rules") && is_get) {
        rules(resp);
    } else if (!strcmp(route, "journal") && is_get) {
        journal(app, req, resp);
    } else if (!strcmp(route, "journal") && !strcmp(req->method, "DELETE") && !*sub) {
        journal_clear(app->journal);
        ok(resp);
    } else if (!strcmp(route, "stats") && is_get) {
        buf_init(&out, CAS_REPLY_MAX);
        reply_store(resp, store_stats_json(app->store, &out), &out, 500);
    } else if (!strcmp(route, "faults")) {
        faults(app, req, resp, sub);
    } else if (!strcmp(route, "clock") && !*sub) {
        clock_route(req, resp);
    } else {
        char path[200], msg[400];
        str_sanitize(req->path, path, sizeof path);
        snprintf(msg, sizeof msg, "no admin route matches %.10s %s (routes: reset, instances, "
                 "api-tokens, callbacks, violations, rules, journal, stats, faults, clock)",
                 req->method, path);
        cas_reply_error(resp, 404, msg);
    }
}
