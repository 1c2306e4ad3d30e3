/* limiter.h - the client-side request budget: a sliding window that keeps
 * every rolling window (60 s of duration time = 60000/time_scale real ms)
 * under the configured limit minus a safety margin, so the connector never
 * causes a 429 by itself.  Times are real milliseconds on any monotone
 * clock the caller chooses.  Single-threaded; caller-provided storage. */
#ifndef CONN_LIMITER_H
#define CONN_LIMITER_H

#include <stdint.h>

struct conn_limiter {
    int64_t *times;      /* ring of the most recent request times; private */
    uint32_t cap;        /* ring size = the initial effective limit */
    uint32_t count;      /* entries in the ring (<= cap) */
    uint32_t head;       /* next slot to write */
    uint32_t limit;      /* current effective limit (<= cap) */
    int64_t window_ms;   /* real ms */
};

/* The limit actually used for a configured one: 2% less, at least 1 less,
 * never below 1. */
uint32_t conn_limiter_effective(uint64_t configured);
/* Sets up for `configured` requests per window_ms (> 0).  Cannot fail. */
void conn_limiter_init(struct conn_limiter *l, uint64_t configured, int64_t window_ms);
void conn_limiter_release(struct conn_limiter *l);
/* Real ms to wait before a request may start at time now (0 = go now). */
int64_t conn_limiter_wait_ms(const struct conn_limiter *l, int64_t now);
/* Records a request started at now (now never goes backwards). */
void conn_limiter_record(struct conn_limiter *l, int64_t now);
/* Halves the effective limit (not below 1), after the server said 429. */
void conn_limiter_halve(struct conn_limiter *l);
/* The k-th most recent recorded time (k = 0 is the newest); -1 if none. */
int64_t conn_limiter_recent(const struct conn_limiter *l, uint32_t k);

#endif
