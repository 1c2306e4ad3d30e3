/* connguard.h - who may open a connection to a double, and how long a
 * connection may take to send its request (issue #13, item 3).
 *
 * The policy, on real time (not duration time):
 *   - at most max_conns connections in all;
 *   - at most per_client of them from one client address;
 *   - the last reserve slots only for addresses holding fewer than
 *     reserve_share connections, so a new client gets in while a few
 *     addresses hold nearly everything;
 *   - a connection must deliver a whole request (line, headers, body)
 *     within request_timeout_ms of being opened or of its previous answer,
 *     else it is closed: slowloris senders and idle keep-alive connections
 *     alike.
 * The server asks connguard_admit() before accepting, registers each
 * connection, marks it busy while a request is handled, and calls
 * connguard_reap() periodically.  Thread-safe (one mutex, not taken on the
 * request path: deadlines are atomics). */
#ifndef KIT_CONNGUARD_H
#define KIT_CONNGUARD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct connguard_limits {
    unsigned max_conns;
    unsigned per_client;
    unsigned reserve;
    unsigned reserve_share;
    int64_t request_timeout_ms;
};

struct connguard;
struct cg_conn;

/* A guard with these limits (copied).  Never fails (dies on OOM). */
struct connguard *connguard_new(const struct connguard_limits *l);
/* Frees the guard; every connection must have been closed. */
void connguard_free(struct connguard *g);

/* Whether a connection from sa may be accepted now: 1 yes, 0 no. */
int connguard_admit(struct connguard *g, const struct sockaddr *sa, socklen_t len);
/* Registers an accepted connection on socket fd, waiting for its first
 * request from now_ms.  Returns its handle (owned by the guard until
 * connguard_close). */
struct cg_conn *connguard_open(struct connguard *g, const struct sockaddr *sa, socklen_t len,
                               int fd, int64_t now_ms);
/* Forgets c; call before the socket is closed. */
void connguard_close(struct connguard *g, struct cg_conn *c);
/* The connection's request is complete and being handled: no deadline. */
void connguard_busy(struct cg_conn *c);
/* The connection waits for its next request from now_ms. */
void connguard_waiting(struct connguard *g, struct cg_conn *c, int64_t now_ms);

/* Calls expire(fd, cls) for every connection whose deadline passed by
 * now_ms (with the guard's lock held: the socket is still open), and gives
 * it no further deadline.  Returns how many expired. */
size_t connguard_reap(struct connguard *g, int64_t now_ms, void (*expire)(int fd, void *cls),
                      void *cls);

/* Open connections in all, and from the address of sa. */
size_t connguard_count(struct connguard *g, const struct sockaddr *sa, socklen_t len,
                       size_t *from_addr);

#endif
