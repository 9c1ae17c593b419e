/* Engine cycles of a COMPUTE (docs/timing.md, "MAC array" and "Vector and CPU"): the
 * command as its engine's kind row sees it (sim/arch/kinds.c holds the formulas). */
#include "replay/replay_internal.h"

NpEngineWork np_command_work(const NpCommand *cmd) {
  return (NpEngineWork){.op_class = cmd->op_class,
                        .dtype = cmd->dtype,
                        .gemm = cmd->gemm,
                        .macs = cmd->macs,
                        .elements = cmd->elements};
}

int64_t np_systolic_cycles(int64_t rows, int64_t cols, NpDataflow dataflow, NpGemmShape g) {
  return np_dataflow_cycles(rows, cols, dataflow, g);
}

int64_t np_compute_cycles(const NpEngine *engine, const NpCommand *cmd) {
  NpEngineWork work = np_command_work(cmd);
  return np_engine_cycles(engine, &work);
}
