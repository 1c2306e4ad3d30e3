/* filter.h - CAS list-request parameters (filters, skip, limit, sort) turned
 * into a parameterised SQL condition over the activities table.
 *
 * The condition text is built only from fixed fragments; every value from
 * the request travels as a bound parameter.  The query owns its copies of
 * string values.  Bad input yields the CAS validation-error body. */
#ifndef CAS_FILTER_H
#define CAS_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct cJSON;

#define FILTER_MAX_BINDS 512
#define FILTER_MAX_VALUES 100     /* values in one eq/neq/contains/range list */
#define QUERY_DEFAULT_LIMIT 100
#define QUERY_MAX_LIMIT 100
/* Scan mode (isScan): limit 500 to 5000, default 500 (CAS's docs). */
#define SCAN_MIN_LIMIT 500
#define SCAN_MAX_LIMIT 5000
#define QUERY_MAX_SKIP 10000000

/* Maps an activity _id to its storage seq (0 = none), for activity.id. */
typedef int64_t (*act_id_resolver)(void *ctx, const char *id);

struct sql_bind {
    int is_text;
    int64_t i;
    char *s;                  /* owned */
};

struct act_query {
    struct buf where;         /* "1 AND ..." */
    struct sql_bind binds[FILTER_MAX_BINDS];
    size_t nb;
    int64_t skip, limit;
    int sort_created;         /* sortField "created" (else "date") */
    int desc;                 /* sortDirection "desc" (the default) */
    int scan;                 /* isScan: newest first by date, cut at a timestamp */
    int overflow;             /* more values than FILTER_MAX_BINDS */
    act_id_resolver resolve;  /* set by act_query_parse */
    void *resolve_ctx;
};

void act_query_init(struct act_query *q);
void act_query_free(struct act_query *q);

/* Reads {filters, skip, limit, sortField, sortDirection} from params (a
 * JSON object; NULL = defaults).  now_ms is calendar time for *_ndays.
 * Returns 0, or -1 with the CAS error body in err_json (answer 400). */
int act_query_parse(struct act_query *q, const struct cJSON *params, int64_t now_ms,
                    act_id_resolver resolve, void *resolve_ctx, struct buf *err_json);

/* Appends the CAS validation-error body for key ("filters", "limit", ...)
 * with message and the offending value text. */
void filter_error_json(struct buf *out, const char *key, const char *message, const char *value);

#endif
