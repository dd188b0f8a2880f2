/*
 * erplink.i - the one SWIG interface for every language binding of liberplink.
 *
 * Generated modules:
 *   Python:  swig -python -threads -I include -o erplink_wrap.c bindings/erplink.i
 *            -> extension module `erplink._erplink` (bindings/python/meson.build);
 *               the generated proxy erplink.py is not used: the package `erplink`
 *               (bindings/python/erplink/) imports `_erplink` directly.
 *   Node:    swig -javascript -napi -c++ -I include -o erplink_wrap.cxx bindings/erplink.i
 *            -> Node-API addon erplink.node (bindings/node/binding.gyp).
 *   PHP:     swig -php7 -I include -o erplink_wrap.c bindings/erplink.i
 *            -> PHP 8 extension erplink.so (bindings/php/meson.build, bindings/php/build.sh);
 *               functions keep an `erplink_` prefix (erplink_version, erplink_odoo_client_new),
 *               constants live in the namespace Erplink (Erplink\EINVAL); the PHP layer is
 *               bindings/php/erplink.php.
 *
 * Layout (bindings/README.md, "The interface"):
 *   1. the C headers, for their constants only (enum items without the ERPLINK_ prefix:
 *      EINVAL, CAT_INVALID, TYPE_INT, ODOO_PROTOCOL_JSON2, CARTONA_ITEM_UPDATED, ...);
 *   2. the language's typemaps, one per parameter pattern (bindings/python/typemaps.i,
 *      bindings/node/typemaps.i) with their C helpers (erplink_python.h, erplink_napi.h);
 *   3. swig/api.i, GENERATED from the headers by swig/gen_api.py: every wrapped function with
 *      its docstring and the %apply lines that bind each parameter to its pattern.
 * Function names lose the `erplink_` prefix (erplink_version -> version); service functions
 * keep their names (odoo_client_new). Bindings hold no business logic.
 */
%module erplink

%{
#include "erplink/common.h"
#include "erplink/version.h"
#include "erplink/error.h"
#include "erplink/value.h"
#include "erplink/cancel.h"
#include "erplink/http.h"
#include "erplink/odoo.h"
#include "erplink/cartona.h"
#include "erplink/razorpay.h"
#include "erplink/store.h"
#include "erplink/cartona_outbox.h"
#include "erplink/esi.h"

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
%init %{
  elpy_module_init();
%}
#endif

#ifdef SWIGJAVASCRIPT
%{
#include "erplink_napi.h"
/* bindings/node/src/elnode.cc: the asynchronous services, exported as `native` */
napi_value elnode_register(napi_env env, napi_value exports);
%}
%init %{
  elnode_register(env, exports);
%}
#endif

#ifdef SWIGPHP
%{
#include "erplink_php.h"
%}
%minit %{
  elphp_register_classes();
%}
#endif

#define ERPLINK_EXTERN
#define ERPLINK_BEGIN_DECLS
#define ERPLINK_END_DECLS
typedef int erplink_status;
%include <stdint.i>

/* ------------------------------------------------------------------ constants */
%rename("$ignore", %$isfunction) "";
%rename("%(strip:[ERPLINK_])s", %$isenumitem) "";
%include "erplink/error.h"
%include "erplink/value.h"
%include "erplink/log.h"
%rename(CANCEL_MAX_DEPTH) ERPLINK_CANCEL_MAX_DEPTH;
%include "erplink/cancel.h"
%include "erplink/odoo.h"
%include "erplink/cartona.h"
%include "erplink/cartona_products.h"
%include "erplink/cartona_orders.h"
%include "erplink/cartona_status.h"
%include "erplink/razorpay.h"
/* the ops structs are implemented by target-language objects (the ERPLINK_OPS pattern), not wrapped */
%ignore erplink_dedup_ops;
%ignore erplink_outbox_ops;
/* the size limits lose the prefix too (ERPLINK_E* names are the error codes') */
%rename(STORE_SCHEMA_VERSION) ERPLINK_STORE_SCHEMA_VERSION;
%rename(DEDUP_MAX_ID) ERPLINK_DEDUP_MAX_ID;
%rename(BLOB_CACHE_MAX_KEY) ERPLINK_BLOB_CACHE_MAX_KEY;
%rename(OUTBOX_MAX_KEY) ERPLINK_OUTBOX_MAX_KEY;
%include "erplink/store.h"
%include "erplink/cartona_outbox.h"
/* ESI (Python only so far): the enums (ESI_CACHE_*, ESI_BLUEPRINT_*) and macros; the structs a
 * caller fills are not wrapped */
#ifdef SWIGPYTHON
%ignore esi_cache_store;
%ignore esi_mail_recipient;
%include "erplink/esi_client.h"
#endif
/* the opaque types of http.h without its functions and macros */
typedef struct erplink_http_options erplink_http_options;

/* ------------------------------------------------------------------ typemaps */
#ifdef SWIGPYTHON
%include "python/typemaps.i"
#endif
#ifdef SWIGJAVASCRIPT
%include "node/typemaps.i"
#endif
#ifdef SWIGPHP
%include "php/typemaps.i"
#endif

/* ------------------------------------------------------------------ functions */
#ifdef SWIGJAVASCRIPT
/* Node: SWIG's Node-API wrappers are synchronous (each runs the C call on the JS thread), so
 * they carry only the core's CPU-only functions below; the services (blocking calls as
 * Promises on the addon's worker threads, thread-safe callbacks, AbortSignal, async iterators,
 * backends written in JavaScript) are bindings/node/src/elnode.cc, hand-written Node-API over
 * the same C API, registered into this module as `native` (elnode_register above). */
%rename("$ignore", %$isfunction) "";
%rename(version) erplink_version;
%rename(version_number) erplink_version_number;
%rename(strerror) erplink_strerror;
%rename(error_category_name) erplink_error_category_name;
%rename(error_category_of) erplink_error_category_of;
%rename(value_clone) erplink_value_clone;
%rename(value_dump) erplink_value_dump;
%rename(value_get_int) erplink_value_get_int;
#elif defined(SWIGPHP)
/* PHP functions are global: keep them prefixed (erplink_version, erplink_odoo_client_new) */
%rename("%(regex:/^(erplink_)?(.*)$/erplink_\\2/)s", %$isfunction) "";
/* ESI is wrapped for Python only so far (issue 13 phase 2b) */
%rename("$ignore", regextarget=1, %$isfunction) "^esi_";
%ignore erplink_http_client_pause_remaining_ms;
#else
%rename("%(strip:[erplink_])s", %$isfunction) "";
#endif
%include "swig/api.i"
#ifdef SWIGPYTHON
%include "python/esi_cache.i"
#endif
