/* DRAM timing that the replay's DMA and the lowering's cost model share (docs/timing.md,
 * "Ticks"). */
#include <math.h>

#include "arch/arch.h"

double np_dram_burst_ticks(const NpDram *dram) {
  int64_t channels = dram->channels > 0 ? dram->channels : 1, burst = dram->burst_bytes > 0 ? dram->burst_bytes : 1;
  if (!(dram->bytes_per_cycle > 0)) return INFINITY;
  /* One channel moves bytes_per_cycle / channels; a burst holds its bus burst_bytes of that. */
  double ticks = ceil((double)burst * (double)channels * (double)NP_DRAM_TICKS_PER_CYCLE / dram->bytes_per_cycle);
  return ticks < 1 ? 1 : ticks;
}
