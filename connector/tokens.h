/* tokens.h - the OAuth tokens in the state folder (tokens.json): load,
 * save atomically on receipt (before any further API call), and decide
 * when to refresh.  Token values are never logged; logs use rng_token_id. */
#ifndef CONN_TOKENS_H
#define CONN_TOKENS_H

#include <cjson/cJSON.h>

#include "ctx.h"

/* Loads tokens.json into x->tokens.  Returns CONN_OK (x->have_tokens says
 * whether there were any) or CONN_ERR_OTHER for a corrupt file (logged,
 * naming the file). */
enum conn_rc conn_tokens_load(struct conn_ctx *x);
/* Takes a token endpoint answer (access_token, refresh_token, expires_in
 * in seconds), stores it in x and saves it atomically.  Returns CONN_OK,
 * CONN_ERR_OTHER when the answer lacks a field (logged) or the save
 * failed. */
enum conn_rc conn_tokens_accept(struct conn_ctx *x, const cJSON *answer);
/* Writes x->tokens to the state folder (temp file, fsync, rename).
 * Returns 0, or -1 (logged). */
int conn_tokens_save(struct conn_ctx *x);
/* Forgets the tokens, in memory and on disk. */
void conn_tokens_forget(struct conn_ctx *x);
/* Whether the access token should be refreshed now (less than a tenth of
 * its life or one duration minute left). */
int conn_tokens_due(const struct conn_ctx *x);
void conn_tokens_release(struct conn_tokens *t);
/* The token endpoint's `hash`: lowercase hex SHA-256 of "<client secret>|value"
 * (value: a code or a refresh token); the joined text is wiped after use. */
void conn_tokens_hash(const struct conn_ctx *x, const char *value, char out[65]);

#endif
