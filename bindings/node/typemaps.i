/*
 * typemaps.i - the Node-API typemaps of erplink.i: the value, text, int64 and status patterns of
 * the synchronous core functions SWIG wraps for Node (version, errors, values). The service
 * functions of bindings/swig/api.i are not wrapped by SWIG for Node (see erplink.i): their
 * Node form is the asynchronous layer of src/elnode.cc, so the macros api.i invokes for
 * handles, blocking calls and callbacks are defined empty here.
 */
%define %erplink_blocking(NAME)
%enddef
%define %erplink_nonblocking(NAME)
%enddef
%define %erplink_handle_out(TYPE, FREE)
%enddef
%define %erplink_borrowed_out(TYPE)
%enddef
%define %erplink_callback(T)
%enddef

/* SWIG's Node-API backend does not run freearg typemaps on its error path, so every
 * owned C object lives in a guard (erplink_napi.h) whose destructor frees it when the
 * wrapper returns, whichever way it returns. */
%typemap(out) erplink_status {
  if ($1 < 0) { elnapi_throw_last(env, $1); SWIG_fail; }
  $result = env.Undefined();
}
%typemap(in) const erplink_value *ERPLINK_VALUE_IN (elnapi_value_guard guard) {
  int rc_ = elnapi_to_value(env, $input, &guard.v);
  if (rc_ != 0) { elnapi_throw_conversion(env, rc_); SWIG_fail; }
  $1 = guard.v;
}
%typemap(in, numinputs=0) erplink_value **ERPLINK_VALUE_OUT (elnapi_value_guard guard) "$1 = &guard.v;"
%typemap(argout) erplink_value **ERPLINK_VALUE_OUT {
  napi_value obj_ = elnapi_from_value(env, *$1);
  if (!obj_) SWIG_fail;
  $result = Napi::Value(env, obj_);
}
%typemap(in, numinputs=0) char **ERPLINK_STR_OUT (elnapi_text_guard guard) "$1 = &guard.p;"
%typemap(argout) char **ERPLINK_STR_OUT {
  $result = Napi::String::New(env, *$1);
}
%typemap(in, numinputs=0) int64_t *ERPLINK_OUT_INT64 (int64_t tmp = 0) "$1 = &tmp;"
%typemap(argout) int64_t *ERPLINK_OUT_INT64 {
  napi_value obj_ = elnapi_from_int64(env, *$1);
  if (!obj_) SWIG_fail;
  $result = Napi::Value(env, obj_);
}
