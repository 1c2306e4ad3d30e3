/* collect.h - a finished test's files into the report (report.h).
 *
 * A test process leaves two files in <report>/results/: <test>.jsonl, one
 * verdict a line (verdict.h), and <test>.runs.jsonl, its connector runs,
 * timelines and kept folders (runlog.h).  The runner hands each finished
 * test to ct_collect_test, which merges the verdicts into the
 * per-requirement outcomes, keeps the test's record for the writers, and
 * groups "not judged" verdicts that carry the same blocking cause
 * (cause.h) into one cause with the requirement ids it blocked. */
#ifndef CT_COLLECT_H
#define CT_COLLECT_H

#include "report.h"
#include "tests.h"

/* Outcomes for every catalogue requirement, selected by only (NULL =
 * all); no tests yet.  Room for max_tests test records. */
void ct_collect_init(struct ct_report *r, const char *only, size_t max_tests);
/* Merges test t, which ended with status ("ok", "failed", "timed out
 * after 180 s", ...) after seconds of real time; timed_out when the
 * runner stopped it.  Returns its record. */
const struct ct_test_rec *ct_collect_test(struct ct_report *r, const char *report_dir,
                                          const struct ct_test *t, double seconds,
                                          const char *status, int timed_out);
/* After the last test: selected requirements no test judged are marked
 * "not judged" (stopped: --fail-fast ended the run first). */
void ct_collect_finish(struct ct_report *r, int stopped);
void ct_collect_release(struct ct_report *r);

#endif
