/* fuzz_jstrict.c - the strict reader (jstrict), the byte scanners of
 * mock-cas (jspan) and of the connector (jscan) against cJSON: a text the
 * strict reader accepts must parse, and the scanners must find the same
 * array, with the same element count, as the parser. */
#include "fuzz.h"

#include "../common/jstrict.h"
#include "../connector/jscan.h"
#include "../mock-cas/jspan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 20)
        return 0;
    char *t = fuzz_text(data, size);
    struct jstrict_issue is;
    enum jstrict_kind k = jstrict_check(t, size, &jstrict_body_limits, &is);
    cJSON *j = cJSON_ParseWithLength(t, size);
    if (k == JS_OK)
        FUZZ_CHECK(j != NULL, "strict accepts what cJSON refuses");
    if (k == JS_OK && cJSON_IsObject(j)) {
        /* both scanners pick the array the parser picks */
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(j, "activities");
        static struct jspan spans[2000];
        size_t n = 0;
        int r = jspan_array(t, size, "activities", spans, 2000, &n);
        if (cJSON_IsArray(arr) && cJSON_GetArraySize(arr) <= 2000)
            FUZZ_CHECK(r == 0 && n == (size_t)cJSON_GetArraySize(arr), "jspan disagrees");
        if (!arr)
            FUZZ_CHECK(r != 0, "jspan finds a key cJSON does not");
        struct jscan_range dr;
        static struct jscan_range el[2000];
        int m = jscan_member(t, size, "activities", &dr);
        FUZZ_CHECK((m == 1) == (arr != NULL), "jscan disagrees on the key");
        if (m == 1 && cJSON_IsArray(arr) && cJSON_GetArraySize(arr) <= 2000)
            FUZZ_CHECK(jscan_array(t + dr.off, dr.len, el, 2000) == cJSON_GetArraySize(arr),
                       "jscan disagrees on the elements");
    }
    cJSON_Delete(j);
    free(t);
    return 0;
}
