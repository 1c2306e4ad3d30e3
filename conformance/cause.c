/* cause.c - describing a failed stage once (see cause.h). */
#include "cause.h"

#include <stdio.h>
#include <string.h>

#include "ctext.h"

#define SHOWN_LINE 200     /* bytes of the printed line a cause quotes */

void ct_cause_make_key(struct ct_cause *c)
{
    /* The head as it is (the command and its exit code tell causes apart),
     * the tail without its numbers (ports, times, counts). */
    size_t n = strnlen(c->head, sizeof c->head - 1);
    memcpy(c->key, c->head, n);
    c->key[n++] = '|';
    ct_text_key(c->tail, c->key + n, sizeof c->key - n);
}

void ct_cause_of_run(struct ct_cause *c, const struct ct_stage_run *r)
{
    memset(c, 0, sizeof *c);
    c->seconds = r->seconds < 0 ? 0 : r->seconds;
    if (r->timed_out)
        snprintf(c->head, sizeof c->head, "`%s` was stopped by the suite at its time limit",
                 r->cmd);
    else if (r->exited)
        snprintf(c->head, sizeof c->head, "`%s` exited %d", r->cmd, r->code);
    else
        snprintf(c->head, sizeof c->head, "`%s` was killed by signal %d", r->cmd, r->code);
    char err_line[SHOWN_LINE], out_line[SHOWN_LINE], printed[SHOWN_LINE + 32];
    ct_text_last_line(r->err, r->err ? r->err_len : 0, err_line, sizeof err_line);
    ct_text_last_line(r->out, r->out ? r->out_len : 0, out_line, sizeof out_line);
    if (err_line[0])
        snprintf(printed, sizeof printed, "; stderr: %s", err_line);
    else if (out_line[0])
        snprintf(printed, sizeof printed, "; stdout: %s", out_line);
    else
        snprintf(printed, sizeof printed, "; it printed nothing");
    snprintf(c->tail, sizeof c->tail, "%s%s%s%s%s", r->missing ? " " : "",
             r->missing ? r->missing : "", r->saw ? "; " : "", r->saw ? r->saw : "", printed);
    ct_cause_make_key(c);
}

void ct_cause_of_step(struct ct_cause *c, const char *who, const char *what)
{
    memset(c, 0, sizeof *c);
    c->seconds = -1;
    snprintf(c->head, sizeof c->head, "%s", who);
    snprintf(c->tail, sizeof c->tail, " %s", what);
    ct_cause_make_key(c);
}

void ct_cause_text(const struct ct_cause *c, double lo, double hi, char *out, size_t cap)
{
    char when[64] = "";
    /* milliseconds where a run was that short: "after 0.004 s", not 0.00 */
    int prec = lo < 0.1 ? 3 : 2;
    if (c->seconds >= 0) {
        if (hi - lo >= 0.005)
            snprintf(when, sizeof when, " after %.*f-%.*f s", prec, lo, prec, hi);
        else
            snprintf(when, sizeof when, " after %.*f s", prec, lo);
    }
    snprintf(out, cap, "%s%s%s", c->head, when, c->tail);
}

void ct_cause_json(struct buf *b, const struct ct_cause *c)
{
    buf_puts(b, "{\"key\":");
    buf_json_str(b, c->key, strlen(c->key));
    buf_puts(b, ",\"head\":");
    buf_json_str(b, c->head, strlen(c->head));
    buf_puts(b, ",\"tail\":");
    buf_json_str(b, c->tail, strlen(c->tail));
    buf_printf(b, ",\"seconds\":%.3f}", c->seconds);
}

int ct_cause_parse(const cJSON *j, struct ct_cause *c)
{
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(j, "key"),
                *h = cJSON_GetObjectItemCaseSensitive(j, "head"),
                *t = cJSON_GetObjectItemCaseSensitive(j, "tail"),
                *s = cJSON_GetObjectItemCaseSensitive(j, "seconds");
    if (!cJSON_IsString(k) || !cJSON_IsString(h) || !cJSON_IsString(t) || !cJSON_IsNumber(s))
        return -1;
    memset(c, 0, sizeof *c);
    snprintf(c->key, sizeof c->key, "%s", k->valuestring);
    snprintf(c->head, sizeof c->head, "%s", h->valuestring);
    snprintf(c->tail, sizeof c->tail, "%s", t->valuestring);
    c->seconds = s->valuedouble;
    return 0;
}
