/* fuzz_faults.c - fault rules: a rule read from any JSON is listed as
 * valid JSON. */
#include "fuzz.h"

#include "../common/buf.h"
#include "../common/fault.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    cJSON *j = cJSON_ParseWithLength((const char *)data, size);
    if (!j)
        return 0;
    static const int codes[] = {429, 500, 503, 1002, 4001, 0};
    struct fault_set *fs = fault_set_new();
    char err[512];
    fault_add_json(fs, j, codes, 0, err, sizeof err);
    struct buf out;
    buf_init(&out, 1 << 20);
    fault_list_json(fs, &out);
    FUZZ_CHECK(!out.err && fuzz_json_valid(out.ptr, out.len), "fault list is not JSON");
    buf_release(&out);
    fault_set_free(fs);
    cJSON_Delete(j);
    return 0;
}
