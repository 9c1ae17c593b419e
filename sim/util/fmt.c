#include "util/fmt.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

char *np_fmt_bytes(int64_t bytes, char out[NP_FMT_LEN]) {
  static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024 && bytes > -1024) {
    snprintf(out, NP_FMT_LEN, "%" PRId64 " B", bytes);
    return out;
  }
  double v = (double)bytes / 1024.0;
  size_t u = 0;
  while ((v >= 1023.95 || v <= -1023.95) && u + 1 < sizeof units / sizeof units[0]) {
    v /= 1024.0;
    u++;
  }
  snprintf(out, NP_FMT_LEN, u == 0 ? "%.1f %s" : "%.2f %s", v, units[u]);
  return out;
}

char *np_fmt_count(int64_t n, char out[NP_FMT_LEN]) {
  static const char *const units[] = {"K", "M", "G", "T", "P"};
  if (n < 1000 && n > -1000) {
    snprintf(out, NP_FMT_LEN, "%" PRId64, n);
    return out;
  }
  double v = (double)n / 1000.0;
  size_t u = 0;
  while ((v >= 999.95 || v <= -999.95) && u + 1 < sizeof units / sizeof units[0]) {
    v /= 1000.0;
    u++;
  }
  snprintf(out, NP_FMT_LEN, "%.1f%s", v, units[u]);
  return out;
}

char *np_fmt_grouped(int64_t n, char out[NP_FMT_LEN]) {
  char digits[NP_FMT_LEN];
  snprintf(digits, sizeof digits, "%" PRId64, n);
  size_t len = strlen(digits), lead = digits[0] == '-' ? 1 : 0, o = 0;
  for (size_t i = 0; i < len && o + 2 < NP_FMT_LEN; i++) {
    if (i > lead && (len - i) % 3 == 0) out[o++] = ',';
    out[o++] = digits[i];
  }
  out[o] = '\0';
  return out;
}
