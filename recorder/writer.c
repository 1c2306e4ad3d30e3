/* writer.c - the scenario folder of a recording (docs/fixtures.md). */
#include "writer.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "sspos.h"
#include "strutil.h"

#define MAX_FILE ((size_t)256 << 20)
/* The scenario format's bound on stillGenerating (docs/fixtures.md). */
#define STILL_PLACES_MAX 1000
/* Smartsheet's June 2026 additions (docs/fixtures.md, profile): a
 * recording made since then is of profile 2026.  2026-06-01T00:00:00Z. */
#define PROFILE_2026_FROM_MS 1780272000000LL

/* The app every checked-in scenario registers (docs/fixtures.md), so a
 * connector configured once can be pointed at a recording too. */
#define KIT_APP "{\"name\":\"Cloud App Security connector\",\"clientId\":\"dvw1gqh1ppf5bi99ewqptfvqd1\"," \
                "\"secret\":\"83su5s8shjbnv4ozgne4v6m9jp\",\"redirectUrl\":\"http://127.0.0.1/api/oauth/saga\"}"


static cJSON *read_json(const char *path)
{
    size_t len;
    char *s = buf_read_file(path, MAX_FILE, &len);
    cJSON *j = s ? cJSON_Parse(s) : NULL;
    free(s);
    return j;
}

static int write_file(const char *path, const char *data, size_t len)
{
    char tmp[4200];
    rec_fmt(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return -1;
    int ok = fwrite(data, 1, len, f) == len;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* Whole numbers as integers: cJSON would print 6465406924635470 as
 * 6.46540692463547e+15, which the scenario loader reads as no id. */
static void fix_ints(cJSON *n)
{
    if (cJSON_IsNumber(n)) {
        int64_t v;
        if (!double_to_i64(n->valuedouble, &v)) {
            char s[32];
            rec_fmt(s, sizeof s, "%lld", (long long)v);
            n->type = cJSON_Raw;
            n->valuestring = xstrdup(s);
        }
        return;
    }
    cJSON *c;
    if (cJSON_IsArray(n) || cJSON_IsObject(n))
        cJSON_ArrayForEach(c, n) fix_ints(c);
}

/* ---- pseudonymising events ---------------------------------------------- */

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

static void replace_str(cJSON *item, char *fresh)
{
    cJSON_SetValuestring(item, fresh);
    free(fresh);
}

/* "sheetName" -> "Sheet", "name" -> "Name". */
static void label_of(const char *key, char *out, size_t cap)
{
    size_t n = strlen(key);
    if (ends_with(key, "Name") && n > 4)
        n -= 4;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, key, n);
    out[n] = '\0';
    out[0] = (char)toupper((unsigned char)out[0]);
}

static int is_id_key(const char *k)
{
    return !strcmp(k, "userId") || ends_with(k, "UserId");
}

/* The values inside additionalDetails (recursively). */
static void details(struct pseudo *p, cJSON *node, const char *key)
{
    if (cJSON_IsString(node) && node->valuestring) {
        const char *v = node->valuestring;
        char label[64];
        if (key && ends_with(key, "Name") && strcmp(key, "appName") != 0 &&
            strcmp(key, "systemUserName") != 0) {
            label_of(key, label, sizeof label);
            replace_str(node, pseudo_label(p, label, v));
        } else if (looks_like_email(v)) {
            replace_str(node, pseudo_email(p, v));
        } else if (looks_like_ip(v) || (key && (strstr(key, "IpAddress") || strstr(key, "ipAddress")))) {
            replace_str(node, pseudo_ip(p, v));
        }
    } else if (cJSON_IsNumber(node) && key && is_id_key(key)) {
        int64_t id;
        if (!double_to_i64(node->valuedouble, &id) && id > 0)
            cJSON_SetNumberValue(node, (double)pseudo_id(p, id));
    } else if (cJSON_IsArray(node)) {
        cJSON *c;
        cJSON_ArrayForEach(c, node) details(p, c, NULL);
    } else if (cJSON_IsObject(node)) {
        cJSON *c;
        cJSON_ArrayForEach(c, node) details(p, c, c->string);
    }
}

static void map_id_field(struct pseudo *p, cJSON *ev, const char *name)
{
    cJSON *f = cJSON_GetObjectItemCaseSensitive(ev, name);
    int64_t id;
    if (cJSON_IsNumber(f) && !double_to_i64(f->valuedouble, &id) && id > 0)
        cJSON_SetNumberValue(f, (double)pseudo_id(p, id));
}

void writer_event(struct pseudo *p, cJSON *ev)
{
    cJSON *ad = cJSON_GetObjectItemCaseSensitive(ev, "additionalDetails");
    if (!cJSON_IsObject(ad)) {
        cJSON_DeleteItemFromObjectCaseSensitive(ev, "additionalDetails");
        ad = cJSON_AddObjectToObject(ev, "additionalDetails");
    }
    if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(ad, "emailAddress"))) {
        /* The format requires it; Smartsheet sends it on every event. */
        cJSON_DeleteItemFromObjectCaseSensitive(ad, "emailAddress");
        cJSON_AddStringToObject(ad, "emailAddress", "");
    }
    if (!pseudo_enabled(p))
        return;
    map_id_field(p, ev, "userId");
    map_id_field(p, ev, "requestUserId");
    cJSON *type = cJSON_GetObjectItemCaseSensitive(ev, "objectType");
    cJSON *oid = cJSON_GetObjectItemCaseSensitive(ev, "objectId");
    cJSON *ostr = cJSON_GetObjectItemCaseSensitive(ev, "objectIdStr");
    int64_t id;
    if (cJSON_IsString(type) && !strcmp(type->valuestring, "USER") && cJSON_IsNumber(oid) &&
        !double_to_i64(oid->valuedouble, &id) && id > 0) {
        int64_t m = pseudo_id(p, id);
        cJSON_SetNumberValue(oid, (double)m);
        if (cJSON_IsString(ostr)) {
            char s[32];
            rec_fmt(s, sizeof s, "%lld", (long long)m);
            cJSON_SetValuestring(ostr, s);
        }
    } else if (cJSON_IsString(ostr) && ostr->valuestring && looks_like_email(ostr->valuestring)) {
        replace_str(ostr, pseudo_email(p, ostr->valuestring));
    }
    cJSON *tok = cJSON_GetObjectItemCaseSensitive(ev, "accessTokenName");
    if (cJSON_IsString(tok) && tok->valuestring)
        replace_str(tok, pseudo_label(p, "Token", tok->valuestring));
    details(p, ad, NULL);
}

/* ---- event ids seen (duplicates across pages are dropped) ---------------- */

struct idset {
    char **s;
    size_t cap, n;
};

static size_t str_hash(const char *s)
{
    size_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* 1 when s was already there, else adds it and returns 0. */
static int idset_add(struct idset *t, const char *s)
{
    if ((t->n + 1) * 2 > t->cap) {
        struct idset g = {xcalloc(t->cap ? t->cap * 2 : 1024, sizeof(char *)),
                          t->cap ? t->cap * 2 : 1024, 0};
        for (size_t i = 0; i < t->cap; i++)
            if (t->s[i])
                idset_add(&g, t->s[i]), free(t->s[i]);
        free(t->s);
        *t = g;
    }
    size_t i = str_hash(s) & (t->cap - 1);
    for (; t->s[i]; i = (i + 1) & (t->cap - 1))
        if (!strcmp(t->s[i], s))
            return 1;
    t->s[i] = xstrdup(s);
    t->n++;
    return 0;
}

static void idset_free(struct idset *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->s[i]);
    free(t->s);
}

/* ---- pages ---------------------------------------------------------------- */

struct pager {
    const char *dir;
    int size;
    char **held;         /* serialised events of the page being filled */
    int n;
    long written;        /* events in pages written */
    long pages;
    cJSON *names;        /* eventPages */
};

static void page_name(long k, char *out, size_t cap)
{
    rec_fmt(out, cap, k <= 9999 ? "events/page-%04ld.json" : "events/page-%06ld.json", k);
}

static int pager_flush(struct pager *pg, int more)
{
    if (!pg->n)
        return 0;
    struct buf b;
    buf_init(&b, MAX_FILE);
    char pos[SSPOS_LEN + 1];
    sspos_encode((uint64_t)(pg->written + pg->n), pos);
    buf_printf(&b, "{\"nextStreamPosition\":\"%s\",\"moreAvailable\":%s,\"data\":[\n", pos,
               more ? "true" : "false");
    for (int i = 0; i < pg->n; i++) {
        buf_printf(&b, "%s%s\n", pg->held[i], i + 1 < pg->n ? "," : "");
        free(pg->held[i]);
    }
    buf_puts(&b, "]}\n");
    char rel[64], path[4200];
    page_name(pg->pages + 1, rel, sizeof rel);
    rec_fmt(path, sizeof path, "%s/%s", pg->dir, rel);
    int rc = b.err ? -1 : write_file(path, b.ptr, b.len);
    buf_release(&b);
    if (rc)
        return -1;
    pg->pages++;
    pg->written += pg->n;
    pg->n = 0;
    cJSON_AddItemToArray(pg->names, cJSON_CreateString(rel));
    return 0;
}

/* Adds one serialised event; a full page is written once the next event
 * shows it is not the last. */
static int pager_add(struct pager *pg, char *ev)
{
    if (pg->n == pg->size && pager_flush(pg, 1))
        return -1;
    pg->held[pg->n++] = ev;
    return 0;
}

/* Removes page files of an earlier recording into the same folder. */
static void clear_pages(const char *dir)
{
    char path[4200];
    rec_fmt(path, sizeof path, "%s/events", dir);
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strncmp(e->d_name, "page-", 5) && ends_with(e->d_name, ".json")) {
            char f[4400];
            rec_fmt(f, sizeof f, "%s/%s", path, e->d_name);
            unlink(f);
        }
    }
    closedir(d);
}

/* ---- users ---------------------------------------------------------------- */

static const char *str_of(cJSON *o, const char *k)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

static int in_list(const char *s, const char *const *list)
{
    for (; s && *list; list++)
        if (!strcmp(s, *list))
            return 1;
    return 0;
}

static void copy_bool(cJSON *to, cJSON *from, const char *k)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(from, k);
    if (cJSON_IsBool(v))
        cJSON_AddBoolToObject(to, k, cJSON_IsTrue(v));
}

static void copy_str(cJSON *to, const char *k, const char *v, char *fresh)
{
    if (fresh) {
        cJSON_AddStringToObject(to, k, fresh);
        free(fresh);
    } else if (v) {
        cJSON_AddStringToObject(to, k, v);
    }
}

/* One user in the scenario's form, or NULL (skipped, reason in why). */
static cJSON *user_out(struct pseudo *p, cJSON *u, struct idset *emails, const char **why)
{
    static const char *const statuses[] = {"ACTIVE", "PENDING", "DECLINED", "DEACTIVATED", NULL};
    static const char *const seats[] = {"MEMBER", "PROVISIONAL_MEMBER", "GUEST", "VIEWER",
                                        "CONTRIBUTOR", NULL};
    cJSON *idj = cJSON_GetObjectItemCaseSensitive(u, "id");
    int64_t id;
    const char *email = str_of(u, "email"), *status = str_of(u, "status");
    if (!cJSON_IsNumber(idj) || double_to_i64(idj->valuedouble, &id) || id <= 0) {
        *why = "no usable id";
        return NULL;
    }
    if (!email || !strchr(email, '@')) {
        *why = "no email";
        return NULL;
    }
    if (!in_list(status, statuses)) {
        *why = "an unknown status";
        return NULL;
    }
    int pz = pseudo_enabled(p);
    char *mail = pseudo_email(p, email);
    char low[1024];
    rec_fmt(low, sizeof low, "%s", mail);
    for (char *c = low; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    if (idset_add(emails, low)) {
        free(mail);
        *why = "a duplicate email";
        return NULL;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)pseudo_id(p, id));
    cJSON_AddStringToObject(o, "email", mail);
    free(mail);
    const char *fn = str_of(u, "firstName"), *ln = str_of(u, "lastName");
    copy_str(o, "firstName", fn, fn && pz ? pseudo_person_name(p, "first", fn) : NULL);
    copy_str(o, "lastName", ln, ln && pz ? pseudo_person_name(p, "last", ln) : NULL);
    cJSON_AddStringToObject(o, "status", status);
    const char *seat = str_of(u, "seatType");
    if (in_list(seat, seats))
        cJSON_AddStringToObject(o, "seatType", seat);
    copy_bool(o, u, "isInternal");
    static const char *const kept[] = {"title", "department", "role", NULL};
    for (const char *const *k = kept; *k; k++) {
        const char *v = str_of(u, *k);
        if (v && strlen(v) <= 1023)
            cJSON_AddStringToObject(o, *k, v);
    }
    const char *company = str_of(u, "company");
    if (company && strlen(company) <= 1023)
        copy_str(o, "company", company, pz ? pseudo_label(p, "Company", company) : NULL);
    static const char *const phones[] = {"workPhone", "mobilePhone", NULL};
    for (const char *const *k = phones; *k; k++) {
        const char *v = str_of(u, *k);
        if (v && strlen(v) <= 1023)
            cJSON_AddStringToObject(o, *k, pz ? "" : v);
    }
    cJSON *adm = cJSON_GetObjectItemCaseSensitive(u, "admin");
    cJSON_AddBoolToObject(o, "admin", cJSON_IsTrue(adm));
    copy_bool(o, u, "licensedSheetCreator");
    copy_bool(o, u, "groupAdmin");
    copy_bool(o, u, "resourceViewer");
    cJSON *ll = cJSON_GetObjectItemCaseSensitive(u, "lastLogin");
    int64_t ms;
    if (cJSON_IsString(ll) && !parse_iso8601_ms(ll->valuestring, &ms))
        cJSON_AddStringToObject(o, "lastLogin", ll->valuestring);
    else if (cJSON_IsNull(ll) || !ll)
        cJSON_AddNullToObject(o, "lastLogin");
    const char *loc = str_of(u, "locale"), *tz = str_of(u, "timeZone");
    if (loc)
        cJSON_AddStringToObject(o, "locale", loc);
    if (tz)
        cJSON_AddStringToObject(o, "timeZone", tz);
    return o;
}

/* ---- the scenario ----------------------------------------------------------- */

int writer_run(const struct writer_opts *o, struct pseudo *p, struct writer_stats *st,
               char *err, size_t errlen)
{
    char path[4200];
    int rc = -1;
    memset(st, 0, sizeof *st);
    struct idset emails = {0}, seen = {0};
    struct pager pg = {.dir = o->dir, .size = o->page_size};
    pg.held = xcalloc((size_t)o->page_size, sizeof(char *));
    pg.names = cJSON_CreateArray();
    cJSON *sc = NULL, *me = NULL, *raw_users = NULL, *still = NULL;

    rec_fmt(path, sizeof path, "%s/users.json", o->partial);
    raw_users = read_json(path);
    if (!cJSON_IsArray(raw_users)) {
        rec_fmt(err, errlen, "%s: not a JSON array (the users were not recorded)", path);
        goto out;
    }
    rec_fmt(path, sizeof path, "%s/me.json", o->partial);
    me = read_json(path);      /* optional */

    sc = cJSON_CreateObject();
    cJSON_AddStringToObject(sc, "name", o->name);
    char rec[32], since[32];
    format_iso8601(o->recorded_ms, rec);
    format_iso8601(o->since_ms, since);
    char desc[600];
    rec_fmt(desc, sizeof desc, "Recorded by recorder from %s: users and the events from %s to %s%s.",
             pseudo_enabled(p) ? "a Smartsheet organisation" : o->from, since, rec,
             pseudo_enabled(p) ? ", pseudonymised" : " (not pseudonymised)");
    cJSON_AddStringToObject(sc, "description", desc);
    cJSON_AddStringToObject(sc, "recordedAt", rec);

    cJSON *acct_in = me ? cJSON_GetObjectItemCaseSensitive(me, "account") : NULL;
    cJSON *acct = cJSON_AddObjectToObject(sc, "account");
    cJSON *aid = acct_in ? cJSON_GetObjectItemCaseSensitive(acct_in, "id") : NULL;
    int64_t account_id = 1;
    if (!cJSON_IsNumber(aid) || double_to_i64(aid->valuedouble, &account_id) || account_id <= 0)
        account_id = 1;
    cJSON_AddNumberToObject(acct, "id", (double)pseudo_id(p, account_id));
    const char *aname = acct_in ? str_of(acct_in, "name") : NULL;
    if (aname) {
        char *n = pseudo_label(p, "Organisation", aname);
        cJSON_AddStringToObject(acct, "name", n);
        free(n);
    } else {
        cJSON_AddStringToObject(acct, "name", "Recorded organisation");
    }
    cJSON_AddStringToObject(acct, "plan", "ENTERPRISE");
    cJSON_AddBoolToObject(acct, "eventReporting", 1);
    cJSON_AddItemToObject(sc, "apps", cJSON_Parse("[" KIT_APP "]"));

    cJSON *users = cJSON_CreateArray();
    cJSON *u;
    const char *me_email = me ? str_of(me, "email") : NULL;
    char *consent_email = NULL;
    cJSON_ArrayForEach(u, raw_users) {
        const char *why = NULL;
        cJSON *x = user_out(p, u, &emails, &why);
        if (!x) {
            fprintf(stderr, "recorder: a user skipped: %s\n", why);
            continue;
        }
        const char *e = str_of(u, "email");
        if (me_email && e && !strcasecmp(e, me_email) && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "admin")) &&
            !strcmp(str_of(x, "status"), "ACTIVE") && !consent_email)
            consent_email = xstrdup(str_of(x, "email"));
        cJSON_AddItemToArray(users, x);
        st->users++;
    }
    if (!st->users) {
        rec_fmt(err, errlen, "the organisation has no user the format can hold");
        cJSON_Delete(users);
        goto out;
    }
    cJSON *consent = cJSON_AddObjectToObject(sc, "consent");
    cJSON_AddStringToObject(consent, "mode", "approve");
    if (consent_email)
        cJSON_AddStringToObject(consent, "userEmail", consent_email);
    free(consent_email);
    cJSON *rl = cJSON_AddObjectToObject(sc, "rateLimit");
    cJSON_AddNumberToObject(rl, "requests", 300);
    cJSON_AddNumberToObject(rl, "seconds", 60);
    cJSON_AddItemToObject(sc, "users", users);

    /* Events, page by page as fetched, into pages of page_size. */
    rec_fmt(path, sizeof path, "%s/events", o->dir);
    if (mkdir(path, 0755) && errno != EEXIST) {
        rec_fmt(err, errlen, "%s: %s", path, strerror(errno));
        goto out;
    }
    clear_pages(o->dir);
    int64_t last_ms = INT64_MIN;
    /* Places where the stream was still generating: an empty page with
     * moreAvailable true (a short page alone may be a server's page cap). */
    still = cJSON_CreateArray();
    long last_place = 0;
    for (int k = 1; k <= o->raw_pages; k++) {
        rec_fmt(path, sizeof path, "%s/raw-%06d.json", o->partial, k);
        cJSON *page = read_json(path);
        cJSON *data = page ? cJSON_GetObjectItemCaseSensitive(page, "data") : NULL;
        if (!cJSON_IsArray(data)) {
            rec_fmt(err, errlen, "%s: not an events page", path);
            cJSON_Delete(page);
            goto out;
        }
        cJSON *ev;
        cJSON_ArrayForEach(ev, data) {
            const char *id = str_of(ev, "eventId"), *ts = str_of(ev, "eventTimestamp");
            int64_t ms;
            if (!id || !ts || parse_iso8601_ms(ts, &ms)) {
                st->outside++;
                continue;
            }
            if (ms < o->since_ms || ms > o->recorded_ms) {
                st->outside++;
                continue;
            }
            if (idset_add(&seen, id)) {
                st->duplicates++;
                continue;
            }
            if (ms < last_ms) {
                st->out_of_order++;
                continue;
            }
            last_ms = ms;
            writer_event(p, ev);
            fix_ints(ev);
            char *s = cJSON_PrintUnformatted(ev);
            if (!s || pager_add(&pg, s)) {
                rec_fmt(err, errlen, "cannot write the events pages in %s/events", o->dir);
                free(s);
                cJSON_Delete(page);
                goto out;
            }
            st->events++;
        }
        if (cJSON_GetArraySize(data) == 0 &&
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(page, "moreAvailable")) &&
            st->events > last_place && cJSON_GetArraySize(still) < STILL_PLACES_MAX) {
            cJSON_AddItemToArray(still, cJSON_CreateNumber((double)st->events));
            last_place = st->events;
        }
        cJSON_Delete(page);
    }
    /* A place at the very end is the recording's end, not a gap. */
    int nplaces = cJSON_GetArraySize(still);
    if (nplaces && last_place >= st->events)
        cJSON_DeleteItemFromArray(still, --nplaces);
    st->still_generating = nplaces;
    if (o->recorded_ms >= PROFILE_2026_FROM_MS) {
        cJSON_AddStringToObject(sc, "profile", "2026");
        if (nplaces)
            cJSON_AddItemToObject(sc, "stillGenerating", still), still = NULL;
    }
    if (pager_flush(&pg, 0)) {
        rec_fmt(err, errlen, "cannot write the events pages in %s/events", o->dir);
        goto out;
    }
    st->pages = pg.pages;
    cJSON_AddItemToObject(sc, "eventPages", pg.names);
    pg.names = NULL;

    fix_ints(sc);
    /* One user per line, as the checked-in scenarios. */
    struct buf b;
    buf_init(&b, MAX_FILE);
    buf_puts(&b, "{\n");
    cJSON *f;
    int first = 1;
    cJSON_ArrayForEach(f, sc) {
        buf_printf(&b, "%s  ", first ? "" : ",\n");
        first = 0;
        buf_json_str(&b, f->string, strlen(f->string));
        buf_puts(&b, ":");
        if (cJSON_IsArray(f) && (!strcmp(f->string, "users") || !strcmp(f->string, "eventPages"))) {
            buf_puts(&b, "[");
            cJSON *x;
            int fx = 1;
            cJSON_ArrayForEach(x, f) {
                char *s = cJSON_PrintUnformatted(x);
                buf_printf(&b, "%s\n    %s", fx ? "" : ",", s);
                free(s);
                fx = 0;
            }
            buf_puts(&b, fx ? "]" : "\n  ]");
        } else {
            char *s = cJSON_PrintUnformatted(f);
            buf_puts(&b, s);
            free(s);
        }
    }
    buf_puts(&b, "\n}\n");
    rec_fmt(path, sizeof path, "%s/scenario.json", o->dir);
    if (b.err || write_file(path, b.ptr, b.len)) {
        rec_fmt(err, errlen, "%s: cannot write", path);
        buf_release(&b);
        goto out;
    }
    buf_release(&b);
    rc = 0;
out:
    for (int i = 0; i < pg.n; i++)
        free(pg.held[i]);
    free(pg.held);
    cJSON_Delete(pg.names);
    cJSON_Delete(sc);
    cJSON_Delete(me);
    cJSON_Delete(raw_users);
    cJSON_Delete(still);
    idset_free(&emails);
    idset_free(&seen);
    return rc;
}
