/* judge.h - what the doubles saw, fetched and compared: mock-cas's stored
 * activities, entities, statuses and violations; mock-smartsheet's event
 * stream and users; the exactly-once comparison between the two.  The
 * mock-cas admin routes are named only here. */
#ifndef CT_JUDGE_H
#define CT_JUDGE_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "ctenv.h"

#define CT_DAY_MS (24LL * 3600 * 1000)
#define CT_HOUR_MS (3600LL * 1000)

/* Each returns a JSON array the caller frees, or NULL with e->err. */
cJSON *ct_cas_activities(struct ct_env *e);
cJSON *ct_cas_entities(struct ct_env *e);
cJSON *ct_cas_statuses(struct ct_env *e);
cJSON *ct_cas_violations(struct ct_env *e);
cJSON *ct_ss_events(struct ct_env *e);     /* numericDates: eventTimestamp in ms */
cJSON *ct_ss_users(struct ct_env *e);

/* The Smartsheet event an activity carries (its rawDataJson, parsed when it
 * is a string; owned by the activity or by *tmp, which the caller frees). */
const cJSON *ct_activity_raw(const cJSON *act, cJSON **tmp);
/* Event timestamp in epoch ms whether numeric or ISO text; -1 if neither. */
int64_t ct_event_ms(const cJSON *ev);

/* The comparison of stored activities with the stream. */
struct ct_delivery {
    int expected;        /* events with eventTimestamp >= from_ms + 1 h */
    int missing;         /* of those, not stored */
    int duplicated;      /* eventIds stored more than once */
    int too_old;         /* stored events older than from_ms - 1 h */
    int unknown;         /* stored activities whose eventId is not in the stream */
    int at_edge;         /* stored events within an hour of from_ms either side: neither
                            expected nor too old (the connector's clock and ours differ) */
    int stored;          /* activities in the store */
    char first_missing[80], first_duplicated[80], first_too_old[80];
};
/* from_ms: the start of the window the connector should have read (now -
 * backfill when its first sync began).  Returns 0, or -1 with e->err. */
int ct_delivery_check(struct ct_env *e, int64_t from_ms, struct ct_delivery *d);
/* One sentence for evidence: "3000 expected, 2 missing (first 12345) ...". */
const char *ct_delivery_text(const struct ct_delivery *d, char *out, size_t cap);
/* 1 when nothing is missing, duplicated, too old or unknown. */
int ct_delivery_ok(const struct ct_delivery *d);

/* One journaled request for the rate-window judgement. */
struct ct_req_time {
    long long seq;           /* journal sequence number */
    long long dur;           /* duration time of the request, ms */
    char tok[16];            /* token id */
};
/* The largest number of one token's requests in any window of window_ms
 * (a request at time t counts for the windows (t - window_ms, t]); the
 * sequence number of the request ending that window goes to *end_seq.
 * Any order.  O(n^2) for the few hundred requests a test makes. */
int ct_busiest_window(const struct ct_req_time *r, int n, long long window_ms,
                      long long *end_seq);

/* The Smartsheet API requests of a journal (the token endpoint left out)
 * that carried a token, oldest first, into *out (caller frees).  Returns
 * how many. */
int ct_api_requests(const cJSON *journal, struct ct_req_time **out);

/* The checks every test makes on what its connector did, whatever the test
 * is about: the bearer header (OAUTH-011), the rate budget (RL-001) and
 * secrets in the output (SEC-001).  Called by ct_env_stop while the
 * doubles still run. */
void ct_ambient_judge(struct ct_env *e);

/* Appends n live events to mock-smartsheet's stream, shaped like its last
 * one (new ids, timestamps now).  Returns 0, or -1 with e->err. */
int ct_append_events(struct ct_env *e, int n);
/* A copy of a stream event without its eventId and eventTimestamp (the
 * double gives an appended event new ones).  Caller frees. */
cJSON *ct_event_copy(const cJSON *ev);
/* Appends the events of an array (consumed) to mock-smartsheet's stream.
 * Returns 0, or -1 with e->err. */
int ct_post_events(struct ct_env *e, cJSON *events);

/* The latest CAS status entry (caller frees), or NULL. */
cJSON *ct_cas_last_status(struct ct_env *e);
/* The last status the connector sent CAS, read for a verdict and its
 * evidence. */
struct ct_status_seen {
    cJSON *last;                        /* owns status, stage and msg; cJSON_Delete it */
    const char *status, *stage, *msg;   /* NULL when absent */
    char shown[200];                    /* msg, sanitised for the evidence ("" if none) */
};
void ct_status_seen_read(struct ct_env *e, struct ct_status_seen *s);
/* 1 when it is error / Authorize with a message naming "reconnect": a
 * refused token reported as the contract asks (section 5). */
int ct_status_asks_reconnect(const struct ct_status_seen *s);

/* Runs a sync and returns 0 when it exited 0; otherwise -1 with a
 * description of how it ended in e->err. */
int ct_sync_ok(struct ct_env *e, int timeout_ms);
/* The same, keeping how a failed sync ended in why ("" when it succeeded):
 * the calls that gather the evidence afterwards overwrite e->err. */
int ct_sync_ok_why(struct ct_env *e, int timeout_ms, char *why, size_t cap);

#endif
