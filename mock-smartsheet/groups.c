/* groups.c - Group objects: GET /2.0/groups (List org groups) and the
 * groups a UserProfile carries with include=groups.  Modelled choices are
 * in docs/smartsheet-model.md. */
#include "api.h"

#include <string.h>

#include "buf.h"
#include "sserror.h"
#include "strutil.h"

#define GROUPS_DEFAULT_PAGE_SIZE 100
#define GROUPS_MAX_PAGE_SIZE     100000
#define GROUPS_BODY_MAX          (16u * 1024u * 1024u)

static void date_field(struct buf *b, const char *key, int64_t ms, int numeric)
{
    char iso[32];
    if (numeric) {
        buf_printf(b, ",\"%s\":%lld", key, (long long)ms);
        return;
    }
    format_iso8601(ms, iso);
    buf_printf(b, ",\"%s\":\"%s\"", key, iso);
}

void api_group_json(struct buf *b, const struct ss_group *g, int numeric)
{
    buf_printf(b, "{\"id\":%lld,\"name\":", (long long)g->id);
    buf_json_str(b, g->name, strlen(g->name));
    buf_puts(b, ",\"description\":");
    buf_json_str(b, g->description, strlen(g->description));
    buf_puts(b, ",\"owner\":");
    buf_json_str(b, g->owner, strlen(g->owner));
    buf_printf(b, ",\"ownerId\":%lld", (long long)g->owner_id);
    date_field(b, "createdAt", g->created_ms, numeric);
    date_field(b, "modifiedAt", g->modified_ms, numeric);
    buf_puts(b, "}");
}

void api_groups_list(const struct ss_scenario *sc, const struct ss_caller *caller,
                     const struct http_req *req, struct http_resp *resp)
{
    (void)caller;               /* any user with READ_USERS lists the org's groups */
    int64_t page, page_size;
    int include_all, numeric;
    if (api_paging(req, GROUPS_DEFAULT_PAGE_SIZE, GROUPS_MAX_PAGE_SIZE, &page, &page_size,
                   &include_all, resp) ||
        api_numeric_dates(req, &numeric, resp))
        return;
    size_t total = scenario_group_count(sc);
    struct api_window w;
    api_page_window(total, include_all, page, page_size, &w);
    struct buf b;
    buf_init(&b, GROUPS_BODY_MAX);
    api_window_open(&b, &w, include_all, page_size, total);
    for (size_t i = 0; i < w.count; i++) {
        if (i)
            buf_puts(&b, ",");
        api_group_json(&b, scenario_group(sc, w.first + i), numeric);
    }
    if (buf_puts(&b, "]}") != BUF_OK) {
        buf_release(&b);
        ss_error(resp, 4000, NULL, NULL);
        return;
    }
    ss_json_ok(resp, &b);
}
