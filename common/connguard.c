/* connguard.c - see connguard.h. */
#include "connguard.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define CG_BUCKETS 1024u

struct addr_key {
    unsigned char b[16];     /* IPv4 in the first 4 bytes (mapped v6 too) */
    unsigned char v6;
};

struct cg_addr {
    struct addr_key key;
    size_t count;
    struct cg_addr *next;
};

struct cg_conn {
    struct cg_conn *prev, *next;
    struct cg_addr *addr;
    int fd;
    _Atomic int64_t deadline;   /* 0: busy, no deadline */
};

struct connguard {
    struct connguard_limits lim;
    pthread_mutex_t lock;
    size_t total;
    struct cg_conn *conns;
    struct cg_addr *buckets[CG_BUCKETS];
};

static void key_of(const struct sockaddr *sa, socklen_t len, struct addr_key *k)
{
    memset(k, 0, sizeof *k);
    if (sa && sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        memcpy(k->b, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
    } else if (sa && sa->sa_family == AF_INET6 &&
               len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a)) {
            memcpy(k->b, a->s6_addr + 12, 4);
        } else {
            memcpy(k->b, a->s6_addr, 16);
            k->v6 = 1;
        }
    }
}

static size_t bucket_of(const struct addr_key *k)
{
    uint64_t h = 1469598103934665603ULL ^ k->v6;
    for (size_t i = 0; i < sizeof k->b; i++) {
        h ^= k->b[i];
        h *= 1099511628211ULL;
    }
    return (size_t)(h ^ (h >> 32)) & (CG_BUCKETS - 1);
}

/* The address's entry, or NULL.  Lock held. */
static struct cg_addr *find(struct connguard *g, const struct addr_key *k)
{
    for (struct cg_addr *a = g->buckets[bucket_of(k)]; a; a = a->next)
        if (!memcmp(&a->key, k, sizeof *k))
            return a;
    return NULL;
}

struct connguard *connguard_new(const struct connguard_limits *l)
{
    struct connguard *g = xcalloc(1, sizeof *g);
    g->lim = *l;
    pthread_mutex_init(&g->lock, NULL);
    return g;
}

void connguard_free(struct connguard *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < CG_BUCKETS; i++)
        while (g->buckets[i]) {
            struct cg_addr *a = g->buckets[i];
            g->buckets[i] = a->next;
            free(a);
        }
    while (g->conns) {
        struct cg_conn *c = g->conns;
        g->conns = c->next;
        free(c);
    }
    pthread_mutex_destroy(&g->lock);
    free(g);
}

int connguard_admit(struct connguard *g, const struct sockaddr *sa, socklen_t len)
{
    struct addr_key k;
    key_of(sa, len, &k);
    pthread_mutex_lock(&g->lock);
    const struct cg_addr *a = find(g, &k);
    size_t mine = a ? a->count : 0, total = g->total;
    pthread_mutex_unlock(&g->lock);
    const struct connguard_limits *l = &g->lim;
    if (total >= l->max_conns || mine >= l->per_client)
        return 0;
    if (total + l->reserve >= l->max_conns && mine >= l->reserve_share)
        return 0;
    return 1;
}

struct cg_conn *connguard_open(struct connguard *g, const struct sockaddr *sa, socklen_t len,
                               int fd, int64_t now_ms)
{
    struct addr_key k;
    key_of(sa, len, &k);
    struct cg_conn *c = xcalloc(1, sizeof *c);
    c->fd = fd;
    atomic_store(&c->deadline, now_ms + g->lim.request_timeout_ms);
    pthread_mutex_lock(&g->lock);
    struct cg_addr *a = find(g, &k);
    if (!a) {
        a = xcalloc(1, sizeof *a);
        a->key = k;
        size_t b = bucket_of(&k);
        a->next = g->buckets[b];
        g->buckets[b] = a;
    }
    a->count++;
    c->addr = a;
    c->next = g->conns;
    if (g->conns)
        g->conns->prev = c;
    g->conns = c;
    g->total++;
    pthread_mutex_unlock(&g->lock);
    return c;
}

void connguard_close(struct connguard *g, struct cg_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&g->lock);
    if (c->prev)
        c->prev->next = c->next;
    else
        g->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    g->total--;
    struct cg_addr *a = c->addr;
    if (--a->count == 0) {
        struct cg_addr **pp = &g->buckets[bucket_of(&a->key)];
        while (*pp != a)
            pp = &(*pp)->next;
        *pp = a->next;
        free(a);
    }
    pthread_mutex_unlock(&g->lock);
    free(c);
}

void connguard_busy(struct cg_conn *c)
{
    if (c)
        atomic_store_explicit(&c->deadline, 0, memory_order_relaxed);
}

void connguard_waiting(struct connguard *g, struct cg_conn *c, int64_t now_ms)
{
    if (c)
        atomic_store_explicit(&c->deadline, now_ms + g->lim.request_timeout_ms,
                              memory_order_relaxed);
}

size_t connguard_reap(struct connguard *g, int64_t now_ms, void (*expire)(int fd, void *cls),
                      void *cls)
{
    size_t n = 0;
    pthread_mutex_lock(&g->lock);
    for (struct cg_conn *c = g->conns; c; c = c->next) {
        int64_t d = atomic_load_explicit(&c->deadline, memory_order_relaxed);
        if (d && d <= now_ms) {
            atomic_store_explicit(&c->deadline, 0, memory_order_relaxed);
            expire(c->fd, cls);
            n++;
        }
    }
    pthread_mutex_unlock(&g->lock);
    return n;
}

size_t connguard_count(struct connguard *g, const struct sockaddr *sa, socklen_t len,
                       size_t *from_addr)
{
    struct addr_key k;
    key_of(sa, len, &k);
    pthread_mutex_lock(&g->lock);
    const struct cg_addr *a = find(g, &k);
    size_t total = g->total;
    if (from_addr)
        *from_addr = a ? a->count : 0;
    pthread_mutex_unlock(&g->lock);
    return total;
}
