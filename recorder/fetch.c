/* fetch.c - paced, retrying GET requests to the Smartsheet API. */
#include "fetch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "httpc.h"
#include "pseudo.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

void fetch_init(struct fetch *f, const char *base, const char *token, int per_minute)
{
    memset(f, 0, sizeof *f);
    f->base = base;
    f->token = token;
    f->per_minute = per_minute < 1 ? 1 : per_minute > FETCH_MAX_RATE ? FETCH_MAX_RATE : per_minute;
    f->max_tries = 8;
    f->now = now_ms;
    f->sleep = sleep_ms;
}

/* Waits until one more request keeps the rolling minute within the limit,
 * then records its start. */
void fetch_pace(struct fetch *f)
{
    if (f->count == f->per_minute) {
        int64_t oldest = f->sent[f->head];
        int64_t wait = oldest + 60000 + 1 - f->now();
        if (wait > 0 && !f->quiet)
            fprintf(stderr, "recorder: pacing: %d requests in the last minute, waiting %.1f s\n",
                    f->count, (double)wait / 1000.0);
        if (wait > 0)
            f->sleep(wait);
        f->head = (f->head + 1) % f->per_minute;
        f->count--;
    }
    f->sent[(f->head + f->count) % f->per_minute] = f->now();
    f->count++;
}

static long error_code(cJSON *j)
{
    cJSON *c = j ? cJSON_GetObjectItemCaseSensitive(j, "errorCode") : NULL;
    return cJSON_IsNumber(c) ? (long)c->valuedouble : 0;
}

cJSON *fetch_json(struct fetch *f, const char *path_query, char *err, size_t errlen)
{
    struct buf url, auth;
    buf_init(&url, 16384);
    buf_init(&auth, 8192);
    buf_printf(&url, "%s%s", f->base, path_query);
    buf_printf(&auth, "Authorization: Bearer %s", f->token);
    const char *headers[] = {auth.ptr, "Accept: application/json", NULL};
    cJSON *out = NULL;
    int64_t backoff = 2000;
    err[0] = '\0';
    for (int attempt = 1; attempt <= f->max_tries; attempt++) {
        fetch_pace(f);
        f->requests++;
        struct httpc_resp r;
        int rc = httpc_request("GET", url.ptr, headers, NULL, 0, NULL, &r);
        cJSON *j = rc == 0 && r.body.ptr ? cJSON_Parse(r.body.ptr) : NULL;
        long code = error_code(j);
        int retry;
        if (rc != 0 || r.status == 0) {
            rec_fmt(err, errlen, "GET %s: %s", path_query, r.error[0] ? r.error : "no answer");
            retry = 1;
        } else if (r.status == 200 && j) {
            out = j;
            j = NULL;
            retry = 0;
        } else {
            rec_fmt(err, errlen, "GET %s: HTTP %ld%s%ld", path_query, r.status,
                     code ? ", errorCode " : "", code);
            if (r.status == 200)
                rec_fmt(err, errlen, "GET %s: HTTP 200 without a JSON body", path_query);
            retry = r.status == 429 || code == 4003 || r.status >= 500 || code == 4001 ||
                    code == 4002 || code == 4004;
        }
        cJSON_Delete(j);
        httpc_resp_release(&r);
        if (out || !retry)
            break;
        if (attempt == f->max_tries)
            break;
        f->retries++;
        if (!f->quiet)
            fprintf(stderr, "recorder: %s; retrying in %lld s\n", err, (long long)(backoff / 1000));
        f->sleep(backoff);
        if (backoff < 64000)
            backoff *= 2;
    }
    buf_release(&url);
    /* The header held the token: wipe it before freeing. */
    if (auth.ptr)
        memset(auth.ptr, 0, auth.len);
    buf_release(&auth);
    if (out)
        err[0] = '\0';
    return out;
}
