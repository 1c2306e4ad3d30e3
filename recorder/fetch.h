/* fetch.h - paced, retrying GET requests to the Smartsheet API.
 *
 * At most `per_minute` requests start in any rolling 60 s (real time), the
 * limit Smartsheet documents per access token.  A 429 (errorCode 4003) and
 * the transient errors (5xx, errorCodes 4001, 4002, 4004, transport
 * failures) are retried after waits that double from 2 s up to 64 s. */
#ifndef REC_FETCH_H
#define REC_FETCH_H

#include <cjson/cJSON.h>
#include <stdint.h>

#define FETCH_MAX_RATE 1000

struct fetch {
    const char *base;              /* API base, no trailing slash */
    const char *token;             /* never printed */
    int per_minute;                /* 1..FETCH_MAX_RATE */
    int max_tries;                 /* attempts per request */
    int64_t sent[FETCH_MAX_RATE];  /* start times (ms, monotonic) of recent requests */
    int head, count;
    long requests, retries;        /* statistics */
    int quiet;
    /* Clock and sleep (monotonic ms); tests give fakes. */
    int64_t (*now)(void);
    void (*sleep)(int64_t ms);
};

void fetch_init(struct fetch *f, const char *base, const char *token, int per_minute);
/* Waits until one more request keeps the rolling minute within the
 * limit, then counts it as started now. */
void fetch_pace(struct fetch *f);
/* GET base + path_query; on 200 returns the parsed JSON body (caller frees),
 * else NULL with a message in err (never the token). */
cJSON *fetch_json(struct fetch *f, const char *path_query, char *err, size_t errlen);

#endif
