/* store.c - the SQLite store behind mock-cas. */
#include "store.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dclock.h"
#include "dedup.h"
#include "rng.h"

struct store {
    sqlite3 *db;
    pthread_mutex_t lock;
    int64_t tenant_id;
    int64_t batches;
    struct dedup dd;      /* (instance, eventId) -> seq; stands in for a unique index */
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS instances(id INTEGER PRIMARY KEY, n INTEGER NOT NULL,"
    " name TEXT NOT NULL, token_hash TEXT NOT NULL, created INTEGER NOT NULL,"
    " accepted INTEGER NOT NULL DEFAULT 0, duplicates INTEGER NOT NULL DEFAULT 0,"
    " rejected INTEGER NOT NULL DEFAULT 0, batches INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS api_tokens(id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
    " token_hash TEXT NOT NULL, created INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS activities(seq INTEGER PRIMARY KEY, instance INTEGER NOT NULL,"
    " event_id TEXT NOT NULL, ts INTEGER NOT NULL, created INTEGER NOT NULL, service INTEGER,"
    " source INTEGER, username TEXT, etype_name TEXT, etype_value TEXT, ip TEXT,"
    " description TEXT, json TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS act_ts ON activities(ts);"
    "CREATE INDEX IF NOT EXISTS act_created ON activities(created);"
    "CREATE INDEX IF NOT EXISTS act_user ON activities(username, ts);"
    "CREATE INDEX IF NOT EXISTS act_etype ON activities(etype_name, ts);"
    "CREATE TABLE IF NOT EXISTS entities(instance INTEGER NOT NULL, id TEXT NOT NULL,"
    " email TEXT, json TEXT NOT NULL, created INTEGER NOT NULL, updated INTEGER NOT NULL,"
    " PRIMARY KEY(instance, id));"
    "CREATE TABLE IF NOT EXISTS statuses(seq INTEGER PRIMARY KEY, instance INTEGER NOT NULL,"
    " status TEXT NOT NULL, stage TEXT, message TEXT, time INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS callbacks(seq INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
    " code TEXT, state TEXT, error TEXT, error_description TEXT, raw_query TEXT,"
    " missing_state INTEGER, code_and_error INTEGER, malformed INTEGER);"
    "CREATE TABLE IF NOT EXISTS violations(seq INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
    " instance INTEGER NOT NULL, batch INTEGER NOT NULL, idx INTEGER NOT NULL, event_id TEXT,"
    " rule TEXT NOT NULL, reason TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS viol_rule ON violations(rule);";

static sqlite3_stmt *prep(struct store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "mock-cas: SQL error: %s\n", sqlite3_errmsg(s->db));
        return NULL;
    }
    return st;
}

/* Appends column c as a JSON string, or null. */
static void col_str(struct buf *out, sqlite3_stmt *st, int c)
{
    const unsigned char *t = sqlite3_column_text(st, c);
    if (!t)
        buf_puts(out, "null");
    else
        buf_json_str(out, (const char *)t, (size_t)sqlite3_column_bytes(st, c));
}

static void bind_str(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

struct store *store_open(const char *path, int64_t tenant_id, char *err, size_t errlen)
{
    struct store *s = xcalloc(1, sizeof *s);
    s->tenant_id = tenant_id;
    pthread_mutex_init(&s->lock, NULL);
    /* One connection, used only under s->lock: SQLite needs no locks of its own. */
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path ? path : ":memory:", &s->db, flags, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path ? path : "the in-memory store",
                 s->db ? sqlite3_errmsg(s->db) : "out of memory");
        store_close(s);
        return NULL;
    }
    const char *pragmas = path ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                               : "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;";
    char *msg = NULL;
    if (sqlite3_exec(s->db, pragmas, NULL, NULL, &msg) != SQLITE_OK ||
        sqlite3_exec(s->db, "PRAGMA page_size=16384; PRAGMA cache_size=-262144; PRAGMA temp_store=MEMORY;", NULL, NULL,
                     &msg) != SQLITE_OK ||
        sqlite3_exec(s->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "cannot set up %s: %s", path ? path : "the store",
                 msg ? msg : "unknown error");
        sqlite3_free(msg);
        store_close(s);
        return NULL;
    }
    dedup_init(&s->dd);
    sqlite3_stmt *st = prep(s, "SELECT seq, instance, event_id FROM activities");
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        const char *ev = (const char *)sqlite3_column_text(st, 2);
        if (ev && !dedup_find(&s->dd, sqlite3_column_int64(st, 1), ev))
            dedup_put(&s->dd, sqlite3_column_int64(st, 1), ev, sqlite3_column_int64(st, 0));
    }
    sqlite3_finalize(st);
    st = prep(s, "SELECT coalesce(max(batch),0) FROM violations");
    if (st && sqlite3_step(st) == SQLITE_ROW)
        s->batches = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = prep(s, "SELECT coalesce(sum(batches),0) FROM instances");
    if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) > s->batches)
        s->batches = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return s;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    if (s->dd.slots)
        dedup_free(&s->dd);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

int64_t store_tenant_id(const struct store *s)
{
    return s->tenant_id;
}

int store_reset(struct store *s)
{
    pthread_mutex_lock(&s->lock);
    int rc = sqlite3_exec(s->db,
                          "DELETE FROM instances; DELETE FROM api_tokens; DELETE FROM activities;"
                          "DELETE FROM entities; DELETE FROM statuses; DELETE FROM callbacks;"
                          "DELETE FROM violations;",
                          NULL, NULL, NULL);
    s->batches = 0;
    dedup_free(&s->dd);
    dedup_init(&s->dd);
    pthread_mutex_unlock(&s->lock);
    return rc == SQLITE_OK ? 0 : -1;
}

int store_instance_create(struct store *s, const char *name, int64_t *id, char token[65])
{
    char hash[65];
    rng_hex(token, 32);
    sha256_hex(token, strlen(token), hash);
    pthread_mutex_lock(&s->lock);
    int rc = -1;
    int64_t n = 0;
    sqlite3_stmt *st = prep(s, "SELECT coalesce(max(n)+1,0) FROM instances");
    if (st && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    *id = (n << 20) | STORE_APP_ID;
    st = prep(s, "INSERT INTO instances(id,n,name,token_hash,created) VALUES(?,?,?,?,?)");
    if (st) {
        sqlite3_bind_int64(st, 1, *id);
        sqlite3_bind_int64(st, 2, n);
        bind_str(st, 3, name);
        bind_str(st, 4, hash);
        sqlite3_bind_int64(st, 5, dclock_wall_ms());
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_instance_auth(struct store *s, int64_t id, const char *token)
{
    char hash[65];
    sha256_hex(token, strlen(token), hash);
    pthread_mutex_lock(&s->lock);
    int rc = -1;
    sqlite3_stmt *st = prep(s, "SELECT token_hash FROM instances WHERE id=?");
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) == SQLITE_ROW) {
            const char *h = (const char *)sqlite3_column_text(st, 0);
            if (h && rng_equal(h, strlen(h), hash, 64))
                rc = 0;
        }
    }
    sqlite3_finalize(st);
    if (rc) {
        st = prep(s, "SELECT 1 FROM instances WHERE token_hash=?");
        if (st) {
            bind_str(st, 1, hash);
            if (sqlite3_step(st) == SQLITE_ROW)
                rc = -2;
        }
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_query_token_ok(struct store *s, const char *token)
{
    char hash[65];
    sha256_hex(token, strlen(token), hash);
    pthread_mutex_lock(&s->lock);
    int ok = 0;
    sqlite3_stmt *st = prep(s, "SELECT token_hash FROM instances WHERE token_hash=? UNION ALL "
                               "SELECT token_hash FROM api_tokens WHERE token_hash=?");
    if (st) {
        bind_str(st, 1, hash);
        bind_str(st, 2, hash);
        if (sqlite3_step(st) == SQLITE_ROW) {
            const char *h = (const char *)sqlite3_column_text(st, 0);
            ok = h && rng_equal(h, strlen(h), hash, 64);
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    return ok;
}

int store_api_token_create(struct store *s, const char *name, char token[65])
{
    char hash[65];
    rng_hex(token, 32);
    sha256_hex(token, strlen(token), hash);
    pthread_mutex_lock(&s->lock);
    int rc = -1;
    sqlite3_stmt *st = prep(s, "INSERT INTO api_tokens(name,token_hash,created) VALUES(?,?,?)");
    if (st) {
        bind_str(st, 1, name);
        bind_str(st, 2, hash);
        sqlite3_bind_int64(st, 3, dclock_wall_ms());
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* Appends one instance object from a row of instance_sql. */
static const char instance_sql[] =
    "SELECT i.id, i.name, i.created, i.accepted, i.duplicates, i.rejected, i.batches,"
    " (SELECT count(*) FROM entities e WHERE e.instance=i.id),"
    " (SELECT count(*) FROM statuses t WHERE t.instance=i.id),"
    " t.status, t.stage, t.message, t.time"
    " FROM instances i LEFT JOIN statuses t ON t.seq ="
    " (SELECT max(seq) FROM statuses u WHERE u.instance=i.id)";

static void instance_obj(struct buf *out, sqlite3_stmt *st)
{
    buf_printf(out, "{\"instanceId\":%lld,\"appId\":%d,\"name\":", (long long)sqlite3_column_int64(st, 0),
               STORE_APP_ID);
    col_str(out, st, 1);
    buf_printf(out, ",\"created\":%lld,\"accepted\":%lld,\"duplicates\":%lld,\"rejected\":%lld,"
               "\"batches\":%lld,\"entities\":%lld,\"statuses\":%lld,\"status\":",
               (long long)sqlite3_column_int64(st, 2), (long long)sqlite3_column_int64(st, 3),
               (long long)sqlite3_column_int64(st, 4), (long long)sqlite3_column_int64(st, 5),
               (long long)sqlite3_column_int64(st, 6), (long long)sqlite3_column_int64(st, 7),
               (long long)sqlite3_column_int64(st, 8));
    if (sqlite3_column_type(st, 9) == SQLITE_NULL) {
        buf_puts(out, "null}");
        return;
    }
    buf_puts(out, "{\"status\":");
    col_str(out, st, 9);
    buf_puts(out, ",\"stage\":");
    col_str(out, st, 10);
    buf_puts(out, ",\"message\":");
    col_str(out, st, 11);
    buf_printf(out, ",\"time\":%lld}}", (long long)sqlite3_column_int64(st, 12));
}

int store_instances_json(struct store *s, struct buf *out)
{
    pthread_mutex_lock(&s->lock);
    char sql[sizeof instance_sql + 32];
    snprintf(sql, sizeof sql, "%s ORDER BY i.n", instance_sql);
    sqlite3_stmt *st = prep(s, sql);
    buf_puts(out, "{\"instances\":[");
    for (int k = 0; st && sqlite3_step(st) == SQLITE_ROW; k++) {
        if (k)
            buf_puts(out, ",");
        instance_obj(out, st);
    }
    buf_puts(out, "]}");
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    return out->err ? -1 : 0;
}

int store_instance_json(struct store *s, int64_t id, struct buf *out)
{
    pthread_mutex_lock(&s->lock);
    char sql[sizeof instance_sql + 32];
    snprintf(sql, sizeof sql, "%s WHERE i.id=?", instance_sql);
    sqlite3_stmt *st = prep(s, sql);
    int rc = -1;
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) == SQLITE_ROW) {
            instance_obj(out, st);
            rc = 0;
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

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

/* The stored record from the client's own bytes plus our fields, when the
 * item has none of them already; NULL otherwise. */
static char *splice(const struct jspan *sp, const cJSON *a, const char *id, int64_t tenant,
                    int64_t now)
{
    static const char *const ours[] = {"_id", "uid", "tenantId", "created", NULL};
    for (size_t k = 0; ours[k]; k++)
        if (cJSON_GetObjectItemCaseSensitive(a, ours[k]))
            return NULL;
    if (!a->child || sp->len < 2 || sp->start[0] != '{' || sp->start[sp->len - 1] != '}')
        return NULL;
    struct buf b;
    buf_init(&b, sp->len + 2 * strlen(id) + 256);
    buf_append(&b, sp->start, sp->len - 1);
    buf_puts(&b, ",\"_id\":");
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
    if (span && (r->json = splice(span, a, id, s->tenant_id, now)))
        return;
    /* Re-print: the item already has one of our fields, or no span. */
    replace(a, "_id", cJSON_CreateString(id));
    replace(a, "uid", cJSON_CreateString(id));
    replace(a, "tenantId", cJSON_CreateNumber((double)s->tenant_id));
    replace(a, "created", cJSON_CreateNumber((double)now));
    r->json = cJSON_PrintUnformatted(a);
    /* The strings above may have moved with the tree edits: re-read them. */
    user = cJSON_GetObjectItemCaseSensitive(a, "user");
    dev = cJSON_GetObjectItemCaseSensitive(a, "device");
    r->user = str_at(user, "userName");
    r->etn = str_at(a, "eventTypeName");
    r->etv = str_at(a, "eventTypeValue");
    r->ip = cJSON_IsObject(dev) ? str_at(dev, "clientIP") : NULL;
    r->desc = str_at(a, "description");
}

static void record_violations(struct store *s, sqlite3_stmt *vio, int64_t instance,
                              int64_t batch, size_t i, const struct verdict *v, int64_t now)
{
    for (size_t k = 0; k < v->n; k++) {
        sqlite3_reset(vio);
        sqlite3_bind_int64(vio, 1, now);
        sqlite3_bind_int64(vio, 2, instance);
        sqlite3_bind_int64(vio, 3, batch);
        sqlite3_bind_int64(vio, 4, (int64_t)i);
        bind_str(vio, 5, v->event_id[0] ? v->event_id : NULL);
        bind_str(vio, 6, v->v[k].rule);
        bind_str(vio, 7, v->v[k].reason);
        sqlite3_step(vio);
    }
    (void)s;
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
    pthread_mutex_lock(&s->lock);
    int64_t batch = ++s->batches;
    sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL);
    sqlite3_stmt *ins = prep(s, "INSERT INTO activities(instance,event_id,ts,created,"
                                "service,source,username,etype_name,etype_value,ip,description,json)"
                                " VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
    sqlite3_stmt *vio = prep(s, "INSERT INTO violations(time,instance,batch,idx,event_id,rule,reason)"
                                " VALUES(?,?,?,?,?,?,?)");
    for (size_t i = 0; i < n; i++) {
        const struct verdict *v = &verdicts[i];
        if (!ins || !vio) {
            status[i] = ST_FAILED;
        } else if (v->n) {
            record_violations(s, vio, instance, batch, i, v, now);
            status[i] = ST_REJECTED;
        } else if (dedup_find(&s->dd, instance, v->event_id)) {
            status[i] = ST_DUPLICATE;
        } else if (insert_row(ins, instance, v->event_id, now, &rows[i]) == 0) {
            dedup_put(&s->dd, instance, v->event_id, sqlite3_last_insert_rowid(s->db));
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
    sqlite3_stmt *up = prep(s, "UPDATE instances SET accepted=accepted+?, duplicates=duplicates+?,"
                               " rejected=rejected+?, batches=batches+1 WHERE id=?");
    if (up) {
        sqlite3_bind_int64(up, 1, (int64_t)acc);
        sqlite3_bind_int64(up, 2, (int64_t)dup);
        sqlite3_bind_int64(up, 3, (int64_t)rej);
        sqlite3_bind_int64(up, 4, instance);
        sqlite3_step(up);
    }
    sqlite3_finalize(up);
    int rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
    pthread_mutex_unlock(&s->lock);
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
    sqlite3_stmt *ex = prep(s, "SELECT 1 FROM entities WHERE instance=? AND id=?");
    sqlite3_stmt *up = prep(s, "INSERT INTO entities(instance,id,email,json,created,updated)"
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
        bind_str(ex, 2, id);
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
        bind_str(up, 2, id);
        bind_str(up, 3, email);
        bind_str(up, 4, j.err ? "{}" : j.ptr);
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
    sqlite3_stmt *st = prep(s, "INSERT INTO statuses(instance,status,stage,message,time) VALUES(?,?,?,?,?)");
    if (st) {
        sqlite3_bind_int64(st, 1, instance);
        bind_str(st, 2, status);
        bind_str(st, 3, stage);
        bind_str(st, 4, message);
        sqlite3_bind_int64(st, 5, dclock_wall_ms());
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_statuses_json(struct store *s, int64_t instance, struct buf *out)
{
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st = prep(s, "SELECT seq,status,stage,message,time FROM statuses WHERE instance=?"
                               " ORDER BY seq");
    buf_printf(out, "{\"instanceId\":%lld,\"statuses\":[", (long long)instance);
    if (st)
        sqlite3_bind_int64(st, 1, instance);
    for (int k = 0; st && sqlite3_step(st) == SQLITE_ROW; k++) {
        buf_printf(out, "%s{\"seq\":%lld,\"status\":", k ? "," : "", (long long)sqlite3_column_int64(st, 0));
        col_str(out, st, 1);
        buf_puts(out, ",\"stage\":");
        col_str(out, st, 2);
        buf_puts(out, ",\"message\":");
        col_str(out, st, 3);
        /* What the portal shows: "<stage>: <message>" (CAS style). */
        buf_puts(out, ",\"display\":");
        const char *stage = (const char *)sqlite3_column_text(st, 2);
        const char *msg = (const char *)sqlite3_column_text(st, 3);
        char disp[2200];
        if (stage && msg)
            snprintf(disp, sizeof disp, "%s: %s", stage, msg);
        else
            snprintf(disp, sizeof disp, "%s", msg ? msg : (const char *)sqlite3_column_text(st, 1));
        buf_json_str(out, disp, strlen(disp));
        buf_printf(out, ",\"time\":%lld}", (long long)sqlite3_column_int64(st, 4));
    }
    buf_puts(out, "]}");
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    return out->err ? -1 : 0;
}

int store_callback_add(struct store *s, const struct callback_rec *c)
{
    pthread_mutex_lock(&s->lock);
    int rc = -1;
    sqlite3_stmt *st = prep(s, "INSERT INTO callbacks(time,code,state,error,error_description,"
                               "raw_query,missing_state,code_and_error,malformed) VALUES(?,?,?,?,?,?,?,?,?)");
    if (st) {
        sqlite3_bind_int64(st, 1, dclock_wall_ms());
        bind_str(st, 2, c->code);
        bind_str(st, 3, c->state);
        bind_str(st, 4, c->error);
        bind_str(st, 5, c->error_description);
        bind_str(st, 6, c->raw_query);
        sqlite3_bind_int(st, 7, c->missing_state);
        sqlite3_bind_int(st, 8, c->code_and_error);
        sqlite3_bind_int(st, 9, c->malformed);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_callbacks_json(struct store *s, int64_t after, struct buf *out)
{
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st = prep(s, "SELECT seq,time,code,state,error,error_description,raw_query,"
                               "missing_state,code_and_error,malformed FROM callbacks WHERE seq>?"
                               " ORDER BY seq LIMIT 10000");
    if (st)
        sqlite3_bind_int64(st, 1, after);
    buf_puts(out, "{\"callbacks\":[");
    static const char *const names[] = {"code", "state", "error", "error_description", "rawQuery"};
    for (int k = 0; st && sqlite3_step(st) == SQLITE_ROW; k++) {
        buf_printf(out, "%s{\"seq\":%lld,\"time\":%lld", k ? "," : "",
                   (long long)sqlite3_column_int64(st, 0), (long long)sqlite3_column_int64(st, 1));
        for (int c = 0; c < 5; c++) {
            buf_printf(out, ",\"%s\":", names[c]);
            col_str(out, st, c + 2);
        }
        buf_printf(out, ",\"missingState\":%s,\"codeAndError\":%s,\"malformed\":%s}",
                   sqlite3_column_int(st, 7) ? "true" : "false",
                   sqlite3_column_int(st, 8) ? "true" : "false",
                   sqlite3_column_int(st, 9) ? "true" : "false");
    }
    buf_puts(out, "]}");
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    return out->err ? -1 : 0;
}

int store_violations_json(struct store *s, const char *rule, int64_t instance, int64_t after,
                          int64_t limit, struct buf *out)
{
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *cnt = prep(s, "SELECT count(*) FROM violations WHERE (?1 IS NULL OR rule=?1)"
                                " AND (?2=0 OR instance=?2) AND seq>?3");
    sqlite3_stmt *st = prep(s, "SELECT seq,time,instance,batch,idx,event_id,rule,reason FROM violations"
                               " WHERE (?1 IS NULL OR rule=?1) AND (?2=0 OR instance=?2) AND seq>?3"
                               " ORDER BY seq LIMIT ?4");
    int64_t total = 0;
    for (int k = 0; k < 2; k++) {
        sqlite3_stmt *x = k ? st : cnt;
        if (!x)
            continue;
        bind_str(x, 1, rule);
        sqlite3_bind_int64(x, 2, instance);
        sqlite3_bind_int64(x, 3, after);
        if (k)
            sqlite3_bind_int64(x, 4, limit);
    }
    if (cnt && sqlite3_step(cnt) == SQLITE_ROW)
        total = sqlite3_column_int64(cnt, 0);
    buf_printf(out, "{\"total\":%lld,\"violations\":[", (long long)total);
    for (int k = 0; st && sqlite3_step(st) == SQLITE_ROW; k++) {
        buf_printf(out, "%s{\"seq\":%lld,\"time\":%lld,\"instanceId\":%lld,\"batch\":%lld,\"index\":%lld,"
                   "\"eventId\":", k ? "," : "", (long long)sqlite3_column_int64(st, 0),
                   (long long)sqlite3_column_int64(st, 1), (long long)sqlite3_column_int64(st, 2),
                   (long long)sqlite3_column_int64(st, 3), (long long)sqlite3_column_int64(st, 4));
        col_str(out, st, 5);
        buf_puts(out, ",\"rule\":");
        col_str(out, st, 6);
        buf_puts(out, ",\"reason\":");
        col_str(out, st, 7);
        buf_puts(out, "}");
    }
    buf_puts(out, "]}");
    sqlite3_finalize(cnt);
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    return out->err ? -1 : 0;
}

static void bind_query(sqlite3_stmt *st, const struct act_query *q)
{
    for (size_t i = 0; i < q->nb; i++) {
        if (q->binds[i].is_text)
            sqlite3_bind_text(st, (int)i + 1, q->binds[i].s, -1, SQLITE_STATIC);
        else
            sqlite3_bind_int64(st, (int)i + 1, q->binds[i].i);
    }
}

int store_query_activities(struct store *s, const struct act_query *q, struct buf *out)
{
    if (q->where.err)
        return -1;
    struct buf sql;
    buf_init(&sql, 128 * 1024);
    const char *dir = q->desc ? "DESC" : "ASC";
    buf_printf(&sql, "SELECT json FROM activities WHERE %s ORDER BY %s %s, seq %s LIMIT ? OFFSET ?",
               q->where.ptr, q->sort_created ? "created" : "ts", dir, dir);
    struct buf cnt;
    buf_init(&cnt, 128 * 1024);
    buf_printf(&cnt, "SELECT count(*) FROM (SELECT 1 FROM activities WHERE %s LIMIT %d)",
               q->where.ptr, STORE_TOTAL_CAP + 1);
    if (sql.err || cnt.err) {
        buf_release(&sql);
        buf_release(&cnt);
        return -1;
    }
    pthread_mutex_lock(&s->lock);
    int rc = -1;
    sqlite3_stmt *st = prep(s, sql.ptr);
    sqlite3_stmt *ct = prep(s, cnt.ptr);
    if (st && ct) {
        bind_query(st, q);
        sqlite3_bind_int64(st, (int)q->nb + 1, q->limit + 1);
        sqlite3_bind_int64(st, (int)q->nb + 2, q->skip);
        bind_query(ct, q);
        int64_t total = 0, n = 0;
        if (sqlite3_step(ct) == SQLITE_ROW)
            total = sqlite3_column_int64(ct, 0);
        int more = total > STORE_TOTAL_CAP;
        buf_puts(out, "{\"data\":[");
        int has_next = 0;
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            if (n == q->limit) {
                has_next = 1;
                break;
            }
            if (n++)
                buf_puts(out, ",");
            buf_append(out, sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0));
        }
        buf_printf(out, "],\"hasNext\":%s,\"total\":%lld,\"max\":%lld,\"moreThanTotal\":%s}",
                   has_next ? "true" : "false", (long long)(more ? STORE_TOTAL_CAP : total),
                   (long long)q->limit, more ? "true" : "false");
        rc = out->err || (step != SQLITE_ROW && step != SQLITE_DONE) ? -1 : 0;
    }
    sqlite3_finalize(st);
    sqlite3_finalize(ct);
    pthread_mutex_unlock(&s->lock);
    buf_release(&sql);
    buf_release(&cnt);
    return rc;
}

/* Our ids are "<tenant>_<instance>_<eventId>"; the seq, or 0.  Caller locks. */
static int64_t resolve_locked(struct store *s, const char *id)
{
    long long tenant = 0, inst = 0;
    int used = 0;
    if (sscanf(id, "%lld_%lld_%n", &tenant, &inst, &used) != 2 || used <= 0 ||
        tenant != s->tenant_id)
        return 0;
    return dedup_find(&s->dd, inst, id + used);
}

int64_t store_resolve_activity_id(void *ctx, const char *id)
{
    struct store *s = ctx;
    pthread_mutex_lock(&s->lock);
    int64_t seq = resolve_locked(s, id);
    pthread_mutex_unlock(&s->lock);
    return seq;
}

int store_activity_json(struct store *s, const char *id, struct buf *out)
{
    pthread_mutex_lock(&s->lock);
    int rc = -1;
    int64_t seq = resolve_locked(s, id);
    sqlite3_stmt *st = seq ? prep(s, "SELECT json FROM activities WHERE seq=?") : NULL;
    if (st) {
        sqlite3_bind_int64(st, 1, seq);
        if (sqlite3_step(st) == SQLITE_ROW) {
            buf_append(out, sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0));
            rc = out->err ? -1 : 0;
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* Shared by the entities list and the raw activity list: rows of one JSON column. */
static int json_page(struct store *s, const char *count_sql, const char *sql, int64_t instance,
                     int64_t skip, int64_t limit, const char *admin_key, struct buf *out)
{
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *ct = prep(s, count_sql);
    sqlite3_stmt *st = prep(s, sql);
    int64_t total = 0, n = 0;
    int rc = -1;
    if (ct && st) {
        sqlite3_bind_int64(ct, 1, instance);
        if (sqlite3_step(ct) == SQLITE_ROW)
            total = sqlite3_column_int64(ct, 0);
        sqlite3_bind_int64(st, 1, instance);
        sqlite3_bind_int64(st, 2, limit);
        sqlite3_bind_int64(st, 3, skip);
        if (admin_key)
            buf_printf(out, "{\"%s\":[", admin_key);
        else
            buf_puts(out, "{\"data\":[");
        while (sqlite3_step(st) == SQLITE_ROW) {
            if (n++)
                buf_puts(out, ",");
            buf_append(out, sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0));
        }
        int has_next = skip + n < total;
        if (!admin_key)
            buf_printf(out, "],\"hasNext\":%s,\"total\":%lld,\"max\":%lld,\"moreThanTotal\":false}",
                       has_next ? "true" : "false", (long long)total, (long long)limit);
        else
            buf_printf(out, "],\"total\":%lld,\"skip\":%lld,\"limit\":%lld,\"hasNext\":%s}",
                       (long long)total, (long long)skip, (long long)limit, has_next ? "true" : "false");
        rc = out->err ? -1 : 0;
    }
    sqlite3_finalize(ct);
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_entities_json(struct store *s, int64_t instance, int64_t skip, int64_t limit,
                        struct buf *out)
{
    return json_page(s, "SELECT count(*) FROM entities WHERE ?1=0 OR instance=?1",
                     "SELECT json FROM entities WHERE ?1=0 OR instance=?1 ORDER BY instance, id"
                     " LIMIT ?2 OFFSET ?3", instance, skip, limit, NULL, out);
}

int store_instance_activities_json(struct store *s, int64_t instance, int64_t skip,
                                   int64_t limit, struct buf *out)
{
    return json_page(s, "SELECT count(*) FROM activities WHERE instance=?1",
                     "SELECT json FROM activities WHERE instance=?1 ORDER BY seq LIMIT ?2 OFFSET ?3",
                     instance, skip, limit, "activities", out);
}

int store_stats_json(struct store *s, struct buf *out)
{
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st = prep(s, "SELECT (SELECT count(*) FROM activities),"
                               " (SELECT coalesce(sum(accepted),0) FROM instances),"
                               " (SELECT coalesce(sum(duplicates),0) FROM instances),"
                               " (SELECT coalesce(sum(rejected),0) FROM instances),"
                               " (SELECT count(*) FROM entities), (SELECT count(*) FROM statuses),"
                               " (SELECT count(*) FROM violations), (SELECT count(*) FROM callbacks)");
    int rc = -1;
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        buf_printf(out, "{\"activitiesStored\":%lld,\"accepted\":%lld,\"duplicates\":%lld,"
                   "\"rejected\":%lld,\"entities\":%lld,\"statuses\":%lld,\"violations\":%lld,"
                   "\"callbacks\":%lld,\"batches\":%lld,\"instances\":",
                   (long long)sqlite3_column_int64(st, 0), (long long)sqlite3_column_int64(st, 1),
                   (long long)sqlite3_column_int64(st, 2), (long long)sqlite3_column_int64(st, 3),
                   (long long)sqlite3_column_int64(st, 4), (long long)sqlite3_column_int64(st, 5),
                   (long long)sqlite3_column_int64(st, 6), (long long)sqlite3_column_int64(st, 7),
                   (long long)s->batches);
        rc = 0;
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    if (rc)
        return -1;
    struct buf inst;
    buf_init(&inst, 16u * 1024u * 1024u);
    rc = store_instances_json(s, &inst);
    /* {"instances":[...]} -> [...] */
    if (!rc && inst.len > 15)
        buf_append(out, inst.ptr + 13, inst.len - 14);
    else
        buf_puts(out, "[]");
    buf_puts(out, "}");
    buf_release(&inst);
    return rc || out->err ? -1 : 0;
}
