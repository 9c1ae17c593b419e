/* Writing a command's text output (an SVG, an HTML page, a CSV) to a file atomically
 * (sim/util/outfile.h). */
#ifndef NPUSIM_CLI_CLI_OUTPUT_H
#define NPUSIM_CLI_CLI_OUTPUT_H

#include <stdbool.h>

/* Writes text to path through a temporary file; prints errors, false on failure. */
bool np_cli_write_file(const char *path, const char *text);

#endif
