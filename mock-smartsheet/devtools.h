/* devtools.h - Smartsheet's Developer Tools as pages a person clicks:
 * register as a developer (email), create the developer profile (name,
 * email), "Create New App", then read the app client id and app secret.
 * Apps are registered through oauth_register_app, like the admin API's.
 * The pages keep no session: the profile travels in hidden form fields. */
#ifndef SS_DEVTOOLS_H
#define SS_DEVTOOLS_H

#include "http.h"
#include "server.h"

/* Whether path belongs to Developer Tools (/developer and below). */
int devtools_route(const char *path);
/* Answers a Developer Tools request. */
void devtools_handle(struct ss_server *s, const struct http_req *req, struct http_resp *resp);

#endif
