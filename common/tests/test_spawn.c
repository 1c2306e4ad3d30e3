/* spawn_run: a command past its time limit is killed with the processes it
 * started (none left running), and the call returns even when one of them
 * kept the output pipes open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "spawn.h"
#include "strutil.h"

/* Whether pid exists and is not a zombie (/proc/pid/stat's state). */
static int still_running(pid_t pid)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = '\0';
    const char *rp = strrchr(line, ')');
    return rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
}

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
    /* killed with its parent: gone, or a zombie waiting for init (bounded) */
    int running = 1;
    for (int i = 0; i < 5000 && running; i++) {
        running = still_running((pid_t)grandchild);
        if (running) {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
    }
    if (running)
        kill((pid_t)grandchild, SIGKILL);   /* do not leave it behind either way */
    assert_false(running);
    run_result_release(&r);
}

/* A double that gives up before announcing its address: the error says
 * what it wrote last in its log. */
static void double_that_exits_early_says_why(void **state)
{
    (void)state;
    char log[] = "/tmp/test-spawn-log-XXXXXX";
    int fd = mkstemp(log);
    assert_true(fd >= 0);
    close(fd);
    char *argv[] = {"/bin/sh", "-c",
                    "echo 'starting' >&2; echo \"scenario 'x': cannot open\" >&2; exit 2", NULL};
    struct child c;
    char err[400];
    assert_int_equal(spawn_double(argv, log, 10000, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "exited before announcing its address: scenario 'x': cannot open"));
    unlink(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(killed_command_returns_despite_a_grandchild_holding_the_pipes),
        cmocka_unit_test(double_that_exits_early_says_why),
    };
    return cmocka_run_group_tests_name("spawn", tests, NULL, NULL);
}
