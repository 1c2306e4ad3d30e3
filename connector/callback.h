/* callback.h - parses the OAuth callback URL that Smartsheet redirected the
 * browser to (hostile input: any length, bad percent-encoding, repeated
 * parameters, missing parts).  Pure; the result lives in caller storage. */
#ifndef CONN_CALLBACK_H
#define CONN_CALLBACK_H

#include <stddef.h>

#define CALLBACK_MAX_URL 16384u
#define CALLBACK_MAX_VALUE 4096u

struct conn_callback {
    char base[CALLBACK_MAX_URL];        /* scheme://host/path, no query */
    char code[CALLBACK_MAX_VALUE];
    char state[CALLBACK_MAX_VALUE];
    char error[256];
    char error_description[512];
    int has_code, has_state, has_error;
};

/* Fills *out from url.  Returns 0, or -1 with a message in err (which
 * never quotes a code or state value).  Refuses URLs over
 * CALLBACK_MAX_URL, non-http(s) URLs, malformed percent-encoding, and any
 * of code/state/error given more than once. */
int conn_callback_parse(const char *url, struct conn_callback *out, char *err, size_t errlen);
/* Whether base names the same endpoint as redirect_url (a trailing slash
 * aside). */
int conn_callback_base_matches(const char *base, const char *redirect_url);

#endif
