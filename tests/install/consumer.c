/* A program outside the tree, built against an installed npusim: simulates MODEL on the
 * built-in config and prints what `npusim run MODEL --json` prints. */
#include <stdio.h>

#include <npusim.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: consumer MODEL\n");
    return 2;
  }
  char *error = NULL;
  npusim_model *model = npusim_model_load(argv[1], &error);
  npusim_config *config = model ? npusim_config_load(NULL, NULL, 0, &error) : NULL;
  npusim_run *run = config ? npusim_simulate(model, config, NULL, &error) : NULL;
  char *json = run ? npusim_run_json(run) : NULL;
  if (json) fputs(json, stdout);
  else fputs(error, stderr);
  npusim_free(json);
  npusim_free(error);
  npusim_run_free(run);
  npusim_config_free(config);
  npusim_model_free(model);
  return json ? 0 : 2;
}
