/* Numbers with units, as configs write them: sizes, bandwidths, frequencies. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/arch_internal.h"
#include "util/closest.h"
#include "util/mem.h"

typedef struct Unit {
  const char *suffix;
  double scale; /* into the base unit of the quantity */
} Unit;

static const Unit size_units[] = {
    {"B", 1},          {"KB", 1e3},           {"MB", 1e6},           {"GB", 1e9},
    {"TB", 1e12},      {"KiB", 1024.0},       {"MiB", 1048576.0},    {"GiB", 1073741824.0},
    {"TiB", 1099511627776.0},
};
/* Bandwidth, base GB/s. */
static const Unit rate_units[] = {
    {"B/s", 1e-9},  {"KB/s", 1e-6}, {"MB/s", 1e-3}, {"GB/s", 1},
    {"TB/s", 1e3},  {"KiB/s", 1024e-9}, {"MiB/s", 1048576e-9}, {"GiB/s", 1073741824e-9},
    {"TiB/s", 1099511627776e-9},
};
/* Frequency, base MHz. */
static const Unit freq_units[] = {{"Hz", 1e-6}, {"kHz", 1e-3}, {"MHz", 1}, {"GHz", 1e3}};

#define N_UNITS(a) (sizeof(a) / sizeof(a)[0])

/* Length of the number at the start of s: [+-]digits[.digits][e[+-]digits], or .digits.
 * 0 when s does not start with one. Sets *integral when it has no fraction or exponent. */
static size_t number_prefix(const char *s, bool *integral) {
  size_t i = 0;
  if (s[i] == '+' || s[i] == '-') i++;
  size_t int_digits = 0, frac_digits = 0;
  while (isdigit((unsigned char)s[i])) i++, int_digits++;
  *integral = true;
  if (s[i] == '.') {
    size_t j = i + 1;
    while (isdigit((unsigned char)s[j])) j++, frac_digits++;
    if (int_digits + frac_digits == 0) return 0;
    i = j;
    *integral = false;
  }
  if (int_digits + frac_digits == 0) return 0;
  if (s[i] == 'e' || s[i] == 'E') {
    size_t j = i + 1;
    if (s[j] == '+' || s[j] == '-') j++;
    if (isdigit((unsigned char)s[j])) {
      while (isdigit((unsigned char)s[j])) j++;
      i = j;
      *integral = false;
    }
  }
  return i;
}

static void unit_list(const Unit *units, size_t n, char *out, size_t size) {
  size_t used = 0;
  out[0] = '\0';
  for (size_t k = 0; k < n && used < size; k++)
    used += (size_t)snprintf(out + used, size - used, "%s%s", k ? ", " : "", units[k].suffix);
}

/* Parses "<number>[ ]<unit>" where the unit is one of units (or absent: scale 1).
 * *value gets number x scale; *number_text_integral tells whether the number had no
 * fraction/exponent, and *int_value its exact value when so. */
static bool parse_with_unit(const char *text, const char *what, const Unit *units, size_t n_units, double *value,
                            const Unit **unit_out, char *err, size_t err_size) {
  bool integral;
  size_t len = number_prefix(text, &integral);
  if (len == 0) {
    snprintf(err, err_size, "expected %s, got '%s'", what, text);
    return false;
  }
  char number[64];
  if (len >= sizeof number) {
    snprintf(err, err_size, "number too long in '%s'", text);
    return false;
  }
  memcpy(number, text, len);
  number[len] = '\0';
  errno = 0;
  double v = strtod(number, NULL);
  if (errno == ERANGE || !isfinite(v)) {
    snprintf(err, err_size, "number out of range: '%s'", text);
    return false;
  }
  const char *rest = text + len;
  while (*rest == ' ') rest++;
  const Unit *unit = NULL;
  if (*rest != '\0' && n_units == 0) {
    snprintf(err, err_size, "expected %s, got '%s'", what, text);
    return false;
  }
  if (*rest != '\0') {
    for (size_t k = 0; k < n_units; k++)
      if (strcmp(rest, units[k].suffix) == 0) unit = &units[k];
    if (unit == NULL) {
      const char *names[16];
      for (size_t k = 0; k < n_units; k++) names[k] = units[k].suffix;
      const char *near = np_closest_name(rest, names, n_units);
      char list[160];
      unit_list(units, n_units, list, sizeof list);
      if (near)
        snprintf(err, err_size, "unknown unit '%s' in '%s'; did you mean '%s'? (units: %s)", rest, text, near, list);
      else
        snprintf(err, err_size, "unknown unit '%s' in '%s' (units: %s)", rest, text, list);
      return false;
    }
    v *= unit->scale;
    if (!isfinite(v)) {
      snprintf(err, err_size, "number out of range: '%s'", text);
      return false;
    }
  }
  *value = v;
  if (unit_out) *unit_out = unit;
  return true;
}

bool np_parse_size(const char *text, int64_t *bytes, char *err, size_t err_size) {
  double v;
  const Unit *unit;
  if (!parse_with_unit(text, "a size (e.g. 64, 512KiB, 4MiB)", size_units, N_UNITS(size_units), &v, &unit, err,
                       err_size))
    return false;
  if (v < 0) {
    snprintf(err, err_size, "a size cannot be negative: '%s'", text);
    return false;
  }
  /* 2^62: far above any real memory, and products of two sizes stay checkable. */
  if (v > 4611686018427387904.0) {
    snprintf(err, err_size, "size out of range: '%s'", text);
    return false;
  }
  bool integral;
  size_t len = number_prefix(text, &integral);
  int64_t exact;
  if (integral) {
    /* Whole numbers are computed exactly in integers (doubles lose bytes above 2^53). */
    char number[64];
    memcpy(number, text, len);
    number[len] = '\0';
    int64_t count = strtoll(number, NULL, 10);
    int64_t scale = unit ? (int64_t)unit->scale : 1;
    if (!np_mul_i64(count, scale, &exact)) {
      snprintf(err, err_size, "size out of range: '%s'", text);
      return false;
    }
  } else {
    if (v != floor(v)) {
      snprintf(err, err_size, "'%s' is not a whole number of bytes", text);
      return false;
    }
    exact = (int64_t)v;
  }
  *bytes = exact;
  return true;
}

bool np_parse_bandwidth(const char *text, double *gb_per_s, char *err, size_t err_size) {
  return parse_with_unit(text, "a bandwidth (e.g. 34.1GB/s, 800MB/s)", rate_units, N_UNITS(rate_units), gb_per_s,
                         NULL, err, err_size);
}

bool np_parse_frequency(const char *text, double *mhz, char *err, size_t err_size) {
  return parse_with_unit(text, "a frequency (e.g. 1.2GHz, 800MHz)", freq_units, N_UNITS(freq_units), mhz, NULL, err,
                         err_size);
}

bool np_parse_real(const char *text, double *value, char *err, size_t err_size) {
  return parse_with_unit(text, "a number", NULL, 0, value, NULL, err, err_size);
}

bool np_parse_int(const char *text, int64_t *value, char *err, size_t err_size) {
  bool integral;
  size_t len = number_prefix(text, &integral);
  if (len == 0 || text[len] != '\0') {
    snprintf(err, err_size, "expected a whole number, got '%s'", text);
    return false;
  }
  if (!integral) {
    snprintf(err, err_size, "expected a whole number, got '%s'", text);
    return false;
  }
  errno = 0;
  long long v = strtoll(text, NULL, 10);
  if (errno == ERANGE) {
    snprintf(err, err_size, "number out of range: '%s'", text);
    return false;
  }
  *value = (int64_t)v;
  return true;
}

void np_format_size(int64_t bytes, char *out, size_t out_size) {
  static const char *const suffix[] = {"KiB", "MiB", "GiB", "TiB"};
  int level = -1;
  int64_t v = bytes;
  while (level < 3 && v != 0 && v % 1024 == 0) {
    v /= 1024;
    level++;
  }
  if (level < 0)
    snprintf(out, out_size, "%lld", (long long)bytes);
  else
    snprintf(out, out_size, "%lld%s", (long long)v, suffix[level]);
}

void np_arch_format_real(double v, char *out, size_t out_size) {
  if (v == floor(v) && fabs(v) < 1e15) { /* whole numbers as written: 1340, not 1.34e+03 */
    snprintf(out, out_size, "%.0f", v);
    return;
  }
  for (int precision = 1; precision <= 17; precision++) {
    snprintf(out, out_size, "%.*g", precision, v);
    if (strtod(out, NULL) == v) return;
  }
}
