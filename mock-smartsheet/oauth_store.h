/* oauth_store.h - the OAuth double's authorisation codes and tokens.
 *
 * Records are indexed by the SHA-256 (lowercase hex) of their secret value;
 * the values themselves are never kept, so nothing here can leak them.
 * The number of live records is capped.  Not locked: oauth.c holds its
 * mutex around every call. */
#ifndef SS_OAUTH_STORE_H
#define SS_OAUTH_STORE_H

#include <stddef.h>
#include <stdint.h>

struct oa_code {
    char key[65];                  /* SHA-256 hex of the code */
    char client_id[64];
    int64_t user_id;
    uint32_t scopes;               /* bit i = oauth_scope_names[i] */
    char *redirect_uri;            /* as given at /b/authorize; NULL if none */
    int64_t expires_ms;            /* duration time */
    int used;                      /* exchanged once already */
    uint64_t family;               /* every token issued from it carries this */
    struct oa_code *older, *newer; /* creation order */
    struct oa_code *hnext;         /* index chain */
};

struct oa_token {                  /* an access token and its refresh token */
    char akey[65];                 /* SHA-256 hex of the access token */
    char rkey[65];                 /* SHA-256 hex of the refresh token */
    char token_id[9];              /* rng_token_id of the access token */
    char client_id[64];
    int64_t user_id;
    uint32_t scopes;
    int64_t access_exp_ms;         /* duration time */
    int64_t issued_ms;             /* duration time */
    uint64_t family;
    struct oa_token *older, *newer;
    struct oa_token *anext, *rnext;
};

struct oa_store;

/* Caps are the most live codes and tokens kept (>= 1). */
struct oa_store *store_new(size_t max_codes, size_t max_tokens);
void store_free(struct oa_store *s);
/* Forgets every code and token. */
void store_clear(struct oa_store *s);
void store_set_caps(struct oa_store *s, size_t max_codes, size_t max_tokens);
size_t store_code_count(const struct oa_store *s);
size_t store_token_count(const struct oa_store *s);
uint64_t store_next_family(struct oa_store *s);

/* Adds a code (the store owns it; redirect_uri copied).  When the cap is
 * reached, expired codes go first (oldest first), then the oldest. */
struct oa_code *store_code_add(struct oa_store *s, const char key[65], const char *client_id,
                               int64_t user_id, uint32_t scopes, const char *redirect_uri,
                               int64_t expires_ms, int64_t now_ms);
/* Finds a code by key (constant-time key comparison), or NULL. */
struct oa_code *store_code_find(struct oa_store *s, const char key[65]);

/* Adds a token pair.  When the cap is reached, pairs whose access token
 * has expired go first (oldest first), then the oldest. */
struct oa_token *store_token_add(struct oa_store *s, const char akey[65], const char rkey[65],
                                 const char token_id[9], const char *client_id,
                                 int64_t user_id, uint32_t scopes, int64_t access_exp_ms,
                                 uint64_t family, int64_t now_ms);
struct oa_token *store_token_by_access(struct oa_store *s, const char akey[65]);
struct oa_token *store_token_by_refresh(struct oa_store *s, const char rkey[65]);
void store_token_remove(struct oa_store *s, struct oa_token *t);
/* Removes every pair of a family; returns how many. */
size_t store_tokens_remove_family(struct oa_store *s, uint64_t family);
/* Removes every pair of client_id and user_id; returns how many. */
size_t store_tokens_remove_client_user(struct oa_store *s, const char *client_id,
                                       int64_t user_id);

/* Oldest-first iteration (NULL ends). */
struct oa_token *store_token_first(struct oa_store *s);
struct oa_code *store_code_first(struct oa_store *s);

#endif
