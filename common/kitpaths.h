/* kitpaths.h - where an installed or in-tree program finds the kit's data
 * and its sibling programs, and what --version prints.
 *
 * Installed layout (make install, the .deb):
 *   PREFIX/bin/sscas-<program>
 *   PREFIX/share/sscas-kit/fixtures/           (scenarios, mapping table)
 *   PREFIX/share/doc/sscas-kit/                (README, contract, catalogue, docs)
 *   PREFIX/share/man/man1/sscas-<program>.1
 * In the source tree the programs keep their plain names (build/bin/<program>). */
#ifndef KIT_KITPATHS_H
#define KIT_KITPATHS_H

#include <stddef.h>

#define KIT_PACKAGE "sscas-kit"
/* Installed program names start with this, so they cannot collide in /usr/bin. */
#define KIT_PROGRAM_PREFIX "sscas-"

#ifndef KIT_VERSION
#define KIT_VERSION "0.0.0"
#endif
#ifndef KIT_CONTRACT_VERSION
#define KIT_CONTRACT_VERSION "0.0"
#endif

/* Resolves the fixtures folder, first that is a folder wins:
 *   1. given (a --fixtures option; NULL or "" = not given),
 *   2. $KIT_FIXTURES (the conformance suite sets it for the connector it runs),
 *   3. ../share/sscas-kit/fixtures beside the running executable (installed),
 *   4. the source tree's fixtures folder compiled in (KIT_SOURCE_FIXTURES).
 * A given folder that does not exist is an error (no fallback).  Writes the
 * path to out; returns 0, or -1 when none exists or it does not fit in cap. */
int kit_fixtures_dir(const char *given, char *out, size_t cap);

/* The folder of the running executable (/proc/self/exe), or "." when
 * it cannot be read.  Returns 0, or -1 when it does not fit in cap. */
int kit_self_dir(char *out, size_t cap);

/* The path of the kit program name in dir: dir/sscas-<name> when that is
 * executable (installed names), else dir/<name>.  Returns 0, or -1 when it
 * does not fit in cap. */
int kit_program_path(const char *dir, const char *name, char *out, size_t cap);

/* Prints the --version text on stdout:
 *   <name> (sscas-kit) <version>
 *   connector contract <contract version>      (when with_contract)
 * where name is argv0's last component (the name it was called by, so
 * sscas-connector when installed), or fallback when argv0 is NULL or "". */
void kit_print_version(const char *argv0, const char *fallback, int with_contract);

#endif
