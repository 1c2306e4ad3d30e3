/* fixture-gen's modules: the same options give the same bytes, pages
 * chain correctly (sizes, moreAvailable, positions, order, unique ids),
 * the mix covers every object type, and the consent options pick the
 * right user. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "gen.h"
#include "spawn.h"
#include "sspos.h"
#include "strutil.h"

static char root[64];

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/fgtest-XXXXXX");
    return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static struct gen_opts opts(const char *sub, uint64_t seed, uint64_t events)
{
    static char dirs[4][128];
    static int next;
    char *dir = dirs[next++ % 4];
    snprintf(dir, 128, "%s/%s", root, sub);
    mkdir(dir, 0755);
    struct gen_opts o = {.out_dir = dir, .name = sub, .seed = seed, .app_seed = 1,
                         .users = 40, .events = events, .days = 8, .page_size = 100,
                         .event_reporting = 1, .consent_mode = "approve",
                         .recorded_ms = 1795176000000LL, .rl_requests = 300,
                         .rl_seconds = 60, .profile = 2021};
    return o;
}

static void generate(const struct gen_opts *o)
{
    struct gen_org org;
    gen_org_build(o, &org);
    assert_int_equal(gen_write_scenario(o, &org), 0);
    assert_int_equal(gen_write_events(o, &org), 0);
    gen_org_free(&org);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct buf b;
    buf_init(&b, 64u << 20);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    return buf_take(&b, len);
}

static int same_file(const char *a, const char *b)
{
    size_t la, lb;
    char *x = slurp(a, &la), *y = slurp(b, &lb);
    int same = x && y && la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

static void deterministic(void **state)
{
    (void)state;
    struct gen_opts a = opts("a", 77, 950), b = opts("b", 77, 950), c = opts("c", 78, 950);
    b.name = "a";               /* the name is written into scenario.json */
    generate(&a);
    generate(&b);
    generate(&c);
    char pa[256], pb[256], pc[256];
    for (size_t k = 0; k < gen_page_count(&a); k++) {
        char name[64];
        gen_page_name(&a, k, name, sizeof name);
        snprintf(pa, sizeof pa, "%s/%s", a.out_dir, name);
        snprintf(pb, sizeof pb, "%s/%s", b.out_dir, name);
        snprintf(pc, sizeof pc, "%s/%s", c.out_dir, name);
        assert_true(same_file(pa, pb));
        assert_false(same_file(pa, pc));
    }
    snprintf(pa, sizeof pa, "%s/scenario.json", a.out_dir);
    snprintf(pb, sizeof pb, "%s/scenario.json", b.out_dir);
    assert_true(same_file(pa, pb));
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static void pages_chain(void **state)
{
    (void)state;
    struct gen_opts o = opts("chain", 5, 1050);
    generate(&o);
    assert_int_equal(gen_page_count(&o), 11);
    char *ids[1050];
    size_t nids = 0;
    int64_t last = INT64_MIN;
    const char *types[13] = {"ACCESS_TOKEN", "ACCOUNT", "ATTACHMENT", "DASHBOARD",
                             "DISCUSSION", "FOLDER", "FORM", "GROUP", "REPORT", "SHEET",
                             "UPDATE_REQUEST", "USER", "WORKSPACE"};
    int seen[13] = {0};
    for (size_t k = 0; k < 11; k++) {
        char name[64], path[256];
        gen_page_name(&o, k, name, sizeof name);
        snprintf(path, sizeof path, "%s/%s", o.out_dir, name);
        size_t len;
        char *text = slurp(path, &len);
        assert_non_null(text);
        cJSON *j = cJSON_ParseWithLength(text, len);
        free(text);
        assert_non_null(j);
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(j, "data");
        assert_int_equal(cJSON_GetArraySize(data), k < 10 ? 100 : 50);
        assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "moreAvailable")),
                         k < 10);
        char pos[SSPOS_LEN + 1];
        sspos_encode(k < 10 ? (k + 1) * 100 : 1050, pos);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "nextStreamPosition")->valuestring,
                            pos);
        for (const cJSON *e = data->child; e; e = e->next) {
            int64_t ts;
            assert_int_equal(parse_iso8601_ms(
                cJSON_GetObjectItemCaseSensitive(e, "eventTimestamp")->valuestring, &ts), 0);
            assert_true(ts >= last);
            assert_true(ts < o.recorded_ms && ts >= o.recorded_ms - 8 * 86400000LL);
            last = ts;
            ids[nids++] = strdup(cJSON_GetObjectItemCaseSensitive(e, "eventId")->valuestring);
            const char *t = cJSON_GetObjectItemCaseSensitive(e, "objectType")->valuestring;
            for (int i = 0; i < 13; i++)
                seen[i] |= strcmp(t, types[i]) == 0;
            const cJSON *d = cJSON_GetObjectItemCaseSensitive(e, "additionalDetails");
            assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(d, "emailAddress")));
        }
        cJSON_Delete(j);
    }
    assert_int_equal(nids, 1050);
    qsort(ids, nids, sizeof ids[0], cmp_str);
    for (size_t i = 1; i < nids; i++)
        assert_string_not_equal(ids[i], ids[i - 1]);
    for (size_t i = 0; i < nids; i++)
        free(ids[i]);
    for (int i = 0; i < 13; i++)
        assert_true(seen[i]);
}

static void consent_and_users(void **state)
{
    (void)state;
    struct gen_opts o = opts("consent", 9, 0);
    o.consent_non_admin = 1;
    o.event_reporting = 0;
    generate(&o);
    char path[256];
    snprintf(path, sizeof path, "%s/scenario.json", o.out_dir);
    size_t len;
    char *text = slurp(path, &len);
    cJSON *j = cJSON_ParseWithLength(text, len);
    free(text);
    assert_non_null(j);
    const cJSON *users = cJSON_GetObjectItemCaseSensitive(j, "users");
    assert_int_equal(cJSON_GetArraySize(users), 40);
    const char *consenter = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(j, "consent"), "userEmail")->valuestring;
    int admins = 0;
    for (const cJSON *u = users->child; u; u = u->next) {
        int admin = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(u, "admin"));
        admins += admin;
        if (strcmp(cJSON_GetObjectItemCaseSensitive(u, "email")->valuestring, consenter) == 0)
            assert_false(admin);
    }
    assert_int_equal(admins, 1);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(j, "account"), "eventReporting")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "eventPages")), 0);
    cJSON_Delete(j);
}

/* A shorter generation over a longer one leaves only its own pages, also
 * when the page names change width (more than 9,999 pages: six digits). */
/* Whether any page of o holds needle. */
static int pages_hold(const struct gen_opts *o, const char *needle)
{
    int found = 0;
    for (size_t k = 0; k < gen_page_count(o) && !found; k++) {
        char name[64], path[256];
        gen_page_name(o, k, name, sizeof name);
        snprintf(path, sizeof path, "%s/%s", o->out_dir, name);
        char *text = slurp(path, NULL);
        found = text && strstr(text, needle) != NULL;
        free(text);
    }
    return found;
}

/* Profile 2026: the field, two stillGenerating places inside the stream,
 * log-in/log-out and Admin Center events with their details; profile 2021
 * from the same seed has none of them. */
static void profile_2026(void **state)
{
    (void)state;
    struct gen_opts n = opts("p2026", 9, 950), old = opts("p2021", 9, 950);
    n.profile = 2026;
    generate(&n);
    generate(&old);
    char path[256];
    snprintf(path, sizeof path, "%s/scenario.json", n.out_dir);
    char *text = slurp(path, NULL);
    assert_non_null(text);
    cJSON *j = cJSON_Parse(text);
    free(text);
    assert_string_equal(cJSON_GetObjectItem(j, "profile")->valuestring, "2026");
    const cJSON *g = cJSON_GetObjectItem(j, "stillGenerating");
    assert_int_equal(cJSON_GetArraySize(g), 2);
    double g0 = cJSON_GetArrayItem(g, 0)->valuedouble, g1 = cJSON_GetArrayItem(g, 1)->valuedouble;
    assert_true(g0 > 0 && g0 < g1 && g1 < 950);
    /* six department groups owned by the System Admin; every user but the
     * DECLINED ones in exactly one of them */
    const cJSON *groups = cJSON_GetObjectItem(j, "groups"), *users = cJSON_GetObjectItem(j, "users");
    assert_int_equal(cJSON_GetArraySize(groups), 6);
    double admin_id = cJSON_GetObjectItem(cJSON_GetArrayItem(users, 0), "id")->valuedouble;
    int members = 0, declined = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, groups) {
        assert_true(cJSON_GetObjectItem(it, "ownerId")->valuedouble == admin_id);
        assert_true(cJSON_IsString(cJSON_GetObjectItem(it, "name")));
        assert_true(cJSON_IsString(cJSON_GetObjectItem(it, "createdAt")));
        members += cJSON_GetArraySize(cJSON_GetObjectItem(it, "members"));
    }
    cJSON_ArrayForEach(it, users)
        declined += !strcmp(cJSON_GetObjectItem(it, "status")->valuestring, "DECLINED");
    assert_int_equal(members + declined, cJSON_GetArraySize(users));
    cJSON_Delete(j);
    assert_true(pages_hold(&n, "\"objectType\":\"AUTHENTICATION\",\"action\":\"LOGIN\""));
    assert_true(pages_hold(&n, "\"objectType\":\"AUTHENTICATION\",\"action\":\"LOGOUT\""));
    assert_true(pages_hold(&n, "\"objectType\":\"ADMIN_CENTER\""));
    assert_true(pages_hold(&n, "\"loginMethod\":"));
    assert_true(pages_hold(&n, "\"accessLevel\":"));
    assert_false(pages_hold(&old, "AUTHENTICATION"));
    assert_false(pages_hold(&old, "ADMIN_CENTER"));
    snprintf(path, sizeof path, "%s/scenario.json", old.out_dir);
    text = slurp(path, NULL);
    assert_non_null(text);
    assert_null(strstr(text, "\"profile\""));
    assert_null(strstr(text, "stillGenerating"));
    assert_null(strstr(text, "\"groups\""));
    free(text);
}

static void leftover_pages_removed(void **state)
{
    (void)state;
    struct gen_opts o = opts("regen", 3, 10000);
    o.users = 2;
    o.page_size = 1;
    generate(&o);
    char path[256];
    snprintf(path, sizeof path, "%s/events/page-010000.json", o.out_dir);
    assert_int_equal(access(path, F_OK), 0);
    o.events = 3;
    generate(&o);
    const char *gone[] = {"page-000001.json", "page-010000.json"};
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++) {
        snprintf(path, sizeof path, "%s/events/%s", o.out_dir, gone[i]);
        if (access(path, F_OK) == 0)
            fail_msg("%s is left over", path);
    }
    snprintf(path, sizeof path, "%s/events/page-0003.json", o.out_dir);
    assert_int_equal(access(path, F_OK), 0);
}

/* More pages than mock-smartsheet loads: refused before anything is written. */
static void too_many_pages_refused(void **state)
{
    (void)state;
    char bin[1024], out[128];
    snprintf(bin, sizeof bin, "%s/fixture-gen",
             getenv("KIT_BIN_DIR") ? getenv("KIT_BIN_DIR") : "build/bin");
    snprintf(out, sizeof out, "%s/many", root);
    char *argv[] = {bin, "--out", out, "--seed", "1", "--users", "2", "--events", "100001",
                    "--days", "1", "--page-size", "1", NULL};
    struct run_result r;
    assert_int_equal(spawn_run(argv, NULL, 60000, -1, &r), 0);
    assert_true(r.exited);
    assert_int_equal(r.code, 2);
    assert_non_null(strstr(r.err.ptr, "raise --page-size"));
    run_result_release(&r);
    struct stat st;
    assert_int_not_equal(stat(out, &st), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(deterministic),
        cmocka_unit_test(pages_chain),
        cmocka_unit_test(consent_and_users),
        cmocka_unit_test(too_many_pages_refused),
        cmocka_unit_test(leftover_pages_removed),
        cmocka_unit_test(profile_2026),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
