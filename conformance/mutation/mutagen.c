/* mutagen.c - the mutant generator's lexer and operators (mutagen.h).
 *
 * The lexer knows enough C to be safe: comments, string and character
 * literals (with prefixes and escapes), line splices and preprocessor lines
 * are recognised and never mutated, brackets are matched.  On top of the
 * tokens a light structural pass finds function bodies (with their return
 * type), statement starts, declaration brackets, sizeof operands, loop
 * heads and buffer-cap arguments, which the operators use to stay sensible
 * (docs/mutation.md lists the rules). */
#include "mutagen.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- this project's conventions ----------------------------------------- */

/* Defect hooks of the self-test build: never mutated around (the self-test
 * already proves each one is caught). */
static const char *const hook_calls[] = {"conn_defect", NULL};

/* Calls never removed or reordered: freeing and logging (invisible to a
 * black box), initialising (a crash, not a behaviour), thread plumbing (a
 * missing lock is a race found only by luck, a missing unlock a hang). */
static const char *const quiet_calls[] = {
    "free", "cJSON_Delete", "curl_slist_free_all", "closedir", "curl_easy_cleanup",
    "curl_global_cleanup", "buf_init", "memset", NULL,
};
static const char *const quiet_prefixes[] = {"log_", "pthread_", NULL};
static const char *const quiet_suffixes[] = {"_release", "_free", NULL};

/* Message calls: a log_* call, or one of these writing to the first
 * argument named here (an error text for the log or standard error).
 * Nothing inside them is mutated. */
static const struct {
    const char *name;
    const char *first_arg;
} message_calls[] = {{"snprintf", "err"}, {"fprintf", "stderr"}, {NULL, NULL}};

/* Calls whose argument (0-based) is a buffer cap or a fill byte, not a
 * behaviour. */
static const struct {
    const char *name;
    int arg;
} cap_calls[] = {{"buf_init", 1}, {"memset", 1}, {NULL, 0}};

/* #define names holding buffer sizes, arena geometry or loop guards. */
static const char *const cap_define_parts[] = {"MAX_FILE", "CHUNK", "ALIGN", "MAX_PAGES", NULL};

/* A function returning this enum gets ok <-> error return mutations. */
static const char *const rc_enum = "conn_rc";
static const char *const rc_ok = "CONN_OK";
static const char *const rc_err_prefix = "CONN_ERR_";
static const char *const rc_err_default = "CONN_ERR_OTHER";

/* A constant of at least this value compared with < or <= in a for or
 * while head is a loop guard (equivalent when moved). */
#define MG_LOOP_GUARD 1000ull

/* ---- operators ------------------------------------------------------------ */

#define MG_OP_NAME(e, name, what) name,
static const char *const op_names[] = {MG_OPS(MG_OP_NAME)};
#undef MG_OP_NAME
#define MG_OP_WHAT(e, name, what) what,
static const char *const op_whats[] = {MG_OPS(MG_OP_WHAT)};
#undef MG_OP_WHAT

const char *mg_op_name(enum mg_op op)
{
    return (unsigned)op < MG_OP_COUNT ? op_names[op] : "";
}

const char *mg_op_what(enum mg_op op)
{
    return (unsigned)op < MG_OP_COUNT ? op_whats[op] : "";
}

int mg_ops_parse(const char *list, unsigned *out, char *err, size_t errlen)
{
    unsigned set = 0;
    const char *p = list;
    for (int guard = 0; *p && guard < 1000; guard++) {
        size_t n = strcspn(p, " ,\t");
        if (n) {
            unsigned k = 0;
            while (k < MG_OP_COUNT && !(strlen(op_names[k]) == n && !strncmp(op_names[k], p, n)))
                k++;
            if (k == MG_OP_COUNT) {
                snprintf(err, errlen, "unknown operator '%.*s'", (int)(n > 40 ? 40 : n), p);
                return -1;
            }
            set |= 1u << k;
        }
        p += n;
        p += strspn(p, " ,\t");
    }
    *out = set;
    return 0;
}

/* ---- lexer ---------------------------------------------------------------- */

enum tk { T_IDENT, T_NUM, T_STR, T_CHR, T_PUNCT };

enum {
    F_PP = 1 << 0,       /* part of a preprocessor line */
    F_SIZEOF = 1 << 1,   /* inside a sizeof operand */
    F_DECLBR = 1 << 2,   /* inside [...] of a declaration */
    F_CAPARG = 1 << 3,   /* a buffer-cap argument */
    F_DEAD = 1 << 5,     /* cannot matter while every hook is 0 */
    F_MESSAGE = 1 << 6,  /* inside a message call */
    F_GUARD = 1 << 7,    /* a loop guard: its bound, or a whole for head */
};

struct tok {
    enum tk type;
    unsigned flags;
    size_t off, len;
    unsigned line, col;
    long match;          /* index of the matching bracket, else -1 */
    unsigned pdepth;     /* open ( and [ around the token */
    long func;           /* function whose body holds it, else -1 */
    unsigned dir;        /* preprocessor line number (F_PP tokens) */
};

struct func {
    size_t name_off, name_len;
    long open, close;    /* body braces */
    enum { RK_OTHER, RK_INT, RK_RC } kind;
};

/* Parsed numeric literal. */
struct num {
    int is_float;
    unsigned long long v;
    double d;
    int base;                       /* 8, 10, 16 */
    int upper;                      /* hex digits in upper case */
    char prefix[3];                 /* "0x", "0X" or "" */
    char suffix[8];
};

struct lex {
    const char *s;
    size_t len, pos, line_start;
    unsigned line;
    struct tok *t;
    size_t n, alloc;
    struct func *f;
    size_t nf, falloc;
    char *err;
    size_t errlen;
};

static int lex_fail(struct lex *lx, const char *what)
{
    snprintf(lx->err, lx->errlen, "line %u: %s", lx->line, what);
    return -1;
}

static void push_tok(struct lex *lx, enum tk type, size_t off, unsigned line, size_t line_start,
                     unsigned flags, unsigned dir)
{
    if (lx->n == lx->alloc) {
        lx->alloc = lx->alloc ? lx->alloc * 2 : 1024;
        lx->t = xrealloc(lx->t, lx->alloc * sizeof *lx->t);
    }
    struct tok *t = &lx->t[lx->n++];
    memset(t, 0, sizeof *t);
    t->type = type;
    t->flags = flags;
    t->off = off;
    t->len = lx->pos - off;
    t->line = line;
    t->col = (unsigned)(off - line_start + 1);
    t->match = -1;
    t->func = -1;
    t->dir = dir;
}

static const char *const puncts[] = {
    "...", "<<=", ">>=", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||",
    "*=",  "/=",  "%=",  "+=", "-=", "&=", "^=", "|=", "##", NULL,
};

static int is_ident_start(int c)
{
    return isalpha(c) || c == '_';
}

static int is_ident_char(int c)
{
    return isalnum(c) || c == '_';
}

/* Skips a quoted literal starting at lx->pos (the quote).  In a directive an
 * unterminated literal ends with the line; elsewhere it is an error. */
static int skip_quoted(struct lex *lx, char q, int in_dir)
{
    lx->pos++;
    while (lx->pos < lx->len) {
        char c = lx->s[lx->pos];
        if (c == '\\' && lx->pos + 1 < lx->len) {
            if (lx->s[lx->pos + 1] == '\n') {
                lx->line++;
                lx->line_start = lx->pos + 2;
            }
            lx->pos += 2;
            continue;
        }
        if (c == q) {
            lx->pos++;
            return 0;
        }
        if (c == '\n') {
            if (in_dir)
                return 0;
            return lex_fail(lx, q == '"' ? "unterminated string literal"
                                         : "unterminated character literal");
        }
        lx->pos++;
    }
    return in_dir ? 0 : lex_fail(lx, "literal runs to the end of the file");
}

static int lex_all(struct lex *lx)
{
    int at_bol = 1, in_dir = 0;
    unsigned dir = 0;
    while (lx->pos < lx->len) {
        const char *s = lx->s;
        char c = s[lx->pos];
        if (c == '\\' && lx->pos + 1 < lx->len && s[lx->pos + 1] == '\n') {
            lx->pos += 2;
            lx->line++;
            lx->line_start = lx->pos;
            continue;
        }
        if (c == '\n') {
            in_dir = 0;
            at_bol = 1;
            lx->pos++;
            lx->line++;
            lx->line_start = lx->pos;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            lx->pos++;
            continue;
        }
        if (c == '/' && lx->pos + 1 < lx->len && s[lx->pos + 1] == '*') {
            const char *end = NULL;
            for (size_t i = lx->pos + 2; i + 1 < lx->len; i++) {
                if (s[i] == '\n') {
                    lx->line++;
                    lx->line_start = i + 1;
                }
                if (s[i] == '*' && s[i + 1] == '/') {
                    end = s + i + 2;
                    break;
                }
            }
            if (!end)
                return lex_fail(lx, "unterminated comment");
            lx->pos = (size_t)(end - s);
            continue;
        }
        if (c == '/' && lx->pos + 1 < lx->len && s[lx->pos + 1] == '/') {
            while (lx->pos < lx->len && s[lx->pos] != '\n') {
                if (s[lx->pos] == '\\' && lx->pos + 1 < lx->len && s[lx->pos + 1] == '\n') {
                    lx->line++;
                    lx->line_start = lx->pos + 2;
                    lx->pos++;
                }
                lx->pos++;
            }
            continue;
        }
        size_t off = lx->pos;
        unsigned line = lx->line;
        size_t ls = lx->line_start;
        if (c == '#' && at_bol && !in_dir) {
            in_dir = 1;
            dir++;
        }
        at_bol = 0;
        unsigned fl = in_dir ? F_PP : 0;
        enum tk type;
        if (is_ident_start((unsigned char)c)) {
            while (lx->pos < lx->len && is_ident_char((unsigned char)s[lx->pos]))
                lx->pos++;
            size_t n = lx->pos - off;
            char q = lx->pos < lx->len ? s[lx->pos] : 0;
            int prefix = (n == 1 && (c == 'L' || c == 'u' || c == 'U')) ||
                         (n == 2 && !strncmp(s + off, "u8", 2));
            if (prefix && (q == '"' || q == '\'')) {
                if (skip_quoted(lx, q, in_dir))
                    return -1;
                type = q == '"' ? T_STR : T_CHR;
            } else {
                type = T_IDENT;
            }
        } else if (isdigit((unsigned char)c) ||
                   (c == '.' && lx->pos + 1 < lx->len && isdigit((unsigned char)s[lx->pos + 1]))) {
            lx->pos++;
            while (lx->pos < lx->len) {
                char d = s[lx->pos];
                char p = s[lx->pos - 1];
                if (is_ident_char((unsigned char)d) || d == '.' ||
                    ((d == '+' || d == '-') && (p == 'e' || p == 'E' || p == 'p' || p == 'P')))
                    lx->pos++;
                else
                    break;
            }
            type = T_NUM;
        } else if (c == '"' || c == '\'') {
            if (skip_quoted(lx, c, in_dir))
                return -1;
            type = c == '"' ? T_STR : T_CHR;
        } else {
            size_t k = 0;
            for (; puncts[k]; k++) {
                size_t pl = strlen(puncts[k]);
                if (lx->pos + pl <= lx->len && !memcmp(s + lx->pos, puncts[k], pl))
                    break;
            }
            lx->pos += puncts[k] ? strlen(puncts[k]) : 1;
            type = T_PUNCT;
        }
        push_tok(lx, type, off, line, ls, fl, dir);
    }
    return 0;
}

/* ---- token helpers -------------------------------------------------------- */

struct scan {
    const char *name;               /* file base name for ids */
    const char *s;
    size_t len;
    struct tok *t;                  /* code tokens (no preprocessor lines) */
    size_t n;
    struct func *f;
    size_t nf;
    const struct mg_options *opt;
    struct mg_sites *out;
    size_t first_new;
};

static int tok_is(const struct scan *sc, long i, const char *text)
{
    if (i < 0 || (size_t)i >= sc->n)
        return 0;
    size_t n = strlen(text);
    return sc->t[i].len == n && !memcmp(sc->s + sc->t[i].off, text, n);
}

static int text_in(const char *p, size_t n, const char *const *list)
{
    for (size_t k = 0; list && list[k]; k++)
        if (strlen(list[k]) == n && !memcmp(p, list[k], n))
            return 1;
    return 0;
}

static const char *const keywords[] = {
    "if", "else", "for", "while", "do", "switch", "case", "default", "return", "break",
    "continue", "goto", "sizeof", "typedef", "struct", "union", "enum", "static", "const",
    "volatile", "extern", "inline", "register", "auto", "signed", "unsigned", "char", "short",
    "int", "long", "float", "double", "void", "_Bool", "_Thread_local", "_Alignof",
    "_Static_assert", "_Noreturn", "restrict", NULL,
};

static int is_ident(const struct scan *sc, long i)
{
    return i >= 0 && (size_t)i < sc->n && sc->t[i].type == T_IDENT &&
           !text_in(sc->s + sc->t[i].off, sc->t[i].len, keywords);
}

static int tok_in(const struct scan *sc, long i, const char *const *list)
{
    return i >= 0 && (size_t)i < sc->n && text_in(sc->s + sc->t[i].off, sc->t[i].len, list);
}

static int has_affix(const char *p, size_t n, const char *const *list, int suffix)
{
    for (size_t k = 0; list[k]; k++) {
        size_t m = strlen(list[k]);
        if (m <= n && !memcmp(suffix ? p + n - m : p, list[k], m))
            return 1;
    }
    return 0;
}

/* Whether token i starts a message call (see message_calls). */
static int message_call(const struct scan *sc, long i)
{
    if (sc->t[i].type != T_IDENT || !tok_is(sc, i + 1, "("))
        return 0;
    if (sc->t[i].len > 4 && !memcmp(sc->s + sc->t[i].off, "log_", 4))
        return 1;
    for (size_t k = 0; message_calls[k].name; k++)
        if (tok_is(sc, i, message_calls[k].name) && tok_is(sc, i + 2, message_calls[k].first_arg))
            return 1;
    return 0;
}

/* Whether calls of token i's name may be removed or reordered. */
static int call_touchable(const struct scan *sc, long i)
{
    const char *p = sc->s + sc->t[i].off;
    size_t n = sc->t[i].len;
    return !message_call(sc, i) && !text_in(p, n, hook_calls) && !text_in(p, n, quiet_calls) &&
           !text_in(p, n, sc->opt->skip_funcs) && !has_affix(p, n, quiet_prefixes, 0) &&
           !has_affix(p, n, quiet_suffixes, 1);
}

/* ---- structure ------------------------------------------------------------ */

static int match_brackets(struct scan *sc, char *err, size_t errlen)
{
    long stack[512];
    size_t sp = 0;
    unsigned pd = 0;
    for (size_t i = 0; i < sc->n; i++) {
        struct tok *t = &sc->t[i];
        char c = t->type == T_PUNCT && t->len == 1 ? sc->s[t->off] : 0;
        if (c == ')' || c == ']' || c == '}') {
            char want = c == ')' ? '(' : c == ']' ? '[' : '{';
            if (!sp || sc->s[sc->t[stack[sp - 1]].off] != want) {
                snprintf(err, errlen, "line %u: unbalanced '%c'", t->line, c);
                return -1;
            }
            long o = stack[--sp];
            sc->t[o].match = (long)i;
            t->match = o;
            if (c != '}')
                pd--;
        }
        t->pdepth = pd;
        if (c == '(' || c == '[' || c == '{') {
            if (sp == sizeof stack / sizeof stack[0]) {
                snprintf(err, errlen, "line %u: brackets nested too deep", t->line);
                return -1;
            }
            stack[sp++] = (long)i;
            if (c != '{')
                pd++;
        }
    }
    if (sp) {
        snprintf(err, errlen, "line %u: '%c' never closed", sc->t[stack[sp - 1]].line,
                 sc->s[sc->t[stack[sp - 1]].off]);
        return -1;
    }
    return 0;
}

static int return_kind(const struct scan *sc, long name)
{
    static const char *const ignored[] = {"static", "inline", "extern", "const", "volatile",
                                          "_Noreturn", NULL};
    static const char *const int_words[] = {"int", "long", "short", "signed", NULL};
    int ints = 0, others = 0, is_enum = 0, rc = 0;
    for (long i = name - 1, k = 0; i >= 0 && k < 16; i--, k++) {
        if (tok_is(sc, i, ";") || tok_is(sc, i, "}") || tok_is(sc, i, "{"))
            break;
        if (tok_in(sc, i, ignored))
            continue;
        if (tok_in(sc, i, int_words))
            ints++;
        else if (tok_is(sc, i, "enum"))
            is_enum = 1;
        else if (tok_is(sc, i, rc_enum))
            rc = 1;
        else
            others++;
    }
    if (is_enum && rc && !ints && others == 0)
        return RK_RC;
    return ints && !others && !is_enum ? RK_INT : RK_OTHER;
}

static void find_functions(struct scan *sc, struct lex *lx)
{
    for (size_t i = 0; i < sc->n; i++) {
        if (!tok_is(sc, (long)i, "{"))
            continue;
        long close = sc->t[i].match;
        long rp = (long)i - 1;
        if (tok_is(sc, rp, ")") && is_ident(sc, sc->t[rp].match - 1)) {
            long name = sc->t[rp].match - 1;
            if (lx->nf == lx->falloc) {
                lx->falloc = lx->falloc ? lx->falloc * 2 : 64;
                lx->f = xrealloc(lx->f, lx->falloc * sizeof *lx->f);
            }
            struct func *f = &lx->f[lx->nf];
            f->name_off = sc->t[name].off;
            f->name_len = sc->t[name].len;
            f->open = (long)i;
            f->close = close;
            f->kind = return_kind(sc, name);
            for (long k = (long)i + 1; k < close; k++)
                sc->t[k].func = (long)lx->nf;
            lx->nf++;
        }
        i = (size_t)close;              /* nested braces belong to this one */
    }
    sc->f = lx->f;
    sc->nf = lx->nf;
}

static void mark(struct scan *sc, long from, long to, unsigned flag)
{
    for (long k = from; k <= to && k >= 0 && (size_t)k < sc->n; k++)
        sc->t[k].flags |= flag;
}

/* Whether the statement holding token i (at its top level) is a
 * declaration: it starts with a type word, or with "name name" or
 * "name *" (a typedef name). */
static int decl_statement(const struct scan *sc, long i)
{
    static const char *const type_words[] = {
        "char", "short", "int", "long", "float", "double", "void", "_Bool", "signed",
        "unsigned", "struct", "union", "enum", "const", "static", "volatile", "register",
        "extern", "_Thread_local", NULL,
    };
    long k = i;
    for (int guard = 0; k >= 0 && guard < 4096; guard++) {
        if (tok_is(sc, k, ";") || tok_is(sc, k, "{") || tok_is(sc, k, "}"))
            break;
        if (tok_is(sc, k, "(") || tok_is(sc, k, "["))
            return 0;                   /* inside brackets: an expression */
        k = (tok_is(sc, k, ")") || tok_is(sc, k, "]")) ? sc->t[k].match - 1 : k - 1;
    }
    long first = k + 1;
    if (tok_in(sc, first, type_words))
        return 1;
    return is_ident(sc, first) && (is_ident(sc, first + 1) || tok_is(sc, first + 1, "*"));
}

/* [ after a declarator name: "type name [", "type *name [". */
static int decl_bracket(const struct scan *sc, long i)
{
    static const char *const not_types[] = {"return", "case", "sizeof", "else", "do",
                                            "goto", NULL};
    static const char *const decl_words[] = {"struct", "union", "enum", "const", "static",
                                             "unsigned", "signed", "volatile", "register",
                                             "extern", NULL};
    if (i < 2 || sc->t[i - 1].type != T_IDENT)
        return 0;
    long p = i - 2;
    if (tok_is(sc, p, ","))
        return decl_statement(sc, p);
    if (sc->t[p].type == T_IDENT)
        return !tok_in(sc, p, not_types);
    if (!tok_is(sc, p, "*"))
        return 0;
    if (p < 1 || sc->t[p - 1].type != T_IDENT)
        return 0;
    long q = p - 2;
    return q < 0 || tok_is(sc, q, ";") || tok_is(sc, q, "{") || tok_is(sc, q, "}") ||
           tok_in(sc, q, decl_words);
}

static int parse_num(const char *p, size_t n, struct num *out);

/* A number of at least MG_LOOP_GUARD right of < or <=: a loop's safety
 * bound when it stands in a loop head. */
static int loop_guard(const struct scan *sc, long k)
{
    struct num nm;
    return sc->t[k].type == T_NUM && (tok_is(sc, k - 1, "<") || tok_is(sc, k - 1, "<=")) &&
           !parse_num(sc->s + sc->t[k].off, sc->t[k].len, &nm) && !nm.is_float &&
           nm.v >= MG_LOOP_GUARD;
}

static void mark_contexts(struct scan *sc)
{
    for (size_t u = 0; u < sc->n; u++) {
        long i = (long)u;
        if (tok_is(sc, i, "sizeof")) {
            if (tok_is(sc, i + 1, "("))
                mark(sc, i + 1, sc->t[i + 1].match, F_SIZEOF);
            else
                mark(sc, i + 1, i + 1, F_SIZEOF);
        } else if (tok_is(sc, i, "[") && decl_bracket(sc, i)) {
            mark(sc, i, sc->t[i].match, F_DECLBR);
        } else if ((tok_is(sc, i, "for") || tok_is(sc, i, "while")) && tok_is(sc, i + 1, "(")) {
            long close = sc->t[i + 1].match;
            for (long k = i + 2; k < close; k++) {
                if (!loop_guard(sc, k))
                    continue;
                if (tok_is(sc, i, "for"))
                    mark(sc, i + 1, close, F_GUARD);   /* i = 0; i < GUARD; i++ */
                else
                    mark(sc, k - 1, k, F_GUARD);
            }
        } else if (sc->t[i].type == T_IDENT && tok_is(sc, i + 1, "(")) {
            if (message_call(sc, i))
                mark(sc, i + 1, sc->t[i + 1].match, F_MESSAGE);
            for (size_t c = 0; cap_calls[c].name; c++) {
                if (!tok_is(sc, i, cap_calls[c].name))
                    continue;
                long end = sc->t[i + 1].match, start = i + 2;
                int arg = 0;
                for (long k = start; k <= end; k++) {
                    if (k == end || tok_is(sc, k, ",")) {
                        if (arg == cap_calls[c].arg)
                            mark(sc, start, k - 1, F_CAPARG);
                        arg++;
                        start = k + 1;
                    } else if (sc->t[k].match > k) {
                        k = sc->t[k].match;     /* nested brackets */
                    }
                }
            }
        }
    }
}

/* ---- code that only runs with a defect hook on ---------------------------- */

/* Defect hooks are the constant 0 in the real build, so code they guard is
 * dead there and a mutant of it is equivalent by construction.  The value
 * of an expression is taken with every hook call as 0: 0, 1, or -1 when
 * unknown; the parts that cannot matter are marked F_DEAD. */

static int hook_call_at(const struct scan *sc, long i)
{
    return tok_in(sc, i, hook_calls) && tok_is(sc, i + 1, "(");
}

/* The next token equal to op at the level of a in [a, b], else b + 1. */
static long next_top(const struct scan *sc, long a, long b, const char *op)
{
    for (long k = a; k <= b; k++) {
        if (tok_is(sc, k, op))
            return k;
        if (sc->t[k].match > k)
            k = sc->t[k].match;
    }
    return b + 1;
}

static int const_value(struct scan *sc, long a, long b, int depth);

static int atom_value(struct scan *sc, long a, long b, int depth)
{
    if (a > b)
        return -1;
    if (tok_is(sc, a, "(") && sc->t[a].match == b)
        return const_value(sc, a + 1, b - 1, depth + 1);
    if (tok_is(sc, a, "!")) {
        int v = atom_value(sc, a + 1, b, depth + 1);
        return v < 0 ? -1 : !v;
    }
    if (hook_call_at(sc, a) && sc->t[a + 1].match == b)
        return 0;
    return -1;
}

static int and_value(struct scan *sc, long a, long b, int depth)
{
    int all_one = 1;
    for (long p = a, guard = 0; p <= b && guard < 4096; guard++) {
        long q = next_top(sc, p, b, "&&");
        int v = atom_value(sc, p, q - 1, depth);
        if (v == 0) {
            mark(sc, a, b, F_DEAD);
            return 0;
        }
        all_one &= v == 1;
        p = q + 1;
    }
    return all_one ? 1 : -1;
}

static int const_value(struct scan *sc, long a, long b, int depth)
{
    if (a > b || depth > 64 || next_top(sc, a, b, "?") <= b)
        return -1;
    int all_zero = 1;
    for (long p = a, guard = 0; p <= b && guard < 4096; guard++) {
        long q = next_top(sc, p, b, "||");
        int v = and_value(sc, p, q - 1, depth);
        if (v == 1) {
            mark(sc, q, b, F_DEAD);
            return 1;
        }
        all_zero &= v == 0;
        p = q + 1;
    }
    return all_zero ? 0 : -1;
}

/* The last token of the statement starting at k. */
static long stmt_end(const struct scan *sc, long k, int depth)
{
    if (k < 0 || (size_t)k >= sc->n || depth > 64)
        return (long)sc->n - 1;
    if (tok_is(sc, k, "{"))
        return sc->t[k].match;
    if ((tok_is(sc, k, "if") || tok_is(sc, k, "while") || tok_is(sc, k, "for") ||
         tok_is(sc, k, "switch")) && tok_is(sc, k + 1, "(")) {
        long e = stmt_end(sc, sc->t[k + 1].match + 1, depth + 1);
        if (tok_is(sc, k, "if") && tok_is(sc, e + 1, "else"))
            e = stmt_end(sc, e + 2, depth + 1);
        return e;
    }
    return next_top(sc, k, (long)sc->n - 1, ";");
}

static int is_delim_before(const struct scan *sc, long k)
{
    static const char *const d[] = {"(", "[", "{", "}", ";", ",", "?", ":", "=", "+=", "-=",
                                    "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=",
                                    "return", NULL};
    return tok_in(sc, k, d);
}

static void mark_dead(struct scan *sc)
{
    for (long i = 0; (size_t)i < sc->n; i++) {
        if (sc->t[i].func < 0)
            continue;
        if ((tok_is(sc, i, "if") || tok_is(sc, i, "while")) && tok_is(sc, i + 1, "(")) {
            long close = sc->t[i + 1].match;
            int v = const_value(sc, i + 2, close - 1, 0);
            long then_end = stmt_end(sc, close + 1, 0);
            if (v == 0)
                mark(sc, close + 1, then_end, F_DEAD);
            else if (v == 1 && tok_is(sc, i, "if") && tok_is(sc, then_end + 1, "else"))
                mark(sc, then_end + 1, stmt_end(sc, then_end + 2, 0), F_DEAD);
        } else if (tok_is(sc, i, "?")) {
            long c = i - 1;
            for (int guard = 0; c >= 0 && guard < 4096 && !is_delim_before(sc, c); guard++)
                c = tok_is(sc, c, ")") || tok_is(sc, c, "]") ? sc->t[c].match - 1 : c - 1;
            int v = const_value(sc, c + 1, i - 1, 0);
            long colon = i + 1;
            for (int nest = 0; (size_t)colon < sc->n; colon++) {
                if (sc->t[colon].match > colon) {
                    colon = sc->t[colon].match;
                    continue;
                }
                if (tok_is(sc, colon, "?"))
                    nest++;
                if (tok_is(sc, colon, ":") && nest-- == 0)
                    break;
            }
            long end = colon + 1;
            while ((size_t)end < sc->n && !tok_is(sc, end, ")") && !tok_is(sc, end, "]") &&
                   !tok_is(sc, end, "}") && !tok_is(sc, end, ",") && !tok_is(sc, end, ";") &&
                   !tok_is(sc, end, ":"))
                end = sc->t[end].match > end ? sc->t[end].match + 1 : end + 1;
            if (v == 0)
                mark(sc, i + 1, colon - 1, F_DEAD);
            else if (v == 1)
                mark(sc, colon + 1, end - 1, F_DEAD);
        }
    }
}

/* Whether a statement may start at token i (inside a function body, not
 * inside parentheses). */
static int stmt_start(const struct scan *sc, long i)
{
    if (i < 1 || sc->t[i].func < 0 || sc->t[i].pdepth)
        return 0;
    long p = i - 1;
    if (tok_is(sc, p, ";") || tok_is(sc, p, "{") || tok_is(sc, p, "}") || tok_is(sc, p, "else") ||
        tok_is(sc, p, "do"))
        return 1;
    if (tok_is(sc, p, ")")) {
        long o = sc->t[p].match;
        return tok_is(sc, o - 1, "if") || tok_is(sc, o - 1, "while") ||
               tok_is(sc, o - 1, "for") || tok_is(sc, o - 1, "switch");
    }
    if (tok_is(sc, p, ":")) {
        if (tok_is(sc, p - 1, "default"))
            return 1;
        if (sc->t[p - 1].type == T_IDENT &&
            (tok_is(sc, p - 2, ";") || tok_is(sc, p - 2, "{") || tok_is(sc, p - 2, "}")))
            return 1;                   /* a label */
        for (long k = p - 1; k >= 0 && k > p - 32; k--) {
            if (tok_is(sc, k, "case"))
                return 1;
            if (tok_is(sc, k, ";") || tok_is(sc, k, "{") || tok_is(sc, k, "}") ||
                tok_is(sc, k, "?"))
                break;
        }
    }
    return 0;
}

/* A call statement at i: "f(...);" or "(void)f(...);".  Returns the index
 * of its ';' and sets *callee, or -1. */
static long call_stmt(const struct scan *sc, long i, long *callee)
{
    if (!stmt_start(sc, i))
        return -1;
    long c = i;
    if (tok_is(sc, i, "(") && tok_is(sc, i + 1, "void") && tok_is(sc, i + 2, ")"))
        c = i + 3;
    if (!is_ident(sc, c) || !tok_is(sc, c + 1, "("))
        return -1;
    long semi = sc->t[c + 1].match + 1;
    if (!tok_is(sc, semi, ";"))
        return -1;
    *callee = c;
    return semi;
}

/* ---- sites ---------------------------------------------------------------- */

static uint32_t fnv1a(uint32_t h, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 16777619u;
    return h;
}

/* Bounds of the lines holding [off, off+len). */
static void line_bounds(const char *s, size_t len, size_t off, size_t n, size_t *a, size_t *b)
{
    size_t x = off;
    while (x > 0 && s[x - 1] != '\n')
        x--;
    size_t y = off + n;
    while (y < len && s[y] != '\n')
        y++;
    *a = x;
    *b = y;
}

/* Appends p[0..n) with whitespace runs collapsed to one space, trimmed. */
static void put_norm(struct buf *b, const char *p, size_t n, int *space)
{
    for (size_t i = 0; i < n; i++) {
        if (isspace((unsigned char)p[i])) {
            *space = 1;
            continue;
        }
        if (*space && b->len)
            buf_append(b, " ", 1);
        *space = 0;
        buf_append(b, p + i, 1);
    }
}

static void add_site(struct scan *sc, enum mg_op op, long tok, size_t off, size_t len,
                     const char *repl, size_t repl_len)
{
    if (!(sc->opt->ops & (1u << op)) || sc->out->n - sc->first_new >= MG_MAX_SITES)
        return;
    if (sc->out->n == sc->out->alloc) {
        sc->out->alloc = sc->out->alloc ? sc->out->alloc * 2 : 256;
        sc->out->v = xrealloc(sc->out->v, sc->out->alloc * sizeof *sc->out->v);
    }
    struct mg_site *s = &sc->out->v[sc->out->n++];
    memset(s, 0, sizeof *s);
    s->op = op;
    s->off = off;
    s->len = len;
    s->line = sc->t[tok].line;
    s->col = sc->t[tok].col;
    s->repl = xstrndup(repl, repl_len);
    /* hash: the function (or macro) and the text of the lines touched */
    uint32_t h = 2166136261u;
    long f = sc->t[tok].func;
    if (f >= 0) {
        h = fnv1a(h, sc->s + sc->f[f].name_off, sc->f[f].name_len);
        int n = sc->f[f].name_len > 60 ? 60 : (int)sc->f[f].name_len;
        snprintf(s->func, sizeof s->func, "%s%.*s", sc->f[f].open < 0 ? "#define " : "", n,
                 sc->s + sc->f[f].name_off);
    }
    h = fnv1a(h, "\n", 1);
    size_t a, b;
    line_bounds(sc->s, sc->len, off, len, &a, &b);
    struct buf nb;
    buf_init(&nb, MG_MAX_SOURCE);
    int space = 0;
    put_norm(&nb, sc->s + a, b - a, &space);
    h = fnv1a(h, nb.ptr ? nb.ptr : "", nb.len);
    buf_release(&nb);
    snprintf(s->id, sizeof s->id, "%.80s:%u:%u:%s:%08x", sc->name, s->line, s->col,
             mg_op_name(op), (unsigned)h);
}

static void add_tok_site(struct scan *sc, enum mg_op op, long i, const char *repl)
{
    add_site(sc, op, i, sc->t[i].off, sc->t[i].len, repl, strlen(repl));
}


static int parse_num(const char *p, size_t n, struct num *out)
{
    char text[64];
    if (n >= sizeof text)
        return -1;
    memcpy(text, p, n);
    text[n] = '\0';
    memset(out, 0, sizeof *out);
    int hex = n > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    int is_float = !hex && (strchr(text, '.') || strchr(text, 'e') || strchr(text, 'E'));
    if (hex && (strchr(text, '.') || strchr(text, 'p') || strchr(text, 'P')))
        return -1;                  /* hex floats: left alone */
    size_t body = n;
    while (body > 0 && strchr(is_float ? "fFlL" : "uUlL", text[body - 1]))
        body--;
    if (n - body >= sizeof out->suffix || body == 0)
        return -1;
    memcpy(out->suffix, text + body, n - body);
    text[body] = '\0';
    char *end = NULL;
    errno = 0;
    if (is_float) {
        out->is_float = 1;
        out->d = strtod(text, &end);
        if (errno || *end || !isfinite(out->d))
            return -1;
        return 0;
    }
    out->base = hex ? 16 : (body > 1 && text[0] == '0') ? 8 : 10;
    out->v = strtoull(text, &end, out->base == 16 ? 16 : out->base);
    if (errno || *end)
        return -1;
    if (hex) {
        memcpy(out->prefix, text, 2);
        for (size_t k = 2; k < body; k++)
            out->upper |= isupper((unsigned char)text[k]) != 0;
    }
    return 0;
}

static void format_int(const struct num *nm, unsigned long long v, int negative, char *out,
                       size_t cap)
{
    if (negative) {
        snprintf(out, cap, "(-%llu%s)", v, nm->suffix);
        return;
    }
    if (nm->base == 16)
        snprintf(out, cap, nm->upper ? "%s%llX%s" : "%s%llx%s", nm->prefix, v, nm->suffix);
    else if (nm->base == 8 && v)
        snprintf(out, cap, "0%llo%s", v, nm->suffix);
    else
        snprintf(out, cap, "%llu%s", v, nm->suffix);
}

static void format_float(const struct num *nm, double d, char *out, size_t cap)
{
    char t[48];
    snprintf(t, sizeof t, "%.15g", d);
    int integral = !strpbrk(t, ".eEn");
    snprintf(out, cap, "%s%s%s", t, integral ? ".0" : "", nm->suffix);
}

/* Whether the number at i is an operand of a relational or equality
 * operator (possibly after a unary minus). */
static int compared(const struct scan *sc, long i)
{
    static const char *const cmp[] = {"<", "<=", ">", ">=", "==", "!=", NULL};
    long before = tok_is(sc, i - 1, "-") ? i - 2 : i - 1;
    return tok_in(sc, before, cmp) || tok_in(sc, i + 1, cmp);
}

/* For an integer compared with < <= > >=, the one of inc and dec that
 * equals the rel flip of that comparison (x < n+1 is x <= n), else -1. */
static int rel_duplicate(const struct scan *sc, long i)
{
    if (tok_is(sc, i - 1, "-"))
        return -1;
    if (tok_is(sc, i - 1, "<") || tok_is(sc, i - 1, ">="))
        return MG_INC;
    if (tok_is(sc, i - 1, "<=") || tok_is(sc, i - 1, ">"))
        return MG_DEC;
    if (tok_is(sc, i + 1, "<=") || tok_is(sc, i + 1, ">"))
        return MG_INC;
    if (tok_is(sc, i + 1, "<") || tok_is(sc, i + 1, ">="))
        return MG_DEC;
    return -1;
}

static void const_sites(struct scan *sc, long i)
{
    struct num nm;
    if (parse_num(sc->s + sc->t[i].off, sc->t[i].len, &nm))
        return;
    char r[96];
    if (nm.is_float) {
        if (nm.d == 0)
            return;
        format_float(&nm, nm.d * 1.05, r, sizeof r);
        add_tok_site(sc, MG_UP5, i, r);
        format_float(&nm, nm.d * 0.95, r, sizeof r);
        add_tok_site(sc, MG_DOWN5, i, r);
        return;
    }
    unsigned long long v = nm.v;
    int same_as_rel = rel_duplicate(sc, i);
    if (v < ~0ull && same_as_rel != MG_INC) {
        format_int(&nm, v + 1, 0, r, sizeof r);
        add_tok_site(sc, MG_INC, i, r);
    }
    if ((v || compared(sc, i)) && same_as_rel != MG_DEC) {  /* 0 to -1 where the sign matters */
        format_int(&nm, v ? v - 1 : 1, v == 0, r, sizeof r);
        add_tok_site(sc, MG_DEC, i, r);
    }
    unsigned long long d = v / 20 + (v % 20 + 10) / 20;   /* round(v * 0.05) */
    if (d >= 2) {
        if (v + d > v) {
            format_int(&nm, v + d, 0, r, sizeof r);
            add_tok_site(sc, MG_UP5, i, r);
        }
        format_int(&nm, v - d, 0, r, sizeof r);
        add_tok_site(sc, MG_DOWN5, i, r);
    }
}

/* Whether the number at i is left alone: a size, a cap, a loop guard, or
 * the whole value of a return the ret operator covers. */
static int const_skipped(const struct scan *sc, long i)
{
    const struct tok *t = &sc->t[i];
    if (t->flags & (F_SIZEOF | F_DECLBR | F_CAPARG))
        return 1;
    long r = tok_is(sc, i - 1, "-") ? i - 2 : i - 1;
    if (tok_is(sc, r, "return") && tok_is(sc, i + 1, ";") && sc->f[t->func].kind == RK_INT)
        return 1;
    return 0;
}

static void ret_sites(struct scan *sc, long i)
{
    const struct func *f = &sc->f[sc->t[i].func];
    if (f->kind == RK_INT) {
        long v = i + 1, semi;
        int neg = tok_is(sc, v, "-");
        if (neg)
            v++;
        semi = v + 1;
        if (!tok_is(sc, semi, ";") || sc->t[v].type != T_NUM)
            return;
        const char *repl = NULL;
        if (!neg && tok_is(sc, v, "0"))
            repl = "-1";
        else if (tok_is(sc, v, "1"))
            repl = "0";
        if (repl)
            add_site(sc, MG_RET, i + 1, sc->t[i + 1].off,
                     sc->t[v].off + sc->t[v].len - sc->t[i + 1].off, repl, strlen(repl));
    } else if (f->kind == RK_RC && sc->t[i + 1].type == T_IDENT && tok_is(sc, i + 2, ";")) {
        const char *p = sc->s + sc->t[i + 1].off;
        size_t n = sc->t[i + 1].len;
        if (tok_is(sc, i + 1, rc_ok))
            add_tok_site(sc, MG_RET, i + 1, rc_err_default);
        else if (n > strlen(rc_err_prefix) && !memcmp(p, rc_err_prefix, strlen(rc_err_prefix)))
            add_tok_site(sc, MG_RET, i + 1, rc_ok);
    }
}

static void call_sites(struct scan *sc, long i)
{
    long callee;
    long semi = call_stmt(sc, i, &callee);
    if (semi < 0 || !call_touchable(sc, callee))
        return;
    size_t off = sc->t[i].off, end = sc->t[semi].off + 1;
    add_site(sc, MG_DEL, i, off, end - off, "(void)0;", 8);
    /* both statements of one block: the first is not an if's or loop's body */
    if (!(tok_is(sc, i - 1, ";") || tok_is(sc, i - 1, "{") || tok_is(sc, i - 1, "}") ||
          tok_is(sc, i - 1, ":")))
        return;
    long callee2;
    long semi2 = call_stmt(sc, semi + 1, &callee2);
    if (semi2 < 0 || !call_touchable(sc, callee2) || (sc->t[semi + 1].flags & F_DEAD) ||
        (sc->t[callee].len == sc->t[callee2].len &&
         !memcmp(sc->s + sc->t[callee].off, sc->s + sc->t[callee2].off, sc->t[callee].len)))
        return;                     /* same function twice: appends or setters */
    size_t off2 = sc->t[semi + 1].off, end2 = sc->t[semi2].off + 1;
    struct buf r;
    buf_init(&r, MG_MAX_SOURCE);
    buf_append(&r, sc->s + off2, end2 - off2);
    buf_append(&r, sc->s + end, off2 - end);
    buf_append(&r, sc->s + off, end - off);
    if (!r.err)
        add_site(sc, MG_SWAP, i, off, end2 - off, r.ptr, r.len);
    buf_release(&r);
}

static void cond_sites(struct scan *sc, long i)
{
    if (!tok_is(sc, i, "if") || !tok_is(sc, i + 1, "("))
        return;
    long close = sc->t[i + 1].match, c = i + 2;
    if (tok_is(sc, c, "!"))
        c++;
    if (!is_ident(sc, c) || !tok_is(sc, c + 1, "(") || sc->t[c + 1].match + 1 != close ||
        hook_call_at(sc, c))
        return;
    size_t off = sc->t[i + 2].off, len = sc->t[close].off - off;
    add_site(sc, MG_COND0, i + 2, off, len, "0", 1);
    add_site(sc, MG_COND1, i + 2, off, len, "1", 1);
}

static void body_sites(struct scan *sc, long i)
{
    const struct tok *t = &sc->t[i];
    if (t->flags & (F_DEAD | F_MESSAGE | F_GUARD))
        return;
    static const char *const rel_from[] = {"<", "<=", ">", ">=", "==", "!=", NULL};
    static const char *const rel_to[] = {"<=", "<", ">=", ">", "!=", "=="};
    if (t->type == T_PUNCT) {
        for (size_t k = 0; rel_from[k]; k++)
            if (tok_is(sc, i, rel_from[k]))
                add_tok_site(sc, k < 4 ? MG_REL : MG_EQ, i, rel_to[k]);
        if (tok_is(sc, i, "&&") || tok_is(sc, i, "||")) {
            int left_hook = tok_is(sc, i - 1, ")") && hook_call_at(sc, sc->t[i - 1].match - 1);
            int right_hook = hook_call_at(sc, i + 1) ||
                             (tok_is(sc, i + 1, "!") && hook_call_at(sc, i + 2));
            if (!left_hook && !right_hook)
                add_tok_site(sc, MG_LOGIC, i, tok_is(sc, i, "&&") ? "||" : "&&");
        }
        if (tok_is(sc, i, "!") && !hook_call_at(sc, i + 1))
            add_tok_site(sc, MG_NOT, i, "");
    } else if (t->type == T_NUM) {
        if (!const_skipped(sc, i))
            const_sites(sc, i);
    } else if (tok_is(sc, i, "return")) {
        ret_sites(sc, i);
    } else if (tok_is(sc, i, "if")) {
        cond_sites(sc, i);
    }
    call_sites(sc, i);
}

/* Object-like #define NAME BODY: the first number of the body. */
static void define_sites(struct scan *sc, const struct tok *pp, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && pp[j].dir == pp[i].dir)
            j++;
        /* pp[i..j): one directive */
        const char *s = sc->s;
        if (j - i >= 4 && pp[i + 1].len == 6 && !memcmp(s + pp[i + 1].off, "define", 6) &&
            pp[i + 2].type == T_IDENT &&
            !(pp[i + 3].off == pp[i + 2].off + pp[i + 2].len && s[pp[i + 3].off] == '(')) {
            const struct tok *name = &pp[i + 2];
            int skip = 0;
            for (size_t k = 0; cap_define_parts[k]; k++) {
                size_t m = strlen(cap_define_parts[k]);
                for (size_t q = 0; q + m <= name->len; q++)
                    skip |= !memcmp(s + name->off + q, cap_define_parts[k], m);
            }
            for (size_t k = i + 3; k < j && !skip; k++) {
                if (pp[k].type != T_NUM)
                    continue;
                /* borrow the code-token machinery: a one-token scan */
                struct tok one = pp[k];
                struct func macro = {name->off, name->len, -1, -1, RK_OTHER};
                struct scan mini = *sc;
                one.func = 0;
                mini.t = &one;
                mini.n = 1;
                mini.f = &macro;
                mini.nf = 1;
                const_sites(&mini, 0);
                break;
            }
        }
        i = j;
    }
}

static void sort_sites(struct mg_site *v, size_t n)
{
    /* insertion sort by offset, stable; sites arrive nearly sorted */
    for (size_t i = 1; i < n; i++) {
        struct mg_site x = v[i];
        size_t j = i;
        while (j > 0 && v[j - 1].off > x.off) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/* The id without its line number ("file:col:op:hash"): what equivalent.tsv
 * and MUTATION_IDS match on. */
static void id_key(const char *id, char *key, size_t cap)
{
    const char *a = strchr(id, ':');
    const char *b = a ? strchr(a + 1, ':') : NULL;
    if (!b) {
        snprintf(key, cap, "%s", id);
        return;
    }
    snprintf(key, cap, "%.*s%s", (int)(a - id), id, b);
}

/* Identical lines of one function (two `return -1;`) hash alike.  The k-th
 * repeat (k >= 1, in source order) of a key gets "#k" mixed into its hash,
 * so every id names one mutant; the first keeps the plain hash, so ids
 * recorded before this rule still name what they named. */
static void disambiguate_ids(struct mg_site *v, size_t n)
{
    if (n < 2)
        return;
    char (*key)[MG_ID_MAX] = xcalloc(n, sizeof *key);   /* the keys before any rewrite */
    for (size_t i = 0; i < n; i++)
        id_key(v[i].id, key[i], sizeof key[i]);
    for (size_t i = 1; i < n; i++) {
        unsigned k = 0;
        for (size_t j = 0; j < i; j++)
            k += !strcmp(key[i], key[j]);
        char *colon = strrchr(v[i].id, ':');
        if (!k || !colon)
            continue;
        uint32_t h = (uint32_t)strtoul(colon + 1, NULL, 16);
        char tag[16];
        int tl = snprintf(tag, sizeof tag, "#%u", k);
        h = fnv1a(h, tag, (size_t)tl);
        snprintf(colon + 1, sizeof v[i].id - (size_t)(colon + 1 - v[i].id), "%08x", (unsigned)h);
    }
    free(key);
}

int mg_scan(const char *name, const char *src, size_t len, const struct mg_options *opt,
            struct mg_sites *out, char *err, size_t errlen)
{
    if (len > MG_MAX_SOURCE) {
        snprintf(err, errlen, "larger than %u bytes", MG_MAX_SOURCE);
        return -1;
    }
    if (memchr(src, '\0', len)) {
        snprintf(err, errlen, "contains a NUL byte: not C source");
        return -1;
    }
    struct lex lx = {0};
    lx.s = src;
    lx.len = len;
    lx.line = 1;
    lx.err = err;
    lx.errlen = errlen;
    int rc = lex_all(&lx);
    /* split code tokens from preprocessor lines */
    size_t ncode = 0, npp = 0;
    struct tok *pp = NULL;
    if (!rc) {
        pp = xcalloc(lx.n ? lx.n : 1, sizeof *pp);
        for (size_t i = 0; i < lx.n; i++) {
            if (lx.t[i].flags & F_PP)
                pp[npp++] = lx.t[i];
            else
                lx.t[ncode++] = lx.t[i];
        }
    }
    struct scan sc = {name, src, len, lx.t, ncode, NULL, 0, opt, out, out->n};
    if (!rc)
        rc = match_brackets(&sc, err, errlen);
    if (!rc) {
        find_functions(&sc, &lx);
        mark_contexts(&sc);
        mark_dead(&sc);
        define_sites(&sc, pp, npp);
        for (size_t i = 0; i < sc.n; i++) {
            long f = sc.t[i].func;
            if (f < 0 || text_in(src + sc.f[f].name_off, sc.f[f].name_len, opt->skip_funcs))
                continue;
            body_sites(&sc, (long)i);
        }
        sort_sites(out->v + sc.first_new, out->n - sc.first_new);
        disambiguate_ids(out->v + sc.first_new, out->n - sc.first_new);
    }
    free(pp);
    free(lx.t);
    free(lx.f);
    return rc;
}

void mg_sites_release(struct mg_sites *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i].repl);
    free(s->v);
    memset(s, 0, sizeof *s);
}

int mg_apply(const char *src, size_t len, const struct mg_site *s, struct buf *out)
{
    if (s->off > len || s->len > len - s->off)
        return BUF_TOO_LARGE;
    buf_append(out, src, s->off);
    buf_puts(out, s->repl);
    buf_append(out, src + s->off + s->len, len - s->off - s->len);
    return out->err;
}

static void cut_show(struct buf *b, char *out)
{
    const char *p = b->ptr ? b->ptr : "";
    if (b->len > MG_SHOW_MAX)
        snprintf(out, MG_SHOW_MAX + 4, "%.*s...", MG_SHOW_MAX, p);
    else
        snprintf(out, MG_SHOW_MAX + 4, "%s", p);
}

void mg_show(const char *src, size_t len, const struct mg_site *s, char orig[MG_SHOW_MAX + 4],
             char mutated[MG_SHOW_MAX + 4])
{
    size_t a, b;
    line_bounds(src, len, s->off, s->len, &a, &b);
    struct buf o, m;
    buf_init(&o, MG_MAX_SOURCE);
    buf_init(&m, MG_MAX_SOURCE);
    int so = 0, sm = 0;
    put_norm(&o, src + a, b - a, &so);
    put_norm(&m, src + a, s->off - a, &sm);
    put_norm(&m, s->repl, strlen(s->repl), &sm);
    put_norm(&m, src + s->off + s->len, b - s->off - s->len, &sm);
    cut_show(&o, orig);
    cut_show(&m, mutated);
    buf_release(&o);
    buf_release(&m);
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

size_t mg_sample(size_t n, size_t k, uint64_t seed, size_t *keep)
{
    if (k >= n) {
        for (size_t i = 0; i < n; i++)
            keep[i] = i;
        return n;
    }
    size_t *idx = xcalloc(n ? n : 1, sizeof *idx);
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    uint64_t st = seed;
    for (size_t i = 0; i < k; i++) {   /* partial Fisher-Yates */
        size_t j = i + (size_t)(splitmix64(&st) % (n - i));
        size_t t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
    memcpy(keep, idx, k * sizeof *keep);
    free(idx);
    qsort(keep, k, sizeof *keep, cmp_size);
    return k;
}
