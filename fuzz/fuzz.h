/* fuzz.h - what the libFuzzer harnesses share: copying the input to a
 * NUL-terminated buffer, and checks that fail loudly (abort, which
 * libFuzzer reports as a finding). */
#ifndef KIT_FUZZ_H
#define KIT_FUZZ_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond, what)                                                             \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, __FILE__, __LINE__); \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

/* A malloc'd NUL-terminated copy of the input. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *t = malloc(size + 1);
    if (!t)
        abort();
    memcpy(t, data, size);
    t[size] = '\0';
    return t;
}

/* Whether text[0..len) is valid JSON to cJSON. */
static inline int fuzz_json_valid(const char *text, size_t len)
{
    cJSON *j = cJSON_ParseWithLength(text, len);
    int ok = j != NULL;
    cJSON_Delete(j);
    return ok;
}

#endif
