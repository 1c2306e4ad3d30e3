/* sspos.h - Event Reporting stream positions, as mock-smartsheet issues them
 * and fixture-gen records them.
 *
 * A position names an index into the scenario's event stream ("the next
 * event to return").  It is "2.1." followed by 43 url-safe base64
 * characters (47 in all, as long as Smartsheet's, whose are 45-48): the
 * index and a 192-bit check, so positions are stable across restarts and
 * forged or damaged ones are refused. */
#ifndef SS_SSPOS_H
#define SS_SSPOS_H

#include <stddef.h>
#include <stdint.h>

#define SSPOS_LEN 47            /* characters, without the NUL */

/* Writes the position for index into out (SSPOS_LEN + 1 bytes). */
void sspos_encode(uint64_t index, char out[SSPOS_LEN + 1]);
/* Decodes s; returns 0 and sets *index, or -1 when s is not a position
 * this double issued. */
int sspos_decode(const char *s, uint64_t *index);

#endif
