/* validate.h - judges one delivered activity against the mapping table and
 * the documented Smartsheet limitations.
 *
 * Every rule has a stable id (docs/mock-cas.md lists them); a verdict holds
 * the rules an activity broke with a reason naming the field.  Pure
 * functions over caller-owned data; thread-safe. */
#ifndef CAS_VALIDATE_H
#define CAS_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "mapping.h"

struct cJSON;

#define VAL_MAX_VIOLATIONS 16
#define VAL_EVENT_ID_MAX 256

struct violation {
    char rule[12];
    char reason[300];
};

struct verdict {
    size_t n;                           /* violations found (capped) */
    struct violation v[VAL_MAX_VIOLATIONS];
    char event_id[VAL_EVENT_ID_MAX + 1]; /* rawDataJson.eventId, "" when unusable */
};

struct val_rule { const char *id; const char *statement; };
/* Every rule, NULL-ended, for documentation and the admin API. */
extern const struct val_rule val_rules[];

/* Checks activity number index of a batch.  Fills *out; returns out->n. */
size_t validate_activity(const struct mapping *m, const struct cJSON *act, size_t index,
                         struct verdict *out);

/* Parses an event timestamp (ISO-8601 string or epoch-ms number) to ms.
 * Returns 0, or -1 when it is neither. */
int val_event_time_ms(const struct cJSON *ts, int64_t *out);

/* Whether s parses as an IPv4 or IPv6 address. */
int val_is_ip(const char *s);

#endif
