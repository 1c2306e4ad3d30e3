/* portal.h - the CAS portal pages a person clicks (App connectors, Test now,
 * the activity log, a request chart) and, with --connector-cmd, the
 * connector run behind the buttons: the portal owns one private folder per
 * instance (config with the only copy of its secrets) and those processes.
 * Built into mock-cas from its own folder; what it reads of mock-cas, and
 * through which headers: cas-portal/README.md. */
#ifndef CAS_PORTAL_H
#define CAS_PORTAL_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "http.h"

struct cas_app;

#define PORTAL_MAX_INSTANCES 64

struct portal_inst {              /* an instance created through the portal */
    int64_t id;
    char dir[600];                /* private folder: config.json, state/, connector.log */
    char client_id[160];          /* shown on the page (not a secret) */
    char oauth_state[160];        /* state of the last consent URL, "" when none pending */
    char last_check[600];         /* what the last authorize or "Test now" said */
    int last_check_rc;            /* its exit code, -1 before any */
    int64_t connected_ms;         /* wall time of the first successful check, 0 if none */
    pid_t run_pid;                /* `connector run`, 0 when not running */
    int run_rc;                   /* how run ended (exit code), -1 while running or never */
    int busy;                     /* a check or authorize runs: one at a time (tokens rotate) */
};

struct portal {
    const char *connector_cmd;    /* NULL: no connector behind the buttons */
    const char *smartsheet_url;   /* mock-smartsheet base, NULL when unknown */
    double time_scale;
    char base_url[256];           /* this server, set once listening */
    char workdir[512];            /* 0700 folder holding the instances' folders */
    pthread_mutex_t mu;
    struct portal_inst inst[PORTAL_MAX_INSTANCES];
    size_t ninst;
};

/* Sets up the portal; workdir is made lazily.  Returns 0. */
int portal_init(struct portal *p, const char *connector_cmd, const char *smartsheet_url,
                double time_scale);
/* Stops every connector it started (SIGTERM, then SIGKILL after a wait),
 * removes its private folders. */
void portal_shutdown(struct portal *p);

/* Whether path is one of the portal's pages. */
int portal_route(const char *path);
void portal_handle(struct cas_app *app, const struct http_req *req, struct http_resp *resp);
/* The OAuth redirect when this mock-cas runs a connector and the callback
 * has a state: recorded through cas_saga; if the state is one the portal
 * asked for, runs `connector authorize` and sends the browser back to the
 * portal, else answers cas_saga's page.  Returns 0 (nothing done) when
 * cas_saga should answer by itself. */
int portal_saga(struct cas_app *app, const struct http_req *req, struct http_resp *resp);

/* ---- shared by the portal's files ---- */

/* Page frame: header with navigation (active = "connectors", "activities"
 * or "charts"), then the body the caller appends; portal_page_end sends. */
void portal_page_begin(struct buf *b, const char *title, const char *active);
void portal_page_end(struct http_resp *resp, int status, struct buf *b);
/* "2026-11-29 10:04:05 UTC" for epoch ms (0 gives "-"). */
void portal_time(int64_t ms, char out[40]);
/* The store's instances ({"instances":[...]}, as GET /_mock/instances
 * answers), or NULL when the store cannot be read; the caller frees it. */
struct cJSON *portal_instances(struct cas_app *app);

/* portal_conn.c */
/* Creates an instance with a connector folder and config; writes the
 * consent URL into url.  Returns 0, or -1 with a message for the page. */
int portal_conn_create(struct cas_app *app, const char *name, const char *client_id,
                       const char *client_secret, int64_t *id, char *url, size_t url_cap,
                       char *err, size_t errlen);
/* Runs `connector authorize --callback-url` for the instance holding state;
 * *id gets the instance (0 if none).  Returns the exit code, -1 when it
 * could not run; msg gets what to tell the person. */
int portal_conn_authorize(struct cas_app *app, const char *state, const char *callback_url,
                          int64_t *id, char *msg, size_t msg_cap);
/* "Test now": `connector check` (a running `connector run` is stopped
 * first: check may rotate the tokens); on success starts `connector run`,
 * whose first sync is the backfill.  Returns the exit code. */
int portal_conn_check(struct cas_app *app, int64_t id, char *msg, size_t msg_cap);
/* A new consent URL for an existing instance ("Reconnect"). */
int portal_conn_reconnect(struct cas_app *app, int64_t id, char *url, size_t url_cap,
                          char *err, size_t errlen);
/* Copies the portal's view of an instance; 0 found, -1 not a portal one.
 * Reaps a finished `run` first. */
int portal_conn_get(struct portal *p, int64_t id, struct portal_inst *out);

/* portal_pages.c / portal_log.c / portal_chart.c */
void portal_connectors(struct cas_app *app, const struct http_req *req, struct http_resp *resp);
void portal_new(struct cas_app *app, const struct http_req *req, struct http_resp *resp);
void portal_create(struct cas_app *app, const struct http_req *req, struct http_resp *resp);
void portal_test(struct cas_app *app, const struct http_req *req, struct http_resp *resp,
                 int64_t id);
void portal_reconnect(struct cas_app *app, const struct http_req *req, struct http_resp *resp,
                      int64_t id);
void portal_activities(struct cas_app *app, const struct http_req *req, struct http_resp *resp);
void portal_activity(struct cas_app *app, const struct http_req *req, struct http_resp *resp,
                     const char *id);
void portal_charts(struct cas_app *app, const struct http_req *req, struct http_resp *resp);

#endif
