/* users.h - the users part of a sync: every page of GET /users delivered
 * to CAS as entities, in batches of up to 1,000. */
#ifndef CONN_USERS_H
#define CONN_USERS_H

#include "ctx.h"

/* Reads every users page (pageSize 100, until totalPages) and delivers
 * them.  Returns CONN_OK or the failure (logged). */
enum conn_rc conn_users_sync(struct conn_ctx *x);

#endif
