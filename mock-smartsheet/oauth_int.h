/* oauth_int.h - what the OAuth double's files share: the module state
 * (apps, consent, the code and token store, one mutex that guards them) and
 * parameter reading.  Private to oauth*.c. */
#ifndef SS_OAUTH_INT_H
#define SS_OAUTH_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "http.h"
#include "oauth.h"
#include "oauth_store.h"

#define CODE_LIFETIME_MS   600000         /* about ten minutes */
#define ACCESS_LIFETIME_S  604799         /* Smartsheet's expires_in */
#define DEFAULT_MAX_LIVE   100000u
#define MAX_APPS           1000u
#define CLIENT_ID_LEN      22
#define SECRET_LEN         26
#define CODE_LEN           16
#define TOKEN_LEN          26
#define LOCATION_MAX       2047           /* what a response header can carry */

struct oa_app {
    char *name;
    char *client_id;
    char *secret;
    char *redirect_url;
    int publish;
};

struct ss_oauth {
    pthread_mutex_t mu;
    struct oa_app *apps;
    size_t napps;
    struct ss_consent consent;
    struct oa_store *store;
    int64_t code_lifetime_ms;      /* duration time; CODE_LIFETIME_MS by default */
    _Atomic int generic_token_errors; /* token refusals in the one captured shape */
    _Atomic int unreserved_codes;  /* codes carry - . _ ~ (POST /_mock/code-alphabet) */
    /* SHA-256 (hex) of every code and token issued, the newest ISSUED_MAX:
     * lets the conformance suite recognise a leaked secret exactly. */
    char (*issued)[65];
    size_t issued_n, issued_next;
};
#define ISSUED_MAX 8192

/* Remembers the hash of a code or token just issued.  Lock held. */
void oa_note_issued(struct ss_oauth *o, const char key[65]);

/* The app registered under client_id, or NULL.  Lock held. */
const struct oa_app *oa_app_find(const struct ss_oauth *o, const char *client_id);
/* Whether the request body is a form to read parameters from. */
int oa_body_is_form(const struct http_req *req);
/* Looks name up in the form body (when use_body) and then the query: the
 * body wins.  1 found, 0 absent, -1 malformed or too long. */
int oa_get_param(const struct http_req *req, int use_body, const char *name, char *out,
                 size_t cap);

#endif
