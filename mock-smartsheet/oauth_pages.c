#include "oauth_pages.h"

#include <inttypes.h>
#include <string.h>

#include "webpage.h"

const char *const oauth_scope_names[OAUTH_NSCOPES] = {
    "ADMIN_SHEETS", "ADMIN_SIGHTS", "ADMIN_USERS", "ADMIN_WEBHOOKS", "ADMIN_WORKSPACES",
    "CREATE_SHEETS", "CREATE_SIGHTS", "DELETE_SHEETS", "DELETE_SIGHTS", "READ_CONTACTS",
    "READ_EVENTS", "READ_SHEETS", "READ_SIGHTS", "READ_USERS", "SHARE_SHEETS",
    "SHARE_SIGHTS", "WRITE_SHEETS",
};

#define PAGE_MAX (4u * 1024u * 1024u)

static const char page_css[] =
    "*{box-sizing:border-box}"
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;background:#f3f5f7;"
    "color:#1c2b36;margin:0}"
    "header{background:#0b3b60;color:#fff;padding:.8rem 2rem;display:flex;align-items:center;"
    "gap:.8rem}header .logo{background:#fff;color:#0b3b60;font-weight:700;border-radius:4px;"
    "padding:.1rem .45rem}"
    "main{max-width:34rem;margin:2.5rem auto;background:#fff;border-radius:8px;"
    "padding:2rem;box-shadow:0 1px 4px rgba(0,0,0,.15)}"
    "h1{font-size:1.4rem;margin-top:0}.note{color:#5a6b78;font-size:.9rem}"
    "ul{padding-left:1.2rem}li{margin:.25rem 0}code{background:#eef1f4;padding:0 .2rem}"
    ".users{max-height:21rem;overflow-y:auto;border:1px solid #d5dde3;border-radius:4px;"
    "padding:.3rem}"
    ".users label{display:block;padding:.45rem .5rem;border-radius:4px;margin:.1rem 0;"
    "cursor:pointer}.users label:hover{background:#eef5fb}"
    "button{font-size:1rem;padding:.5rem 1.4rem;margin-right:.6rem;border-radius:4px;"
    "border:1px solid #0b5cab;cursor:pointer}"
    ".allow{background:#0b5cab;color:#fff}.deny{background:#fff;color:#0b5cab}";

static void page_open(struct buf *b, const char *title)
{
    buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width\"><title>");
    web_esc(b, title);
    buf_printf(b, "</title><style>%s</style></head>\n<body><header><span class=\"logo\">S"
                  "</span><span>Smartsheet</span></header><main>\n<h1>", page_css);
    web_esc(b, title);
    buf_puts(b, "</h1>\n");
}

static void page_send(struct http_resp *resp, int status, struct buf *b)
{
    buf_puts(b, "<p class=\"note\">Mock Smartsheet (test double).</p>\n</main></body></html>\n");
    /* no scripts or images; no form-action: Allow redirects to the app */
    web_send_csp(resp, status, b,
                 "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
                 "frame-ancestors 'none'");
}

static void hidden(struct buf *b, const char *name, const char *value)
{
    buf_printf(b, "<input type=\"hidden\" name=\"%s\" value=\"", name);
    web_esc(b, value);
    buf_puts(b, "\">\n");
}

static void hidden_params(struct buf *b, const struct oa_authz *a)
{
    hidden(b, "response_type", a->response_type);
    hidden(b, "client_id", a->client_id);
    hidden(b, "scope", a->scope);
    if (a->has_redirect)
        hidden(b, "redirect_uri", a->redirect_uri);
    if (a->has_state)
        hidden(b, "state", a->state);
}

static void user_name(struct buf *b, const struct ss_user *u)
{
    web_esc(b, u->first_name ? u->first_name : "");
    buf_puts(b, " ");
    web_esc(b, u->last_name ? u->last_name : "");
    buf_puts(b, " &lt;");
    web_esc(b, u->email ? u->email : "");
    buf_puts(b, "&gt;");
}

void oauth_page_error(struct http_resp *resp, int status, const char *title,
                      const char *detail)
{
    struct buf b;
    buf_init(&b, PAGE_MAX);
    page_open(&b, title);
    buf_puts(&b, "<p>");
    web_esc(&b, detail);
    buf_puts(&b, "</p>\n");
    page_send(resp, status, &b);
}

void oauth_page_signin(struct http_resp *resp, const struct oa_authz *a, const char *app_name,
                       const struct ss_user *const *users, size_t nusers)
{
    struct buf b;
    buf_init(&b, PAGE_MAX);
    page_open(&b, "Log in to Smartsheet");
    buf_puts(&b, "<p>Sign in to continue to <strong>");
    web_esc(&b, app_name);
    buf_puts(&b, "</strong>.</p>\n<form method=\"post\" action=\"/b/authorize\">\n");
    hidden_params(&b, a);
    buf_puts(&b, "<p class=\"note\">Choose the account to sign in with (System Admins "
                 "first).</p>\n<div class=\"users\">\n");
    size_t shown = 0;
    for (int admins = 1; admins >= 0; admins--) {
        for (size_t i = 0; i < nusers; i++) {
            const struct ss_user *u = users[i];
            if (!u->status || strcmp(u->status, "ACTIVE") || !u->admin != !admins)
                continue;
            buf_printf(&b, "<label><input type=\"radio\" name=\"user_id\" value=\"%" PRId64
                           "\"%s> ", u->id, shown ? "" : " checked");
            user_name(&b, u);
            buf_puts(&b, u->admin ? " <span class=\"note\">(System Admin)</span>" : "");
            buf_puts(&b, "</label>\n");
            shown++;
        }
    }
    buf_puts(&b, "</div>\n");
    if (shown)
        buf_puts(&b, "<p><button class=\"allow\" type=\"submit\">Log in</button></p>\n");
    else
        buf_puts(&b, "<p>No active user in this scenario can sign in.</p>\n");
    buf_puts(&b, "</form>\n");
    page_send(resp, shown ? 200 : 403, &b);
}

void oauth_page_consent(struct http_resp *resp, const struct oa_authz *a, const char *app_name,
                        uint32_t scopes, const struct ss_user *user)
{
    struct buf b;
    buf_init(&b, PAGE_MAX);
    page_open(&b, "Allow access to your Smartsheet account?");
    buf_puts(&b, "<p><strong>");
    web_esc(&b, app_name);
    buf_puts(&b, "</strong> would like to access your account with these permissions:</p>\n<ul>\n");
    for (int i = 0; i < OAUTH_NSCOPES; i++)
        if (scopes & (1u << i))
            buf_printf(&b, "<li><code>%s</code></li>\n", oauth_scope_names[i]);
    buf_puts(&b, "</ul>\n<p class=\"note\">Signed in as ");
    user_name(&b, user);
    buf_puts(&b, "</p>\n<form method=\"post\" action=\"/b/authorize\">\n");
    hidden_params(&b, a);
    buf_printf(&b, "<input type=\"hidden\" name=\"user_id\" value=\"%" PRId64 "\">\n", user->id);
    buf_puts(&b, "<p><button class=\"allow\" type=\"submit\" name=\"decision\" value=\"allow\">"
                 "Allow</button><button class=\"deny\" type=\"submit\" name=\"decision\" "
                 "value=\"deny\">Deny</button></p>\n</form>\n");
    page_send(resp, 200, &b);
}
