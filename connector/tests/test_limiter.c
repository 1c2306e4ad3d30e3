/* The client-side budget and the retry schedule: never more than the
 * effective limit in any window (checked by brute force over a simulated
 * greedy client), the boundary of the window, halving; backoff monotone,
 * capped, jittered within bounds, divided by time_scale, budget-bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "../backoff.h"
#include "../limiter.h"

static void test_effective_margin(void **s)
{
    (void)s;
    assert_int_equal(conn_limiter_effective(300), 294);
    assert_int_equal(conn_limiter_effective(10), 9);
    assert_int_equal(conn_limiter_effective(2), 1);
    assert_int_equal(conn_limiter_effective(1), 1);
    assert_int_equal(conn_limiter_effective(1000), 980);
}

/* A greedy client that sends whenever allowed, for 5 windows; every
 * window ending at any request must hold at most the limit. */
static void test_sliding_window_never_exceeded(void **s)
{
    (void)s;
    const int64_t window = 1000;
    struct conn_limiter l;
    conn_limiter_init(&l, 300, window);
    int64_t *sent = calloc(4000, sizeof *sent);
    size_t n = 0;
    int64_t now = 0;
    while (now < 5 * window && n < 4000) {
        int64_t w = conn_limiter_wait_ms(&l, now);
        if (w == 0) {
            conn_limiter_record(&l, now);
            sent[n++] = now;
            now += (n % 7 == 0);       /* bursts, with time creeping on */
        } else {
            now += w;
        }
    }
    assert_true(n > 294 * 4);          /* it does use the budget */
    for (size_t i = 0; i < n; i++) {
        size_t in = 0;
        for (size_t j = 0; j <= i; j++)
            in += sent[j] > sent[i] - window;
        assert_true(in <= 294);
    }
    free(sent);
    conn_limiter_release(&l);
}

static void test_window_boundary(void **s)
{
    (void)s;
    struct conn_limiter l;
    conn_limiter_init(&l, 3, 100);     /* effective 2 */
    assert_int_equal(conn_limiter_wait_ms(&l, 0), 0);
    conn_limiter_record(&l, 0);
    conn_limiter_record(&l, 10);
    /* the request at 0 leaves the window ending at 100 only after 100 */
    assert_int_equal(conn_limiter_wait_ms(&l, 50), 51);
    assert_int_equal(conn_limiter_wait_ms(&l, 100), 1);
    assert_int_equal(conn_limiter_wait_ms(&l, 101), 0);
    conn_limiter_halve(&l);
    conn_limiter_record(&l, 101);
    assert_true(conn_limiter_wait_ms(&l, 102) > 0);
    assert_int_equal(conn_limiter_wait_ms(&l, 202), 0);
    conn_limiter_halve(&l);
    assert_int_equal(l.limit, 1);
    conn_limiter_release(&l);
}

static void test_backoff_schedule(void **s)
{
    (void)s;
    int64_t prev = 0;
    for (int a = 0; a < 20; a++) {
        int64_t lo = conn_backoff_delay(a, 1000, 60000, 0.0);
        int64_t hi = conn_backoff_delay(a, 1000, 60000, 0.999999);
        assert_true(lo >= prev);                   /* monotone */
        assert_true(hi <= 60000);                  /* capped */
        assert_true(lo * 2 >= hi - 1);             /* jitter within [d/2, d) */
        prev = lo;
    }
    assert_int_equal(conn_backoff_delay(0, 5000, 60000, 0.0), 2500);
    assert_int_equal(conn_backoff_delay(30, 5000, 60000, 0.0), 30000);
    for (int i = 0; i < 1000; i++) {
        double u = conn_backoff_unit();
        assert_true(u >= 0 && u < 1);
    }
}

static void test_backoff_scaled_and_bounded(void **s)
{
    (void)s;
    struct conn_backoff b;
    conn_backoff_init(&b, 60, 15 * 60 * 1000);
    /* first 429 wait: at least 2.5 s of duration time, divided by 60 */
    int64_t w = conn_backoff_next(&b, BACKOFF_BASE_429_MS, 0.0);
    assert_int_equal(w, 42);
    int steps = 1;
    while (conn_backoff_next(&b, BACKOFF_BASE_429_MS, 0.5) > 0 && steps < 1000)
        steps++;
    assert_true(steps < 1000);                     /* the budget ends it */
    assert_true(b.spent_ms <= 15 * 60 * 1000);
    conn_backoff_reset(&b);
    assert_int_equal(conn_backoff_next(&b, 1000, 0.0), 9);   /* ceil(500/60) */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_effective_margin),
        cmocka_unit_test(test_sliding_window_never_exceeded),
        cmocka_unit_test(test_window_boundary),
        cmocka_unit_test(test_backoff_schedule),
        cmocka_unit_test(test_backoff_scaled_and_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
