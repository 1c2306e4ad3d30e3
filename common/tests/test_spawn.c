/* spawn_run: a command past its time limit is killed and the call returns,
 * even when a process it started keeps the output pipes open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "spawn.h"
#include "strutil.h"

static void killed_command_returns_despite_a_grandchild_holding_the_pipes(void **state)
{
    (void)state;
    /* the background sleep inherits stdout and stderr; its PID comes first */
    char *argv[] = {"/bin/sh", "-c", "sleep 600 & echo $!; exec sleep 600", NULL};
    struct run_result r;
    assert_int_equal(spawn_run(argv, NULL, 200, -1, &r), 0);
    assert_true(r.timed_out);
    assert_false(r.exited);
    int64_t grandchild = 0;
    char *nl = strchr(r.out.ptr, '\n');
    if (nl)
        *nl = '\0';
    assert_int_equal(parse_i64(r.out.ptr, 2, INT32_MAX, &grandchild), 0);
    kill((pid_t)grandchild, SIGKILL);
    run_result_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(killed_command_returns_despite_a_grandchild_holding_the_pipes),
    };
    return cmocka_run_group_tests_name("spawn", tests, NULL, NULL);
}
