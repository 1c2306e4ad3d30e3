/* rawhttp.h - raw bytes over TCP, for tests and benchmarks that must send
 * what no HTTP client library sends: two Content-Length headers, headers a
 * byte at a time, connections from a chosen loopback source address.
 *
 * Blocking sockets with explicit time limits; every call is bounded. */
#ifndef KIT_RAWHTTP_H
#define KIT_RAWHTTP_H

#include <stddef.h>

#include "buf.h"

/* Connects to the host and port of base_url ("http://127.0.0.1:PORT"),
 * from source address src (an IPv4 literal such as "127.0.0.2", or NULL for
 * any).  Returns the socket, or -1 (errno set) after timeout_ms or an
 * error. */
int rawhttp_connect(const char *base_url, const char *src, int timeout_ms);

/* Sends all n bytes; 0, or -1 when the peer is gone. */
int rawhttp_send(int fd, const void *p, size_t n);

/* Appends what arrives to out (created by the caller) until the peer
 * closes, out is full, or timeout_ms pass without a byte.  Returns 1 when
 * the peer closed, 0 on the time limit, -1 on a socket error (a reset
 * counts as closed: returns 1). */
int rawhttp_read(int fd, struct buf *out, int timeout_ms);

/* Reads until one whole response (status line, headers and a
 * Content-Length body) is in out, the peer closes, or timeout_ms pass.
 * Returns the status code, 0 when none arrived. */
int rawhttp_read_response(int fd, struct buf *out, int timeout_ms);

/* How many response status lines ("HTTP/1.x NNN") start a line in p. */
size_t rawhttp_count_status(const char *p, size_t n);

#endif
