/* report.h - the forms of a run's outcome, all from the same verdicts:
 *
 *   stdout        failures, warnings, blocking causes said once, counts
 *   report.json   everything, for programs (metadata, requirements, tests
 *                 with the connector's runs and timelines, causes)
 *   junit-<group>.xml  one test case per requirement, the connector's
 *                 output of the tests that judged it as system-out/-err
 *   summary.md    a short Markdown summary for pull requests and CI steps
 *   report.html   one self-contained page for people (no script, no
 *                 external file: inline CSS and SVG)
 *
 * The runner fills a struct ct_report; the writers only read it.  Every
 * piece of connector output in it was redacted by the test that recorded
 * it (runlog.h). */
#ifndef CT_REPORT_H
#define CT_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "catalogue.h"
#include "cause.h"
#include "verdict.h"

/* Caps on what the reports carry (each bounds the report's size whatever a
 * connector prints). */
/* Longest line of a test's runs file the runner reads (a run's two 64 KiB
 * tails, escaped; a timeline of 20,000 requests). */
#define CT_RUNS_LINE_MAX (4u * 1024 * 1024)
/* A test's whole runs file. */
#define CT_RUNS_FILE_MAX (48u * 1024 * 1024)
/* Connector output in report.json and report.html, over all tests: runs
 * beyond it are listed without their output. */
#define CT_OUTPUT_BUDGET (32u * 1024 * 1024)
/* Connector output in one JUnit test case, per stream. */
#define CT_JUNIT_OUTPUT_MAX (256u * 1024)
/* Output of one run shown in a JUnit test case or beside a requirement in
 * report.html (its end: the last lines matter most). */
#define CT_RUN_SHOWN_MAX (16u * 1024)

struct ct_outcome {
    const struct ct_req *req;
    int selected;            /* part of this run (--only) */
    int judged;              /* at least one verdict arrived */
    enum ct_result result;   /* worst verdict: fail > error > pass */
    struct buf evidence;     /* one "test: evidence" line per non-passing verdict */
    struct buf passes;       /* the same for passing verdicts (shown in JSON) */
    struct buf tests;        /* comma-separated test names that judged it */
    double seconds;          /* longest of those tests */
    int errors;              /* "not judged" verdicts ... */
    int caused;              /* ... of which a blocking cause explains */
};

/* One test as the reports show it. */
struct ct_test_rec {
    const char *name;
    const char *reqs;        /* the requirement ids it judges */
    double seconds;
    char status[120];        /* "ok", "failed", "timed out after 180 s", ... */
    cJSON *verdicts;         /* [{"id","result","evidence"}] in the order given */
    cJSON *runs;             /* [{"env","n","cmd","how","exited","code","overtime",
                                  "seconds","endMs","stdout","stderr"|"withheld"}] */
    cJSON *timelines;        /* [{"env","scale","limit","ss":[...],"cas":[...]}] */
    cJSON *kept;             /* ["folder", ...] with KIT_CONFORMANCE_KEEP */
    char note[200];          /* what was lost reading its runs file, or "" */
};

/* One blocking cause and what it blocked. */
struct ct_cause_group {
    struct ct_cause c;
    double lo, hi;           /* shortest and longest run time seen */
    int *reqs;               /* outcome indices, ascending (catalogue order) */
    int nreqs;
    struct buf tests;        /* comma-separated tests that hit it */
};

struct ct_report {
    const char *kit_version, *contract_version;
    const char *connector;
    char connector_sha256[65];     /* "" when it could not be read */
    char connector_version[200];   /* first line of `--version`, "" if it did not answer */
    char version_note[120];        /* how it answered otherwise */
    double time_scale;
    int jobs;
    const char *only;              /* NULL = everything */
    int stopped;                   /* --fail-fast stopped the run */
    long long started_ms, ended_ms;
    char host[256];
    struct ct_outcome *o;
    size_t n;
    struct ct_test_rec *tests;
    size_t ntests;
    struct ct_cause_group *causes;
    size_t ncauses;
};

/* Summary counts.  A SHOULD that failed counts as a warning; a requirement
 * that could not be judged counts as an error. */
struct ct_counts { int total, passed, failed, warnings, errors; };
struct ct_counts ct_report_count(const struct ct_outcome *o, size_t n);
/* "pass", "fail", "warning" or "error" (not judged). */
const char *ct_verdict_word(const struct ct_outcome *o);
/* "pass" when no selected MUST failed or went unjudged, else "fail". */
const char *ct_report_result(const struct ct_report *r);

/* Prints the failures, warnings, blocking causes (once each, with the ids
 * they block) and the counts to f. */
void ct_report_summary(FILE *f, const struct ct_report *r);
/* Writes report.json, junit-<group>.xml for every group with a selected
 * requirement, summary.md and report.html into dir.  Returns 0, or -1 with
 * a message on stderr. */
int ct_report_write(const char *dir, const struct ct_report *r);
/* The files ct_report_write writes (NULL-ended; "junit-*.xml" is a
 * pattern), for a run to clear before it starts. */
extern const char *const ct_report_files[];

/* ---- shared by the writers ---------------------------------------------- */

/* Appends s with XML's five special characters escaped and control bytes
 * dropped. */
void ct_xml_escape(struct buf *b, const char *s);
/* The test record named name, or NULL. */
const struct ct_test_rec *ct_report_test(const struct ct_report *r, const char *name);
/* This test's worst verdict on requirement id: CT_PASS, CT_FAIL or
 * CT_ERROR, or -1 when it gave none. */
int ct_test_verdict(const struct ct_test_rec *t, const char *id);
/* Calls fn for each run of the tests that bear on outcome i: that judged
 * it (or were to, and stopped first), and when it did not pass, only
 * those whose verdict was not a pass.  Stops when fn returns non-zero. */
void ct_report_each_run(const struct ct_report *r, size_t i,
                        int (*fn)(void *ctx, const struct ct_test_rec *t, const cJSON *run),
                        void *ctx);
/* Writes b to dir/name.  Returns 0, or -1 with a message on stderr. */
int ct_report_file(const char *dir, const char *name, const struct buf *b);

int ct_report_json(const char *dir, const struct ct_report *r);
int ct_report_junit(const char *dir, const struct ct_report *r);
int ct_report_markdown(const char *dir, const struct ct_report *r);
int ct_report_html(const char *dir, const struct ct_report *r);

#endif
