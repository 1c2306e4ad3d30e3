/* jarena.c - see jarena.h. */
#include "jarena.h"

#include <stdint.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

int jarena_owns(const struct jarena *a, const void *p)
{
    uintptr_t u = (uintptr_t)p;
    for (unsigned i = 0; i < a->nchunks; i++) {
        uintptr_t c = (uintptr_t)a->chunks[i];
        if (u >= c && u < c + JARENA_CHUNK_BYTES)
            return 1;
    }
    return 0;
}

void *jarena_alloc(struct jarena *a, size_t n)
{
    if (n == 0 || n > JARENA_MAX_ALLOC)
        return NULL;
    size_t need = (n + JARENA_ALIGN - 1) & ~(size_t)(JARENA_ALIGN - 1);
    if (a->nchunks && a->off + need > JARENA_CHUNK_BYTES) {
        if (a->cur + 1 >= JARENA_MAX_CHUNKS)
            return NULL;
        a->cur++;
        a->off = 0;
    }
    if (a->cur >= a->nchunks) {        /* chunks are added in order */
        char *c = aligned_alloc(JARENA_ALIGN, JARENA_CHUNK_BYTES);
        if (!c)
            return NULL;
        a->chunks[a->nchunks++] = c;
    }
    void *p = a->chunks[a->cur] + a->off;
    a->off += need;
    a->live++;
    return p;
}

void jarena_give_back(struct jarena *a)
{
    if (a->live && --a->live == 0) {
        a->cur = 0;
        a->off = 0;
    }
}

size_t jarena_live(const struct jarena *a)
{
    return a->live;
}

void jarena_free(struct jarena *a)
{
    for (unsigned i = 0; i < a->nchunks; i++)
        free(a->chunks[i]);
    a->nchunks = 0;
    a->cur = 0;
    a->off = 0;
    a->live = 0;
    a->spills = 0;
}

/* ---- cJSON hooks ---------------------------------------------------------- */

static _Thread_local struct jarena mine;
static _Thread_local struct jarena *bound;
static _Thread_local int allocating;
static int installed;

struct jarena *jarena_mine(void)
{
    return &mine;
}

static void *hook_malloc(size_t n)
{
    struct jarena *a = bound;
    if (!a || !allocating)
        return malloc(n);
    void *p = jarena_alloc(a, n);
    if (!p) {
        a->spills++;
        p = malloc(n);
    }
    return p;
}

static void hook_free(void *p)
{
    struct jarena *a = bound;
    if (!p)
        return;
    if (a && a->nchunks && jarena_owns(a, p))
        jarena_give_back(a);
    else
        free(p);
}

void jarena_install(void)
{
    cJSON_Hooks h = {hook_malloc, hook_free};
    cJSON_InitHooks(&h);
    installed = 1;
}

int jarena_installed(void)
{
    return installed;
}

void jarena_use(struct jarena *a, int allocate)
{
    bound = installed ? a : NULL;
    allocating = bound && allocate;
}
