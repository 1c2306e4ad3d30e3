/* Loading scenarios one after another on a running server's state
 * (ss_load_scenario, what POST /_mock/scenario does): nothing of the
 * previous scenario's settings carries over. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "dclock.h"
#include "server.h"
#include "tfx_support.h"

#define ORG(name, extra)                                                                  \
    "{\"name\":\"" name "\",\"recordedAt\":\"2026-01-10T00:00:00Z\","                      \
    "\"account\":{\"id\":5,\"name\":\"Org\",\"eventReporting\":true},"                    \
    "\"users\":[{\"id\":11,\"email\":\"a@x.example\",\"status\":\"ACTIVE\",\"admin\":true}]," \
    extra "\"eventPages\":[]}"

static void server_init(struct ss_server *s, const char *fixtures)
{
    memset(s, 0, sizeof *s);
    snprintf(s->fixtures_dir, sizeof s->fixtures_dir, "%s", fixtures);
    pthread_rwlock_init(&s->lock, NULL);
    s->oauth = oauth_new();
    s->rl = rl_new(RL_SLIDING, 300, 60000);
    s->rate_default_n = 300;
    s->rate_default_window_ms = 60000;
    s->faults = fault_set_new();
    s->journal = journal_new(16);
}

static void server_done(struct ss_server *s)
{
    journal_free(s->journal);
    fault_set_free(s->faults);
    rl_free(s->rl);
    oauth_free(s->oauth);
    ss_release_scenario(s);
    pthread_rwlock_destroy(&s->lock);
}

static void scenario_without_rate_limit_gets_the_default(void **state)
{
    (void)state;
    tfx_make("tight", ORG("tight", "\"rateLimit\":{\"requests\":5,\"seconds\":10},"), NULL, 0);
    const char *dir = tfx_make("plain", ORG("plain", ""), NULL, 0);
    struct ss_server s;
    server_init(&s, dir);
    char err[512];
    enum rl_algo algo;
    uint32_t n;
    int64_t window;

    if (ss_load_scenario(&s, "tight", err, sizeof err))
        fail_msg("%s", err);
    rl_get_config(s.rl, &algo, &n, &window);
    assert_int_equal(n, 5);
    assert_int_equal(window, 10000);

    if (ss_load_scenario(&s, "plain", err, sizeof err))
        fail_msg("%s", err);
    rl_get_config(s.rl, &algo, &n, &window);
    assert_int_equal(n, 300);
    assert_int_equal(window, 60000);

    server_done(&s);
    tfx_cleanup();
}

int main(void)
{
    dclock_init(1.0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scenario_without_rate_limit_gets_the_default),
    };
    return cmocka_run_group_tests_name("mock_smartsheet_reload", tests, NULL, NULL);
}
