/* ingest.c - the ingestion API: activities, entities and status of one
 * app-connector instance (docs/cas-ingestion-api.md). */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "handlers.h"
#include "dclock.h"
#include "jarena.h"
#include "jstrict.h"
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

/* The slow path: the whole body parsed as one tree (also gives the exact
 * error for a bad body). */
/* A fault "reject": the item is rejected as if CAS had found a problem
 * with it (modelled: the real service's reasons for a partial rejection
 * are not documented). */
static void fault_reject(struct verdict *v, size_t i)
{
    if (v->n)
        return;
    v->n = 1;
    snprintf(v->v[0].rule, sizeof v->v[0].rule, "FAULT");
    snprintf(v->v[0].reason, sizeof v->v[0].reason, "activity %zu: rejected by a fault rule", i);
}

static void ingest_tree(struct cas_app *app, const struct http_req *req, int64_t instance,
                        struct http_resp *resp, int reject_last)
{
    cJSON *body = cas_json_body(req, resp, 1);
    if (!body)
        return;
    cJSON *list = batch_items(body, "activities", resp);
    if (!list) {
        cJSON_Delete(body);
        return;
    }
    size_t n = (size_t)cJSON_GetArraySize(list), i = 0, nspans = 0;
    cJSON **acts = xcalloc(n, sizeof *acts);
    struct verdict *v = xcalloc(n, sizeof *v);
    struct jspan *spans = xcalloc(n, sizeof *spans);
    for (cJSON *a = list->child; a && i < n; a = a->next, i++) {
        acts[i] = a;
        validate_activity(&app->map, a, i, &v[i]);
    }
    if (reject_last && n)
        fault_reject(&v[n - 1], n - 1);
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
    cJSON_Delete(body);
}

/* One slice of a batch for the fast path: parse, judge, prepare. */
struct slice {
    struct cas_app *app;
    int64_t instance, now;
    const struct jspan *spans;
    const struct jstrict_issue *issues;   /* per item; NULL when the body read clean */
    cJSON **acts;
    struct verdict *v;
    struct ingest_row *rows;
    size_t lo, hi;
    int bad_json;
    struct jarena arena;   /* the slice's trees, when jarena is installed */
};

/* The rule a strict reader's finding breaks (validate.h, JSON-00x). */
static void item_refused(const struct jstrict_issue *is, size_t i, struct verdict *v)
{
    static const char *const rule[] = {[JS_DUP_KEY] = "JSON-001", [JS_NUL] = "JSON-002",
                                       [JS_UTF8] = "JSON-003", [JS_CTRL] = "JSON-004"};
    char what[160];
    jstrict_describe(is, what, sizeof what);
    memset(v, 0, sizeof *v);
    v->n = 1;
    snprintf(v->v[0].rule, sizeof v->v[0].rule, "%s",
             is->kind <= JS_CTRL && rule[is->kind] ? rule[is->kind] : "JSON-003");
    snprintf(v->v[0].reason, sizeof v->v[0].reason, "activity %zu: %s", i, what);
}

static void *run_slice(void *arg)
{
    struct slice *sl = arg;
    jarena_use(&sl->arena, 1);
    for (size_t i = sl->lo; i < sl->hi; i++) {
        if (sl->issues && sl->issues[i].kind) {
            item_refused(&sl->issues[i], i, &sl->v[i]);
            continue;
        }
        sl->acts[i] = cas_parse_json(sl->spans[i].start, sl->spans[i].len);
        if (!sl->acts[i]) {
            sl->bad_json = 1;
            break;
        }
        if (!validate_activity(&sl->app->map, sl->acts[i], i, &sl->v[i]))
            store_prepare(sl->app->store, sl->instance, sl->now, sl->acts[i], &sl->v[i],
                          &sl->spans[i], &sl->rows[i]);
    }
    jarena_use(NULL, 0);
    return NULL;
}

/* Frees a slice's trees: dropped whole with its arena when every node came
 * from it, else node by node with the arena bound (it holds some of them). */
static void drop_trees(struct slice *sl)
{
    if (!jarena_installed() || sl->arena.spills) {
        jarena_use(&sl->arena, 0);
        for (size_t i = sl->lo; i < sl->hi; i++)
            cJSON_Delete(sl->acts[i]);
        jarena_use(NULL, 0);
    }
    jarena_free(&sl->arena);
}

/* Whether the body outside the array's elements is a valid JSON object:
 * the text with the elements cut out must parse (and, when strict, read
 * clean to a strict reader: a second "activities" key is refused). */
static int skeleton_ok(const char *body, size_t len, const struct jspan *first,
                       const struct jspan *last, int strict)
{
    const char *open = first->start, *close = last->start + last->len;
    while (open > body && open[-1] != '[')
        open--;
    while (close < body + len && *close != ']')
        close++;
    if (open == body || close >= body + len)
        return 0;
    size_t head = (size_t)(open - body), tail = (size_t)(body + len - close);
    char *text = xmalloc(head + tail + 1);
    memcpy(text, body, head);
    memcpy(text + head, close, tail);
    text[head + tail] = '\0';
    cJSON *j = strict && jstrict_check(text, head + tail, NULL, NULL) ? NULL
                                                                      : cas_parse_json(text, head + tail);
    int ok = cJSON_IsObject(j) && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "activities"));
    cJSON_Delete(j);
    free(text);
    return ok;
}

#define INGEST_MAX_HELPERS 3
#define INGEST_PARALLEL_MIN 200

/* The fast path: elements found in the text and parsed one by one, the
 * batch split across CPUs.  Returns 0 when it answered, -1 to fall back. */
static int ingest_spans(struct cas_app *app, const struct http_req *req, int64_t instance,
                        int strict, int reject_last, struct http_resp *resp)
{
    if (req->body_too_large)
        return -1;
    const char *ct = http_header(req, "Content-Type");
    if (ct && strncasecmp(ct, "application/json", 16))
        return -1;
    struct jspan *spans = xcalloc(LIM_BATCH_ITEMS, sizeof *spans);
    size_t n = 0;
    if (jspan_array(req->body, req->body_len, "activities", spans, LIM_BATCH_ITEMS, &n) || !n ||
        !skeleton_ok(req->body, req->body_len, &spans[0], &spans[n - 1], strict)) {
        free(spans);
        return -1;
    }
    /* A body a strict reader reads otherwise: find the items concerned. */
    struct jstrict_issue *issues = NULL;
    if (strict) {
        issues = xcalloc(n, sizeof *issues);
        for (size_t i = 0; i < n; i++)
            jstrict_check(spans[i].start, spans[i].len, NULL, &issues[i]);
    }
    cJSON **acts = xcalloc(n, sizeof *acts);
    struct verdict *v = xcalloc(n, sizeof *v);
    struct ingest_row *rows = xcalloc(n, sizeof *rows);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t parts = n < INGEST_PARALLEL_MIN || cpus < 2 ? 1
                   : (size_t)(cpus - 1 < INGEST_MAX_HELPERS ? cpus : INGEST_MAX_HELPERS + 1);
    struct slice sl[INGEST_MAX_HELPERS + 1];
    pthread_t th[INGEST_MAX_HELPERS + 1];
    int started[INGEST_MAX_HELPERS + 1] = {0};
    int64_t now = dclock_wall_ms();
    for (size_t k = 0; k < parts; k++)
        sl[k] = (struct slice){app, instance, now, spans, issues, acts, v, rows,
                               n * k / parts, n * (k + 1) / parts, 0, {{NULL}}};
    for (size_t k = 1; k < parts; k++)
        started[k] = pthread_create(&th[k], NULL, run_slice, &sl[k]) == 0;
    run_slice(&sl[0]);
    int bad = sl[0].bad_json;
    for (size_t k = 1; k < parts; k++) {
        if (started[k])
            pthread_join(th[k], NULL);
        else
            run_slice(&sl[k]);
        bad |= sl[k].bad_json;
    }
    int rc = -1;
    if (!bad && reject_last) {
        fault_reject(&v[n - 1], n - 1);
        free(rows[n - 1].json);
        memset(&rows[n - 1], 0, sizeof rows[n - 1]);
    }
    if (!bad) {
        struct buf out;
        buf_init(&out, CAS_REPLY_MAX);
        if (store_commit(app->store, instance, now, v, rows, n, &out)) {
            buf_release(&out);
            cas_reply_error(resp, 500, "the store refused the batch");
        } else {
            cas_reply_buf(resp, 200, &out);
        }
        rc = 0;
    }
    for (size_t i = 0; i < n; i++)
        free(rows[i].json);
    for (size_t k = 0; k < parts; k++)
        drop_trees(&sl[k]);
    free(rows);
    free(acts);
    free(v);
    free(spans);
    free(issues);
    return rc;
}

static void ingest_activities(struct cas_app *app, const struct http_req *req, int64_t instance,
                              int reject_last, struct http_resp *resp)
{
    /* One strict pass over the body, before any tree: bounds its values
     * and depth, and says whether some item must be refused. */
    int strict = 0;
    if (!req->body_too_large) {
        enum jstrict_kind k;
        char msg[220];
        int status = jstrict_body_refusal(req->body, req->body_len, &k, msg, sizeof msg);
        if (k == JS_TOO_MANY || k == JS_TOO_DEEP || k == JS_SYNTAX) {
            cas_reply_error(resp, status, msg);
            return;
        }
        strict = k != JS_OK;
    }
    /* Items a strict reader reads otherwise are refused one by one; the
     * tree path refuses such a body whole. */
    if (ingest_spans(app, req, instance, strict, reject_last, resp))
        ingest_tree(app, req, instance, resp, reject_last);
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
                int64_t instance, const char *what, int reject_last)
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
    if (!strcmp(what, "activities")) {
        ingest_activities(app, req, instance, reject_last, resp);
        return;
    }
    cJSON *body = cas_json_body(req, resp, 1);
    if (!body)
        return;
    if (!strcmp(what, "entities"))
        ingest_entities(app, body, instance, resp);
    else
        ingest_status(app, body, instance, resp);
    cJSON_Delete(body);
}
