/* The trace format's byte layout (docs/formats.md, "Trace"): explicit little-endian fields,
 * never a struct copied as memory, so files are the same on every host. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lower/schedule.h"
#include "trace/trace_internal.h"
#include "util/mem.h"
#include "util/utf8.h"

_Static_assert(NP_TRACE_LOAD == (int)NP_CMD_LOAD && NP_TRACE_STORE == (int)NP_CMD_STORE &&
                   NP_TRACE_COMPUTE == (int)NP_CMD_COMPUTE && NP_TRACE_SYNC == (int)NP_CMD_SYNC,
               "trace kinds must keep NpCmdKind's values");
_Static_assert(sizeof NP_TRACE_MAGIC == 8, "the magic is 8 bytes with its NUL");
_Static_assert(sizeof NP_TRACE_TRAILER_MAGIC <= 8, "the trailer magic fits 8 bytes");
_Static_assert(48 + 8 * NP_TRACE_STALL_COUNT == NP_TRACE_RECORD_BYTES, "the stalls end the record");

/* ---- names ---- */

const char *np_trace_kind_name(NpTraceKind kind) {
  static const char *const names[] = {"LOAD", "STORE", "COMPUTE", "SYNC"};
  return (unsigned)kind < NP_TRACE_KIND_COUNT ? names[kind] : "?";
}

const char *np_trace_unit_kind_name(NpTraceUnitKind kind) {
  static const char *const names[] = {"engine", "dma", "bank", "core"};
  return (unsigned)kind < NP_TRACE_UNIT_KIND_COUNT ? names[kind] : "?";
}

const char *np_trace_stall_name(NpTraceStall stall) {
  static const char *const names[] = {"dram", "bank_conflict", "dependency", "outstanding", "unit"};
  return (unsigned)stall < NP_TRACE_STALL_COUNT ? names[stall] : "?";
}

const char *np_trace_source_name(NpTraceSource source) {
  switch (source) {
    case NP_TRACE_SOURCE_MODEL: return "model";
    case NP_TRACE_SOURCE_RTL: return "rtl";
  }
  return "?";
}

uint64_t np_trace_hash(uint64_t hash, const void *data, size_t len) {
  const uint8_t *p = data;
  for (size_t i = 0; i < len; i++) {
    hash ^= p[i];
    hash *= UINT64_C(0x100000001b3);
  }
  return hash;
}

/* ---- little-endian fields ---- */

static void put_u16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

static uint32_t get_u32(const uint8_t *p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

static uint64_t get_u64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

/* An IEEE-754 binary64 goes as its bit pattern, little-endian. */
static uint64_t double_bits(double d) {
  uint64_t bits;
  memcpy(&bits, &d, sizeof bits);
  return bits;
}

static double bits_double(uint64_t bits) {
  double d;
  memcpy(&d, &bits, sizeof d);
  return d;
}

static bool all_zero(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i]) return false;
  return true;
}

/* ---- header: 80 bytes ---- */

enum {
  H_MAGIC = 0, H_VERSION = 8, H_HEADER_BYTES = 10, H_RECORD_BYTES = 12, H_SOURCE = 14, H_RESERVED1 = 15,
  H_CLOCK = 16, H_CONFIG_HASH = 24, H_SCHEDULE_HASH = 32, H_CONFIG_NAME = 40, H_RESERVED2 = 72,
};

/* A byte a terminal would act on. */
static bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

const char *np_trace_header_problem(const NpTraceHeader *h) {
  if (h->source != NP_TRACE_SOURCE_MODEL && h->source != NP_TRACE_SOURCE_RTL) return "unknown source (model or rtl)";
  if (!(h->clock_mhz >= NP_TRACE_MIN_CLOCK_MHZ && h->clock_mhz <= NP_TRACE_MAX_CLOCK_MHZ))
    return "clock_mhz must be a number from 1e-06 (1 Hz) to 1e+06 (1 THz)";
  if (memchr(h->config_name, '\0', NP_TRACE_NAME_MAX) == NULL) return "config name longer than 31 bytes";
  if (h->names.n_engines > NP_TRACE_MAX_ENGINES || h->names.n_layers > NP_TRACE_MAX_LAYERS)
    return "more names than the format allows (256 engines, 2^20 layers)";
  size_t name_len = strlen(h->config_name);
  for (size_t i = 0; i < name_len; i++)
    if (is_control((unsigned char)h->config_name[i]))
      return "config name holds a control character (configs refuse them)";
  if (np_utf8_invalid_at(h->config_name, name_len) != name_len) return "config name is not UTF-8 text";
  return NULL;
}

void np_trace_encode_header(const NpTraceHeader *h, uint8_t out[NP_TRACE_HEADER_BYTES]) {
  memset(out, 0, NP_TRACE_HEADER_BYTES);
  memcpy(out + H_MAGIC, NP_TRACE_MAGIC, 8);
  put_u16(out + H_VERSION, NP_TRACE_VERSION);
  put_u16(out + H_HEADER_BYTES, NP_TRACE_HEADER_BYTES);
  put_u16(out + H_RECORD_BYTES, NP_TRACE_RECORD_BYTES);
  out[H_SOURCE] = (uint8_t)h->source;
  put_u64(out + H_CLOCK, double_bits(h->clock_mhz));
  put_u64(out + H_CONFIG_HASH, h->config_hash);
  put_u64(out + H_SCHEDULE_HASH, h->schedule_hash);
  size_t name_len = strnlen(h->config_name, NP_TRACE_NAME_MAX - 1);
  memcpy(out + H_CONFIG_NAME, h->config_name, name_len); /* NUL-padded by the memset */
}

const char *np_trace_decode_header(const uint8_t in[NP_TRACE_HEADER_BYTES], NpTraceHeader *h) {
  memset(h, 0, sizeof *h);
  h->version = get_u16(in + H_VERSION);
  if (h->version < 1 || h->version > NP_TRACE_VERSION) return "unsupported trace version";
  if (get_u16(in + H_HEADER_BYTES) != NP_TRACE_HEADER_BYTES || get_u16(in + H_RECORD_BYTES) != NP_TRACE_RECORD_BYTES)
    return "header or record size is not the format's (80 and 88 bytes)";
  h->source = (NpTraceSource)in[H_SOURCE];
  h->clock_mhz = bits_double(get_u64(in + H_CLOCK));
  h->config_hash = get_u64(in + H_CONFIG_HASH);
  h->schedule_hash = get_u64(in + H_SCHEDULE_HASH);
  memcpy(h->config_name, in + H_CONFIG_NAME, NP_TRACE_NAME_MAX);
  if (in[H_RESERVED1] != 0 || !all_zero(in + H_RESERVED2, NP_TRACE_HEADER_BYTES - H_RESERVED2))
    return "reserved bytes are not zero";
  const char *problem = np_trace_header_problem(h);
  if (problem) return problem;
  return NULL;
}

/* ---- names (version 2): counts, then NUL-terminated strings ---- */

/* A name and its NUL, each control character or byte that is not UTF-8 written as '?': names
 * come from model files, and readers refuse what a terminal would act on. */
static void append_name(NpBuf *strings, const char *name) {
  size_t len = strlen(name);
  for (size_t i = 0; i < len;) {
    size_t n = np_utf8_sequence_length(name + i, len - i);
    if (n == 0 || (n == 1 && is_control((unsigned char)name[i]))) {
      np_buf_append(strings, "?", 1);
      n = 1;
    } else {
      np_buf_append(strings, name + i, n);
    }
    i += n;
  }
  np_buf_append(strings, "", 1);
}

void np_trace_encode_names(const NpTraceNames *names, NpBuf *out) {
  uint8_t counts[NP_TRACE_NAMES_COUNTS_BYTES];
  NpBuf strings = {0};
  np_buf_puts(&strings, "");
  for (uint32_t i = 0; i < names->n_engines; i++) append_name(&strings, names->engines[i]);
  for (uint32_t i = 0; i < names->n_layers; i++) {
    append_name(&strings, names->layers[i]);
    append_name(&strings, names->layer_ops[i]);
  }
  put_u32(counts, names->n_engines);
  put_u32(counts + 4, names->n_layers);
  put_u32(counts + 8, (uint32_t)strings.len);
  np_buf_append(out, (const char *)counts, sizeof counts);
  np_buf_append(out, strings.data, strings.len);
  np_buf_free(&strings);
}

const char *np_trace_names_counts_problem(const uint8_t in[NP_TRACE_NAMES_COUNTS_BYTES], NpTraceNames *names,
                                          uint32_t *bytes) {
  memset(names, 0, sizeof *names);
  names->n_engines = get_u32(in);
  names->n_layers = get_u32(in + 4);
  *bytes = get_u32(in + 8);
  if (names->n_engines > NP_TRACE_MAX_ENGINES) return "more engine names than the format allows (256)";
  if (names->n_layers > NP_TRACE_MAX_LAYERS) return "more layer names than the format allows (2^20)";
  if (*bytes > NP_TRACE_MAX_NAMES_BYTES) return "a name table larger than the format allows (64 MiB)";
  return NULL;
}

static char *take_string(const char **at, const char *end) {
  const char *nul = *at < end ? memchr(*at, '\0', (size_t)(end - *at)) : NULL;
  if (nul == NULL) return NULL;
  char *copy = np_xstrndup(*at, (size_t)(nul - *at));
  *at = nul + 1;
  return copy;
}

const char *np_trace_decode_names(const uint8_t *in, uint32_t len, NpTraceNames *names) {
  if (np_utf8_invalid_at((const char *)in, len) != len) return "a name is not valid UTF-8";
  for (uint32_t i = 0; i < len; i++)
    if (in[i] != 0 && is_control(in[i])) return "a name holds a control character";
  const char *at = (const char *)in, *end = at + len;
  names->engines = np_xcalloc(names->n_engines ? names->n_engines : 1, sizeof *names->engines);
  names->layers = np_xcalloc(names->n_layers ? names->n_layers : 1, sizeof *names->layers);
  names->layer_ops = np_xcalloc(names->n_layers ? names->n_layers : 1, sizeof *names->layer_ops);
  bool ok = true;
  for (uint32_t i = 0; i < names->n_engines && ok; i++) ok = (names->engines[i] = take_string(&at, end)) != NULL;
  for (uint32_t i = 0; i < names->n_layers && ok; i++) {
    ok = (names->layers[i] = take_string(&at, end)) != NULL;
    ok = ok && (names->layer_ops[i] = take_string(&at, end)) != NULL;
  }
  if (!ok) return "the name table holds fewer names than its counts say";
  if (at != end) return "the name table holds more bytes than its names";
  return NULL;
}

static void free_strings(char **strings, uint32_t n) {
  for (uint32_t i = 0; strings && i < n; i++) free(strings[i]);
  free(strings);
}

void np_trace_header_free(NpTraceHeader *header) {
  NpTraceNames *n = &header->names;
  free_strings(n->engines, n->n_engines);
  free_strings(n->layers, n->n_layers);
  free_strings(n->layer_ops, n->n_layers);
  memset(n, 0, sizeof *n);
}

static char **copy_strings(char *const *strings, uint32_t n) {
  char **copy = np_xcalloc(n ? n : 1, sizeof *copy);
  for (uint32_t i = 0; strings && i < n; i++) copy[i] = np_xstrdup(strings[i] ? strings[i] : "");
  return copy;
}

void np_trace_names_copy(const NpTraceNames *from, NpTraceNames *to) {
  to->n_engines = from->n_engines;
  to->n_layers = from->n_layers;
  to->engines = copy_strings(from->engines, from->n_engines);
  to->layers = copy_strings(from->layers, from->n_layers);
  to->layer_ops = copy_strings(from->layer_ops, from->n_layers);
}

const char *np_trace_engine_name(const NpTraceHeader *h, uint32_t unit) {
  return unit < h->names.n_engines && h->names.engines ? h->names.engines[unit] : NULL;
}

void np_trace_unit_label(const NpTraceHeader *h, NpTraceUnitKind kind, uint32_t unit, char *out, size_t size) {
  if (kind == NP_TRACE_UNIT_CORE) {
    uint32_t index = unit / NP_TRACE_CORES_PER_ENGINE, core = unit % NP_TRACE_CORES_PER_ENGINE;
    const char *engine = np_trace_engine_name(h, index);
    if (engine)
      snprintf(out, size, "%s core %u", engine, (unsigned)core);
    else
      snprintf(out, size, "engine %u core %u", (unsigned)index, (unsigned)core);
    return;
  }
  const char *engine = kind == NP_TRACE_UNIT_ENGINE ? np_trace_engine_name(h, unit) : NULL;
  if (engine)
    snprintf(out, size, "%s", engine);
  else if (kind == NP_TRACE_UNIT_DMA)
    snprintf(out, size, "dma ch%u", (unsigned)unit);
  else
    snprintf(out, size, "%s %u", np_trace_unit_kind_name(kind), (unsigned)unit);
}

const char *np_trace_layer_name(const NpTraceHeader *h, uint32_t layer) {
  return layer < h->names.n_layers && h->names.layers ? h->names.layers[layer] : NULL;
}

const char *np_trace_layer_op(const NpTraceHeader *h, uint32_t layer) {
  return layer < h->names.n_layers && h->names.layer_ops ? h->names.layer_ops[layer] : NULL;
}

/* ---- record: 88 bytes ---- */

enum {
  R_TAG = 0, R_KIND = 1, R_UNIT_KIND = 2, R_RESERVED1 = 3, R_UNIT = 4, R_RESERVED2 = 6, R_COMMAND = 8, R_LAYER = 12,
  R_START = 16, R_END = 24, R_BYTES = 32, R_BURSTS = 40, R_STALLS = 48, /* 5 x u64, to 88 */
};

const char *np_trace_record_problem(const NpTraceRecord *r) {
  if ((unsigned)r->kind >= NP_TRACE_KIND_COUNT) return "unknown command kind";
  if ((unsigned)r->unit_kind >= NP_TRACE_UNIT_KIND_COUNT) return "unknown unit kind";
  if (r->unit_kind == NP_TRACE_UNIT_CORE && r->kind != NP_TRACE_COMPUTE) return "a core record that is not a COMPUTE";
  if (r->end < r->start) return "end cycle before start cycle";
  uint64_t inside = 0;
  const NpTraceStall causes[] = {NP_TRACE_STALL_DRAM, NP_TRACE_STALL_BANK_CONFLICT, NP_TRACE_STALL_OUTSTANDING};
  for (size_t i = 0; i < sizeof causes / sizeof causes[0]; i++)
    if (__builtin_add_overflow(inside, r->stall[causes[i]], &inside)) return "stall cycles overflow";
  if (inside > r->end - r->start) return "dram + bank_conflict + outstanding stalls exceed the duration";
  return NULL;
}

void np_trace_encode_record(const NpTraceRecord *r, uint8_t out[NP_TRACE_RECORD_BYTES]) {
  memset(out, 0, NP_TRACE_RECORD_BYTES);
  out[R_TAG] = NP_TRACE_RECORD_TAG;
  out[R_KIND] = (uint8_t)r->kind;
  out[R_UNIT_KIND] = (uint8_t)r->unit_kind;
  put_u16(out + R_UNIT, r->unit);
  put_u32(out + R_COMMAND, r->command);
  put_u32(out + R_LAYER, r->layer);
  put_u64(out + R_START, r->start);
  put_u64(out + R_END, r->end);
  put_u64(out + R_BYTES, r->bytes);
  put_u64(out + R_BURSTS, r->bursts);
  for (int i = 0; i < NP_TRACE_STALL_COUNT; i++) put_u64(out + R_STALLS + 8 * i, r->stall[i]);
}

const char *np_trace_decode_record(const uint8_t in[NP_TRACE_RECORD_BYTES], NpTraceRecord *r) {
  memset(r, 0, sizeof *r);
  r->kind = (NpTraceKind)in[R_KIND];
  r->unit_kind = (NpTraceUnitKind)in[R_UNIT_KIND];
  r->unit = get_u16(in + R_UNIT);
  r->command = get_u32(in + R_COMMAND);
  r->layer = get_u32(in + R_LAYER);
  r->start = get_u64(in + R_START);
  r->end = get_u64(in + R_END);
  r->bytes = get_u64(in + R_BYTES);
  r->bursts = get_u64(in + R_BURSTS);
  for (int i = 0; i < NP_TRACE_STALL_COUNT; i++) r->stall[i] = get_u64(in + R_STALLS + 8 * i);
  if (in[R_RESERVED1] != 0 || get_u16(in + R_RESERVED2) != 0) return "reserved bytes are not zero";
  return np_trace_record_problem(r);
}

/* ---- trailer: 88 bytes ---- */

enum { T_MAGIC = 0, T_COUNT = 8, T_HASH = 16, T_RESERVED = 24 };

void np_trace_encode_trailer(uint64_t count, uint64_t records_hash, uint8_t out[NP_TRACE_TRAILER_BYTES]) {
  memset(out, 0, NP_TRACE_TRAILER_BYTES);
  memcpy(out + T_MAGIC, NP_TRACE_TRAILER_MAGIC, sizeof NP_TRACE_TRAILER_MAGIC);
  put_u64(out + T_COUNT, count);
  put_u64(out + T_HASH, records_hash);
}

bool np_trace_decode_trailer(const uint8_t in[NP_TRACE_TRAILER_BYTES], uint64_t *count, uint64_t *records_hash) {
  uint8_t magic[8] = {0};
  memcpy(magic, NP_TRACE_TRAILER_MAGIC, sizeof NP_TRACE_TRAILER_MAGIC);
  if (memcmp(in + T_MAGIC, magic, 8) != 0 || !all_zero(in + T_RESERVED, NP_TRACE_TRAILER_BYTES - T_RESERVED))
    return false;
  *count = get_u64(in + T_COUNT);
  *records_hash = get_u64(in + T_HASH);
  return true;
}
