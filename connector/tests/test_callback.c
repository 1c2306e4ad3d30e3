/* The OAuth callback URL is hostile input: huge, badly encoded, repeated
 * parameters, missing parts.  Each is refused with a message (never
 * quoting a code or state) or parsed exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../callback.h"

static struct conn_callback cb;

static int parse(const char *url, char *err, size_t cap)
{
    err[0] = '\0';
    return conn_callback_parse(url, &cb, err, cap);
}

static void test_normal_callback(void **s)
{
    (void)s;
    char err[300];
    assert_int_equal(parse("http://127.0.0.1:4302/api/oauth/saga?code=ab%2Bc+d&expires_in=599"
                           "135&state=0123abcd#frag", err, sizeof err), 0);
    assert_true(cb.has_code && cb.has_state && !cb.has_error);
    assert_string_equal(cb.code, "ab+c d");
    assert_string_equal(cb.state, "0123abcd");
    assert_string_equal(cb.base, "http://127.0.0.1:4302/api/oauth/saga");
    assert_true(conn_callback_base_matches(cb.base, "http://127.0.0.1:4302/api/oauth/saga/"));
    assert_false(conn_callback_base_matches(cb.base, "http://127.0.0.1:4302/api/oauth"));
    assert_false(conn_callback_base_matches(cb.base, "http://evil.example/api/oauth/saga"));
}

static void test_denied_callback(void **s)
{
    (void)s;
    char err[300];
    assert_int_equal(parse("https://h/api/oauth/saga?error=access_denied&state=s1", err,
                           sizeof err), 0);
    assert_true(cb.has_error && !cb.has_code);
    assert_string_equal(cb.error, "access_denied");
    assert_int_equal(parse("https://h/x?error=&state=s1", err, sizeof err), 0);
    assert_true(cb.has_error);
}

static void test_missing_parts(void **s)
{
    (void)s;
    char err[300];
    assert_int_equal(parse("http://h/api/oauth/saga", err, sizeof err), -1);
    assert_int_equal(parse("http://h/api/oauth/saga#code=1&state=2", err, sizeof err), -1);
    assert_int_equal(parse("", err, sizeof err), -1);
    assert_int_equal(parse("javascript:alert(1)", err, sizeof err), -1);
    assert_int_equal(parse("http://h/p?code=abc", err, sizeof err), 0);
    assert_false(cb.has_state);
    assert_int_equal(parse("http://h/p?code=&state=", err, sizeof err), 0);
    assert_false(cb.has_code);
    assert_false(cb.has_state);
    assert_int_equal(parse("http://h/p?&&=&code&state=x&&", err, sizeof err), 0);
    assert_true(cb.has_state);
}

static void test_duplicates_refused(void **s)
{
    (void)s;
    char err[300];
    assert_int_equal(parse("http://h/p?code=SECRETCODE1&state=a&code=SECRETCODE2", err,
                           sizeof err), -1);
    assert_non_null(strstr(err, "code"));
    assert_null(strstr(err, "SECRETCODE"));
    assert_int_equal(parse("http://h/p?code=c&state=a&state=b", err, sizeof err), -1);
    assert_int_equal(parse("http://h/p?error=a&error=b", err, sizeof err), -1);
    /* the same name spelled with percent-encoding is the same parameter */
    assert_int_equal(parse("http://h/p?code=c&%73tate=a&state=b", err, sizeof err), -1);
}

static void test_bad_encoding_refused(void **s)
{
    (void)s;
    char err[300];
    assert_int_equal(parse("http://h/p?code=%zz&state=a", err, sizeof err), -1);
    assert_int_equal(parse("http://h/p?code=abc%&state=a", err, sizeof err), -1);
    assert_int_equal(parse("http://h/p?code=abc%4&state=a", err, sizeof err), -1);
    assert_int_equal(parse("http://h/p?code=a b&state=a", err, sizeof err), -1);
    assert_int_equal(parse("http://h/p?code=a\r\nX: y&state=a", err, sizeof err), -1);
}

static void test_huge_input(void **s)
{
    (void)s;
    char err[300];
    size_t n = 1u << 20;
    char *u = malloc(n + 1);
    memcpy(u, "http://h/p?code=", 16);
    memset(u + 16, 'a', n - 16);
    u[n] = '\0';
    assert_int_equal(parse(u, err, sizeof err), -1);
    /* a value just over the per-value cap inside an acceptable URL */
    size_t m = CALLBACK_MAX_VALUE + 100;
    memcpy(u, "http://h/p?state=s&code=", 24);
    memset(u + 24, 'b', m);
    u[24 + m] = '\0';
    assert_int_equal(parse(u, err, sizeof err), -1);
    /* many parameters */
    size_t o = 0;
    o += (size_t)sprintf(u, "http://h/p?");
    for (int i = 0; i < 400; i++)
        o += (size_t)sprintf(u + o, "x%d=1&", i);
    assert_int_equal(parse(u, err, sizeof err), -1);
    free(u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normal_callback),  cmocka_unit_test(test_denied_callback),
        cmocka_unit_test(test_missing_parts),    cmocka_unit_test(test_duplicates_refused),
        cmocka_unit_test(test_bad_encoding_refused), cmocka_unit_test(test_huge_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
