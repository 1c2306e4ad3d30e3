/* test_selftest.c - the conformance suite proves it can fail.
 *
 * Each case runs the suite (the installed `conformance` program, on a
 * scope of requirements) against a deliberately broken connector: the
 * defect build `connector-defective` with KIT_DEFECT=<name>, or a wrapper
 * script from tests/broken/ around the reference connector.  The suite
 * must report exactly the requirements that defect breaks, and exit 1
 * when one of them is a MUST; its summary.md must name each of them and
 * each one's JUnit test case carry the connector's output.  A last check makes sure every MUST of the
 * catalogue is broken by some case, and the first that the reference
 * connector passes everything. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/file.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "catalogue.h"
#include "spawn.h"
#include "tests.h"

enum kind { REFERENCE, DEFECT, WRAPPER };

struct scase {
    enum kind kind;
    const char *name;      /* KIT_DEFECT value or wrapper file name */
    const char *scope;     /* --only */
    const char *expect;    /* ids the suite must report (fail or warning) */
};

static const struct scase cases[] = {
    {REFERENCE, "reference", "", ""},
    {WRAPPER, "consent-without-redirect", "OAUTH", "OAUTH-001"},
    {DEFECT, "authorize-url-derived", "OAUTH", "OAUTH-001"},
    {DEFECT, "state-predictable", "OAUTH", "OAUTH-002"},
    {DEFECT, "state-timestamp", "OAUTH", "OAUTH-002"},
    {DEFECT, "state-prefix-match", "OAUTH", "OAUTH-003"},
    {DEFECT, "code-retried", "OAUTH", "OAUTH-006,OAUTH-015"},
    {DEFECT, "tokens-saved-late", "OAUTH", "OAUTH-012"},
    {DEFECT, "state-not-checked", "OAUTH", "OAUTH-003,OAUTH-006"},
    {DEFECT, "denial-not-reported", "OAUTH", "OAUTH-004"},
    {DEFECT, "plain-secret", "OAUTH", "OAUTH-005"},
    {DEFECT, "code-reused", "OAUTH", "OAUTH-006"},
    {DEFECT, "no-refresh", "OAUTH", "OAUTH-007,OAUTH-008"},
    {DEFECT, "refresh-not-rotated", "OAUTH", "OAUTH-009"},
    {DEFECT, "calls-after-refusal", "OAUTH", "OAUTH-010,OAUTH-014"},
    {DEFECT, "needs-error-field", "OAUTH", "OAUTH-010"},
    {DEFECT, "tokens-kept-after-refusal", "OAUTH", "OAUTH-010"},
    {DEFECT, "refused-after-refresh-exit-1", "OAUTH", "OAUTH-014"},
    {WRAPPER, "token-answer-exit-1", "OAUTH", "OAUTH-015"},
    {WRAPPER, "tilde-refused", "OAUTH", "OAUTH-016"},
    {DEFECT, "token-in-url", "OAUTH", "OAUTH-011"},
    {WRAPPER, "no-code-accepted", "OAUTH", "OAUTH-013"},
    {DEFECT, "admin-not-checked", "PRE", "PRE-001"},
    {DEFECT, "events-not-checked", "PRE", "PRE-002"},
    {WRAPPER, "check-always-fails", "PRE", "PRE-003"},
    {WRAPPER, "auth-needed-exit-1", "PRE", "PRE-004"},
    {DEFECT, "unknown-key-accepted", "PRE", "PRE-005"},
    {WRAPPER, "config-refusal-exit-1", "PRE", "PRE-005,PRE-006,PRE-007"},
    {WRAPPER, "unknown-command-runs", "PRE", "PRE-007"},
    {WRAPPER, "small-values-refused", "PRE", "PRE-008"},
    {WRAPPER, "prereq-sync-exit-1", "PRE", "PRE-009"},
    {DEFECT, "get-user-unexplained", "PRE", "PRE-010"},
    {DEFECT, "backfill-30-days", "BF", "BF-001,BF-003"},
    {DEFECT, "local-time", "BF", "BF-001,BF-002"},
    {DEFECT, "first-page-only", "BF", "BF-002"},
    {DEFECT, "empty-page-ends", "BF", "BF-002"},
    {DEFECT, "trusts-next-position", "INC", "INC-004"},
    {DEFECT, "since-every-time", "INC", "INC-001,INC-002,INC-003,INC-004"},
    {DEFECT, "users-first-page-only", "USR", "USR-001,USR-002,USR-004,USR-005"},
    {DEFECT, "lone-user-dropped", "USR", "USR-003"},
    {DEFECT, "empty-entity-batch", "USR", "USR-004,USR-005"},
    {DEFECT, "entity-refusal-forgotten", "USR", "USR-005"},
    {DEFECT, "no-rate-limit", "RL", "RL-001"},
    {DEFECT, "budget-over", "RL", "RL-001"},
    {DEFECT, "budget-not-shared", "RL", "RL-001"},
    {DEFECT, "halved-to-nothing", "RL", "RL-001"},
    {DEFECT, "short-wait-after-429", "RL", "RL-002,RL-003"},
    {DEFECT, "no-backoff", "RL", "RL-002,RL-003"},
    {DEFECT, "429-gives-up", "RL", "RL-004"},
    {DEFECT, "no-retry", "RES", "RES-001,RES-002,RES-003,RES-004,RES-005,RES-006,RES-010,RES-011"},
    {DEFECT, "server-error-fatal", "RES", "RES-001,RES-010"},
    {DEFECT, "4004-fatal", "RES", "RES-002"},
    {DEFECT, "closed-fatal", "RES", "RES-003"},
    {DEFECT, "stall-fatal", "RES", "RES-004"},
    {DEFECT, "bad-page-fatal", "RES", "RES-005"},
    {DEFECT, "html-error-fatal", "RES", "RES-001,RES-010"},
    {DEFECT, "cas-refusal-fatal", "RES", "RES-006"},
    {DEFECT, "save-before-deliver", "RES", "RES-007"},
    {DEFECT, "refusal-skipped", "RES", "RES-009"},
    {DEFECT, "cas-unreadable-fatal", "RES", "RES-011"},
    {DEFECT, "rejections-ignored", "RES", "RES-012"},
    {DEFECT, "users-data-assumed", "RES", "RES-013"},
    {DEFECT, "position-at-end", "RES", "RES-008"},
    {DEFECT, "sigterm-default", "RES", "RES-014"},
    {DEFECT, "stop-abandons-batch", "RES", "RES-014"},
    {DEFECT, "timestamp-in-seconds", "MAP", "MAP-001"},
    {DEFECT, "raw-altered", "MAP", "MAP-002"},
    {DEFECT, "escapes-ignored", "BF", "BF-002"},
    {DEFECT, "template-unfilled", "MAP", "MAP-003"},
    {DEFECT, "ip-in-activity", "MAP", "MAP-004"},
    {DEFECT, "wrong-system-user", "MAP", "MAP-005"},
    {DEFECT, "email-less-by-id", "MAP", "MAP-006"},
    {DEFECT, "login-as-log-on", "MAP", "MAP-003,MAP-004,MAP-007"},
    {DEFECT, "auth-events-dropped", "MAP", "MAP-007"},
    {DEFECT, "secret-in-log", "SEC", "SEC-001"},
    {DEFECT, "state-world-readable", "SEC", "SEC-002"},
    {DEFECT, "no-tls-verify", "SEC", "SEC-003,SEC-006"},
    {WRAPPER, "ignores-ca-file", "SEC", "SEC-004"},
    {WRAPPER, "secret-in-args", "SEC", "SEC-005"},
    {WRAPPER, "secret-in-daemon", "SEC", "SEC-005"},
    {WRAPPER, "secret-in-tmp", "SEC", "SEC-002"},
    {DEFECT, "no-host-verify", "SEC", "SEC-006"},
};
#define NCASES (sizeof cases / sizeof cases[0])

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct buf b;
    buf_init(&b, 64 * 1024 * 1024);
    char tmp[8192];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_append(&b, tmp, n);
    fclose(f);
    return b.err ? NULL : buf_take(&b, NULL);
}

/* 1 when the comma-separated list names a MUST requirement. */
static int unjudged_must(const char *list)
{
    for (const char *p = list ? list : ""; *p;) {
        char id[32];
        size_t len = strcspn(p, ",");
        snprintf(id, sizeof id, "%.*s", (int)len, p);
        const struct ct_req *r = ct_catalogue_find(id);
        if (r && r->level == CT_MUST)
            return 1;
        p += len + (p[len] == ',');
    }
    return 0;
}

/* What a vendor reads for each expected id: summary.md names it, and its
 * JUnit test case carries the connector's output.  "" when both hold,
 * else what is missing in msg. */
static void check_reports(const char *dir, const char *expect, char *msg, size_t cap)
{
    char path[300];
    snprintf(path, sizeof path, "%s/summary.md", dir);
    char *md = read_all(path);
    for (const char *p = expect; *p && !msg[0]; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
        char id[32], name[48];
        snprintf(id, sizeof id, "%.*s", (int)strcspn(p, ","), p);
        const struct ct_req *q = ct_catalogue_find(id);
        if (!md || !strstr(md, id)) {
            snprintf(msg, cap, "summary.md does not name %s", id);
            break;
        }
        snprintf(path, sizeof path, "%s/junit-%s.xml", dir, q ? q->group : "?");
        char *xml = read_all(path);
        snprintf(name, sizeof name, "name=\"%s (", id);
        const char *tc = xml ? strstr(xml, name) : NULL;
        const char *end = tc ? strstr(tc, "</testcase>") : NULL;
        const char *out = tc ? strstr(tc, "The connector's std") : NULL;
        if (!tc || !end || !out || out > end)
            snprintf(msg, cap, "the JUnit test case of %s carries no connector output", id);
        free(xml);
    }
    free(md);
}

/* Runs the suite for one case; fails the cmocka test on any mismatch. */
static void run_case(const struct scase *c)
{
    const char *bin = env_or("KIT_BIN_DIR", "build/bin");
    const char *tbin = env_or("KIT_TEST_BIN_DIR", "build/tests");
    char conformance[4200], connector[4200], base[4200], dir[] = "/tmp/ct-self-XXXXXX";
    snprintf(conformance, sizeof conformance, "%s/conformance", bin);
    snprintf(base, sizeof base, "%s/connector", bin);
    char abs_base[PATH_MAX];
    if (base[0] != '/' && realpath(base, abs_base))   /* wrappers run in other folders */
        snprintf(base, sizeof base, "%s", abs_base);
    if (c->kind == DEFECT)
        snprintf(connector, sizeof connector, "%s/connector-defective", tbin);
    else if (c->kind == WRAPPER)
        snprintf(connector, sizeof connector, "%s/../conformance/tests/broken/%s",
                 KIT_SOURCE_FIXTURES, c->name);
    else
        snprintf(connector, sizeof connector, "%s", base);
    if (access(connector, X_OK))
        fail_msg("%s: %s is not an executable", c->name, connector);
    assert_non_null(mkdtemp(dir));
    if (c->kind == DEFECT)
        setenv("KIT_DEFECT", c->name, 1);
    else
        unsetenv("KIT_DEFECT");
    setenv("KIT_BROKEN_BASE", base, 1);
    /* --jobs 4: make check runs a self-test shard per CPU, each with a
     * suite of its own; six tests at once in each would only add load. */
    char *argv[] = {conformance, "--connector", connector, "--report-dir", dir, "--quiet",
                    "--jobs", "4", c->scope[0] ? "--only" : NULL, (char *)c->scope, NULL};
    struct run_result r;
    assert_int_equal(spawn_run(argv, NULL, 600000, -1, &r), 0);
    unsetenv("KIT_DEFECT");
    char path[200];
    snprintf(path, sizeof path, "%s/report.json", dir);
    char *text = read_all(path);
    cJSON *rep = text ? cJSON_Parse(text) : NULL;
    free(text);
    if (!rep) {
        char msg[600];
        snprintf(msg, sizeof msg, "no readable report (suite %s %d): %.400s",
                 r.exited ? "exited" : "killed by", r.code, r.err.ptr ? r.err.ptr : "");
        run_result_release(&r);
        fail_msg("%s: %s", c->name, msg);
    }
    struct buf got, unjudged;
    buf_init(&got, 65536);
    buf_init(&unjudged, 65536);
    int must = 0;
    const cJSON *q;
    cJSON_ArrayForEach(q, cJSON_GetObjectItemCaseSensitive(rep, "requirements")) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(q, "id");
        const cJSON *res = cJSON_GetObjectItemCaseSensitive(q, "result");
        if (!cJSON_IsString(id) || !cJSON_IsString(res))
            continue;
        if (!strcmp(res->valuestring, "fail") || !strcmp(res->valuestring, "warning")) {
            buf_printf(&got, "%s%s", got.len ? "," : "", id->valuestring);
            must |= !strcmp(res->valuestring, "fail");
        } else if (!strcmp(res->valuestring, "error")) {
            buf_printf(&unjudged, "%s%s", unjudged.len ? "," : "", id->valuestring);
        }
    }
    const char *g = got.ptr ? got.ptr : "";
    printf("  %-26s scope %-6s reported [%s]%s%s%s\n", c->name, c->scope[0] ? c->scope : "all",
           g, unjudged.len ? ", not judged [" : "", unjudged.len ? unjudged.ptr : "",
           unjudged.len ? "]" : "");
    /* Each expected id reported, and nothing else. */
    int same = 1;
    const char *p = c->expect;
    int nexp = 0;
    while (*p) {
        char id[32];
        size_t len = strcspn(p, ",");
        snprintf(id, sizeof id, "%.*s", (int)len, p);
        same &= ct_list_has(g, id);
        nexp++;
        p += len + (p[len] == ',');
    }
    int ngot = 0;
    for (p = g; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ','))
        ngot++;
    same &= ngot == nexp;
    /* Requirements broken on purpose must be judged, not skipped. */
    for (p = c->expect; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
        char id[32];
        snprintf(id, sizeof id, "%.*s", (int)strcspn(p, ","), p);
        same &= !ct_list_has(unjudged.ptr ? unjudged.ptr : "", id);
    }
    int want_exit = must || unjudged_must(unjudged.ptr) ? 1 : 0;
    char reports[600] = "";
    if (same)
        check_reports(dir, c->expect, reports, sizeof reports);
    /* Only the case that leaks into /tmp removes the leak files: another
     * shard's secret-in-tmp run may be using its file at this moment. */
    char cmd[100];
    if (getenv("SELFTEST_KEEP"))
        snprintf(cmd, sizeof cmd, "cp -r %s /tmp/selftest-kept", dir);
    else
        snprintf(cmd, sizeof cmd, "rm -rf %s%s", dir,
                 strcmp(c->name, "secret-in-tmp") ? "" : " /tmp/kit-selftest-leak-*");
    if (system(cmd) != 0)
        printf("  (could not remove %s)\n", dir);
    /* Everything released before a failure ends the test. */
    char msg[600] = "";
    if (!same)
        snprintf(msg, sizeof msg, "the suite reported [%s], expected [%s]", g, c->expect);
    else if (!r.exited || r.code != want_exit)
        snprintf(msg, sizeof msg, "the suite exited %d, expected %d", r.code, want_exit);
    else if (reports[0])
        snprintf(msg, sizeof msg, "%s", reports);
    buf_release(&got);
    buf_release(&unjudged);
    cJSON_Delete(rep);
    run_result_release(&r);
    if (msg[0])
        fail_msg("%s: %s", c->name, msg);
}

/* SELFTEST_QUEUE=FILE (with SELFTEST_SHARD): the shards share the cases
 * through FILE, the names already taken, one a line.  Each shard walks the
 * whole list and runs the cases no other shard has taken, so a slow case
 * does not leave one shard running long after the others.  A file that
 * cannot be used means "run it": a case run twice costs time, one run by
 * nobody would hide a failure. */
static int claim(const char *name)
{
    const char *path = getenv("SELFTEST_QUEUE");
    if (!path || !*path)
        return 1;
    int fd = open(path, O_RDWR | O_CREAT | O_APPEND, 0600);
    if (fd < 0)
        return 1;
    int mine = 1;
    if (flock(fd, LOCK_EX) == 0) {
        char text[16384];
        ssize_t n = pread(fd, text, sizeof text - 1, 0);
        text[n > 0 ? n : 0] = '\0';
        size_t len = strlen(name);
        for (const char *p = text; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] == '\n'))
            if (strcspn(p, "\n") == len && !strncmp(p, name, len))
                mine = 0;
        if (mine) {
            char line[128];
            int l = snprintf(line, sizeof line, "%s\n", name);
            if (l > 0 && write(fd, line, (size_t)l) != l)
                mine = 1;
        }
        flock(fd, LOCK_UN);
    }
    close(fd);
    return mine;
}

static void test_case(void **state)
{
    const struct scase *c = *state;
    if (!claim(c->name))
        skip();                 /* another shard runs it */
    run_case(c);
}

/* Every MUST requirement is broken by at least one case. */
static void test_every_must_is_broken(void **state)
{
    (void)state;
    if (!claim("every_must_is_broken"))
        skip();
    struct buf missing;
    buf_init(&missing, 65536);
    for (size_t i = 0; i < ct_catalogue_count(); i++) {
        const struct ct_req *r = ct_catalogue_at(i);
        int found = 0;
        for (size_t k = 0; k < NCASES; k++)
            found |= ct_list_has(cases[k].expect, r->id);
        if (r->level == CT_MUST && !found)
            buf_printf(&missing, " %s", r->id);
    }
    if (missing.len)
        fail_msg("no broken connector breaks:%s", missing.ptr);
    buf_release(&missing);
}

/* SELFTEST_SHARD=i/n (1 <= i <= n <= 16): one of n processes that run the
 * self-test at once (mk/run-tests.sh): without SELFTEST_QUEUE it runs the
 * cases k with k % n == i - 1, with it the cases no other shard has taken.
 * Unset: every case.  Anything else: refused. */
static int parse_shard(const char *v, unsigned *i, unsigned *n)
{
    *i = 1;
    *n = 1;
    if (!v)
        return 0;
    char tail;
    if (sscanf(v, "%2u/%2u%c", i, n, &tail) != 2 || *n < 1 || *n > 16 || *i < 1 || *i > *n)
        return -1;
    return 0;
}

int main(void)
{
    unsigned shard, shards;
    if (parse_shard(getenv("SELFTEST_SHARD"), &shard, &shards)) {
        fprintf(stderr, "test_selftest: SELFTEST_SHARD wants i/n with 1 <= i <= n <= 16\n");
        return 2;
    }
    struct CMUnitTest tests[NCASES + 1];
    size_t n = 0;
    /* With a queue every shard lists every case and takes what is left. */
    int queued = getenv("SELFTEST_QUEUE") && *getenv("SELFTEST_QUEUE");
    for (size_t k = 0; k < NCASES; k++)
        if (queued || k % shards == shard - 1)
            tests[n++] = (struct CMUnitTest){cases[k].name, test_case, NULL, NULL,
                                             (void *)&cases[k]};
    if (queued || shard == 1)
        tests[n++] = (struct CMUnitTest){"every_must_is_broken", test_every_must_is_broken,
                                         NULL, NULL, NULL};
    /* SELFTEST_ONLY=pattern runs the matching cases (cmocka's glob). */
    if (getenv("SELFTEST_ONLY"))
        cmocka_set_test_filter(getenv("SELFTEST_ONLY"));
    char group[32] = "tests";
    if (shards > 1)
        snprintf(group, sizeof group, "tests_shard_%u_of_%u", shard, shards);
    return _cmocka_run_group_tests(group, tests, n, NULL, NULL);
}
