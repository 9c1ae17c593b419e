/* The Python module `npusim` (docs/python.md): a CPython extension over the public C API
 * (sim/include/npusim.h). Every simulation runs with the GIL released, so Python threads
 * simulate in parallel; results come back as the JSON the CLI prints, parsed into dicts. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdlib.h>
#include <string.h>

#include "npusim.h"

static PyObject *npusim_error_type; /* npusim.Error */
static PyObject *json_loads;        /* json.loads */

/* Raises npusim.Error with the library's message (the CLI's stderr, without its last newline). */
static PyObject *raise_error(char *message) {
  const char *text = message ? message : "npusim: unknown error";
  size_t n = strlen(text);
  while (n > 0 && text[n - 1] == '\n') n--;
  PyObject *value = PyUnicode_DecodeUTF8(text, (Py_ssize_t)n, "replace");
  if (value) {
    PyErr_SetObject(npusim_error_type, value);
    Py_DECREF(value);
  }
  npusim_free(message);
  return NULL;
}

/* json.loads(text); takes text. */
static PyObject *parse_json(char *text) {
  PyObject *result = PyObject_CallFunction(json_loads, "s", text);
  npusim_free(text);
  return result;
}

static PyObject *take_str(char *text) {
  PyObject *result = PyUnicode_FromString(text ? text : "");
  npusim_free(text);
  return result;
}

/* ---- arguments ---- */

/* "key=value" strings from a dict {key: value} (values through str()) or a sequence of them. */
typedef struct Sets {
  char **items;
  size_t n;
} Sets;

static void sets_free(Sets *s) {
  for (size_t i = 0; i < s->n; i++) free(s->items[i]);
  free(s->items);
  memset(s, 0, sizeof *s);
}

static int sets_add(Sets *s, PyObject *text) {
  const char *utf8 = PyUnicode_AsUTF8(text);
  if (!utf8) return -1;
  char *copy = strdup(utf8);
  char **grown = realloc(s->items, (s->n + 1) * sizeof *s->items);
  if (!copy || !grown) {
    free(copy);
    if (grown) s->items = grown;
    PyErr_NoMemory();
    return -1;
  }
  s->items = grown;
  s->items[s->n++] = copy;
  return 0;
}

static int sets_from(PyObject *arg, Sets *s) {
  memset(s, 0, sizeof *s);
  if (arg == NULL || arg == Py_None) return 0;
  if (PyDict_Check(arg)) {
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(arg, &pos, &key, &value)) {
      PyObject *text = PyUnicode_FromFormat("%S=%S", key, value);
      int rc = text ? sets_add(s, text) : -1;
      Py_XDECREF(text);
      if (rc < 0) return sets_free(s), -1;
    }
    return 0;
  }
  PyObject *seq = PySequence_Fast(arg, "set= takes a dict {key: value} or a list of 'key=value' strings");
  if (!seq) return -1;
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
    PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
    if (!PyUnicode_Check(item) || sets_add(s, item) < 0) {
      if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "set= list items must be 'key=value' strings");
      Py_DECREF(seq);
      return sets_free(s), -1;
    }
  }
  Py_DECREF(seq);
  return 0;
}

/* resolution=: 192, "160x224", or (160, 224). */
static int resolution_from(PyObject *arg, npusim_options *o) {
  if (arg == NULL || arg == Py_None) return 0;
  long long h = -1, w = -1;
  if (PyLong_Check(arg)) {
    h = w = PyLong_AsLongLong(arg);
  } else if (PyUnicode_Check(arg)) {
    const char *t = PyUnicode_AsUTF8(arg);
    char *end;
    h = t ? strtoll(t, &end, 10) : -1;
    if (t && *end == 'x') w = strtoll(end + 1, &end, 10);
    else if (t && *end == '\0') w = h;
    if (!t || *end != '\0') h = -1;
  } else if (PyTuple_Check(arg) && PyTuple_Size(arg) == 2) {
    h = PyLong_AsLongLong(PyTuple_GetItem(arg, 0));
    w = PyLong_AsLongLong(PyTuple_GetItem(arg, 1));
  }
  if (PyErr_Occurred()) return -1;
  if (h < 1 || w < 1) {
    PyErr_SetString(PyExc_ValueError, "resolution= takes 192, '160x224' or (160, 224)");
    return -1;
  }
  o->height = h;
  o->width = w;
  return 0;
}

/* What run, run_json and check share: the model, the config and the options. */
typedef struct Request {
  const char *model, *config, *dtype, *trace;
  PyObject *set, *resolution;
  double scale_channels;
  int trace_warm;
  long long max_bursts;
  int weight_bits;
} Request;

static npusim_run *simulate(const Request *r) {
  Sets sets;
  if (sets_from(r->set, &sets) < 0) return NULL;
  npusim_options options;
  memset(&options, 0, sizeof options);
  options.dtype = r->dtype;
  options.channel_scale = r->scale_channels;
  options.trace_path = r->trace;
  options.trace_warm = r->trace_warm;
  options.max_bursts = r->max_bursts;
  options.weight_bits = r->weight_bits;
  if (resolution_from(r->resolution, &options) < 0) {
    sets_free(&sets);
    return NULL;
  }
  char *error = NULL;
  npusim_model *model = NULL;
  npusim_config *config = NULL;
  npusim_run *run = NULL;
  Py_BEGIN_ALLOW_THREADS
  config = npusim_config_load(r->config, (const char *const *)sets.items, sets.n, &error);
  if (config) model = npusim_model_load(r->model, &error);
  if (model) run = npusim_simulate(model, config, &options, &error);
  npusim_model_free(model);
  npusim_config_free(config);
  Py_END_ALLOW_THREADS
  sets_free(&sets);
  if (!run) raise_error(error);
  return run;
}

#define REQUEST_KEYWORDS \
  "model", "config", "set", "dtype", "scale_channels", "resolution", "trace", "trace_warm", "max_bursts", "weight_bits"
#define REQUEST_FORMAT "s|zOzdOzpLi"
#define REQUEST_ARGS(r) &(r).model, &(r).config, &(r).set, &(r).dtype, &(r).scale_channels, &(r).resolution, \
                        &(r).trace, &(r).trace_warm, &(r).max_bursts, &(r).weight_bits

/* ---- functions ---- */

static PyObject *py_run_json(PyObject *self, PyObject *args, PyObject *kwargs) {
  (void)self;
  static char *keywords[] = {REQUEST_KEYWORDS, NULL};
  Request r = {0};
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, REQUEST_FORMAT, keywords, REQUEST_ARGS(r))) return NULL;
  npusim_run *run = simulate(&r);
  if (!run) return NULL;
  char *json = npusim_run_json(run);
  npusim_run_free(run);
  return take_str(json);
}

static PyObject *py_run(PyObject *self, PyObject *args, PyObject *kwargs) {
  PyObject *text = py_run_json(self, args, kwargs);
  if (!text) return NULL;
  PyObject *result = PyObject_CallOneArg(json_loads, text);
  Py_DECREF(text);
  return result;
}

/* budget=: "latency_ms=33,sram_mib=4" or {"latency_ms": 33, ...}. */
static PyObject *budget_text(PyObject *budget) {
  if (PyUnicode_Check(budget)) return Py_NewRef(budget);
  if (!PyDict_Check(budget)) {
    PyErr_SetString(PyExc_TypeError, "budget= takes 'key=number,...' or a dict {key: number}");
    return NULL;
  }
  PyObject *parts = PyList_New(0), *key, *value;
  Py_ssize_t pos = 0;
  while (parts && PyDict_Next(budget, &pos, &key, &value)) {
    PyObject *part = PyUnicode_FromFormat("%S=%S", key, value);
    if (!part || PyList_Append(parts, part) < 0) Py_CLEAR(parts);
    Py_XDECREF(part);
  }
  if (!parts) return NULL;
  PyObject *comma = PyUnicode_FromString(",");
  PyObject *joined = comma ? PyUnicode_Join(comma, parts) : NULL;
  Py_XDECREF(comma);
  Py_DECREF(parts);
  return joined;
}

static PyObject *py_check(PyObject *self, PyObject *args, PyObject *kwargs) {
  (void)self;
  static char *keywords[] = {"model",      "budget",     "config", "set", "dtype", "scale_channels",
                             "resolution", "max_bursts", "weight_bits", NULL};
  Request r = {0};
  PyObject *budget;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "sO|zOzdOLi", keywords, &r.model, &budget, &r.config, &r.set,
                                   &r.dtype, &r.scale_channels, &r.resolution, &r.max_bursts, &r.weight_bits))
    return NULL;
  PyObject *text = budget_text(budget);
  const char *budgets = text ? PyUnicode_AsUTF8(text) : NULL;
  npusim_run *run = budgets ? simulate(&r) : NULL;
  if (!run) {
    Py_XDECREF(text);
    return NULL;
  }
  char *verdict = NULL, *error = NULL;
  int holds = npusim_check(run, budgets, &verdict, &error);
  npusim_run_free(run);
  Py_DECREF(text);
  if (holds < 0) return raise_error(error);
  return parse_json(verdict);
}

/* Rows of a sweep, collected while the GIL is released. */
typedef struct Collected {
  char *text;
  size_t len, capacity;
  int failed;
} Collected;

static int collect_row(void *user, const char *row) {
  Collected *c = user;
  size_t n = strlen(row);
  if (c->len + n + 1 > c->capacity) {
    size_t capacity = (c->len + n + 1) * 2;
    char *grown = realloc(c->text, capacity);
    if (!grown) return c->failed = 1;
    c->text = grown;
    c->capacity = capacity;
  }
  memcpy(c->text + c->len, row, n + 1);
  c->len += n;
  return 0;
}

/* The whole sweep as text (CSV with its header, or JSON Lines), or NULL with an exception. */
static PyObject *sweep_text(const char *spec, int jobs, npusim_sweep_format format) {
  npusim_sweep_options options = {jobs, format, 0};
  Collected rows = {0};
  char *error = NULL;
  long long n;
  Py_BEGIN_ALLOW_THREADS
  n = npusim_sweep(spec, &options, collect_row, &rows, &error);
  Py_END_ALLOW_THREADS
  if (rows.failed) {
    free(rows.text);
    npusim_free(error);
    return PyErr_NoMemory();
  }
  if (n < 0) {
    free(rows.text);
    return raise_error(error);
  }
  PyObject *result = PyUnicode_DecodeUTF8(rows.text ? rows.text : "", (Py_ssize_t)rows.len, "replace");
  free(rows.text);
  return result;
}

static PyObject *py_sweep_csv(PyObject *self, PyObject *args, PyObject *kwargs) {
  (void)self;
  static char *keywords[] = {"spec", "jobs", NULL};
  const char *spec;
  int jobs = 1;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s|i", keywords, &spec, &jobs)) return NULL;
  return sweep_text(spec, jobs, NPUSIM_SWEEP_CSV);
}

/* A list of row dicts, or a pandas DataFrame of them when pandas is importable and as_frame
 * is not False. */
static PyObject *py_sweep(PyObject *self, PyObject *args, PyObject *kwargs) {
  (void)self;
  static char *keywords[] = {"spec", "jobs", "as_frame", NULL};
  const char *spec;
  int jobs = 1;
  PyObject *as_frame = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s|iO", keywords, &spec, &jobs, &as_frame)) return NULL;
  PyObject *text = sweep_text(spec, jobs, NPUSIM_SWEEP_JSONL);
  if (!text) return NULL;
  PyObject *lines = PyUnicode_Splitlines(text, 0);
  Py_DECREF(text);
  if (!lines) return NULL;
  PyObject *rows = PyList_New(0);
  for (Py_ssize_t i = 0; rows && i < PyList_GET_SIZE(lines); i++) {
    PyObject *row = PyObject_CallOneArg(json_loads, PyList_GET_ITEM(lines, i));
    if (!row || PyList_Append(rows, row) < 0) Py_CLEAR(rows);
    Py_XDECREF(row);
  }
  Py_DECREF(lines);
  if (!rows || as_frame == Py_False) return rows;
  PyObject *pandas = PyImport_ImportModule("pandas");
  if (!pandas) {
    if (as_frame == Py_True) {
      Py_DECREF(rows);
      return NULL;
    }
    PyErr_Clear(); /* pandas stays optional */
    return rows;
  }
  PyObject *frame = PyObject_CallMethod(pandas, "DataFrame", "O", rows);
  Py_DECREF(pandas);
  Py_DECREF(rows);
  return frame;
}

static PyObject *py_version(PyObject *self, PyObject *unused) {
  (void)self;
  (void)unused;
  return PyUnicode_FromString(npusim_version());
}

static PyMethodDef methods[] = {
    {"run", (PyCFunction)(void (*)(void))py_run, METH_VARARGS | METH_KEYWORDS,
     "run(model, config=None, set=None, dtype=None, scale_channels=0, resolution=None, trace=None, trace_warm=False)\n"
     "Simulates model cold and warm; returns the dict `npusim run --json` prints."},
    {"run_json", (PyCFunction)(void (*)(void))py_run_json, METH_VARARGS | METH_KEYWORDS,
     "run_json(model, ...): as run(), the JSON text itself (the CLI's bytes)."},
    {"check", (PyCFunction)(void (*)(void))py_check, METH_VARARGS | METH_KEYWORDS,
     "check(model, budget, config=None, set=None, dtype=None, scale_channels=0, resolution=None)\n"
     "Holds a run to budgets; returns the dict `npusim check --json` prints (its 'pass' says the verdict)."},
    {"sweep", (PyCFunction)(void (*)(void))py_sweep, METH_VARARGS | METH_KEYWORDS,
     "sweep(spec, jobs=1, as_frame=None)\n"
     "Runs every point of a sweep spec on `jobs` threads; returns its rows as dicts, or a pandas\n"
     "DataFrame when pandas is importable (as_frame=False: always the list)."},
    {"sweep_csv", (PyCFunction)(void (*)(void))py_sweep_csv, METH_VARARGS | METH_KEYWORDS,
     "sweep_csv(spec, jobs=1): the CSV `npusim sweep spec -o results.csv` writes, as text."},
    {"version", py_version, METH_NOARGS, "version(): the version of the libnpusim this module runs on."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "npusim",
    "npusim: a cycle-approximate neural-network accelerator simulator (docs/python.md).\n"
    "Errors raise npusim.Error with the message the CLI prints.",
    -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_npusim(void) {
  PyObject *json = PyImport_ImportModule("json");
  if (!json) return NULL;
  json_loads = PyObject_GetAttrString(json, "loads");
  Py_DECREF(json);
  if (!json_loads) return NULL;
  PyObject *m = PyModule_Create(&module);
  if (!m) return NULL;
  npusim_error_type = PyErr_NewExceptionWithDoc("npusim.Error", "A bad model, config, option or spec; "
                                                "str(e) is the message the CLI prints.", NULL, NULL);
  if (!npusim_error_type || PyModule_AddObjectRef(m, "Error", npusim_error_type) < 0 ||
      PyModule_AddStringConstant(m, "__version__", npusim_version()) < 0 ||
      PyModule_AddStringConstant(m, "CONFIG_SCHEMA", npusim_config_schema()) < 0) {
    Py_DECREF(m);
    return NULL;
  }
  return m;
}
