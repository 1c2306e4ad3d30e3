/* store.h - everything mock-cas remembers, in SQLite: instances and their
 * tokens (hashed), activities, entities, status history, OAuth callbacks,
 * validation violations and API tokens.
 *
 * One connection guarded by one mutex; every statement is parameterised.
 * In memory by default, or a file a person can open with sqlite3.  JSON
 * answers are appended to caller-owned buffers. */
#ifndef CAS_STORE_H
#define CAS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "filter.h"
#include "jspan.h"
#include "validate.h"

struct cJSON;
struct store;

#define STORE_APP_ID 11934
#define STORE_TOKEN_HEX 64
#define STORE_TOTAL_CAP 10000   /* list totals are counted up to this */

/* path NULL = in memory.  lazy_indexes: the activity indexes of the filtered
 * query are built by its first use instead of kept from the start (ingestion
 * runs faster, that first query waits for them; see docs/mock-cas.md).
 * Returns NULL with a message in err. */
struct store *store_open(const char *path, int64_t tenant_id, int lazy_indexes, char *err,
                         size_t errlen);
void store_close(struct store *s);
/* Forgets everything (instance numbering restarts at 0). */
int store_reset(struct store *s);
int64_t store_tenant_id(const struct store *s);

/* Creates an instance; writes its id and its token (65 bytes). */
int store_instance_create(struct store *s, const char *name, int64_t *id, char token[65]);
/* 0 when token belongs to instance id; -1 unknown token or instance (401);
 * -2 the token belongs to another instance (403). */
int store_instance_auth(struct store *s, int64_t id, const char *token);
/* Whether token may use the query API: an instance or tenant token, or
 * (bearer) a bearer token bound through the admin API. */
int store_query_token_ok(struct store *s, const char *token, int bearer);
/* Binds token (kept as its SHA-256) as a tenant token, or a bearer token. */
int store_token_bind(struct store *s, const char *name, const char *token, int bearer);
int store_api_token_create(struct store *s, const char *name, char token[65]);
/* [{"instanceId",...,"accepted","duplicates","rejected","status"}...] */
int store_instances_json(struct store *s, struct buf *out);
/* One instance with counters and latest status; -1 if unknown. */
int store_instance_json(struct store *s, int64_t id, struct buf *out);

/* What one valid activity contributes to its row; filled without the
 * store lock (any thread).  The strings are borrowed from the activity's
 * parsed tree, which must outlive store_commit; json is owned. */
struct ingest_row {
    char *json;                      /* the stored record */
    int64_t ts, service, source;
    const char *user, *etn, *etv, *ip, *desc;
};

/* Prepares the row of a valid activity (v->n == 0) delivered at now.
 * span (may be NULL) is the item's bytes in the request: the stored record
 * reuses them rather than re-printing act. */
void store_prepare(struct store *s, int64_t instance, int64_t now, struct cJSON *act,
                   const struct verdict *v, const struct jspan *span, struct ingest_row *row);
/* Stores one judged batch: violations for rejected items, rows for new
 * valid ones, duplicates counted.  Frees the rows' json.  Appends the
 * ingestion answer to out. */
int store_commit(struct store *s, int64_t instance, int64_t now, const struct verdict *verdicts,
                 struct ingest_row *rows, size_t n, struct buf *out);
/* store_prepare for every valid item, then store_commit. */
int store_ingest(struct store *s, int64_t instance, struct cJSON *const *acts,
                 const struct verdict *verdicts, const struct jspan *spans, size_t n,
                 struct buf *out);
/* Upserts entities (already checked); results appended to out. */
int store_entities_upsert(struct store *s, int64_t instance, const struct cJSON *list,
                          struct buf *out);
int store_status_add(struct store *s, int64_t instance, const char *status, const char *stage,
                     const char *message);
int store_statuses_json(struct store *s, int64_t instance, struct buf *out);

struct callback_rec {
    const char *code, *state, *error, *error_description, *raw_query;
    int missing_state, code_and_error, malformed;
};
int store_callback_add(struct store *s, const struct callback_rec *c);
int store_callbacks_json(struct store *s, int64_t after, struct buf *out);

/* rule / instance filters: NULL / 0 = any. */
int store_violations_json(struct store *s, const char *rule, int64_t instance, int64_t after,
                          int64_t limit, struct buf *out);

/* The CAS list envelope for a parsed query. */
int store_query_activities(struct store *s, const struct act_query *q, struct buf *out);
/* The storage seq of the activity with this _id, or 0 (an act_query
 * id resolver; ctx is the store). */
int64_t store_resolve_activity_id(void *ctx, const char *id);
/* One activity by _id; -1 when none. */
int store_activity_json(struct store *s, const char *id, struct buf *out);
/* Entities (instance 0 = all) as a CAS list envelope (skip/limit). */
int store_entities_json(struct store *s, int64_t instance, int64_t skip, int64_t limit,
                        struct buf *out);
/* Raw stored activities of one instance, oldest first. */
int store_instance_activities_json(struct store *s, int64_t instance, int64_t skip,
                                   int64_t limit, struct buf *out);
int store_stats_json(struct store *s, struct buf *out);

#endif
