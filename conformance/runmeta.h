/* runmeta.h - what a run says about itself, and the folder it owns.
 *
 * The report folder belongs to one run: before the tests start, every
 * file an earlier run of the suite wrote there (ct_report_files, logs/,
 * results/) is removed, so a CI glob over junit-*.xml never mixes two runs.
 * Files the suite does not write are left alone.  The metadata (kit and
 * contract version, the connector's path, SHA-256 and `--version`, host)
 * goes into every report (report.h). */
#ifndef CT_RUNMETA_H
#define CT_RUNMETA_H

#include <stddef.h>

#include "report.h"

/* Creates dir and its missing parents.  Returns 0, or -1 with a message
 * on stderr. */
int ct_mkdirs(const char *dir);
/* Removes the files an earlier run wrote into dir (report files, logs/,
 * results/), then makes sure logs/ and results/ exist.  Returns 0, or -1
 * with a message on stderr. */
int ct_report_dir_claim(const char *dir);
/* Fills r's metadata: versions, connector (path, SHA-256, the first line
 * of its `--version` if it answers within a second), host. */
void ct_runmeta_fill(struct ct_report *r, const char *connector);

#endif
