/* test_mutagen.c - the mutant generator on small C snippets: which sites
 * each operator finds and what it writes, what is never mutated (comments,
 * literals, preprocessor lines, declarations' sizes, loop guards, logging,
 * code behind defect hooks), id stability, sampling, and refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mutagen.h"

static const char fixture[] =
    "/* fixture: a < b && !c in a comment is not mutated */\n"   /* 1 */
    "#include <stdio.h>\n"
    "#define WAIT_MS 1000\n"
    "#define STATE_MAX_FILE 4096\n"
    "#define twice(x) ((x) * 2)\n"                                /* 5 */
    "static int ready(int a);\n"
    "\n"
    "static int check(int a, int b)\n"
    "{\n"
    "    char name[64], other[8];\n"                              /* 10 */
    "    const char *s = \"a < b && !c\";\n"
    "    char c = '<'; // a <= b\n"
    "    if (a < b && !ready(a))\n"
    "        return -1;\n"
    "    if (ready(b))\n"                                         /* 15 */
    "        save(a);\n"
    "    save(a);\n"
    "    send(b);\n"
    "    log_info(\"x %d\", a > 1);\n"
    "    for (int i = 0; i < 100000; i++)\n"                      /* 20 */
    "        b += WAIT_MS * 2;\n"
    "    if (conn_defect(\"x\") && a == 3)\n"
    "        send(7);\n"
    "    int d = conn_defect(\"y\") ? 30 : 7;\n"
    "    if (a > 0)\n"                                            /* 25 */
    "        b = 0;\n"
    "    return 0;\n"
    "}\n"
    "\n"
    "enum conn_rc go(struct conn_ctx *x)\n"                       /* 30 */
    "{\n"
    "    if (!x)\n"
    "        return CONN_ERR_AUTH;\n"
    "    x->n = 0x1F;\n"
    "    return CONN_OK;\n"                                       /* 35 */
    "}\n";

struct want {
    enum mg_op op;
    unsigned line, col;
    const char *repl;
};

/* Every site of the fixture, in order: nothing else may appear. */
static const struct want wants[] = {
    {MG_INC, 3, 17, "1001"},   {MG_DEC, 3, 17, "999"},     {MG_UP5, 3, 17, "1050"},
    {MG_DOWN5, 3, 17, "950"},  {MG_REL, 13, 11, "<="},     {MG_LOGIC, 13, 15, "||"},
    {MG_NOT, 13, 18, ""},      {MG_RET, 14, 16, "0"},      {MG_COND0, 15, 9, "0"},
    {MG_COND1, 15, 9, "1"},    {MG_DEL, 16, 9, "(void)0;"}, {MG_DEL, 17, 5, "(void)0;"},
    {MG_SWAP, 17, 5, "send(b);\n    save(a);"},             {MG_DEL, 18, 5, "(void)0;"},
    {MG_INC, 21, 24, "3"},     {MG_DEC, 21, 24, "1"},      {MG_INC, 24, 37, "8"},
    {MG_DEC, 24, 37, "6"},     {MG_REL, 25, 11, ">="},     {MG_INC, 25, 13, "1"},
    {MG_INC, 26, 13, "1"},     {MG_RET, 27, 12, "-1"},     {MG_NOT, 32, 9, ""},
    {MG_RET, 33, 16, "CONN_OK"}, {MG_INC, 34, 12, "0x20"}, {MG_DEC, 34, 12, "0x1E"},
    {MG_UP5, 34, 12, "0x21"},  {MG_DOWN5, 34, 12, "0x1D"}, {MG_RET, 35, 12, "CONN_ERR_OTHER"},
};

static void scan_ok(const char *src, const struct mg_options *opt, struct mg_sites *out)
{
    char err[200] = "";
    memset(out, 0, sizeof *out);
    int rc = mg_scan("fixture.c", src, strlen(src), opt, out, err, sizeof err);
    if (rc)
        fail_msg("mg_scan: %s", err);
}

static const struct mg_site *find(const struct mg_sites *s, enum mg_op op, unsigned line,
                                  unsigned col)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].op == op && s->v[i].line == line && s->v[i].col == col)
            return &s->v[i];
    return NULL;
}

static char *applied(const char *src, const struct mg_site *s)
{
    struct buf b;
    buf_init(&b, 1u << 20);
    assert_int_equal(mg_apply(src, strlen(src), s, &b), BUF_OK);
    return buf_take(&b, NULL);
}

static void test_every_site_of_the_fixture(void **st)
{
    (void)st;
    struct mg_options opt = {MG_ALL_OPS, NULL};
    struct mg_sites s;
    scan_ok(fixture, &opt, &s);
    size_t n = sizeof wants / sizeof wants[0];
    for (size_t i = 0; i < s.n && i < n; i++) {
        const struct mg_site *g = &s.v[i];
        if (g->op != wants[i].op || g->line != wants[i].line || g->col != wants[i].col ||
            strcmp(g->repl, wants[i].repl))
            fail_msg("site %zu: got %s at %u:%u '%s', want %s at %u:%u '%s'", i,
                     mg_op_name(g->op), g->line, g->col, g->repl, mg_op_name(wants[i].op),
                     wants[i].line, wants[i].col, wants[i].repl);
        /* id: file:line:col:op:8 hex digits */
        char prefix[64];
        snprintf(prefix, sizeof prefix, "fixture.c:%u:%u:%s:", g->line, g->col,
                 mg_op_name(g->op));
        assert_int_equal(strncmp(g->id, prefix, strlen(prefix)), 0);
        assert_int_equal(strlen(g->id), strlen(prefix) + 8);
    }
    assert_int_equal(s.n, n);
    mg_sites_release(&s);
}

static void test_apply_and_show(void **st)
{
    (void)st;
    struct mg_options opt = {MG_ALL_OPS, NULL};
    struct mg_sites s;
    scan_ok(fixture, &opt, &s);

    const struct mg_site *sw = find(&s, MG_SWAP, 17, 5);
    assert_non_null(sw);
    char *m = applied(fixture, sw);
    assert_non_null(strstr(m, "        save(a);\n    send(b);\n    save(a);\n    log_info"));
    assert_int_equal(strlen(m), strlen(fixture));
    free(m);

    const struct mg_site *ret = find(&s, MG_RET, 14, 16);
    assert_non_null(ret);
    m = applied(fixture, ret);
    assert_non_null(strstr(m, "        return 0;\n    if (ready(b))"));
    free(m);

    assert_string_equal(sw->func, "check");
    assert_string_equal(find(&s, MG_RET, 35, 12)->func, "go");
    assert_string_equal(find(&s, MG_INC, 3, 17)->func, "#define WAIT_MS");

    const struct mg_site *nt = find(&s, MG_NOT, 13, 18);
    char orig[MG_SHOW_MAX + 4], mut[MG_SHOW_MAX + 4];
    mg_show(fixture, strlen(fixture), nt, orig, mut);
    assert_string_equal(orig, "if (a < b && !ready(a))");
    assert_string_equal(mut, "if (a < b && ready(a))");
    mg_show(fixture, strlen(fixture), sw, orig, mut);
    assert_string_equal(orig, "save(a); send(b);");
    assert_string_equal(mut, "send(b); save(a);");
    mg_sites_release(&s);
}

/* Edits elsewhere move line numbers, never the rest of an id. */
static void test_ids_survive_edits_elsewhere(void **st)
{
    (void)st;
    struct mg_options opt = {MG_ALL_OPS, NULL};
    struct mg_sites a, b;
    scan_ok(fixture, &opt, &a);
    char *moved = malloc(sizeof fixture + 64);
    assert_non_null(moved);
    snprintf(moved, sizeof fixture + 64, "/* a new\n   header */\n%s", fixture);
    scan_ok(moved, &opt, &b);
    assert_int_equal(a.n, b.n);
    for (size_t i = 0; i < a.n; i++) {
        assert_int_equal(b.v[i].line, a.v[i].line + 2);
        const char *ta = strchr(strchr(a.v[i].id, ':') + 1, ':');
        const char *tb = strchr(strchr(b.v[i].id, ':') + 1, ':');
        assert_string_equal(ta, tb);          /* col:op:hash unchanged */
    }
    mg_sites_release(&b);
    /* changing the line itself changes the hash */
    char *edited = strdup(fixture);
    assert_non_null(edited);
    char *p = strstr(edited, "b += WAIT_MS * 2;");
    p[0] = 'a';
    scan_ok(edited, &opt, &b);
    const struct mg_site *x = find(&a, MG_INC, 21, 24), *y = find(&b, MG_INC, 21, 24);
    assert_non_null(x);
    assert_non_null(y);
    assert_string_not_equal(x->id, y->id);
    free(edited);
    free(moved);
    mg_sites_release(&a);
    mg_sites_release(&b);
}

static void test_operator_and_function_filters(void **st)
{
    (void)st;
    unsigned ops = 0;
    char err[100];
    assert_int_equal(mg_ops_parse("del, swap", &ops, err, sizeof err), 0);
    assert_int_equal(ops, (1u << MG_DEL) | (1u << MG_SWAP));
    assert_int_equal(mg_ops_parse("rel bogus", &ops, err, sizeof err), -1);
    assert_non_null(strstr(err, "bogus"));

    struct mg_options opt = {(1u << MG_DEL) | (1u << MG_SWAP), NULL};
    struct mg_sites s;
    scan_ok(fixture, &opt, &s);
    assert_int_equal(s.n, 4);                  /* three del, one swap */
    for (size_t i = 0; i < s.n; i++)
        assert_true(s.v[i].op == MG_DEL || s.v[i].op == MG_SWAP);
    mg_sites_release(&s);

    static const char *const skip[] = {"check", NULL};
    struct mg_options opt2 = {MG_ALL_OPS, skip};
    scan_ok(fixture, &opt2, &s);
    for (size_t i = 0; i < s.n; i++)            /* the #define and go() only */
        assert_true(s.v[i].line == 3 || s.v[i].line >= 30);
    assert_int_equal(s.n, 11);
    mg_sites_release(&s);
}

/* Literals and comments in their trickier forms hide nothing. */
static void test_lexer_edges(void **st)
{
    (void)st;
    static const char src[] =
        "int f(int a)\n"
        "{\n"
        "    const char *p = \"esc \\\" a < b \\\\\";\n"
        "    const char *q = u8\"x<y\" L\"<\";\n"
        "    char c = '\\'', d = '\"';\n"
        "    /* multi\n"
        "       line a < b */\n"
        "    int x = a \\\n"
        "        < 2;\n"
        "#if 0 < 1\n"
        "    x = 5;\n"
        "#endif\n"
        "    return x == 1.5e3;\n"
        "}\n";
    struct mg_options opt = {MG_ALL_OPS, NULL};
    struct mg_sites s;
    scan_ok(src, &opt, &s);
    /* the spliced "a \ < 2" (rel, and dec: inc would equal the rel flip),
     * x = 5 under #if (inc, dec), x == 1.5e3 (eq, up5, down5) */
    assert_non_null(find(&s, MG_REL, 9, 9));
    assert_non_null(find(&s, MG_DEC, 9, 11));
    assert_null(find(&s, MG_INC, 9, 11));
    assert_non_null(find(&s, MG_INC, 11, 9));
    assert_non_null(find(&s, MG_EQ, 13, 14));
    const struct mg_site *up = find(&s, MG_UP5, 13, 17);
    assert_non_null(up);
    assert_string_equal(up->repl, "1575.0");
    for (size_t i = 0; i < s.n; i++)
        assert_true(s.v[i].line >= 8);
    assert_int_equal(s.n, 7);
    mg_sites_release(&s);
}

static void test_refuses_what_it_cannot_lex(void **st)
{
    (void)st;
    static const char *const bad[][2] = {
        {"int f(void) { return 0; /* open", "unterminated comment"},
        {"int f(void) { return 0; ", "never closed"},
        {"int f(void) { return 0; ) }", "unbalanced"},
        {"int f(void) { char *s = \"abc\n\"; }", "unterminated string"},
        {"int f(void) { char c = 'a\n'; }", "unterminated character"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct mg_options opt = {MG_ALL_OPS, NULL};
        struct mg_sites s = {0};
        char err[200] = "";
        assert_int_equal(mg_scan("bad.c", bad[i][0], strlen(bad[i][0]), &opt, &s, err,
                                 sizeof err), -1);
        if (!strstr(err, bad[i][1]))
            fail_msg("'%s': message '%s' lacks '%s'", bad[i][0], err, bad[i][1]);
        assert_int_equal(s.n, 0);
        mg_sites_release(&s);
    }
}

/* Two identical lines of one function used to share an id; the repeats now
 * mix their rank into the hash, and the first keeps the plain hash. */
static void test_identical_lines_get_distinct_ids(void **st)
{
    (void)st;
    static const char once[] = "int f(int a)\n{\n    if (a)\n        return -1;\n    return 0;\n}\n";
    static const char twice[] =
        "int f(int a)\n{\n    if (a)\n        return -1;\n    if (a > 2)\n        return -1;\n"
        "    return 0;\n}\n";
    struct mg_options opt = {1u << MG_RET, NULL};
    struct mg_sites a, b;
    scan_ok(once, &opt, &a);
    scan_ok(twice, &opt, &b);
    const struct mg_site *x = find(&a, MG_RET, 4, 16), *y1 = find(&b, MG_RET, 4, 16),
                         *y2 = find(&b, MG_RET, 6, 16);
    assert_non_null(x);
    assert_non_null(y1);
    assert_non_null(y2);
    assert_string_equal(x->id, y1->id);                     /* the first keeps its id */
    const char *h1 = strrchr(y1->id, ':'), *h2 = strrchr(y2->id, ':');
    assert_string_not_equal(h1, h2);                        /* the repeat differs */
    mg_sites_release(&a);
    mg_sites_release(&b);
}

static void test_sample(void **st)
{
    (void)st;
    size_t a[100], b[100], c[100];
    assert_int_equal(mg_sample(100, 10, 7, a), 10);
    assert_int_equal(mg_sample(100, 10, 7, b), 10);
    assert_int_equal(mg_sample(100, 10, 8, c), 10);
    assert_memory_equal(a, b, sizeof a[0] * 10);            /* same seed, same pick */
    assert_memory_not_equal(a, c, sizeof a[0] * 10);        /* another seed */
    for (size_t i = 1; i < 10; i++)
        assert_true(a[i - 1] < a[i] && a[i] < 100);          /* sorted, distinct */
    assert_int_equal(mg_sample(5, 10, 1, a), 5);             /* more than there is: all */
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(a[i], i);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_site_of_the_fixture),
        cmocka_unit_test(test_apply_and_show),
        cmocka_unit_test(test_ids_survive_edits_elsewhere),
        cmocka_unit_test(test_operator_and_function_filters),
        cmocka_unit_test(test_lexer_edges),
        cmocka_unit_test(test_refuses_what_it_cannot_lex),
        cmocka_unit_test(test_identical_lines_get_distinct_ids),
        cmocka_unit_test(test_sample),
    };
    return cmocka_run_group_tests_name("mutagen", tests, NULL, NULL);
}
