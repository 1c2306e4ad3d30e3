/* jspan.h - finds where each element of a top-level array sits in a JSON
 * text, so stored records can reuse the bytes the client sent instead of
 * re-printing parsed trees (the costly part of ingestion).
 *
 * Works on text that already parsed as JSON; every scan is bounded by the
 * text's length.  Borrowed pointers only. */
#ifndef CAS_JSPAN_H
#define CAS_JSPAN_H

#include <stddef.h>

struct jspan {
    const char *start;   /* first byte of the element ('{' for objects) */
    size_t len;
};

/* For the value of key (spelled without escapes) in the top-level object
 * text[0..len), which must be an array: fills out[0..*n) with up to max
 * element spans.  Returns 0, or -1 when the key is absent, not an array,
 * has more than max elements, or the text is not what it should be. */
int jspan_array(const char *text, size_t len, const char *key, struct jspan *out, size_t max,
                size_t *n);

struct buf;
/* Appends the object text[0..len) to out without its closing brace and
 * without the members whose keys (compared decoded) are in drop
 * (NULL-ended): the caller appends its own members and the brace.  Bytes
 * of the kept members are copied as sent, so numbers stay exact.  Returns
 * 0, or -1 when text is not an object. */
int jspan_object_without(const char *text, size_t len, const char *const *drop,
                         struct buf *out);

#endif
