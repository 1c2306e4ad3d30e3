/* devtools.c - the Developer Tools pages (see devtools.h). */
#include "devtools.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "webpage.h"

#define DT_PAGE_MAX (256u * 1024u)
#define DT_FIELD 1100

static const char dt_css[] =
    "*{box-sizing:border-box}"
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;background:#f3f5f7;"
    "color:#1c2b36;margin:0}"
    "header{background:#0b3b60;color:#fff;padding:.8rem 2rem;display:flex;align-items:center;"
    "gap:.8rem}header .logo{background:#fff;color:#0b3b60;font-weight:700;border-radius:4px;"
    "padding:.1rem .45rem}header .title{font-size:1.1rem}"
    "main{max-width:40rem;margin:2rem auto;background:#fff;border-radius:8px;padding:2rem;"
    "box-shadow:0 1px 4px rgba(0,0,0,.15)}"
    "h1{font-size:1.4rem;margin-top:0}.note{color:#5a6b78;font-size:.9rem}"
    "label{display:block;font-weight:600;margin:1rem 0 .3rem}"
    "input[type=text],input[type=email],input[type=url],textarea{width:100%;font:inherit;"
    "padding:.45rem .55rem;border:1px solid #b8c4cc;border-radius:4px}"
    "textarea{min-height:4rem}"
    "fieldset{border:1px solid #d5dde3;border-radius:4px;margin:1rem 0;padding:.5rem 1rem}"
    "fieldset label{display:inline;font-weight:400;margin-right:1rem}"
    "button,.button{font:inherit;padding:.55rem 1.4rem;border-radius:4px;border:1px solid #0b5cab;"
    "background:#0b5cab;color:#fff;cursor:pointer;text-decoration:none;display:inline-block;"
    "margin-top:1.2rem}"
    ".err{background:#fdecea;border:1px solid #e0a39c;color:#8a1f11;padding:.6rem .8rem;"
    "border-radius:4px}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.5rem 1rem}dt{font-weight:600}"
    "dd{margin:0}code.secret{font-size:1rem;background:#eef1f4;padding:.2rem .4rem;"
    "border-radius:3px;word-break:break-all}"
    ".profile{background:#eef5fb;border-radius:4px;padding:.6rem .9rem;margin-bottom:1rem}";

static void dt_open(struct buf *b, const char *title)
{
    buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width\"><title>");
    web_esc(b, title);
    buf_printf(b, " - Smartsheet Developer Tools</title><style>%s</style></head>\n<body>\n"
                  "<header><span class=\"logo\">S</span><span class=\"title\">Smartsheet "
                  "Developer Tools</span></header>\n<main>\n<h1>", dt_css);
    web_esc(b, title);
    buf_puts(b, "</h1>\n");
}

static void dt_send(struct http_resp *resp, int status, struct buf *b)
{
    buf_puts(b, "<p class=\"note\">Mock Smartsheet (test double). Apps registered here last "
                "until the scenario is reloaded.</p>\n</main></body></html>\n");
    web_send(resp, status, b);
}

static void dt_error(struct buf *b, const char *msg)
{
    if (!msg)
        return;
    buf_puts(b, "<p class=\"err\" role=\"alert\">");
    web_esc(b, msg);
    buf_puts(b, "</p>\n");
}

static void dt_input(struct buf *b, const char *id, const char *label, const char *type,
                     const char *value, int required, const char *hint)
{
    buf_printf(b, "<label for=\"%s\">", id);
    web_esc(b, label);
    buf_printf(b, "</label><input type=\"%s\" id=\"%s\" name=\"%s\" value=\"", type, id, id);
    web_esc(b, value);
    buf_printf(b, "\"%s>\n", required ? " required" : "");
    if (hint) {
        buf_puts(b, "<div class=\"note\">");
        web_esc(b, hint);
        buf_puts(b, "</div>\n");
    }
}

static void dt_hidden(struct buf *b, const char *name, const char *value)
{
    buf_printf(b, "<input type=\"hidden\" name=\"%s\" value=\"", name);
    web_esc(b, value);
    buf_puts(b, "\">\n");
}

/* A developer's email: one '@' with text on both sides, no spaces. */
static int email_ok(const char *e)
{
    const char *at = strchr(e, '@');
    return at && at != e && at[1] && !strchr(at + 1, '@') && !strpbrk(e, " \t<>\"'") &&
           strlen(e) <= 254;
}

static int text_ok(const char *t, size_t max)
{
    size_t n = strlen(t);
    if (!n || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)t[i] < 0x20)
            return 0;
    return 1;
}

static void page_register(struct http_resp *resp, const char *email, const char *err)
{
    struct buf b;
    buf_init(&b, DT_PAGE_MAX);
    dt_open(&b, "Register as a developer");
    dt_error(&b, err);
    buf_puts(&b, "<p>Register your Smartsheet account for developer tools to create apps "
                 "that use the Smartsheet API.</p>\n"
                 "<form method=\"post\" action=\"/developer/register\">\n");
    dt_input(&b, "email", "Email address", "email", email, 1, NULL);
    buf_puts(&b, "<button type=\"submit\">Register</button>\n</form>\n");
    dt_send(resp, err ? 400 : 200, &b);
}

static void page_profile(struct http_resp *resp, const char *email, const char *name,
                         const char *err)
{
    struct buf b;
    buf_init(&b, DT_PAGE_MAX);
    dt_open(&b, "Create your developer profile");
    dt_error(&b, err);
    buf_puts(&b, "<p>Developer tools are enabled for your account. Fill in your developer "
                 "profile to continue.</p>\n<form method=\"post\" action=\"/developer/profile\">\n");
    dt_input(&b, "name", "Name", "text", name, 1, NULL);
    dt_input(&b, "email", "Email", "email", email, 1, NULL);
    buf_puts(&b, "<button type=\"submit\">Create Profile</button>\n</form>\n");
    dt_send(resp, err ? 400 : 200, &b);
}

struct dt_app_form {
    char dev_name[DT_FIELD], dev_email[DT_FIELD];
    char name[DT_FIELD], description[4200], app_url[DT_FIELD], contact_url[DT_FIELD],
        redirect_url[DT_FIELD], publish[8];
};

static void page_new_app(struct http_resp *resp, const struct dt_app_form *f, const char *err)
{
    struct buf b;
    buf_init(&b, DT_PAGE_MAX);
    dt_open(&b, "Create New App");
    buf_puts(&b, "<div class=\"profile\">Developer profile: <strong>");
    web_esc(&b, f->dev_name);
    buf_puts(&b, "</strong> &lt;");
    web_esc(&b, f->dev_email);
    buf_puts(&b, "&gt;</div>\n");
    dt_error(&b, err);
    buf_puts(&b, "<form method=\"post\" action=\"/developer/apps\">\n");
    dt_hidden(&b, "dev_name", f->dev_name);
    dt_hidden(&b, "dev_email", f->dev_email);
    dt_input(&b, "app_name", "App name", "text", f->name, 1, NULL);
    buf_puts(&b, "<label for=\"app_description\">App description</label>"
                 "<textarea id=\"app_description\" name=\"app_description\">");
    web_esc(&b, f->description);
    buf_puts(&b, "</textarea>\n");
    dt_input(&b, "app_url", "App URL", "url", f->app_url, 0, NULL);
    dt_input(&b, "contact_url", "App contact/support", "text", f->contact_url, 0,
             "A URL or email address where users can reach you.");
    dt_input(&b, "redirect_url", "App redirect URL", "url", f->redirect_url, 1,
             "Where Smartsheet sends people after they allow access. For Cloud App Security: "
             "https://<your portal>/api/oauth/saga");
    buf_puts(&b, "<fieldset><legend>Publish App?</legend>");
    buf_printf(&b, "<label><input type=\"radio\" name=\"publish\" value=\"yes\"%s> Yes</label>",
               !strcmp(f->publish, "yes") ? " checked" : "");
    buf_printf(&b, "<label><input type=\"radio\" name=\"publish\" value=\"no\"%s> No</label>",
               strcmp(f->publish, "yes") ? " checked" : "");
    buf_puts(&b, "</fieldset>\n<label for=\"logo\">App logo</label>"
                 "<input type=\"text\" id=\"logo\" name=\"logo\" value=\"\" disabled "
                 "placeholder=\"(no logo needed; leave empty)\">\n"
                 "<button type=\"submit\">Save</button>\n</form>\n");
    dt_send(resp, err ? 400 : 200, &b);
}

static void page_app_created(struct http_resp *resp, const struct dt_app_form *f,
                             const char *client_id, const char *secret)
{
    struct buf b;
    buf_init(&b, DT_PAGE_MAX);
    dt_open(&b, "App created");
    buf_puts(&b, "<p>Your app <strong>");
    web_esc(&b, f->name);
    buf_puts(&b, "</strong> is registered. Copy these values into the app connector.</p>\n"
                 "<dl>\n<dt>App name</dt><dd>");
    web_esc(&b, f->name);
    buf_puts(&b, "</dd>\n<dt>App redirect URL</dt><dd>");
    web_esc(&b, f->redirect_url);
    buf_puts(&b, "</dd>\n<dt>App client id</dt><dd><code class=\"secret\" id=\"client-id\">");
    web_esc(&b, client_id);
    buf_puts(&b, "</code></dd>\n<dt>App secret</dt><dd><code class=\"secret\" id=\"app-secret\">");
    web_esc(&b, secret);
    buf_puts(&b, "</code></dd>\n</dl>\n<p class=\"note\">Keep the app secret private: "
                 "anyone who has it can act as this app.</p>\n"
                 "<form method=\"post\" action=\"/developer/profile\">\n");
    dt_hidden(&b, "name", f->dev_name);
    dt_hidden(&b, "email", f->dev_email);
    buf_puts(&b, "<button type=\"submit\">Create another app</button>\n</form>\n");
    dt_send(resp, 200, &b);
}

static void read_field(const struct http_req *req, const char *name, char *out, size_t cap,
                       int *bad)
{
    if (web_form(req, name, out, cap) < 0)
        *bad = 1;
}

static void post_apps(struct ss_server *s, const struct http_req *req, struct http_resp *resp)
{
    struct dt_app_form *f = xcalloc(1, sizeof *f);
    int bad = 0;
    read_field(req, "dev_name", f->dev_name, sizeof f->dev_name, &bad);
    read_field(req, "dev_email", f->dev_email, sizeof f->dev_email, &bad);
    read_field(req, "app_name", f->name, sizeof f->name, &bad);
    read_field(req, "app_description", f->description, sizeof f->description, &bad);
    read_field(req, "app_url", f->app_url, sizeof f->app_url, &bad);
    read_field(req, "contact_url", f->contact_url, sizeof f->contact_url, &bad);
    read_field(req, "redirect_url", f->redirect_url, sizeof f->redirect_url, &bad);
    read_field(req, "publish", f->publish, sizeof f->publish, &bad);
    if (bad || !text_ok(f->dev_name, 256) || !email_ok(f->dev_email)) {
        free(f);
        page_register(resp, "", bad ? "A field is too long or malformed."
                                    : "Create a developer profile first.");
        return;
    }
    char client_id[64], secret[64], err[256];
    if (oauth_register_app(s->oauth, f->name, f->description, f->app_url, f->contact_url,
                           f->redirect_url, !strcmp(f->publish, "yes"), client_id,
                           sizeof client_id, secret, sizeof secret, err, sizeof err)) {
        char msg[320];
        snprintf(msg, sizeof msg, "The app was not created: %s.", err);
        page_new_app(resp, f, msg);
    } else {
        log_info("developer tools: app registered (client id %.6s...)", client_id);
        page_app_created(resp, f, client_id, secret);
        explicit_bzero(secret, sizeof secret);
    }
    free(f);
}

int devtools_route(const char *path)
{
    return !strcmp(path, "/developer") || !strncmp(path, "/developer/", 11);
}

void devtools_handle(struct ss_server *s, const struct http_req *req, struct http_resp *resp)
{
    const char *p = req->path;
    int get = !strcmp(req->method, "GET"), post = !strcmp(req->method, "POST");
    if (!get && !post) {
        static const char msg[] = "Method not allowed.\n";
        http_resp_static(resp, 405, "text/plain;charset=UTF-8", msg, sizeof msg - 1);
        http_resp_header(resp, "Allow", "GET, POST");
        return;
    }
    if (get) {
        if (!strcmp(p, "/developer") || !strcmp(p, "/developer/"))
            page_register(resp, "", NULL);
        else
            web_redirect(resp, "/developer");
        return;
    }
    if (!web_same_origin(req)) {
        struct buf b;
        buf_init(&b, DT_PAGE_MAX);
        dt_open(&b, "Request refused");
        dt_error(&b, "This form was not sent from a Developer Tools page (cross-site request).");
        dt_send(resp, 403, &b);
        return;
    }
    char email[DT_FIELD], name[DT_FIELD];
    if (!strcmp(p, "/developer/register")) {
        int r = web_form(req, "email", email, sizeof email);
        if (r <= 0 || !email_ok(email))
            page_register(resp, r < 0 ? "" : email, "Enter a valid email address.");
        else
            page_profile(resp, email, "", NULL);
    } else if (!strcmp(p, "/developer/profile")) {
        int re = web_form(req, "email", email, sizeof email);
        int rn = web_form(req, "name", name, sizeof name);
        if (re <= 0 || !email_ok(email))
            page_profile(resp, re < 0 ? "" : email, rn < 0 ? "" : name,
                         "Enter a valid email address.");
        else if (rn <= 0 || !text_ok(name, 256))
            page_profile(resp, email, "", "Enter your name (at most 256 characters).");
        else {
            struct dt_app_form *f = xcalloc(1, sizeof *f);
            snprintf(f->dev_name, sizeof f->dev_name, "%s", name);
            snprintf(f->dev_email, sizeof f->dev_email, "%s", email);
            snprintf(f->publish, sizeof f->publish, "no");
            page_new_app(resp, f, NULL);
            free(f);
        }
    } else if (!strcmp(p, "/developer/apps")) {
        post_apps(s, req, resp);
    } else {
        web_redirect(resp, "/developer");
    }
}
