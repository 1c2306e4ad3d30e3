/* store_int.h - what the store's source files share: the store itself and
 * small SQLite helpers.  Private to store*.c; everyone else uses store.h. */
#ifndef CAS_STORE_INT_H
#define CAS_STORE_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "dedup.h"
#include "store.h"

struct store {
    sqlite3 *db;
    pthread_mutex_t lock;
    int64_t tenant_id;
    int64_t batches;
    struct dedup dd;      /* (instance, eventId) -> seq; stands in for a unique index */
    int indexed;          /* the activity indexes exist (store_ensure_indexes) */
};

/* Builds the indexes of the filtered activities query if they are not
 * there yet.  Call with the lock held. */
void store_ensure_indexes(struct store *s);

/* Prepares sql on the store's connection; NULL (and a message on stderr)
 * on failure.  Call with the lock held. */
sqlite3_stmt *store_prep(struct store *s, const char *sql);
/* Appends column c as a JSON string, or null. */
void store_col_str(struct buf *out, sqlite3_stmt *st, int c);
/* Binds v as text (copied), or NULL. */
void store_bind_str(sqlite3_stmt *st, int i, const char *v);

#endif
