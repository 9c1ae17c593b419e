/* Text graph parser: one statement per line, shapes in NHWC, weights created implicitly.
 * The format is documented in docs/formats.md ("Text graph"). */
#include "graph/textgraph.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/file.h"
#include "util/mem.h"
#include "util/strmap.h"

/* Kernel, stride, dilation and pad values are bounded so that window arithmetic cannot
 * overflow: (2^20) * (2^20) + 2^40 fits easily in int64. */
#define MAX_WINDOW_VALUE (INT64_C(1) << 20)
#define MAX_QUOTE 40

/* ---------------------------------------------------------------- tokens */

typedef enum TokenKind { TOKEN_WORD, TOKEN_ARROW, TOKEN_OPTION } TokenKind;

typedef struct Token {
  TokenKind kind;
  const char *text; /* the whole token; for an option, the key */
  size_t len;       /* for an option, the key's length */
  size_t col;
  const char *value; /* options only: the text after '=' */
  size_t value_len;
  size_t value_col;
} Token;

typedef struct Quote {
  char s[MAX_QUOTE + 4];
} Quote;

/* Text for a message, cut short when long; tokens hold printable ASCII only. */
static Quote quote(const char *text, size_t len) {
  Quote q;
  if (len > MAX_QUOTE) {
    memcpy(q.s, text, MAX_QUOTE - 3);
    memcpy(q.s + MAX_QUOTE - 3, "...", 4);
  } else {
    memcpy(q.s, text, len);
    q.s[len] = '\0';
  }
  return q;
}

static bool token_is(const Token *t, const char *word) { return t->len == strlen(word) && memcmp(t->text, word, t->len) == 0; }
static bool value_is(const Token *t, const char *word) {
  return t->value_len == strlen(word) && memcmp(t->value, word, t->value_len) == 0;
}

/* ---------------------------------------------------------------- parser state */

typedef struct TensorInfo {
  int rank;
  int64_t dims[NP_MAX_RANK]; /* logical (ONNX) order */
  size_t line;               /* where it was defined */
  bool consumed;             /* read by some op */
} TensorInfo;

typedef struct Parser {
  const char *source;
  NpDiag *diag;
  NpGraph *graph;
  size_t line;
  bool failed;
  bool fatal; /* a graph limit was hit: stop parsing */
  bool saw_statement;
  bool has_output_statement;
  Token *tokens;
  size_t n_tokens, tokens_capacity;
  TensorInfo *info; /* by tensor index */
  size_t info_capacity;
  NpStrMap failed_names; /* outputs of statements that failed: later uses stay quiet */
  NpStrMap op_lines;     /* op name -> line of its statement */
} Parser;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void error_at(Parser *p, size_t col, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  char *message = np_xvasprintf(fmt, args);
  va_end(args);
  np_diag_add(p->diag, "%s:%zu:%zu: error: %s", p->source, p->line, col, message);
  free(message);
  p->failed = true;
}

static void push_token(Parser *p, Token token) {
  np_grow((void **)&p->tokens, &p->tokens_capacity, p->n_tokens + 1, sizeof *p->tokens);
  p->tokens[p->n_tokens++] = token;
}

static bool is_name_byte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' ||
         c == '/' || c == '-';
}
/* Bytes a token may hold: those of names, plus '=' (options), ',' (pad lists), '+' (numbers). */
static bool is_token_byte(unsigned char c) { return is_name_byte((char)c) || c == '=' || c == ',' || c == '+'; }
static bool is_blank(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }
static bool is_arrow(const char *s, size_t i, size_t n) { return s[i] == '-' && i + 1 < n && s[i + 1] == '>'; }

static void report_bad_byte(Parser *p, size_t col, unsigned char c) {
  if (c >= 0x20 && c < 0x7f)
    error_at(p, col, "unexpected character '%c'", c);
  else
    error_at(p, col, "unexpected byte 0x%02X (a text graph is ASCII; only comments may hold other bytes)", c);
}

static bool classify_word(Parser *p, Token *t) {
  const char *eq = memchr(t->text, '=', t->len);
  if (!eq) return true;
  size_t key_len = (size_t)(eq - t->text);
  if (key_len == 0 || key_len + 1 == t->len) {
    error_at(p, t->col, "expected key=value, got '%s'", quote(t->text, t->len).s);
    return false;
  }
  t->kind = TOKEN_OPTION;
  t->value = eq + 1;
  t->value_len = t->len - key_len - 1;
  t->value_col = t->col + key_len + 1;
  t->len = key_len;
  return true;
}

/* Splits one line into tokens: words, "->" and key=value options; '#' starts a comment. */
static bool lex_line(Parser *p, const char *s, size_t n) {
  p->n_tokens = 0;
  size_t i = 0;
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    if (is_blank(c)) {
      i++;
    } else if (c == '#') {
      break;
    } else if (is_arrow(s, i, n)) {
      push_token(p, (Token){.kind = TOKEN_ARROW, .text = s + i, .len = 2, .col = i + 1});
      i += 2;
    } else if (!is_token_byte(c)) {
      report_bad_byte(p, i + 1, c);
      return false;
    } else {
      size_t start = i;
      while (i < n && is_token_byte((unsigned char)s[i]) && !is_arrow(s, i, n)) i++;
      Token t = {.kind = TOKEN_WORD, .text = s + start, .len = i - start, .col = start + 1};
      if (!classify_word(p, &t)) return false;
      push_token(p, t);
    }
  }
  return true;
}

/* ---------------------------------------------------------------- numbers and names */

static bool parse_i64(const char *s, size_t n, int64_t *out) {
  if (n == 0) return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    if (!np_mul_i64(v, 10, &v) || !np_add_i64(v, s[i] - '0', &v)) return false;
  }
  *out = v;
  return true;
}

/* A non-negative integer in [lo, hi], with a message naming the option when it is not. */
static bool parse_bounded(Parser *p, const char *text, size_t len, size_t col, const char *what, int64_t lo, int64_t hi,
                          int64_t *out) {
  int64_t v;
  bool digits = len > 0;
  for (size_t i = 0; i < len; i++)
    if (text[i] < '0' || text[i] > '9') digits = false;
  if (!digits || !parse_i64(text, len, &v)) {
    if (digits)
      error_at(p, col, "%s: number '%s' is too large (at most %lld)", what, quote(text, len).s, (long long)hi);
    else
      error_at(p, col, "%s: expected a whole number, got '%s'", what, quote(text, len).s);
    return false;
  }
  if (v < lo || v > hi) {
    error_at(p, col, "%s: %lld is out of range (%lld to %lld)", what, (long long)v, (long long)lo, (long long)hi);
    return false;
  }
  *out = v;
  return true;
}

/* "3" or "3x5": one value for both axes, or height x width. */
static bool parse_pair(Parser *p, const Token *opt, int64_t lo, int64_t hi, int64_t out[2]) {
  const char *x = memchr(opt->value, 'x', opt->value_len);
  char what[64];
  snprintf(what, sizeof what, "%s=", quote(opt->text, opt->len).s);
  if (!x) {
    if (!parse_bounded(p, opt->value, opt->value_len, opt->value_col, what, lo, hi, &out[0])) return false;
    out[1] = out[0];
    return true;
  }
  size_t first = (size_t)(x - opt->value);
  return parse_bounded(p, opt->value, first, opt->value_col, what, lo, hi, &out[0]) &&
         parse_bounded(p, x + 1, opt->value_len - first - 1, opt->value_col + first + 1, what, lo, hi, &out[1]);
}

static bool check_name(Parser *p, const Token *t, const char *what) {
  if (t->kind != TOKEN_WORD) {
    error_at(p, t->col, "expected %s, got '%s'", what, t->kind == TOKEN_ARROW ? "->" : quote(t->text, t->len).s);
    return false;
  }
  for (size_t i = 0; i < t->len; i++) {
    if (!is_name_byte(t->text[i])) {
      error_at(p, t->col + i, "invalid character '%c' in %s '%s' (names use letters, digits and _ . : / -)", t->text[i],
               what, quote(t->text, t->len).s);
      return false;
    }
  }
  return true;
}

static char *token_string(const Token *t) { return np_xstrndup(t->text, t->len); }

/* ---------------------------------------------------------------- tensors */

static TensorInfo *info_of(Parser *p, int tensor) { return &p->info[tensor]; }

/* Shape text in NHWC (memory order) for messages, e.g. "1x56x56x64". */
static void shape_text(const TensorInfo *ti, char *out, size_t size) {
  int64_t phys[NP_MAX_RANK];
  int rank = ti->rank;
  for (int i = 0; i < rank; i++) phys[i] = ti->dims[i];
  if (rank == 4) { /* logical N,C,H,W -> N,H,W,C */
    phys[1] = ti->dims[2];
    phys[2] = ti->dims[3];
    phys[3] = ti->dims[1];
  }
  size_t used = 0;
  out[0] = '\0';
  for (int i = 0; i < rank && used < size; i++)
    used += (size_t)snprintf(out + used, size - used, "%s%lld", i ? "x" : "", (long long)phys[i]);
}

static bool element_count(int rank, const int64_t *dims, int64_t *out) {
  int64_t n = 1;
  for (int i = 0; i < rank; i++)
    if (!np_mul_i64(n, dims[i], &n) || n > NP_TENSOR_MAX_ELEMENTS) return false;
  *out = n;
  return true;
}

static void fail_fatal(Parser *p) {
  p->failed = true;
  p->fatal = true;
}

/* Adds a tensor with a shape known to the parser. Returns its index or -1 (fatal). */
static int add_tensor(Parser *p, const char *name, NpDtype dtype, NpTensorRole role, int rank, const int64_t *dims) {
  int index = np_graph_add_tensor(p->graph, name, dtype, role, p->diag);
  if (index < 0) {
    fail_fatal(p);
    return -1;
  }
  np_grow((void **)&p->info, &p->info_capacity, (size_t)index + 1, sizeof *p->info);
  TensorInfo *ti = info_of(p, index);
  memset(ti, 0, sizeof *ti);
  ti->rank = rank;
  memcpy(ti->dims, dims, (size_t)rank * sizeof *dims);
  ti->line = p->line;
  if (role != NP_TENSOR_ACTIVATION && !np_tensor_set_shape(p->graph, index, rank, dims, p->diag)) {
    fail_fatal(p);
    return -1;
  }
  return index;
}

/* A name about to be defined must be new. */
static bool check_new_tensor_name(Parser *p, const Token *t) {
  char *name = token_string(t);
  int existing = np_graph_find_tensor(p->graph, name);
  free(name);
  if (existing >= 0) {
    error_at(p, t->col, "tensor '%s' is already defined at line %zu", quote(t->text, t->len).s, info_of(p, existing)->line);
    return false;
  }
  return true;
}

/* The tensor an op reads; -1 when unknown (reported, unless an earlier error explains it). */
static int lookup_input(Parser *p, const Token *t) {
  if (!check_name(p, t, "a tensor name")) return -1;
  char *name = token_string(t);
  int index = np_graph_find_tensor(p->graph, name);
  int ignored;
  bool explained = np_strmap_get(&p->failed_names, name, &ignored);
  free(name);
  if (index < 0) {
    if (!explained)
      error_at(p, t->col, "unknown tensor '%s' (define it first with `input`, or as an op's output)", quote(t->text, t->len).s);
    else
      p->failed = true;
    return -1;
  }
  if (p->graph->tensors[index].role == NP_TENSOR_WEIGHT) {
    error_at(p, t->col, "'%s' is a weight; ops take activations and inputs (weights are created by their op)",
             quote(t->text, t->len).s);
    return -1;
  }
  return index;
}

/* ---------------------------------------------------------------- statements */

typedef enum Form {
  FORM_UNARY,
  FORM_BINARY,
  FORM_CLIP,
  FORM_CONV,
  FORM_DWCONV,
  FORM_POOL,
  FORM_GLOBAL_POOL,
  FORM_GEMM,
  FORM_MATMUL,
  FORM_SOFTMAX,
  FORM_CONCAT,
  FORM_FLATTEN,
  FORM_TRANSPOSE
} Form;

typedef struct OpSpec {
  const char *keyword;
  NpOpKind kind;
  Form form;
  const char *options; /* allowed keys, space-separated, each followed by a space */
} OpSpec;

static const OpSpec op_specs[] = {
    {"conv", NP_OP_CONV, FORM_CONV, "out kernel stride pad dilation groups bias weight_bits "},
    {"dwconv", NP_OP_CONV, FORM_DWCONV, "kernel stride pad dilation multiplier bias weight_bits "},
    {"gemm", NP_OP_GEMM, FORM_GEMM, "n m k bias weight_bits "},
    {"matmul", NP_OP_MATMUL, FORM_MATMUL, ""},
    {"maxpool", NP_OP_MAXPOOL, FORM_POOL, "kernel stride pad "},
    {"avgpool", NP_OP_AVGPOOL, FORM_POOL, "kernel stride pad "},
    {"globalavgpool", NP_OP_GLOBAL_AVGPOOL, FORM_GLOBAL_POOL, ""},
    {"add", NP_OP_ADD, FORM_BINARY, ""},
    {"sub", NP_OP_SUB, FORM_BINARY, ""},
    {"mul", NP_OP_MUL, FORM_BINARY, ""},
    {"div", NP_OP_DIV, FORM_BINARY, ""},
    {"relu", NP_OP_RELU, FORM_UNARY, ""},
    {"clip", NP_OP_CLIP, FORM_CLIP, "min max "},
    {"sigmoid", NP_OP_SIGMOID, FORM_UNARY, ""},
    {"hardsigmoid", NP_OP_HARD_SIGMOID, FORM_UNARY, ""},
    {"hardswish", NP_OP_HARD_SWISH, FORM_UNARY, ""},
    {"tanh", NP_OP_TANH, FORM_UNARY, ""},
    {"erf", NP_OP_ERF, FORM_UNARY, ""},
    {"sqrt", NP_OP_SQRT, FORM_UNARY, ""},
    {"softmax", NP_OP_SOFTMAX, FORM_SOFTMAX, "axis "},
    {"concat", NP_OP_CONCAT, FORM_CONCAT, "axis "},
    {"flatten", NP_OP_FLATTEN, FORM_FLATTEN, ""},
    {"transpose", NP_OP_TRANSPOSE, FORM_TRANSPOSE, ""},
};
static const size_t n_op_specs = sizeof op_specs / sizeof op_specs[0];

static const OpSpec *find_op_spec(const Token *t) {
  for (size_t i = 0; i < n_op_specs; i++)
    if (token_is(t, op_specs[i].keyword)) return &op_specs[i];
  return NULL;
}

/* An op statement: KEYWORD NAME INPUT... -> OUTPUT key=value... */
typedef struct OpStatement {
  const OpSpec *spec;
  const Token *keyword;
  const Token *name;
  const Token *inputs;
  size_t n_inputs;
  const Token *output;
  const Token *options;
  size_t n_options;
  int *all_inputs; /* n_inputs tensor indices */
} OpStatement;

static const Token *find_option(const OpStatement *st, const char *key) {
  for (size_t i = 0; i < st->n_options; i++)
    if (token_is(&st->options[i], key)) return &st->options[i];
  return NULL;
}

static bool key_allowed(const char *allowed, const Token *t) {
  for (const char *k = allowed; *k;) {
    const char *end = strchr(k, ' ');
    if ((size_t)(end - k) == t->len && memcmp(k, t->text, t->len) == 0) return true;
    k = end + 1;
  }
  return false;
}

static void allowed_list(const char *allowed, char *out, size_t size) {
  snprintf(out, size, "%s", allowed);
  size_t n = strlen(out);
  if (n) out[n - 1] = '\0';
  for (char *c = out; *c; c++)
    if (*c == ' ') *c = ',';
}

/* Stops at the first bad option, so a line of thousands of options stays linear. */
static bool check_options(Parser *p, const OpStatement *st) {
  for (size_t i = 0; i < st->n_options; i++) {
    const Token *o = &st->options[i];
    if (!key_allowed(st->spec->options, o)) {
      char list[128];
      allowed_list(st->spec->options, list, sizeof list);
      if (st->spec->options[0])
        error_at(p, o->col, "%s: unknown option '%s' (options: %s)", st->spec->keyword, quote(o->text, o->len).s, list);
      else
        error_at(p, o->col, "%s: unknown option '%s' (%s takes no options)", st->spec->keyword, quote(o->text, o->len).s,
                 st->spec->keyword);
      return false;
    }
    for (size_t j = 0; j < i; j++) {
      if (st->options[j].len == o->len && memcmp(st->options[j].text, o->text, o->len) == 0) {
        error_at(p, o->col, "option '%s' given twice", quote(o->text, o->len).s);
        return false;
      }
    }
  }
  return true;
}

/* Splits the tokens of an op statement into its parts; reports a malformed line. */
static bool split_op_statement(Parser *p, const OpSpec *spec, OpStatement *st) {
  memset(st, 0, sizeof *st);
  st->spec = spec;
  st->keyword = &p->tokens[0];
  const size_t n = p->n_tokens;
  const char *usage = "expected `OP NAME INPUT... -> OUTPUT [key=value...]`";
  if (n < 2) {
    error_at(p, st->keyword->col + st->keyword->len, "%s: missing op name; %s", spec->keyword, usage);
    return false;
  }
  st->name = &p->tokens[1];
  if (!check_name(p, st->name, "an op name")) return false;
  size_t i = 2;
  st->inputs = &p->tokens[i];
  while (i < n && p->tokens[i].kind == TOKEN_WORD) i++;
  st->n_inputs = i - 2;
  if (i < n && p->tokens[i].kind == TOKEN_OPTION) {
    error_at(p, p->tokens[i].col, "%s: options go after `-> OUTPUT`; %s", spec->keyword, usage);
    return false;
  }
  if (i == n) {
    const Token *last = &p->tokens[n - 1];
    error_at(p, last->col + last->len, "%s: missing `-> OUTPUT`; %s", spec->keyword, usage);
    return false;
  }
  i++; /* the arrow */
  if (i == n || p->tokens[i].kind != TOKEN_WORD) {
    const Token *at = i == n ? &p->tokens[n - 1] : &p->tokens[i];
    error_at(p, i == n ? at->col + at->len : at->col, "%s: missing output name after '->'", spec->keyword);
    return false;
  }
  st->output = &p->tokens[i++];
  st->options = &p->tokens[i];
  st->n_options = n - i;
  for (; i < n; i++) {
    if (p->tokens[i].kind != TOKEN_OPTION) {
      const Token *t = &p->tokens[i];
      error_at(p, t->col, "%s: unexpected '%s' after the output; options are key=value", spec->keyword,
               t->kind == TOKEN_ARROW ? "->" : quote(t->text, t->len).s);
      return false;
    }
  }
  return true;
}

/* What one op statement builds: its output shape and its implicit weights. */
typedef struct Built {
  NpAttrs attrs;
  int out_rank;
  int64_t out_dims[NP_MAX_RANK];
  int n_weights;             /* 0..2: weight, then bias */
  int weight_rank[2];
  int64_t weight_dims[2][NP_MAX_RANK];
  NpDtype weight_dtype[2];
  const char *weight_suffix[2];
  int weight_bits;           /* the weight's (not the bias's) stored width; 0: its dtype's */
} Built;

static void add_weight(Built *b, const char *suffix, NpDtype dtype, int rank, const int64_t *dims) {
  int w = b->n_weights++;
  b->weight_suffix[w] = suffix;
  b->weight_dtype[w] = dtype;
  b->weight_rank[w] = rank;
  memcpy(b->weight_dims[w], dims, (size_t)rank * sizeof *dims);
}

/* Integer data accumulates into int32 on integer hardware, so an integer op's bias is int32. */
static NpDtype bias_dtype(NpDtype input) {
  return input == NP_DTYPE_INT8 || input == NP_DTYPE_INT16 || input == NP_DTYPE_UINT8 ? NP_DTYPE_INT32 : input;
}

static bool option_bias(Parser *p, const OpStatement *st, bool *bias) {
  const Token *o = find_option(st, "bias");
  *bias = true;
  if (!o) return true;
  if (value_is(o, "yes")) return true;
  if (value_is(o, "no")) {
    *bias = false;
    return true;
  }
  error_at(p, o->value_col, "bias=: expected yes or no, got '%s'", quote(o->value, o->value_len).s);
  return false;
}

static bool option_weight_bits(Parser *p, const OpStatement *st, int *bits) {
  const Token *o = find_option(st, "weight_bits");
  *bits = 0;
  if (!o) return true;
  char text[MAX_QUOTE + 4], err[128];
  snprintf(text, sizeof text, "%s", quote(o->value, o->value_len).s);
  if (np_weight_bits_parse(text, bits, err, sizeof err)) return true;
  error_at(p, o->value_col, "weight_bits=: expected %s, got '%s'", NP_WEIGHT_BITS_LIST, text);
  return false;
}

static bool option_count(Parser *p, const OpStatement *st, const char *key, int64_t fallback, int64_t *out) {
  const Token *o = find_option(st, key);
  *out = fallback;
  if (!o) return true;
  char what[32];
  snprintf(what, sizeof what, "%s=", key);
  return parse_bounded(p, o->value, o->value_len, o->value_col, what, 1, NP_TENSOR_MAX_ELEMENTS, out);
}

static bool require_option(Parser *p, const OpStatement *st, const char *key) {
  if (find_option(st, key)) return true;
  error_at(p, st->keyword->col, "%s '%s': missing %s=", st->spec->keyword, quote(st->name->text, st->name->len).s, key);
  return false;
}

static bool require_rank4(Parser *p, const OpStatement *st, int input) {
  const TensorInfo *ti = info_of(p, input);
  if (ti->rank == 4) return true;
  char shape[160];
  shape_text(ti, shape, sizeof shape);
  error_at(p, st->inputs[0].col, "%s '%s': input '%s' is %s (rank %d); %s needs an NHWC tensor (NxHxWxC)",
           st->spec->keyword, quote(st->name->text, st->name->len).s, quote(st->inputs[0].text, st->inputs[0].len).s,
           shape, ti->rank, st->spec->keyword);
  return false;
}

/* kernel=, stride=, dilation=, pad= into attrs; the output height and width into out. */
static bool build_window(Parser *p, const OpStatement *st, const TensorInfo *in, NpAttrs *a, int64_t out[2]) {
  const Token *kernel = find_option(st, "kernel"), *stride = find_option(st, "stride");
  const Token *dilation = find_option(st, "dilation"), *pad = find_option(st, "pad");
  bool ok = require_option(p, st, "kernel") && parse_pair(p, kernel, 1, MAX_WINDOW_VALUE, a->kernel);
  if (stride && !parse_pair(p, stride, 1, MAX_WINDOW_VALUE, a->stride)) ok = false;
  if (dilation && !parse_pair(p, dilation, 1, MAX_WINDOW_VALUE, a->dilation)) ok = false;
  if (pad) {
    if (value_is(pad, "same")) {
      a->auto_pad = NP_AUTOPAD_SAME_UPPER;
    } else if (value_is(pad, "valid")) {
      a->auto_pad = NP_AUTOPAD_VALID;
    } else if (memchr(pad->value, ',', pad->value_len)) {
      /* top,left,bottom,right */
      size_t start = 0, k = 0;
      for (size_t i = 0; i <= pad->value_len && ok; i++) {
        if (i < pad->value_len && pad->value[i] != ',') continue;
        if (k == 4) {
          error_at(p, pad->value_col + i, "pad=: expected 1 or 4 values (top,left,bottom,right)");
          ok = false;
        } else {
          ok = parse_bounded(p, pad->value + start, i - start, pad->value_col + start, "pad=", 0, MAX_WINDOW_VALUE, &a->pad[k++]);
        }
        start = i + 1;
      }
      if (ok && k != 4) {
        error_at(p, pad->value_col, "pad=: expected 1 or 4 values (top,left,bottom,right), got %zu", k);
        ok = false;
      }
    } else {
      int64_t v;
      if (!parse_bounded(p, pad->value, pad->value_len, pad->value_col, "pad= (a number, t,l,b,r, same or valid)", 0,
                                              MAX_WINDOW_VALUE, &v))
        ok = false;
      else
        for (int k = 0; k < 4; k++) a->pad[k] = v;
    }
  }
  if (!ok) return false;
  const int64_t spatial[2] = {in->dims[2], in->dims[3]};
  for (int axis = 0; axis < 2; axis++) {
    if (a->auto_pad == NP_AUTOPAD_SAME_UPPER) {
      out[axis] = np_ceil_div_i64(spatial[axis], a->stride[axis]);
      continue;
    }
    int64_t reach = a->dilation[axis] * (a->kernel[axis] - 1) + 1;
    int64_t padded = spatial[axis] + a->pad[axis] + a->pad[axis + 2];
    if (reach > padded) {
      error_at(p, kernel->value_col, "%s '%s': the %s %lld (dilated) is larger than the padded input %s %lld",
               st->spec->keyword, quote(st->name->text, st->name->len).s, axis ? "kernel width" : "kernel height",
               (long long)reach, axis ? "width" : "height", (long long)padded);
      return false;
    }
    out[axis] = (padded - reach) / a->stride[axis] + 1;
  }
  return true;
}

static bool build_conv(Parser *p, const OpStatement *st, Built *b, bool depthwise) {
  int x = st->all_inputs[0];
  if (!require_rank4(p, st, x)) return false;
  const TensorInfo *in = info_of(p, x);
  NpDtype dtype = p->graph->tensors[x].dtype;
  int64_t cin = in->dims[1], cout, group = 1, hw[2];
  bool bias, ok = option_bias(p, st, &bias);
  ok = option_weight_bits(p, st, &b->weight_bits) && ok;
  if (depthwise) {
    int64_t multiplier;
    ok = option_count(p, st, "multiplier", 1, &multiplier) && ok;
    group = cin;
    if (ok && !np_mul_i64(cin, multiplier, &cout)) cout = INT64_MAX;
  } else {
    ok = require_option(p, st, "out") && option_count(p, st, "out", 1, &cout) && ok;
    ok = option_count(p, st, "groups", 1, &group) && ok;
    if (ok && (cin % group != 0 || cout % group != 0)) {
      error_at(p, find_option(st, "groups")->value_col, "conv '%s': groups=%lld must divide the input channels (%lld) and out= (%lld)",
               quote(st->name->text, st->name->len).s, (long long)group, (long long)cin, (long long)cout);
      ok = false;
    }
  }
  if (!build_window(p, st, in, &b->attrs, hw) || !ok) return false;
  b->attrs.group = group;
  b->out_rank = 4;
  const int64_t out[4] = {in->dims[0], cout, hw[0], hw[1]};
  memcpy(b->out_dims, out, sizeof out);
  const int64_t w[4] = {cout, cin / group, b->attrs.kernel[0], b->attrs.kernel[1]}; /* ONNX: O, I/group, kh, kw */
  add_weight(b, "weight", dtype, 4, w);
  if (bias) add_weight(b, "bias", bias_dtype(dtype), 1, &cout);
  return true;
}

static bool build_pool(Parser *p, const OpStatement *st, Built *b) {
  int x = st->all_inputs[0];
  if (!require_rank4(p, st, x)) return false;
  const TensorInfo *in = info_of(p, x);
  int64_t hw[2];
  if (!build_window(p, st, in, &b->attrs, hw)) return false;
  b->out_rank = 4;
  const int64_t out[4] = {in->dims[0], in->dims[1], hw[0], hw[1]};
  memcpy(b->out_dims, out, sizeof out);
  return true;
}

static bool build_global_pool(Parser *p, const OpStatement *st, Built *b) {
  int x = st->all_inputs[0];
  if (!require_rank4(p, st, x)) return false;
  const TensorInfo *in = info_of(p, x);
  b->out_rank = 4;
  const int64_t out[4] = {in->dims[0], in->dims[1], 1, 1};
  memcpy(b->out_dims, out, sizeof out);
  return true;
}

static bool check_matches(Parser *p, const OpStatement *st, const char *key, int64_t actual, const char *dim_name) {
  const Token *o = find_option(st, key);
  int64_t v;
  if (!o) return true;
  if (!option_count(p, st, key, 1, &v)) return false;
  if (v == actual) return true;
  char shape[160];
  shape_text(info_of(p, st->all_inputs[0]), shape, sizeof shape);
  error_at(p, o->value_col, "gemm '%s': %s=%lld but input '%s' is %s (%s=%lld)", quote(st->name->text, st->name->len).s, key,
           (long long)v, quote(st->inputs[0].text, st->inputs[0].len).s, shape, dim_name, (long long)actual);
  return false;
}

static bool build_gemm(Parser *p, const OpStatement *st, Built *b) {
  int a = st->all_inputs[0];
  const TensorInfo *in = info_of(p, a);
  if (in->rank != 2) {
    char shape[160];
    shape_text(in, shape, sizeof shape);
    error_at(p, st->inputs[0].col, "gemm '%s': input '%s' is %s; gemm takes an MxK matrix (put a `flatten` before it)",
             quote(st->name->text, st->name->len).s, quote(st->inputs[0].text, st->inputs[0].len).s, shape);
    return false;
  }
  NpDtype dtype = p->graph->tensors[a].dtype;
  int64_t n;
  bool bias;
  bool ok = option_bias(p, st, &bias);
  ok = option_weight_bits(p, st, &b->weight_bits) && ok;
  ok = require_option(p, st, "n") && option_count(p, st, "n", 1, &n) && ok;
  ok = check_matches(p, st, "m", in->dims[0], "M") && ok;
  ok = check_matches(p, st, "k", in->dims[1], "K") && ok;
  if (!ok) return false;
  b->out_rank = 2;
  b->out_dims[0] = in->dims[0];
  b->out_dims[1] = n;
  const int64_t w[2] = {in->dims[1], n}; /* ONNX B: K x N (trans_b = 0) */
  add_weight(b, "weight", dtype, 2, w);
  if (bias) add_weight(b, "bias", bias_dtype(dtype), 1, &n);
  return true;
}

static bool same_dtypes(Parser *p, const OpStatement *st) {
  NpDtype first = p->graph->tensors[st->all_inputs[0]].dtype;
  for (size_t i = 1; i < st->n_inputs; i++) {
    NpDtype d = p->graph->tensors[st->all_inputs[i]].dtype;
    if (d != first) {
      error_at(p, st->inputs[i].col, "%s '%s': input '%s' is %s but '%s' is %s", st->spec->keyword,
               quote(st->name->text, st->name->len).s, quote(st->inputs[i].text, st->inputs[i].len).s, np_dtype_name(d),
               quote(st->inputs[0].text, st->inputs[0].len).s, np_dtype_name(first));
      return false;
    }
  }
  return true;
}

static bool build_binary(Parser *p, const OpStatement *st, Built *b) {
  if (!same_dtypes(p, st)) return false;
  const TensorInfo *x = info_of(p, st->all_inputs[0]), *y = info_of(p, st->all_inputs[1]);
  char xs[160], ys[160];
  shape_text(x, xs, sizeof xs);
  shape_text(y, ys, sizeof ys);
  if (x->rank != y->rank) {
    error_at(p, st->inputs[1].col, "%s '%s': inputs are %s and %s; write both with the same rank (e.g. 1x1x1x64 for a per-channel tensor)",
             st->spec->keyword, quote(st->name->text, st->name->len).s, xs, ys);
    return false;
  }
  b->out_rank = x->rank;
  for (int i = 0; i < x->rank; i++) {
    if (x->dims[i] != y->dims[i] && x->dims[i] != 1 && y->dims[i] != 1) {
      error_at(p, st->inputs[1].col, "%s '%s': shapes %s and %s do not broadcast (each dim must match or be 1)",
               st->spec->keyword, quote(st->name->text, st->name->len).s, xs, ys);
      return false;
    }
    b->out_dims[i] = x->dims[i] > y->dims[i] ? x->dims[i] : y->dims[i];
  }
  return true;
}

static bool build_matmul(Parser *p, const OpStatement *st, Built *b) {
  if (!same_dtypes(p, st)) return false;
  const TensorInfo *x = info_of(p, st->all_inputs[0]), *y = info_of(p, st->all_inputs[1]);
  char xs[160], ys[160];
  shape_text(x, xs, sizeof xs);
  shape_text(y, ys, sizeof ys);
  const char *name = quote(st->name->text, st->name->len).s;
  if (x->rank != y->rank || x->rank < 2 || x->rank > 3) {
    error_at(p, st->inputs[0].col, "matmul '%s': inputs are %s and %s; matmul takes two MxK and KxN matrices, or BxMxK and BxKxN", name,
             xs, ys);
    return false;
  }
  int r = x->rank;
  if (x->dims[r - 1] != y->dims[r - 2] || (r == 3 && x->dims[0] != y->dims[0] && x->dims[0] != 1 && y->dims[0] != 1)) {
    error_at(p, st->inputs[1].col, "matmul '%s': %s times %s: the inner dims (or batch dims) do not match", name, xs, ys);
    return false;
  }
  b->out_rank = r;
  if (r == 3) b->out_dims[0] = x->dims[0] > y->dims[0] ? x->dims[0] : y->dims[0];
  b->out_dims[r - 2] = x->dims[r - 2];
  b->out_dims[r - 1] = y->dims[r - 1];
  return true;
}

/* axis= names an axis of the NHWC view: n, h, w, c for 4-D tensors, or an index (negative
 * counts from the end) in the order the shape is written. Returns the logical axis. */
static bool option_axis(Parser *p, const OpStatement *st, int rank, int64_t *logical) {
  static const int64_t nhwc_to_logical[4] = {0, 2, 3, 1};
  const Token *o = find_option(st, "axis");
  int64_t physical = rank - 1; /* default: channels, the last dim as written */
  if (o) {
    static const char letters[] = "nhwc";
    if (rank == 4 && o->value_len == 1 && memchr(letters, o->value[0], 4)) {
      physical = (const char *)memchr(letters, o->value[0], 4) - letters;
    } else {
      bool negative = o->value_len > 1 && o->value[0] == '-';
      int64_t v;
      char what[64];
      snprintf(what, sizeof what, "axis= (%s)", rank == 4 ? "n, h, w, c or an index" : "an index");
      if (!parse_bounded(p, o->value + negative, o->value_len - negative, o->value_col + negative, what, negative ? 1 : 0,
                         negative ? rank : rank - 1, &v))
        return false;
      physical = negative ? rank - v : v;
    }
  }
  *logical = rank == 4 ? nhwc_to_logical[physical] : physical;
  return true;
}

static bool build_concat(Parser *p, const OpStatement *st, Built *b) {
  if (!same_dtypes(p, st)) return false;
  const TensorInfo *first = info_of(p, st->all_inputs[0]);
  int64_t axis;
  if (!option_axis(p, st, first->rank, &axis)) return false;
  b->attrs.axis = axis;
  b->out_rank = first->rank;
  memcpy(b->out_dims, first->dims, sizeof first->dims);
  for (size_t i = 1; i < st->n_inputs; i++) {
    const TensorInfo *t = info_of(p, st->all_inputs[i]);
    bool fits = t->rank == first->rank;
    for (int d = 0; fits && d < first->rank; d++)
      if (d != axis && t->dims[d] != first->dims[d]) fits = false;
    if (!fits || !np_add_i64(b->out_dims[axis], t->dims[axis], &b->out_dims[axis])) {
      char a[160], c[160];
      shape_text(first, a, sizeof a);
      shape_text(t, c, sizeof c);
      error_at(p, st->inputs[i].col, "concat '%s': %s does not fit %s (all dims but the concat axis must match)",
               quote(st->name->text, st->name->len).s, c, a);
      return false;
    }
  }
  return true;
}

static bool build_clip(Parser *p, const OpStatement *st, Built *b) {
  const char *keys[2] = {"min", "max"};
  float *targets[2] = {&b->attrs.clip_min, &b->attrs.clip_max};
  for (int i = 0; i < 2; i++) {
    const Token *o = find_option(st, keys[i]);
    if (!o) continue;
    char text[64];
    char *end = text;
    double v = 0;
    if (o->value_len < sizeof text) {
      memcpy(text, o->value, o->value_len);
      text[o->value_len] = '\0';
      v = strtod(text, &end);
    }
    if (o->value_len >= sizeof text || end == text || *end != '\0' || !isfinite(v) || fabs(v) > 3.4e38) {
      error_at(p, o->value_col, "%s=: expected a number, got '%s'", keys[i], quote(o->value, o->value_len).s);
      return false;
    }
    *targets[i] = (float)v;
  }
  const TensorInfo *in = info_of(p, st->all_inputs[0]);
  b->out_rank = in->rank;
  memcpy(b->out_dims, in->dims, sizeof in->dims);
  return true;
}

static bool build_flatten(Parser *p, const OpStatement *st, Built *b) {
  const TensorInfo *in = info_of(p, st->all_inputs[0]);
  if (in->rank < 2) {
    error_at(p, st->inputs[0].col, "flatten '%s': input must have at least 2 dims", quote(st->name->text, st->name->len).s);
    return false;
  }
  b->attrs.axis = 1;
  b->out_rank = 2;
  b->out_dims[0] = in->dims[0];
  b->out_dims[1] = 1;
  for (int i = 1; i < in->rank; i++) b->out_dims[1] *= in->dims[i]; /* bounded: the input's count is */
  return true;
}

/* The dims in reverse order: ONNX Transpose without perm (M x K becomes K x M). */
static bool build_transpose(Parser *p, const OpStatement *st, Built *b) {
  const TensorInfo *in = info_of(p, st->all_inputs[0]);
  b->out_rank = in->rank;
  for (int i = 0; i < in->rank; i++) b->out_dims[i] = in->dims[in->rank - 1 - i];
  return true;
}

static bool build_same_shape(Parser *p, const OpStatement *st, Built *b) {
  const TensorInfo *in = info_of(p, st->all_inputs[0]);
  b->out_rank = in->rank;
  memcpy(b->out_dims, in->dims, sizeof in->dims);
  if (st->spec->form == FORM_SOFTMAX) return option_axis(p, st, in->rank, &b->attrs.axis);
  return true;
}

static bool build_by_form(Parser *p, const OpStatement *st, Built *b) {
  switch (st->spec->form) {
    case FORM_CONV: return build_conv(p, st, b, false);
    case FORM_DWCONV: return build_conv(p, st, b, true);
    case FORM_POOL: return build_pool(p, st, b);
    case FORM_GLOBAL_POOL: return build_global_pool(p, st, b);
    case FORM_GEMM: return build_gemm(p, st, b);
    case FORM_MATMUL: return build_matmul(p, st, b);
    case FORM_BINARY: return build_binary(p, st, b);
    case FORM_CONCAT: return build_concat(p, st, b);
    case FORM_CLIP: return build_clip(p, st, b);
    case FORM_FLATTEN: return build_flatten(p, st, b);
    case FORM_TRANSPOSE: return build_transpose(p, st, b);
    case FORM_UNARY:
    case FORM_SOFTMAX: return build_same_shape(p, st, b);
  }
  return false;
}

static bool check_arity(Parser *p, const OpStatement *st) {
  size_t want = 1;
  if (st->spec->form == FORM_BINARY || st->spec->form == FORM_MATMUL) want = 2;
  if (st->spec->form == FORM_CONCAT ? st->n_inputs >= 1 : st->n_inputs == want) return true;
  size_t col = st->n_inputs ? st->inputs[0].col : st->name->col + st->name->len;
  if (st->spec->form == FORM_CONCAT)
    error_at(p, col, "concat '%s': needs at least one input", quote(st->name->text, st->name->len).s);
  else
    error_at(p, col, "%s '%s': takes %zu input%s, got %zu", st->spec->keyword, quote(st->name->text, st->name->len).s, want,
             want == 1 ? "" : "s", st->n_inputs);
  return false;
}

/* Names the statement's weights and output; they must all be new. */
static bool check_new_names(Parser *p, const OpStatement *st, const Built *b) {
  char *op = token_string(st->name);
  int line;
  bool ok = true;
  if (np_strmap_get(&p->op_lines, op, &line)) {
    error_at(p, st->name->col, "op '%s' is already defined at line %d", quote(st->name->text, st->name->len).s, line);
    ok = false;
  }
  for (int w = 0; ok && w < b->n_weights; w++) {
    char *name = np_xasprintf("%s.%s", op, b->weight_suffix[w]);
    int existing = np_graph_find_tensor(p->graph, name);
    if (existing >= 0) {
      error_at(p, st->name->col, "op '%s': its %s would be named '%s', which is already defined at line %zu",
               quote(st->name->text, st->name->len).s, b->weight_suffix[w], quote(name, strlen(name)).s,
               info_of(p, existing)->line);
      ok = false;
    }
    free(name);
  }
  free(op);
  return ok;
}

static void build_op(Parser *p, const OpStatement *st, Built *b) {
  char *op_name = token_string(st->name);
  NpDtype dtype = p->graph->tensors[st->all_inputs[0]].dtype;
  int64_t count;
  if (!element_count(b->out_rank, b->out_dims, &count)) {
    error_at(p, st->output->col, "%s '%s': the output would have more than %lld elements", st->spec->keyword,
             quote(st->name->text, st->name->len).s, (long long)NP_TENSOR_MAX_ELEMENTS);
    free(op_name);
    return;
  }
  for (int w = 0; w < b->n_weights; w++) {
    if (!element_count(b->weight_rank[w], b->weight_dims[w], &count)) {
      error_at(p, st->name->col, "%s '%s': its %s would have more than %lld elements", st->spec->keyword,
               quote(st->name->text, st->name->len).s, b->weight_suffix[w], (long long)NP_TENSOR_MAX_ELEMENTS);
      free(op_name);
      return;
    }
  }
  int *all = np_xmalloc((st->n_inputs + (size_t)b->n_weights) * sizeof *all); /* activations, then weights */
  size_t n = 0;
  for (size_t i = 0; i < st->n_inputs; i++) all[n++] = st->all_inputs[i];
  for (int w = 0; w < b->n_weights && !p->fatal; w++) {
    char *name = np_xasprintf("%s.%s", op_name, b->weight_suffix[w]);
    all[n++] = add_tensor(p, name, b->weight_dtype[w], NP_TENSOR_WEIGHT, b->weight_rank[w], b->weight_dims[w]);
    if (w == 0 && all[n - 1] >= 0) p->graph->tensors[all[n - 1]].storage_bits = b->weight_bits;
    free(name);
  }
  char *out_name = token_string(st->output);
  int out = p->fatal ? -1 : add_tensor(p, out_name, dtype, NP_TENSOR_ACTIVATION, b->out_rank, b->out_dims);
  free(out_name);
  if (!p->fatal) {
    const char *op_type = np_op_kind_name(st->spec->kind);
    if (np_graph_add_op(p->graph, op_name, op_type, &b->attrs, all, (int)n, &out, 1, p->diag) < 0)
      fail_fatal(p);
    else
      np_strmap_put(&p->op_lines, op_name, (int)p->line);
    for (size_t i = 0; i < st->n_inputs; i++) info_of(p, st->all_inputs[i])->consumed = true;
  }
  free(all);
  free(op_name);
}

static void parse_op(Parser *p, const OpSpec *spec) {
  OpStatement st;
  if (!split_op_statement(p, spec, &st)) return;
  bool output_ok = check_name(p, st.output, "an output name") && check_new_tensor_name(p, st.output);
  bool form_ok = check_options(p, &st) && check_arity(p, &st);
  bool inputs_ok = form_ok;
  if (form_ok) {
    /* Inputs are looked up before the output is marked: `relu s s -> s` must say that the
     * input 's' is unknown. */
    st.all_inputs = np_xmalloc(st.n_inputs * sizeof *st.all_inputs);
    for (size_t i = 0; i < st.n_inputs; i++) {
      st.all_inputs[i] = lookup_input(p, &st.inputs[i]);
      if (st.all_inputs[i] < 0) inputs_ok = false;
    }
  }
  if (output_ok) { /* if anything below fails, later uses of the output stay quiet */
    char *name = token_string(st.output);
    np_strmap_put(&p->failed_names, name, 1);
    free(name);
  }
  if (!form_ok) return;
  Built built;
  memset(&built, 0, sizeof built);
  np_attrs_init(&built.attrs);
  if (inputs_ok && output_ok && build_by_form(p, &st, &built) && check_new_names(p, &st, &built)) build_op(p, &st, &built);
  free(st.all_inputs);
}

/* input NAME DTYPE DIMS */
static void parse_input(Parser *p) {
  if (p->n_tokens >= 2 && p->tokens[1].kind == TOKEN_WORD) { /* if this fails, later uses stay quiet */
    char *name = token_string(&p->tokens[1]);
    np_strmap_put(&p->failed_names, name, 1);
    free(name);
  }
  if (p->n_tokens != 4) {
    size_t col = p->n_tokens > 4 ? p->tokens[4].col : p->tokens[p->n_tokens - 1].col + p->tokens[p->n_tokens - 1].len;
    error_at(p, col, "input: expected `input NAME DTYPE SHAPE`, e.g. `input x int8 1x224x224x3`");
    return;
  }
  const Token *name = &p->tokens[1], *dtype_tok = &p->tokens[2], *dims_tok = &p->tokens[3];
  if (!check_name(p, name, "an input name") || !check_new_tensor_name(p, name)) return;
  NpDtype dtype = NP_DTYPE_UNKNOWN;
  static const char *const dtypes[] = {"int8", "int16", "fp16", "fp32"};
  const size_t n_dtypes = sizeof dtypes / sizeof dtypes[0];
  for (size_t i = 0; i < n_dtypes; i++)
    if (token_is(dtype_tok, dtypes[i])) dtype = np_dtype_from_name(dtypes[i]);
  if (dtype == NP_DTYPE_UNKNOWN) {
    NpBuf allowed = {0};
    np_buf_put_names(&allowed, dtypes, n_dtypes, " or ");
    error_at(p, dtype_tok->col, "input: unknown dtype '%s' (%s)", quote(dtype_tok->text, dtype_tok->len).s,
             np_buf_str(&allowed));
    np_buf_free(&allowed);
    return;
  }
  if (dims_tok->kind != TOKEN_WORD) {
    error_at(p, dims_tok->col, "input: expected a shape such as 1x224x224x3 (NHWC)");
    return;
  }
  int64_t written[NP_MAX_RANK];
  int rank = 0;
  size_t start = 0;
  for (size_t i = 0; i <= dims_tok->len; i++) {
    if (i < dims_tok->len && dims_tok->text[i] != 'x') continue;
    if (rank == NP_MAX_RANK) {
      error_at(p, dims_tok->col + start, "input: more than %d dims", NP_MAX_RANK);
      return;
    }
    if (!parse_bounded(p, dims_tok->text + start, i - start, dims_tok->col + start, "input shape", 1, NP_TENSOR_MAX_ELEMENTS,
                       &written[rank++]))
      return;
    start = i + 1;
  }
  int64_t dims[NP_MAX_RANK], count;
  memcpy(dims, written, sizeof written);
  if (rank == 4) { /* written N,H,W,C -> logical N,C,H,W */
    dims[1] = written[3];
    dims[2] = written[1];
    dims[3] = written[2];
  }
  if (!element_count(rank, dims, &count)) {
    error_at(p, dims_tok->col, "input: shape has more than %lld elements", (long long)NP_TENSOR_MAX_ELEMENTS);
    return;
  }
  char *text = token_string(name);
  int index = add_tensor(p, text, dtype, NP_TENSOR_INPUT, rank, dims);
  if (index >= 0) np_graph_mark_input(p->graph, index);
  free(text);
}

/* output NAME... */
static void parse_output(Parser *p) {
  if (p->n_tokens < 2) {
    error_at(p, p->tokens[0].col + p->tokens[0].len, "output: expected `output NAME...`");
    return;
  }
  p->has_output_statement = true;
  for (size_t i = 1; i < p->n_tokens; i++) {
    int index = lookup_input(p, &p->tokens[i]);
    if (index < 0) continue;
    if (p->graph->tensors[index].is_graph_output) {
      error_at(p, p->tokens[i].col, "'%s' is already an output", quote(p->tokens[i].text, p->tokens[i].len).s);
      continue;
    }
    np_graph_mark_output(p->graph, index);
  }
}

/* graph NAME, first statement only */
static void parse_graph(Parser *p) {
  if (p->saw_statement) {
    error_at(p, p->tokens[0].col, "`graph NAME` must be the first statement");
    return;
  }
  if (p->n_tokens != 2) {
    error_at(p, p->n_tokens > 2 ? p->tokens[2].col : p->tokens[0].col + p->tokens[0].len, "graph: expected `graph NAME`");
    return;
  }
  if (!check_name(p, &p->tokens[1], "a graph name")) return;
  free(p->graph->name);
  p->graph->name = token_string(&p->tokens[1]);
}

static void parse_statement(Parser *p) {
  const Token *kw = &p->tokens[0];
  const OpSpec *spec = kw->kind == TOKEN_WORD ? find_op_spec(kw) : NULL;
  if (kw->kind == TOKEN_WORD && token_is(kw, "graph"))
    parse_graph(p);
  else if (kw->kind == TOKEN_WORD && token_is(kw, "input"))
    parse_input(p);
  else if (kw->kind == TOKEN_WORD && token_is(kw, "output"))
    parse_output(p);
  else if (spec)
    parse_op(p, spec);
  else
    error_at(p, kw->col,
             "unknown statement '%s' (expected graph, input, output, or an op: conv dwconv gemm matmul maxpool avgpool "
             "globalavgpool add sub mul div relu clip sigmoid hardsigmoid hardswish tanh erf sqrt softmax concat flatten)",
             kw->kind == TOKEN_ARROW ? "->" : quote(kw->text, kw->kind == TOKEN_OPTION ? kw->len + 1 + kw->value_len : kw->len).s);
  p->saw_statement = true;
}

/* Without an `output` statement, every op result that nothing reads is an output. */
static void mark_default_outputs(Parser *p) {
  for (size_t i = 0; i < p->graph->n_tensors; i++)
    if (p->graph->tensors[i].role == NP_TENSOR_ACTIVATION && !p->info[i].consumed) np_graph_mark_output(p->graph, (int)i);
}

static char *default_graph_name(const char *source) {
  const char *base = strrchr(source, '/');
  base = base ? base + 1 : source;
  const char *dot = strrchr(base, '.');
  size_t len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
  if (len == 0 || base[0] == '<') return np_xstrdup("textgraph");
  return np_xstrndup(base, len);
}

NpGraph *np_textgraph_parse(const char *text, size_t len, const char *source, NpDiag *diag) {
  if (!source) source = "<text>";
  char *name = default_graph_name(source);
  Parser p = {.source = source, .diag = diag, .graph = np_graph_new(name, source)};
  free(name);
  np_strmap_init(&p.failed_names);
  np_strmap_init(&p.op_lines);
  size_t pos = 0;
  while (pos < len && !p.fatal) {
    const char *start = text + pos;
    const char *newline = memchr(start, '\n', len - pos);
    size_t n = newline ? (size_t)(newline - start) : len - pos;
    p.line++;
    if (lex_line(&p, start, n) && p.n_tokens > 0) parse_statement(&p);
    pos += n + 1;
  }
  if (!p.failed && p.graph->n_ops == 0) {
    np_diag_add(diag, "%s: error: no ops: a text graph needs an `input` line and at least one op", source);
    p.failed = true;
  }
  if (!p.failed && !p.has_output_statement) mark_default_outputs(&p);
  bool ok = !p.failed && np_graph_finalize(p.graph, diag);
  free(p.tokens);
  free(p.info);
  np_strmap_free(&p.failed_names);
  np_strmap_free(&p.op_lines);
  if (!ok) {
    np_graph_free(p.graph);
    return NULL;
  }
  return p.graph;
}

NpGraph *np_textgraph_load(const char *path, NpDiag *diag) {
  size_t len = 0;
  char *text = np_read_file(path, NP_TEXTGRAPH_MAX_FILE_BYTES, "text graph", &len, diag);
  if (!text) return NULL;
  NpGraph *graph = np_textgraph_parse(text, len, path, diag);
  free(text);
  return graph;
}

static bool starts_word(const char *s, size_t n, const char *word) {
  size_t w = strlen(word);
  return n > w && memcmp(s, word, w) == 0 && is_blank((unsigned char)s[w]);
}

bool np_textgraph_sniff(const char *text, size_t len) {
  size_t i = 0;
  while (i < len && (is_blank((unsigned char)text[i]) || text[i] == '\n')) i++;
  if (i == len) return false;
  if (text[i] == '#') return true;
  return starts_word(text + i, len - i, "graph") || starts_word(text + i, len - i, "input");
}
