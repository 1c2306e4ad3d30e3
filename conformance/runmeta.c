/* runmeta.c - run metadata and the report folder (see runmeta.h). */
#include "runmeta.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "catalogue.h"
#include "ctext.h"
#include "spawn.h"

int ct_mkdirs(const char *dir)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        fprintf(stderr, "conformance: report folder name too long\n");
        return -1;
    }
    for (char *p = path + 1; ; p++) {
        if (*p != '/' && *p)
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(path, 0755) && errno != EEXIST) {
            fprintf(stderr, "conformance: cannot create %s: %s\n", path, strerror(errno));
            return -1;
        }
        *p = c;
        if (!c)
            break;
    }
    struct stat st;
    if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "conformance: %s is not a folder\n", path);
        return -1;
    }
    return 0;
}

/* Removes the regular files in dir whose names match pattern. */
static int remove_matching(const char *dir, const char *pattern)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || fnmatch(pattern, de->d_name, 0))
            continue;
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct stat st;
        if (!lstat(path, &st) && (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) && unlink(path)) {
            fprintf(stderr, "conformance: cannot remove %s: %s\n", path, strerror(errno));
            rc = -1;
        }
    }
    closedir(d);
    return rc;
}

int ct_report_dir_claim(const char *dir)
{
    if (ct_mkdirs(dir))
        return -1;
    int rc = 0;
    for (int i = 0; ct_report_files[i]; i++)
        rc |= remove_matching(dir, ct_report_files[i]);
    char sub[4200];
    snprintf(sub, sizeof sub, "%s/logs", dir);
    rc |= remove_matching(sub, "*.log");
    rc |= ct_mkdirs(sub);
    snprintf(sub, sizeof sub, "%s/results", dir);
    rc |= remove_matching(sub, "*.jsonl");
    rc |= ct_mkdirs(sub);
    return rc ? -1 : 0;
}

static void file_sha256(const char *path, char out[65])
{
    out[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char md[32], chunk[65536];
    unsigned int mdlen = 0;
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    size_t n;
    while (ok && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        ok = EVP_DigestUpdate(ctx, chunk, n);
    ok = ok && !ferror(f) && EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen == 32;
    EVP_MD_CTX_free(ctx);
    fclose(f);
    for (unsigned i = 0; ok && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* The connector's own `--version`, given no configuration: the suite's
 * secrets are not in its reach yet. */
static void connector_version(struct ct_report *r, const char *connector)
{
    char *argv[] = {(char *)connector, "--version", NULL};
    struct run_result res;
    if (spawn_run(argv, NULL, 1000, -1, &res)) {
        snprintf(r->version_note, sizeof r->version_note, "`--version` could not be run");
        return;
    }
    char line[sizeof r->connector_version];
    const char *out = res.out.ptr ? res.out.ptr : "";
    size_t first = strcspn(out, "\r\n");
    ct_text_last_line(out, first, line, sizeof line);
    if (res.timed_out)
        snprintf(r->version_note, sizeof r->version_note,
                 "`--version` did not answer within 1 s");
    else if (!res.exited || res.code != 0 || !line[0])
        snprintf(r->version_note, sizeof r->version_note, "`--version` %s %d%s",
                 res.exited ? "exited" : "was killed by signal", res.code,
                 line[0] ? "" : " without printing a version");
    else
        snprintf(r->connector_version, sizeof r->connector_version, "%s", line);
    run_result_release(&res);
}

void ct_runmeta_fill(struct ct_report *r, const char *connector)
{
    r->kit_version = KIT_VERSION;
    r->contract_version = CT_CONTRACT_VERSION;
    r->connector = connector;
    file_sha256(connector, r->connector_sha256);
    connector_version(r, connector);
    if (gethostname(r->host, sizeof r->host - 1))
        snprintf(r->host, sizeof r->host, "unknown");
    r->host[sizeof r->host - 1] = '\0';
}
