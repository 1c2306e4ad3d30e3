/* test_devtools.c - black-box tests of Developer Tools over HTTP: the
 * register -> profile -> Create New App pages, the app they register
 * working at /b/authorize, escaping, and forms from other sites refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "buf.h"
#include "httpc.h"
#include "spawn.h"

static struct child ss;

static int setup(void **state)
{
    (void)state;
    const char *dir = getenv("KIT_BIN_DIR");
    char bin[1024], err[512];
    snprintf(bin, sizeof bin, "%s/mock-smartsheet", dir ? dir : "build/bin");
    char *argv[] = {bin, "--listen", "127.0.0.1:0", NULL};
    if (spawn_double(argv, NULL, 10000, &ss, err, sizeof err))
        fail_msg("cannot start mock-smartsheet: %s", err);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    int st = spawn_stop(&ss, 10000);
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
        fail_msg("mock-smartsheet did not stop cleanly: %d", st);
    return 0;
}

/* POSTs a form to path with the given Origin header line (or none). */
static long post(const char *path, const char *origin, const char *form, struct httpc_resp *r)
{
    char url[1024];
    snprintf(url, sizeof url, "%s%s", ss.url, path);
    const char *h[] = {"Content-Type: application/x-www-form-urlencoded", origin, NULL};
    httpc_request("POST", url, h, form, strlen(form), NULL, r);
    return r->status;
}

static long get(const char *path, struct httpc_resp *r)
{
    char url[4096];
    snprintf(url, sizeof url, "%s%s", ss.url, path);
    httpc_request("GET", url, NULL, NULL, 0, NULL, r);
    return r->status;
}

/* The text of the element with id="<id>" into out. */
static void element_text(const char *html, const char *id, char *out, size_t cap)
{
    char key[64];
    snprintf(key, sizeof key, "id=\"%s\">", id);
    const char *p = strstr(html, key);
    assert_non_null(p);
    p += strlen(key);
    size_t n = strcspn(p, "<");
    assert_true(n > 0 && n < cap);
    memcpy(out, p, n);
    out[n] = '\0';
}

static void register_profile_and_app(void **state)
{
    (void)state;
    char origin[600];
    snprintf(origin, sizeof origin, "Origin: %s", ss.url);
    struct httpc_resp r;
    assert_int_equal(get("/developer", &r), 200);
    assert_non_null(strstr(r.body.ptr, "Register as a developer"));
    httpc_resp_release(&r);

    assert_int_equal(post("/developer/register", origin, "email=dev%40example.com", &r), 200);
    assert_non_null(strstr(r.body.ptr, "Create your developer profile"));
    assert_non_null(strstr(r.body.ptr, "value=\"dev@example.com\""));
    httpc_resp_release(&r);
    assert_int_equal(post("/developer/register", origin, "email=not-an-email", &r), 400);
    assert_non_null(strstr(r.body.ptr, "valid email"));
    httpc_resp_release(&r);

    assert_int_equal(post("/developer/profile", origin, "name=Dee+Dev&email=dev%40example.com",
                          &r), 200);
    assert_non_null(strstr(r.body.ptr, "Create New App"));
    assert_non_null(strstr(r.body.ptr, "App redirect URL"));
    httpc_resp_release(&r);

    static const char app[] =
        "dev_name=Dee+Dev&dev_email=dev%40example.com&app_name=%3Cb%3ECAS%3C%2Fb%3E"
        "&app_description=d&app_url=https%3A%2F%2Fexample.com&contact_url=dev%40example.com"
        "&redirect_url=http%3A%2F%2F127.0.0.1%3A9%2Fapi%2Foauth%2Fsaga&publish=no";
    assert_int_equal(post("/developer/apps", origin, app, &r), 200);
    assert_non_null(strstr(r.body.ptr, "&lt;b&gt;CAS&lt;/b&gt;"));
    assert_null(strstr(r.body.ptr, "<b>CAS"));
    char client_id[64], secret[64];
    element_text(r.body.ptr, "client-id", client_id, sizeof client_id);
    element_text(r.body.ptr, "app-secret", secret, sizeof secret);
    httpc_resp_release(&r);

    /* the app is registered like POST /_mock/apps: its secret is not listed */
    assert_int_equal(get("/_mock/oauth", &r), 200);
    assert_non_null(strstr(r.body.ptr, client_id));
    assert_null(strstr(r.body.ptr, secret));
    httpc_resp_release(&r);
    /* and it works at /b/authorize (consent mode approve: a code comes back) */
    char path[512], loc[2048];
    snprintf(path, sizeof path, "/b/authorize?response_type=code&client_id=%s"
                                "&scope=READ_USERS%%20READ_EVENTS&state=s1", client_id);
    assert_int_equal(get(path, &r), 302);
    assert_non_null(httpc_resp_header(&r, "Location", loc, sizeof loc));
    assert_int_equal(strncmp(loc, "http://127.0.0.1:9/api/oauth/saga?code=", 39), 0);
    httpc_resp_release(&r);

    /* a bad redirect URL is explained on the form, nothing registered */
    assert_int_equal(post("/developer/apps", origin,
                          "dev_name=D&dev_email=d%40e.f&app_name=X&redirect_url=ftp%3A%2F%2Fx",
                          &r), 400);
    assert_non_null(strstr(r.body.ptr, "redirectUrl"));
    assert_null(strstr(r.body.ptr, "client-id"));
    httpc_resp_release(&r);
}

static void other_sites_refused(void **state)
{
    (void)state;
    struct httpc_resp r;
    static const char app[] = "dev_name=E&dev_email=e%40x.y&app_name=Evil"
                              "&redirect_url=http%3A%2F%2Fevil.example%2Fcb&publish=no";
    assert_int_equal(post("/developer/apps", "Origin: http://evil.example", app, &r), 403);
    httpc_resp_release(&r);
    assert_int_equal(post("/developer/apps", NULL, app, &r), 403);
    httpc_resp_release(&r);
    assert_int_equal(post("/developer/apps", "Referer: http://evil.example/x", app, &r), 403);
    httpc_resp_release(&r);
    assert_int_equal(get("/_mock/oauth", &r), 200);
    assert_null(strstr(r.body.ptr, "Evil"));
    httpc_resp_release(&r);

    /* nor can another site answer the consent page for a signed-in person */
    char url[600];
    snprintf(url, sizeof url, "%s/_mock/apps", ss.url);
    static const char reg[] = "{\"name\":\"A\",\"redirectUrl\":\"http://127.0.0.1:9/cb\"}";
    assert_int_equal(httpc_request("POST", url, NULL, reg, strlen(reg), NULL, &r), 0);
    char *cid = strstr(r.body.ptr, "\"clientId\":\"");
    assert_non_null(cid);
    char form[400];
    snprintf(form, sizeof form, "response_type=code&client_id=%.*s&scope=READ_USERS"
                                "&decision=allow&user_id=1", (int)strcspn(cid + 12, "\""), cid + 12);
    httpc_resp_release(&r);
    assert_int_equal(post("/b/authorize", "Origin: http://evil.example", form, &r), 403);
    assert_non_null(strstr(r.body.ptr, "consent page"));
    httpc_resp_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(register_profile_and_app),
        cmocka_unit_test(other_sites_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
