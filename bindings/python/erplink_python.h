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
  int rc = erplink_value_new_datetime(out, PyDateTime_GET_YEAR(dt), PyDateTime_GET_MONTH(dt),
                                      PyDateTime_GET_DAY(dt), PyDateTime_DATE_GET_HOUR(dt),
                                      PyDateTime_DATE_GET_MINUTE(dt), PyDateTime_DATE_GET_SECOND(dt),
                                      PyDateTime_DATE_GET_MICROSECOND(dt));
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
  if (PyDate_Check(o))
    return elpy_fail(ERPLINK_ETYPE, "cannot convert a datetime.date: pass a datetime.datetime");
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

static PyObject *elpy_none(void) {
  Py_INCREF(Py_None);
  return Py_None;
}

/* Raises the exception for the calling thread's last erplink error (rc if none matches). */
static void elpy_raise_last(int rc) {
  const erplink_error *e = erplink_error_last();
  int code = e ? erplink_error_code(e) : 0;
  if (code != rc) e = NULL; /* stale: describe rc alone */
  const char *msg = e ? erplink_error_message(e) : erplink_strerror(rc);
  const char *remote = e ? erplink_error_remote_class(e) : NULL;
  const char *detail = e ? erplink_error_detail(e) : NULL;
  PyObject *mod = PyImport_ImportModule("erplink._errors");
  if (!mod) return;
  PyObject *args = Py_BuildValue(
      "(isNiNNL)", rc, erplink_error_category_name(erplink_error_category_of(rc)),
      PyUnicode_DecodeUTF8(msg, (Py_ssize_t)strlen(msg), "replace"), e ? erplink_error_http_status(e) : 0,
      remote ? PyUnicode_DecodeUTF8(remote, (Py_ssize_t)strlen(remote), "replace") : elpy_none(),
      detail ? PyUnicode_DecodeUTF8(detail, (Py_ssize_t)strlen(detail), "replace") : elpy_none(),
      (long long)(e ? erplink_error_retry_after_ms(e) : -1));
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
  if (exc) {
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    Py_DECREF(exc);
  }
}

static void elpy_raise_conversion(int rc) {
  if (rc != ELPY_PYERR) elpy_raise_last(rc);
}

/* Tree -> new Python object, or NULL with an exception set. */
static PyObject *elpy_from_value_rec(const erplink_value *v, int depth) {
  if (depth > ERPLINK_BINDING_MAX_DEPTH) {
    elpy_raise_last(elpy_fail(ERPLINK_ELIMIT, "value nested deeper than %d levels", ERPLINK_BINDING_MAX_DEPTH));
    return NULL;
  }
  switch (erplink_value_type(v)) {
  case ERPLINK_TYPE_NIL:
    Py_RETURN_NONE;
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
      PyObject *key = PyUnicode_DecodeUTF8(k, (Py_ssize_t)klen, "strict");
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

#endif /* ERPLINK_PYTHON_H */
