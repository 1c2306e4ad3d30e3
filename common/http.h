/* http.h - the HTTP server plumbing both doubles stand on (libmicrohttpd).
 *
 * A double gives one handler.  The server calls it once per request, after
 * the whole body has arrived (queueing earlier makes libmicrohttpd close
 * keep-alive connections), with a read-only view of the request; the
 * handler fills a response, or asks for the request to be held first
 * (resp.hold_ms).  The server then applies any transport fault
 * the handler asked for (delay, closed connection, truncated or malformed
 * body, slow dribble), gzips when the client accepts it, and calls the
 * optional completion hook (used for the journal).
 *
 * All libmicrohttpd calls in the kit are in http.c.  Handlers run on the
 * server's worker threads, concurrently: the double guards its own state. */
#ifndef KIT_HTTP_H
#define KIT_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "connguard.h"
#include "kit_limits.h"

struct http_server;

struct http_req {
    const char *method;       /* "GET", "POST", ... */
    const char *path;         /* raw path, without the query ("/2.0/events") */
    const char *query;        /* raw query string without '?', "" if none */
    const char *body;         /* NUL-terminated; "" if none */
    size_t body_len;
    int body_too_large;       /* the body passed LIM_REQUEST_BODY and was dropped */
    int peer_loopback;        /* the peer is 127.0.0.0/8 or ::1 */
    int64_t real_ms;          /* wall-clock arrival time (epoch ms) */
    int64_t dur_ms;           /* duration-clock arrival time */
    uint64_t seq;             /* 1, 2, 3 ... per server */
    int held;                 /* handled after a hold (resp.hold_ms): faults are not
                               * tried again */
    void *conn;               /* private: the libmicrohttpd connection */
    /* The handler's slot on this request's connection, kept across its
     * keep-alive requests and freed with http_config.conn_data_free when the
     * connection closes; NULL when the server keeps none (or in tests). */
    void **conn_data;
    const void *headers;      /* private: the request's headers, read once */
    /* Unit tests build requests without a connection: when conn is NULL,
     * http_header looks names up in this NULL-ended "Name: value" list. */
    const char *const *test_headers;
};

/* Returns the value of request header name (case-insensitive), or NULL. */
const char *http_header(const struct http_req *req, const char *name);
/* Looks name up in the query string, decoded into out.  1 found, 0 absent,
 * -1 malformed or longer than cap-1. */
int http_query(const struct http_req *req, const char *name, char *out, size_t cap);
/* Whether the query string has name at all (with or without a value). */
int http_query_has(const struct http_req *req, const char *name);

enum http_transport {
    HTTP_SEND = 0,        /* send the response normally */
    HTTP_CLOSE,           /* close the connection without answering */
    HTTP_TRUNCATE,        /* promise the full length, send half, close */
    HTTP_MALFORM,         /* replace the body's second half with garbage */
    HTTP_DRIBBLE,         /* send the body in small pieces over delay_ms */
};

struct http_resp {
    int status;                    /* 0 means "not handled": answered 404 */
    const char *content_type;      /* static string; NULL for none */
    const char *body;              /* response bytes */
    size_t len;
    int body_owned;                /* 1: the server frees body with free() */
    const char *gz_body;           /* optional precompressed body (borrowed, */
    size_t gz_len;                 /*   like a static body) */
    /* For borrowed (static) bodies: called once the server no longer needs
     * body and gz_body (sent, copied or dropped), so the owner can keep
     * them alive exactly that long.  NULL when they outlive the server. */
    void (*body_release)(void *cls);
    void *body_release_cls;
    int gzip_ok;                   /* compress on the fly when accepted */
    /* Extra headers, set with http_resp_header: offsets into header_text
     * (offsets, not pointers, so a response can be copied). */
    size_t nheaders;
    struct { uint16_t name, value; } headers[LIM_RESP_HEADERS];
    size_t header_used;

    enum http_transport transport;
    int64_t delay_ms;              /* real ms before answering (or dribbling) */
    /* Real ms to keep the request unhandled: the handler returns at once and
     * is called again afterwards with req->held set, unless the client has
     * closed its connection meanwhile (then the request is dropped unhandled
     * and the completion hook sees transport HTTP_CLOSE, note "held; client
     * gone").  A fault "hold": a service that has not yet taken the request. */
    int64_t hold_ms;
    /* A fault "omit": the top-level member of that name is dropped from a
     * JSON object answer before it is sent ("" none). */
    char omit[64];

    /* Annotations for the completion hook (journal); not sent. */
    int error_code;                /* service error code, 0 if none */
    char token_id[9];              /* short id of the caller's token, "" if none */
    char note[64];                 /* e.g. the fault applied, "" if none */
    const char *auth_scheme;       /* static: how the caller authenticated, NULL unknown */

    /* Last, so a new response need not clear it (only header_used bytes
     * are ever read). */
    char header_text[2560];

    /* Private, kept from one request to the next on a worker thread: the
     * body buffer of an earlier response, for http_resp_buf. */
    char *spare;
    size_t spare_cap;
};

/* Starts b (cap max, with reserve bytes free) on the body buffer an earlier
 * response on this thread left behind when it is big enough, else as
 * buf_init and buf_reserve do; returns like buf_reserve.  Finish with
 * http_resp_take as usual.  Saves allocating and freeing a body of some
 * KiB on every request. */
int http_resp_buf(struct http_resp *resp, struct buf *b, size_t max, size_t reserve);

/* Sets body to a copy of the len bytes at data (the server frees it). */
void http_resp_copy(struct http_resp *resp, int status, const char *ctype,
                    const char *data, size_t len);
/* Takes ownership of a malloc'd body. */
void http_resp_take(struct http_resp *resp, int status, const char *ctype,
                    char *data, size_t len);
/* Points at bytes that outlive the response (fixture pages). */
void http_resp_static(struct http_resp *resp, int status, const char *ctype,
                      const char *data, size_t len);
/* Adds a header.  Returns 0, or -1 (and adds nothing) past
 * LIM_RESP_HEADERS headers or 2,560 bytes of header text. */
int http_resp_header(struct http_resp *resp, const char *name, const char *value);
/* The value of a header added with http_resp_header (case-insensitive
 * name), or NULL. */
const char *http_resp_get_header(const struct http_resp *resp, const char *name);

typedef void (*http_handler_fn)(void *app, const struct http_req *req,
                                struct http_resp *resp);
/* Called after the response is queued (or the connection closed). */
typedef void (*http_done_fn)(void *app, const struct http_req *req,
                             const struct http_resp *resp);

struct http_config {
    const char *listen;            /* "ADDR:PORT", "[v6]:PORT"; port 0 = any */
    const char *tls_cert_file;     /* both or neither */
    const char *tls_key_file;
    unsigned threads;              /* worker threads; 0 = number of CPUs */
    http_handler_fn handler;
    http_done_fn done;             /* may be NULL */
    void *app;
    /* Frees what a handler left in http_req.conn_data; setting it gives
     * every connection that slot. */
    void (*conn_data_free)(void *data);
    /* Connection limits and the request deadline (connguard.h); NULL:
     * http_default_limits. */
    const struct connguard_limits *limits;
    /* Renders the answer to a request refused for its framing (two
     * Content-Length headers, an unknown Transfer-Encoding) in the
     * service's error shape; NULL: plain text.  The connection is closed
     * after it. */
    void (*refuse)(void *app, int status, const char *message, struct http_resp *resp);
};

/* The kit's connection policy (docs/mock-smartsheet.md, "Connections"): 4,096
 * connections, 64 per client address, the last 256 for addresses holding
 * fewer than 4, and 30 s of real time to deliver a request. */
extern const struct connguard_limits http_default_limits;

/* Starts listening.  On failure returns NULL and writes a message to err. */
struct http_server *http_start(const struct http_config *cfg, char *err, size_t errlen);
/* "http://127.0.0.1:43121" (no trailing slash); valid until http_stop. */
const char *http_base_url(const struct http_server *srv);
/* The port the server is bound to. */
unsigned http_port(const struct http_server *srv);
/* Stops accepting, finishes nothing further, frees everything. */
void http_stop(struct http_server *srv);

/* Blocks until SIGTERM or SIGINT, then returns the signal number.  Call
 * http_signals_block() before starting threads so only this waits. */
void http_signals_block(void);
int http_signals_wait(void);

/* True when the client's Accept-Encoding admits gzip. */
int http_accepts_gzip(const struct http_req *req);
/* Gzips data; returns a malloc'd buffer or NULL on failure. */
char *http_gzip(const char *data, size_t len, size_t *out_len);

#endif
