/* state.h - the connector's private state directory: small files written
 * atomically (temp file in the same folder, write, fsync, rename, fsync of
 * the folder), so a kill at any instant leaves the old or the new content,
 * never a torn file.  The folder is 0700 and every file 0600.
 *
 * Files: tokens.json (OAuth tokens), oauth-state.json (pending consent
 * state), position.json (event stream position), ratelimit.json (recent
 * request times, so consecutive runs share the rate budget). */
#ifndef CONN_STATE_H
#define CONN_STATE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "buf.h"

#define STATE_MAX_FILE (1024u * 1024u)

/* Creates dir (and missing parents) with mode 0700; an existing folder
 * readable by others is narrowed to 0700 with a warning; leftover temp
 * files of an interrupted write are removed.  Returns 0, or -1 with a
 * message naming the folder. */
int conn_state_prepare(const char *dir, char *err, size_t errlen);
/* Atomically replaces dir/name with len bytes of data (mode 0600).
 * Returns 0, or -1 with a message naming the file. */
int conn_state_write(const char *dir, const char *name, const void *data, size_t len,
                     char *err, size_t errlen);

/* conn_state_write in two steps, so that the slow one (write and fsync of
 * the temporary file) can run before the moment the file may replace the
 * old one: stage, then commit (rename, fsync of the folder) or discard.  A
 * kill in between leaves only the temporary file, which
 * conn_state_prepare removes on the next run. */
struct conn_state_staged {
    char tmp[4096];
    char final[4096];
    char dir[4096];
};
int conn_state_stage(const char *dir, const char *name, const void *data, size_t len,
                     struct conn_state_staged *st, char *err, size_t errlen);
int conn_state_commit(const struct conn_state_staged *st, char *err, size_t errlen);
void conn_state_discard(const struct conn_state_staged *st);
/* Reads dir/name into out (initialised by the callee, capped at
 * STATE_MAX_FILE).  Returns 1 when read, 0 when the file does not exist,
 * -1 with a message naming the file. */
int conn_state_read(const char *dir, const char *name, struct buf *out, char *err,
                    size_t errlen);
/* Reads and parses dir/name as a JSON object.  Returns 1 with *out (the
 * caller frees it with cJSON_Delete), 0 when absent, -1 when unreadable or
 * corrupt (the message names the file). */
int conn_state_read_json(const char *dir, const char *name, cJSON **out, char *err,
                         size_t errlen);
/* Removes dir/name (absent is fine).  Returns 0 or -1 with a message. */
int conn_state_remove(const char *dir, const char *name, char *err, size_t errlen);

#endif
