/* ctext.h - text from a connector made fit for a report: valid UTF-8,
 * no control bytes, bounded.  A connector's output is whatever bytes it
 * wrote (colour codes, binary, half a multi-byte character where a tail
 * was cut); JSON, XML and HTML readers each reject some of those. */
#ifndef CT_CTEXT_H
#define CT_CTEXT_H

#include <stddef.h>

#include "buf.h"

/* Appends s[0..len) to out as valid UTF-8: ANSI escape sequences removed,
 * CR dropped, other control bytes (and, unless multiline, line breaks and
 * tabs) made spaces, invalid or overlong sequences, surrogates and the
 * non-characters U+FFFE/U+FFFF replaced by U+FFFD.  Returns out's status
 * (0, or the buf error when its cap was reached). */
int ct_text_clean(struct buf *out, const char *s, size_t len, int multiline);

/* The last line of s[0..len) that holds more than blanks, cleaned, in out
 * (cap > 4): cut with "..." when longer.  "" when there is none. */
void ct_text_last_line(const char *s, size_t len, char *out, size_t cap);

/* A form of s for comparing messages across tests: runs of digits become
 * one '#', runs of blanks one space (ports, times and counts differ from
 * test to test; the message does not).  Cut at cap - 1 bytes. */
void ct_text_key(const char *s, char *out, size_t cap);

/* Where the last at most max bytes of text (len bytes, valid UTF-8) begin:
 * at a line start when one is near, else at a character boundary.  The
 * bytes left out before it go to *skipped. */
const char *ct_text_tail(const char *text, size_t len, size_t max, size_t *skipped);

#endif
