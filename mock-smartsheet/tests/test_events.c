/* GET /2.0/events against the default scenario: access rules, parameter
 * errors, the recorded chain served from prebuilt bytes, since/to windows,
 * numericDates, polling at the end and live appends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../api.h"
#include "../scenario_int.h"
#include "sspos.h"
#include "buf.h"
#include "strutil.h"
#include "tfx_support.h"

#define DAY_MS 86400000LL

static struct ss_scenario *sc;
static struct ss_caller admin = {0, 1};
/* The default scenario is a 2026 one whose stream was still generating
 * at two places (stillGenerating).  The tests of the plain API semantics
 * run with those set aside; still_generating_gaps puts them back. */
static size_t gaps_aside;

static int setup(void **state)
{
    (void)state;
    sc = tfx_load("default");
    admin.user_id = scenario_user(sc, 0)->id;
    gaps_aside = sc->ngaps;
    sc->ngaps = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    scenario_free(sc);
    return 0;
}

/* Answers query, and checks that answering it again from a connection's
 * memo (filled by the first of two calls, used by the second) gives the
 * same answer. */
static void call(const struct ss_caller *c, const char *query, struct http_resp *resp)
{
    static struct events_memo memo;
    memset(resp, 0, sizeof *resp);
    struct http_req req = tfx_get("/2.0/events", query);
    api_events(sc, c, &req, TFX_NOW, NULL, NULL, resp);
    for (int round = 0; round < 2; round++) {
        struct http_resp again;
        memset(&again, 0, sizeof again);
        api_events(sc, c, &req, TFX_NOW, &memo, NULL, &again);
        assert_int_equal(again.status, resp->status);
        assert_int_equal(again.error_code, resp->error_code);
        if (resp->status == 200) {     /* error bodies differ in their refId only */
            assert_int_equal(again.len, resp->len);
            assert_memory_equal(again.body, resp->body, resp->len);
        }
        tfx_resp_done(&again);
    }
}

static void expect_error(const char *query, int status, int code)
{
    struct http_resp resp;
    call(&admin, query, &resp);
    if (resp.status != status || tfx_error_code(&resp) != code)
        fail_msg("%s: got %d %.*s, want %d/%d", query, resp.status, (int)resp.len, resp.body,
                 status, code);
    assert_int_equal(resp.error_code, code);
    tfx_resp_done(&resp);
}

static void access_rules(void **state)
{
    (void)state;
    struct ss_caller member = {scenario_user(sc, 1)->id, 0};
    struct http_resp resp;
    call(&member, "since=2020-01-01T00:00:00Z", &resp);
    assert_int_equal(resp.status, 403);
    assert_int_equal(tfx_error_code(&resp), 1004);
    tfx_resp_done(&resp);

    struct ss_scenario *off = tfx_load("no-event-reporting");
    struct http_req req = tfx_get("/2.0/events", "since=2020-01-01T00:00:00Z");
    struct ss_caller off_admin = {scenario_user(off, 0)->id, 1};
    memset(&resp, 0, sizeof resp);
    api_events(off, &off_admin, &req, TFX_NOW, NULL, NULL, &resp);
    assert_int_equal(resp.status, 403);
    assert_int_equal(tfx_error_code(&resp), 1013);
    assert_string_equal(resp.content_type, "application/json;charset=UTF-8");
    tfx_resp_done(&resp);
    scenario_free(off);
}

static void parameter_errors(void **state)
{
    (void)state;
    char pos[SSPOS_LEN + 1], forged[SSPOS_LEN + 1];
    sspos_encode(0, pos);
    memcpy(forged, pos, sizeof forged);
    forged[SSPOS_LEN - 1] = forged[SSPOS_LEN - 1] == 'A' ? 'B' : 'A';
    char q[256];
    snprintf(q, sizeof q, "since=2020-01-01T00:00:00Z&streamPosition=%s", pos);
    expect_error(q, 400, 1227);
    expect_error("", 400, 1228);
    expect_error("maxCount=5", 400, 1228);
    expect_error("since=2020-01-01T00:00:00Z&maxCount=0", 400, 1229);
    expect_error("since=2020-01-01T00:00:00Z&maxCount=10001", 400, 1229);
    expect_error("since=2020-01-01T00:00:00Z&maxCount=ten", 400, 1018);
    struct http_resp resp;
    call(&admin, "since=2020-01-01T00:00:00Z&maxCount=20000", &resp);
    cJSON *j = tfx_json(&resp);
    assert_string_equal(cJSON_GetObjectItem(j, "message")->valuestring,
                        "The value '20000' was not valid for the parameter 'maxCount'. "
                        "The value must be between '1' and '10000'.");
    cJSON_Delete(j);
    tfx_resp_done(&resp);
    expect_error("since=2020-01-01T00:00:00Z&numericDates=yes", 400, 1018);
    expect_error("since=last%20week", 400, 1018);
    expect_error("since=2020-01-01T00:00:00Z&numericDates=true", 400, 1018);
    expect_error("streamPosition=garbage", 400, 1018);
    snprintf(q, sizeof q, "streamPosition=%s", forged);
    expect_error(q, 400, 1018);
    sspos_encode(scenario_event_count(sc) + 1, pos);    /* beyond the stream */
    snprintf(q, sizeof q, "streamPosition=%s", pos);
    expect_error(q, 400, 1018);
    expect_error("since=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", 400, 1018);
    sspos_encode(0, pos);
    snprintf(q, sizeof q, "streamPosition=%s&to=2026-01-01T00:00:00Z", pos);
    expect_error(q, 400, 1227);
}

struct page {
    cJSON *json;
    const cJSON *data;
    int more;
    const char *next;
};

static void get_page(const struct ss_caller *c, const char *query, struct http_resp *resp,
                     struct page *p)
{
    call(c, query, resp);
    if (resp->status != 200)
        fail_msg("%s: %d %.*s", query, resp->status, (int)resp->len, resp->body);
    assert_string_equal(resp->content_type, "application/json;charset=UTF-8");
    p->json = tfx_json(resp);
    p->data = cJSON_GetObjectItemCaseSensitive(p->json, "data");
    assert_true(cJSON_IsArray(p->data));
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(p->json, "moreAvailable");
    assert_true(cJSON_IsBool(m));
    p->more = cJSON_IsTrue(m);
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(p->json, "nextStreamPosition");
    assert_true(cJSON_IsString(n));
    p->next = n->valuestring;
}

static int64_t ts_of(const cJSON *ev)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(ev, "eventTimestamp");
    int64_t ms = 0;
    if (cJSON_IsNumber(t))
        return (int64_t)t->valuedouble;
    assert_int_equal(parse_iso8601_ms(t->valuestring, &ms), 0);
    return ms;
}

/* Reading from the beginning with maxCount = the page size walks the
 * recorded chain: prebuilt bytes, gzip ready, every event once, in order. */
static void recorded_chain_is_static(void **state)
{
    (void)state;
    size_t total = scenario_event_count(sc), seen = 0, k = 0;
    char query[256] = "since=2010-01-01T00:00:00Z&maxCount=1000";
    int64_t last_ts = INT64_MIN;
    for (;; k++) {
        struct http_resp resp;
        struct page p;
        get_page(&admin, query, &resp, &p);
        const struct ss_page *pg = scenario_page(sc, k);
        assert_non_null(pg);
        assert_ptr_equal(resp.body, pg->body);          /* zero copy */
        assert_false(resp.body_owned);
        assert_ptr_equal(resp.gz_body, pg->gz);
        assert_true(resp.gz_len > 0);
        for (const cJSON *e = p.data->child; e; e = e->next) {
            int64_t ts = ts_of(e);
            assert_true(ts >= last_ts);
            last_ts = ts;
            seen++;
        }
        int more = p.more;
        snprintf(query, sizeof query, "streamPosition=%s&maxCount=1000", p.next);
        cJSON_Delete(p.json);
        tfx_resp_done(&resp);
        if (!more)
            break;
    }
    assert_int_equal(k + 1, scenario_page_count(sc));
    assert_int_equal(seen, total);

    /* Polling at the end: nothing new, the same position. */
    char end_pos[SSPOS_LEN + 1];
    sspos_encode(total, end_pos);
    struct http_resp resp;
    struct page p;
    get_page(&admin, query, &resp, &p);
    assert_int_equal(cJSON_GetArraySize(p.data), 0);
    assert_false(p.more);
    assert_string_equal(p.next, end_pos);
    cJSON_Delete(p.json);
    tfx_resp_done(&resp);
}

/* Other page sizes are rendered with the same semantics. */
static void other_page_sizes_render(void **state)
{
    (void)state;
    struct http_resp resp;
    struct page p;
    get_page(&admin, "since=2010-01-01T00:00:00Z&maxCount=7&unknownParam=1", &resp, &p);
    assert_true(resp.body_owned);
    assert_int_equal(cJSON_GetArraySize(p.data), 7);
    assert_true(p.more);
    uint64_t idx;
    assert_int_equal(sspos_decode(p.next, &idx), 0);
    assert_int_equal(idx, 7);
    cJSON *first7 = cJSON_Duplicate(p.data, 1);
    char q[128];
    snprintf(q, sizeof q, "streamPosition=%s&maxCount=10000&numericDates=true", p.next);
    cJSON_Delete(p.json);
    tfx_resp_done(&resp);

    get_page(&admin, q, &resp, &p);
    assert_int_equal(cJSON_GetArraySize(p.data), (int)scenario_event_count(sc) - 7);
    assert_false(p.more);
    const cJSON *e = cJSON_GetArrayItem(p.data, 0);
    assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(e, "eventTimestamp")));
    assert_int_equal(ts_of(e), scenario_event(sc, 7)->ts_ms);
    cJSON_Delete(p.json);
    tfx_resp_done(&resp);

    /* The default maxCount is 1000; the 7 events match the stored ones. */
    get_page(&admin, "since=2010-01-01T00:00:00Z", &resp, &p);
    assert_int_equal(cJSON_GetArraySize(p.data), 1000);
    for (int i = 0; i < 7; i++)
        assert_true(cJSON_Compare(cJSON_GetArrayItem(p.data, i), cJSON_GetArrayItem(first7, i), 1));
    cJSON_Delete(first7);
    cJSON_Delete(p.json);
    tfx_resp_done(&resp);
}

static size_t count_since(const char *query, int64_t *first_ts, int *more)
{
    struct http_resp resp;
    struct page p;
    get_page(&admin, query, &resp, &p);
    size_t n = (size_t)cJSON_GetArraySize(p.data);
    *first_ts = n ? ts_of(p.data->child) : 0;
    *more = p.more;
    cJSON_Delete(p.json);
    tfx_resp_done(&resp);
    return n;
}

/* since is resolved down to the hour and accepts the SDKs' forms. */
/* A page limit (a stream still generating) shortens pages whatever
 * maxCount asks; following nextStreamPosition still reads every event
 * once, in order. */
/* With the last position omitted, every page but the last still names the
 * next position, and the last page (the pre-rendered one included) has
 * none, and asking again from the last page's own start still works. */
static void last_page_without_position(void **state)
{
    (void)state;
    const struct events_shape omit = {.omit_last_position = 1};
    char q[160] = "since=2010-01-01T00:00:00Z&maxCount=1000";
    int more = 1, pages = 0;
    while (more && pages < 100000) {
        for (int again = 0; again < 2; again++) {
            struct http_resp resp;
            memset(&resp, 0, sizeof resp);
            struct http_req req = tfx_get("/2.0/events", q);
            api_events(sc, &admin, &req, TFX_NOW, NULL, &omit, &resp);
            assert_int_equal(resp.status, 200);
            cJSON *j = tfx_json(&resp);
            tfx_resp_done(&resp);
            more = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "moreAvailable"));
            const cJSON *next = cJSON_GetObjectItemCaseSensitive(j, "nextStreamPosition");
            assert_int_equal(next != NULL, more);
            if (more)
                snprintf(q, sizeof q, "streamPosition=%s&maxCount=1000", next->valuestring);
            cJSON_Delete(j);
            if (more)
                break;
        }
        pages++;
    }
    assert_true(pages > 1);
}

/* One /events answer for query q with shape; the status, body in *j. */
static int events_with(const char *q, const struct events_shape *shape, int64_t now,
                       cJSON **j, int64_t *delay_ms)
{
    struct http_resp resp;
    memset(&resp, 0, sizeof resp);
    struct http_req req = tfx_get("/2.0/events", q);
    api_events(sc, &admin, &req, now, NULL, shape, &resp);
    int st = resp.status;
    *j = tfx_json(&resp);
    if (delay_ms)
        *delay_ms = resp.delay_ms;
    tfx_resp_done(&resp);
    return st;
}

/* About six months of retention: seen from far enough in the future the
 * scenario's events are gone, by since and by position alike. */
static void retention_bound(void **state)
{
    (void)state;
    char pos[SSPOS_LEN + 1], q[160];
    sspos_encode(0, pos);
    snprintf(q, sizeof q, "streamPosition=%s&maxCount=10000", pos);
    cJSON *j;
    assert_int_equal(events_with(q, NULL, TFX_NOW, &j, NULL), 200);
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "data")) > 0);
    cJSON_Delete(j);
    int64_t later = TFX_NOW + EVENTS_RETENTION_MS + 30LL * 86400000;
    assert_int_equal(events_with(q, NULL, later, &j, NULL), 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "data")), 0);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "moreAvailable")));
    cJSON_Delete(j);
    assert_int_equal(events_with("since=2010-01-01T00:00:00Z", NULL, later, &j, NULL), 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "data")), 0);
    cJSON_Delete(j);
}

/* Wide `since` windows: 4002 or a slow answer beyond overMs; a window cut
 * with `to`, or a position, is not wide. */
static void wide_queries(void **state)
{
    (void)state;
    const struct events_shape timeout = {.wide_over_ms = 86400000, .wide_timeout = 1};
    const struct events_shape slow = {.wide_over_ms = 86400000, .wide_delay_ms = 600000};
    char since[32], to[32], q[200];
    format_iso8601(TFX_NOW - 3 * DAY_MS, since);
    format_iso8601(TFX_NOW - 3 * DAY_MS + 12 * 3600000LL, to);
    cJSON *j;
    int64_t delay = -1;
    snprintf(q, sizeof q, "since=%s", since);
    assert_int_equal(events_with(q, &timeout, TFX_NOW, &j, NULL), 500);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "errorCode")->valueint, 4002);
    cJSON_Delete(j);
    assert_int_equal(events_with(q, &slow, TFX_NOW, &j, &delay), 200);
    assert_true(delay > 0);
    cJSON_Delete(j);
    snprintf(q, sizeof q, "since=%s&to=%s", since, to);
    assert_int_equal(events_with(q, &timeout, TFX_NOW, &j, &delay), 200);
    assert_int_equal(delay, 0);
    cJSON_Delete(j);
}

static void page_limit_shortens_pages(void **state)
{
    (void)state;
    const struct events_shape limit250 = {.page_limit = 250};
    size_t total = scenario_event_count(sc), seen = 0;
    char q[160] = "since=2010-01-01T00:00:00Z&maxCount=10000";
    int pages = 0, more = 1;
    while (more && pages < 100000) {
        struct http_resp resp;
        memset(&resp, 0, sizeof resp);
        struct http_req req = tfx_get("/2.0/events", q);
        api_events(sc, &admin, &req, TFX_NOW, NULL, &limit250, &resp);
        assert_int_equal(resp.status, 200);
        cJSON *j = tfx_json(&resp);
        int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "data"));
        more = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "moreAvailable"));
        assert_true(n <= 250);
        if (more)
            assert_int_equal(n, 250);
        const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "data"), 0);
        if (n)
            assert_int_equal(ts_of(e), scenario_event(sc, seen)->ts_ms);
        seen += (size_t)n;
        snprintf(q, sizeof q, "streamPosition=%s&maxCount=10000",
                 cJSON_GetObjectItemCaseSensitive(j, "nextStreamPosition")->valuestring);
        cJSON_Delete(j);
        tfx_resp_done(&resp);
        pages++;
    }
    assert_int_equal(seen, total);
    assert_int_equal(pages, (int)((total + 249) / 250));
}

/* Reading the whole stream with maxCount 10000: at each gap the answer
 * stops short (moreAvailable true), the next request gets an empty page
 * whose position differs from the one asked, and from there on reading
 * goes on; every event comes once, in order, no position twice.  A
 * "resumed" position at an index that is no gap is refused. */
static void still_generating_gaps(void **state)
{
    (void)state;
    sc->ngaps = gaps_aside;
    assert_int_equal(scenario_profile(sc), 2026);
    assert_true(sc->ngaps >= 1);
    size_t total = scenario_event_count(sc), seen = 0, empties = 0, shorts = 0;
    char q[160] = "since=2010-01-01T00:00:00Z&maxCount=10000", prev[SSPOS_LEN + 1] = "";
    int more = 1, pages = 0;
    while (more && pages < 100) {
        struct http_resp resp;
        memset(&resp, 0, sizeof resp);
        struct http_req req = tfx_get("/2.0/events", q);
        api_events(sc, &admin, &req, TFX_NOW, NULL, NULL, &resp);
        assert_int_equal(resp.status, 200);
        cJSON *j = tfx_json(&resp);
        tfx_resp_done(&resp);
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(j, "data");
        int n = cJSON_GetArraySize(data);
        more = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "moreAvailable"));
        const char *next = cJSON_GetObjectItemCaseSensitive(j, "nextStreamPosition")->valuestring;
        assert_string_not_equal(next, prev);
        if (n)
            assert_int_equal(ts_of(cJSON_GetArrayItem(data, 0)), scenario_event(sc, seen)->ts_ms);
        if (more && n == 0)
            empties++;
        else if (more && seen + (size_t)n < total)
            shorts++;
        seen += (size_t)n;
        snprintf(prev, sizeof prev, "%s", next);
        snprintf(q, sizeof q, "streamPosition=%s&maxCount=10000", next);
        cJSON_Delete(j);
        pages++;
    }
    assert_int_equal(seen, total);
    assert_int_equal(empties, sc->ngaps);
    assert_int_equal(shorts, sc->ngaps);
    assert_int_equal(pages, (int)(2 * sc->ngaps + 1));
    char pos[SSPOS_LEN + 1], bad[200];
    sspos_encode(EVENTS_POS_RESUMED | (sc->gaps[0] + 1), pos);
    snprintf(bad, sizeof bad, "streamPosition=%s", pos);
    expect_error(bad, 400, 1018);
    sc->ngaps = 0;
}

static void since_forms_and_hour(void **state)
{
    (void)state;
    int64_t since = TFX_NOW - 7 * DAY_MS + 1234567;    /* not on an hour */
    int64_t hour = since - since % 3600000;
    size_t want = scenario_event_count(sc) - scenario_event_at(sc, hour);
    assert_true(want < scenario_event_count(sc));       /* some are older than 7 days */
    char iso[32], q[256];
    format_iso8601(since, iso);
    const char *forms[3] = {iso, NULL, NULL};
    char plus[40], space[40];
    snprintf(plus, sizeof plus, "%.19s%%2B0000", iso);   /* +0000, URL-encoded */
    snprintf(space, sizeof space, "%.10s%%20%.8s", iso, iso + 11);
    forms[1] = plus;
    forms[2] = space;
    for (int f = 0; f < 3; f++) {
        snprintf(q, sizeof q, "since=%s&maxCount=10000", forms[f]);
        int64_t first;
        int more;
        assert_int_equal(count_since(q, &first, &more), want);
        assert_true(first >= hour);
        assert_false(more);
    }
    snprintf(q, sizeof q, "since=%lld&numericDates=true&maxCount=10000", (long long)since);
    int64_t first;
    int more;
    assert_int_equal(count_since(q, &first, &more), want);
    /* The Python SDK's spelling (requests sends Python's True). */
    snprintf(q, sizeof q, "since=%lld&numericDates=True&maxCount=10000", (long long)since);
    assert_int_equal(count_since(q, &first, &more), want);
    /* Far in the future: empty, positioned at the end. */
    assert_int_equal(count_since("since=2999-01-01T00:00:00Z", &first, &more), 0);
}

static void to_windows(void **state)
{
    (void)state;
    int64_t since = TFX_NOW - 3 * DAY_MS, to = TFX_NOW - 2 * DAY_MS;
    char s[32], t[32], q[256];
    format_iso8601(since, s);
    format_iso8601(to, t);
    size_t want = scenario_event_at(sc, to) - scenario_event_at(sc, since);
    assert_true(want > 3);
    snprintf(q, sizeof q, "since=%s&to=%s&maxCount=10000", s, t);
    int64_t first;
    int more;
    assert_int_equal(count_since(q, &first, &more), want);
    assert_false(more);
    snprintf(q, sizeof q, "since=%s&to=%s&maxCount=2", s, t);
    assert_int_equal(count_since(q, &first, &more), 2);
    assert_true(more);
    snprintf(q, sizeof q, "since=%s&to=%s", s, s);
    assert_int_equal(count_since(q, &first, &more), 0);
    /* to in the future means now: the same as no to. */
    snprintf(q, sizeof q, "since=%s&to=2999-01-01T00:00:00Z&maxCount=10000", s);
    assert_int_equal(count_since(q, &first, &more),
                     scenario_event_count(sc) - scenario_event_at(sc, since));
}

/* After an append the end position yields the new events, and the
 * recorded last page is no longer served as if it were complete. */
static void appended_events_follow(void **state)
{
    (void)state;
    struct ss_scenario *own = tfx_load("default");
    struct ss_scenario *saved = sc;
    sc = own;
    sc->ngaps = 0;                 /* the plain semantics, as the other tests */
    size_t total = scenario_event_count(sc);
    char end[SSPOS_LEN + 1], q[256], err[256];
    sspos_encode(total, end);
    const char *ev =
        "[{\"eventId\":\"2.1.live0001\",\"objectType\":\"SHEET\",\"action\":\"EXPORT\","
        "\"objectId\":42,\"userId\":3940654876256132,\"requestUserId\":42,"
        "\"source\":\"UNKNOWN\",\"additionalDetails\":{\"emailAddress\":\"x@y.example\"}},"
        "{\"eventId\":\"2.1.live0002\",\"objectType\":\"SHEET\",\"action\":\"LOAD\","
        "\"objectId\":42,\"userId\":42,\"requestUserId\":42,"
        "\"source\":\"WEB_APP\",\"additionalDetails\":{\"emailAddress\":\"x@y.example\"}}]";
    /* polled at the end before the events arrive: empty (and the query
     * stays in the connection's memo, which must not hide what follows) */
    snprintf(q, sizeof q, "streamPosition=%s", end);
    struct http_resp resp;
    struct page p;
    get_page(&admin, q, &resp, &p);
    assert_int_equal(cJSON_GetArraySize(p.data), 0);
    cJSON_Delete(p.json);
    tfx_resp_done(&resp);
    assert_int_equal(scenario_append_events(sc, ev, strlen(ev), TFX_NOW + 1000, err, sizeof err), 2);
    get_page(&admin, q, &resp, &p);
    assert_int_equal(cJSON_GetArraySize(p.data), 2);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(p.data->child, "eventId")->valuestring,
                        "2.1.live0001");
    cJSON_Delete(p.json);
    tfx_resp_done(&resp);

    size_t last = scenario_page_count(sc) - 1;
    char start[SSPOS_LEN + 1];
    sspos_encode(scenario_page(sc, last)->start, start);
    snprintf(q, sizeof q, "streamPosition=%s&maxCount=1000", start);
    get_page(&admin, q, &resp, &p);
    assert_ptr_not_equal(resp.body, scenario_page(sc, last)->body);
    assert_int_equal(cJSON_GetArraySize(p.data), (int)(scenario_page(sc, last)->count + 2));
    cJSON_Delete(p.json);
    tfx_resp_done(&resp);
    sc = saved;
    scenario_free(own);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(access_rules),
        cmocka_unit_test(parameter_errors),
        cmocka_unit_test(recorded_chain_is_static),
        cmocka_unit_test(other_page_sizes_render),
        cmocka_unit_test(page_limit_shortens_pages),
        cmocka_unit_test(still_generating_gaps),
        cmocka_unit_test(last_page_without_position),
        cmocka_unit_test(retention_bound),
        cmocka_unit_test(wide_queries),
        cmocka_unit_test(since_forms_and_hour),
        cmocka_unit_test(to_windows),
        cmocka_unit_test(appended_events_follow),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
