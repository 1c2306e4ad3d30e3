/* tests.c - the list of every test, in catalogue order (see tests.h). */
#include "tests.h"

#include <string.h>

struct table {
    const struct ct_test *t;
    const size_t *n;
};

static const struct table tables[] = {
    {ct_oauth_tests, &ct_oauth_test_count}, {ct_pre_tests, &ct_pre_test_count},
    {ct_sync_tests, &ct_sync_test_count},   {ct_rl_tests, &ct_rl_test_count},
    {ct_res_tests, &ct_res_test_count},     {ct_sec_tests, &ct_sec_test_count},
};

size_t ct_test_count(void)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        n += *tables[i].n;
    return n;
}

const struct ct_test *ct_test_at(size_t i)
{
    for (size_t k = 0; k < sizeof tables / sizeof tables[0]; k++) {
        if (i < *tables[k].n)
            return &tables[k].t[i];
        i -= *tables[k].n;
    }
    return NULL;
}

int ct_list_has(const char *list, const char *id)
{
    size_t n = strlen(id);
    const char *p = list;
    while (p && *p) {
        size_t len = strcspn(p, ",");
        if (len == n && !strncmp(p, id, n))
            return 1;
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}
