/* main.c - the conformance runner: options, then ct_run (runner.h). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "catalogue.h"
#include "kitpaths.h"
#include "ctenv.h"
#include "runner.h"
#include "strutil.h"

static const char usage[] =
    "Usage: conformance [options]\n\n"
    "Runs a connector against mock-smartsheet and mock-cas and judges it by the\n"
    "requirements of the connector contract (--list shows them).\n"
    "  --connector PATH     the connector executable to judge (default: the reference\n"
    "                       connector in BIN_DIR)\n"
    "  --only LIST          requirement ids and/or groups, comma-separated (RL-001,OAUTH)\n"
    "  --list               print the requirement catalogue and exit\n"
    "  --markdown           with --list: print it as conformance/requirements.md\n"
    "  --time-scale F       duration time runs F times faster (default 60; 1 for\n"
    "                       connectors without the time_scale setting)\n"
    "  --report-dir DIR     where summary.md, report.html, report.json,\n"
    "                       junit-<group>.xml and logs/ go, created if missing; what an\n"
    "                       earlier run wrote there is removed first (default\n"
    "                       $KIT_REPORT_DIR, else ./conformance-report)\n"
    "  --bin-dir DIR        where mock-smartsheet and mock-cas are (default $KIT_BIN_DIR,\n"
    "                       else the folder of this program; installed names\n"
    "                       " KIT_PROGRAM_PREFIX "mock-smartsheet etc. are tried first)\n"
    "  --fixtures DIR       fixtures for the suite, the doubles and (as $KIT_FIXTURES in\n"
    "                       its environment) the connector; default $KIT_FIXTURES, else\n"
    "                       ../share/" KIT_PACKAGE "/fixtures beside this program, else the\n"
    "                       source tree's\n"
    "  --jobs N             tests run at once (default 6)\n"
    "  --quiet              only the end summary (no progress lines, no heartbeat)\n"
    "  --fail-fast          stop at the first failed MUST (the rest: not judged)\n"
    "  --help, --version\n"
    "exit: 0 every MUST passed, 1 a MUST failed or was not judged, 2 usage or an\n"
    "unwritable report folder\n";

static int list_catalogue(int markdown)
{
    if (markdown) {
        struct buf b;
        buf_init(&b, 1024 * 1024);
        int rc = ct_catalogue_markdown(&b);
        if (!rc)
            fputs(b.ptr, stdout);
        buf_release(&b);
        return rc ? 1 : 0;
    }
    for (size_t i = 0; i < ct_catalogue_count(); i++) {
        const struct ct_req *r = ct_catalogue_at(i);
        printf("%-9s %-6s %-6s %s  [%s]\n", r->id, r->group, ct_level_name(r->level),
               r->statement, r->source);
    }
    return 0;
}

/* Tests run in their own working folders: every path must be absolute. */
static void absolute(char *path, size_t cap)
{
    char real[PATH_MAX];
    if (path[0] != '/' && realpath(path, real))
        snprintf(path, cap, "%s", real);
}

int main(int argc, char **argv)
{
    const char *connector = NULL, *only = NULL, *report_dir = NULL, *bin_dir = NULL,
               *fixtures = NULL;
    int list = 0, markdown = 0, quiet = 0, fail_fast = 0;
    int64_t jobs = 6;
    double scale = 60;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        if (!strcmp(a, "--list")) {
            list = 1;
            takes = 0;
        } else if (!strcmp(a, "--markdown")) {
            markdown = 1;
            takes = 0;
        } else if (!strcmp(a, "--quiet")) {
            quiet = 1;
            takes = 0;
        } else if (!strcmp(a, "--fail-fast")) {
            fail_fast = 1;
            takes = 0;
        } else if (!strcmp(a, "--help")) {
            fputs(usage, stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            kit_print_version(argv[0], "conformance", 1);
            return 0;
        } else if (!v) {
            fprintf(stderr, "conformance: unknown option or missing value: %s\n%s", a, usage);
            return 2;
        } else if (!strcmp(a, "--connector")) {
            connector = v;
        } else if (!strcmp(a, "--only")) {
            only = v;
        } else if (!strcmp(a, "--report-dir")) {
            report_dir = v;
        } else if (!strcmp(a, "--bin-dir")) {
            bin_dir = v;
        } else if (!strcmp(a, "--fixtures")) {
            fixtures = v;
        } else if (!strcmp(a, "--time-scale")) {
            if (parse_double(v, 0.01, 100000, &scale)) {
                fprintf(stderr, "conformance: --time-scale wants a number in 0.01..100000\n");
                return 2;
            }
        } else if (!strcmp(a, "--jobs")) {
            if (parse_i64(v, 1, 16, &jobs)) {
                fprintf(stderr, "conformance: --jobs wants 1..16\n");
                return 2;
            }
        } else {
            fprintf(stderr, "conformance: unknown option %s\n%s", a, usage);
            return 2;
        }
        i += takes;
    }
    if (list)
        return list_catalogue(markdown);
    /* The tests are cmocka tests writing to their logs: a caller's JUnit
     * settings (make check's) are not theirs. */
    unsetenv("CMOCKA_MESSAGE_OUTPUT");
    unsetenv("CMOCKA_XML_FILE");

    if (!bin_dir || !*bin_dir)
        bin_dir = getenv("KIT_BIN_DIR");
    if (bin_dir && *bin_dir)
        snprintf(ct_opts.bin_dir, sizeof ct_opts.bin_dir, "%s", bin_dir);
    else
        kit_self_dir(ct_opts.bin_dir, sizeof ct_opts.bin_dir);
    /* One fixtures folder for all: the suite's checks, the doubles
     * (--fixtures) and the connector ($KIT_FIXTURES, CONTRACT.md 1). */
    if (kit_fixtures_dir(fixtures, ct_opts.fixtures, sizeof ct_opts.fixtures)) {
        fprintf(stderr, "conformance: %s\n",
                fixtures && *fixtures ? "the --fixtures folder does not exist"
                                      : "no fixtures folder found (give --fixtures DIR)");
        return 2;
    }
    if (connector && *connector)
        snprintf(ct_opts.connector, sizeof ct_opts.connector, "%s", connector);
    else if (kit_program_path(ct_opts.bin_dir, "connector", ct_opts.connector,
                              sizeof ct_opts.connector)) {
        fprintf(stderr, "conformance: --bin-dir is too long\n");
        return 2;
    }
    ct_opts.time_scale = scale;
    absolute(ct_opts.connector, sizeof ct_opts.connector);
    absolute(ct_opts.bin_dir, sizeof ct_opts.bin_dir);
    absolute(ct_opts.fixtures, sizeof ct_opts.fixtures);
    setenv("KIT_FIXTURES", ct_opts.fixtures, 1);
    if (access(ct_opts.connector, X_OK)) {
        fprintf(stderr, "conformance: the connector '%s' is not an executable\n",
                ct_opts.connector);
        return 2;
    }
    if (!report_dir || !*report_dir)
        report_dir = getenv("KIT_REPORT_DIR");
    struct ct_run_cfg cfg = {only, report_dir && *report_dir ? report_dir : "conformance-report",
                             (int)jobs, 180000, quiet, fail_fast};
    return ct_run(&cfg);
}
