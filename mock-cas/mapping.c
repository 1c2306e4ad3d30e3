/* mapping.c - loading and using the event -> activity mapping table. */
#include "mapping.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "strutil.h"
#include "kit_limits.h"

#define MAP_MAX_ROWS 4096
#define MAP_MAX_SYSTEM_USERS 1024

static const char *const login_types[] = {"Log on", "Log out", "Failed log on", NULL};

int mapping_is_login_type(const char *t)
{
    for (size_t i = 0; login_types[i]; i++)
        if (!strcmp(t, login_types[i]))
            return 1;
    return 0;
}

static char *category_name(const char *activity_type)
{
    struct buf b;
    buf_init(&b, 256);
    buf_puts(&b, "EVENT_CATEGORY_");
    for (const char *p = activity_type; *p; p++) {
        char c = *p == ' ' ? '_' : (char)toupper((unsigned char)*p);
        buf_append(&b, &c, 1);
    }
    if (b.err)
        return NULL;
    return buf_take(&b, NULL);
}

static int fill_row(struct map_row *r, const cJSON *o, const cJSON *types, int unknown,
                    const char *where, char *err, size_t errlen)
{
    static const char *const keys[] = {"objectType", "action", "eventTypeValue", "activityType",
                                       "description"};
    const char *v[5] = {0};
    if (!cJSON_IsObject(o)) {
        snprintf(err, errlen, "%s must be an object", where);
        return -1;
    }
    for (size_t i = unknown ? 2 : 0; i < 5; i++) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, keys[i]);
        if (!cJSON_IsString(f) || !f->valuestring[0] || strlen(f->valuestring) > 512) {
            snprintf(err, errlen, "%s: '%s' must be a non-empty string", where, keys[i]);
            return -1;
        }
        v[i] = f->valuestring;
    }
    if (mapping_is_login_type(v[3])) {
        snprintf(err, errlen, "%s: activityType '%s' is not allowed (Smartsheet has no log on/log out)",
                 where, v[3]);
        return -1;
    }
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(types, v[3]);
    if (!cJSON_IsNumber(code) || code->valuedouble < 0 || code->valuedouble > 2147483647.0) {
        snprintf(err, errlen, "%s: activityType '%.100s' has no code in activityTypes", where, v[3]);
        return -1;
    }
    r->object_type = unknown ? NULL : xstrdup(v[0]);
    r->action = unknown ? NULL : xstrdup(v[1]);
    r->event_type_value = xstrdup(v[2]);
    r->activity_type = xstrdup(v[3]);
    r->description = xstrdup(v[4]);
    r->event_type = (int64_t)code->valuedouble;
    r->event_type_name = category_name(v[3]);
    return 0;
}

static int row_cmp(const void *a, const void *b)
{
    const struct map_row *x = a, *y = b;
    int c = strcmp(x->object_type, y->object_type);
    return c ? c : strcmp(x->action, y->action);
}

static int get_int(const cJSON *root, const char *name, int64_t *out, char *err, size_t errlen)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(root, name);
    if (!cJSON_IsNumber(f) || double_to_i64(f->valuedouble, out)) {
        snprintf(err, errlen, "'%s' must be an integer", name);
        return -1;
    }
    return 0;
}

static int get_string(const cJSON *root, const char *name, char **out, char *err, size_t errlen)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(root, name);
    if (!cJSON_IsString(f) || !f->valuestring[0] || strlen(f->valuestring) > 256) {
        snprintf(err, errlen, "'%s' must be a non-empty string", name);
        return -1;
    }
    *out = xstrdup(f->valuestring);
    return 0;
}

static int parse_root(struct mapping *m, const cJSON *root, char *err, size_t errlen)
{
    if (!cJSON_IsObject(root)) {
        snprintf(err, errlen, "the table must be a JSON object");
        return -1;
    }
    int64_t version;
    if (get_int(root, "version", &version, err, errlen))
        return -1;
    if (version != 1) {
        snprintf(err, errlen, "'version' %lld is not supported (1 is)", (long long)version);
        return -1;
    }
    if (get_int(root, "appId", &m->app_id, err, errlen) ||
        get_int(root, "source", &m->source, err, errlen) ||
        get_string(root, "appName", &m->app_name, err, errlen) ||
        get_string(root, "systemUserName", &m->system_user_name, err, errlen))
        return -1;
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(root, "systemUserIds");
    int nids = cJSON_GetArraySize(ids);
    if (!cJSON_IsArray(ids) || nids > MAP_MAX_SYSTEM_USERS) {
        snprintf(err, errlen, "'systemUserIds' must be an array of at most %d integers",
                 MAP_MAX_SYSTEM_USERS);
        return -1;
    }
    m->system_user_ids = xcalloc((size_t)nids + 1, sizeof *m->system_user_ids);
    for (const cJSON *f = ids->child; f; f = f->next) {
        if (!cJSON_IsNumber(f) ||
            double_to_i64(f->valuedouble, &m->system_user_ids[m->n_system_users])) {
            snprintf(err, errlen, "'systemUserIds' must hold integers only");
            return -1;
        }
        m->n_system_users++;
    }
    const cJSON *types = cJSON_GetObjectItemCaseSensitive(root, "activityTypes");
    if (!cJSON_IsObject(types)) {
        snprintf(err, errlen, "'activityTypes' must be an object of name -> code");
        return -1;
    }
    for (const cJSON *t = types->child; t; t = t->next)
        if (mapping_is_login_type(t->string)) {
            snprintf(err, errlen, "'activityTypes' must not list '%s'", t->string);
            return -1;
        }
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(root, "rows");
    int nrows = cJSON_GetArraySize(rows);
    if (!cJSON_IsArray(rows) || nrows < 1 || nrows > MAP_MAX_ROWS) {
        snprintf(err, errlen, "'rows' must be an array of 1 to %d rows", MAP_MAX_ROWS);
        return -1;
    }
    m->rows = xcalloc((size_t)nrows, sizeof *m->rows);
    for (const cJSON *r = rows->child; r; r = r->next) {
        char where[32];
        snprintf(where, sizeof where, "rows[%zu]", m->n_rows);
        if (fill_row(&m->rows[m->n_rows], r, types, 0, where, err, errlen))
            return -1;
        m->n_rows++;
    }
    qsort(m->rows, m->n_rows, sizeof *m->rows, row_cmp);
    for (size_t i = 1; i < m->n_rows; i++)
        if (!row_cmp(&m->rows[i - 1], &m->rows[i])) {
            snprintf(err, errlen, "two rows for %s %s", m->rows[i].object_type, m->rows[i].action);
            return -1;
        }
    return fill_row(&m->unknown, cJSON_GetObjectItemCaseSensitive(root, "unknown"), types, 1,
                    "'unknown'", err, errlen);
}

int mapping_parse(struct mapping *m, const char *text, size_t len, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    while (root && end < text + len && (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t'))
        end++;
    if (root && end != text + len) {
        cJSON_Delete(root);
        root = NULL;
    }
    if (!root) {
        snprintf(err, errlen, "the table is not valid JSON");
        return -1;
    }
    int rc = parse_root(m, root, err, errlen);
    cJSON_Delete(root);
    if (rc)
        mapping_free(m);
    return rc;
}

int mapping_load(struct mapping *m, const char *path, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct buf b;
    buf_init(&b, 16u * 1024u * 1024u);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_append(&b, chunk, n))
            break;
    int rd_err = ferror(f);
    fclose(f);
    if (b.err || rd_err) {
        snprintf(err, errlen, "%s: %s", path, rd_err ? "read error" : "too large");
        buf_release(&b);
        return -1;
    }
    char msg[300];
    int rc = mapping_parse(m, b.ptr ? b.ptr : "", b.len, msg, sizeof msg);
    if (rc)
        snprintf(err, errlen, "%s: %s", path, msg);
    buf_release(&b);
    return rc;
}

static void row_free(struct map_row *r)
{
    free(r->object_type);
    free(r->action);
    free(r->event_type_value);
    free(r->activity_type);
    free(r->description);
    free(r->event_type_name);
}

void mapping_free(struct mapping *m)
{
    for (size_t i = 0; i < m->n_rows; i++)
        row_free(&m->rows[i]);
    row_free(&m->unknown);
    free(m->rows);
    free(m->app_name);
    free(m->system_user_name);
    free(m->system_user_ids);
    memset(m, 0, sizeof *m);
}

const struct map_row *mapping_find(const struct mapping *m, const char *object_type,
                                   const char *action)
{
    struct map_row key = {.object_type = (char *)object_type, .action = (char *)action};
    const struct map_row *r = bsearch(&key, m->rows, m->n_rows, sizeof *m->rows, row_cmp);
    return r ? r : &m->unknown;
}

int mapping_is_system_user(const struct mapping *m, int64_t user_id)
{
    for (size_t i = 0; i < m->n_system_users; i++)
        if (m->system_user_ids[i] == user_id)
            return 1;
    return 0;
}

int mapping_describe(const struct map_row *row, const char *object_type, const char *action,
                     const char *object_id, const char *actor, char *out, size_t cap)
{
    struct buf b;
    buf_init(&b, cap - 1);
    for (const char *p = row->description; *p;) {
        if (*p == '{') {
            const char *end = strchr(p, '}');
            size_t n = end ? (size_t)(end - p - 1) : 0;
            const char *val = NULL;
            if (end && n == 6 && !strncmp(p + 1, "object", 6)) {
                for (const char *q = object_type; *q; q++) {
                    char c = *q == '_' ? ' ' : (char)tolower((unsigned char)*q);
                    buf_append(&b, &c, 1);
                }
                p = end + 1;
                continue;
            }
            if (end && n == 10 && !strncmp(p + 1, "objectType", 10))
                val = object_type;
            else if (end && n == 6 && !strncmp(p + 1, "action", 6))
                val = action;
            else if (end && n == 8 && !strncmp(p + 1, "objectId", 8))
                val = object_id;
            else if (end && n == 5 && !strncmp(p + 1, "actor", 5))
                val = actor;
            if (val) {
                buf_puts(&b, val);
                p = end + 1;
                continue;
            }
        }
        buf_append(&b, p, 1);
        p++;
    }
    if (b.err) {
        buf_release(&b);
        return -1;
    }
    memcpy(out, b.ptr ? b.ptr : "", b.len + 1);
    buf_release(&b);
    return 0;
}
