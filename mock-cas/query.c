/* query.c - the CAS REST API as clients know it: activities/ (list, fetch
 * one) and entities/, under /api/v1/ and /cas/api/v1/, throttled to 30
 * requests per minute per tenant. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "bearer.h"
#include "dclock.h"
#include "kit_limits.h"
#include "strutil.h"

#define QUERY_PARAM_MAX (256u * 1024u)

/* Request parameters: the JSON body when there is one, else the query
 * string (filters as a JSON string).  Answers and returns -1 on bad input;
 * *out may be NULL (defaults). */
static int read_params(const struct http_req *req, struct http_resp *resp, cJSON **out)
{
    *out = NULL;
    if (req->body_len || req->body_too_large) {
        *out = cas_json_body(req, resp, 1);
        return *out ? 0 : -1;
    }
    cJSON *o = cJSON_CreateObject();
    char *v = xmalloc(QUERY_PARAM_MAX);
    static const char *const names[] = {"filters", "skip", "limit", "sortField", "sortDirection",
                                        NULL};
    for (size_t i = 0; names[i]; i++) {
        int r = http_query(req, names[i], v, QUERY_PARAM_MAX);
        if (r < 0) {
            struct buf e;
            buf_init(&e, 4096);
            filter_error_json(&e, names[i], "the parameter is malformed or too long", "");
            cas_reply_buf(resp, 400, &e);
            cJSON_Delete(o);
            free(v);
            return -1;
        }
        if (!r)
            continue;
        if (i == 0) {
            cJSON *f = cas_parse_json(v, strlen(v));
            if (!f) {
                struct buf e;
                buf_init(&e, 4096);
                char shown[121];
                str_sanitize(v, shown, sizeof shown);
                filter_error_json(&e, "filters", "filters is not valid JSON", shown);
                cas_reply_buf(resp, 400, &e);
                cJSON_Delete(o);
                free(v);
                return -1;
            }
            cJSON_AddItemToObject(o, "filters", f);
        } else {
            cJSON_AddStringToObject(o, names[i], v);
        }
    }
    free(v);
    *out = o;
    return 0;
}

/* Scan mode: appends "nextQueryFilters" (the request's filters with
 * date.lte moved to next_lte) to the envelope in out, whose last byte is
 * its closing brace.  0, or -1. */
static int add_next_filters(struct buf *out, const cJSON *params, int64_t next_lte)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(params, "filters");
    cJSON *next = cJSON_IsObject(f) ? cJSON_Duplicate(f, 1) : cJSON_CreateObject();
    cJSON *date = cJSON_GetObjectItemCaseSensitive(next, "date");
    if (!cJSON_IsObject(date)) {
        cJSON_DeleteItemFromObjectCaseSensitive(next, "date");
        date = cJSON_AddObjectToObject(next, "date");
    }
    cJSON_DeleteItemFromObjectCaseSensitive(date, "lte");
    cJSON_AddNumberToObject(date, "lte", (double)next_lte);
    char *text = cJSON_PrintUnformatted(next);
    cJSON_Delete(next);
    if (!text || !out->len || out->ptr[out->len - 1] != '}') {
        free(text);
        return -1;
    }
    out->len--;
    buf_puts(out, ",\"nextQueryFilters\":");
    buf_puts(out, text);
    buf_puts(out, "}");
    free(text);
    return out->err ? -1 : 0;
}

static void list_activities(struct cas_app *app, const struct http_req *req,
                            struct http_resp *resp)
{
    cJSON *params;
    if (read_params(req, resp, &params))
        return;
    struct act_query q;
    act_query_init(&q);
    struct buf out;
    buf_init(&out, CAS_REPLY_MAX);
    int64_t next_lte = -1;
    if (act_query_parse(&q, params, dclock_wall_ms(), store_resolve_activity_id, app->store, &out)) {
        cas_reply_buf(resp, 400, &out);
    } else if (q.scan) {
        if (store_scan_activities(app->store, &q, &out, &next_lte) ||
            (next_lte >= 0 && add_next_filters(&out, params, next_lte))) {
            buf_release(&out);
            cas_reply_error(resp, 500, "the query failed");
        } else {
            cas_reply_buf(resp, 200, &out);
        }
    } else if (store_query_activities(app->store, &q, &out)) {
        buf_release(&out);
        cas_reply_error(resp, 500, "the query failed");
    } else {
        cas_reply_buf(resp, 200, &out);
    }
    act_query_free(&q);
    cJSON_Delete(params);
}

static void list_entities(struct cas_app *app, const struct http_req *req, struct http_resp *resp)
{
    cJSON *params;
    if (read_params(req, resp, &params))
        return;
    struct act_query q;   /* reused for skip/limit parsing only */
    act_query_init(&q);
    struct buf out;
    buf_init(&out, CAS_REPLY_MAX);
    int64_t instance = 0;
    const cJSON *filters = cJSON_GetObjectItemCaseSensitive(params, "filters");
    cJSON *rest = cJSON_Duplicate(params, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(rest, "filters");
    cJSON_DeleteItemFromObjectCaseSensitive(rest, "sortField");
    int bad = act_query_parse(&q, rest, 0, NULL, NULL, &out);
    if (!bad && filters && !cJSON_IsNull(filters)) {
        const cJSON *inst = cJSON_GetObjectItemCaseSensitive(filters, "instance");
        const cJSON *eq = cJSON_GetObjectItemCaseSensitive(inst, "eq");
        if (cJSON_IsArray(eq) && cJSON_GetArraySize(eq) == 1)
            eq = eq->child;
        /* An instance id is a whole number; the range check also keeps the
         * conversion below defined. */
        if (!cJSON_IsObject(filters) || cJSON_GetArraySize(filters) != 1 || !cJSON_IsNumber(eq) ||
            !(eq->valuedouble >= 0 && eq->valuedouble < 9.0e15) ||
            eq->valuedouble != (double)(int64_t)eq->valuedouble ||
            cJSON_GetArraySize(inst) != 1) {
            filter_error_json(&out, "filters", "entities accept only {\"instance\":{\"eq\":<id>}}", "");
            bad = 1;
        } else {
            instance = (int64_t)eq->valuedouble;
        }
    }
    if (bad)
        cas_reply_buf(resp, 400, &out);
    else if (store_entities_json(app->store, instance, q.skip, q.limit, &out)) {
        buf_release(&out);
        cas_reply_error(resp, 500, "the query failed");
    } else {
        cas_reply_buf(resp, 200, &out);
    }
    cJSON_Delete(rest);
    act_query_free(&q);
    cJSON_Delete(params);
}

static void fetch_activity(struct cas_app *app, const char *pk, size_t len, struct http_resp *resp)
{
    char id[VAL_EVENT_ID_MAX * 3 + 64];
    if (url_decode(pk, len, id, sizeof id) < 0) {
        cas_reply_error(resp, 404, "no such activity");
        return;
    }
    struct buf out;
    buf_init(&out, CAS_REPLY_MAX);
    if (store_activity_json(app->store, id, &out)) {
        buf_release(&out);
        cas_reply_error(resp, 404, "no such activity");
        return;
    }
    cas_reply_buf(resp, 200, &out);
}

void cas_query(struct cas_app *app, const struct http_req *req, struct http_resp *resp,
               const char *rest)
{
    int is_list_verb = !strcmp(req->method, "GET") || !strcmp(req->method, "POST");
    enum { NONE, ACTS, ONE, ENTS } what = NONE;
    const char *pk = NULL;
    size_t pklen = 0;
    if (!strcmp(rest, "activities/") || !strcmp(rest, "activities")) {
        what = ACTS;
    } else if (!strncmp(rest, "activities/", 11)) {
        pk = rest + 11;
        pklen = strlen(pk);
        if (pklen && pk[pklen - 1] == '/')
            pklen--;
        if (pklen && !memchr(pk, '/', pklen))
            what = ONE;
    } else if (!strcmp(rest, "entities/") || !strcmp(rest, "entities")) {
        what = ENTS;
    }
    if (what == NONE) {
        char path[200], msg[300];
        str_sanitize(req->path, path, sizeof path);
        snprintf(msg, sizeof msg, "no route matches %.10s %s", req->method, path);
        cas_reply_error(resp, 404, msg);
        return;
    }
    if (!is_list_verb || (what == ONE && strcmp(req->method, "GET"))) {
        cas_reply_error(resp, 405, "method not allowed");
        return;
    }
    char *token = xmalloc(BEARER_MAX + 1);
    int bearer = 0;
    int known = cas_credentials(req, token, BEARER_MAX + 1, &bearer) &&
                (!bearer || bearer_well_formed(token)) &&
                store_query_token_ok(app->store, token, bearer);
    explicit_bzero(token, BEARER_MAX + 1);
    free(token);
    if (!known) {
        cas_reply_error(resp, 401, "Invalid token");
        return;
    }
    int64_t retry = 0;
    if (app->query_rl && !rl_take(app->query_rl, "tenant", dclock_now_ms(), &retry)) {
        char secs[24];
        snprintf(secs, sizeof secs, "%lld", (long long)((dclock_to_real_ms(retry) + 999) / 1000));
        cas_reply_error(resp, 429, "TOO MANY REQUESTS");
        http_resp_header(resp, "Retry-After", secs);
        resp->error_code = 429;
        return;
    }
    if (what == ACTS)
        list_activities(app, req, resp);
    else if (what == ONE)
        fetch_activity(app, pk, pklen, resp);
    else
        list_entities(app, req, resp);
}
