/* ingest.c - the ingestion API: activities, entities and status of one
 * app-connector instance (docs/cas-ingestion-api.md). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "kit_limits.h"
#include "log.h"

#define STATUS_TEXT_MAX 1000

/* The batch array under key; answers and returns NULL when unusable. */
static cJSON *batch_items(cJSON *body, const char *key, struct http_resp *resp)
{
    cJSON *list = cJSON_GetObjectItemCaseSensitive(body, key);
    char msg[160];
    if (!cJSON_IsArray(list)) {
        snprintf(msg, sizeof msg, "the body must be {\"%s\":[...]}", key);
        cas_reply_error(resp, 400, msg);
        return NULL;
    }
    int n = cJSON_GetArraySize(list);
    if (n == 0) {
        snprintf(msg, sizeof msg, "'%s' is empty: send 1 to 1,000 items", key);
        cas_reply_error(resp, 400, msg);
        return NULL;
    }
    if ((unsigned)n > LIM_BATCH_ITEMS) {
        snprintf(msg, sizeof msg, "a batch holds at most 1,000 %s; this one has %d", key, n);
        cas_reply_error(resp, 413, msg);
        return NULL;
    }
    return list;
}

static void ingest_activities(struct cas_app *app, const struct http_req *req, cJSON *body,
                              int64_t instance, struct http_resp *resp)
{
    cJSON *list = batch_items(body, "activities", resp);
    if (!list)
        return;
    size_t n = (size_t)cJSON_GetArraySize(list), i = 0, nspans = 0;
    cJSON **acts = xcalloc(n, sizeof *acts);
    struct verdict *v = xcalloc(n, sizeof *v);
    struct jspan *spans = xcalloc(n, sizeof *spans);
    for (cJSON *a = list->child; a && i < n; a = a->next, i++) {
        acts[i] = a;
        validate_activity(&app->map, a, i, &v[i]);
    }
    int use_spans = !jspan_array(req->body, req->body_len, "activities", spans, n, &nspans) &&
                    nspans == n;
    struct buf out;
    buf_init(&out, CAS_REPLY_MAX);
    if (store_ingest(app->store, instance, acts, v, use_spans ? spans : NULL, n, &out)) {
        buf_release(&out);
        cas_reply_error(resp, 500, "the store refused the batch");
    } else {
        cas_reply_buf(resp, 200, &out);
    }
    free(acts);
    free(v);
    free(spans);
}

static void ingest_entities(struct cas_app *app, cJSON *body, int64_t instance,
                            struct http_resp *resp)
{
    cJSON *list = batch_items(body, "entities", resp);
    if (!list)
        return;
    struct buf out;
    buf_init(&out, CAS_REPLY_MAX);
    if (store_entities_upsert(app->store, instance, list, &out)) {
        buf_release(&out);
        cas_reply_error(resp, 500, "the store refused the entities");
        return;
    }
    cas_reply_buf(resp, 200, &out);
}

static int text_field(const cJSON *body, const char *name, const char **out, char *msg,
                      size_t cap)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);
    *out = NULL;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v) || strlen(v->valuestring) > STATUS_TEXT_MAX) {
        snprintf(msg, cap, "'%s' must be a string of at most 1000 bytes", name);
        return -1;
    }
    *out = v->valuestring;
    return 0;
}

static void ingest_status(struct cas_app *app, cJSON *body, int64_t instance,
                          struct http_resp *resp)
{
    char msg[160];
    const char *status, *stage, *message;
    if (text_field(body, "status", &status, msg, sizeof msg) ||
        text_field(body, "stage", &stage, msg, sizeof msg) ||
        text_field(body, "message", &message, msg, sizeof msg)) {
        cas_reply_error(resp, 400, msg);
        return;
    }
    if (!status || (strcmp(status, "connected") && strcmp(status, "error") &&
                    strcmp(status, "disconnected"))) {
        cas_reply_error(resp, 400, "'status' must be \"connected\", \"error\" or \"disconnected\"");
        return;
    }
    if (!strcmp(status, "error") && (!stage || !stage[0] || !message || !message[0])) {
        cas_reply_error(resp, 400, "an \"error\" status needs a 'stage' (e.g. \"Get events\") "
                                   "and a 'message'");
        return;
    }
    if (store_status_add(app->store, instance, status, stage, message)) {
        cas_reply_error(resp, 500, "the store refused the status");
        return;
    }
    http_resp_copy(resp, 200, "application/json", "{\"ok\":true}", 11);
}

void cas_ingest(struct cas_app *app, const struct http_req *req, struct http_resp *resp,
                int64_t instance, const char *what)
{
    if (strcmp(req->method, "POST")) {
        cas_reply_error(resp, 405, "the ingestion API takes POST only");
        return;
    }
    char token[256];
    if (!cas_token(req, token, sizeof token)) {
        cas_reply_error(resp, 401, "Invalid token");
        return;
    }
    int auth = store_instance_auth(app->store, instance, token);
    if (auth == -1) {
        cas_reply_error(resp, 401, "Invalid token");
        return;
    }
    if (auth == -2) {
        cas_reply_error(resp, 403, "this token belongs to another app-connector instance");
        return;
    }
    cJSON *body = cas_json_body(req, resp, 1);
    if (!body)
        return;
    if (!strcmp(what, "activities"))
        ingest_activities(app, req, body, instance, resp);
    else if (!strcmp(what, "entities"))
        ingest_entities(app, body, instance, resp);
    else
        ingest_status(app, body, instance, resp);
    cJSON_Delete(body);
}
