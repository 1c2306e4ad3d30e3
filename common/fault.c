#include "fault.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit_limits.h"
#include "rng.h"

struct fault_rule {
    unsigned id;
    char method[8];
    char path[256];
    char token_id[9];
    uint64_t nth;          /* 0 = every match */
    uint64_t count;        /* 0 = unlimited */
    double probability;    /* in (0, 1] */
    int64_t after_ms;      /* duration window; until 0 = open */
    int64_t until_ms;
    int64_t new_token_ms;  /* -1, or: only tokens issued at or after this */
    struct prng prng;
    struct fault_fire fire;
    uint64_t matched, fired;
};

struct fault_set {
    pthread_mutex_t lock;
    struct fault_rule rules[LIM_FAULT_RULES];
    size_t n;
    _Atomic size_t count;      /* copy of n readable without the lock */
    _Atomic size_t token_age;  /* rules with new_token_ms >= 0 */
    unsigned next_id;
};

static const char *const action_names[] = {
    [FAULT_ERROR] = "error", [FAULT_STATUS] = "status", [FAULT_DELAY] = "delay",
    [FAULT_CLOSE] = "close", [FAULT_TRUNCATE] = "truncate", [FAULT_MALFORM] = "malformed",
    [FAULT_DRIBBLE] = "dribble", [FAULT_HOLD] = "hold", [FAULT_EDIT] = "edit",
    [FAULT_REJECT] = "reject",
};

const char *fault_action_name(enum fault_action a)
{
    return a >= FAULT_ERROR && a <= FAULT_REJECT ? action_names[a] : "?";
}

struct fault_set *fault_set_new(void)
{
    struct fault_set *fs = xcalloc(1, sizeof *fs);
    pthread_mutex_init(&fs->lock, NULL);
    fs->next_id = 1;
    return fs;
}

void fault_set_free(struct fault_set *fs)
{
    if (!fs)
        return;
    pthread_mutex_destroy(&fs->lock);
    free(fs);
}

void fault_set_clear(struct fault_set *fs)
{
    pthread_mutex_lock(&fs->lock);
    fs->n = 0;
    atomic_store(&fs->count, 0);
    atomic_store(&fs->token_age, 0);
    pthread_mutex_unlock(&fs->lock);
}

static int get_str(const cJSON *obj, const char *name, char *out, size_t cap,
                   char *err, size_t errlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!v)
        return 0;
    if (!cJSON_IsString(v) || strlen(v->valuestring) >= cap) {
        snprintf(err, errlen, "fault field '%s' must be a string shorter than %zu", name, cap);
        return -1;
    }
    memcpy(out, v->valuestring, strlen(v->valuestring) + 1);
    return 0;
}

static int get_num(const cJSON *obj, const char *name, double min, double max, double *out,
                   char *err, size_t errlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!v)
        return 0;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < min ||
        v->valuedouble > max) {
        snprintf(err, errlen, "fault field '%s' must be a number from %g to %g", name, min, max);
        return -1;
    }
    *out = v->valuedouble;
    return 0;
}

/* An edit rule's `field` (required) and `value` (any JSON; absent = leave
 * the field out), kept as compact JSON text. */
static int parse_edit(const cJSON *obj, struct fault_fire *f, char *err, size_t errlen)
{
    if (get_str(obj, "field", f->field, sizeof f->field, err, errlen))
        return -1;
    if (!f->field[0]) {
        snprintf(err, errlen, "fault field 'field' is required for action 'edit'");
        return -1;
    }
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "value");
    if (!v)
        return 0;
    char *text = cJSON_PrintUnformatted(v);
    int ok = text && strlen(text) < sizeof f->value;
    if (ok)
        memcpy(f->value, text, strlen(text) + 1);
    free(text);
    if (!ok) {
        snprintf(err, errlen, "fault field 'value' must be JSON shorter than %zu bytes",
                 sizeof f->value);
        return -1;
    }
    return 0;
}

unsigned fault_add_json(struct fault_set *fs, const cJSON *obj, const int *allowed_codes,
                        int64_t now_ms, char *err, size_t errlen)
{
    struct fault_rule r;
    memset(&r, 0, sizeof r);
    r.probability = 1.0;
    r.new_token_ms = -1;
    if (!cJSON_IsObject(obj)) {
        snprintf(err, errlen, "a fault must be a JSON object");
        return 0;
    }
    static const char *const known[] = {"method", "path", "token", "nth", "count",
                                        "probability", "seed", "afterMs", "untilMs",
                                        "action", "errorCode", "status", "delayMs",
                                        "newToken", "field", "value", NULL};
    for (const cJSON *f = obj->child; f; f = f->next) {
        int ok = 0;
        for (size_t i = 0; known[i]; i++)
            if (f->string && !strcmp(f->string, known[i]))
                ok = 1;
        if (!ok) {
            snprintf(err, errlen, "unknown fault field '%.60s'", f->string ? f->string : "");
            return 0;
        }
    }
    char action[16] = "";
    double nth = 0, count = 0, seed = 1, after = 0, until = 0, code = 0, status = 0, delay = 0;
    if (get_str(obj, "method", r.method, sizeof r.method, err, errlen) ||
        get_str(obj, "path", r.path, sizeof r.path, err, errlen) ||
        get_str(obj, "token", r.token_id, sizeof r.token_id, err, errlen) ||
        get_str(obj, "action", action, sizeof action, err, errlen) ||
        get_num(obj, "nth", 0, 1e12, &nth, err, errlen) ||
        get_num(obj, "count", 0, 1e12, &count, err, errlen) ||
        get_num(obj, "probability", 0.000001, 1, &r.probability, err, errlen) ||
        get_num(obj, "seed", 0, 9007199254740991.0, &seed, err, errlen) ||
        get_num(obj, "afterMs", 0, 1e15, &after, err, errlen) ||
        get_num(obj, "untilMs", 0, 1e15, &until, err, errlen) ||
        get_num(obj, "errorCode", 0, 99999, &code, err, errlen) ||
        get_num(obj, "status", 200, 599, &status, err, errlen) ||
        get_num(obj, "delayMs", 0, 86400000.0, &delay, err, errlen))
        return 0;
    const cJSON *fresh = cJSON_GetObjectItemCaseSensitive(obj, "newToken");
    if (fresh && !cJSON_IsBool(fresh)) {
        snprintf(err, errlen, "fault field 'newToken' must be true or false");
        return 0;
    }
    if (cJSON_IsTrue(fresh))
        r.new_token_ms = now_ms;
    int a = 0;
    for (int i = FAULT_ERROR; i <= FAULT_REJECT; i++)
        if (!strcmp(action, action_names[i]))
            a = i;
    if (!a) {
        snprintf(err, errlen, "fault field 'action' must be one of error, status, delay, "
                              "close, truncate, malformed, dribble, hold, edit, reject");
        return 0;
    }
    if (a == FAULT_ERROR) {
        int ok = 0;
        for (size_t i = 0; allowed_codes && allowed_codes[i]; i++)
            if (allowed_codes[i] == (int)code)
                ok = 1;
        if (!ok) {
            snprintf(err, errlen, "fault field 'errorCode' is missing or not an error this "
                                  "double can send");
            return 0;
        }
    }
    if (a == FAULT_STATUS && !status) {
        snprintf(err, errlen, "fault field 'status' is required for action 'status'");
        return 0;
    }
    if ((a == FAULT_DELAY || a == FAULT_DRIBBLE || a == FAULT_HOLD) && delay <= 0) {
        snprintf(err, errlen, "fault field 'delayMs' is required for action '%s'", action);
        return 0;
    }
    if (a == FAULT_EDIT && parse_edit(obj, &r.fire, err, errlen))
        return 0;
    r.nth = (uint64_t)nth;
    r.count = (uint64_t)count;
    r.after_ms = (int64_t)after;
    r.until_ms = (int64_t)until;
    prng_seed(&r.prng, (uint64_t)seed);
    r.fire.action = (enum fault_action)a;
    r.fire.error_code = (int)code;
    r.fire.status = (int)status;
    r.fire.delay_ms = (int64_t)delay;

    pthread_mutex_lock(&fs->lock);
    if (fs->n >= LIM_FAULT_RULES) {
        pthread_mutex_unlock(&fs->lock);
        snprintf(err, errlen, "too many fault rules (at most %u)", LIM_FAULT_RULES);
        return 0;
    }
    r.id = fs->next_id++;
    r.fire.rule_id = r.id;
    fs->rules[fs->n++] = r;
    atomic_store(&fs->count, fs->n);
    if (r.new_token_ms >= 0)
        atomic_fetch_add(&fs->token_age, 1);
    pthread_mutex_unlock(&fs->lock);
    return r.id;
}

int fault_remove(struct fault_set *fs, unsigned id)
{
    int found = 0;
    pthread_mutex_lock(&fs->lock);
    for (size_t i = 0; i < fs->n; i++)
        if (fs->rules[i].id == id) {
            if (fs->rules[i].new_token_ms >= 0)
                atomic_fetch_sub(&fs->token_age, 1);
            memmove(&fs->rules[i], &fs->rules[i + 1], (fs->n - i - 1) * sizeof fs->rules[0]);
            fs->n--;
            atomic_store(&fs->count, fs->n);
            found = 1;
            break;
        }
    pthread_mutex_unlock(&fs->lock);
    return found;
}

int fault_any(struct fault_set *fs)
{
    return atomic_load_explicit(&fs->count, memory_order_relaxed) > 0;
}

static int path_matches(const char *pattern, const char *path)
{
    size_t n = strlen(pattern);
    if (!n)
        return 1;
    if (pattern[n - 1] == '*')
        return !strncmp(pattern, path, n - 1);
    if (!strcmp(pattern, path))
        return 1;
    /* "/2.0/events" also matches "/2.0/events/" */
    size_t m = strlen(path);
    return m == n + 1 && path[n] == '/' && !strncmp(pattern, path, n);
}

int fault_wants_token_age(struct fault_set *fs)
{
    return atomic_load_explicit(&fs->token_age, memory_order_relaxed) > 0;
}

int fault_check(struct fault_set *fs, const char *method, const char *path,
                const struct fault_caller *caller, int64_t now_ms, struct fault_fire *out)
{
    const char *token_id = caller && caller->token_id ? caller->token_id : "";
    int fired = 0;
    pthread_mutex_lock(&fs->lock);
    for (size_t i = 0; i < fs->n && !fired; i++) {
        struct fault_rule *r = &fs->rules[i];
        if (r->method[0] && strcmp(r->method, method))
            continue;
        if (!path_matches(r->path, path))
            continue;
        if (r->token_id[0] && strcmp(r->token_id, token_id))
            continue;
        if (r->new_token_ms >= 0 && (!caller || caller->token_issued_ms < r->new_token_ms))
            continue;
        if (now_ms < r->after_ms || (r->until_ms && now_ms >= r->until_ms))
            continue;
        if (r->count && r->fired >= r->count)
            continue;
        r->matched++;
        if (r->nth && r->matched != r->nth)
            continue;
        if (r->probability < 1.0 && prng_unit(&r->prng) >= r->probability)
            continue;
        r->fired++;
        *out = r->fire;
        fired = 1;
    }
    pthread_mutex_unlock(&fs->lock);
    return fired;
}

int fault_list_json(struct fault_set *fs, struct buf *out)
{
    pthread_mutex_lock(&fs->lock);
    buf_puts(out, "[");
    for (size_t i = 0; i < fs->n; i++) {
        const struct fault_rule *r = &fs->rules[i];
        buf_printf(out, "%s{\"id\":%u,\"method\":", i ? "," : "", r->id);
        buf_json_str(out, r->method, strlen(r->method));
        buf_puts(out, ",\"path\":");
        buf_json_str(out, r->path, strlen(r->path));
        buf_puts(out, ",\"token\":");
        buf_json_str(out, r->token_id, strlen(r->token_id));
        buf_printf(out, ",\"nth\":%llu,\"count\":%llu,\"probability\":%g,"
                   "\"afterMs\":%lld,\"untilMs\":%lld,\"action\":\"%s\",\"errorCode\":%d,"
                   "\"status\":%d,\"delayMs\":%lld,\"newToken\":%s,\"matched\":%llu,"
                   "\"fired\":%llu",
                   (unsigned long long)r->nth, (unsigned long long)r->count,
                   r->probability, (long long)r->after_ms, (long long)r->until_ms,
                   fault_action_name(r->fire.action), r->fire.error_code, r->fire.status,
                   (long long)r->fire.delay_ms, r->new_token_ms >= 0 ? "true" : "false",
                   (unsigned long long)r->matched,
                   (unsigned long long)r->fired);
        if (r->fire.action == FAULT_EDIT) {
            buf_puts(out, ",\"field\":");
            buf_json_str(out, r->fire.field, strlen(r->fire.field));
            if (r->fire.value[0])
                buf_printf(out, ",\"value\":%s", r->fire.value);
        }
        buf_puts(out, "}");
    }
    pthread_mutex_unlock(&fs->lock);
    return buf_puts(out, "]");
}
