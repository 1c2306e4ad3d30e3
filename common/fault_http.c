#include "fault_http.h"

#include <stdio.h>

#include "dclock.h"

/* Reason phrases of the statuses a proxy or load balancer sends. */
static const char *http_reason(int status)
{
    switch (status) {
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Temporarily Unavailable";
    case 504: return "Gateway Time-out";
    default: return status >= 500 ? "Server Error" : status >= 400 ? "Client Error" : "Status";
    }
}

enum fault_outcome fault_apply_http(const struct fault_fire *f, struct http_resp *resp)
{
    snprintf(resp->note, sizeof resp->note, "fault %u: %s", f->rule_id,
             fault_action_name(f->action));
    switch (f->action) {
    case FAULT_ERROR:
        return FAULT_SERVICE_ERROR;
    case FAULT_STATUS: {
        /* The page a load balancer in front of the service sends: HTML,
         * the status and its reason, no JSON anywhere. */
        int status = f->status ? f->status : 502;
        const char *reason = http_reason(status);
        char page[400];
        int n = snprintf(page, sizeof page,
                         "<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n"
                         "<center><h1>%d %s</h1></center>\r\n</body>\r\n</html>\r\n",
                         status, reason, status, reason);
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
    case FAULT_EDIT:
        snprintf(resp->edit_field, sizeof resp->edit_field, "%s", f->field);
        snprintf(resp->edit_value, sizeof resp->edit_value, "%s", f->value);
        break;
    case FAULT_REJECT:     /* the double's own handler does it */
        break;
    }
    return FAULT_GO_ON;
}
