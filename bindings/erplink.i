/*
 * erplink.i - the one SWIG interface for every language binding of liberplink.
 *
 * Generated modules:
 *   Python:  swig -python -threads -I include -o erplink_wrap.c bindings/erplink.i
 *            -> extension module `erplink._erplink` (bindings/python/meson.build);
 *               the generated proxy erplink.py is not used: the package `erplink`
 *               (bindings/python/erplink/__init__.py) imports `_erplink` directly.
 *   Node:    swig -javascript -napi -c++ -I include -o erplink_wrap.cxx bindings/erplink.i
 *            -> Node-API addon erplink.node (bindings/node/binding.gyp).
 *
 * Only declarations written in this file are wrapped: the public headers are
 * %included for their enums (error codes, categories, value types, exposed as
 * module constants without the ERPLINK_ prefix: EINVAL, CAT_INVALID, TYPE_INT...),
 * and every function they declare is ignored. Bindings hold no business logic: each
 * wrapped function is a C API function, with typemaps that
 *   - convert a native value (None/null, bool, int, float, str, bytes, datetime,
 *     list/Array, dict/Object) into an erplink_value tree in one walk
 *     (parameter `const erplink_value *v`), and free it after the call;
 *   - convert a tree returned through `erplink_value **out` back in one walk;
 *   - turn a negative return code (type `erplink_status`) into the language's
 *     exception, built from the calling thread's erplink_error_last().
 *
 * The converters live in bindings/python/erplink_python.h (C, CPython API) and
 * bindings/node/erplink_napi.h (C, Node-API), so this file stays declarative.
 *
 * GIL / event loop: the Python module is generated with -threads, so the GIL is
 * released around each wrapped C call ($action); the typemaps (which touch Python
 * objects) run with the GIL held. Nothing here blocks yet; network calls will keep
 * %thread (the default under -threads) and get an async worker on the Node side.
 */
%module erplink

%{
#include "erplink/common.h"
#include "erplink/version.h"
#include "erplink/error.h"
#include "erplink/value.h"

/* The return type of every wrapped function that returns 0 or a negative ERPLINK_E* code. */
typedef int erplink_status;

/* Nesting cap of the native <-> tree converters (both directions, both languages), so
 * that deep values or reference cycles never exhaust the C stack: a deeper native value
 * fails with ERPLINK_ERANGE (InvalidArgumentError), a deeper tree with ERPLINK_ELIMIT. */
#define ERPLINK_BINDING_MAX_DEPTH 1000
%}

#ifdef SWIGPYTHON
%{
#include "erplink_python.h"
%}
#endif

#ifdef SWIGJAVASCRIPT
%{
#include "erplink_napi.h"
%}
#endif

#define ERPLINK_EXTERN
#define ERPLINK_BEGIN_DECLS
#define ERPLINK_END_DECLS
typedef int erplink_status;
%include <stdint.i>

/* ------------------------------------------------------------------ constants */
/* Enum items from the headers become constants without the prefix; functions declared
 * in the headers are not wrapped (only the declarations further down are). */
%rename("$ignore", %$isfunction) "";
%rename("%(strip:[ERPLINK_])s", %$isenumitem) "";
%include "erplink/error.h"
%include "erplink/value.h"
%rename("%s", %$isfunction) "";

/* ------------------------------------------------------------------ typemaps */
#ifdef SWIGPYTHON
%typemap(out) erplink_status {
  if ($1 < 0) { elpy_raise_last($1); SWIG_fail; }
  $result = SWIG_Py_Void();
}
/* native value -> erplink_value tree (one walk); freed after the call */
%typemap(in) const erplink_value *v {
  erplink_value *tree = NULL;
  int rc_ = elpy_to_value($input, &tree);
  if (rc_ != 0) { elpy_raise_conversion(rc_); SWIG_fail; }
  $1 = tree;
}
%typemap(freearg) const erplink_value *v "erplink_value_free((erplink_value *)$1);"
/* erplink_value tree -> native value (one walk) */
%typemap(in, numinputs=0) erplink_value **out (erplink_value *tmp = NULL) "$1 = &tmp;"
%typemap(argout) erplink_value **out {
  PyObject *obj_ = elpy_from_value(*$1);
  if (!obj_) { Py_XDECREF($result); $result = NULL; SWIG_fail; }
  Py_DECREF($result);
  $result = obj_;
}
%typemap(freearg) erplink_value **out "if ($1) erplink_value_free(*$1);"
/* char **out: text allocated by erplink, released with erplink_free() */
%typemap(in, numinputs=0) char **out (char *tmp = NULL) "$1 = &tmp;"
%typemap(argout) char **out {
  PyObject *obj_ = PyUnicode_DecodeUTF8(*$1, (Py_ssize_t)strlen(*$1), "replace");
  if (!obj_) { Py_XDECREF($result); $result = NULL; SWIG_fail; }
  Py_DECREF($result);
  $result = obj_;
}
%typemap(freearg) char **out "if ($1) erplink_free(*$1);"
/* int64_t *out */
%typemap(in, numinputs=0) int64_t *out (int64_t tmp = 0) "$1 = &tmp;"
%typemap(argout) int64_t *out {
  PyObject *obj_ = PyLong_FromLongLong((long long)*$1);
  if (!obj_) { Py_XDECREF($result); $result = NULL; SWIG_fail; }
  Py_DECREF($result);
  $result = obj_;
}
#endif

#ifdef SWIGJAVASCRIPT
/* SWIG's Node-API backend does not run freearg typemaps on its error path, so every
 * owned C object lives in a guard (erplink_napi.h) whose destructor frees it when the
 * wrapper returns, whichever way it returns. */
%typemap(out) erplink_status {
  if ($1 < 0) { elnapi_throw_last(env, $1); SWIG_fail; }
  $result = env.Undefined();
}
%typemap(in) const erplink_value *v (elnapi_value_guard guard) {
  int rc_ = elnapi_to_value(env, $input, &guard.v);
  if (rc_ != 0) { elnapi_throw_conversion(env, rc_); SWIG_fail; }
  $1 = guard.v;
}
%typemap(in, numinputs=0) erplink_value **out (elnapi_value_guard guard) "$1 = &guard.v;"
%typemap(argout) erplink_value **out {
  napi_value obj_ = elnapi_from_value(env, *$1);
  if (!obj_) SWIG_fail;
  $result = Napi::Value(env, obj_);
}
%typemap(in, numinputs=0) char **out (elnapi_text_guard guard) "$1 = &guard.p;"
%typemap(argout) char **out {
  $result = Napi::String::New(env, *$1);
}
%typemap(in, numinputs=0) int64_t *out (int64_t tmp = 0) "$1 = &tmp;"
%typemap(argout) int64_t *out {
  napi_value obj_ = elnapi_from_int64(env, *$1);
  if (!obj_) SWIG_fail;
  $result = Napi::Value(env, obj_);
}
#endif

/* ------------------------------------------------------------------ functions */
/* Every function below is the C API function of the same name (see the headers for
 * the contract); only the error and value plumbing differs. */

%rename(version) erplink_version;
/** The version string of the loaded library, e.g. "0.1.0". */
const char *erplink_version(void);

%rename(version_number) erplink_version_number;
/** MAJOR * 10000 + MINOR * 100 + PATCH of the loaded library. */
int erplink_version_number(void);

%rename(strerror) erplink_strerror;
/** A short description of an ERPLINK_E* code. */
const char *erplink_strerror(int code);

%rename(error_category_name) erplink_error_category_name;
/** The stable name of a category, e.g. "invalid_argument". */
const char *erplink_error_category_name(erplink_error_category category);

%rename(error_category_of) erplink_error_category_of;
/** The category of an ERPLINK_E* code. */
erplink_error_category erplink_error_category_of(int code);

%rename(value_clone) erplink_value_clone;
/** Deep copy: native value -> tree -> erplink_value_clone() -> native value. */
erplink_status erplink_value_clone(erplink_value **out, const erplink_value *v);

%rename(value_dump) erplink_value_dump;
/** One-line JSON-like text of a value, credentials redacted. */
erplink_status erplink_value_dump(char **out, const erplink_value *v);

%rename(value_get_int) erplink_value_get_int;
/** Reads an integer value; ERPLINK_ETYPE if the value is not an integer. */
erplink_status erplink_value_get_int(int64_t *out, const erplink_value *v);
