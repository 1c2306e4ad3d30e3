/* dedup.c - see dedup.h. */
#include "dedup.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define DEDUP_MIN_CAP 1024

static uint64_t hash_of(int64_t instance, const char *s)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)instance;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

void dedup_init(struct dedup *d)
{
    d->cap = DEDUP_MIN_CAP;
    d->n = 0;
    d->slots = xcalloc(d->cap, sizeof *d->slots);
}

void dedup_free(struct dedup *d)
{
    for (size_t i = 0; i < d->cap; i++)
        free(d->slots[i].event_id);
    free(d->slots);
    memset(d, 0, sizeof *d);
}

int64_t dedup_find(const struct dedup *d, int64_t instance, const char *event_id)
{
    uint64_t h = hash_of(instance, event_id);
    for (size_t i = h & (d->cap - 1), k = 0; k < d->cap; i = (i + 1) & (d->cap - 1), k++) {
        const struct dedup_slot *s = &d->slots[i];
        if (!s->seq)
            return 0;
        if (s->hash == h && s->instance == instance && !strcmp(s->event_id, event_id))
            return s->seq;
    }
    return 0;
}

static void place(struct dedup_slot *slots, size_t cap, struct dedup_slot item)
{
    size_t i = item.hash & (cap - 1);
    while (slots[i].seq)
        i = (i + 1) & (cap - 1);
    slots[i] = item;
}

static void grow_for(struct dedup *d, size_t more)
{
    size_t cap = d->cap;
    while ((d->n + more) * 2 > cap)
        cap *= 2;
    if (cap != d->cap) {
        struct dedup_slot *slots = xcalloc(cap, sizeof *slots);
        for (size_t i = 0; i < d->cap; i++)
            if (d->slots[i].seq)
                place(slots, cap, d->slots[i]);
        free(d->slots);
        d->slots = slots;
        d->cap = cap;
    }
}

void dedup_put(struct dedup *d, int64_t instance, const char *event_id, int64_t seq)
{
    grow_for(d, 1);
    struct dedup_slot item = {hash_of(instance, event_id), instance, seq, xstrdup(event_id)};
    place(d->slots, d->cap, item);
    d->n++;
}

void dedup_merge(struct dedup *d, struct dedup *from)
{
    grow_for(d, from->n);
    for (size_t i = 0; i < from->cap; i++) {
        if (!from->slots[i].seq)
            continue;
        place(d->slots, d->cap, from->slots[i]);
        d->n++;
        from->slots[i] = (struct dedup_slot){0};
    }
    from->n = 0;
}
