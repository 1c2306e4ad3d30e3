/* tfx_support.h - helpers for the scenario, events and users unit tests:
 * fake requests, response parsing, scenario loading and throwaway
 * fixture folders.  Every name starts with tfx_. */
#ifndef TFX_SUPPORT_H
#define TFX_SUPPORT_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "../api.h"
#include "../scenario.h"

/* A fixed load moment so rebased times are predictable. */
#define TFX_NOW 1800000000000LL

/* The fixtures folder (KIT_FIXTURES, else the source tree's). */
const char *tfx_fixtures(void);
/* Loads a checked-in scenario at TFX_NOW; fails the test on error. */
struct ss_scenario *tfx_load(const char *name);
/* A GET request with the given query ("" for none). */
struct http_req tfx_get(const char *path, const char *query);
/* Parses the response body (fails the test when it is not JSON). */
cJSON *tfx_json(const struct http_resp *resp);
/* Frees an owned body and clears resp. */
void tfx_resp_done(struct http_resp *resp);
/* errorCode of an error body, or -1. */
int tfx_error_code(const struct http_resp *resp);

/* Makes a scenario folder <tmp>/scenarios/<name>/ holding scenario_json
 * (with "%PAGES%" replaced by the list of page names) and npages pages;
 * returns the fixtures dir (static buffer). */
const char *tfx_make(const char *name, const char *scenario_json, const char *const *pages,
                     int npages);
/* Removes what tfx_make created. */
void tfx_cleanup(void);

#endif
