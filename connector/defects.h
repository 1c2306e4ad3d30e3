/* defects.h - deliberate defects for the conformance suite's self-test.
 *
 * Only the test build `connector-defective` (compiled with -DKIT_DEFECTS)
 * contains them; there KIT_DEFECT=<name> (or a comma-separated list)
 * switches one on.  In the real connector conn_defect() is the constant 0
 * and every defect branch is compiled away.  Names and the requirement
 * each one breaks are listed in defects.c. */
#ifndef CONN_DEFECTS_H
#define CONN_DEFECTS_H

#ifdef KIT_DEFECTS
/* Whether defect name is switched on in this process. */
int conn_defect(const char *name);
#else
#define conn_defect(name) 0
#endif

#endif
