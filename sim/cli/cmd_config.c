/* PLACEHOLDER: replaced by the real command. */
#include <stdio.h>
#include "cli/commands.h"
int cmd_config(int argc, char **argv) { (void)argc; (void)argv; fputs("npusim: config: not built yet\n", stderr); return NP_EXIT_BAD_INPUT; }
