/* portal_conn.c - the connector behind the portal's buttons (portal.h).
 * Every child is started with fork/exec, never a shell; secrets go only
 * into the instance's 0600 config file inside 0700 folders. */
#include "portal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../mock-cas/cas.h"
#include "dclock.h"
#include "log.h"
#include "rng.h"
#include "spawn.h"
#include "../mock-cas/store.h"
#include "strutil.h"

#define CMD_TIMEOUT_MS 120000

int portal_init(struct portal *p, const char *connector_cmd, const char *smartsheet_url,
                double time_scale)
{
    memset(p, 0, sizeof *p);
    p->connector_cmd = connector_cmd;
    p->smartsheet_url = smartsheet_url;
    p->time_scale = time_scale > 0 ? time_scale : 1;
    pthread_mutex_init(&p->mu, NULL);
    return 0;
}

/* Waits up to ms for pid; 1 when it ended (status in *status). */
static int wait_for(pid_t pid, int ms, int *status)
{
    for (int waited = 0; waited <= ms; waited += 20) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD))
            return 1;
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return 0;
}

/* SIGTERM, up to 10 s for the batch in flight, then SIGKILL.  Returns the
 * exit code (128 + signal when killed). */
static int stop_pid(pid_t pid)
{
    int status = 0;
    kill(pid, SIGTERM);
    if (!wait_for(pid, 10000, &status)) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void stop_run(struct portal_inst *in)
{
    if (in->run_pid <= 0)
        return;
    in->run_rc = stop_pid(in->run_pid);
    in->run_pid = 0;
    log_info("portal: connector for instance %lld stopped", (long long)in->id);
}

/* Takes the instance's running `connector run` away from it (mu not held)
 * and stops it, so a command that rotates tokens never races it.  Returns
 * whether one was running. */
static int pause_run(struct portal *p, int64_t id)
{
    pid_t pid = 0;
    pthread_mutex_lock(&p->mu);
    struct portal_inst *in = NULL;
    for (size_t i = 0; i < p->ninst && !in; i++)
        if (p->inst[i].id == id)
            in = &p->inst[i];
    if (in && in->run_pid > 0) {
        pid = in->run_pid;
        in->run_pid = 0;
    }
    pthread_mutex_unlock(&p->mu);
    if (pid > 0)
        stop_pid(pid);
    return pid > 0;
}

void portal_shutdown(struct portal *p)
{
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < p->ninst; i++)
        stop_run(&p->inst[i]);
    if (p->workdir[0])
        spawn_remove_tree(p->workdir);
    pthread_mutex_unlock(&p->mu);
    pthread_mutex_destroy(&p->mu);
}

/* Makes the portal's private workdir once (caller holds mu). */
static int ensure_workdir(struct portal *p, char *err, size_t errlen)
{
    if (p->workdir[0])
        return 0;
    const char *tmp = getenv("TMPDIR");
    snprintf(p->workdir, sizeof p->workdir, "%s/mock-cas-portal.XXXXXX",
             tmp && *tmp && strlen(tmp) < 400 ? tmp : "/tmp");
    if (!mkdtemp(p->workdir)) {
        snprintf(err, errlen, "cannot make a private folder for the connector: %s",
                 strerror(errno));
        p->workdir[0] = '\0';
        return -1;
    }
    chmod(p->workdir, 0700);
    return 0;
}

static struct portal_inst *find_inst(struct portal *p, int64_t id)
{
    for (size_t i = 0; i < p->ninst; i++)
        if (p->inst[i].id == id)
            return &p->inst[i];
    return NULL;
}

/* Writes the instance's config (0600, created fresh). */
static int write_config(struct cas_app *app, const struct portal_inst *in, const char *client_id,
                        const char *secret, const char *token, char *err, size_t errlen)
{
    struct portal *p = app->portal;
    char path[700], state[700], ss[600];
    snprintf(path, sizeof path, "%s/config.json", in->dir);
    snprintf(state, sizeof state, "%s/state", in->dir);
    snprintf(ss, sizeof ss, "%s", p->smartsheet_url);
    size_t n = strlen(ss);
    while (n && ss[n - 1] == '/')
        ss[--n] = '\0';
    char api[700], authz[700], redirect[400];
    snprintf(api, sizeof api, "%s/2.0", ss);
    snprintf(authz, sizeof authz, "%s/b/authorize", ss);
    snprintf(redirect, sizeof redirect, "%s/api/oauth/saga", p->base_url);
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "smartsheet_api_url", api);
    cJSON_AddStringToObject(c, "smartsheet_authorize_url", authz);
    cJSON_AddStringToObject(c, "client_id", client_id);
    cJSON_AddStringToObject(c, "client_secret", secret);
    cJSON_AddStringToObject(c, "redirect_url", redirect);
    cJSON_AddStringToObject(c, "cas_url", p->base_url);
    cJSON_AddNumberToObject(c, "cas_instance_id", (double)in->id);
    cJSON_AddStringToObject(c, "cas_token", token);
    cJSON_AddStringToObject(c, "state_dir", state);
    cJSON_AddNumberToObject(c, "time_scale", p->time_scale);
    char *text = cJSON_PrintUnformatted(c);
    cJSON_Delete(c);
    int rc = -1;
    int fd = text ? open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600) : -1;
    if (fd >= 0) {
        size_t len = strlen(text), off = 0;
        while (off < len) {
            ssize_t w = write(fd, text + off, len - off);
            if (w <= 0 && errno != EINTR)
                break;
            if (w > 0)
                off += (size_t)w;
        }
        rc = off == len && !fsync(fd) ? 0 : -1;
        close(fd);
    }
    if (text) {
        explicit_bzero(text, strlen(text));
        cJSON_free(text);
    }
    if (rc)
        snprintf(err, errlen, "cannot write the connector's config file");
    return rc;
}

/* Runs `connector <cmd> --config <dir>/config.json [extra...]`. */
static int run_cmd(struct portal *p, const char *dir, const char *cmd, const char *opt,
                   const char *optval, struct run_result *res)
{
    char config[700];
    snprintf(config, sizeof config, "%s/config.json", dir);
    char *argv[8] = {(char *)p->connector_cmd, (char *)cmd, "--config", config, NULL};
    if (opt) {
        argv[4] = (char *)opt;
        argv[5] = (char *)optval;
        argv[6] = NULL;
    }
    if (spawn_run(argv, NULL, CMD_TIMEOUT_MS, -1, res)) {
        log_warn("portal: cannot run the connector (%s)", cmd);
        return -1;
    }
    return res->exited ? res->code : 128 + res->code;
}

/* The last non-empty line of text, sanitised, into out. */
static void last_line(const char *text, char *out, size_t cap)
{
    out[0] = '\0';
    if (!text)
        return;
    const char *end = text + strlen(text);
    while (end > text && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
        end--;
    const char *start = end;
    while (start > text && start[-1] != '\n')
        start--;
    char line[600];
    size_t n = (size_t)(end - start) < sizeof line - 1 ? (size_t)(end - start) : sizeof line - 1;
    memcpy(line, start, n);
    line[n] = '\0';
    str_sanitize(line, out, cap);
}

/* Asks the connector for a consent URL; remembers its state.  mu not held. */
static int consent_url(struct cas_app *app, int64_t id, char *url, size_t cap, char *err,
                       size_t errlen)
{
    struct portal *p = app->portal;
    pthread_mutex_lock(&p->mu);
    struct portal_inst *in = find_inst(p, id);
    char dir[600];
    snprintf(dir, sizeof dir, "%s", in ? in->dir : "");
    pthread_mutex_unlock(&p->mu);
    if (!in) {
        snprintf(err, errlen, "no such app connector");
        return -1;
    }
    struct run_result r;
    int rc = run_cmd(p, dir, "authorize-url", NULL, NULL, &r);
    char line[600];
    last_line(r.err.ptr, line, sizeof line);
    size_t n = r.out.ptr ? strcspn(r.out.ptr, "\r\n") : 0;
    if (rc != 0 || !n || n >= cap || strncmp(r.out.ptr, "http", 4)) {
        snprintf(err, errlen, "the connector could not make a consent URL (exit %d%s%s)", rc,
                 line[0] ? ": " : "", line);
        run_result_release(&r);
        return -1;
    }
    memcpy(url, r.out.ptr, n);
    url[n] = '\0';
    run_result_release(&r);
    char state[160] = "";
    const char *q = strchr(url, '?');
    if (!q || form_get(q + 1, strlen(q + 1), "state", state, sizeof state) != 1) {
        snprintf(err, errlen, "the connector's consent URL has no state");
        return -1;
    }
    pthread_mutex_lock(&p->mu);
    in = find_inst(p, id);
    if (in)
        snprintf(in->oauth_state, sizeof in->oauth_state, "%s", state);
    pthread_mutex_unlock(&p->mu);
    explicit_bzero(state, sizeof state);
    return 0;
}

int portal_conn_create(struct cas_app *app, const char *name, const char *client_id,
                       const char *client_secret, int64_t *id, char *url, size_t url_cap,
                       char *err, size_t errlen)
{
    struct portal *p = app->portal;
    if (!p->connector_cmd || !p->smartsheet_url) {
        snprintf(err, errlen, "this mock-cas runs no connector (start it with --connector-cmd "
                              "and --smartsheet-url)");
        return -1;
    }
    pthread_mutex_lock(&p->mu);
    if (p->ninst >= PORTAL_MAX_INSTANCES) {
        pthread_mutex_unlock(&p->mu);
        snprintf(err, errlen, "at most %d app connectors", PORTAL_MAX_INSTANCES);
        return -1;
    }
    if (ensure_workdir(p, err, errlen)) {
        pthread_mutex_unlock(&p->mu);
        return -1;
    }
    char token[65];
    if (store_instance_create(app->store, name, id, token)) {
        pthread_mutex_unlock(&p->mu);
        snprintf(err, errlen, "the instance could not be stored");
        return -1;
    }
    struct portal_inst *in = &p->inst[p->ninst];
    memset(in, 0, sizeof *in);
    in->id = *id;
    in->last_check_rc = -1;
    in->run_rc = -1;
    snprintf(in->client_id, sizeof in->client_id, "%s", client_id);
    snprintf(in->dir, sizeof in->dir, "%s/instance-%lld", p->workdir, (long long)*id);
    int rc = mkdir(in->dir, 0700);
    if (!rc)
        rc = write_config(app, in, client_id, client_secret, token, err, errlen);
    else
        snprintf(err, errlen, "cannot make the connector's folder: %s", strerror(errno));
    explicit_bzero(token, sizeof token);
    if (!rc)
        p->ninst++;
    pthread_mutex_unlock(&p->mu);
    if (rc)
        return -1;
    log_info("portal: app connector %lld created", (long long)*id);
    return consent_url(app, *id, url, url_cap, err, errlen);
}

int portal_conn_reconnect(struct cas_app *app, int64_t id, char *url, size_t url_cap, char *err,
                          size_t errlen)
{
    return consent_url(app, id, url, url_cap, err, errlen);
}

/* The instance's latest status as "<stage>: <message>" into out; 0 when
 * it is an error with a message, -1 otherwise. */
static int latest_error(struct cas_app *app, int64_t id, char *out, size_t cap)
{
    struct buf b;
    buf_init(&b, 1024 * 1024);
    int rc = -1;
    if (!store_instance_json(app->store, id, &b)) {
        cJSON *j = cJSON_ParseWithLength(b.ptr, b.len);
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "status");
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(st, "status");
        const cJSON *stage = cJSON_GetObjectItemCaseSensitive(st, "stage");
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(st, "message");
        if (cJSON_IsString(s) && !strcmp(s->valuestring, "error") && cJSON_IsString(m)) {
            snprintf(out, cap, "%s%s%s", cJSON_IsString(stage) ? stage->valuestring : "",
                     cJSON_IsString(stage) ? ": " : "", m->valuestring);
            rc = 0;
        }
        cJSON_Delete(j);
    }
    buf_release(&b);
    return rc;
}

int portal_conn_authorize(struct cas_app *app, const char *state, const char *callback_url,
                          int64_t *id, char *msg, size_t msg_cap)
{
    struct portal *p = app->portal;
    *id = 0;
    if (!p->connector_cmd || !state || !*state)
        return -1;
    char dir[600] = "";
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < p->ninst && !*id; i++) {
        struct portal_inst *in = &p->inst[i];
        size_t a = strlen(in->oauth_state);
        if (a && rng_equal(in->oauth_state, a, state, strlen(state))) {
            *id = in->id;
            snprintf(dir, sizeof dir, "%s", in->dir);
            in->oauth_state[0] = '\0';
            in->busy++;
        }
    }
    pthread_mutex_unlock(&p->mu);
    if (!*id)
        return -1;
    pause_run(p, *id);          /* new tokens replace the ones it holds */
    struct run_result r;
    int rc = run_cmd(p, dir, "authorize", "--callback-url", callback_url, &r);
    char line[600];
    last_line(r.err.ptr, line, sizeof line);
    run_result_release(&r);
    char why[500];
    if (rc == 0)
        snprintf(msg, msg_cap, "Smartsheet authorized the app. Select Test now to check the "
                               "connection.");
    else if (!latest_error(app, *id, why, sizeof why))
        snprintf(msg, msg_cap, "Connecting in Smartsheet failed. %s", why);
    else
        snprintf(msg, msg_cap, "Connecting in Smartsheet failed (connector exit %d)%s%s", rc,
                 line[0] ? ": " : "", line);
    pthread_mutex_lock(&p->mu);
    struct portal_inst *in = find_inst(p, *id);
    if (in) {
        in->last_check_rc = rc;
        snprintf(in->last_check, sizeof in->last_check, "%s", msg);
        in->busy--;
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

/* Starts `connector run` for in (mu held).  Its output goes to connector.log. */
static void start_run(struct portal *p, struct portal_inst *in)
{
    char config[700], logpath[700];
    snprintf(config, sizeof config, "%s/config.json", in->dir);
    snprintf(logpath, sizeof logpath, "%s/connector.log", in->dir);
    int logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, 0);
            dup2(logfd >= 0 ? logfd : devnull, 1);
            dup2(logfd >= 0 ? logfd : devnull, 2);
        }
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (int fd = 3; fd < 1024; fd++)
            close(fd);
        char *argv[] = {(char *)p->connector_cmd, "run", "--config", config, NULL};
        execv(argv[0], argv);
        _exit(127);
    }
    if (logfd >= 0)
        close(logfd);
    if (pid < 0) {
        log_warn("portal: cannot start the connector: %s", strerror(errno));
        return;
    }
    in->run_pid = pid;
    in->run_rc = -1;
    log_info("portal: connector running for instance %lld (pid %ld)", (long long)in->id,
             (long)pid);
}

int portal_conn_check(struct cas_app *app, int64_t id, char *msg, size_t msg_cap)
{
    struct portal *p = app->portal;
    if (!p->connector_cmd) {
        snprintf(msg, msg_cap, "this mock-cas runs no connector");
        return -1;
    }
    pthread_mutex_lock(&p->mu);
    struct portal_inst *in = find_inst(p, id);
    char dir[600];
    snprintf(dir, sizeof dir, "%s", in ? in->dir : "");
    int busy = in && in->busy;
    if (in && !busy)
        in->busy++;
    pthread_mutex_unlock(&p->mu);
    if (!in) {
        snprintf(msg, msg_cap, "no such app connector");
        return -1;
    }
    if (busy) {         /* a second check at once would spend the same refresh token */
        snprintf(msg, msg_cap, "Test now or an authorization is already running for this "
                               "connector; its result will show here.");
        return -1;
    }
    int was_running = pause_run(p, id);   /* check may refresh (rotate) the tokens */
    struct run_result r;
    int rc = run_cmd(p, dir, "check", NULL, NULL, &r);
    char line[600], why[500];
    last_line(r.err.ptr, line, sizeof line);
    run_result_release(&r);
    if (rc == 0)
        snprintf(msg, msg_cap, "Connected: the user is a System Admin and Event Reporting is "
                               "readable.");
    else if (!latest_error(app, id, why, sizeof why))
        snprintf(msg, msg_cap, "Test now failed. %s", why);
    else
        snprintf(msg, msg_cap, "Test now failed (connector exit %d)%s%s", rc,
                 line[0] ? ": " : "", line);
    pthread_mutex_lock(&p->mu);
    in = find_inst(p, id);
    if (in) {
        in->last_check_rc = rc;
        snprintf(in->last_check, sizeof in->last_check, "%s", msg);
        if (rc == 0) {
            if (!in->connected_ms)
                in->connected_ms = dclock_wall_ms();
            if (in->run_pid <= 0)
                start_run(p, in);
        } else if (rc == 5 && was_running && in->run_pid <= 0) {
            start_run(p, in);          /* Smartsheet did not answer: keep syncing */
        }
        in->busy--;
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

int portal_conn_get(struct portal *p, int64_t id, struct portal_inst *out)
{
    pthread_mutex_lock(&p->mu);
    struct portal_inst *in = find_inst(p, id);
    if (in && in->run_pid > 0) {
        int status;
        if (waitpid(in->run_pid, &status, WNOHANG) == in->run_pid) {
            in->run_pid = 0;
            in->run_rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
    }
    if (in)
        *out = *in;
    pthread_mutex_unlock(&p->mu);
    return in ? 0 : -1;
}
