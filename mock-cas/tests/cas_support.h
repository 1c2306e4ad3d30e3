/* cas_support.h - shared helpers for the mock-cas tests: the mapping table
 * from the fixtures, and well-formed Smartsheet events and activities to
 * mutate.  Returned cJSON objects belong to the caller. */
#ifndef CAS_TEST_SUPPORT_H
#define CAS_TEST_SUPPORT_H

#include <stdint.h>

#include "../mapping.h"

struct cJSON;

/* Loads fixtures/mapping/smartsheet-cas.json ($KIT_FIXTURES or the source
 * tree); fails the test on error. */
void support_load_mapping(struct mapping *m);

/* A Smartsheet event: eventId, objectType, action, objectId, ISO time
 * for ts_ms, userId, additionalDetails.emailAddress. */
struct cJSON *support_event(const char *event_id, const char *object_type, const char *action,
                            int64_t ts_ms, int64_t user_id, const char *email);
/* The activity a correct connector makes of event (per the table). */
struct cJSON *support_activity(const struct mapping *m, const struct cJSON *event);
/* support_activity of support_event with a default user. */
struct cJSON *support_simple(const struct mapping *m, const char *event_id, int64_t ts_ms,
                             const char *email);

#endif
