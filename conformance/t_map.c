/* t_map.c - judges stored activities against the mapping table and the
 * documented limitations (MAP-001..007).  Called by the backfill test,
 * which has a full default-scenario delivery in hand. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "judge.h"
#include "tests.h"
#include "verdict.h"

static cJSON *load_table(char *err, size_t errlen)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/mapping/smartsheet-cas.json",
             ct_opts.fixtures[0] ? ct_opts.fixtures : KIT_SOURCE_FIXTURES);
    size_t len;
    char *text = buf_read_file(path, 8 * 1024 * 1024, &len);
    if (!text) {
        snprintf(err, errlen, "cannot read %.250s (at most 8 MiB)", path);
        return NULL;
    }
    cJSON *t = cJSON_ParseWithLength(text, len);
    free(text);
    if (!t)
        snprintf(err, errlen, "%.250s is not readable JSON", path);
    return t;
}

static const cJSON *row_for(const cJSON *table, const char *ot, const char *ac)
{
    const cJSON *row;
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(table, "rows")) {
        const char *o = ct_jstr(row, "objectType"), *a = ct_jstr(row, "action");
        if (o && a && ot && ac && !strcmp(o, ot) && !strcmp(a, ac))
            return row;
    }
    return cJSON_GetObjectItemCaseSensitive(table, "unknown");
}

/* Whether the number under key (an event's userId, a user's id) is one of
 * the table's system users. */
static int is_system(const cJSON *table, const cJSON *o, const char *key)
{
    const cJSON *uid = cJSON_GetObjectItemCaseSensitive(o, key), *s;
    if (!cJSON_IsNumber(uid))
        return 0;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(table, "systemUserIds"))
        if (cJSON_IsNumber(s) && s->valuedouble == uid->valuedouble)
            return 1;
    return 0;
}

static int is_system_user(const cJSON *table, const cJSON *ev)
{
    return is_system(table, ev, "userId");
}

/* Fills a description template (docs/mapping.md). */
static void describe(const char *tpl, const cJSON *ev, const char *actor, struct buf *out)
{
    const char *ot = ct_jstr(ev, "objectType"), *ac = ct_jstr(ev, "action");
    for (const char *p = tpl; *p;) {
        if (*p != '{') {
            buf_append(out, p++, 1);
            continue;
        }
        size_t len = strcspn(p, "}");
        if (!p[len]) {
            buf_puts(out, p);
            break;
        }
        if (!strncmp(p, "{object}", 8)) {
            for (const char *q = ot ? ot : ""; *q; q++) {
                char c = *q == '_' ? ' ' : (char)((*q >= 'A' && *q <= 'Z') ? *q + 32 : *q);
                buf_append(out, &c, 1);
            }
        } else if (!strncmp(p, "{objectType}", 12)) {
            buf_puts(out, ot ? ot : "");
        } else if (!strncmp(p, "{action}", 8)) {
            buf_puts(out, ac ? ac : "");
        } else if (!strncmp(p, "{objectId}", 10)) {
            const char *s = ct_jstr(ev, "objectIdStr");
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(ev, "objectId");
            if (s)
                buf_puts(out, s);
            else if (cJSON_IsNumber(id))
                buf_printf(out, "%.0f", id->valuedouble);
        } else if (!strncmp(p, "{actor}", 7)) {
            buf_puts(out, actor ? actor : "");
        } else {
            buf_append(out, p, len + 1);
        }
        p += len + 1;
    }
}

/* A key outside rawDataJson that names an IP address. */
static const char *ip_key(const cJSON *o, int depth)
{
    const cJSON *c;
    if (depth > 16)
        return NULL;
    cJSON_ArrayForEach(c, o) {
        if (c->string && !strcmp(c->string, "rawDataJson"))
            continue;
        if (c->string && (strcasestr(c->string, "clientip") || !strcasecmp(c->string, "ip") ||
                          strcasestr(c->string, "ipaddress")))
            return c->string;
        if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
            const char *k = ip_key(c, depth + 1);
            if (k)
                return k;
        }
    }
    return NULL;
}

static int str_is(const cJSON *o, const char *key, const char *want)
{
    const char *v = ct_jstr(o, key);
    return v && want && !strcmp(v, want);
}

static int num_is(const cJSON *o, const char *key, double want)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) && v->valuedouble == want;
}

/* The first of CAS's app fields that is wrong (MAP-001), or NULL. */
static const char *app_diff(const cJSON *act, const cJSON *ev)
{
    if (!num_is(act, "appId", 11934))
        return "appId";
    if (!str_is(act, "appName", "Smartsheet"))
        return "appName";
    if (!num_is(act, "source", 2))
        return "source";
    if (!num_is(act, "timestamp", (double)ct_event_ms(ev)))   /* as the connector got it */
        return "timestamp";
    return NULL;
}

/* The first table-driven field that differs (MAP-003), or NULL. */
static const char *mapping_diff(const cJSON *table, const cJSON *act, const cJSON *ev)
{
    const cJSON *row = row_for(table, ct_jstr(ev, "objectType"), ct_jstr(ev, "action"));
    const char *atype = ct_jstr(row, "activityType");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(table, "activityTypes"), atype ? atype : "");
    if (!str_is(act, "eventTypeValue", ct_jstr(row, "eventTypeValue")))
        return "eventTypeValue";
    if (!str_is(act, "activityType", atype))
        return "activityType";
    if (!cJSON_IsNumber(code) || !num_is(act, "eventType", code->valuedouble))
        return "eventType";
    char name[128] = "EVENT_CATEGORY_";
    size_t k = strlen(name);
    for (const char *p = atype ? atype : ""; *p && k + 1 < sizeof name; p++)
        name[k++] = *p == ' ' ? '_' : (char)((*p >= 'a' && *p <= 'z') ? *p - 32 : *p);
    name[k] = '\0';
    if (!str_is(act, "eventTypeName", name))
        return "eventTypeName";
    const char *actor = ct_jstr(cJSON_GetObjectItemCaseSensitive(act, "user"), "userName");
    struct buf d;
    buf_init(&d, 64 * 1024);
    describe(ct_jstr(row, "description") ? ct_jstr(row, "description") : "", ev, actor, &d);
    int same = str_is(act, "description", d.ptr ? d.ptr : "");
    buf_release(&d);
    return same ? NULL : "description";
}

/* The user the activity should name: Smartsheet for system users, else
 * the event's email address; for an event without one (*from_list set),
 * the address of its userId in the user list (NULL if unknown). */
static const char *want_user(const cJSON *table, const cJSON *users, const cJSON *ev,
                             int *from_list)
{
    *from_list = 0;
    if (is_system_user(table, ev))
        return "Smartsheet";
    const char *mail = ct_jstr(cJSON_GetObjectItemCaseSensitive(ev, "additionalDetails"),
                               "emailAddress");
    if (mail && mail[0])
        return mail;
    *from_list = 1;
    const cJSON *uid = cJSON_GetObjectItemCaseSensitive(ev, "userId"), *u;
    cJSON_ArrayForEach(u, users) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(u, "id");
        if (cJSON_IsNumber(uid) && cJSON_IsNumber(id) && id->valuedouble == uid->valuedouble)
            return ct_jstr(u, "email");
    }
    return NULL;
}

/* The stream event with this eventId, from a list sorted by nothing. */
static const cJSON *find_event(const cJSON *events, const char *id)
{
    const cJSON *ev;
    cJSON_ArrayForEach(ev, events) {
        const char *x = ct_jstr(ev, "eventId");
        if (x && id && !strcmp(x, id))
            return ev;
    }
    return NULL;
}

/* rawDataJson and the stream event are equal except for the form of
 * eventTimestamp (ISO text to the second, or epoch ms, as the connector
 * asked). */
static int raw_equal(const cJSON *raw, const cJSON *ev)
{
    int iso = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(raw, "eventTimestamp"));
    int64_t r = ct_event_ms(raw), s = ct_event_ms(ev);
    if (r < 0 || (iso ? r / 1000 != s / 1000 : r != s))
        return 0;
    cJSON *a = cJSON_Duplicate(raw, 1), *b = cJSON_Duplicate(ev, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(a, "eventTimestamp");
    cJSON_DeleteItemFromObjectCaseSensitive(b, "eventTimestamp");
    int eq = cJSON_Compare(a, b, 1);
    cJSON_Delete(a);
    cJSON_Delete(b);
    return eq;
}

/* Whether the event's pair is one of the table's authentication rows
 * (Smartsheet's log-in and log-out events, contract 6). */
static int is_auth_event(const cJSON *table, const cJSON *ev)
{
    const char *ot = ct_jstr(ev, "objectType"), *ac = ct_jstr(ev, "action");
    const cJSON *row;
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(table, "rows")) {
        const char *o = ct_jstr(row, "objectType"), *a = ct_jstr(row, "action");
        if (o && a && ot && ac && !strcmp(o, ot) && !strcmp(a, ac))
            return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(row, "authentication"));
    }
    return 0;
}

/* A CAS log on, log out or failed log on: by type name, code or category. */
static int is_logon_activity(const cJSON *act)
{
    const char *at = ct_jstr(act, "activityType"), *cat = ct_jstr(act, "eventTypeName");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(act, "eventType");
    double c = cJSON_IsNumber(code) ? code->valuedouble : 0;
    return (at && (!strcasecmp(at, "Log on") || !strcasecmp(at, "Log out") ||
                   !strcasecmp(at, "Failed log on"))) ||
           (cat && (!strcmp(cat, "EVENT_CATEGORY_LOGIN") || !strcmp(cat, "EVENT_CATEGORY_LOGOUT") ||
                    !strcmp(cat, "EVENT_CATEGORY_FAILED_LOGIN") ||
                    !strcmp(cat, "EVENT_CATEGORY_LOG_ON") ||
                    !strcmp(cat, "EVENT_CATEGORY_LOG_OUT") ||
                    !strcmp(cat, "EVENT_CATEGORY_FAILED_LOG_ON"))) ||
           (c >= 2424839 && c <= 2424841) || c == 196352 || c == 196355 || c == 1024;
}

/* MAP-007: every authentication event the sync had to deliver (one sure
 * to be inside the backfill window, or added by ct_map_cover_table) is
 * stored at CAS, and none as a log on; a log on CAS refused (its LIM
 * rule, by eventId) counts as one. */
static void judge_auth(const cJSON *table, const cJSON *events, const cJSON *acts,
                       const cJSON *viol, const char *failed, int64_t sync_start_ms)
{
    int64_t sure = sync_start_ms - 7 * CT_DAY_MS + 2 * CT_HOUR_MS;
    int want = 0, dropped = 0, logon = 0;
    char ex[200] = "";
    const cJSON *ev, *a, *v;
    /* The stored activities of authentication events: eventId -> log on? */
    cJSON *seen = cJSON_CreateObject();
    cJSON_ArrayForEach(a, acts) {
        cJSON *tmp;
        const cJSON *raw = ct_activity_raw(a, &tmp);
        const char *rid = ct_jstr(raw, "eventId");
        if (rid && is_auth_event(table, raw) && !cJSON_GetObjectItemCaseSensitive(seen, rid))
            cJSON_AddItemToObject(seen, rid, cJSON_CreateString(
                                      is_logon_activity(a) ? ct_jstr(a, "activityType") : ""));
        cJSON_Delete(tmp);
    }
    cJSON_ArrayForEach(ev, events) {
        if (!is_auth_event(table, ev))
            continue;
        const char *id = ct_jstr(ev, "eventId");
        const char *stored = id ? ct_jstr(seen, id) : NULL;   /* "" or the log-on type */
        int refused_logon = 0;
        cJSON_ArrayForEach(v, viol) {
            const char *vid = ct_jstr(v, "eventId"), *rule = ct_jstr(v, "rule");
            if (vid && id && rule && !strcmp(vid, id) && !strncmp(rule, "LIM-001", 7))
                refused_logon = 1;
        }
        int expected = ct_event_ms(ev) >= sure;
        want += expected || stored || refused_logon;
        if ((stored && stored[0]) || refused_logon) {
            if (!logon++ && !ex[0])
                snprintf(ex, sizeof ex, "event %.60s (%s %s) became a CAS %s", id ? id : "?",
                         ct_jstr(ev, "objectType"), ct_jstr(ev, "action"),
                         stored && stored[0] ? stored : "log on, which CAS refused");
        } else if (!stored && expected) {
            if (!dropped++ && !ex[0])
                snprintf(ex, sizeof ex, "event %.60s (%s %s) was not delivered", id ? id : "?",
                         ct_jstr(ev, "objectType"), ct_jstr(ev, "action"));
        }
    }
    cJSON_Delete(seen);
    if (!want) {
        ct_blocked("MAP-007", "the stream has no authentication event to deliver (a 2021 "
                   "profile scenario, or a table without authentication rows)");
        return;
    }
    if (!logon && dropped && failed) {
        ct_blocked("MAP-007", "the sync failed (%.200s); %d of %d authentication events were "
                   "not delivered, none as a log on", failed, dropped, want);
        return;
    }
    ct_verdict("MAP-007", !logon && !dropped,
               "of %d authentication events, %d became a CAS log on or log out and %d were not "
               "delivered%s%s", want, logon, dropped, ex[0] ? "; first: " : "", ex);
}

/* What one requirement found: how many activities broke it, the first. */
struct finding {
    const char *id;
    const char *prefix;      /* mock-cas rule prefix routed to it */
    int bad, violations;
    char example[260];
};

static void note(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct finding *f, const char *fmt, ...)
{
    if (f->bad++ + f->violations)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->example, sizeof f->example, fmt, ap);
    va_end(ap);
}

int ct_map_cover_table(struct ct_env *e)
{
    char err[300];
    cJSON *table = load_table(err, sizeof err);
    cJSON *events = table ? ct_ss_events(e) : NULL;
    int count = cJSON_GetArraySize(events);
    if (!table || count == 0) {
        snprintf(e->err, sizeof e->err, "%s", table ? "the scenario has no event to copy" : err);
        cJSON_Delete(table);
        cJSON_Delete(events);
        return -1;
    }
    const cJSON *last = cJSON_GetArrayItem(events, count - 1), *row;
    cJSON *arr = cJSON_CreateArray();
    /* Every row once, then pairs the table does not know: an unknown
     * action of a known object type and a known action of an unknown one. */
    const char *odd[2][2] = {{"SHEET", "CONFORMANCE_PROBE"}, {"CONFORMANCE_OBJECT", "CREATE"}};
    int nrows = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(table, "rows"));
    for (int i = 0; i < nrows + 2; i++) {
        const char *ot, *ac;
        if (i < nrows) {
            row = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(table, "rows"), i);
            ot = ct_jstr(row, "objectType");
            ac = ct_jstr(row, "action");
        } else {
            ot = odd[i - nrows][0];
            ac = odd[i - nrows][1];
        }
        if (!ot || !ac)
            continue;
        cJSON *ev = ct_event_copy(last);
        cJSON_ReplaceItemInObjectCaseSensitive(ev, "objectType", cJSON_CreateString(ot));
        cJSON_ReplaceItemInObjectCaseSensitive(ev, "action", cJSON_CreateString(ac));
        cJSON_AddItemToArray(arr, ev);
    }
    /* Two events of an ordinary user whose address is empty (contract 6:
     * the user list names him).  mock-smartsheet's events always carry
     * the field, as its model of Smartsheet's do. */
    cJSON *users = ct_ss_users(e);
    const cJSON *u, *who = NULL;
    cJSON_ArrayForEach(u, users) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(u, "id");
        if (!who && cJSON_IsNumber(id) && ct_jstr(u, "email") && !is_system(table, u, "id"))
            who = u;
    }
    for (int k = 0; who && k < 2; k++) {
        cJSON *ev = ct_event_copy(last);
        double id = cJSON_GetObjectItemCaseSensitive(who, "id")->valuedouble;
        cJSON_ReplaceItemInObjectCaseSensitive(ev, "userId", cJSON_CreateNumber(id));
        cJSON *details = cJSON_GetObjectItemCaseSensitive(ev, "additionalDetails");
        if (!cJSON_IsObject(details)) {
            cJSON_DeleteItemFromObjectCaseSensitive(ev, "additionalDetails");
            details = cJSON_AddObjectToObject(ev, "additionalDetails");
        }
        cJSON_DeleteItemFromObjectCaseSensitive(details, "emailAddress");
        cJSON_AddStringToObject(details, "emailAddress", "");
        cJSON_AddItemToArray(arr, ev);
    }
    int rc = ct_post_events(e, arr);
    cJSON_Delete(events);
    cJSON_Delete(users);
    cJSON_Delete(table);
    return rc;
}

void ct_map_judge(struct ct_env *e, const char *failed, int64_t sync_start_ms)
{
    const char *reqs = "MAP-001,MAP-002,MAP-003,MAP-004,MAP-005,MAP-006,MAP-007";
    /* MAP-006 has no CAS rule family: mock-cas cannot tell whose an
     * address-less event is. */
    struct finding f[6] = {{"MAP-001", "ACT"}, {"MAP-002", "RAW"}, {"MAP-003", "MAP"},
                           {"MAP-004", "LIM"}, {"MAP-005", "USR"}, {"MAP-006", "\x01"}};
    int addressless = 0;
    char err[300];
    cJSON *table = load_table(err, sizeof err);
    cJSON *viol = table ? ct_cas_violations(e) : NULL;
    cJSON *acts = viol ? ct_cas_activities(e) : NULL;
    cJSON *events = acts ? ct_ss_events(e) : NULL;
    cJSON *users = events ? ct_ss_users(e) : NULL;
    if (!users) {
        ct_blocked(reqs, "%s", table ? e->err : err);
        goto out;
    }
    /* CAS's violations, each routed to the requirement its rule belongs to. */
    const cJSON *v;
    cJSON_ArrayForEach(v, viol) {
        const char *rule = ct_jstr(v, "rule"), *reason = ct_jstr(v, "reason");
        struct finding *to = &f[0];
        for (int i = 1; i < 6; i++)
            if (rule && !strncmp(rule, f[i].prefix, strlen(f[i].prefix)))
                to = &f[i];
        if (!to->violations++ && !to->bad)
            snprintf(to->example, sizeof to->example, "CAS rule %s: %.200s", rule ? rule : "?",
                     reason ? reason : "");
    }
    int n = 0;
    const cJSON *act;
    cJSON_ArrayForEach(act, acts) {
        n++;
        cJSON *tmp;
        const cJSON *raw = ct_activity_raw(act, &tmp);
        const char *id = ct_jstr(raw, "eventId");
        const cJSON *ev = find_event(events, id);
        if (!ev || !raw_equal(raw, ev)) {
            note(&f[1], "activity %d (eventId %s) %s", n, id ? id : "none",
                 ev ? "differs from the event" : "matches no event");
        } else {
            const char *field = app_diff(act, raw);
            if (field)
                note(&f[0], "activity %d (eventId %s): %s is wrong", n, id, field);
            field = mapping_diff(table, act, ev);
            if (field)
                note(&f[2], "activity %d (eventId %s): %s differs from the table", n, id, field);
            int from_list;
            const char *want = want_user(table, users, ev, &from_list);
            const char *who = ct_jstr(cJSON_GetObjectItemCaseSensitive(act, "user"), "userName");
            addressless += from_list && want;
            if (want && (!who || strcmp(who, want)))
                note(&f[from_list ? 5 : 4], "activity %d (eventId %s%s) is attributed to %s, "
                     "not %s", n, id, from_list ? ", without an email address" : "",
                     who ? who : "nobody", want);
        }
        const char *k = ip_key(act, 0);
        const char *at = ct_jstr(act, "activityType");
        int logon = at && (!strcasecmp(at, "Log on") || !strcasecmp(at, "Log out") ||
                           !strcasecmp(at, "Failed log on"));
        if (k || logon)
            note(&f[3], "activity %d carries %s", n, k ? k : at);
        cJSON_Delete(tmp);
    }
    if (n || cJSON_GetArraySize(viol))
        judge_auth(table, events, acts, viol, failed, sync_start_ms);
    if (n == 0 && cJSON_GetArraySize(viol) == 0) {
        if (failed)
            ct_blocked(reqs, "not judged, because %s (no activity was delivered)", failed);
        else
            ct_blocked(reqs, "no activity was delivered");
        goto out;
    }
    for (int i = 0; i < 6; i++) {
        if (i == 5 && !addressless && !f[i].bad) {
            ct_blocked(f[i].id, "no stored activity came from an event without an email "
                       "address");
            continue;
        }
        if (i > 0 && n == 0 && !f[i].violations) {
            ct_blocked(f[i].id, "CAS stored no activity to judge (%d violations of other rules)",
                       cJSON_GetArraySize(viol));
            continue;
        }
        char cas[80] = "CAS has no rule for it";
        if (i < 5)
            snprintf(cas, sizeof cas, "CAS recorded %d violation%s of its %s rules",
                     f[i].violations, f[i].violations == 1 ? "" : "s", f[i].prefix);
        if (failed && !f[i].bad && !f[i].violations) {
            /* A sync that stopped early delivered only part of the
             * table: no fault found is not a pass. */
            ct_blocked(f[i].id, "the sync failed (%.200s); the %d stored activities break "
                       "no rule of it, but not every row was delivered", failed, n);
            continue;
        }
        ct_verdict(f[i].id, !f[i].bad && !f[i].violations,
                   "%d of %d stored activities break it%s, %s%s%s", f[i].bad, n,
                   i == 5 ? " (of those from events without an email address)" : "", cas,
                   f[i].bad || f[i].violations ? "; first: " : "", f[i].example);
    }
out:
    cJSON_Delete(table);
    cJSON_Delete(viol);
    cJSON_Delete(acts);
    cJSON_Delete(events);
    cJSON_Delete(users);
}
