/* JSON values for the writers (run and check reports, graph views, schedules, sweep rows).
 *
 * jansson gives NULL for a number that is not finite and for a string that is not UTF-8, and
 * json_object_set_new() then drops the key without a word. These never give NULL: every key a
 * writer sets is in its output, and every number in it is finite.
 */
#ifndef NPUSIM_UTIL_JSON_H
#define NPUSIM_UTIL_JSON_H

#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

/* v as a JSON number; null when v is NaN or infinite (JSON has no such numbers). */
json_t *np_json_real(double v);
/* text as a JSON string, each byte that is not UTF-8 replaced by U+FFFD (names from ONNX
 * files are not checked); null for NULL. */
json_t *np_json_string(const char *text);

#ifdef __cplusplus
}
#endif
#endif
