/* main.c - fixture-gen: writes a complete, deterministic scenario folder
 * (scenario.json and recorded event pages) for mock-smartsheet.  Same
 * options and seed, same bytes.  Format: docs/fixtures.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gen.h"
#include "kitpaths.h"
#include "strutil.h"

static const char usage[] =
    "Usage: fixture-gen --out DIR --seed N --users N --events N --days D [options]\n"
    "  or:  fixture-gen --help | --version\n\n"
    "Options: [--name NAME] [--event-reporting on|off]\n"
    "  [--consent-admin | --consent-non-admin] [--consent-mode approve|deny|page]\n"
    "  [--page-size N] [--recorded-at ISO-8601] [--rate-limit REQ/SEC|none]\n"
    "  [--description TEXT] [--app-seed N] [--profile 2021|2026]\n\n"
    "Writes DIR/scenario.json and DIR/events/page-NNNN.json.  Defaults: page size 1000,\n"
    "Event Reporting on, the System Admin consents (approve), recordedAt\n"
    "2026-11-20T12:00:00Z, rate limit 300/60, app seed 1 (every scenario made with the\n"
    "same app seed registers the same app: client id, secret, redirect URL), profile\n"
    "2021 (2026: Admin Center and authentication events, type-specific details, a\n"
    "stream still generating in places).\n\n"
    "exit: 0 written, 1 cannot write, 2 usage\n";

static int num_arg(const char *opt, const char *v, int64_t min, int64_t max, int64_t *out)
{
    if (v && parse_i64(v, min, max, out) == 0)
        return 0;
    fprintf(stderr, "fixture-gen: %s needs an integer from %lld to %lld\n", opt,
            (long long)min, (long long)max);
    return -1;
}

/* "REQ/SEC" or "none". */
static int parse_rate(const char *val, struct gen_opts *o)
{
    char req[32];
    const char *slash = strchr(val, '/');
    int64_t r, sec;
    if (strcmp(val, "none") == 0) {
        o->rl_requests = 0;
        return 0;
    }
    if (!slash || (size_t)(slash - val) >= sizeof req)
        return -1;
    memcpy(req, val, (size_t)(slash - val));
    req[slash - val] = '\0';
    if (parse_i64(req, 1, 1000000, &r) != 0 || parse_i64(slash + 1, 1, 86400, &sec) != 0)
        return -1;
    o->rl_requests = (uint32_t)r;
    o->rl_seconds = (uint32_t)sec;
    return 0;
}

static int parse_args(int argc, char **argv, struct gen_opts *o)
{
    int64_t v;
    int have_seed = 0, have_users = 0, have_events = 0, have_days = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        if (strcmp(a, "--out") == 0 && val) {
            o->out_dir = val;
        } else if (strcmp(a, "--name") == 0 && val) {
            o->name = val;
        } else if (strcmp(a, "--description") == 0 && val) {
            o->description = val;
        } else if (strcmp(a, "--seed") == 0) {
            if (num_arg(a, val, 0, INT64_MAX, &v))
                return -1;
            o->seed = (uint64_t)v;
            have_seed = 1;
        } else if (strcmp(a, "--app-seed") == 0) {
            if (num_arg(a, val, 0, INT64_MAX, &v))
                return -1;
            o->app_seed = (uint64_t)v;
        } else if (strcmp(a, "--users") == 0) {
            if (num_arg(a, val, 1, 100000, &v))
                return -1;
            o->users = (size_t)v;
            have_users = 1;
        } else if (strcmp(a, "--events") == 0) {
            if (num_arg(a, val, 0, 20000000, &v))
                return -1;
            o->events = (uint64_t)v;
            have_events = 1;
        } else if (strcmp(a, "--days") == 0) {
            if (num_arg(a, val, 1, 3650, &v))
                return -1;
            o->days = (unsigned)v;
            have_days = 1;
        } else if (strcmp(a, "--page-size") == 0) {
            if (num_arg(a, val, 1, 10000, &v))
                return -1;
            o->page_size = (size_t)v;
        } else if (strcmp(a, "--event-reporting") == 0 && val &&
                   (strcmp(val, "on") == 0 || strcmp(val, "off") == 0)) {
            o->event_reporting = strcmp(val, "on") == 0;
        } else if (strcmp(a, "--profile") == 0 && val &&
                   (strcmp(val, "2021") == 0 || strcmp(val, "2026") == 0)) {
            o->profile = strcmp(val, "2026") == 0 ? 2026 : 2021;
        } else if (strcmp(a, "--consent-mode") == 0 && val &&
                   (strcmp(val, "approve") == 0 || strcmp(val, "deny") == 0 ||
                    strcmp(val, "page") == 0)) {
            o->consent_mode = val;
        } else if (strcmp(a, "--recorded-at") == 0 && val &&
                   parse_iso8601_ms(val, &o->recorded_ms) == 0) {
            o->recorded_ms -= o->recorded_ms % 1000;
        } else if (strcmp(a, "--rate-limit") == 0 && val) {
            if (parse_rate(val, o) != 0) {
                fprintf(stderr, "fixture-gen: --rate-limit needs REQ/SEC or none\n");
                return -1;
            }
        } else if (strcmp(a, "--consent-admin") == 0) {
            o->consent_non_admin = 0;
            takes = 0;
        } else if (strcmp(a, "--consent-non-admin") == 0) {
            o->consent_non_admin = 1;
            takes = 0;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            exit(0);
        } else if (strcmp(a, "--version") == 0) {
            kit_print_version(argv[0], "fixture-gen", 0);
            exit(0);
        } else {
            fprintf(stderr, "fixture-gen: bad or incomplete option %s\n%s", a, usage);
            return -1;
        }
        i += takes;
    }
    if (!o->out_dir || !have_seed || !have_users || !have_events || !have_days) {
        fprintf(stderr, "fixture-gen: --out, --seed, --users, --events and --days are "
                "required\n%s", usage);
        return -1;
    }
    if ((o->events + o->page_size - 1) / o->page_size > FG_MAX_PAGES) {
        fprintf(stderr, "fixture-gen: %llu events in pages of %zu make more than %u pages, "
                "more than mock-smartsheet loads; raise --page-size\n",
                (unsigned long long)o->events, o->page_size, FG_MAX_PAGES);
        return -1;
    }
    if (o->consent_non_admin && o->users < 2) {
        fprintf(stderr, "fixture-gen: --consent-non-admin needs at least 2 users\n");
        return -1;
    }
    return 0;
}

/* The scenario's name: --name, else the last component of --out. */
static int pick_name(struct gen_opts *o)
{
    if (!o->name) {
        size_t n = strlen(o->out_dir);
        while (n > 1 && o->out_dir[n - 1] == '/')
            n--;
        const char *end = o->out_dir + n, *s = end;
        while (s > o->out_dir && s[-1] != '/')
            s--;
        static char buf[129];
        snprintf(buf, sizeof buf, "%.*s", (int)(end - s > 128 ? 128 : end - s), s);
        o->name = buf;
    }
    size_t n = strlen(o->name);
    if (n == 0 || n > 127 || o->name[0] == '.' ||
        strspn(o->name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != n) {
        fprintf(stderr, "fixture-gen: scenario name \"%s\": use letters, digits, '-', '_', "
                "'.', at most 127 (mock-smartsheet loads it by folder name)\n", o->name);
        return -1;
    }
    return 0;
}

/* mkdir -p: creates each missing component of path. */
static int make_dirs(const char *path)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(tmp, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

int main(int argc, char **argv)
{
    struct gen_opts o = {
        .page_size = 1000,
        .app_seed = 1,
        .event_reporting = 1,
        .consent_mode = "approve",
        .recorded_ms = 1795176000000LL,    /* 2026-11-20T12:00:00Z */
        .rl_requests = 300,
        .rl_seconds = 60,
        .profile = 2021,
    };
    if (parse_args(argc, argv, &o) != 0 || pick_name(&o) != 0)
        return 2;
    if (make_dirs(o.out_dir) != 0) {
        fprintf(stderr, "fixture-gen: %s: %s\n", o.out_dir, strerror(errno));
        return 1;
    }
    struct gen_org org;
    gen_org_build(&o, &org);
    int rc = gen_write_scenario(&o, &org) == 0 && gen_write_events(&o, &org) == 0 ? 0 : 1;
    gen_org_free(&org);
    return rc;
}
