/* A pre-parse pass over the protobuf wire format that measures how deeply the recursive
 * ONNX messages nest. protobuf-c unpacks sub-messages recursively with no depth limit, so a
 * small hostile file (a graph in an attribute of a node in a graph in ...) could exhaust the
 * stack. This walker is iterative and bounds-checked; it descends only into the fields
 * that can recurse and treats everything else as opaque bytes. */
#include "onnx/onnx_internal.h"

typedef enum WireMsg {
  MSG_OPAQUE = 0, /* not followed */
  MSG_MODEL,
  MSG_TRAINING,
  MSG_FUNCTION,
  MSG_GRAPH,
  MSG_NODE,
  MSG_ATTRIBUTE,
  MSG_VALUE_INFO,
  MSG_TYPE,
  MSG_TYPE_SEQUENCE,
  MSG_TYPE_MAP,
  MSG_TYPE_OPTIONAL
} WireMsg;

/* The message type of field `field` of message `msg`, for the fields on recursive paths. */
static WireMsg child_message(WireMsg msg, uint64_t field) {
  switch (msg) {
    case MSG_MODEL: return field == 7 ? MSG_GRAPH : field == 20 ? MSG_TRAINING : field == 25 ? MSG_FUNCTION : MSG_OPAQUE;
    case MSG_TRAINING: return field == 1 || field == 2 ? MSG_GRAPH : MSG_OPAQUE;
    case MSG_FUNCTION: return field == 7 ? MSG_NODE : MSG_OPAQUE;
    case MSG_GRAPH: return field == 1 ? MSG_NODE : field >= 11 && field <= 13 ? MSG_VALUE_INFO : MSG_OPAQUE;
    case MSG_NODE: return field == 5 ? MSG_ATTRIBUTE : MSG_OPAQUE;
    case MSG_ATTRIBUTE: return field == 6 || field == 11 ? MSG_GRAPH : field == 14 || field == 15 ? MSG_TYPE : MSG_OPAQUE;
    case MSG_VALUE_INFO: return field == 2 ? MSG_TYPE : MSG_OPAQUE;
    case MSG_TYPE: return field == 4 ? MSG_TYPE_SEQUENCE : field == 5 ? MSG_TYPE_MAP : field == 9 ? MSG_TYPE_OPTIONAL : MSG_OPAQUE;
    case MSG_TYPE_SEQUENCE: return field == 1 ? MSG_TYPE : MSG_OPAQUE;
    case MSG_TYPE_MAP: return field == 2 ? MSG_TYPE : MSG_OPAQUE;
    case MSG_TYPE_OPTIONAL: return field == 1 ? MSG_TYPE : MSG_OPAQUE;
    case MSG_OPAQUE: break;
  }
  return MSG_OPAQUE;
}

/* Reads a varint at *pos (< end); false when it runs past end or over 10 bytes. */
static bool read_varint(const uint8_t *data, size_t *pos, size_t end, uint64_t *out) {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*pos >= end) return false;
    uint8_t byte = data[(*pos)++];
    value |= (uint64_t)(byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      *out = value;
      return true;
    }
  }
  return false;
}

/* Skips one field's payload; false on malformed data. For a length-delimited field,
 * *len_out gets its length (and *pos is left at its start). */
static bool field_payload(const uint8_t *data, size_t *pos, size_t end, unsigned wire_type, uint64_t *len_out) {
  uint64_t ignored;
  *len_out = 0;
  switch (wire_type) {
    case 0: return read_varint(data, pos, end, &ignored);
    case 1: if (end - *pos < 8) return false; *pos += 8; return true;
    case 5: if (end - *pos < 4) return false; *pos += 4; return true;
    case 2:
      if (!read_varint(data, pos, end, len_out)) return false;
      return *len_out <= end - *pos;
    default: return false; /* groups and invalid types: protobuf-c refuses them itself */
  }
}

/* The levels a reader counts: a graph (in a model or an attribute) and a type (in a sequence,
 * map or optional). Nodes, attributes and value infos are the steps between them. */
static bool is_level(WireMsg msg) { return msg == MSG_GRAPH || msg == MSG_TYPE; }

/* Between two levels lie at most two other messages (node and attribute from graph to graph),
 * before the first at most four (model, function, node, attribute) and after the last two: the
 * stack never holds more than 3 levels + 4 messages. */
#define MAX_WIRE_DEPTH (3 * ONNX_MAX_NESTING + 3) /* depths 0 .. 3L + 3 */

bool onnx_nesting_within(const uint8_t *data, size_t size, int max_levels) {
  struct { size_t end; WireMsg msg; } stack[MAX_WIRE_DEPTH + 1];
  if (max_levels > ONNX_MAX_NESTING) max_levels = ONNX_MAX_NESTING;
  int depth = 0, levels = 0;
  stack[0].end = size;
  stack[0].msg = MSG_MODEL;
  size_t pos = 0;
  for (;;) {
    if (pos >= stack[depth].end) {
      if (depth == 0) return true;
      pos = stack[depth].end;
      levels -= is_level(stack[depth].msg);
      depth--;
      continue;
    }
    uint64_t tag, len;
    if (!read_varint(data, &pos, stack[depth].end, &tag)) return true;
    unsigned wire_type = (unsigned)(tag & 7);
    if (!field_payload(data, &pos, stack[depth].end, wire_type, &len)) return true;
    if (wire_type != 2) continue;
    WireMsg child = child_message(stack[depth].msg, tag >> 3);
    if (child == MSG_OPAQUE) {
      pos += (size_t)len;
      continue;
    }
    if (is_level(child) && levels == max_levels) return false;
    if (depth == MAX_WIRE_DEPTH) return false; /* cannot happen within max_levels; the stack's bound */
    depth++;
    levels += is_level(child);
    stack[depth].end = pos + (size_t)len;
    stack[depth].msg = child;
  }
}
