#include "result.h"

const char *conn_rc_text(enum conn_rc rc)
{
    switch (rc) {
#define CONN_RC_CASE(name, code, text) case name: return text;
        CONN_RESULTS(CONN_RC_CASE)
#undef CONN_RC_CASE
    }
    return "unknown result";
}
