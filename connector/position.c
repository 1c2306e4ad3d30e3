#include "position.h"

#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dclock.h"
#include "defects.h"
#include "kit_limits.h"
#include "log.h"
#include "state.h"
#include "strutil.h"

#define POSITION_FILE "position.json"

void conn_position_release(struct position *p)
{
    free(p->stream);
    memset(p, 0, sizeof *p);
}

/* Returns CONN_OK (p filled, first run: since from backfill_days). */
enum conn_rc conn_position_load(struct conn_ctx *x, struct position *p)
{
    memset(p, 0, sizeof *p);
    cJSON *j = NULL;
    char err[512];
    int r = conn_state_read_json(x->cfg->state_dir, POSITION_FILE, &j, err, sizeof err);
    if (r < 0) {
        log_error("%s", err);
        return CONN_ERR_OTHER;
    }
    if (r == 1 && conn_defect("since-every-time")) {
        cJSON_Delete(j);
        r = 0;
    }
    if (r == 0) {
        int64_t days = conn_defect("backfill-30-days") ? 30 : x->cfg->backfill_days;
        int64_t since = dclock_wall_ms() - days * 86400000LL;
        if (conn_defect("local-time")) {     /* local wall time written as UTC */
            time_t now = time(NULL);
            struct tm lt;
            localtime_r(&now, &lt);
            since += (int64_t)lt.tm_gmtoff * 1000;
        }
        format_iso8601(since, p->since);
        log_info("first sync: events since %s", p->since);
        return CONN_OK;
    }
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "streamPosition");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "since");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(j, "skip");
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(j, "lastEventId");
    int64_t ms;
    int ok = 1;
    if (cJSON_IsString(s) && s->valuestring[0] && strlen(s->valuestring) < 4096)
        p->stream = xstrdup(s->valuestring);
    else if (cJSON_IsString(t) && !parse_iso8601_ms(t->valuestring, &ms))
        format_iso8601(ms, p->since);
    else
        ok = 0;
    if (cJSON_IsNumber(k) && k->valuedouble >= 0 && k->valuedouble <= LIM_EVENTS_PAGE * 10.0)
        p->skip = (long)k->valuedouble;
    if (p->skip && cJSON_IsString(l) && strlen(l->valuestring) < sizeof p->last_id)
        snprintf(p->last_id, sizeof p->last_id, "%s", l->valuestring);
    else
        p->skip = 0;
    cJSON_Delete(j);
    if (!ok) {
        log_error("state file '%s/%s' is corrupt (no streamPosition or since); remove it to "
                  "backfill again", x->cfg->state_dir, POSITION_FILE);
        conn_position_release(p);
        return CONN_ERR_OTHER;
    }
    return CONN_OK;
}

enum conn_rc conn_position_stage(struct conn_ctx *x, const struct position *p,
                                 struct conn_state_staged *st)
{
    struct buf b;
    buf_init(&b, 64 * 1024);
    buf_puts(&b, "{");
    if (p->stream) {
        buf_puts(&b, "\"streamPosition\":");
        buf_json_str(&b, p->stream, strlen(p->stream));
    } else {
        buf_printf(&b, "\"since\":\"%s\"", p->since);
    }
    if (p->skip) {
        buf_printf(&b, ",\"skip\":%ld,\"lastEventId\":", p->skip);
        buf_json_str(&b, p->last_id, strlen(p->last_id));
    }
    buf_puts(&b, "}\n");
    char err[512];
    int bad = b.err || conn_state_stage(x->cfg->state_dir, POSITION_FILE, b.ptr, b.len, st, err,
                                        sizeof err);
    if (bad)
        log_error("%s", b.err ? "cannot encode the stream position" : err);
    buf_release(&b);
    return bad ? CONN_ERR_OTHER : CONN_OK;
}

enum conn_rc conn_position_commit(const struct conn_state_staged *st)
{
    char err[512];
    if (conn_state_commit(st, err, sizeof err)) {
        log_error("%s", err);
        return CONN_ERR_OTHER;
    }
    return CONN_OK;
}

enum conn_rc conn_position_save(struct conn_ctx *x, const struct position *p)
{
    struct conn_state_staged st;
    enum conn_rc rc = conn_position_stage(x, p, &st);
    return rc ? rc : conn_position_commit(&st);
}
