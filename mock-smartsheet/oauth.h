/* oauth.h - Smartsheet's OAuth 2.0 authorisation-code flow: registered
 * apps, the consent step at /b/authorize, the token endpoint with the
 * SHA-256 "hash" exchange, refresh rotation and revocation, and bearer
 * token checks for every API call.
 *
 * Codes and tokens are CSPRNG strings; secrets are compared in constant
 * time; lifetimes run on duration time (dclock).  Internally locked. */
#ifndef SS_OAUTH_H
#define SS_OAUTH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "http.h"
#include "rng.h"
#include "scenario.h"

struct ss_oauth;

enum ss_scope {
    SCOPE_READ_USERS = 1 << 0,
    SCOPE_READ_EVENTS = 1 << 1,
    SCOPE_OTHER = 1 << 2,      /* any other known scope */
};

struct ss_grant {                /* what a valid access token stands for */
    int64_t user_id;
    unsigned scopes;             /* enum ss_scope bits */
    char token_id[9];            /* short id for journal and rate limiting */
    char client_id[64];
    int64_t issued_ms;           /* duration time the token was issued */
};

struct ss_oauth *oauth_new(void);
/* How long a new authorization code lives, in duration time (set before
 * serving; default about ten minutes, as Smartsheet's). */
void oauth_set_code_lifetime(struct ss_oauth *o, int64_t ms);
/* How the token endpoint refuses.  generic 1: as the one public capture of
 * a failed exchange, 403 {"errorCode":1004,"message":...,"refId":...}
 * whatever the cause; 0 (oauth_new's default): a code per cause with
 * RFC 6749's error and error_description added (docs/oauth.md). */
void oauth_set_generic_token_errors(struct ss_oauth *o, int generic);
/* Admin: codes of letters and digits only (0, the default) or each also
 * carrying RFC 3986's other unreserved characters - . _ ~ (1). */
void oauth_set_unreserved_codes(struct ss_oauth *o, int on);
/* Admin: {"lengths":[code, token],"sha256":[...]}, the SHA-256 hex of every code, access token and
 * refresh token issued (the newest 8,192), so that a test can tell a
 * leaked secret from a random word without the secrets themselves. */
int oauth_issued_json(struct ss_oauth *o, struct buf *out);
void oauth_free(struct ss_oauth *o);
/* Forgets every code and token and the registered apps, then registers the
 * scenario's apps and takes its consent setting. */
void oauth_reset(struct ss_oauth *o, const struct ss_scenario *sc);

/* Developer Tools: registers an app; writes a fresh client id (out 32) and
 * secret (out 40).  Returns 0, or -1 with a message naming the field. */
int oauth_register_app(struct ss_oauth *o, const char *name, const char *description,
                       const char *app_url, const char *contact_url,
                       const char *redirect_url, int publish, char *client_id_out,
                       size_t client_id_cap, char *secret_out, size_t secret_cap,
                       char *err, size_t errlen);

/* GET|POST /b/authorize (and the consent form's POST back).  The scenario
 * gives the users who can sign in and approve. */
void oauth_authorize(struct ss_oauth *o, const struct ss_scenario *sc,
                     const struct http_req *req, struct http_resp *resp);
/* POST /2.0/token */
void oauth_token(struct ss_oauth *o, const struct http_req *req, struct http_resp *resp);
/* DELETE /2.0/token, with the caller's bearer token already extracted. */
void oauth_revoke(struct ss_oauth *o, const char *bearer, const struct http_req *req,
                  struct http_resp *resp);

/* Checks a bearer token at duration time now.  Returns 0 and fills *out,
 * or the Smartsheet errorCode to answer: 1002 invalid (unknown, revoked,
 * rotated away), 1003 expired. */
int oauth_check_bearer(struct ss_oauth *o, const char *token, int64_t now_ms,
                       struct ss_grant *out);
/* The same in two steps: the token's store key (its SHA-256, through memo
 * when given; -1 for an empty or oversized token), then the check. */
int oauth_bearer_key(const char *token, struct sha256_memo *memo, char key[65]);
int oauth_check_key(struct ss_oauth *o, const char key[65], int64_t now_ms,
                    struct ss_grant *out);

/* Admin: set how the next consents answer (mode, approving user). */
void oauth_set_consent(struct ss_oauth *o, struct ss_consent c);
/* Admin: expire every access token now (refresh tokens stay valid). */
void oauth_expire_all(struct ss_oauth *o);
/* Admin: revoke every token (access and refresh). */
void oauth_revoke_all(struct ss_oauth *o);
/* Admin: a JSON summary of apps (without secrets) and live tokens (ids,
 * users, scopes, expiry) appended to out. */
int oauth_state_json(struct ss_oauth *o, struct buf *out);

/* The scenario-free cores of oauth_reset and oauth_authorize (used by them
 * and by unit tests): apps to register (copied) with the consent setting;
 * users are the people who can sign in and approve (borrowed for the call). */
void oauth_reset_with(struct ss_oauth *o, const struct ss_app *apps, size_t napps,
                      struct ss_consent consent);
void oauth_authorize_users(struct ss_oauth *o, const struct ss_user *const *users,
                           size_t nusers, const struct http_req *req,
                           struct http_resp *resp);
/* Caps on live authorisation codes and token pairs (default 100000 each);
 * when full, expired ones are dropped first (oldest first), then the oldest. */
void oauth_set_limits(struct ss_oauth *o, size_t max_codes, size_t max_tokens);

#endif
