/* backoff.h - retry waits: exponential with jitter, capped, on duration
 * time, converted to real time by dividing by time_scale; plus a total
 * retry budget per operation so a dead service ends the run (exit 5). */
#ifndef CONN_BACKOFF_H
#define CONN_BACKOFF_H

#include <stdint.h>

/* Waits in duration ms.  Rate limiting (429) starts higher: Smartsheet
 * asks clients to back off for a while, not to hammer. */
#define BACKOFF_BASE_MS       1000
#define BACKOFF_BASE_429_MS   5000
#define BACKOFF_CAP_MS        60000
#define BACKOFF_BUDGET_MS     (15 * 60 * 1000)

struct conn_backoff {
    double time_scale;
    int attempt;            /* retries so far in this operation */
    int64_t spent_ms;       /* duration ms waited so far */
    int64_t budget_ms;
};

/* The duration-time wait for retry number attempt (0-based): base * 2^n
 * capped at cap, scaled by a jitter factor 0.5 + 0.5 * unit (unit in
 * [0, 1)).  Pure. */
int64_t conn_backoff_delay(int attempt, int64_t base_ms, int64_t cap_ms, double unit);
void conn_backoff_init(struct conn_backoff *b, double time_scale, int64_t budget_ms);
/* Plans the next wait.  Returns the real ms to sleep (>= 1), or -1 when
 * the wait would use up the budget (give up).  unit as above. */
int64_t conn_backoff_next(struct conn_backoff *b, int64_t base_ms, double unit);
/* A successful request: the next failure starts over (budget included). */
void conn_backoff_reset(struct conn_backoff *b);
/* A uniform double in [0, 1) from the CSPRNG, for jitter. */
double conn_backoff_unit(void);

#endif
