/*
 * erplink_python.h - CPython <-> erplink_value conversion and error raising for the
 * SWIG-generated module erplink._erplink (included from bindings/erplink.i only).
 *
 * Python -> tree (elpy_to_value), one walk:
 *   None -> nil, bool -> bool, int -> int (int64; ERPLINK_ERANGE outside it),
 *   float -> double, str -> string (UTF-8; ERPLINK_EINVAL for lone surrogates),
 *   bytes / bytearray / any contiguous buffer -> bytes,
 *   datetime.datetime -> datetime (naive as is; aware converted to UTC, tz dropped),
 *   list / tuple -> array, dict (str keys, insertion order) -> struct.
 *   Anything else -> ERPLINK_ETYPE; a non-str key or a key containing NUL -> ERPLINK_EINVAL;
 *   nesting deeper than ERPLINK_BINDING_MAX_DEPTH (or a cycle) -> ERPLINK_ERANGE.
 * Tree -> Python (elpy_from_value), one walk: the inverse (array -> list, struct -> dict,
 *   datetime -> naive datetime.datetime); a tree nested deeper than
 *   ERPLINK_BINDING_MAX_DEPTH -> ERPLINK_ELIMIT.
 *
 * Errors: a failure of the C library (or of a conversion, recorded with
 * erplink_error_set()) is raised as the exception that erplink._errors._from_c()
 * builds from the calling thread's erplink_error_last(): an instance of the
 * erplink.Error subclass of the error's category.
 */
#ifndef ERPLINK_PYTHON_H
#define ERPLINK_PYTHON_H

#include <Python.h>
#include <datetime.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Returned by the converters when a Python exception is already set. */
#define ELPY_PYERR INT_MIN

/* Imports the datetime C API on first use (with the GIL held; the module init
 * function's form differs between SWIG versions, so it is not done there). */
static int elpy_init(void) {
  if (!PyDateTimeAPI) PyDateTime_IMPORT;
  return PyDateTimeAPI ? 0 : ELPY_PYERR;
}

/* Records a conversion failure as the thread's last erplink error. */
static int elpy_fail(int code, const char *fmt, ...) {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return erplink_error_set(code, msg);
}

static int elpy_to_value_rec(PyObject *o, erplink_value **out, int depth);

static int elpy_str_utf8(PyObject *s, const char **p, Py_ssize_t *len) {
  *p = PyUnicode_AsUTF8AndSize(s, len);
  if (*p) return 0;
  if (PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
    PyErr_Clear();
    return elpy_fail(ERPLINK_EINVAL, "str is not valid Unicode (it contains a lone surrogate)");
  }
  return ELPY_PYERR;
}

static int elpy_datetime(PyObject *o, erplink_value **out) {
  PyObject *tz = PyObject_GetAttrString(o, "tzinfo");
  if (!tz) return ELPY_PYERR;
  PyObject *dt = o;
  Py_INCREF(dt);
  if (tz != Py_None) {
    Py_DECREF(dt);
    dt = PyObject_CallMethod(o, "astimezone", "O", PyDateTime_TimeZone_UTC);
    if (!dt) {
      Py_DECREF(tz);
      if (PyErr_ExceptionMatches(PyExc_OverflowError)) {
        PyErr_Clear();
        return elpy_fail(ERPLINK_ERANGE, "datetime is out of range once converted to UTC");
      }
      return ELPY_PYERR;
    }
  }
  Py_DECREF(tz);
  int rc = erplink_value_new_datetime(out, PyDateTime_GET_YEAR(dt), PyDateTime_GET_MONTH(dt), PyDateTime_GET_DAY(dt),
                                      PyDateTime_DATE_GET_HOUR(dt), PyDateTime_DATE_GET_MINUTE(dt),
                                      PyDateTime_DATE_GET_SECOND(dt), PyDateTime_DATE_GET_MICROSECOND(dt));
  Py_DECREF(dt);
  return rc;
}

static int elpy_sequence(PyObject *o, erplink_value **out, int depth) {
  erplink_value *arr = NULL;
  int rc = erplink_value_new_array(&arr);
  if (rc) return rc;
  int is_list = PyList_Check(o);
  /* The size is re-read every step: converting an item can run Python code
   * (tzinfo.utcoffset) that mutates a list. */
  for (Py_ssize_t i = 0; i < (is_list ? PyList_GET_SIZE(o) : PyTuple_GET_SIZE(o)); i++) {
    PyObject *item = is_list ? PyList_GET_ITEM(o, i) : PyTuple_GET_ITEM(o, i);
    Py_INCREF(item);
    erplink_value *child = NULL;
    rc = elpy_to_value_rec(item, &child, depth + 1);
    Py_DECREF(item);
    if (!rc) rc = erplink_value_array_append(arr, child); /* consumes child */
    if (rc) {
      erplink_value_free(arr);
      return rc;
    }
  }
  *out = arr;
  return 0;
}

static int elpy_dict(PyObject *o, erplink_value **out, int depth) {
  erplink_value *st = NULL;
  int rc = erplink_value_new_struct(&st);
  if (rc) return rc;
  Py_ssize_t pos = 0;
  PyObject *k, *val;
  while (PyDict_Next(o, &pos, &k, &val)) {
    Py_INCREF(k);
    Py_INCREF(val);
    const char *key = NULL;
    Py_ssize_t klen = 0;
    erplink_value *child = NULL;
    if (!PyUnicode_Check(k)) {
      rc = elpy_fail(ERPLINK_EINVAL, "dict keys must be str, got a key of type '%.80s'", Py_TYPE(k)->tp_name);
    } else if ((rc = elpy_str_utf8(k, &key, &klen)) == 0 && memchr(key, '\0', (size_t)klen)) {
      rc = elpy_fail(ERPLINK_EINVAL, "dict key contains a NUL character");
    }
    if (!rc) rc = elpy_to_value_rec(val, &child, depth + 1);
    if (!rc) rc = erplink_value_struct_append(st, key, child); /* consumes child; dict keys are unique */
    Py_DECREF(k);
    Py_DECREF(val);
    if (rc) {
      erplink_value_free(st);
      return rc;
    }
  }
  *out = st;
  return 0;
}

static int elpy_to_value_rec(PyObject *o, erplink_value **out, int depth) {
  *out = NULL;
  if (depth > ERPLINK_BINDING_MAX_DEPTH)
    return elpy_fail(ERPLINK_ERANGE, "value nested deeper than %d levels (or it contains a reference cycle)",
                     ERPLINK_BINDING_MAX_DEPTH);
  if (o == Py_None) return erplink_value_new_nil(out);
  if (PyBool_Check(o)) return erplink_value_new_bool(out, o == Py_True);
  if (PyLong_Check(o)) {
    int overflow = 0;
    long long i = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow) return elpy_fail(ERPLINK_ERANGE, "int does not fit in 64 bits (signed)");
    if (i == -1 && PyErr_Occurred()) return ELPY_PYERR;
    return erplink_value_new_int(out, (int64_t)i);
  }
  if (PyFloat_Check(o)) return erplink_value_new_double(out, PyFloat_AS_DOUBLE(o));
  if (PyUnicode_Check(o)) {
    const char *s;
    Py_ssize_t len;
    int rc = elpy_str_utf8(o, &s, &len);
    return rc ? rc : erplink_value_new_stringn(out, s, (size_t)len);
  }
  if (PyBytes_Check(o)) return erplink_value_new_bytes(out, PyBytes_AS_STRING(o), (size_t)PyBytes_GET_SIZE(o));
  if (PyDateTime_Check(o)) return elpy_datetime(o, out);
  if (PyList_Check(o) || PyTuple_Check(o)) return elpy_sequence(o, out, depth);
  if (PyDict_Check(o)) return elpy_dict(o, out, depth);
  if (PyObject_CheckBuffer(o)) { /* bytearray, memoryview, array.array, ... */
    Py_buffer view;
    if (PyObject_GetBuffer(o, &view, PyBUF_SIMPLE) != 0) return ELPY_PYERR;
    int rc = erplink_value_new_bytes(out, view.buf, (size_t)view.len);
    PyBuffer_Release(&view);
    return rc;
  }
  if (PyDate_Check(o)) return elpy_fail(ERPLINK_ETYPE, "cannot convert a datetime.date: pass a datetime.datetime");
  return elpy_fail(ERPLINK_ETYPE, "cannot convert a Python object of type '%.80s' to an erplink value",
                   Py_TYPE(o)->tp_name);
}

/* Python -> new tree in *out (caller frees). Returns 0, an ERPLINK_E* code (last error
 * set), or ELPY_PYERR (a Python exception is set). */
static int elpy_to_value(PyObject *o, erplink_value **out) {
  *out = NULL;
  if (elpy_init() != 0) return ELPY_PYERR;
  return elpy_to_value_rec(o, out, 0);
}

static PyObject *elpy_str_or_none(const char *s) {
  if (!s) Py_RETURN_NONE;
  return PyUnicode_DecodeUTF8(s, (Py_ssize_t)strlen(s), "replace");
}

/* An erplink.Error instance (not raised) for code rc described by e (NULL: rc alone), built by
 * erplink._errors._from_c(); NULL with an exception set on failure. */
static PyObject *elpy_error_for(int rc, const erplink_error *e) {
  const char *msg = e ? erplink_error_message(e) : erplink_strerror(rc);
  PyObject *mod = PyImport_ImportModule("erplink._errors");
  if (!mod) return NULL;
  PyObject *args = Py_BuildValue(
      "(isNiNNL)", rc, erplink_error_category_name(erplink_error_category_of(rc)), elpy_str_or_none(msg),
      e ? erplink_error_http_status(e) : 0, elpy_str_or_none(e ? erplink_error_remote_class(e) : NULL),
      elpy_str_or_none(e ? erplink_error_detail(e) : NULL), (long long)(e ? erplink_error_retry_after_ms(e) : -1));
  PyObject *exc = NULL;
  if (args) {
    PyObject *fn = PyObject_GetAttrString(mod, "_from_c");
    if (fn) {
      exc = PyObject_CallObject(fn, args);
      Py_DECREF(fn);
    }
    Py_DECREF(args);
  }
  Py_DECREF(mod);
  return exc;
}

/* The exception object of a borrowed error (cartona_outcome_error()), or None. */
static PyObject *elpy_error_object(const erplink_error *e) {
  if (!e) Py_RETURN_NONE;
  return elpy_error_for(erplink_error_code(e), e);
}

/* Raises the exception for the calling thread's last erplink error (rc if none matches). */
static void elpy_raise_last(int rc) {
  const erplink_error *e = erplink_error_last();
  if (e && erplink_error_code(e) != rc) e = NULL; /* stale: describe rc alone */
  PyObject *exc = elpy_error_for(rc, e);
  if (exc) {
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    Py_DECREF(exc);
  }
}

static void elpy_raise_conversion(int rc) {
  if (rc != ELPY_PYERR) elpy_raise_last(rc);
}

/* Struct keys: records of one result share their keys (an Odoo field list, ESI order members),
 * so the str objects of short keys are kept in a small direct-mapped cache and shared by every
 * dict made from them (one decode per distinct key instead of one per record; shared keys also
 * carry their hash). Touched with the GIL held only (every conversion holds it). New reference. */
#define ELPY_KEY_SLOTS 256
#define ELPY_KEY_MAX 40
static PyObject *elpy_key_cache[ELPY_KEY_SLOTS];
static PyObject *elpy_key(const char *k, size_t klen) {
  if (klen == 0 || klen > ELPY_KEY_MAX) return PyUnicode_DecodeUTF8(k, (Py_ssize_t)klen, "strict");
  uint32_t h = 2166136261u; /* FNV-1a */
  for (size_t i = 0; i < klen; i++) h = (h ^ (unsigned char)k[i]) * 16777619u;
  PyObject **slot = &elpy_key_cache[h % ELPY_KEY_SLOTS];
  PyObject *c = *slot;
  if (c) {
    Py_ssize_t n = 0;
    const char *u = PyUnicode_AsUTF8AndSize(c, &n); /* cached in the str: no work */
    if (u && (size_t)n == klen && memcmp(u, k, klen) == 0) {
      Py_INCREF(c);
      return c;
    }
    PyErr_Clear();
  }
  PyObject *key = PyUnicode_DecodeUTF8(k, (Py_ssize_t)klen, "strict");
  if (!key) return NULL;
  if (PyUnicode_AsUTF8(key) == NULL) { /* fills the UTF-8 cache the lookup reads */
    PyErr_Clear();
    return key;
  }
  Py_INCREF(key);
  Py_XSETREF(*slot, key);
  return key;
}

/* Tree -> new Python object, or NULL with an exception set. */
static PyObject *elpy_from_value_rec(const erplink_value *v, int depth) {
  if (depth > ERPLINK_BINDING_MAX_DEPTH) {
    elpy_raise_last(elpy_fail(ERPLINK_ELIMIT, "value nested deeper than %d levels", ERPLINK_BINDING_MAX_DEPTH));
    return NULL;
  }
  switch (erplink_value_type(v)) {
  case ERPLINK_TYPE_NIL: Py_RETURN_NONE;
  case ERPLINK_TYPE_BOOL: {
    int b = 0;
    erplink_value_get_bool(&b, v);
    return PyBool_FromLong(b);
  }
  case ERPLINK_TYPE_INT: {
    int64_t i = 0;
    erplink_value_get_int(&i, v);
    return PyLong_FromLongLong((long long)i);
  }
  case ERPLINK_TYPE_DOUBLE: {
    double d = 0;
    erplink_value_get_double(&d, v);
    return PyFloat_FromDouble(d);
  }
  case ERPLINK_TYPE_STRING: {
    const char *s = NULL;
    size_t len = 0;
    erplink_value_get_string(&s, &len, v);
    return PyUnicode_DecodeUTF8(s, (Py_ssize_t)len, "strict");
  }
  case ERPLINK_TYPE_BYTES: {
    const void *p = NULL;
    size_t len = 0;
    erplink_value_get_bytes(&p, &len, v);
    return PyBytes_FromStringAndSize((const char *)p, (Py_ssize_t)len);
  }
  case ERPLINK_TYPE_DATETIME: {
    int y, mo, d, h, mi, s, us;
    erplink_value_get_datetime(&y, &mo, &d, &h, &mi, &s, &us, v);
    return PyDateTime_FromDateAndTime(y, mo, d, h, mi, s, us);
  }
  case ERPLINK_TYPE_ARRAY: {
    size_t n = erplink_value_count(v);
    PyObject *list = PyList_New((Py_ssize_t)n);
    if (!list) return NULL;
    for (size_t i = 0; i < n; i++) {
      PyObject *item = elpy_from_value_rec(erplink_value_array_at(v, i), depth + 1);
      if (!item) {
        Py_DECREF(list);
        return NULL;
      }
      PyList_SET_ITEM(list, (Py_ssize_t)i, item);
    }
    return list;
  }
  case ERPLINK_TYPE_STRUCT: {
    size_t n = erplink_value_count(v);
    PyObject *dict = PyDict_New();
    if (!dict) return NULL;
    for (size_t i = 0; i < n; i++) {
      const char *k = NULL;
      size_t klen = 0;
      k = erplink_value_struct_key_at(v, i);
      klen = erplink_value_struct_key_len_at(v, i);
      const erplink_value *m = erplink_value_struct_value_at(v, i);
      PyObject *key = elpy_key(k, klen);
      PyObject *item = key ? elpy_from_value_rec(m, depth + 1) : NULL;
      int bad = !item || PyDict_SetItem(dict, key, item) != 0;
      Py_XDECREF(key);
      Py_XDECREF(item);
      if (bad) {
        Py_DECREF(dict);
        return NULL;
      }
    }
    return dict;
  }
  }
  PyErr_SetString(PyExc_SystemError, "erplink: unknown value type");
  return NULL;
}

static PyObject *elpy_from_value(const erplink_value *v) {
  if (elpy_init() != 0) return NULL;
  return elpy_from_value_rec(v, 0);
}

/* ------------------------------------------------------------------ typemap helpers */

/* Appends an out value to a wrapper's result: the first one is the result, two or more make a
 * tuple. Consumes obj; on NULL obj (exception set) drops result and returns NULL. */
static PyObject *elpy_append(PyObject *result, PyObject *obj) {
  if (!obj) {
    Py_XDECREF(result);
    return NULL;
  }
  if (!result) return obj;
  if (PyTuple_Check(result)) {
    Py_ssize_t n = PyTuple_GET_SIZE(result);
    if (_PyTuple_Resize(&result, n + 1) != 0) {
      Py_DECREF(obj);
      return NULL;
    }
    PyTuple_SET_ITEM(result, n, obj);
    return result;
  }
  PyObject *t = PyTuple_Pack(2, result, obj);
  Py_DECREF(result);
  Py_DECREF(obj);
  return t;
}

/* const char * argument: str (its cached UTF-8: no copy) or None; a NUL inside is refused. */
static int elpy_str_arg(PyObject *o, const char **out) {
  if (o == Py_None) {
    *out = NULL;
    return 0;
  }
  if (!PyUnicode_Check(o)) {
    PyErr_Format(PyExc_TypeError, "expected str or None, got %.80s", Py_TYPE(o)->tp_name);
    return -1;
  }
  Py_ssize_t len = 0;
  const char *s = NULL;
  int rc = elpy_str_utf8(o, &s, &len);
  if (rc == 0 && memchr(s, '\0', (size_t)len)) rc = elpy_fail(ERPLINK_EINVAL, "str argument contains a NUL character");
  if (rc != 0) {
    elpy_raise_conversion(rc);
    return -1;
  }
  *out = s;
  return 0;
}

/* (const char *const *names, size_t n) from any iterable of str. */
typedef struct elpy_names {
  const char **v;
  size_t n;
  PyObject *seq; /* keeps the str objects (and so their UTF-8) alive */
} elpy_names;
#define ELPY_NAMES_INIT                                                                                                \
  { NULL, 0, NULL }

static void elpy_names_free(elpy_names *nm) {
  PyMem_Free((void *)nm->v);
  Py_XDECREF(nm->seq);
  nm->v = NULL;
  nm->seq = NULL;
  nm->n = 0;
}

static int elpy_names_from(PyObject *o, elpy_names *nm) {
  nm->v = NULL;
  nm->n = 0;
  nm->seq = NULL;
  if (o == Py_None) return 0;
  if (PyUnicode_Check(o) || PyBytes_Check(o)) {
    PyErr_SetString(PyExc_TypeError, "expected an iterable of str, got a single str");
    return -1;
  }
  nm->seq = PySequence_Fast(o, "expected an iterable of str");
  if (!nm->seq) return -1;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(nm->seq);
  nm->v = (const char **)PyMem_Malloc(sizeof(char *) * (size_t)(n ? n : 1));
  if (!nm->v) {
    elpy_names_free(nm);
    PyErr_NoMemory();
    return -1;
  }
  for (Py_ssize_t i = 0; i < n; i++) {
    PyObject *it = PySequence_Fast_GET_ITEM(nm->seq, i);
    if (!PyUnicode_Check(it)) {
      PyErr_Format(PyExc_TypeError, "expected str items, item %zd is %.80s", i, Py_TYPE(it)->tp_name);
      elpy_names_free(nm);
      return -1;
    }
    if (elpy_str_arg(it, &nm->v[i]) != 0) {
      elpy_names_free(nm);
      return -1;
    }
  }
  nm->n = (size_t)n;
  return 0;
}

/* (const int64_t *ids, size_t n) from any iterable of int. */
typedef struct elpy_ints {
  int64_t *v;
  size_t n;
} elpy_ints;
#define ELPY_INTS_INIT                                                                                                 \
  { NULL, 0 }

static void elpy_ints_free(elpy_ints *a) {
  PyMem_Free(a->v);
  a->v = NULL;
  a->n = 0;
}

static int elpy_ints_from(PyObject *o, elpy_ints *a) {
  a->v = NULL;
  a->n = 0;
  if (o == Py_None) return 0;
  if (PyLong_Check(o)) { /* a lone id */
    long long x = PyLong_AsLongLong(o);
    if (x == -1 && PyErr_Occurred()) return -1;
    a->v = (int64_t *)PyMem_Malloc(sizeof(int64_t));
    if (!a->v) {
      PyErr_NoMemory();
      return -1;
    }
    a->v[0] = (int64_t)x;
    a->n = 1;
    return 0;
  }
  PyObject *seq = PySequence_Fast(o, "expected an int or an iterable of int");
  if (!seq) return -1;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  a->v = (int64_t *)PyMem_Malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
  if (!a->v) {
    Py_DECREF(seq);
    PyErr_NoMemory();
    return -1;
  }
  for (Py_ssize_t i = 0; i < n; i++) {
    PyObject *it = PySequence_Fast_GET_ITEM(seq, i);
    if (!PyLong_Check(it) || PyBool_Check(it)) {
      PyErr_Format(PyExc_TypeError, "expected int items, item %zd is %.80s", i, Py_TYPE(it)->tp_name);
      Py_DECREF(seq);
      elpy_ints_free(a);
      return -1;
    }
    long long x = PyLong_AsLongLong(it);
    if (x == -1 && PyErr_Occurred()) {
      Py_DECREF(seq);
      elpy_ints_free(a);
      return -1;
    }
    a->v[i] = (int64_t)x;
  }
  Py_DECREF(seq);
  a->n = (size_t)n;
  return 0;
}

/* (const void *data, size_t len) from a buffer (read in place) or a str (its UTF-8) or None. */
static int elpy_bytes_arg(PyObject *o, Py_buffer *view, int *have_view, const void **p, size_t *n) {
  *have_view = 0;
  if (o == Py_None) {
    *p = NULL;
    *n = 0;
    return 0;
  }
  if (PyBytes_Check(o)) { /* the common case, without the buffer protocol's bookkeeping */
    *p = PyBytes_AS_STRING(o);
    *n = (size_t)PyBytes_GET_SIZE(o);
    return 0;
  }
  if (PyUnicode_Check(o)) {
    Py_ssize_t len = 0;
    const char *s = NULL;
    int rc = elpy_str_utf8(o, &s, &len);
    if (rc != 0) {
      elpy_raise_conversion(rc);
      return -1;
    }
    *p = s;
    *n = (size_t)len;
    return 0;
  }
  if (PyObject_GetBuffer(o, view, PyBUF_SIMPLE) != 0) {
    PyErr_Clear();
    PyErr_Format(PyExc_TypeError, "expected bytes, bytearray, memoryview (contiguous) or str, got %.80s",
                 Py_TYPE(o)->tp_name);
    return -1;
  }
  *have_view = 1;
  *p = view->buf;
  *n = (size_t)view->len;
  return 0;
}

/* ------------------------------------------------------------------ callback exceptions */
/* The exception a callback raised (or KeyboardInterrupt from the Ctrl-C poll), kept per thread
 * until the wrapper of the C call that ran the callback re-raises it. Touched with the GIL held. */
static _Thread_local PyObject *elpy_pend_type, *elpy_pend_value, *elpy_pend_tb;

static int elpy_pending_exists(void) { return elpy_pend_type != NULL; }

/* Moves the current Python exception into the slot (the first one wins). */
static void elpy_pending_store(void) {
  if (!PyErr_Occurred()) return;
  if (elpy_pend_type) {
    PyErr_Clear();
    return;
  }
  PyErr_Fetch(&elpy_pend_type, &elpy_pend_value, &elpy_pend_tb);
  PyErr_NormalizeException(&elpy_pend_type, &elpy_pend_value, &elpy_pend_tb);
  if (elpy_pend_tb && elpy_pend_value) PyException_SetTraceback(elpy_pend_value, elpy_pend_tb);
}

/* Raises the kept exception (empties the slot). */
static void elpy_pending_restore(void) {
  PyErr_Restore(elpy_pend_type, elpy_pend_value, elpy_pend_tb);
  elpy_pend_type = elpy_pend_value = elpy_pend_tb = NULL;
}

/* Calls a callback (GIL held; consumes args). Returns 0 to go on, 1 to stop (the callable
 * raised: the exception is kept, or it returned something true). */
static int elpy_call_callback(PyObject *callable, PyObject *args) {
  if (!args) {
    elpy_pending_store();
    return 1;
  }
  PyObject *r = PyObject_CallObject(callable, args);
  Py_DECREF(args);
  if (!r) {
    elpy_pending_store();
    return 1;
  }
  int stop = r != Py_None && PyObject_IsTrue(r) == 1;
  Py_DECREF(r);
  return stop;
}

/* A borrowed C pointer as a SWIG pointer object of the named type (callback arguments). */
static PyObject *elpy_borrowed_ptr(void *p, const char *type_name) {
  swig_type_info *ti = SWIG_TypeQuery(type_name);
  if (!ti) {
    PyErr_Format(PyExc_SystemError, "erplink: unknown SWIG type %s", type_name);
    return NULL;
  }
  return SWIG_NewPointerObj(p, ti, 0);
}

/* ------------------------------------------------------------------ keyed payloads */
/* (keys, payloads, lens, n) from a mapping key -> payload or an iterable of (key, payload)
 * pairs. Keys: str (no NUL); payloads: any buffer (read in place) or str (its UTF-8). */
typedef struct elpy_keyed {
  const char **keys;
  const void **payloads;
  size_t *lens;
  size_t n;
  Py_buffer *views; /* one per item, used when have[i] */
  char *have;
  PyObject *seq; /* keeps the pairs (and so their keys and payloads) alive */
} elpy_keyed;
#define ELPY_KEYED_INIT                                                                                                \
  { NULL, NULL, NULL, 0, NULL, NULL, NULL }

static void elpy_keyed_free(elpy_keyed *k) {
  if (k->have)
    for (size_t i = 0; i < k->n; i++)
      if (k->have[i]) PyBuffer_Release(&k->views[i]);
  PyMem_Free((void *)k->keys);
  PyMem_Free((void *)k->payloads);
  PyMem_Free(k->lens);
  PyMem_Free(k->views);
  PyMem_Free(k->have);
  Py_XDECREF(k->seq);
  memset(k, 0, sizeof *k);
}

static int elpy_keyed_from(PyObject *o, elpy_keyed *k) {
  memset(k, 0, sizeof *k);
  if (PyUnicode_Check(o) || PyBytes_Check(o)) {
    PyErr_SetString(PyExc_TypeError, "expected a mapping of key -> payload or an iterable of (key, payload) pairs");
    return -1;
  }
  PyObject *src = PyDict_Check(o) ? PyDict_Items(o) : (Py_INCREF(o), o);
  if (!src) return -1;
  k->seq = PySequence_Fast(src, "expected a mapping of key -> payload or an iterable of (key, payload) pairs");
  Py_DECREF(src);
  if (!k->seq) return -1;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(k->seq);
  size_t m = (size_t)(n ? n : 1);
  k->keys = (const char **)PyMem_Calloc(m, sizeof *k->keys);
  k->payloads = (const void **)PyMem_Calloc(m, sizeof *k->payloads);
  k->lens = (size_t *)PyMem_Calloc(m, sizeof *k->lens);
  k->views = (Py_buffer *)PyMem_Calloc(m, sizeof *k->views);
  k->have = (char *)PyMem_Calloc(m, 1);
  if (!k->keys || !k->payloads || !k->lens || !k->views || !k->have) {
    elpy_keyed_free(k);
    PyErr_NoMemory();
    return -1;
  }
  for (Py_ssize_t i = 0; i < n; i++) {
    PyObject *pair = PySequence_Fast_GET_ITEM(k->seq, i);
    if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
      PyErr_Format(PyExc_TypeError, "item %zd: expected a (key, payload) pair, got %.80s", i, Py_TYPE(pair)->tp_name);
      k->n = (size_t)i;
      elpy_keyed_free(k);
      return -1;
    }
    int have = 0;
    int bad = elpy_str_arg(PyTuple_GET_ITEM(pair, 0), &k->keys[i]) != 0 ||
              elpy_bytes_arg(PyTuple_GET_ITEM(pair, 1), &k->views[i], &have, &k->payloads[i], &k->lens[i]) != 0;
    k->have[i] = (char)have;
    if (!bad && PyTuple_GET_ITEM(pair, 0) == Py_None) {
      PyErr_Format(PyExc_TypeError, "item %zd: the key is None", i);
      bad = 1;
    }
    if (bad) {
      k->n = (size_t)i + 1;
      elpy_keyed_free(k);
      return -1;
    }
  }
  k->n = (size_t)n;
  return 0;
}

/* ------------------------------------------------------------------ ops structs */
/* A Python object implementing a C ops struct (erplink_dedup_ops, erplink_outbox_ops, ...): the
 * userdata of the C object, owned by it once its constructor succeeded (released by the
 * generated destroy trampoline). Touched with the GIL held. */
#define ELPY_OPS_MAX 16
typedef struct elpy_ops {
  PyObject *obj;            /* the object (strong reference) */
  const char *type;         /* the C struct's name */
  const char *const *names; /* the op (method) names, by index */
  int n;
  PyObject *m[ELPY_OPS_MAX]; /* its bound methods, NULL where it has none */
} elpy_ops;

static void elpy_ops_free(elpy_ops *h) {
  if (!h) return;
  for (int i = 0; i < h->n; i++) Py_XDECREF(h->m[i]);
  Py_XDECREF(h->obj);
  PyMem_Free(h);
}

/* Looks the methods up (an attribute that is absent or None: no op; one that is not callable:
 * TypeError). NULL with an exception set on failure. */
static elpy_ops *elpy_ops_new(PyObject *obj, const char *type, const char *const *names, int n) {
  if (n > ELPY_OPS_MAX) {
    PyErr_Format(PyExc_SystemError, "erplink: %s has more than %d ops", type, ELPY_OPS_MAX);
    return NULL;
  }
  elpy_ops *h = (elpy_ops *)PyMem_Calloc(1, sizeof *h);
  if (!h) return (elpy_ops *)PyErr_NoMemory();
  h->type = type;
  h->names = names;
  h->n = n;
  Py_INCREF(obj);
  h->obj = obj;
  for (int i = 0; i < n; i++) {
    PyObject *m = PyObject_GetAttrString(obj, names[i]);
    if (!m) {
      if (!PyErr_ExceptionMatches(PyExc_AttributeError)) {
        elpy_ops_free(h);
        return NULL;
      }
      PyErr_Clear();
      continue;
    }
    if (m == Py_None) {
      Py_DECREF(m);
      continue;
    }
    if (!PyCallable_Check(m)) {
      PyErr_Format(PyExc_TypeError, "%.80s.%s is not callable (an object implementing %s has one method per op)",
                   Py_TYPE(obj)->tp_name, names[i], type);
      Py_DECREF(m);
      elpy_ops_free(h);
      return NULL;
    }
    h->m[i] = m;
  }
  return h;
}

/* "DictDedup.insert_if_absent" (the method's __qualname__, else type.name) into buf. */
static void elpy_op_name(const elpy_ops *h, int i, char *buf, size_t size) {
  PyObject *q = h->m[i] ? PyObject_GetAttrString(h->m[i], "__qualname__") : NULL;
  const char *s = q && PyUnicode_Check(q) ? PyUnicode_AsUTF8(q) : NULL;
  if (s)
    snprintf(buf, size, "%s", s);
  else
    snprintf(buf, size, "%.80s.%s", Py_TYPE(h->obj)->tp_name, h->names[i]);
  Py_XDECREF(q);
  PyErr_Clear();
}

/* Logs the current exception of op i (one whose failure the C library cannot or does not report)
 * on the `erplink` logger, WARNING, with its traceback (erplink._core._log_op_exception). */
static void elpy_op_log(const elpy_ops *h, int i) {
  PyObject *t, *v, *tb;
  PyErr_Fetch(&t, &v, &tb);
  PyErr_NormalizeException(&t, &v, &tb);
  if (tb && v) PyException_SetTraceback(v, tb);
  char what[160];
  elpy_op_name(h, i, what, sizeof what);
  PyObject *mod = PyImport_ImportModule("erplink._core");
  PyObject *r = mod ? PyObject_CallMethod(mod, "_log_op_exception", "sO", what, v ? v : Py_None) : NULL;
  if (!r) PyErr_WriteUnraisable(h->m[i] ? h->m[i] : h->obj);
  Py_XDECREF(r);
  Py_XDECREF(mod);
  Py_XDECREF(t);
  Py_XDECREF(v);
  Py_XDECREF(tb);
}

/* The current exception of op i becomes the op's failure: an erplink error (the code of an
 * erplink.Error, ERPLINK_ECANCELLED for KeyboardInterrupt and the other BaseExceptions that are
 * not Exceptions, else plain_code; the message names the method) and the thread's pending
 * exception, re-raised by the wrapper of the C call that ran the op. Returns the code. */
static int elpy_op_failed(const elpy_ops *h, int i, int plain_code) {
  PyObject *t, *v, *tb;
  PyErr_Fetch(&t, &v, &tb);
  PyErr_NormalizeException(&t, &v, &tb);
  int code = plain_code;
  if (t && !PyErr_GivenExceptionMatches(t, PyExc_Exception)) {
    code = ERPLINK_ECANCELLED;
  } else if (v) {
    PyObject *mod = PyImport_ImportModule("erplink._errors");
    PyObject *cls = mod ? PyObject_GetAttrString(mod, "Error") : NULL;
    if (cls && PyObject_IsInstance(v, cls) == 1) {
      PyObject *c = PyObject_GetAttrString(v, "code");
      long x = c && PyLong_Check(c) ? PyLong_AsLong(c) : 0;
      if (x < 0 && x > INT_MIN) code = (int)x;
      Py_XDECREF(c);
    }
    Py_XDECREF(cls);
    Py_XDECREF(mod);
    PyErr_Clear();
  }
  char what[160], msg[512];
  elpy_op_name(h, i, what, sizeof what);
  PyObject *str = v ? PyObject_Str(v) : NULL;
  const char *text = str ? PyUnicode_AsUTF8(str) : NULL;
  PyErr_Clear();
  snprintf(msg, sizeof msg, "%s() raised %.80s%s%.300s", what, t ? ((PyTypeObject *)t)->tp_name : "an exception",
           text && *text ? ": " : "", text ? text : "");
  Py_XDECREF(str);
  if (tb && v) PyException_SetTraceback(v, tb);
  PyErr_Restore(t, v, tb);
  elpy_pending_store();
  return erplink_error_set(code, msg);
}

/* Calls op i with args (consumed; NULL: the conversion failed). Returns the result, or NULL with
 * *rc set: the op failed (elpy_op_failed), or an earlier op of this C call raised already (its
 * exception is pending: the op is not called). best_effort: an Exception is logged instead of
 * kept (the C library ignores this op's failure); other BaseExceptions are kept. */
static PyObject *elpy_op_call(const elpy_ops *h, int i, PyObject *args, int best_effort, int *rc) {
  if (elpy_pending_exists()) {
    Py_XDECREF(args);
    *rc = erplink_error_set(ERPLINK_ECANCELLED, "an earlier operation of this call raised an exception");
    return NULL;
  }
  PyObject *r = args ? PyObject_CallObject(h->m[i], args) : NULL;
  Py_XDECREF(args);
  if (r) return r;
  if (best_effort && PyErr_ExceptionMatches(PyExc_Exception)) {
    elpy_op_log(h, i);
    *rc = erplink_error_set(ERPLINK_ESTORE, "the custom store's best-effort operation raised (logged)");
    return NULL;
  }
  *rc = elpy_op_failed(h, i, ERPLINK_ESTORE);
  return NULL;
}

/* A result of the wrong shape or type: TypeError, kept as the op's failure (ERPLINK_EPROTOCOL). */
static int elpy_op_bad_result(const elpy_ops *h, int i, const char *want, PyObject *got) {
  char what[160];
  elpy_op_name(h, i, what, sizeof what);
  PyErr_Format(PyExc_TypeError, "%s() must return %s, not %.80s", what, want, Py_TYPE(got)->tp_name);
  return elpy_op_failed(h, i, ERPLINK_EPROTOCOL);
}

/* The n out values of op i from its result r: r itself for one, a tuple of n for several. */
static int elpy_op_outs(const elpy_ops *h, int i, PyObject *r, int n, PyObject **outs) {
  if (n == 1) {
    outs[0] = r;
    return 0;
  }
  if (!PyTuple_Check(r) || PyTuple_GET_SIZE(r) != n) {
    char want[48];
    snprintf(want, sizeof want, "a tuple of %d values", n);
    return elpy_op_bad_result(h, i, want, r);
  }
  for (int k = 0; k < n; k++) outs[k] = PyTuple_GET_ITEM(r, k);
  return 0;
}

/* int * flag out (inserted, removed, applied): a bool, or the int 0 or 1. Anything else is an
 * error - None in particular (a forgotten return) must not read as "no". */
static int elpy_op_out_flag(const elpy_ops *h, int i, PyObject *o, int *out) {
  if (o == Py_True || o == Py_False) {
    *out = o == Py_True;
    return 0;
  }
  if (PyLong_Check(o)) {
    long x = PyLong_AsLong(o);
    if (x == 0 || x == 1) {
      *out = (int)x;
      return 0;
    }
    PyErr_Clear();
  }
  return elpy_op_bad_result(h, i, "a bool", o);
}

/* size_t * out (a count): an int >= 0. */
static int elpy_op_out_size(const elpy_ops *h, int i, PyObject *o, size_t *out) {
  if (PyLong_Check(o) && !PyBool_Check(o)) {
    size_t x = PyLong_AsSize_t(o);
    if (!(x == (size_t)-1 && PyErr_Occurred())) {
      *out = x;
      return 0;
    }
    PyErr_Clear();
  }
  return elpy_op_bad_result(h, i, "an int >= 0", o);
}

/* int64_t * out: an int of 64 bits. */
static int elpy_op_out_int64(const elpy_ops *h, int i, PyObject *o, int64_t *out) {
  if (PyLong_Check(o) && !PyBool_Check(o)) {
    int overflow = 0;
    long long x = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (!overflow && !(x == -1 && PyErr_Occurred())) {
      *out = (int64_t)x;
      return 0;
    }
    PyErr_Clear();
  }
  return elpy_op_bad_result(h, i, "an int of 64 bits", o);
}

/* The destroy op: calls the object's destroy() if it has one (an exception is logged: the C
 * free function cannot report it), then drops the object. */
static void elpy_ops_release(elpy_ops *h, int i) {
  if (h->m[i]) {
    PyObject *r = PyObject_CallObject(h->m[i], NULL);
    if (!r) elpy_op_log(h, i);
    Py_XDECREF(r);
  }
  elpy_ops_free(h);
}

/* ------------------------------------------------------------------ Ctrl-C and cancellation */
/* Every blocking call pushes the calling thread's token (made on first use, with the poll
 * below). On the main thread the poll, at most every ELPY_POLL_MS, takes the GIL and runs
 * PyErr_CheckSignals(): a raised KeyboardInterrupt (or any exception of a signal handler) is
 * kept as the pending exception and cancels the C call, whose wrapper re-raises it. A fired
 * token stays fired, so it is replaced once the outermost call on the thread returns. */
#define ELPY_POLL_MS 100
static unsigned long elpy_main_ident;
static _Thread_local erplink_cancel *elpy_tok;
static _Thread_local int elpy_tok_depth;
static _Thread_local int64_t elpy_last_poll_ms;

static int64_t elpy_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int elpy_poll(void *userdata) {
  (void)userdata;
  if (PyThread_get_thread_ident() != elpy_main_ident) return 0;
  int64_t now = elpy_now_ms();
  if (now - elpy_last_poll_ms < ELPY_POLL_MS) return 0;
  elpy_last_poll_ms = now;
  PyGILState_STATE g = PyGILState_Ensure();
  int stop = 0;
  if (PyErr_CheckSignals() != 0) {
    elpy_pending_store();
    stop = 1;
  }
  PyGILState_Release(g);
  return stop;
}

/* Before a blocking call (GIL held): pushes the thread's token; NULL if none could be pushed. */
static erplink_cancel *elpy_cancel_enter(void) {
  if (!elpy_tok) {
    if (erplink_cancel_new(&elpy_tok) != 0) return NULL;
    erplink_cancel_set_poll(elpy_tok, elpy_poll, NULL);
  }
  if (erplink_cancel_push(elpy_tok) != 0) return NULL;
  elpy_tok_depth++;
  return elpy_tok;
}

/* After it: pops; a fired token is replaced once no call on the thread watches it any more. */
static void elpy_cancel_leave(erplink_cancel *tok) {
  if (!tok) return;
  erplink_cancel_pop();
  if (--elpy_tok_depth == 0 && erplink_cancel_is_triggered(tok)) {
    erplink_cancel_free(tok);
    elpy_tok = NULL;
  }
}

/* A void callback failed: stop the C call that runs it through the thread's token. */
static void elpy_cancel_current(void) {
  if (elpy_tok && elpy_tok_depth > 0) erplink_cancel_trigger(elpy_tok);
}

/* Module initialisation (SWIG %init): the datetime C API and the main thread's identity. */
static void elpy_module_init(void) {
  elpy_init();
  PyErr_Clear();
  PyObject *th = PyImport_ImportModule("threading");
  PyObject *mt = th ? PyObject_CallMethod(th, "main_thread", NULL) : NULL;
  PyObject *id = mt ? PyObject_GetAttrString(mt, "ident") : NULL;
  elpy_main_ident = id ? PyLong_AsUnsignedLong(id) : PyThread_get_thread_ident();
  Py_XDECREF(id);
  Py_XDECREF(mt);
  Py_XDECREF(th);
  PyErr_Clear();
}

#endif /* ERPLINK_PYTHON_H */
