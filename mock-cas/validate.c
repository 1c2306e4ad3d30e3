/* validate.c - the activity rules (ids in validate.h, text in docs/mock-cas.md). */
#include "validate.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "strutil.h"

const struct val_rule val_rules[] = {
    {"ACT-001", "The activity is an object with every required field of the right type: appId, "
                "source, timestamp, eventType (integers), appName, eventTypeValue, activityType, "
                "eventTypeName, description (strings), user (object with a string userName), "
                "rawDataJson (object)."},
    {"ACT-002", "appId is the table's appId (11934)."},
    {"ACT-003", "appName is the table's appName (\"Smartsheet\")."},
    {"ACT-004", "source is the table's source (2, app connector)."},
    {"ACT-005", "timestamp equals rawDataJson.eventTimestamp in epoch milliseconds."},
    {"RAW-001", "rawDataJson carries eventId (non-empty string of at most 256 bytes), objectType "
                "and action (strings) and eventTimestamp (ISO-8601 string or epoch ms)."},
    {"MAP-001", "eventTypeValue is the table row's for (objectType, action), or the unknown row's."},
    {"MAP-002", "activityType, eventType and eventTypeName are the table row's."},
    {"MAP-003", "description is the row's template filled from the event."},
    {"USR-001", "user.userName is rawDataJson.additionalDetails.emailAddress, or the table's "
                "systemUserName when rawDataJson.userId is one of its systemUserIds."},
    {"LIM-001", "No log on, log out or failed log on activity (type name, code or category)."},
    {"LIM-002", "No IP address outside rawDataJson: no clientIP/ipAddress field with a value, "
                "no string value that parses as an IPv4 or IPv6 address."},
    {"JSON-001", "No object in the activity has the same key twice (compared after decoding "
                 "escapes): readers disagree on which value counts."},
    {"JSON-002", "No string in the activity holds \\u0000: C readers end the string there."},
    {"JSON-003", "Every string in the activity is valid UTF-8, with no lone surrogate escape."},
    {"JSON-004", "No string in the activity holds a raw control byte (below 0x20): JSON "
                 "forbids them."},
    {NULL, NULL},
};

static void add(struct verdict *out, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add(struct verdict *out, const char *rule, const char *fmt, ...)
{
    if (out->n >= VAL_MAX_VIOLATIONS)
        return;
    struct violation *v = &out->v[out->n++];
    snprintf(v->rule, sizeof v->rule, "%s", rule);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->reason, sizeof v->reason, fmt, ap);
    va_end(ap);
}

int val_is_ip(const char *s)
{
    unsigned char tmp[16];
    size_t n = 0;
    /* Cheap screen first: addresses use hex digits, '.', ':' (and '%' zones). */
    for (const char *p = s; *p; p++, n++) {
        char c = *p;
        if (n > 45 || !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                        (c >= 'A' && c <= 'F') || c == '.' || c == ':'))
            return 0;
    }
    if (n < 2)
        return 0;
    return inet_pton(AF_INET, s, tmp) == 1 || inet_pton(AF_INET6, s, tmp) == 1;
}

static int is_int(const cJSON *v)
{
    return cJSON_IsNumber(v) && isfinite(v->valuedouble) && fabs(v->valuedouble) < 9.0e15 &&
           v->valuedouble == floor(v->valuedouble);
}

int val_event_time_ms(const cJSON *ts, int64_t *out)
{
    if (cJSON_IsString(ts))
        return parse_iso8601_ms(ts->valuestring, out);
    if (is_int(ts)) {
        *out = (int64_t)ts->valuedouble;
        return 0;
    }
    return -1;
}

static const cJSON *field(const cJSON *o, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(o, name);
}

static const char *str_of(const cJSON *o, const char *name)
{
    const cJSON *v = field(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int ip_key(const char *k)
{
    static const char *const names[] = {"clientIP", "ipAddress", "ip", "sourceIpAddress",
                                        "otherIPs", "IPAddress", NULL};
    for (size_t i = 0; names[i]; i++)
        if (!strcasecmp(k, names[i]))
            return 1;
    return 0;
}

static int has_value(const cJSON *v)
{
    if (cJSON_IsNull(v))
        return 0;
    if (cJSON_IsString(v))
        return v->valuestring[0] != '\0';
    if (cJSON_IsArray(v))
        return cJSON_GetArraySize(v) > 0;
    return 1;
}

#define IP_SCAN_DEPTH 64

/* The dotted path of the nodes on the stack, for a reason text. */
static void path_of(const cJSON *const *stack, const int *idx, size_t depth, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t d = 0; d < depth && len < cap; d++) {
        int w = stack[d]->string
                    ? snprintf(out + len, cap - len, "%s%s", len ? "." : "", stack[d]->string)
                    : snprintf(out + len, cap - len, "[%d]", idx[d]);
        if (w < 0)
            break;
        len += (size_t)w;
    }
}

/* Walks everything but rawDataJson at the top level; paths are built only
 * for findings. */
static void scan_ips(const cJSON *node, const cJSON **stack, int *idx, size_t depth,
                     size_t index, struct verdict *out)
{
    int i = 0;
    for (const cJSON *c = node->child; c; c = c->next, i++) {
        if (depth == 0 && c->string && !strcmp(c->string, "rawDataJson"))
            continue;
        if (depth >= IP_SCAN_DEPTH) {
            add(out, "LIM-002", "activity %zu nests deeper than %d levels outside rawDataJson "
                "and cannot be checked for IP addresses", index, IP_SCAN_DEPTH);
            return;
        }
        stack[depth] = c;
        idx[depth] = i;
        int key_hit = c->string && ip_key(c->string) && has_value(c);
        int val_hit = !key_hit && cJSON_IsString(c) && val_is_ip(c->valuestring);
        if (key_hit || val_hit) {
            char path[256];
            path_of(stack, idx, depth + 1, path, sizeof path);
            if (key_hit)
                add(out, "LIM-002", "activity %zu carries %s", index, path);
            else
                add(out, "LIM-002", "activity %zu has an IP address in %s", index, path);
        } else if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
            scan_ips(c, stack, idx, depth + 1, index, out);
        }
    }
}

static void check_required(const cJSON *act, size_t index, struct verdict *out)
{
    static const char *const ints[] = {"appId", "source", "timestamp", "eventType", NULL};
    static const char *const strs[] = {"appName", "eventTypeValue", "activityType",
                                       "eventTypeName", "description", NULL};
    for (size_t i = 0; ints[i]; i++)
        if (!is_int(field(act, ints[i])))
            add(out, "ACT-001", "activity %zu: %s %s", index, ints[i],
                field(act, ints[i]) ? "must be an integer" : "is missing");
    for (size_t i = 0; strs[i]; i++)
        if (!cJSON_IsString(field(act, strs[i])))
            add(out, "ACT-001", "activity %zu: %s %s", index, strs[i],
                field(act, strs[i]) ? "must be a string" : "is missing");
    const cJSON *user = field(act, "user");
    if (!cJSON_IsObject(user) || !cJSON_IsString(field(user, "userName")))
        add(out, "ACT-001", "activity %zu: user.userName %s", index,
            cJSON_IsObject(user) && field(user, "userName") ? "must be a string" : "is missing");
    if (!cJSON_IsObject(field(act, "rawDataJson")))
        add(out, "ACT-001", "activity %zu: rawDataJson %s", index,
            field(act, "rawDataJson") ? "must be an object" : "is missing");
}

/* The text {objectId} stands for: objectIdStr itself (any length), or
 * objectId as decimal in num. */
static const char *object_id_text(const cJSON *raw, char *num, size_t cap)
{
    const cJSON *s = field(raw, "objectIdStr");
    const cJSON *n = field(raw, "objectId");
    if (cJSON_IsString(s))
        return s->valuestring;
    if (is_int(n)) {
        snprintf(num, cap, "%lld", (long long)n->valuedouble);
        return num;
    }
    return cJSON_IsString(n) ? n->valuestring : "";
}

static void check_mapping(const struct mapping *m, const cJSON *act, const cJSON *raw,
                          size_t index, struct verdict *out)
{
    const char *ot = str_of(raw, "objectType"), *ac = str_of(raw, "action");
    const struct map_row *row = mapping_find(m, ot, ac);
    const char *etv = str_of(act, "eventTypeValue");
    if (etv && strcmp(etv, row->event_type_value))
        add(out, "MAP-001", "activity %zu: eventTypeValue is '%.60s', the table says '%s' for %.40s %.40s",
            index, etv, row->event_type_value, ot, ac);
    const char *at = str_of(act, "activityType"), *etn = str_of(act, "eventTypeName");
    const cJSON *et = field(act, "eventType");
    if (at && strcmp(at, row->activity_type))
        add(out, "MAP-002", "activity %zu: activityType is '%.60s', the table says '%s'", index,
            at, row->activity_type);
    if (is_int(et) && (int64_t)et->valuedouble != row->event_type)
        add(out, "MAP-002", "activity %zu: eventType is %lld, the table says %lld", index,
            (long long)et->valuedouble, (long long)row->event_type);
    if (etn && strcmp(etn, row->event_type_name))
        add(out, "MAP-002", "activity %zu: eventTypeName is '%.60s', the table says '%s'", index,
            etn, row->event_type_name);
    const char *desc = str_of(act, "description");
    const cJSON *user = field(act, "user");
    const char *actor = cJSON_IsObject(user) ? str_of(user, "userName") : NULL;
    char num[32];
    const char *oid = object_id_text(raw, num, sizeof num);
    if (!desc)
        return;
    /* One byte more than desc: a filled template that does not fit differs. */
    size_t cap = strlen(desc) + 2;
    char *want = xmalloc(cap);
    want[0] = '\0';
    int longer = mapping_describe(row, ot, ac, oid, actor ? actor : "", want, cap) != 0;
    if (longer || strcmp(desc, want))
        add(out, "MAP-003", "activity %zu: description is '%.80s', the template gives %s%.80s%s",
            index, desc, longer ? "a longer text" : "'", want, longer ? "" : "'");
    free(want);
}

static void check_user(const struct mapping *m, const cJSON *act, const cJSON *raw, size_t index,
                       struct verdict *out)
{
    const cJSON *user = field(act, "user");
    const char *name = cJSON_IsObject(user) ? str_of(user, "userName") : NULL;
    if (!name)
        return;
    const cJSON *uid = field(raw, "userId");
    const cJSON *details = field(raw, "additionalDetails");
    const char *email = cJSON_IsObject(details) ? str_of(details, "emailAddress") : NULL;
    if (is_int(uid) && mapping_is_system_user(m, (int64_t)uid->valuedouble)) {
        if (strcmp(name, m->system_user_name))
            add(out, "USR-001", "activity %zu: user.userName is '%.80s', a system user's event "
                "belongs to '%s'", index, name, m->system_user_name);
    } else if (email && email[0]) {
        if (strcmp(name, email))
            add(out, "USR-001", "activity %zu: user.userName is '%.80s', not the event's "
                "additionalDetails.emailAddress '%.80s'", index, name, email);
    } else if (!name[0]) {
        add(out, "USR-001", "activity %zu: user.userName is empty", index);
    }
}

static void check_login(const cJSON *act, size_t index, struct verdict *out)
{
    static const int64_t codes[] = {2424839, 2424840, 2424841, 196352, 196355, 1024};
    static const char *const cats[] = {"EVENT_CATEGORY_LOGIN", "EVENT_CATEGORY_LOGOUT",
                                       "EVENT_CATEGORY_FAILED_LOGIN", NULL};
    const char *at = str_of(act, "activityType"), *etn = str_of(act, "eventTypeName");
    const cJSON *et = field(act, "eventType");
    if (at && mapping_is_login_type(at))
        add(out, "LIM-001", "activity %zu: activityType '%s' (Smartsheet has no log on/log out)",
            index, at);
    if (is_int(et))
        for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
            if ((int64_t)et->valuedouble == codes[i])
                add(out, "LIM-001", "activity %zu: eventType %lld is a log on/log out code", index,
                    (long long)codes[i]);
    for (size_t i = 0; etn && cats[i]; i++)
        if (!strcmp(etn, cats[i]))
            add(out, "LIM-001", "activity %zu: eventTypeName %s", index, etn);
}

size_t validate_activity(const struct mapping *m, const cJSON *act, size_t index,
                         struct verdict *out)
{
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(act)) {
        add(out, "ACT-001", "activity %zu is not a JSON object", index);
        return out->n;
    }
    const cJSON *raw = field(act, "rawDataJson");
    int raw_ok = 0;
    if (cJSON_IsObject(raw)) {
        const char *id = str_of(raw, "eventId");
        int64_t ms;
        raw_ok = 1;
        if (!id || !id[0] || strlen(id) > VAL_EVENT_ID_MAX) {
            add(out, "RAW-001", "activity %zu: rawDataJson.eventId %s", index,
                id ? "must be 1 to 256 bytes" : "is missing or not a string");
            raw_ok = 0;
        } else {
            snprintf(out->event_id, sizeof out->event_id, "%s", id);
        }
        if (!str_of(raw, "objectType") || !str_of(raw, "action")) {
            add(out, "RAW-001", "activity %zu: rawDataJson.%s is missing or not a string", index,
                str_of(raw, "objectType") ? "action" : "objectType");
            raw_ok = 0;
        }
        if (val_event_time_ms(field(raw, "eventTimestamp"), &ms)) {
            add(out, "RAW-001", "activity %zu: rawDataJson.eventTimestamp is missing or not a "
                "time (ISO-8601 or epoch ms)", index);
            raw_ok = 0;
        }
    }
    check_required(act, index, out);
    const cJSON *app = field(act, "appId"), *src = field(act, "source");
    if (is_int(app) && (int64_t)app->valuedouble != m->app_id)
        add(out, "ACT-002", "activity %zu: appId is %lld, not %lld", index,
            (long long)app->valuedouble, (long long)m->app_id);
    const char *name = str_of(act, "appName");
    if (name && strcmp(name, m->app_name))
        add(out, "ACT-003", "activity %zu: appName is '%.60s', not '%s'", index, name, m->app_name);
    if (is_int(src) && (int64_t)src->valuedouble != m->source)
        add(out, "ACT-004", "activity %zu: source is %lld, not %lld", index,
            (long long)src->valuedouble, (long long)m->source);
    check_login(act, index, out);
    const cJSON *stack[IP_SCAN_DEPTH];
    int idx[IP_SCAN_DEPTH];
    scan_ips(act, stack, idx, 0, index, out);
    if (!raw_ok)
        return out->n;
    const cJSON *ts = field(act, "timestamp");
    int64_t ms = 0;
    val_event_time_ms(field(raw, "eventTimestamp"), &ms);
    if (is_int(ts) && (int64_t)ts->valuedouble != ms)
        add(out, "ACT-005", "activity %zu: timestamp is %lld, rawDataJson.eventTimestamp is %lld ms",
            index, (long long)ts->valuedouble, (long long)ms);
    check_mapping(m, act, raw, index, out);
    check_user(m, act, raw, index, out);
    return out->n;
}
