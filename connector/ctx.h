/* ctx.h - one connector run: the config, the two HTTP clients, the request
 * budget, the OAuth tokens and the stop flag, shared by the command
 * modules.  conn_ctx_init/release own everything inside. */
#ifndef CONN_CTX_H
#define CONN_CTX_H

#include <signal.h>
#include <stdint.h>

#include "backoff.h"
#include "config.h"
#include "http_client.h"
#include "limiter.h"
#include "mapping.h"
#include "result.h"

struct conn_tokens {
    char *access_token;
    char *refresh_token;
    int64_t expires_at_ms;     /* wall ms, already divided by time_scale */
    int64_t lifetime_ms;       /* real ms the token was granted for */
};

struct conn_ctx {
    const struct conn_config *cfg;
    struct conn_http ss;           /* Smartsheet */
    struct conn_http cas;          /* CAS */
    struct conn_limiter limiter;
    int limiter_log;               /* ratelimit.log, appended per request; -1 none */
    struct conn_tokens tokens;
    struct conn_user_index users;  /* from the last users read (mapping.h) */
    int have_tokens;
    int tokens_corrupt;            /* tokens.json unreadable (authorize replaces it) */
    int tokens_unsaved;            /* self-test defect tokens-saved-late only */
    int reconnect_needed;          /* a refresh was refused: no more API calls */
    struct curl_slist *cas_headers;
    char cas_base[4200];           /* <cas_url>/api/v1/app_connectors/<id>/ */
    uint64_t ss_requests;          /* Smartsheet requests sent */
    uint64_t cas_requests;
    int64_t ss_wait_ms;            /* real ms spent in Smartsheet requests */
    int64_t cas_wait_ms;           /* real ms spent in CAS requests */
    int consecutive_429;
};

/* Set by SIGTERM/SIGINT: stop after the batch in flight. */
extern volatile sig_atomic_t conn_stop_requested;

/* Sets up both clients and the limiter (loading recent request times from
 * the state folder).  Returns CONN_OK or an error with a logged message. */
enum conn_rc conn_ctx_init(struct conn_ctx *x, const struct conn_config *cfg);
/* Saves the limiter's recent request times and frees everything. */
void conn_ctx_release(struct conn_ctx *x);
/* Sleeps real ms, waking early when a stop is requested.  Returns 0, or -1
 * when stopped. */
int conn_sleep_ms(int64_t ms);
/* Counts a Smartsheet request starting now in the budget, and appends it
 * to the state folder's request log at once (so a run that is killed still
 * leaves its requests for the next run to count). */
void conn_ctx_note_request(struct conn_ctx *x, int64_t now);
/* Real monotonic ms (the limiter's clock). */
int64_t conn_now_ms(void);

#endif
