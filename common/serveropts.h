/* serveropts.h - the command-line options both doubles share, and the
 * admin-API access rule.
 *
 * A double's main() loops over argv and offers each argument to
 * serveropts_parse() first; what it does not know the double handles. */
#ifndef KIT_SERVEROPTS_H
#define KIT_SERVEROPTS_H

#include <stddef.h>

#include "http.h"
#include "log.h"

struct server_opts {
    const char *program;         /* for --version; set before parsing */
    const char *usage;           /* the double's own --help text */
    const char *listen;          /* default 127.0.0.1:0 */
    double time_scale;           /* default 1 */
    const char *tls_cert;
    const char *tls_key;
    enum log_format log_format;
    size_t journal_size;
    unsigned threads;
    char admin_token[128];       /* required from non-loopback peers; "" = none */
    /* Host names (NAME or NAME:PORT) the double also answers to, besides
     * 127.0.0.1, localhost, [::1] and the --listen address (--allow-host). */
    const char *allow_hosts[LIM_ALLOW_HOSTS];
    size_t n_allow_hosts;
    unsigned port;               /* the bound port, set by serveropts_serve */
    void (*conn_data_free)(void *); /* see http_config; set before serving */
    /* see http_config.refuse; set before serving (NULL: plain text) */
    void (*refuse)(void *app, int status, const char *message, struct http_resp *resp);
    struct connguard_limits limits; /* http_default_limits, changed by options */
};

void serveropts_init(struct server_opts *o);
/* Returns 1 if argv[*i] was a shared option (and advances *i past its
 * value), 0 if it is not one, -1 after printing an error to stderr, and 2
 * after printing --help or --version (the program should exit 0). */
int serveropts_parse(struct server_opts *o, int argc, char **argv, int *i);
/* Help text for the shared options. */
extern const char serveropts_help[];

/* Whether --listen names a loopback address (127.x, localhost, [::1]). */
int serveropts_listens_on_loopback(const struct server_opts *o);
/* Checks the options as a whole after parsing: listening beyond loopback
 * needs an admin token.  Prints the reason and returns -1 if not. */
int serveropts_validate(const struct server_opts *o);
/* After parsing: validates the options, then sets up logging (as
 * o->program) and the duration clock.  Returns 0, or -1 (reason printed). */
int serveropts_setup(const struct server_opts *o);

/* Whether the request's Host header is exactly one of the names this
 * double answers to: 127.0.0.1:PORT, localhost:PORT, [::1]:PORT, the
 * --listen address with PORT, and each --allow-host (NAME:PORT, or NAME
 * alone meaning NAME:PORT); the port may be left out only when it is the
 * scheme's default.  Case-insensitive.  A name rebound by DNS to this
 * machine (127.evil.example) is not one of them.  Before serveropts_serve
 * has bound a port (unit tests), any port is accepted. */
int serveropts_host_allowed(const struct server_opts *o, const struct http_req *req);
/* Whether the request's Host is name (with this server's port, or none
 * when that is the scheme's default); case-insensitive. */
int serveropts_host_named(const struct server_opts *o, const struct http_req *req,
                          const char *name);

/* Whether this request may use /_mock/.  A double listening on loopback
 * lets loopback peers in that name an allowed Host (serveropts_host_allowed)
 * and send no foreign Origin (no cross-site browser page); otherwise a
 * request needs "X-Admin-Token: <token>". */
int serveropts_admin_allowed(const struct server_opts *o, const struct http_req *req);

/* Resolves the fixtures folder: kit_fixtures_dir (kitpaths.h) - the given
 * one, else $KIT_FIXTURES, else the one installed next to the executable
 * (../share/sscas-kit/fixtures), else the source tree's.  Writes the path
 * to out; returns 0, or -1 if none exists. */
int serveropts_fixtures_dir(const char *given, char *out, size_t cap);

/* Prints "listening on <url>" on stdout and flushes. */
void serveropts_announce(const struct http_server *srv);

/* Serves until SIGTERM or SIGINT: starts the server on the options'
 * address (TLS, threads), calls started (may be NULL) with its base URL,
 * records its port in o->port, announces it, waits for a stop signal and stops it.  Returns 0, or 1
 * after printing why it could not start. */
int serveropts_serve(struct server_opts *o, http_handler_fn handler, http_done_fn done,
                     void *app, void (*started)(void *app, const char *base_url));

#endif
