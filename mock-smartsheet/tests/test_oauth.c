/* test_oauth.c - the OAuth double as a client sees it: /b/authorize
 * redirects and pages, the token exchange (hash or client_secret), refresh
 * rotation, revocation, expiry on duration time and the admin controls. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "dclock.h"
#include "../oauth.h"
#include "rng.h"
#include "strutil.h"

#define CID "cas0client0id0abcdefgh"
#define SECRET "s3cr3t0secret0value0abcde"
#define REDIRECT "https://portal.example.test/api/oauth/saga"
#define SCOPES "READ_USERS%20READ_EVENTS"

static struct ss_user users_tab[] = {
    {1002, "ann@example.test", "Ann", "Plain", "ACTIVE", 0, 1, 0, 0, 0},
    {1003, "old@example.test", "Old", "Admin", "DEACTIVATED", 1, 1, 0, 0, 0},
    {1001, "boss@example.test", "<img src=x onerror=alert(1)>", "Boss", "ACTIVE", 1, 1, 0, 0, 0},
};
static const struct ss_user *users[] = {&users_tab[0], &users_tab[1], &users_tab[2]};
#define NUSERS 3

static struct ss_oauth *oa;

static int setup(void **state)
{
    (void)state;
    dclock_init(1.0);
    oa = oauth_new();
    struct ss_app apps[] = {{"<b>Cloud & App</b>", CID, SECRET, REDIRECT}};
    struct ss_consent c = {SS_CONSENT_APPROVE, 0};
    oauth_reset_with(oa, apps, 1, c);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    oauth_free(oa);
    oa = NULL;
    return 0;
}

/* ---- helpers ---- */

static void resp_free(struct http_resp *r)
{
    if (r->body_owned)
        free((char *)r->body);
    memset(r, 0, sizeof *r);
}

static const char *resp_header(const struct http_resp *r, const char *name)
{
    return http_resp_get_header(r, name);
}

static void run(const char *method, const char *path, const char *query, const char *body,
                const char *const *headers, struct http_resp *r)
{
    struct http_req q = {0};
    q.method = method;
    q.path = path;
    q.query = query ? query : "";
    q.body = body ? body : "";
    q.body_len = strlen(q.body);
    q.dur_ms = dclock_now_ms();
    q.test_headers = headers;
    memset(r, 0, sizeof *r);
    if (!strcmp(path, "/b/authorize"))
        oauth_authorize_users(oa, users, NUSERS, &q, r);
    else
        oauth_token(oa, &q, r);
}

static const char *const form_ct[] = {"Content-Type: application/x-www-form-urlencoded", NULL};

/* Value of name in the Location's query, decoded; asserts it is there. */
static void loc_param(const struct http_resp *r, const char *name, char *out, size_t cap)
{
    const char *loc = resp_header(r, "Location");
    assert_non_null(loc);
    const char *q = strchr(loc, '?');
    assert_non_null(q);
    assert_int_equal(form_get(q + 1, strlen(q + 1), name, out, cap), 1);
}

/* Authorizes with the current consent and returns a fresh code. */
static void get_code(char *code, size_t cap)
{
    struct http_resp r;
    run("GET", "/b/authorize", "response_type=code&client_id=" CID "&scope=" SCOPES, NULL,
        NULL, &r);
    assert_int_equal(r.status, 302);
    loc_param(&r, "code", code, cap);
    resp_free(&r);
}

static void hash_of(const char *secret, const char *value, char out[65])
{
    char pre[512];
    snprintf(pre, sizeof pre, "%s|%s", secret, value);
    sha256_hex(pre, strlen(pre), out);
}

struct pair { char access[128], refresh[128]; };

static cJSON *body_json(const struct http_resp *r)
{
    cJSON *j = cJSON_ParseWithLength(r->body, r->len);
    assert_non_null(j);
    return j;
}

/* Asserts an OAuth error answer with errorCode and the oauth error type. */
static void assert_oauth_error(struct http_resp *r, int code, const char *type)
{
    cJSON *j = body_json(r);
    assert_int_equal(cJSON_GetObjectItem(j, "errorCode")->valueint, code);
    assert_string_equal(cJSON_GetObjectItem(j, "error")->valuestring, type);
    assert_true(cJSON_IsString(cJSON_GetObjectItem(j, "message")));
    assert_true(cJSON_IsString(cJSON_GetObjectItem(j, "error_description")));
    assert_true(cJSON_IsString(cJSON_GetObjectItem(j, "refId")));
    assert_int_equal(r->status, code == 1067 ? 401 : 400);
    cJSON_Delete(j);
    resp_free(r);
}

static void take_pair(struct http_resp *r, struct pair *p)
{
    assert_int_equal(r->status, 200);
    cJSON *j = body_json(r);
    assert_string_equal(cJSON_GetObjectItem(j, "token_type")->valuestring, "bearer");
    assert_int_equal(cJSON_GetObjectItem(j, "expires_in")->valueint, 604799);
    snprintf(p->access, sizeof p->access, "%s", cJSON_GetObjectItem(j, "access_token")->valuestring);
    snprintf(p->refresh, sizeof p->refresh, "%s",
             cJSON_GetObjectItem(j, "refresh_token")->valuestring);
    assert_true(strlen(p->access) >= 20 && strlen(p->refresh) >= 20);
    cJSON_Delete(j);
    resp_free(r);
}

static void exchange(const char *code, struct pair *p)
{
    char h[65], body[512];
    hash_of(SECRET, code, h);
    snprintf(body, sizeof body, "grant_type=authorization_code&client_id=" CID
             "&code=%s&hash=%s", code, h);
    struct http_resp r;
    run("POST", "/2.0/token", NULL, body, form_ct, &r);
    take_pair(&r, p);
}

static void refresh_req(const char *refresh, struct http_resp *r)
{
    char h[65], body[512];
    hash_of(SECRET, refresh, h);
    snprintf(body, sizeof body, "grant_type=refresh_token&client_id=" CID
             "&refresh_token=%s&hash=%s", refresh, h);
    run("POST", "/2.0/token", NULL, body, form_ct, r);
}

static int check(const char *token)
{
    struct ss_grant g;
    return oauth_check_bearer(oa, token, dclock_now_ms(), &g);
}

/* ---- /b/authorize ---- */

static void test_authorize_approve_echoes_state_byte_exact(void **state)
{
    (void)state;
    const char *raw_state = "a b&c=d/\xc3\xa9%+?#\"<>";
    char q[512];
    snprintf(q, sizeof q, "response_type=code&client_id=" CID "&scope=READ_USERS,READ_EVENTS"
             "&redirect_uri=%s&state=%s", "https%3A%2F%2Fportal.example.test%2Fapi%2Foauth%2Fsaga",
             "a%20b%26c%3Dd%2F%C3%A9%25%2B%3F%23%22%3C%3E");
    struct http_resp r;
    run("GET", "/b/authorize", q, NULL, NULL, &r);
    assert_int_equal(r.status, 302);
    const char *loc = resp_header(&r, "Location");
    assert_non_null(loc);
    assert_memory_equal(loc, REDIRECT "?code=", strlen(REDIRECT "?code="));
    assert_null(strchr(loc, '#'));
    assert_null(strchr(loc, ' '));
    char st[256], exp[32];
    loc_param(&r, "state", st, sizeof st);
    assert_string_equal(st, raw_state);
    loc_param(&r, "expires_in", exp, sizeof exp);
    int64_t ms = 0;
    assert_int_equal(parse_i64(exp, 0, INT64_MAX, &ms), 0);
    assert_true(ms > 590000 && ms <= 600000);
    resp_free(&r);
}

static void test_authorize_post_form_body(void **state)
{
    (void)state;
    struct http_resp r;
    run("POST", "/b/authorize", NULL,
        "response_type=code&client_id=" CID "&scope=READ_EVENTS&state=xyz", form_ct, &r);
    assert_int_equal(r.status, 302);
    char code[64], st[16];
    loc_param(&r, "code", code, sizeof code);
    loc_param(&r, "state", st, sizeof st);
    assert_string_equal(st, "xyz");
    resp_free(&r);
}

static void test_authorize_unsupported_response_type(void **state)
{
    (void)state;
    struct http_resp r;
    run("GET", "/b/authorize", "response_type=token&client_id=" CID "&scope=READ_USERS&state=s1",
        NULL, NULL, &r);
    assert_int_equal(r.status, 302);
    char e[64], st[16], code[64];
    loc_param(&r, "error", e, sizeof e);
    assert_string_equal(e, "unsupported_response_type");
    loc_param(&r, "state", st, sizeof st);
    assert_string_equal(st, "s1");
    const char *loc = resp_header(&r, "Location");
    assert_int_equal(form_get(strchr(loc, '?') + 1, strlen(loc), "code", code, sizeof code), 0);
    resp_free(&r);
}

static void test_authorize_invalid_scope(void **state)
{
    (void)state;
    const char *bad[] = {"scope=READ_USERS%20BOGUS", "scope=", "scope=read_users", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char q[256];
        snprintf(q, sizeof q, "response_type=code&client_id=" CID "&state=k&%s", bad[i]);
        struct http_resp r;
        run("GET", "/b/authorize", q, NULL, NULL, &r);
        assert_int_equal(r.status, 302);
        char e[64];
        loc_param(&r, "error", e, sizeof e);
        assert_string_equal(e, "invalid_scope");
        resp_free(&r);
    }
}

static void test_authorize_unknown_client_is_page(void **state)
{
    (void)state;
    struct http_resp r;
    run("GET", "/b/authorize", "response_type=code&client_id=nope&scope=READ_USERS"
        "&redirect_uri=https%3A%2F%2Fevil.example%2Fcb", NULL, NULL, &r);
    assert_int_equal(r.status, 400);
    assert_null(resp_header(&r, "Location"));
    assert_non_null(strstr(r.content_type, "text/html"));
    assert_null(strstr(r.body, "evil.example"));
    resp_free(&r);
}

static void test_authorize_redirect_mismatch_is_page(void **state)
{
    (void)state;
    const char *bad[] = {"https%3A%2F%2Fevil.example%2Fapi%2Foauth%2Fsaga",
                         "https%3A%2F%2Fportal.example.test%2Fapi%2Foauth%2Fsaga%2F", ""};
    for (size_t i = 0; i < 3; i++) {
        char q[256];
        snprintf(q, sizeof q, "response_type=code&client_id=" CID "&scope=READ_USERS"
                 "&redirect_uri=%s", bad[i]);
        struct http_resp r;
        run("GET", "/b/authorize", q, NULL, NULL, &r);
        assert_int_equal(r.status, 400);
        assert_null(resp_header(&r, "Location"));
        assert_non_null(strstr(r.body, "redirect_uri"));
        resp_free(&r);
    }
}

static void test_consent_deny(void **state)
{
    (void)state;
    oauth_set_consent(oa, (struct ss_consent){SS_CONSENT_DENY, 0});
    struct http_resp r;
    run("GET", "/b/authorize", "response_type=code&client_id=" CID "&scope=READ_USERS&state=q%2Bz",
        NULL, NULL, &r);
    assert_int_equal(r.status, 302);
    char e[64], st[16];
    loc_param(&r, "error", e, sizeof e);
    assert_string_equal(e, "access_denied");
    loc_param(&r, "state", st, sizeof st);
    assert_string_equal(st, "q+z");
    assert_null(strstr(resp_header(&r, "Location"), "code="));
    resp_free(&r);
}

static void test_consent_approve_as_given_user(void **state)
{
    (void)state;
    oauth_set_consent(oa, (struct ss_consent){SS_CONSENT_APPROVE, 1002});
    char code[64];
    get_code(code, sizeof code);
    struct pair p;
    exchange(code, &p);
    struct ss_grant g;
    assert_int_equal(oauth_check_bearer(oa, p.access, dclock_now_ms(), &g), 0);
    assert_int_equal(g.user_id, 1002);
    /* user 0 means the first active System Admin */
    oauth_set_consent(oa, (struct ss_consent){SS_CONSENT_APPROVE, 0});
    get_code(code, sizeof code);
    exchange(code, &p);
    assert_int_equal(oauth_check_bearer(oa, p.access, dclock_now_ms(), &g), 0);
    assert_int_equal(g.user_id, 1001);
    /* a deactivated user cannot approve */
    oauth_set_consent(oa, (struct ss_consent){SS_CONSENT_APPROVE, 1003});
    struct http_resp r;
    run("GET", "/b/authorize", "response_type=code&client_id=" CID "&scope=READ_USERS", NULL,
        NULL, &r);
    assert_int_equal(r.status, 403);
    assert_null(resp_header(&r, "Location"));
    resp_free(&r);
}

static void test_page_mode_sign_in_consent_and_escaping(void **state)
{
    (void)state;
    oauth_set_consent(oa, (struct ss_consent){SS_CONSENT_PAGE, 0});
    const char *q = "response_type=code&client_id=" CID "&scope=READ_EVENTS%20READ_USERS"
                    "&state=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E";
    struct http_resp r;
    run("GET", "/b/authorize", q, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_null(resp_header(&r, "Location"));
    assert_non_null(strstr(r.content_type, "text/html"));
    assert_non_null(strstr(r.body, "name=\"user_id\" value=\"1002\""));
    assert_non_null(strstr(r.body, "name=\"user_id\" value=\"1001\""));
    assert_null(strstr(r.body, "value=\"1003\""));          /* deactivated */
    assert_null(strstr(r.body, "<script>"));
    assert_null(strstr(r.body, "<img"));
    assert_null(strstr(r.body, "<b>Cloud"));
    assert_non_null(strstr(r.body, "&lt;b&gt;Cloud &amp; App&lt;/b&gt;"));
    assert_non_null(strstr(r.body, "&quot;&gt;&lt;script&gt;"));
    resp_free(&r);

    /* the person signs in as 1001: the consent page */
    char body[512];
    snprintf(body, sizeof body, "%s&user_id=1001", q);
    run("POST", "/b/authorize", NULL, body, form_ct, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, ">Allow</button>"));
    assert_non_null(strstr(r.body, ">Deny</button>"));
    assert_non_null(strstr(r.body, "READ_EVENTS"));
    assert_non_null(strstr(r.body, "READ_USERS"));
    assert_null(strstr(r.body, "WRITE_SHEETS"));
    assert_null(strstr(r.body, "<script>"));
    assert_null(strstr(r.body, "<img"));
    assert_non_null(strstr(r.body, "&lt;img src=x onerror=alert(1)&gt;"));
    resp_free(&r);

    /* Allow: a code for 1001, state echoed */
    snprintf(body, sizeof body, "%s&user_id=1001&decision=allow", q);
    run("POST", "/b/authorize", NULL, body, form_ct, &r);
    assert_int_equal(r.status, 302);
    char code[64], st[64];
    loc_param(&r, "code", code, sizeof code);
    loc_param(&r, "state", st, sizeof st);
    assert_string_equal(st, "\"><script>alert(1)</script>");
    resp_free(&r);
    struct pair p;
    exchange(code, &p);
    struct ss_grant g;
    assert_int_equal(oauth_check_bearer(oa, p.access, dclock_now_ms(), &g), 0);
    assert_int_equal(g.user_id, 1001);

    /* Deny */
    snprintf(body, sizeof body, "%s&user_id=1001&decision=deny", q);
    run("POST", "/b/authorize", NULL, body, form_ct, &r);
    assert_int_equal(r.status, 302);
    char e[32];
    loc_param(&r, "error", e, sizeof e);
    assert_string_equal(e, "access_denied");
    resp_free(&r);

    /* a deactivated user cannot sign in */
    snprintf(body, sizeof body, "%s&user_id=1003&decision=allow", q);
    run("POST", "/b/authorize", NULL, body, form_ct, &r);
    assert_int_equal(r.status, 403);
    assert_null(resp_header(&r, "Location"));
    resp_free(&r);
}

/* ---- /2.0/token ---- */

static void test_exchange_with_hash(void **state)
{
    (void)state;
    char code[64];
    get_code(code, sizeof code);
    struct pair p;
    exchange(code, &p);
    struct ss_grant g;
    assert_int_equal(oauth_check_bearer(oa, p.access, dclock_now_ms(), &g), 0);
    assert_int_equal(g.user_id, 1001);
    assert_int_equal(g.scopes, SCOPE_READ_USERS | SCOPE_READ_EVENTS);
    assert_string_equal(g.client_id, CID);
    char tid[9];
    rng_token_id(p.access, tid);
    assert_string_equal(g.token_id, tid);
    /* refresh tokens are not access tokens */
    assert_int_equal(check(p.refresh), 1002);
}

static void test_hash_wrong_or_uppercase_refused(void **state)
{
    (void)state;
    char code[64], h[65], body[512];
    get_code(code, sizeof code);
    struct http_resp r;
    hash_of("not-the-secret", code, h);
    snprintf(body, sizeof body, "grant_type=authorization_code&client_id=" CID
             "&code=%s&hash=%s", code, h);
    run("POST", "/2.0/token", NULL, body, form_ct, &r);
    assert_oauth_error(&r, 1072, "invalid_grant");
    /* uppercase hex is refused: every SDK sends lowercase */
    hash_of(SECRET, code, h);
    for (char *c = h; *c; c++)
        if (*c >= 'a' && *c <= 'f')
            *c = (char)(*c - 'a' + 'A');
    snprintf(body, sizeof body, "grant_type=authorization_code&client_id=" CID
             "&code=%s&hash=%s", code, h);
    run("POST", "/2.0/token", NULL, body, form_ct, &r);
    assert_oauth_error(&r, 1072, "invalid_grant");
    /* a hash without the '|' separator is wrong too */
    char pre[256];
    snprintf(pre, sizeof pre, "%s%s", SECRET, code);
    sha256_hex(pre, strlen(pre), h);
    snprintf(body, sizeof body, "grant_type=authorization_code&client_id=" CID
             "&code=%s&hash=%s", code, h);
    run("POST", "/2.0/token", NULL, body, form_ct, &r);
    assert_oauth_error(&r, 1072, "invalid_grant");
    /* the failed attempts did not use the code up */
    struct pair p;
    exchange(code, &p);
    assert_int_equal(check(p.access), 0);
}

static void test_client_secret_and_exactly_one_auth(void **state)
{
    (void)state;
    char code[64], h[65], body[512];
    get_code(code, sizeof code);
    hash_of(SECRET, code, h);
    struct http_resp r;
    snprintf(body, sizeof body, "grant_type=authorization_code&client_id=" CID "&code=%s", code);
    run("POST", "/2.0/token", NULL, body, form_ct, &r);
    assert_oauth_error(&r, 1236, "invalid_client");
    snprintf(body, sizeof body, "grant_type=authorization_code&client_id=" CID
             "&code=%s&hash=%s&client_secret=" SECRET, code, h);
    run("POST", "/2.0/token", NULL, body, form_ct, &r);
    assert_oauth_error(&r, 1237, "invalid_request");
    snprintf(body, sizeof body, "grant_type=authorization_code&client_id=" CID
             "&code=%s&client_secret=" SECRET "x", code);
    run("POST", "/2.0/token", NULL, body, form_ct, &r);
    assert_oauth_error(&r, 1238, "invalid_client");
    snprintf(body, sizeof body, "grant_type=authorization_code&client_id=" CID
             "&code=%s&client_secret=" SECRET, code);
    run("POST", "/2.0/token", NULL, body, form_ct, &r);
    struct pair p;
    take_pair(&r, &p);
    assert_int_equal(check(p.access), 0);
}

static void test_code_single_use_reuse_revokes(void **state)
{
    (void)state;
    char code[64], h[65], body[512];
    get_code(code, sizeof code);
    struct pair p;
    exchange(code, &p);
    struct http_resp r;
    refresh_req(p.refresh, &r);           /* tokens of the same grant, rotated */
    struct pair p2;
    take_pair(&r, &p2);
    assert_int_equal(check(p2.access), 0);
    hash_of(SECRET, code, h);
    snprintf(body, sizeof body, "grant_type=authorization_code&client_id=" CID
             "&code=%s&hash=%s", code, h);
    run("POST", "/2.0/token", NULL, body, form_ct, &r);
    assert_oauth_error(&r, 1071, "invalid_grant");
    assert_int_equal(check(p2.access), 1002);
    refresh_req(p2.refresh, &r);
    assert_oauth_error(&r, 1071, "invalid_grant");
    /* an unrelated grant is untouched */
    char other[64];
    get_code(other, sizeof other);
    struct pair p3;
    exchange(other, &p3);
    run("POST", "/2.0/token", NULL, body, form_ct, &r);
    assert_oauth_error(&r, 1071, "invalid_grant");
    assert_int_equal(check(p3.access), 0);
}

static void test_code_expires_after_ten_minutes(void **state)
{
    (void)state;
    char code[64], h[65], body[512];
    get_code(code, sizeof code);
    dclock_jump(600001);
    hash_of(SECRET, code, h);
    snprintf(body, sizeof body, "grant_type=authorization_code&client_id=" CID
             "&code=%s&hash=%s", code, h);
    struct http_resp r;
    run("POST", "/2.0/token", NULL, body, form_ct, &r);
    assert_oauth_error(&r, 1069, "invalid_grant");
}

static void test_access_token_expires_refresh_still_works(void **state)
{
    (void)state;
    char code[64];
    get_code(code, sizeof code);
    struct pair p;
    exchange(code, &p);
    dclock_jump(604798000);
    assert_int_equal(check(p.access), 0);
    dclock_jump(1000);
    assert_int_equal(check(p.access), 1003);
    struct http_resp r;
    refresh_req(p.refresh, &r);
    struct pair p2;
    take_pair(&r, &p2);
    assert_int_equal(check(p2.access), 0);
}

static void test_refresh_rotates_both_tokens(void **state)
{
    (void)state;
    char code[64];
    get_code(code, sizeof code);
    struct pair p;
    exchange(code, &p);
    struct http_resp r;
    refresh_req(p.refresh, &r);
    struct pair p2;
    take_pair(&r, &p2);
    assert_string_not_equal(p.access, p2.access);
    assert_string_not_equal(p.refresh, p2.refresh);
    assert_int_equal(check(p.access), 1002);
    assert_int_equal(check(p2.access), 0);
    refresh_req(p.refresh, &r);                /* a refresh token works once */
    assert_oauth_error(&r, 1071, "invalid_grant");
    assert_int_equal(check(p2.access), 0);
    struct ss_grant g;
    assert_int_equal(oauth_check_bearer(oa, p2.access, dclock_now_ms(), &g), 0);
    assert_int_equal(g.scopes, SCOPE_READ_USERS | SCOPE_READ_EVENTS);
    /* refresh with client_secret */
    char body[256];
    snprintf(body, sizeof body, "grant_type=refresh_token&client_id=" CID
             "&refresh_token=%s&client_secret=" SECRET, p2.refresh);
    run("POST", "/2.0/token", NULL, body, form_ct, &r);
    struct pair p3;
    take_pair(&r, &p3);
    assert_int_equal(check(p2.access), 1002);
    assert_int_equal(check(p3.access), 0);
}

static void test_params_in_query_body_or_both(void **state)
{
    (void)state;
    char code[64], h[65], q[512];
    struct http_resp r;
    struct pair p;
    /* JS SDK: everything in the query, application/json, no body */
    static const char *const json_ct[] = {"Content-Type: application/json", NULL};
    get_code(code, sizeof code);
    hash_of(SECRET, code, h);
    snprintf(q, sizeof q, "grant_type=authorization_code&client_id=" CID "&code=%s&hash=%s",
             code, h);
    run("POST", "/2.0/token", q, NULL, json_ct, &r);
    take_pair(&r, &p);
    /* both: the body wins over a wrong query value */
    get_code(code, sizeof code);
    hash_of(SECRET, code, h);
    snprintf(q, sizeof q, "grant_type=authorization_code&client_id=" CID "&code=%s", code);
    char body[512];
    snprintf(body, sizeof body, "client_secret=" SECRET);
    run("POST", "/2.0/token", "client_secret=wrong&grant_type=authorization_code", body,
        form_ct, &r);
    assert_oauth_error(&r, 1070, "invalid_request");     /* client_id and code missing */
    run("POST", "/2.0/token", q, "client_secret=" SECRET, form_ct, &r);
    take_pair(&r, &p);
    /* Python SDK: form body plus an Authorization header */
    static const char *const py_hdr[] = {"Content-Type: application/x-www-form-urlencoded",
                                         "Authorization: Bearer stale", NULL};
    refresh_req(p.refresh, &r);
    resp_free(&r);
    get_code(code, sizeof code);
    hash_of(SECRET, code, h);
    snprintf(body, sizeof body, "grant_type=authorization_code&client_id=" CID
             "&code=%s&hash=%s&redirect_uri=%s", code, h,
             "https%3A%2F%2Fportal.example.test%2Fapi%2Foauth%2Fsaga");
    run("POST", "/2.0/token", NULL, body, py_hdr, &r);
    take_pair(&r, &p);
    assert_int_equal(check(p.access), 0);
}

static void test_token_error_codes(void **state)
{
    (void)state;
    char code[64], h[65], body[512];
    struct http_resp r;
    get_code(code, sizeof code);
    hash_of(SECRET, code, h);
    run("POST", "/2.0/token", NULL, "client_id=" CID, form_ct, &r);
    assert_oauth_error(&r, 1070, "invalid_request");
    run("POST", "/2.0/token", NULL, "grant_type=password&client_id=" CID, form_ct, &r);
    assert_oauth_error(&r, 1068, "unsupported_grant_type");
    snprintf(body, sizeof body, "grant_type=authorization_code&code=%s&hash=%s", code, h);
    run("POST", "/2.0/token", NULL, body, form_ct, &r);
    assert_oauth_error(&r, 1070, "invalid_request");
    snprintf(body, sizeof body, "grant_type=authorization_code&client_id=nope&code=%s&hash=%s",
             code, h);
    run("POST", "/2.0/token", NULL, body, form_ct, &r);
    assert_oauth_error(&r, 1067, "invalid_client");
    snprintf(body, sizeof body, "grant_type=authorization_code&client_id=" CID "&hash=%s", h);
    run("POST", "/2.0/token", NULL, body, form_ct, &r);
    assert_oauth_error(&r, 1070, "invalid_request");
    run("POST", "/2.0/token", NULL, "grant_type=refresh_token&client_id=" CID "&hash=x",
        form_ct, &r);
    assert_oauth_error(&r, 1070, "invalid_request");
    snprintf(body, sizeof body, "grant_type=authorization_code&client_id=" CID
             "&code=%s&hash=%s&redirect_url=https%%3A%%2F%%2Fevil.example%%2F", code, h);
    run("POST", "/2.0/token", NULL, body, form_ct, &r);
    assert_oauth_error(&r, 1073, "invalid_grant");
    const char *unknown = "zzzzzzzzzzzzzzzz";
    hash_of(SECRET, unknown, h);
    snprintf(body, sizeof body, "grant_type=authorization_code&client_id=" CID
             "&code=%s&hash=%s", unknown, h);
    run("POST", "/2.0/token", NULL, body, form_ct, &r);
    assert_oauth_error(&r, 1071, "invalid_grant");
    run("POST", "/2.0/token", NULL, "grant_type=authorization_code&client_id=" CID
        "&code=%zz&hash=x", form_ct, &r);
    assert_oauth_error(&r, 1008, "invalid_request");
}

/* ---- revocation and admin ---- */

static void revoke_req(const char *bearer, const char *query, struct http_resp *r)
{
    struct http_req q = {0};
    q.method = "DELETE";
    q.path = "/2.0/token";
    q.query = query;
    q.body = "";
    q.dur_ms = dclock_now_ms();
    memset(r, 0, sizeof *r);
    oauth_revoke(oa, bearer, &q, r);
}

static void test_revoke(void **state)
{
    (void)state;
    char code[64];
    struct pair a, b, other;
    get_code(code, sizeof code);
    exchange(code, &a);
    get_code(code, sizeof code);
    exchange(code, &b);
    oauth_set_consent(oa, (struct ss_consent){SS_CONSENT_APPROVE, 1002});
    get_code(code, sizeof code);
    exchange(code, &other);

    struct http_resp r;
    revoke_req(a.access, "", &r);
    assert_int_equal(r.status, 200);
    cJSON *j = body_json(&r);
    assert_string_equal(cJSON_GetObjectItem(j, "message")->valuestring, "SUCCESS");
    assert_int_equal(cJSON_GetObjectItem(j, "resultCode")->valueint, 0);
    cJSON_Delete(j);
    resp_free(&r);
    assert_int_equal(check(a.access), 1002);
    assert_int_equal(check(b.access), 0);
    refresh_req(a.refresh, &r);
    assert_oauth_error(&r, 1071, "invalid_grant");
    revoke_req(a.access, "", &r);
    assert_int_equal(r.status, 401);
    assert_int_equal(r.error_code, 1002);
    resp_free(&r);

    /* all of this client's tokens for user 1001, not user 1002's */
    get_code(code, sizeof code);
    oauth_set_consent(oa, (struct ss_consent){SS_CONSENT_APPROVE, 1001});
    get_code(code, sizeof code);
    exchange(code, &a);
    revoke_req(a.access, "deleteAllForApiClient=true", &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    assert_int_equal(check(a.access), 1002);
    assert_int_equal(check(b.access), 1002);
    assert_int_equal(check(other.access), 0);
}

static void test_admin_expire_revoke_all_and_state(void **state)
{
    (void)state;
    char code[64];
    struct pair p;
    get_code(code, sizeof code);
    exchange(code, &p);
    get_code(code, sizeof code);                    /* one unused code */

    struct buf b;
    buf_init(&b, 1 << 20);
    assert_int_equal(oauth_state_json(oa, &b), 0);
    cJSON *j = cJSON_ParseWithLength(b.ptr, b.len);
    assert_non_null(j);
    cJSON *tok = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "tokens"), 0);
    char tid[9];
    rng_token_id(p.access, tid);
    assert_string_equal(cJSON_GetObjectItem(tok, "tokenId")->valuestring, tid);
    assert_int_equal(cJSON_GetObjectItem(tok, "userId")->valueint, 1001);
    assert_true(cJSON_GetObjectItem(tok, "expiresInMs")->valuedouble > 604000000.0);
    assert_int_equal(cJSON_GetObjectItem(j, "codes")->valueint, 2);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "apps"), 0),
                                            "clientId")->valuestring, CID);
    assert_null(strstr(b.ptr, SECRET));
    assert_null(strstr(b.ptr, p.access));
    assert_null(strstr(b.ptr, p.refresh));
    assert_null(strstr(b.ptr, code));
    cJSON_Delete(j);
    buf_release(&b);

    oauth_expire_all(oa);
    assert_int_equal(check(p.access), 1003);
    struct http_resp r;
    refresh_req(p.refresh, &r);
    take_pair(&r, &p);
    assert_int_equal(check(p.access), 0);
    oauth_revoke_all(oa);
    assert_int_equal(check(p.access), 1002);
    refresh_req(p.refresh, &r);
    assert_oauth_error(&r, 1071, "invalid_grant");
}

static void test_register_app(void **state)
{
    (void)state;
    char cid[32], secret[40], err[256];
    assert_int_equal(oauth_register_app(oa, "", NULL, NULL, NULL, REDIRECT, 1, cid, sizeof cid,
                                        secret, sizeof secret, err, sizeof err), -1);
    assert_non_null(strstr(err, "name"));
    const char *bad[] = {"ftp://x.example/cb", "/relative", "https://", "https://h/x#frag",
                         "https://h/a b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(oauth_register_app(oa, "App", NULL, NULL, NULL, bad[i], 1, cid,
                                            sizeof cid, secret, sizeof secret, err, sizeof err),
                         -1);
        assert_non_null(strstr(err, "redirectUrl"));
    }
    assert_int_equal(oauth_register_app(oa, "New app", "d", "https://a.example",
                                        "mailto:x@example", "http://127.0.0.1:9/cb", 1, cid,
                                        sizeof cid, secret, sizeof secret, err, sizeof err), 0);
    assert_int_equal(strlen(cid), 22);
    assert_int_equal(strlen(secret), 26);
    /* the new app goes through the whole flow */
    char q[256], code[64], h[65], body[512];
    snprintf(q, sizeof q, "response_type=code&client_id=%s&scope=READ_USERS", cid);
    struct http_resp r;
    run("GET", "/b/authorize", q, NULL, NULL, &r);
    assert_int_equal(r.status, 302);
    assert_memory_equal(resp_header(&r, "Location"), "http://127.0.0.1:9/cb?code=", 27);
    loc_param(&r, "code", code, sizeof code);
    resp_free(&r);
    hash_of(SECRET, code, h);                  /* another app's secret */
    snprintf(body, sizeof body, "grant_type=authorization_code&client_id=%s&code=%s&hash=%s",
             cid, code, h);
    run("POST", "/2.0/token", NULL, body, form_ct, &r);
    assert_oauth_error(&r, 1072, "invalid_grant");
    hash_of(secret, code, h);
    snprintf(body, sizeof body, "grant_type=authorization_code&client_id=%s&code=%s&hash=%s",
             cid, code, h);
    run("POST", "/2.0/token", NULL, body, form_ct, &r);
    struct pair p;
    take_pair(&r, &p);
    struct ss_grant g;
    assert_int_equal(oauth_check_bearer(oa, p.access, dclock_now_ms(), &g), 0);
    assert_int_equal(g.scopes, SCOPE_READ_USERS);
    /* a code is bound to its client */
    get_code(code, sizeof code);
    hash_of(secret, code, h);
    snprintf(body, sizeof body, "grant_type=authorization_code&client_id=%s&code=%s&hash=%s",
             cid, code, h);
    run("POST", "/2.0/token", NULL, body, form_ct, &r);
    assert_oauth_error(&r, 1071, "invalid_grant");
}

static void test_live_tokens_are_capped(void **state)
{
    (void)state;
    oauth_set_limits(oa, 3, 2);
    char code[64];
    struct pair p[3];
    for (int i = 0; i < 3; i++) {
        get_code(code, sizeof code);
        exchange(code, &p[i]);
    }
    assert_int_equal(check(p[0].access), 1002);     /* the oldest went */
    assert_int_equal(check(p[1].access), 0);
    assert_int_equal(check(p[2].access), 0);
    oauth_expire_all(oa);
    get_code(code, sizeof code);
    struct pair q;
    exchange(code, &q);
    assert_int_equal(check(q.access), 0);
    struct buf b;
    buf_init(&b, 1 << 16);
    assert_int_equal(oauth_state_json(oa, &b), 0);
    cJSON *j = cJSON_ParseWithLength(b.ptr, b.len);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "tokens")), 1);
    assert_true(cJSON_GetObjectItem(j, "codes")->valueint <= 3);
    cJSON_Delete(j);
    buf_release(&b);
}

/* ---- concurrency ---- */

#define RACERS 8
static char race_body[512];
static int race_status[RACERS];

static void *race_exchange(void *arg)
{
    int i = (int)(intptr_t)arg;
    struct http_resp r;
    run("POST", "/2.0/token", NULL, race_body, form_ct, &r);
    race_status[i] = r.status;
    resp_free(&r);
    return NULL;
}

static void test_concurrent_exchanges_of_one_code(void **state)
{
    (void)state;
    char code[64], h[65];
    get_code(code, sizeof code);
    hash_of(SECRET, code, h);
    snprintf(race_body, sizeof race_body, "grant_type=authorization_code&client_id=" CID
             "&code=%s&hash=%s", code, h);
    pthread_t th[RACERS];
    for (int i = 0; i < RACERS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, race_exchange, (void *)(intptr_t)i), 0);
    for (int i = 0; i < RACERS; i++)
        pthread_join(th[i], NULL);
    int ok = 0, refused = 0;
    for (int i = 0; i < RACERS; i++) {
        ok += race_status[i] == 200;
        refused += race_status[i] == 400;
    }
    /* one exchange wins; every later one is a reuse */
    assert_int_equal(ok, 1);
    assert_int_equal(refused, RACERS - 1);
}

/* ---- through a loaded scenario ---- */

static const char scenario_json[] =
    "{\"name\":\"oauthtest\",\"recordedAt\":\"2026-01-01T00:00:00Z\","
    "\"account\":{\"id\":1,\"name\":\"Acme\",\"eventReporting\":true},"
    "\"users\":[{\"id\":21,\"email\":\"u@acme.test\",\"status\":\"ACTIVE\",\"admin\":false},"
    "{\"id\":22,\"email\":\"a@acme.test\",\"status\":\"ACTIVE\",\"admin\":true}],"
    "\"apps\":[{\"name\":\"Scenario app\",\"clientId\":\"scenarioclient\","
    "\"secret\":\"scenariosecret\",\"redirectUrl\":\"https://cb.example.test/x?keep=1\"}],"
    "\"consent\":{\"mode\":\"approve\"},\"eventPages\":[]}";

static void test_scenario_apps_users_and_consent(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_oauth.XXXXXX", path[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/scenarios", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/scenarios/oauthtest", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/scenarios/oauthtest/scenario.json", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(scenario_json, f);
    fclose(f);
    struct ss_scenario *sc = NULL;
    char err[512];
    int rc = scenario_load(dir, "oauthtest", dclock_wall_ms(), &sc, err, sizeof err);
    unlink(path);
    snprintf(path, sizeof path, "%s/scenarios/oauthtest", dir);
    rmdir(path);
    snprintf(path, sizeof path, "%s/scenarios", dir);
    rmdir(path);
    rmdir(dir);
    if (rc)
        fail_msg("scenario_load: %s", err);

    oauth_reset(oa, sc);                 /* the app of setup() is gone */
    struct http_req q = {0};
    q.method = "GET";
    q.path = "/b/authorize";
    q.query = "response_type=code&client_id=" CID "&scope=READ_USERS";
    q.body = "";
    struct http_resp r = {0};
    oauth_authorize(oa, sc, &q, &r);
    assert_int_equal(r.status, 400);
    resp_free(&r);

    q.query = "response_type=code&client_id=scenarioclient&scope=READ_USERS&state=s";
    oauth_authorize(oa, sc, &q, &r);
    assert_int_equal(r.status, 302);
    const char *loc = resp_header(&r, "Location");
    assert_memory_equal(loc, "https://cb.example.test/x?keep=1&code=", 38);
    char code[64];
    assert_int_equal(form_get(strchr(loc, '?') + 1, strlen(loc), "code", code, sizeof code), 1);
    resp_free(&r);
    char h[65], body[512];
    hash_of("scenariosecret", code, h);
    snprintf(body, sizeof body, "grant_type=authorization_code&client_id=scenarioclient"
             "&code=%s&hash=%s", code, h);
    run("POST", "/2.0/token", NULL, body, form_ct, &r);
    struct pair p;
    take_pair(&r, &p);
    struct ss_grant g;
    assert_int_equal(oauth_check_bearer(oa, p.access, dclock_now_ms(), &g), 0);
    assert_int_equal(g.user_id, 22);                /* the first System Admin */
    scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_authorize_approve_echoes_state_byte_exact),
        T(test_authorize_post_form_body),
        T(test_authorize_unsupported_response_type),
        T(test_authorize_invalid_scope),
        T(test_authorize_unknown_client_is_page),
        T(test_authorize_redirect_mismatch_is_page),
        T(test_consent_deny),
        T(test_consent_approve_as_given_user),
        T(test_page_mode_sign_in_consent_and_escaping),
        T(test_exchange_with_hash),
        T(test_hash_wrong_or_uppercase_refused),
        T(test_client_secret_and_exactly_one_auth),
        T(test_code_single_use_reuse_revokes),
        T(test_code_expires_after_ten_minutes),
        T(test_access_token_expires_refresh_still_works),
        T(test_refresh_rotates_both_tokens),
        T(test_params_in_query_body_or_both),
        T(test_token_error_codes),
        T(test_revoke),
        T(test_admin_expire_revoke_all_and_state),
        T(test_register_app),
        T(test_live_tokens_are_capped),
        T(test_scenario_apps_users_and_consent),
        T(test_concurrent_exchanges_of_one_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
