/* auth.c - the authorize-url and authorize commands: the consent URL with
 * a CSPRNG state, and the callback's checks before the code exchange. */
#include <strings.h>
#include <stdio.h>
#include <string.h>

#include "defects.h"
#include "callback.h"
#include "cas.h"
#include "commands.h"
#include "dclock.h"
#include "log.h"
#include "rng.h"
#include "ssapi.h"
#include "state.h"
#include "strutil.h"
#include "tokens.h"

#define PENDING_FILE "oauth-state.json"

enum conn_rc conn_cmd_authorize_url(struct conn_ctx *x)
{
    const struct conn_config *c = x->cfg;
    char state[33];
    rng_hex(state, 16);
    if (conn_defect("state-predictable"))
        snprintf(state, sizeof state, "%032x", 1u);
    if (conn_defect("state-timestamp"))
        snprintf(state, sizeof state, "%032llx", (unsigned long long)dclock_wall_ms());
    char saved[128], err[512];
    int n = snprintf(saved, sizeof saved, "{\"state\":\"%s\",\"created_ms\":%lld}\n", state,
                     (long long)dclock_wall_ms());
    if (conn_state_write(c->state_dir, PENDING_FILE, saved, (size_t)n, err, sizeof err)) {
        log_error("%s", err);
        return CONN_ERR_OTHER;
    }
    struct buf u;
    buf_init(&u, 64 * 1024);
    const char *api = c->smartsheet_api_url;
    size_t al = strlen(api);
    if (conn_defect("authorize-url-derived") && al >= 4 && !strcmp(api + al - 4, "/2.0")) {
        buf_append(&u, api, al - 4);       /* one origin assumed for both */
        buf_puts(&u, "/b/authorize");
    } else {
        buf_puts(&u, c->smartsheet_authorize_url);
    }
    buf_puts(&u, "?response_type=code&client_id=");
    buf_urlenc(&u, c->client_id, strlen(c->client_id));
    buf_puts(&u, "&scope=READ_EVENTS%20READ_USERS&redirect_uri=");
    buf_urlenc(&u, c->redirect_url, strlen(c->redirect_url));
    buf_printf(&u, "&state=%s", state);
    if (u.err) {
        log_error("consent URL too long");
        return CONN_ERR_OTHER;
    }
    printf("%s\n", u.ptr);
    fflush(stdout);
    buf_release(&u);
    log_info("consent URL printed; open it as a System Admin, then pass the callback URL to "
             "'authorize --callback-url'");
    return CONN_OK;
}

/* Loads the remembered state; returns 1 and fills out, 0 when none, -1 on
 * a corrupt file (logged). */
static int load_pending(struct conn_ctx *x, char *out, size_t cap)
{
    cJSON *j = NULL;
    char err[512];
    int r = conn_state_read_json(x->cfg->state_dir, PENDING_FILE, &j, err, sizeof err);
    if (r < 0) {
        log_error("%s", err);
        return -1;
    }
    if (r == 0)
        return 0;
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "state");
    int ok = cJSON_IsString(s) && s->valuestring && strlen(s->valuestring) >= 32 &&
             strlen(s->valuestring) < cap;
    if (ok)
        snprintf(out, cap, "%s", s->valuestring);
    else
        log_error("state file '%s' is corrupt; run authorize-url again", PENDING_FILE);
    cJSON_Delete(j);
    return ok ? 1 : -1;
}

static void consume_pending(struct conn_ctx *x)
{
    char err[512];
    if (conn_state_remove(x->cfg->state_dir, PENDING_FILE, err, sizeof err))
        log_warn("%s", err);
}

enum conn_rc conn_cmd_authorize(struct conn_ctx *x, const char *callback_url)
{
    static struct conn_callback cb;     /* large; one per process */
    char err[512];
    if (conn_callback_parse(callback_url, &cb, err, sizeof err)) {
        log_error("refusing the callback: %s", err);
        return CONN_ERR_AUTH;
    }
    if (!conn_callback_base_matches(cb.base, x->cfg->redirect_url)) {
        log_error("refusing the callback: it is not for the configured redirect_url");
        return CONN_ERR_AUTH;
    }
    char pending[128];
    int have = load_pending(x, pending, sizeof pending);
    if (have < 0)
        return CONN_ERR_AUTH;
    int state_ok = have && cb.has_state &&
                   rng_equal(cb.state, strlen(cb.state), pending, strlen(pending));
    if (conn_defect("state-not-checked"))
        state_ok = have = cb.has_state = 1;
    if (conn_defect("state-prefix-match") && have && cb.has_state && strlen(cb.state) >= 8)
        state_ok = !strncasecmp(cb.state, pending, strlen(cb.state) < strlen(pending)
                                                       ? strlen(cb.state) : strlen(pending));
    if (cb.has_error) {
        char e[256], d[256], msg[700];
        str_sanitize(cb.error, e, sizeof e);
        str_sanitize(cb.error_description, d, sizeof d);
        snprintf(msg, sizeof msg, "Smartsheet consent failed (%s)%s%s; connect again and "
                 "approve the app as a System Admin", e, d[0] ? ": " : "", d);
        log_error("%s", msg);
        if (state_ok) {
            consume_pending(x);
            if (!conn_defect("denial-not-reported"))
                conn_cas_status(x, "error", "Authorize", msg);
        } else {
            log_error("the error callback's state does not match; not reporting it");
        }
        return CONN_ERR_AUTH;
    }
    if (!have) {
        log_error("refusing the callback: no authorisation is pending (run authorize-url "
                  "first)");
        return CONN_ERR_AUTH;
    }
    if (!cb.has_state) {
        log_error("refusing the callback: it carries no state");
        return CONN_ERR_AUTH;
    }
    if (!state_ok) {
        log_error("refusing the callback: its state does not match the one we issued");
        return CONN_ERR_AUTH;
    }
    if (!cb.has_code) {
        log_error("refusing the callback: it carries no code");
        return CONN_ERR_AUTH;
    }
    consume_pending(x);            /* a state, like a code, serves once */

    char hash[65];
    conn_tokens_hash(x, cb.code, hash);
    struct buf form;
    buf_init(&form, 32768);
    buf_puts(&form, "grant_type=authorization_code&client_id=");
    buf_urlenc(&form, x->cfg->client_id, strlen(x->cfg->client_id));
    buf_puts(&form, "&code=");
    buf_urlenc(&form, cb.code, strlen(cb.code));
    if (conn_defect("plain-secret")) {
        buf_puts(&form, "&client_secret=");
        buf_urlenc(&form, x->cfg->client_secret, strlen(x->cfg->client_secret));
    } else {
        buf_puts(&form, "&hash=");
        buf_puts(&form, hash);
    }
    memset(cb.code, 0, sizeof cb.code);
    enum conn_rc rc = form.err ? CONN_ERR_OTHER : conn_ss_token(x, form.ptr, 0);
    if (conn_defect("code-reused") && !form.err)
        conn_ss_token(x, form.ptr, 0);
    if (conn_defect("code-retried") && rc == CONN_ERR_TRANSIENT && !form.err)
        rc = conn_ss_token(x, form.ptr, 0);
    if (form.ptr)
        memset(form.ptr, 0, form.len);
    buf_release(&form);
    if (rc == CONN_OK)
        log_info("authorised: tokens saved in the state folder");
    return rc;
}
