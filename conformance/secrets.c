/* secrets.c - the secrets a test knows, found in text (see secrets.h). */
#include "secrets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctenv.h"
#include "rng.h"

#define RUN_MAX 4096            /* longest run of letters and digits examined */

static int hash_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

int ct_secrets_load(struct ct_env *e, struct ct_secrets *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->client_secret, sizeof s->client_secret, "%s", e->secret);
    snprintf(s->cas_token, sizeof s->cas_token, "%s", e->cas_token);
    cJSON *j = ct_ss(e, "GET", "/_mock/issued", NULL);
    if (!j)
        return -1;
    const cJSON *it, *lens = cJSON_GetObjectItemCaseSensitive(j, "lengths"),
                     *hashes = cJSON_GetObjectItemCaseSensitive(j, "sha256");
    if (!cJSON_IsArray(lens) || !cJSON_IsArray(hashes)) {
        snprintf(e->err, sizeof e->err, "mock-smartsheet /_mock/issued: no lengths/sha256");
        cJSON_Delete(j);
        return -1;
    }
    cJSON_ArrayForEach(it, lens)
        if (cJSON_IsNumber(it) && it->valuedouble >= 8 && it->valuedouble <= 512 &&
            s->nlengths < CT_SECRET_LENGTHS)
            s->lengths[s->nlengths++] = (int)it->valuedouble;
    size_t n = (size_t)cJSON_GetArraySize(hashes);
    s->hashes = xcalloc(n + 1, sizeof *s->hashes);
    cJSON_ArrayForEach(it, hashes)
        if (cJSON_IsString(it) && strlen(it->valuestring) == 64)
            memcpy(s->hashes[s->n++], it->valuestring, 65);
    qsort(s->hashes, s->n, sizeof *s->hashes, hash_cmp);
    cJSON_Delete(j);
    return 0;
}

void ct_secrets_release(struct ct_secrets *s)
{
    free(s->hashes);
    s->hashes = NULL;
    s->n = 0;
}

static int alnum(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Whether text[0..len) hashes to an issued code or token. */
static int issued(const struct ct_secrets *s, const char *text, size_t len)
{
    char h[65];
    sha256_hex(text, len, h);
    return bsearch(h, s->hashes, s->n, sizeof *s->hashes, hash_cmp) != NULL;
}

/* The first secret at or after offset 0: its offset, length and kind. */
static int next_secret(const struct ct_secrets *s, const char *text, size_t len, size_t *at,
                       size_t *slen, const char **kind)
{
    const char *verbatim[2] = {s->client_secret, s->cas_token};
    const char *names[2] = {"client_secret", "cas_token"};
    size_t best = len, best_len = 0;
    for (int k = 0; k < 2; k++) {
        size_t vl = strlen(verbatim[k]);
        const char *p = vl ? memmem(text, len, verbatim[k], vl) : NULL;
        if (p && (size_t)(p - text) < best) {
            best = (size_t)(p - text);
            best_len = vl;
            *kind = names[k];
        }
    }
    /* Codes and tokens are letters and digits: every window of an issued
     * length inside a run of them is a candidate. */
    for (size_t i = 0; i < best && s->n;) {
        while (i < best && !alnum((unsigned char)text[i]))
            i++;
        size_t start = i;
        while (i < len && alnum((unsigned char)text[i]))
            i++;
        size_t run = i - start > RUN_MAX ? RUN_MAX : i - start;
        for (size_t off = 0; off < run && start + off < best; off++)
            for (int k = 0; k < s->nlengths; k++) {
                size_t wl = (size_t)s->lengths[k];
                if (off + wl <= run && issued(s, text + start + off, wl)) {
                    best = start + off;
                    best_len = wl;
                    *kind = wl == (size_t)s->lengths[0] ? "code" : "token";
                    goto next_run;
                }
            }
    next_run:;
    }
    if (best == len)
        return 0;
    *at = best;
    *slen = best_len;
    return 1;
}

const char *ct_secret_find(const struct ct_secrets *s, const char *text, size_t len,
                           size_t *at, char *out, size_t cap)
{
    size_t pos = 0, sl = 0;
    const char *kind = "";
    if (!text || !next_secret(s, text, len, &pos, &sl, &kind))
        return NULL;
    if (at)
        *at = pos;
    if (!strcmp(kind, "client_secret"))
        snprintf(out, cap, "the client secret");
    else if (!strcmp(kind, "cas_token"))
        snprintf(out, cap, "the CAS token");
    else if (!strcmp(kind, "code"))
        snprintf(out, cap, "an authorization code the double issued");
    else
        snprintf(out, cap, "an access or refresh token the double issued");
    return out;
}

int ct_secret_redact(const struct ct_secrets *s, char *text, size_t len)
{
    int n = 0;
    size_t base = 0;
    for (int guard = 0; guard < 100000 && base < len; guard++) {
        size_t pos, sl;
        const char *kind = "";
        if (!next_secret(s, text + base, len - base, &pos, &sl, &kind))
            break;
        char label[32];
        int ll = snprintf(label, sizeof label, "[%s]", kind);
        char *p = text + base + pos;
        for (size_t i = 0; i < sl; i++)
            p[i] = i < (size_t)ll ? label[i] : '*';
        base += pos + sl;
        n++;
    }
    return n;
}
