/* result.h - the connector's one result type.  Each value is also the
 * process exit code of CONTRACT.md section 4, so main() returns it as is.
 * Names and messages come from the one list below. */
#ifndef CONN_RESULT_H
#define CONN_RESULT_H

#define CONN_RESULTS(X)                                                    \
    X(CONN_OK, 0, "success")                                               \
    X(CONN_ERR_OTHER, 1, "failure")                                        \
    X(CONN_ERR_USAGE, 2, "bad usage or config")                            \
    X(CONN_ERR_AUTH, 3, "authorisation needed")                            \
    X(CONN_ERR_PREREQ, 4, "prerequisite missing")                          \
    X(CONN_ERR_TRANSIENT, 5, "transient failure, a rerun resumes")

enum conn_rc {
#define CONN_RC_ENUM(name, code, text) name = code,
    CONN_RESULTS(CONN_RC_ENUM)
#undef CONN_RC_ENUM
};

/* A short description of rc (never NULL). */
const char *conn_rc_text(enum conn_rc rc);

#endif
