#include "serveropts.h"

#include <limits.h>
#include <stdio.h>
#include <strings.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dclock.h"
#include "kit_limits.h"
#include "kitpaths.h"
#include "rng.h"
#include "strutil.h"
#include "webpage.h"

const char serveropts_help[] =
    "  --listen ADDR:PORT       where to listen (default 127.0.0.1:0; port 0 picks one)\n"
    "  --time-scale F           duration time runs F times faster (default 1)\n"
    "  --tls-cert FILE          serve HTTPS with this PEM certificate ...\n"
    "  --tls-key FILE           ... and this PEM private key\n"
    "  --log text|json          log format on stderr (default text)\n"
    "  --journal-size N         requests kept in the journal (default 20000)\n"
    "  --threads N              worker threads (default: number of CPUs)\n"
    "  --admin-token-file FILE  token non-loopback clients must send in X-Admin-Token\n"
    "  --allow-host NAME[:PORT] another Host name the pages and admin API answer to\n"
    "  --conn-timeout S         real seconds a connection has to send a whole request\n"
    "                           after it opened or got its previous answer (default 30)\n"
    "  --max-conns-per-client N connections one client address may hold (default 64)\n"
    "  --help, --version\n\n"
    "fixtures: --fixtures DIR, else $KIT_FIXTURES, else ../share/" KIT_PACKAGE "/fixtures\n"
    "beside this program (installed), else the source tree's\n\n"
    "exit: 0 stopped by SIGTERM or SIGINT (or after --help/--version), 1 could not\n"
    "start serving (address in use, TLS files), 2 usage or unreadable fixtures\n";

void serveropts_init(struct server_opts *o)
{
    memset(o, 0, sizeof *o);
    o->listen = "127.0.0.1:0";
    o->time_scale = 1.0;
    o->log_format = LOG_TEXT;
    o->journal_size = LIM_JOURNAL_DEFAULT;
    o->limits = http_default_limits;
}

static const char *need_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "option '%s' needs a value\n", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

static int read_token_file(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open admin token file '%.200s'\n", path);
        return -1;
    }
    size_t n = fread(out, 1, cap - 1, f);
    fclose(f);
    out[n] = '\0';
    while (n && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' '))
        out[--n] = '\0';
    if (n < 16) {
        fprintf(stderr, "admin token in '%.200s' is shorter than 16 characters\n", path);
        return -1;
    }
    return 0;
}

int serveropts_parse(struct server_opts *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    const char *v;
    int64_t n;
    if (!strcmp(a, "--help")) {
        fputs(o->usage ? o->usage : "", stdout);
        fputs(serveropts_help, stdout);
        return 2;
    } else if (!strcmp(a, "--version")) {
        kit_print_version(argv[0], o->program ? o->program : "kit", 0);
        return 2;
    } else if (!strcmp(a, "--listen")) {
        if (!(v = need_value(argc, argv, i)))
            return -1;
        o->listen = v;
    } else if (!strcmp(a, "--time-scale")) {
        if (!(v = need_value(argc, argv, i)))
            return -1;
        if (parse_double(v, 0.001, 1e6, &o->time_scale)) {
            fprintf(stderr, "--time-scale wants a number from 0.001 to 1000000, not '%.40s'\n", v);
            return -1;
        }
    } else if (!strcmp(a, "--tls-cert")) {
        if (!(o->tls_cert = need_value(argc, argv, i)))
            return -1;
    } else if (!strcmp(a, "--tls-key")) {
        if (!(o->tls_key = need_value(argc, argv, i)))
            return -1;
    } else if (!strcmp(a, "--log")) {
        if (!(v = need_value(argc, argv, i)))
            return -1;
        if (log_parse_format(v, &o->log_format)) {
            fprintf(stderr, "--log wants 'text' or 'json', not '%.40s'\n", v);
            return -1;
        }
    } else if (!strcmp(a, "--journal-size")) {
        if (!(v = need_value(argc, argv, i)))
            return -1;
        if (parse_i64(v, 1, 100000000, &n)) {
            fprintf(stderr, "--journal-size wants a number from 1 to 100000000\n");
            return -1;
        }
        o->journal_size = (size_t)n;
    } else if (!strcmp(a, "--threads")) {
        if (!(v = need_value(argc, argv, i)))
            return -1;
        if (parse_i64(v, 1, 64, &n)) {
            fprintf(stderr, "--threads wants a number from 1 to 64\n");
            return -1;
        }
        o->threads = (unsigned)n;
    } else if (!strcmp(a, "--conn-timeout")) {
        if (!(v = need_value(argc, argv, i)))
            return -1;
        if (parse_i64(v, 1, 3600, &n)) {
            fprintf(stderr, "--conn-timeout wants seconds from 1 to 3600, not '%.40s'\n", v);
            return -1;
        }
        o->limits.request_timeout_ms = n * 1000;
    } else if (!strcmp(a, "--max-conns-per-client")) {
        if (!(v = need_value(argc, argv, i)))
            return -1;
        if (parse_i64(v, 1, LIM_CONNECTIONS, &n)) {
            fprintf(stderr, "--max-conns-per-client wants a number from 1 to %u\n", LIM_CONNECTIONS);
            return -1;
        }
        o->limits.per_client = (unsigned)n;
    } else if (!strcmp(a, "--allow-host")) {
        if (!(v = need_value(argc, argv, i)))
            return -1;
        if (o->n_allow_hosts >= LIM_ALLOW_HOSTS || !v[0] || strlen(v) > 255 ||
            strpbrk(v, "/ \t\r\n,@")) {
            fprintf(stderr, "--allow-host wants a host name (at most %u of them), not '%.60s'\n",
                    LIM_ALLOW_HOSTS, v);
            return -1;
        }
        o->allow_hosts[o->n_allow_hosts++] = v;
    } else if (!strcmp(a, "--admin-token-file")) {
        if (!(v = need_value(argc, argv, i)))
            return -1;
        if (read_token_file(v, o->admin_token, sizeof o->admin_token))
            return -1;
    } else {
        return 0;
    }
    return 1;
}

/* Whether the --listen address is a loopback one (127.x, localhost,
 * [::1]); the address itself was checked when the server started. */
static int listen_is_loopback(const char *listen)
{
    return !strncmp(listen, "localhost:", 10) || !strncmp(listen, "[::1]:", 6) ||
           !strncmp(listen, "127.", 4);
}

/* Whether host (a Host header's value) is name followed by ":port", or
 * name alone when port is the scheme's default. */
static int host_is(const char *host, size_t hlen, const char *name, size_t nlen, unsigned port,
                   unsigned default_port)
{
    if (hlen < nlen || strncasecmp(host, name, nlen))
        return 0;
    const char *rest = host + nlen;
    size_t rlen = hlen - nlen;
    if (rlen == 0)
        return port == default_port || port == 0;
    if (rest[0] != ':' || rlen < 2 || rlen > 6)
        return 0;
    int64_t p;
    char num[8];
    memcpy(num, rest + 1, rlen - 1);
    num[rlen - 1] = '\0';
    if (parse_i64(num, 1, 65535, &p))
        return 0;
    return port == 0 || (unsigned)p == port;
}

/* The host part of "ADDR:PORT" / "[v6]:PORT" (brackets kept): its length. */
static size_t listen_host_len(const char *listen)
{
    const char *colon = listen[0] == '[' ? strchr(listen, ']') : strrchr(listen, ':');
    if (!colon)
        return strlen(listen);
    return listen[0] == '[' ? (size_t)(colon - listen) + 1 : (size_t)(colon - listen);
}

int serveropts_host_allowed(const struct server_opts *o, const struct http_req *req)
{
    const char *host = http_header(req, "Host");
    if (!host)
        return 0;
    size_t hlen = strlen(host);
    unsigned dflt = o->tls_cert ? 443 : 80;
    static const char *const fixed[] = {"127.0.0.1", "localhost", "[::1]", NULL};
    for (size_t i = 0; fixed[i]; i++)
        if (host_is(host, hlen, fixed[i], strlen(fixed[i]), o->port, dflt))
            return 1;
    size_t ll = listen_host_len(o->listen);
    if (ll && strncmp(o->listen, "0.0.0.0", ll) && strncmp(o->listen, "[::]", ll) &&
        host_is(host, hlen, o->listen, ll, o->port, dflt))
        return 1;
    for (size_t i = 0; i < o->n_allow_hosts; i++) {
        const char *n = o->allow_hosts[i];
        /* NAME:PORT given: that port only */
        size_t nl = listen_host_len(n);
        if (n[nl] == ':') {
            if (hlen == strlen(n) && !strncasecmp(host, n, hlen))
                return 1;
        } else if (host_is(host, hlen, n, strlen(n), o->port, dflt)) {
            return 1;
        }
    }
    return 0;
}

int serveropts_host_named(const struct server_opts *o, const struct http_req *req,
                          const char *name)
{
    const char *host = http_header(req, "Host");
    return host && host_is(host, strlen(host), name, strlen(name), o->port,
                           o->tls_cert ? 443 : 80);
}

int serveropts_listens_on_loopback(const struct server_opts *o)
{
    return listen_is_loopback(o->listen);
}

int serveropts_validate(const struct server_opts *o)
{
    if (!serveropts_listens_on_loopback(o) && !o->admin_token[0]) {
        fprintf(stderr, "listening on '%.100s', which is not a loopback address, needs "
                        "--admin-token-file: the admin API must not be open to the network\n",
                o->listen);
        return -1;
    }
    return 0;
}

int serveropts_setup(const struct server_opts *o)
{
    if (serveropts_validate(o))
        return -1;
    log_setup(o->program ? o->program : "kit", o->log_format, LOG_INFO);
    dclock_init(o->time_scale);
    return 0;
}

int serveropts_admin_allowed(const struct server_opts *o, const struct http_req *req)
{
    /* On loopback, local tools (curl, tests) are trusted; a browser page of
     * another site is not, though it runs on this machine: it sends its
     * Origin.  Listening anywhere else, everyone needs the token. */
    if (serveropts_listens_on_loopback(o) && req->peer_loopback &&
        serveropts_host_allowed(o, req) &&
        (!http_header(req, "Origin") || web_same_origin(req)))
        return 1;
    if (!o->admin_token[0])
        return 0;
    const char *t = http_header(req, "X-Admin-Token");
    return t && rng_equal(t, strlen(t), o->admin_token, strlen(o->admin_token));
}

int serveropts_fixtures_dir(const char *given, char *out, size_t cap)
{
    return kit_fixtures_dir(given, out, cap);
}

void serveropts_announce(const struct http_server *srv)
{
    printf("listening on %s\n", http_base_url(srv));
    fflush(stdout);
}

int serveropts_serve(struct server_opts *o, http_handler_fn handler, http_done_fn done,
                     void *app, void (*started)(void *app, const char *base_url))
{
    http_signals_block();
    struct http_config hc = {
        .listen = o->listen,
        .tls_cert_file = o->tls_cert,
        .tls_key_file = o->tls_key,
        .threads = o->threads,
        .handler = handler,
        .done = done,
        .app = app,
        .conn_data_free = o->conn_data_free,
        .limits = &o->limits,
        .refuse = o->refuse,
    };
    char err[512];
    struct http_server *srv = http_start(&hc, err, sizeof err);
    if (!srv) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    o->port = http_port(srv);
    if (started)
        started(app, http_base_url(srv));
    serveropts_announce(srv);
    int sig = http_signals_wait();
    log_info("stopping on signal %d", sig);
    http_stop(srv);
    return 0;
}
