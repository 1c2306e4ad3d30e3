#include "kitpaths.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int put(char *out, size_t cap, const char *a, const char *b)
{
    int n = snprintf(out, cap, "%s%s", a, b ? b : "");
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int kit_self_dir(char *out, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return put(out, cap, ".", NULL);
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash == exe)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    return put(out, cap, exe, NULL);
}

int kit_fixtures_dir(const char *given, char *out, size_t cap)
{
    if (given && given[0])
        return is_dir(given) ? put(out, cap, given, NULL) : -1;
    const char *env = getenv("KIT_FIXTURES");
    if (env && env[0] && is_dir(env))
        return put(out, cap, env, NULL);
    char self[PATH_MAX];
    if (!kit_self_dir(self, sizeof self)) {
        char cand[PATH_MAX + 64];
        snprintf(cand, sizeof cand, "%s/../share/" KIT_PACKAGE "/fixtures", self);
        char real[PATH_MAX];
        if (is_dir(cand))
            return put(out, cap, realpath(cand, real) ? real : cand, NULL);
    }
    if (is_dir(KIT_SOURCE_FIXTURES))
        return put(out, cap, KIT_SOURCE_FIXTURES, NULL);
    return -1;
}

int kit_program_path(const char *dir, const char *name, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/" KIT_PROGRAM_PREFIX "%s", dir, name);
    if (n >= 0 && (size_t)n < cap && access(out, X_OK) == 0)
        return 0;
    n = snprintf(out, cap, "%s/%s", dir, name);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

void kit_print_version(const char *argv0, const char *fallback, int with_contract)
{
    const char *name = argv0 && argv0[0] ? argv0 : fallback;
    const char *slash = strrchr(name, '/');
    if (slash && slash[1])
        name = slash + 1;
    /* the name is the caller's argv[0]: printed, never interpreted; cut
     * to a sane length and to printable characters */
    char shown[64];
    size_t n = 0;
    for (; name[n] && n < sizeof shown - 1; n++)
        shown[n] = (unsigned char)name[n] < 0x20 || name[n] == 0x7f ? '?' : name[n];
    shown[n] = '\0';
    printf("%s (" KIT_PACKAGE ") " KIT_VERSION "\n", shown);
    if (with_contract)
        printf("connector contract " KIT_CONTRACT_VERSION "\n");
}
