/* pseudo.h - consistent pseudonyms for one recording (docs/recording.md).
 *
 * Every value is replaced by a function of HMAC-SHA256(salt, kind | value),
 * the salt drawn from the CSPRNG once per run and never stored: within one
 * recording the same input always gives the same output, and nobody can
 * recompute the mapping afterwards.  Ids are also kept distinct (a collision
 * is resolved by re-deriving with a counter), and ids listed as kept
 * (Smartsheet's system users) stay as they are. */
#ifndef REC_PSEUDO_H
#define REC_PSEUDO_H

#include <stddef.h>
#include <stdint.h>

struct pseudo;

/* enabled 0: every function returns its input (--no-pseudonymise). */
struct pseudo *pseudo_new(int enabled);
/* Wipes the salt and frees everything. */
void pseudo_free(struct pseudo *p);
/* Tests only: a fixed salt instead of a random one. */
void pseudo_set_salt(struct pseudo *p, const unsigned char *salt, size_t len);
int pseudo_enabled(const struct pseudo *p);

/* An id that stays as it is (a system user). */
void pseudo_keep_id(struct pseudo *p, int64_t id);
/* A positive 16-digit id below 2^53, distinct for distinct inputs. */
int64_t pseudo_id(struct pseudo *p, int64_t id);
/* Whether id was mapped by pseudo_id (a person), or is kept. */
int pseudo_id_known(const struct pseudo *p, int64_t id);

/* The functions below return a malloc'd string the caller frees. */
/* user-<12 hex>@recorded.example (case-insensitive input). */
char *pseudo_email(struct pseudo *p, const char *email);
/* A capitalised made-up name of three syllables. */
char *pseudo_person_name(struct pseudo *p, const char *kind, const char *name);
/* "<Label> <8 hex>", e.g. "Sheet 3fa2c1d0" for a sheet name. */
char *pseudo_label(struct pseudo *p, const char *label, const char *value);
/* IPv4 into 198.51.100.0/24 or 192.0.2.0/24, IPv6 into 2001:db8::/32;
 * anything else that is not an address gets a label. */
char *pseudo_ip(struct pseudo *p, const char *ip);

/* Whether s looks like an email address / an IP address. */
int looks_like_email(const char *s);
int looks_like_ip(const char *s);

/* snprintf that may cut its output (paths and messages are bounded). */
void rec_fmt(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
