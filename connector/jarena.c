#include "jarena.h"

#include <stdint.h>
#include <stdlib.h>

#include <cjson/cJSON.h>


#define CHUNK_BYTES (4u << 20)
#define MAX_CHUNKS 16            /* 64 MiB: a 10,000-event page needs about 25 */
#define ALIGN 16u

struct arena {
    char *chunks[MAX_CHUNKS];
    unsigned nchunks;            /* allocated */
    unsigned cur;                /* chunk being filled */
    size_t off;                  /* used bytes of chunks[cur] */
    size_t live;                 /* arena allocations not yet freed */
    int active;
};

static _Thread_local struct arena tl;

static int in_arena(const struct arena *a, const void *p)
{
    uintptr_t u = (uintptr_t)p;
    for (unsigned i = 0; i < a->nchunks; i++) {
        uintptr_t c = (uintptr_t)a->chunks[i];
        if (u >= c && u < c + CHUNK_BYTES)
            return 1;
    }
    return 0;
}

static void *arena_malloc(size_t n)
{
    struct arena *a = &tl;
    if (!a->active || n == 0 || n > CHUNK_BYTES / 4)
        return malloc(n);
    size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (a->nchunks && a->off + need > CHUNK_BYTES) {
        if (a->cur + 1 >= MAX_CHUNKS)
            return malloc(n);
        a->cur++;
        a->off = 0;
    }
    if (a->cur >= a->nchunks) {        /* chunks are added in order */
        char *c = malloc(CHUNK_BYTES);
        if (!c)
            return malloc(n);
        a->chunks[a->nchunks++] = c;
    }
    void *p = a->chunks[a->cur] + a->off;
    a->off += need;
    a->live++;
    return p;
}

static void arena_free(void *p)
{
    struct arena *a = &tl;
    if (!p)
        return;
    if (!a->nchunks || !in_arena(a, p)) {
        free(p);
        return;
    }
    if (--a->live == 0) {
        a->cur = 0;
        a->off = 0;
    }
}

void conn_jarena_install(void)
{
    cJSON_Hooks h = {arena_malloc, arena_free};
    cJSON_InitHooks(&h);
}

void conn_jarena_begin(void)
{
    tl.active = 1;
}

void conn_jarena_end(void)
{
    tl.active = 0;
}

void conn_jarena_release(void)
{
    if (tl.live)
        return;
    for (unsigned i = 0; i < tl.nchunks; i++)
        free(tl.chunks[i]);
    tl.nchunks = 0;
    tl.cur = 0;
    tl.off = 0;
}
