/* http.c - libmicrohttpd glue: request assembly, transport faults, gzip.
 *
 * Ownership: one struct req_state per request, taken in the URI-log
 * callback and given back in the completion callback, nowhere else; a
 * worker thread keeps given-back states for its next requests (state_get,
 * state_put).  A response body is either handed to libmicrohttpd, which
 * frees it (free callback), or, up to SPARE_BODY_MAX, sent from the state,
 * which keeps it as the spare buffer for a later body (http_resp_buf).  A
 * connection's handler slot (http_req.conn_data) lives until the
 * connection closes. */
#include "http.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <malloc.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "kit_limits.h"
#include "dclock.h"
#include "strutil.h"

/* ------------------------------------------------------------------ */
/* Delayed answers: suspended connections resumed by a timer thread.   */

struct pending {
    struct MHD_Connection *conn;
    int64_t due_mono_ms;
    struct pending *next;
};

struct http_server {
    struct MHD_Daemon *daemon;
    struct http_config cfg;
    char base_url[192];
    unsigned port;
    char *tls_cert;
    char *tls_key;
    _Atomic uint64_t seq;

    pthread_t timer;
    pthread_mutex_t timer_lock;
    pthread_cond_t timer_cond;
    struct pending *pending;
    int stopping;

    /* Connection policy: admission, and the reaper thread closing
     * connections that take too long to send a request. */
    struct connguard_limits limits;
    struct connguard *guard;
    pthread_t reaper;
    int reaper_started;
    pthread_mutex_t reap_lock;
    pthread_cond_t reap_cond;
    int reap_stop;
};

const struct connguard_limits http_default_limits = {
    .max_conns = LIM_CONNECTIONS,
    .per_client = LIM_CONN_PER_CLIENT,
    .reserve = LIM_CONN_RESERVE,
    .reserve_share = LIM_CONN_RESERVE_SHARE,
    .request_timeout_ms = LIM_REQUEST_TIMEOUT_MS,
};

enum stage { ST_NEW = 0, ST_BODY, ST_SUSPENDED, ST_RESUMED, ST_HELD, ST_DONE };

/* A request's headers, gathered in one pass when it is complete: handlers
 * and the journal look up several, and libmicrohttpd's lookup walks its
 * list (query arguments included) on every call.  Past REQ_HEADERS the rest
 * are looked up there. */
#define REQ_HEADERS 16
struct req_headers {
    size_t n;
    int overflow;
    struct {
        const char *name, *value;
        size_t name_len;
    } h[REQ_HEADERS];
};

struct req_state {
    struct http_server *srv;
    /* While the request's line is read but its handler not yet called:
     * its place in the worker thread's list (see "A Content-Length
     * libmicrohttpd cannot read"); req.conn is set from the start. */
    struct req_state **awaiting_head, *awaiting_prev, *awaiting_next;
    char *uri;                 /* request target, split at '?' into path and query */
    struct buf body;
    int body_too_large;
    enum stage stage;
    struct http_req req;
    char uri_inline[512];      /* uri when it fits (else malloc'd); not cleared */
    struct req_headers headers;   /* set when the request is complete; not cleared */
    struct http_resp resp;     /* last: see uri_log_cb */
};

/* Body buffers up to this size stay with their request state for reuse
 * (http_resp_buf): at most SPARE_STATES of them per thread. */
#define SPARE_BODY_MAX (16u * 1024u)

static void *timer_main(void *arg)
{
    struct http_server *srv = arg;
    pthread_mutex_lock(&srv->timer_lock);
    for (;;) {
        int64_t now = dclock_mono_ms();
        int64_t next = -1;
        struct pending **pp = &srv->pending;
        while (*pp) {
            struct pending *p = *pp;
            if (srv->stopping || p->due_mono_ms <= now) {
                *pp = p->next;
                MHD_resume_connection(p->conn);
                free(p);
                continue;
            }
            if (next < 0 || p->due_mono_ms < next)
                next = p->due_mono_ms;
            pp = &p->next;
        }
        if (srv->stopping)
            break;
        if (next < 0) {
            pthread_cond_wait(&srv->timer_cond, &srv->timer_lock);
        } else {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            int64_t wait = next - now;
            ts.tv_sec += wait / 1000;
            ts.tv_nsec += (wait % 1000) * 1000000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&srv->timer_cond, &srv->timer_lock, &ts);
        }
    }
    pthread_mutex_unlock(&srv->timer_lock);
    return NULL;
}

static void schedule_resume(struct http_server *srv, struct MHD_Connection *conn,
                            int64_t delay_ms)
{
    struct pending *p = xmalloc(sizeof *p);
    p->conn = conn;
    p->due_mono_ms = dclock_mono_ms() + delay_ms;
    pthread_mutex_lock(&srv->timer_lock);
    p->next = srv->pending;
    srv->pending = p;
    pthread_cond_signal(&srv->timer_cond);
    pthread_mutex_unlock(&srv->timer_lock);
}

/* Shuts a connection's socket down: libmicrohttpd sees the end of the
 * stream on its own thread and closes the connection there. */
static void expire_conn(int fd, void *cls)
{
    (void)cls;
    shutdown(fd, SHUT_RDWR);
}

#define REAP_EVERY_MS 250

static void *reaper_main(void *arg)
{
    struct http_server *srv = arg;
    pthread_mutex_lock(&srv->reap_lock);
    while (!srv->reap_stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += REAP_EVERY_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&srv->reap_cond, &srv->reap_lock, &ts);
        if (srv->reap_stop)
            break;
        pthread_mutex_unlock(&srv->reap_lock);
        connguard_reap(srv->guard, dclock_mono_ms(), expire_conn, NULL);
        pthread_mutex_lock(&srv->reap_lock);
    }
    pthread_mutex_unlock(&srv->reap_lock);
    return NULL;
}

static void reaper_stop(struct http_server *srv)
{
    if (!srv->reaper_started)
        return;
    pthread_mutex_lock(&srv->reap_lock);
    srv->reap_stop = 1;
    pthread_cond_signal(&srv->reap_cond);
    pthread_mutex_unlock(&srv->reap_lock);
    pthread_join(srv->reaper, NULL);
    srv->reaper_started = 0;
}

/* ------------------------------------------------------------------ */
/* Request accessors                                                    */

const char *http_header(const struct http_req *req, const char *name)
{
    size_t n = strlen(name);
    if (req->conn) {
        const struct req_headers *rh = req->headers;
        for (size_t i = 0; rh && i < rh->n; i++)
            if (rh->h[i].name_len == n && !strncasecmp(rh->h[i].name, name, n))
                return rh->h[i].value;
        if (rh && !rh->overflow)
            return NULL;
        return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
    }
    for (size_t i = 0; req->test_headers && req->test_headers[i]; i++) {
        const char *h = req->test_headers[i];
        if (!strncasecmp(h, name, n) && h[n] == ':') {
            h += n + 1;
            while (*h == ' ')
                h++;
            return h;
        }
    }
    return NULL;
}

int http_query(const struct http_req *req, const char *name, char *out, size_t cap)
{
    return form_get(req->query, strlen(req->query), name, out, cap);
}

int http_query_has(const struct http_req *req, const char *name)
{
    char tmp[LIM_PARAM_VALUE];
    int rc = http_query(req, name, tmp, sizeof tmp);
    return rc != 0;
}

int http_accepts_gzip(const struct http_req *req)
{
    const char *ae = http_header(req, "Accept-Encoding");
    if (!ae)
        return 0;
    const char *p = strstr(ae, "gzip");
    if (!p)
        return 0;
    /* "gzip;q=0" (or q=0.0, q=0.000) refuses it; "q=0.05" does not */
    const char *q = p + 4;
    while (*q == ' ')
        q++;
    if (*q == ';') {
        q++;
        while (*q == ' ')
            q++;
        if (!strncmp(q, "q=", 2)) {
            char *end = NULL;
            double v = strtod(q + 2, &end);
            if (end != q + 2 && v <= 0)
                return 0;
        }
    }
    return 1;
}

char *http_gzip(const char *data, size_t len, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    /* speed over ratio: pages are compressed on the request path */
    if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    uLong cap = deflateBound(&zs, (uLong)len);
    char *out = xmalloc(cap);
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)out;
    zs.avail_out = (uInt)cap;
    int rc = deflate(&zs, Z_FINISH);
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    *out_len = zs.total_out;
    return out;
}

/* ------------------------------------------------------------------ */
/* Response helpers                                                     */

/* Tells the owner of a borrowed body that it is no longer needed. */
static void resp_release_borrowed(struct http_resp *resp)
{
    if (resp->body_release) {
        void (*fn)(void *) = resp->body_release;
        resp->body_release = NULL;
        fn(resp->body_release_cls);
    }
}

static void resp_drop_body(struct http_resp *resp)
{
    if (resp->body_owned)
        free((void *)resp->body);
    resp->body = NULL;
    resp->len = 0;
    resp->body_owned = 0;
}

/* Back to an empty response (the header text and spare body buffer stay,
 * as for a new request). */
static void reset_resp(struct http_resp *resp)
{
    resp_drop_body(resp);
    resp_release_borrowed(resp);
    memset(resp, 0, offsetof(struct http_resp, header_text));
}

void http_resp_take(struct http_resp *resp, int status, const char *ctype,
                    char *data, size_t len)
{
    resp_drop_body(resp);
    resp->status = status;
    resp->content_type = ctype;
    resp->body = data;
    resp->len = len;
    resp->body_owned = 1;
}

int http_resp_buf(struct http_resp *resp, struct buf *b, size_t max, size_t reserve)
{
    if (resp->spare && reserve < resp->spare_cap && reserve <= max) {
        buf_adopt(b, resp->spare, resp->spare_cap, max);
        resp->spare = NULL;
        resp->spare_cap = 0;
        return BUF_OK;
    }
    buf_init(b, max);
    return buf_reserve(b, reserve);
}

void http_resp_copy(struct http_resp *resp, int status, const char *ctype,
                    const char *data, size_t len)
{
    http_resp_take(resp, status, ctype, xstrndup(data, len), len);
}

void http_resp_static(struct http_resp *resp, int status, const char *ctype,
                      const char *data, size_t len)
{
    resp_drop_body(resp);
    resp->status = status;
    resp->content_type = ctype;
    resp->body = data;
    resp->len = len;
}

int http_resp_header(struct http_resp *resp, const char *name, const char *value)
{
    size_t nlen = strlen(name) + 1, vlen = strlen(value) + 1;
    if (resp->nheaders >= LIM_RESP_HEADERS ||
        nlen + vlen > sizeof resp->header_text - resp->header_used)
        return -1;
    char *base = resp->header_text + resp->header_used;
    memcpy(base, name, nlen);
    memcpy(base + nlen, value, vlen);
    resp->headers[resp->nheaders].name = (uint16_t)resp->header_used;
    resp->headers[resp->nheaders].value = (uint16_t)(resp->header_used + nlen);
    resp->header_used += nlen + vlen;
    resp->nheaders++;
    return 0;
}

const char *http_resp_get_header(const struct http_resp *resp, const char *name)
{
    for (size_t i = 0; i < resp->nheaders; i++)
        if (!strcasecmp(resp->header_text + resp->headers[i].name, name))
            return resp->header_text + resp->headers[i].value;
    return NULL;
}

/* Body served through a reader callback (truncate, dribble). */
struct slow_body {
    char *data;
    size_t len;       /* bytes we will actually send */
    size_t chunk;
    int64_t pause_ms; /* real ms before each chunk */
    int fail_at_end;  /* end with an error (truncation) */
};

static ssize_t slow_reader(void *cls, uint64_t pos, char *out, size_t max)
{
    struct slow_body *sb = cls;
    if (pos >= sb->len)
        return sb->fail_at_end ? MHD_CONTENT_READER_END_WITH_ERROR
                               : MHD_CONTENT_READER_END_OF_STREAM;
    if (sb->pause_ms > 0) {
        struct timespec ts = {sb->pause_ms / 1000, (sb->pause_ms % 1000) * 1000000};
        nanosleep(&ts, NULL);
    }
    size_t n = sb->len - (size_t)pos;
    if (n > max)
        n = max;
    if (n > sb->chunk)
        n = sb->chunk;
    memcpy(out, sb->data + pos, n);
    return (ssize_t)n;
}

static void slow_free(void *cls)
{
    struct slow_body *sb = cls;
    free(sb->data);
    free(sb);
}

/* A fault "edit": leaves out, or replaces, one top-level key of a JSON
 * object body.  Any other body is sent as it is. */
static void apply_edit(struct http_resp *resp)
{
    cJSON *j = resp->body ? cJSON_ParseWithLength(resp->body, resp->len) : NULL;
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(j, resp->edit_field);
    if (resp->edit_value[0]) {
        cJSON *v = cJSON_Parse(resp->edit_value);
        if (v)
            cJSON_AddItemToObject(j, resp->edit_field, v);
    }
    char *printed = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    if (!printed)
        return;
    /* a copy of our own: a double may route cJSON's allocations elsewhere */
    size_t n = strlen(printed);
    char *text = xstrndup(printed, n);
    cJSON_free(printed);
    http_resp_take(resp, resp->status, resp->content_type, text, n);
    resp_release_borrowed(resp);
    resp->gz_body = NULL;
    resp->gz_len = 0;
}

/* Builds the libmicrohttpd response for resp, consuming its body. */
static struct MHD_Response *build_response(struct req_state *st)
{
    struct http_resp *resp = &st->resp;
    if (resp->edit_field[0])
        apply_edit(resp);
    const char *body = resp->body ? resp->body : "";
    size_t len = resp->body ? resp->len : 0;
    int gz = 0;
    struct MHD_Response *r = NULL;

    if (resp->transport == HTTP_MALFORM && len > 0) {
        /* keep the first half, then bytes no JSON parser accepts */
        static const char junk[] = "\x01<<malformed by fault injection>>";
        size_t half = len / 2;
        char *m = xmalloc(half + sizeof junk);
        memcpy(m, body, half);
        memcpy(m + half, junk, sizeof junk - 1);
        http_resp_take(resp, resp->status, resp->content_type, m, half + sizeof junk - 1);
        resp_release_borrowed(resp);
        body = resp->body;
        len = resp->len;
    } else if (resp->transport == HTTP_SEND && len > 0 && http_accepts_gzip(&st->req)) {
        if (resp->gz_body) {
            http_resp_static(resp, resp->status, resp->content_type, resp->gz_body, resp->gz_len);
            body = resp->body;
            len = resp->len;
            gz = 1;
        } else if (resp->gzip_ok && len >= 1024) {
            size_t zlen = 0;
            char *z = http_gzip(body, len, &zlen);
            if (z) {
                http_resp_take(resp, resp->status, resp->content_type, z, zlen);
                resp_release_borrowed(resp);
                body = resp->body;
                len = resp->len;
                gz = 1;
            }
        }
    }

    if (resp->transport == HTTP_TRUNCATE || resp->transport == HTTP_DRIBBLE) {
        struct slow_body *sb = xcalloc(1, sizeof *sb);
        sb->data = xstrndup(body, len);
        if (resp->transport == HTTP_TRUNCATE) {
            sb->len = len / 2;
            sb->chunk = sb->len ? sb->len : 1;
            sb->fail_at_end = 1;
        } else {
            sb->len = len;
            sb->chunk = len / 20 + 1;
            sb->pause_ms = resp->delay_ms / 20;
        }
        r = MHD_create_response_from_callback(len, 64 * 1024, slow_reader, sb, slow_free);
        if (!r)
            slow_free(sb);
        resp_drop_body(resp);
        resp_release_borrowed(resp);
    } else if (resp->body_owned && malloc_usable_size((void *)body) <= SPARE_BODY_MAX) {
        /* sent from the request's state, which keeps it for a later body */
        r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_PERSISTENT);
        if (r) {
            free(resp->spare);
            resp->spare = (char *)body;
            resp->spare_cap = malloc_usable_size(resp->spare);   /* a bit over len */
            resp->body_owned = 0;
        }
    } else if (resp->body_owned) {
        r = MHD_create_response_from_buffer_with_free_callback(len, (void *)body, free);
        if (r)
            resp->body_owned = 0;   /* libmicrohttpd frees it now */
    } else if (resp->body_release) {
        r = MHD_create_response_from_buffer_with_free_callback_cls(
            len, (void *)body, resp->body_release, resp->body_release_cls);
        if (r)
            resp->body_release = NULL;   /* libmicrohttpd calls it now */
    } else {
        r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_PERSISTENT);
    }
    if (!r)
        return NULL;
    if (resp->content_type)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
    if (gz)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    for (size_t i = 0; i < resp->nheaders; i++)
        MHD_add_response_header(r, resp->header_text + resp->headers[i].name,
                                resp->header_text + resp->headers[i].value);
    return r;
}

/* ------------------------------------------------------------------ */
/* libmicrohttpd callbacks                                              */

/* Each worker thread keeps a few finished req_states for its next
 * requests: at ~3 KiB they are past malloc's per-thread cache, and a
 * fresh one per request showed in profiles.  The list is freed when the
 * thread ends (key destructor); a thread that never ends (main) keeps it
 * reachable through its TLS. */
#define SPARE_STATES 32
static __thread struct req_state *spare_states[SPARE_STATES];
static __thread size_t nspare;
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;

static void state_free(struct req_state *st)
{
    free(st->resp.spare);
    free(st);
}

static void spare_free_all(void *marker)
{
    (void)marker;
    while (nspare)
        state_free(spare_states[--nspare]);
}

static void spare_init(void)
{
    if (pthread_key_create(&spare_key, spare_free_all))
        abort();
}

static struct req_state *state_get(void)
{
    if (nspare)
        return spare_states[--nspare];
    pthread_once(&spare_once, spare_init);
    if (!pthread_getspecific(spare_key))
        pthread_setspecific(spare_key, &nspare);   /* any non-NULL: runs the destructor */
    struct req_state *st = xmalloc(sizeof *st);
    st->resp.spare = NULL;
    st->resp.spare_cap = 0;
    return st;
}

static void state_put(struct req_state *st)
{
    if (nspare < SPARE_STATES)
        spare_states[nspare++] = st;
    else
        state_free(st);
}

/* Requests of this worker thread whose line libmicrohttpd has read and
 * whose handler it has not yet called (it never moves a connection to
 * another thread, and closes its connections in their own thread when
 * stopping). */
static __thread struct req_state *awaiting_handler;

static void awaiting_add(struct req_state *st, struct MHD_Connection *conn)
{
    st->req.conn = conn;
    st->awaiting_head = &awaiting_handler;
    st->awaiting_prev = NULL;
    st->awaiting_next = awaiting_handler;
    if (awaiting_handler)
        awaiting_handler->awaiting_prev = st;
    awaiting_handler = st;
}

static void awaiting_remove(struct req_state *st)
{
    if (st->awaiting_head != &awaiting_handler) {   /* not listed (or not here) */
        st->awaiting_head = NULL;
        return;
    }
    if (st->awaiting_prev)
        st->awaiting_prev->awaiting_next = st->awaiting_next;
    else
        awaiting_handler = st->awaiting_next;
    if (st->awaiting_next)
        st->awaiting_next->awaiting_prev = st->awaiting_prev;
    st->awaiting_head = NULL;
    st->awaiting_prev = st->awaiting_next = NULL;
}

static void *uri_log_cb(void *cls, const char *uri, struct MHD_Connection *conn)
{
    /* zero all but the URI buffer and the response's header text */
    struct req_state *st = state_get();
    memset(st, 0, offsetof(struct req_state, uri_inline));
    memset(&st->resp, 0, offsetof(struct http_resp, header_text));
    st->srv = cls;
    awaiting_add(st, conn);
    size_t ulen = strnlen(uri, LIM_PATH + LIM_PARAM_VALUE * 4);
    st->uri = ulen < sizeof st->uri_inline ? st->uri_inline : xmalloc(ulen + 1);
    memcpy(st->uri, uri, ulen);
    st->uri[ulen] = '\0';
    buf_init(&st->body, LIM_REQUEST_BODY);
    return st;
}

/* libmicrohttpd's own decoding of the path and query arguments: not done,
 * the handlers read the raw request target (uri_log_cb) and decode what
 * they use themselves. */
static size_t keep_escaped(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls;
    (void)conn;
    return strlen(s);
}

/* A connection's slot for the handler (http_req.conn_data) and its entry
 * in the connection guard. */
struct conn_box {
    void *data;
    struct cg_conn *cg;
};

static enum MHD_Result accept_cb(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    struct http_server *srv = cls;
    return connguard_admit(srv->guard, addr, addrlen) ? MHD_YES : MHD_NO;
}

static void connection_cb(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct http_server *srv = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        struct conn_box *box = xcalloc(1, sizeof *box);
        const union MHD_ConnectionInfo *ai =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        const union MHD_ConnectionInfo *fi =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        const struct sockaddr *sa = ai ? ai->client_addr : NULL;
        socklen_t len = !sa ? 0
                        : sa->sa_family == AF_INET6 ? (socklen_t)sizeof(struct sockaddr_in6)
                                                    : (socklen_t)sizeof(struct sockaddr_in);
        box->cg = connguard_open(srv->guard, sa, len, fi ? fi->connect_fd : -1, dclock_mono_ms());
        *socket_context = box;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        struct conn_box *box = *socket_context;
        connguard_close(srv->guard, box->cg);   /* before libmicrohttpd closes the socket */
        if (box->data && srv->cfg.conn_data_free)
            srv->cfg.conn_data_free(box->data);
        free(box);
        *socket_context = NULL;
    }
}

static struct conn_box *conn_box_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static void **conn_slot(struct MHD_Connection *conn)
{
    struct conn_box *box = conn_box_of(conn);
    return box ? &box->data : NULL;
}

static int peer_is_loopback(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return 0;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const void *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const void *)sa;
        if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
            return 1;
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
            return in6->sin6_addr.s6_addr[12] == 127;
    }
    return 0;
}

static enum MHD_Result gather_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                     size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    (void)value_size;
    struct req_headers *rh = cls;
    if (rh->n == REQ_HEADERS) {
        rh->overflow = 1;
        return MHD_NO;
    }
    rh->h[rh->n].name = key;
    rh->h[rh->n].name_len = key_size;
    rh->h[rh->n].value = value ? value : "";
    rh->n++;
    return MHD_YES;
}

static void fill_request(struct req_state *st, struct MHD_Connection *conn,
                         const char *method)
{
    struct http_server *srv = st->srv;
    char *q = strchr(st->uri, '?');
    if (q)
        *q = '\0';
    st->req.method = method;
    st->req.path = st->uri;
    st->req.query = q ? q + 1 : "";
    st->req.body = st->body.ptr ? st->body.ptr : "";
    st->req.body_len = st->body.len;
    st->req.body_too_large = st->body_too_large;
    st->req.peer_loopback = peer_is_loopback(conn);
    dclock_arrival(&st->req.real_ms, &st->req.dur_ms);
    st->req.conn = conn;
    st->headers.n = 0;
    st->headers.overflow = 0;
    MHD_get_connection_values_n(conn, MHD_HEADER_KIND, gather_header, &st->headers);
    st->req.headers = &st->headers;
    st->req.conn_data = srv->cfg.conn_data_free ? conn_slot(conn) : NULL;
    st->req.seq = atomic_fetch_add(&srv->seq, 1) + 1;
    struct conn_box *box = conn_box_of(conn);
    if (box)
        connguard_busy(box->cg);    /* handled now: no request deadline */
}

struct framing {
    unsigned clen, te;
    const char *te_value;
};

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key,
                                     size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    (void)value_size;
    struct framing *f = cls;
    if (key_size == 14 && !strncasecmp(key, "Content-Length", 14))
        f->clen++;
    if (key_size == 17 && !strncasecmp(key, "Transfer-Encoding", 17)) {
        f->te++;
        f->te_value = value ? value : "";
    }
    return MHD_YES;
}

/* A refusal of the request's framing in st->resp: the service's error
 * shape (cfg.refuse), else plain text. */
static void render_refusal(struct req_state *st, int status, const char *msg)
{
    struct http_server *srv = st->srv;
    if (srv->cfg.refuse) {
        srv->cfg.refuse(srv->cfg.app, status, msg, &st->resp);
    } else {
        char line[256];
        int n = snprintf(line, sizeof line, "%s\n", msg);
        http_resp_copy(&st->resp, status, "text/plain", line,
                       n < 0 ? 0 : (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    }
    st->resp.status = status;
}

/* Whether the request's framing is one libmicrohttpd would read otherwise
 * than a strict server: two Content-Length headers (it takes the first and
 * reads the rest as a new request), Content-Length with Transfer-Encoding,
 * or a Transfer-Encoding other than chunked (it would wait for the end of
 * the connection).  Then resp holds the refusal and the connection is to
 * be closed after it. */
static int framing_refused(struct req_state *st, struct MHD_Connection *conn, const char *method)
{
    struct framing f = {0, 0, NULL};
    MHD_get_connection_values_n(conn, MHD_HEADER_KIND, count_framing, &f);
    int status = 0;
    char msg[200];
    if (f.clen > 1) {
        status = 400;
        snprintf(msg, sizeof msg, "the request has %u Content-Length headers; send one", f.clen);
    } else if (f.te && f.clen) {
        status = 400;
        snprintf(msg, sizeof msg, "the request has both Transfer-Encoding and Content-Length");
    } else if (f.te > 1 || (f.te && strcasecmp(f.te_value, "chunked"))) {
        char v[64];
        str_sanitize(f.te > 1 ? "(several)" : f.te_value, v, sizeof v);
        status = 501;
        snprintf(msg, sizeof msg, "Transfer-Encoding '%s' is not supported; send Content-Length "
                 "or chunked", v);
    }
    if (!status)
        return 0;
    fill_request(st, conn, method);
    render_refusal(st, status, msg);
    http_resp_header(&st->resp, "Connection", "close");
    return 1;
}

/* ------------------------------------------------------------------ */
/* A Content-Length libmicrohttpd cannot read                           */

/* libmicrohttpd refuses a Content-Length that is not a number (400) or does
 * not fit 64 bits (413) before any callback of ours runs.  Before 1.0 it
 * then writes that answer's status line and headers twice (its error path
 * sets a state the caller overwrites; Debian 12 ships 0.9.75), and in any
 * version the answer is its own HTML, not the service's error shape.  Its
 * log message, written just before, is the one hook left: the request of
 * this thread whose headers are complete but whose handler has not run is
 * the one the message is about.  It is answered here, once, in the
 * service's error shape, and the sending side of its socket is shut:
 * libmicrohttpd's own answer then fails to send and it closes the
 * connection. */

/* "Mon, 07 Dec 2026 02:03:40 GMT", whatever the locale. */
static void http_date(char *out, size_t cap)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t now = time(NULL);
    struct tm tm;
    if (!gmtime_r(&now, &tm) || tm.tm_wday < 0 || tm.tm_wday > 6 || tm.tm_mon < 0 ||
        tm.tm_mon > 11) {
        snprintf(out, cap, "Thu, 01 Jan 1970 00:00:00 GMT");
        return;
    }
    snprintf(out, cap, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Writes resp, framed, straight to the socket of st's connection (through
 * its TLS session on HTTPS: libmicrohttpd's TLS is GnuTLS) and shuts its
 * sending side.  Returns 0 when nothing could be written (the socket's
 * buffer is full): then the connection is left to libmicrohttpd. */
static int answer_on_socket(struct req_state *st, const struct http_resp *resp)
{
    const union MHD_ConnectionInfo *fi =
        MHD_get_connection_info(st->req.conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    gnutls_session_t tls = NULL;
    if (st->srv->cfg.tls_cert_file) {
        const union MHD_ConnectionInfo *ti =
            MHD_get_connection_info(st->req.conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
        tls = ti ? ti->tls_session : NULL;
        if (!tls)
            return 0;
    }
    if (!fi)
        return 0;
    char date[40];
    http_date(date, sizeof date);
    struct buf out;
    buf_init(&out, 64 * 1024);
    const char *reason = MHD_get_reason_phrase_for((unsigned)resp->status);
    buf_printf(&out, "HTTP/1.1 %d %s\r\nDate: %s\r\n", resp->status,
               reason && *reason ? reason : "Error", date);
    if (resp->content_type)
        buf_printf(&out, "Content-Type: %s\r\n", resp->content_type);
    for (size_t i = 0; i < resp->nheaders; i++)
        buf_printf(&out, "%s: %s\r\n", resp->header_text + resp->headers[i].name,
                   resp->header_text + resp->headers[i].value);
    buf_printf(&out, "Connection: close\r\nContent-Length: %zu\r\n\r\n", resp->len);
    if (resp->len)
        buf_append(&out, resp->body, resp->len);
    size_t sent = 0;
    int tries = 0;
    while (sent < out.len && tries++ < 64) {
        ssize_t n = tls ? gnutls_record_send(tls, out.ptr + sent, out.len - sent)
                        : send(fi->connect_fd, out.ptr + sent, out.len - sent, MSG_NOSIGNAL);
        if (n > 0)
            sent += (size_t)n;
        else if (tls ? n == GNUTLS_E_INTERRUPTED : (n < 0 && errno == EINTR))
            continue;
        else
            break;
    }
    buf_release(&out);
    if (!sent)
        return 0;
    /* a part-sent answer must not be followed by libmicrohttpd's */
    shutdown(fi->connect_fd, SHUT_WR);
    return 1;
}

static void answer_bad_length(struct req_state *st, int status)
{
    const char *clen = MHD_lookup_connection_value(st->req.conn, MHD_HEADER_KIND,
                                                   MHD_HTTP_HEADER_CONTENT_LENGTH);
    char shown[40], msg[160];
    str_sanitize(clen ? clen : "", shown, sizeof shown);
    if (status == 413)
        snprintf(msg, sizeof msg, "Content-Length '%s' is more than this server can read", shown);
    else
        snprintf(msg, sizeof msg, "Content-Length '%s' is not a number of bytes", shown);
    reset_resp(&st->resp);
    render_refusal(st, status, msg);
    if (answer_on_socket(st, &st->resp))
        st->stage = ST_DONE;
    reset_resp(&st->resp);
}

/* libmicrohttpd's log (MHD_OPTION_EXTERNAL_LOGGER): only its refusals of
 * a Content-Length are acted on; the rest stays unlogged, as before. */
static void mhd_log_cb(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    (void)ap;
    /* 0.9.75 quotes the name `Content-Length', 1.0 'Content-Length' */
    int status = !strstr(fmt, "Content-Length' header")   ? 0
                 : strstr(fmt, "Failed to parse")          ? 400
                 : strstr(fmt, "Too large value")          ? 413
                                                           : 0;
    if (!status)
        return;
    struct req_state *hit = NULL;
    for (struct req_state *st = awaiting_handler; st; st = st->awaiting_next) {
        /* header size is known once the headers are complete */
        if (!MHD_get_connection_info(st->req.conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE))
            continue;
        if (hit)
            return;   /* two: cannot tell which (never seen; be safe) */
        hit = st;
    }
    if (hit)
        answer_bad_length(hit, status);
}

static enum MHD_Result queue(struct req_state *st, struct MHD_Connection *conn)
{
    struct http_server *srv = st->srv;
    st->stage = ST_DONE;
    if (st->resp.transport == HTTP_CLOSE) {
        if (srv->cfg.done)
            srv->cfg.done(srv->cfg.app, &st->req, &st->resp);
        return MHD_NO;
    }
    struct MHD_Response *r = build_response(st);
    if (!r)
        return MHD_NO;
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)st->resp.status, r);
    MHD_destroy_response(r);
    if (srv->cfg.done)
        srv->cfg.done(srv->cfg.app, &st->req, &st->resp);
    return ret;
}

/* Whether the client of a held request is still connected: a client
 * that was killed has closed its socket (EOF or reset waits unread). */
static int peer_still_there(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci)
        return 0;
    char c;
    ssize_t n = recv(ci->connect_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR));
}

/* A held request whose client left: journaled as closed, never handled. */
static void drop_held(struct req_state *st)
{
    struct http_server *srv = st->srv;
    st->stage = ST_DONE;
    reset_resp(&st->resp);
    st->resp.transport = HTTP_CLOSE;
    snprintf(st->resp.note, sizeof st->resp.note, "held; client gone");
    if (srv->cfg.done)
        srv->cfg.done(srv->cfg.app, &st->req, &st->resp);
}

static enum MHD_Result handle(struct req_state *st, struct MHD_Connection *conn);

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn,
                                 const char *url, const char *method,
                                 const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **req_cls)
{
    (void)url;
    (void)version;
    struct http_server *srv = cls;
    struct req_state *st = *req_cls;
    if (!st)
        return MHD_NO;

    switch (st->stage) {
    case ST_NEW:
        awaiting_remove(st);
        st->stage = ST_BODY;
        if (framing_refused(st, conn, method))
            return queue(st, conn);
        return MHD_YES;
    case ST_BODY:
        if (*upload_data_size) {
            if (!st->body_too_large &&
                buf_append(&st->body, upload_data, *upload_data_size) != BUF_OK)
                st->body_too_large = 1;
            *upload_data_size = 0;
            return MHD_YES;
        }
        break;
    case ST_SUSPENDED:
        return MHD_YES;
    case ST_RESUMED:
        return queue(st, conn);
    case ST_HELD:
        if (srv->stopping || !peer_still_there(conn)) {
            drop_held(st);
            return MHD_NO;
        }
        reset_resp(&st->resp);
        st->req.held = 1;
        /* the journal tells it from a request never held (a handler may
         * write its own note over it) */
        snprintf(st->resp.note, sizeof st->resp.note, "held; then handled");
        return handle(st, conn);
    case ST_DONE:
        return MHD_NO;
    }

    /* The request is complete: handle it. */
    fill_request(st, conn, method);
    return handle(st, conn);
}

/* Calls the handler on a complete request and queues, delays or holds
 * what it answered. */
static enum MHD_Result handle(struct req_state *st, struct MHD_Connection *conn)
{
    struct http_server *srv = st->srv;
    srv->cfg.handler(srv->cfg.app, &st->req, &st->resp);
    if (st->resp.hold_ms > 0 && !st->req.held) {
        st->stage = ST_HELD;
        MHD_suspend_connection(conn);
        schedule_resume(srv, conn, st->resp.hold_ms);
        return MHD_YES;
    }
    if (st->resp.status == 0)
        http_resp_copy(&st->resp, 404, "text/plain", "not found\n", 10);

    int64_t delay = st->resp.transport == HTTP_DRIBBLE ? 0 : st->resp.delay_ms;
    if (delay > 0) {
        st->stage = ST_RESUMED;
        MHD_suspend_connection(conn);
        schedule_resume(srv, conn, delay);
        return MHD_YES;
    }
    return queue(st, conn);
}

static void completed_cb(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)toe;
    struct req_state *st = *req_cls;
    if (!st)
        return;
    awaiting_remove(st);
    /* A resumed connection whose client left may be closed by libmicrohttpd
     * without another call of the handler (it reads the end of the stream
     * first): the request is journaled here as it would have been there. */
    if (st->stage == ST_HELD) {
        drop_held(st);
    } else if (st->stage == ST_RESUMED) {
        st->stage = ST_DONE;
        if (st->srv->cfg.done)
            st->srv->cfg.done(st->srv->cfg.app, &st->req, &st->resp);
    }
    struct conn_box *box = conn_box_of(conn);
    if (box)
        connguard_waiting(st->srv->guard, box->cg, dclock_mono_ms());
    resp_drop_body(&st->resp);
    resp_release_borrowed(&st->resp);
    buf_release(&st->body);
    if (st->uri != st->uri_inline)
        free(st->uri);
    state_put(st);
    *req_cls = NULL;
}

/* ------------------------------------------------------------------ */
/* Start and stop                                                       */


/* Lets the process open as many sockets as the connection limit needs
 * (and some for files); lowers the limit when the system will not. */
static void raise_fd_limit(struct connguard_limits *l)
{
    struct rlimit rl;
    rlim_t want = (rlim_t)l->max_conns + 256;
    if (getrlimit(RLIMIT_NOFILE, &rl))
        return;
    if (rl.rlim_cur < want) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur < want && rl.rlim_cur > 512) {
        l->max_conns = (unsigned)(rl.rlim_cur - 256);
        if (l->reserve >= l->max_conns / 2)
            l->reserve = l->max_conns / 8;
    }
}

static int parse_listen(const char *listen, struct sockaddr_storage *ss, int *v6,
                        char *host, size_t hostcap)
{
    const char *colon;
    char addr[64];
    memset(ss, 0, sizeof *ss);
    if (listen[0] == '[') {
        const char *end = strchr(listen, ']');
        if (!end || end[1] != ':' || (size_t)(end - listen - 1) >= sizeof addr)
            return -1;
        memcpy(addr, listen + 1, (size_t)(end - listen - 1));
        addr[end - listen - 1] = '\0';
        colon = end + 1;
        *v6 = 1;
    } else {
        colon = strrchr(listen, ':');
        if (!colon || (size_t)(colon - listen) >= sizeof addr)
            return -1;
        memcpy(addr, listen, (size_t)(colon - listen));
        addr[colon - listen] = '\0';
        *v6 = 0;
    }
    int64_t port;
    if (parse_i64(colon + 1, 0, 65535, &port))
        return -1;
    if (!strcmp(addr, "localhost"))
        snprintf(addr, sizeof addr, "127.0.0.1");
    if (*v6) {
        struct sockaddr_in6 *in6 = (void *)ss;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, addr, &in6->sin6_addr) != 1)
            return -1;
        snprintf(host, hostcap, "[%s]", addr);
    } else {
        struct sockaddr_in *in = (void *)ss;
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, addr, &in->sin_addr) != 1)
            return -1;
        snprintf(host, hostcap, "%s", addr);
    }
    return 0;
}

struct http_server *http_start(const struct http_config *cfg, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    int v6 = 0;
    char host[128];
    if (parse_listen(cfg->listen, &ss, &v6, host, sizeof host)) {
        snprintf(err, errlen, "bad --listen value '%.100s' (want ADDR:PORT)", cfg->listen);
        return NULL;
    }
    if (!cfg->tls_cert_file != !cfg->tls_key_file) {
        snprintf(err, errlen, "--tls-cert and --tls-key go together");
        return NULL;
    }

    struct http_server *srv = xcalloc(1, sizeof *srv);
    srv->cfg = *cfg;
    srv->limits = cfg->limits ? *cfg->limits : http_default_limits;
    raise_fd_limit(&srv->limits);
    srv->guard = connguard_new(&srv->limits);
    pthread_mutex_init(&srv->timer_lock, NULL);
    pthread_cond_init(&srv->timer_cond, NULL);
    pthread_mutex_init(&srv->reap_lock, NULL);
    pthread_cond_init(&srv->reap_cond, NULL);

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO;
    flags |= MHD_USE_ERROR_LOG;   /* for mhd_log_cb */
    if (v6)
        flags |= MHD_USE_IPv6;
    if (cfg->tls_cert_file) {
        srv->tls_cert = buf_read_file(cfg->tls_cert_file, 1024 * 1024, NULL);
        srv->tls_key = buf_read_file(cfg->tls_key_file, 1024 * 1024, NULL);
        if (!srv->tls_cert || !srv->tls_key) {
            snprintf(err, errlen, "cannot read TLS %s file '%.200s'",
                     srv->tls_cert ? "key" : "certificate",
                     srv->tls_cert ? cfg->tls_key_file : cfg->tls_cert_file);
            goto fail;
        }
        flags |= MHD_USE_TLS;
    }
    unsigned threads = cfg->threads;
    if (!threads) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 && n < 64 ? (unsigned)n : 2;
    }

    struct MHD_OptionItem opts[16];
    int n = 0;
    /* first, so that libmicrohttpd writes nothing to stderr itself */
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log_cb, srv};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &ss};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)uri_log_cb, srv};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)keep_escaped, NULL};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)connection_cb, srv};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed_cb, srv};
    /* libmicrohttpd's own timeout: no progress at all (a client that
     * stops reading its answer) for as long as a request may take. */
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT,
                                        (intptr_t)((srv->limits.request_timeout_ms + 999) / 1000), NULL};
    /* libmicrohttpd zeroes the used part of a connection's pool between
     * keep-alive requests, and a request's read buffer takes about half of
     * it: the pool's size is a cost per request (bodies are collected
     * outside it, in req_state).  See LIM_CONNECTION_POOL. */
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, LIM_CONNECTION_POOL, NULL};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, srv->limits.max_conns, NULL};
    if (threads > 1)
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, threads, NULL};
    if (cfg->tls_cert_file) {
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, srv->tls_cert};
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, srv->tls_key};
    }
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

    if (pthread_create(&srv->timer, NULL, timer_main, srv)) {
        snprintf(err, errlen, "cannot start timer thread");
        goto fail;
    }
    srv->daemon = MHD_start_daemon(flags, 0, accept_cb, srv, access_cb, srv,
                                   MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!srv->daemon) {
        snprintf(err, errlen, "cannot listen on '%.100s': %s", cfg->listen,
                 errno ? strerror(errno) : "libmicrohttpd refused the options");
        pthread_mutex_lock(&srv->timer_lock);
        srv->stopping = 1;
        pthread_cond_signal(&srv->timer_cond);
        pthread_mutex_unlock(&srv->timer_lock);
        pthread_join(srv->timer, NULL);
        goto fail;
    }
    srv->reaper_started = pthread_create(&srv->reaper, NULL, reaper_main, srv) == 0;
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di ? di->port : 0;
    snprintf(srv->base_url, sizeof srv->base_url, "%s://%s:%u",
             cfg->tls_cert_file ? "https" : "http", host, srv->port);
    return srv;

fail:
    connguard_free(srv->guard);
    free(srv->tls_cert);
    free(srv->tls_key);
    free(srv);
    return NULL;
}

const char *http_base_url(const struct http_server *srv)
{
    return srv->base_url;
}

unsigned http_port(const struct http_server *srv)
{
    return srv->port;
}

void http_stop(struct http_server *srv)
{
    if (!srv)
        return;
    MHD_quiesce_daemon(srv->daemon);
    pthread_mutex_lock(&srv->timer_lock);
    srv->stopping = 1;
    pthread_cond_signal(&srv->timer_cond);
    pthread_mutex_unlock(&srv->timer_lock);
    pthread_join(srv->timer, NULL);
    reaper_stop(srv);
    MHD_stop_daemon(srv->daemon);
    connguard_free(srv->guard);
    pthread_mutex_destroy(&srv->timer_lock);
    pthread_cond_destroy(&srv->timer_cond);
    pthread_mutex_destroy(&srv->reap_lock);
    pthread_cond_destroy(&srv->reap_cond);
    free(srv->tls_cert);
    free(srv->tls_key);
    free(srv);
}

static sigset_t stop_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    return set;
}

void http_signals_block(void)
{
    sigset_t set = stop_signals();
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int http_signals_wait(void)
{
    sigset_t set = stop_signals();
    int sig = 0;
    while (sigwait(&set, &sig) != 0)
        ;
    return sig;
}
