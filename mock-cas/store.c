/* store.c - the SQLite store behind mock-cas: opening, reset, instances,
 * tokens and statistics.  Ingestion is in store_ingest.c, reads for the
 * query and admin APIs in store_read.c. */
#include "store_int.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dclock.h"
#include "rng.h"

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS instances(id INTEGER PRIMARY KEY, n INTEGER NOT NULL,"
    " name TEXT NOT NULL, token_hash TEXT NOT NULL, created INTEGER NOT NULL,"
    " accepted INTEGER NOT NULL DEFAULT 0, duplicates INTEGER NOT NULL DEFAULT 0,"
    " rejected INTEGER NOT NULL DEFAULT 0, batches INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS api_tokens(id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
    " token_hash TEXT NOT NULL, created INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS bearer_tokens(id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
    " token_hash TEXT NOT NULL, created INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS activities(seq INTEGER PRIMARY KEY, instance INTEGER NOT NULL,"
    " event_id TEXT NOT NULL, ts INTEGER NOT NULL, created INTEGER NOT NULL, service INTEGER,"
    " source INTEGER, username TEXT, etype_name TEXT, etype_value TEXT, ip TEXT,"
    " description TEXT, json TEXT NOT NULL);"
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

sqlite3_stmt *store_prep(struct store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "mock-cas: SQL error: %s\n", sqlite3_errmsg(s->db));
        return NULL;
    }
    return st;
}

void store_col_str(struct buf *out, sqlite3_stmt *st, int c)
{
    const unsigned char *t = sqlite3_column_text(st, c);
    if (!t)
        buf_puts(out, "null");
    else
        buf_json_str(out, (const char *)t, (size_t)sqlite3_column_bytes(st, c));
}

/* The indexes of the filtered activities query.  Kept from the start by
 * default, so a query is fast at any size; with lazy indexes they are built
 * by that query's first use instead: each costs a B-tree insert per ingested
 * activity, most of ingestion's time at a million activities, and an
 * ingestion-only run (a connector benchmark) never queries with filters. */
static const char activity_indexes[] =
    "CREATE INDEX IF NOT EXISTS act_ts ON activities(ts);"
    "CREATE INDEX IF NOT EXISTS act_created ON activities(created);"
    "CREATE INDEX IF NOT EXISTS act_user ON activities(username, ts);"
    "CREATE INDEX IF NOT EXISTS act_etype ON activities(etype_name, ts);";

void store_ensure_indexes(struct store *s)
{
    if (s->indexed)
        return;
    char *msg = NULL;
    if (sqlite3_exec(s->db, activity_indexes, NULL, NULL, &msg) == SQLITE_OK)
        s->indexed = 1;
    else
        fprintf(stderr, "mock-cas: cannot build the activity indexes: %s\n", msg ? msg : "?");
    sqlite3_free(msg);
}

void store_bind_str(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

struct store *store_open(const char *path, int64_t tenant_id, int lazy_indexes, char *err,
                         size_t errlen)
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
    if (!lazy_indexes)
        store_ensure_indexes(s);
    dedup_init(&s->dd);
    sqlite3_stmt *st = store_prep(s, "SELECT seq, instance, event_id FROM activities");
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        const char *ev = (const char *)sqlite3_column_text(st, 2);
        if (ev && !dedup_find(&s->dd, sqlite3_column_int64(st, 1), ev))
            dedup_put(&s->dd, sqlite3_column_int64(st, 1), ev, sqlite3_column_int64(st, 0));
    }
    sqlite3_finalize(st);
    st = store_prep(s, "SELECT coalesce(max(batch),0) FROM violations");
    if (st && sqlite3_step(st) == SQLITE_ROW)
        s->batches = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = store_prep(s, "SELECT coalesce(sum(batches),0) FROM instances");
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
                          "DELETE FROM instances; DELETE FROM api_tokens; DELETE FROM bearer_tokens;"
                          "DELETE FROM activities;"
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
    sqlite3_stmt *st = store_prep(s, "SELECT coalesce(max(n)+1,0) FROM instances");
    if (st && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    *id = (n << 20) | STORE_APP_ID;
    st = store_prep(s, "INSERT INTO instances(id,n,name,token_hash,created) VALUES(?,?,?,?,?)");
    if (st) {
        sqlite3_bind_int64(st, 1, *id);
        sqlite3_bind_int64(st, 2, n);
        store_bind_str(st, 3, name);
        store_bind_str(st, 4, hash);
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
    sqlite3_stmt *st = store_prep(s, "SELECT token_hash FROM instances WHERE id=?");
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
        st = store_prep(s, "SELECT 1 FROM instances WHERE token_hash=?");
        if (st) {
            store_bind_str(st, 1, hash);
            if (sqlite3_step(st) == SQLITE_ROW)
                rc = -2;
        }
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_query_token_ok(struct store *s, const char *token, int bearer)
{
    char hash[65];
    sha256_hex(token, strlen(token), hash);
    pthread_mutex_lock(&s->lock);
    int ok = 0;
    sqlite3_stmt *st = store_prep(s, bearer
                       ? "SELECT token_hash FROM bearer_tokens WHERE token_hash=?1"
                       : "SELECT token_hash FROM instances WHERE token_hash=?1 UNION ALL "
                         "SELECT token_hash FROM api_tokens WHERE token_hash=?1");
    if (st) {
        store_bind_str(st, 1, hash);
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
    rng_hex(token, 32);
    return store_token_bind(s, name, token, 0);
}

int store_token_bind(struct store *s, const char *name, const char *token, int bearer)
{
    char hash[65];
    sha256_hex(token, strlen(token), hash);
    pthread_mutex_lock(&s->lock);
    int rc = -1;
    sqlite3_stmt *st = store_prep(s, bearer
                       ? "INSERT INTO bearer_tokens(name,token_hash,created) VALUES(?,?,?)"
                       : "INSERT INTO api_tokens(name,token_hash,created) VALUES(?,?,?)");
    if (st) {
        store_bind_str(st, 1, name);
        store_bind_str(st, 2, hash);
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
    store_col_str(out, st, 1);
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
    store_col_str(out, st, 9);
    buf_puts(out, ",\"stage\":");
    store_col_str(out, st, 10);
    buf_puts(out, ",\"message\":");
    store_col_str(out, st, 11);
    buf_printf(out, ",\"time\":%lld}}", (long long)sqlite3_column_int64(st, 12));
}

int store_instances_json(struct store *s, struct buf *out)
{
    pthread_mutex_lock(&s->lock);
    char sql[sizeof instance_sql + 32];
    snprintf(sql, sizeof sql, "%s ORDER BY i.n", instance_sql);
    sqlite3_stmt *st = store_prep(s, sql);
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
    sqlite3_stmt *st = store_prep(s, sql);
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

int store_stats_json(struct store *s, struct buf *out)
{
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st = store_prep(s, "SELECT (SELECT count(*) FROM activities),"
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
