/* test_judge.c - the pieces of judgement that work on data alone: the
 * rolling rate window, and the process watcher's view of command lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <cmocka.h>

#include "judge.h"
#include "procwatch.h"

static void test_window_edges(void **st)
{
    (void)st;
    /* Requests of token a at 0, 10 s, 59.999 s and 60 s; token b in between. */
    struct ct_req_time r[] = {
        {1, 0, "a"}, {2, 10000, "a"}, {3, 20000, "b"}, {4, 59999, "a"}, {5, 60000, "a"},
        {6, 60001, "b"},
    };
    long long end = 0;
    /* (t - 60 s, t]: at 59.999 s three of a's; at 60 s the one at 0 has left. */
    assert_int_equal(ct_busiest_window(r, 6, 60000, &end), 3);
    assert_int_equal(end, 4);
    /* A longer window holds all four of a's; b never mixes in. */
    assert_int_equal(ct_busiest_window(r, 6, 60001, &end), 4);
    assert_int_equal(end, 5);
    assert_int_equal(ct_busiest_window(r, 0, 60000, &end), 0);
}

static void test_window_any_order(void **st)
{
    (void)st;
    /* Journal order need not be time order. */
    struct ct_req_time r[] = {{9, 30000, "t"}, {7, 0, "t"}, {8, 1000, "t"}, {10, 61000, "t"}};
    long long end = 0;
    assert_int_equal(ct_busiest_window(r, 4, 60000, &end), 3);
    assert_int_equal(end, 9);
}

static void test_watch_sees_arguments(void **st)
{
    (void)st;
    char dir[] = "/tmp/ct-watch-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct ct_procwatch w;
    ct_procwatch_init(&w);
    /* A helper living 200 ms with a needle on its command line, as a child
     * of the watched program. */
    char *argv[] = {"/bin/sh", "-c", "sh -c 'sleep 0.2; true' helper conformance-needle-7; echo out",
                    NULL};
    struct run_result r;
    assert_int_equal(ct_run_watched(argv, dir, 10000, NULL, 0, &w, &r), 0);
    assert_true(r.exited);
    assert_int_equal(r.code, 0);
    assert_string_equal(r.out.ptr, "out\n");
    assert_true(w.processes >= 2);
    assert_non_null(strstr(w.text.ptr, "conformance-needle-7"));
    run_result_release(&r);
    ct_procwatch_release(&w);
    assert_int_equal(rmdir(dir), 0);   /* capture files are removed */
}

/* A helper that leaves the process group (setsid) is still watched: the
 * test is a child subreaper and follows descendants by parent. */
static void test_watch_follows_setsid(void **st)
{
    (void)st;
    char dir[] = "/tmp/ct-watch-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct ct_procwatch w;
    ct_procwatch_init(&w);
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    char *argv[] = {"/bin/sh", "-c",
                    "setsid sh -c 'sleep 0.3' away conformance-needle-9 </dev/null >/dev/null 2>&1 &"
                    " sleep 0.4", NULL};
    struct run_result r;
    assert_int_equal(ct_run_watched(argv, dir, 10000, NULL, 0, &w, &r), 0);
    assert_non_null(strstr(w.text.ptr, "conformance-needle-9"));
    run_result_release(&r);
    ct_procwatch_release(&w);
    assert_int_equal(rmdir(dir), 0);
}

#define TORN_LEN 12000   /* spans pages: a read during exec could tear */

/* In the child: exec ourselves n more times, with a command line of
 * TORN_LEN 'a's or 'b's in turn. */
static int exec_loop(const char *self, long n)
{
    if (n <= 0)
        return 0;
    static char arg[TORN_LEN + 1], count[32];
    memset(arg, n % 2 ? 'a' : 'b', TORN_LEN);
    snprintf(count, sizeof count, "%ld", n - 1);
    char *argv[] = {(char *)self, "--exec-loop", count, arg, NULL};
    execv(self, argv);
    return 127;
}

/* A command line read while the process execs can come back half old,
 * half new; the watcher must never record such a mix (it would see a
 * secret's head without its tail, and call a callback URL a leak). */
static void test_watch_never_torn(void **st)
{
    (void)st;
    char dir[] = "/tmp/ct-watch-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct ct_procwatch w;
    ct_procwatch_init(&w);
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    assert_true(n > 0);
    self[n] = '\0';
    char *argv[] = {self, "--exec-loop", "150", "start", NULL};
    struct run_result r;
    assert_int_equal(ct_run_watched(argv, dir, 60000, NULL, 0, &w, &r), 0);
    assert_true(r.exited);
    int lines = 0;
    for (char *p = w.text.ptr; p && (p = strstr(p, "--exec-loop ")); p++) {
        char *arg = strchr(p + 12, ' ');
        assert_non_null(arg);
        arg++;
        size_t len = strcspn(arg, "\n");
        /* "start", or one whole run of a single letter (a trailing space
         * ends the NUL-separated list) */
        while (len && arg[len - 1] == ' ')
            len--;
        int whole = (len == 5 && !strncmp(arg, "start", 5)) || len == TORN_LEN;
        for (size_t i = 1; whole && len == TORN_LEN && i < len; i++)
            whole = arg[i] == arg[0];
        if (!whole)
            fail_msg("a torn command line was recorded (%zu characters)", len);
        lines++;
    }
    assert_true(lines > 0);
    run_result_release(&r);
    ct_procwatch_release(&w);
    assert_int_equal(rmdir(dir), 0);
}

static void test_watch_timeout(void **st)
{
    (void)st;
    char dir[] = "/tmp/ct-watch-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct ct_procwatch w;
    ct_procwatch_init(&w);
    char *argv[] = {"/bin/sleep", "30", NULL};
    struct run_result r;
    assert_int_equal(ct_run_watched(argv, dir, 300, NULL, 0, &w, &r), 0);
    assert_true(r.timed_out);
    assert_false(r.exited);
    run_result_release(&r);
    ct_procwatch_release(&w);
    assert_int_equal(rmdir(dir), 0);
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "--exec-loop"))
        return exec_loop(argv[0], atol(argv[2]));
    /* The watcher samples this program's process group (in the suite, a
     * group per test); here it may also see the shell that started us. */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window_edges),
        cmocka_unit_test(test_window_any_order),
        cmocka_unit_test(test_watch_sees_arguments),
        cmocka_unit_test(test_watch_follows_setsid),
        cmocka_unit_test(test_watch_never_torn),
        cmocka_unit_test(test_watch_timeout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
