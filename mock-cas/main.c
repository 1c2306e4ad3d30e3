/* mock-cas: a Cloud App Security double.  main() parses the command line,
 * loads the mapping table, opens the store, serves until SIGTERM/SIGINT. */
#include <malloc.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "../cas-portal/portal.h"
#include "dclock.h"
#include "jarena.h"
#include "log.h"
#include "strutil.h"

static const char usage[] =
    "Usage: mock-cas [options]\n\n"
    "A test double of Cloud App Security: app-connector ingestion, OAuth redirect,\n"
    "activity store and the CAS query API.\n"
    "  --db FILE                keep the store in this SQLite file (default: in memory)\n"
    "  --fixtures DIR           fixtures folder (default: see below)\n"
    "  --mapping FILE           mapping table (default: <fixtures>/mapping/smartsheet-cas.json)\n"
    "  --query-rate-limit X     on (30/60, the default), off, or N/SECONDS\n"
    "  --activity-indexes M     eager (the default: filtered queries fast at any size) or\n"
    "                           lazy (built by the first filtered query; faster ingestion)\n"
    "  --tenant-id N            CAS tenant id used in activity ids (default 97134000)\n"
    "  --connector-cmd PATH     run this connector behind the portal's buttons\n"
    "  --smartsheet-url URL     mock-smartsheet's base URL (portal connections and charts)\n";

/* The portal builds its links and callback URLs from the bound address. */
static void portal_started(void *ctx, const char *base_url)
{
    struct cas_app *app = ctx;
    snprintf(app->portal->base_url, sizeof app->portal->base_url, "%s", base_url);
}

int main(int argc, char **argv)
{
    /* Ingestion parses each batch into ~100 small blocks per activity, then
     * frees a few large ones; with fastbins every large free sweeps them all
     * (malloc_consolidate).  Without fastbins: a third less CPU per activity. */
    mallopt(M_MXFAST, 0);
    /* Request bodies (up to 16 MiB) and parse arenas come from mmap and go
     * back to the system when freed: with glibc's sliding threshold they
     * came from the heap after the first one and stayed resident (~700 MB
     * after eight hostile bodies, issue #13 item 7). */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    jarena_install();
    /* No memory statistics: they take a global mutex on every SQLite malloc. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    struct cas_app app;
    memset(&app, 0, sizeof app);
    serveropts_init(&app.opts);
    app.opts.program = "mock-cas";
    app.opts.usage = usage;
    const char *db = NULL, *fixtures = NULL, *mapping = NULL;
    const char *connector_cmd = NULL, *smartsheet_url = NULL;
    struct portal portal;
    uint32_t rl_n = 30;
    int64_t rl_window = 60000, tenant = 97134000;
    int rl_on = 1, lazy_indexes = 0;

    for (int i = 1; i < argc; i++) {
        int r = serveropts_parse(&app.opts, argc, argv, &i);
        if (r < 0 || r == 2)
            return r < 0 ? 2 : 0;
        if (r > 0)
            continue;
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "unknown option or missing value: '%.80s' (see --help)\n", a);
            return 2;
        } else if (!strcmp(a, "--db")) {
            db = argv[++i];
        } else if (!strcmp(a, "--fixtures")) {
            fixtures = argv[++i];
        } else if (!strcmp(a, "--connector-cmd")) {
            connector_cmd = argv[++i];
            if (access(connector_cmd, X_OK)) {
                fprintf(stderr, "--connector-cmd: '%.200s' is not an executable file\n",
                        connector_cmd);
                return 2;
            }
        } else if (!strcmp(a, "--smartsheet-url")) {
            smartsheet_url = argv[++i];
            if (strncmp(smartsheet_url, "http://", 7) && strncmp(smartsheet_url, "https://", 8)) {
                fprintf(stderr, "--smartsheet-url wants an http:// or https:// URL\n");
                return 2;
            }
        } else if (!strcmp(a, "--mapping")) {
            mapping = argv[++i];
        } else if (!strcmp(a, "--tenant-id")) {
            if (parse_i64(argv[++i], 1, 2147483647, &tenant)) {
                fprintf(stderr, "--tenant-id wants a number from 1 to 2147483647\n");
                return 2;
            }
        } else if (!strcmp(a, "--activity-indexes")) {
            const char *m = argv[++i];
            if (strcmp(m, "eager") && strcmp(m, "lazy")) {
                fprintf(stderr, "--activity-indexes wants eager or lazy\n");
                return 2;
            }
            lazy_indexes = !strcmp(m, "lazy");
        } else if (!strcmp(a, "--query-rate-limit")) {
            const char *x = argv[++i];
            if (!strcmp(x, "off"))
                rl_on = 0;
            else if (strcmp(x, "on") && rl_parse_spec(x, &rl_n, &rl_window)) {
                fprintf(stderr, "--query-rate-limit wants on, off or N/SECONDS (e.g. 30/60)\n");
                return 2;
            }
        } else {
            fprintf(stderr, "unknown option '%.80s' (see --help)\n", a);
            return 2;
        }
    }

    if (serveropts_setup(&app.opts))
        return 2;
    char err[600], path[4096];
    if (!mapping) {
        char dir[4000];
        if (serveropts_fixtures_dir(fixtures, dir, sizeof dir)) {
            fprintf(stderr, "fixtures folder '%s' not found\n", fixtures ? fixtures : "(default)");
            return 2;
        }
        snprintf(path, sizeof path, "%s/mapping/smartsheet-cas.json", dir);
        mapping = path;
    }
    if (mapping_load(&app.map, mapping, err, sizeof err)) {
        fprintf(stderr, "mapping table: %s\n", err);
        return 2;
    }
    app.store = store_open(db, tenant, lazy_indexes, err, sizeof err);
    if (!app.store) {
        fprintf(stderr, "%s\n", err);
        mapping_free(&app.map);
        return 2;
    }
    app.faults = fault_set_new();
    app.journal = journal_new(app.opts.journal_size);
    app.query_rl = rl_on ? rl_new(RL_SLIDING, rl_n, rl_window) : NULL;
    portal_init(&portal, connector_cmd, smartsheet_url, app.opts.time_scale);
    app.portal = &portal;

    app.opts.refuse = cas_refuse;
    int rc = serveropts_serve(&app.opts, cas_handle, cas_done, &app, portal_started);
    portal_shutdown(&portal);
    rl_free(app.query_rl);
    journal_free(app.journal);
    fault_set_free(app.faults);
    store_close(app.store);
    mapping_free(&app.map);
    return rc;
}
