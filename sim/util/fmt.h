/* Number formatting shared by the human-readable reports: sizes in binary units,
 * counts in decimal units, and digit grouping, so every table reads the same way.
 * Each writes into a caller's buffer of NP_FMT_LEN bytes and returns it. */
#ifndef NPUSIM_UTIL_FMT_H
#define NPUSIM_UTIL_FMT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NP_FMT_LEN 32

/* 512 -> "512 B", 37120 -> "36.2 KiB", 4161536 -> "3.97 MiB" (MiB and up: two decimals). */
char *np_fmt_bytes(int64_t bytes, char out[NP_FMT_LEN]);
/* 999 -> "999", 115605504 -> "115.6M", 4089184256 -> "4.1G". */
char *np_fmt_count(int64_t n, char out[NP_FMT_LEN]);
/* 115605504 -> "115,605,504". */
char *np_fmt_grouped(int64_t n, char out[NP_FMT_LEN]);

#ifdef __cplusplus
}
#endif
#endif
