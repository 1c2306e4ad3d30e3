/* ctenv.c - a test's doubles, folder, config and connector runs. */
#include "ctenv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "dclock.h"
#include "httpc.h"
#include "kitpaths.h"
#include "judge.h"
#include "runlog.h"
#include "secrets.h"
#include "verdict.h"

struct ct_opts ct_opts = {.time_scale = 60};
/* The scale of the env started last in this process (0: the run's). */
static double cur_scale;

static void set_err(struct ct_env *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(struct ct_env *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->err, sizeof e->err, fmt, ap);
    va_end(ap);
}

/* ---- test CA for TLS ---------------------------------------------------- */

static int openssl_run(struct ct_env *e, char *const argv[])
{
    struct run_result r;
    if (spawn_run(argv, NULL, 30000, -1, &r)) {
        set_err(e, "cannot run openssl");
        return -1;
    }
    int ok = r.exited && r.code == 0;
    if (!ok)
        set_err(e, "openssl %s failed: %.200s", argv[1], r.err.ptr ? r.err.ptr : "");
    run_result_release(&r);
    return ok ? 0 : -1;
}

/* A CA and a server certificate for 127.0.0.1 (or, wrong_host, for a name
 * that is not the servers'), made fresh for this test. */
static int make_certs(struct ct_env *e, int wrong_host, char *cert, char *key, size_t cap)
{
    char cakey[PATH_MAX], csr[PATH_MAX], ext[PATH_MAX], subj_ca[] = "/CN=conformance test CA";
    snprintf(e->ca_file, sizeof e->ca_file, "%s/ca.pem", e->dir);
    snprintf(cakey, sizeof cakey, "%s/ca.key", e->dir);
    snprintf(csr, sizeof csr, "%s/server.csr", e->dir);
    snprintf(ext, sizeof ext, "%s/server.ext", e->dir);
    snprintf(cert, cap, "%s/server.pem", e->dir);
    snprintf(key, cap, "%s/server.key", e->dir);
    FILE *f = fopen(ext, "w");
    if (!f) {
        set_err(e, "cannot write %s", ext);
        return -1;
    }
    fputs(wrong_host ? "subjectAltName=DNS:api.other.example\nbasicConstraints=CA:FALSE\n"
                     : "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n",
          f);
    fclose(f);
    char *ca[] = {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                  "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", cakey, "-out",
                  e->ca_file, "-days", "2", "-subj", subj_ca, NULL};
    char *req[] = {"/usr/bin/openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                   "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", csr,
                   "-subj", wrong_host ? "/CN=api.other.example" : "/CN=127.0.0.1", NULL};
    char *sign[] = {"/usr/bin/openssl", "x509", "-req", "-in", csr, "-CA", e->ca_file,
                    "-CAkey", cakey, "-CAcreateserial", "-out", cert, "-days", "2",
                    "-extfile", ext, NULL};
    if (openssl_run(e, ca) || openssl_run(e, req) || openssl_run(e, sign))
        return -1;
    return 0;
}

/* ---- doubles ------------------------------------------------------------ */

static int start_double(struct ct_env *e, const char *name, const struct ct_env_cfg *cfg,
                        const char *cert, const char *key, struct child *out)
{
    char exe[PATH_MAX + 32], scale[32], logp[PATH_MAX + 32], code_life[32];
    kit_program_path(ct_opts.bin_dir, name, exe, sizeof exe);
    snprintf(scale, sizeof scale, "%g", e->scale);
    /* A code lives ten minutes of duration time at Smartsheet: ten real
     * seconds at scale 60, too short for a connector that takes seconds to
     * start.  The suite gives it at least three real minutes. */
    double life = 180000.0 * e->scale;
    snprintf(code_life, sizeof code_life, "%.0f", life < 600000 ? 600000 : life > 3e10 ? 3e10 : life);
    snprintf(logp, sizeof logp, "%s/%s.log", e->dir, name);
    char *argv[24];
    int n = 0;
    argv[n++] = exe;
    argv[n++] = "--listen";
    argv[n++] = "127.0.0.1:0";
    argv[n++] = "--time-scale";
    argv[n++] = scale;
    argv[n++] = "--threads";
    argv[n++] = "4";
    if (ct_opts.fixtures[0]) {
        argv[n++] = "--fixtures";
        argv[n++] = ct_opts.fixtures;
    }
    if (!strcmp(name, "mock-smartsheet")) {
        if (cfg->scenario) {
            argv[n++] = "--scenario";
            argv[n++] = (char *)cfg->scenario;
        }
        if (cfg->rate_limit) {
            argv[n++] = "--rate-limit";
            argv[n++] = (char *)cfg->rate_limit;
        }
        argv[n++] = "--code-lifetime";
        argv[n++] = code_life;
        /* Consent and API on different host names, as app.smartsheet.com
         * and api.smartsheet.com: one URL cannot be derived from the other. */
        argv[n++] = "--app-host";
        argv[n++] = "localhost";
    }
    if (cert) {
        argv[n++] = "--tls-cert";
        argv[n++] = (char *)cert;
        argv[n++] = "--tls-key";
        argv[n++] = (char *)key;
    }
    argv[n] = NULL;
    char err[300];
    if (spawn_double(argv, logp, 10000, out, err, sizeof err)) {
        set_err(e, "%s did not start: %s", name, err);
        return -1;
    }
    return 0;
}

static void config_defaults(struct ct_env *e)
{
    char buf[700];
    cJSON *c = cJSON_CreateObject();
    snprintf(buf, sizeof buf, "%s/2.0", e->ss_url);
    cJSON_AddStringToObject(c, "smartsheet_api_url", buf);
    snprintf(buf, sizeof buf, "%s/b/authorize", e->ss_app_url);
    cJSON_AddStringToObject(c, "smartsheet_authorize_url", buf);
    cJSON_AddStringToObject(c, "client_id", e->client_id);
    cJSON_AddStringToObject(c, "client_secret", e->secret);
    snprintf(buf, sizeof buf, "%s/api/oauth/saga", e->cas_url);
    cJSON_AddStringToObject(c, "redirect_url", buf);
    cJSON_AddStringToObject(c, "cas_url", e->cas_url);
    cJSON_AddNumberToObject(c, "cas_instance_id", (double)e->instance_id);
    cJSON_AddStringToObject(c, "cas_token", e->cas_token);
    cJSON_AddStringToObject(c, "state_dir", e->state_dir);
    if (e->ca_file[0])
        cJSON_AddStringToObject(c, "ca_file", e->ca_file);
    if (e->scale != 1)
        cJSON_AddNumberToObject(c, "time_scale", e->scale);
    e->config = c;
}

/* A time zone far from UTC, with a part-hour offset and no daylight
 * saving: a connector that reads or writes local time where the contract
 * says UTC is off by 5 h 45 min (BF-001, MAP-001 catch it). */
static void far_time_zone(void)
{
    if (access("/usr/share/zoneinfo/Asia/Kathmandu", R_OK) == 0)
        setenv("TZ", "Asia/Kathmandu", 1);
    else
        setenv("TZ", "NPT-5:45", 1);   /* the same rule, spelled for POSIX */
}

int ct_env_start(struct ct_env *e, const struct ct_env_cfg *cfg)
{
    memset(e, 0, sizeof *e);
    ct_live_add(e);
    ct_verdict_set_cause(NULL);
    e->scale = ct_opts.time_scale;
    if (cfg->max_scale > 0 && cfg->max_scale < e->scale)
        e->scale = cfg->max_scale;
    cur_scale = e->scale;
    far_time_zone();
    /* The TMPDIR the suite started with (a test's own points into it). */
    static char base[901];
    if (!base[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(base, sizeof base, "%s", t && *t && strlen(t) < sizeof base ? t : "/tmp");
    }
    const char *tmp = base;
    snprintf(e->dir, sizeof e->dir, "%s/ct-XXXXXX", tmp);
    if (!mkdtemp(e->dir)) {
        set_err(e, "mkdtemp: %s", strerror(errno));
        e->dir[0] = '\0';
        return -1;
    }
    snprintf(e->state_dir, sizeof e->state_dir, "%s/state", e->dir);
    snprintf(e->config_path, sizeof e->config_path, "%s/connector.json", e->dir);
    /* Temporary files and a home folder of the connector land inside the
     * test folder, where SEC-002 looks for secrets. */
    char sub[PATH_MAX];
    snprintf(sub, sizeof sub, "%s/home", e->dir);
    if (mkdir(sub, 0700) == 0)
        setenv("HOME", sub, 1);
    snprintf(sub, sizeof sub, "%s/tmp", e->dir);
    if (mkdir(sub, 0700) == 0)
        setenv("TMPDIR", sub, 1);
    /* The contract does not say who creates state_dir: the suite does,
     * private, so that connectors expecting it to exist work too. */
    if (mkdir(e->state_dir, 0700)) {
        set_err(e, "mkdir %s: %s", e->state_dir, strerror(errno));
        return -1;
    }
    char cert[PATH_MAX], key[PATH_MAX];
    int tls = cfg->tls;
    if (tls && make_certs(e, cfg->tls_wrong_host, cert, key, sizeof cert))
        return -1;
    httpc_check_host_name(!cfg->tls_wrong_host);
    if (start_double(e, "mock-smartsheet", cfg, tls ? cert : NULL, tls ? key : NULL, &e->ss) ||
        start_double(e, "mock-cas", cfg, tls ? cert : NULL, tls ? key : NULL, &e->cas))
        return -1;
    snprintf(e->ss_url, sizeof e->ss_url, "%s", e->ss.url);
    /* the same listener under the consent host's name */
    const char *ip = strstr(e->ss.url, "127.0.0.1");
    if (!ip) {
        set_err(e, "mock-smartsheet announced %.200s, not a 127.0.0.1 address", e->ss.url);
        return -1;
    }
    snprintf(e->ss_app_url, sizeof e->ss_app_url, "%.*slocalhost%s", (int)(ip - e->ss.url),
             e->ss.url, ip + 9);
    snprintf(e->cas_url, sizeof e->cas_url, "%s", e->cas.url);

    cJSON *inst = ct_cas(e, "POST", "/_mock/instances", "{\"name\":\"Smartsheet conformance\"}");
    const char *tok = ct_jstr(inst, "token");
    if (!inst || !tok || !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(inst, "instanceId"))) {
        if (inst)
            set_err(e, "mock-cas: POST /_mock/instances answered without instanceId/token");
        cJSON_Delete(inst);
        return -1;
    }
    e->instance_id = ct_jnum(inst, "instanceId");
    snprintf(e->cas_token, sizeof e->cas_token, "%s", tok);
    cJSON_Delete(inst);

    struct buf body;
    buf_init(&body, 4096);
    buf_puts(&body, "{\"name\":\"CAS conformance\",\"description\":\"conformance suite\","
                    "\"appUrl\":\"https://example.com\",\"contactUrl\":\"https://example.com\","
                    "\"publish\":true,\"redirectUrl\":");
    char redirect[600];
    snprintf(redirect, sizeof redirect, "%s/api/oauth/saga", e->cas_url);
    buf_json_str(&body, redirect, strlen(redirect));
    buf_puts(&body, "}");
    cJSON *app = ct_ss(e, "POST", "/_mock/apps", body.ptr);
    buf_release(&body);
    const char *cid = ct_jstr(app, "clientId"), *sec = ct_jstr(app, "secret");
    if (!app || !cid || !sec) {
        if (app)
            set_err(e, "mock-smartsheet: POST /_mock/apps answered without clientId/secret");
        cJSON_Delete(app);
        return -1;
    }
    snprintf(e->client_id, sizeof e->client_id, "%s", cid);
    snprintf(e->secret, sizeof e->secret, "%s", sec);
    cJSON_Delete(app);
    config_defaults(e);
    return ct_env_write_config(e);
}

void ct_env_stop(struct ct_env *e)
{
    if (!e->no_ambient && e->nruns && e->ss.pid > 0 && e->cas.pid > 0)
        ct_ambient_judge(e);
    ct_runs_export(e);
    ct_live_remove(e);
    for (int i = 0; i < e->nruns; i++) {
        buf_release(&e->runs[i].out);
        buf_release(&e->runs[i].err);
    }
    e->nruns = 0;
    if (e->ss.pid > 0)
        spawn_stop(&e->ss, 3000);
    if (e->cas.pid > 0)
        spawn_stop(&e->cas, 3000);
    cJSON_Delete(e->config);
    e->config = NULL;
    if (e->dir[0] && !getenv("KIT_CONFORMANCE_KEEP"))
        spawn_remove_tree(e->dir);
    e->dir[0] = '\0';
}

int ct_env_write_config(struct ct_env *e)
{
    char *text = cJSON_Print(e->config);
    FILE *f = NULL;
    int fd = text ? open(e->config_path, O_WRONLY | O_CREAT | O_TRUNC, 0600) : -1;
    if (fd >= 0)
        f = fdopen(fd, "w");
    int rc = -1;
    if (f && fputs(text, f) >= 0)
        rc = 0;
    if (f) {
        if (fclose(f))
            rc = -1;
    } else if (fd >= 0) {
        close(fd);
    }
    free(text);
    if (rc)
        set_err(e, "cannot write %s", e->config_path);
    return rc;
}

/* ---- connector runs ----------------------------------------------------- */

int ct_budget_ms(int ms_at_60)
{
    double scale = cur_scale > 0 ? cur_scale : ct_opts.time_scale;
    double f = scale > 0 ? 60.0 / scale : 1;
    if (f < 1)
        f = 1;
    double ms = ms_at_60 * f;
    return ms > 2e9 ? 2000000000 : (int)ms;
}

int ct_env_run(struct ct_env *e, const char *cmd, const char *extra1, const char *extra2,
               int timeout_ms, int kill_after_ms, struct run_result *res)
{
    char *argv[8];
    int n = 0;
    argv[n++] = ct_opts.connector;
    argv[n++] = (char *)cmd;
    argv[n++] = "--config";
    argv[n++] = e->config_path;
    if (extra1)
        argv[n++] = (char *)extra1;
    if (extra2)
        argv[n++] = (char *)extra2;
    argv[n] = NULL;
    int64_t t0 = dclock_mono_ms();
    if (spawn_run(argv, NULL, ct_budget_ms(timeout_ms), kill_after_ms, res)) {
        set_err(e, "cannot run the connector %s", ct_opts.connector);
        return -1;
    }
    ct_env_record(e, cmd, res, (double)(dclock_mono_ms() - t0) / 1000.0);
    return 0;
}

/* The last CT_RUN_TAIL bytes of len bytes at p into b. */
static void keep_tail(struct buf *b, const char *p, size_t len)
{
    buf_init(b, CT_RUN_TAIL + 64);
    if (len > CT_RUN_TAIL) {
        buf_printf(b, "[... %zu bytes before]\n", len - CT_RUN_TAIL);
        p += len - CT_RUN_TAIL;
        len = CT_RUN_TAIL;
    }
    buf_append(b, p ? p : "", p ? len : 0);
}

/* SEC-001: the run's whole output against the secrets known now. */
static void scan_output(struct ct_env *e, const char *cmd, const struct run_result *r)
{
    if (e->ss.pid <= 0)
        return;
    struct ct_secrets s;
    char err[sizeof e->err];
    memcpy(err, e->err, sizeof err);          /* loading must not hide the caller's error */
    int loaded = ct_secrets_load(e, &s) == 0;
    memcpy(e->err, err, sizeof err);
    if (!loaded)
        return;
    const struct buf *streams[2] = {&r->out, &r->err};
    const char *names[2] = {"standard output", "standard error"};
    for (int k = 0; k < 2; k++) {
        char what[120];
        size_t at = 0;
        const struct buf *b = streams[k];
        e->scanned_bytes += (long long)b->len;
        if (!e->leak[0] && b->ptr && ct_secret_find(&s, b->ptr, b->len, &at, what, sizeof what))
            snprintf(e->leak, sizeof e->leak, "the %s of `%s` (run %d) holds %s at byte %zu",
                     names[k], cmd, e->nruns + 1, what, at);
    }
    e->scanned_runs++;
    ct_secrets_release(&s);
}

void ct_env_record(struct ct_env *e, const char *cmd, const struct run_result *r,
                   double seconds)
{
    char how[64];
    ct_run_outcome(r, how, sizeof how);
    if (r->timed_out && !e->overtime[0])
        snprintf(e->overtime, sizeof e->overtime,
                 "the suite stopped `%s` after %.1f s of real time, its time limit at this "
                 "time scale (the machine may be too busy, or the connector too slow to start)",
                 cmd, seconds);
    scan_output(e, cmd, r);
    e->last_seconds = seconds;
    e->last_end_ms = dclock_wall_ms();
    if (e->nruns >= CT_MAX_RUNS)
        return;
    struct ct_run_rec *rec = &e->runs[e->nruns++];
    snprintf(rec->cmd, sizeof rec->cmd, "%s", cmd);
    snprintf(rec->how, sizeof rec->how, "%s", how);
    rec->overtime = r->timed_out;
    rec->exited = r->exited;
    rec->code = r->code;
    rec->seconds = seconds;
    rec->end_ms = e->last_end_ms;
    keep_tail(&rec->out, r->out.ptr, r->out.len);
    keep_tail(&rec->err, r->err.ptr, r->err.len);
}

void ct_judge(const struct ct_env *e, const char *id, int ok, const char *fmt, ...)
{
    char ev[1800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ev, sizeof ev, fmt, ap);
    va_end(ap);
    if (ok || !e->overtime[0])
        ct_verdict(id, ok, "%s", ev);
    else
        ct_blocked(id, "not judged, because %s; what was seen: %s", e->overtime, ev);
}

int ct_env_spawn(struct ct_env *e, const char *cmd, pid_t *pid)
{
    static unsigned serial;
    char *out = e->spawn_out, *errp = e->spawn_err;
    snprintf(out, sizeof e->spawn_out, "%.1000s/spawn-%u-%.30s.out", e->dir, serial, cmd);
    snprintf(errp, sizeof e->spawn_err, "%.1000s/spawn-%u-%.30s.err", e->dir, serial++, cmd);
    snprintf(e->spawn_cmd, sizeof e->spawn_cmd, "%s", cmd);
    e->spawn_t0 = dclock_mono_ms();
    pid_t p = fork();
    if (p < 0) {
        set_err(e, "fork: %s", strerror(errno));
        return -1;
    }
    if (p == 0) {
        int in = open("/dev/null", O_RDONLY);
        int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int fe = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in >= 0)
            dup2(in, 0);
        if (fd >= 0)
            dup2(fd, 1);
        if (fe >= 0)
            dup2(fe, 2);
        char *argv[] = {ct_opts.connector, (char *)cmd, "--config", e->config_path, NULL};
        execv(argv[0], argv);
        _exit(127);
    }
    *pid = p;
    return 0;
}

static void describe_status(int status, char *how, size_t cap)
{
    if (WIFEXITED(status))
        snprintf(how, cap, "exit %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(how, cap, "killed by signal %d", WTERMSIG(status));
    else
        snprintf(how, cap, "status %d", status);
}

/* Appends the file at path (capped by out's limit) to out. */
static void read_spawn_file(const char *path, struct buf *out)
{
    FILE *f = fopen(path, "rb");
    char tmp[8192];
    size_t n;
    while (f && (n = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_append(out, tmp, n);
    if (f)
        fclose(f);
}

/* Records a background run that ended with status (its output is in the
 * two spawn files). */
static void record_spawned(struct ct_env *e, int status, const char *killed_why)
{
    struct run_result r;
    memset(&r, 0, sizeof r);
    buf_init(&r.out, 64u * 1024 * 1024);
    buf_init(&r.err, 64u * 1024 * 1024);
    read_spawn_file(e->spawn_out, &r.out);
    read_spawn_file(e->spawn_err, &r.err);
    r.exited = WIFEXITED(status);
    r.code = r.exited ? WEXITSTATUS(status) : WTERMSIG(status);
    ct_env_record(e, e->spawn_cmd, &r, (double)(dclock_mono_ms() - e->spawn_t0) / 1000.0);
    if (killed_why && e->nruns)
        snprintf(e->runs[e->nruns - 1].how, sizeof e->runs[0].how,
                 "killed with SIGKILL by the test (%.58s)", killed_why);
    run_result_release(&r);
}

int ct_env_running(struct ct_env *e, pid_t pid, char *how, size_t cap)
{
    int status;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == 0)
        return 1;
    if (r == pid) {
        describe_status(status, how, cap);
        record_spawned(e, status, NULL);
    } else {
        snprintf(how, cap, "gone");
    }
    return 0;
}

void ct_env_kill(struct ct_env *e, pid_t pid, const char *why, char *how, size_t cap)
{
    int status;
    spawn_kill_tree(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            snprintf(how, cap, "gone");
            return;
        }
    describe_status(status, how, cap);
    record_spawned(e, status, WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? why : NULL);
}

const char *ct_run_outcome(const struct run_result *r, char *out, size_t cap)
{
    if (r->timed_out)
        snprintf(out, cap, "timed out (killed)");
    else if (r->exited)
        snprintf(out, cap, "exit %d", r->code);
    else
        snprintf(out, cap, "killed by signal %d", r->code);
    return out;
}

int ct_env_authorize_url(struct ct_env *e, char *url, size_t cap)
{
    struct run_result r;
    if (ct_env_run(e, "authorize-url", NULL, NULL, 20000, -1, &r))
        return -1;
    int rc = -1;
    const char *o = r.out.ptr ? r.out.ptr : "";
    size_t n = strcspn(o, "\r\n");
    char longer[80];
    snprintf(longer, sizeof longer, "printing a line of %zu bytes, longer than a URL may be", n);
    if (!r.exited || r.code != 0 || n == 0 || n >= cap)
        ct_stage_failed(e, "authorize-url", &r, n == 0 ? "without printing a URL"
                        : n >= cap ? longer : NULL, NULL);
    else {
        memcpy(url, o, n);
        url[n] = '\0';
        rc = 0;
    }
    run_result_release(&r);
    return rc;
}

int ct_env_consent(struct ct_env *e, const char *auth_url, char *location, size_t cap)
{
    char want[600], what[700];
    snprintf(want, sizeof want, "%s/b/authorize?", e->ss_app_url);
    if (strncmp(auth_url, want, strlen(want))) {
        const struct ct_run_rec *last = e->nruns ? &e->runs[e->nruns - 1] : NULL;
        /* A test that ran authorize-url itself: tell what that run did. */
        if (!auth_url[0] && last && !strcmp(last->cmd, "authorize-url")) {
            struct run_result r = {.exited = last->exited, .code = last->code,
                                   .timed_out = last->overtime, .out = last->out,
                                   .err = last->err};
            return ct_stage_failed(e, "authorize-url", &r, "without printing a URL", NULL);
        }
        snprintf(what, sizeof what, "is not at smartsheet_authorize_url %.200s (it is '%.300s')",
                 want, auth_url);
        return ct_step_failed(e, "the consent URL that `authorize-url` printed", what);
    }
    struct httpc_resp r;
    int rc = -1;
    if (httpc_request("GET", auth_url, NULL, NULL, 0, e->ca_file[0] ? e->ca_file : NULL, &r)) {
        snprintf(what, sizeof what, "could not be reached: %.300s", r.error);
        ct_step_failed(e, "mock-smartsheet's consent page", what);
    } else if (r.status != 302 && r.status != 303) {
        snprintf(what, sizeof what, "answered %ld, not a redirect, to the URL `authorize-url` "
                 "printed: %.200s", r.status, r.body.ptr ? r.body.ptr : "");
        ct_step_failed(e, "mock-smartsheet's consent page", what);
    } else if (!httpc_resp_header(&r, "Location", location, cap)) {
        ct_step_failed(e, "mock-smartsheet's consent page", "redirected without a Location");
    } else {
        rc = 0;
    }
    httpc_resp_release(&r);
    return rc;
}

int ct_env_connect(struct ct_env *e)
{
    char url[4096], loc[4096];
    if (ct_env_authorize_url(e, url, sizeof url) || ct_env_consent(e, url, loc, sizeof loc))
        return -1;
    struct run_result r;
    if (ct_env_run(e, "authorize", "--callback-url", loc, 30000, -1, &r))
        return -1;
    int rc = r.exited && r.code == 0 ? 0 : -1;
    if (rc) {
        char saw[300];
        ct_doubles_saw(e, "authorize", saw, sizeof saw);
        ct_stage_failed(e, "authorize", &r, NULL, saw);
    }
    run_result_release(&r);
    return rc;
}

/* ---- admin APIs --------------------------------------------------------- */

static cJSON *admin(struct ct_env *e, const char *base, const char *method, const char *path,
                    const char *body)
{
    char url[2048];
    snprintf(url, sizeof url, "%s%s", base, path);
    const char *hdr[] = {"Content-Type: application/json", NULL};
    struct httpc_resp r;
    cJSON *out = NULL;
    if (httpc_request(method, url, hdr, body, body ? strlen(body) : 0,
                      e->ca_file[0] ? e->ca_file : NULL, &r)) {
        set_err(e, "%s %s: %s", method, path, r.error);
    } else if (r.status < 200 || r.status > 299) {
        set_err(e, "%s %s answered %ld: %.200s", method, path, r.status,
                r.body.ptr ? r.body.ptr : "");
    } else {
        out = cJSON_ParseWithLength(r.body.ptr ? r.body.ptr : "", r.body.len);
        if (!out)
            out = cJSON_CreateObject();   /* a 2xx without a JSON body */
    }
    httpc_resp_release(&r);
    return out;
}

cJSON *ct_ss(struct ct_env *e, const char *method, const char *path, const char *body)
{
    return admin(e, e->ss_url, method, path, body);
}

cJSON *ct_cas(struct ct_env *e, const char *method, const char *path, const char *body)
{
    return admin(e, e->cas_url, method, path, body);
}

int ct_ss_do(struct ct_env *e, const char *method, const char *path, const char *body)
{
    cJSON *j = ct_ss(e, method, path, body);
    cJSON_Delete(j);
    return j ? 0 : -1;
}

int ct_cas_do(struct ct_env *e, const char *method, const char *path, const char *body)
{
    cJSON *j = ct_cas(e, method, path, body);
    cJSON_Delete(j);
    return j ? 0 : -1;
}

cJSON *ct_ss_journal(struct ct_env *e, const char *path)
{
    char q[600];
    snprintf(q, sizeof q, "/_mock/journal%s%s", path ? "?path=" : "", path ? path : "");
    cJSON *j = ct_ss(e, "GET", q, NULL);
    if (!j)
        return NULL;
    cJSON *entries = cJSON_DetachItemFromObjectCaseSensitive(j, "entries");
    cJSON_Delete(j);
    if (!cJSON_IsArray(entries)) {
        cJSON_Delete(entries);
        set_err(e, "journal answer without entries");
        return NULL;
    }
    return entries;
}

long long ct_jnum(const cJSON *o, const char *key)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
    return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

const char *ct_jstr(const cJSON *o, const char *key)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int ct_env_ready(struct ct_env *e, const struct ct_env_cfg *cfg, const char *reqs)
{
    if (ct_env_start(e, cfg)) {
        ct_blocked(reqs, "setup failed: %s", e->err);
        return -1;
    }
    if (ct_env_connect(e)) {
        ct_blocked(reqs, "not judged, because %s", e->err);
        return -1;
    }
    return 0;
}
