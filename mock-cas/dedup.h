/* dedup.h - an in-memory index from (instance, Smartsheet eventId) to the
 * stored activity's sequence number.  It answers "already stored?" for
 * every ingested activity and finds activities by id, far cheaper than a
 * SQLite unique index at a million rows.
 *
 * Open addressing with linear probing, grown at half load.  Not
 * thread-safe: the store calls it under its own lock.  Owns copies of the
 * event ids. */
#ifndef CAS_DEDUP_H
#define CAS_DEDUP_H

#include <stddef.h>
#include <stdint.h>

struct dedup_slot {
    uint64_t hash;
    int64_t instance;
    int64_t seq;          /* 0 = empty slot */
    char *event_id;
};

struct dedup {
    struct dedup_slot *slots;
    size_t cap;           /* power of two */
    size_t n;
};

void dedup_init(struct dedup *d);
void dedup_free(struct dedup *d);
/* The seq stored for (instance, event_id), or 0. */
int64_t dedup_find(const struct dedup *d, int64_t instance, const char *event_id);
/* Remembers (instance, event_id) -> seq (> 0); the pair must be new. */
void dedup_put(struct dedup *d, int64_t instance, const char *event_id, int64_t seq);

/* Moves every pair of from into d (from's pairs must be new to d); from
 * is left empty but usable, to be freed with dedup_free. */
void dedup_merge(struct dedup *d, struct dedup *from);

#endif
