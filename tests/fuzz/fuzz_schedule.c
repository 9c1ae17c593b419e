/* Schedule JSON reader (what the RTL harness and the SystemC model read): any bytes. */
#include "fuzz/fuzz.h"
#include "fuzz/fuzz_checks.h"
#include "lower/schedule.h"

NP_FUZZ_TARGET(schedule) {
  NpDiag diag;
  np_diag_init(&diag);
  NpSchedule schedule;
  bool ok = np_schedule_from_json((const char *)data, size, "fuzz.json", &schedule, &diag);
  np_fuzz_check_diag("schedule", ok, &diag, "fuzz.json", false);
  if (ok) np_schedule_free(&schedule);
  np_diag_free(&diag);
  return 0;
}
