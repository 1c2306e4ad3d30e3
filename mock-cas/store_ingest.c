/* store_ingest.c - storing what connectors deliver: activity batches
 * (judged elsewhere), entities and status reports. */
#include "store_int.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dclock.h"

static const char *str_at(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void replace(cJSON *o, const char *name, cJSON *v)
{
    cJSON_DeleteItemFromObjectCaseSensitive(o, name);
    cJSON_AddItemToObject(o, name, v);
}

/* The stored record: the client's own bytes (so numbers and escapes stay
 * exactly as sent) without any member named like ours, plus our fields;
 * NULL when the span is not an object. */
static char *splice(const struct jspan *sp, const char *id, int64_t tenant, int64_t now)
{
    static const char *const ours[] = {"_id", "uid", "tenantId", "created", NULL};
    struct buf b;
    buf_init(&b, sp->len + 2 * strlen(id) + 256);
    if (jspan_object_without(sp->start, sp->len, ours, &b)) {
        buf_release(&b);
        return NULL;
    }
    buf_puts(&b, b.len > 1 ? ",\"_id\":" : "\"_id\":");
    buf_json_str(&b, id, strlen(id));
    buf_puts(&b, ",\"uid\":");
    buf_json_str(&b, id, strlen(id));
    buf_printf(&b, ",\"tenantId\":%lld,\"created\":%lld}", (long long)tenant, (long long)now);
    if (b.err) {
        buf_release(&b);
        return NULL;
    }
    return buf_take(&b, NULL);
}

enum { ST_ACCEPTED = 1, ST_DUPLICATE, ST_REJECTED, ST_FAILED };

void store_prepare(struct store *s, int64_t instance, int64_t now, cJSON *a,
                   const struct verdict *v, const struct jspan *span, struct ingest_row *r)
{
    char id[VAL_EVENT_ID_MAX + 64];
    snprintf(id, sizeof id, "%lld_%lld_%s", (long long)s->tenant_id, (long long)instance,
             v->event_id);
    const cJSON *user = cJSON_GetObjectItemCaseSensitive(a, "user");
    const cJSON *dev = cJSON_GetObjectItemCaseSensitive(a, "device");
    r->ts = (int64_t)cJSON_GetObjectItemCaseSensitive(a, "timestamp")->valuedouble;
    r->service = (int64_t)cJSON_GetObjectItemCaseSensitive(a, "appId")->valuedouble;
    r->source = (int64_t)cJSON_GetObjectItemCaseSensitive(a, "source")->valuedouble;
    r->user = str_at(user, "userName");
    r->etn = str_at(a, "eventTypeName");
    r->etv = str_at(a, "eventTypeValue");
    r->ip = cJSON_IsObject(dev) ? str_at(dev, "clientIP") : NULL;
    r->desc = str_at(a, "description");
    if (span && (r->json = splice(span, id, s->tenant_id, now)))
        return;
    /* Re-print: the item already has one of our fields, or no span. */
    replace(a, "_id", cJSON_CreateString(id));
    replace(a, "uid", cJSON_CreateString(id));
    replace(a, "tenantId", cJSON_CreateNumber((double)s->tenant_id));
    replace(a, "created", cJSON_CreateNumber((double)now));
    /* Copied: cJSON may be allocating from a parse arena (jarena.h). */
    char *text = cJSON_PrintUnformatted(a);
    r->json = text ? xstrdup(text) : NULL;
    cJSON_free(text);
    /* The strings above may have moved with the tree edits: re-read them. */
    user = cJSON_GetObjectItemCaseSensitive(a, "user");
    dev = cJSON_GetObjectItemCaseSensitive(a, "device");
    r->user = str_at(user, "userName");
    r->etn = str_at(a, "eventTypeName");
    r->etv = str_at(a, "eventTypeValue");
    r->ip = cJSON_IsObject(dev) ? str_at(dev, "clientIP") : NULL;
    r->desc = str_at(a, "description");
}

static void record_violations(sqlite3_stmt *vio, int64_t instance, int64_t batch, size_t i,
                              const struct verdict *v, int64_t now)
{
    for (size_t k = 0; k < v->n; k++) {
        sqlite3_reset(vio);
        sqlite3_bind_int64(vio, 1, now);
        sqlite3_bind_int64(vio, 2, instance);
        sqlite3_bind_int64(vio, 3, batch);
        sqlite3_bind_int64(vio, 4, (int64_t)i);
        store_bind_str(vio, 5, v->event_id[0] ? v->event_id : NULL);
        store_bind_str(vio, 6, v->v[k].rule);
        store_bind_str(vio, 7, v->v[k].reason);
        sqlite3_step(vio);
    }
}

static int insert_row(sqlite3_stmt *ins, int64_t instance, const char *event_id, int64_t now,
                      const struct ingest_row *r)
{
    sqlite3_reset(ins);
    sqlite3_bind_int64(ins, 1, instance);
    sqlite3_bind_text(ins, 2, event_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(ins, 3, r->ts);
    sqlite3_bind_int64(ins, 4, now);
    sqlite3_bind_int64(ins, 5, r->service);
    sqlite3_bind_int64(ins, 6, r->source);
    const char *texts[] = {r->user, r->etn, r->etv, r->ip, r->desc, r->json};
    for (int k = 0; k < 6; k++) {
        if (texts[k])
            sqlite3_bind_text(ins, 7 + k, texts[k], -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(ins, 7 + k);
    }
    return sqlite3_step(ins) == SQLITE_DONE ? 0 : -1;
}

static void answer_batch(struct buf *out, int64_t batch, const struct verdict *verdicts,
                         const unsigned char *status, size_t n)
{
    size_t count[5] = {0};
    for (size_t i = 0; i < n; i++)
        count[status[i]]++;
    buf_printf(out, "{\"batch\":%lld,\"accepted\":%zu,\"duplicates\":%zu,\"rejected\":%zu,"
               "\"results\":[", (long long)batch, count[ST_ACCEPTED], count[ST_DUPLICATE],
               count[ST_REJECTED] + count[ST_FAILED]);
    for (size_t i = 0; i < n; i++) {
        const struct verdict *v = &verdicts[i];
        buf_printf(out, "%s{\"index\":%zu,\"eventId\":", i ? "," : "", i);
        if (v->event_id[0])
            buf_json_str(out, v->event_id, strlen(v->event_id));
        else
            buf_puts(out, "null");
        if (status[i] == ST_ACCEPTED) {
            buf_puts(out, ",\"status\":\"accepted\"}");
        } else if (status[i] == ST_DUPLICATE) {
            buf_puts(out, ",\"status\":\"duplicate\"}");
        } else if (status[i] == ST_FAILED) {
            buf_puts(out, ",\"status\":\"rejected\",\"violations\":[],"
                          "\"reason\":\"the store could not keep it\"}");
        } else {
            buf_puts(out, ",\"status\":\"rejected\",\"violations\":[");
            for (size_t k = 0; k < v->n; k++) {
                buf_printf(out, "%s{\"rule\":\"%s\",\"reason\":", k ? "," : "", v->v[k].rule);
                buf_json_str(out, v->v[k].reason, strlen(v->v[k].reason));
                buf_puts(out, "}");
            }
            buf_puts(out, "]}");
        }
    }
    buf_puts(out, "]}");
}

int store_ingest(struct store *s, int64_t instance, cJSON *const *acts,
                 const struct verdict *verdicts, const struct jspan *spans, size_t n,
                 struct buf *out)
{
    int64_t now = dclock_wall_ms();
    struct ingest_row *rows = xcalloc(n ? n : 1, sizeof *rows);
    for (size_t i = 0; i < n; i++)
        if (!verdicts[i].n)
            store_prepare(s, instance, now, acts[i], &verdicts[i], spans ? &spans[i] : NULL, &rows[i]);
    int rc = store_commit(s, instance, now, verdicts, rows, n, out);
    free(rows);
    return rc;
}

int store_commit(struct store *s, int64_t instance, int64_t now, const struct verdict *verdicts,
                 struct ingest_row *rows, size_t n, struct buf *out)
{
    unsigned char *status = xcalloc(n ? n : 1, 1);
    size_t acc = 0, dup = 0, rej = 0;
    /* What this batch stores is remembered in its own table until the
     * commit is durable: a failed commit marks nothing as seen, so the
     * client's retry stores the batch (issue #13, item 1). */
    struct dedup fresh;
    dedup_init(&fresh);
    pthread_mutex_lock(&s->lock);
    int64_t batch = ++s->batches;
    int rc = sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
    sqlite3_stmt *ins = store_prep(s, "INSERT INTO activities(instance,event_id,ts,created,"
                                "service,source,username,etype_name,etype_value,ip,description,json)"
                                " VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
    sqlite3_stmt *vio = store_prep(s, "INSERT INTO violations(time,instance,batch,idx,event_id,rule,reason)"
                                " VALUES(?,?,?,?,?,?,?)");
    for (size_t i = 0; i < n; i++) {
        const struct verdict *v = &verdicts[i];
        if (rc || !ins || !vio) {
            status[i] = ST_FAILED;
        } else if (v->n) {
            record_violations(vio, instance, batch, i, v, now);
            status[i] = ST_REJECTED;
        } else if (dedup_find(&s->dd, instance, v->event_id) ||
                   dedup_find(&fresh, instance, v->event_id)) {
            status[i] = ST_DUPLICATE;
        } else if (insert_row(ins, instance, v->event_id, now, &rows[i]) == 0) {
            dedup_put(&fresh, instance, v->event_id, sqlite3_last_insert_rowid(s->db));
            status[i] = ST_ACCEPTED;
        } else {
            status[i] = ST_FAILED;
        }
        acc += status[i] == ST_ACCEPTED;
        dup += status[i] == ST_DUPLICATE;
        rej += status[i] == ST_REJECTED || status[i] == ST_FAILED;
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(vio);
    sqlite3_stmt *up = store_prep(s, "UPDATE instances SET accepted=accepted+?, duplicates=duplicates+?,"
                               " rejected=rejected+?, batches=batches+1 WHERE id=?");
    if (up) {
        sqlite3_bind_int64(up, 1, (int64_t)acc);
        sqlite3_bind_int64(up, 2, (int64_t)dup);
        sqlite3_bind_int64(up, 3, (int64_t)rej);
        sqlite3_bind_int64(up, 4, instance);
        sqlite3_step(up);
    }
    sqlite3_finalize(up);
    if (!rc && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = -1;
    if (rc) {
        /* Nothing of the batch is kept (a failed COMMIT may leave the
         * transaction open) and nothing is marked as seen. */
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        for (size_t i = 0; i < n; i++)
            if (status[i] == ST_ACCEPTED)
                status[i] = ST_FAILED;
    } else {
        dedup_merge(&s->dd, &fresh);
    }
    pthread_mutex_unlock(&s->lock);
    dedup_free(&fresh);
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        free(rows[i].json);
        rows[i].json = NULL;
        failed |= status[i] == ST_FAILED;
    }
    answer_batch(out, batch, verdicts, status, n);
    free(status);
    return rc || failed || out->err ? -1 : 0;
}

static int entity_check(const cJSON *e, char *id, size_t idcap, char *why, size_t whycap)
{
    if (!cJSON_IsObject(e)) {
        snprintf(why, whycap, "an entity must be a JSON object");
        return -1;
    }
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, "id");
    if (cJSON_IsString(v) && v->valuestring[0] && strlen(v->valuestring) < idcap)
        snprintf(id, idcap, "%s", v->valuestring);
    else if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 9.0e15)
        snprintf(id, idcap, "%lld", (long long)v->valuedouble);
    else {
        snprintf(why, whycap, "id must be the Smartsheet user id (string or number)");
        return -1;
    }
    const cJSON *email = cJSON_GetObjectItemCaseSensitive(e, "email");
    if (!cJSON_IsString(email) || !strchr(email->valuestring, '@')) {
        snprintf(why, whycap, "email must be a string with an '@'");
        return -1;
    }
    static const char *const strs[] = {"displayName", "status", NULL};
    for (size_t i = 0; strs[i]; i++) {
        v = cJSON_GetObjectItemCaseSensitive(e, strs[i]);
        if (v && !cJSON_IsString(v) && !cJSON_IsNull(v)) {
            snprintf(why, whycap, "%s must be a string", strs[i]);
            return -1;
        }
    }
    v = cJSON_GetObjectItemCaseSensitive(e, "isAdmin");
    if (v && !cJSON_IsBool(v)) {
        snprintf(why, whycap, "isAdmin must be true or false");
        return -1;
    }
    return 0;
}

int store_entities_upsert(struct store *s, int64_t instance, const cJSON *list, struct buf *out)
{
    int64_t now = dclock_wall_ms();
    size_t created = 0, updated = 0, rejected = 0, i = 0;
    struct buf res;
    buf_init(&res, 16u * 1024u * 1024u);
    pthread_mutex_lock(&s->lock);
    sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL);
    sqlite3_stmt *ex = store_prep(s, "SELECT 1 FROM entities WHERE instance=? AND id=?");
    sqlite3_stmt *up = store_prep(s, "INSERT INTO entities(instance,id,email,json,created,updated)"
                               " VALUES(?,?,?,?,?,?) ON CONFLICT(instance,id) DO UPDATE SET"
                               " email=excluded.email, json=excluded.json, updated=excluded.updated");
    for (const cJSON *e = list->child; e && ex && up; e = e->next, i++) {
        char id[128], why[160];
        if (i)
            buf_puts(&res, ",");
        buf_printf(&res, "{\"index\":%zu", i);
        if (entity_check(e, id, sizeof id, why, sizeof why)) {
            rejected++;
            buf_puts(&res, ",\"status\":\"rejected\",\"reason\":");
            buf_json_str(&res, why, strlen(why));
            buf_puts(&res, "}");
            continue;
        }
        sqlite3_reset(ex);
        sqlite3_bind_int64(ex, 1, instance);
        store_bind_str(ex, 2, id);
        int exists = sqlite3_step(ex) == SQLITE_ROW;
        const char *email = str_at(e, "email");
        const char *name = str_at(e, "displayName");
        const cJSON *adm = cJSON_GetObjectItemCaseSensitive(e, "isAdmin");
        struct buf j;
        buf_init(&j, 64 * 1024);
        char ii[200];
        snprintf(ii, sizeof ii, "%d|%lld|%s", STORE_APP_ID, (long long)instance, id);
        buf_puts(&j, "{\"_id\":");
        buf_json_str(&j, ii, strlen(ii));
        buf_puts(&j, ",\"ii\":");
        buf_json_str(&j, ii, strlen(ii));
        buf_puts(&j, ",\"id\":");
        buf_json_str(&j, id, strlen(id));
        buf_puts(&j, ",\"type\":2,\"email\":");
        buf_json_str(&j, email, strlen(email));
        buf_puts(&j, ",\"displayName\":");
        buf_json_str(&j, name ? name : email, strlen(name ? name : email));
        buf_printf(&j, ",\"isAdmin\":%s,\"status\":", cJSON_IsTrue(adm) ? "true" : "false");
        const char *st = str_at(e, "status");
        if (st)
            buf_json_str(&j, st, strlen(st));
        else
            buf_puts(&j, "null");
        buf_printf(&j, ",\"appData\":{\"appId\":%d,\"name\":\"Smartsheet\",\"saas\":%d,\"instance\":%lld},"
                   "\"lastSeen\":%lld}", STORE_APP_ID, STORE_APP_ID, (long long)instance, (long long)now);
        sqlite3_reset(up);
        sqlite3_bind_int64(up, 1, instance);
        store_bind_str(up, 2, id);
        store_bind_str(up, 3, email);
        store_bind_str(up, 4, j.err ? "{}" : j.ptr);
        sqlite3_bind_int64(up, 5, now);
        sqlite3_bind_int64(up, 6, now);
        int ok = !j.err && sqlite3_step(up) == SQLITE_DONE;
        buf_release(&j);
        if (!ok) {
            rejected++;
            buf_puts(&res, ",\"status\":\"rejected\",\"reason\":\"could not be stored\"}");
            continue;
        }
        exists ? updated++ : created++;
        buf_puts(&res, ",\"id\":");
        buf_json_str(&res, id, strlen(id));
        buf_printf(&res, ",\"status\":\"%s\"}", exists ? "updated" : "created");
    }
    sqlite3_finalize(ex);
    sqlite3_finalize(up);
    int rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
    pthread_mutex_unlock(&s->lock);
    buf_printf(out, "{\"created\":%zu,\"updated\":%zu,\"rejected\":%zu,\"results\":[", created,
               updated, rejected);
    buf_append(out, res.ptr ? res.ptr : "", res.len);
    buf_puts(out, "]}");
    buf_release(&res);
    return rc || out->err ? -1 : 0;
}

int store_status_add(struct store *s, int64_t instance, const char *status, const char *stage,
                     const char *message)
{
    pthread_mutex_lock(&s->lock);
    int rc = -1;
    sqlite3_stmt *st = store_prep(s, "INSERT INTO statuses(instance,status,stage,message,time) VALUES(?,?,?,?,?)");
    if (st) {
        sqlite3_bind_int64(st, 1, instance);
        store_bind_str(st, 2, status);
        store_bind_str(st, 3, stage);
        store_bind_str(st, 4, message);
        sqlite3_bind_int64(st, 5, dclock_wall_ms());
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}
