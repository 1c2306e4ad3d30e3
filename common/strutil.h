/* strutil.h - bounded parsing of numbers, times and URL-encoded text.
 *
 * Every parser takes the whole string, refuses trailing garbage and
 * out-of-range values, and writes its out-parameter only on success
 * (returning 0); on failure it returns -1 and leaves *out untouched. */
#ifndef KIT_STRUTIL_H
#define KIT_STRUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);
int parse_double(const char *s, double min, double max, double *out);
/* A JSON number's double as an integer: 0 when it is finite, whole and
 * within +-2^53 (exact in a double), else -1 and *out untouched.  Never
 * casts an out-of-range double (undefined behaviour: 1e400 is inf). */
int double_to_i64(double d, int64_t *out);
/* "true"/"false" in any letter case (Python's requests sends "True"). */
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

/* A form key made comparable: key[0..klen) itself when it has no escapes
 * (nearly all keys), else its decoding in tmp.  0, or -1 when it does not
 * decode (such a key matches no name). */
int form_key_view(const char *key, size_t klen, char tmp[128], const char **out,
                  size_t *out_len);

/* Whether the key k[0..klen) (from form_key_view) is name. */
static inline int form_key_eq(const char *k, size_t klen, const char *name)
{
    return k[0] == name[0] && strlen(name) == klen && !memcmp(k, name, klen);
}

/* Finds name in an application/x-www-form-urlencoded string (a query string
 * or form body) and decodes its first value into out.  Returns 1 when
 * found, 0 when absent, -1 when malformed or too long. */
int form_get(const char *form, size_t len, const char *name, char *out, size_t cap);

/* Calls fn for each pair of form (key=value, or a bare key: klen == plen);
 * stops at the first non-zero return and returns it, else 0. */
int form_each_pair(const char *form, size_t len,
                   int (*fn)(void *ctx, const char *pair, size_t plen, size_t klen), void *ctx);

/* A parameter found by form_find: its still-encoded value, or NULL. */
struct form_raw {
    const char *value;
    size_t len;
};

/* Looks up n names in one pass over form; out[i] gets the first value of
 * names[i] (a key without '=' has an empty value).  Decode with
 * form_decode. */
void form_find(const char *form, size_t len, const char *const *names, size_t n,
               struct form_raw *out);

/* Decodes a value form_find found into out: 1, or 0 when it was absent,
 * or -1 when it is malformed or does not fit in cap. */
int form_decode(const struct form_raw *raw, char *out, size_t cap);

/* Copies at most cap-1 bytes of s into out, replacing CR/LF/control bytes
 * with '?', for messages that quote outside input. */
void str_sanitize(const char *s, char *out, size_t cap);

#endif
