/* fuzz_scenario.c - the scenario loader: the input is a scenario.json
 * (named "fz") in a fixtures folder that also holds the default scenario's
 * recorded pages; loading it never crashes, and a refusal names a file. */
#include "fuzz.h"

#include <stdlib.h>
#include <unistd.h>

#include "../common/spawn.h"
#include "../mock-smartsheet/scenario.h"

static char dir[64], file[128];

static void remove_dir(void)
{
    spawn_remove_tree(dir);
}

static void setup(void)
{
    if (dir[0])
        return;
    snprintf(dir, sizeof dir, "/tmp/fuzz-scenario-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    char cmd[512];
    snprintf(cmd, sizeof cmd, "mkdir -p %s/scenarios && cp -R %s/scenarios/default %s/scenarios/fz",
             dir, KIT_SOURCE_FIXTURES, dir);
    if (system(cmd))
        abort();
    atexit(remove_dir);
    snprintf(file, sizeof file, "%s/scenarios/fz/scenario.json", dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 18)
        return 0;
    setup();
    FILE *f = fopen(file, "wb");
    if (!f)
        abort();
    fwrite(data, 1, size, f);
    fclose(f);
    struct ss_scenario *sc = NULL;
    char err[1024] = "";
    if (scenario_load(dir, "fz", 1764374400000LL, &sc, err, sizeof err) == 0)
        scenario_free(sc);
    else
        FUZZ_CHECK(err[0] != '\0', "a refusal without a message");
    return 0;
}
