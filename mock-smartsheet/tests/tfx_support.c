/* tfx_support.c - see tfx_support.h. */
#include "tfx_support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"

const char *tfx_fixtures(void)
{
    const char *f = getenv("KIT_FIXTURES");
    return f && *f ? f : KIT_SOURCE_FIXTURES;
}

struct ss_scenario *tfx_load(const char *name)
{
    struct ss_scenario *sc = NULL;
    char err[512] = "";
    int rc = scenario_load(tfx_fixtures(), name, TFX_NOW, &sc, err, sizeof err);
    if (rc != 0)
        fail_msg("loading %s: %s", name, err);
    return sc;
}

struct http_req tfx_get(const char *path, const char *query)
{
    static const char *const no_headers[] = {NULL};
    struct http_req r = {.method = "GET", .path = path, .query = query, .body = "",
                         .peer_loopback = 1, .real_ms = TFX_NOW, .test_headers = no_headers};
    return r;
}

cJSON *tfx_json(const struct http_resp *resp)
{
    assert_non_null(resp->body);
    cJSON *j = cJSON_ParseWithLength(resp->body, resp->len);
    if (!j)
        fail_msg("response is not JSON: %.200s", resp->body);
    return j;
}

void tfx_resp_done(struct http_resp *resp)
{
    if (resp->body_owned)
        free((char *)resp->body);
    memset(resp, 0, sizeof *resp);
}

int tfx_error_code(const struct http_resp *resp)
{
    cJSON *j = cJSON_ParseWithLength(resp->body, resp->len);
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "errorCode");
    int code = cJSON_IsNumber(c) ? c->valueint : -1;
    cJSON_Delete(j);
    return code;
}

static char tfx_root[256];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

const char *tfx_make(const char *name, const char *scenario_json, const char *const *pages,
                     int npages)
{
    char path[1024];
    if (!tfx_root[0]) {
        snprintf(tfx_root, sizeof tfx_root, "/tmp/tfx-XXXXXX");
        assert_non_null(mkdtemp(tfx_root));
    }
    snprintf(path, sizeof path, "%s/scenarios", tfx_root);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/scenarios/%s", tfx_root, name);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/scenarios/%s/events", tfx_root, name);
    mkdir(path, 0755);
    struct buf list;
    buf_init(&list, 1 << 20);
    for (int i = 0; i < npages; i++) {
        buf_printf(&list, "%s\"events/page-%04d.json\"", i ? "," : "", i + 1);
        snprintf(path, sizeof path, "%s/scenarios/%s/events/page-%04d.json", tfx_root, name,
                 i + 1);
        write_file(path, pages[i]);
    }
    struct buf sj;
    buf_init(&sj, 1 << 20);
    const char *mark = strstr(scenario_json, "%PAGES%");
    if (mark) {
        buf_append(&sj, scenario_json, (size_t)(mark - scenario_json));
        buf_puts(&sj, list.ptr ? list.ptr : "");
        buf_puts(&sj, mark + 7);
    } else {
        buf_puts(&sj, scenario_json);
    }
    snprintf(path, sizeof path, "%s/scenarios/%s/scenario.json", tfx_root, name);
    write_file(path, sj.ptr);
    buf_release(&sj);
    buf_release(&list);
    return tfx_root;
}

void tfx_cleanup(void)
{
    if (!tfx_root[0])
        return;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tfx_root);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tfx_root);
    tfx_root[0] = '\0';
}
