#include "fault_http.h"

#include <stdio.h>

#include "dclock.h"

enum fault_outcome fault_apply_http(const struct fault_fire *f, struct http_resp *resp)
{
    snprintf(resp->note, sizeof resp->note, "fault %u: %s", f->rule_id,
             fault_action_name(f->action));
    switch (f->action) {
    case FAULT_ERROR:
        return FAULT_SERVICE_ERROR;
    case FAULT_STATUS: {
        int status = f->status ? f->status : 502;
        char page[200];
        int n = snprintf(page, sizeof page,
                         "<html><head><title>%d</title></head><body><h1>%d</h1>"
                         "<p>upstream unavailable</p></body></html>\n", status, status);
        http_resp_copy(resp, status, "text/html", page, (size_t)n);
        return FAULT_ANSWERED;
    }
    case FAULT_DELAY:
        resp->delay_ms = dclock_to_real_ms(f->delay_ms);
        break;
    case FAULT_CLOSE:
        resp->transport = HTTP_CLOSE;
        break;
    case FAULT_TRUNCATE:
        resp->transport = HTTP_TRUNCATE;
        break;
    case FAULT_MALFORM:
        resp->transport = HTTP_MALFORM;
        break;
    case FAULT_DRIBBLE:
        resp->transport = HTTP_DRIBBLE;
        resp->delay_ms = dclock_to_real_ms(f->delay_ms);
        break;
    case FAULT_HOLD:
        resp->hold_ms = dclock_to_real_ms(f->delay_ms);
        return FAULT_HELD;
    }
    return FAULT_GO_ON;
}
