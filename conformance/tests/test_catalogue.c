/* test_catalogue.c - the catalogue is well formed, every requirement is
 * judged by some test, requirements.md equals the generated text, and the
 * reports are valid (JUnit well formed, counts right). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "catalogue.h"
#include "report.h"
#include "runner.h"
#include "tests.h"

static void test_ids_unique_and_grouped(void **st)
{
    (void)st;
    assert_true(ct_catalogue_count() >= 40);
    for (size_t i = 0; i < ct_catalogue_count(); i++) {
        const struct ct_req *r = ct_catalogue_at(i);
        assert_non_null(ct_group_find(r->group));
        /* The id starts with its group and a dash. */
        assert_int_equal(strncmp(r->id, r->group, strlen(r->group)), 0);
        assert_int_equal(r->id[strlen(r->group)], '-');
        assert_true(strlen(r->statement) > 10);
        assert_true(strlen(r->source) > 3);
        for (size_t k = i + 1; k < ct_catalogue_count(); k++)
            assert_string_not_equal(r->id, ct_catalogue_at(k)->id);
    }
}

static void test_every_requirement_has_a_test(void **st)
{
    (void)st;
    for (size_t i = 0; i < ct_catalogue_count(); i++) {
        const struct ct_req *r = ct_catalogue_at(i);
        int found = 0;
        for (size_t t = 0; t < ct_test_count(); t++)
            found |= ct_list_has(ct_test_at(t)->reqs, r->id);
        if (!found)
            fail_msg("%s is judged by no test", r->id);
    }
    /* and every id a test names exists */
    for (size_t t = 0; t < ct_test_count(); t++) {
        const char *p = ct_test_at(t)->reqs;
        while (*p) {
            char id[32];
            size_t len = strcspn(p, ",");
            assert_true(len < sizeof id);
            memcpy(id, p, len);
            id[len] = '\0';
            if (!ct_catalogue_find(id))
                fail_msg("test %s names unknown requirement %s", ct_test_at(t)->name, id);
            p += len + (p[len] == ',');
        }
    }
}

static void test_markdown_matches_file(void **st)
{
    (void)st;
    struct buf gen, file;
    buf_init(&gen, 1 << 20);
    buf_init(&file, 1 << 20);
    assert_int_equal(ct_catalogue_markdown(&gen), 0);
    char path[4096];
    const char *src = getenv("KIT_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/../conformance/requirements.md",
             src ? src : KIT_SOURCE_FIXTURES);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_append(&file, tmp, n);
    fclose(f);
    if (file.len != gen.len || memcmp(file.ptr, gen.ptr, gen.len))
        fail_msg("conformance/requirements.md differs from the catalogue; regenerate it with "
                 "'conformance --list --markdown > conformance/requirements.md'");
    buf_release(&gen);
    buf_release(&file);
}

/* CONTRACT.md's first line names the version the reports say they judge. */
static void test_contract_version(void **st)
{
    (void)st;
    char path[4096], line[200] = "";
    snprintf(path, sizeof path, "%s/../conformance/CONTRACT.md", KIT_SOURCE_FIXTURES);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    char *got = fgets(line, sizeof line, f);
    fclose(f);
    assert_non_null(got);
    assert_non_null(strstr(line, "version " CT_CONTRACT_VERSION "\n"));
}

static void test_selection(void **st)
{
    (void)st;
    char err[200];
    assert_int_equal(ct_selection_check("RL-001,OAUTH", err, sizeof err), 0);
    assert_int_equal(ct_selection_check("RL-999", err, sizeof err), -1);
    assert_non_null(strstr(err, "RL-999"));
    assert_true(ct_selected("RL-001,OAUTH", "OAUTH-003", "OAUTH"));
    assert_true(ct_selected("RL-001,OAUTH", "RL-001", "RL"));
    assert_false(ct_selected("RL-001,OAUTH", "RL-002", "RL"));
    assert_true(ct_selected(NULL, "RL-002", "RL"));
}

/* Builds outcomes: RL-001 fails, RL-003 (a SHOULD) fails, the rest pass. */
static struct ct_outcome *sample(size_t *n)
{
    *n = ct_catalogue_count();
    struct ct_outcome *o = calloc(*n, sizeof *o);
    assert_non_null(o);
    for (size_t i = 0; i < *n; i++) {
        o[i].req = ct_catalogue_at(i);
        o[i].selected = 1;
        o[i].judged = 1;
        buf_init(&o[i].evidence, 4096);
        buf_init(&o[i].passes, 4096);
        buf_init(&o[i].tests, 4096);
        buf_puts(&o[i].tests, "t");
        if (!strcmp(o[i].req->id, "RL-001") || !strcmp(o[i].req->id, "RL-003")) {
            o[i].result = CT_FAIL;
            buf_puts(&o[i].evidence, "t: 312 requests in the 60 s ending at request #4170 <&>\n");
        }
    }
    return o;
}

static void release(struct ct_outcome *o, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        buf_release(&o[i].evidence);
        buf_release(&o[i].passes);
        buf_release(&o[i].tests);
    }
    free(o);
}

static void test_counts_and_files(void **st)
{
    (void)st;
    size_t n;
    struct ct_outcome *o = sample(&n);
    struct ct_counts c = ct_report_count(o, n);
    assert_int_equal(c.total, (int)n);
    assert_int_equal(c.failed, 1);
    assert_int_equal(c.warnings, 1);
    assert_int_equal(c.passed, (int)n - 2);
    char dir[] = "/tmp/ct-report-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct ct_report rep = {.kit_version = KIT_VERSION, .contract_version = CT_CONTRACT_VERSION,
                            .connector = "/bin/x", .time_scale = 60, .jobs = 4,
                            .started_ms = 0, .ended_ms = 1000, .host = "h", .o = o, .n = n};
    assert_int_equal(ct_report_write(dir, &rep), 0);
    char path[256];
    snprintf(path, sizeof path, "%s/junit-RL.xml", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char xml[65536];
    size_t len = fread(xml, 1, sizeof xml - 1, f);
    xml[len] = '\0';
    fclose(f);
    assert_non_null(strstr(xml, "failures=\"1\""));
    assert_non_null(strstr(xml, "&lt;&amp;&gt;"));
    assert_null(strstr(xml, "<&>"));
    /* Valid against the kit's JUnit schema (xmllint: make check installs it). */
    char cmd[8400];
    snprintf(cmd, sizeof cmd, "xmllint --noout --schema %s/../conformance/junit.xsd "
                              "%s/junit-*.xml", KIT_SOURCE_FIXTURES, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/report.json", dir);
    f = fopen(path, "r");
    assert_non_null(f);
    len = fread(xml, 1, sizeof xml - 1, f);
    xml[len] = '\0';
    fclose(f);
    assert_non_null(strstr(xml, "\"failed\": 1"));
    assert_non_null(strstr(xml, "\"result\": \"warning\""));
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    release(o, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_unique_and_grouped),
        cmocka_unit_test(test_every_requirement_has_a_test),
        cmocka_unit_test(test_markdown_matches_file),
        cmocka_unit_test(test_selection),
        cmocka_unit_test(test_contract_version),
        cmocka_unit_test(test_counts_and_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
