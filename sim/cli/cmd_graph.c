/* PLACEHOLDER: replaced by the real command. */
#include <stdio.h>
#include "cli/commands.h"
int cmd_graph(int argc, char **argv) { (void)argc; (void)argv; fputs("npusim: graph: not built yet\n", stderr); return NP_EXIT_BAD_INPUT; }
