/* mapping.h - the Smartsheet event -> CAS activity mapping table
 * (fixtures/mapping/smartsheet-cas.json, format in docs/mapping.md).
 *
 * Loaded once at start and read-only afterwards, so lookups need no lock.
 * The table owns all its strings. */
#ifndef CAS_MAPPING_H
#define CAS_MAPPING_H

#include <stddef.h>
#include <stdint.h>

struct map_row {
    char *object_type;      /* NULL for the unknown row */
    char *action;
    char *event_type_value;
    char *activity_type;
    char *description;      /* template with {object} {objectType} {action} {objectId} {actor} */
    int64_t event_type;     /* numeric code of activity_type */
    char *event_type_name;  /* EVENT_CATEGORY_<ACTIVITY TYPE> */
};

struct mapping {
    int64_t app_id;
    char *app_name;
    int64_t source;
    char *system_user_name;
    int64_t *system_user_ids;
    size_t n_system_users;
    struct map_row *rows;
    size_t n_rows;
    struct map_row unknown;
};

/* Parses a table from text.  Returns 0, or -1 with a message naming the
 * field in err.  Refuses rows using Log on / Log out / Failed log on. */
int mapping_parse(struct mapping *m, const char *text, size_t len, char *err, size_t errlen);
/* Reads and parses the file at path. */
int mapping_load(struct mapping *m, const char *path, char *err, size_t errlen);
void mapping_free(struct mapping *m);

/* The row for (object_type, action), or the unknown row. */
const struct map_row *mapping_find(const struct mapping *m, const char *object_type,
                                   const char *action);
int mapping_is_system_user(const struct mapping *m, int64_t user_id);

/* Fills row->description for one event: object_type, action, object_id
 * (already chosen: objectIdStr or the decimal objectId) and actor.
 * Writes at most cap-1 bytes; returns -1 if it did not fit. */
int mapping_describe(const struct map_row *row, const char *object_type, const char *action,
                     const char *object_id, const char *actor, char *out, size_t cap);

/* Whether an activity type name is one Smartsheet never produces (log on,
 * log out, failed log on). */
int mapping_is_login_type(const char *activity_type);

#endif
