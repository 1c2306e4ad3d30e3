/* test_hardening.c - black-box tests of mock-cas against the attacks of
 * issue #13: DNS rebinding, request framing, hostile JSON bodies, exact
 * ids, fault listings.  Raw requests (rawhttp.h) where a client library
 * would not send the bytes under test. */
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "httpc.h"
#include "rawhttp.h"
#include "spawn.h"
#include "cas_support.h"

static struct mapping map;
static struct child dbl;
static char bin[1024];
static const char *port;          /* the double's port, in dbl.url */

static int setup(void **state)
{
    (void)state;
    const char *dir = getenv("KIT_BIN_DIR");
    snprintf(bin, sizeof bin, "%s/mock-cas", dir ? dir : "build/bin");
    support_load_mapping(&map);
    char *argv[] = {bin, "--listen", "127.0.0.1:0", "--query-rate-limit", "off",
                    "--allow-host", "cas.test", NULL};
    char err[512];
    if (spawn_double(argv, NULL, 10000, &dbl, err, sizeof err))
        fail_msg("cannot start mock-cas: %s", err);
    port = strrchr(dbl.url, ':') + 1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    int st = spawn_stop(&dbl, 10000);
    mapping_free(&map);
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
        fail_msg("mock-cas did not stop cleanly: wait status %d", st);
    return 0;
}

/* Sends the raw request text (printf format; "%P" is not special: use
 * port yourself) and reads one answer into out (created here).  Returns
 * the status, 0 when none came. */
static int raw(struct buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int raw(struct buf *out, const char *fmt, ...)
{
    char req[16384];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(req, sizeof req, fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof req);
    int fd = rawhttp_connect(dbl.url, NULL, 5000);
    assert_true(fd >= 0);
    assert_int_equal(rawhttp_send(fd, req, (size_t)n), 0);
    buf_init(out, 1 << 20);
    int status = rawhttp_read_response(fd, out, 5000);
    close(fd);
    return status;
}

/* ------------------------------------------------------------------ */
/* Item 2: only the exact names the double answers to                  */

static void test_rebound_host_refused(void **state)
{
    (void)state;
    struct buf b;
    /* a page of 127.evil.example, rebound to 127.0.0.1, with its own Origin */
    assert_int_equal(raw(&b, "GET /_mock/callbacks HTTP/1.1\r\nHost: 127.evil.example:%s\r\n"
                             "Origin: http://127.evil.example:%s\r\n\r\n", port, port), 403);
    buf_release(&b);
    assert_int_equal(raw(&b, "GET /_mock/callbacks HTTP/1.1\r\nHost: 127.evil.example:%s\r\n\r\n",
                         port), 403);
    buf_release(&b);
    assert_int_equal(raw(&b, "POST /_mock/api-tokens HTTP/1.1\r\nHost: 127.0.0.1.evil.example:%s\r\n"
                             "Content-Length: 2\r\n\r\n{}", port), 403);
    buf_release(&b);
    /* another port is another server */
    assert_int_equal(raw(&b, "GET /_mock/stats HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n"), 403);
    buf_release(&b);
    /* the portal pages too */
    assert_int_equal(raw(&b, "GET /connectors HTTP/1.1\r\nHost: 127.evil.example:%s\r\n\r\n", port),
                     421);
    buf_release(&b);
    assert_int_equal(raw(&b, "GET /activities HTTP/1.1\r\nHost: evil.example\r\n\r\n"), 421);
    buf_release(&b);

    /* the names it listens on, and the one given with --allow-host */
    const char *good[] = {"127.0.0.1", "localhost", "LOCALHOST", "[::1]", "cas.test"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(raw(&b, "GET /_mock/stats HTTP/1.1\r\nHost: %s:%s\r\n\r\n", good[i], port),
                         200);
        buf_release(&b);
        assert_int_equal(raw(&b, "GET /connectors HTTP/1.1\r\nHost: %s:%s\r\n\r\n", good[i], port),
                         200);
        buf_release(&b);
    }
}

/* ------------------------------------------------------------------ */
/* Item 8: request framing a strict server would read otherwise        */

/* Sends req on a fresh connection and reads until the double closes it;
 * returns what came back in out (created here). */
static void exchange(const char *req, struct buf *out)
{
    int fd = rawhttp_connect(dbl.url, NULL, 5000);
    assert_true(fd >= 0);
    assert_int_equal(rawhttp_send(fd, req, strlen(req)), 0);
    buf_init(out, 1 << 20);
    /* the double closes after a refusal: a time limit here is a failure */
    assert_int_equal(rawhttp_read(fd, out, 10000), 1);
    close(fd);
}

/* exchange(), then: exactly one answer, with this status line and text. */
static void expect_one_answer(const char *req, const char *status_line, const char *needle)
{
    struct buf b;
    exchange(req, &b);
    assert_int_equal(rawhttp_count_status(b.ptr, b.len), 1);
    assert_non_null(strstr(b.ptr, status_line));
    if (needle)
        assert_non_null(strstr(b.ptr, needle));
    assert_null(strstr(b.ptr, "activitiesStored"));
    buf_release(&b);
}

static void test_framing_refused_once(void **state)
{
    (void)state;
    char req[1024];
    struct buf b;
    /* two Content-Length values: one 400, and the rest is not read as a
     * second request */
    snprintf(req, sizeof req, "POST /_mock/instances HTTP/1.1\r\nHost: 127.0.0.1:%s\r\n"
             "Content-Length: 16\r\nContent-Length: 60\r\n\r\n{\"name\":\"x\"}    "
             "GET /_mock/stats HTTP/1.1\r\nHost: 127.0.0.1:%s\r\n\r\n", port, port);
    expect_one_answer(req, "HTTP/1.1 400", "Content-Length headers");
    /* an unknown Transfer-Encoding: 501 at once, not a wait for the end */
    snprintf(req, sizeof req, "POST /_mock/instances HTTP/1.1\r\nHost: 127.0.0.1:%s\r\n"
             "Transfer-Encoding: gzip\r\n\r\n{\"name\":\"x\"}", port);
    expect_one_answer(req, "HTTP/1.1 501", "'gzip'");
    /* Transfer-Encoding and Content-Length together */
    snprintf(req, sizeof req, "POST /_mock/instances HTTP/1.1\r\nHost: 127.0.0.1:%s\r\n"
             "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", port);
    expect_one_answer(req, "HTTP/1.1 400", NULL);
    /* a Content-Length that is not a number (negative, or with letters):
     * one 400 in CAS's error shape, not libmicrohttpd 0.9.75's status
     * line written twice */
    const char *bad_lengths[] = {"-1", "12abc", " "};
    for (size_t i = 0; i < sizeof bad_lengths / sizeof bad_lengths[0]; i++) {
        snprintf(req, sizeof req, "POST /_mock/instances HTTP/1.1\r\nHost: 127.0.0.1:%s\r\n"
                 "Content-Length: %s\r\n\r\n{}", port, bad_lengths[i]);
        expect_one_answer(req, "HTTP/1.1 400", "\"Content-Length");
    }
    /* a number past 64 bits: one 413 */
    snprintf(req, sizeof req, "POST /_mock/instances HTTP/1.1\r\nHost: 127.0.0.1:%s\r\n"
             "Content-Length: 99999999999999999999999\r\n\r\n{}", port);
    expect_one_answer(req, "HTTP/1.1 413", "\"Content-Length");
    /* chunked alone is fine */
    assert_int_equal(raw(&b, "POST /_mock/api-tokens HTTP/1.1\r\nHost: 127.0.0.1:%s\r\n"
                             "Transfer-Encoding: chunked\r\n\r\nc\r\n{\"name\":\"x\"}\r\n0\r\n\r\n",
                         port), 200);
    buf_release(&b);
}

/* The documented header room: 7 KiB of line and headers in up to 128
 * headers is served; more is answered 431, not a closed connection. */
static void test_header_room(void **state)
{
    (void)state;
    struct buf h, b;
    buf_init(&h, 64 * 1024);
    for (int i = 0; i < 128; i++)
        buf_printf(&h, "X-%d: %.*s\r\n", i, 40, "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv");
    assert_true(h.len < 7 * 1024);
    assert_int_equal(raw(&b, "GET /_mock/stats HTTP/1.1\r\nHost: 127.0.0.1:%s\r\n%s\r\n", port,
                         h.ptr), 200);
    buf_release(&b);
    for (int i = 128; i < 160; i++)
        buf_printf(&h, "X-%d: %.*s\r\n", i, 40, "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv");
    assert_int_equal(raw(&b, "GET /_mock/stats HTTP/1.1\r\nHost: 127.0.0.1:%s\r\n%s\r\n", port,
                         h.ptr), 431);
    buf_release(&b);
    buf_release(&h);
}

/* ------------------------------------------------------------------ */
/* Item 3: connections per client address, and the request deadline    */

static void test_connection_policy(void **state)
{
    (void)state;
    struct child c;
    char *argv[] = {bin, "--listen", "127.0.0.1:0", "--conn-timeout", "1",
                    "--max-conns-per-client", "3", NULL};
    char err[512];
    if (spawn_double(argv, NULL, 10000, &c, err, sizeof err))
        fail_msg("cannot start mock-cas: %s", err);
    /* three idle connections from 127.0.0.2 are taken, a fourth is not */
    int held[3];
    for (int i = 0; i < 3; i++) {
        held[i] = rawhttp_connect(c.url, "127.0.0.2", 5000);
        assert_true(held[i] >= 0);
    }
    struct buf b;
    buf_init(&b, 4096);
    /* the guard counts a connection once libmicrohttpd took it: a request
     * on the third proves all three are counted */
    char req[1024];
    snprintf(req, sizeof req, "GET /_mock/clock HTTP/1.1\r\nHost: %.200s\r\n\r\n", c.url + 7);
    assert_int_equal(rawhttp_send(held[2], req, strlen(req)), 0);
    assert_int_equal(rawhttp_read_response(held[2], &b, 5000), 200);
    buf_release(&b);
    int extra = rawhttp_connect(c.url, "127.0.0.2", 5000);
    assert_true(extra >= 0);
    buf_init(&b, 4096);
    rawhttp_send(extra, req, strlen(req));
    assert_int_equal(rawhttp_read(extra, &b, 10000), 1);     /* closed, unanswered */
    assert_int_equal(b.len, 0);
    buf_release(&b);
    close(extra);
    /* another client is served meanwhile */
    int other = rawhttp_connect(c.url, "127.0.0.1", 5000);
    assert_true(other >= 0);
    buf_init(&b, 4096);
    rawhttp_send(other, req, strlen(req));
    assert_int_equal(rawhttp_read_response(other, &b, 5000), 200);
    buf_release(&b);
    close(other);

    /* an idle connection, and one that sends its headers a line at a time,
     * are closed once their second has passed, unanswered */
    buf_init(&b, 4096);
    assert_int_equal(rawhttp_read(held[0], &b, 15000), 1);
    assert_int_equal(b.len, 0);
    buf_release(&b);
    static const char line[] = "GET /_mock/clock HTTP/1.1\r\n";
    assert_int_equal(rawhttp_send(held[1], line, sizeof line - 1), 0);
    int closed = 0;
    for (int i = 0; i < 100 && !closed; i++) {
        buf_init(&b, 4096);
        if (rawhttp_send(held[1], "X-Slow: 1\r\n", 11))
            closed = 1;
        else
            closed = rawhttp_read(held[1], &b, 200) == 1;   /* paces the sender */
        assert_int_equal(b.len, 0);
        buf_release(&b);
    }
    assert_true(closed);
    for (int i = 0; i < 3; i++)
        close(held[i]);
    int st = spawn_stop(&c, 10000);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* ------------------------------------------------------------------ */
/* Items 4 and 7: what a strict reader reads otherwise; bounded bodies */

static char inst_token[65];
static char inst_path[128];

static long post_json(const char *path, const char *token, const char *body, size_t len,
                      cJSON **json)
{
    char url[512], auth[128];
    snprintf(url, sizeof url, "%s%s", dbl.url, path);
    snprintf(auth, sizeof auth, "Authorization: Token %s", token ? token : "");
    const char *h[] = {"Content-Type: application/json", auth, NULL};
    struct httpc_resp r;
    httpc_request("POST", url, h, body, len, NULL, &r);
    long st = r.status;
    *json = r.body.ptr ? cJSON_ParseWithLength(r.body.ptr, r.body.len) : NULL;
    httpc_resp_release(&r);
    return st;
}

static void new_instance(void)
{
    cJSON *j;
    assert_int_equal(post_json("/_mock/instances", NULL, "{\"name\":\"h\"}", 12, &j), 200);
    snprintf(inst_token, sizeof inst_token, "%s",
             cJSON_GetObjectItem(j, "token")->valuestring);
    snprintf(inst_path, sizeof inst_path, "/api/v1/app_connectors/%lld/activities/",
             (long long)cJSON_GetObjectItem(j, "instanceId")->valuedouble);
    cJSON_Delete(j);
}

/* A valid activity's text with extra bytes spliced in before its last '}'. */
static void activity_with(struct buf *b, const char *id, const char *extra)
{
    cJSON *a = support_simple(&map, id, 1764374400000LL, "ann@example.com");
    char *t = cJSON_PrintUnformatted(a);
    size_t n = strlen(t);
    buf_append(b, t, n - 1);
    buf_puts(b, extra);
    buf_puts(b, "}");
    free(t);
    cJSON_Delete(a);
}

static const char *status_of(const cJSON *answer, int i, const char **rule)
{
    const cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItem(answer, "results"), i);
    const cJSON *v = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "violations"), 0);
    *rule = v ? cJSON_GetObjectItem(v, "rule")->valuestring : "";
    return cJSON_GetObjectItem(r, "status")->valuestring;
}

static void test_strict_reader_items(void **state)
{
    (void)state;
    new_instance();
    struct buf b;
    buf_init(&b, 1 << 20);
    buf_puts(&b, "{\"activities\":[");
    activity_with(&b, "2.1.ok", "");
    buf_puts(&b, ",");
    activity_with(&b, "2.1.dup", ",\"appName\":\"Evil\"");          /* first value checked */
    buf_puts(&b, ",");
    activity_with(&b, "2.1.nul", ",\"note\":\"a\\u0000b\"");
    buf_puts(&b, ",");
    activity_with(&b, "2.1.utf8", ",\"note\":\"\xc3\x28\"");
    buf_puts(&b, ",");
    activity_with(&b, "2.1.ctrl", ",\"note\":\"a\x01z\"");
    buf_puts(&b, ",");
    activity_with(&b, "2.1.surr", ",\"note\":\"\\ud800\"");
    buf_puts(&b, "]}");
    cJSON *j;
    assert_int_equal(post_json(inst_path, inst_token, b.ptr, b.len, &j), 200);
    const char *rule, *want[] = {"", "JSON-001", "JSON-002", "JSON-003", "JSON-004", "JSON-003"};
    assert_string_equal(status_of(j, 0, &rule), "accepted");
    for (int i = 1; i < 6; i++) {
        assert_string_equal(status_of(j, i, &rule), "rejected");
        assert_string_equal(rule, want[i]);
    }
    cJSON_Delete(j);
    buf_release(&b);

    /* an escaped key is the same key to every reader */
    buf_init(&b, 1 << 20);
    buf_puts(&b, "{\"\\u0061ctivities\":[");
    activity_with(&b, "2.1.esc", "");
    buf_puts(&b, "]}");
    assert_int_equal(post_json(inst_path, inst_token, b.ptr, b.len, &j), 200);
    assert_int_equal((int)cJSON_GetObjectItem(j, "accepted")->valuedouble, 1);
    cJSON_Delete(j);
    /* ... and a second "activities", spelled differently, is refused whole */
    b.len--;
    buf_puts(&b, ",\"activities\":[]}");
    assert_int_equal(post_json(inst_path, inst_token, b.ptr, b.len, &j), 400);
    assert_non_null(strstr(cJSON_GetObjectItem(j, "message")->valuestring, "twice"));
    cJSON_Delete(j);
    buf_release(&b);
}

static void test_bounded_bodies(void **state)
{
    (void)state;
    new_instance();
    struct buf b;
    buf_init(&b, 16u << 20);
    buf_puts(&b, "{\"activities\":[0");
    for (int i = 0; i < 300000; i++)
        buf_puts(&b, ",0");
    buf_puts(&b, "]}");
    cJSON *j;
    assert_int_equal(post_json(inst_path, inst_token, b.ptr, b.len, &j), 413);
    assert_non_null(strstr(cJSON_GetObjectItem(j, "message")->valuestring, "JSON values"));
    cJSON_Delete(j);
    buf_release(&b);
    buf_init(&b, 1 << 20);
    buf_puts(&b, "{\"activities\":[");
    for (int i = 0; i < 100; i++)
        buf_puts(&b, "[");
    for (int i = 0; i < 100; i++)
        buf_puts(&b, "]");
    buf_puts(&b, "]}");
    assert_int_equal(post_json(inst_path, inst_token, b.ptr, b.len, &j), 413);
    assert_non_null(strstr(cJSON_GetObjectItem(j, "message")->valuestring, "deeper"));
    cJSON_Delete(j);
    buf_release(&b);
    /* the admin API too */
    assert_int_equal(post_json("/_mock/instances", NULL, "{\"name\":\"a\",\"name\":\"b\"}", 23, &j),
                     400);
    cJSON_Delete(j);
}

/* Item 8: a rule's token is JSON-escaped in the listing (the filter
 * message's bound: test_store's test_too_many_values). */
static void test_small_defects(void **state)
{
    (void)state;
    cJSON *j;
    static const char rule[] = "{\"token\":\"a\\\"b\",\"action\":\"close\",\"path\":\"/x\"}";
    assert_int_equal(post_json("/_mock/faults", NULL, rule, sizeof rule - 1, &j), 200);
    cJSON_Delete(j);
    char url[1024];
    snprintf(url, sizeof url, "%.900s/_mock/faults", dbl.url);
    struct httpc_resp r;
    httpc_request("GET", url, NULL, NULL, 0, NULL, &r);
    assert_int_equal(r.status, 200);
    j = cJSON_ParseWithLength(r.body.ptr, r.body.len);
    assert_non_null(j);
    cJSON_Delete(j);
    httpc_resp_release(&r);
    httpc_request("DELETE", url, NULL, NULL, 0, NULL, &r);
    httpc_resp_release(&r);

}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rebound_host_refused),
        cmocka_unit_test(test_framing_refused_once),
        cmocka_unit_test(test_header_room),
        cmocka_unit_test(test_connection_policy),
        cmocka_unit_test(test_strict_reader_items),
        cmocka_unit_test(test_bounded_bodies),
        cmocka_unit_test(test_small_defects),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
