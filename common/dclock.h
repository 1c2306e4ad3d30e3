/* dclock.h - the two clocks of the kit (architecture section 4).
 *
 * Calendar time is real UTC (dclock_wall_ms).  Duration time (rate windows,
 * code and token lifetimes, scheduled faults) runs time_scale times faster
 * than real time and can be jumped forward by the admin API.  One process-
 * wide duration clock; thread-safe. */
#ifndef KIT_DCLOCK_H
#define KIT_DCLOCK_H

#include <stdint.h>

/* Sets the scale (> 0) and restarts duration time at 0. */
void dclock_init(double time_scale);
double dclock_scale(void);
/* Duration time in milliseconds since dclock_init, including jumps. */
int64_t dclock_now_ms(void);
/* Moves duration time forward by ms (>= 0). */
void dclock_jump(int64_t ms);
/* Real UTC time in milliseconds since the epoch. */
int64_t dclock_wall_ms(void);
/* Both clocks for a request's arrival from one reading of the monotonic
 * clock: calendar time is derived from it with an offset re-read from the
 * real-time clock at least once a second (so a step of the system clock
 * shows within a second). */
void dclock_arrival(int64_t *wall_ms, int64_t *dur_ms);
/* Real monotonic time in milliseconds (for measuring real waits). */
int64_t dclock_mono_ms(void);
/* Converts a duration-time span to real milliseconds (rounded up). */
int64_t dclock_to_real_ms(int64_t duration_ms);

#endif
