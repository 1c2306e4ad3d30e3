/* report_svg.h - pictures for report.html, drawn as inline SVG. */
#ifndef CT_REPORT_SVG_H
#define CT_REPORT_SVG_H

#include <cjson/cJSON.h>

#include "buf.h"

/* Appends a picture of one timeline of a test (runlog.h: the env's
 * journals reduced) with the env's connector runs as bands: its
 * Smartsheet requests over duration time (each token's requests in the
 * 60 s ending at each, the rolling count RL-001 judges) against the
 * configured rate limit, 429s and other refusals with the retry after
 * each, token requests, and below on the same time axis the deliveries to
 * mock-cas (activities batches by the new activities CAS stored, users,
 * status).  Bounded whatever the journal holds: one column of dots per
 * pixel, at most a few hundred markers.  Returns 1, or 0 (and appends
 * nothing) when no request reached either double. */
int ct_svg_timeline(struct buf *b, const cJSON *timeline, const cJSON *runs);

#endif
