// The command buffer: what platform software places in memory for the accelerator to run.
//
// Takes: a schedule (sim/lower/schedule.h), as a struct or as its JSON text.
// Gives: the bytes to write at the command-buffer address: a 16-byte header followed by the
// schedule's JSON text (docs/systemc.md, "Command buffer"), and the header's decoder that the
// TLM module uses after it has read the first 16 bytes over the bus.
//
// Header, little-endian:  bytes 0-3 magic "NPUC" | 4-7 version (1) | 8-15 JSON length in bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

extern "C" {
#include "lower/schedule.h"
}

namespace npusim {

constexpr uint32_t kCommandMagic = 0x4355504Eu;  // "NPUC" read as a little-endian word
constexpr uint32_t kCommandVersion = 1;
constexpr uint64_t kCommandHeaderBytes = 16;
constexpr uint64_t kCommandMaxJsonBytes = uint64_t(64) << 20;  // a larger length is refused

// Header + json, ready to be written to platform memory.
std::vector<uint8_t> make_command_buffer(const std::string &schedule_json);
// The same for a schedule struct (through np_schedule_to_json, without op names).
std::vector<uint8_t> make_command_buffer(const NpSchedule &schedule);

// Decodes a header. On success sets *json_bytes and returns true; otherwise returns false and
// says why in *why (a complete sentence naming the field at fault).
bool parse_command_header(const uint8_t (&header)[kCommandHeaderBytes], uint64_t *json_bytes, std::string *why);

}  // namespace npusim
