/* api.h - the Smartsheet API endpoints that read the scenario: Users and
 * Event Reporting.  Each handler answers exactly like the real API,
 * including its errors (through ss_error), and never touches locks or
 * authentication: server.c has checked the token, scope and rate limit. */
#ifndef SS_API_H
#define SS_API_H

#include <stdint.h>

#include "buf.h"
#include "http.h"
#include "scenario.h"

struct ss_caller {
    int64_t user_id;            /* the token's user */
    int is_admin;               /* that user is a System Admin */
};

/* What GET /2.0/events takes from a query string, before the scenario is
 * consulted. */
struct events_params {
    int by_position;            /* streamPosition, else since */
    uint64_t position;          /* decoded streamPosition */
    int64_t since_ms, to_ms;    /* since (>= 0); to when has_to */
    int has_to, numeric;
    size_t max;                 /* maxCount */
};

/* A connection's last /events query string and its parameters: a client
 * polling with the same query (the end of the stream, a retry) is not
 * parsed again.  Only queries that parsed cleanly are kept. */
struct events_memo {
    size_t len;                 /* 0: empty */
    char query[256];
    struct events_params params;
};

/* A position past a stillGenerating gap (scenario_next_gap) carries this
 * bit in its index: the empty page a reader gets at a gap names the same
 * index with it, so the reader moves on and a request from there is
 * answered normally (docs/smartsheet-model.md). */
#define EVENTS_POS_RESUMED (1ull << 62)

/* Event Reporting keeps about six months: older events are never served
 * (a modelled bound, docs/smartsheet-model.md). */
#define EVENTS_RETENTION_MS (183LL * 24 * 3600 * 1000)

/* How /events answers beyond what the scenario holds (admin settings). */
struct events_shape {
    /* > 0: at most that many events a page whatever maxCount asks (a
     * stream still generating: shorter pages, moreAvailable true) */
    size_t page_limit;
    /* the last page (moreAvailable false) carries no nextStreamPosition,
     * as in Smartsheet's own "no more available" fixture */
    int omit_last_position;
    /* > 0: a `since` query whose window (to `to`, or now) is longer is
     * wide: answered 500 errorCode 4002 (wide_timeout), or after
     * wide_delay_ms of duration time */
    int64_t wide_over_ms;
    int wide_timeout;
    int64_t wide_delay_ms;
};

/* GET /2.0/events - requires a System Admin and Event Reporting.  memo
 * (may be NULL) is the connection's; shape NULL: none of its settings. */
void api_events(const struct ss_scenario *sc, const struct ss_caller *caller,
                const struct http_req *req, int64_t now_wall_ms, struct events_memo *memo,
                const struct events_shape *shape, struct http_resp *resp);
/* Shared by the list endpoints (users.c): the 400/1018 answer for a bad
 * value of param; numericDates (1 or 0 into *numeric, or -1 with resp
 * set); an integer parameter in [1, max], def when absent; whether a
 * comma-separated include list holds name; page, pageSize and includeAll. */
void api_bad_value(struct http_resp *resp, const char *value, const char *param);
int api_numeric_dates(const struct http_req *req, int *numeric, struct http_resp *resp);
int api_int_param(const struct http_req *req, const char *name, int64_t def, int64_t max,
                  int64_t *out, struct http_resp *resp);
int api_include_has(const char *list, const char *name);
int api_paging(const struct http_req *req, int64_t def_size, int64_t max_size, int64_t *page,
               int64_t *page_size, int *include_all, struct http_resp *resp);

/* The slice of an IndexResult a page shows: past the last page, the last
 * page; includeAll, everything. */
struct api_window {
    size_t first, count, total_pages;
    int64_t page_number;
};
void api_page_window(size_t total, int include_all, int64_t page, int64_t page_size,
                     struct api_window *w);
/* Opens an IndexResult up to and including "data":[ (no pageSize with
 * includeAll). */
void api_window_open(struct buf *b, const struct api_window *w, int include_all,
                     int64_t page_size, size_t total);

/* A Group object (groups.c): id, name, description, owner, ownerId,
 * createdAt, modifiedAt (epoch ms when numeric). */
void api_group_json(struct buf *b, const struct ss_group *g, int numeric);
/* GET /2.0/groups - the organisation's groups, paged like /users. */
void api_groups_list(const struct ss_scenario *sc, const struct ss_caller *caller,
                     const struct http_req *req, struct http_resp *resp);

/* GET /2.0/users */
void api_users_list(const struct ss_scenario *sc, const struct ss_caller *caller,
                    const struct http_req *req, struct http_resp *resp);
/* GET /2.0/users/me */
void api_users_me(const struct ss_scenario *sc, const struct ss_caller *caller,
                  const struct http_req *req, struct http_resp *resp);
/* GET /2.0/users/{id}; id_text is the raw path segment. */
void api_users_get(const struct ss_scenario *sc, const struct ss_caller *caller,
                   const char *id_text, const struct http_req *req, struct http_resp *resp);

#endif
