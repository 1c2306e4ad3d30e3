/* scenario_events.c - the Event Reporting stream of a scenario: loads and
 * checks the recorded pages, prebuilds their response bytes (plain and
 * gzip), appends live events, and writes events out. */
#include "scenario_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit_limits.h"
#include "rng.h"
#include "sspos.h"
#include "strutil.h"

#define EV_MAX_BYTES (1u << 20)          /* one serialized event */
#define EV_ID_PREFIX "{\"eventId\":\""   /* every stored event starts so */

static int token_ok(const char *s, size_t max, const char *set)
{
    size_t n = strlen(s);
    return n > 0 && n <= max && strspn(s, set) == n;
}

#define UPPER_SET "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
#define URLSAFE_SET "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"

static int is_known_key(const char *k)
{
    static const char *const keys[] = {"eventId", "objectType", "action", "objectId",
                                       "objectIdStr", "eventTimestamp", "userId",
                                       "requestUserId", "accessTokenName", "source",
                                       "additionalDetails"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(k, keys[i]) == 0)
            return 1;
    return 0;
}

/* Checks one Event object and appends its canonical compact JSON to out.
 * where prefixes messages ("file: data[3]."); live events (appended) may
 * omit eventId and eventTimestamp or give the time in epoch ms. */
static int event_build(const cJSON *ev, const char *where, int live, int64_t now_ms,
                       int64_t shift_ms, struct buf *out, uint32_t *ts_off, int64_t *ts_ms,
                       char *err, size_t errlen)
{
    if (!cJSON_IsObject(ev)) {
        snprintf(err, errlen, "%s: not an object", where);
        return -1;
    }
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(ev, "eventId");
    char fresh_id[48];          /* "2.1." + 43: Smartsheet's are 45-48 long */
    const char *event_id;
    if (!id && live) {
        memcpy(fresh_id, "2.1.", 4);
        rng_token(fresh_id + 4, 43);
        event_id = fresh_id;
    } else if (cJSON_IsString(id) && token_ok(id->valuestring, 128, URLSAFE_SET)) {
        event_id = id->valuestring;
    } else {
        snprintf(err, errlen, "%seventId: %s", where,
                 id ? "not a string of 1-128 url-safe characters" : "missing");
        return -1;
    }
    const char *names[3] = {"objectType", "action", "source"};
    const char *vals[3];
    for (int i = 0; i < 3; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, names[i]);
        if (!cJSON_IsString(v) || !token_ok(v->valuestring, 64, UPPER_SET)) {
            snprintf(err, errlen, "%s%s: %s", where, names[i],
                     v ? "not an upper-case name" : "missing");
            return -1;
        }
        vals[i] = v->valuestring;
    }
    int64_t object_id, user_id, request_user_id;
    if (sc_json_int(cJSON_GetObjectItemCaseSensitive(ev, "objectId"), -1,
                    9007199254740991LL, &object_id)) {
        snprintf(err, errlen, "%sobjectId: not an integer (-1 when not numeric)", where);
        return -1;
    }
    if (sc_json_int(cJSON_GetObjectItemCaseSensitive(ev, "userId"), 1, 9007199254740991LL,
                    &user_id)) {
        snprintf(err, errlen, "%suserId: not a positive integer", where);
        return -1;
    }
    if (sc_json_int(cJSON_GetObjectItemCaseSensitive(ev, "requestUserId"), 1,
                    9007199254740991LL, &request_user_id)) {
        snprintf(err, errlen, "%srequestUserId: not a positive integer", where);
        return -1;
    }
    const cJSON *id_str = cJSON_GetObjectItemCaseSensitive(ev, "objectIdStr");
    const cJSON *token_name = cJSON_GetObjectItemCaseSensitive(ev, "accessTokenName");
    if ((id_str && (!cJSON_IsString(id_str) || strlen(id_str->valuestring) > 1024)) ||
        (token_name && (!cJSON_IsString(token_name) || strlen(token_name->valuestring) > 1024))) {
        snprintf(err, errlen, "%s%s: not a string of at most 1024 bytes", where,
                 id_str && !cJSON_IsString(id_str) ? "objectIdStr" : "accessTokenName");
        return -1;
    }
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(ev, "eventTimestamp");
    int64_t when;
    if (!ts && live) {
        when = now_ms;
    } else if (live && cJSON_IsNumber(ts)) {
        if (sc_json_int(ts, 0, 253402300799000LL, &when)) {
            snprintf(err, errlen, "%seventTimestamp: not epoch milliseconds", where);
            return -1;
        }
    } else if (cJSON_IsString(ts) && parse_iso8601_ms(ts->valuestring, &when) == 0) {
        when += shift_ms;
    } else {
        snprintf(err, errlen, "%seventTimestamp: %s", where,
                 ts ? "not an ISO-8601 time" : "missing");
        return -1;
    }
    if (when < 0 || when > 253402300799000LL) {
        snprintf(err, errlen, "%seventTimestamp: outside years 1970-9999 after rebasing", where);
        return -1;
    }
    const cJSON *details = cJSON_GetObjectItemCaseSensitive(ev, "additionalDetails");
    const cJSON *email = cJSON_GetObjectItemCaseSensitive(details, "emailAddress");
    if (!cJSON_IsObject(details)) {
        snprintf(err, errlen, "%sadditionalDetails: %s", where,
                 details ? "not an object" : "missing");
        return -1;
    }
    if (!cJSON_IsString(email)) {
        snprintf(err, errlen, "%sadditionalDetails.emailAddress: %s", where,
                 email ? "not a string" : "missing");
        return -1;
    }

    size_t start = out->len;
    buf_puts(out, EV_ID_PREFIX);
    buf_puts(out, event_id);
    buf_puts(out, "\",\"objectType\":\"");
    buf_puts(out, vals[0]);
    buf_puts(out, "\",\"action\":\"");
    buf_puts(out, vals[1]);
    buf_printf(out, "\",\"objectId\":%lld", (long long)object_id);
    if (id_str) {
        buf_puts(out, ",\"objectIdStr\":");
        buf_json_str(out, id_str->valuestring, strlen(id_str->valuestring));
    }
    buf_puts(out, ",\"eventTimestamp\":");
    size_t off = out->len - start;
    char iso[32];
    format_iso8601(when, iso);
    buf_printf(out, "\"%s\"", iso);
    buf_printf(out, ",\"userId\":%lld,\"requestUserId\":%lld", (long long)user_id,
               (long long)request_user_id);
    if (token_name) {
        buf_puts(out, ",\"accessTokenName\":");
        buf_json_str(out, token_name->valuestring, strlen(token_name->valuestring));
    }
    buf_printf(out, ",\"source\":\"%s\",\"additionalDetails\":", vals[2]);
    char *d = cJSON_PrintUnformatted(details);
    buf_puts(out, d ? d : "{}");
    cJSON_free(d);
    for (const cJSON *c = ev->child; c; c = c->next) {
        if (!c->string || is_known_key(c->string))
            continue;
        buf_puts(out, ",");
        buf_json_str(out, c->string, strlen(c->string));
        buf_puts(out, ":");
        char *v = cJSON_PrintUnformatted(c);
        buf_puts(out, v ? v : "null");
        cJSON_free(v);
    }
    buf_puts(out, "}");
    if (out->err) {
        snprintf(err, errlen, "%s: too large", where);
        return -1;
    }
    if (out->len - start > EV_MAX_BYTES) {
        snprintf(err, errlen, "%s: larger than %u bytes", where, EV_MAX_BYTES);
        return -1;
    }
    *ts_off = (uint32_t)off;
    *ts_ms = when;
    return 0;
}

static const char *event_id_of(const struct ss_event *ev, size_t *len)
{
    const char *p = ev->json + sizeof EV_ID_PREFIX - 1;
    const char *q = memchr(p, '"', ev->len - (sizeof EV_ID_PREFIX - 1));
    *len = q ? (size_t)(q - p) : 0;
    return p;
}

static uint64_t id_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

/* Inserts event i into the id table; -1 when its eventId is already there. */
static int idtab_insert(struct ss_scenario *sc, size_t i)
{
    size_t n;
    const char *id = event_id_of(&sc->events[i], &n);
    size_t mask = sc->idtab_cap - 1;
    for (size_t h = id_hash(id, n) & mask;; h = (h + 1) & mask) {
        uint32_t slot = sc->idtab[h];
        if (slot == 0) {
            sc->idtab[h] = (uint32_t)(i + 1);
            return 0;
        }
        size_t m;
        const char *other = event_id_of(&sc->events[slot - 1], &m);
        if (m == n && memcmp(other, id, n) == 0)
            return -1;
    }
}

/* Rebuilds the table for the first n events, sized for want events. */
static long idtab_rebuild(struct ss_scenario *sc, size_t n, size_t want)
{
    size_t cap = 1024;
    while (cap < 2 * want + 2)
        cap *= 2;
    free(sc->idtab);
    sc->idtab = xcalloc(cap, sizeof *sc->idtab);
    sc->idtab_cap = cap;
    for (size_t i = 0; i < n; i++)
        if (idtab_insert(sc, i) != 0)
            return (long)i;
    return -1;
}

static void events_reserve(struct ss_scenario *sc, size_t extra)
{
    if (sc->nevents + extra <= sc->events_cap)
        return;
    size_t cap = sc->events_cap ? sc->events_cap : 1024;
    while (cap < sc->nevents + extra)
        cap *= 2;
    sc->events = xrealloc(sc->events, cap * sizeof *sc->events);
    sc->events_cap = cap;
}

static int page_path_ok(const char *p)
{
    return token_ok(p, 200, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./") &&
           p[0] != '/' && !strstr(p, "..");
}

/* Loads one page file; its events go to the end of sc->events. */
static int load_page(struct ss_scenario *sc, const char *file, size_t k, size_t npages,
                     char *err, size_t errlen)
{
    size_t len = 0;
    char *text = sc_read_file(file, &len, err, errlen);
    if (!text)
        return -1;
    cJSON *root = cJSON_ParseWithLength(text, len);
    free(text);
    int rc = -1;
    size_t *offs = NULL;
    struct buf body;
    buf_init(&body, LIM_FIXTURE_FILE);
    const cJSON *pos = cJSON_GetObjectItemCaseSensitive(root, "nextStreamPosition");
    const cJSON *more = cJSON_GetObjectItemCaseSensitive(root, "moreAvailable");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
    if (!cJSON_IsObject(root)) {
        snprintf(err, errlen, "%s: not a JSON object", file);
        goto done;
    }
    if (!cJSON_IsString(pos) || !pos->valuestring[0]) {
        snprintf(err, errlen, "%s: nextStreamPosition: not a non-empty string", file);
        goto done;
    }
    if (!cJSON_IsBool(more)) {
        snprintf(err, errlen, "%s: moreAvailable: not true/false", file);
        goto done;
    }
    if (!cJSON_IsArray(data)) {
        snprintf(err, errlen, "%s: data: not an array", file);
        goto done;
    }
    size_t count = (size_t)cJSON_GetArraySize(data);
    int is_last = k + 1 == npages;
    if (k == 0)
        sc->page_size = count;
    if (count > LIM_EVENTS_PAGE || (k == 0 && count == 0 && !is_last) ||
        (!is_last && count != sc->page_size) || (is_last && k > 0 && count == 0) ||
        count > sc->page_size) {
        snprintf(err, errlen, "%s: data: %zu events; every page but the last must hold the "
                 "first page's count (%zu), the last 1 to that many (at most %u)",
                 file, count, sc->page_size, LIM_EVENTS_PAGE);
        goto done;
    }
    if (cJSON_IsTrue(more) == is_last) {
        snprintf(err, errlen, "%s: moreAvailable: must be %s on %s page", file,
                 is_last ? "false" : "true", is_last ? "the last" : "every earlier");
        goto done;
    }
    if (sc->nevents + count > SC_MAX_EVENTS) {
        snprintf(err, errlen, "%s: data: more than %u events in the scenario", file,
                 SC_MAX_EVENTS);
        goto done;
    }
    size_t start = sc->nevents;
    char next[SSPOS_LEN + 1];
    sspos_encode(start + count, next);
    buf_printf(&body, "{\"nextStreamPosition\":\"%s\",\"moreAvailable\":%s,\"data\":[", next,
               is_last ? "false" : "true");
    events_reserve(sc, count);
    offs = xcalloc(count ? count : 1, sizeof *offs);
    size_t i = 0;
    for (const cJSON *ev = data->child; ev; ev = ev->next, i++) {
        char where[4500];
        snprintf(where, sizeof where, "%s: data[%zu].", file, i);
        if (i)
            buf_puts(&body, ",");
        offs[i] = body.len;
        struct ss_event *e = &sc->events[start + i];
        if (event_build(ev, where, 0, 0, sc->shift_ms, &body, &e->ts_off, &e->ts_ms, err,
                        errlen))
            goto done;
        e->len = (uint32_t)(body.len - offs[i]);
        int64_t prev = start + i > 0 ? sc->events[start + i - 1].ts_ms : INT64_MIN;
        if (e->ts_ms < prev) {
            snprintf(err, errlen, "%seventTimestamp: earlier than the event before it "
                     "(events must be oldest first)", where);
            goto done;
        }
    }
    buf_puts(&body, "]}");
    if (body.err) {
        snprintf(err, errlen, "%s: page too large", file);
        goto done;
    }
    struct ss_page *pg = &sc->pages[k];
    pg->start = start;
    pg->count = count;
    pg->more = !is_last;
    char *bytes = buf_take(&body, &pg->len);
    pg->body = bytes;
    for (i = 0; i < count; i++)
        sc->events[start + i].json = bytes + offs[i];
    sc->nevents += count;
    pg->gz = http_gzip(pg->body, pg->len, &pg->gz_len);
    if (!pg->gz)
        pg->gz_len = 0;
    rc = 0;
done:
    buf_release(&body);
    free(offs);
    cJSON_Delete(root);
    return rc;
}

int sc_load_pages(struct ss_scenario *sc, const char *dir, const cJSON *list, char *err,
                  size_t errlen)
{
    size_t n = (size_t)cJSON_GetArraySize(list);
    if (n > SC_MAX_PAGES) {
        snprintf(err, errlen, "%s/scenario.json: eventPages: more than %u pages", dir,
                 SC_MAX_PAGES);
        return -1;
    }
    sc->pages = xcalloc(n ? n : 1, sizeof *sc->pages);
    size_t k = 0;
    for (const cJSON *p = list->child; p; p = p->next, k++) {
        if (!cJSON_IsString(p) || !page_path_ok(p->valuestring)) {
            snprintf(err, errlen, "%s/scenario.json: eventPages[%zu]: not a relative path "
                     "inside the scenario folder", dir, k);
            return -1;
        }
        char file[4400];
        snprintf(file, sizeof file, "%s/%s", dir, p->valuestring);
        sc->npages = k + 1;
        if (load_page(sc, file, k, n, err, errlen))
            return -1;
    }
    long dup = idtab_rebuild(sc, sc->nevents, sc->nevents);
    if (dup >= 0) {
        size_t len;
        const char *id = event_id_of(&sc->events[dup], &len);
        snprintf(err, errlen, "%s: event %ld: eventId %.*s appears twice", dir, dup + 1,
                 (int)(len > 128 ? 128 : len), id);
        return -1;
    }
    return 0;
}

void sc_free_events(struct ss_scenario *sc)
{
    for (size_t k = 0; k < sc->npages; k++) {
        free((char *)sc->pages[k].body);
        free((char *)sc->pages[k].gz);
    }
    free(sc->pages);
    for (size_t i = 0; i < sc->nchunks; i++)
        free(sc->chunks[i]);
    free(sc->chunks);
    free(sc->events);
    free(sc->idtab);
}

long scenario_append_events(struct ss_scenario *sc, const char *json, size_t len,
                            int64_t now_wall_ms, char *err, size_t errlen)
{
    if (len > LIM_REQUEST_BODY) {
        snprintf(err, errlen, "events: body larger than %u bytes", LIM_REQUEST_BODY);
        return -1;
    }
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!cJSON_IsArray(root) && !cJSON_IsObject(root)) {
        snprintf(err, errlen, "events: not a JSON array or object");
        cJSON_Delete(root);
        return -1;
    }
    const cJSON *first = cJSON_IsArray(root) ? root->child : root;
    size_t count = cJSON_IsArray(root) ? (size_t)cJSON_GetArraySize(root) : 1;
    if (count > SC_MAX_APPEND || sc->nevents + count > SC_MAX_EVENTS) {
        snprintf(err, errlen, "events: at most %u at once and %u in all", SC_MAX_APPEND,
                 SC_MAX_EVENTS);
        cJSON_Delete(root);
        return -1;
    }
    long rc = -1;
    struct buf chunk;
    buf_init(&chunk, LIM_FIXTURE_FILE);
    size_t *offs = xcalloc(count ? count : 1, sizeof *offs);
    size_t old = sc->nevents;
    events_reserve(sc, count);
    size_t i = 0;
    for (const cJSON *ev = first; ev && i < count; ev = ev->next, i++) {
        char where[48];
        snprintf(where, sizeof where, "events[%zu].", i);
        offs[i] = chunk.len;
        struct ss_event *e = &sc->events[old + i];
        if (event_build(ev, where, 1, now_wall_ms, 0, &chunk, &e->ts_off, &e->ts_ms, err,
                        errlen))
            goto done;
        e->len = (uint32_t)(chunk.len - offs[i]);
        int64_t prev = old + i > 0 ? sc->events[old + i - 1].ts_ms : INT64_MIN;
        if (e->ts_ms < prev) {
            snprintf(err, errlen, "%seventTimestamp: earlier than the end of the stream "
                     "(events must be oldest first)", where);
            goto done;
        }
    }
    if (count == 0) {
        rc = 0;
        goto done;
    }
    size_t total = 0;
    char *mem = buf_take(&chunk, &total);
    for (i = 0; i < count; i++)
        sc->events[old + i].json = mem + offs[i];
    if (sc->idtab_cap < 2 * (old + count) + 2)
        idtab_rebuild(sc, old, old + count);
    for (i = 0; i < count; i++) {
        if (idtab_insert(sc, old + i) != 0) {
            size_t n;
            const char *id = event_id_of(&sc->events[old + i], &n);
            snprintf(err, errlen, "events[%zu].eventId: %.*s is already in the stream", i,
                     (int)(n > 128 ? 128 : n), id);
            idtab_rebuild(sc, old, old);
            free(mem);
            goto done;
        }
    }
    if (sc->nchunks == sc->chunks_cap) {
        sc->chunks_cap = sc->chunks_cap ? 2 * sc->chunks_cap : 16;
        sc->chunks = xrealloc(sc->chunks, sc->chunks_cap * sizeof *sc->chunks);
    }
    sc->chunks[sc->nchunks++] = mem;
    sc->nevents = old + count;
    rc = (long)count;
done:
    buf_release(&chunk);
    free(offs);
    cJSON_Delete(root);
    return rc;
}

size_t scenario_event_count(const struct ss_scenario *sc) { return sc->nevents; }
size_t scenario_page_size(const struct ss_scenario *sc) { return sc->page_size; }
size_t scenario_page_count(const struct ss_scenario *sc) { return sc->npages; }

const struct ss_event *scenario_event(const struct ss_scenario *sc, size_t i)
{
    return i < sc->nevents ? &sc->events[i] : NULL;
}

const struct ss_page *scenario_page(const struct ss_scenario *sc, size_t k)
{
    return k < sc->npages ? &sc->pages[k] : NULL;
}

size_t scenario_event_at(const struct ss_scenario *sc, int64_t ms)
{
    size_t lo = 0, hi = sc->nevents;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sc->events[mid].ts_ms < ms)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int scenario_event_write(const struct ss_event *ev, int numeric_dates, struct buf *out)
{
    if (!numeric_dates)
        return buf_append(out, ev->json, ev->len);
    buf_append(out, ev->json, ev->ts_off);
    buf_printf(out, "%lld", (long long)ev->ts_ms);
    return buf_append(out, ev->json + ev->ts_off + SS_TS_QLEN,
                      ev->len - ev->ts_off - SS_TS_QLEN);
}

int scenario_events_json(const struct ss_scenario *sc, int numeric_dates, struct buf *out)
{
    buf_puts(out, "[");
    for (size_t i = 0; i < sc->nevents; i++) {
        if (i)
            buf_puts(out, ",");
        scenario_event_write(&sc->events[i], numeric_dates, out);
    }
    return buf_puts(out, "]");
}
