/* kitpaths: the fixtures search order (option, $KIT_FIXTURES, beside the
 * executable, source tree), installed program names, --version text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kitpaths.h"

static char tmp[PATH_MAX];

static int setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof tmp, "%s/kitpaths.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_order(void **state)
{
    (void)state;
    char out[PATH_MAX];
    char a[PATH_MAX + 8], b[PATH_MAX + 8];
    snprintf(a, sizeof a, "%s/a", tmp);
    snprintf(b, sizeof b, "%s/b", tmp);
    assert_int_equal(mkdir(a, 0700), 0);
    assert_int_equal(mkdir(b, 0700), 0);

    /* an option wins over the environment */
    setenv("KIT_FIXTURES", b, 1);
    assert_int_equal(kit_fixtures_dir(a, out, sizeof out), 0);
    assert_string_equal(out, a);
    /* the environment next */
    assert_int_equal(kit_fixtures_dir(NULL, out, sizeof out), 0);
    assert_string_equal(out, b);
    assert_int_equal(kit_fixtures_dir("", out, sizeof out), 0);
    assert_string_equal(out, b);
    /* a given folder that does not exist is an error, not a fallback */
    char missing[PATH_MAX + 16];
    snprintf(missing, sizeof missing, "%s/missing", tmp);
    assert_int_equal(kit_fixtures_dir(missing, out, sizeof out), -1);
    /* an environment folder that does not exist is passed over; with no
     * installed tree beside the test program the source tree's follows */
    setenv("KIT_FIXTURES", missing, 1);
    assert_int_equal(kit_fixtures_dir(NULL, out, sizeof out), 0);
    assert_string_equal(out, KIT_SOURCE_FIXTURES);
    unsetenv("KIT_FIXTURES");
    assert_int_equal(kit_fixtures_dir(NULL, out, sizeof out), 0);
    assert_string_equal(out, KIT_SOURCE_FIXTURES);
    /* too small a buffer: an error, never a cut path */
    char small[4];
    assert_int_equal(kit_fixtures_dir(a, small, sizeof small), -1);
}

static void test_program_path(void **state)
{
    (void)state;
    char out[PATH_MAX];
    assert_int_equal(kit_program_path(tmp, "connector", out, sizeof out), 0);
    char want[PATH_MAX + 32];
    snprintf(want, sizeof want, "%s/connector", tmp);
    assert_string_equal(out, want);
    /* the installed name is preferred once it exists and is executable */
    char inst[PATH_MAX + 32];
    snprintf(inst, sizeof inst, "%s/" KIT_PROGRAM_PREFIX "connector", tmp);
    FILE *f = fopen(inst, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(kit_program_path(tmp, "connector", out, sizeof out), 0);
    assert_string_equal(out, want);      /* not executable: not taken */
    assert_int_equal(chmod(inst, 0700), 0);
    assert_int_equal(kit_program_path(tmp, "connector", out, sizeof out), 0);
    assert_string_equal(out, inst);
    char small[8];
    assert_int_equal(kit_program_path(tmp, "connector", small, sizeof small), -1);
}

static void test_self_dir(void **state)
{
    (void)state;
    char out[PATH_MAX], exe[PATH_MAX];
    assert_int_equal(kit_self_dir(out, sizeof out), 0);
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    assert_true(n > 0);
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    assert_string_equal(out, exe);
}

static void version_of(const char *argv0, const char *fallback, char *out, size_t cap)
{
    fflush(stdout);
    FILE *f = tmpfile();
    assert_non_null(f);
    int saved = dup(1);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(f), 1) >= 0);
    kit_print_version(argv0, fallback, 1);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    rewind(f);
    size_t n = fread(out, 1, cap - 1, f);
    out[n] = '\0';
    fclose(f);
}

static void test_version(void **state)
{
    (void)state;
    char out[512];
    version_of("/usr/bin/sscas-connector", "connector", out, sizeof out);
    assert_string_equal(out, "sscas-connector (" KIT_PACKAGE ") " KIT_VERSION
                             "\nconnector contract " KIT_CONTRACT_VERSION "\n");
    version_of(NULL, "connector", out, sizeof out);
    assert_non_null(strstr(out, "connector (" KIT_PACKAGE ")"));
    /* argv[0] is untrusted: no control characters, bounded length */
    version_of("evil\n\033[2Jname-that-goes-on-and-on-and-on-and-on-and-on-and-on-and-on-xx",
               "x", out, sizeof out);
    assert_null(strchr(out, '\033'));
    assert_true(strchr(out, '\n') - out < 64 + 20);
    assert_int_equal(strncmp(out, "evil?", 5), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_program_path),
        cmocka_unit_test(test_self_dir),
        cmocka_unit_test(test_version),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
