/* tests.h - the registry of conformance tests.  Each t_<group>.c file
 * defines its tests; a test is a cmocka test function that judges the
 * requirements listed in `reqs` and records verdicts (verdict.h). */
#ifndef CT_TESTS_H
#define CT_TESTS_H

#include <stdint.h>
#include <stddef.h>

struct ct_test {
    const char *name;            /* unique, lower_snake_case */
    const char *reqs;            /* comma-separated requirement ids it judges */
    void (*fn)(void **state);    /* a cmocka test function */
    int slow;                    /* waits seconds by design: started first */
};

size_t ct_test_count(void);
const struct ct_test *ct_test_at(size_t i);
/* 1 if the comma-separated list has id as one of its items. */
int ct_list_has(const char *list, const char *id);

/* Per-group tables (t_*.c). */
/* Judges MAP-001..007 on what e's doubles hold after a full sync that
 * started at sync_start_ms (a backfill of seven days). */
struct ct_env;
void ct_map_judge(struct ct_env *e, const char *failed, int64_t sync_start_ms);
/* Appends a live event for every row of the mapping table and for pairs
 * it does not know, so that the judgement covers the whole table.
 * Returns 0, or -1 with e->err. */
int ct_map_cover_table(struct ct_env *e);
/* Judges RL-005 on the journal of a first sync. */
void ct_rl_judge_frugal(struct ct_env *e, int users, int events_in_window);

extern const struct ct_test ct_oauth_tests[];
extern const size_t ct_oauth_test_count;
extern const struct ct_test ct_pre_tests[];
extern const size_t ct_pre_test_count;
extern const struct ct_test ct_sync_tests[];
extern const size_t ct_sync_test_count;
extern const struct ct_test ct_rl_tests[];
extern const size_t ct_rl_test_count;
extern const struct ct_test ct_res_tests[];
extern const size_t ct_res_test_count;
extern const struct ct_test ct_sec_tests[];
extern const size_t ct_sec_test_count;

#endif
