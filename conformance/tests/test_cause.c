/* test_cause.c - blocking causes and report-safe text: what a failed stage
 * says, that the same failure in two tests is one cause and different
 * exit codes are two, and that connector output becomes text every
 * report format can carry (valid UTF-8, no control bytes, bounded). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "cause.h"
#include "ctext.h"

static void stage(struct ct_cause *c, const char *cmd, int code, double secs, const char *err,
                  const char *missing)
{
    struct ct_stage_run r = {.cmd = cmd, .exited = 1, .code = code, .seconds = secs,
                             .err = err, .err_len = strlen(err), .out = "", .out_len = 0,
                             .missing = missing};
    ct_cause_of_run(c, &r);
}

static void test_sentence(void **st)
{
    (void)st;
    struct ct_cause c;
    char text[1200];
    stage(&c, "authorize-url", 1, 0.02, "starting\nnot implemented\n\n", "without printing a URL");
    ct_cause_text(&c, c.seconds, c.seconds, text, sizeof text);
    assert_string_equal(text, "`authorize-url` exited 1 after 0.020 s without printing a URL; "
                              "stderr: not implemented");
    ct_cause_text(&c, 0.02, 1.5, text, sizeof text);
    assert_non_null(strstr(text, "after 0.020-1.500 s"));
    ct_cause_text(&c, 0.5, 1.5, text, sizeof text);
    assert_non_null(strstr(text, "after 0.50-1.50 s"));
    stage(&c, "sync", 1, 0.2, "", NULL);
    ct_cause_text(&c, c.seconds, c.seconds, text, sizeof text);
    assert_string_equal(text, "`sync` exited 1 after 0.20 s; it printed nothing");
    struct ct_stage_run killed = {.cmd = "sync", .exited = 0, .code = 9, .seconds = 1,
                                  .timed_out = 1, .saw = "mock-smartsheet got no API request"};
    ct_cause_of_run(&c, &killed);
    ct_cause_text(&c, 1, 1, text, sizeof text);
    assert_string_equal(text, "`sync` was stopped by the suite at its time limit after 1.00 s; "
                              "mock-smartsheet got no API request; it printed nothing");
    ct_cause_of_step(&c, "mock-smartsheet's consent page", "redirected without a Location");
    ct_cause_text(&c, -1, -1, text, sizeof text);
    assert_string_equal(text, "mock-smartsheet's consent page redirected without a Location");
}

static void test_same_cause_one_key(void **st)
{
    (void)st;
    struct ct_cause a, b, other;
    stage(&a, "authorize", 1, 0.01, "cannot reach http://127.0.0.1:40111/2.0/token\n", NULL);
    stage(&b, "authorize", 1, 0.30, "cannot reach http://127.0.0.1:35012/2.0/token\n", NULL);
    stage(&other, "authorize", 2, 0.01, "cannot reach http://127.0.0.1:40111/2.0/token\n", NULL);
    assert_string_equal(a.key, b.key);
    assert_string_not_equal(a.key, other.key);
    /* through JSON, as the runner reads it from a verdict line */
    struct buf j;
    buf_init(&j, 8192);
    ct_cause_json(&j, &a);
    cJSON *parsed = cJSON_Parse(j.ptr);
    struct ct_cause back;
    assert_int_equal(ct_cause_parse(parsed, &back), 0);
    assert_string_equal(back.key, a.key);
    assert_string_equal(back.tail, a.tail);
    cJSON_Delete(parsed);
    buf_release(&j);
    assert_int_equal(ct_cause_parse(NULL, &back), -1);
}

static void test_clean_text(void **st)
{
    (void)st;
    struct buf b;
    buf_init(&b, 4096);
    /* colour codes, CR, a NUL, a bell, invalid bytes, a surrogate, U+FFFF */
    static const char raw[] = "\x1b[31mred\x1b[0m\r\nnul:\0 bell:\a bad:\xff\xc0\xaf "
                              "sur:\xed\xa0\x80 nc:\xef\xbf\xbf ok:\xc3\xa9";
    assert_int_equal(ct_text_clean(&b, raw, sizeof raw - 1, 1), 0);
    assert_string_equal(b.ptr, "red\nnul:  bell:  bad:\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd "
                               "sur:\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd nc:\xef\xbf\xbd\xef"
                               "\xbf\xbd\xef\xbf\xbd ok:\xc3\xa9");
    buf_clear(&b);
    ct_text_clean(&b, "a\nb\tc", 5, 0);
    assert_string_equal(b.ptr, "a b c");
    buf_release(&b);
    /* bounded: a cap that is reached is reported */
    struct buf small;
    buf_init(&small, 8);
    assert_int_not_equal(ct_text_clean(&small, "0123456789abcdef", 16, 0), 0);
    buf_release(&small);
}

static void test_last_line_and_tail(void **st)
{
    (void)st;
    char line[16];
    ct_text_last_line("first\nsecond line that is long\n  \n", 34, line, sizeof line);
    assert_string_equal(line, "second line ...");
    ct_text_last_line(" \n\t\n", 4, line, sizeof line);
    assert_string_equal(line, "");
    /* a cut in the middle of a two-byte character is not kept */
    ct_text_last_line("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 16,
                      line, sizeof line);
    assert_string_equal(line, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...");
    size_t skipped;
    const char *text = "line one\nline two\nline three\n";
    const char *t = ct_text_tail(text, strlen(text), 14, &skipped);
    assert_string_equal(t, "line three\n");
    assert_int_equal(skipped, 18);
    t = ct_text_tail(text, strlen(text), 100, &skipped);
    assert_ptr_equal(t, text);
    assert_int_equal(skipped, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sentence),
        cmocka_unit_test(test_same_cause_one_key),
        cmocka_unit_test(test_clean_text),
        cmocka_unit_test(test_last_line_and_tail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
