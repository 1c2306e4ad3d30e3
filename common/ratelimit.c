#include "ratelimit.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "strutil.h"

/* Times of recent requests, run-length encoded: requests in the same
 * millisecond share one run, so a window holds at most one run per
 * millisecond however high the limit (a raised limit at 100k requests/s
 * costs 60,000 runs a minute, not six million timestamps).  Grows up to a
 * cap of runs. */
struct run {
    int64_t t;
    uint64_t n;
};

struct ring {
    struct run *r;
    size_t cap, head, len;
    uint64_t total;           /* requests in all runs */
};
struct rl_key {
    char key[40];
    struct ring allowed;     /* sliding: times of the last n allowed requests */
    struct ring seen;        /* statistics: every request in the last window */
    int64_t fixed_window;    /* fixed: index of the current window */
    uint32_t fixed_count;
    int64_t tat;             /* gcra: theoretical arrival time */
    struct rl_stats stats;
    struct rl_key *next;
};

#define RL_BUCKETS 1024
/* Statistics keep at most this many runs (milliseconds with requests) per
 * key; beyond it the oldest are forgotten and the window maximum saturates.
 * It takes a window over 17 minutes long with a request in every
 * millisecond to get there. */
#define RL_RUNS_CAP (1u << 20)

struct ratelimit {
    pthread_mutex_t lock;
    enum rl_algo algo;
    uint32_t n;
    int64_t window;
    struct rl_key *buckets[RL_BUCKETS];
};

static void ring_release(struct ring *r)
{
    free(r->r);
    memset(r, 0, sizeof *r);
}

static int64_t ring_oldest(const struct ring *r)
{
    return r->r[r->head].t;
}

static void ring_pop(struct ring *r)
{
    r->total -= r->r[r->head].n;
    r->head = (r->head + 1) % r->cap;
    r->len--;
}

/* Drops the runs at or before cutoff. */
static void ring_expire(struct ring *r, int64_t cutoff)
{
    while (r->len && ring_oldest(r) <= cutoff)
        ring_pop(r);
}

/* Records one request at t; when a new run is needed and the ring is full
 * at max_cap runs, the oldest run is dropped. */
static void ring_push(struct ring *r, int64_t t, size_t max_cap)
{
    if (r->len) {
        struct run *last = &r->r[(r->head + r->len - 1) % r->cap];
        if (last->t == t) {
            last->n++;
            r->total++;
            return;
        }
    }
    if (r->len == r->cap) {
        if (r->cap >= max_cap) {
            ring_pop(r);
        } else {
            size_t ncap = r->cap ? r->cap * 2 : 16;
            if (ncap > max_cap)
                ncap = max_cap;
            struct run *nr = xmalloc(ncap * sizeof *nr);
            for (size_t i = 0; i < r->len; i++)
                nr[i] = r->r[(r->head + i) % r->cap];
            free(r->r);
            r->r = nr;
            r->cap = ncap;
            r->head = 0;
        }
    }
    r->r[(r->head + r->len) % r->cap] = (struct run){t, 1};
    r->len++;
    r->total++;
}

struct ratelimit *rl_new(enum rl_algo algo, uint32_t n, int64_t window_ms)
{
    if (!n || window_ms <= 0)
        return NULL;
    struct ratelimit *rl = xcalloc(1, sizeof *rl);
    pthread_mutex_init(&rl->lock, NULL);
    rl->algo = algo;
    rl->n = n;
    rl->window = window_ms;
    return rl;
}

static void rl_clear_keys(struct ratelimit *rl)
{
    for (size_t i = 0; i < RL_BUCKETS; i++) {
        struct rl_key *k = rl->buckets[i];
        while (k) {
            struct rl_key *next = k->next;
            ring_release(&k->allowed);
            ring_release(&k->seen);
            free(k);
            k = next;
        }
        rl->buckets[i] = NULL;
    }
}

void rl_free(struct ratelimit *rl)
{
    if (!rl)
        return;
    rl_clear_keys(rl);
    pthread_mutex_destroy(&rl->lock);
    free(rl);
}

int rl_parse_algo(const char *s, enum rl_algo *out)
{
    if (!strcmp(s, "sliding"))
        *out = RL_SLIDING;
    else if (!strcmp(s, "fixed"))
        *out = RL_FIXED;
    else if (!strcmp(s, "gcra"))
        *out = RL_GCRA;
    else
        return -1;
    return 0;
}

const char *rl_algo_name(enum rl_algo a)
{
    return a == RL_FIXED ? "fixed" : a == RL_GCRA ? "gcra" : "sliding";
}

int rl_parse_spec(const char *s, uint32_t *n, int64_t *window_ms)
{
    const char *slash = strchr(s, '/');
    char num[32];
    if (!slash || (size_t)(slash - s) >= sizeof num)
        return -1;
    memcpy(num, s, (size_t)(slash - s));
    num[slash - s] = '\0';
    int64_t count;
    double secs;
    if (parse_i64(num, 1, 100000000, &count) || parse_double(slash + 1, 0.001, 86400.0 * 365, &secs))
        return -1;
    *n = (uint32_t)count;
    *window_ms = (int64_t)(secs * 1000.0 + 0.5);
    return *window_ms > 0 ? 0 : -1;
}

static unsigned hash_key(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % RL_BUCKETS;
}

static struct rl_key *find_key(struct ratelimit *rl, const char *key)
{
    unsigned h = hash_key(key);
    for (struct rl_key *k = rl->buckets[h]; k; k = k->next)
        if (!strcmp(k->key, key))
            return k;
    struct rl_key *k = xcalloc(1, sizeof *k);
    snprintf(k->key, sizeof k->key, "%s", key);
    snprintf(k->stats.key, sizeof k->stats.key, "%s", key);
    k->fixed_window = -1;
    k->next = rl->buckets[h];
    rl->buckets[h] = k;
    return k;
}

static void note_seen(struct ratelimit *rl, struct rl_key *k, int64_t now)
{
    ring_expire(&k->seen, now - rl->window);
    ring_push(&k->seen, now, RL_RUNS_CAP);
    k->stats.requests++;
    if (k->seen.total > k->stats.max_in_window) {
        k->stats.max_in_window = k->seen.total;
        k->stats.max_window_end = now;
    }
}

static int take_sliding(struct ratelimit *rl, struct rl_key *k, int64_t now, int64_t *retry)
{
    struct ring *r = &k->allowed;
    ring_expire(r, now - rl->window);
    if (r->total < rl->n) {
        ring_push(r, now, rl->n);    /* never more runs than requests: exact */
        return 1;
    }
    *retry = ring_oldest(r) + rl->window - now;
    return 0;
}

static int take_fixed(struct ratelimit *rl, struct rl_key *k, int64_t now, int64_t *retry)
{
    int64_t w = now / rl->window;
    if (w != k->fixed_window) {
        k->fixed_window = w;
        k->fixed_count = 0;
    }
    if (k->fixed_count < rl->n) {
        k->fixed_count++;
        return 1;
    }
    *retry = (w + 1) * rl->window - now;
    return 0;
}

static int take_gcra(struct ratelimit *rl, struct rl_key *k, int64_t now, int64_t *retry)
{
    /* times in microseconds of duration time, for exact intervals */
    int64_t t = now * 1000;
    int64_t interval = rl->window * 1000 / rl->n;
    int64_t tolerance = rl->window * 1000 - interval;
    int64_t tat = k->tat > t ? k->tat : t;
    if (tat - t > tolerance) {
        *retry = (tat - tolerance - t + 999) / 1000;
        return 0;
    }
    k->tat = tat + interval;
    return 1;
}

int rl_take(struct ratelimit *rl, const char *key, int64_t now, int64_t *retry_after_ms)
{
    int64_t retry = 0;
    int ok;
    pthread_mutex_lock(&rl->lock);
    struct rl_key *k = find_key(rl, key);
    note_seen(rl, k, now);
    switch (rl->algo) {
    case RL_FIXED: ok = take_fixed(rl, k, now, &retry); break;
    case RL_GCRA: ok = take_gcra(rl, k, now, &retry); break;
    default: ok = take_sliding(rl, k, now, &retry); break;
    }
    if (!ok)
        k->stats.refused++;
    pthread_mutex_unlock(&rl->lock);
    if (!ok && retry_after_ms)
        *retry_after_ms = retry > 0 ? retry : 1;
    return ok;
}

void rl_reset(struct ratelimit *rl)
{
    pthread_mutex_lock(&rl->lock);
    rl_clear_keys(rl);
    pthread_mutex_unlock(&rl->lock);
}

void rl_configure(struct ratelimit *rl, enum rl_algo algo, uint32_t n, int64_t window_ms)
{
    if (!n || window_ms <= 0)
        return;
    pthread_mutex_lock(&rl->lock);
    rl_clear_keys(rl);
    rl->algo = algo;
    rl->n = n;
    rl->window = window_ms;
    pthread_mutex_unlock(&rl->lock);
}

void rl_get_config(struct ratelimit *rl, enum rl_algo *algo, uint32_t *n, int64_t *window_ms)
{
    pthread_mutex_lock(&rl->lock);
    *algo = rl->algo;
    *n = rl->n;
    *window_ms = rl->window;
    pthread_mutex_unlock(&rl->lock);
}

size_t rl_stats(struct ratelimit *rl, struct rl_stats *out, size_t cap)
{
    size_t count = 0;
    pthread_mutex_lock(&rl->lock);
    for (size_t i = 0; i < RL_BUCKETS; i++)
        for (struct rl_key *k = rl->buckets[i]; k; k = k->next) {
            if (count < cap)
                out[count] = k->stats;
            count++;
        }
    pthread_mutex_unlock(&rl->lock);
    return count;
}
