/* jarena.h - a capped bump arena, and cJSON allocation hooks that build
 * trees in it: a page of 10,000 events is some 300,000 small allocations,
 * which cost malloc and free more than the parse itself.  The connector parses
 * Smartsheet pages into its thread's arena and frees them node by node (the
 * space is reused once nothing in it is live); mock-cas parses each slice of
 * a batch into an arena of its own and drops the trees whole with it.
 *
 * Ownership: the caller owns a struct jarena (zeroed is empty and ready; or
 * jarena_mine(), one per thread) and every chunk in it, until jarena_free.
 * A block from jarena_alloc belongs to its arena: never pass it to free().
 * A cJSON tree built while an arena is bound with allocate set may mix arena
 * blocks and malloc'd ones (past the cap); cJSON_Delete sorts them out, but
 * only on a thread where that arena is bound (jarena_use). */
#ifndef KIT_JARENA_H
#define KIT_JARENA_H

#include <stddef.h>

#define JARENA_CHUNK_BYTES ((size_t)4 << 20)
#define JARENA_MAX_CHUNKS 16                        /* cap: 64 MiB an arena */
#define JARENA_MAX_ALLOC (JARENA_CHUNK_BYTES / 4)   /* larger blocks: NULL */
#define JARENA_ALIGN 16u                            /* every block's alignment */

struct jarena {
    char *chunks[JARENA_MAX_CHUNKS];   /* owned; chunks[0..nchunks) */
    unsigned nchunks;
    unsigned cur;                      /* chunk being filled */
    size_t off;                        /* bytes used in chunks[cur] */
    size_t live;                       /* blocks handed out and not given back */
    size_t spills;                     /* hook allocations that went to malloc */
};

/* n bytes (1 .. JARENA_MAX_ALLOC) aligned to JARENA_ALIGN, or NULL when n
 * is out of range, the arena is at its cap, or a chunk cannot be had. */
void *jarena_alloc(struct jarena *a, size_t n);
/* Whether p points into one of a's chunks. */
int jarena_owns(const struct jarena *a, const void *p);
/* One block of a is no longer used; when none is live, a's space is
 * reused from its start (its chunks are kept). */
void jarena_give_back(struct jarena *a);
/* Blocks of a handed out and not given back. */
size_t jarena_live(const struct jarena *a);
/* Frees a's chunks: every block of a is gone.  a is empty and reusable. */
void jarena_free(struct jarena *a);

/* The calling thread's own arena (for callers that need only one). */
struct jarena *jarena_mine(void);

/* Installs the cJSON hooks; call once, before any cJSON use or thread.
 * Until then, and on a thread with no arena bound, cJSON uses malloc. */
void jarena_install(void);
int jarena_installed(void);
/* Binds a (NULL: none) to the calling thread: cJSON frees of a's blocks go
 * back to it, and while allocate is set cJSON allocates from it (from
 * malloc when a refuses, counted in a->spills).  A no-op before
 * jarena_install. */
void jarena_use(struct jarena *a, int allocate);

#endif
