/* report.h - the three forms of a run's outcome: a human summary on
 * stdout, report.json, and one JUnit XML file per group (junit-<group>.xml),
 * all from the same per-requirement outcomes. */
#ifndef CT_REPORT_H
#define CT_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "buf.h"
#include "catalogue.h"
#include "verdict.h"

struct ct_outcome {
    const struct ct_req *req;
    int selected;            /* part of this run (--only) */
    int judged;              /* at least one verdict arrived */
    enum ct_result result;   /* worst verdict: fail > error > pass */
    struct buf evidence;     /* one "test: evidence" line per non-passing verdict */
    struct buf passes;       /* the same for passing verdicts (shown in JSON) */
    struct buf tests;        /* comma-separated test names that judged it */
    double seconds;          /* longest of those tests */
};

struct ct_report_info {
    const char *connector;
    double time_scale;
    long long started_ms;    /* epoch ms */
    long long duration_ms;
};

/* Summary counts.  A SHOULD that failed counts as a warning; a requirement
 * that could not be judged counts as an error. */
struct ct_counts { int total, passed, failed, warnings, errors; };
struct ct_counts ct_report_count(const struct ct_outcome *o, size_t n);

/* Prints the failures, warnings and the one-line summary to f. */
void ct_report_summary(FILE *f, const struct ct_outcome *o, size_t n);
/* Writes dir/report.json and dir/junit-<group>.xml for every group with a
 * selected requirement.  Returns 0, or -1 with a message on stderr. */
int ct_report_write(const char *dir, const struct ct_report_info *info,
                    const struct ct_outcome *o, size_t n);
/* Appends s with XML's five special characters escaped and control bytes
 * dropped. */
void ct_xml_escape(struct buf *b, const char *s);

#endif
