/*
 * erplink_php.h - PHP 8 <-> erplink_value conversion, the exception classes and the callback,
 * cancellation and output helpers of the SWIG-generated PHP extension `erplink`
 * (included from bindings/erplink.i only; the typemaps are in typemaps.i).
 *
 * PHP -> tree (elphp_to_value), one walk:
 *   null -> nil, bool -> bool, int -> int, float -> double,
 *   string -> string (must be valid UTF-8: binary data goes in an Erplink\Bytes),
 *   Erplink\Bytes -> bytes, DateTimeInterface -> datetime (converted to UTC, microseconds kept),
 *   array that is a list (array_is_list(): keys 0..n-1 in order, so [] too) -> array,
 *   any other array -> struct (insertion order; int keys become their decimal text),
 *   stdClass / ArrayObject (what `(array)` of it gives) -> struct, even when empty or list-like:
 *   the way to send an empty struct is `new stdClass` (or `new ArrayObject()`).
 *   Anything else (other objects, resources, closures) -> ERPLINK_ETYPE; a key containing NUL
 *   -> ERPLINK_EINVAL; nesting deeper than ERPLINK_BINDING_MAX_DEPTH (or a reference cycle)
 *   -> ERPLINK_ERANGE.
 * Tree -> PHP (elphp_from_value), one walk: nil -> null, bool, int, double -> float,
 *   string -> string, bytes -> Erplink\Bytes, datetime -> DateTimeImmutable (UTC),
 *   array -> list, struct -> associative array (keys as PHP arrays keep them: "10" becomes the
 *   int key 10 and comes back as "10"; an empty struct is an empty array, as json_decode($x,
 *   true) gives); a tree nested deeper than ERPLINK_BINDING_MAX_DEPTH -> ERPLINK_ELIMIT.
 *
 * Errors: a failure of the C library (or of a conversion, recorded with erplink_error_set()) is
 * thrown as an instance of the Erplink\Error subclass of the error's category, built from the
 * calling thread's erplink_error_last(): getCode()/$code (the negative ERPLINK_E* code),
 * $codeName, $category, $httpStatus, $remoteClass, $detail, $retryAfterMs (null when absent).
 */
#ifndef ERPLINK_PHP_H
#define ERPLINK_PHP_H

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "php.h"
#include "zend_exceptions.h"
#include "zend_interfaces.h"
#include "ext/date/php_date.h"
#include "ext/spl/spl_array.h"

/* SWIG writes phptype="mixed" as MAY_BE_MIXED, which the engine calls MAY_BE_ANY. */
#ifndef MAY_BE_MIXED
#define MAY_BE_MIXED MAY_BE_ANY
#endif

/* Returned by the converters when a PHP exception is already pending. */
#define ELPHP_PHPERR INT_MIN

/* ------------------------------------------------------------------ classes */
static zend_class_entry *elphp_ce_error;                      /* Erplink\Error extends \Exception */
static zend_class_entry *elphp_ce_cat[ERPLINK_CAT_STORE + 1]; /* per category (NONE: the base) */
static zend_class_entry *elphp_ce_bytes;                      /* Erplink\Bytes */

/* The class of each category (the Python binding's names). */
static const char *const elphp_cat_class[ERPLINK_CAT_STORE + 1] = {NULL,
                                                                   "InvalidArgumentError",
                                                                   "OutOfMemoryError",
                                                                   "NetworkError",
                                                                   "TimeoutError",
                                                                   "TLSError",
                                                                   "HTTPError",
                                                                   "ProtocolError",
                                                                   "AuthError",
                                                                   "AccessError",
                                                                   "ValidationError",
                                                                   "NotFoundError",
                                                                   "RateLimitError",
                                                                   "ConflictError",
                                                                   "SignatureError",
                                                                   "CancelledError",
                                                                   "ServerError",
                                                                   "StoreError"};

/* ERPLINK_E* code -> its name without the prefix ("EINVAL"), filled while the constants are
 * registered (SWIG_LONG_CONSTANT below), so that the table is the C enum, not a copy of it. */
#define ELPHP_MAX_CODES 64
static struct {
  zend_long code;
  const char *name;
} elphp_codes[ELPHP_MAX_CODES];
static int elphp_ncodes;

static const char *elphp_code_name(zend_long code) {
  if (code == 0) return "OK";
  for (int i = 0; i < elphp_ncodes; i++)
    if (elphp_codes[i].code == code) return elphp_codes[i].name;
  return NULL;
}

/* Every constant of the module is registered in the namespace Erplink (Erplink\EINVAL,
 * Erplink\ODOO_PROTOCOL_JSON2, ...), not in the global one. */
static void elphp_long_constant(const char *name, size_t len, zend_long v, int module_number) {
  char buf[160];
  int n = snprintf(buf, sizeof buf, "Erplink\\%.*s", (int)len, name);
  zend_register_long_constant(buf, (size_t)n, v, CONST_CS | CONST_PERSISTENT, module_number);
  if (len >= 2 && name[0] == 'E' && name[1] >= 'A' && name[1] <= 'Z' && v < 0 && elphp_ncodes < ELPHP_MAX_CODES) {
    elphp_codes[elphp_ncodes].code = v;
    elphp_codes[elphp_ncodes].name = name; /* a string literal of the generated code */
    elphp_ncodes++;
  }
}
static void elphp_string_constant(const char *name, size_t len, const char *v, int module_number) {
  char buf[160];
  int n = snprintf(buf, sizeof buf, "Erplink\\%.*s", (int)len, name);
  zend_register_stringl_constant(buf, (size_t)n, (char *)v, strlen(v), CONST_CS | CONST_PERSISTENT, module_number);
}
static void elphp_double_constant(const char *name, size_t len, double v, int module_number) {
  char buf[160];
  int n = snprintf(buf, sizeof buf, "Erplink\\%.*s", (int)len, name);
  zend_register_double_constant(buf, (size_t)n, v, CONST_CS | CONST_PERSISTENT, module_number);
}
#undef SWIG_LONG_CONSTANT
#undef SWIG_STRING_CONSTANT
#undef SWIG_DOUBLE_CONSTANT
#define SWIG_LONG_CONSTANT(N, V) elphp_long_constant(#N, sizeof(#N) - 1, (zend_long)(V), module_number)
#define SWIG_STRING_CONSTANT(N, V) elphp_string_constant(#N, sizeof(#N) - 1, (V), module_number)
#define SWIG_DOUBLE_CONSTANT(N, V) elphp_double_constant(#N, sizeof(#N) - 1, (double)(V), module_number)

/* Erplink\Bytes: binary data (the value tree's bytes), `new Erplink\Bytes($s)`, `$b->data`,
 * `(string)$b`. A PHP string is text (UTF-8); wrap bytes in this class to send them as bytes. */
ZEND_BEGIN_ARG_INFO_EX(elphp_arginfo_bytes_construct, 0, 0, 1)
ZEND_ARG_TYPE_INFO(0, data, IS_STRING, 0)
ZEND_END_ARG_INFO()
ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(elphp_arginfo_bytes_tostring, 0, 0, IS_STRING, 0)
ZEND_END_ARG_INFO()

static zval *elphp_bytes_data(zend_object *o) { return OBJ_PROP_NUM(o, 0); }

static ZEND_FUNCTION(elphp_bytes_construct) {
  zend_string *s;
  ZEND_PARSE_PARAMETERS_START(1, 1)
  Z_PARAM_STR(s)
  ZEND_PARSE_PARAMETERS_END();
  zend_update_property_str(elphp_ce_bytes, Z_OBJ_P(ZEND_THIS), "data", 4, s);
}

static ZEND_FUNCTION(elphp_bytes_tostring) {
  ZEND_PARSE_PARAMETERS_NONE();
  zval *d = elphp_bytes_data(Z_OBJ_P(ZEND_THIS));
  if (Z_TYPE_P(d) == IS_STRING) RETURN_COPY(d);
  RETURN_EMPTY_STRING();
}

static const zend_function_entry elphp_bytes_methods[] = {
    ZEND_RAW_FENTRY("__construct", ZEND_FN(elphp_bytes_construct), elphp_arginfo_bytes_construct, ZEND_ACC_PUBLIC)
        ZEND_RAW_FENTRY("__toString", ZEND_FN(elphp_bytes_tostring), elphp_arginfo_bytes_tostring, ZEND_ACC_PUBLIC)
            ZEND_FE_END};

static void elphp_declare_null(zend_class_entry *ce, const char *name) {
  zend_declare_property_null(ce, name, strlen(name), ZEND_ACC_PUBLIC);
}

/* MINIT: Erplink\Error and its subclasses, Erplink\Bytes. */
static void elphp_register_classes(void) {
  zend_class_entry ce;
  INIT_CLASS_ENTRY(ce, "Erplink\\Error", NULL);
  elphp_ce_error = zend_register_internal_class_ex(&ce, zend_ce_exception);
  /* `code` is the negative ERPLINK_E* code (also getCode()); public, as the other fields */
  zend_declare_property_long(elphp_ce_error, "code", 4, ERPLINK_EINVAL, ZEND_ACC_PUBLIC);
  elphp_declare_null(elphp_ce_error, "codeName");
  elphp_declare_null(elphp_ce_error, "category");
  elphp_declare_null(elphp_ce_error, "httpStatus");
  elphp_declare_null(elphp_ce_error, "remoteClass");
  elphp_declare_null(elphp_ce_error, "detail");
  elphp_declare_null(elphp_ce_error, "retryAfterMs");
  elphp_ce_cat[ERPLINK_CAT_NONE] = elphp_ce_error;
  for (int c = ERPLINK_CAT_INVALID; c <= ERPLINK_CAT_STORE; c++) {
    char name[80];
    snprintf(name, sizeof name, "Erplink\\%s", elphp_cat_class[c]);
    INIT_CLASS_ENTRY_EX(ce, name, strlen(name), NULL);
    zend_class_entry *k = zend_register_internal_class_ex(&ce, elphp_ce_error);
    /* an instance made in PHP (`new Erplink\AuthError("...")`) knows its category too */
    const char *cat = erplink_error_category_name((erplink_error_category)c);
    zend_declare_property_string(k, "category", 8, cat, ZEND_ACC_PUBLIC);
    elphp_ce_cat[c] = k;
  }
  INIT_CLASS_ENTRY(ce, "Erplink\\Bytes", elphp_bytes_methods);
  elphp_ce_bytes = zend_register_internal_class(&ce);
  elphp_ce_bytes->ce_flags |= ZEND_ACC_FINAL;
  zval undef;
  ZVAL_UNDEF(&undef);
  zend_string *pname = zend_string_init_interned("data", 4, 1);
  zend_declare_typed_property(elphp_ce_bytes, pname, &undef, ZEND_ACC_PUBLIC | ZEND_ACC_READONLY, NULL,
                              (zend_type)ZEND_TYPE_INIT_MASK(MAY_BE_STRING));
  zend_string_release(pname);
  zend_class_implements(elphp_ce_bytes, 1, zend_ce_stringable);
}

/* ------------------------------------------------------------------ errors */
/* Records a conversion failure as the thread's last erplink error; returns the code. */
static int elphp_fail(int code, const char *fmt, ...) {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return erplink_error_set(code, msg);
}

static void elphp_set_str(zend_object *o, const char *name, const char *s) {
  if (s)
    zend_update_property_string(elphp_ce_error, o, name, strlen(name), s);
  else
    zend_update_property_null(elphp_ce_error, o, name, strlen(name));
}

/* An Erplink\Error instance (not thrown) for code rc described by e (NULL: rc alone) in *out. */
static void elphp_error_new(int rc, const erplink_error *e, zval *out) {
  erplink_error_category cat = erplink_error_category_of(rc);
  zend_class_entry *ce =
      (cat >= 0 && cat <= ERPLINK_CAT_STORE && elphp_ce_cat[cat]) ? elphp_ce_cat[cat] : elphp_ce_error;
  object_init_ex(out, ce);
  zend_object *o = Z_OBJ_P(out);
  const char *msg = e ? erplink_error_message(e) : erplink_strerror(rc);
  zend_update_property_string(zend_ce_exception, o, "message", 7, msg ? msg : "");
  zend_update_property_long(elphp_ce_error, o, "code", 4, rc);
  elphp_set_str(o, "codeName", elphp_code_name(rc));
  elphp_set_str(o, "category", erplink_error_category_name(cat));
  int hs = e ? erplink_error_http_status(e) : 0;
  if (hs > 0) zend_update_property_long(elphp_ce_error, o, "httpStatus", 10, hs);
  elphp_set_str(o, "remoteClass", e ? erplink_error_remote_class(e) : NULL);
  elphp_set_str(o, "detail", e ? erplink_error_detail(e) : NULL);
  int64_t ra = e ? erplink_error_retry_after_ms(e) : -1;
  if (ra >= 0) zend_update_property_long(elphp_ce_error, o, "retryAfterMs", 12, (zend_long)ra);
}

/* The exception object of a borrowed error (cartona_outcome_error()), or null. */
static void elphp_error_object(const erplink_error *e, zval *out) {
  if (!e) {
    ZVAL_NULL(out);
    return;
  }
  elphp_error_new(erplink_error_code(e), e, out);
}

/* Throws the exception for the calling thread's last erplink error (rc alone if it is stale). */
static void elphp_throw_last(int rc) {
  const erplink_error *e = erplink_error_last();
  if (e && erplink_error_code(e) != rc) e = NULL;
  zval ex;
  elphp_error_new(rc, e, &ex);
  zend_throw_exception_object(&ex);
}

static void elphp_throw_conversion(int rc) {
  if (rc != ELPHP_PHPERR && !EG(exception)) elphp_throw_last(rc);
}

/* ------------------------------------------------------------------ PHP -> tree */
static int elphp_to_value_rec(zval *z, erplink_value **out, int depth);

static int elphp_string(zend_string *s, erplink_value **out) {
  int rc = erplink_value_new_stringn(out, ZSTR_VAL(s), ZSTR_LEN(s));
  if (rc == ERPLINK_EINVAL)
    return elphp_fail(ERPLINK_EINVAL, "string is not valid UTF-8 (send binary data as an Erplink\\Bytes)");
  return rc;
}

static int elphp_list(HashTable *ht, erplink_value **out, int depth) {
  erplink_value *arr = NULL;
  int rc = erplink_value_new_array(&arr);
  if (rc) return rc;
  zval *item;
  ZEND_HASH_FOREACH_VAL(ht, item) {
    erplink_value *child = NULL;
    rc = elphp_to_value_rec(item, &child, depth + 1);
    if (!rc) rc = erplink_value_array_append(arr, child); /* consumes child */
    if (rc) {
      erplink_value_free(arr);
      return rc;
    }
  }
  ZEND_HASH_FOREACH_END();
  *out = arr;
  return 0;
}

static int elphp_struct(HashTable *ht, erplink_value **out, int depth) {
  erplink_value *st = NULL;
  int rc = erplink_value_new_struct(&st);
  if (rc) return rc;
  zend_ulong idx;
  zend_string *key;
  zval *item;
  ZEND_HASH_FOREACH_KEY_VAL_IND(ht, idx, key, item) {
    char num[24];
    const char *k;
    if (key) {
      if (memchr(ZSTR_VAL(key), '\0', ZSTR_LEN(key))) {
        rc = elphp_fail(ERPLINK_EINVAL, "array key contains a NUL character");
        break;
      }
      k = ZSTR_VAL(key);
    } else {
      snprintf(num, sizeof num, ZEND_LONG_FMT, (zend_long)idx);
      k = num;
    }
    erplink_value *child = NULL;
    rc = elphp_to_value_rec(item, &child, depth + 1);
    if (!rc) rc = erplink_value_struct_append(st, k, child); /* consumes child; PHP keys are unique */
    if (rc) break;
  }
  ZEND_HASH_FOREACH_END();
  if (rc) {
    erplink_value_free(st);
    return rc;
  }
  *out = st;
  return 0;
}

static int elphp_object(zval *z, erplink_value **out, int depth) {
  zend_object *o = Z_OBJ_P(z);
  zend_class_entry *ce = o->ce;
  if (ce == elphp_ce_bytes) {
    zval *d = elphp_bytes_data(o);
    if (Z_TYPE_P(d) != IS_STRING) return elphp_fail(ERPLINK_EINVAL, "uninitialised Erplink\\Bytes");
    return erplink_value_new_bytes(out, Z_STRVAL_P(d), Z_STRLEN_P(d));
  }
  if (instanceof_function(ce, php_date_get_interface_ce())) {
    php_date_obj *d = php_date_obj_from_obj(o);
    if (!d->time) return elphp_fail(ERPLINK_EINVAL, "uninitialised DateTime");
    /* sse: seconds since the epoch in UTC, whatever the object's time zone */
    return erplink_value_new_datetime_unix_us(out, (int64_t)d->time->sse * 1000000 + (int64_t)d->time->us);
  }
  if (ce == zend_standard_class_def || instanceof_function(ce, spl_ce_ArrayObject)) {
    HashTable *props = zend_get_properties_for(z, ZEND_PROP_PURPOSE_ARRAY_CAST);
    int rc = props ? elphp_struct(props, out, depth) : erplink_value_new_struct(out);
    if (props) zend_release_properties(props);
    return rc;
  }
  return elphp_fail(ERPLINK_ETYPE,
                    "cannot convert an object of class %.80s to an erplink value "
                    "(arrays, stdClass, ArrayObject, Erplink\\Bytes and DateTimeInterface convert)",
                    ZSTR_VAL(ce->name));
}

static int elphp_to_value_rec(zval *z, erplink_value **out, int depth) {
  *out = NULL;
  if (depth > ERPLINK_BINDING_MAX_DEPTH)
    return elphp_fail(ERPLINK_ERANGE, "value nested deeper than %d levels (or it contains a reference cycle)",
                      ERPLINK_BINDING_MAX_DEPTH);
  ZVAL_DEREF(z);
  switch (Z_TYPE_P(z)) {
  case IS_UNDEF:
  case IS_NULL: return erplink_value_new_nil(out);
  case IS_FALSE: return erplink_value_new_bool(out, 0);
  case IS_TRUE: return erplink_value_new_bool(out, 1);
  case IS_LONG: return erplink_value_new_int(out, (int64_t)Z_LVAL_P(z));
  case IS_DOUBLE: return erplink_value_new_double(out, Z_DVAL_P(z));
  case IS_STRING: return elphp_string(Z_STR_P(z), out);
  case IS_ARRAY:
    if (zend_array_is_list(Z_ARRVAL_P(z))) return elphp_list(Z_ARRVAL_P(z), out, depth);
    return elphp_struct(Z_ARRVAL_P(z), out, depth);
  case IS_OBJECT: return elphp_object(z, out, depth);
  default: return elphp_fail(ERPLINK_ETYPE, "cannot convert a PHP %s to an erplink value", zend_zval_type_name(z));
  }
}

/* PHP -> new tree in *out (caller frees). Returns 0, an ERPLINK_E* code (last error set) or
 * ELPHP_PHPERR (a PHP exception is pending). */
static int elphp_to_value(zval *z, erplink_value **out) { return elphp_to_value_rec(z, out, 0); }

/* ------------------------------------------------------------------ tree -> PHP */
static void elphp_str_or_null(const char *s, zval *out) {
  if (s)
    ZVAL_STRING(out, s);
  else
    ZVAL_NULL(out);
}

static int elphp_datetime(const erplink_value *v, zval *out) {
  int y, mo, d, h, mi, s, us;
  erplink_value_get_datetime(&y, &mo, &d, &h, &mi, &s, &us, v);
  char buf[64];
  int n = snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06d UTC", y, mo, d, h, mi, s, us);
  php_date_instantiate(php_date_get_immutable_ce(), out);
  if (!php_date_initialize(php_date_obj_from_obj(Z_OBJ_P(out)), buf, (size_t)n, NULL, NULL, 0)) {
    zval_ptr_dtor(out);
    ZVAL_UNDEF(out);
    if (!EG(exception))
      elphp_throw_last(elphp_fail(ERPLINK_ERANGE, "datetime %s cannot be a PHP DateTimeImmutable", buf));
    return -1;
  }
  return 0;
}

/* Struct keys of one conversion, by position: the records of a search_read share their field
 * names in the same order, so the key strings are made once per result and shared by every
 * record's array (PHP arrays keep a reference), instead of once per record. */
#define ELPHP_KEY_SLOTS 64
typedef struct elphp_keys {
  zend_string *k[ELPHP_KEY_SLOTS];
} elphp_keys;

static zend_string *elphp_key(elphp_keys *kc, size_t i, const char *k, size_t len) {
  if (i < ELPHP_KEY_SLOTS) {
    zend_string *c = kc->k[i];
    if (c && ZSTR_LEN(c) == len && memcmp(ZSTR_VAL(c), k, len) == 0) return zend_string_copy(c);
    if (c) zend_string_release(c);
    c = kc->k[i] = zend_string_init(k, len, 0);
    return zend_string_copy(c);
  }
  return zend_string_init(k, len, 0);
}

static int elphp_from_value_rec(const erplink_value *v, zval *out, int depth, elphp_keys *kc) {
  if (depth > ERPLINK_BINDING_MAX_DEPTH) {
    elphp_throw_last(elphp_fail(ERPLINK_ELIMIT, "value nested deeper than %d levels", ERPLINK_BINDING_MAX_DEPTH));
    return -1;
  }
  switch (erplink_value_type(v)) {
  case ERPLINK_TYPE_NIL: ZVAL_NULL(out); return 0;
  case ERPLINK_TYPE_BOOL: {
    int b = 0;
    erplink_value_get_bool(&b, v);
    ZVAL_BOOL(out, b);
    return 0;
  }
  case ERPLINK_TYPE_INT: {
    int64_t i = 0;
    erplink_value_get_int(&i, v);
    ZVAL_LONG(out, (zend_long)i);
    return 0;
  }
  case ERPLINK_TYPE_DOUBLE: {
    double d = 0;
    erplink_value_get_double(&d, v);
    ZVAL_DOUBLE(out, d);
    return 0;
  }
  case ERPLINK_TYPE_STRING: {
    const char *s = NULL;
    size_t len = 0;
    erplink_value_get_string(&s, &len, v);
    if (len == 0)
      ZVAL_EMPTY_STRING(out);
    else if (len == 1)
      ZVAL_CHAR(out, (unsigned char)s[0]);
    else
      ZVAL_STRINGL(out, s, len);
    return 0;
  }
  case ERPLINK_TYPE_BYTES: {
    const void *p = NULL;
    size_t len = 0;
    erplink_value_get_bytes(&p, &len, v);
    object_init_ex(out, elphp_ce_bytes);
    ZVAL_STRINGL(elphp_bytes_data(Z_OBJ_P(out)), (const char *)p, len);
    return 0;
  }
  case ERPLINK_TYPE_DATETIME: return elphp_datetime(v, out);
  case ERPLINK_TYPE_ARRAY: {
    size_t n = erplink_value_count(v);
    array_init_size(out, (uint32_t)n);
    zend_hash_real_init_packed(Z_ARRVAL_P(out));
    for (size_t i = 0; i < n; i++) {
      zval item;
      if (elphp_from_value_rec(erplink_value_array_at(v, i), &item, depth + 1, kc) != 0) {
        zval_ptr_dtor(out);
        ZVAL_UNDEF(out);
        return -1;
      }
      zend_hash_next_index_insert_new(Z_ARRVAL_P(out), &item);
    }
    return 0;
  }
  case ERPLINK_TYPE_STRUCT: {
    size_t n = erplink_value_count(v);
    array_init_size(out, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
      zval item;
      if (elphp_from_value_rec(erplink_value_struct_value_at(v, i), &item, depth + 1, kc) != 0) {
        zval_ptr_dtor(out);
        ZVAL_UNDEF(out);
        return -1;
      }
      /* symtable: a numeric key ("10") becomes the int key PHP itself would make of it */
      zend_string *key = elphp_key(kc, i, erplink_value_struct_key_at(v, i), erplink_value_struct_key_len_at(v, i));
      zend_symtable_update(Z_ARRVAL_P(out), key, &item);
      zend_string_release(key);
    }
    return 0;
  }
  }
  zend_throw_error(NULL, "erplink: unknown value type");
  return -1;
}

/* Tree -> new PHP value in *out (null for NULL); -1 with an exception thrown on failure. */
static int elphp_from_value(const erplink_value *v, zval *out) {
  ZVAL_NULL(out);
  if (!v) return 0;
  elphp_keys kc;
  memset(&kc, 0, sizeof kc);
  int rc = elphp_from_value_rec(v, out, 0, &kc);
  for (int i = 0; i < ELPHP_KEY_SLOTS; i++)
    if (kc.k[i]) zend_string_release(kc.k[i]);
  return rc;
}

/* ------------------------------------------------------------------ typemap helpers */
/* The out values of the wrapper being run: the first one is the result, two or more make a
 * list [first, second, ...]. Reset by the status typemap before the argout typemaps run. */
static _Thread_local int elphp_nout;

static void elphp_append(zval *result, zval *o) {
  if (elphp_nout == 0) {
    ZVAL_COPY_VALUE(result, o);
  } else if (elphp_nout == 1) {
    zval first;
    ZVAL_COPY_VALUE(&first, result);
    array_init_size(result, 2);
    add_next_index_zval(result, &first);
    add_next_index_zval(result, o);
  } else {
    add_next_index_zval(result, o);
  }
  elphp_nout++;
}

/* const char * argument: a string (its bytes: no copy) or null; a NUL inside is refused. */
static int elphp_str_arg(zval *z, const char **out, int argnum) {
  ZVAL_DEREF(z);
  if (Z_TYPE_P(z) == IS_NULL) {
    *out = NULL;
    return 0;
  }
  if (Z_TYPE_P(z) != IS_STRING) {
    zend_type_error("argument %d: expected a string or null, got %s", argnum, zend_zval_type_name(z));
    return -1;
  }
  if (memchr(Z_STRVAL_P(z), '\0', Z_STRLEN_P(z))) {
    elphp_throw_last(elphp_fail(ERPLINK_EINVAL, "string argument %d contains a NUL character", argnum));
    return -1;
  }
  *out = Z_STRVAL_P(z);
  return 0;
}

/* (const char *const *names, size_t n) from an array of strings (or null: NULL, 0). */
typedef struct elphp_names {
  const char **v;
  size_t n;
} elphp_names;
#define ELPHP_NAMES_INIT                                                                                               \
  { NULL, 0 }

static void elphp_names_free(elphp_names *nm) {
  if (nm->v) efree((void *)nm->v);
  nm->v = NULL;
  nm->n = 0;
}

static int elphp_names_from(zval *z, elphp_names *nm, int argnum) {
  nm->v = NULL;
  nm->n = 0;
  ZVAL_DEREF(z);
  if (Z_TYPE_P(z) == IS_NULL) return 0;
  if (Z_TYPE_P(z) != IS_ARRAY) {
    zend_type_error("argument %d: expected an array of strings or null, got %s", argnum, zend_zval_type_name(z));
    return -1;
  }
  HashTable *ht = Z_ARRVAL_P(z);
  uint32_t n = zend_hash_num_elements(ht);
  nm->v = (const char **)safe_emalloc(n ? n : 1, sizeof(char *), 0);
  zval *item;
  size_t i = 0;
  ZEND_HASH_FOREACH_VAL(ht, item) {
    ZVAL_DEREF(item);
    if (Z_TYPE_P(item) != IS_STRING) {
      zend_type_error("argument %d: expected strings in the array, item %zu is %s", argnum, i,
                      zend_zval_type_name(item));
      elphp_names_free(nm);
      return -1;
    }
    if (elphp_str_arg(item, &nm->v[i], argnum) != 0) {
      elphp_names_free(nm);
      return -1;
    }
    i++;
  }
  ZEND_HASH_FOREACH_END();
  nm->n = i;
  return 0;
}

/* (const int64_t *ids, size_t n) from an int, an array of ints, or null (NULL, 0). */
typedef struct elphp_ints {
  int64_t *v;
  size_t n;
} elphp_ints;
#define ELPHP_INTS_INIT                                                                                                \
  { NULL, 0 }

static void elphp_ints_free(elphp_ints *a) {
  if (a->v) efree(a->v);
  a->v = NULL;
  a->n = 0;
}

static int elphp_ints_from(zval *z, elphp_ints *a, int argnum) {
  a->v = NULL;
  a->n = 0;
  ZVAL_DEREF(z);
  if (Z_TYPE_P(z) == IS_NULL) return 0;
  if (Z_TYPE_P(z) == IS_LONG) { /* a lone id */
    a->v = (int64_t *)emalloc(sizeof(int64_t));
    a->v[0] = (int64_t)Z_LVAL_P(z);
    a->n = 1;
    return 0;
  }
  if (Z_TYPE_P(z) != IS_ARRAY) {
    zend_type_error("argument %d: expected an int or an array of ints, got %s", argnum, zend_zval_type_name(z));
    return -1;
  }
  HashTable *ht = Z_ARRVAL_P(z);
  uint32_t n = zend_hash_num_elements(ht);
  a->v = (int64_t *)safe_emalloc(n ? n : 1, sizeof(int64_t), 0);
  zval *item;
  size_t i = 0;
  ZEND_HASH_FOREACH_VAL(ht, item) {
    ZVAL_DEREF(item);
    if (Z_TYPE_P(item) != IS_LONG) {
      zend_type_error("argument %d: expected ints in the array, item %zu is %s", argnum, i, zend_zval_type_name(item));
      elphp_ints_free(a);
      return -1;
    }
    a->v[i++] = (int64_t)Z_LVAL_P(item);
  }
  ZEND_HASH_FOREACH_END();
  a->n = i;
  return 0;
}

/* (const void *data, size_t len) from a string (its bytes, read in place), an Erplink\Bytes or null. */
static int elphp_bytes_arg(zval *z, const void **p, size_t *n, int argnum) {
  ZVAL_DEREF(z);
  *p = NULL;
  *n = 0;
  if (Z_TYPE_P(z) == IS_NULL) return 0;
  if (Z_TYPE_P(z) == IS_OBJECT && Z_OBJCE_P(z) == elphp_ce_bytes) z = elphp_bytes_data(Z_OBJ_P(z));
  if (Z_TYPE_P(z) != IS_STRING) {
    zend_type_error("argument %d: expected a string or an Erplink\\Bytes, got %s", argnum, zend_zval_type_name(z));
    return -1;
  }
  *p = Z_STRVAL_P(z);
  *n = Z_STRLEN_P(z);
  return 0;
}

/* ------------------------------------------------------------------ callbacks */
/* Calls a callback (a callable object) with n arguments (consumed). Returns 0 to go on, 1 to
 * stop: it threw (the exception stays pending and wins over the C error) or returned true. */
static int elphp_call_callback(zend_object *callable, zval *args, uint32_t n) {
  zval fn, ret;
  ZVAL_OBJ(&fn, callable);
  ZVAL_UNDEF(&ret);
  int rc = call_user_function(NULL, NULL, &fn, &ret, n, args);
  for (uint32_t i = 0; i < n; i++) zval_ptr_dtor(&args[i]);
  int stop =
      rc != SUCCESS || EG(exception) || (Z_TYPE(ret) != IS_UNDEF && Z_TYPE(ret) != IS_NULL && zend_is_true(&ret));
  zval_ptr_dtor(&ret);
  return stop;
}

/* A borrowed C pointer as a SWIG pointer object of the named type (callback arguments). */
static void elphp_borrowed_ptr(void *p, const char *type_name, zval *out) {
  ZVAL_UNDEF(out); /* SWIG_SetPointerZval looks at the zval's type */
  swig_type_info *ti = SWIG_TypeQuery(type_name);
  if (!ti) {
    ZVAL_NULL(out);
    return;
  }
  SWIG_SetPointerZval(out, p, ti, 0);
}

/* ------------------------------------------------------------------ cancellation */
/* Every blocking call pushes the thread's token (made on first use). Its poll function cancels
 * the C call when the engine has an interrupt pending (EG(vm_interrupt): an async pcntl signal,
 * or max_execution_time, which counts CPU time on Linux): the call fails with ECANCELLED, or
 * with what the signal handler throws. A fired token stays fired, so it is replaced once the outermost call returns. */
static _Thread_local erplink_cancel *elphp_tok;
static _Thread_local int elphp_tok_depth;

static int elphp_poll(void *userdata) {
  (void)userdata;
#if PHP_VERSION_ID >= 80200
  return zend_atomic_bool_load_ex(&EG(vm_interrupt)) ? 1 : 0;
#else
  return EG(vm_interrupt) ? 1 : 0;
#endif
}

static erplink_cancel *elphp_cancel_enter(void) {
  if (!elphp_tok) {
    if (erplink_cancel_new(&elphp_tok) != 0) return NULL;
    erplink_cancel_set_poll(elphp_tok, elphp_poll, NULL);
  }
  if (erplink_cancel_push(elphp_tok) != 0) return NULL;
  elphp_tok_depth++;
  return elphp_tok;
}

/* After the call: pops; then, when an interrupt is pending (it may be what cancelled the call),
 * runs the engine's interrupt function here, as pcntl_signal_dispatch() would, before the
 * wrapper throws: once an exception is in flight the engine would drop a PHP signal handler.
 * A handler that throws makes its exception the call's (the status typemap defers to it), as
 * KeyboardInterrupt does in Python. A timeout (timed_out) is left to the engine. */
static void elphp_cancel_leave(erplink_cancel *tok) {
  if (!tok) return;
  erplink_cancel_pop();
  if (--elphp_tok_depth == 0 && erplink_cancel_is_triggered(tok)) {
    erplink_cancel_free(tok);
    elphp_tok = NULL;
  }
#if PHP_VERSION_ID >= 80200
  if (elphp_tok_depth == 0 && zend_atomic_bool_load_ex(&EG(vm_interrupt)) &&
      !zend_atomic_bool_load_ex(&EG(timed_out)) && !EG(exception) && zend_interrupt_function) {
    zend_atomic_bool_store_ex(&EG(vm_interrupt), false);
    zend_interrupt_function(EG(current_execute_data));
  }
#endif
}

/* A void callback threw: stop the C call that runs it through the thread's token. */
static void elphp_cancel_current(void) {
  if (elphp_tok && elphp_tok_depth > 0) erplink_cancel_trigger(elphp_tok);
}

#endif /* ERPLINK_PHP_H */
