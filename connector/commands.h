/* commands.h - the connector's commands (CONTRACT.md section 3).  Each
 * takes a ready context and returns the result that becomes the exit code;
 * each logs its own failures. */
#ifndef CONN_COMMANDS_H
#define CONN_COMMANDS_H

#include "ctx.h"

/* Prints the consent URL on stdout and remembers a fresh state. */
enum conn_rc conn_cmd_authorize_url(struct conn_ctx *x);
/* Checks the callback's state, refuses errors, exchanges the code. */
enum conn_rc conn_cmd_authorize(struct conn_ctx *x, const char *callback_url);
/* "Test now": token, System Admin, Event Reporting; reports to CAS. */
enum conn_rc conn_cmd_check(struct conn_ctx *x);
/* One catch-up pass: users, then events from the saved position. */
enum conn_rc conn_cmd_sync(struct conn_ctx *x);
/* Syncs every sync_interval_seconds of duration time until SIGTERM. */
enum conn_rc conn_cmd_run(struct conn_ctx *x);

#endif
