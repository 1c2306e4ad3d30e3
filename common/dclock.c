#include "dclock.h"

#include <math.h>
#include <pthread.h>
#include <time.h>

static pthread_mutex_t dclock_lock = PTHREAD_MUTEX_INITIALIZER;
static double dclock_scale_v = 1.0;
static int64_t dclock_origin_ns;   /* monotonic ns at init */
static int64_t dclock_jumped_ms;   /* sum of jumps */

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void dclock_init(double time_scale)
{
    pthread_mutex_lock(&dclock_lock);
    dclock_scale_v = time_scale > 0 ? time_scale : 1.0;
    dclock_origin_ns = mono_ns();
    dclock_jumped_ms = 0;
    pthread_mutex_unlock(&dclock_lock);
}

double dclock_scale(void)
{
    return dclock_scale_v;
}

int64_t dclock_now_ms(void)
{
    pthread_mutex_lock(&dclock_lock);
    if (!dclock_origin_ns)
        dclock_origin_ns = mono_ns();
    double real_ms = (double)(mono_ns() - dclock_origin_ns) / 1e6;
    int64_t now = (int64_t)floor(real_ms * dclock_scale_v) + dclock_jumped_ms;
    pthread_mutex_unlock(&dclock_lock);
    return now;
}

void dclock_jump(int64_t ms)
{
    if (ms <= 0)
        return;
    pthread_mutex_lock(&dclock_lock);
    dclock_jumped_ms += ms;
    pthread_mutex_unlock(&dclock_lock);
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
