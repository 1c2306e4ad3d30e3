/* gen.h - fixture-gen's model of one generated scenario: the options, the
 * users (kept in memory) and the writers for scenario.json and the event
 * pages (streamed page by page, so memory does not grow with the event
 * count).  Everything derives from the seed: same options, same bytes. */
#ifndef FG_GEN_H
#define FG_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"

/* Most recorded pages mock-smartsheet loads (docs/fixtures.md, eventPages). */
#define FG_MAX_PAGES 100000u

struct gen_opts {
    const char *out_dir;
    const char *name;            /* default: the last component of out_dir */
    const char *description;     /* default: generated from the options */
    uint64_t seed;
    uint64_t app_seed;           /* the app's client id and secret (default 1) */
    size_t users;                /* >= 1 */
    uint64_t events;
    unsigned days;               /* events spread over the days before recordedAt */
    size_t page_size;            /* events per recorded page (default 1000) */
    int event_reporting;
    int consent_non_admin;       /* the consenting user is not a System Admin */
    const char *consent_mode;    /* "approve", "deny" or "page" */
    int64_t recorded_ms;         /* the recorded "now" */
    uint32_t rl_requests;        /* 0: no rateLimit block */
    uint32_t rl_seconds;
    int profile;                 /* 2021 (the default) or 2026 */
};

/* Most stillGenerating gaps a 2026 scenario gets (docs/fixtures.md). */
#define FG_MAX_GAPS 2u
/* The stillGenerating event indexes of a 2026 scenario into gaps
 * (ascending, each inside the stream); returns how many. */
size_t gen_gaps(const struct gen_opts *o, uint64_t gaps[FG_MAX_GAPS]);

struct gen_user {
    int64_t id;
    char email[160];
    char first[32];
    char last[32];
    const char *status;
    int admin, licensed, group_admin, resource_viewer;
    int64_t last_login_ms;       /* 0: never */
};

struct gen_org {
    int64_t account_id;
    char domain[48];
    struct gen_user *users;
    size_t nusers;
    size_t *active;              /* indexes of ACTIVE users (event actors) */
    size_t nactive;
    char client_id[32];
    char secret[32];
};

/* Builds the organisation (users, app credentials) from opts. */
void gen_org_build(const struct gen_opts *o, struct gen_org *org);
void gen_org_free(struct gen_org *org);

/* Number of recorded pages for opts. */
size_t gen_page_count(const struct gen_opts *o);
/* The relative file name of page k (0-based) into out. */
void gen_page_name(const struct gen_opts *o, size_t k, char *out, size_t cap);

/* Writes <out_dir>/scenario.json.  0, or -1 after printing an error. */
int gen_write_scenario(const struct gen_opts *o, const struct gen_org *org);
/* Writes every <out_dir>/events/page-*.json.  0, or -1 after an error. */
int gen_write_events(const struct gen_opts *o, const struct gen_org *org);



/* Writes n url-safe base64 characters of the bytes at raw (n*6 <= 8*len). */
void gen_b64url(const unsigned char *raw, size_t len, char *out, size_t n);
/* Uniform integer in [0, n). */
uint64_t gen_below(struct prng *p, uint64_t n);

#endif
