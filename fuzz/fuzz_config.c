/* fuzz_config.c - the connector's config reader: no crash, and an
 * accepted config has sane values (time_scale within its bounds). */
#include "fuzz.h"

#include "../connector/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    char *t = fuzz_text(data, size);
    struct conn_config c;
    char err[512];
    if (conn_config_parse(t, size, &c, err, sizeof err) == 0) {
        FUZZ_CHECK(c.time_scale >= 0.001 && c.time_scale <= 1e6, "time_scale out of bounds");
        conn_config_release(&c);
    } else {
        FUZZ_CHECK(memchr(err, '\0', sizeof err) != NULL, "unterminated message");
    }
    free(t);
    return 0;
}
