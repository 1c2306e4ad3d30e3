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
 * delivered again (CAS counts duplicates).
 *
 * Batches go to CAS from the sender's thread (sender.h), one in flight,
 * while this thread maps the next batch and fetches the next page; the
 * sender saves each batch's position after CAS accepted it, in order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cas.h"
#include "commands.h"
#include "defects.h"
#include "jscan.h"
#include "kit_limits.h"
#include "kitpaths.h"
#include "log.h"
#include "mapping.h"
#include "position.h"
#include "sender.h"
#include "ssapi.h"
#include "users.h"

#define EVENTS_MAX_COUNT 10000
#define BATCH_SOFT_BYTES (8u * 1024u * 1024u)
/* Positions a pass remembers to see that the stream does not advance
 * (the same position again, or a short cycle). */
#define SEEN_POSITIONS 16
/* The smallest maxCount asked for when pages are over LIM_RESPONSE_BODY. */
#define EVENTS_MIN_COUNT 1

static struct conn_mapping *sync_mapping;

/* ---- events ------------------------------------------------------------ */

struct page {
    const cJSON **items;           /* cJSON element per index */
    struct jscan_range *raw;       /* its original bytes (offsets into base) */
    const char *base;
    long n;
};

/* Maps events [start, n) of the page into batches and queues them, each
 * with the position to save once CAS accepted it and all before it. */
static enum conn_rc deliver_page(struct conn_ctx *x, struct conn_sender *snd, struct page *pg,
                                 long start, struct position *pos, const char *next,
                                 uint64_t *skipped)
{
    size_t count = 0;
    struct buf *b = NULL;
    if (conn_defect("save-before-deliver") && next) {
        enum conn_rc rc = conn_sender_finish(snd);
        if (rc)
            return rc;
        struct position early = {0};
        early.stream = (char *)next;
        conn_position_save(x, &early);
    }
    for (long i = start; i < pg->n; i++) {
        if (!b && !(b = conn_sender_slot(snd)))
            return conn_sender_finish(snd);
        if (!b->len)       /* not !count: a skipped first event keeps the opening */
            buf_puts(b, "{\"activities\":[");
        size_t mark = b->len;
        if (count)
            buf_puts(b, ",");
        char err[200];
        enum conn_map_result mr =
            conn_mapping_activity(sync_mapping, pg->items[i], pg->base + pg->raw[i].off,
                                  pg->raw[i].len, &x->users, b, err, sizeof err);
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
        if (last && (next || conn_defect("trusts-next-position"))) {
            free(pos->stream);
            pos->stream = next ? xstrdup(next) : NULL;
            pos->since[0] = '\0';
            pos->skip = 0;
            pos->last_id[0] = '\0';
        } else {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(pg->items[i], "eventId");
            pos->skip = i + 1;
            snprintf(pos->last_id, sizeof pos->last_id, "%s",
                     cJSON_IsString(id) ? id->valuestring : "");
        }
        conn_sender_submit(snd, count, pos);   /* count 0: only the position */
        b = NULL;
        count = 0;
        if (conn_stop_requested && !last)
            return CONN_ERR_TRANSIENT;
    }
    return CONN_OK;
}

static uint64_t position_hash(const char *p)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return h ? h : 1;
}

static int position_seen(const uint64_t *seen, size_t nseen, const char *next)
{
    uint64_t h = position_hash(next);
    for (size_t i = 0; i < nseen && i < SEEN_POSITIONS; i++)
        if (seen[i] == h)
            return 1;
    return 0;
}

static enum conn_rc sync_events(struct conn_ctx *x)
{
    struct position pos;
    enum conn_rc rc = conn_position_load(x, &pos);
    if (rc)
        return rc;
    struct conn_sender *snd = conn_sender_start(x);
    if (!snd) {
        conn_position_release(&pos);
        return CONN_ERR_OTHER;
    }
    struct page pg = {0};
    pg.items = xcalloc(LIM_EVENTS_PAGE, sizeof *pg.items);
    pg.raw = xcalloc(LIM_EVENTS_PAGE, sizeof *pg.raw);
    uint64_t skipped = 0;
    int64_t t0 = conn_now_ms();
    /* Hashes of the positions asked for in this pass (a ring), and the
     * maxCount asked for: halved while pages are too large. */
    uint64_t seen[SEEN_POSITIONS] = {0};
    size_t nseen = 0;
    long max_count = EVENTS_MAX_COUNT;
    for (long page = 1;; page++) {
        struct buf path;
        buf_init(&path, 16384);
        if (pos.stream) {
            buf_puts(&path, "events?streamPosition=");
            buf_urlenc(&path, pos.stream, strlen(pos.stream));
        } else {
            buf_printf(&path, "events?since=%s", pos.since);
        }
        buf_printf(&path, "&maxCount=%ld", max_count);
        struct conn_ss_answer a;
        rc = path.err ? CONN_ERR_OTHER : conn_ss_get(x, path.ptr, &a);
        buf_release(&path);
        if (rc == CONN_ERR_OTHER && a.too_large && max_count > EVENTS_MIN_COUNT) {
            /* the same request would be as large on every rerun: ask for fewer */
            max_count = max_count / 2 > EVENTS_MIN_COUNT ? max_count / 2 : EVENTS_MIN_COUNT;
            log_warn("events page %ld is larger than %u MiB; asking for %ld events a page",
                     page, LIM_RESPONSE_BODY >> 20, max_count);
            conn_ss_answer_release(&a);
            page--;
            continue;
        }
        if (rc) {
            if (rc == CONN_ERR_OTHER && a.too_large)
                log_error("a single event is larger than %u MiB; it cannot be read",
                          LIM_RESPONSE_BODY >> 20);
            else if (rc == CONN_ERR_OTHER) {
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
            rc = deliver_page(x, snd, &pg, start, &pos, next_s, &skipped);
        } else if (next_s && (!pos.stream || strcmp(pos.stream, next_s))) {
            free(pos.stream);
            pos.stream = xstrdup(next_s);
            pos.since[0] = '\0';
            if (conn_sender_slot(snd))
                conn_sender_submit(snd, 0, &pos);
            else
                rc = conn_sender_finish(snd);
        }
        int more_avail = cJSON_IsTrue(more) && !conn_defect("first-page-only") &&
                         !(n == 0 && conn_defect("empty-page-ends"));
        int stalled = more_avail && next_s && position_seen(seen, nseen, next_s);
        if (!stalled && next_s)
            seen[nseen++ % SEEN_POSITIONS] = position_hash(next_s);
        conn_ss_answer_release(&a);
        if (rc)
            break;
        if (stalled) {
            /* Smartsheet keeps saying "more" without moving on: asking again
             * would get the same page forever.  The position is kept, so a
             * later run resumes (and tries again) from it. */
            log_error("the event stream does not advance (page %ld names a position it "
                      "already gave with moreAvailable); ending this pass", page);
            rc = CONN_ERR_TRANSIENT;
            break;
        }
        if (max_count < EVENTS_MAX_COUNT)
            max_count = max_count * 2 < EVENTS_MAX_COUNT ? max_count * 2 : EVENTS_MAX_COUNT;
        if (more_avail || page > 1 || n >= 1000)
            log_info("events page %ld: %ld events, %llu delivered so far%s", page, n,
                     (unsigned long long)conn_sender_delivered(snd), more_avail ? ", more available" : "");
        if (!more_avail)
            break;
        if (conn_stop_requested) {
            rc = CONN_ERR_TRANSIENT;
            break;
        }
    }
    /* The first failure in delivery order wins: it came before the rest. */
    enum conn_rc src = conn_sender_finish(snd);
    if (src)
        rc = src;
    uint64_t delivered = conn_sender_delivered(snd);
    int64_t blocked = 0, saving = 0;
    conn_sender_stop(snd, &blocked, &saving);
    int64_t ms = conn_now_ms() - t0;
    log_info("events: %llu delivered, %llu skipped, %llu Smartsheet requests in this run, "
             "%lld ms (waiting on Smartsheet %lld ms, on free CAS slots %lld ms; CAS "
             "requests took %lld ms, position saves %lld ms)",
             (unsigned long long)delivered, (unsigned long long)skipped,
             (unsigned long long)x->ss_requests, (long long)ms, (long long)x->ss_wait_ms,
             (long long)blocked, (long long)x->cas_wait_ms, (long long)saving);
    free(pg.items);
    free(pg.raw);
    conn_position_release(&pos);
    return rc;
}

/* ---- commands ---------------------------------------------------------- */

static enum conn_rc ensure_mapping(struct conn_ctx *x)
{
    if (sync_mapping)
        return CONN_OK;
    char path[4200], dir[4096];
    if (x->cfg->mapping_file) {
        snprintf(path, sizeof path, "%s", x->cfg->mapping_file);
    } else if (kit_fixtures_dir(NULL, dir, sizeof dir)) {
        log_error("no fixtures folder with the mapping table: set mapping_file in the config "
                  "or KIT_FIXTURES, or install the kit (../share/" KIT_PACKAGE "/fixtures)");
        return CONN_ERR_OTHER;
    } else {
        snprintf(path, sizeof path, "%s/mapping/smartsheet-cas.json", dir);
    }
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
    if (with_users && (rc = conn_users_sync(x)))
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
