/* strutil.h - bounded parsing of numbers, times and URL-encoded text.
 *
 * Every parser takes the whole string, refuses trailing garbage and
 * out-of-range values, and writes its out-parameter only on success
 * (returning 0); on failure it returns -1 and leaves *out untouched. */
#ifndef KIT_STRUTIL_H
#define KIT_STRUTIL_H

#include <stddef.h>
#include <stdint.h>

int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);
int parse_double(const char *s, double min, double max, double *out);
/* "true"/"false" (exactly). */
int parse_bool(const char *s, int *out);

/* ISO-8601 UTC with second resolution: "YYYY-MM-DDTHH:MM:SSZ".  Also
 * accepts a space for 'T', an optional ".fff" fraction, and a "+HHMM",
 * "+HH:MM" or "-HHMM" offset (the forms the official SDKs send). */
int parse_iso8601_ms(const char *s, int64_t *out_ms);
/* Writes "YYYY-MM-DDTHH:MM:SSZ" (21 bytes with NUL) for epoch ms. */
void format_iso8601(int64_t ms, char out[32]);

/* Decodes %XX and '+' (as space) in place-safe fashion into out (capacity
 * cap, NUL-terminated).  Returns decoded length, or -1 if the input is
 * malformed or does not fit. */
long url_decode(const char *s, size_t len, char *out, size_t cap);

/* Finds name in an application/x-www-form-urlencoded string (a query string
 * or form body) and decodes its first value into out.  Returns 1 when
 * found, 0 when absent, -1 when malformed or too long. */
int form_get(const char *form, size_t len, const char *name, char *out, size_t cap);

/* Copies at most cap-1 bytes of s into out, replacing CR/LF/control bytes
 * with '?', for messages that quote outside input. */
void str_sanitize(const char *s, char *out, size_t cap);

#endif
