/* events.c - GET /2.0/events (Event Reporting).  Requests that match a
 * recorded page get its prebuilt bytes; every other valid request is
 * rendered from the same events with the API's semantics.  Modelled
 * choices (error codes, since resolution, `to`) are in
 * docs/smartsheet-model.md. */
#include "api.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "dclock.h"
#include "kit_limits.h"
#include "sserror.h"
#include "sspos.h"
#include "strutil.h"

#define EV_MAX_COUNT     10000
#define EV_DEFAULT_COUNT 1000
#define HOUR_MS          3600000LL

/* 400 errorCode 1018 quoting the (sanitized) value. */
static void bad_value(struct http_resp *resp, const char *value, const char *param)
{
    char v[128];
    str_sanitize(value, v, sizeof v);
    ss_error(resp, 1018, v, param);
}

/* The parameters /events reads, found in one pass over the query. */
enum { P_SINCE, P_POSITION, P_TO, P_NUMERIC, P_MAXCOUNT, P_COUNT };
static const char *const param_names[P_COUNT] = {"since", "streamPosition", "to",
                                                 "numericDates", "maxCount"};

/* Decodes parameter p; 1 present, 0 absent, -1 answered with 1018. */
static int query_param(const struct form_raw *found, int p, char *out, size_t cap,
                       struct http_resp *resp)
{
    int rc = form_decode(&found[p], out, cap);
    if (rc < 0) {
        bad_value(resp, "(malformed or too long)", param_names[p]);
        return -1;
    }
    return rc;
}

static int parse_time(const char *s, int numeric, int64_t *out)
{
    if (numeric)
        return parse_i64(s, 0, 253402300799999LL, out);
    return parse_iso8601_ms(s, out);
}

struct ev_query {
    size_t start, end;          /* event index range the request may see */
    int resumed;                /* the position is past a gap at start */
    size_t max;                 /* maxCount */
    int numeric;
    int has_to;
};

/* Parses and checks the parameters, every check that does not depend on
 * the scenario; 0, or -1 with resp holding the error.  The checks run in
 * the order Smartsheet reports them (docs/smartsheet-model.md). */
static int parse_params(const struct http_req *req, size_t qlen, struct events_params *p,
                        struct http_resp *resp)
{
    char since[LIM_PARAM_VALUE], pos[LIM_PARAM_VALUE], to[LIM_PARAM_VALUE], val[LIM_PARAM_VALUE];
    struct form_raw found[P_COUNT];
    form_find(req->query, qlen, param_names, P_COUNT, found);
    int has_since = query_param(found, P_SINCE, since, sizeof since, resp);
    int has_pos = has_since < 0 ? -1 : query_param(found, P_POSITION, pos, sizeof pos, resp);
    int has_to = has_pos < 0 ? -1 : query_param(found, P_TO, to, sizeof to, resp);
    if (has_to < 0)
        return -1;
    if (has_since && has_pos) {
        ss_error(resp, 1227, "since", "streamPosition");
        return -1;
    }
    if (!has_since && !has_pos) {
        ss_error(resp, 1228, "since", "streamPosition");
        return -1;
    }
    p->numeric = 0;
    int rc = query_param(found, P_NUMERIC, val, sizeof val, resp);
    if (rc < 0)
        return -1;
    if (rc > 0 && parse_bool(val, &p->numeric) != 0) {
        bad_value(resp, val, "numericDates");
        return -1;
    }
    p->max = EV_DEFAULT_COUNT;
    rc = query_param(found, P_MAXCOUNT, val, sizeof val, resp);
    if (rc < 0)
        return -1;
    if (rc > 0) {
        int64_t m;
        if (parse_i64(val, INT64_MIN, INT64_MAX, &m) != 0) {
            bad_value(resp, val, "maxCount");
            return -1;
        }
        if (m < 1 || m > EV_MAX_COUNT) {
            /* Smartsheet's 1229 text also names the range ({2}, {3}) */
            char msg[200];
            snprintf(msg, sizeof msg, "The value '%lld' was not valid for the parameter "
                     "'maxCount'. The value must be between '1' and '%d'.", (long long)m,
                     EV_MAX_COUNT);
            ss_error_msg(resp, 1229, msg);
            return -1;
        }
        p->max = (size_t)m;
    }
    p->has_to = has_to;
    p->by_position = has_pos;
    if (has_pos) {
        if (has_to) {
            ss_error(resp, 1227, "to", "streamPosition");
            return -1;
        }
        if (sspos_decode(pos, &p->position) != 0) {
            bad_value(resp, pos, "streamPosition");
            return -1;
        }
        return 0;
    }
    if (parse_time(since, p->numeric, &p->since_ms) != 0) {
        bad_value(resp, since, "since");
        return -1;
    }
    if (p->since_ms < 0)
        p->since_ms = 0;
    if (has_to && (parse_time(to, p->numeric, &p->to_ms) != 0 || p->to_ms < p->since_ms)) {
        bad_value(resp, to, "to");
        return -1;
    }
    return 0;
}

/* The parameters of the request: from the connection's memo when it sent
 * the same query string last time, else parsed (and remembered). */
static int params_of(const struct http_req *req, struct events_memo *memo,
                     struct events_params *p, struct http_resp *resp)
{
    size_t qlen = strlen(req->query);
    if (memo && memo->len && memo->len == qlen && !memcmp(memo->query, req->query, qlen)) {
        *p = memo->params;
        return 0;
    }
    if (parse_params(req, qlen, p, resp))
        return -1;
    if (memo && qlen && qlen < sizeof memo->query) {
        memcpy(memo->query, req->query, qlen);
        memo->len = qlen;
        memo->params = *p;
    }
    return 0;
}

/* The event range the parameters select in this scenario at this time;
 * 0, or -1 with resp holding the error. */
static int resolve(const struct ss_scenario *sc, const struct events_params *p,
                   int64_t now_wall_ms, struct ev_query *q, struct http_resp *resp)
{
    size_t total = scenario_event_count(sc);
    q->max = p->max;
    q->numeric = p->numeric;
    q->has_to = p->has_to;
    q->end = total;
    q->resumed = 0;
    if (p->by_position) {
        uint64_t index = p->position & ~EVENTS_POS_RESUMED;
        int resumed = (p->position & EVENTS_POS_RESUMED) != 0;
        if (index > total || (resumed && !scenario_is_gap(sc, (size_t)index))) {
            char pos[SSPOS_LEN + 1];
            sspos_encode(p->position, pos);   /* the value as sent: encodings are unique */
            bad_value(resp, pos, "streamPosition");
            return -1;
        }
        q->start = (size_t)index;
        q->resumed = resumed;
        return 0;
    }
    q->start = scenario_event_at(sc, p->since_ms - p->since_ms % HOUR_MS);
    if (p->has_to) {
        int64_t to_ms = p->to_ms > now_wall_ms ? now_wall_ms : p->to_ms;
        q->end = to_ms <= p->since_ms ? q->start : scenario_event_at(sc, to_ms);
    }
    return 0;
}

/* Events older than the retention bound are gone, whichever way a client
 * asks (a `since` before it, or a position saved long ago). */
static void apply_retention(const struct ss_scenario *sc, int64_t now_wall_ms, struct ev_query *q)
{
    size_t horizon = scenario_event_at(sc, now_wall_ms - EVENTS_RETENTION_MS);
    if (q->start < horizon)
        q->start = horizon;
    if (q->end < q->start)
        q->end = q->start;
}

/* A wide `since` query: 1 when answered with 4002, else 0 (maybe delayed). */
static int wide_query(const struct events_params *p, const struct events_shape *shape,
                      int64_t now_wall_ms, struct http_resp *resp)
{
    if (!shape || shape->wide_over_ms <= 0 || p->by_position)
        return 0;
    int64_t end = p->has_to && p->to_ms < now_wall_ms ? p->to_ms : now_wall_ms;
    if (end - p->since_ms <= shape->wide_over_ms)
        return 0;
    if (shape->wide_timeout) {
        ss_error(resp, 4002, NULL, NULL);
        return 1;
    }
    resp->delay_ms = dclock_to_real_ms(shape->wide_delay_ms);
    return 0;
}

void api_events(const struct ss_scenario *sc, const struct ss_caller *caller,
                const struct http_req *req, int64_t now_wall_ms, struct events_memo *memo,
                const struct events_shape *shape, struct http_resp *resp)
{
    size_t page_limit = shape ? shape->page_limit : 0;
    int omit_last_position = shape && shape->omit_last_position;
    if (!caller->is_admin) {
        ss_error(resp, 1004, NULL, NULL);
        return;
    }
    if (!scenario_account(sc)->event_reporting) {
        ss_error(resp, 1013, NULL, NULL);
        return;
    }
    struct events_params p;
    struct ev_query q;
    if (params_of(req, memo, &p, resp) || resolve(sc, &p, now_wall_ms, &q, resp) ||
        wide_query(&p, shape, now_wall_ms, resp))
        return;
    apply_retention(sc, now_wall_ms, &q);
    if (page_limit && q.max > page_limit)
        q.max = page_limit;
    /* A stream still generating (profile 2026): an answer stops at the
     * next gap, and a request starting at one gets an empty page whose
     * position moves past it. */
    uint64_t next_index = 0;
    if (q.start < q.end && !q.resumed && scenario_is_gap(sc, q.start)) {
        q.max = 0;
        next_index = EVENTS_POS_RESUMED;
    }
    size_t gap = scenario_next_gap(sc, q.start);
    size_t stop = gap < q.end ? gap : q.end;
    size_t n = stop - q.start < q.max ? stop - q.start : q.max;
    int more = q.start + n < q.end;
    next_index |= q.start + n;

    size_t psize = scenario_page_size(sc);
    int omit = omit_last_position && !more;
    if (!omit && !q.numeric && !q.has_to && psize > 0 && q.max == psize &&
        q.start % psize == 0) {
        const struct ss_page *pg = scenario_page(sc, q.start / psize);
        if (pg && pg->count == n && pg->more == more) {
            http_resp_static(resp, 200, SS_JSON, pg->body, pg->len);
            resp->gz_body = pg->gz;
            resp->gz_len = pg->gz_len;
            resp->gzip_ok = 1;
            return;
        }
    }
    char next[SSPOS_LEN + 1];
    sspos_encode(next_index, next);
    struct buf b;
    http_resp_buf(resp, &b, LIM_FIXTURE_FILE, 128 + n * 512);  /* an event is ~400 bytes */
    if (omit) {
        buf_puts(&b, "{\"moreAvailable\":false,\"data\":[");
    } else {
        buf_puts(&b, "{\"nextStreamPosition\":\"");
        buf_append(&b, next, SSPOS_LEN);
        buf_puts(&b, more ? "\",\"moreAvailable\":true,\"data\":["
                          : "\",\"moreAvailable\":false,\"data\":[");
    }
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_append(&b, ",", 1);
        scenario_event_write(scenario_event(sc, q.start + i), q.numeric, &b);
    }
    if (buf_puts(&b, "]}") != BUF_OK) {
        buf_release(&b);
        ss_error(resp, 4000, NULL, NULL);
        return;
    }
    ss_json_ok(resp, &b);
}
