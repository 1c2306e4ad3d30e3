#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"

static const char *log_program = "kit";
static enum log_format log_fmt = LOG_TEXT;
static enum log_level log_min = LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_setup(const char *program, enum log_format fmt, enum log_level min)
{
    log_program = program;
    log_fmt = fmt;
    log_min = min;
}

int log_parse_format(const char *s, enum log_format *out)
{
    if (!strcmp(s, "text"))
        *out = LOG_TEXT;
    else if (!strcmp(s, "json"))
        *out = LOG_JSON;
    else
        return -1;
    return 0;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
    if (lvl < log_min)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);

    struct buf line;
    buf_init(&line, 4096);
    if (log_fmt == LOG_JSON) {
        buf_printf(&line, "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\",\"program\":",
                   when, ts.tv_nsec / 1000000, level_names[lvl]);
        buf_json_str(&line, log_program, strlen(log_program));
        buf_puts(&line, ",\"msg\":");
        buf_json_str(&line, msg, strlen(msg));
        buf_puts(&line, "}\n");
    } else {
        buf_printf(&line, "%s.%03ldZ %s %s: %s\n", when, ts.tv_nsec / 1000000,
                   log_program, level_names[lvl], msg);
    }
    if (line.ptr) {
        pthread_mutex_lock(&log_lock);
        fwrite(line.ptr, 1, line.len, stderr);
        fflush(stderr);
        pthread_mutex_unlock(&log_lock);
    }
    buf_release(&line);
}
