/* jarena.c - see jarena.h. */
#include "jarena.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"

#define JARENA_CHUNK (256u * 1024u)
#define JARENA_ALIGN 16u

struct jarena_chunk {
    struct jarena_chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char mem[];
};

static _Thread_local struct jarena *current;
static int installed;

static int owns(const struct jarena *a, const void *p)
{
    const unsigned char *q = p;
    for (const struct jarena_chunk *c = a->head; c; c = c->next)
        if (q >= c->mem && q < c->mem + c->cap)
            return 1;
    return 0;
}

static void *arena_alloc(struct jarena *a, size_t n)
{
    if (n > SIZE_MAX / 4)
        return NULL;
    n = (n + JARENA_ALIGN - 1) & ~(size_t)(JARENA_ALIGN - 1);
    struct jarena_chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > JARENA_CHUNK / 4 ? n : JARENA_CHUNK;
        c = xmalloc(sizeof *c + cap);
        c->used = 0;
        c->cap = cap;
        /* A big block gets its own chunk behind the current one, which
         * keeps its free space. */
        if (a->head && cap != JARENA_CHUNK) {
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    void *p = c->mem + c->used;
    c->used += n;
    return p;
}

static void *hook_malloc(size_t n)
{
    return current ? arena_alloc(current, n) : malloc(n);
}

static void hook_free(void *p)
{
    if (p && current && owns(current, p))
        return;
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

void jarena_use(struct jarena *a)
{
    current = installed ? a : NULL;
}

void jarena_free(struct jarena *a)
{
    while (a->head) {
        struct jarena_chunk *c = a->head;
        a->head = c->next;
        free(c);
    }
}
