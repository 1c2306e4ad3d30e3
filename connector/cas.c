#include "cas.h"

#include <stdio.h>
#include <string.h>

#include "defects.h"
#include "buf.h"
#include "log.h"
#include "strutil.h"

static int cas_retry(struct conn_backoff *bo, int64_t base, const char *what, const char *why)
{
    int64_t w = conn_backoff_next(bo, base, conn_backoff_unit());
    if (w < 0) {
        log_error("CAS %s: giving up after %d retries (%s)", what, bo->attempt, why);
        return -1;
    }
    log_warn("CAS %s: %s; retry %d in %lld ms", what, why, bo->attempt, (long long)w);
    return conn_sleep_ms(w);
}

enum conn_rc conn_cas_post(struct conn_ctx *x, const char *what, const char *body, size_t len,
                           cJSON **answer)
{
    return conn_cas_post_on(x, &x->cas, &x->cas_requests, &x->cas_wait_ms, what, body, len,
                            answer);
}

enum conn_rc conn_cas_post_on(const struct conn_ctx *x, struct conn_http *h, uint64_t *requests,
                              int64_t *wait_ms, const char *what, const char *body, size_t len,
                              cJSON **answer)
{
    char url[4400];
    snprintf(url, sizeof url, "%s%s/", x->cas_base, what);
    struct conn_backoff bo;
    conn_backoff_init(&bo, x->cfg->time_scale, BACKOFF_BUDGET_MS);
    for (int round = 0; round < 100000; round++) {
        if (conn_stop_requested && round > 0)
            return CONN_ERR_TRANSIENT;
        struct conn_http_resp r;
        (*requests)++;
        int64_t t0 = conn_now_ms();
        int t = conn_http_request(h, "POST", url, x->cas_headers, body, len, &r);
        *wait_ms += conn_now_ms() - t0;
        if (t && r.untrusted) {
            log_error("CAS's TLS certificate is not trusted (%s); set ca_file", r.error);
            conn_http_resp_release(&r);
            return CONN_ERR_OTHER;
        }
        cJSON *j = t ? NULL : cJSON_ParseWithLength(r.body.ptr ? r.body.ptr : "", r.body.len);
        long status = t ? 0 : r.status;
        char why[300], msg[200] = "";
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");
        if (cJSON_IsString(m) && m->valuestring)
            str_sanitize(m->valuestring, msg, sizeof msg);
        if (t)
            snprintf(why, sizeof why, "network error: %s", r.error);
        else
            snprintf(why, sizeof why, "HTTP %ld%s%s", status, msg[0] ? ": " : "", msg);
        conn_http_resp_release(&r);
        if (status >= 200 && status < 300 && cJSON_IsObject(j)) {
            if (answer)
                *answer = j;
            else
                cJSON_Delete(j);
            return CONN_OK;
        }
        cJSON_Delete(j);
        if (conn_defect("cas-unreadable-fatal") && status >= 200 && status < 300)
            return CONN_ERR_OTHER;
        if (t || status == 429 || status >= 500 || (status >= 200 && status < 300)) {
            if (conn_defect("no-retry") ||
                (conn_defect("cas-refusal-fatal") && (status == 429 || status >= 500)))
                return CONN_ERR_TRANSIENT;
            if (cas_retry(&bo, status == 429 ? BACKOFF_BASE_429_MS : BACKOFF_BASE_MS, what,
                          why))
                return CONN_ERR_TRANSIENT;
            continue;
        }
        if (conn_defect("refusal-skipped") && status == 400) {
            log_warn("CAS refused %s: %s; skipped", what, why);
            return CONN_OK;
        }
        log_error("CAS refused %s: %s%s", what, why,
                  status == 401 || status == 403 ? " (check cas_token and cas_instance_id)"
                                                 : "");
        return CONN_ERR_OTHER;
    }
    return CONN_ERR_TRANSIENT;
}

void conn_cas_status(struct conn_ctx *x, const char *status, const char *stage,
                     const char *message)
{
    struct buf b;
    buf_init(&b, 64 * 1024);
    buf_puts(&b, "{\"status\":");
    buf_json_str(&b, status, strlen(status));
    if (stage) {
        buf_puts(&b, ",\"stage\":");
        buf_json_str(&b, stage, strlen(stage));
    }
    if (message) {
        buf_puts(&b, ",\"message\":");
        buf_json_str(&b, message, strlen(message));
    }
    buf_puts(&b, "}");
    if (!b.err && conn_cas_post(x, "status", b.ptr, b.len, NULL) == CONN_OK)
        log_info("reported status '%s'%s%s to CAS", status, stage ? " at stage " : "",
                 stage ? stage : "");
    else
        log_warn("could not report status '%s' to CAS", status);
    buf_release(&b);
}
