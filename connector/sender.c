#include "sender.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cas.h"
#include "defects.h"
#include "kit_limits.h"
#include "log.h"

/* One batch in flight, so a crash re-delivers at most that batch (CONTRACT
 * section 3), and one being filled.  Two lanes did not pay on 2 CPUs: the
 * CAS double already spreads a batch over both. */
#define SENDER_LANES 1
#define SENDER_SLOTS (SENDER_LANES + 1)

enum slot_state { SLOT_FREE, SLOT_FILLING, SLOT_QUEUED, SLOT_SENDING, SLOT_DONE };

struct slot {
    struct buf body;
    size_t count;
    struct position after;
    int has_after;
    /* after, already written and flushed by the caller's thread while the
     * batch waited (conn_position_stage); the lane only puts it in place */
    struct conn_state_staged staged;
    int staged_ok;
    enum slot_state state;
    enum conn_rc rc;
};

struct lane {
    struct conn_sender *s;
    struct conn_http http;
    pthread_t thread;
    int started;
    uint64_t requests;
    int64_t wait_ms;
};

struct conn_sender {
    struct conn_ctx *x;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct slot slots[SENDER_SLOTS];
    /* Sequence numbers: [head, taken) are with lanes or done but not yet
     * retired, [taken, filled) queued, filled is the caller's next. */
    uint64_t head, taken, filled;
    enum conn_rc failed;           /* first failure in order, sticky */
    int committing;                /* a lane is saving a position */
    int closing;
    uint64_t delivered;
    int64_t blocked_ms;
    int64_t save_ms;
    int nlanes;
    struct lane lanes[SENDER_LANES];
};

static struct slot *slot_of(struct conn_sender *s, uint64_t seq)
{
    return &s->slots[seq % SENDER_SLOTS];
}

static enum conn_rc post_batch(struct lane *l, struct slot *sl)
{
    struct buf *b = &sl->body;
    buf_puts(b, "]}");
    if (b->err) {
        log_error("activity batch too large");
        return CONN_ERR_OTHER;
    }
    cJSON *ans = NULL;
    enum conn_rc rc = conn_cas_post_on(l->s->x, &l->http, &l->requests, &l->wait_ms,
                                       "activities", b->ptr, b->len, &ans);
    if (!rc) {
        const cJSON *acc = cJSON_GetObjectItemCaseSensitive(ans, "accepted");
        const cJSON *dup = cJSON_GetObjectItemCaseSensitive(ans, "duplicates");
        const cJSON *rej = cJSON_GetObjectItemCaseSensitive(ans, "rejected");
        /* A rejected activity is never dropped silently: the batch counts
         * as refused, its position is not saved, the sync exits 1. */
        if (cJSON_IsNumber(rej) && rej->valuedouble > 0 && !conn_defect("rejections-ignored")) {
            log_error("CAS rejected %.0f of %zu activities (see its violations); stopping "
                      "before this batch", rej->valuedouble, sl->count);
            rc = CONN_ERR_OTHER;
        }
        log_debug("batch of %zu: %.0f accepted, %.0f duplicates", sl->count,
                  cJSON_IsNumber(acc) ? acc->valuedouble : -1,
                  cJSON_IsNumber(dup) ? dup->valuedouble : -1);
    }
    cJSON_Delete(ans);
    return rc;
}

/* Retires done batches from the head in order, saving their positions
 * unless an earlier one failed.  Called with mu held; one lane at a time
 * saves, with mu released meanwhile. */
static void commit(struct conn_sender *s)
{
    while (!s->committing && s->head < s->taken && slot_of(s, s->head)->state == SLOT_DONE) {
        struct slot *sl = slot_of(s, s->head);
        if (sl->rc != CONN_OK && s->failed == CONN_OK)
            s->failed = sl->rc;
        int late = conn_defect("position-at-end") && sl->has_after && sl->after.skip;
        if ((s->failed != CONN_OK || late) && sl->staged_ok) {
            conn_state_discard(&sl->staged);
        } else if (late) {
            /* self-test defect: positions inside a page are never saved */
        } else if (s->failed == CONN_OK && sl->has_after) {
            s->committing = 1;
            pthread_mutex_unlock(&s->mu);
            int64_t t0 = conn_now_ms();
            enum conn_rc rc = sl->staged_ok ? conn_position_commit(&sl->staged)
                                            : conn_position_save(s->x, &sl->after);
            int64_t took = conn_now_ms() - t0;
            pthread_mutex_lock(&s->mu);
            s->save_ms += took;
            s->committing = 0;
            if (rc != CONN_OK)
                s->failed = rc;
        }
        if (s->failed == CONN_OK)
            s->delivered += sl->count;
        sl->staged_ok = 0;
        sl->state = SLOT_FREE;
        s->head++;
        pthread_cond_broadcast(&s->cv);
    }
}

static void *lane_main(void *arg)
{
    struct lane *l = arg;
    struct conn_sender *s = l->s;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        if (s->taken < s->filled) {
            uint64_t seq = s->taken++;
            struct slot *sl = slot_of(s, seq);
            sl->state = SLOT_SENDING;
            enum conn_rc skip = s->failed != CONN_OK ? s->failed
                                : conn_stop_requested ? CONN_ERR_TRANSIENT
                                                      : CONN_OK;
            pthread_mutex_unlock(&s->mu);
            enum conn_rc rc = skip != CONN_OK ? skip
                              : sl->count     ? post_batch(l, sl)
                                              : CONN_OK;
            pthread_mutex_lock(&s->mu);
            sl->rc = rc;
            sl->state = SLOT_DONE;
            commit(s);
            pthread_cond_broadcast(&s->cv);
            continue;
        }
        if (s->closing)
            break;
        pthread_cond_wait(&s->cv, &s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

struct conn_sender *conn_sender_start(struct conn_ctx *x)
{
    struct conn_sender *s = xcalloc(1, sizeof *s);
    s->x = x;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    for (int i = 0; i < SENDER_SLOTS; i++)
        buf_init(&s->slots[i].body, LIM_REQUEST_BODY);
    /* Signals stay with the caller's thread; the lanes see the stop flag. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int ok = 1;
    for (int i = 0; i < SENDER_LANES && ok; i++) {
        struct lane *l = &s->lanes[i];
        l->s = s;
        if (conn_http_init(&l->http, x->cfg->ca_file, x->cfg->time_scale)) {
            log_error("cannot start libcurl");
            ok = 0;
        } else if (pthread_create(&l->thread, NULL, lane_main, l)) {
            log_error("cannot start a delivery thread");
            conn_http_release(&l->http);
            ok = 0;
        } else {
            l->started = 1;
            s->nlanes++;
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!ok) {
        conn_sender_stop(s, NULL, NULL);
        return NULL;
    }
    return s;
}

struct buf *conn_sender_slot(struct conn_sender *s)
{
    pthread_mutex_lock(&s->mu);
    int64_t t0 = conn_now_ms();
    while (s->failed == CONN_OK && s->filled - s->head >= SENDER_SLOTS)
        pthread_cond_wait(&s->cv, &s->mu);
    s->blocked_ms += conn_now_ms() - t0;
    struct slot *sl = NULL;
    if (s->failed == CONN_OK) {
        sl = slot_of(s, s->filled);
        sl->state = SLOT_FILLING;
        buf_clear(&sl->body);
    }
    pthread_mutex_unlock(&s->mu);
    return sl ? &sl->body : NULL;
}

void conn_sender_submit(struct conn_sender *s, size_t count, const struct position *after)
{
    /* The slot is the caller's until queued (only this thread moves
     * filled): write its position file now, off the lane's path. */
    struct slot *sl = slot_of(s, s->filled);
    int staged = after && conn_position_stage(s->x, after, &sl->staged) == CONN_OK;
    pthread_mutex_lock(&s->mu);
    sl->staged_ok = staged;
    sl->count = count;
    sl->has_after = after != NULL;
    if (after) {
        free(sl->after.stream);
        sl->after = *after;
        sl->after.stream = after->stream ? xstrdup(after->stream) : NULL;
    }
    sl->state = SLOT_QUEUED;
    s->filled++;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

enum conn_rc conn_sender_finish(struct conn_sender *s)
{
    pthread_mutex_lock(&s->mu);
    int64_t t0 = conn_now_ms();
    while (s->head < s->filled)
        pthread_cond_wait(&s->cv, &s->mu);
    s->blocked_ms += conn_now_ms() - t0;
    enum conn_rc rc = s->failed;
    pthread_mutex_unlock(&s->mu);
    return rc;
}

uint64_t conn_sender_delivered(struct conn_sender *s)
{
    pthread_mutex_lock(&s->mu);
    uint64_t d = s->delivered;
    pthread_mutex_unlock(&s->mu);
    return d;
}

void conn_sender_stop(struct conn_sender *s, int64_t *blocked_ms, int64_t *save_ms)
{
    if (!s)
        return;
    conn_sender_finish(s);
    pthread_mutex_lock(&s->mu);
    s->closing = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    for (int i = 0; i < SENDER_LANES; i++) {
        struct lane *l = &s->lanes[i];
        if (!l->started)
            continue;
        pthread_join(l->thread, NULL);
        conn_http_release(&l->http);
        s->x->cas_requests += l->requests;
        s->x->cas_wait_ms += l->wait_ms;
    }
    if (blocked_ms)
        *blocked_ms = s->blocked_ms;
    if (save_ms)
        *save_ms = s->save_ms;
    for (int i = 0; i < SENDER_SLOTS; i++) {
        buf_release(&s->slots[i].body);
        free(s->slots[i].after.stream);
    }
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
