/* fault.h - scheduled fault injection shared by both doubles.
 *
 * A rule matches requests by method, path (exact, or prefix when it ends
 * in '*'), token id, a duration-time window, the n-th matching request and
 * a seeded probability; it fires at most `count` times.  What it does is
 * an action the double turns into a response: a service error, a bare HTTP
 * status, a delay, a closed connection, a truncated or malformed body, a
 * slow dribble, an answer with one field left out or changed, or (mock-cas)
 * a batch answer rejecting one activity.  Rules are tried in the order added; the first that fires
 * wins.  Thread-safe. */
#ifndef KIT_FAULT_H
#define KIT_FAULT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct cJSON;

enum fault_action {
    FAULT_ERROR = 1,   /* the service's own error body: error_code (+status) */
    FAULT_STATUS,      /* a bare HTTP status with a non-JSON body (a proxy) */
    FAULT_DELAY,       /* answer normally after delay_ms of duration time */
    FAULT_CLOSE,       /* close the connection without an answer */
    FAULT_TRUNCATE,    /* send half the promised body */
    FAULT_MALFORM,     /* corrupt the body's second half */
    FAULT_DRIBBLE,     /* send the body slowly over delay_ms */
    FAULT_HOLD,        /* keep the request unhandled for delay_ms; dropped if the
                        * client left meanwhile */
    FAULT_EDIT,        /* handle, then leave out or replace one field of the JSON
                        * object answered */
    FAULT_REJECT,      /* mock-cas: handle an activity batch, rejecting its last item */
};

struct fault_fire {
    unsigned rule_id;
    enum fault_action action;
    int error_code;    /* FAULT_ERROR */
    int status;        /* FAULT_ERROR (0 = from the code) or FAULT_STATUS */
    int64_t delay_ms;  /* duration time, for DELAY and DRIBBLE */
    char field[64];    /* FAULT_EDIT: the top-level key to edit */
    char value[256];   /* FAULT_EDIT: its new value as JSON text; "" leaves it out */
};

struct fault_set;

struct fault_set *fault_set_new(void);
void fault_set_free(struct fault_set *fs);
void fault_set_clear(struct fault_set *fs);

/* Adds a rule from a JSON object (see docs/faults.md).  allowed_codes is a
 * 0-terminated list of error codes the double knows; now_ms is the duration
 * time (a `newToken` rule matches tokens issued after it).  Returns the new
 * rule id (> 0), or 0 with a message naming the field in err. */
unsigned fault_add_json(struct fault_set *fs, const struct cJSON *obj,
                        const int *allowed_codes, int64_t now_ms, char *err, size_t errlen);
int fault_remove(struct fault_set *fs, unsigned id);
/* Whether any rule is set (lets callers skip work on the request path). */
int fault_any(struct fault_set *fs);
/* The caller a rule can match on: its token's short id ("" if none) and
 * the duration time that token was issued (-1 unknown). */
struct fault_caller {
    const char *token_id;
    int64_t token_issued_ms;
};
/* Decides whether a fault fires for this request; fills *out and returns 1
 * if so. */
int fault_check(struct fault_set *fs, const char *method, const char *path,
                const struct fault_caller *caller, int64_t now_ms, struct fault_fire *out);
/* Whether some rule needs fault_caller.token_issued_ms (a `newToken` rule),
 * which costs the double a token lookup. */
int fault_wants_token_age(struct fault_set *fs);
/* Appends a JSON array of the rules with their match/fire counters. */
int fault_list_json(struct fault_set *fs, struct buf *out);
const char *fault_action_name(enum fault_action a);

#endif
