/*
 * typemaps.i - the PHP typemaps of erplink.i (swig -php7: PHP 8 extension): one per parameter
 * pattern of bindings/swig/api.i (the pattern names are gen_api.py's), plus the per-function
 * features %erplink_blocking / %erplink_nonblocking and the per-type / per-callback macros api.i
 * invokes. The C helpers they call are in erplink_php.h (conversions, exceptions, callbacks).
 *
 * PHP runs a request on one thread: every call, blocking or not, runs on it, and callbacks are
 * called synchronously on it from inside the C call (the C library creates no thread). A
 * blocking call (%erplink_blocking) pushes the thread's cancellation token, whose poll function
 * cancels the C call when the engine has an interrupt pending (a pcntl signal with async
 * signals; max_execution_time, which counts CPU time on Linux): the signal's PHP handler runs
 * right after the C call returns, and the call throws what the handler throws, or
 * Erplink\CancelledError. An exception thrown by a callback stays pending in the engine, stops the C call
 * and wins over the C error (the status typemap throws nothing more).
 */

/* ------------------------------------------------------------------ features */
%define %erplink_blocking(NAME)
%exception NAME {
  erplink_cancel *tok_ = elphp_cancel_enter();
  $action
  elphp_cancel_leave(tok_);
}
%enddef

%define %erplink_nonblocking(NAME)
%enddef

/* ------------------------------------------------------------------ status */
/* 0 -> null (or the out parameters: one is the result, several an array of them);
 * < 0 -> throws the Erplink\Error subclass of erplink_error_last()'s category.
 * An exception already pending (thrown by a callback) wins. */
%typemap(out, phptype="mixed") erplink_status {
  if (EG(exception)) SWIG_fail;
  if ($1 < 0) { elphp_throw_last($1); SWIG_fail; }
  elphp_nout = 0;
  ZVAL_NULL($result);
}

/* ------------------------------------------------------------------ scalars (range-checked) */
/* PHP int -> a narrower C integer: out of range is Erplink\InvalidArgumentError (ERANGE),
 * never a silent truncation. int64_t is `long` here (-DSWIGWORDSIZE64, LP64). */
%define %elphp_int_in(TYPE, MIN, MAX)
%typemap(in, phptype="int") TYPE {
  zend_long v_ = zval_get_long(&$input);
  if (EG(exception)) SWIG_fail;
  if (v_ < (zend_long)(MIN) || v_ > (zend_long)(MAX)) {
    elphp_throw_conversion(elphp_fail(ERPLINK_ERANGE, "argument $argnum of $symname: %lld is out of range",
                                      (long long)v_));
    SWIG_fail;
  }
  $1 = ($1_ltype)v_;
}
%enddef
%elphp_int_in(int, INT_MIN, INT_MAX)
%elphp_int_in(unsigned int, 0, UINT_MAX)
%elphp_int_in(unsigned, 0, UINT_MAX)
%elphp_int_in(size_t, 0, ZEND_LONG_MAX)
%elphp_int_in(unsigned long, 0, ZEND_LONG_MAX)
%typemap(in, phptype="int") long {
  $1 = ($1_ltype)zval_get_long(&$input);
  if (EG(exception)) SWIG_fail;
}
%typemap(in, phptype="int") enum SWIGTYPE {
  zend_long v_ = zval_get_long(&$input);
  if (EG(exception)) SWIG_fail;
  if (v_ < INT_MIN || v_ > INT_MAX) {
    elphp_throw_conversion(elphp_fail(ERPLINK_ERANGE, "argument $argnum of $symname: %lld is out of range",
                                      (long long)v_));
    SWIG_fail;
  }
  $1 = ($1_ltype)v_;
}

/* ------------------------------------------------------------------ handles */
/* T * (a handle argument): the SWIG pointer object of that type or null; anything else is a
 * TypeError raised through SWIG_fail, so the arguments converted before it are freed. */
%typemap(in, phptype="?SWIGTYPE") SWIGTYPE * {
  if (SWIG_ConvertPtr(&$input, (void **)&$1, $1_descriptor, 0) < 0) {
    zend_type_error("argument $argnum of $symname: expected a $*1_ltype handle or null");
    SWIG_fail;
  }
}
/* T **out (owned): a SWIG pointer object; the PHP class (erplink.php) owns it and calls T_free.
 * Freed here when the call fails after setting it (e.g. ECANCELLED with a partial result). */
%define %erplink_handle_out(TYPE, FREE)
%typemap(in, numinputs=0) TYPE **ERPLINK_HANDLE_OUT (TYPE *tmp = NULL) "$1 = &tmp;";
%typemap(argout) TYPE **ERPLINK_HANDLE_OUT {
  zval o_;
  ZVAL_UNDEF(&o_); /* SWIG_SetPointerZval looks at the zval's type */
  SWIG_SetPointerZval(&o_, (void *)*$1, $*1_descriptor, 0);
  *$1 = NULL;
  elphp_append($result, &o_);
}
%typemap(freearg) TYPE **ERPLINK_HANDLE_OUT "if ($1 && *$1) FREE(*$1);";
%enddef

/* const T **out (borrowed from its owner): a SWIG pointer object, or null. */
%define %erplink_borrowed_out(TYPE)
%typemap(in, numinputs=0) const TYPE **ERPLINK_HANDLE_OUT (const TYPE *tmp = NULL) "$1 = ($1_ltype)&tmp;";
%typemap(argout) const TYPE **ERPLINK_HANDLE_OUT {
  zval o_;
  ZVAL_UNDEF(&o_); /* SWIG_SetPointerZval looks at the zval's type */
  SWIG_SetPointerZval(&o_, (void *)*$1, $*1_descriptor, 0);
  elphp_append($result, &o_);
}
%typemap(freearg) const TYPE **ERPLINK_HANDLE_OUT ""; /* borrowed (never the T ** freearg) */
%enddef

/* ------------------------------------------------------------------ values */
/* PHP value -> erplink_value tree (one walk); freed after the call */
%typemap(in, phptype="mixed") const erplink_value *ERPLINK_VALUE_IN (erplink_value *tree_ = NULL) {
  int rc_ = elphp_to_value(&$input, &tree_);
  if (rc_ != 0) { elphp_throw_conversion(rc_); SWIG_fail; }
  $1 = tree_;
}
%typemap(freearg) const erplink_value *ERPLINK_VALUE_IN "erplink_value_free((erplink_value *)$1);";

/* erplink_value **out (owned) -> PHP value (null for NULL) */
%typemap(in, numinputs=0) erplink_value **ERPLINK_VALUE_OUT (erplink_value *tmp = NULL) "$1 = &tmp;";
%typemap(argout) erplink_value **ERPLINK_VALUE_OUT {
  zval o_;
  if (elphp_from_value(*$1, &o_) != 0) SWIG_fail;
  elphp_append($result, &o_);
}
%typemap(freearg) erplink_value **ERPLINK_VALUE_OUT "if ($1) erplink_value_free(*$1);";

/* const erplink_value **out (borrowed) -> PHP value (null for NULL) */
%typemap(in, numinputs=0) const erplink_value **ERPLINK_VALUE_BORROWED_OUT (const erplink_value *tmp = NULL) "$1 = ($1_ltype)&tmp;";
%typemap(argout) const erplink_value **ERPLINK_VALUE_BORROWED_OUT {
  zval o_;
  if (elphp_from_value(*$1, &o_) != 0) SWIG_fail;
  elphp_append($result, &o_);
}
%typemap(freearg) const erplink_value **ERPLINK_VALUE_BORROWED_OUT ""; /* borrowed: not erplink_value **'s */

/* returned const erplink_value * (borrowed) -> PHP value (null for NULL) */
%typemap(out, phptype="mixed") const erplink_value *ERPLINK_VALUE_RET {
  if (elphp_from_value($1, $result) != 0) SWIG_fail;
}

/* returned const erplink_error * (borrowed) -> an Erplink\Error instance (not thrown), or null */
%typemap(out, phptype="?Erplink\\Error") const erplink_error *ERPLINK_ERROR_OBJ {
  elphp_error_object($1, $result);
}

/* ------------------------------------------------------------------ strings */
/* const char *: a string (its bytes, no copy) or null (NULL); a NUL inside is refused. */
%typemap(in, phptype="?string") const char *ERPLINK_STR_IN {
  const char *s_ = NULL;
  if (elphp_str_arg(&$input, &s_, $argnum) != 0) SWIG_fail;
  $1 = ($1_ltype)s_;
}

/* char **out: text allocated by erplink (erplink_free) -> string */
%typemap(in, numinputs=0) char **ERPLINK_STR_OUT (char *tmp = NULL) "$1 = &tmp;";
%typemap(argout) char **ERPLINK_STR_OUT {
  zval o_;
  elphp_str_or_null(*$1, &o_);
  elphp_append($result, &o_);
}
%typemap(freearg) char **ERPLINK_STR_OUT "if ($1) erplink_free(*$1);";

/* const char **out: borrowed text -> string (null for NULL) */
%typemap(in, numinputs=0) const char **ERPLINK_STR_BORROWED_OUT (const char *tmp = NULL) "$1 = ($1_ltype)&tmp;";
%typemap(argout) const char **ERPLINK_STR_BORROWED_OUT {
  zval o_;
  elphp_str_or_null(*$1, &o_);
  elphp_append($result, &o_);
}
%typemap(freearg) const char **ERPLINK_STR_BORROWED_OUT ""; /* borrowed: not char **'s erplink_free */

/* (const char *const *names, size_t n): an array of strings (a lone string is a TypeError), or null */
%typemap(in, phptype="?array") (const char *const *ERPLINK_NAMES, size_t ERPLINK_NAMES_N) (elphp_names names_ = ELPHP_NAMES_INIT) {
  if (elphp_names_from(&$input, &names_, $argnum) != 0) SWIG_fail;
  $1 = ($1_ltype)names_.v;
  $2 = names_.n;
}
%typemap(freearg) (const char *const *ERPLINK_NAMES, size_t ERPLINK_NAMES_N) "elphp_names_free(&names_$argnum);";

/* (const int64_t *ids, size_t n): an int, an array of ints, or null */
%typemap(in, phptype="array|int|null") (const int64_t *ERPLINK_INTS, size_t ERPLINK_INTS_N) (elphp_ints ints_ = ELPHP_INTS_INIT) {
  if (elphp_ints_from(&$input, &ints_, $argnum) != 0) SWIG_fail;
  $1 = ($1_ltype)ints_.v;
  $2 = ints_.n;
}
%typemap(freearg) (const int64_t *ERPLINK_INTS, size_t ERPLINK_INTS_N) "elphp_ints_free(&ints_$argnum);";

/* (const void *data, size_t len): a string (its bytes, read in place) or an Erplink\Bytes, or null */
%typemap(in, phptype="mixed") (const void *ERPLINK_BYTES, size_t ERPLINK_BYTES_N) {
  const void *p_ = NULL;
  size_t n_ = 0;
  if (elphp_bytes_arg(&$input, &p_, &n_, $argnum) != 0) SWIG_fail;
  $1 = ($1_ltype)p_;
  $2 = n_;
}

/* ------------------------------------------------------------------ scalar outs */
/* also enum out parameters (odoo_protocol *out): C enums of this API are int-sized */
%typemap(in, numinputs=0) int *ERPLINK_OUT_INT (int tmp = 0) "$1 = ($1_ltype)&tmp;";
%typemap(argout) int *ERPLINK_OUT_INT { zval o_; ZVAL_LONG(&o_, (zend_long)*$1); elphp_append($result, &o_); }
%typemap(in, numinputs=0) int64_t *ERPLINK_OUT_INT64 (int64_t tmp = 0) "$1 = ($1_ltype)&tmp;";
%typemap(argout) int64_t *ERPLINK_OUT_INT64 { zval o_; ZVAL_LONG(&o_, (zend_long)*$1); elphp_append($result, &o_); }
%typemap(in, numinputs=0) size_t *ERPLINK_OUT_SIZE (size_t tmp = 0) "$1 = &tmp;";
%typemap(argout) size_t *ERPLINK_OUT_SIZE {
  zval o_;
  if (*$1 > (size_t)ZEND_LONG_MAX) ZVAL_DOUBLE(&o_, (double)*$1); else ZVAL_LONG(&o_, (zend_long)*$1);
  elphp_append($result, &o_);
}
%typemap(in, numinputs=0) double *ERPLINK_OUT_DOUBLE (double tmp = 0) "$1 = &tmp;";
%typemap(argout) double *ERPLINK_OUT_DOUBLE { zval o_; ZVAL_DOUBLE(&o_, *$1); elphp_append($result, &o_); }

/* ------------------------------------------------------------------ callbacks */
/* (fn, userdata): a PHP callable object (a Closure: erplink.php passes Closure::fromCallable()),
 * called by the generated trampoline elphp_cb_<T> on the calling thread. The object is borrowed:
 * the PHP object that installs it keeps it alive as long as C may call it (for the call, or the
 * client's life for a log callback). null -> NULL. */
%define %erplink_callback(T)
%typemap(in, phptype="?Closure") (T ERPLINK_CALLBACK, void *ERPLINK_USERDATA) {
  if (Z_TYPE($input) == IS_NULL) { $1 = NULL; $2 = NULL; }
  else if (Z_TYPE($input) != IS_OBJECT || !zend_is_callable(&$input, 0, NULL)) {
    zend_type_error("argument $argnum of $symname: expected a Closure or null");
    SWIG_fail;
  }
  else { $1 = elphp_cb_##T; $2 = (void *)Z_OBJ($input); }
}
%enddef
