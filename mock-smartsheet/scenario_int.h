/* scenario_int.h - the scenario's private layout, shared by the two files
 * that build it: scenario.c (scenario.json: account, users, apps, consent)
 * and scenario_events.c (recorded pages, appended events, event checks).
 * Nothing outside those two files includes this. */
#ifndef SS_SCENARIO_INT_H
#define SS_SCENARIO_INT_H

#include <cjson/cJSON.h>

#include "scenario.h"

/* Caps on counts in a scenario (memory and load time). */
#define SC_MAX_USERS     100000u
#define SC_MAX_APPS      100u
#define SC_MAX_PAGES     100000u
#define SC_MAX_EVENTS    20000000u
#define SC_MAX_APPEND    100000u
#define SC_MAX_GROUPS    10000u
#define SC_MAX_MEMBERSHIPS 1000000u   /* group members, all groups together */

struct ss_scenario {
    char *name;
    char *description;
    int64_t recorded_ms;        /* recordedAt as written */
    int64_t shift_ms;           /* added to every recorded time */
    struct ss_account account;
    struct ss_user *users;
    size_t nusers;
    const struct ss_user **users_by_id;   /* users sorted by id */
    struct ss_app *apps;
    size_t napps;
    struct ss_group *groups;
    size_t ngroups;
    size_t *user_group_off;     /* nusers + 1 offsets into user_group_idx */
    uint32_t *user_group_idx;   /* per user (in users[] order), its group indexes */
    struct ss_consent consent;
    struct ss_ratelimit_cfg ratelimit;
    int profile;                /* 2021 or 2026 */
    size_t *gaps;               /* stillGenerating, ascending */
    size_t ngaps;

    struct ss_event *events;
    size_t nevents, events_cap;
    struct ss_page *pages;
    size_t npages, page_size;
    char **chunks;              /* memory of appended events */
    size_t nchunks, chunks_cap;
    uint32_t *idtab;            /* open addressing: event index + 1, 0 empty */
    size_t idtab_cap;
};

/* A required (or optional, when def is given) string field, copied; an
 * ISO-8601 time field.  Errors name file, where (a prefix such as
 * "users[3].") and key. */
int sc_get_str(const cJSON *obj, const char *key, const char *def, char **out,
               const char *file, const char *where, char *err, size_t errlen);
int sc_get_time(const cJSON *obj, const char *key, int64_t *out, const char *file,
                const char *where, char *err, size_t errlen);
/* The optional "groups" array (scenario_groups.c), after the users. */
int sc_load_groups(struct ss_scenario *sc, const cJSON *root, const char *file, char *err,
                   size_t errlen);
void sc_free_groups(struct ss_scenario *sc);

/* Loads the event pages listed in the scenario's "eventPages" array
 * (dir is the scenario folder).  Returns 0 or -1 with err set. */
int sc_load_pages(struct ss_scenario *sc, const char *dir, const cJSON *list,
                  char *err, size_t errlen);
void sc_free_events(struct ss_scenario *sc);
/* Reads a whole file of at most LIM_FIXTURE_FILE bytes; NULL with err set. */
char *sc_read_file(const char *path, size_t *len, char *err, size_t errlen);
/* Integer JSON number within [min, max] (exact in a double). */
int sc_json_int(const cJSON *v, int64_t min, int64_t max, int64_t *out);

#endif
