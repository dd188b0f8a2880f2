/*
 * erplink_napi.h - JavaScript <-> erplink_value conversion and error throwing for the
 * SWIG-generated Node-API addon (included from bindings/erplink.i only; compiled as
 * C++ inside erplink_wrap.cxx; the conversions use the plain C Node-API so that they
 * do not depend on node-addon-api's exception mode).
 *
 * JavaScript -> tree (elnapi_to_value), one walk:
 *   null, undefined -> nil; boolean -> bool;
 *   number -> int when it is an integer within +-(2^53 - 1) (and not -0), else double;
 *   bigint -> int (ERPLINK_ERANGE outside signed 64 bits);
 *   string -> string (UTF-8; lone surrogates become U+FFFD, as everywhere in Node);
 *   Buffer / Uint8Array / Int8Array / Uint8ClampedArray / DataView / ArrayBuffer -> bytes;
 *   Date -> datetime (UTC, millisecond precision; ERPLINK_EINVAL for an Invalid Date,
 *   ERPLINK_ERANGE outside years 1-9999); Array -> array (holes are nil);
 *   plain object (prototype Object.prototype or null) -> struct, in property order
 *   (JavaScript puts integer-like keys first, ascending).
 *   Anything else (function, symbol, Map, Set, class instance, other typed arrays)
 *   -> ERPLINK_ETYPE; a key containing NUL -> ERPLINK_EINVAL; nesting deeper than
 *   ERPLINK_BINDING_MAX_DEPTH (or a cycle) -> ERPLINK_ERANGE.
 * Tree -> JavaScript (elnapi_from_value), one walk:
 *   nil -> null; int -> number when |i| <= 2^53 - 1, else bigint (always exact);
 *   double -> number; string -> string; bytes -> Buffer; datetime -> Date (microseconds
 *   truncated to milliseconds, toward the past); array -> Array; struct -> plain object
 *   whose members are defined as own data properties (so a "__proto__" key is data,
 *   never the prototype).
 *
 * Errors: a failure is thrown as an Error whose properties code (the negative
 * ERPLINK_E* number), category, httpStatus, remoteClass, detail and retryAfterMs come
 * from the calling thread's erplink_error_last(); index.js turns it into an
 * ErplinkError subclass.
 */
#ifndef ERPLINK_NAPI_H
#define ERPLINK_NAPI_H

#include <node_api.h>

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Returned by the converters when a Node-API call failed (a JS exception may be pending). */
#define ELNAPI_JSERR INT_MIN
#define ELNAPI_MAX_SAFE 9007199254740991.0 /* 2^53 - 1 */

#define ELNAPI_CHECK(call)                                                                                             \
  do {                                                                                                                 \
    if ((call) != napi_ok) return ELNAPI_JSERR;                                                                        \
  } while (0)

/* Owners of C objects in the SWIG wrappers: freed when the wrapper returns (C++ scope). */
struct elnapi_value_guard {
  erplink_value *v = nullptr;
  elnapi_value_guard() = default;
  elnapi_value_guard(const elnapi_value_guard &) = delete;
  elnapi_value_guard &operator=(const elnapi_value_guard &) = delete;
  ~elnapi_value_guard() { erplink_value_free(v); }
};
struct elnapi_text_guard {
  char *p = nullptr;
  elnapi_text_guard() = default;
  elnapi_text_guard(const elnapi_text_guard &) = delete;
  elnapi_text_guard &operator=(const elnapi_text_guard &) = delete;
  ~elnapi_text_guard() { erplink_free(p); }
};

typedef struct elnapi_ctx {
  napi_env env;
  napi_value object_proto; /* Object.prototype */
} elnapi_ctx;

static int elnapi_fail(int code, const char *fmt, ...) {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return erplink_error_set(code, msg);
}

/* Reads a JS string as UTF-8 into a malloc'ed buffer (*out, caller frees). */
static int elnapi_utf8(napi_env env, napi_value s, char **out, size_t *len) {
  *out = NULL;
  ELNAPI_CHECK(napi_get_value_string_utf8(env, s, NULL, 0, len));
  char *buf = (char *)malloc(*len + 1);
  if (!buf) return elnapi_fail(ERPLINK_ENOMEM, "out of memory");
  if (napi_get_value_string_utf8(env, s, buf, *len + 1, len) != napi_ok) {
    free(buf);
    return ELNAPI_JSERR;
  }
  *out = buf;
  return 0;
}

/* The class name of an object for messages, best effort. */
static void elnapi_class_name(napi_env env, napi_value obj, char *buf, size_t size) {
  napi_value ctor, name;
  napi_valuetype t;
  size_t len = 0;
  snprintf(buf, size, "object");
  if (napi_get_named_property(env, obj, "constructor", &ctor) != napi_ok) goto done;
  if (napi_typeof(env, ctor, &t) != napi_ok || t != napi_function) goto done;
  if (napi_get_named_property(env, ctor, "name", &name) != napi_ok) goto done;
  if (napi_typeof(env, name, &t) != napi_ok || t != napi_string) goto done;
  if (napi_get_value_string_utf8(env, name, buf, size, &len) != napi_ok || len == 0) snprintf(buf, size, "object");
done : {
  /* a getter may have thrown: forget it, the ETYPE error is what matters */
  bool pending = false;
  napi_value ignored;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) napi_get_and_clear_last_exception(env, &ignored);
}
}

static int elnapi_to_value_rec(elnapi_ctx *c, napi_value v, erplink_value **out, int depth);

static int elnapi_array(elnapi_ctx *c, napi_value v, erplink_value **out, int depth) {
  uint32_t n = 0;
  ELNAPI_CHECK(napi_get_array_length(c->env, v, &n));
  erplink_value *arr = NULL;
  int rc = erplink_value_new_array(&arr);
  if (rc) return rc;
  for (uint32_t i = 0; i < n && !rc; i++) {
    napi_value item;
    erplink_value *child = NULL;
    if (napi_get_element(c->env, v, i, &item) != napi_ok) rc = ELNAPI_JSERR;
    if (!rc) rc = elnapi_to_value_rec(c, item, &child, depth + 1);
    if (!rc) rc = erplink_value_array_append(arr, child); /* consumes child */
  }
  if (rc) {
    erplink_value_free(arr);
    return rc;
  }
  *out = arr;
  return 0;
}

static int elnapi_object(elnapi_ctx *c, napi_value v, erplink_value **out, int depth) {
  napi_env env = c->env;
  napi_value names;
  uint32_t n = 0;
  ELNAPI_CHECK(napi_get_all_property_names(env, v, napi_key_own_only,
                                           (napi_key_filter)(napi_key_enumerable | napi_key_skip_symbols),
                                           napi_key_numbers_to_strings, &names));
  ELNAPI_CHECK(napi_get_array_length(env, names, &n));
  erplink_value *st = NULL;
  int rc = erplink_value_new_struct(&st);
  if (rc) return rc;
  for (uint32_t i = 0; i < n && !rc; i++) {
    napi_value key, item;
    char *k = NULL;
    size_t klen = 0;
    erplink_value *child = NULL;
    if (napi_get_element(env, names, i, &key) != napi_ok) rc = ELNAPI_JSERR;
    if (!rc) rc = elnapi_utf8(env, key, &k, &klen);
    if (!rc && memchr(k, '\0', klen)) rc = elnapi_fail(ERPLINK_EINVAL, "object key contains a NUL character");
    if (!rc && napi_get_property(env, v, key, &item) != napi_ok) rc = ELNAPI_JSERR;
    if (!rc) rc = elnapi_to_value_rec(c, item, &child, depth + 1);
    if (!rc) rc = erplink_value_struct_append(st, k, child); /* consumes child; object keys are unique */
    free(k);
  }
  if (rc) {
    erplink_value_free(st);
    return rc;
  }
  *out = st;
  return 0;
}

static int elnapi_bytes_view(elnapi_ctx *c, napi_value v, erplink_value **out, bool *handled) {
  napi_env env = c->env;
  bool is = false;
  void *data = NULL;
  size_t len = 0;
  *handled = true;
  ELNAPI_CHECK(napi_is_typedarray(env, v, &is));
  if (is) {
    napi_typedarray_type type;
    ELNAPI_CHECK(napi_get_typedarray_info(env, v, &type, &len, &data, NULL, NULL));
    if (type != napi_int8_array && type != napi_uint8_array && type != napi_uint8_clamped_array)
      return elnapi_fail(ERPLINK_ETYPE,
                         "cannot convert a typed array of multi-byte elements: pass a Buffer or Uint8Array");
    return erplink_value_new_bytes(out, data, len);
  }
  ELNAPI_CHECK(napi_is_dataview(env, v, &is));
  if (is) {
    ELNAPI_CHECK(napi_get_dataview_info(env, v, &len, &data, NULL, NULL));
    return erplink_value_new_bytes(out, data, len);
  }
  ELNAPI_CHECK(napi_is_arraybuffer(env, v, &is));
  if (is) {
    ELNAPI_CHECK(napi_get_arraybuffer_info(env, v, &data, &len));
    return erplink_value_new_bytes(out, data, len);
  }
  *handled = false;
  return 0;
}

static int elnapi_to_value_rec(elnapi_ctx *c, napi_value v, erplink_value **out, int depth) {
  napi_env env = c->env;
  napi_valuetype t;
  *out = NULL;
  if (depth > ERPLINK_BINDING_MAX_DEPTH)
    return elnapi_fail(ERPLINK_ERANGE, "value nested deeper than %d levels (or it contains a reference cycle)",
                       ERPLINK_BINDING_MAX_DEPTH);
  ELNAPI_CHECK(napi_typeof(env, v, &t));
  switch (t) {
  case napi_undefined:
  case napi_null: return erplink_value_new_nil(out);
  case napi_boolean: {
    bool b = false;
    ELNAPI_CHECK(napi_get_value_bool(env, v, &b));
    return erplink_value_new_bool(out, b);
  }
  case napi_number: {
    double d = 0;
    ELNAPI_CHECK(napi_get_value_double(env, v, &d));
    if (d == trunc(d) && fabs(d) <= ELNAPI_MAX_SAFE && !(d == 0 && signbit(d)))
      return erplink_value_new_int(out, (int64_t)d);
    return erplink_value_new_double(out, d);
  }
  case napi_bigint: {
    int64_t i = 0;
    bool lossless = false;
    ELNAPI_CHECK(napi_get_value_bigint_int64(env, v, &i, &lossless));
    if (!lossless) return elnapi_fail(ERPLINK_ERANGE, "BigInt does not fit in 64 bits (signed)");
    return erplink_value_new_int(out, i);
  }
  case napi_string: {
    char *s = NULL;
    size_t len = 0;
    int rc = elnapi_utf8(env, v, &s, &len);
    if (!rc) rc = erplink_value_new_stringn(out, s, len);
    free(s);
    return rc;
  }
  case napi_object: {
    bool is = false;
    ELNAPI_CHECK(napi_is_array(env, v, &is));
    if (is) return elnapi_array(c, v, out, depth);
    ELNAPI_CHECK(napi_is_date(env, v, &is));
    if (is) {
      double ms = 0;
      ELNAPI_CHECK(napi_get_date_value(env, v, &ms));
      if (!isfinite(ms)) return elnapi_fail(ERPLINK_EINVAL, "cannot convert an Invalid Date");
      /* |ms| <= 8.64e15 for a valid Date, so ms * 1000 fits in int64 */
      return erplink_value_new_datetime_unix_us(out, (int64_t)ms * 1000);
    }
    int rc = elnapi_bytes_view(c, v, out, &is);
    if (is) return rc;
    napi_value proto, null_v;
    bool plain = false, is_null = false;
    ELNAPI_CHECK(napi_get_prototype(env, v, &proto));
    ELNAPI_CHECK(napi_strict_equals(env, proto, c->object_proto, &plain));
    ELNAPI_CHECK(napi_get_null(env, &null_v));
    ELNAPI_CHECK(napi_strict_equals(env, proto, null_v, &is_null));
    if (plain || is_null) return elnapi_object(c, v, out, depth);
    char name[64];
    elnapi_class_name(env, v, name, sizeof name);
    return elnapi_fail(ERPLINK_ETYPE, "cannot convert an object of class '%s': pass a plain object", name);
  }
  case napi_function: return elnapi_fail(ERPLINK_ETYPE, "cannot convert a function to an erplink value");
  case napi_symbol: return elnapi_fail(ERPLINK_ETYPE, "cannot convert a symbol to an erplink value");
  default: return elnapi_fail(ERPLINK_ETYPE, "cannot convert this JavaScript value to an erplink value");
  }
}

/* JS -> new tree in *out (caller frees). Returns 0, an ERPLINK_E* code (last error set),
 * or ELNAPI_JSERR (a Node-API call failed). */
static int elnapi_to_value(napi_env env, napi_value v, erplink_value **out) {
  elnapi_ctx c;
  napi_value global, object_ctor;
  *out = NULL;
  c.env = env;
  ELNAPI_CHECK(napi_get_global(env, &global));
  ELNAPI_CHECK(napi_get_named_property(env, global, "Object", &object_ctor));
  ELNAPI_CHECK(napi_get_named_property(env, object_ctor, "prototype", &c.object_proto));
  return elnapi_to_value_rec(&c, v, out, 0);
}

/* Makes sure an exception is pending after a failed Node-API call. */
static void elnapi_throw_napi(napi_env env) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) return;
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  napi_throw_error(env, NULL, info && info->error_message ? info->error_message : "Node-API call failed");
}

static napi_value elnapi_str_or_null(napi_env env, const char *s) {
  napi_value r = NULL;
  if (s)
    napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &r);
  else
    napi_get_null(env, &r);
  return r;
}

/* Throws the Error for the calling thread's last erplink error (rc if none matches). */
static void elnapi_throw_last(napi_env env, int rc) {
  const erplink_error *e = erplink_error_last();
  if (e && erplink_error_code(e) != rc) e = NULL; /* stale: describe rc alone */
  napi_value msg, err, v;
  if (napi_create_string_utf8(env, e ? erplink_error_message(e) : erplink_strerror(rc), NAPI_AUTO_LENGTH, &msg) !=
          napi_ok ||
      napi_create_error(env, NULL, msg, &err) != napi_ok) {
    elnapi_throw_napi(env);
    return;
  }
  napi_create_int32(env, rc, &v);
  napi_set_named_property(env, err, "code", v);
  napi_set_named_property(env, err, "category",
                          elnapi_str_or_null(env, erplink_error_category_name(erplink_error_category_of(rc))));
  int status = e ? erplink_error_http_status(e) : 0;
  if (status > 0)
    napi_create_int32(env, status, &v);
  else
    napi_get_null(env, &v);
  napi_set_named_property(env, err, "httpStatus", v);
  napi_set_named_property(env, err, "remoteClass", elnapi_str_or_null(env, e ? erplink_error_remote_class(e) : NULL));
  napi_set_named_property(env, err, "detail", elnapi_str_or_null(env, e ? erplink_error_detail(e) : NULL));
  int64_t retry = e ? erplink_error_retry_after_ms(e) : -1;
  if (retry >= 0)
    napi_create_int64(env, retry, &v);
  else
    napi_get_null(env, &v);
  napi_set_named_property(env, err, "retryAfterMs", v);
  napi_throw(env, err);
}

static void elnapi_throw_conversion(napi_env env, int rc) {
  if (rc == ELNAPI_JSERR)
    elnapi_throw_napi(env);
  else
    elnapi_throw_last(env, rc);
}

/* An int64 as a number when exact, else as a BigInt; NULL with an exception pending on failure. */
static napi_value elnapi_from_int64(napi_env env, int64_t i) {
  napi_value r = NULL;
  napi_status st = (i >= -(int64_t)ELNAPI_MAX_SAFE && i <= (int64_t)ELNAPI_MAX_SAFE)
                       ? napi_create_int64(env, i, &r)
                       : napi_create_bigint_int64(env, i, &r);
  if (st != napi_ok) {
    elnapi_throw_napi(env);
    return NULL;
  }
  return r;
}

#define ELNAPI_OK(call)                                                                                                \
  do {                                                                                                                 \
    if ((call) != napi_ok) goto fail;                                                                                  \
  } while (0)

/* Tree -> new JS value, or NULL with an exception pending. */
static napi_value elnapi_from_value_rec(napi_env env, const erplink_value *v, int depth) {
  napi_value r = NULL;
  if (depth > ERPLINK_BINDING_MAX_DEPTH) {
    elnapi_throw_last(env,
                      elnapi_fail(ERPLINK_ELIMIT, "value nested deeper than %d levels", ERPLINK_BINDING_MAX_DEPTH));
    return NULL;
  }
  switch (erplink_value_type(v)) {
  case ERPLINK_TYPE_NIL: ELNAPI_OK(napi_get_null(env, &r)); return r;
  case ERPLINK_TYPE_BOOL: {
    int b = 0;
    erplink_value_get_bool(&b, v);
    ELNAPI_OK(napi_get_boolean(env, b != 0, &r));
    return r;
  }
  case ERPLINK_TYPE_INT: {
    int64_t i = 0;
    erplink_value_get_int(&i, v);
    return elnapi_from_int64(env, i);
  }
  case ERPLINK_TYPE_DOUBLE: {
    double d = 0;
    erplink_value_get_double(&d, v);
    ELNAPI_OK(napi_create_double(env, d, &r));
    return r;
  }
  case ERPLINK_TYPE_STRING: {
    const char *s = NULL;
    size_t len = 0;
    erplink_value_get_string(&s, &len, v);
    ELNAPI_OK(napi_create_string_utf8(env, s, len, &r));
    return r;
  }
  case ERPLINK_TYPE_BYTES: {
    const void *p = NULL;
    size_t len = 0;
    erplink_value_get_bytes(&p, &len, v);
    ELNAPI_OK(napi_create_buffer_copy(env, len, p, NULL, &r));
    return r;
  }
  case ERPLINK_TYPE_DATETIME: {
    int64_t us = 0;
    erplink_value_get_datetime_unix_us(&us, v);
    int64_t ms = us / 1000 - ((us % 1000) < 0 ? 1 : 0); /* floor */
    ELNAPI_OK(napi_create_date(env, (double)ms, &r));
    return r;
  }
  case ERPLINK_TYPE_ARRAY: {
    size_t n = erplink_value_count(v);
    ELNAPI_OK(napi_create_array_with_length(env, n, &r));
    for (size_t i = 0; i < n; i++) {
      napi_value item = elnapi_from_value_rec(env, erplink_value_array_at(v, i), depth + 1);
      if (!item) return NULL;
      ELNAPI_OK(napi_set_element(env, r, (uint32_t)i, item));
    }
    return r;
  }
  case ERPLINK_TYPE_STRUCT: {
    size_t n = erplink_value_count(v);
    ELNAPI_OK(napi_create_object(env, &r));
    for (size_t i = 0; i < n; i++) {
      const char *k = NULL;
      size_t klen = 0;
      k = erplink_value_struct_key_at(v, i);
      klen = erplink_value_struct_key_len_at(v, i);
      const erplink_value *m = erplink_value_struct_value_at(v, i);
      napi_value key, item = elnapi_from_value_rec(env, m, depth + 1);
      if (!item) return NULL;
      ELNAPI_OK(napi_create_string_utf8(env, k, klen, &key));
      /* an own data property, also for "__proto__" (a plain assignment would set the prototype) */
      napi_property_descriptor d = {NULL,
                                    key,
                                    NULL,
                                    NULL,
                                    NULL,
                                    item,
                                    (napi_property_attributes)(napi_writable | napi_enumerable | napi_configurable),
                                    NULL};
      ELNAPI_OK(napi_define_properties(env, r, 1, &d));
    }
    return r;
  }
  }
  napi_throw_error(env, NULL, "erplink: unknown value type");
  return NULL;
fail:
  elnapi_throw_napi(env);
  return NULL;
}

static napi_value elnapi_from_value(napi_env env, const erplink_value *v) { return elnapi_from_value_rec(env, v, 0); }

#endif /* ERPLINK_NAPI_H */
