/* jscan.h - finds the byte ranges of JSON values without building a tree,
 * so the connector can forward each event's original text unchanged
 * (rawDataJson) while cJSON supplies the field values.  Input must already
 * be valid JSON (validated by cJSON first); the scanner never reads past
 * len and never recurses. */
#ifndef CONN_JSCAN_H
#define CONN_JSCAN_H

#include <stddef.h>

struct jscan_range {
    size_t off;
    size_t len;
};

/* Finds top-level member key of the object in s[0..len).  Returns 1 and
 * the value's range, 0 when absent, -1 when s is not an object. */
int jscan_member(const char *s, size_t len, const char *key, struct jscan_range *out);
/* Lists the elements of the array in s[0..len): up to cap ranges into
 * out (offsets relative to s).  Returns the number found, or -1 when s is
 * not an array or holds more than cap elements. */
long jscan_array(const char *s, size_t len, struct jscan_range *out, size_t cap);

#endif
