#include "util/json.h"

#include <math.h>
#include <string.h>

#include "util/buf.h"
#include "util/utf8.h"

json_t *np_json_real(double v) { return isfinite(v) ? json_real(v) : json_null(); }

json_t *np_json_string(const char *text) {
  if (text == NULL) return json_null();
  size_t len = strlen(text);
  if (np_utf8_invalid_at(text, len) == len) return json_stringn(text, len);
  NpBuf valid = {0};
  for (size_t i = 0; i < len;) {
    size_t n = np_utf8_sequence_length(text + i, len - i);
    if (n == 0) {
      np_buf_puts(&valid, "\xEF\xBF\xBD"); /* U+FFFD REPLACEMENT CHARACTER */
      n = 1;
    } else {
      np_buf_append(&valid, text + i, n);
    }
    i += n;
  }
  json_t *s = json_stringn(np_buf_str(&valid), valid.len);
  np_buf_free(&valid);
  return s;
}
