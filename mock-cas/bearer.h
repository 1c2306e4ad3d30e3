/* bearer.h - Microsoft Entra ID bearer tokens for the CAS query API.
 *
 * Real CAS also accepts "Authorization: Bearer <JWT>" from an app that got
 * a token from Entra (audience 05a65629-4c1b-48c1-a78b-804c4abdd4af).  The
 * double cannot verify Entra's signatures, so a bearer token is accepted
 * when it is well formed and was bound to the tenant through the admin API
 * (POST /_mock/api-tokens {"kind":"bearer"}), either minted here or given
 * by the test.  Tokens are kept only as SHA-256 hashes (store.c). */
#ifndef CAS_BEARER_H
#define CAS_BEARER_H

#include <stddef.h>

#define BEARER_MAX 8192          /* bytes of a bearer token, without the NUL */

/* Whether tok is a JWT in compact form: three base64url segments, the
 * first two of them JSON objects, at most BEARER_MAX bytes. */
int bearer_well_formed(const char *tok);
/* Writes a fresh JWT-shaped token for the CAS API's audience (an
 * RS256-style header, claims with the Investigation.read role, a random
 * signature) into out; 0, or -1 if cap is too small. */
int bearer_mint(char *out, size_t cap, long long now_s);

#endif
