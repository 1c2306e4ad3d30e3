/* jstrict.h - reads JSON text the way a strict reader does and says where
 * a lenient one (cJSON, the byte scanners) would read something else:
 * duplicate keys (cJSON finds the first, most readers keep the last),
 * "\u0000" (C strings end there), invalid UTF-8 and lone surrogates,
 * raw control bytes in strings; and bounds the number of values and the
 * nesting depth before any tree is built (issue #13, items 4 and 7).
 *
 * One pass over text[0..len), no recursion; memory: a key table that grows
 * with the number of keys (bounded by max_values). */
#ifndef KIT_JSTRICT_H
#define KIT_JSTRICT_H

#include <stddef.h>

enum jstrict_kind {
    JS_OK = 0,
    JS_SYNTAX,       /* not one JSON value */
    JS_TOO_MANY,     /* more than max_values values */
    JS_TOO_DEEP,     /* nested deeper than max_depth */
    JS_DUP_KEY,      /* a key twice in one object (compared decoded) */
    JS_NUL,          /* "\u0000" in a string */
    JS_UTF8,         /* invalid UTF-8, or a lone surrogate escape */
    JS_CTRL,         /* a raw byte below 0x20 in a string */
};

struct jstrict_limits {
    size_t max_values;   /* 0: no bound */
    size_t max_depth;    /* 0: no bound */
};

struct jstrict_issue {
    enum jstrict_kind kind;
    size_t offset;       /* where in the text */
    char key[64];        /* the key concerned, or the member it is in ("" if none),
                          * sanitized for messages */
};

/* Checks text[0..len) as exactly one JSON value (white space around it
 * allowed).  Returns JS_OK, or the first finding (details in *out, which
 * may be NULL). */
enum jstrict_kind jstrict_check(const char *text, size_t len, const struct jstrict_limits *lim,
                                struct jstrict_issue *out);

/* One line describing issue (e.g. "the key 'appName' appears twice in one
 * object") into msg. */
void jstrict_describe(const struct jstrict_issue *issue, char *msg, size_t cap);

/* Whether the raw text of a JSON string's content (between the quotes,
 * escapes as sent) decodes to exactly key.  For scanners that look keys up
 * in text: "d\u0061ta" is "data". */
int jstrict_key_equals(const char *raw, size_t rawlen, const char *key);

/* Request bodies: the bounds both doubles apply before parsing. */
extern const struct jstrict_limits jstrict_body_limits;

/* Checks a request body with jstrict_body_limits.  Returns 0 when it reads
 * clean; else the HTTP status to refuse it with (413 too many values or too
 * deep, 400 otherwise), msg set to "the request body is refused: ...".
 * *kind (may be NULL) gets the finding. */
int jstrict_body_refusal(const char *body, size_t len, enum jstrict_kind *kind, char *msg,
                         size_t cap);

#endif
