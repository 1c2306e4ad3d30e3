/* config.h - the connector's JSON config file (CONTRACT.md section 2).
 *
 * conn_config_load reads and validates the whole file; a bad file is
 * refused with a message naming the key (never quoting a secret value).
 * The struct owns its strings; conn_config_release frees them. */
#ifndef CONN_CONFIG_H
#define CONN_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"

struct conn_config {
    char *smartsheet_api_url;       /* no trailing slash */
    char *smartsheet_authorize_url;
    char *client_id;
    char *client_secret;
    char *redirect_url;
    char *cas_url;                  /* no trailing slash */
    int64_t cas_instance_id;
    char *cas_token;
    char *state_dir;
    char *ca_file;                  /* NULL: the system's trust store */
    double time_scale;              /* > 0 */
    int64_t backfill_days;
    int64_t rate_limit_per_minute;
    enum log_format log_format;
    /* Reference-connector extras (CONTRACT.md section 2.1). */
    int64_t sync_interval_seconds;  /* `run`: duration time between syncs */
    char *mapping_file;             /* NULL: the kit's fixtures */
};

/* Parses and validates the JSON text (len bytes).  Returns 0 and fills
 * *out, or -1 with a message naming the key in err (out untouched). */
int conn_config_parse(const char *text, size_t len, struct conn_config *out, char *err,
                      size_t errlen);
/* Reads path (at most 1 MiB) and parses it.  Messages name the file. */
int conn_config_load(const char *path, struct conn_config *out, char *err, size_t errlen);
void conn_config_release(struct conn_config *c);

#endif
