/* filter.c - the CAS filter operators on the activity columns. */
#include "filter.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit_limits.h"
#include "strutil.h"

enum ftype { F_INT, F_TIME, F_STR, F_ETYPE, F_ID, F_TEXT, F_ADMIN };

enum {
    OP_EQ = 1 << 0, OP_NEQ = 1 << 1, OP_GT = 1 << 2, OP_GTE = 1 << 3, OP_LT = 1 << 4,
    OP_LTE = 1 << 5, OP_RANGE = 1 << 6, OP_ISSET = 1 << 7, OP_ISNOTSET = 1 << 8,
    OP_CONTAINS = 1 << 9, OP_STARTSWITH = 1 << 10, OP_TEXT = 1 << 11, OP_GTE_NDAYS = 1 << 12,
    OP_LTE_NDAYS = 1 << 13,
};

static const struct { const char *name; int bit; } ops[] = {
    {"eq", OP_EQ}, {"neq", OP_NEQ}, {"gt", OP_GT}, {"gte", OP_GTE}, {"lt", OP_LT},
    {"lte", OP_LTE}, {"range", OP_RANGE}, {"isset", OP_ISSET}, {"isnotset", OP_ISNOTSET},
    {"contains", OP_CONTAINS}, {"startswith", OP_STARTSWITH}, {"startswithsingle", OP_STARTSWITH},
    {"text", OP_TEXT}, {"gte_ndays", OP_GTE_NDAYS}, {"lte_ndays", OP_LTE_NDAYS}, {NULL, 0},
};

#define OPS_CMP (OP_EQ | OP_GT | OP_GTE | OP_LT | OP_LTE | OP_RANGE)

static const struct fspec {
    const char *name;
    const char *col;
    enum ftype type;
    int ops;
} fields[] = {
    {"service", "service", F_INT, OP_EQ | OP_NEQ},
    {"instance", "instance", F_INT, OP_EQ | OP_NEQ},
    {"source", "source", F_INT, OP_EQ | OP_NEQ},
    {"date", "ts", F_TIME, OPS_CMP | OP_GTE_NDAYS | OP_LTE_NDAYS},
    {"created", "created", F_TIME, OPS_CMP},
    {"user.username", "username", F_STR,
     OP_EQ | OP_NEQ | OP_ISSET | OP_ISNOTSET | OP_STARTSWITH | OP_CONTAINS},
    {"ip.address", "ip", F_STR,
     OP_EQ | OP_NEQ | OP_ISSET | OP_ISNOTSET | OP_STARTSWITH | OP_CONTAINS},
    /* the country CAS derives from an IP address; a connector's record may carry one */
    {"location.country", "json_extract(json,'$.location.countryCode')", F_STR,
     OP_EQ | OP_NEQ | OP_ISSET | OP_ISNOTSET},
    {"activity.eventType", NULL, F_ETYPE, OP_EQ | OP_NEQ},
    {"activity.id", NULL, F_ID, OP_EQ | OP_NEQ},
    /* CAS's admin-activity flag (boolean, eq): see ADMIN_COND */
    {"activity.type", NULL, F_ADMIN, OP_EQ},
    {"text", NULL, F_TEXT, OP_TEXT | OP_EQ | OP_CONTAINS | OP_STARTSWITH},
    {NULL, NULL, 0, 0},
};

void act_query_init(struct act_query *q)
{
    memset(q, 0, sizeof *q);
    buf_init(&q->where, 64 * 1024);
    buf_puts(&q->where, "1");
    q->limit = QUERY_DEFAULT_LIMIT;
    q->desc = 1;
}

void act_query_free(struct act_query *q)
{
    for (size_t i = 0; i < q->nb; i++)
        free(q->binds[i].s);
    buf_release(&q->where);
    q->nb = 0;
}

void filter_error_json(struct buf *out, const char *key, const char *message, const char *value)
{
    buf_puts(out, "{");
    buf_json_str(out, key, strlen(key));
    buf_puts(out, ":[{\"error\":");
    buf_json_str(out, message, strlen(message));
    buf_puts(out, ",\"errorMessageCode\":\"CONSOLE_FORMS_NOT_VALID_VALUE\","
                  "\"errorMessageParams\":{\"value\":");
    buf_json_str(out, value, strlen(value));
    buf_puts(out, "}}],\"error\":true}");
}

/* Text of a JSON value for error messages, cut to 120 bytes. */
static void value_text(const cJSON *v, char *out, size_t cap)
{
    char *p = v ? cJSON_PrintUnformatted(v) : NULL;
    str_sanitize(p ? p : "", out, cap);
    cJSON_free(p);
}

static int fail(struct buf *err, const char *key, const cJSON *v, const char *fmt, const char *a,
                const char *b)
{
    char val[121], msg[400];
    value_text(v, val, sizeof val);
    snprintf(msg, sizeof msg, fmt, a, b, val);
    buf_clear(err);
    filter_error_json(err, key, msg, val);
    return -1;
}

static int bind_int(struct act_query *q, int64_t v)
{
    if (q->nb >= FILTER_MAX_BINDS) {
        q->overflow = 1;
        return -1;
    }
    q->binds[q->nb++] = (struct sql_bind){.is_text = 0, .i = v};
    return 0;
}

static int bind_text(struct act_query *q, const char *s)
{
    if (q->nb >= FILTER_MAX_BINDS) {
        q->overflow = 1;
        return -1;
    }
    q->binds[q->nb++] = (struct sql_bind){.is_text = 1, .s = xstrdup(s)};
    return 0;
}

/* LIKE pattern: pre/suf wildcards around s with % _ \ escaped. */
static int bind_like(struct act_query *q, const char *s, int pre)
{
    struct buf b;
    buf_init(&b, 4 * LIM_PARAM_VALUE + 4);
    if (pre)
        buf_puts(&b, "%");
    for (const char *p = s; *p; p++) {
        if (*p == '%' || *p == '_' || *p == '\\')
            buf_puts(&b, "\\");
        buf_append(&b, p, 1);
    }
    buf_puts(&b, "%");
    if (b.err) {
        buf_release(&b);
        return -1;
    }
    int rc = bind_text(q, b.ptr);
    buf_release(&b);
    return rc;
}

static int to_int(const cJSON *v, int64_t *out)
{
    if (cJSON_IsNumber(v) && isfinite(v->valuedouble) && fabs(v->valuedouble) < 9.0e15 &&
        v->valuedouble == floor(v->valuedouble)) {
        *out = (int64_t)v->valuedouble;
        return 0;
    }
    if (cJSON_IsString(v))
        return parse_i64(v->valuestring, INT64_MIN / 2, INT64_MAX / 2, out);
    return -1;
}

static int to_str(const cJSON *v, const char **out)
{
    if (!cJSON_IsString(v) || strlen(v->valuestring) > LIM_PARAM_VALUE)
        return -1;
    *out = v->valuestring;
    return 0;
}

/* Values of a list operator: a list, or one scalar standing for a list of one. */
static int list_items(const cJSON *v, const cJSON **items, size_t *n)
{
    *n = 0;
    if (cJSON_IsArray(v)) {
        for (const cJSON *c = v->child; c; c = c->next) {
            if (*n >= FILTER_MAX_VALUES)
                return -1;
            items[(*n)++] = c;
        }
        return *n ? 0 : -1;
    }
    if (cJSON_IsObject(v) || cJSON_IsNull(v) || cJSON_IsBool(v))
        return -1;
    items[(*n)++] = v;
    return 0;
}

static int bind_value(struct act_query *q, const struct fspec *f, const cJSON *v)
{
    int64_t i;
    const char *s;
    if (f->type == F_INT || f->type == F_TIME)
        return to_int(v, &i) ? -1 : bind_int(q, i);
    return to_str(v, &s) ? -1 : bind_text(q, s);
}

static void placeholders(struct buf *w, size_t n)
{
    buf_puts(w, "(");
    for (size_t i = 0; i < n; i++)
        buf_puts(w, i ? ",?" : "?");
    buf_puts(w, ")");
}

/* activity.id values become storage seqs (0, matching nothing, when unknown). */
static int id_cond(struct act_query *q, const cJSON **items, size_t n, int neg)
{
    struct buf *w = &q->where;
    buf_puts(w, neg ? " AND seq NOT IN " : " AND seq IN ");
    placeholders(w, n);
    for (size_t k = 0; k < n; k++) {
        const char *s;
        if (to_str(items[k], &s))
            return -1;
        if (bind_int(q, q->resolve ? q->resolve(q->resolve_ctx, s) : 0))
            return -1;
    }
    return 0;
}

/* The admin-activity flag CAS derives from an activity's type (modelled,
 * docs/mock-cas.md): activities on the objects only administrators manage,
 * the account, Admin Center, users and groups, told by the record's
 * eventTypeValue EVENT_SMARTSHEET_<objectType>_<action>.  GLOB is
 * case-sensitive, as eventTypeValue is. */
#define ADMIN_COND                                                                      \
    "(etype_value GLOB 'EVENT_SMARTSHEET_ACCOUNT_*' OR "                                \
    "etype_value GLOB 'EVENT_SMARTSHEET_ADMIN_CENTER_*' OR "                            \
    "etype_value GLOB 'EVENT_SMARTSHEET_USER_*' OR etype_value GLOB 'EVENT_SMARTSHEET_GROUP_*')"

/* activity.type {"eq": true|false} (or a list of them): admin activities,
 * the others, or (both listed) every activity. */
static int admin_cond(struct act_query *q, const cJSON *v)
{
    int want[2] = {0, 0};
    if (cJSON_IsBool(v)) {
        want[cJSON_IsTrue(v)] = 1;
    } else if (cJSON_IsArray(v) && v->child) {
        size_t n = 0;
        for (const cJSON *c = v->child; c; c = c->next) {
            if (!cJSON_IsBool(c) || ++n > FILTER_MAX_VALUES)
                return -1;
            want[cJSON_IsTrue(c)] = 1;
        }
    } else {
        return -1;
    }
    if (want[0] && want[1])
        return 0;
    buf_puts(&q->where, want[1] ? " AND " ADMIN_COND
                                : " AND (etype_value IS NULL OR NOT " ADMIN_COND ")");
    return 0;
}

/* EVENT_CATEGORY_* values match eventTypeName, others eventTypeValue; one
 * column per condition keeps the (column, ts) index usable. */
static int etype_cond(struct act_query *q, const cJSON **items, size_t n, int neg)
{
    struct buf *w = &q->where;
    size_t ncat = 0;
    for (size_t k = 0; k < n; k++) {
        const char *s;
        if (to_str(items[k], &s))
            return -1;
        ncat += !strncmp(s, "EVENT_CATEGORY_", 15);
    }
    buf_puts(w, neg ? " AND NOT (" : " AND (");
    if (ncat) {
        buf_puts(w, "etype_name IN ");
        placeholders(w, ncat);
    }
    if (ncat < n) {
        buf_puts(w, ncat ? " OR etype_value IN " : "etype_value IN ");
        placeholders(w, n - ncat);
    }
    buf_puts(w, ")");
    for (int cat = 1; cat >= 0; cat--)
        for (size_t k = 0; k < n; k++)
            if ((strncmp(items[k]->valuestring, "EVENT_CATEGORY_", 15) == 0) == cat &&
                bind_text(q, items[k]->valuestring))
                return -1;
    return 0;
}

static int text_cond(struct act_query *q, int op, const cJSON **items, size_t n)
{
    struct buf *w = &q->where;
    buf_puts(w, " AND (");
    for (size_t k = 0; k < n; k++) {
        const char *s;
        if (to_str(items[k], &s))
            return -1;
        if (op == OP_EQ) {
            buf_puts(w, k ? " OR description=? OR username=?" : "description=? OR username=?");
            if (bind_text(q, s) || bind_text(q, s))
                return -1;
        } else {
            buf_puts(w, k ? " OR " : "");
            buf_puts(w, "description LIKE ? ESCAPE '\\' OR username LIKE ? ESCAPE '\\'");
            int pre = op != OP_STARTSWITH;
            if (bind_like(q, s, pre) || bind_like(q, s, pre))
                return -1;
        }
    }
    buf_puts(w, ")");
    return 0;
}

static int one_op(struct act_query *q, const struct fspec *f, int op, const char *opname,
                  const cJSON *v, int64_t now_ms, struct buf *err)
{
    struct buf *w = &q->where;
    const cJSON *items[FILTER_MAX_VALUES];
    size_t n = 0;
    const char *col = f->col;
    if (f->type == F_ADMIN)
        return admin_cond(q, v) ? fail(err, "filters", v, "%s.%s wants true or false, not %s",
                                       f->name, opname)
                                : 0;
    if (op & (OP_EQ | OP_NEQ | OP_CONTAINS | OP_STARTSWITH | OP_TEXT)) {
        if (list_items(v, items, &n))
            return fail(err, "filters", v, "%s.%s wants a value or a list of 1 to 100 values, not %s",
                        f->name, opname);
        int bad = 0;
        if (f->type == F_ETYPE) {
            bad = etype_cond(q, items, n, op == OP_NEQ);
        } else if (f->type == F_ID) {
            bad = id_cond(q, items, n, op == OP_NEQ);
        } else if (f->type == F_TEXT) {
            bad = text_cond(q, op, items, n);
        } else if (op == OP_EQ || op == OP_NEQ) {
            buf_printf(w, op == OP_EQ ? " AND %s IN " : " AND (%s IS NULL OR %s NOT IN ", col, col);
            placeholders(w, n);
            if (op == OP_NEQ)
                buf_puts(w, ")");
            for (size_t k = 0; k < n && !bad; k++)
                bad = bind_value(q, f, items[k]);
        } else {
            buf_puts(w, " AND (");
            for (size_t k = 0; k < n && !bad; k++) {
                const char *s;
                buf_printf(w, "%s%s LIKE ? ESCAPE '\\'", k ? " OR " : "", col);
                bad = to_str(items[k], &s) || bind_like(q, s, op == OP_CONTAINS);
            }
            buf_puts(w, ")");
        }
        if (bad && q->overflow)
            return -1;
        if (bad)
            return fail(err, "filters", v, "%s.%s: %s is not a valid value", f->name, opname);
        return 0;
    }
    if (op & (OP_GT | OP_GTE | OP_LT | OP_LTE)) {
        int64_t i;
        if (to_int(v, &i))
            return fail(err, "filters", v, "%s.%s wants a number, not %s", f->name, opname);
        const char *sym = op == OP_GT ? ">" : op == OP_GTE ? ">=" : op == OP_LT ? "<" : "<=";
        buf_printf(w, " AND %s %s ?", col, sym);
        return bind_int(q, i);
    }
    if (op & (OP_GTE_NDAYS | OP_LTE_NDAYS)) {
        int64_t d;
        if (to_int(v, &d) || d < 0 || d > 100000)
            return fail(err, "filters", v, "%s.%s wants a number of days, not %s", f->name, opname);
        buf_printf(w, " AND %s %s ?", col, op == OP_GTE_NDAYS ? ">=" : "<=");
        return bind_int(q, now_ms - d * 86400000);
    }
    if (op == OP_RANGE) {
        if (cJSON_IsObject(v)) {
            items[0] = v;
            n = 1;
        } else if (list_items(v, items, &n)) {
            return fail(err, "filters", v, "%s.%s wants {\"start\":..,\"end\":..} or a list of them, not %s",
                        f->name, opname);
        }
        buf_puts(w, " AND (");
        for (size_t k = 0; k < n; k++) {
            int64_t a, b;
            if (!cJSON_IsObject(items[k]) ||
                to_int(cJSON_GetObjectItemCaseSensitive(items[k], "start"), &a) ||
                to_int(cJSON_GetObjectItemCaseSensitive(items[k], "end"), &b))
                return fail(err, "filters", v, "%s.%s wants {\"start\":<ms>,\"end\":<ms>} items, not %s",
                            f->name, opname);
            buf_printf(w, "%s%s BETWEEN ? AND ?", k ? " OR " : "", col);
            if (bind_int(q, a) || bind_int(q, b))
                return -1;
        }
        buf_puts(w, ")");
        return 0;
    }
    /* isset / isnotset */
    if (!cJSON_IsBool(v))
        return fail(err, "filters", v, "%s.%s wants true or false, not %s", f->name, opname);
    int want_set = (op == OP_ISSET) == cJSON_IsTrue(v);
    buf_printf(w, want_set ? " AND (%s IS NOT NULL AND %s <> '')" : " AND (%s IS NULL OR %s = '')",
               col, col);
    return 0;
}

static int parse_filters(struct act_query *q, const cJSON *filters, int64_t now_ms,
                         struct buf *err)
{
    if (!cJSON_IsObject(filters))
        return fail(err, "filters", filters, "%s%sfilters must be an object, not %s", "", "");
    for (const cJSON *fl = filters->child; fl; fl = fl->next) {
        const struct fspec *f = NULL;
        for (size_t i = 0; fields[i].name; i++)
            if (!strcmp(fields[i].name, fl->string))
                f = &fields[i];
        if (!f)
            return fail(err, "filters", fl, "unknown filter '%.80s'%s (value %s)", fl->string, "");
        if (!cJSON_IsObject(fl) || !fl->child)
            return fail(err, "filters", fl, "filter '%s'%s wants {\"<operator>\": value}, not %s",
                        f->name, "");
        for (const cJSON *o = fl->child; o; o = o->next) {
            int bit = 0;
            for (size_t i = 0; ops[i].name; i++)
                if (!strcmp(ops[i].name, o->string))
                    bit = ops[i].bit;
            if (!(bit & f->ops))
                return fail(err, "filters", o, "operator '%.40s' is not valid for filter '%s' (value %s)",
                            o->string, f->name);
            if (one_op(q, f, bit, o->string, o, now_ms, err)) {
                if (q->overflow || !err->len)
                    fail(err, "filters", o, "too many filter values in all (at most %s bound "
                         "values)%s, at %s", "512", "");
                return -1;
            }
        }
    }
    if (q->where.err)
        return fail(err, "filters", filters, "filters are too large%s%s: %s", "", "");
    return 0;
}

int act_query_parse(struct act_query *q, const cJSON *params, int64_t now_ms,
                    act_id_resolver resolve, void *resolve_ctx, struct buf *err)
{
    q->resolve = resolve;
    q->resolve_ctx = resolve_ctx;
    if (!params)
        return 0;
    if (!cJSON_IsObject(params))
        return fail(err, "filters", params, "the request must be a JSON object%s%s, not %s", "", "");
    const cJSON *v;
    if ((v = cJSON_GetObjectItemCaseSensitive(params, "isScan")) && !cJSON_IsNull(v)) {
        if (!cJSON_IsBool(v))
            return fail(err, "isScan", v, "isScan wants true or false%s%s, not %s", "", "");
        q->scan = cJSON_IsTrue(v);
        if (q->scan)
            q->limit = SCAN_MIN_LIMIT;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(params, "skip")) && !cJSON_IsNull(v)) {
        if (to_int(v, &q->skip) || q->skip < 0 || q->skip > QUERY_MAX_SKIP)
            return fail(err, "skip", v, "skip wants a number from 0 to 10000000%s%s, not %s", "", "");
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(params, "limit")) && !cJSON_IsNull(v)) {
        if (to_int(v, &q->limit) || q->limit < 1)
            return fail(err, "limit", v, "limit wants a positive number%s%s, not %s", "", "");
        if (q->scan)
            q->limit = q->limit < SCAN_MIN_LIMIT   ? SCAN_MIN_LIMIT
                       : q->limit > SCAN_MAX_LIMIT ? SCAN_MAX_LIMIT
                                                   : q->limit;
        else if (q->limit > QUERY_MAX_LIMIT)
            q->limit = QUERY_MAX_LIMIT;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(params, "sortField")) && !cJSON_IsNull(v)) {
        if (!cJSON_IsString(v) ||
            (strcmp(v->valuestring, "date") && strcmp(v->valuestring, "created")))
            return fail(err, "sortField", v, "sortField wants \"date\" or \"created\"%s%s, not %s", "", "");
        q->sort_created = !strcmp(v->valuestring, "created");
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(params, "sortDirection")) && !cJSON_IsNull(v)) {
        if (!cJSON_IsString(v) || (strcmp(v->valuestring, "asc") && strcmp(v->valuestring, "desc")))
            return fail(err, "sortDirection", v, "sortDirection wants \"asc\" or \"desc\"%s%s, not %s",
                        "", "");
        q->desc = !strcmp(v->valuestring, "desc");
    }
    if (q->scan && (q->sort_created || !q->desc || q->skip))
        return fail(err, "isScan", cJSON_GetObjectItemCaseSensitive(params, "isScan"),
                    "scan mode pages newest first by date with nextQueryFilters%s%s: leave out "
                    "skip, sortField created and sortDirection asc (%s)", "", "");
    if ((v = cJSON_GetObjectItemCaseSensitive(params, "filters")) && !cJSON_IsNull(v))
        return parse_filters(q, v, now_ms, err);
    return 0;
}
