/* scenario.h - one Smartsheet organisation loaded from fixtures: account,
 * users, registered OAuth apps, consent behaviour, rate-limit settings and
 * the Event Reporting stream (recorded pages).  Format: docs/fixtures.md.
 *
 * Loading rebases every event timestamp so that the scenario's recorded
 * "now" becomes the load moment (architecture section 4).  A scenario is
 * not thread-safe: the server guards it with a read/write lock (reads for
 * the API, writes for appended events and reloads). */
#ifndef SS_SCENARIO_H
#define SS_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "http.h"

struct ss_scenario;

struct ss_account {
    int64_t id;
    const char *name;
    const char *plan;           /* e.g. "ENTERPRISE" */
    int event_reporting;        /* the Event Reporting add-on is enabled */
};

#define SS_PROFILE_FIELDS 6
/* "title", "department", "company", "workPhone", "mobilePhone", "role" */
extern const char *const ss_profile_fields[SS_PROFILE_FIELDS];

struct ss_user {
    int64_t id;
    const char *email;
    const char *first_name;
    const char *last_name;
    const char *status;         /* ACTIVE, PENDING, DECLINED, DEACTIVATED */
    int admin;                  /* System Admin */
    int licensed_sheet_creator;
    int group_admin;
    int resource_viewer;
    int64_t last_login_ms;      /* 0 = never */
    const char *locale;         /* "en_US" unless the scenario says */
    const char *time_zone;      /* "US/Pacific" unless the scenario says */
    /* The 2025-26 seat model: MEMBER, PROVISIONAL_MEMBER, GUEST, VIEWER or
     * CONTRIBUTOR (default MEMBER for licensed users and admins, else
     * VIEWER); isInternal (default true). */
    const char *seat_type;
    int is_internal;
    /* UserProfile's profile fields, "" unless the scenario says, in the
     * order of ss_profile_fields. */
    const char *profile[SS_PROFILE_FIELDS];
};

/* A group of the organisation (scenario.json "groups"; docs/fixtures.md). */
struct ss_group {
    int64_t id;
    const char *name;
    const char *description;    /* "" unless the scenario says */
    int64_t owner_id;           /* a user of the scenario */
    const char *owner;          /* that user's email */
    int64_t created_ms, modified_ms;
    const int64_t *members;     /* user ids, as the scenario lists them */
    size_t nmembers;
};

struct ss_app {                 /* an app registered in Developer Tools */
    const char *name;
    const char *client_id;
    const char *secret;
    const char *redirect_url;
};

enum ss_consent_mode { SS_CONSENT_APPROVE = 0, SS_CONSENT_DENY, SS_CONSENT_PAGE };

struct ss_consent {
    enum ss_consent_mode mode;
    int64_t user_id;            /* who approves (APPROVE); 0 = the first System Admin */
};

struct ss_ratelimit_cfg {
    uint32_t requests;          /* 0 = not set by the scenario */
    int64_t window_ms;
};

/* Loads fixtures_dir/scenarios/<name>/.  Timestamps are rebased to
 * now_wall_ms.  Returns 0, or -1 with a message naming the file and field
 * in err. */
int scenario_load(const char *fixtures_dir, const char *name, int64_t now_wall_ms,
                  struct ss_scenario **out, char *err, size_t errlen);
void scenario_free(struct ss_scenario *sc);

const char *scenario_name(const struct ss_scenario *sc);
const struct ss_account *scenario_account(const struct ss_scenario *sc);
size_t scenario_user_count(const struct ss_scenario *sc);
const struct ss_user *scenario_user(const struct ss_scenario *sc, size_t i);
const struct ss_user *scenario_user_by_id(const struct ss_scenario *sc, int64_t id);
size_t scenario_group_count(const struct ss_scenario *sc);
const struct ss_group *scenario_group(const struct ss_scenario *sc, size_t i);
/* The groups u (a user of sc) belongs to, as indexes for scenario_group(),
 * in the scenario's group order; *n of them. */
const uint32_t *scenario_user_groups(const struct ss_scenario *sc, const struct ss_user *u,
                                     size_t *n);
size_t scenario_app_count(const struct ss_scenario *sc);
const struct ss_app *scenario_app(const struct ss_scenario *sc, size_t i);
struct ss_consent scenario_consent(const struct ss_scenario *sc);
struct ss_ratelimit_cfg scenario_ratelimit(const struct ss_scenario *sc);
size_t scenario_event_count(const struct ss_scenario *sc);

/* The API vintage the scenario was recorded from (scenario.json
 * "profile"): 2021 (the seed's, the default) or 2026 (Admin Center and
 * authentication events, type-specific additionalDetails, a stream that
 * may still be generating).  docs/fixtures.md. */
int scenario_profile(const struct ss_scenario *sc);
/* The first "stillGenerating" index after `after` (an event index where
 * the stream was still generating when recorded: answers stop there, and
 * a request starting there gets an empty page first), or SIZE_MAX. */
size_t scenario_next_gap(const struct ss_scenario *sc, size_t after);
/* Whether index i is one of the scenario's stillGenerating indexes. */
int scenario_is_gap(const struct ss_scenario *sc, size_t i);

/* Appends live events (a JSON array of Event objects, or one object) at the
 * end of the stream; events without eventTimestamp get now_wall_ms, events
 * without eventId get a fresh one.  Returns the number appended, or -1 with
 * a message in err (nothing is appended then). */
long scenario_append_events(struct ss_scenario *sc, const char *json, size_t len,
                            int64_t now_wall_ms, char *err, size_t errlen);

/* Writes the whole event stream as a JSON array (admin API, conformance
 * cross-checks), with ISO timestamps unless numeric_dates. */
int scenario_events_json(const struct ss_scenario *sc, int numeric_dates, struct buf *out);

/* The stream as stored, for api_events.  Each event is its compact JSON
 * object (not NUL-terminated) whose eventTimestamp value is the quoted ISO
 * time of SS_TS_QLEN bytes at ts_off, so numericDates can splice in
 * milliseconds instead.  Events are oldest first (ts_ms non-decreasing). */
#define SS_TS_QLEN 22
struct ss_event {
    const char *json;
    uint32_t len;
    uint32_t ts_off;
    int64_t ts_ms;
};
/* A recorded page, prebuilt at load: what a client reading from the
 * beginning with maxCount = scenario_page_size() gets, ISO dates. */
struct ss_page {
    size_t start;               /* index of its first event */
    size_t count;
    int more;                   /* its moreAvailable */
    const char *body;           /* the whole response body */
    size_t len;
    const char *gz;             /* gzip of body (NULL if compression failed) */
    size_t gz_len;
};

const struct ss_event *scenario_event(const struct ss_scenario *sc, size_t i);
/* Index of the first event at or after ms (event_count when none). */
size_t scenario_event_at(const struct ss_scenario *sc, int64_t ms);
/* Recorded page size (0 when the scenario has no pages) and the pages. */
size_t scenario_page_size(const struct ss_scenario *sc);
size_t scenario_page_count(const struct ss_scenario *sc);
const struct ss_page *scenario_page(const struct ss_scenario *sc, size_t k);
/* The recorded "now" after rebasing (the load moment) in epoch ms. */
int64_t scenario_now_ms(const struct ss_scenario *sc);
/* Appends ev to out, with an epoch-ms eventTimestamp when numeric_dates. */
int scenario_event_write(const struct ss_event *ev, int numeric_dates, struct buf *out);

#endif
