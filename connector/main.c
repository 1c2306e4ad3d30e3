/* main.c - the reference connector's entry: parses the command line, loads
 * the config, prepares the state folder and runs one command.  The result
 * is the exit code (CONTRACT.md section 4). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "defects.h"
#include "commands.h"
#include "config.h"
#include "ctx.h"
#include "dclock.h"
#include "jarena.h"
#include "kitpaths.h"
#include "log.h"
#include "state.h"
#include "strutil.h"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: connector <command> --config FILE [options]\n"
            "  or:  connector --help | --version\n\n"
            "The reference connector: moves a Smartsheet organisation's users and Event\n"
            "Reporting events into a Cloud App Security app-connector instance, as the\n"
            "connector contract (CONTRACT.md) says.  Secrets live only in the config file\n"
            "and the state folder.\n\n"
            "Commands:\n"
            "  authorize-url                      print the Smartsheet consent URL\n"
            "  authorize --callback-url URL       finish the consent, keep the tokens\n"
            "  check                              \"Test now\": admin and Event Reporting\n"
            "  sync                               one catch-up pass, then exit\n"
            "  run                                sync on a schedule until SIGTERM\n\n"
            "exit codes: 0 ok, 1 failure, 2 usage/config, 3 authorisation needed,\n"
            "            4 prerequisite missing, 5 transient (rerun resumes)\n\n"
            "mapping table: the config's mapping_file, else $KIT_FIXTURES/mapping/\n"
            "smartsheet-cas.json, else ../share/" KIT_PACKAGE "/fixtures/mapping/ beside\n"
            "this program, else the source tree's\n");
}

static volatile sig_atomic_t abandon_on_stop;   /* self-test defect stop-abandons-batch */

static void on_signal(int sig)
{
    (void)sig;
    if (abandon_on_stop)
        _exit(0);
    conn_stop_requested = 1;
}

int main(int argc, char **argv)
{
    const char *cmd = NULL, *config = NULL, *callback = NULL;
    jarena_install();
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return CONN_OK;
    }
    if (argc >= 2 && !strcmp(argv[1], "--version")) {
        kit_print_version(argv[0], "connector", 1);
        return CONN_OK;
    }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--config") && i + 1 < argc) {
            config = argv[++i];
        } else if (!strcmp(argv[i], "--callback-url") && i + 1 < argc) {
            callback = argv[++i];
        } else if (argv[i][0] != '-' && !cmd) {
            cmd = argv[i];
        } else {
            char a[80];
            str_sanitize(argv[i], a, sizeof a);
            fprintf(stderr, "connector: unexpected argument '%s'\n", a);
            usage(stderr);
            return CONN_ERR_USAGE;
        }
    }
    static const char *const cmds[] = {"authorize-url", "authorize", "check", "sync", "run",
                                       NULL};
    int known = 0;
    for (size_t i = 0; cmd && cmds[i]; i++)
        known |= !strcmp(cmd, cmds[i]);
    if (!cmd || !known || !config) {
        fprintf(stderr, "connector: %s\n", !cmd     ? "no command given"
                                           : !known ? "unknown command"
                                                    : "--config FILE is required");
        usage(stderr);
        return CONN_ERR_USAGE;
    }
    if (!strcmp(cmd, "authorize") != !!callback) {
        fprintf(stderr, "connector: --callback-url is %s\n",
                callback ? "only for the authorize command" : "required for authorize");
        return CONN_ERR_USAGE;
    }
    log_setup("connector", LOG_TEXT, LOG_INFO);
    struct conn_config cfg;
    char err[700];
    if (conn_config_load(config, &cfg, err, sizeof err)) {
        log_error("%s", err);
        return CONN_ERR_USAGE;
    }
    log_setup("connector", cfg.log_format, LOG_INFO);
    struct stat cst;
    if (!stat(config, &cst) && (cst.st_mode & 077))
        log_warn("the config file is readable by other users, and it holds secrets: "
                 "chmod 600 it");
    if (conn_defect("secret-in-log"))
        log_info("client secret %s", cfg.client_secret);
    dclock_init(cfg.time_scale);
    if (conn_state_prepare(cfg.state_dir, err, sizeof err)) {
        log_error("%s", err);
        conn_config_release(&cfg);
        return CONN_ERR_OTHER;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    abandon_on_stop = conn_defect("stop-abandons-batch");
    if (!conn_defect("sigterm-default"))
        sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    sigset_t stop_signals;              /* a parent may have blocked them */
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    sigprocmask(SIG_UNBLOCK, &stop_signals, NULL);
    curl_global_init(CURL_GLOBAL_DEFAULT);

    struct conn_ctx x;
    enum conn_rc rc = conn_ctx_init(&x, &cfg);
    int needs_tokens = strcmp(cmd, "authorize-url") && strcmp(cmd, "authorize");
    if (rc == CONN_OK && needs_tokens && x.tokens_corrupt)
        rc = CONN_ERR_OTHER;
    if (rc == CONN_OK) {
        if (!strcmp(cmd, "authorize-url"))
            rc = conn_cmd_authorize_url(&x);
        else if (!strcmp(cmd, "authorize"))
            rc = conn_cmd_authorize(&x, callback);
        else if (!strcmp(cmd, "check"))
            rc = conn_cmd_check(&x);
        else if (!strcmp(cmd, "sync"))
            rc = conn_cmd_sync(&x);
        else
            rc = conn_cmd_run(&x);
    }
    conn_ctx_release(&x);
    conn_config_release(&cfg);
    if (!jarena_live(jarena_mine()))       /* a page still held: left to exit */
        jarena_free(jarena_mine());
    curl_global_cleanup();
    if (rc)
        log_error("%s: %s (exit %d)", cmd, conn_rc_text(rc), (int)rc);
    return (int)rc;
}
