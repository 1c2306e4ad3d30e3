#include "limiter.h"

#include <stdlib.h>

#include "buf.h"
#include "defects.h"

uint32_t conn_limiter_effective(uint64_t configured)
{
    if (configured > UINT32_MAX)
        configured = UINT32_MAX;
    uint64_t margin = configured / 50;
    if (margin < 1)
        margin = 1;
    return configured > margin ? (uint32_t)(configured - margin) : 1;
}

void conn_limiter_init(struct conn_limiter *l, uint64_t configured, int64_t window_ms)
{
    l->limit = conn_limiter_effective(configured);
    /* Past a million per window the ring only costs memory: a larger limit
     * is effectively unlimited for one process. */
    l->cap = l->limit > 1000000 ? 1000000 : l->limit;
    l->limit = l->cap;
    l->times = xcalloc(l->cap, sizeof *l->times);
    l->count = 0;
    l->head = 0;
    l->window_ms = window_ms > 0 ? window_ms : 1;
}

void conn_limiter_release(struct conn_limiter *l)
{
    free(l->times);
    l->times = NULL;
}

int64_t conn_limiter_recent(const struct conn_limiter *l, uint32_t k)
{
    if (k >= l->count)
        return -1;
    uint32_t idx = (l->head + l->cap - 1 - k) % l->cap;
    return l->times[idx];
}

int64_t conn_limiter_wait_ms(const struct conn_limiter *l, int64_t now)
{
    if (l->count < l->limit)
        return 0;
    /* Allowed when the limit-th most recent request has left the window:
     * a request at t counts for windows ending before t + window. */
    int64_t t = conn_limiter_recent(l, l->limit - 1);
    int64_t free_at = t + l->window_ms + 1;
    return free_at > now ? free_at - now : 0;
}

void conn_limiter_record(struct conn_limiter *l, int64_t now)
{
    l->times[l->head] = now;
    l->head = (l->head + 1) % l->cap;
    if (l->count < l->cap)
        l->count++;
}

void conn_limiter_halve(struct conn_limiter *l)
{
    if (conn_defect("halved-to-nothing")) {
        l->limit /= 2;
        return;
    }
    l->limit = l->limit > 1 ? l->limit / 2 : 1;
}
