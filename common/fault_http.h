/* fault_http.h - turns a fired fault rule into what the HTTP layer does:
 * the part of fault injection both doubles share.  Service errors
 * (FAULT_ERROR) stay with each double, which knows its own error body. */
#ifndef KIT_FAULT_HTTP_H
#define KIT_FAULT_HTTP_H

#include "fault.h"
#include "http.h"

enum fault_outcome {
    FAULT_GO_ON = 0,        /* handle the request; transport/delay set on resp */
    FAULT_ANSWERED,         /* resp is the whole answer (a bare proxy status) */
    FAULT_SERVICE_ERROR,    /* the double must answer with its own error body */
    FAULT_HELD,             /* return now: the server holds the request (resp->hold_ms)
                             * and calls the handler again with req->held set */
};

/* Applies f to resp (note, delay, transport, hold, or a bare status page).  A
 * closed connection, truncated or malformed body or dribble spoils the
 * answer only after the request was handled, as when a real connection
 * breaks: the service did the work, the client never learns the result. */
enum fault_outcome fault_apply_http(const struct fault_fire *f, struct http_resp *resp);

#endif
