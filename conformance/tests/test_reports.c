/* test_reports.c - the reports a user acts on, from the outside: the
 * installed `conformance` program run on small connector scripts.
 *
 *   - a connector that prints "not implemented" and exits 1 for every
 *     command: one blocking cause with that text and the ids it blocks,
 *     said once (stdout, summary.md, report.json), never "could not
 *     connect"; the connector's output in report.json and the JUnit test
 *     cases; metadata; the JUnit files valid against conformance/junit.xsd
 *     (xmllint); missing parents of --report-dir created;
 *   - a second run into the same folder with --only OAUTH-001 leaves only
 *     its own results (a file the suite did not write stays);
 *   - a connector that prints its configuration: the secrets appear in no
 *     report, redacted as [client_secret] / [cas_token], and SEC-001
 *     still fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "catalogue.h"
#include "rng.h"
#include "spawn.h"

static char tmp[] = "/tmp/ct-reports-XXXXXX";

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct buf b;
    buf_init(&b, 64 * 1024 * 1024);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    return b.err ? NULL : buf_take(&b, len);
}

static char *read_in(const char *dir, const char *name)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return read_all(path, NULL);
}

static cJSON *report_json(const char *dir)
{
    char *text = read_in(dir, "report.json");
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    free(text);
    assert_non_null(j);
    return j;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay ? strstr(hay, needle) : NULL; p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static int exists(const char *dir, const char *name)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/* Writes an executable script into the test folder; returns its path. */
static void script(const char *name, const char *body, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s", tmp, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "#!/bin/sh\n%s", body);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, 0755), 0);
}

/* Runs the suite; its stdout in *out (caller releases). */
static int suite(const char *connector, const char *dir, const char *only,
                 struct run_result *r)
{
    char conformance[4200];
    snprintf(conformance, sizeof conformance, "%s/conformance",
             env_or("KIT_BIN_DIR", "build/bin"));
    char *argv[] = {conformance, "--connector", (char *)connector, "--report-dir", (char *)dir,
                    only ? "--only" : NULL, (char *)only, NULL};
    assert_int_equal(spawn_run(argv, NULL, 600000, -1, r), 0);
    if (!r->exited)
        fail_msg("the suite was killed by signal %d", r->code);
    return r->code;
}

/* Every junit-*.xml in dir validates against conformance/junit.xsd. */
static void junit_valid(const char *dir)
{
    char cmd[9000];
    snprintf(cmd, sizeof cmd, "xmllint --noout --schema '%s/../conformance/junit.xsd' "
             "'%s'/junit-*.xml >'%s/xmllint.out' 2>&1", KIT_SOURCE_FIXTURES, dir, tmp);
    int rc = system(cmd);
    if (rc != 0) {
        char *why = read_in(tmp, "xmllint.out");
        fail_msg("JUnit files do not validate: %.1500s", why ? why : "(no output)");
    }
}

static const char not_implemented[] = "echo 'not implemented' >&2\nexit 1\n";

static void test_one_cause_said_once(void **state)
{
    (void)state;
    char connector[4200], dir[4200];
    script("not-implemented", not_implemented, connector, sizeof connector);
    /* parents that do not exist yet */
    snprintf(dir, sizeof dir, "%s/ci/artefacts/conformance", tmp);
    struct run_result r;
    assert_int_equal(suite(connector, dir, NULL, &r), 1);
    const char *out = r.out.ptr ? r.out.ptr : "";

    cJSON *rep = report_json(dir);
    const cJSON *causes = cJSON_GetObjectItemCaseSensitive(rep, "blockingCauses");
    assert_int_equal(cJSON_GetArraySize(causes), 1);
    const cJSON *c = cJSON_GetArrayItem(causes, 0);
    const char *text = cJSON_GetObjectItemCaseSensitive(c, "text")->valuestring;
    assert_non_null(strstr(text, "`authorize-url` exited 1 after "));
    assert_non_null(strstr(text, "without printing a URL; stderr: not implemented"));
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(c, "requirements");
    int nids = cJSON_GetArraySize(ids);
    assert_true(nids >= 40);
    /* every requirement it blocks is listed, each once */
    int blocked = 0;
    const cJSON *q;
    cJSON_ArrayForEach(q, cJSON_GetObjectItemCaseSensitive(rep, "requirements")) {
        char *ev = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(q, "evidence"));
        if (strstr(ev, "could not connect"))
            fail_msg("%s: %s", cJSON_GetObjectItemCaseSensitive(q, "id")->valuestring, ev);
        blocked += cJSON_GetObjectItemCaseSensitive(q, "blockedBy") != NULL;
        free(ev);
    }
    assert_int_equal(blocked, nids);

    /* said once on stdout: one cause line naming how many, then the ids */
    char head[64];
    snprintf(head, sizeof head, "%d requirements not judged: `authorize-url` exited 1", nids);
    assert_int_equal(count(out, head), 1);
    assert_int_equal(count(out, "\nnot judged "), 0);
    assert_non_null(strstr(out, "OAUTH-001 OAUTH-002"));
    /* progress: a line per test naming the ids it judged */
    assert_non_null(strstr(out, "oauth_consent_url"));
    assert_non_null(strstr(out, "OAUTH-001 not judged"));

    char *md = read_in(dir, "summary.md");
    assert_non_null(md);
    assert_int_equal(count(md, "requirements not judged:** `authorize-url` exited 1"), 1);
    assert_null(strstr(md, "Not judged (other reasons)"));
    assert_non_null(strstr(md, "OAUTH-001, OAUTH-002"));
    assert_non_null(strstr(md, "contract " CT_CONTRACT_VERSION));
    free(md);

    /* the connector's output, per test */
    const cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(rep, "tests"), 0);
    const cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(t, "runs"), 0);
    assert_non_null(run);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(run, "stderr")->valuestring,
                        "not implemented\n");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(run, "code")->valueint, 1);
    assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(run, "seconds")));
    char *junit = read_in(dir, "junit-OAUTH.xml");
    assert_non_null(junit);
    assert_non_null(strstr(junit, "<system-err>"));
    assert_true(count(junit, "not implemented") >= 12);
    assert_non_null(strstr(junit, "<property name=\"contract.version\" value=\""
                                  CT_CONTRACT_VERSION "\"/>"));
    assert_non_null(strstr(junit, "hostname=\""));
    free(junit);
    junit_valid(dir);

    /* metadata */
    size_t len;
    char *bytes = read_all(connector, &len), sha[65];
    sha256_hex(bytes, len, sha);
    free(bytes);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(rep, "connectorSha256")->valuestring,
                        sha);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(rep, "kit")->valuestring, KIT_VERSION);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(rep, "contract")->valuestring,
                        CT_CONTRACT_VERSION);
    assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(rep, "host")));
    assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(rep, "started")));

    /* report.html: there, and nothing loaded from elsewhere */
    char *html = read_in(dir, "report.html");
    assert_non_null(html);
    assert_non_null(strstr(html, "not implemented"));
    assert_null(strstr(html, "src="));
    assert_null(strstr(html, "href=\"http"));
    assert_null(strstr(html, "url("));
    free(html);
    cJSON_Delete(rep);
    run_result_release(&r);

    /* A second run into the same folder owns it. */
    char notes[4400];
    snprintf(notes, sizeof notes, "%s/notes.txt", dir);
    FILE *f = fopen(notes, "w");
    assert_non_null(f);
    fputs("mine\n", f);
    fclose(f);
    assert_int_equal(suite(connector, dir, "OAUTH-001", &r), 1);
    run_result_release(&r);
    assert_true(exists(dir, "junit-OAUTH.xml"));
    static const char *const gone[] = {"junit-PRE.xml", "junit-SEC.xml", "junit-BF.xml",
                                       "junit-RL.xml", "logs/pre_usage.log",
                                       "results/pre_usage.jsonl",
                                       "results/pre_usage.runs.jsonl"};
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
        if (exists(dir, gone[i]))
            fail_msg("%s from the first run is still in the folder", gone[i]);
    assert_true(exists(dir, "notes.txt"));
    rep = report_json(dir);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(rep, "requirements")), 1);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(rep, "only")->valuestring, "OAUTH-001");
    cJSON_Delete(rep);
    md = read_in(dir, "summary.md");
    assert_null(strstr(md, "PRE-004"));
    free(md);
    junit_valid(dir);
}

/* A connector that prints its configuration: the secrets are redacted in
 * every report, and SEC-001 fails as it would anyway. */
static void test_secrets_redacted(void **state)
{
    (void)state;
    char connector[4200], dir[4200], body[9000];
    snprintf(body, sizeof body, "cat \"$3\"\ncp \"$3\" '%s/config-seen.json'\n%s", tmp,
             not_implemented);
    script("prints-config", body, connector, sizeof connector);
    snprintf(dir, sizeof dir, "%s/secrets", tmp);
    struct run_result r;
    assert_int_equal(suite(connector, dir, "OAUTH-001,SEC-001", &r), 1);
    run_result_release(&r);
    char *cfg = read_in(tmp, "config-seen.json");
    cJSON *c = cfg ? cJSON_Parse(cfg) : NULL;
    free(cfg);
    assert_non_null(c);
    const char *secret = cJSON_GetObjectItemCaseSensitive(c, "client_secret")->valuestring,
               *token = cJSON_GetObjectItemCaseSensitive(c, "cas_token")->valuestring;
    assert_true(strlen(secret) >= 16 && strlen(token) >= 16);
    static const char *const files[] = {"report.json", "report.html", "summary.md",
                                        "junit-OAUTH.xml", "junit-SEC.xml"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *text = read_in(dir, files[i]);
        assert_non_null(text);
        if (strstr(text, secret) || strstr(text, token))
            fail_msg("%s shows a secret", files[i]);
        free(text);
    }
    char *json = read_in(dir, "report.json");
    assert_non_null(strstr(json, "[client_secret]"));
    assert_non_null(strstr(json, "[cas_token]"));
    free(json);
    cJSON *rep = report_json(dir);
    const cJSON *q;
    int sec001 = 0;
    cJSON_ArrayForEach(q, cJSON_GetObjectItemCaseSensitive(rep, "requirements"))
        if (!strcmp(cJSON_GetObjectItemCaseSensitive(q, "id")->valuestring, "SEC-001")) {
            assert_string_equal(cJSON_GetObjectItemCaseSensitive(q, "result")->valuestring,
                                "fail");
            sec001 = 1;
        }
    assert_true(sec001);
    cJSON_Delete(rep);
    cJSON_Delete(c);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    spawn_remove_tree(tmp);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_cause_said_once),
        cmocka_unit_test(test_secrets_redacted),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
