/* fuzz_mapping.c - both readers of the mapping table (the connector's and
 * mock-cas's): no crash, no undefined behaviour on any number. */
#include "fuzz.h"

#include "../connector/mapping.h"
#include "../mock-cas/mapping.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 18)
        return 0;
    char *t = fuzz_text(data, size);
    char err[512];
    struct conn_mapping *cm = NULL;
    if (conn_mapping_parse(t, size, &cm, err, sizeof err) == 0)
        conn_mapping_free(cm);
    struct mapping m;
    memset(&m, 0, sizeof m);
    if (mapping_parse(&m, t, size, err, sizeof err) == 0)
        mapping_free(&m);
    free(t);
    return 0;
}
