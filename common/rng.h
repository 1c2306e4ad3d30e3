/* rng.h - secrets: CSPRNG tokens, constant-time comparison, hashing.
 *
 * Every token, code, secret and OAuth state in the kit comes from here
 * (OpenSSL's RAND_bytes, seeded by the kernel).  Secrets are compared only
 * with rng_equal. */
#ifndef KIT_RNG_H
#define KIT_RNG_H

#include <stddef.h>
#include <stdint.h>

/* Fills out with n random bytes; aborts if the CSPRNG fails (no fallback
 * to a weak source). */
void rng_bytes(void *out, size_t n);
/* Writes 2*nbytes lowercase hex characters plus NUL into out (size >= 2n+1). */
void rng_hex(char *out, size_t nbytes);
/* Writes an n-character token over [a-z0-9] plus NUL into out (size >= n+1). */
void rng_token(char *out, size_t n);
/* Equality of two byte strings in time that does not depend on their
 * contents (a length mismatch answers at once: lengths are not secret). */
int rng_equal(const char *a, size_t alen, const char *b, size_t blen);
/* Lowercase hex SHA-256 of data into out (65 bytes). */
void sha256_hex(const void *data, size_t len, char out[65]);
/* One remembered secret and its sha256_hex, so that the same secret
 * presented again (a keep-alive connection's bearer token on its next
 * request) is not hashed again.  Secrets over SHA256_MEMO_MAX bytes are
 * always hashed.  The match is constant-time; the memory is wiped when the
 * memo is replaced or freed.  Not thread-safe: one per connection. */
#define SHA256_MEMO_MAX 64
struct sha256_memo;
struct sha256_memo *sha256_memo_new(void);
/* Frees a memo (void * so it can serve as a destructor). */
void sha256_memo_free(void *memo);
void sha256_memo_hex(struct sha256_memo *m, const char *data, size_t len, char out[65]);

/* A short, stable, non-reversible id for logs and journals: the first 8 hex
 * characters of SHA-256(token).  out must hold 9 bytes. */
void rng_token_id(const char *token, char out[9]);

/* Deterministic generator for seeded behaviour (faults, fixture generation);
 * never for secrets.  splitmix64. */
struct prng { uint64_t s; };
void prng_seed(struct prng *p, uint64_t seed);
uint64_t prng_next(struct prng *p);
/* Uniform double in [0, 1). */
double prng_unit(struct prng *p);

#endif
