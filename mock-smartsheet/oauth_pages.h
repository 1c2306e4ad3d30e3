/* oauth_pages.h - the HTML a person sees at /b/authorize: the sign-in step,
 * the consent page and error pages.  Self-contained pages (inline CSS, no
 * outside resources); every outside value is HTML-escaped here. */
#ifndef SS_OAUTH_PAGES_H
#define SS_OAUTH_PAGES_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "http.h"
#include "kit_limits.h"
#include "scenario.h"

#define OAUTH_NSCOPES 17
/* Smartsheet's scope names; bit i of a scope set stands for entry i. */
extern const char *const oauth_scope_names[OAUTH_NSCOPES];

struct oa_authz {                  /* the /b/authorize parameters, decoded */
    char response_type[64];
    char client_id[128];
    char scope[1024];
    char redirect_uri[LIM_PARAM_VALUE];
    char state[LIM_PARAM_VALUE];
    int has_redirect, has_state;
};

/* Each fills resp with a complete HTML page and the given status. */
void oauth_page_error(struct http_resp *resp, int status, const char *title,
                      const char *detail);
/* The sign-in step: pick one of users (the ACTIVE ones are offered). */
void oauth_page_signin(struct http_resp *resp, const struct oa_authz *a, const char *app_name,
                       const struct ss_user *const *users, size_t nusers);
/* The consent page for user, listing the scope set, with Allow and Deny. */
void oauth_page_consent(struct http_resp *resp, const struct oa_authz *a, const char *app_name,
                        uint32_t scopes, const struct ss_user *user);

#endif
