/* mapping.h - turns one Smartsheet Event Reporting event into one CAS
 * activity (CONTRACT.md section 6), driven by the mapping table
 * fixtures/mapping/smartsheet-cas.json (docs/mapping.md).
 *
 * The table is loaded once and read-only afterwards; it owns its strings.
 * Activities are appended as JSON text straight into a caller's buffer,
 * with the event's original bytes as rawDataJson. */
#ifndef CONN_MAPPING_H
#define CONN_MAPPING_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "buf.h"

struct conn_mapping;

/* Parses a table from text.  Returns 0 and *out (free with
 * conn_mapping_free), or -1 with a message naming the field in err.
 * Refuses rows with log on / log out activity types. */
int conn_mapping_parse(const char *text, size_t len, struct conn_mapping **out, char *err,
                       size_t errlen);
/* Reads the table at path (messages name the file). */
int conn_mapping_load(const char *path, struct conn_mapping **out, char *err, size_t errlen);
void conn_mapping_free(struct conn_mapping *m);

/* The row chosen for a pair (never NULL: the unknown row when the table
 * has none).  For tests and logs. */
struct conn_map_row_view {
    const char *event_type_value;
    const char *activity_type;
    int64_t event_type;
    const char *event_type_name;
    int is_unknown;
};
struct conn_map_row_view conn_mapping_row(const struct conn_mapping *m, const char *object_type,
                                          const char *action);
size_t conn_mapping_row_count(const struct conn_mapping *m);

enum conn_map_result {
    MAP_OK = 0,
    MAP_SKIP = 1,      /* the event cannot become an activity (no usable
                          eventTimestamp); why is in err */
    MAP_BUF = 2,       /* the output buffer refused the bytes */
};

/* The organisation's users by id, for events without an email address
 * (contract 6: such an event belongs to its userId's address).  Owned by
 * its holder; filled by conn_user_index_add, then conn_user_index_sort. */
struct conn_user_index {
    size_t n, cap;
    struct conn_user_email { int64_t id; char *email; } *users;
};
void conn_user_index_clear(struct conn_user_index *u);
void conn_user_index_add(struct conn_user_index *u, int64_t id, const char *email);
void conn_user_index_sort(struct conn_user_index *u);
/* The address of user id, or NULL. */
const char *conn_user_index_email(const struct conn_user_index *u, int64_t id);

/* Appends the activity for event (parsed) whose original text is
 * raw[0..raw_len) to out, as one JSON object; users (may be NULL) names
 * the user of an event without an email address.  On MAP_SKIP and MAP_BUF
 * out may hold a partial object: callers roll back to their mark. */
enum conn_map_result conn_mapping_activity(const struct conn_mapping *m, const cJSON *event,
                                           const char *raw, size_t raw_len,
                                           const struct conn_user_index *users, struct buf *out,
                                           char *err, size_t errlen);

/* Writes the decimal text of an integral JSON number (|v| < 2^53) into
 * out (cap >= 24).  Returns 0, or -1 when n is not such a number. */
int conn_json_int_text(const cJSON *n, char *out, size_t cap);

#endif
