/* t_sec.c - security (SEC-001..004): secrets kept out of output and
 * shared files, private state, TLS verification. */
#include <dirent.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "ctenv.h"
#include "judge.h"
#include "procwatch.h"
#include "rng.h"
#include "tests.h"
#include "verdict.h"

#define RUN_MS 60000

/* Short ids of every secret the doubles saw: token ids (tokenId) and the
 * REDACTED-<8 hex> forms of codes and tokens in queries and forms. */
struct idset {
    char ids[512][9];
    int n;
};

static void idset_add(struct idset *s, const char *id)
{
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->ids[i], id))
            return;
    if (s->n < 512)
        snprintf(s->ids[s->n++], 9, "%s", id);
}

static void idset_scan(struct idset *s, const char *text)
{
    for (const char *p = text; p && (p = strstr(p, "REDACTED-")); p += 9) {
        char id[9];
        if (strlen(p + 9) >= 8) {
            memcpy(id, p + 9, 8);
            id[8] = '\0';
            idset_add(s, id);
        }
    }
}

static int secret_ids(struct ct_env *e, struct idset *s)
{
    s->n = 0;
    cJSON *j = ct_ss_journal(e, NULL);
    if (!j)
        return -1;
    const cJSON *it;
    cJSON_ArrayForEach(it, j) {
        const char *t = ct_jstr(it, "tokenId");
        if (t && strlen(t) == 8)
            idset_add(s, t);
        idset_scan(s, ct_jstr(it, "query"));
        idset_scan(s, ct_jstr(it, "form"));
    }
    cJSON_Delete(j);
    return 0;
}

static int tok_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == '~';
}

/* Finds a secret in text: the client secret or CAS token verbatim, or any
 * word of 16+ token characters whose short id is one the doubles saw.
 * Returns a description of the first found, or NULL. */
static const char *find_secret(const struct ct_env *e, const struct idset *ids, const char *text,
                               size_t len, char *out, size_t cap)
{
    if (e->secret[0] && memmem(text, len, e->secret, strlen(e->secret)))
        return snprintf(out, cap, "the client secret"), out;
    if (e->cas_token[0] && memmem(text, len, e->cas_token, strlen(e->cas_token)))
        return snprintf(out, cap, "the CAS token"), out;
    size_t i = 0;
    while (i < len) {
        while (i < len && !tok_char((unsigned char)text[i]))
            i++;
        size_t start = i;
        while (i < len && tok_char((unsigned char)text[i]))
            i++;
        if (i - start < 16 || i - start > 4096)
            continue;
        char word[4097], id[9];
        memcpy(word, text + start, i - start);
        word[i - start] = '\0';
        rng_token_id(word, id);
        for (int k = 0; k < ids->n; k++)
            if (!strcmp(ids->ids[k], id))
                return snprintf(out, cap, "a token or code the doubles saw (id %s)", id), out;
    }
    return NULL;
}

static int read_file(const char *path, struct buf *b)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char tmp[8192];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0 && !b->err)
        buf_append(b, tmp, n);
    fclose(f);
    return b->err ? -1 : 0;
}

/* Walk state: files under state_dir must be private; files elsewhere in the
 * test folder and in the working folder must hold no secret. */
static struct {
    const struct ct_env *e;
    const struct idset *ids;
    int open_files, leaks, files;
    char open_ex[600], leak_ex[700];
} walk;

static int visit_state(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)ftw;
    if (flag != FTW_F && flag != FTW_D && flag != FTW_DP)
        return 0;
    walk.files += flag == FTW_F;
    if ((st->st_mode & 077) && !walk.open_files++)
        snprintf(walk.open_ex, sizeof walk.open_ex, "%s has mode %04o", path,
                 (unsigned)(st->st_mode & 07777));
    return 0;
}

static int visit_other(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag != FTW_F)
        return 0;
    const struct ct_env *e = walk.e;
    size_t sl = strlen(e->state_dir);
    if (!strncmp(path, e->state_dir, sl) && (path[sl] == '/' || !path[sl]))
        return 0;
    if (!strcmp(path, e->config_path) || strstr(path, "/mock-smartsheet.log") ||
        strstr(path, "/mock-cas.log") || strstr(path, "/capture/"))
        return 0;
    struct buf b;
    buf_init(&b, 64 * 1024 * 1024);
    char what[200];
    if (read_file(path, &b) == 0 &&
        find_secret(e, walk.ids, b.ptr ? b.ptr : "", b.len, what, sizeof what) &&
        !walk.leaks++)
        snprintf(walk.leak_ex, sizeof walk.leak_ex, "%s holds %s", path, what);
    buf_release(&b);
    return 0;
}

/* Runs a connector command while watching its processes (SEC-005);
 * stdout and stderr are appended to out (SEC-001). */
static int watched(struct ct_env *e, struct ct_procwatch *w, const char *cmd, const char *x1,
                   const char *x2, struct buf *out, struct run_result *r)
{
    char cap[PATH_MAX];
    snprintf(cap, sizeof cap, "%.1000s/capture", e->dir);
    mkdir(cap, 0700);
    char *argv[] = {ct_opts.connector, (char *)cmd, "--config", e->config_path, (char *)x1,
                    (char *)x2, NULL};
    pid_t skip[2] = {e->ss.pid, e->cas.pid};
    if (ct_run_watched(argv, cap, ct_budget_ms(RUN_MS), skip, 2, w, r)) {
        snprintf(e->err, sizeof e->err, "cannot run the connector");
        return -1;
    }
    buf_append(out, r->out.ptr, r->out.len);
    buf_append(out, r->err.ptr, r->err.len);
    return 0;
}

static void test_secrets(void **st)
{
    (void)st;
    const char *reqs = "SEC-001,SEC-002,SEC-005";
    struct ct_env e;
    struct ct_env_cfg cfg = {.scenario = "empty-org"};
    struct buf out;
    buf_init(&out, 64 * 1024 * 1024);
    struct ct_procwatch *w = xcalloc(1, sizeof *w);
    ct_procwatch_init(w);
    if (ct_env_start(&e, &cfg)) {
        ct_blocked(reqs, "setup failed: %s", e.err);
        goto out;
    }
    /* The whole life of a connection, with text then JSON logs. */
    char url[4096], loc[4096] = "";
    const char *step = "authorize-url";
    struct run_result r;
    if (watched(&e, w, "authorize-url", NULL, NULL, &out, &r))
        goto blocked;
    snprintf(url, sizeof url, "%.*s", (int)strcspn(r.out.ptr, "\r\n"), r.out.ptr);
    run_result_release(&r);
    if (ct_env_consent(&e, url, loc, sizeof loc))
        goto blocked;
    step = "authorize";
    if (watched(&e, w, "authorize", "--callback-url", loc, &out, &r))
        goto blocked;
    run_result_release(&r);
    const char *cmds[] = {"check", "sync", "sync", "sync"};
    for (int i = 0; i < 4; i++) {
        if (i == 2) {
            cJSON_AddStringToObject(e.config, "log_format", "json");
            if (ct_env_write_config(&e) || ct_ss_do(&e, "POST", "/_mock/tokens/expire", "{}"))
                goto blocked;
        }
        if (i == 3 && ct_ss_do(&e, "POST", "/_mock/tokens/revoke", "{}"))
            goto blocked;
        step = cmds[i];
        if (watched(&e, w, cmds[i], NULL, NULL, &out, &r))
            goto blocked;
        run_result_release(&r);
    }
    struct idset *ids = xcalloc(1, sizeof *ids);
    if (secret_ids(&e, ids)) {
        free(ids);
        goto blocked;
    }
    char what[200];
    const char *leak = find_secret(&e, ids, out.ptr ? out.ptr : "", out.len, what, sizeof what);
    ct_verdict("SEC-001", !leak && !out.err,
               "%zu bytes of output from authorize-url, authorize, check and three syncs (one "
               "refreshing, one refused) %s%s", out.len, leak ? "contain " : "hold no secret",
               leak ? leak : "");
    /* The callback URL (with its code) is on authorize's command line by
     * the contract's design; anywhere else the code counts as a leak. */
    for (char *p = w->text.ptr; p && loc[0] && (p = strstr(p, loc));)
        memset(p, '-', strlen(loc));
    leak = find_secret(&e, ids, w->text.ptr ? w->text.ptr : "", w->text.len, what, sizeof what);
    ct_verdict("SEC-005", !leak && !w->text.err && w->processes > 0,
               "%d process images of the connector sampled every 2 ms: %s%s", w->processes,
               leak ? "a command line or environment holds " : "no secret in command lines or "
                                                             "environments",
               leak ? leak : "");
    memset(&walk, 0, sizeof walk);
    walk.e = &e;
    walk.ids = ids;
    struct stat sst;
    int have_state = stat(e.state_dir, &sst) == 0;
    if (have_state)
        nftw(e.state_dir, visit_state, 16, FTW_PHYS);
    nftw(e.dir, visit_other, 16, FTW_PHYS);
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd))
        nftw(cwd, visit_other, 16, FTW_PHYS);
    ct_verdict("SEC-002", have_state && !walk.open_files && !walk.leaks,
               "state_dir %s: %d file%s, %d with group/other permissions%s%s; %d file%s outside "
               "it with a secret%s%s", have_state ? "exists" : "was never created", walk.files,
               walk.files == 1 ? "" : "s", walk.open_files, walk.open_files ? " (first: " : "",
               walk.open_files ? walk.open_ex : "", walk.leaks, walk.leaks == 1 ? "" : "s",
               walk.leaks ? ": " : "", walk.leaks ? walk.leak_ex : "");
    free(ids);
    goto out;
blocked:
    ct_blocked(reqs, "%s: %s", step, e.err);
out:
    buf_release(&out);
    ct_procwatch_release(w);
    free(w);
    ct_env_stop(&e);
    ct_verdict_end();
}

static void test_tls(void **st)
{
    (void)st;
    const char *reqs = "SEC-003,SEC-004";
    struct ct_env e;
    struct ct_env_cfg cfg = {.scenario = "empty-org", .tls = 1};
    if (ct_env_start(&e, &cfg)) {
        ct_blocked(reqs, "setup failed: %s", e.err);
        goto out;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(e.config, "ca_file");
    char url[4096], loc[4096], how[64];
    struct run_result r;
    if (ct_env_write_config(&e) || ct_env_authorize_url(&e, url, sizeof url) ||
        ct_env_consent(&e, url, loc, sizeof loc) ||
        ct_env_run(&e, "authorize", "--callback-url", loc, RUN_MS, -1, &r)) {
        ct_blocked(reqs, "%s", e.err);
        goto out;
    }
    cJSON *j = ct_ss_journal(&e, "/2.0/token");
    int calls = cJSON_GetArraySize(j);
    /* Exit 1 (CONTRACT 4): a crash or a config error is not a refusal. */
    ct_verdict("SEC-003", j && r.exited && r.code == 1 && calls == 0,
               "without ca_file, against a certificate from an unknown CA: authorize %s, %d token "
               "request%s reached the server (want exit 1 and 0)",
               ct_run_outcome(&r, how, sizeof how), calls, calls == 1 ? "" : "s");
    cJSON_Delete(j);
    run_result_release(&r);
    cJSON_AddStringToObject(e.config, "ca_file", e.ca_file);
    if (ct_env_write_config(&e)) {
        ct_blocked("SEC-004", "%s", e.err);
        goto out;
    }
    int ok = ct_env_connect(&e) == 0;
    int synced = ok && ct_sync_ok(&e, RUN_MS) == 0;
    ct_verdict("SEC-004", ok && synced, "with ca_file: authorize %s, sync %s",
               ok ? "succeeded" : e.err, synced ? "succeeded" : ok ? e.err : "not run");
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

const struct ct_test ct_sec_tests[] = {
    {"security_secrets_and_files", "SEC-001,SEC-002,SEC-005", test_secrets},
    {"security_tls", "SEC-003,SEC-004", test_tls},
};
const size_t ct_sec_test_count = sizeof ct_sec_tests / sizeof ct_sec_tests[0];
