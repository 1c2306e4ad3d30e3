/* jarena.h - a bump allocator behind cJSON while one thread parses a batch
 * of activities: the trees are dropped all at once with the arena, not
 * node by node (a quarter of ingestion's CPU went to malloc and free).
 *
 * jarena_install() once at start-up, before any thread; it routes cJSON's
 * allocations here.  Elsewhere cJSON keeps using malloc/free unchanged. */
#ifndef CAS_JARENA_H
#define CAS_JARENA_H

#include <stddef.h>

struct jarena_chunk;
struct jarena {
    struct jarena_chunk *head;   /* newest first; owned */
};

/* Installs the cJSON hooks.  Call once, before threads start. */
void jarena_install(void);
/* Whether jarena_install ran: only then do trees built under jarena_use
 * live in the arena (and must not be cJSON_Delete'd after jarena_free). */
int jarena_installed(void);
/* Makes a (NULL: none) the calling thread's arena for cJSON allocations;
 * frees of arena blocks are ignored while it is current. */
void jarena_use(struct jarena *a);
/* Frees every block of a; a is empty afterwards and reusable. */
void jarena_free(struct jarena *a);

#endif
