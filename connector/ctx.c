#include "ctx.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dclock.h"
#include "defects.h"
#include "log.h"
#include "state.h"
#include "strutil.h"
#include "tokens.h"

#define LIMITER_FILE "ratelimit.json"
#define LIMITER_LOG "ratelimit.log"

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
 * `sync` right after a `check` (or after a run that was killed) still
 * counts the earlier requests.  ratelimit.json holds them as of the last
 * clean start or end; ratelimit.log gets one line per request as it is
 * sent (a plain append: a killed process loses nothing written), and is
 * folded into the JSON at the next start. */
#define LIMITER_MAX_LOAD (1u << 20)

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Appends to times[] the wall-clock ms found in the JSON file and the log. */
static size_t limiter_read(struct conn_ctx *x, int64_t *times, size_t cap)
{
    size_t n = 0;
    cJSON *j = NULL;
    char err[512];
    int r = conn_state_read_json(x->cfg->state_dir, LIMITER_FILE, &j, err, sizeof err);
    if (r < 0)
        log_warn("%s; starting with an empty request history", err);
    const cJSON *t, *arr = r > 0 ? cJSON_GetObjectItemCaseSensitive(j, "times") : NULL;
    if (cJSON_IsArray(arr))
        cJSON_ArrayForEach(t, arr) {
            if (n < cap && cJSON_IsNumber(t) && fabs(t->valuedouble) < 9.0e15)
                times[n++] = (int64_t)t->valuedouble;
        }
    cJSON_Delete(j);
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", x->cfg->state_dir, LIMITER_LOG);
    FILE *f = fopen(path, "r");
    char line[64];
    while (f && n < cap && fgets(line, sizeof line, f)) {
        int64_t v;
        line[strcspn(line, "\n")] = '\0';
        if (!parse_i64(line, 0, (int64_t)9.0e15, &v))
            times[n++] = v;
    }
    if (f)
        fclose(f);
    return n;
}

static void limiter_load(struct conn_ctx *x)
{
    size_t cap = x->limiter.cap * 4u + 64u;
    if (cap > LIMITER_MAX_LOAD)
        cap = LIMITER_MAX_LOAD;
    int64_t *times = xcalloc(cap, sizeof *times);
    size_t n = limiter_read(x, times, cap);
    qsort(times, n, sizeof *times, cmp_i64);
    int64_t wall = dclock_wall_ms(), mono = conn_now_ms();
    for (size_t i = 0; i < n; i++) {
        int64_t at = times[i] - wall + mono;
        if (at > mono)                  /* the clock moved back: keep what is before now */
            break;
        if (at > mono - x->limiter.window_ms)
            conn_limiter_record(&x->limiter, at);
    }
    free(times);
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

/* Starts a fresh log once its content is in the JSON file. */
static void limiter_log_open(struct conn_ctx *x)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", x->cfg->state_dir, LIMITER_LOG);
    x->limiter_log = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    if (x->limiter_log < 0)
        log_warn("cannot write %s: %s (a killed run's requests will not count in the next)",
                 path, strerror(errno));
}

void conn_ctx_note_request(struct conn_ctx *x, int64_t now)
{
    conn_limiter_record(&x->limiter, now);
    if (x->limiter_log < 0)
        return;
    char line[32];
    int n = snprintf(line, sizeof line, "%lld\n", (long long)(now - conn_now_ms() +
                                                             dclock_wall_ms()));
    if (write(x->limiter_log, line, (size_t)n) != n)
        log_warn("cannot append to %s: %s", LIMITER_LOG, strerror(errno));
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
    x->limiter_log = -1;
    if (conn_defect("budget-over")) {      /* 5% over, 3% over after the margin */
        conn_limiter_release(&x->limiter);
        conn_limiter_init(&x->limiter, (uint64_t)(cfg->rate_limit_per_minute * 1.05),
                          window < 1 ? 1 : window);
    }
    if (!conn_defect("budget-not-shared"))
        limiter_load(x);
    if (x->limiter.count)
        limiter_save(x);
    limiter_log_open(x);
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
    if (x->tokens_unsaved)
        conn_tokens_save(x);
    if (x->limiter.times && x->limiter.count)
        limiter_save(x);
    if (x->limiter_log >= 0) {
        if (ftruncate(x->limiter_log, 0))
            log_warn("cannot empty %s: %s", LIMITER_LOG, strerror(errno));
        close(x->limiter_log);
        x->limiter_log = -1;
    }
    conn_limiter_release(&x->limiter);
    conn_http_release(&x->ss);
    conn_http_release(&x->cas);
    curl_slist_free_all(x->cas_headers);
    x->cas_headers = NULL;
    conn_tokens_release(&x->tokens);
    conn_user_index_clear(&x->users);
}
