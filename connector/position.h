/* position.h - where the event stream continues (position.json in the
 * state folder): the request that starts the current page and how much of
 * that page CAS has already accepted.  See sync.c for how it is used. */
#ifndef CONN_POSITION_H
#define CONN_POSITION_H

#include "ctx.h"
#include "state.h"

struct position {
    char *stream;            /* page start: a stream position (owned), or */
    char since[32];          /* page start: an ISO time ("" when stream is set) */
    long skip;               /* events of that page CAS already accepted */
    char last_id[257];       /* eventId of the last accepted one ("" if skip 0) */
};

/* Loads the saved position; with none, the first run's start: since
 * backfill_days before now.  Returns CONN_OK, or CONN_ERR_OTHER for a
 * corrupt file (logged, naming it). */
enum conn_rc conn_position_load(struct conn_ctx *x, struct position *p);
/* Saves p atomically.  Returns CONN_OK or CONN_ERR_OTHER (logged). */
enum conn_rc conn_position_save(struct conn_ctx *x, const struct position *p);
/* conn_position_save in two steps (see conn_state_stage): the file written
 * and flushed under a temporary name, then put in place. */
enum conn_rc conn_position_stage(struct conn_ctx *x, const struct position *p,
                                 struct conn_state_staged *st);
enum conn_rc conn_position_commit(const struct conn_state_staged *st);
void conn_position_release(struct position *p);

#endif
