/* scenario_groups.c - the scenario's optional "groups" (scenario.json):
 * each group's id, name, description, owner and members, checked against
 * the scenario's users, and the per-user index behind include=groups.
 * Format: docs/fixtures.md. */
#include "scenario_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define SC_MAX_ID 9007199254740991LL

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_group_id(const void *a, const void *b)
{
    const struct ss_group *x = *(const struct ss_group *const *)a;
    const struct ss_group *y = *(const struct ss_group *const *)b;
    return (x->id > y->id) - (x->id < y->id);
}

static int cmp_group_name(const void *a, const void *b)
{
    const struct ss_group *x = *(const struct ss_group *const *)a;
    const struct ss_group *y = *(const struct ss_group *const *)b;
    return strcmp(x->name, y->name);
}

/* members: a list of user ids of the scenario, each once. */
static int load_members(struct ss_scenario *sc, const cJSON *list, struct ss_group *g,
                        size_t *total, const char *file, const char *where, char *err,
                        size_t errlen)
{
    if (!list)
        return 0;
    if (!cJSON_IsArray(list)) {
        snprintf(err, errlen, "%s: %smembers: not an array of user ids", file, where);
        return -1;
    }
    size_t n = (size_t)cJSON_GetArraySize(list);
    if (n > sc->nusers || *total + n > SC_MAX_MEMBERSHIPS) {
        snprintf(err, errlen, "%s: %smembers: more than the scenario's users, or more than %u "
                 "memberships in all groups", file, where, SC_MAX_MEMBERSHIPS);
        return -1;
    }
    int64_t *m = xcalloc(n ? n : 1, sizeof *m);
    g->members = m;
    size_t k = 0;
    for (const cJSON *v = list->child; v; v = v->next, k++) {
        if (sc_json_int(v, 1, SC_MAX_ID, &m[k]) || !scenario_user_by_id(sc, m[k])) {
            snprintf(err, errlen, "%s: %smembers[%zu]: not the id of a user of the scenario",
                     file, where, k);
            return -1;
        }
        g->nmembers = k + 1;
    }
    int64_t *sorted = xcalloc(n ? n : 1, sizeof *sorted);
    memcpy(sorted, m, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_i64);
    for (size_t i = 1; i < n; i++)
        if (sorted[i] == sorted[i - 1]) {
            snprintf(err, errlen, "%s: %smembers: user %lld is listed twice", file, where,
                     (long long)sorted[i]);
            free(sorted);
            return -1;
        }
    free(sorted);
    *total += n;
    return 0;
}

static int load_group(struct ss_scenario *sc, const cJSON *o, size_t i, size_t *total,
                      const char *file, char *err, size_t errlen)
{
    struct ss_group *g = &sc->groups[i];
    char where[48];
    snprintf(where, sizeof where, "groups[%zu].", i);
    if (!cJSON_IsObject(o)) {
        snprintf(err, errlen, "%s: groups[%zu]: not an object", file, i);
        return -1;
    }
    if (sc_json_int(cJSON_GetObjectItemCaseSensitive(o, "id"), 1, SC_MAX_ID, &g->id)) {
        snprintf(err, errlen, "%s: %sid: missing or not an integer from 1 to 2^53-1", file, where);
        return -1;
    }
    if (sc_get_str(o, "name", NULL, (char **)&g->name, file, where, err, errlen) ||
        sc_get_str(o, "description", "", (char **)&g->description, file, where, err, errlen))
        return -1;
    if (!g->name[0]) {
        snprintf(err, errlen, "%s: %sname: empty", file, where);
        return -1;
    }
    const struct ss_user *owner = NULL;
    if (!sc_json_int(cJSON_GetObjectItemCaseSensitive(o, "ownerId"), 1, SC_MAX_ID, &g->owner_id))
        owner = scenario_user_by_id(sc, g->owner_id);
    if (!owner) {
        snprintf(err, errlen, "%s: %sownerId: missing or not the id of a user of the scenario",
                 file, where);
        return -1;
    }
    g->owner = owner->email;
    g->created_ms = g->modified_ms = sc->recorded_ms;
    if ((cJSON_GetObjectItemCaseSensitive(o, "createdAt") &&
         sc_get_time(o, "createdAt", &g->created_ms, file, where, err, errlen)) ||
        (cJSON_GetObjectItemCaseSensitive(o, "modifiedAt") &&
         sc_get_time(o, "modifiedAt", &g->modified_ms, file, where, err, errlen)))
        return -1;
    g->created_ms += sc->shift_ms;
    g->modified_ms += sc->shift_ms;
    return load_members(sc, cJSON_GetObjectItemCaseSensitive(o, "members"), g, total, file,
                        where, err, errlen);
}

/* Group ids and names are unique within the organisation (Smartsheet
 * refuses a second group of the same name). */
static int check_unique(struct ss_scenario *sc, const char *file, char *err, size_t errlen)
{
    size_t n = sc->ngroups;
    const struct ss_group **v = xcalloc(n ? n : 1, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = &sc->groups[i];
    int rc = 0;
    qsort(v, n, sizeof *v, cmp_group_id);
    for (size_t i = 1; i < n && !rc; i++)
        if (v[i]->id == v[i - 1]->id) {
            snprintf(err, errlen, "%s: groups: id %lld appears twice", file, (long long)v[i]->id);
            rc = -1;
        }
    qsort(v, n, sizeof *v, cmp_group_name);
    for (size_t i = 1; i < n && !rc; i++)
        if (!strcmp(v[i]->name, v[i - 1]->name)) {
            snprintf(err, errlen, "%s: groups: name \"%.200s\" appears twice", file, v[i]->name);
            rc = -1;
        }
    free(v);
    return rc;
}

/* For each user (in users[] order) the indexes of its groups. */
static void index_members(struct ss_scenario *sc, size_t total)
{
    size_t *off = xcalloc(sc->nusers + 1, sizeof *off);
    uint32_t *idx = xcalloc(total ? total : 1, sizeof *idx);
    for (size_t g = 0; g < sc->ngroups; g++)
        for (size_t k = 0; k < sc->groups[g].nmembers; k++)
            off[scenario_user_by_id(sc, sc->groups[g].members[k]) - sc->users + 1]++;
    for (size_t u = 0; u < sc->nusers; u++)
        off[u + 1] += off[u];
    size_t *fill = xcalloc(sc->nusers + 1, sizeof *fill);
    memcpy(fill, off, (sc->nusers + 1) * sizeof *fill);
    for (size_t g = 0; g < sc->ngroups; g++)
        for (size_t k = 0; k < sc->groups[g].nmembers; k++) {
            size_t u = (size_t)(scenario_user_by_id(sc, sc->groups[g].members[k]) - sc->users);
            idx[fill[u]++] = (uint32_t)g;
        }
    free(fill);
    sc->user_group_off = off;
    sc->user_group_idx = idx;
}

int sc_load_groups(struct ss_scenario *sc, const cJSON *root, const char *file, char *err,
                   size_t errlen)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "groups");
    size_t total = 0;
    if (list) {
        int n = cJSON_IsArray(list) ? cJSON_GetArraySize(list) : -1;
        if (n < 0 || (size_t)n > SC_MAX_GROUPS) {
            snprintf(err, errlen, "%s: groups: %s", file,
                     n < 0 ? "not an array" : "more than 10000 groups");
            return -1;
        }
        sc->groups = xcalloc(n ? (size_t)n : 1, sizeof *sc->groups);
        size_t i = 0;
        for (const cJSON *o = list->child; o; o = o->next, i++) {
            sc->ngroups = i + 1;        /* so sc_free_groups releases a half-read group */
            if (load_group(sc, o, i, &total, file, err, errlen))
                return -1;
        }
        if (check_unique(sc, file, err, errlen))
            return -1;
    }
    index_members(sc, total);
    return 0;
}

void sc_free_groups(struct ss_scenario *sc)
{
    for (size_t i = 0; i < sc->ngroups; i++) {
        free((char *)sc->groups[i].name);
        free((char *)sc->groups[i].description);
        free((int64_t *)sc->groups[i].members);
    }
    free(sc->groups);
    free(sc->user_group_off);
    free(sc->user_group_idx);
    sc->groups = NULL;
    sc->ngroups = 0;
}

size_t scenario_group_count(const struct ss_scenario *sc) { return sc->ngroups; }

const struct ss_group *scenario_group(const struct ss_scenario *sc, size_t i)
{
    return i < sc->ngroups ? &sc->groups[i] : NULL;
}

const uint32_t *scenario_user_groups(const struct ss_scenario *sc, const struct ss_user *u,
                                     size_t *n)
{
    *n = 0;
    if (!sc->user_group_off || u < sc->users || u >= sc->users + sc->nusers)
        return NULL;
    size_t k = (size_t)(u - sc->users);
    *n = sc->user_group_off[k + 1] - sc->user_group_off[k];
    return sc->user_group_idx + sc->user_group_off[k];
}
