#include "ssapi.h"

#include <stdio.h>
#include <string.h>

#include "defects.h"
#include "jarena.h"
#include "cas.h"
#include "kit_limits.h"
#include "log.h"
#include "rng.h"
#include "strutil.h"
#include "tokens.h"

void conn_ss_answer_release(struct conn_ss_answer *a)
{
    buf_release(&a->body);
    cJSON_Delete(a->json);
    a->json = NULL;
}

void conn_ss_need_reconnect(struct conn_ctx *x, const char *why)
{
    if (x->reconnect_needed || conn_defect("calls-after-refusal"))
        return;
    x->reconnect_needed = 1;
    char msg[400];
    snprintf(msg, sizeof msg, "Smartsheet refused the connection's token (%s); reconnect the "
                              "app in Smartsheet", why);
    log_error("%s", msg);
    conn_tokens_forget(x);
    conn_cas_status(x, "error", "Authorize", msg);
}

/* Waits for the request budget; returns -1 when a stop was requested. */
static int take_budget(struct conn_ctx *x)
{
    for (int i = 0; i < 1000000; i++) {
        int64_t w = conn_limiter_wait_ms(&x->limiter, conn_now_ms());
        if (w <= 0 || conn_defect("no-rate-limit")) {
            conn_ctx_note_request(x, conn_now_ms());
            x->ss_requests++;
            return 0;
        }
        if (conn_sleep_ms(w))
            return -1;
    }
    return -1;
}

static int error_code_of(const cJSON *j, char *msg, size_t cap)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "errorCode");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");
    if (cJSON_IsString(m) && m->valuestring)
        str_sanitize(m->valuestring, msg, cap);
    else
        msg[0] = '\0';
    return cJSON_IsNumber(c) && c->valuedouble > 0 && c->valuedouble < 1e6 ? (int)c->valuedouble
                                                                           : 0;
}

/* Sleeps for the next backoff step; returns -1 when the budget is used up
 * or a stop was requested. */
static int retry_wait(struct conn_backoff *bo, int64_t base, const char *what,
                      const char *why)
{
    int64_t w = conn_backoff_next(bo, base, conn_backoff_unit());
    if (w < 0) {
        log_error("%s: giving up after %d retries (%s)", what, bo->attempt, why);
        return -1;
    }
    log_warn("%s: %s; retry %d in %lld ms", what, why, bo->attempt, (long long)w);
    return conn_sleep_ms(w);
}

/* The self-test's one-failure-kind defects: whether this failure, which
 * the connector would retry, ends the operation instead. */
static int ss_defect_fatal(int t, long status, int code, int json, const char *error)
{
    int timeout = t && (strstr(error, "too slow") || strstr(error, "timed out") ||
                        strstr(error, "Timeout"));
    int partial = t && strstr(error, "transfer closed");
    if (conn_defect("server-error-fatal") && status >= 500 && code != 4004)
        return 1;
    if (conn_defect("4004-fatal") && code == 4004)
        return 1;
    if (conn_defect("closed-fatal") && t && !timeout && !partial)
        return 1;
    if (conn_defect("stall-fatal") && timeout)
        return 1;
    if (conn_defect("bad-page-fatal") && (partial || (status == 200 && !json)))
        return 1;
    if (conn_defect("html-error-fatal") && !t && !json && (status >= 500 || status == 429))
        return 1;
    return 0;
}

enum conn_rc conn_ss_token(struct conn_ctx *x, const char *form, int refresh)
{
    char url[4400];
    snprintf(url, sizeof url, "%s/token", x->cfg->smartsheet_api_url);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/x-www-form-urlencoded");
    h = curl_slist_append(h, "Accept: application/json");
    struct conn_backoff bo;
    conn_backoff_init(&bo, x->cfg->time_scale, BACKOFF_BUDGET_MS);
    enum conn_rc rc = CONN_ERR_TRANSIENT;
    const char *what = refresh ? "token refresh" : "code exchange";
    for (int round = 0; round < 10000; round++) {
        if (take_budget(x))
            break;
        struct conn_http_resp r;
        int t = conn_http_request(&x->ss, "POST", url, h, form, strlen(form), &r);
        if (t && r.untrusted) {
            log_error("%s refused: Smartsheet's TLS certificate is not trusted (%s); set "
                      "ca_file", what, r.error);
            conn_http_resp_release(&r);
            rc = CONN_ERR_OTHER;
            break;
        }
        cJSON *j = t ? NULL : cJSON_ParseWithLength(r.body.ptr ? r.body.ptr : "", r.body.len);
        char msg[200] = "";
        int code = j ? error_code_of(j, msg, sizeof msg) : 0;
        long status = t ? 0 : r.status;
        char why[300];
        if (t)
            snprintf(why, sizeof why, "network error: %s", r.error);
        else
            snprintf(why, sizeof why, "HTTP %ld%s%s", status, msg[0] ? ": " : "", msg);
        conn_http_resp_release(&r);
        if (status == 200 && j) {
            rc = conn_tokens_accept(x, j);
            cJSON_Delete(j);
            break;
        }
        int has_oauth_error = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "error"));
        cJSON_Delete(j);
        int retryable = t || status >= 500 || status == 429 || status == 200 ||
                        (code >= 4001 && code <= 4004) ||
                        (conn_defect("needs-error-field") && !has_oauth_error);
        if (!refresh && retryable) {
            /* Never twice: the code may have been spent by an answer we did
             * not get or could not read. */
            log_error("%s failed: %s; run authorize-url again", what, why);
            rc = CONN_ERR_TRANSIENT;
            break;
        }
        if (!retryable) {
            if (refresh) {
                conn_ss_need_reconnect(x, why);
            } else {
                log_error("%s refused: %s; run authorize-url again", what, why);
            }
            rc = CONN_ERR_AUTH;
            break;
        }
        if (retry_wait(&bo, status == 429 || code == 4003 ? BACKOFF_BASE_429_MS
                                                             : BACKOFF_BASE_MS,
                       what, why)) {
            rc = CONN_ERR_TRANSIENT;
            break;
        }
    }
    curl_slist_free_all(h);
    return rc;
}

enum conn_rc conn_ss_refresh(struct conn_ctx *x)
{
    if (!x->have_tokens)
        return CONN_ERR_AUTH;
    const char *rt = x->tokens.refresh_token;
    char hash[65];
    conn_tokens_hash(x, rt, hash);
    struct buf form;
    buf_init(&form, 32768);
    buf_puts(&form, "grant_type=refresh_token&client_id=");
    buf_urlenc(&form, x->cfg->client_id, strlen(x->cfg->client_id));
    buf_puts(&form, "&refresh_token=");
    buf_urlenc(&form, rt, strlen(rt));
    buf_puts(&form, "&hash=");
    buf_puts(&form, hash);
    enum conn_rc rc = form.err ? CONN_ERR_OTHER : conn_ss_token(x, form.ptr, 1);
    if (form.ptr)
        memset(form.ptr, 0, form.len);
    buf_release(&form);
    return rc;
}

enum conn_rc conn_ss_get(struct conn_ctx *x, const char *path_query, struct conn_ss_answer *a)
{
    memset(a, 0, sizeof *a);
    buf_init(&a->body, LIM_RESPONSE_BODY);
    if (x->reconnect_needed || !x->have_tokens) {
        if (!x->reconnect_needed)
            log_error("not connected: run authorize-url and authorize first");
        return CONN_ERR_AUTH;
    }
    char url[8192];
    snprintf(url, sizeof url, "%s/%s", x->cfg->smartsheet_api_url, path_query);
    if (conn_defect("token-in-url"))
        snprintf(url + strlen(url), sizeof url - strlen(url), "%saccess_token=%s",
                 strchr(path_query, '?') ? "&" : "?", x->tokens.access_token);
    struct conn_backoff bo;
    conn_backoff_init(&bo, x->cfg->time_scale, BACKOFF_BUDGET_MS);
    int refreshed = 0;
    enum conn_rc rc = CONN_ERR_TRANSIENT;
    for (int round = 0; round < 100000; round++) {
        if (conn_tokens_due(x) && !conn_defect("no-refresh")) {
            enum conn_rc r = conn_ss_refresh(x);
            if (r)
                return r;
        }
        struct buf auth;
        buf_init(&auth, 8192);
        buf_printf(&auth, "Authorization: Bearer %s", x->tokens.access_token);
        struct curl_slist *h = curl_slist_append(NULL, auth.ptr ? auth.ptr : "");
        h = curl_slist_append(h, "Accept: application/json");
        if (auth.ptr)
            memset(auth.ptr, 0, auth.len);
        buf_release(&auth);
        if (take_budget(x)) {
            curl_slist_free_all(h);
            break;
        }
        struct conn_http_resp r;
        int64_t t0 = conn_now_ms();
        int t = conn_http_request(&x->ss, "GET", url, h, NULL, 0, &r);
        x->ss_wait_ms += conn_now_ms() - t0;
        curl_slist_free_all(h);
        if (t && r.untrusted) {
            log_error("Smartsheet's TLS certificate is not trusted (%s); set ca_file", r.error);
            conn_http_resp_release(&r);
            return CONN_ERR_OTHER;
        }
        if (t && r.too_large) {
            /* the same request would be as large again: the caller decides */
            conn_http_resp_release(&r);
            a->too_large = 1;
            snprintf(a->message, sizeof a->message, "the answer is larger than %u MiB",
                     LIM_RESPONSE_BODY >> 20);
            return CONN_ERR_OTHER;
        }
        jarena_use(jarena_mine(), 1);      /* pages are big trees, freed whole */
        cJSON *j = t ? NULL : cJSON_ParseWithLength(r.body.ptr ? r.body.ptr : "", r.body.len);
        jarena_use(jarena_mine(), 0);      /* still bound: the page's frees go back */
        char msg[200] = "";
        int code = j ? error_code_of(j, msg, sizeof msg) : 0;
        long status = t ? 0 : r.status;
        char why[300];
        if (t)
            snprintf(why, sizeof why, "network error: %s", r.error);
        else if (!j)
            snprintf(why, sizeof why, "HTTP %ld with a malformed body", status);
        else
            snprintf(why, sizeof why, "HTTP %ld errorCode %d%s%s", status, code,
                     msg[0] ? ": " : "", msg);
        if (status == 200 && j && cJSON_IsObject(j)) {
            a->status = 200;
            a->json = j;
            buf_release(&a->body);
            a->body = r.body;          /* hand over */
            x->consecutive_429 = 0;
            return CONN_OK;
        }
        conn_http_resp_release(&r);
        int json = j != NULL;
        cJSON_Delete(j);
        if (status == 429 || code == 4003) {
            if (++x->consecutive_429 >= 2) {
                conn_limiter_halve(&x->limiter);
                log_warn("repeated 429 answers: own limit lowered to %u per window",
                         x->limiter.limit);
            }
            if (conn_defect("no-retry") ||
                (conn_defect("429-gives-up") && x->consecutive_429 >= 4) ||
                ss_defect_fatal(t, status, code, json, r.error))
                break;
            if (conn_defect("no-backoff"))
                continue;
            if (retry_wait(&bo, conn_defect("short-wait-after-429") ? BACKOFF_BASE_429_MS / 25
                                                                     : BACKOFF_BASE_429_MS,
                           path_query, why))
                break;
            continue;
        }
        if (t || status >= 500 || status == 200 || (code >= 4001 && code <= 4004)) {
            if (conn_defect("no-retry") || ss_defect_fatal(t, status, code, json, r.error))
                break;
            if (retry_wait(&bo, BACKOFF_BASE_MS, path_query, why))
                break;
            continue;
        }
        if (status == 401 && !refreshed && (code == 1003 || code == 1002) &&
            !conn_defect("no-refresh")) {
            refreshed = 1;
            log_info("access token %s; refreshing", code == 1003 ? "expired" : "refused");
            enum conn_rc r2 = conn_ss_refresh(x);
            if (r2)
                return r2;
            continue;
        }
        if (status == 401 && refreshed && conn_defect("refused-after-refresh-exit-1"))
            return CONN_ERR_OTHER;
        if (status == 401) {
            conn_ss_need_reconnect(x, why);
            return CONN_ERR_AUTH;
        }
        a->status = status;
        a->error_code = code;
        snprintf(a->message, sizeof a->message, "%s", msg);
        return CONN_ERR_OTHER;
    }
    return rc;
}
