#include "backoff.h"

#include <math.h>

#include "rng.h"

int64_t conn_backoff_delay(int attempt, int64_t base_ms, int64_t cap_ms, double unit)
{
    if (attempt < 0)
        attempt = 0;
    if (unit < 0)
        unit = 0;
    if (unit >= 1)
        unit = 0.999999;
    int64_t d = base_ms;
    for (int i = 0; i < attempt && d < cap_ms; i++)
        d *= 2;
    if (d > cap_ms)
        d = cap_ms;
    return (int64_t)((double)d * (0.5 + 0.5 * unit));
}

void conn_backoff_init(struct conn_backoff *b, double time_scale, int64_t budget_ms)
{
    b->time_scale = time_scale > 0 ? time_scale : 1;
    b->attempt = 0;
    b->spent_ms = 0;
    b->budget_ms = budget_ms;
}

int64_t conn_backoff_next(struct conn_backoff *b, int64_t base_ms, double unit)
{
    int64_t d = conn_backoff_delay(b->attempt, base_ms, BACKOFF_CAP_MS, unit);
    if (b->spent_ms + d > b->budget_ms)
        return -1;
    b->spent_ms += d;
    b->attempt++;
    int64_t real = (int64_t)ceil((double)d / b->time_scale);
    return real < 1 ? 1 : real;
}

void conn_backoff_reset(struct conn_backoff *b)
{
    b->attempt = 0;
    b->spent_ms = 0;
}

double conn_backoff_unit(void)
{
    uint64_t r;
    rng_bytes(&r, sizeof r);
    return (double)(r >> 11) / 9007199254740992.0;
}
