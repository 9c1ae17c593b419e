#include "systemc/command_buffer.h"

#include <cstdio>
#include <cstdlib>

namespace npusim {

namespace {

void put_le(std::vector<uint8_t> &out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; i++) out.push_back(uint8_t(value >> (8 * i)));
}

uint64_t get_le(const uint8_t *in, int bytes) {
  uint64_t value = 0;
  for (int i = bytes - 1; i >= 0; i--) value = (value << 8) | in[i];
  return value;
}

}  // namespace

std::vector<uint8_t> make_command_buffer(const std::string &schedule_json) {
  std::vector<uint8_t> out;
  out.reserve(kCommandHeaderBytes + schedule_json.size());
  put_le(out, kCommandMagic, 4);
  put_le(out, kCommandVersion, 4);
  put_le(out, schedule_json.size(), 8);
  out.insert(out.end(), schedule_json.begin(), schedule_json.end());
  return out;
}

std::vector<uint8_t> make_command_buffer(const NpSchedule &schedule) {
  char *json = np_schedule_to_json(&schedule, nullptr);
  std::vector<uint8_t> out = make_command_buffer(std::string(json));
  std::free(json);
  return out;
}

bool parse_command_header(const uint8_t (&header)[kCommandHeaderBytes], uint64_t *json_bytes, std::string *why) {
  char text[160];
  uint64_t magic = get_le(header, 4);
  uint64_t version = get_le(header + 4, 4);
  uint64_t length = get_le(header + 8, 8);
  if (magic != kCommandMagic) {
    std::snprintf(text, sizeof text, "header magic is 0x%08llx, not 0x%08x (\"NPUC\")", (unsigned long long)magic,
                  (unsigned)kCommandMagic);
  } else if (version != kCommandVersion) {
    std::snprintf(text, sizeof text, "header version is %llu; this model reads version %u",
                  (unsigned long long)version, (unsigned)kCommandVersion);
  } else if (length == 0 || length > kCommandMaxJsonBytes) {
    std::snprintf(text, sizeof text, "header length is %llu bytes (1 to %llu allowed)", (unsigned long long)length,
                  (unsigned long long)kCommandMaxJsonBytes);
  } else {
    *json_bytes = length;
    return true;
  }
  *why = text;
  return false;
}

}  // namespace npusim
