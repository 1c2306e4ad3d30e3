#include "dclock.h"

#include <math.h>
#include <stdatomic.h>
#include <time.h>

/* Set once by dclock_init before any server thread starts; jumps are
 * atomic so reading the clock on the request path takes no lock. */
static double dclock_scale_v = 1.0;
static _Atomic int64_t dclock_origin_ns;   /* monotonic ns at init */
static _Atomic int64_t dclock_jumped_ms;   /* sum of jumps */
/* dclock_arrival: real-time minus monotonic ns, and when it was read */
static _Atomic int64_t wall_offset_ns, wall_offset_at_ns;

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void dclock_init(double time_scale)
{
    dclock_scale_v = time_scale > 0 ? time_scale : 1.0;
    atomic_store(&dclock_origin_ns, mono_ns());
    atomic_store(&dclock_jumped_ms, 0);
}

double dclock_scale(void)
{
    return dclock_scale_v;
}

static int64_t duration_at(int64_t mono)
{
    int64_t origin = atomic_load(&dclock_origin_ns);
    if (!origin) {
        int64_t expected = 0;
        atomic_compare_exchange_strong(&dclock_origin_ns, &expected, mono);
        origin = atomic_load(&dclock_origin_ns);
    }
    double real_ms = (double)(mono - origin) / 1e6;
    return (int64_t)floor(real_ms * dclock_scale_v) + atomic_load(&dclock_jumped_ms);
}

int64_t dclock_now_ms(void)
{
    return duration_at(mono_ns());
}

void dclock_arrival(int64_t *wall_ms, int64_t *dur_ms)
{
    int64_t mono = mono_ns();
    int64_t at = atomic_load(&wall_offset_at_ns);
    if (!at || mono - at >= 1000000000) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t fresh = mono_ns();
        atomic_store(&wall_offset_ns, (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec - fresh);
        atomic_store(&wall_offset_at_ns, fresh);
    }
    int64_t wall_ns = mono + atomic_load(&wall_offset_ns);
    *wall_ms = wall_ns / 1000000;
    *dur_ms = duration_at(mono);
}

void dclock_jump(int64_t ms)
{
    if (ms > 0)
        atomic_fetch_add(&dclock_jumped_ms, ms);
}

int64_t dclock_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t dclock_mono_ms(void)
{
    return mono_ns() / 1000000;
}

int64_t dclock_to_real_ms(int64_t duration_ms)
{
    if (duration_ms <= 0)
        return 0;
    return (int64_t)ceil((double)duration_ms / dclock_scale_v);
}
