/* log.h - leveled logging to stderr, as text or JSON lines.
 *
 * One process-wide setting.  Messages must never contain secrets: callers
 * pass token ids (see rng_token_id), never tokens.  Values that came from
 * outside are cut to 200 bytes with CR/LF replaced, so a request cannot
 * forge log lines. */
#ifndef KIT_LOG_H
#define KIT_LOG_H

enum log_level { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3 };
enum log_format { LOG_TEXT = 0, LOG_JSON = 1 };

void log_setup(const char *program, enum log_format fmt, enum log_level min);
/* Parses "text" or "json"; returns -1 for anything else. */
int log_parse_format(const char *s, enum log_format *out);
void log_msg(enum log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
