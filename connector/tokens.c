#include "tokens.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "defects.h"
#include "dclock.h"
#include "log.h"
#include "rng.h"
#include "state.h"

#define TOKENS_FILE "tokens.json"

void conn_tokens_release(struct conn_tokens *t)
{
    if (t->access_token)
        memset(t->access_token, 0, strlen(t->access_token));
    if (t->refresh_token)
        memset(t->refresh_token, 0, strlen(t->refresh_token));
    free(t->access_token);
    free(t->refresh_token);
    memset(t, 0, sizeof *t);
}

static const char *nonempty(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) && v->valuestring && v->valuestring[0] &&
                   strlen(v->valuestring) < 4096
               ? v->valuestring
               : NULL;
}

enum conn_rc conn_tokens_load(struct conn_ctx *x)
{
    char err[512];
    cJSON *j = NULL;
    int r = conn_state_read_json(x->cfg->state_dir, TOKENS_FILE, &j, err, sizeof err);
    x->have_tokens = 0;
    if (r < 0) {
        log_error("%s", err);
        return CONN_ERR_OTHER;
    }
    if (r == 0)
        return CONN_OK;
    const char *at = nonempty(j, "access_token"), *rt = nonempty(j, "refresh_token");
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(j, "expires_at_ms");
    const cJSON *life = cJSON_GetObjectItemCaseSensitive(j, "lifetime_ms");
    if (!at || !rt || !cJSON_IsNumber(exp) || !cJSON_IsNumber(life) ||
        !(fabs(exp->valuedouble) < 9.0e15) || !(fabs(life->valuedouble) < 9.0e15)) {
        log_error("state file '%s/%s' is corrupt (a token field is missing); run "
                  "authorize again", x->cfg->state_dir, TOKENS_FILE);
        cJSON_Delete(j);
        return CONN_ERR_OTHER;
    }
    conn_tokens_release(&x->tokens);
    x->tokens.access_token = xstrdup(at);
    x->tokens.refresh_token = xstrdup(rt);
    x->tokens.expires_at_ms = (int64_t)exp->valuedouble;
    x->tokens.lifetime_ms = (int64_t)life->valuedouble;
    x->have_tokens = 1;
    cJSON_Delete(j);
    return CONN_OK;
}

enum conn_rc conn_tokens_accept(struct conn_ctx *x, const cJSON *answer)
{
    const char *at = nonempty(answer, "access_token"), *rt = nonempty(answer, "refresh_token");
    const cJSON *ei = cJSON_GetObjectItemCaseSensitive(answer, "expires_in");
    if (!at || !rt || !cJSON_IsNumber(ei) || !isfinite(ei->valuedouble) ||
        ei->valuedouble <= 0) {
        log_error("the token endpoint's answer lacks access_token, refresh_token or "
                  "expires_in; run authorize-url again");
        /* an unreadable answer (CONTRACT 4): the code is spent, nothing kept */
        return CONN_ERR_TRANSIENT;
    }
    double life = ei->valuedouble * 1000.0 / x->cfg->time_scale;
    if (life > 1e15)
        life = 1e15;
    struct conn_tokens t = {0};
    t.access_token = xstrdup(at);
    t.refresh_token = xstrdup(conn_defect("refresh-not-rotated") && x->tokens.refresh_token
                                  ? x->tokens.refresh_token
                                  : rt);
    t.lifetime_ms = (int64_t)life;
    t.expires_at_ms = dclock_wall_ms() + t.lifetime_ms;
    int refreshed = x->have_tokens;
    conn_tokens_release(&x->tokens);
    x->tokens = t;
    x->have_tokens = 1;
    if (refreshed && conn_defect("tokens-saved-late")) {
        x->tokens_unsaved = 1;          /* written when the program ends */
        return CONN_OK;
    }
    return conn_tokens_save(x) ? CONN_ERR_OTHER : CONN_OK;
}

int conn_tokens_save(struct conn_ctx *x)
{
    const struct conn_tokens t = x->tokens;
    x->tokens_unsaved = 0;
    struct buf b;
    buf_init(&b, 64 * 1024);
    buf_puts(&b, "{\"access_token\":");
    buf_json_str(&b, t.access_token, strlen(t.access_token));
    buf_puts(&b, ",\"refresh_token\":");
    buf_json_str(&b, t.refresh_token, strlen(t.refresh_token));
    buf_printf(&b, ",\"expires_at_ms\":%lld,\"lifetime_ms\":%lld}\n",
               (long long)t.expires_at_ms, (long long)t.lifetime_ms);
    char err[512];
    int enc_err = b.err;
    int rc = enc_err ? -1 : conn_state_write(x->cfg->state_dir, TOKENS_FILE, b.ptr, b.len, err,
                                           sizeof err);
    if (b.ptr)
        memset(b.ptr, 0, b.len);
    buf_release(&b);
    if (rc) {
        log_error("%s", enc_err ? "cannot encode tokens" : err);
        return -1;
    }
    char id[9];
    rng_token_id(t.access_token, id);
    log_info("new access token %s saved (valid %lld ms of real time)", id,
             (long long)t.lifetime_ms);
    return 0;
}

void conn_tokens_forget(struct conn_ctx *x)
{
    char err[512];
    if (conn_defect("tokens-kept-after-refusal")) {
        conn_tokens_release(&x->tokens);
        x->have_tokens = 0;
        return;
    }
    if (conn_state_remove(x->cfg->state_dir, TOKENS_FILE, err, sizeof err))
        log_warn("%s", err);
    conn_tokens_release(&x->tokens);
    x->have_tokens = 0;
    if (conn_defect("tokens-saved-late"))
        x->tokens_unsaved = 0;          /* nothing left to write at the end */
}

int conn_tokens_due(const struct conn_ctx *x)
{
    int64_t margin = x->tokens.lifetime_ms / 10;
    int64_t minute = (int64_t)(60000.0 / x->cfg->time_scale);
    if (margin < minute)
        margin = minute;
    if (margin > x->tokens.lifetime_ms / 2)
        margin = x->tokens.lifetime_ms / 2;
    return dclock_wall_ms() + margin >= x->tokens.expires_at_ms;
}

void conn_tokens_hash(const struct conn_ctx *x, const char *value, char out[65])
{
    struct buf pre;
    buf_init(&pre, 16384);
    buf_printf(&pre, "%s|%s", x->cfg->client_secret, value);
    sha256_hex(pre.ptr ? pre.ptr : "", pre.len, out);
    if (pre.ptr)
        memset(pre.ptr, 0, pre.len);
    buf_release(&pre);
}
