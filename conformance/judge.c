/* judge.c - fetching and comparing what the doubles saw (see judge.h). */
#include "judge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runlog.h"
#include "strutil.h"

#define PAGE 5000
#define MAX_PAGES 2000

/* Pages through an admin list route that takes skip/limit and answers an
 * array, or an object with the array under `key`. */
static cJSON *paged(struct ct_env *e, const char *route, const char *key)
{
    cJSON *all = cJSON_CreateArray();
    for (int page = 0; page < MAX_PAGES; page++) {
        char path[512];
        snprintf(path, sizeof path, "%s%cskip=%d&limit=%d", route, strchr(route, '?') ? '&' : '?',
                 page * PAGE, PAGE);
        cJSON *j = ct_cas(e, "GET", path, NULL);
        if (!j) {
            cJSON_Delete(all);
            return NULL;
        }
        cJSON *arr = cJSON_IsArray(j) ? j : cJSON_GetObjectItemCaseSensitive(j, key);
        if (!cJSON_IsArray(arr)) {
            snprintf(e->err, sizeof e->err, "mock-cas %s: no %s array in the answer", route, key);
            cJSON_Delete(j);
            cJSON_Delete(all);
            return NULL;
        }
        int n = cJSON_GetArraySize(arr);
        while (cJSON_GetArraySize(arr) > 0)
            cJSON_AddItemToArray(all, cJSON_DetachItemFromArray(arr, 0));
        cJSON_Delete(j);
        if (n < PAGE)
            return all;
    }
    return all;
}

static cJSON *array_of(struct ct_env *e, cJSON *j, const char *key)
{
    if (!j)
        return NULL;
    if (cJSON_IsArray(j))
        return j;
    cJSON *a = cJSON_DetachItemFromObjectCaseSensitive(j, key);
    cJSON_Delete(j);
    if (!cJSON_IsArray(a)) {
        snprintf(e->err, sizeof e->err, "admin answer without %s array", key);
        cJSON_Delete(a);
        return NULL;
    }
    return a;
}

cJSON *ct_cas_activities(struct ct_env *e)
{
    char route[128];
    snprintf(route, sizeof route, "/_mock/instances/%lld/activities", e->instance_id);
    return paged(e, route, "activities");
}

cJSON *ct_cas_entities(struct ct_env *e)
{
    char route[128];
    snprintf(route, sizeof route, "/_mock/instances/%lld/entities", e->instance_id);
    return paged(e, route, "data");
}

cJSON *ct_cas_statuses(struct ct_env *e)
{
    char route[128];
    snprintf(route, sizeof route, "/_mock/instances/%lld/statuses", e->instance_id);
    return array_of(e, ct_cas(e, "GET", route, NULL), "statuses");
}

cJSON *ct_cas_violations(struct ct_env *e)
{
    char route[128];
    snprintf(route, sizeof route, "/_mock/violations?instance=%lld&limit=10000", e->instance_id);
    return array_of(e, ct_cas(e, "GET", route, NULL), "violations");
}

cJSON *ct_ss_events(struct ct_env *e)
{
    return array_of(e, ct_ss(e, "GET", "/_mock/events?numericDates=true", NULL), "data");
}

cJSON *ct_ss_users(struct ct_env *e)
{
    return array_of(e, ct_ss(e, "GET", "/_mock/users", NULL), "data");
}

cJSON *ct_cas_last_status(struct ct_env *e)
{
    cJSON *all = ct_cas_statuses(e);
    int n = cJSON_GetArraySize(all);
    cJSON *last = n > 0 ? cJSON_DetachItemFromArray(all, n - 1) : NULL;
    cJSON_Delete(all);
    return last;
}

void ct_status_seen_read(struct ct_env *e, struct ct_status_seen *s)
{
    s->last = ct_cas_last_status(e);
    s->status = ct_jstr(s->last, "status");
    s->stage = ct_jstr(s->last, "stage");
    s->msg = ct_jstr(s->last, "message");
    str_sanitize(s->msg ? s->msg : "", s->shown, sizeof s->shown);
}

int ct_status_asks_reconnect(const struct ct_status_seen *s)
{
    return s->status && !strcmp(s->status, "error") && s->stage &&
           !strcmp(s->stage, "Authorize") && s->msg && strstr(s->msg, "reconnect");
}

const cJSON *ct_activity_raw(const cJSON *act, cJSON **tmp)
{
    *tmp = NULL;
    const cJSON *raw = cJSON_GetObjectItemCaseSensitive(act, "rawDataJson");
    if (cJSON_IsString(raw)) {
        *tmp = cJSON_Parse(raw->valuestring);
        return *tmp;
    }
    return cJSON_IsObject(raw) ? raw : NULL;
}

int64_t ct_event_ms(const cJSON *ev)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(ev, "eventTimestamp");
    int64_t ms;
    if (cJSON_IsNumber(t))
        return (int64_t)t->valuedouble;
    if (cJSON_IsString(t) && !parse_iso8601_ms(t->valuestring, &ms))
        return ms;
    return -1;
}

/* Event ids, sorted, for counting. */
struct idrow {
    const char *id;
    int64_t ts;
    int stored;
};

static int idrow_cmp(const void *a, const void *b)
{
    return strcmp(((const struct idrow *)a)->id, ((const struct idrow *)b)->id);
}

int ct_delivery_check(struct ct_env *e, int64_t from_ms, struct ct_delivery *d)
{
    memset(d, 0, sizeof *d);
    cJSON *events = ct_ss_events(e);
    cJSON *acts = events ? ct_cas_activities(e) : NULL;
    if (!acts) {
        cJSON_Delete(events);
        return -1;
    }
    int n = cJSON_GetArraySize(events);
    struct idrow *rows = xcalloc((size_t)n + 1, sizeof *rows);
    int k = 0;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, events) {
        const char *id = ct_jstr(ev, "eventId");
        if (id && k < n)
            rows[k++] = (struct idrow){id, ct_event_ms(ev), 0};
    }
    qsort(rows, (size_t)k, sizeof *rows, idrow_cmp);
    const cJSON *act;
    cJSON_ArrayForEach(act, acts) {
        d->stored++;
        cJSON *tmp;
        const cJSON *raw = ct_activity_raw(act, &tmp);
        const char *id = ct_jstr(raw, "eventId");
        struct idrow key = {id ? id : "", 0, 0};
        struct idrow *r = id ? bsearch(&key, rows, (size_t)k, sizeof *rows, idrow_cmp) : NULL;
        if (!r) {
            d->unknown++;
        } else {
            if (++r->stored == 2 && !d->duplicated++)
                snprintf(d->first_duplicated, sizeof d->first_duplicated, "%s", r->id);
            if (r->stored == 1 && r->ts < from_ms - CT_HOUR_MS && !d->too_old++)
                snprintf(d->first_too_old, sizeof d->first_too_old, "%s", r->id);
            if (r->stored == 1 && r->ts >= from_ms - CT_HOUR_MS && r->ts < from_ms + CT_HOUR_MS)
                d->at_edge++;
        }
        cJSON_Delete(tmp);
    }
    for (int i = 0; i < k; i++) {
        if (rows[i].ts < from_ms + CT_HOUR_MS)
            continue;
        d->expected++;
        if (!rows[i].stored && !d->missing++)
            snprintf(d->first_missing, sizeof d->first_missing, "%s", rows[i].id);
    }
    free(rows);
    cJSON_Delete(events);
    cJSON_Delete(acts);
    return 0;
}

const char *ct_delivery_text(const struct ct_delivery *d, char *out, size_t cap)
{
    snprintf(out, cap,
             "%d events in the window, %d activities stored: %d missing%s%s%s, %d stored twice%s%s%s"
             ", %d older than the window%s%s%s, %d not in the stream, %d from the hour either "
             "side of the window's start (allowed either way)",
             d->expected, d->stored, d->missing, d->missing ? " (first eventId " : "",
             d->first_missing, d->missing ? ")" : "", d->duplicated,
             d->duplicated ? " (first " : "", d->first_duplicated, d->duplicated ? ")" : "",
             d->too_old, d->too_old ? " (first " : "", d->first_too_old, d->too_old ? ")" : "",
             d->unknown, d->at_edge);
    return out;
}

int ct_delivery_ok(const struct ct_delivery *d)
{
    return !d->missing && !d->duplicated && !d->too_old && !d->unknown;
}

int ct_sync_ok(struct ct_env *e, int timeout_ms)
{
    struct run_result r;
    if (ct_env_run(e, "sync", NULL, NULL, timeout_ms, -1, &r))
        return -1;
    int ok = r.exited && r.code == 0;
    if (!ok) {
        char saw[300];
        ct_doubles_saw(e, "sync", saw, sizeof saw);
        ct_stage_failed(e, "sync", &r, NULL, saw);
    }
    run_result_release(&r);
    return ok ? 0 : -1;
}

int ct_sync_ok_why(struct ct_env *e, int timeout_ms, char *why, size_t cap)
{
    int s = ct_sync_ok(e, timeout_ms);
    snprintf(why, cap, "%s", s ? e->err : "");
    return s;
}

int ct_busiest_window(const struct ct_req_time *r, int n, long long window_ms,
                      long long *end_seq)
{
    int best = 0;
    for (int i = 0; i < n; i++) {
        int c = 0;
        for (int k = 0; k < n; k++)
            if (!strcmp(r[k].tok, r[i].tok) && r[k].dur > r[i].dur - window_ms &&
                r[k].dur <= r[i].dur)
                c++;
        if (c > best) {
            best = c;
            *end_seq = r[i].seq;
        }
    }
    return best;
}

int ct_api_requests(const cJSON *j, struct ct_req_time **out)
{
    int n = cJSON_GetArraySize(j), k = 0;
    struct ct_req_time *r = xcalloc((size_t)n + 1, sizeof *r);
    const cJSON *it;
    cJSON_ArrayForEach(it, j) {
        const char *p = ct_jstr(it, "path"), *t = ct_jstr(it, "tokenId");
        if (!p || !t || !*t || !strncmp(p, "/2.0/token", 10) || k >= n)
            continue;
        r[k].seq = ct_jnum(it, "seq");
        r[k].dur = ct_jnum(it, "durationMs");
        snprintf(r[k].tok, sizeof r[k].tok, "%s", t);
        k++;
    }
    *out = r;
    return k;
}

/* Appends n live events shaped like the stream's last one. */
int ct_append_events(struct ct_env *e, int n)
{
    cJSON *events = ct_ss_events(e);
    int count = cJSON_GetArraySize(events);
    if (count == 0) {
        cJSON_Delete(events);
        snprintf(e->err, sizeof e->err, "the scenario has no event to copy");
        return -1;
    }
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, ct_event_copy(cJSON_GetArrayItem(events, count - 1)));
    cJSON_Delete(events);
    return ct_post_events(e, arr);
}

cJSON *ct_event_copy(const cJSON *ev)
{
    cJSON *c = cJSON_Duplicate(ev, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(c, "eventId");
    cJSON_DeleteItemFromObjectCaseSensitive(c, "eventTimestamp");
    return c;
}

int ct_post_events(struct ct_env *e, cJSON *events)
{
    char *body = cJSON_PrintUnformatted(events);
    int rc = body ? ct_ss_do(e, "POST", "/_mock/events", body) : -1;
    free(body);
    cJSON_Delete(events);
    return rc;
}

