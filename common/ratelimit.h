/* ratelimit.h - per-key request limits on duration time.
 *
 * Three algorithms, all "N requests per window":
 *   sliding - exact: a request is allowed when fewer than N requests were
 *             allowed in the window ending now (a ring of the last N times);
 *   fixed   - N per aligned window [k*W, (k+1)*W);
 *   gcra    - generic cell rate: one request every W/N, bursts up to N.
 * Refused requests do not use up budget (a modelled assumption: Smartsheet
 * does not document it).  Keys are short strings (token ids).  Each key
 * also keeps statistics: requests seen, refused, and the largest number of
 * requests (allowed or not) seen in any window.  Thread-safe. */
#ifndef KIT_RATELIMIT_H
#define KIT_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

enum rl_algo { RL_SLIDING = 0, RL_FIXED, RL_GCRA };

struct ratelimit;

struct rl_stats {
    char key[40];
    uint64_t requests;       /* every request counted for this key */
    uint64_t refused;
    uint64_t max_in_window;  /* most requests in any window of W */
    int64_t max_window_end;  /* duration ms at which that maximum was reached */
};

/* Returns NULL if n == 0 or window_ms <= 0. */
struct ratelimit *rl_new(enum rl_algo algo, uint32_t n, int64_t window_ms);
void rl_free(struct ratelimit *rl);
/* Parses "sliding", "fixed" or "gcra". */
int rl_parse_algo(const char *s, enum rl_algo *out);
const char *rl_algo_name(enum rl_algo a);
/* Parses "N/SECONDS" (e.g. "300/60"). */
int rl_parse_spec(const char *s, uint32_t *n, int64_t *window_ms);

/* Counts one request for key at duration time now.  Returns 1 when it is
 * allowed, 0 when refused; on refusal *retry_after_ms (if not NULL) is the
 * duration time until a request would be allowed. */
int rl_take(struct ratelimit *rl, const char *key, int64_t now, int64_t *retry_after_ms);
/* Forgets every key (a new scenario, or a clock jump that opens a window). */
void rl_reset(struct ratelimit *rl);
/* Changes the limit; existing counts are forgotten. */
void rl_configure(struct ratelimit *rl, enum rl_algo algo, uint32_t n, int64_t window_ms);
void rl_get_config(struct ratelimit *rl, enum rl_algo *algo, uint32_t *n, int64_t *window_ms);
/* Copies up to cap per-key statistics into out; returns the number of keys. */
size_t rl_stats(struct ratelimit *rl, struct rl_stats *out, size_t cap);

#endif
