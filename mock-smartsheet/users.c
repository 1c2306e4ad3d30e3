/* users.c - GET /2.0/users, /2.0/users/me and /2.0/users/{id}: User items
 * in an IndexResult and UserProfile objects, with the System-Admin-only
 * attributes shown only to System Admins.  Modelled choices are in
 * docs/smartsheet-model.md. */
#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "kit_limits.h"
#include "sserror.h"
#include "strutil.h"

#define USERS_DEFAULT_PAGE_SIZE 100
#define USERS_MAX_PAGE_SIZE     100000
#define USERS_BODY_MAX          (64u * 1024u * 1024u)
/* Above this many users in a response lastLogin is never included. */
#define USERS_LASTLOGIN_MAX     100

void api_bad_value(struct http_resp *resp, const char *value, const char *param)
{
    char v[128];
    str_sanitize(value, v, sizeof v);
    ss_error(resp, 1018, v, param);
}

static void json_str_field(struct buf *b, const char *key, const char *value)
{
    buf_printf(b, ",\"%s\":", key);
    buf_json_str(b, value, strlen(value));
}

/* numericDates applies to every request (the API's "Dates and Times"):
 * 1 or 0 into *numeric, or -1 with resp holding the 1018 answer. */
int api_numeric_dates(const struct http_req *req, int *numeric, struct http_resp *resp)
{
    char v[64];
    *numeric = 0;
    int rc = http_query(req, "numericDates", v, sizeof v);
    if (rc < 0 || (rc > 0 && parse_bool(v, numeric) != 0)) {
        api_bad_value(resp, rc < 0 ? "(malformed or too long)" : v, "numericDates");
        return -1;
    }
    return 0;
}

static void last_login(struct buf *b, const struct ss_user *u, int numeric)
{
    char iso[32];
    if (!u->last_login_ms)
        return;
    if (numeric) {
        buf_printf(b, ",\"lastLogin\":%lld", (long long)u->last_login_ms);
        return;
    }
    format_iso8601(u->last_login_ms, iso);
    buf_printf(b, ",\"lastLogin\":\"%s\"", iso);
}

/* The attributes only System Admins see (admin flags, status, sheetCount). */
static void admin_fields(struct buf *b, const struct ss_user *u, int status)
{
    buf_printf(b, ",\"admin\":%s,\"groupAdmin\":%s,\"licensedSheetCreator\":%s,"
               "\"resourceViewer\":%s",
               u->admin ? "true" : "false", u->group_admin ? "true" : "false",
               u->licensed_sheet_creator ? "true" : "false",
               u->resource_viewer ? "true" : "false");
    if (status)
        json_str_field(b, "status", u->status);
    if (strcmp(u->status, "ACTIVE") == 0)
        buf_puts(b, ",\"sheetCount\":-1");
}

static void user_item(struct buf *b, const struct ss_user *u, int admin_view, int with_login,
                      int numeric)
{
    char name[2100];
    if (u->first_name[0] || u->last_name[0])
        snprintf(name, sizeof name, "%s%s%s", u->first_name,
                 u->first_name[0] && u->last_name[0] ? " " : "", u->last_name);
    else
        snprintf(name, sizeof name, "%s", u->email);
    buf_printf(b, "{\"id\":%lld", (long long)u->id);
    json_str_field(b, "email", u->email);
    json_str_field(b, "name", name);
    json_str_field(b, "firstName", u->first_name);
    json_str_field(b, "lastName", u->last_name);
    if (admin_view) {
        admin_fields(b, u, 1);
        buf_printf(b, ",\"isInternal\":%s", u->is_internal ? "true" : "false");
        json_str_field(b, "seatType", u->seat_type);
        if (with_login)
            last_login(b, u, numeric);
    }
    buf_puts(b, "}");
}

/* Whether u's email is in the comma-separated list (case-insensitive). */
static int email_listed(const char *list, const char *email)
{
    size_t n = strlen(email);
    for (const char *p = list; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        while (len && *p == ' ') {
            p++;
            len--;
        }
        while (len && p[len - 1] == ' ')
            len--;
        if (len == n && strncasecmp(p, email, n) == 0)
            return 1;
        if (!comma)
            break;
        p = comma + 1;
    }
    return 0;
}

/* "include" holds name among its comma-separated values. */
int api_include_has(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return 1;
        p = comma ? comma + 1 : NULL;
    }
    return 0;
}

int api_int_param(const struct http_req *req, const char *name, int64_t def, int64_t max,
                     int64_t *out, struct http_resp *resp)
{
    char v[64];
    int rc = http_query(req, name, v, sizeof v);
    if (rc == 0) {
        *out = def;
        return 0;
    }
    if (rc < 0 || parse_i64(v, 1, max, out) != 0) {
        api_bad_value(resp, rc < 0 ? "(malformed or too long)" : v, name);
        return -1;
    }
    return 0;
}

int api_paging(const struct http_req *req, int64_t def_size, int64_t max_size, int64_t *page,
               int64_t *page_size, int *include_all, struct http_resp *resp)
{
    char flag[64];
    *include_all = 0;
    if (api_int_param(req, "page", 1, INT32_MAX, page, resp) ||
        api_int_param(req, "pageSize", def_size, max_size, page_size, resp))
        return -1;
    int rc = http_query(req, "includeAll", flag, sizeof flag);
    if (rc < 0 || (rc > 0 && parse_bool(flag, include_all) != 0)) {
        api_bad_value(resp, rc < 0 ? "(malformed or too long)" : flag, "includeAll");
        return -1;
    }
    return 0;
}

void api_page_window(size_t total, int include_all, int64_t page, int64_t page_size,
                     struct api_window *w)
{
    w->first = 0;
    w->count = total;
    w->total_pages = total ? 1 : 0;
    w->page_number = 1;
    if (include_all)
        return;
    size_t ps = (size_t)page_size;
    w->total_pages = (total + ps - 1) / ps;
    w->page_number = page;
    if (w->total_pages && (size_t)w->page_number > w->total_pages)
        w->page_number = (int64_t)w->total_pages;   /* past the end: the last page */
    if (!w->total_pages)
        w->page_number = 1;
    w->first = (size_t)(w->page_number - 1) * ps;
    w->count = total > w->first ? total - w->first : 0;
    if (w->count > ps)
        w->count = ps;
}

void api_window_open(struct buf *b, const struct api_window *w, int include_all,
                     int64_t page_size, size_t total)
{
    buf_printf(b, "{\"pageNumber\":%lld,", (long long)w->page_number);
    if (!include_all)
        buf_printf(b, "\"pageSize\":%lld,", (long long)page_size);
    buf_printf(b, "\"totalPages\":%zu,\"totalCount\":%zu,\"data\":[", w->total_pages, total);
}

void api_users_list(const struct ss_scenario *sc, const struct ss_caller *caller,
                    const struct http_req *req, struct http_resp *resp)
{
    int64_t page, page_size;
    int include_all, numeric;
    char include[256], emails[4 * LIM_PARAM_VALUE];
    if (api_paging(req, USERS_DEFAULT_PAGE_SIZE, USERS_MAX_PAGE_SIZE, &page, &page_size,
                   &include_all, resp) ||
        api_numeric_dates(req, &numeric, resp))
        return;
    int has_emails = http_query(req, "email", emails, sizeof emails);
    if (has_emails < 0) {
        api_bad_value(resp, "(malformed or too long)", "email");
        return;
    }
    /* include: lastLogin is the only value documented here; others
     * (groups, which only UserProfile documents) are ignored */
    int rc = http_query(req, "include", include, sizeof include);
    if (rc < 0) {
        api_bad_value(resp, "(malformed or too long)", "include");
        return;
    }
    int want_login = rc > 0 && api_include_has(include, "lastLogin");

    size_t nusers = scenario_user_count(sc);
    size_t *match = malloc((nusers ? nusers : 1) * sizeof *match);
    if (!match) {
        ss_error(resp, 4000, NULL, NULL);
        return;
    }
    size_t total = 0;
    for (size_t i = 0; i < nusers; i++)
        if (!has_emails || email_listed(emails, scenario_user(sc, i)->email))
            match[total++] = i;

    struct api_window w;
    api_page_window(total, include_all, page, page_size, &w);
    size_t first = w.first, count = w.count;
    int with_login = caller->is_admin && want_login && count <= USERS_LASTLOGIN_MAX;
    struct buf b;
    buf_init(&b, USERS_BODY_MAX);
    api_window_open(&b, &w, include_all, page_size, total);
    for (size_t i = 0; i < count; i++) {
        if (i)
            buf_puts(&b, ",");
        user_item(&b, scenario_user(sc, match[first + i]), caller->is_admin, with_login,
                  numeric);
    }
    free(match);
    if (buf_puts(&b, "]}") != BUF_OK) {
        buf_release(&b);
        ss_error(resp, 4000, NULL, NULL);
        return;
    }
    ss_json_ok(resp, &b);
}

/* A UserProfile.  self: the caller's own profile (its flags are shown);
 * me: asked as /users/me (no status there); admin_view: the caller is a System
 * Admin (status, sheetCount, lastLogin). */
static void user_profile(struct http_resp *resp, const struct ss_scenario *sc,
                         const struct ss_user *u, int self, int me, int admin_view,
                         const struct http_req *req)
{
    int numeric;
    char include[256];
    if (api_numeric_dates(req, &numeric, resp))
        return;
    int rc = http_query(req, "include", include, sizeof include);
    if (rc < 0) {
        api_bad_value(resp, "(malformed or too long)", "include");
        return;
    }
    /* groups is the one documented value; others are ignored */
    int want_groups = rc > 0 && api_include_has(include, "groups");
    const struct ss_account *acct = scenario_account(sc);
    struct buf b;
    buf_init(&b, 64 * 1024);
    buf_printf(&b, "{\"id\":%lld", (long long)u->id);
    json_str_field(&b, "email", u->email);
    json_str_field(&b, "firstName", u->first_name);
    json_str_field(&b, "lastName", u->last_name);
    json_str_field(&b, "locale", u->locale);
    json_str_field(&b, "timeZone", u->time_zone);
    buf_printf(&b, ",\"account\":{\"id\":%lld", (long long)acct->id);
    json_str_field(&b, "name", acct->name);
    buf_puts(&b, "}");
    if (admin_view || self) {
        /* /users/me carries no status (seen live); /users/{id} does for admins */
        admin_fields(&b, u, admin_view && !me);
        last_login(&b, u, numeric);
    }
    for (int k = 0; k < SS_PROFILE_FIELDS; k++)
        json_str_field(&b, ss_profile_fields[k], u->profile[k]);
    buf_puts(&b, ",\"alternateEmails\":[]");
    if (want_groups) {
        size_t n;
        const uint32_t *gi = scenario_user_groups(sc, u, &n);
        buf_puts(&b, ",\"groups\":[");
        for (size_t k = 0; k < n; k++) {
            if (k)
                buf_puts(&b, ",");
            api_group_json(&b, scenario_group(sc, gi[k]), numeric);
        }
        buf_puts(&b, "]");
    }
    if (buf_puts(&b, "}") != BUF_OK) {
        buf_release(&b);
        ss_error(resp, 4000, NULL, NULL);
        return;
    }
    ss_json_ok(resp, &b);
}

void api_users_me(const struct ss_scenario *sc, const struct ss_caller *caller,
                  const struct http_req *req, struct http_resp *resp)
{
    const struct ss_user *u = scenario_user_by_id(sc, caller->user_id);
    if (!u) {
        ss_error(resp, 1020, NULL, NULL);
        return;
    }
    user_profile(resp, sc, u, 1, 1, caller->is_admin, req);
}

void api_users_get(const struct ss_scenario *sc, const struct ss_caller *caller,
                   const char *id_text, const struct http_req *req, struct http_resp *resp)
{
    int64_t id;
    if (!id_text || parse_i64(id_text, 1, INT64_MAX, &id) != 0) {
        api_bad_value(resp, id_text ? id_text : "", "userId");
        return;
    }
    const struct ss_user *u = scenario_user_by_id(sc, id);
    if (!u) {
        ss_error(resp, 1020, NULL, NULL);
        return;
    }
    user_profile(resp, sc, u, u->id == caller->user_id, 0, caller->is_admin, req);
}
