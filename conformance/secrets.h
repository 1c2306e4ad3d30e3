/* secrets.h - every secret a test handed out or saw issued, and finding
 * them in text.  The client secret and the CAS token are known verbatim;
 * codes and tokens are known to the suite only by the SHA-256 hashes
 * mock-smartsheet lists (GET /_mock/issued), so a word is a leaked code or
 * token exactly when its hash is one of those (no chance matches).  Used
 * by SEC-001 (output), SEC-002 (files), SEC-005 (command lines and
 * environments) and to redact what reports show. */
#ifndef CT_SECRETS_H
#define CT_SECRETS_H

#include <stddef.h>

struct ct_env;

#define CT_SECRET_LENGTHS 4

struct ct_secrets {
    char client_secret[160];
    char cas_token[200];
    char (*hashes)[65];          /* sorted SHA-256 hex of codes and tokens */
    size_t n;
    int lengths[CT_SECRET_LENGTHS];   /* lengths of issued codes and tokens */
    int nlengths;
};

/* Fills s from e (its config's secrets and the double's issued list).
 * Returns 0, or -1 with e->err. */
int ct_secrets_load(struct ct_env *e, struct ct_secrets *s);
void ct_secrets_release(struct ct_secrets *s);

/* Looks for a secret in text[0..len).  Returns a description of the first
 * found ("the client secret", "an access or refresh token the double
 * issued", ...) in out, with its offset in *at, or NULL if none. */
const char *ct_secret_find(const struct ct_secrets *s, const char *text, size_t len,
                           size_t *at, char *out, size_t cap);

/* Replaces every secret in text (in place, same length) by a label padded
 * with '*': "[client_secret]***...".  Returns how many were replaced. */
int ct_secret_redact(const struct ct_secrets *s, char *text, size_t len);

#endif
