/* The JSON arena (jarena.h): alignment, no two live blocks overlapping
 * across chunks, the largest block, refusal at the cap, space reused and
 * freed, ownership of arena and other pointers, and the cJSON hooks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jarena.h"

#define CAP_BYTES ((size_t)JARENA_MAX_CHUNKS * JARENA_CHUNK_BYTES)

/* A reproducible size in 1..max (xorshift). */
static size_t next_size(uint32_t *s, size_t max)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return 1 + *s % max;
}

static void every_block_is_aligned_for_any_type(void **state)
{
    (void)state;
    struct jarena a = {0};
    for (size_t n = 1; n <= 300; n++) {
        void *p = jarena_alloc(&a, n);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % JARENA_ALIGN, 0);
        assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
        memset(p, 0xA5, n);
    }
    jarena_free(&a);
}

struct block {
    unsigned char *p;
    size_t n;
    unsigned char tag;
};

static int by_address(const void *x, const void *y)
{
    const struct block *a = x, *b = y;
    return a->p < b->p ? -1 : a->p > b->p;
}

static void live_blocks_never_overlap(void **state)
{
    (void)state;
    enum { N = 6000 };
    struct block *b = calloc(N, sizeof *b);
    assert_non_null(b);
    struct jarena a = {0};
    uint32_t seed = 2463534242u;
    size_t total = 0;
    for (size_t i = 0; i < N; i++) {
        /* mostly small blocks (1, 2, 3 ... bytes among them), some large
         * ones so that the run spans several chunks */
        b[i].n = i % 100 == 99 ? next_size(&seed, JARENA_MAX_ALLOC) : next_size(&seed, 600);
        if (i < 64)
            b[i].n = i % 17 + 1;
        b[i].p = jarena_alloc(&a, b[i].n);
        assert_non_null(b[i].p);
        assert_true(jarena_owns(&a, b[i].p));
        assert_true(jarena_owns(&a, b[i].p + b[i].n - 1));
        b[i].tag = (unsigned char)(i * 131 + 7);
        memset(b[i].p, b[i].tag, b[i].n);
        total += b[i].n;
    }
    assert_true(a.nchunks >= 3);   /* chunk boundaries were crossed */
    assert_true(total <= CAP_BYTES);
    assert_int_equal(jarena_live(&a), N);
    for (size_t i = 0; i < N; i++)
        for (size_t k = 0; k < b[i].n; k++)
            if (b[i].p[k] != b[i].tag)
                fail_msg("block %zu (%zu bytes) was overwritten at byte %zu", i, b[i].n, k);
    qsort(b, N, sizeof *b, by_address);
    for (size_t i = 0; i + 1 < N; i++)
        if (b[i].p + b[i].n > b[i + 1].p)
            fail_msg("blocks of %zu and %zu bytes overlap", b[i].n, b[i + 1].n);
    jarena_free(&a);
    free(b);
}

static void largest_block_and_out_of_range_sizes(void **state)
{
    (void)state;
    struct jarena a = {0};
    assert_null(jarena_alloc(&a, 0));
    assert_null(jarena_alloc(&a, JARENA_MAX_ALLOC + 1));
    assert_null(jarena_alloc(&a, SIZE_MAX));
    assert_int_equal(jarena_live(&a), 0);
    unsigned char *p = jarena_alloc(&a, JARENA_MAX_ALLOC);
    assert_non_null(p);
    memset(p, 0x5A, JARENA_MAX_ALLOC);
    assert_true(jarena_owns(&a, p + JARENA_MAX_ALLOC - 1));
    unsigned char *q = jarena_alloc(&a, 1);
    assert_non_null(q);
    assert_true(q >= p + JARENA_MAX_ALLOC);
    assert_int_equal(jarena_live(&a), 2);
    jarena_free(&a);
}

static void refuses_past_the_cap(void **state)
{
    (void)state;
    struct jarena a = {0};
    size_t got = 0;
    unsigned char *p;
    while ((p = jarena_alloc(&a, JARENA_MAX_ALLOC)) != NULL) {
        assert_true(got < CAP_BYTES / JARENA_MAX_ALLOC);   /* never past the cap */
        memset(p, (int)got, JARENA_MAX_ALLOC);
        got++;
    }
    /* the whole cap was used, in JARENA_MAX_CHUNKS chunks, and no more */
    assert_int_equal(got, CAP_BYTES / JARENA_MAX_ALLOC);
    assert_int_equal(a.nchunks, JARENA_MAX_CHUNKS);
    assert_null(jarena_alloc(&a, 1));
    assert_null(jarena_alloc(&a, JARENA_MAX_ALLOC));
    assert_int_equal(a.nchunks, JARENA_MAX_CHUNKS);
    assert_int_equal(jarena_live(&a), got);
    /* every block still holds what was written */
    for (unsigned c = 0; c < a.nchunks; c++)
        for (size_t k = 0; k < JARENA_CHUNK_BYTES; k += 4096)
            assert_int_equal((unsigned char)a.chunks[c][k],
                             (unsigned char)(c * (JARENA_CHUNK_BYTES / JARENA_MAX_ALLOC) +
                                             k / JARENA_MAX_ALLOC));
    jarena_free(&a);
}

static void space_is_reused_then_freed(void **state)
{
    (void)state;
    struct jarena a = {0};
    void *first = jarena_alloc(&a, 40);
    assert_non_null(first);
    for (int i = 0; i < 2000; i++)
        assert_non_null(jarena_alloc(&a, 3000));   /* into a second chunk */
    assert_int_equal(a.nchunks, 2);
    /* one block still live: nothing is reused */
    for (int i = 0; i < 2000; i++)
        jarena_give_back(&a);
    assert_int_equal(jarena_live(&a), 1);
    void *more = jarena_alloc(&a, 40);
    assert_ptr_not_equal(more, first);
    jarena_give_back(&a);
    jarena_give_back(&a);
    assert_int_equal(jarena_live(&a), 0);
    /* none live: the space is used again from its start, in the same chunks */
    assert_ptr_equal(jarena_alloc(&a, 40), first);
    assert_int_equal(a.nchunks, 2);
    jarena_free(&a);
    assert_int_equal(a.nchunks, 0);
    assert_int_equal(jarena_live(&a), 0);
    assert_false(jarena_owns(&a, first));
    /* and the arena is usable again */
    assert_non_null(jarena_alloc(&a, 8));
    jarena_free(&a);
}

static void owns_only_its_own_blocks(void **state)
{
    (void)state;
    struct jarena a = {0}, other = {0};
    int on_stack = 0;
    char *heap = malloc(64);
    assert_non_null(heap);
    assert_false(jarena_owns(&a, heap));   /* an empty arena owns nothing */
    char *p = jarena_alloc(&a, 64);
    char *q = jarena_alloc(&other, 64);
    assert_non_null(p);
    assert_non_null(q);
    assert_int_equal(a.nchunks, 1);
    assert_true(jarena_owns(&a, p));
    assert_true(jarena_owns(&a, a.chunks[0]));
    assert_true(jarena_owns(&a, a.chunks[0] + JARENA_CHUNK_BYTES - 1));
    assert_false(jarena_owns(&a, a.chunks[0] + JARENA_CHUNK_BYTES));
    assert_false(jarena_owns(&a, (char *)(uintptr_t)((uintptr_t)a.chunks[0] - 1)));
    assert_false(jarena_owns(&a, heap));
    assert_false(jarena_owns(&a, &on_stack));
    assert_false(jarena_owns(&a, q));
    assert_false(jarena_owns(&other, p));
    assert_false(jarena_owns(&a, NULL));
    free(heap);
    jarena_free(&a);
    jarena_free(&other);
}

/* Counts the nodes of a tree that the arena holds. */
static size_t nodes_in(const struct jarena *a, const cJSON *j, size_t *all)
{
    size_t n = 0;
    for (; j; j = j->next) {
        (*all)++;
        n += (size_t)jarena_owns(a, j);
        n += nodes_in(a, j->child, all);
    }
    return n;
}

static void cjson_hooks_build_trees_in_the_bound_arena(void **state)
{
    (void)state;
    jarena_install();
    assert_true(jarena_installed());
    static const char text[] = "{\"a\":[1,2,3,{\"b\":\"text\"}],\"c\":true,\"d\":null}";
    struct jarena a = {0};

    jarena_use(&a, 1);
    cJSON *j = cJSON_Parse(text);
    jarena_use(&a, 0);
    assert_non_null(j);
    size_t all = 0, held = nodes_in(&a, j, &all);
    assert_true(all >= 9);
    assert_int_equal(held, all);
    assert_true(jarena_live(&a) >= all);
    assert_int_equal(a.spills, 0);
    /* not allocating: malloc'd, and freed with free() though a is bound */
    cJSON *m = cJSON_Parse(text);
    all = 0;
    assert_int_equal(nodes_in(&a, m, &all), 0);
    cJSON_Delete(m);
    cJSON_Delete(j);   /* bound: every node goes back */
    assert_int_equal(jarena_live(&a), 0);

    /* a string past JARENA_MAX_ALLOC comes from malloc and is counted */
    size_t big = JARENA_MAX_ALLOC + 100;
    char *body = malloc(big + 16);
    assert_non_null(body);
    body[0] = '[';
    body[1] = '"';
    memset(body + 2, 'x', big);
    memcpy(body + 2 + big, "\"]", 3);
    jarena_use(&a, 1);
    j = cJSON_Parse(body);
    jarena_use(NULL, 0);
    assert_non_null(j);
    assert_true(a.spills > 0);
    assert_true(jarena_owns(&a, j));
    assert_false(jarena_owns(&a, j->child->valuestring));
    assert_int_equal(strlen(j->child->valuestring), big);
    jarena_use(&a, 0);
    cJSON_Delete(j);
    jarena_use(NULL, 0);
    assert_int_equal(jarena_live(&a), 0);
    free(body);

    /* unbound: plain malloc */
    j = cJSON_Parse(text);
    all = 0;
    assert_int_equal(nodes_in(&a, j, &all), 0);
    cJSON_Delete(j);
    jarena_free(&a);

    /* a thread's own arena */
    struct jarena *mine = jarena_mine();
    assert_non_null(mine);
    assert_ptr_equal(mine, jarena_mine());
    jarena_use(mine, 1);
    j = cJSON_Parse(text);
    jarena_use(mine, 0);
    assert_true(jarena_owns(mine, j));
    cJSON_Delete(j);
    assert_int_equal(jarena_live(mine), 0);
    jarena_use(NULL, 0);
    jarena_free(mine);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_block_is_aligned_for_any_type),
        cmocka_unit_test(live_blocks_never_overlap),
        cmocka_unit_test(largest_block_and_out_of_range_sizes),
        cmocka_unit_test(refuses_past_the_cap),
        cmocka_unit_test(space_is_reused_then_freed),
        cmocka_unit_test(owns_only_its_own_blocks),
        cmocka_unit_test(cjson_hooks_build_trees_in_the_bound_arena),
    };
    return cmocka_run_group_tests_name("jarena", tests, NULL, NULL);
}
