/* server.h - mock-smartsheet's state and request dispatch.
 *
 * One struct ss_server owns everything the double serves: the scenario
 * (under a read/write lock: API reads, admin writes), OAuth state, the rate
 * limiter, fault rules and journal.  ss_handle is the http handler: route,
 * faults, bearer token, rate limit, scope, then the endpoint (api.c,
 * oauth.c) or the admin API (admin.c). */
#ifndef SS_SERVER_H
#define SS_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "fault.h"
#include "http.h"
#include "journal.h"
#include "oauth.h"
#include "ratelimit.h"
#include "scenario.h"
#include "serveropts.h"

/* A loaded scenario stays alive while responses still point into it. */
struct ss_sref;

struct ss_server {
    struct server_opts opts;
    char fixtures_dir[1024];
    char scenario_name[128];
    int rate_limit_from_cli;        /* --rate-limit given: scenario cannot override */
    uint32_t rate_default_n;        /* what a scenario without rateLimit gets (300/60) */
    int64_t rate_default_window_ms;
    _Atomic int retry_after;        /* send Retry-After on 429 (admin API sets it) */
    _Atomic size_t events_page_limit; /* most events per /events page; 0 = maxCount rules */
    _Atomic int events_omit_last_position; /* last page without nextStreamPosition */
    _Atomic int64_t events_wide_over_ms;   /* wide `since` queries (struct events_shape) */
    _Atomic int events_wide_timeout;
    _Atomic int64_t events_wide_delay_ms;
    /* --app-host: the consent pages answer only under this Host name and
     * the API never does, as app.smartsheet.com and api.smartsheet.com
     * ("" = one origin for both). */
    char app_host[256];

    pthread_rwlock_t lock;          /* guards sc and sref */
    struct ss_scenario *sc;
    struct ss_sref *sref;           /* sc with a count of responses still sending its bytes */
    struct ss_oauth *oauth;
    struct ratelimit *rl;
    struct fault_set *faults;
    struct journal *journal;

    _Atomic uint64_t served_429;   /* counters read by the stats call */
    _Atomic uint64_t requests;
};

/* Frees what a connection kept (http_config.conn_data_free). */
void ss_conn_free(void *data);

/* Loads the named scenario and resets every piece of state.  Returns 0, or
 * -1 with a message in err (the current scenario is then kept). */
int ss_load_scenario(struct ss_server *s, const char *name, char *err, size_t errlen);

/* Drops the server's hold on the current scenario (at shutdown). */
void ss_release_scenario(struct ss_server *s);

void ss_handle(void *app, const struct http_req *req, struct http_resp *resp);
void ss_done(void *app, const struct http_req *req, const struct http_resp *resp);

/* admin.c: the /_mock/ routes. */
void ss_admin(struct ss_server *s, const struct http_req *req, struct http_resp *resp);

#endif
