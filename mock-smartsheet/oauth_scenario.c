/* oauth_scenario.c - oauth_reset and oauth_authorize: take the apps,
 * consent setting and users from a loaded scenario and hand them to the
 * scenario-free cores in oauth.c. */
#include <stdlib.h>

#include "buf.h"
#include "oauth.h"

void oauth_reset(struct ss_oauth *o, const struct ss_scenario *sc)
{
    size_t n = scenario_app_count(sc);
    struct ss_app *apps = xcalloc(n ? n : 1, sizeof *apps);
    for (size_t i = 0; i < n; i++)
        apps[i] = *scenario_app(sc, i);
    oauth_reset_with(o, apps, n, scenario_consent(sc));
    free(apps);
}

void oauth_authorize(struct ss_oauth *o, const struct ss_scenario *sc,
                     const struct http_req *req, struct http_resp *resp)
{
    size_t n = scenario_user_count(sc);
    const struct ss_user **users = xcalloc(n ? n : 1, sizeof *users);
    for (size_t i = 0; i < n; i++)
        users[i] = scenario_user(sc, i);
    oauth_authorize_users(o, users, n, req, resp);
    free(users);
}
