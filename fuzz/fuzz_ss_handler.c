/* fuzz_ss_handler.c - mock-smartsheet's whole request handler (OAuth,
 * Users, Event Reporting, Developer Tools, admin API) on requests made of
 * the input, as in fuzz_cas_handler.c.  Every JSON answer is valid JSON;
 * the default app's secret never reaches an answer the request did not
 * quote it in; a redirect to another site goes only to the app's
 * registered redirect URL. */
#include "fuzz.h"

#include <pthread.h>

#include "../common/dclock.h"
#include "../common/http.h"
#include "../common/log.h"
#include "../mock-smartsheet/oauth.h"
#include "../mock-smartsheet/server.h"

static struct ss_server s;
static const char secret[] = "83su5s8shjbnv4ozgne4v6m9jp";
static const char redirect[] = "http://127.0.0.1/api/oauth/saga";

static void setup(void)
{
    if (s.oauth)
        return;
    log_setup("fuzz", LOG_TEXT, LOG_ERROR + 1);
    dclock_init(1.0);
    serveropts_init(&s.opts);
    snprintf(s.fixtures_dir, sizeof s.fixtures_dir, "%s", KIT_SOURCE_FIXTURES);
    pthread_rwlock_init(&s.lock, NULL);
    s.oauth = oauth_new();
    s.rl = rl_new(RL_SLIDING, 300, 60000);
    s.faults = fault_set_new();
    s.journal = journal_new(1000);
    char err[512];
    if (ss_load_scenario(&s, "default", err, sizeof err))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    setup();
    char *t = fuzz_text(data, size);
    char *nl = strchr(t, '\n'), *sp = strchr(t, ' ');
    if (!nl || !sp || sp > nl || sp - t > 10) {
        free(t);
        return 0;
    }
    *nl = *sp = '\0';
    char path[2048];
    snprintf(path, sizeof path, "%s", sp + 1);
    char *q = strchr(path, '?');
    if (q)
        *q++ = '\0';
    const char *headers[24];
    size_t nh = 0;
    headers[nh++] = "Host: 127.0.0.1:8701";
    char *p = nl + 1;
    while (*p && *p != '\n' && nh < 22) {
        char *e = strchr(p, '\n');
        if (e)
            *e = '\0';
        headers[nh++] = p;
        p = e ? e + 1 : p + strlen(p);
    }
    headers[nh] = NULL;
    if (*p == '\n')
        p++;
    struct http_req req = {.method = t, .path = path, .query = q ? q : "", .body = p,
                           .body_len = size - (size_t)(p - t), .peer_loopback = 1,
                           .seq = 1, .test_headers = headers};
    struct http_resp resp;
    memset(&resp, 0, sizeof resp);
    ss_handle(&s, &req, &resp);
    int quoted = memmem(data, size, secret, sizeof secret - 1) != NULL;
    if (resp.body && resp.len) {
        FUZZ_CHECK(quoted || !memmem(resp.body, resp.len, secret, sizeof secret - 1),
                   "the app secret reached an answer");
        if (resp.content_type && !strncmp(resp.content_type, "application/json", 16))
            FUZZ_CHECK(fuzz_json_valid(resp.body, resp.len), "a JSON answer is not JSON");
    }
    const char *loc = http_resp_get_header(&resp, "Location");
    if (loc && strncmp(loc, "/", 1) && strncmp(loc, "http://127.0.0.1:8701/", 22))
        FUZZ_CHECK(!strncmp(loc, redirect, sizeof redirect - 1) &&
                       (loc[sizeof redirect - 1] == '?' || loc[sizeof redirect - 1] == '\0'),
                   "a redirect leaves the registered URL");
    ss_done(&s, &req, &resp);
    if (resp.body_owned)
        free((void *)resp.body);
    if (resp.body_release)
        resp.body_release(resp.body_release_cls);
    free(resp.spare);
    free(t);
    return 0;
}
