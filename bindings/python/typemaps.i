/*
 * typemaps.i - the Python typemaps of erplink.i: one per parameter pattern of bindings/swig/api.i
 * (the pattern names are gen_api.py's), plus the per-function features
 * %erplink_blocking / %erplink_nonblocking and the per-type / per-callback macros api.i invokes.
 * The C helpers they call are in erplink_python.h.
 *
 * Threads: the module is generated with -threads. A blocking call (%erplink_blocking) runs with
 * the GIL released and the calling thread's cancellation token pushed (Ctrl-C: the token's poll
 * function checks for signals on the main thread); every other call keeps the GIL (%nothread:
 * they are CPU-only and short, and releasing the GIL would cost more than the call).
 * Callbacks re-take the GIL (PyGILState_Ensure); an exception they raise is kept in a
 * thread-local slot, stops the C call and is re-raised by the status typemap.
 */

/* ------------------------------------------------------------------ features */
%define %erplink_blocking(NAME)
%thread NAME;
%exception NAME {
  erplink_cancel *tok_ = elpy_cancel_enter();
  $action
  elpy_cancel_leave(tok_);
}
%enddef

%define %erplink_nonblocking(NAME)
%nothread NAME;
%enddef

/* ------------------------------------------------------------------ status */
/* 0 -> nothing (or the out parameters); < 0 -> the exception of erplink_error_last().
 * A pending callback exception (or KeyboardInterrupt from the Ctrl-C poll) wins. */
%typemap(out) erplink_status {
  if (elpy_pending_exists()) { elpy_pending_restore(); SWIG_fail; }
  if ($1 < 0) { elpy_raise_last($1); SWIG_fail; }
  $result = NULL;
}
%typemap(ret) erplink_status "if (!$result) $result = SWIG_Py_Void();";

/* ------------------------------------------------------------------ handles */
/* T **out (owned): a SWIG pointer object; the pure-Python class owns it and calls T_free.
 * Freed here when the call fails after setting it (e.g. ECANCELLED with a partial result). */
%define %erplink_handle_out(TYPE, FREE)
%typemap(in, numinputs=0) TYPE **ERPLINK_HANDLE_OUT (TYPE *tmp = NULL) "$1 = &tmp;";
%typemap(argout) TYPE **ERPLINK_HANDLE_OUT {
  $result = elpy_append($result, SWIG_NewPointerObj((void *)*$1, $*1_descriptor, 0));
  *$1 = NULL;
  if (!$result) SWIG_fail;
}
%typemap(freearg) TYPE **ERPLINK_HANDLE_OUT "if ($1 && *$1) FREE(*$1);";
%enddef

/* const T **out (borrowed from its owner): a SWIG pointer object, or None. */
%define %erplink_borrowed_out(TYPE)
%typemap(in, numinputs=0) const TYPE **ERPLINK_HANDLE_OUT (const TYPE *tmp = NULL) "$1 = ($1_ltype)&tmp;";
%typemap(argout) const TYPE **ERPLINK_HANDLE_OUT {
  $result = elpy_append($result, *$1 ? SWIG_NewPointerObj((void *)*$1, $*1_descriptor, 0) : SWIG_Py_Void());
  if (!$result) SWIG_fail;
}
%typemap(freearg) const TYPE **ERPLINK_HANDLE_OUT ""; /* borrowed (never the T ** freearg) */
%enddef

/* ------------------------------------------------------------------ values */
/* native value -> erplink_value tree (one walk); freed after the call */
%typemap(in) const erplink_value *ERPLINK_VALUE_IN {
  erplink_value *tree_ = NULL;
  int rc_ = elpy_to_value($input, &tree_);
  if (rc_ != 0) { elpy_raise_conversion(rc_); SWIG_fail; }
  $1 = tree_;
}
%typemap(freearg) const erplink_value *ERPLINK_VALUE_IN "erplink_value_free((erplink_value *)$1);";

/* erplink_value **out (owned) -> native value (None for NULL) */
%typemap(in, numinputs=0) erplink_value **ERPLINK_VALUE_OUT (erplink_value *tmp = NULL) "$1 = &tmp;";
%typemap(argout) erplink_value **ERPLINK_VALUE_OUT {
  $result = elpy_append($result, *$1 ? elpy_from_value(*$1) : SWIG_Py_Void());
  if (!$result) SWIG_fail;
}
%typemap(freearg) erplink_value **ERPLINK_VALUE_OUT "if ($1) erplink_value_free(*$1);";

/* const erplink_value **out (borrowed) -> native value (None for NULL) */
%typemap(in, numinputs=0) const erplink_value **ERPLINK_VALUE_BORROWED_OUT (const erplink_value *tmp = NULL) "$1 = ($1_ltype)&tmp;";
%typemap(argout) const erplink_value **ERPLINK_VALUE_BORROWED_OUT {
  $result = elpy_append($result, *$1 ? elpy_from_value(*$1) : SWIG_Py_Void());
  if (!$result) SWIG_fail;
}

%typemap(freearg) const erplink_value **ERPLINK_VALUE_BORROWED_OUT ""; /* borrowed: not erplink_value **'s */

/* returned const erplink_value * (borrowed) -> native value (None for NULL) */
%typemap(out) const erplink_value *ERPLINK_VALUE_RET {
  $result = $1 ? elpy_from_value($1) : SWIG_Py_Void();
  if (!$result) SWIG_fail;
}

/* returned const erplink_error * (borrowed) -> an erplink.Error instance (not raised), or None */
%typemap(out) const erplink_error *ERPLINK_ERROR_OBJ {
  $result = elpy_error_object($1);
  if (!$result) SWIG_fail;
}

/* ------------------------------------------------------------------ strings */
/* const char *: str (UTF-8 cached in the str object: no copy) or None (NULL); NUL refused. */
%typemap(in) const char *ERPLINK_STR_IN {
  const char *s_ = NULL;
  if (elpy_str_arg($input, &s_) != 0) SWIG_fail;
  $1 = ($1_ltype)s_;
}

/* char **out: text allocated by erplink (erplink_free) -> str */
%typemap(in, numinputs=0) char **ERPLINK_STR_OUT (char *tmp = NULL) "$1 = &tmp;";
%typemap(argout) char **ERPLINK_STR_OUT {
  $result = elpy_append($result, elpy_str_or_none(*$1));
  if (!$result) SWIG_fail;
}
%typemap(freearg) char **ERPLINK_STR_OUT "if ($1) erplink_free(*$1);";

/* const char **out: borrowed text -> str (None for NULL) */
%typemap(in, numinputs=0) const char **ERPLINK_STR_BORROWED_OUT (const char *tmp = NULL) "$1 = ($1_ltype)&tmp;";
%typemap(argout) const char **ERPLINK_STR_BORROWED_OUT {
  $result = elpy_append($result, elpy_str_or_none(*$1));
  if (!$result) SWIG_fail;
}

%typemap(freearg) const char **ERPLINK_STR_BORROWED_OUT ""; /* borrowed: not char **'s erplink_free */

/* (const char *const *names, size_t n): any iterable of str (a str alone is refused) */
%typemap(in) (const char *const *ERPLINK_NAMES, size_t ERPLINK_NAMES_N) (elpy_names names_ = ELPY_NAMES_INIT) {
  if (elpy_names_from($input, &names_) != 0) SWIG_fail;
  $1 = ($1_ltype)names_.v;
  $2 = names_.n;
}
%typemap(freearg) (const char *const *ERPLINK_NAMES, size_t ERPLINK_NAMES_N) "elpy_names_free(&names_$argnum);";

/* (const int64_t *ids, size_t n): any iterable of int */
%typemap(in) (const int64_t *ERPLINK_INTS, size_t ERPLINK_INTS_N) (elpy_ints ints_ = ELPY_INTS_INIT) {
  if (elpy_ints_from($input, &ints_) != 0) SWIG_fail;
  $1 = ($1_ltype)ints_.v;
  $2 = ints_.n;
}
%typemap(freearg) (const int64_t *ERPLINK_INTS, size_t ERPLINK_INTS_N) "elpy_ints_free(&ints_$argnum);";

/* (const void *data, size_t len): any contiguous buffer (bytes, bytearray, memoryview, ...)
 * read in place, without a copy; a str is read as its UTF-8 bytes (cached, no copy either). */
%typemap(in) (const void *ERPLINK_BYTES, size_t ERPLINK_BYTES_N) (Py_buffer view_, int have_view_ = 0) {
  const void *p_ = NULL;
  size_t n_ = 0;
  if (elpy_bytes_arg($input, &view_, &have_view_, &p_, &n_) != 0) SWIG_fail;
  $1 = ($1_ltype)p_;
  $2 = n_;
}
%typemap(freearg) (const void *ERPLINK_BYTES, size_t ERPLINK_BYTES_N) "if (have_view_$argnum) PyBuffer_Release(&view_$argnum);";

/* ------------------------------------------------------------------ scalar outs */
/* also enum out parameters (odoo_protocol *out): C enums of this API are int-sized */
%typemap(in, numinputs=0) int *ERPLINK_OUT_INT (int tmp = 0) "$1 = ($1_ltype)&tmp;";
%typemap(argout) int *ERPLINK_OUT_INT { $result = elpy_append($result, PyLong_FromLong((long)*$1)); if (!$result) SWIG_fail; }
%typemap(in, numinputs=0) int64_t *ERPLINK_OUT_INT64 (int64_t tmp = 0) "$1 = &tmp;";
%typemap(argout) int64_t *ERPLINK_OUT_INT64 { $result = elpy_append($result, PyLong_FromLongLong((long long)*$1)); if (!$result) SWIG_fail; }
%typemap(in, numinputs=0) size_t *ERPLINK_OUT_SIZE (size_t tmp = 0) "$1 = &tmp;";
%typemap(argout) size_t *ERPLINK_OUT_SIZE { $result = elpy_append($result, PyLong_FromSize_t(*$1)); if (!$result) SWIG_fail; }
%typemap(in, numinputs=0) double *ERPLINK_OUT_DOUBLE (double tmp = 0) "$1 = &tmp;";
%typemap(argout) double *ERPLINK_OUT_DOUBLE { $result = elpy_append($result, PyFloat_FromDouble(*$1)); if (!$result) SWIG_fail; }

/* ------------------------------------------------------------------ callbacks */
/* (fn, userdata): a Python callable, called by the generated trampoline elpy_cb_<T> with the
 * GIL held. The callable is borrowed: the pure-Python object that installs it keeps it alive as
 * long as C may call it (for the call, or the client's life for a log callback). None -> NULL. */
%define %erplink_callback(T)
%typemap(in) (T ERPLINK_CALLBACK, void *ERPLINK_USERDATA) {
  if ($input == Py_None) { $1 = NULL; $2 = NULL; }
  else if (!PyCallable_Check($input)) { PyErr_SetString(PyExc_TypeError, "expected a callable or None"); SWIG_fail; }
  else { $1 = elpy_cb_##T; $2 = (void *)$input; }
}
%enddef

/* ------------------------------------------------------------------ bytes out */
/* (void **data, size_t *len): bytes allocated by erplink (erplink_free) -> bytes (None for NULL) */
%typemap(in, numinputs=0) (void **ERPLINK_BYTES_OUT, size_t *ERPLINK_BYTES_OUT_N) (void *data_ = NULL, size_t len_ = 0) {
  $1 = &data_;
  $2 = &len_;
}
%typemap(argout) (void **ERPLINK_BYTES_OUT, size_t *ERPLINK_BYTES_OUT_N) {
  $result = elpy_append($result, *$1 ? PyBytes_FromStringAndSize((const char *)*$1, (Py_ssize_t)*$2) : SWIG_Py_Void());
  if (!$result) SWIG_fail;
}
%typemap(freearg) (void **ERPLINK_BYTES_OUT, size_t *ERPLINK_BYTES_OUT_N) "if ($1) erplink_free(*$1);";

/* returned const void * (borrowed) whose length comes through a size_t *len parameter -> bytes
 * (None for NULL). The out typemap leaves the result to the parameter's argout, which reads the
 * C return value (`result` in every SWIG wrapper). */
%typemap(out) const void *ERPLINK_BYTES_RET "$result = NULL;";
%typemap(in, numinputs=0) size_t *ERPLINK_BYTES_RET_N (size_t tmp = 0) "$1 = &tmp;";
%typemap(argout) size_t *ERPLINK_BYTES_RET_N {
  $result = elpy_append($result, result ? PyBytes_FromStringAndSize((const char *)result, (Py_ssize_t)*$1) : SWIG_Py_Void());
  if (!$result) SWIG_fail;
}

/* returned const char * (borrowed) whose length comes through a size_t *len parameter -> str
 * (None for NULL), decoded as UTF-8 over exactly that length (the text may hold NUL bytes; text
 * that is not UTF-8 raises UnicodeDecodeError rather than being altered). */
%typemap(out) const char *ERPLINK_TEXT_RET "$result = NULL;";
%typemap(in, numinputs=0) size_t *ERPLINK_TEXT_RET_N (size_t tmp = 0) "$1 = &tmp;";
%typemap(argout) size_t *ERPLINK_TEXT_RET_N {
  $result = elpy_append($result, result ? PyUnicode_DecodeUTF8((const char *)result, (Py_ssize_t)*$1, "strict") : SWIG_Py_Void());
  if (!$result) SWIG_fail;
}

/* (const char *const *keys, const void *const *payloads, const size_t *lens, size_t n): a
 * mapping key -> payload or an iterable of (key, payload) pairs; keys are str, payloads any
 * buffer or str (as ERPLINK_BYTES: read in place, no copy). */
%typemap(in) (const char *const *ERPLINK_KEYED_KEYS, const void *const *ERPLINK_KEYED_PAYLOADS,
              const size_t *ERPLINK_KEYED_LENS, size_t ERPLINK_KEYED_N) (elpy_keyed keyed_ = ELPY_KEYED_INIT) {
  if (elpy_keyed_from($input, &keyed_) != 0) SWIG_fail;
  $1 = ($1_ltype)keyed_.keys;
  $2 = ($2_ltype)keyed_.payloads;
  $3 = ($3_ltype)keyed_.lens;
  $4 = keyed_.n;
}
%typemap(freearg) (const char *const *ERPLINK_KEYED_KEYS, const void *const *ERPLINK_KEYED_PAYLOADS,
                   const size_t *ERPLINK_KEYED_LENS, size_t ERPLINK_KEYED_N) "elpy_keyed_free(&keyed_$argnum);";

/* ------------------------------------------------------------------ ops structs */
/* (const T *ops, void *userdata): a Python object with one method per op of T (the generated
 * elpy_op_<T>_<op> trampolines call them with the GIL held; bindings/README.md, "Ops structs").
 * The wrapper looks the methods up once (a missing one leaves the op NULL), fills a T on its
 * stack (the C library copies it) and passes a holder (elpy_ops: a strong reference to the object
 * and its bound methods) as userdata. Once the call succeeded the C object owns the holder and
 * releases it through `destroy`; if the call failed, the wrapper releases it. */
%define %erplink_ops(T)
%typemap(in) (const T *ERPLINK_OPS, void *ERPLINK_OPS_USERDATA) (T ops_, elpy_ops *holder_ = NULL) {
  holder_ = elpy_ops_new($input, #T, elpy_ops_names_##T, ELPY_OPS_N_##T);
  if (!holder_) SWIG_fail;
  elpy_ops_fill_##T(&ops_, holder_);
  $1 = &ops_;
  $2 = (void *)holder_;
}
%typemap(argout) (const T *ERPLINK_OPS, void *ERPLINK_OPS_USERDATA) "holder_$argnum = NULL; /* owned by the C object now */";
%typemap(freearg) (const T *ERPLINK_OPS, void *ERPLINK_OPS_USERDATA) "elpy_ops_free(holder_$argnum);";
%enddef

/* ------------------------------------------------------------------ ESI */
/* (int64_t **ids, size_t *n): ints allocated by erplink (erplink_free) -> list of int */
%typemap(in, numinputs=0) (int64_t **ERPLINK_INTS_OUT, size_t *ERPLINK_INTS_OUT_N) (int64_t *ids_ = NULL, size_t n_ = 0) {
  $1 = &ids_;
  $2 = &n_;
}
%typemap(argout) (int64_t **ERPLINK_INTS_OUT, size_t *ERPLINK_INTS_OUT_N) {
  PyObject *l_ = PyList_New((Py_ssize_t)(*$1 ? *$2 : 0));
  for (size_t i_ = 0; l_ && *$1 && i_ < *$2; i_++) {
    PyObject *x_ = PyLong_FromLongLong((long long)(*$1)[i_]);
    if (!x_) { Py_CLEAR(l_); break; }
    PyList_SET_ITEM(l_, (Py_ssize_t)i_, x_);
  }
  $result = elpy_append($result, l_);
  if (!$result) SWIG_fail;
}
%typemap(freearg) (int64_t **ERPLINK_INTS_OUT, size_t *ERPLINK_INTS_OUT_N) "if ($1) erplink_free(*$1);";

/* (const esi_mail_recipient *r, size_t n): an iterable of (recipient_id, recipient_type) pairs;
 * the type strings are borrowed from the pairs, kept alive by the list made here. */
%typemap(in) (const esi_mail_recipient *ERPLINK_ESI_RECIPIENTS, size_t ERPLINK_ESI_RECIPIENTS_N)
    (PyObject *seq_ = NULL, esi_mail_recipient *rec_ = NULL) {
  if (elpy_esi_recipients($input, &seq_, &rec_, &$2) != 0) SWIG_fail;
  $1 = rec_;
}
%typemap(freearg) (const esi_mail_recipient *ERPLINK_ESI_RECIPIENTS, size_t ERPLINK_ESI_RECIPIENTS_N) {
  PyMem_Free(rec_$argnum);
  Py_XDECREF(seq_$argnum);
}
