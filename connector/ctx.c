#include "ctx.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dclock.h"
#include "log.h"
#include "state.h"
#include "tokens.h"

#define LIMITER_FILE "ratelimit.json"

volatile sig_atomic_t conn_stop_requested;

int64_t conn_now_ms(void)
{
    return dclock_mono_ms();
}

int conn_sleep_ms(int64_t ms)
{
    int64_t end = conn_now_ms() + ms;
    for (;;) {
        if (conn_stop_requested)
            return -1;
        int64_t left = end - conn_now_ms();
        if (left <= 0)
            return 0;
        if (left > 50)
            left = 50;
        struct timespec ts = {(time_t)(left / 1000), (long)(left % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* The recent request times survive between runs as wall-clock ms, so a
 * `sync` right after a `check` still counts the check's requests. */
static void limiter_load(struct conn_ctx *x)
{
    cJSON *j = NULL;
    char err[512];
    int r = conn_state_read_json(x->cfg->state_dir, LIMITER_FILE, &j, err, sizeof err);
    if (r < 0)
        log_warn("%s; starting with an empty request history", err);
    if (r <= 0)
        return;
    const cJSON *times = cJSON_GetObjectItemCaseSensitive(j, "times");
    int64_t wall = dclock_wall_ms(), mono = conn_now_ms();
    int64_t prev = INT64_MIN;
    uint32_t n = 0;
    if (cJSON_IsArray(times))
        for (const cJSON *t = times->child; t && n < x->limiter.cap; t = t->next, n++) {
            if (!cJSON_IsNumber(t) || !(fabs(t->valuedouble) < 9.0e15))
                break;                   /* also keeps the conversion below defined */
            int64_t at = (int64_t)t->valuedouble - wall + mono;
            if (at > mono || at < prev)     /* clock moved: keep what is ordered */
                break;
            if (at > mono - x->limiter.window_ms)
                conn_limiter_record(&x->limiter, at);
            prev = at;
        }
    cJSON_Delete(j);
}

static void limiter_save(struct conn_ctx *x)
{
    struct buf b;
    buf_init(&b, STATE_MAX_FILE);
    int64_t wall = dclock_wall_ms(), mono = conn_now_ms();
    buf_puts(&b, "{\"times\":[");
    int first = 1;
    for (uint32_t k = x->limiter.count; k-- > 0;) {
        int64_t t = conn_limiter_recent(&x->limiter, k);
        if (t <= mono - x->limiter.window_ms)
            continue;
        buf_printf(&b, "%s%lld", first ? "" : ",", (long long)(t - mono + wall));
        first = 0;
    }
    buf_puts(&b, "]}\n");
    char err[512];
    if (!b.err && conn_state_write(x->cfg->state_dir, LIMITER_FILE, b.ptr, b.len, err,
                                   sizeof err))
        log_warn("%s", err);
    buf_release(&b);
}

enum conn_rc conn_ctx_init(struct conn_ctx *x, const struct conn_config *cfg)
{
    memset(x, 0, sizeof *x);
    x->cfg = cfg;
    if (conn_http_init(&x->ss, cfg->ca_file, cfg->time_scale) ||
        conn_http_init(&x->cas, cfg->ca_file, cfg->time_scale)) {
        log_error("cannot start libcurl");
        return CONN_ERR_OTHER;
    }
    int64_t window = (int64_t)(60000.0 / cfg->time_scale);
    conn_limiter_init(&x->limiter, (uint64_t)cfg->rate_limit_per_minute, window < 1 ? 1 : window);
    limiter_load(x);
    snprintf(x->cas_base, sizeof x->cas_base, "%s/api/v1/app_connectors/%lld/", cfg->cas_url,
             (long long)cfg->cas_instance_id);
    struct buf h;
    buf_init(&h, 8192);
    buf_printf(&h, "Authorization: Token %s", cfg->cas_token);
    x->cas_headers = curl_slist_append(NULL, h.ptr ? h.ptr : "");
    x->cas_headers = curl_slist_append(x->cas_headers, "Content-Type: application/json");
    x->cas_headers = curl_slist_append(x->cas_headers, "Accept: application/json");
    if (h.ptr)
        memset(h.ptr, 0, h.len);
    buf_release(&h);
    if (conn_tokens_load(x) != CONN_OK)
        x->tokens_corrupt = 1;         /* logged; authorize can still replace it */
    return CONN_OK;
}

void conn_ctx_release(struct conn_ctx *x)
{
    if (x->limiter.times && x->limiter.count)
        limiter_save(x);
    conn_limiter_release(&x->limiter);
    conn_http_release(&x->ss);
    conn_http_release(&x->cas);
    curl_slist_free_all(x->cas_headers);
    x->cas_headers = NULL;
    conn_tokens_release(&x->tokens);
}
