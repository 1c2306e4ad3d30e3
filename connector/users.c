#include "users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cas.h"
#include "defects.h"
#include "kit_limits.h"
#include "log.h"
#include "mapping.h"
#include "ssapi.h"

#define USERS_PAGE_SIZE 100
#define USERS_MAX_PAGES 1000000

static int append_entity(struct buf *b, const cJSON *u, int first)
{
    char id[32];
    if (conn_json_int_text(cJSON_GetObjectItemCaseSensitive(u, "id"), id, sizeof id))
        return 0;
    const cJSON *email = cJSON_GetObjectItemCaseSensitive(u, "email");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(u, "name");
    const cJSON *fn = cJSON_GetObjectItemCaseSensitive(u, "firstName");
    const cJSON *ln = cJSON_GetObjectItemCaseSensitive(u, "lastName");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(u, "status");
    buf_printf(b, "%s{\"id\":\"%s\"", first ? "" : ",", id);
    if (cJSON_IsString(email)) {
        buf_puts(b, ",\"email\":");
        buf_json_str(b, email->valuestring, strlen(email->valuestring));
    }
    char display[600] = "";
    if (cJSON_IsString(name) && name->valuestring[0])
        snprintf(display, sizeof display, "%s", name->valuestring);
    else if (cJSON_IsString(fn) || cJSON_IsString(ln))
        snprintf(display, sizeof display, "%s%s%s", cJSON_IsString(fn) ? fn->valuestring : "",
                 cJSON_IsString(fn) && cJSON_IsString(ln) ? " " : "",
                 cJSON_IsString(ln) ? ln->valuestring : "");
    else if (cJSON_IsString(email))
        snprintf(display, sizeof display, "%s", email->valuestring);
    if (display[0]) {
        buf_puts(b, ",\"displayName\":");
        buf_json_str(b, display, strlen(display));
    }
    buf_printf(b, ",\"isAdmin\":%s",
               cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(u, "admin")) ? "true" : "false");
    if (cJSON_IsString(status)) {
        buf_puts(b, ",\"status\":");
        buf_json_str(b, status->valuestring, strlen(status->valuestring));
    }
    buf_puts(b, "}");
    return 1;
}

static enum conn_rc flush_entities(struct conn_ctx *x, struct buf *b, size_t *n)
{
    if (!*n && conn_defect("empty-entity-batch") && !b->len)
        buf_puts(b, "{\"entities\":[");
    else if (!*n)
        return CONN_OK;
    buf_puts(b, "]}");
    if (b->err) {
        log_error("entity batch too large");
        return CONN_ERR_OTHER;
    }
    enum conn_rc rc = conn_cas_post(x, "entities", b->ptr, b->len, NULL);
    if (!rc)
        log_info("delivered %zu users to CAS", *n);
    buf_clear(b);
    *n = 0;
    return rc;
}

enum conn_rc conn_users_sync(struct conn_ctx *x)
{
    struct buf b;
    buf_init(&b, LIM_REQUEST_BODY);
    size_t n = 0, total = 0;
    enum conn_rc rc = CONN_OK;
    long pages = 1;
    conn_user_index_clear(&x->users);
    for (long page = 1; page <= pages && page <= USERS_MAX_PAGES; page++) {
        char path[96];
        snprintf(path, sizeof path, "users?page=%ld&pageSize=%d", page, USERS_PAGE_SIZE);
        struct conn_ss_answer a;
        rc = conn_ss_get(x, path, &a);
        if (rc) {
            if (rc == CONN_ERR_OTHER)
                log_error("listing users failed: HTTP %ld errorCode %d %s", a.status,
                          a.error_code, a.message);
            conn_ss_answer_release(&a);
            break;
        }
        const cJSON *tp = cJSON_GetObjectItemCaseSensitive(a.json, "totalPages");
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(a.json, "data");
        if (!cJSON_IsArray(data) && conn_defect("users-data-assumed"))
            abort();           /* as a client that takes data for granted */
        if (!cJSON_IsArray(data)) {
            log_error("the users page %ld has no data array", page);
            conn_ss_answer_release(&a);
            rc = CONN_ERR_OTHER;
            break;
        }
        /* The first answer says how many pages there are; later answers
         * cannot make the walk longer (a lying server could make it
         * endless).  totalCount, when given, bounds it as well. */
        if (page == 1 && cJSON_IsNumber(tp) && tp->valuedouble >= 0 &&
            tp->valuedouble < USERS_MAX_PAGES) {
            pages = (long)tp->valuedouble;
            const cJSON *tc = cJSON_GetObjectItemCaseSensitive(a.json, "totalCount");
            if (cJSON_IsNumber(tc) && tc->valuedouble >= 0 &&
                tc->valuedouble < (double)USERS_MAX_PAGES * USERS_PAGE_SIZE) {
                long by_count = ((long)tc->valuedouble + USERS_PAGE_SIZE - 1) / USERS_PAGE_SIZE;
                if (by_count < pages)
                    pages = by_count ? by_count : 1;
            }
        }
        if (conn_defect("users-first-page-only"))
            pages = 1;
        if (conn_defect("lone-user-dropped") && pages <= 1 && data->child && !data->child->next)
            break;
        for (const cJSON *u = data->child; u; u = u->next) {
            if (!b.len)
                buf_puts(&b, "{\"entities\":[");
            if (append_entity(&b, u, n == 0)) {
                n++, total++;
                const cJSON *id = cJSON_GetObjectItemCaseSensitive(u, "id");
                const cJSON *mail = cJSON_GetObjectItemCaseSensitive(u, "email");
                if (cJSON_IsString(mail))
                    conn_user_index_add(&x->users, (int64_t)id->valuedouble, mail->valuestring);
            }
            else
                log_warn("a user without an integer id was skipped");
            if (n == LIM_BATCH_ITEMS && (rc = flush_entities(x, &b, &n)))
                break;
        }
        int empty = !data->child;
        conn_ss_answer_release(&a);
        if (rc && conn_defect("entity-refusal-forgotten")) {
            log_warn("an entity batch was refused; going on");
            rc = CONN_OK;
            continue;
        }
        if (rc || empty)
            break;
    }
    if (!rc)
        rc = flush_entities(x, &b, &n);
    conn_user_index_sort(&x->users);
    buf_release(&b);
    if (!rc)
        log_info("users: %zu delivered", total);
    return rc;
}
