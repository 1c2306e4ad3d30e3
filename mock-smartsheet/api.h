/* api.h - the Smartsheet API endpoints that read the scenario: Users and
 * Event Reporting.  Each handler answers exactly like the real API,
 * including its errors (through ss_error), and never touches locks or
 * authentication: server.c has checked the token, scope and rate limit. */
#ifndef SS_API_H
#define SS_API_H

#include <stdint.h>

#include "http.h"
#include "scenario.h"

struct ss_caller {
    int64_t user_id;            /* the token's user */
    int is_admin;               /* that user is a System Admin */
};

/* GET /2.0/events - requires a System Admin and Event Reporting. */
void api_events(const struct ss_scenario *sc, const struct ss_caller *caller,
                const struct http_req *req, int64_t now_wall_ms, struct http_resp *resp);
/* GET /2.0/users */
void api_users_list(const struct ss_scenario *sc, const struct ss_caller *caller,
                    const struct http_req *req, struct http_resp *resp);
/* GET /2.0/users/me */
void api_users_me(const struct ss_scenario *sc, const struct ss_caller *caller,
                  const struct http_req *req, struct http_resp *resp);
/* GET /2.0/users/{id}; id_text is the raw path segment. */
void api_users_get(const struct ss_scenario *sc, const struct ss_caller *caller,
                   const char *id_text, const struct http_req *req, struct http_resp *resp);

#endif
