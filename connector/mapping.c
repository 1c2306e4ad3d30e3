#include "mapping.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "defects.h"
#include "strutil.h"

#define MAPPING_MAX_FILE (4u * 1024u * 1024u)
#define MAPPING_MAX_ROWS 100000u
#define MAPPING_MAX_SYSTEM_USERS 1000u

struct map_row {
    char *object_type;
    char *action;
    char *description;       /* template */
    char *fixed;             /* "eventTypeValue":...,"eventTypeName":"..." as JSON */
    const char *event_type_value;
    const char *activity_type;
    int64_t event_type;
    char *event_type_name;
    char *strings;           /* owns event_type_value and activity_type */
};

struct conn_mapping {
    char *head;              /* {"appId":..,"appName":..,"source":..,"timestamp": */
    char *system_user_name;
    char *system_user_json;  /* the same as a JSON string */
    int64_t *system_ids;
    size_t n_system;
    struct map_row *rows;
    size_t n_rows;
    struct map_row unknown;
    size_t *slots;           /* open addressing: row index + 1, 0 = empty */
    size_t n_slots;
};

/* ---- building ---------------------------------------------------------- */

static uint64_t pair_hash(const char *ot, const char *ac)
{
    uint64_t h = 1469598103934665603u;
    for (const char *p = ot; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211u;
    h = (h ^ 0x1f) * 1099511628211u;
    for (const char *p = ac; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211u;
    return h;
}

static const char *str_field(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) && v->valuestring && v->valuestring[0] ? v->valuestring : NULL;
}

static int is_login_type(const char *t)
{
    return !strcasecmp(t, "Log on") || !strcasecmp(t, "Log out") ||
           !strcasecmp(t, "Failed log on");
}

static int build_row(struct map_row *r, const cJSON *o, const cJSON *types, const char *where,
                     int need_pair, char *err, size_t errlen)
{
    const char *ot = str_field(o, "objectType"), *ac = str_field(o, "action");
    const char *etv = str_field(o, "eventTypeValue"), *at = str_field(o, "activityType");
    const char *desc = str_field(o, "description");
    if (need_pair && (!ot || !ac)) {
        snprintf(err, errlen, "%s: objectType and action must be non-empty strings", where);
        return -1;
    }
    if (!etv || !at || !desc) {
        snprintf(err, errlen, "%s: eventTypeValue, activityType and description must be "
                              "non-empty strings", where);
        return -1;
    }
    if (is_login_type(at)) {
        snprintf(err, errlen, "%s: activityType '%.40s' is a log on/log out type, which "
                              "Smartsheet activities never have", where, at);
        return -1;
    }
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(types, at);
    if (!cJSON_IsNumber(code) || code->valuedouble != floor(code->valuedouble) ||
        fabs(code->valuedouble) > 9007199254740992.0) {
        snprintf(err, errlen, "%s: activityType '%.40s' has no integer code in activityTypes",
                 where, at);
        return -1;
    }
    r->object_type = ot ? xstrdup(ot) : NULL;
    r->action = ac ? xstrdup(ac) : NULL;
    r->description = xstrdup(desc);
    r->event_type = (int64_t)code->valuedouble;
    struct buf b;
    buf_init(&b, 1u << 20);
    buf_puts(&b, "EVENT_CATEGORY_");
    for (const char *p = at; *p; p++) {
        char c = *p == ' ' ? '_' : (char)toupper((unsigned char)*p);
        buf_append(&b, &c, 1);
    }
    r->event_type_name = buf_take(&b, NULL);
    size_t l1 = strlen(etv), l2 = strlen(at);
    r->strings = xmalloc(l1 + l2 + 2);
    memcpy(r->strings, etv, l1 + 1);
    memcpy(r->strings + l1 + 1, at, l2 + 1);
    r->event_type_value = r->strings;
    r->activity_type = r->strings + l1 + 1;
    buf_init(&b, 1u << 20);
    buf_puts(&b, "\"eventTypeValue\":");
    buf_json_str(&b, etv, l1);
    buf_puts(&b, ",\"activityType\":");
    buf_json_str(&b, at, l2);
    buf_printf(&b, ",\"eventType\":%lld,\"eventTypeName\":", (long long)r->event_type);
    buf_json_str(&b, r->event_type_name, strlen(r->event_type_name));
    if (b.err) {
        buf_release(&b);
        snprintf(err, errlen, "%s: row too large", where);
        return -1;
    }
    r->fixed = buf_take(&b, NULL);
    return 0;
}

static void free_row(struct map_row *r)
{
    free(r->object_type);
    free(r->action);
    free(r->description);
    free(r->fixed);
    free(r->event_type_name);
    free(r->strings);
}

void conn_mapping_free(struct conn_mapping *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_rows; i++)
        free_row(&m->rows[i]);
    free_row(&m->unknown);
    free(m->rows);
    free(m->slots);
    free(m->system_ids);
    free(m->head);
    free(m->system_user_json);
    free(m->system_user_name);
    free(m);
}

static const struct map_row *find_row(const struct conn_mapping *m, const char *ot,
                                      const char *ac)
{
    if (!ot || !ac)
        return &m->unknown;
    size_t mask = m->n_slots - 1;
    for (size_t i = pair_hash(ot, ac) & mask, probes = 0; probes < m->n_slots;
         i = (i + 1) & mask, probes++) {
        size_t s = m->slots[i];
        if (!s)
            break;
        const struct map_row *r = &m->rows[s - 1];
        if (!strcmp(r->object_type, ot) && !strcmp(r->action, ac))
            return r;
    }
    return &m->unknown;
}

int conn_mapping_parse(const char *text, size_t len, struct conn_mapping **out, char *err,
                       size_t errlen)
{
    struct conn_mapping *m = xcalloc(1, sizeof *m);
    int rc = -1;
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!cJSON_IsObject(root)) {
        snprintf(err, errlen, "the mapping table is not a JSON object");
        goto out;
    }
    const cJSON *app_id = cJSON_GetObjectItemCaseSensitive(root, "appId");
    const cJSON *source = cJSON_GetObjectItemCaseSensitive(root, "source");
    const char *app_name = str_field(root, "appName");
    const char *sys_name = str_field(root, "systemUserName");
    const cJSON *types = cJSON_GetObjectItemCaseSensitive(root, "activityTypes");
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(root, "rows");
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(root, "systemUserIds");
    char idtxt[32], srctxt[32];
    if (conn_json_int_text(app_id, idtxt, sizeof idtxt) ||
        conn_json_int_text(source, srctxt, sizeof srctxt)) {
        snprintf(err, errlen, "appId and source must be integers");
        goto out;
    }
    if (!app_name || !sys_name) {
        snprintf(err, errlen, "appName and systemUserName must be non-empty strings");
        goto out;
    }
    if (!cJSON_IsObject(types) || !cJSON_IsArray(rows) || !cJSON_IsArray(ids)) {
        snprintf(err, errlen, "activityTypes (object), rows and systemUserIds (arrays) are "
                              "required");
        goto out;
    }
    struct buf b;
    buf_init(&b, 1u << 20);
    buf_printf(&b, "{\"appId\":%s,\"appName\":", idtxt);
    buf_json_str(&b, app_name, strlen(app_name));
    buf_printf(&b, ",\"source\":%s,\"timestamp\":", srctxt);
    m->head = buf_take(&b, NULL);
    buf_init(&b, 1u << 20);
    buf_json_str(&b, sys_name, strlen(sys_name));
    m->system_user_json = buf_take(&b, NULL);
    m->system_user_name = xstrdup(sys_name);

    size_t n_ids = (size_t)cJSON_GetArraySize(ids);
    if (n_ids > MAPPING_MAX_SYSTEM_USERS) {
        snprintf(err, errlen, "systemUserIds has more than %u entries", MAPPING_MAX_SYSTEM_USERS);
        goto out;
    }
    m->system_ids = xcalloc(n_ids ? n_ids : 1, sizeof *m->system_ids);
    for (const cJSON *it = ids->child; it; it = it->next) {
        char t[32];
        if (conn_json_int_text(it, t, sizeof t) ||
            double_to_i64(it->valuedouble, &m->system_ids[m->n_system])) {
            snprintf(err, errlen, "systemUserIds[%zu] is not an integer", m->n_system);
            goto out;
        }
        m->n_system++;
    }

    size_t n_rows = (size_t)cJSON_GetArraySize(rows);
    if (n_rows > MAPPING_MAX_ROWS) {
        snprintf(err, errlen, "rows has more than %u entries", MAPPING_MAX_ROWS);
        goto out;
    }
    m->rows = xcalloc(n_rows ? n_rows : 1, sizeof *m->rows);
    m->n_slots = 16;
    while (m->n_slots < n_rows * 2)
        m->n_slots *= 2;
    m->slots = xcalloc(m->n_slots, sizeof *m->slots);
    for (const cJSON *it = rows->child; it; it = it->next) {
        char where[48];
        snprintf(where, sizeof where, "rows[%zu]", m->n_rows);
        if (!cJSON_IsObject(it)) {
            snprintf(err, errlen, "%s is not an object", where);
            goto out;
        }
        struct map_row *r = &m->rows[m->n_rows];
        if (build_row(r, it, types, where, 1, err, errlen))
            goto out;
        m->n_rows++;
        if (find_row(m, r->object_type, r->action) != &m->unknown) {
            snprintf(err, errlen, "%s: the pair %.40s %.40s appears twice", where,
                     r->object_type, r->action);
            goto out;
        }
        size_t mask = m->n_slots - 1, i = pair_hash(r->object_type, r->action) & mask;
        while (m->slots[i])
            i = (i + 1) & mask;
        m->slots[i] = m->n_rows;
    }
    const cJSON *unk = cJSON_GetObjectItemCaseSensitive(root, "unknown");
    if (!cJSON_IsObject(unk)) {
        snprintf(err, errlen, "the unknown row is missing");
        goto out;
    }
    if (build_row(&m->unknown, unk, types, "unknown", 0, err, errlen))
        goto out;
    rc = 0;
out:
    cJSON_Delete(root);
    if (rc)
        conn_mapping_free(m);
    else
        *out = m;
    return rc;
}

int conn_mapping_load(const char *path, struct conn_mapping **out, char *err, size_t errlen)
{
    char name[256];
    str_sanitize(path, name, sizeof name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read mapping table '%s': %s", name, strerror(errno));
        return -1;
    }
    struct buf b;
    buf_init(&b, MAPPING_MAX_FILE);
    char chunk[16384];
    size_t n;
    int bad = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_append(&b, chunk, n)) {
            bad = 1;
            break;
        }
    bad |= ferror(f);
    fclose(f);
    if (bad) {
        buf_release(&b);
        snprintf(err, errlen, "cannot read mapping table '%s' (unreadable or over %u bytes)",
                 name, MAPPING_MAX_FILE);
        return -1;
    }
    char inner[300];
    int rc = conn_mapping_parse(b.ptr ? b.ptr : "", b.len, out, inner, sizeof inner);
    if (rc)
        snprintf(err, errlen, "mapping table '%s': %s", name, inner);
    buf_release(&b);
    return rc;
}

struct conn_map_row_view conn_mapping_row(const struct conn_mapping *m, const char *object_type,
                                          const char *action)
{
    const struct map_row *r = find_row(m, object_type, action);
    struct conn_map_row_view v = {r->event_type_value, r->activity_type, r->event_type,
                                  r->event_type_name, r == &m->unknown};
    return v;
}

size_t conn_mapping_row_count(const struct conn_mapping *m)
{
    return m->n_rows;
}

/* ---- one activity ------------------------------------------------------ */

int conn_json_int_text(const cJSON *n, char *out, size_t cap)
{
    if (!cJSON_IsNumber(n))
        return -1;
    double d = n->valuedouble;
    if (!isfinite(d) || d != floor(d) || fabs(d) >= 9007199254740992.0)
        return -1;
    snprintf(out, cap, "%lld", (long long)d);
    return 0;
}

/* Appends s JSON-escaped, without quotes. */
static void json_escape_in(struct buf *out, const char *s, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        buf_append(out, s + start, i - start);
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            buf_append(out, e, 2);
        } else {
            buf_printf(out, "\\u%04x", c);
        }
        start = i + 1;
    }
    buf_append(out, s + start, len - start);
}

static void fill_template(struct buf *out, const char *tpl, const char *ot, const char *ac,
                          const char *oid, const char *actor)
{
    const char *p = tpl;
    while (*p) {
        const char *open = strchr(p, '{');
        if (!open) {
            json_escape_in(out, p, strlen(p));
            return;
        }
        json_escape_in(out, p, (size_t)(open - p));
        const char *close = strchr(open, '}');
        size_t nlen = close ? (size_t)(close - open - 1) : 0;
        const char *val = NULL;
        int lower = 0;
        if (close && nlen == 6 && !strncmp(open + 1, "object", 6)) {
            val = ot;
            lower = 1;
        } else if (close && nlen == 10 && !strncmp(open + 1, "objectType", 10)) {
            val = ot;
        } else if (close && nlen == 6 && !strncmp(open + 1, "action", 6)) {
            val = ac;
        } else if (close && nlen == 8 && !strncmp(open + 1, "objectId", 8)) {
            val = oid;
        } else if (close && nlen == 5 && !strncmp(open + 1, "actor", 5)) {
            val = actor;
        }
        if (!val) {                 /* not a placeholder: literal '{' */
            json_escape_in(out, open, 1);
            p = open + 1;
            continue;
        }
        if (lower) {
            char tmp[256];
            size_t n = 0;
            for (const char *q = val; *q; q++) {
                tmp[n++] = *q == '_' ? ' ' : (char)tolower((unsigned char)*q);
                if (n == sizeof tmp) {
                    json_escape_in(out, tmp, n);
                    n = 0;
                }
            }
            json_escape_in(out, tmp, n);
        } else {
            json_escape_in(out, val, strlen(val));
        }
        p = close + 1;
    }
}

static int is_system_user(const struct conn_mapping *m, const cJSON *uid)
{
    char t[32];
    if (conn_json_int_text(uid, t, sizeof t))
        return 0;
    int64_t id = (int64_t)uid->valuedouble;
    for (size_t i = 0; i < m->n_system; i++)
        if (m->system_ids[i] == id)
            return 1;
    return 0;
}

void conn_user_index_clear(struct conn_user_index *u)
{
    for (size_t i = 0; i < u->n; i++)
        free(u->users[i].email);
    free(u->users);
    memset(u, 0, sizeof *u);
}

void conn_user_index_add(struct conn_user_index *u, int64_t id, const char *email)
{
    if (!email || !email[0] || u->n >= 10000000)
        return;
    if (u->n == u->cap) {
        u->cap = u->cap ? u->cap * 2 : 256;
        u->users = xrealloc(u->users, u->cap * sizeof *u->users);
    }
    u->users[u->n].id = id;
    u->users[u->n++].email = xstrdup(email);
}

static int by_id(const void *a, const void *b)
{
    int64_t x = ((const struct conn_user_email *)a)->id, y = ((const struct conn_user_email *)b)->id;
    return x < y ? -1 : x > y;
}

void conn_user_index_sort(struct conn_user_index *u)
{
    if (u->n)
        qsort(u->users, u->n, sizeof *u->users, by_id);
}

const char *conn_user_index_email(const struct conn_user_index *u, int64_t id)
{
    if (!u || !u->n)
        return NULL;
    struct conn_user_email key = {id, NULL};
    const struct conn_user_email *f = bsearch(&key, u->users, u->n, sizeof *u->users, by_id);
    return f ? f->email : NULL;
}

enum conn_map_result conn_mapping_activity(const struct conn_mapping *m, const cJSON *event,
                                           const char *raw, size_t raw_len,
                                           const struct conn_user_index *users, struct buf *out,
                                           char *err, size_t errlen)
{
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(event, "eventTimestamp");
    int64_t ms = 0;
    char tstxt[32];
    if (cJSON_IsString(ts) && ts->valuestring) {
        if (parse_iso8601_ms(ts->valuestring, &ms)) {
            snprintf(err, errlen, "eventTimestamp is not an ISO-8601 time");
            return MAP_SKIP;
        }
    } else if (!conn_json_int_text(ts, tstxt, sizeof tstxt)) {
        ms = (int64_t)ts->valuedouble;
    } else {
        snprintf(err, errlen, "eventTimestamp is missing");
        return MAP_SKIP;
    }
    const cJSON *eid = cJSON_GetObjectItemCaseSensitive(event, "eventId");
    if (!cJSON_IsString(eid) || !eid->valuestring || !eid->valuestring[0]) {
        snprintf(err, errlen, "eventId is missing");
        return MAP_SKIP;
    }
    const char *ot = str_field(event, "objectType"), *ac = str_field(event, "action");
    const struct map_row *row = find_row(m, ot, ac);
    int auth_event = ot && !strcmp(ot, "AUTHENTICATION");
    if (conn_defect("auth-events-dropped") && auth_event) {
        snprintf(err, errlen, "authentication event left out");
        return MAP_SKIP;
    }

    char oid_buf[32];
    /* objectIdStr when present, even empty (docs/mapping.md), as CAS checks it */
    const cJSON *ois = cJSON_GetObjectItemCaseSensitive(event, "objectIdStr");
    const char *oid = cJSON_IsString(ois) && ois->valuestring ? ois->valuestring : NULL;
    if (!oid) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(event, "objectId");
        if (!conn_json_int_text(n, oid_buf, sizeof oid_buf))
            oid = oid_buf;
        else if (cJSON_IsString(n) && n->valuestring)
            oid = n->valuestring;
        else
            oid = "";
    }

    const cJSON *uid = cJSON_GetObjectItemCaseSensitive(event, "userId");
    const cJSON *details = cJSON_GetObjectItemCaseSensitive(event, "additionalDetails");
    const cJSON *email = cJSON_GetObjectItemCaseSensitive(details, "emailAddress");
    int system = is_system_user(m, uid) && !conn_defect("wrong-system-user");
    const char *actor;
    char uid_buf[40];
    if (system) {
        actor = NULL;
    } else if (cJSON_IsString(email) && email->valuestring && email->valuestring[0]) {
        actor = email->valuestring;
    } else if (!conn_json_int_text(uid, uid_buf, sizeof uid_buf)) {
        /* no address: the user's own, from the user list; else the id */
        const char *known = conn_defect("email-less-by-id")
                                ? NULL
                                : conn_user_index_email(users, (int64_t)uid->valuedouble);
        actor = known ? known : uid_buf;
    } else {
        actor = "unknown";
    }

    buf_puts(out, m->head);
    buf_printf(out, "%lld,", (long long)(conn_defect("timestamp-in-seconds") ? ms / 1000 : ms));
    if (conn_defect("login-as-log-on") && auth_event)
        buf_puts(out, ac && !strcmp(ac, "LOGOUT")
                          ? "\"eventTypeValue\":\"EVENT_SMARTSHEET_LOGOUT\",\"activityType\":"
                            "\"Log out\",\"eventType\":2424841,\"eventTypeName\":"
                            "\"EVENT_CATEGORY_LOGOUT\""
                          : "\"eventTypeValue\":\"EVENT_SMARTSHEET_LOGIN\",\"activityType\":"
                            "\"Log on\",\"eventType\":2424840,\"eventTypeName\":"
                            "\"EVENT_CATEGORY_LOGIN\"");
    else
        buf_puts(out, row->fixed);
    buf_puts(out, ",\"description\":\"");
    if (conn_defect("template-unfilled")) {
        json_escape_in(out, row->description, strlen(row->description));
        buf_puts(out, "\",\"user\":{\"userName\":");
        if (system)
            buf_puts(out, m->system_user_json);
        else
            buf_json_str(out, actor, strlen(actor));
    } else if (system) {
        fill_template(out, row->description, ot ? ot : "", ac ? ac : "", oid,
                      m->system_user_name);
        buf_puts(out, "\",\"user\":{\"userName\":");
        buf_puts(out, m->system_user_json);
    } else {
        fill_template(out, row->description, ot ? ot : "", ac ? ac : "", oid, actor);
        buf_puts(out, "\",\"user\":{\"userName\":");
        buf_json_str(out, actor, strlen(actor));
    }
    if (conn_defect("ip-in-activity")) {
        const cJSON *ip = cJSON_GetObjectItemCaseSensitive(details, "sourceIpAddress");
        if (cJSON_IsString(ip)) {
            buf_puts(out, "},\"device\":{\"clientIP\":");
            buf_json_str(out, ip->valuestring, strlen(ip->valuestring));
        }
    }
    buf_puts(out, "},\"rawDataJson\":");
    if (conn_defect("raw-altered")) {
        cJSON *copy = cJSON_Duplicate(event, 1);
        cJSON_DeleteItemFromObjectCaseSensitive(copy, "source");
        char *txt = cJSON_PrintUnformatted(copy);
        buf_puts(out, txt ? txt : "{}");
        free(txt);
        cJSON_Delete(copy);
        raw_len = 0;
    }
    buf_append(out, raw, raw_len);
    buf_puts(out, "}");
    return out->err ? MAP_BUF : MAP_OK;
}
