/* store_read.c - reads for the query and admin APIs (the activity list and
 * fetch, entities, status history, violations), and the OAuth callback
 * record with its list. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dclock.h"

int store_statuses_json(struct store *s, int64_t instance, struct buf *out)
{
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st = store_prep(s, "SELECT seq,status,stage,message,time FROM statuses WHERE instance=?"
                               " ORDER BY seq");
    buf_printf(out, "{\"instanceId\":%lld,\"statuses\":[", (long long)instance);
    if (st)
        sqlite3_bind_int64(st, 1, instance);
    for (int k = 0; st && sqlite3_step(st) == SQLITE_ROW; k++) {
        buf_printf(out, "%s{\"seq\":%lld,\"status\":", k ? "," : "", (long long)sqlite3_column_int64(st, 0));
        store_col_str(out, st, 1);
        buf_puts(out, ",\"stage\":");
        store_col_str(out, st, 2);
        buf_puts(out, ",\"message\":");
        store_col_str(out, st, 3);
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
    sqlite3_stmt *st = store_prep(s, "INSERT INTO callbacks(time,code,state,error,error_description,"
                               "raw_query,missing_state,code_and_error,malformed) VALUES(?,?,?,?,?,?,?,?,?)");
    if (st) {
        sqlite3_bind_int64(st, 1, dclock_wall_ms());
        store_bind_str(st, 2, c->code);
        store_bind_str(st, 3, c->state);
        store_bind_str(st, 4, c->error);
        store_bind_str(st, 5, c->error_description);
        store_bind_str(st, 6, c->raw_query);
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
    sqlite3_stmt *st = store_prep(s, "SELECT seq,time,code,state,error,error_description,raw_query,"
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
            store_col_str(out, st, c + 2);
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
    sqlite3_stmt *cnt = store_prep(s, "SELECT count(*) FROM violations WHERE (?1 IS NULL OR rule=?1)"
                                " AND (?2=0 OR instance=?2) AND seq>?3");
    sqlite3_stmt *st = store_prep(s, "SELECT seq,time,instance,batch,idx,event_id,rule,reason FROM violations"
                               " WHERE (?1 IS NULL OR rule=?1) AND (?2=0 OR instance=?2) AND seq>?3"
                               " ORDER BY seq LIMIT ?4");
    int64_t total = 0;
    for (int k = 0; k < 2; k++) {
        sqlite3_stmt *x = k ? st : cnt;
        if (!x)
            continue;
        store_bind_str(x, 1, rule);
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
        store_col_str(out, st, 5);
        buf_puts(out, ",\"rule\":");
        store_col_str(out, st, 6);
        buf_puts(out, ",\"reason\":");
        store_col_str(out, st, 7);
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
    store_ensure_indexes(s);
    int rc = -1;
    sqlite3_stmt *st = store_prep(s, sql.ptr);
    sqlite3_stmt *ct = store_prep(s, cnt.ptr);
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

int store_scan_activities(struct store *s, const struct act_query *q, struct buf *out,
                          int64_t *next_lte)
{
    *next_lte = -1;
    if (q->where.err || q->limit < 1 || q->limit > SCAN_MAX_LIMIT)
        return -1;
    struct buf sql;
    buf_init(&sql, 128 * 1024);
    buf_printf(&sql, "SELECT json, ts FROM activities WHERE %s ORDER BY ts DESC, seq DESC LIMIT ?",
               q->where.ptr);
    struct buf cnt;
    buf_init(&cnt, 128 * 1024);
    buf_printf(&cnt, "SELECT count(*) FROM (SELECT 1 FROM activities WHERE %s LIMIT %d)",
               q->where.ptr, STORE_TOTAL_CAP + 1);
    size_t cap = (size_t)q->limit + 1;
    char **rows = calloc(cap, sizeof *rows);
    int64_t *ts = calloc(cap, sizeof *ts);
    int rc = -1;
    if (sql.err || cnt.err || !rows || !ts)
        goto done;
    pthread_mutex_lock(&s->lock);
    store_ensure_indexes(s);
    sqlite3_stmt *st = store_prep(s, sql.ptr);
    sqlite3_stmt *ct = store_prep(s, cnt.ptr);
    size_t n = 0;
    int64_t total = 0;
    int step = SQLITE_ERROR;
    if (st && ct) {
        bind_query(st, q);
        sqlite3_bind_int64(st, (int)q->nb + 1, (sqlite3_int64)cap);
        bind_query(ct, q);
        if (sqlite3_step(ct) == SQLITE_ROW)
            total = sqlite3_column_int64(ct, 0);
        while (n < cap && (step = sqlite3_step(st)) == SQLITE_ROW) {
            rows[n] = xstrdup((const char *)sqlite3_column_text(st, 0));
            ts[n++] = sqlite3_column_int64(st, 1);
        }
        if (step == SQLITE_ROW || step == SQLITE_DONE || n == cap)
            rc = 0;
    }
    sqlite3_finalize(st);
    sqlite3_finalize(ct);
    pthread_mutex_unlock(&s->lock);
    if (rc)
        goto done;
    size_t keep = n;
    int has_next = n == cap;
    if (has_next) {
        keep = (size_t)q->limit;
        int64_t edge = ts[keep - 1];
        size_t cut = keep;
        while (cut > 0 && ts[cut - 1] == edge)
            cut--;
        if (cut > 0) {
            keep = cut;               /* the edge's activities come next time */
            *next_lte = edge;
        } else {
            *next_lte = edge - 1;     /* a whole page in one millisecond */
        }
    }
    buf_puts(out, "{\"data\":[");
    for (size_t i = 0; i < keep; i++) {
        if (i)
            buf_puts(out, ",");
        buf_puts(out, rows[i]);
    }
    int more = total > STORE_TOTAL_CAP;
    buf_printf(out, "],\"hasNext\":%s,\"total\":%lld,\"max\":%lld,\"moreThanTotal\":%s}",
               has_next ? "true" : "false", (long long)(more ? STORE_TOTAL_CAP : total),
               (long long)q->limit, more ? "true" : "false");
    rc = out->err ? -1 : 0;
done:
    for (size_t i = 0; rows && i < cap; i++)
        free(rows[i]);
    free(rows);
    free(ts);
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
    sqlite3_stmt *st = seq ? store_prep(s, "SELECT json FROM activities WHERE seq=?") : NULL;
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
    sqlite3_stmt *ct = store_prep(s, count_sql);
    sqlite3_stmt *st = store_prep(s, sql);
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
