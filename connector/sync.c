/* sync.c - the sync and run commands: users to CAS entities, then the
 * event stream to CAS activities in batches, saving the stream position
 * only once CAS has accepted what precedes it.
 *
 * Position file (position.json): the request that starts the current page
 * ({"streamPosition":P} or {"since":ISO}), how many of that page's events
 * CAS has already accepted ("skip"), and the last accepted eventId.  After
 * a crash the page is fetched again from the same start and the accepted
 * prefix is skipped when its last eventId matches, so at most the batch in
 * flight is delivered twice; if the page differs, the whole page is
 * delivered again (CAS counts duplicates). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "defects.h"
#include "cas.h"
#include "commands.h"
#include "dclock.h"
#include "jscan.h"
#include "kit_limits.h"
#include "log.h"
#include "mapping.h"
#include "ssapi.h"
#include "state.h"
#include "strutil.h"

#define POSITION_FILE "position.json"
#define USERS_PAGE_SIZE 100
#define EVENTS_MAX_COUNT 10000
#define BATCH_SOFT_BYTES (8u * 1024u * 1024u)
#define MAX_PAGES 10000000

struct position {
    char *stream;            /* page start: a stream position, or */
    char since[32];          /* page start: an ISO time ("" when stream is set) */
    long skip;               /* events of that page CAS already accepted */
    char last_id[257];       /* eventId of the last accepted one ("" if skip 0) */
};

static struct conn_mapping *sync_mapping;

/* ---- users ------------------------------------------------------------- */

static int append_entity(struct buf *b, const cJSON *u, int first)
{
    char id[32];
    if (conn_json_int_text(cJSON_GetObjectItemCaseSensitive(u, "id"), id, sizeof id))
        return 0;
    const cJSON *email = cJSON_GetObjectItemCaseSensitive(u, "email");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(u, "name");
    const cJSON *fn = cJSON_GetObjectItemCaseSensitive(u, "firstName");
    const cJSON *ln = cJSON_GetObjectItemCaseSensitive(u, "lastName");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(u, "status");
    buf_printf(b, "%s{\"id\":\"%s\"", first ? "" : ",", id);
    if (cJSON_IsString(email)) {
        buf_puts(b, ",\"email\":");
        buf_json_str(b, email->valuestring, strlen(email->valuestring));
    }
    char display[600] = "";
    if (cJSON_IsString(name) && name->valuestring[0])
        snprintf(display, sizeof display, "%s", name->valuestring);
    else if (cJSON_IsString(fn) || cJSON_IsString(ln))
        snprintf(display, sizeof display, "%s%s%s", cJSON_IsString(fn) ? fn->valuestring : "",
                 cJSON_IsString(fn) && cJSON_IsString(ln) ? " " : "",
                 cJSON_IsString(ln) ? ln->valuestring : "");
    else if (cJSON_IsString(email))
        snprintf(display, sizeof display, "%s", email->valuestring);
    if (display[0]) {
        buf_puts(b, ",\"displayName\":");
        buf_json_str(b, display, strlen(display));
    }
    buf_printf(b, ",\"isAdmin\":%s",
               cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(u, "admin")) ? "true" : "false");
    if (cJSON_IsString(status)) {
        buf_puts(b, ",\"status\":");
        buf_json_str(b, status->valuestring, strlen(status->valuestring));
    }
    buf_puts(b, "}");
    return 1;
}

static enum conn_rc flush_entities(struct conn_ctx *x, struct buf *b, size_t *n)
{
    if (!*n)
        return CONN_OK;
    buf_puts(b, "]}");
    if (b->err) {
        log_error("entity batch too large");
        return CONN_ERR_OTHER;
    }
    enum conn_rc rc = conn_cas_post(x, "entities", b->ptr, b->len, NULL);
    if (!rc)
        log_info("delivered %zu users to CAS", *n);
    buf_clear(b);
    *n = 0;
    return rc;
}

static enum conn_rc sync_users(struct conn_ctx *x)
{
    struct buf b;
    buf_init(&b, LIM_REQUEST_BODY);
    size_t n = 0, total = 0;
    enum conn_rc rc = CONN_OK;
    long pages = 1;
    for (long page = 1; page <= pages && page <= MAX_PAGES; page++) {
        char path[96];
        snprintf(path, sizeof path, "users?page=%ld&pageSize=%d", page, USERS_PAGE_SIZE);
        struct conn_ss_answer a;
        rc = conn_ss_get(x, path, &a);
        if (rc) {
            if (rc == CONN_ERR_OTHER)
                log_error("listing users failed: HTTP %ld errorCode %d %s", a.status,
                          a.error_code, a.message);
            conn_ss_answer_release(&a);
            break;
        }
        const cJSON *tp = cJSON_GetObjectItemCaseSensitive(a.json, "totalPages");
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(a.json, "data");
        if (!cJSON_IsArray(data)) {
            log_error("the users page %ld has no data array", page);
            conn_ss_answer_release(&a);
            rc = CONN_ERR_OTHER;
            break;
        }
        if (cJSON_IsNumber(tp) && tp->valuedouble >= 0 && tp->valuedouble < MAX_PAGES)
            pages = (long)tp->valuedouble;
        if (conn_defect("users-first-page-only"))
            pages = 1;
        for (const cJSON *u = data->child; u; u = u->next) {
            if (!b.len)
                buf_puts(&b, "{\"entities\":[");
            if (append_entity(&b, u, n == 0))
                n++, total++;
            else
                log_warn("a user without an integer id was skipped");
            if (n == LIM_BATCH_ITEMS && (rc = flush_entities(x, &b, &n)))
                break;
        }
        int empty = !data->child;
        conn_ss_answer_release(&a);
        if (rc || empty)
            break;
    }
    if (!rc)
        rc = flush_entities(x, &b, &n);
    buf_release(&b);
    if (!rc)
        log_info("users: %zu delivered", total);
    return rc;
}

/* ---- position ---------------------------------------------------------- */

static void position_release(struct position *p)
{
    free(p->stream);
    memset(p, 0, sizeof *p);
}

/* Returns CONN_OK (p filled, first run: since from backfill_days). */
static enum conn_rc position_load(struct conn_ctx *x, struct position *p)
{
    memset(p, 0, sizeof *p);
    cJSON *j = NULL;
    char err[512];
    int r = conn_state_read_json(x->cfg->state_dir, POSITION_FILE, &j, err, sizeof err);
    if (r < 0) {
        log_error("%s", err);
        return CONN_ERR_OTHER;
    }
    if (r == 1 && conn_defect("since-every-time")) {
        cJSON_Delete(j);
        r = 0;
    }
    if (r == 0) {
        int64_t days = conn_defect("backfill-30-days") ? 30 : x->cfg->backfill_days;
        int64_t since = dclock_wall_ms() - days * 86400000LL;
        format_iso8601(since, p->since);
        log_info("first sync: events since %s", p->since);
        return CONN_OK;
    }
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "streamPosition");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "since");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(j, "skip");
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(j, "lastEventId");
    int64_t ms;
    int ok = 1;
    if (cJSON_IsString(s) && s->valuestring[0] && strlen(s->valuestring) < 4096)
        p->stream = xstrdup(s->valuestring);
    else if (cJSON_IsString(t) && !parse_iso8601_ms(t->valuestring, &ms))
        format_iso8601(ms, p->since);
    else
        ok = 0;
    if (cJSON_IsNumber(k) && k->valuedouble >= 0 && k->valuedouble <= LIM_EVENTS_PAGE * 10.0)
        p->skip = (long)k->valuedouble;
    if (p->skip && cJSON_IsString(l) && strlen(l->valuestring) < sizeof p->last_id)
        snprintf(p->last_id, sizeof p->last_id, "%s", l->valuestring);
    else
        p->skip = 0;
    cJSON_Delete(j);
    if (!ok) {
        log_error("state file '%s/%s' is corrupt (no streamPosition or since); remove it to "
                  "backfill again", x->cfg->state_dir, POSITION_FILE);
        position_release(p);
        return CONN_ERR_OTHER;
    }
    return CONN_OK;
}

static enum conn_rc position_save(struct conn_ctx *x, const struct position *p)
{
    struct buf b;
    buf_init(&b, 64 * 1024);
    buf_puts(&b, "{");
    if (p->stream) {
        buf_puts(&b, "\"streamPosition\":");
        buf_json_str(&b, p->stream, strlen(p->stream));
    } else {
        buf_printf(&b, "\"since\":\"%s\"", p->since);
    }
    if (p->skip) {
        buf_printf(&b, ",\"skip\":%ld,\"lastEventId\":", p->skip);
        buf_json_str(&b, p->last_id, strlen(p->last_id));
    }
    buf_puts(&b, "}\n");
    char err[512];
    int bad = b.err || conn_state_write(x->cfg->state_dir, POSITION_FILE, b.ptr, b.len, err,
                                        sizeof err);
    if (bad)
        log_error("%s", b.err ? "cannot encode the stream position" : err);
    buf_release(&b);
    return bad ? CONN_ERR_OTHER : CONN_OK;
}

/* ---- events ------------------------------------------------------------ */

struct page {
    const cJSON *data;
    const cJSON **items;           /* cJSON element per index */
    struct jscan_range *raw;       /* its original bytes (offsets into base) */
    const char *base;
    long n;
};

static enum conn_rc deliver(struct conn_ctx *x, struct buf *b, size_t count)
{
    buf_puts(b, "]}");
    if (b->err) {
        log_error("activity batch too large");
        return CONN_ERR_OTHER;
    }
    cJSON *ans = NULL;
    enum conn_rc rc = conn_cas_post(x, "activities", b->ptr, b->len, &ans);
    if (!rc) {
        const cJSON *acc = cJSON_GetObjectItemCaseSensitive(ans, "accepted");
        const cJSON *dup = cJSON_GetObjectItemCaseSensitive(ans, "duplicates");
        const cJSON *rej = cJSON_GetObjectItemCaseSensitive(ans, "rejected");
        if (cJSON_IsNumber(rej) && rej->valuedouble > 0)
            log_warn("CAS rejected %.0f of %zu activities (see its violations)",
                     rej->valuedouble, count);
        log_debug("batch of %zu: %.0f accepted, %.0f duplicates", count,
                  cJSON_IsNumber(acc) ? acc->valuedouble : -1,
                  cJSON_IsNumber(dup) ? dup->valuedouble : -1);
    }
    cJSON_Delete(ans);
    buf_clear(b);
    return rc;
}

/* Delivers events [start, n) of the page in batches, saving the position
 * after each accepted batch. */
static enum conn_rc deliver_page(struct conn_ctx *x, struct page *pg, long start,
                                 struct position *pos, const char *next, struct buf *b,
                                 uint64_t *delivered, uint64_t *skipped)
{
    size_t count = 0;
    if (conn_defect("save-before-deliver") && next) {
        struct position early = {0};
        early.stream = (char *)next;
        position_save(x, &early);
    }
    for (long i = start; i < pg->n; i++) {
        if (!count)
            buf_puts(b, "{\"activities\":[");
        size_t mark = b->len;
        if (count)
            buf_puts(b, ",");
        char err[200];
        enum conn_map_result mr =
            conn_mapping_activity(sync_mapping, pg->items[i], pg->base + pg->raw[i].off,
                                  pg->raw[i].len, b, err, sizeof err);
        if (mr == MAP_BUF) {
            log_error("activity batch buffer overflow");
            return CONN_ERR_OTHER;
        }
        if (mr == MAP_SKIP) {
            b->len = mark;
            b->ptr[mark] = '\0';
            (*skipped)++;
            log_warn("event %ld of the page skipped: %s", i, err);
        } else {
            count++;
        }
        int last = i + 1 == pg->n;
        if (!(count == LIM_BATCH_ITEMS || (count && b->len > BATCH_SOFT_BYTES) || last))
            continue;
        if (count) {
            enum conn_rc rc = deliver(x, b, count);
            if (rc)
                return rc;
            *delivered += count;
        } else {
            buf_clear(b);
        }
        count = 0;
        if (last && next) {
            free(pos->stream);
            pos->stream = xstrdup(next);
            pos->since[0] = '\0';
            pos->skip = 0;
            pos->last_id[0] = '\0';
        } else {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(pg->items[i], "eventId");
            pos->skip = i + 1;
            snprintf(pos->last_id, sizeof pos->last_id, "%s",
                     cJSON_IsString(id) ? id->valuestring : "");
        }
        enum conn_rc rc = position_save(x, pos);
        if (rc)
            return rc;
        if (conn_stop_requested && !last)
            return CONN_ERR_TRANSIENT;
    }
    return CONN_OK;
}

static enum conn_rc sync_events(struct conn_ctx *x)
{
    struct position pos;
    enum conn_rc rc = position_load(x, &pos);
    if (rc)
        return rc;
    struct buf b;
    buf_init(&b, LIM_REQUEST_BODY);
    struct page pg = {0};
    pg.items = xcalloc(LIM_EVENTS_PAGE, sizeof *pg.items);
    pg.raw = xcalloc(LIM_EVENTS_PAGE, sizeof *pg.raw);
    uint64_t delivered = 0, skipped = 0;
    int64_t t0 = conn_now_ms();
    for (long page = 1; page <= MAX_PAGES; page++) {
        struct buf path;
        buf_init(&path, 16384);
        if (pos.stream) {
            buf_puts(&path, "events?streamPosition=");
            buf_urlenc(&path, pos.stream, strlen(pos.stream));
        } else {
            buf_printf(&path, "events?since=%s", pos.since);
        }
        buf_printf(&path, "&maxCount=%d", EVENTS_MAX_COUNT);
        struct conn_ss_answer a;
        rc = path.err ? CONN_ERR_OTHER : conn_ss_get(x, path.ptr, &a);
        buf_release(&path);
        if (rc) {
            if (rc == CONN_ERR_OTHER) {
                log_error("reading events failed: HTTP %ld errorCode %d %s", a.status,
                          a.error_code, a.message);
                if (a.status == 403) {
                    conn_cas_status(x, "error", "Get events",
                                    "Event Reporting is not available: the account needs the "
                                    "Event Reporting add-on and a System Admin");
                    rc = CONN_ERR_PREREQ;
                }
            }
            conn_ss_answer_release(&a);
            break;
        }
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(a.json, "data");
        const cJSON *more = cJSON_GetObjectItemCaseSensitive(a.json, "moreAvailable");
        const cJSON *next = cJSON_GetObjectItemCaseSensitive(a.json, "nextStreamPosition");
        const char *next_s = cJSON_IsString(next) && next->valuestring[0] &&
                                     strlen(next->valuestring) < 4096
                                 ? next->valuestring
                                 : NULL;
        struct jscan_range dr;
        long n = cJSON_IsArray(data) ? (long)cJSON_GetArraySize(data) : -1;
        if (n < 0 || n > (long)LIM_EVENTS_PAGE ||
            jscan_member(a.body.ptr, a.body.len, "data", &dr) != 1 ||
            jscan_array(a.body.ptr + dr.off, dr.len, pg.raw, LIM_EVENTS_PAGE) != n ||
            (cJSON_IsTrue(more) && !next_s)) {
            log_error("events page %ld is malformed (data, moreAvailable or "
                      "nextStreamPosition)", page);
            conn_ss_answer_release(&a);
            rc = CONN_ERR_OTHER;
            break;
        }
        long i = 0;
        for (const cJSON *e = data->child; e; e = e->next, i++) {
            pg.items[i] = e;
            pg.raw[i].off += dr.off;
        }
        pg.n = n;
        pg.base = a.body.ptr;
        long start = 0;
        if (pos.skip > 0 && pos.skip <= n) {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(pg.items[pos.skip - 1], "eventId");
            if (cJSON_IsString(id) && !strcmp(id->valuestring, pos.last_id)) {
                start = pos.skip;
                log_info("resuming inside the page: %ld events already delivered", start);
            } else {
                log_warn("the page changed since the last run; delivering it whole");
            }
        }
        pos.skip = 0;
        pos.last_id[0] = '\0';
        if (start < n) {
            rc = deliver_page(x, &pg, start, &pos, next_s, &b, &delivered, &skipped);
        } else if (next_s && (!pos.stream || strcmp(pos.stream, next_s))) {
            free(pos.stream);
            pos.stream = xstrdup(next_s);
            pos.since[0] = '\0';
            rc = position_save(x, &pos);
        }
        int more_avail = cJSON_IsTrue(more) && !conn_defect("first-page-only");
        conn_ss_answer_release(&a);
        if (rc)
            break;
        if (more_avail || page > 1 || n >= 1000)
            log_info("events page %ld: %ld events, %llu delivered so far%s", page, n,
                     (unsigned long long)delivered, more_avail ? ", more available" : "");
        if (!more_avail)
            break;
        if (conn_stop_requested) {
            rc = CONN_ERR_TRANSIENT;
            break;
        }
    }
    int64_t ms = conn_now_ms() - t0;
    log_info("events: %llu delivered, %llu skipped, %llu Smartsheet requests in this run, "
             "%lld ms (waiting on Smartsheet %lld ms, on CAS %lld ms)",
             (unsigned long long)delivered, (unsigned long long)skipped,
             (unsigned long long)x->ss_requests, (long long)ms, (long long)x->ss_wait_ms,
             (long long)x->cas_wait_ms);
    free(pg.items);
    free(pg.raw);
    buf_release(&b);
    position_release(&pos);
    return rc;
}

/* ---- commands ---------------------------------------------------------- */

static enum conn_rc ensure_mapping(struct conn_ctx *x)
{
    if (sync_mapping)
        return CONN_OK;
    char path[4200];
    const char *env = getenv("KIT_FIXTURES");
    if (x->cfg->mapping_file)
        snprintf(path, sizeof path, "%s", x->cfg->mapping_file);
    else
        snprintf(path, sizeof path, "%s/mapping/smartsheet-cas.json",
                 env && env[0] ? env : KIT_SOURCE_FIXTURES);
    char err[600];
    if (conn_mapping_load(path, &sync_mapping, err, sizeof err)) {
        log_error("%s", err);
        return CONN_ERR_OTHER;
    }
    return CONN_OK;
}

static enum conn_rc sync_once(struct conn_ctx *x, int with_users)
{
    enum conn_rc rc = ensure_mapping(x);
    if (rc)
        return rc;
    if (!x->have_tokens) {
        log_error("not connected: run authorize-url and authorize first");
        return CONN_ERR_AUTH;
    }
    if (with_users && (rc = sync_users(x)))
        return rc;
    return sync_events(x);
}

enum conn_rc conn_cmd_sync(struct conn_ctx *x)
{
    enum conn_rc rc = sync_once(x, 1);
    conn_mapping_free(sync_mapping);
    sync_mapping = NULL;
    return rc;
}

enum conn_rc conn_cmd_run(struct conn_ctx *x)
{
    int64_t interval = (int64_t)((double)x->cfg->sync_interval_seconds * 1000.0 /
                                 x->cfg->time_scale);
    int64_t users_every = (int64_t)(3600000.0 / x->cfg->time_scale);
    int64_t users_at = 0;
    enum conn_rc rc = CONN_OK;
    while (!conn_stop_requested) {
        int64_t now = conn_now_ms();
        int with_users = users_at == 0 || now - users_at >= users_every;
        rc = sync_once(x, with_users);
        if (with_users && rc == CONN_OK)
            users_at = now;
        if (rc == CONN_ERR_TRANSIENT && !conn_stop_requested) {
            log_warn("sync failed for now; trying again at the next interval");
        } else if (rc != CONN_OK) {
            break;
        }
        if (conn_sleep_ms(interval < 1 ? 1 : interval))
            break;
    }
    if (conn_stop_requested) {
        log_info("stopping on request");
        rc = CONN_OK;
    }
    conn_mapping_free(sync_mapping);
    sync_mapping = NULL;
    return rc;
}
