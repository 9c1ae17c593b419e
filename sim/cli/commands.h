/* The npusim subcommands. Each takes the arguments after its name (argv[0] is the
 * subcommand) and returns the process exit code: 0 success, 1 a check or budget failed,
 * 2 bad usage or bad input. Commands print reports to stdout and errors to stderr. */
#ifndef NPUSIM_CLI_COMMANDS_H
#define NPUSIM_CLI_COMMANDS_H

#include <stdbool.h>

enum { NP_EXIT_OK = 0, NP_EXIT_FAIL = 1, NP_EXIT_BAD_INPUT = 2 };

/* Call right after writing a report to stdout: false once a write has failed, and the first
 * failure's reason is kept for the message main prints when it exits with 2. */
bool np_cli_stdout_ok(void);

int cmd_graph(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_schedule(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_sustain(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_cliff(int argc, char **argv);
int cmd_fit(int argc, char **argv);
int cmd_pareto(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
