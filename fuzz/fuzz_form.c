/* fuzz_form.c - query-string and form parsing: form_get never writes past
 * its buffer and returns a value that fits. */
#include "fuzz.h"

#include "../common/strutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    static const char *const names[] = {"code", "state", "error", "a", "", "redirect_uri"};
    char out[64];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        int r = form_get((const char *)data, size, names[i], out, sizeof out);
        if (r == 1)
            FUZZ_CHECK(strlen(out) < sizeof out, "value overran");
    }
    return 0;
}
