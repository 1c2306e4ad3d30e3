/* verdict.h - how a test records its judgement of each requirement.
 *
 * A test process appends one JSON line per verdict to the results file the
 * runner gave it; the runner merges them into the report.  Evidence is the
 * sentence a vendor reads when a requirement fails, so it names numbers,
 * request sequence numbers and ids, never secrets. */
#ifndef CT_VERDICT_H
#define CT_VERDICT_H

#include <stddef.h>

struct ct_cause;

enum ct_result { CT_PASS = 0, CT_FAIL = 1, CT_ERROR = 2 };

/* Directs this process's verdicts to path (appending), as test `test`. */
void ct_verdict_open(const char *path, const char *test);
/* Records that requirement id passed (ok) or failed, with evidence. */
void ct_verdict(const char *id, int ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Records that the requirements in the comma-separated list ids could not
 * be judged (the doubles did not start, the connector never got that far). */
void ct_blocked(const char *ids, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The failed stage (cause.h) that blocked verdicts recorded from now on
 * carry, when their evidence quotes its sentence; NULL forgets it.  The
 * cause is copied. */
void ct_verdict_set_cause(const struct ct_cause *c);
/* A function that rewrites every secret in text (in place, same length)
 * before evidence is written anywhere; NULL for none. */
void ct_verdict_set_redactor(void (*redact)(char *text, size_t len));
/* Appends one JSON line (len bytes, no line break) to this test's second
 * results file, <results>.runs.jsonl beside the verdicts: the connector
 * runs and timelines the runner shows with them.  Returns 0 or -1. */
int ct_verdict_attach(const char *line, size_t len);
/* 1 if a MUST requirement failed or was blocked in this process so far. */
int ct_verdict_must_failed(void);
/* Ends a test: a cmocka failure when a MUST failed, so cmocka's own
 * counts agree with the report. */
void ct_verdict_end(void);

const char *ct_result_name(enum ct_result r);

#endif
