/* cas_support.c - test helpers (see cas_support.h). */
#include "cas_support.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "strutil.h"

void support_load_mapping(struct mapping *m)
{
    const char *dir = getenv("KIT_FIXTURES");
    char path[4096], err[600];
    snprintf(path, sizeof path, "%s/mapping/smartsheet-cas.json", dir ? dir : KIT_SOURCE_FIXTURES);
    if (mapping_load(m, path, err, sizeof err)) {
        print_error("%s\n", err);
        fail();
    }
}

cJSON *support_event(const char *event_id, const char *object_type, const char *action,
                     int64_t ts_ms, int64_t user_id, const char *email)
{
    char iso[32];
    format_iso8601(ts_ms, iso);
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "eventId", event_id);
    cJSON_AddStringToObject(e, "objectType", object_type);
    cJSON_AddStringToObject(e, "action", action);
    cJSON_AddNumberToObject(e, "objectId", 4583173393803140.0);
    cJSON_AddStringToObject(e, "eventTimestamp", iso);
    cJSON_AddNumberToObject(e, "userId", (double)user_id);
    cJSON_AddNumberToObject(e, "requestUserId", (double)user_id);
    cJSON_AddStringToObject(e, "source", "WEB_APP");
    cJSON *d = cJSON_AddObjectToObject(e, "additionalDetails");
    cJSON_AddStringToObject(d, "emailAddress", email);
    cJSON_AddStringToObject(d, "sourceIpAddress", "203.0.113.9");
    return e;
}

cJSON *support_activity(const struct mapping *m, const cJSON *event)
{
    const char *ot = cJSON_GetObjectItem(event, "objectType")->valuestring;
    const char *ac = cJSON_GetObjectItem(event, "action")->valuestring;
    const struct map_row *row = mapping_find(m, ot, ac);
    const cJSON *uid = cJSON_GetObjectItem(event, "userId");
    const char *email =
        cJSON_GetObjectItem(cJSON_GetObjectItem(event, "additionalDetails"), "emailAddress")->valuestring;
    const char *user = mapping_is_system_user(m, (int64_t)uid->valuedouble) ? m->system_user_name : email;
    int64_t ts;
    assert_int_equal(parse_iso8601_ms(cJSON_GetObjectItem(event, "eventTimestamp")->valuestring, &ts), 0);
    char oid[64], desc[1024];
    snprintf(oid, sizeof oid, "%.0f", cJSON_GetObjectItem(event, "objectId")->valuedouble);
    assert_int_equal(mapping_describe(row, ot, ac, oid, user, desc, sizeof desc), 0);
    cJSON *a = cJSON_CreateObject();
    cJSON_AddNumberToObject(a, "appId", (double)m->app_id);
    cJSON_AddStringToObject(a, "appName", m->app_name);
    cJSON_AddNumberToObject(a, "source", (double)m->source);
    cJSON_AddNumberToObject(a, "timestamp", (double)ts);
    cJSON_AddStringToObject(a, "eventTypeValue", row->event_type_value);
    cJSON_AddStringToObject(a, "activityType", row->activity_type);
    cJSON_AddNumberToObject(a, "eventType", (double)row->event_type);
    cJSON_AddStringToObject(a, "eventTypeName", row->event_type_name);
    cJSON_AddStringToObject(a, "description", desc);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(a, "user"), "userName", user);
    cJSON_AddItemToObject(a, "rawDataJson", cJSON_Duplicate(event, 1));
    return a;
}

cJSON *support_simple(const struct mapping *m, const char *event_id, int64_t ts_ms,
                      const char *email)
{
    cJSON *e = support_event(event_id, "SHEET", "CREATE", ts_ms, 1234567, email);
    cJSON *a = support_activity(m, e);
    cJSON_Delete(e);
    return a;
}
