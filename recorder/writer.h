/* writer.h - turns the raw answers of a recording (users, /users/me, the
 * event pages as fetched) into a scenario folder in the kit's format
 * (docs/fixtures.md), pseudonymised on the way. */
#ifndef REC_WRITER_H
#define REC_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "pseudo.h"

struct writer_opts {
    const char *dir;            /* the scenario folder (holds .partial/) */
    const char *name;           /* scenario name: the folder's name */
    const char *partial;        /* folder of the raw answers */
    int raw_pages;              /* raw-000001.json .. raw-<n>.json */
    int page_size;              /* events per written page */
    int64_t since_ms, recorded_ms;
    const char *from;           /* for the description */
};

struct writer_stats {
    long users, events, pages, duplicates, outside, out_of_order;
    long still_generating;      /* places where the stream was still generating */
};

/* Returns 0, or -1 with a message in err. */
int writer_run(const struct writer_opts *o, struct pseudo *p, struct writer_stats *st,
               char *err, size_t errlen);

/* Tests and the writer: pseudonymises one event in place. */
void writer_event(struct pseudo *p, cJSON *ev);

#endif
