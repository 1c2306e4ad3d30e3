#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "defects.h"
#include "buf.h"
#include "strutil.h"

#define CONFIG_MAX_FILE (1024u * 1024u)
#define CONFIG_MAX_STRING 4096u

enum key_kind { K_URL, K_TEXT, K_SECRET, K_PATH };

static const char *const known_keys[] = {
    "smartsheet_api_url", "smartsheet_authorize_url", "client_id", "client_secret",
    "redirect_url", "cas_url", "cas_instance_id", "cas_token", "state_dir", "ca_file",
    "time_scale", "backfill_days", "rate_limit_per_minute", "log_format",
    "sync_interval_seconds", "mapping_file", NULL,
};

static int is_known(const char *k)
{
    for (size_t i = 0; known_keys[i]; i++)
        if (!strcmp(known_keys[i], k))
            return 1;
    return 0;
}

/* Reads a string key.  Returns 1 when present and valid, 0 when absent
 * (and optional), -1 with a message otherwise. */
static int get_string(const cJSON *root, const char *key, int required, enum key_kind kind,
                      char **out, char *err, size_t errlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!v) {
        if (!required)
            return 0;
        snprintf(err, errlen, "config key '%s' is required", key);
        return -1;
    }
    if (!cJSON_IsString(v) || !v->valuestring) {
        snprintf(err, errlen, "config key '%s' must be a string", key);
        return -1;
    }
    const char *s = v->valuestring;
    size_t n = strlen(s);
    if (n == 0 || n > CONFIG_MAX_STRING) {
        snprintf(err, errlen, "config key '%s' must be 1 to %u characters", key,
                 CONFIG_MAX_STRING);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || (kind != K_PATH && kind != K_TEXT && c == ' ')) {
            snprintf(err, errlen, "config key '%s' contains a control or space character",
                     key);
            return -1;
        }
    }
    if (kind == K_URL) {
        if (strncmp(s, "http://", 7) && strncmp(s, "https://", 8)) {
            snprintf(err, errlen, "config key '%s' must be an http:// or https:// URL", key);
            return -1;
        }
        if (strchr(s, '?') || strchr(s, '#')) {
            snprintf(err, errlen, "config key '%s' must not carry a query or fragment", key);
            return -1;
        }
    }
    char *copy = xstrdup(s);
    if (kind == K_URL) {
        size_t m = strlen(copy);
        while (m > 8 && copy[m - 1] == '/')
            copy[--m] = '\0';
    }
    *out = copy;
    return 1;
}

static int get_int(const cJSON *root, const char *key, int required, int64_t min, int64_t max,
                   int64_t *out, char *err, size_t errlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!v) {
        if (!required)
            return 0;
        snprintf(err, errlen, "config key '%s' is required", key);
        return -1;
    }
    double d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    if (!cJSON_IsNumber(v) || !isfinite(d) || d != floor(d) || d < (double)min ||
        d > (double)max) {
        snprintf(err, errlen, "config key '%s' must be an integer from %lld to %lld", key,
                 (long long)min, (long long)max);
        return -1;
    }
    *out = (int64_t)d;
    return 1;
}

int conn_config_parse(const char *text, size_t len, struct conn_config *out, char *err,
                      size_t errlen)
{
    struct conn_config c = {0};
    c.time_scale = 1;
    c.backfill_days = 7;
    c.rate_limit_per_minute = 300;
    c.log_format = LOG_TEXT;
    c.sync_interval_seconds = 300;
    int rc = -1;
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root || !cJSON_IsObject(root)) {
        snprintf(err, errlen, "config is not a JSON object");
        goto out;
    }
    for (const cJSON *it = root->child; it; it = it->next) {
        if (!it->string || (!is_known(it->string) && !conn_defect("unknown-key-accepted"))) {
            char name[64];
            str_sanitize(it->string ? it->string : "", name, sizeof name);
            snprintf(err, errlen, "config key '%s' is not known", name);
            goto out;
        }
        for (const cJSON *o = root->child; o != it; o = o->next)
            if (!strcmp(o->string, it->string)) {
                snprintf(err, errlen, "config key '%s' appears twice", it->string);
                goto out;
            }
    }
    if (get_string(root, "smartsheet_api_url", 1, K_URL, &c.smartsheet_api_url, err, errlen) < 0 ||
        get_string(root, "smartsheet_authorize_url", 1, K_URL, &c.smartsheet_authorize_url,
                   err, errlen) < 0 ||
        get_string(root, "client_id", 1, K_SECRET, &c.client_id, err, errlen) < 0 ||
        get_string(root, "client_secret", 1, K_SECRET, &c.client_secret, err, errlen) < 0 ||
        get_string(root, "redirect_url", 1, K_URL, &c.redirect_url, err, errlen) < 0 ||
        get_string(root, "cas_url", 1, K_URL, &c.cas_url, err, errlen) < 0 ||
        get_int(root, "cas_instance_id", 1, 1, INT64_C(1) << 52, &c.cas_instance_id, err,
                errlen) < 0 ||
        get_string(root, "cas_token", 1, K_SECRET, &c.cas_token, err, errlen) < 0 ||
        get_string(root, "state_dir", 1, K_PATH, &c.state_dir, err, errlen) < 0 ||
        get_string(root, "ca_file", 0, K_PATH, &c.ca_file, err, errlen) < 0 ||
        get_int(root, "backfill_days", 0, 1, 365, &c.backfill_days, err, errlen) < 0 ||
        get_int(root, "rate_limit_per_minute", 0, 1, 1000000000, &c.rate_limit_per_minute, err,
                errlen) < 0 ||
        get_int(root, "sync_interval_seconds", 0, 1, 86400, &c.sync_interval_seconds, err,
                errlen) < 0 ||
        get_string(root, "mapping_file", 0, K_PATH, &c.mapping_file, err, errlen) < 0)
        goto out;
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(root, "time_scale");
    if (ts) {
        if (!cJSON_IsNumber(ts) || !isfinite(ts->valuedouble) || ts->valuedouble < 0.001 ||
            ts->valuedouble > 1e6) {
            snprintf(err, errlen, "config key 'time_scale' must be a number from 0.001 to "
                                  "1000000");
            goto out;
        }
        c.time_scale = ts->valuedouble;
    }
    const cJSON *lf = cJSON_GetObjectItemCaseSensitive(root, "log_format");
    if (lf && (!cJSON_IsString(lf) || log_parse_format(lf->valuestring, &c.log_format) < 0)) {
        snprintf(err, errlen, "config key 'log_format' must be \"text\" or \"json\"");
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(root);
    if (rc)
        conn_config_release(&c);
    else
        *out = c;
    return rc;
}

int conn_config_load(const char *path, struct conn_config *out, char *err, size_t errlen)
{
    char name[256];
    str_sanitize(path, name, sizeof name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read config '%s': %s", name, strerror(errno));
        return -1;
    }
    struct buf b;
    buf_init(&b, CONFIG_MAX_FILE);
    char chunk[8192];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_append(&b, chunk, n)) {
            snprintf(err, errlen, "config '%s' is larger than %u bytes", name,
                     CONFIG_MAX_FILE);
            rc = -1;
            break;
        }
    if (!rc && ferror(f)) {
        snprintf(err, errlen, "cannot read config '%s'", name);
        rc = -1;
    }
    fclose(f);
    if (!rc) {
        char inner[400];
        rc = conn_config_parse(b.ptr ? b.ptr : "", b.len, out, inner, sizeof inner);
        if (rc)
            snprintf(err, errlen, "%s: %s", name, inner);
    }
    buf_release(&b);
    return rc;
}

void conn_config_release(struct conn_config *c)
{
    char **strs[] = {&c->smartsheet_api_url, &c->smartsheet_authorize_url, &c->client_id,
                     &c->client_secret, &c->redirect_url, &c->cas_url, &c->cas_token,
                     &c->state_dir, &c->ca_file, &c->mapping_file};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        free(*strs[i]);
        *strs[i] = NULL;
    }
}
