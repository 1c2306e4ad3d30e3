/* scenario.c - loads scenario.json (account, users, apps, consent, rate
 * limit) and answers the read accessors.  The event stream is in
 * scenario_events.c. */
#include "scenario_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kit_limits.h"
#include "strutil.h"

#define SC_MAX_STR 1024u        /* longest name, email or URL we keep */
/* Codes and tokens record their app's client id in 64 bytes (oauth_store.h). */
#define SC_MAX_CLIENT_ID 63u

char *sc_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct buf b;
    buf_init(&b, LIM_FIXTURE_FILE);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (buf_append(&b, chunk, n) != BUF_OK) {
            snprintf(err, errlen, "%s: larger than %u bytes", path, LIM_FIXTURE_FILE);
            fclose(f);
            return NULL;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        buf_release(&b);
        snprintf(err, errlen, "%s: read error", path);
        return NULL;
    }
    return buf_take(&b, len);
}

int sc_json_int(const cJSON *v, int64_t min, int64_t max, int64_t *out)
{
    if (!cJSON_IsNumber(v))
        return -1;
    double d = v->valuedouble;
    if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0) || d != (double)(int64_t)d)
        return -1;
    int64_t i = (int64_t)d;
    if (i < min || i > max)
        return -1;
    *out = i;
    return 0;
}

/* A required (or optional, when def is given) string field, copied. */
int sc_get_str(const cJSON *obj, const char *key, const char *def, char **out,
                   const char *file, const char *where, char *err, size_t errlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v && def) {
        *out = xstrdup(def);
        return 0;
    }
    if (!cJSON_IsString(v) || !v->valuestring || strlen(v->valuestring) >= SC_MAX_STR) {
        snprintf(err, errlen, "%s: %s%s: %s", file, where, key,
                 v ? "not a string (at most 1023 bytes)" : "missing");
        return -1;
    }
    *out = xstrdup(v->valuestring);
    return 0;
}

static int get_bool(const cJSON *obj, const char *key, int def, int *out, const char *file,
                    const char *where, char *err, size_t errlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v && def >= 0) {
        *out = def;
        return 0;
    }
    if (!cJSON_IsBool(v)) {
        snprintf(err, errlen, "%s: %s%s: %s", file, where, key, v ? "not true/false" : "missing");
        return -1;
    }
    *out = cJSON_IsTrue(v);
    return 0;
}

int sc_get_time(const cJSON *obj, const char *key, int64_t *out, const char *file,
                    const char *where, char *err, size_t errlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsString(v) || parse_iso8601_ms(v->valuestring, out) != 0) {
        snprintf(err, errlen, "%s: %s%s: %s", file, where, key,
                 v ? "not an ISO-8601 time" : "missing");
        return -1;
    }
    return 0;
}

static const char *const user_statuses[] = {"ACTIVE", "PENDING", "DECLINED", "DEACTIVATED"};
static const char *const seat_types[] = {"MEMBER", "PROVISIONAL_MEMBER", "GUEST", "VIEWER",
                                         "CONTRIBUTOR"};
const char *const ss_profile_fields[SS_PROFILE_FIELDS] = {"title", "department", "company",
                                                          "workPhone", "mobilePhone", "role"};

/* seatType, isInternal and the profile fields, all optional. */
static int load_user_profile(const cJSON *u, struct ss_user *out, const char *file,
                             const char *where, char *err, size_t errlen)
{
    for (int k = 0; k < SS_PROFILE_FIELDS; k++)
        if (sc_get_str(u, ss_profile_fields[k], "", (char **)&out->profile[k], file, where, err,
                    errlen))
            return -1;
    if (get_bool(u, "isInternal", 1, &out->is_internal, file, where, err, errlen))
        return -1;
    const char *def = out->licensed_sheet_creator || out->admin ? "MEMBER" : "VIEWER";
    if (sc_get_str(u, "seatType", def, (char **)&out->seat_type, file, where, err, errlen))
        return -1;
    for (size_t k = 0; k < sizeof seat_types / sizeof seat_types[0]; k++)
        if (!strcmp(out->seat_type, seat_types[k]))
            return 0;
    snprintf(err, errlen, "%s: %sseatType: not MEMBER, PROVISIONAL_MEMBER, GUEST, VIEWER or "
             "CONTRIBUTOR", file, where);
    return -1;
}

static int load_user(const cJSON *u, size_t i, struct ss_user *out, int64_t shift,
                     const char *file, char *err, size_t errlen)
{
    char where[48];
    snprintf(where, sizeof where, "users[%zu].", i);
    if (!cJSON_IsObject(u)) {
        snprintf(err, errlen, "%s: users[%zu]: not an object", file, i);
        return -1;
    }
    if (sc_json_int(cJSON_GetObjectItemCaseSensitive(u, "id"), 1, 9007199254740991LL,
                    &out->id) != 0) {
        snprintf(err, errlen, "%s: %sid: not a positive integer", file, where);
        return -1;
    }
    char *status = NULL;
    if (sc_get_str(u, "email", NULL, (char **)&out->email, file, where, err, errlen) ||
        sc_get_str(u, "firstName", "", (char **)&out->first_name, file, where, err, errlen) ||
        sc_get_str(u, "lastName", "", (char **)&out->last_name, file, where, err, errlen) ||
        sc_get_str(u, "locale", "en_US", (char **)&out->locale, file, where, err, errlen) ||
        sc_get_str(u, "timeZone", "US/Pacific", (char **)&out->time_zone, file, where, err,
                errlen) ||
        sc_get_str(u, "status", NULL, &status, file, where, err, errlen) ||
        get_bool(u, "admin", -1, &out->admin, file, where, err, errlen) ||
        get_bool(u, "licensedSheetCreator", 0, &out->licensed_sheet_creator, file, where,
                 err, errlen) ||
        get_bool(u, "groupAdmin", 0, &out->group_admin, file, where, err, errlen) ||
        get_bool(u, "resourceViewer", 0, &out->resource_viewer, file, where, err, errlen)) {
        free(status);
        return -1;
    }
    out->status = status;
    int known = 0;
    for (size_t k = 0; k < sizeof user_statuses / sizeof user_statuses[0]; k++)
        if (strcmp(status, user_statuses[k]) == 0)
            known = 1;
    if (!known) {
        snprintf(err, errlen, "%s: %sstatus: not ACTIVE, PENDING, DECLINED or DEACTIVATED",
                 file, where);
        return -1;
    }
    if (load_user_profile(u, out, file, where, err, errlen))
        return -1;
    if (!strchr(out->email, '@')) {
        snprintf(err, errlen, "%s: %semail: not an email address", file, where);
        return -1;
    }
    const cJSON *ll = cJSON_GetObjectItemCaseSensitive(u, "lastLogin");
    out->last_login_ms = 0;
    if (ll && !cJSON_IsNull(ll)) {
        if (sc_get_time(u, "lastLogin", &out->last_login_ms, file, where, err, errlen))
            return -1;
        out->last_login_ms += shift;
    }
    return 0;
}

static int cmp_id(const void *a, const void *b)
{
    const struct ss_user *x = *(const struct ss_user *const *)a;
    const struct ss_user *y = *(const struct ss_user *const *)b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_email(const void *a, const void *b)
{
    const struct ss_user *x = *(const struct ss_user *const *)a;
    const struct ss_user *y = *(const struct ss_user *const *)b;
    return strcasecmp(x->email, y->email);
}

/* Ids and emails must be unique (sorted copies, so large orgs stay fast).
 * The copy sorted by id stays, as the index scenario_user_by_id searches. */
static int check_unique_users(struct ss_scenario *sc, const char *file, char *err,
                              size_t errlen)
{
    const struct ss_user **v = xcalloc(sc->nusers, sizeof *v);
    for (size_t i = 0; i < sc->nusers; i++)
        v[i] = &sc->users[i];
    int rc = 0;
    qsort(v, sc->nusers, sizeof *v, cmp_id);
    for (size_t i = 1; i < sc->nusers && rc == 0; i++)
        if (v[i]->id == v[i - 1]->id) {
            snprintf(err, errlen, "%s: users: id %lld appears twice", file,
                     (long long)v[i]->id);
            rc = -1;
        }
    sc->users_by_id = v;
    if (rc || sc->nusers < 2)
        return rc;
    const struct ss_user **e = xcalloc(sc->nusers, sizeof *e);
    memcpy(e, v, sc->nusers * sizeof *e);
    qsort(e, sc->nusers, sizeof *e, cmp_email);
    for (size_t i = 1; i < sc->nusers && rc == 0; i++)
        if (strcasecmp(e[i]->email, e[i - 1]->email) == 0) {
            snprintf(err, errlen, "%s: users: email %s appears twice", file, e[i]->email);
            rc = -1;
        }
    free(e);
    return rc;
}

static int load_users(struct ss_scenario *sc, const cJSON *root, const char *file, char *err,
                      size_t errlen)
{
    const cJSON *users = cJSON_GetObjectItemCaseSensitive(root, "users");
    if (!cJSON_IsArray(users)) {
        snprintf(err, errlen, "%s: users: %s", file, users ? "not an array" : "missing");
        return -1;
    }
    size_t n = (size_t)cJSON_GetArraySize(users);
    if (n == 0 || n > SC_MAX_USERS) {
        snprintf(err, errlen, "%s: users: needs 1 to %u users", file, SC_MAX_USERS);
        return -1;
    }
    sc->users = xcalloc(n, sizeof *sc->users);
    size_t i = 0;
    for (const cJSON *u = users->child; u; u = u->next, i++) {
        sc->nusers = i + 1;     /* so scenario_free releases a half-read user */
        if (load_user(u, i, &sc->users[i], sc->shift_ms, file, err, errlen))
            return -1;
    }
    return check_unique_users(sc, file, err, errlen);
}

static int load_apps(struct ss_scenario *sc, const cJSON *root, const char *file, char *err,
                     size_t errlen)
{
    const cJSON *apps = cJSON_GetObjectItemCaseSensitive(root, "apps");
    if (!apps)
        return 0;
    size_t n = cJSON_IsArray(apps) ? (size_t)cJSON_GetArraySize(apps) : 0;
    if (!cJSON_IsArray(apps) || n > SC_MAX_APPS) {
        snprintf(err, errlen, "%s: apps: not an array of at most %u apps", file, SC_MAX_APPS);
        return -1;
    }
    sc->apps = xcalloc(n ? n : 1, sizeof *sc->apps);
    size_t i = 0;
    for (const cJSON *a = apps->child; a; a = a->next, i++) {
        char where[48];
        snprintf(where, sizeof where, "apps[%zu].", i);
        struct ss_app *app = &sc->apps[i];
        sc->napps = i + 1;
        if (!cJSON_IsObject(a)) {
            snprintf(err, errlen, "%s: apps[%zu]: not an object", file, i);
            return -1;
        }
        if (sc_get_str(a, "name", NULL, (char **)&app->name, file, where, err, errlen) ||
            sc_get_str(a, "clientId", NULL, (char **)&app->client_id, file, where, err, errlen) ||
            sc_get_str(a, "secret", NULL, (char **)&app->secret, file, where, err, errlen) ||
            sc_get_str(a, "redirectUrl", NULL, (char **)&app->redirect_url, file, where, err,
                    errlen))
            return -1;
        if (!app->client_id[0] || !app->secret[0]) {
            snprintf(err, errlen, "%s: %sclientId/secret: empty", file, where);
            return -1;
        }
        if (strlen(app->client_id) > SC_MAX_CLIENT_ID) {
            snprintf(err, errlen, "%s: %sclientId: longer than %u bytes", file, where,
                     SC_MAX_CLIENT_ID);
            return -1;
        }
        for (size_t k = 0; k < i; k++)
            if (strcmp(sc->apps[k].client_id, app->client_id) == 0) {
                snprintf(err, errlen, "%s: %sclientId: used by apps[%zu] too", file, where, k);
                return -1;
            }
    }
    return 0;
}

static int load_consent(struct ss_scenario *sc, const cJSON *root, const char *file,
                        char *err, size_t errlen)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, "consent");
    sc->consent.mode = SS_CONSENT_APPROVE;
    sc->consent.user_id = 0;
    if (!c)
        return 0;
    if (!cJSON_IsObject(c)) {
        snprintf(err, errlen, "%s: consent: not an object", file);
        return -1;
    }
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(c, "mode");
    const char *mode = cJSON_IsString(m) ? m->valuestring : "";
    if (m && strcmp(mode, "approve") == 0)
        sc->consent.mode = SS_CONSENT_APPROVE;
    else if (m && strcmp(mode, "deny") == 0)
        sc->consent.mode = SS_CONSENT_DENY;
    else if (m && strcmp(mode, "page") == 0)
        sc->consent.mode = SS_CONSENT_PAGE;
    else if (m) {
        snprintf(err, errlen, "%s: consent.mode: not \"approve\", \"deny\" or \"page\"", file);
        return -1;
    }
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(c, "userEmail");
    if (!e || cJSON_IsNull(e))
        return 0;
    for (size_t i = 0; cJSON_IsString(e) && i < sc->nusers; i++)
        if (strcasecmp(sc->users[i].email, e->valuestring) == 0) {
            sc->consent.user_id = sc->users[i].id;
            return 0;
        }
    snprintf(err, errlen, "%s: consent.userEmail: not the email of a user of the scenario",
             file);
    return -1;
}

static int load_ratelimit(struct ss_scenario *sc, const cJSON *root, const char *file,
                          char *err, size_t errlen)
{
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(root, "rateLimit");
    if (!r || cJSON_IsNull(r))
        return 0;
    int64_t req, sec;
    if (!cJSON_IsObject(r) ||
        sc_json_int(cJSON_GetObjectItemCaseSensitive(r, "requests"), 1, 1000000, &req) ||
        sc_json_int(cJSON_GetObjectItemCaseSensitive(r, "seconds"), 1, 86400, &sec)) {
        snprintf(err, errlen,
                 "%s: rateLimit: needs requests (1..1000000) and seconds (1..86400)", file);
        return -1;
    }
    sc->ratelimit.requests = (uint32_t)req;
    sc->ratelimit.window_ms = sec * 1000;
    return 0;
}

static int load_account(struct ss_scenario *sc, const cJSON *root, const char *file,
                        char *err, size_t errlen)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, "account");
    if (!cJSON_IsObject(a)) {
        snprintf(err, errlen, "%s: account: %s", file, a ? "not an object" : "missing");
        return -1;
    }
    if (sc_json_int(cJSON_GetObjectItemCaseSensitive(a, "id"), 1, 9007199254740991LL,
                    &sc->account.id)) {
        snprintf(err, errlen, "%s: account.id: not a positive integer", file);
        return -1;
    }
    return sc_get_str(a, "name", NULL, (char **)&sc->account.name, file, "account.", err,
                   errlen) ||
           sc_get_str(a, "plan", "ENTERPRISE", (char **)&sc->account.plan, file, "account.", err,
                   errlen) ||
           get_bool(a, "eventReporting", -1, &sc->account.event_reporting, file, "account.",
                    err, errlen);
}

/* "profile" (optional, "2021" or "2026") and "stillGenerating"
 * (optional, 2026 only): ascending event indexes inside the recorded
 * stream, at most SC_MAX_GAPS.  Read after the pages. */
#define SC_MAX_GAPS 1000u
static int load_profile(struct ss_scenario *sc, const cJSON *root, const char *file,
                        char *err, size_t errlen)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(root, "profile");
    sc->profile = 2021;
    if (p && (!cJSON_IsString(p) || (strcmp(p->valuestring, "2021") &&
                                     strcmp(p->valuestring, "2026")))) {
        snprintf(err, errlen, "%s: profile: \"2021\" or \"2026\"", file);
        return -1;
    }
    if (p && !strcmp(p->valuestring, "2026"))
        sc->profile = 2026;
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(root, "stillGenerating"), *it;
    if (!g)
        return 0;
    int n = cJSON_GetArraySize(g);
    if (!cJSON_IsArray(g) || sc->profile != 2026 || n > (int)SC_MAX_GAPS) {
        snprintf(err, errlen, "%s: stillGenerating: %s", file,
                 sc->profile != 2026 ? "needs profile \"2026\""
                                     : "an array of at most 1000 event indexes");
        return -1;
    }
    sc->gaps = xcalloc(n ? (size_t)n : 1, sizeof *sc->gaps);
    cJSON_ArrayForEach(it, g) {
        int64_t v;
        int64_t lo = sc->ngaps ? (int64_t)sc->gaps[sc->ngaps - 1] + 1 : 1;
        if (sc_json_int(it, lo, (int64_t)sc->nevents - 1, &v)) {
            snprintf(err, errlen, "%s: stillGenerating[%zu]: not an event index above the "
                     "previous one and inside the stream (1..%zu)", file, sc->ngaps,
                     sc->nevents ? sc->nevents - 1 : 0);
            return -1;
        }
        sc->gaps[sc->ngaps++] = (size_t)v;
    }
    return 0;
}

static int valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 127 || name[0] == '.')   /* ss_server keeps 127 bytes for reset */
        return 0;
    return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") ==
           n;
}

int scenario_load(const char *fixtures_dir, const char *name, int64_t now_wall_ms,
                  struct ss_scenario **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!valid_name(name)) {
        snprintf(err, errlen, "scenario name \"%.64s\": use letters, digits, '-', '_', '.'",
                 name);
        return -1;
    }
    char dir[4096], file[4200];
    if ((size_t)snprintf(dir, sizeof dir, "%s/scenarios/%s", fixtures_dir, name) >=
        sizeof dir) {
        snprintf(err, errlen, "fixtures path too long");
        return -1;
    }
    snprintf(file, sizeof file, "%s/scenario.json", dir);
    size_t len = 0;
    char *text = sc_read_file(file, &len, err, errlen);
    if (!text)
        return -1;
    cJSON *root = cJSON_ParseWithLength(text, len);
    free(text);
    if (!cJSON_IsObject(root)) {
        snprintf(err, errlen, "%s: not a JSON object", file);
        cJSON_Delete(root);
        return -1;
    }
    struct ss_scenario *sc = xcalloc(1, sizeof *sc);
    int rc = -1;
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(root, "name");
    if (!cJSON_IsString(nm) || strcmp(nm->valuestring, name) != 0) {
        snprintf(err, errlen, "%s: name: missing or not the folder name \"%s\"", file, name);
        goto done;
    }
    sc->name = xstrdup(name);
    if (sc_get_str(root, "description", "", &sc->description, file, "", err, errlen) ||
        sc_get_time(root, "recordedAt", &sc->recorded_ms, file, "", err, errlen))
        goto done;
    int64_t shift = now_wall_ms - sc->recorded_ms;
    shift -= ((shift % 1000) + 1000) % 1000;    /* whole seconds: ISO times stay exact */
    sc->shift_ms = shift;
    if (load_account(sc, root, file, err, errlen) || load_users(sc, root, file, err, errlen) ||
        load_apps(sc, root, file, err, errlen) || load_consent(sc, root, file, err, errlen) ||
        load_ratelimit(sc, root, file, err, errlen) || sc_load_groups(sc, root, file, err, errlen))
        goto done;
    const cJSON *pages = cJSON_GetObjectItemCaseSensitive(root, "eventPages");
    if (!cJSON_IsArray(pages)) {
        snprintf(err, errlen, "%s: eventPages: %s", file, pages ? "not an array" : "missing");
        goto done;
    }
    if (sc_load_pages(sc, dir, pages, err, errlen) || load_profile(sc, root, file, err, errlen))
        goto done;
    rc = 0;
done:
    cJSON_Delete(root);
    if (rc != 0)
        scenario_free(sc);
    else
        *out = sc;
    return rc;
}

void scenario_free(struct ss_scenario *sc)
{
    if (!sc)
        return;
    for (size_t i = 0; i < sc->nusers; i++) {
        struct ss_user *u = &sc->users[i];
        free((char *)u->email);
        free((char *)u->first_name);
        free((char *)u->last_name);
        free((char *)u->status);
        free((char *)u->locale);
        free((char *)u->time_zone);
        free((char *)u->seat_type);
        for (int k = 0; k < SS_PROFILE_FIELDS; k++)
            free((char *)u->profile[k]);
    }
    sc_free_groups(sc);     /* before the users its owners point into */
    free(sc->users);
    free(sc->users_by_id);
    for (size_t i = 0; i < sc->napps; i++) {
        free((char *)sc->apps[i].name);
        free((char *)sc->apps[i].client_id);
        free((char *)sc->apps[i].secret);
        free((char *)sc->apps[i].redirect_url);
    }
    free(sc->apps);
    free((char *)sc->account.name);
    free((char *)sc->account.plan);
    sc_free_events(sc);
    free(sc->gaps);
    free(sc->name);
    free(sc->description);
    free(sc);
}

const char *scenario_name(const struct ss_scenario *sc) { return sc->name; }
const struct ss_account *scenario_account(const struct ss_scenario *sc) { return &sc->account; }
size_t scenario_user_count(const struct ss_scenario *sc) { return sc->nusers; }
size_t scenario_app_count(const struct ss_scenario *sc) { return sc->napps; }
struct ss_consent scenario_consent(const struct ss_scenario *sc) { return sc->consent; }
struct ss_ratelimit_cfg scenario_ratelimit(const struct ss_scenario *sc) { return sc->ratelimit; }
int64_t scenario_now_ms(const struct ss_scenario *sc) { return sc->recorded_ms + sc->shift_ms; }
int scenario_profile(const struct ss_scenario *sc) { return sc->profile; }

size_t scenario_next_gap(const struct ss_scenario *sc, size_t after)
{
    size_t lo = 0, hi = sc->ngaps;         /* first gap > after */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sc->gaps[mid] <= after)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < sc->ngaps ? sc->gaps[lo] : SIZE_MAX;
}

int scenario_is_gap(const struct ss_scenario *sc, size_t i)
{
    return i > 0 && scenario_next_gap(sc, i - 1) == i;
}

const struct ss_user *scenario_user(const struct ss_scenario *sc, size_t i)
{
    return i < sc->nusers ? &sc->users[i] : NULL;
}

const struct ss_user *scenario_user_by_id(const struct ss_scenario *sc, int64_t id)
{
    size_t lo = 0, hi = sc->users_by_id ? sc->nusers : 0;
    while (lo < hi) {                      /* every API call looks its caller up */
        size_t mid = lo + (hi - lo) / 2;
        int64_t m = sc->users_by_id[mid]->id;
        if (m == id)
            return sc->users_by_id[mid];
        if (m < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const struct ss_app *scenario_app(const struct ss_scenario *sc, size_t i)
{
    return i < sc->napps ? &sc->apps[i] : NULL;
}
