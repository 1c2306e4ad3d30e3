/* buf.h - a growable byte buffer with a hard cap fixed at init.
 *
 * Content is always NUL-terminated.  An append that would pass the cap or
 * fails to allocate frees the buffer and returns an error, so a caller that
 * checks only at the end cannot use half-built data.  The buffer owns its
 * memory until buf_take() hands it to the caller. */
#ifndef KIT_BUF_H
#define KIT_BUF_H

#include <stdarg.h>
#include <stddef.h>

enum buf_result { BUF_OK = 0, BUF_TOO_LARGE = 1, BUF_NOMEM = 2 };

struct buf {
    char *ptr;      /* NULL until the first append */
    size_t len;     /* bytes used, excluding the terminating NUL */
    size_t alloc;   /* private */
    size_t max;     /* cap on len; private */
    int err;        /* sticky: first error seen, then every append fails */
};

void buf_init(struct buf *b, size_t max);
/* Starts b empty on mem (malloc'd, alloc > 0 bytes), which b now owns. */
void buf_adopt(struct buf *b, char *mem, size_t alloc, size_t max);
int buf_append(struct buf *b, const void *data, size_t len);
/* Makes room for extra more bytes up front (one allocation instead of a
 * series of doublings); fails like an append of that size would. */
int buf_reserve(struct buf *b, size_t extra);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Appends s as a JSON string literal, quotes included. */
int buf_json_str(struct buf *b, const char *s, size_t len);
/* Appends s percent-encoded for a URL query value. */
int buf_urlenc(struct buf *b, const char *s, size_t len);
/* Returns the bytes (never NULL: "" for an empty buffer) and resets b.
 * The caller frees the result. */
char *buf_take(struct buf *b, size_t *len);
/* The whole file at path (at most cap bytes) as a NUL-terminated string the
 * caller frees, its length in *len (may be NULL); NULL when it cannot be
 * opened or read, or is larger than cap. */
char *buf_read_file(const char *path, size_t cap, size_t *len);
void buf_clear(struct buf *b);     /* keeps the allocation, len = 0 */
void buf_release(struct buf *b);   /* frees everything */

/* Allocation that cannot fail: aborts with a message on exhaustion. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
