/* sender.h - delivers activity batches to CAS from a background thread
 * (a "lane" with its own connection) while the caller reads and maps the
 * next events, and saves the stream position that follows a batch
 * only once CAS accepted that batch and every earlier one, in order.
 * The sender owns its slots (batch buffers and positions) and threads. */
#ifndef CONN_SENDER_H
#define CONN_SENDER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ctx.h"
#include "position.h"

struct conn_sender;

/* Starts the delivery thread with its own CAS connection.  Returns NULL
 * (logged) when the thread or connection cannot start. */
struct conn_sender *conn_sender_start(struct conn_ctx *x);

/* The buffer for the next batch, empty, waiting while every slot is
 * taken.  Returns NULL once a batch failed or a stop was requested (see
 * conn_sender_finish for why).  The caller fills it and calls submit. */
struct buf *conn_sender_slot(struct conn_sender *s);
/* Queues the slot's batch of count activities (count 0: no request, only
 * the position); after, when not NULL, is saved once it and all earlier
 * batches are accepted (copied). */
void conn_sender_submit(struct conn_sender *s, size_t count, const struct position *after);

/* Waits until every queued batch is accepted and its position saved, or
 * one failed.  Returns CONN_OK or the first failure in order
 * (CONN_ERR_TRANSIENT also when a stop was requested before a batch
 * started).  The sender stays usable only after CONN_OK. */
enum conn_rc conn_sender_finish(struct conn_sender *s);
/* Activities accepted so far (position saved). */
uint64_t conn_sender_delivered(struct conn_sender *s);
/* Ends the thread (after finish) and frees everything; adds the lane's
 * CAS request counts and waits to x's; *blocked_ms gets the real ms the
 * caller spent waiting for a free slot, *save_ms those spent saving
 * positions (either may be NULL). */
void conn_sender_stop(struct conn_sender *s, int64_t *blocked_ms, int64_t *save_ms);

#endif
