/* fuzz_cas_handler.c - mock-cas's whole request handler (routing, admin
 * API, ingestion, query API, OAuth redirect) on requests made of the
 * input: "METHOD TARGET\n", header lines, an empty line, the body.  Every
 * JSON answer is valid JSON, and the instance token never appears in an
 * answer. */
#include "fuzz.h"

#include "../common/dclock.h"
#include "../common/log.h"
#include "../mock-cas/app.h"
#include "../common/jarena.h"

static struct cas_app app;
static char token[65];
static char auth[128];

static void setup(void)
{
    if (app.store)
        return;
    log_setup("fuzz", LOG_TEXT, LOG_ERROR + 1);
    dclock_init(1.0);
    jarena_install();
    serveropts_init(&app.opts);
    char err[512];
    if (mapping_load(&app.map, KIT_SOURCE_FIXTURES "/mapping/smartsheet-cas.json", err, sizeof err))
        abort();
    app.store = store_open(NULL, 97134000, 1, err, sizeof err);
    app.faults = fault_set_new();
    app.journal = journal_new(1000);
    int64_t id;
    if (!app.store || store_instance_create(app.store, "fuzz", &id, token))
        abort();
    snprintf(auth, sizeof auth, "Authorization: Token %s", token);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 18)
        return 0;
    setup();
    char *t = fuzz_text(data, size);
    /* request line */
    char *nl = strchr(t, '\n');
    if (!nl) {
        free(t);
        return 0;
    }
    *nl = '\0';
    char *sp = strchr(t, ' ');
    if (!sp || sp - t > 10) {
        free(t);
        return 0;
    }
    *sp = '\0';
    const char *method = t, *target = sp + 1;
    char path[2048];
    snprintf(path, sizeof path, "%s", target);
    char *q = strchr(path, '?');
    if (q)
        *q++ = '\0';
    /* headers */
    const char *headers[24];
    size_t nh = 0;
    headers[nh++] = "Host: 127.0.0.1:8702";
    headers[nh++] = auth;
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
    struct http_req req = {.method = method, .path = path, .query = q ? q : "", .body = p,
                           .body_len = size - (size_t)(p - t), .peer_loopback = 1,
                           .seq = 1, .test_headers = headers};
    struct http_resp resp;
    memset(&resp, 0, sizeof resp);
    cas_handle(&app, &req, &resp);
    if (resp.body && resp.len) {
        /* unless the request itself carried it (answers may quote it) */
        FUZZ_CHECK(!memmem(resp.body, resp.len, token, strlen(token)) ||
                       memmem(data, size, token, strlen(token)) ||
                       !strcmp(path, "/_mock/instances"),
                   "the instance token reached an answer");
        if (resp.content_type && !strncmp(resp.content_type, "application/json", 16))
            FUZZ_CHECK(fuzz_json_valid(resp.body, resp.len), "a JSON answer is not JSON");
    }
    cas_done(&app, &req, &resp);
    if (resp.body_owned)
        free((void *)resp.body);
    free(resp.spare);
    free(t);
    return 0;
}
