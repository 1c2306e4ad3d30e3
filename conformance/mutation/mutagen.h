/* mutagen.h - mutation sites in C source, for measuring the conformance
 * suite against mutants of the reference connector (docs/mutation.md).
 *
 * mg_scan() lexes one file (comments, string and character literals and
 * preprocessor lines are never mutated; object-like #define constants
 * are), finds the sites of each operator and gives every site a stable id
 * "file:line:col:op:hash", where hash covers the enclosing function's name
 * and the text of the lines the site touches.  A site is one replacement of
 * a span of the source; mg_apply() writes the mutated file. */
#ifndef MG_MUTAGEN_H
#define MG_MUTAGEN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Largest source file scanned, and most sites kept per file. */
#define MG_MAX_SOURCE (4u * 1024u * 1024u)
#define MG_MAX_SITES 100000u
/* Longest id, and longest original/mutated text shown per site. */
#define MG_ID_MAX 160
#define MG_SHOW_MAX 240

/* X(enum, name, what): the operators, in the order the ids use. */
#define MG_OPS(X)                                                               \
    X(MG_REL, "rel", "< <= > >= flipped to their neighbour (< to <=, ...)")     \
    X(MG_EQ, "eq", "== and != swapped")                                         \
    X(MG_LOGIC, "logic", "&& and || swapped")                                   \
    X(MG_NOT, "not", "a logical ! removed")                                     \
    X(MG_INC, "inc", "an integer constant n made n+1")                          \
    X(MG_DEC, "dec", "an integer constant n made n-1")                          \
    X(MG_UP5, "up5", "a constant made n*1.05 (when that is not n+1)")           \
    X(MG_DOWN5, "down5", "a constant made n*0.95 (when that is not n-1)")       \
    X(MG_DEL, "del", "a call statement f(...); removed")                        \
    X(MG_COND0, "cond0", "if (f(...)) made if (0)")                             \
    X(MG_COND1, "cond1", "if (f(...)) made if (1)")                             \
    X(MG_RET, "ret", "return 0/1 <-> -1 in int functions, ok <-> error codes")  \
    X(MG_SWAP, "swap", "two adjacent call statements of one block swapped")

#define MG_OP_ENUM(e, name, what) e,
enum mg_op { MG_OPS(MG_OP_ENUM) MG_OP_COUNT };
#undef MG_OP_ENUM

#define MG_ALL_OPS ((1u << MG_OP_COUNT) - 1u)

struct mg_site {
    enum mg_op op;
    unsigned line, col;            /* 1-based, of the first replaced byte */
    size_t off, len;               /* the replaced span of the source */
    char *repl;                    /* its replacement (owned) */
    char id[MG_ID_MAX];
    char func[64];                 /* enclosing function, "#define NAME", or "" */
};

struct mg_sites {
    struct mg_site *v;
    size_t n, alloc;
};

/* What to leave alone beyond the built-in rules (see mutagen.c's tables). */
struct mg_options {
    unsigned ops;                  /* bit (1u << op) per operator wanted */
    const char *const *skip_funcs; /* NULL-terminated, or NULL: no site inside
                                      these functions, no call of them removed */
};

/* Name and one-line description of op; "" for an unknown value. */
const char *mg_op_name(enum mg_op op);
const char *mg_op_what(enum mg_op op);
/* Parses a list of operator names separated by spaces or commas into a
 * bit set; returns -1 (message in err) on an unknown name. */
int mg_ops_parse(const char *list, unsigned *out, char *err, size_t errlen);

/* Finds the sites of file text src[0..len) (name: its base name, used in
 * the ids) and appends them to out in source order.  Returns 0, or -1 with
 * a message in err when the text cannot be lexed (an unterminated comment
 * or literal, unbalanced brackets) or is larger than MG_MAX_SOURCE; out is
 * then unchanged.  out's sites are released with mg_sites_release(). */
int mg_scan(const char *name, const char *src, size_t len, const struct mg_options *opt,
            struct mg_sites *out, char *err, size_t errlen);
void mg_sites_release(struct mg_sites *s);

/* Appends to out the text of src with site s applied.  Returns the buf's
 * result (BUF_OK or an error; out is then released). */
int mg_apply(const char *src, size_t len, const struct mg_site *s, struct buf *out);

/* The original and mutated text of the lines s touches, whitespace runs
 * collapsed, each cut to MG_SHOW_MAX bytes (with "..." when cut). */
void mg_show(const char *src, size_t len, const struct mg_site *s, char orig[MG_SHOW_MAX + 4],
             char mutated[MG_SHOW_MAX + 4]);

/* Keeps k of the n indices 0..n-1 chosen by seed (all when k >= n), in
 * increasing order: writes them to keep[] and returns how many. */
size_t mg_sample(size_t n, size_t k, uint64_t seed, size_t *keep);

#endif
