/* catalogue.h - the requirement catalogue: every behaviour the suite judges,
 * with a stable id, its group, level (MUST fails the run, SHOULD warns), a
 * one-line statement and its source.  conformance/requirements.md is
 * generated from this table (ct_catalogue_markdown) and must stay equal. */
#ifndef CT_CATALOGUE_H
#define CT_CATALOGUE_H

#include <stddef.h>

#include "buf.h"

/* The version of conformance/CONTRACT.md this catalogue judges (the
 * Makefile reads it from the contract's first line; test_catalogue
 * checks they agree). */
#include "kitpaths.h"
#define CT_CONTRACT_VERSION KIT_CONTRACT_VERSION

enum ct_level { CT_MUST = 0, CT_SHOULD = 1 };

struct ct_req {
    const char *id;          /* "RL-001" */
    const char *group;       /* "RL" */
    enum ct_level level;
    const char *statement;   /* one line */
    const char *source;
};

struct ct_group {
    const char *id;          /* "RL" */
    const char *title;       /* "Rate limit" */
};

size_t ct_catalogue_count(void);
const struct ct_req *ct_catalogue_at(size_t i);
/* The requirement with this id, or NULL. */
const struct ct_req *ct_catalogue_find(const char *id);

size_t ct_group_count(void);
const struct ct_group *ct_group_at(size_t i);
const struct ct_group *ct_group_find(const char *id);

const char *ct_level_name(enum ct_level l);

/* Appends the whole catalogue as the Markdown of requirements.md.
 * Returns 0, or -1 if out reached its cap. */
int ct_catalogue_markdown(struct buf *out);

#endif
