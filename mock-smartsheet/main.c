/* mock-smartsheet: a faithful Smartsheet API double.  main() parses the
 * command line, loads the scenario, serves until SIGTERM/SIGINT. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dclock.h"
#include "log.h"
#include "rng.h"
#include "server.h"
#include "sserror.h"
#include "strutil.h"

static const char usage[] =
    "Usage: mock-smartsheet [options]\n\n"
    "A test double of the Smartsheet API (OAuth, Users, Event Reporting).\n"
    "  --fixtures DIR           fixtures folder (default: see below)\n"
    "  --scenario NAME          scenario to serve (default: default)\n"
    "  --rate-limit N/SECONDS   requests per access token per window (default 300/60)\n"
    "  --rate-limit-algorithm A sliding (default), fixed or gcra\n"
    "  --retry-after            send Retry-After on 429 (the real API documents none)\n"
    "  --code-lifetime MS       authorization codes live MS of duration time (default\n"
    "                           600000, ten minutes; the conformance suite lengthens it so\n"
    "                           that slow-starting connectors are judged fairly)\n"
    "  --app-host NAME          serve the consent page only to requests for Host NAME\n"
    "                           and the API only to other names, as Smartsheet's\n"
    "                           app.smartsheet.com and api.smartsheet.com (e.g.\n"
    "                           localhost: consent at http://localhost:PORT/b/authorize,\n"
    "                           API at http://127.0.0.1:PORT/2.0)\n";

int main(int argc, char **argv)
{
    /* Every request allocates and frees a few blocks of some KiB (request
     * state, rendered pages); with fastbins each of those sweeps them all
     * (malloc_consolidate). */
    mallopt(M_MXFAST, 0);
    /* Request bodies (up to 16 MiB) and parse arenas come from mmap and go
     * back to the system when freed: with glibc's sliding threshold they
     * came from the heap after the first one and stayed resident (~700 MB
     * after eight hostile bodies, issue #13 item 7). */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    struct ss_server s;
    memset(&s, 0, sizeof s);
    serveropts_init(&s.opts);
    s.opts.program = "mock-smartsheet";
    s.opts.usage = usage;
    const char *fixtures = NULL, *scenario = "default";
    enum rl_algo algo = RL_SLIDING;
    uint32_t limit = 300;
    int64_t window = 60000;
    int64_t code_life = 600000;

    for (int i = 1; i < argc; i++) {
        int r = serveropts_parse(&s.opts, argc, argv, &i);
        if (r < 0 || r == 2)
            return r < 0 ? 2 : 0;
        if (r > 0)
            continue;
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--retry-after")) {
            s.retry_after = 1;
        } else if (!v) {
            fprintf(stderr, "unknown option or missing value: '%.80s' (see --help)\n", a);
            return 2;
        } else if (!strcmp(a, "--fixtures")) {
            fixtures = argv[++i];
        } else if (!strcmp(a, "--scenario")) {
            scenario = argv[++i];
        } else if (!strcmp(a, "--rate-limit")) {
            if (rl_parse_spec(argv[++i], &limit, &window)) {
                fprintf(stderr, "--rate-limit wants N/SECONDS, e.g. 300/60\n");
                return 2;
            }
            s.rate_limit_from_cli = 1;
        } else if (!strcmp(a, "--code-lifetime")) {
            if (parse_i64(argv[++i], 1000, 86400000LL * 365, &code_life)) {
                fprintf(stderr, "--code-lifetime wants milliseconds from 1000 to one year\n");
                return 2;
            }
        } else if (!strcmp(a, "--app-host")) {
            const char *h = argv[++i];
            size_t n = strlen(h);
            if (!n || n >= sizeof s.app_host || strspn(h, "abcdefghijklmnopqrstuvwxyz"
                                                       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-[]:") != n) {
                fprintf(stderr, "--app-host wants a host name (letters, digits, '.', '-')\n");
                return 2;
            }
            memcpy(s.app_host, h, n + 1);
        } else if (!strcmp(a, "--rate-limit-algorithm")) {
            if (rl_parse_algo(argv[++i], &algo)) {
                fprintf(stderr, "--rate-limit-algorithm wants sliding, fixed or gcra\n");
                return 2;
            }
        } else {
            fprintf(stderr, "unknown option '%.80s' (see --help)\n", a);
            return 2;
        }
    }

    if (serveropts_setup(&s.opts))
        return 2;
    if (serveropts_fixtures_dir(fixtures, s.fixtures_dir, sizeof s.fixtures_dir)) {
        fprintf(stderr, "fixtures folder '%s' not found\n", fixtures ? fixtures : "(default)");
        return 2;
    }
    pthread_rwlock_init(&s.lock, NULL);
    s.oauth = oauth_new();
    oauth_set_code_lifetime(s.oauth, code_life);
    oauth_set_generic_token_errors(s.oauth, 1);
    s.rl = rl_new(algo, limit, window);
    s.rate_default_n = limit;
    s.rate_default_window_ms = window;
    s.faults = fault_set_new();
    s.journal = journal_new(s.opts.journal_size);

    int rc = 1;
    char err[512];
    if (ss_load_scenario(&s, scenario, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        rc = 2;
        goto out;
    }
    s.opts.conn_data_free = ss_conn_free;
    s.opts.refuse = ss_refuse;
    rc = serveropts_serve(&s.opts, ss_handle, ss_done, &s, NULL);
out:
    journal_free(s.journal);
    fault_set_free(s.faults);
    rl_free(s.rl);
    oauth_free(s.oauth);
    ss_release_scenario(&s);
    pthread_rwlock_destroy(&s.lock);
    return rc;
}
