/* fuzz_callback.c - the connector's callback URL parser and the redirect
 * base match: no crash; a URL accepted as matching a registered redirect
 * starts with it. */
#include "fuzz.h"

#include "../connector/callback.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 14)
        return 0;
    char *t = fuzz_text(data, size);
    struct conn_callback cb;
    char err[512];
    if (conn_callback_parse(t, &cb, err, sizeof err) == 0)
        FUZZ_CHECK(memchr(cb.code, '\0', sizeof cb.code) != NULL, "code unterminated");
    static const char reg[] = "http://127.0.0.1:8702/api/oauth/saga";
    if (conn_callback_base_matches(t, reg))
        FUZZ_CHECK(!strncmp(t, "http://127.0.0.1:8702/", 22), "redirect leaves the registered URL");
    free(t);
    return 0;
}
