/* SRAM banks (docs/timing.md, "SRAM banks").
 *
 * A command's bytes are spread evenly over the banks it names (buffers interleave across
 * banks line by line). A bank serves ports_per_bank accesses of bank_width_bytes per cycle,
 * so a command owes each of its banks ceil(lines on that bank / ports) cycles of work. That
 * work is reserved when the command starts, on each bank after the work already queued
 * there: commands that share a bank serialize their accesses, in the order they start. */
#include <stdlib.h>
#include <string.h>

#include "replay/replay_internal.h"
#include "util/mem.h"

void sram_init(Sram *sram, const NpSram *config) {
  memset(sram, 0, sizeof *sram);
  sram->banks = config->banks > 0 ? config->banks : 1;
  if (sram->banks > NP_SCHEDULE_MAX_BANKS) sram->banks = NP_SCHEDULE_MAX_BANKS;
  sram->width = config->bank_width_bytes > 0 ? config->bank_width_bytes : 1;
  sram->ports = config->ports_per_bank > 0 ? config->ports_per_bank : 1;
  sram->bank_free = np_xcalloc((size_t)sram->banks, sizeof *sram->bank_free);
}

void sram_free(Sram *sram) {
  free(sram->bank_free);
  memset(sram, 0, sizeof *sram);
}

static int64_t lines_per_bank(const Sram *sram, int64_t bytes, uint64_t banks) {
  int n = __builtin_popcountll(banks);
  if (bytes <= 0 || n == 0) return 0;
  return np_ceil_div_i64(np_ceil_div_i64(bytes, sram->width), n);
}

BankWork sram_work_of(const Sram *sram, const NpCommand *cmd) {
  BankWork w = {0};
  switch (cmd->kind) {
  case NP_CMD_LOAD: /* DRAM -> SRAM: writes its banks */
    w.write_banks = cmd->banks;
    w.write_lines_per_bank = lines_per_bank(sram, cmd->bytes, cmd->banks);
    break;
  case NP_CMD_STORE: /* SRAM -> DRAM: reads them */
    w.read_banks = cmd->banks;
    w.read_lines_per_bank = lines_per_bank(sram, cmd->bytes, cmd->banks);
    break;
  case NP_CMD_COMPUTE:
    w.read_banks = cmd->banks_read;
    w.read_lines_per_bank = lines_per_bank(sram, cmd->sram_read_bytes, cmd->banks_read);
    w.write_banks = cmd->banks_written;
    w.write_lines_per_bank = lines_per_bank(sram, cmd->sram_write_bytes, cmd->banks_written);
    break;
  case NP_CMD_SYNC:
    break;
  }
  if (w.read_lines_per_bank == 0) w.read_banks = 0;
  if (w.write_lines_per_bank == 0) w.write_banks = 0;
  return w;
}

int64_t sram_bank_cycles(const Sram *sram, const BankWork *w, int bank) {
  uint64_t bit = UINT64_C(1) << bank;
  int64_t lines = ((w->read_banks & bit) ? w->read_lines_per_bank : 0) +
                  ((w->write_banks & bit) ? w->write_lines_per_bank : 0);
  return np_ceil_div_i64(lines, sram->ports);
}

int64_t sram_max_cycles(const Sram *sram, const BankWork *w) {
  int64_t most = 0;
  uint64_t banks = w->read_banks | w->write_banks;
  while (banks) {
    int b = __builtin_ctzll(banks);
    banks &= banks - 1;
    int64_t c = sram_bank_cycles(sram, w, b);
    if (c > most) most = c;
  }
  return most;
}

int64_t sram_reserve(Sram *sram, const BankWork *w, int64_t now, bool *conflict) {
  int64_t finish = now;
  uint64_t banks = w->read_banks | w->write_banks;
  *conflict = false;
  while (banks) {
    int b = __builtin_ctzll(banks);
    banks &= banks - 1;
    int64_t begin = now;
    if (sram->bank_free[b] > now) {
      begin = sram->bank_free[b];
      *conflict = true;
    }
    int64_t end = begin + sram_bank_cycles(sram, w, b);
    sram->bank_free[b] = end;
    if (end > finish) finish = end;
  }
  return finish;
}
