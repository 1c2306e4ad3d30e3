/* Bounded parsers and buffers fed good and bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dclock.h"
#include "http.h"
#include "rng.h"
#include "strutil.h"

static void integers(void **state)
{
    (void)state;
    int64_t v = 7;
    assert_int_equal(parse_i64("42", 0, 100, &v), 0);
    assert_int_equal(v, 42);
    const char *bad[] = {"", " 1", "1 ", "1x", "x", "101", "-1", "99999999999999999999", "0x10"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = 7;
        assert_int_equal(parse_i64(bad[i], 0, 100, &v), -1);
        assert_int_equal(v, 7);   /* untouched on failure */
    }
    double d;
    assert_int_equal(parse_double("nan", 0, 1, &d), -1);
    assert_int_equal(parse_double("inf", 0, 1e9, &d), -1);
    assert_int_equal(parse_double("0.5", 0, 1, &d), 0);
    int b;
    assert_int_equal(parse_bool("TRUE", &b), 0);
    assert_int_equal(b, 1);
    assert_int_equal(parse_bool("False", &b), 0);
    assert_int_equal(b, 0);
    assert_int_equal(parse_bool("1", &b), -1);
    assert_int_equal(parse_bool("truex", &b), -1);
    assert_int_equal(parse_bool("", &b), -1);
}

static void iso8601_forms(void **state)
{
    (void)state;
    int64_t ms;
    assert_int_equal(parse_iso8601_ms("2024-01-01T00:00:00Z", &ms), 0);
    assert_int_equal(ms, 1704067200000LL);
    /* the forms the Java and Python SDKs send */
    assert_int_equal(parse_iso8601_ms("2024-01-01T00:00:00+0000", &ms), 0);
    assert_int_equal(ms, 1704067200000LL);
    assert_int_equal(parse_iso8601_ms("2024-01-01 00:00:00", &ms), 0);
    assert_int_equal(ms, 1704067200000LL);
    assert_int_equal(parse_iso8601_ms("2024-01-01T01:00:00+01:00", &ms), 0);
    assert_int_equal(ms, 1704067200000LL);
    assert_int_equal(parse_iso8601_ms("2024-01-01T00:00:00.250Z", &ms), 0);
    assert_int_equal(ms, 1704067200250LL);
    assert_int_equal(parse_iso8601_ms("2024-02-29T00:00:00Z", &ms), 0);     /* leap day */
    assert_int_equal(parse_iso8601_ms("2000-02-29T00:00:00Z", &ms), 0);
    const char *bad[] = {"", "2024-01-01", "2024-13-01T00:00:00Z", "2024-01-01T24:00:00Z",
                         "2024-01-01T00:00:00Zjunk", "2024-01-01T00:00:00+2", "2024-01-01X00:00:00Z",
                         "20a4-01-01T00:00:00Z", "2024-01-01T00:00:00.",
                         "2026-02-30T00:00:00Z", "2026-04-31T00:00:00Z", "2025-02-29T00:00:00Z",
                         "2100-02-29T00:00:00Z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(parse_iso8601_ms(bad[i], &ms), -1);
    char out[32];
    format_iso8601(1704067200999LL, out);
    assert_string_equal(out, "2024-01-01T00:00:00Z");
}

static void url_decoding(void **state)
{
    (void)state;
    char out[16];
    assert_int_equal(url_decode("a%20b+c", 7, out, sizeof out), 5);
    assert_string_equal(out, "a b c");
    assert_int_equal(url_decode("%", 1, out, sizeof out), -1);
    assert_int_equal(url_decode("%2", 2, out, sizeof out), -1);
    assert_int_equal(url_decode("%zz", 3, out, sizeof out), -1);
    assert_int_equal(url_decode("0123456789abcdefg", 17, out, sizeof out), -1);  /* too long */
    const char *form = "grant_type=authorization_code&code=ab%2Fc&empty=&flag&code=second";
    assert_int_equal(form_get(form, strlen(form), "code", out, sizeof out), 1);
    assert_string_equal(out, "ab/c");                          /* the first value wins */
    assert_int_equal(form_get(form, strlen(form), "empty", out, sizeof out), 1);
    assert_string_equal(out, "");
    assert_int_equal(form_get(form, strlen(form), "flag", out, sizeof out), 1);
    assert_int_equal(form_get(form, strlen(form), "missing", out, sizeof out), 0);
    assert_int_equal(form_get("x=%G1", 5, "x", out, sizeof out), -1);
    char tiny[4];
    assert_int_equal(form_get("x=12345", 7, "x", tiny, sizeof tiny), -1);
}

static void arrival_clocks_agree_with_the_plain_ones(void **state)
{
    (void)state;
    dclock_init(60);
    for (int i = 0; i < 3; i++) {
        int64_t wall_before = dclock_wall_ms(), dur_before = dclock_now_ms();
        int64_t wall, dur;
        dclock_arrival(&wall, &dur);
        int64_t wall_after = dclock_wall_ms(), dur_after = dclock_now_ms();
        /* derived from the monotonic clock: within a few ms of the real one */
        assert_true(wall >= wall_before - 5 && wall <= wall_after + 5);
        assert_true(dur >= dur_before && dur <= dur_after);
        dclock_jump(1000);
        dclock_arrival(&wall, &dur);
        assert_true(dur >= dur_after + 1000);
    }
    dclock_init(1);
}

static void one_pass_lookup(void **state)
{
    (void)state;
    static const char *const names[] = {"since", "maxCount", "to", "flag", "code"};
    const char *q = "maxCount=10&m%61xCount=99&since=2020-01-01T00%3A00%3A00Z&flag&=x&code=%G1";
    struct form_raw f[5];
    form_find(q, strlen(q), names, 5, f);
    char out[64];
    assert_int_equal(form_decode(&f[0], out, sizeof out), 1);
    assert_string_equal(out, "2020-01-01T00:00:00Z");
    assert_int_equal(form_decode(&f[1], out, sizeof out), 1);
    assert_string_equal(out, "10");                       /* the first wins, encoded or not */
    assert_int_equal(form_decode(&f[2], out, sizeof out), 0);   /* absent */
    assert_int_equal(form_decode(&f[3], out, sizeof out), 1);   /* no '=': empty */
    assert_string_equal(out, "");
    assert_int_equal(form_decode(&f[4], out, sizeof out), -1);  /* malformed */
    char tiny[4];
    assert_int_equal(form_decode(&f[0], tiny, sizeof tiny), -1); /* does not fit */
    form_find("", 0, names, 5, f);
    assert_null(f[0].value);
}

static void buffers_enforce_their_cap(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 8);
    assert_int_equal(buf_puts(&b, "1234"), BUF_OK);
    assert_int_equal(buf_puts(&b, "5678"), BUF_OK);
    assert_string_equal(b.ptr, "12345678");
    assert_int_equal(buf_puts(&b, "9"), BUF_TOO_LARGE);
    assert_null(b.ptr);                                   /* freed, nothing half-built */
    assert_int_equal(buf_puts(&b, "a"), BUF_TOO_LARGE);   /* sticky */
    buf_release(&b);

    buf_init(&b, 1024);
    buf_json_str(&b, "a\"b\\c\n\x01", 7);
    assert_string_equal(b.ptr, "\"a\\\"b\\\\c\\n\\u0001\"");
    buf_clear(&b);
    buf_urlenc(&b, "a b/c~", 6);
    assert_string_equal(b.ptr, "a%20b%2Fc~");
    size_t len;
    char *taken = buf_take(&b, &len);
    assert_int_equal(len, 10);
    assert_null(b.ptr);
    free(taken);
    buf_release(&b);
}

static void secrets(void **state)
{
    (void)state;
    char a[33], b[33];
    rng_hex(a, 16);
    rng_hex(b, 16);
    assert_int_equal(strlen(a), 32);
    assert_string_not_equal(a, b);
    assert_true(rng_equal(a, 32, a, 32));
    assert_false(rng_equal(a, 32, b, 32));
    assert_false(rng_equal(a, 32, a, 31));
    char h[65];
    sha256_hex("abc", 3, h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* the memo gives the same digests, for short and long secrets alike */
    struct sha256_memo *m = sha256_memo_new();
    char h2[65], want[65];
    for (int round = 0; round < 2; round++) {
        sha256_memo_hex(m, "abc", 3, h2);
        assert_string_equal(h2, h);
        sha256_memo_hex(m, "abd", 3, h2);
        sha256_hex("abd", 3, want);
        assert_string_equal(h2, want);
    }
    char big[SHA256_MEMO_MAX + 10];
    memset(big, 'q', sizeof big);
    sha256_memo_hex(m, big, sizeof big, h2);
    sha256_hex(big, sizeof big, want);
    assert_string_equal(h2, want);
    sha256_memo_hex(m, "ab", 2, h2);                     /* a prefix is not a match */
    sha256_hex("ab", 2, want);
    assert_string_equal(h2, want);
    sha256_memo_free(m);
    char t[21];
    rng_token(t, 20);
    for (int i = 0; i < 20; i++)
        assert_true((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9'));
}

static int gzip_for(const char *accept_encoding)
{
    const char *headers[] = {accept_encoding, NULL};
    struct http_req req = {.method = "GET", .path = "/", .query = "", .body = "",
                           .test_headers = headers};
    return http_accepts_gzip(&req);
}

static void accept_encoding_weights(void **state)
{
    (void)state;
    assert_true(gzip_for("Accept-Encoding: gzip, deflate"));
    assert_true(gzip_for("Accept-Encoding: gzip;q=0.5"));
    assert_true(gzip_for("Accept-Encoding: gzip;q=0.05"));
    assert_false(gzip_for("Accept-Encoding: gzip;q=0"));
    assert_false(gzip_for("Accept-Encoding: gzip;q=0.000, identity"));
    assert_false(gzip_for("Accept-Encoding: identity"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(integers),
        cmocka_unit_test(iso8601_forms),
        cmocka_unit_test(url_decoding),
        cmocka_unit_test(one_pass_lookup),
        cmocka_unit_test(arrival_clocks_agree_with_the_plain_ones),
        cmocka_unit_test(buffers_enforce_their_cap),
        cmocka_unit_test(secrets),
        cmocka_unit_test(accept_encoding_weights),
    };
    return cmocka_run_group_tests_name("parsers", tests, NULL, NULL);
}
