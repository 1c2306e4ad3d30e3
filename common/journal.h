/* journal.h - a bounded record of every request a double answered.
 *
 * A ring of the last `cap` entries; older ones are dropped and counted.
 * Entries never hold secrets: callers pass token ids, and query strings or
 * form bodies go through journal_redact first.  Thread-safe. */
#ifndef KIT_JOURNAL_H
#define KIT_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct journal_entry {
    uint64_t seq;
    int64_t real_ms;        /* wall clock, epoch ms */
    int64_t dur_ms;         /* duration clock */
    char method[8];
    int status;
    int error_code;         /* service error code or 0 */
    char token_id[9];       /* short id of the bearer/instance token, "" if none */
    char auth_scheme[12];   /* "Bearer", "Token", "none", "other" */
    char *path;
    char *query;            /* redacted */
    char *form;             /* redacted form body, or NULL */
    char *user_agent;
    char *content_type;
    char *accept_encoding;
    char *note;             /* free text from the double (fault applied, ...) */
};

struct journal_filter {
    const char *method;       /* NULL = any */
    const char *path_prefix;  /* NULL = any */
    const char *token_id;     /* NULL = any */
    int status;               /* 0 = any */
    uint64_t after_seq;       /* entries with seq > after_seq */
    size_t limit;             /* 0 = all */
};

struct journal;

struct journal *journal_new(size_t cap);
void journal_free(struct journal *j);
/* Copies e (strings included, each cut at LIM_JOURNAL_STRING bytes); NULL
 * strings are stored as NULL.  Strings that do not fit the slot share
 * LIM_JOURNAL_TEXT bytes: older entries are dropped to stay within it. */
void journal_add(struct journal *j, const struct journal_entry *e);
void journal_clear(struct journal *j);
/* Bytes held by the entries' long strings (at most LIM_JOURNAL_TEXT). */
size_t journal_text_bytes(struct journal *j);
/* Appends {"dropped":N,"total":N,"entries":[...]} for entries matching f. */
int journal_to_json(struct journal *j, const struct journal_filter *f, struct buf *out);
/* Calls fn for each matching entry, oldest first, under the journal lock
 * (fn must not call back into the journal). */
void journal_each(struct journal *j, const struct journal_filter *f,
                  void (*fn)(void *ctx, const struct journal_entry *e), void *ctx);

/* Copies a form/query string into out with the values of the named
 * parameters replaced by "REDACTED-<8 hex of SHA-256>" so that equal
 * secrets can be correlated without being stored.  names is NULL-ended. */
int journal_redact(const char *form, size_t len, const char *const *names, struct buf *out);

/* 1 if form has a parameter named in names (then it needs journal_redact),
 * else 0: the string can be journalled as it is. */
int journal_has_secret(const char *form, size_t len, const char *const *names);

/* The text to journal for form: form itself when it names no secret
 * (most requests: no copy), else its redaction built in scratch; NULL if
 * that fails (scratch's cap). */
const char *journal_safe_text(const char *form, size_t len, const char *const *names,
                              struct buf *scratch);

#endif
