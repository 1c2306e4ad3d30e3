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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rebound_host_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
