/* The scenario loader: the checked-in scenarios load with what they
 * promise, times are rebased, recorded pages are prebuilt, bad fixtures
 * are refused naming file and field, and appends are all-or-nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "buf.h"
#include "../scenario.h"
#include "sspos.h"
#include "strutil.h"
#include "tfx_support.h"

#define DAY_MS 86400000LL

static cJSON *event_json(const struct ss_scenario *sc, size_t i, int numeric)
{
    struct buf b;
    buf_init(&b, 1 << 20);
    scenario_event_write(scenario_event(sc, i), numeric, &b);
    cJSON *j = cJSON_ParseWithLength(b.ptr, b.len);
    buf_release(&b);
    assert_non_null(j);
    return j;
}

static const char *str_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void default_scenario_contents(void **state)
{
    (void)state;
    struct ss_scenario *sc = tfx_load("default");
    assert_string_equal(scenario_name(sc), "default");
    assert_true(scenario_user_count(sc) >= 150);
    assert_true(scenario_account(sc)->event_reporting);
    size_t admins = 0, non_admins = 0, pending = 0;
    for (size_t i = 0; i < scenario_user_count(sc); i++) {
        const struct ss_user *u = scenario_user(sc, i);
        admins += u->admin;
        non_admins += !u->admin;
        pending += strcmp(u->status, "PENDING") == 0;
        assert_true(u->last_login_ms == 0 || u->last_login_ms <= TFX_NOW);
    }
    assert_int_equal(admins, 1);
    assert_true(non_admins >= 1 && pending >= 1);
    const struct ss_user *consenter = scenario_user_by_id(sc, scenario_consent(sc).user_id);
    assert_non_null(consenter);
    assert_true(consenter->admin);
    assert_int_equal(scenario_consent(sc).mode, SS_CONSENT_APPROVE);
    assert_int_equal(scenario_app_count(sc), 1);
    assert_string_equal(scenario_app(sc, 0)->redirect_url, "http://127.0.0.1/api/oauth/saga");
    assert_int_equal(scenario_ratelimit(sc).requests, 300);
    assert_int_equal(scenario_ratelimit(sc).window_ms, 60000);

    size_t n = scenario_event_count(sc);
    assert_true(n >= 3000);
    assert_int_equal(scenario_page_size(sc), 1000);
    assert_int_equal(scenario_page_count(sc), (n + 999) / 1000);
    /* Rebased: the stream ends just before the load moment and reaches
     * back past seven days. */
    assert_true(scenario_event(sc, n - 1)->ts_ms <= TFX_NOW);
    assert_true(scenario_event(sc, n - 1)->ts_ms > TFX_NOW - DAY_MS);
    assert_true(scenario_event(sc, 0)->ts_ms < TFX_NOW - 7 * DAY_MS);
    assert_true(scenario_event(sc, 0)->ts_ms >= TFX_NOW - 8 * DAY_MS);

    static const char *const types[] = {"ACCESS_TOKEN", "ACCOUNT", "ATTACHMENT", "DASHBOARD",
                                        "DISCUSSION", "FOLDER", "FORM", "GROUP", "REPORT",
                                        "SHEET", "UPDATE_REQUEST", "USER", "WORKSPACE"};
    int seen_type[13] = {0};
    char actions[128][40];
    size_t nactions = 0;
    int refresh = 0, invented = 0, automation = 0, form = 0, with_token = 0, without_token = 0;
    int web_ip = 0, nonnumeric = 0;
    for (size_t i = 0; i < n; i++) {
        cJSON *e = event_json(sc, i, 0);
        const char *type = str_of(e, "objectType"), *action = str_of(e, "action");
        assert_non_null(type);
        assert_non_null(action);
        assert_non_null(str_of(e, "eventId"));
        assert_non_null(str_of(cJSON_GetObjectItemCaseSensitive(e, "additionalDetails"),
                               "emailAddress"));
        for (int k = 0; k < 13; k++)
            seen_type[k] |= strcmp(type, types[k]) == 0;
        size_t a = 0;
        while (a < nactions && strcmp(actions[a], action) != 0)
            a++;
        if (a == nactions && nactions < 128)
            snprintf(actions[nactions++], sizeof actions[0], "%s", action);
        refresh |= strcmp(type, "ACCESS_TOKEN") == 0 && strcmp(action, "REFRESH") == 0;
        invented |= strcmp(action, "CHANGE_SEAT_TYPE") == 0;
        double uid = cJSON_GetObjectItemCaseSensitive(e, "userId")->valuedouble;
        automation |= uid == 3940654876256132.0;
        form |= uid == 7881304550205316.0;
        if (cJSON_GetObjectItemCaseSensitive(e, "accessTokenName"))
            with_token++;
        else
            without_token++;
        if (strcmp(str_of(e, "source"), "WEB_APP") == 0 &&
            str_of(cJSON_GetObjectItemCaseSensitive(e, "additionalDetails"), "sourceIpAddress"))
            web_ip++;
        nonnumeric |= cJSON_GetObjectItemCaseSensitive(e, "objectId")->valuedouble == -1.0;
        cJSON_Delete(e);
    }
    for (int k = 0; k < 13; k++)
        assert_true(seen_type[k]);
    assert_true(nactions >= 30);
    assert_true(refresh && invented && automation && form && web_ip && nonnumeric);
    assert_true(with_token > 0 && without_token > 0);
    scenario_free(sc);
}

static void numeric_dates_splice(void **state)
{
    (void)state;
    struct ss_scenario *sc = tfx_load("default");
    cJSON *iso = event_json(sc, 5, 0), *num = event_json(sc, 5, 1);
    int64_t ms;
    assert_int_equal(parse_iso8601_ms(str_of(iso, "eventTimestamp"), &ms), 0);
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(num, "eventTimestamp");
    assert_true(cJSON_IsNumber(n));
    assert_true((int64_t)n->valuedouble == ms);
    assert_true(ms == scenario_event(sc, 5)->ts_ms);
    assert_string_equal(str_of(iso, "eventId"), str_of(num, "eventId"));
    cJSON_Delete(iso);
    cJSON_Delete(num);

    struct buf all;
    buf_init(&all, 64u << 20);
    assert_int_equal(scenario_events_json(sc, 1, &all), BUF_OK);
    cJSON *arr = cJSON_ParseWithLength(all.ptr, all.len);
    assert_int_equal(cJSON_GetArraySize(arr), (int)scenario_event_count(sc));
    cJSON_Delete(arr);
    buf_release(&all);
    scenario_free(sc);
}

/* The prebuilt pages: the recorded chain, the same positions fixture-gen
 * wrote, and a gzip that inflates to the same bytes. */
static void recorded_pages_prebuilt(void **state)
{
    (void)state;
    struct ss_scenario *sc = tfx_load("default");
    for (size_t k = 0; k < scenario_page_count(sc); k++) {
        const struct ss_page *pg = scenario_page(sc, k);
        cJSON *j = cJSON_ParseWithLength(pg->body, pg->len);
        assert_non_null(j);
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "data")),
                         (int)pg->count);
        assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "moreAvailable")),
                         k + 1 < scenario_page_count(sc));
        uint64_t idx;
        assert_int_equal(sspos_decode(str_of(j, "nextStreamPosition"), &idx), 0);
        assert_int_equal(idx, pg->start + pg->count);

        char file[1024];
        snprintf(file, sizeof file, "%s/scenarios/default/events/page-%04zu.json",
                 tfx_fixtures(), k + 1);
        FILE *f = fopen(file, "rb");
        assert_non_null(f);
        static char text[4 << 20];
        size_t len = fread(text, 1, sizeof text, f);
        fclose(f);
        cJSON *rec = cJSON_ParseWithLength(text, len);
        assert_string_equal(str_of(rec, "nextStreamPosition"), str_of(j, "nextStreamPosition"));
        cJSON_Delete(rec);
        cJSON_Delete(j);

        assert_non_null(pg->gz);
        static char out[4 << 20];
        z_stream zs = {0};
        assert_int_equal(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
        zs.next_in = (unsigned char *)pg->gz;
        zs.avail_in = (unsigned)pg->gz_len;
        zs.next_out = (unsigned char *)out;
        zs.avail_out = sizeof out;
        assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
        assert_int_equal(zs.total_out, pg->len);
        assert_memory_equal(out, pg->body, pg->len);
        inflateEnd(&zs);
    }
    scenario_free(sc);
}

static void other_scenarios(void **state)
{
    (void)state;
    struct ss_scenario *sc = tfx_load("no-event-reporting");
    assert_false(scenario_account(sc)->event_reporting);
    scenario_free(sc);

    sc = tfx_load("not-admin");
    const struct ss_user *u = scenario_user_by_id(sc, scenario_consent(sc).user_id);
    assert_non_null(u);
    assert_false(u->admin);
    scenario_free(sc);

    sc = tfx_load("empty-org");
    assert_int_equal(scenario_user_count(sc), 1);
    assert_true(scenario_user(sc, 0)->admin);
    assert_int_equal(scenario_event_count(sc), 0);
    assert_int_equal(scenario_page_count(sc), 0);
    scenario_free(sc);

    sc = tfx_load("users-200");
    assert_int_equal(scenario_user_count(sc), 200);
    scenario_free(sc);
}

/* ---- bad fixtures ---- */

#define SC_HEAD                                                                          \
    "{\"name\":\"x\",\"recordedAt\":\"2026-01-10T00:00:00Z\","                           \
    "\"account\":{\"id\":5,\"name\":\"Org\",\"eventReporting\":true},"                   \
    "\"users\":[{\"id\":11,\"email\":\"a@x.example\",\"status\":\"ACTIVE\",\"admin\":true}," \
    "{\"id\":12,\"email\":\"b@x.example\",\"status\":\"PENDING\",\"admin\":false}],"

#define EV(id, ts)                                                                       \
    "{\"eventId\":\"" id "\",\"objectType\":\"SHEET\",\"action\":\"LOAD\",\"objectId\":1," \
    "\"eventTimestamp\":\"" ts "\",\"userId\":11,\"requestUserId\":11,"                    \
    "\"source\":\"WEB_APP\",\"additionalDetails\":{\"emailAddress\":\"a@x.example\"}}"

static char load_err[1024];

static int try_load(const char *json, const char *const *pages, int npages)
{
    const char *dir = tfx_make("x", json, pages, npages);
    struct ss_scenario *sc = NULL;
    load_err[0] = '\0';
    int rc = scenario_load(dir, "x", TFX_NOW, &sc, load_err, sizeof load_err);
    scenario_free(sc);
    return rc;
}

static void expect_error(const char *json, const char *const *pages, int npages,
                         const char *needle)
{
    assert_int_equal(try_load(json, pages, npages), -1);
    if (!strstr(load_err, needle))
        fail_msg("error \"%s\" does not contain \"%s\"", load_err, needle);
}

static void good_fixture_loads_and_rebases(void **state)
{
    (void)state;
    const char *pages[] = {
        "{\"nextStreamPosition\":\"p\",\"moreAvailable\":true,\"data\":["
        EV("e1", "2026-01-09T00:00:00Z") "," EV("e2", "2026-01-09 01:00:00") "]}",
        "{\"nextStreamPosition\":\"p\",\"moreAvailable\":false,\"data\":["
        EV("e3", "2026-01-09T23:00:00+0000") "]}"};
    const char *dir = tfx_make("x", SC_HEAD "\"eventPages\":[%PAGES%]}", pages, 2);
    struct ss_scenario *sc = NULL;
    char err[512];
    assert_int_equal(scenario_load(dir, "x", TFX_NOW, &sc, err, sizeof err), 0);
    assert_int_equal(scenario_event_count(sc), 3);
    assert_int_equal(scenario_page_size(sc), 2);
    /* recordedAt 2026-01-10T00:00Z becomes TFX_NOW (whole seconds). */
    assert_int_equal(scenario_event(sc, 0)->ts_ms, TFX_NOW - DAY_MS);
    assert_int_equal(scenario_event(sc, 2)->ts_ms, TFX_NOW - 3600000);
    assert_int_equal(scenario_event_at(sc, TFX_NOW - DAY_MS + 1), 1);
    assert_int_equal(scenario_consent(sc).user_id, 0);   /* not named: first admin */
    assert_string_equal(scenario_user(sc, 0)->locale, "en_US");
    scenario_free(sc);
    tfx_cleanup();
}

/* A 20-event page; ids start with prefix; event bad_index gets a bad time. */
static void make_page(char *out, size_t cap, char prefix, int more, int bad_index)
{
    struct buf b;
    buf_init(&b, 1 << 20);
    buf_printf(&b, "{\"nextStreamPosition\":\"p\",\"moreAvailable\":%s,\"data\":[",
               more ? "true" : "false");
    for (int i = 0; i < 20; i++) {
        char ts[32];
        if (i == bad_index)
            snprintf(ts, sizeof ts, "yesterday at nine");
        else
            snprintf(ts, sizeof ts, "2026-01-09T00:%02d:%02dZ", prefix == 'a' ? 0 : 1, i);
        buf_printf(&b, "%s{\"eventId\":\"%c%d\",\"objectType\":\"SHEET\",\"action\":\"LOAD\","
                   "\"objectId\":1,\"eventTimestamp\":\"%s\",\"userId\":11,"
                   "\"requestUserId\":11,\"source\":\"WEB_APP\",\"additionalDetails\":"
                   "{\"emailAddress\":\"a@x.example\"}}", i ? "," : "", prefix, i, ts);
    }
    buf_puts(&b, "]}");
    assert_true(b.len < cap);
    memcpy(out, b.ptr, b.len + 1);
    buf_release(&b);
}

static void bad_fixtures_name_file_and_field(void **state)
{
    (void)state;
    char page1[8192], page2[8192];
    make_page(page1, sizeof page1, 'a', 1, -1);
    make_page(page2, sizeof page2, 'b', 0, 17);
    const char *pages[] = {page1, page2};
    expect_error(SC_HEAD "\"eventPages\":[%PAGES%]}", pages, 2,
                 "/scenarios/x/events/page-0002.json: data[17].eventTimestamp: not an ISO-8601 time");

    const char *one[] = {"{\"nextStreamPosition\":\"p\",\"moreAvailable\":false,\"data\":["
                         EV("d", "2026-01-09T00:00:00Z") "," EV("d", "2026-01-09T00:00:01Z") "]}"};
    expect_error(SC_HEAD "\"eventPages\":[%PAGES%]}", one, 1, "eventId d appears twice");

    const char *order[] = {"{\"nextStreamPosition\":\"p\",\"moreAvailable\":false,\"data\":["
                           EV("e1", "2026-01-09T00:00:05Z") "," EV("e2", "2026-01-09T00:00:01Z")
                           "]}"};
    expect_error(SC_HEAD "\"eventPages\":[%PAGES%]}", order, 1,
                 "page-0001.json: data[1].eventTimestamp: earlier than the event before it");

    const char *more_wrong[] = {"{\"nextStreamPosition\":\"p\",\"moreAvailable\":true,\"data\":["
                                EV("e1", "2026-01-09T00:00:05Z") "]}"};
    expect_error(SC_HEAD "\"eventPages\":[%PAGES%]}", more_wrong, 1,
                 "page-0001.json: moreAvailable: must be false on the last page");

    const char *sizes[] = {"{\"nextStreamPosition\":\"p\",\"moreAvailable\":true,\"data\":["
                           EV("e1", "2026-01-09T00:00:05Z") "]}",
                           "{\"nextStreamPosition\":\"p\",\"moreAvailable\":false,\"data\":["
                           EV("e2", "2026-01-09T00:00:06Z") "," EV("e3", "2026-01-09T00:00:07Z")
                           "]}"};
    expect_error(SC_HEAD "\"eventPages\":[%PAGES%]}", sizes, 2, "page-0002.json: data: 2 events");

    const char *no_email[] = {"{\"nextStreamPosition\":\"p\",\"moreAvailable\":false,\"data\":["
                              "{\"eventId\":\"z\",\"objectType\":\"SHEET\",\"action\":\"LOAD\","
                              "\"objectId\":1,\"eventTimestamp\":\"2026-01-09T00:00:00Z\","
                              "\"userId\":11,\"requestUserId\":11,\"source\":\"WEB_APP\","
                              "\"additionalDetails\":{}}]}"};
    expect_error(SC_HEAD "\"eventPages\":[%PAGES%]}", no_email, 1,
                 "data[0].additionalDetails.emailAddress: missing");

    expect_error(SC_HEAD "\"eventPages\":[\"../../etc/passwd\"]}", NULL, 0,
                 "scenario.json: eventPages[0]: not a relative path");
    expect_error(SC_HEAD "\"eventPages\":[\"events/missing.json\"]}", NULL, 0,
                 "events/missing.json: cannot open");
    expect_error("{\"name\":\"y\"}", NULL, 0, "scenario.json: name: missing or not the folder");
    expect_error("{\"name\":\"x\",\"recordedAt\":\"soon\"}", NULL, 0,
                 "scenario.json: recordedAt: not an ISO-8601 time");
    expect_error(SC_HEAD "\"consent\":{\"mode\":\"approve\",\"userEmail\":\"nobody@x.example\"},"
                 "\"eventPages\":[]}", NULL, 0, "consent.userEmail: not the email of a user");
    expect_error("{\"name\":\"x\",\"recordedAt\":\"2026-01-10T00:00:00Z\",\"account\":{\"id\":5,"
                 "\"name\":\"O\",\"eventReporting\":true},\"users\":[{\"id\":1,\"email\":\"a@x\","
                 "\"status\":\"ACTIVE\",\"admin\":true},{\"id\":1,\"email\":\"b@x\",\"status\":"
                 "\"ACTIVE\",\"admin\":false}],\"eventPages\":[]}", NULL, 0,
                 "users: id 1 appears twice");
    expect_error("{\"name\":\"x\",\"recordedAt\":\"2026-01-10T00:00:00Z\",\"account\":{\"id\":5,"
                 "\"name\":\"O\",\"eventReporting\":true},\"users\":[{\"id\":1,\"email\":\"a@x\","
                 "\"status\":\"GONE\",\"admin\":true}],\"eventPages\":[]}", NULL, 0,
                 "users[0].status: not ACTIVE");
    expect_error("{\"name\":\"x\",\"recordedAt\":\"2026-01-10T00:00:00Z\",\"account\":{\"id\":5,"
                 "\"name\":\"O\",\"eventReporting\":true},\"users\":[{\"id\":1,\"email\":\"a@x\","
                 "\"status\":\"ACTIVE\",\"admin\":true,\"seatType\":\"OWNER\"}],\"eventPages\":[]}",
                 NULL, 0, "users[0].seatType: not MEMBER");
    expect_error("{\"name\":\"x\",\"recordedAt\":\"2026-01-10T00:00:00Z\",\"account\":{\"id\":5,"
                 "\"name\":\"O\",\"eventReporting\":true},\"users\":[{\"id\":1,\"email\":\"a@x\","
                 "\"status\":\"ACTIVE\",\"admin\":true,\"title\":7}],\"eventPages\":[]}",
                 NULL, 0, "users[0].title: not a string");
    expect_error("{\"name\":\"x\",\"recordedAt\":\"2026-01-10T00:00:00Z\",\"account\":{\"id\":5,"
                 "\"name\":\"O\",\"eventReporting\":\"yes\"},\"users\":[],\"eventPages\":[]}",
                 NULL, 0, "account.eventReporting: not true/false");
    expect_error("not json at all", NULL, 0, "scenario.json: not a JSON object");
    /* a longer client id could never complete the code exchange */
    expect_error(SC_HEAD "\"apps\":[{\"name\":\"A\",\"clientId\":\""
                 "0123456789012345678901234567890123456789012345678901234567890123\","
                 "\"secret\":\"s\",\"redirectUrl\":\"https://a.example/cb\"}],"
                 "\"eventPages\":[]}", NULL, 0, "apps[0].clientId: longer than 63 bytes");

    struct ss_scenario *sc = NULL;
    char err[256];
    assert_int_equal(scenario_load(tfx_fixtures(), "../default", TFX_NOW, &sc, err, sizeof err), -1);
    assert_null(sc);
    assert_int_equal(scenario_load(tfx_fixtures(), "does-not-exist", TFX_NOW, &sc, err,
                                   sizeof err), -1);
    assert_non_null(strstr(err, "does-not-exist/scenario.json: cannot open"));
    char long_name[129];
    memset(long_name, 'a', 128);
    long_name[128] = '\0';      /* one more than the server keeps to reload it */
    assert_int_equal(scenario_load(tfx_fixtures(), long_name, TFX_NOW, &sc, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "use letters"));
    tfx_cleanup();
}

/* ---- appends ---- */

static void append_is_validated_and_atomic(void **state)
{
    (void)state;
    struct ss_scenario *sc = tfx_load("empty-org");
    char err[512];
    const char *two_bad =
        "[{\"eventId\":\"live-1\",\"objectType\":\"SHEET\",\"action\":\"LOAD\",\"objectId\":7,"
        "\"userId\":11,\"requestUserId\":11,\"source\":\"WEB_APP\","
        "\"additionalDetails\":{\"emailAddress\":\"a@x.example\"}},"
        "{\"eventId\":\"live-2\",\"objectType\":\"SHEET\",\"action\":\"LOAD\",\"objectId\":7,"
        "\"userId\":0,\"requestUserId\":11,\"source\":\"WEB_APP\","
        "\"additionalDetails\":{\"emailAddress\":\"a@x.example\"}}]";
    assert_int_equal(scenario_append_events(sc, two_bad, strlen(two_bad), TFX_NOW, err,
                                            sizeof err), -1);
    assert_non_null(strstr(err, "events[1].userId"));
    assert_int_equal(scenario_event_count(sc), 0);

    /* The first event was not kept: appending it alone now works. */
    const char *one =
        "{\"eventId\":\"live-1\",\"objectType\":\"SHEET\",\"action\":\"LOAD\",\"objectId\":7,"
        "\"userId\":11,\"requestUserId\":11,\"source\":\"WEB_APP\",\"futureField\":[1,2],"
        "\"additionalDetails\":{\"emailAddress\":\"a@x.example\"}}";
    assert_int_equal(scenario_append_events(sc, one, strlen(one), TFX_NOW, err, sizeof err), 1);
    assert_int_equal(scenario_event_count(sc), 1);
    assert_int_equal(scenario_event(sc, 0)->ts_ms, TFX_NOW);    /* no time: now */
    cJSON *e = event_json(sc, 0, 0);
    assert_non_null(cJSON_GetObjectItemCaseSensitive(e, "futureField"));
    cJSON_Delete(e);

    /* Same id again: refused. */
    assert_int_equal(scenario_append_events(sc, one, strlen(one), TFX_NOW + 5, err, sizeof err), -1);
    assert_non_null(strstr(err, "already in the stream"));
    /* Older than the end of the stream: refused. */
    const char *old =
        "[{\"objectType\":\"SHEET\",\"action\":\"LOAD\",\"objectId\":7,\"eventTimestamp\":1000,"
        "\"userId\":11,\"requestUserId\":11,\"source\":\"WEB_APP\","
        "\"additionalDetails\":{\"emailAddress\":\"a@x.example\"}}]";
    assert_int_equal(scenario_append_events(sc, old, strlen(old), TFX_NOW, err, sizeof err), -1);
    assert_non_null(strstr(err, "events[0].eventTimestamp: earlier than the end"));
    /* Many without ids get fresh, distinct ones. */
    struct buf b;
    buf_init(&b, 1 << 22);
    buf_puts(&b, "[");
    for (int i = 0; i < 3000; i++)
        buf_printf(&b, "%s{\"objectType\":\"FORM\",\"action\":\"UPDATE\",\"objectId\":-1,"
                   "\"objectIdStr\":\"f%d\",\"eventTimestamp\":\"2027-01-15T10:00:00Z\","
                   "\"userId\":11,\"requestUserId\":11,\"source\":\"API_UNDEFINED_APP\","
                   "\"additionalDetails\":{\"emailAddress\":\"a@x.example\"}}",
                   i ? "," : "", i);
    buf_puts(&b, "]");
    assert_int_equal(scenario_append_events(sc, b.ptr, b.len, TFX_NOW, err, sizeof err), 3000);
    assert_int_equal(scenario_event_count(sc), 3001);
    buf_release(&b);
    assert_int_equal(scenario_append_events(sc, "[1,", 3, TFX_NOW, err, sizeof err), -1);
    assert_int_equal(scenario_append_events(sc, "[]", 2, TFX_NOW, err, sizeof err), 0);
    assert_int_equal(scenario_event_count(sc), 3001);
    scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_scenario_contents),
        cmocka_unit_test(numeric_dates_splice),
        cmocka_unit_test(recorded_pages_prebuilt),
        cmocka_unit_test(other_scenarios),
        cmocka_unit_test(good_fixture_loads_and_rebases),
        cmocka_unit_test(bad_fixtures_name_file_and_field),
        cmocka_unit_test(append_is_validated_and_atomic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
