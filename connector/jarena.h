/* jarena.h - cJSON allocation hooks that put the trees parsed between
 * begin and end on one thread into that thread's reusable arena: a page of
 * 10,000 events is some 300,000 small allocations, which cost malloc and
 * free more than the parse itself.  The arena's memory is reused once every
 * node from it has been freed; it is capped, and past the cap (or outside
 * begin/end, or on other threads) cJSON allocates with malloc as usual. */
#ifndef CONN_JARENA_H
#define CONN_JARENA_H

/* Installs the hooks; call once, before any cJSON use or thread. */
void conn_jarena_install(void);
/* This thread's cJSON allocations come from its arena until end. */
void conn_jarena_begin(void);
void conn_jarena_end(void);
/* Frees this thread's arena if none of its nodes is still alive. */
void conn_jarena_release(void);

#endif
