/*
 * elnode.cc - the asynchronous half of the Node-API addon: services (Razorpay, store, Odoo,
 * Cartona, EVE SSO and ESI) written against the plain C Node-API and registered on the SWIG
 * module's exports as `native` (bindings/erplink.i, %init). index.js builds the public
 * classes on it.
 *
 * Threads: every call that can block runs on the addon's own pool of worker threads
 * (ERPLINK_NODE_THREADS, default 16), never on libuv's pool (4 threads by default, shared
 * with fs, dns and zlib: 20 slow Odoo calls there would starve the app's file I/O). Each
 * call converts its JavaScript arguments to C on the main thread, runs the C call on a
 * worker with its cancel token pushed (AbortSignal -> erplink_cancel_trigger), captures the
 * thread's erplink error, and hands the job back to the main thread through one Node-API
 * thread-safe function per environment, where its Promise is settled and the C result is
 * converted to JavaScript. CPU-only calls (Razorpay verification, event parsing) are
 * synchronous. Handles (clients, verifiers, stores, dedups, cursors) are externals; a job
 * keeps the handle it uses alive and close() while a job runs frees it after the job.
 */
#define ERPLINK_BINDING_MAX_DEPTH 1000
#include "erplink/cancel.h"
#include "erplink/error.h"
#include "erplink/esi.h"
#include "erplink/http.h"
#include "erplink/json.h"
#include "erplink/odoo.h"
#include "erplink/cartona.h"
#include "erplink/cartona_orders.h"
#include "erplink/cartona_products.h"
#include "erplink/cartona_status.h"
#include "erplink/razorpay.h"
#include "erplink/store.h"
#include "erplink/value.h"

#include "erplink_napi.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

/* ------------------------------------------------------------------ helpers */

/* A C object freed by its free function when the scope ends (options objects of constructors). */
template <class T> using owned = std::unique_ptr<T, void (*)(T *)>;

#define NAPI_TRY(call)                                                                                                 \
  do {                                                                                                                 \
    if ((call) != napi_ok) {                                                                                           \
      elnapi_throw_napi(env);                                                                                          \
      return nullptr;                                                                                                  \
    }                                                                                                                  \
  } while (0)

napi_value undef(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

napi_value js_int(napi_env env, int64_t v) { return elnapi_from_int64(env, v); }

napi_value js_bool(napi_env env, bool b) {
  napi_value r;
  napi_get_boolean(env, b, &r);
  return r;
}

napi_value js_str(napi_env env, const char *s) { return elnapi_str_or_null(env, s); }

bool is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  if (!v || napi_typeof(env, v, &t) != napi_ok) return true;
  return t == napi_undefined || t == napi_null;
}

void throw_code(napi_env env, int code, const char *msg) { elnapi_throw_last(env, erplink_error_set(code, msg)); }

/* A JS string argument (UTF-8 copy); null/undefined -> absent when allowed. */
bool get_str(napi_env env, napi_value v, std::string &out, bool *absent, const char *what) {
  napi_valuetype t;
  if (absent) *absent = false;
  if (napi_typeof(env, v, &t) != napi_ok) {
    elnapi_throw_napi(env);
    return false;
  }
  if ((t == napi_undefined || t == napi_null) && absent) {
    *absent = true;
    return true;
  }
  if (t != napi_string) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s must be a string", what);
    throw_code(env, ERPLINK_ETYPE, msg);
    return false;
  }
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &len) != napi_ok) {
    elnapi_throw_napi(env);
    return false;
  }
  out.resize(len);
  if (napi_get_value_string_utf8(env, v, &out[0], len + 1, &len) != napi_ok) {
    elnapi_throw_napi(env);
    return false;
  }
  if (memchr(out.data(), '\0', len)) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s contains a NUL character", what);
    throw_code(env, ERPLINK_EINVAL, msg);
    return false;
  }
  return true;
}

struct OptStr {
  std::string s;
  bool absent = true;
  const char *c() const { return absent ? nullptr : s.c_str(); }
};

bool get_optstr(napi_env env, napi_value v, OptStr &o, const char *what) {
  return get_str(env, v, o.s, &o.absent, what);
}

bool get_i64(napi_env env, napi_value v, int64_t *out, const char *what) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) {
    elnapi_throw_napi(env);
    return false;
  }
  if (t == napi_bigint) {
    bool lossless = false;
    napi_get_value_bigint_int64(env, v, out, &lossless);
    if (!lossless) {
      throw_code(env, ERPLINK_ERANGE, "BigInt does not fit in 64 bits");
      return false;
    }
    return true;
  }
  double d = 0;
  if (t != napi_number || napi_get_value_double(env, v, &d) != napi_ok || d != trunc(d) || fabs(d) > ELNAPI_MAX_SAFE) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s must be an integer", what);
    throw_code(env, t == napi_number ? ERPLINK_ERANGE : ERPLINK_ETYPE, msg);
    return false;
  }
  *out = (int64_t)d;
  return true;
}

/* Bytes of a Buffer / Uint8Array / ArrayBuffer (borrowed, no copy) or a string (UTF-8 copy: in a
 * per-thread scratch buffer up to 16 KB, valid until the next get_body() on the thread; in tmp beyond). */
bool get_body(napi_env env, napi_value v, const void **data, size_t *len, std::string &tmp) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) {
    elnapi_throw_napi(env);
    return false;
  }
  if (t == napi_string) {
    /* one copy into tmp's buffer when the text fits (a webhook body usually does): napi writes
     * at most size - 1 bytes, cut at a character boundary, so a result shorter than size - 4 is whole */
    static thread_local char scratch[16384]; /* JS threads only; consumed before the next call */
    if (napi_get_value_string_utf8(env, v, scratch, sizeof scratch, len) != napi_ok)
      return elnapi_throw_napi(env), false;
    if (*len + 4 < sizeof scratch) {
      *data = scratch;
      return true;
    }
    if (napi_get_value_string_utf8(env, v, nullptr, 0, len) != napi_ok) return elnapi_throw_napi(env), false;
    tmp.resize(*len);
    if (napi_get_value_string_utf8(env, v, &tmp[0], *len + 1, len) != napi_ok) return elnapi_throw_napi(env), false;
    *data = tmp.data();
    return true;
  }
  bool is = false;
  if (t == napi_object) {
    napi_is_typedarray(env, v, &is);
    if (is) {
      napi_typedarray_type tt;
      size_t n;
      void *p;
      napi_get_typedarray_info(env, v, &tt, &n, &p, nullptr, nullptr);
      if (tt == napi_uint8_array || tt == napi_int8_array || tt == napi_uint8_clamped_array) {
        *data = p ? p : "";
        *len = n;
        return true;
      }
    }
    napi_is_arraybuffer(env, v, &is);
    if (is) {
      void *p;
      napi_get_arraybuffer_info(env, v, &p, len);
      *data = p ? p : "";
      return true;
    }
    napi_is_dataview(env, v, &is);
    if (is) {
      void *p;
      napi_get_dataview_info(env, v, len, &p, nullptr, nullptr);
      *data = p ? p : "";
      return true;
    }
  }
  throw_code(env, ERPLINK_ETYPE, "body must be a Buffer, a Uint8Array, an ArrayBuffer or a string");
  return false;
}

/* An array of strings (null/undefined -> absent). */
bool get_strs(napi_env env, napi_value v, std::vector<std::string> &out, bool *absent, const char *what) {
  bool is = false;
  *absent = false;
  if (is_nullish(env, v)) {
    *absent = true;
    return true;
  }
  napi_is_array(env, v, &is);
  if (!is) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s must be an array of strings", what);
    throw_code(env, ERPLINK_ETYPE, msg);
    return false;
  }
  uint32_t n = 0;
  napi_get_array_length(env, v, &n);
  out.resize(n);
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    if (napi_get_element(env, v, i, &item) != napi_ok) return elnapi_throw_napi(env), false;
    if (!get_str(env, item, out[i], nullptr, what)) return false;
  }
  return true;
}

struct StrList {
  std::vector<std::string> s;
  std::vector<const char *> p;
  bool absent = true;
  void fix() {
    p.clear();
    for (auto &x : s) p.push_back(x.c_str());
  }
  const char *const *ptr() const { return absent ? nullptr : p.data(); }
  size_t n() const { return absent ? 0 : p.size(); }
};

bool get_strlist(napi_env env, napi_value v, StrList &l, const char *what) {
  if (!get_strs(env, v, l.s, &l.absent, what)) return false;
  l.fix();
  return true;
}

/* ids: a number or an array of numbers */
bool get_ids(napi_env env, napi_value v, std::vector<int64_t> &ids) {
  bool is = false;
  napi_is_array(env, v, &is);
  if (!is) {
    int64_t one;
    if (!get_i64(env, v, &one, "ids")) return false;
    ids.push_back(one);
    return true;
  }
  uint32_t n = 0;
  napi_get_array_length(env, v, &n);
  ids.resize(n);
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    if (napi_get_element(env, v, i, &item) != napi_ok) return elnapi_throw_napi(env), false;
    if (!get_i64(env, item, &ids[i], "ids")) return false;
  }
  return true;
}

/* A tree from a JS value (null/undefined -> nullptr when allowed). */
bool get_value(napi_env env, napi_value v, erplink_value **out, bool nullable) {
  *out = nullptr;
  if (nullable && is_nullish(env, v)) return true;
  int rc = elnapi_to_value(env, v, out);
  if (rc) {
    elnapi_throw_conversion(env, rc);
    return false;
  }
  return true;
}

struct ValueHolder {
  erplink_value *v = nullptr;
  ValueHolder() = default;
  ValueHolder(const ValueHolder &) = delete;
  ~ValueHolder() { erplink_value_free(v); }
};

/* A client's `log` option: the C library logs from whichever thread runs the request; each line
 * is copied and queued to the main thread through a thread-safe function (unref'd: logging never
 * keeps the process alive), where log(level, message) is called. Lines are already redacted in
 * C. A throw in log() is an uncaught exception, as from any event listener. Owned by the client's
 * Handle and released after the C client is freed (when nothing can log any more). */
struct LogMsg {
  int level;
  std::string text;
};

void log_call_js(napi_env env, napi_value fn, void *, void *data) {
  std::unique_ptr<LogMsg> m((LogMsg *)data);
  if (!env || !fn) return;
  napi_value args[2], undefined, ignored;
  napi_get_undefined(env, &undefined);
  napi_create_string_utf8(env, erplink_log_level_name(m->level), NAPI_AUTO_LENGTH, &args[0]);
  napi_create_string_utf8(env, m->text.data(), m->text.size(), &args[1]);
  napi_call_function(env, undefined, fn, 2, args, &ignored);
}

struct LogSink {
  napi_threadsafe_function tsfn = nullptr;
  ~LogSink() {
    if (tsfn) napi_release_threadsafe_function(tsfn, napi_tsfn_release);
  }
};

void log_c(int level, const char *message, void *userdata) {
  LogSink *sink = (LogSink *)userdata;
  LogMsg *m = new (std::nothrow) LogMsg{level, message};
  if (m && napi_call_threadsafe_function(sink->tsfn, m, napi_tsfn_nonblocking) != napi_ok) delete m;
}

/* Options every client's transport takes: timeoutMs, connectTimeoutMs, maxAttempts, userAgent,
 * log (a function) and logLevel ('error' .. 'trace', default 'info'); a log sink made here goes to
 * `sink`, for the client's Handle (attach_log). */
int apply_http_options(napi_env env, napi_value obj, erplink_http_options *h, bool *threw,
                       std::unique_ptr<LogSink> &sink) {
  static const char *ints[] = {"timeoutMs", "connectTimeoutMs", "maxAttempts"};
  *threw = false;
  int rc = 0;
  for (int k = 0; k < 3 && !rc; k++) {
    napi_value v;
    int64_t x;
    if (napi_get_named_property(env, obj, ints[k], &v) != napi_ok) return elnapi_throw_napi(env), *threw = true, -1;
    if (is_nullish(env, v)) continue;
    if (!get_i64(env, v, &x, ints[k])) return *threw = true, -1;
    switch (k) {
    case 0: rc = erplink_http_options_set_timeout_ms(h, x); break;
    case 1: rc = erplink_http_options_set_connect_timeout_ms(h, x); break;
    case 2: rc = erplink_http_options_set_max_attempts(h, (int)x); break;
    }
  }
  if (rc) return rc;
  napi_value v;
  OptStr ua;
  if (napi_get_named_property(env, obj, "userAgent", &v) != napi_ok) return elnapi_throw_napi(env), *threw = true, -1;
  if (!get_optstr(env, v, ua, "userAgent")) return *threw = true, -1;
  if (!ua.absent && (rc = erplink_http_options_set_user_agent(h, ua.c()))) return rc;
  napi_value fn;
  if (napi_get_named_property(env, obj, "log", &fn) != napi_ok) return elnapi_throw_napi(env), *threw = true, -1;
  if (is_nullish(env, fn)) return 0;
  napi_valuetype t;
  napi_typeof(env, fn, &t);
  if (t != napi_function)
    return throw_code(env, ERPLINK_ETYPE, "log must be a function (level, message)"), *threw = true, -1;
  OptStr lv;
  if (napi_get_named_property(env, obj, "logLevel", &v) != napi_ok) return elnapi_throw_napi(env), *threw = true, -1;
  if (!get_optstr(env, v, lv, "logLevel")) return *threw = true, -1;
  int level = ERPLINK_LOG_INFO;
  if (!lv.absent) {
    for (level = ERPLINK_LOG_ERROR; level <= ERPLINK_LOG_TRACE; level++)
      if (strcmp(lv.c(), erplink_log_level_name(level)) == 0) break;
    if (level > ERPLINK_LOG_TRACE)
      return erplink_error_set(ERPLINK_EINVAL, "logLevel must be 'error', 'warn', 'info', 'debug' or 'trace'");
  }
  sink.reset(new LogSink());
  napi_value name;
  napi_create_string_utf8(env, "erplink log", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, fn, nullptr, name, 0, 1, nullptr, nullptr, nullptr, log_call_js,
                                      &sink->tsfn) != napi_ok)
    return sink.reset(), elnapi_throw_napi(env), *threw = true, -1;
  napi_unref_threadsafe_function(env, sink->tsfn);
  return erplink_http_options_set_log(h, level, log_c, sink.get());
}

/* Reads the named optional string / integer properties of obj into the setter(k, value). */
bool each_opt_str(napi_env env, napi_value obj, const char *const *names, int n,
                  const std::function<int(int, const char *)> &set, int *rc) {
  for (int k = 0; k < n && !*rc; k++) {
    napi_value v;
    OptStr s;
    if (napi_get_named_property(env, obj, names[k], &v) != napi_ok) return elnapi_throw_napi(env), false;
    if (!get_optstr(env, v, s, names[k])) return false;
    if (!s.absent) *rc = set(k, s.c());
  }
  return true;
}

bool each_opt_int(napi_env env, napi_value obj, const char *const *names, int n,
                  const std::function<int(int, int64_t)> &set, int *rc) {
  for (int k = 0; k < n && !*rc; k++) {
    napi_value v;
    int64_t x;
    if (napi_get_named_property(env, obj, names[k], &v) != napi_ok) return elnapi_throw_napi(env), false;
    if (is_nullish(env, v)) continue;
    if (!get_i64(env, v, &x, names[k])) return false;
    *rc = set(k, x);
  }
  return true;
}

/* ------------------------------------------------------------------ handles */

struct JsBackend;
void js_backend_free(JsBackend *b);

struct Handle {
  void *p = nullptr;
  void (*destroy)(void *) = nullptr;
  const char *kind = "";
  int busy = 0;                      /* jobs in flight (main thread only) */
  bool closing = false;              /* close() asked while busy: freed by the last job */
  std::vector<napi_ref> deps;        /* handles this one borrows (a dedup's store) */
  struct Handle *borrowed = nullptr; /* that handle, kept busy (its close() waits for this one) */
  napi_env env = nullptr;
  int64_t ext_bytes = 0;        /* C memory reported to V8 (napi_adjust_external_memory) */
  LogSink *log = nullptr;       /* the client's log option, released after the client is freed */
  JsBackend *backend = nullptr; /* storage written in JavaScript (ops, cache), released after the C object */
};

void handle_free_now(Handle *h) {
  if (h->p) h->destroy(h->p);
  h->p = nullptr;
  delete h->log;
  h->log = nullptr;
  js_backend_free(h->backend);
  h->backend = nullptr;
  if (Handle *b = h->borrowed) {
    h->borrowed = nullptr;
    if (--b->busy == 0 && b->closing) handle_free_now(b);
  }
  for (napi_ref r : h->deps) napi_delete_reference(h->env, r);
  h->deps.clear();
}

void handle_finalize(napi_env env, void *data, void *) {
  Handle *h = (Handle *)data;
  int64_t ignored;
  if (h->ext_bytes) napi_adjust_external_memory(env, -h->ext_bytes, &ignored);
  handle_free_now(h);
  delete h;
}

napi_value handle_new(napi_env env, void *p, void (*destroy)(void *), const char *kind) {
  Handle *h = new Handle();
  h->p = p;
  h->destroy = destroy;
  h->kind = kind;
  h->env = env;
  napi_value ext;
  if (napi_create_external(env, h, handle_finalize, nullptr, &ext) != napi_ok) {
    destroy(p);
    delete h;
    elnapi_throw_napi(env);
    return nullptr;
  }
  return ext;
}

Handle *get_handle(napi_env env, napi_value v, const char *kind);

/* A client's handle, owning its log sink (when the options had one). */
napi_value client_handle_new(napi_env env, void *p, void (*destroy)(void *), const char *kind,
                             std::unique_ptr<LogSink> &sink) {
  napi_value ext = handle_new(env, p, destroy, kind);
  if (ext) {
    Handle *h = nullptr;
    napi_get_value_external(env, ext, (void **)&h);
    h->log = sink.release();
  }
  return ext;
}

/* The handle in ext borrows the handle `of` (its external `of_ext`). */
void borrow(napi_env env, napi_value ext, napi_value of_ext, Handle *of) {
  Handle *h = nullptr;
  napi_get_value_external(env, ext, (void **)&h);
  napi_ref r;
  napi_create_reference(env, of_ext, 1, &r);
  h->deps.push_back(r);
  h->borrowed = of;
  of->busy++;
}

Handle *get_handle(napi_env env, napi_value v, const char *kind) {
  napi_valuetype t;
  void *data = nullptr;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external || napi_get_value_external(env, v, &data) != napi_ok ||
      !data || strcmp(((Handle *)data)->kind, kind) != 0) {
    char msg[128];
    snprintf(msg, sizeof msg, "not a %s handle", kind);
    throw_code(env, ERPLINK_ETYPE, msg);
    return nullptr;
  }
  Handle *h = (Handle *)data;
  if (!h->p || h->closing) {
    char msg[128];
    snprintf(msg, sizeof msg, "the %s is closed", kind);
    throw_code(env, ERPLINK_EINVAL, msg);
    return nullptr;
  }
  return h;
}

napi_value handle_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_TRY(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  void *data = nullptr;
  napi_valuetype t;
  if (argc < 1 || napi_typeof(env, argv[0], &t) != napi_ok || t != napi_external) return undef(env);
  napi_get_value_external(env, argv[0], &data);
  Handle *h = (Handle *)data;
  if (!h) return undef(env);
  if (h->busy > 0)
    h->closing = true;
  else
    handle_free_now(h);
  return undef(env);
}

/* ------------------------------------------------------------------ cancel tokens */

void cancel_finalize(napi_env, void *data, void *) { erplink_cancel_free((erplink_cancel *)data); }

napi_value cancel_new(napi_env env, napi_callback_info) {
  erplink_cancel *c = nullptr;
  int rc = erplink_cancel_new(&c);
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  napi_value ext;
  NAPI_TRY(napi_create_external(env, c, cancel_finalize, nullptr, &ext));
  return ext;
}

napi_value cancel_trigger(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_TRY(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  void *data = nullptr;
  if (argc >= 1 && napi_get_value_external(env, argv[0], &data) == napi_ok && data)
    erplink_cancel_trigger((erplink_cancel *)data);
  return undef(env);
}

/* ------------------------------------------------------------------ jobs and the pool */

struct ErrInfo {
  int code = 0;
  std::string message, remote_class, detail;
  bool has_remote = false, has_detail = false;
  int http_status = 0;
  int64_t retry_after = -1;
};

struct EnvData;

struct Job {
  EnvData *ed = nullptr;
  napi_deferred deferred = nullptr;
  std::function<int()> run;                   /* worker thread */
  std::function<napi_value(napi_env)> finish; /* main thread, on success */
  std::function<void()> cleanup;              /* main thread, always (frees C outputs) */
  int rc = 0;
  ErrInfo err;
  std::vector<napi_ref> refs;
  std::vector<Handle *> handles;
  erplink_cancel *cancel = nullptr;
  /* the thread-safe function that takes the finished job (default: the environment's); a job
   * with a JS callback (progress) uses the callback's, so that the callback's calls and the
   * completion arrive in order */
  napi_threadsafe_function done_tsfn = nullptr;
  /* main thread, before settling: an error to reject with instead (a throw in the callback) */
  std::function<napi_value(napi_env)> override_error;
  /* what a JavaScript backend of the call threw (main thread): the rejection when the job fails,
   * or whenever it is set when cause_always (a cache whose failures C works around) */
  napi_ref cause = nullptr;
  bool cause_always = false;
};

struct EnvData {
  napi_threadsafe_function tsfn = nullptr;
  size_t pending = 0;
};

/* The addon's workers: nthreads threads started on the first job, plus one more each time a
 * worker starts waiting for a JavaScript backend while none is idle (pool_block()), up to
 * MAX_THREADS; those extra threads exit after 30 s without work. */
struct Pool {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Job *> q;
  bool started = false;
  unsigned nthreads = 16;
  unsigned total = 0; /* threads running */
  unsigned idle = 0;  /* threads waiting for a job */
};
const unsigned MAX_THREADS = 256;

thread_local Job *tl_job = nullptr; /* the job a pool worker runs (a callback from C finds it here) */

Pool *pool() {
  static Pool *p = new Pool(); /* process lifetime: the threads never exit */
  return p;
}

void capture_error(Job *j) {
  const erplink_error *e = erplink_error_last();
  j->err.code = j->rc;
  if (e && erplink_error_code(e) == j->rc) {
    j->err.message = erplink_error_message(e) ? erplink_error_message(e) : "";
    j->err.http_status = erplink_error_http_status(e);
    const char *rcls = erplink_error_remote_class(e), *det = erplink_error_detail(e);
    if (rcls) j->err.has_remote = true, j->err.remote_class = rcls;
    if (det) j->err.has_detail = true, j->err.detail = det;
    j->err.retry_after = erplink_error_retry_after_ms(e);
  } else {
    j->err.message = erplink_strerror(j->rc);
  }
}

void worker_main() {
  Pool *p = pool();
  for (;;) {
    Job *j;
    {
      std::unique_lock<std::mutex> lk(p->mu);
      p->idle++;
      while (p->q.empty()) {
        if (p->total <= p->nthreads) {
          p->cv.wait(lk);
        } else if (p->cv.wait_for(lk, std::chrono::seconds(30)) == std::cv_status::timeout && p->q.empty() &&
                   p->total > p->nthreads) {
          p->idle--, p->total--; /* an extra thread with nothing to do */
          return;
        }
      }
      p->idle--;
      j = p->q.front();
      p->q.pop_front();
    }
    erplink_error_clear();
    bool pushed = false;
    if (j->cancel) {
      if (erplink_cancel_is_triggered(j->cancel)) {
        j->rc = erplink_error_set(ERPLINK_ECANCELLED, "cancelled");
        goto done;
      }
      pushed = erplink_cancel_push(j->cancel) == 0;
    }
    tl_job = j;
    j->rc = j->run();
    tl_job = nullptr;
    if (pushed) erplink_cancel_pop();
  done:
    if (j->rc < 0) capture_error(j);
    napi_call_threadsafe_function(j->done_tsfn ? j->done_tsfn : j->ed->tsfn, j, napi_tsfn_blocking);
  }
}

napi_value make_error(napi_env env, const ErrInfo &e) {
  napi_value msg, err, v;
  napi_create_string_utf8(env, e.message.c_str(), e.message.size(), &msg);
  napi_create_error(env, nullptr, msg, &err);
  napi_create_int32(env, e.code, &v);
  napi_set_named_property(env, err, "code", v);
  napi_set_named_property(env, err, "category",
                          js_str(env, erplink_error_category_name(erplink_error_category_of(e.code))));
  if (e.http_status > 0)
    napi_create_int32(env, e.http_status, &v);
  else
    napi_get_null(env, &v);
  napi_set_named_property(env, err, "httpStatus", v);
  napi_set_named_property(env, err, "remoteClass", js_str(env, e.has_remote ? e.remote_class.c_str() : nullptr));
  napi_set_named_property(env, err, "detail", js_str(env, e.has_detail ? e.detail.c_str() : nullptr));
  if (e.retry_after >= 0)
    napi_create_int64(env, e.retry_after, &v);
  else
    napi_get_null(env, &v);
  napi_set_named_property(env, err, "retryAfterMs", v);
  return err;
}

void job_done_js(napi_env env, napi_value, void *, void *data) {
  Job *j = (Job *)data;
  EnvData *ed = j->ed;
  if (env) {
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    napi_value result = nullptr;
    napi_value override = j->override_error ? j->override_error(env) : nullptr;
    napi_value box;
    if (!override && j->cause && (j->rc < 0 || j->cause_always) &&
        napi_get_reference_value(env, j->cause, &box) == napi_ok)
      napi_get_named_property(env, box, "thrown", &override);
    if (override) {
      napi_reject_deferred(env, j->deferred, override);
    } else if (j->rc >= 0) {
      result = j->finish ? j->finish(env) : undef(env);
      if (!result) { /* the conversion threw */
        napi_value exc;
        bool pending = false;
        napi_is_exception_pending(env, &pending);
        if (pending)
          napi_get_and_clear_last_exception(env, &exc);
        else {
          ErrInfo e;
          e.code = ERPLINK_ENOMEM;
          e.message = "conversion failed";
          exc = make_error(env, e);
        }
        napi_reject_deferred(env, j->deferred, exc);
      } else {
        napi_resolve_deferred(env, j->deferred, result);
      }
    } else {
      napi_reject_deferred(env, j->deferred, make_error(env, j->err));
    }
    if (j->cleanup) j->cleanup();
    for (Handle *h : j->handles)
      if (--h->busy == 0 && h->closing) handle_free_now(h);
    for (napi_ref r : j->refs) napi_delete_reference(env, r);
    if (j->cause) napi_delete_reference(env, j->cause);
    napi_close_handle_scope(env, scope);
    if (--ed->pending == 0) napi_unref_threadsafe_function(env, ed->tsfn);
  }
  delete j;
}

/* The environment of the calling JavaScript thread (main thread or a worker_thread: each
 * has its own env and registers the addon on its own thread). Not instance data: the SWIG
 * module (node-addon-api) owns that slot. */
thread_local EnvData *tl_env_data = nullptr;

EnvData *env_data(napi_env) { return tl_env_data; }

/* Keeps a handle (and its JS external) alive and busy for the job. */
void job_use(napi_env env, Job *j, Handle *h, napi_value ext) {
  napi_ref r;
  napi_create_reference(env, ext, 1, &r);
  j->refs.push_back(r);
  h->busy++;
  j->handles.push_back(h);
}

/* Queues the job; returns its Promise. token: a cancel external or null/undefined. */
napi_value job_submit(napi_env env, Job *j, napi_value token) {
  EnvData *ed = env_data(env);
  napi_value promise;
  j->ed = ed;
  if (napi_create_promise(env, &j->deferred, &promise) != napi_ok) {
    delete j;
    elnapi_throw_napi(env);
    return nullptr;
  }
  if (token && !is_nullish(env, token)) {
    void *c = nullptr;
    if (napi_get_value_external(env, token, &c) == napi_ok && c) {
      j->cancel = (erplink_cancel *)c;
      napi_ref r;
      napi_create_reference(env, token, 1, &r);
      j->refs.push_back(r);
    }
  }
  if (ed->pending++ == 0) napi_ref_threadsafe_function(env, ed->tsfn);
  Pool *p = pool();
  {
    std::lock_guard<std::mutex> lk(p->mu);
    if (!p->started) {
      const char *n = getenv("ERPLINK_NODE_THREADS");
      if (n && atoi(n) > 0 && atoi(n) <= 256) p->nthreads = (unsigned)atoi(n);
      for (unsigned i = 0; i < p->nthreads; i++) std::thread(worker_main).detach();
      p->total = p->nthreads;
      p->started = true;
    }
    p->q.push_back(j);
  }
  p->cv.notify_one();
  return promise;
}

/* Rejects through a Promise what the argument conversion threw (a thrown error would be
 * synchronous for callers that expect a Promise). */
napi_value rejected(napi_env env) {
  napi_value exc, promise;
  napi_deferred d;
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) return nullptr;
  napi_get_and_clear_last_exception(env, &exc);
  napi_create_promise(env, &d, &promise);
  napi_reject_deferred(env, d, exc);
  return promise;
}

#define ARGS(N)                                                                                                        \
  size_t argc = N;                                                                                                     \
  napi_value argv[N];                                                                                                  \
  NAPI_TRY(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));                                                \
  for (size_t i_ = argc; i_ < N; i_++) argv[i_] = undef(env);

/* ------------------------------------------------------------------ backends written in JavaScript */

/* The C primitives of erplink_dedup_ops, erplink_outbox_ops and esi_cache_store implemented by
 * the methods of a JavaScript object. A primitive runs on a pool worker: it queues a BridgeCall
 * to the JavaScript thread through the backend's thread-safe function and waits. There the
 * method is called with the call's arguments (copies), its result — or, when it returns a
 * Promise, the value the Promise settles with — is converted into the call, and the worker is
 * woken. A throw or a rejection fails the primitive with the thrown error's erplink code when it
 * has one (an ErplinkError), else ERPLINK_ESTORE, and the Promise of the erplink call that ran
 * the primitive rejects with the thrown value itself when that call fails (for an ESI cache, whose
 * failures the client works around by fetching, whenever it threw). A result of the wrong
 * type fails it with ERPLINK_ETYPE naming the method.
 *
 * While it waits the worker counts as blocked: when no other worker is idle the pool starts one
 * more (pool_block()), so a method that itself awaits erplink calls cannot wait for a worker it
 * holds. A job cancelled through its AbortSignal stops waiting (ERPLINK_ECANCELLED; the method's
 * late result is dropped). A primitive called on the JavaScript thread would wait for itself: it
 * fails with ERPLINK_EINVAL instead (no erplink call runs a primitive there). */

struct BridgeRow {
  std::string key, payload, message;
  bool has_message = false;
  int64_t generation = 0, changed = 0, attempts = 0, code = 0;
};

struct BridgeCall;
/* main thread: the method's arguments (false: a napi failure) */
using BridgeArgs = std::function<bool(napi_env, std::vector<napi_value> &)>;
/* main thread: reads the method's result into the call (false: it threw, or set call.err) */
using BridgeTake = std::function<bool(napi_env, napi_value, BridgeCall &)>;

struct BridgeCall {
  const char *method = "";
  BridgeArgs args;
  BridgeTake take;
  Job *job = nullptr; /* the job whose worker waits (valid while !abandoned) */
  bool always_raise = false;
  /* results */
  bool flag = false, found = false;
  int64_t num = 0;
  std::string bytes;
  std::vector<BridgeRow> rows;
  int rc = 0;
  std::string err;
  /* handshake */
  std::mutex mu;
  std::condition_variable cv;
  bool done = false, abandoned = false;
};

struct JsBackend {
  napi_threadsafe_function tsfn = nullptr;
  napi_ref ops = nullptr;
  std::thread::id js_thread;
  std::string what;          /* "store.Dedup ops", for messages */
  bool always_raise = false; /* a throw rejects the call even when C carried on (the ESI cache) */
};

void js_backend_free(JsBackend *b) {
  if (b) napi_release_threadsafe_function(b->tsfn, napi_tsfn_release); /* then js_backend_finalize */
}

void js_backend_finalize(napi_env env, void *data, void *) {
  JsBackend *b = (JsBackend *)data;
  if (env && b->ops) napi_delete_reference(env, b->ops);
  delete b;
}

/* A worker is about to wait for the JavaScript thread: if no other worker is idle, one more. */
void pool_block() {
  Pool *p = pool();
  std::lock_guard<std::mutex> lk(p->mu);
  if (p->idle == 0 && p->total < MAX_THREADS) {
    p->total++;
    std::thread(worker_main).detach();
  }
}

void bridge_finish(const std::shared_ptr<BridgeCall> &call, int rc, std::string err) {
  std::lock_guard<std::mutex> lk(call->mu);
  if (rc < 0 && call->rc == 0) call->rc = rc, call->err = std::move(err);
  call->done = true;
  call->cv.notify_one();
}

/* The message of a thrown value: its `message` when it is a string, else String(value). */
std::string thrown_message(napi_env env, napi_value exc) {
  napi_value m = nullptr, s;
  napi_valuetype t = napi_undefined;
  bool has = false;
  if (napi_typeof(env, exc, &t) == napi_ok && t == napi_object &&
      napi_has_named_property(env, exc, "message", &has) == napi_ok && has &&
      napi_get_named_property(env, exc, "message", &m) == napi_ok && napi_typeof(env, m, &t) == napi_ok &&
      t == napi_string)
    s = m;
  else if (napi_coerce_to_string(env, exc, &s) != napi_ok) {
    napi_value ignored;
    napi_get_and_clear_last_exception(env, &ignored);
    return "(a value that cannot be shown)";
  }
  char buf[512];
  size_t n = 0;
  if (napi_get_value_string_utf8(env, s, buf, sizeof buf, &n) != napi_ok) return "";
  return std::string(buf, n);
}

/* The method threw exc, or its Promise rejected with it. */
void bridge_reject(napi_env env, const std::shared_ptr<BridgeCall> &call, napi_value exc) {
  int code = ERPLINK_ESTORE;
  napi_valuetype t;
  napi_value c;
  int32_t v = 0;
  if (napi_typeof(env, exc, &t) == napi_ok && t == napi_object &&
      napi_get_named_property(env, exc, "code", &c) == napi_ok && napi_typeof(env, c, &t) == napi_ok &&
      t == napi_number && napi_get_value_int32(env, c, &v) == napi_ok && v < 0 && v > -1000)
    code = v;
  std::string msg = std::string(call->method) + ": " + thrown_message(env, exc);
  {
    std::lock_guard<std::mutex> lk(call->mu);
    /* the latest failure wins (an earlier one C worked around, e.g. a purge, is not the cause);
     * kept in a holder object: Node-API 8 has no references to primitives (a thrown string) */
    napi_value box;
    if (!call->abandoned && call->job && napi_create_object(env, &box) == napi_ok &&
        napi_set_named_property(env, box, "thrown", exc) == napi_ok) {
      if (call->job->cause) napi_delete_reference(env, call->job->cause);
      call->job->cause = nullptr;
      napi_create_reference(env, box, 1, &call->job->cause);
      call->job->cause_always = call->always_raise;
    }
  }
  bridge_finish(call, code, msg);
}

void bridge_resolve(napi_env env, const std::shared_ptr<BridgeCall> &call, napi_value v) {
  if (call->take(env, v, *call)) return bridge_finish(call, 0, "");
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) { /* a conversion threw (an erplink error naming what is wrong) */
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    return bridge_finish(call, ERPLINK_ETYPE, std::string(call->method) + " returned " + thrown_message(env, exc));
  }
  bridge_finish(call, call->rc ? call->rc : ERPLINK_ETYPE,
                call->err.empty() ? std::string(call->method) + ": bad result" : call->err);
}

/* The `then` callbacks of a method's Promise; each gets the same holder, and one of them runs. */
napi_value bridge_settle(napi_env env, napi_callback_info info, bool resolved) {
  size_t argc = 1;
  napi_value argv[1];
  void *data = nullptr;
  napi_get_cb_info(env, info, &argc, argv, nullptr, &data);
  auto *holder = (std::shared_ptr<BridgeCall> *)data;
  napi_value v = argc ? argv[0] : undef(env);
  if (resolved)
    bridge_resolve(env, *holder, v);
  else
    bridge_reject(env, *holder, v);
  delete holder;
  return undef(env);
}
napi_value bridge_settled_js(napi_env env, napi_callback_info info) { return bridge_settle(env, info, true); }
napi_value bridge_rejected_js(napi_env env, napi_callback_info info) { return bridge_settle(env, info, false); }

void bridge_call_js(napi_env env, napi_value, void *ctx, void *data) {
  auto *holder = (std::shared_ptr<BridgeCall> *)data;
  std::shared_ptr<BridgeCall> call = *holder;
  delete holder;
  if (!env) return bridge_finish(call, ERPLINK_ECANCELLED, "the JavaScript environment is shutting down");
  JsBackend *b = (JsBackend *)ctx;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value ops, fn, res, exc;
  napi_valuetype t = napi_undefined;
  std::vector<napi_value> args;
  bool is_promise = false;
  if (napi_get_reference_value(env, b->ops, &ops) != napi_ok ||
      napi_get_named_property(env, ops, call->method, &fn) != napi_ok || napi_typeof(env, fn, &t) != napi_ok ||
      t != napi_function) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) napi_get_and_clear_last_exception(env, &exc);
    bridge_finish(call, ERPLINK_EINVAL, b->what + "." + call->method + " is not a function any more");
  } else if (!call->args(env, args)) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) napi_get_and_clear_last_exception(env, &exc);
    bridge_finish(call, ERPLINK_ENOMEM, std::string(call->method) + ": the arguments could not be made");
  } else if (napi_call_function(env, ops, fn, args.size(), args.data(), &res) != napi_ok) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending && napi_get_and_clear_last_exception(env, &exc) == napi_ok)
      bridge_reject(env, call, exc);
    else
      bridge_finish(call, ERPLINK_ESTORE, std::string(call->method) + " failed");
  } else if (napi_is_promise(env, res, &is_promise) == napi_ok && is_promise) {
    napi_value then, fns[2];
    auto *h = new std::shared_ptr<BridgeCall>(call); /* settled once: by one of the two */
    if (napi_get_named_property(env, res, "then", &then) != napi_ok ||
        napi_create_function(env, "settled", NAPI_AUTO_LENGTH, bridge_settled_js, h, &fns[0]) != napi_ok ||
        napi_create_function(env, "rejected", NAPI_AUTO_LENGTH, bridge_rejected_js, h, &fns[1]) != napi_ok ||
        napi_call_function(env, res, then, 2, fns, &res) != napi_ok) {
      delete h;
      bool pending = false;
      napi_is_exception_pending(env, &pending);
      if (pending) napi_get_and_clear_last_exception(env, &exc);
      bridge_finish(call, ERPLINK_ENOMEM, std::string(call->method) + ": cannot wait for its Promise");
    }
  } else {
    bridge_resolve(env, call, res);
  }
  napi_close_handle_scope(env, scope);
}

/* Runs b's `method` on the JavaScript thread and waits for its result (in *out). Worker side. */
int bridge_run(JsBackend *b, const char *method, BridgeArgs args, BridgeTake take, std::shared_ptr<BridgeCall> &out) {
  char msg[256];
  if (std::this_thread::get_id() == b->js_thread) {
    snprintf(msg, sizeof msg, "%s.%s cannot be called from the JavaScript thread", b->what.c_str(), method);
    return erplink_error_set(ERPLINK_EINVAL, msg);
  }
  auto call = std::make_shared<BridgeCall>();
  call->method = method;
  call->args = std::move(args);
  call->take = std::move(take);
  call->job = tl_job;
  call->always_raise = b->always_raise;
  auto *holder = new std::shared_ptr<BridgeCall>(call);
  if (napi_call_threadsafe_function(b->tsfn, holder, napi_tsfn_blocking) != napi_ok) {
    delete holder;
    return erplink_error_set(ERPLINK_ECANCELLED, "the JavaScript environment is shutting down");
  }
  pool_block();
  erplink_cancel *cancel = tl_job ? tl_job->cancel : nullptr;
  {
    std::unique_lock<std::mutex> lk(call->mu);
    while (!call->done) {
      if (!cancel) {
        call->cv.wait(lk);
      } else if (!call->cv.wait_for(lk, std::chrono::milliseconds(50), [&] { return call->done; }) &&
                 erplink_cancel_is_triggered(cancel)) {
        call->abandoned = true;
        snprintf(msg, sizeof msg, "cancelled while waiting for %s.%s", b->what.c_str(), method);
        return erplink_error_set(ERPLINK_ECANCELLED, msg);
      }
    }
  }
  out = call;
  return call->rc < 0 ? erplink_error_set(call->rc, call->err.c_str()) : 0;
}

/* A backend over the JavaScript object ops; `fns` lists its methods, required ones first
 * (n_required of them); has[i] tells whether fns[i] is there. Throws (false) when a required
 * method is missing or a present one is not a function. */
bool js_backend_new(napi_env env, napi_value ops, const char *what, const char *const *fns, size_t n, size_t n_required,
                    bool *has, JsBackend **out) {
  *out = nullptr;
  napi_valuetype t;
  char msg[256];
  if (napi_typeof(env, ops, &t) != napi_ok || (t != napi_object && t != napi_function)) {
    snprintf(msg, sizeof msg, "%s must be an object", what);
    return throw_code(env, ERPLINK_ETYPE, msg), false;
  }
  std::string missing;
  for (size_t i = 0; i < n; i++) {
    napi_value f;
    if (napi_get_named_property(env, ops, fns[i], &f) != napi_ok) return elnapi_throw_napi(env), false;
    has[i] = !is_nullish(env, f);
    if (has[i] && (napi_typeof(env, f, &t) != napi_ok || t != napi_function)) {
      snprintf(msg, sizeof msg, "%s.%s is not a function", what, fns[i]);
      return throw_code(env, ERPLINK_ETYPE, msg), false;
    }
    if (i < n_required && !has[i]) missing += missing.empty() ? fns[i] : std::string(", ") + fns[i];
  }
  if (!missing.empty()) {
    snprintf(msg, sizeof msg, "%s: %s required (missing: %s)", what,
             n_required > 1 ? "these methods are" : "this method is", missing.c_str());
    return throw_code(env, ERPLINK_EINVAL, msg), false;
  }
  JsBackend *b = new JsBackend();
  b->what = what;
  b->js_thread = std::this_thread::get_id();
  napi_value name;
  if (napi_create_reference(env, ops, 1, &b->ops) != napi_ok ||
      napi_create_string_utf8(env, what, NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, b, js_backend_finalize, b, bridge_call_js,
                                      &b->tsfn) != napi_ok) {
    if (b->ops) napi_delete_reference(env, b->ops);
    delete b;
    return elnapi_throw_napi(env), false;
  }
  napi_unref_threadsafe_function(env, b->tsfn); /* the jobs that call it keep the loop alive */
  *out = b;
  return true;
}

/* Makes the handle ext own b (released after its C object is freed). */
void handle_own_backend(napi_env env, napi_value ext, JsBackend *b) {
  Handle *h = nullptr;
  napi_get_value_external(env, ext, (void **)&h);
  h->backend = b;
}

/* ---- argument makers and result readers of the primitives */

napi_value js_buf(napi_env env, const std::string &bytes) {
  napi_value buf;
  void *copy;
  return napi_create_buffer_copy(env, bytes.size(), bytes.data(), &copy, &buf) == napi_ok ? buf : nullptr;
}

napi_value js_opt_str(napi_env env, const std::string &s, bool present) {
  return present ? js_str(env, s.c_str()) : elnapi_str_or_null(env, nullptr);
}

bool take_none(napi_env, napi_value, BridgeCall &) { return true; }

bool take_bool(napi_env env, napi_value v, BridgeCall &c) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_boolean) {
    c.err = std::string(c.method) + " must return a boolean (or a Promise of one)";
    return false;
  }
  napi_get_value_bool(env, v, &c.flag);
  return true;
}

bool take_count(napi_env env, napi_value v, BridgeCall &c) {
  if (!get_i64(env, v, &c.num, "the count")) return false;
  if (c.num < 0) {
    c.err = std::string(c.method) + " returned a negative count";
    return false;
  }
  return true;
}

/* A body-like value (Buffer, Uint8Array, ArrayBuffer, string) copied into out. */
bool take_bytes_into(napi_env env, napi_value v, std::string &out) {
  const void *data = nullptr;
  size_t len = 0;
  std::string tmp;
  if (!get_body(env, v, &data, &len, tmp)) return false;
  out.assign((const char *)data, len);
  return true;
}

bool take_blob(napi_env env, napi_value v, BridgeCall &c) {
  if (is_nullish(env, v)) return true;
  c.found = true;
  return take_bytes_into(env, v, c.bytes);
}

/* A row: {key, payload, generation, attempts, errorCode?, errorMessage?, changedMs?} or
 * [key, payload, generation, attempts, errorCode?, errorMessage?, changedMs?]. */
bool take_row(napi_env env, napi_value v, BridgeRow &r) {
  static const char *names[] = {"key", "payload", "generation", "attempts", "errorCode", "errorMessage", "changedMs"};
  bool arr = false;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_object)
    return throw_code(env, ERPLINK_ETYPE, "a row must be an object or an array"), false;
  napi_is_array(env, v, &arr);
  napi_value f[7];
  for (uint32_t i = 0; i < 7; i++)
    if ((arr ? napi_get_element(env, v, i, &f[i]) : napi_get_named_property(env, v, names[i], &f[i])) != napi_ok)
      return elnapi_throw_napi(env), false;
  bool absent = false;
  if (!get_str(env, f[0], r.key, nullptr, "a row's key") || !take_bytes_into(env, f[1], r.payload) ||
      !get_i64(env, f[2], &r.generation, "a row's generation") || !get_i64(env, f[3], &r.attempts, "a row's attempts"))
    return false;
  if (!is_nullish(env, f[4]) && !get_i64(env, f[4], &r.code, "a row's errorCode")) return false;
  if (!get_str(env, f[5], r.message, &absent, "a row's errorMessage")) return false;
  r.has_message = !absent;
  if (!is_nullish(env, f[6]) && !get_i64(env, f[6], &r.changed, "a row's changedMs")) return false;
  return true;
}

bool take_rows(napi_env env, napi_value v, BridgeCall &c) {
  bool arr = false;
  napi_is_array(env, v, &arr);
  if (!arr) {
    c.err = std::string(c.method) + " must return an array of rows (or a Promise of one)";
    return false;
  }
  uint32_t n = 0;
  napi_get_array_length(env, v, &n);
  c.rows.resize(n);
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    if (napi_get_element(env, v, i, &e) != napi_ok) return elnapi_throw_napi(env), false;
    if (!take_row(env, e, c.rows[i])) return false;
  }
  return true;
}

int sink_rows(erplink_outbox_sink *sink, const BridgeCall &c) {
  for (const BridgeRow &r : c.rows) {
    if (r.attempts < INT32_MIN || r.attempts > INT32_MAX || r.code < INT32_MIN || r.code > INT32_MAX)
      return erplink_error_set(ERPLINK_ERANGE, "a row's attempts or errorCode is out of range");
    int rc =
        erplink_outbox_sink_add(sink, r.key.c_str(), r.payload.data(), r.payload.size(), r.generation, (int)r.attempts,
                                (int)r.code, r.has_message ? r.message.c_str() : nullptr, r.changed);
    if (rc) return rc;
  }
  return 0;
}

#define BRIDGE_ARGS(...)                                                                                               \
  [=](napi_env env, std::vector<napi_value> &a) {                                                                      \
    a = {__VA_ARGS__};                                                                                                 \
    for (napi_value x : a)                                                                                             \
      if (!x) return false;                                                                                            \
    return true;                                                                                                       \
  }

/* ---- erplink_dedup_ops */

const char *const DEDUP_FNS[] = {"insertIfAbsent", "remove", "purge", "count"};

int jd_insert(int *inserted, const char *id, int64_t expires, int64_t now, void *ud) {
  std::string k(id);
  std::shared_ptr<BridgeCall> c;
  int rc = bridge_run((JsBackend *)ud, "insertIfAbsent",
                      BRIDGE_ARGS(js_str(env, k.c_str()), js_int(env, expires), js_int(env, now)), take_bool, c);
  if (!rc) *inserted = c->flag;
  return rc;
}

int jd_remove(int *removed, const char *id, void *ud) {
  std::string k(id);
  std::shared_ptr<BridgeCall> c;
  int rc = bridge_run((JsBackend *)ud, "remove", BRIDGE_ARGS(js_str(env, k.c_str())), take_bool, c);
  if (!rc) *removed = c->flag;
  return rc;
}

int jd_purge(int64_t now, size_t max, void *ud) {
  std::shared_ptr<BridgeCall> c;
  return bridge_run((JsBackend *)ud, "purge", BRIDGE_ARGS(js_int(env, now), js_int(env, (int64_t)max)), take_none, c);
}

int jd_count(size_t *count, int64_t now, void *ud) {
  std::shared_ptr<BridgeCall> c;
  int rc = bridge_run((JsBackend *)ud, "count", BRIDGE_ARGS(js_int(env, now)), take_count, c);
  if (!rc) *count = (size_t)c->num;
  return rc;
}

/* ---- erplink_outbox_ops */

const char *const OUTBOX_FNS[] = {"upsert", "claim", "finish", "list", "requeue", "discard", "count", "purge"};

int jo_upsert(const char *key, const void *payload, size_t len, int64_t now, void *ud) {
  std::string k(key), pl(payload ? (const char *)payload : "", len);
  std::shared_ptr<BridgeCall> c;
  return bridge_run((JsBackend *)ud, "upsert", BRIDGE_ARGS(js_str(env, k.c_str()), js_buf(env, pl), js_int(env, now)),
                    take_none, c);
}

int jo_claim(erplink_outbox_sink *sink, size_t max, int64_t now, int64_t lease_until, void *ud) {
  std::shared_ptr<BridgeCall> c;
  int rc = bridge_run((JsBackend *)ud, "claim",
                      BRIDGE_ARGS(js_int(env, (int64_t)max), js_int(env, now), js_int(env, lease_until)), take_rows, c);
  return rc ? rc : sink_rows(sink, *c);
}

int jo_finish(int *applied, const char *key, int64_t generation, erplink_outbox_outcome outcome, int64_t ready_at,
              int code, const char *message, int64_t now, void *ud) {
  std::string k(key), m(message ? message : "");
  bool has_m = message != nullptr;
  std::shared_ptr<BridgeCall> c;
  int rc =
      bridge_run((JsBackend *)ud, "finish",
                 BRIDGE_ARGS(js_str(env, k.c_str()), js_int(env, generation), js_int(env, (int64_t)outcome),
                             js_int(env, ready_at), js_int(env, code), js_opt_str(env, m, has_m), js_int(env, now)),
                 take_bool, c);
  if (!rc) *applied = c->flag;
  return rc;
}

int jo_list(erplink_outbox_sink *sink, erplink_outbox_state state, size_t offset, size_t max, void *ud) {
  std::shared_ptr<BridgeCall> c;
  int rc = bridge_run((JsBackend *)ud, "list",
                      BRIDGE_ARGS(js_int(env, (int64_t)state), js_int(env, (int64_t)offset), js_int(env, (int64_t)max)),
                      take_rows, c);
  return rc ? rc : sink_rows(sink, *c);
}

int jo_requeue(size_t *count, const char *key, int64_t now, void *ud) {
  std::string k(key ? key : "");
  bool has_k = key != nullptr;
  std::shared_ptr<BridgeCall> c;
  int rc =
      bridge_run((JsBackend *)ud, "requeue", BRIDGE_ARGS(js_opt_str(env, k, has_k), js_int(env, now)), take_count, c);
  if (!rc) *count = (size_t)c->num;
  return rc;
}

int jo_discard(size_t *count, const char *key, void *ud) {
  std::string k(key ? key : "");
  bool has_k = key != nullptr;
  std::shared_ptr<BridgeCall> c;
  int rc = bridge_run((JsBackend *)ud, "discard", BRIDGE_ARGS(js_opt_str(env, k, has_k)), take_count, c);
  if (!rc) *count = (size_t)c->num;
  return rc;
}

int jo_count(size_t *count, erplink_outbox_state state, int64_t now, void *ud) {
  std::shared_ptr<BridgeCall> c;
  int rc =
      bridge_run((JsBackend *)ud, "count", BRIDGE_ARGS(js_int(env, (int64_t)state), js_int(env, now)), take_count, c);
  if (!rc) *count = (size_t)c->num;
  return rc;
}

int jo_purge(int64_t done_before, void *ud) {
  std::shared_ptr<BridgeCall> c;
  return bridge_run((JsBackend *)ud, "purge", BRIDGE_ARGS(js_int(env, done_before)), take_none, c);
}

/* ---- esi_cache_store */

const char *const CACHE_FNS[] = {"get", "put"};

int jc_get(const char *key, void **data, size_t *len, void *ud) {
  std::string k(key);
  std::shared_ptr<BridgeCall> c;
  int rc = bridge_run((JsBackend *)ud, "get", BRIDGE_ARGS(js_str(env, k.c_str())), take_blob, c);
  if (rc || !c->found) return rc;
  if (!(*data = malloc(c->bytes.size() ? c->bytes.size() : 1)))
    return erplink_error_set(ERPLINK_ENOMEM, "out of memory");
  memcpy(*data, c->bytes.data(), c->bytes.size());
  *len = c->bytes.size();
  return 0;
}

int jc_put(const char *key, const void *data, size_t len, void *ud) {
  std::string k(key), d(data ? (const char *)data : "", len);
  std::shared_ptr<BridgeCall> c;
  return bridge_run((JsBackend *)ud, "put", BRIDGE_ARGS(js_str(env, k.c_str()), js_buf(env, d)), take_none, c);
}

/* ------------------------------------------------------------------ razorpay (sync) */

bool get_secrets(napi_env env, napi_value v, StrList &l) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_string) {
    l.s.resize(1);
    if (!get_str(env, v, l.s[0], nullptr, "secret")) return false;
    l.absent = false;
    l.fix();
    return true;
  }
  if (!get_strlist(env, v, l, "secrets")) return false;
  if (l.absent) {
    throw_code(env, ERPLINK_EINVAL, "a secret (or an array of secrets) is required");
    return false;
  }
  return true;
}

napi_value rz_verifier_new(napi_env env, napi_callback_info info) {
  ARGS(1);
  StrList l;
  if (!get_secrets(env, argv[0], l)) return nullptr;
  razorpay_verifier *v = nullptr;
  int rc = razorpay_verifier_new(&v, l.ptr(), l.n());
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  return handle_new(env, v, (void (*)(void *))razorpay_verifier_free, "razorpay.Verifier");
}

napi_value rz_verifier_count(napi_env env, napi_callback_info info) {
  ARGS(1);
  Handle *h = get_handle(env, argv[0], "razorpay.Verifier");
  if (!h) return nullptr;
  return js_int(env, (int64_t)razorpay_verifier_count((razorpay_verifier *)h->p));
}

/* A signature argument into buf (a Razorpay signature is 64 characters: anything longer is
 * cut to 127 bytes, which the C check rejects as malformed all the same). */
bool get_sig(napi_env env, napi_value v, char *buf, size_t size) {
  napi_valuetype t;
  size_t len = 0;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string) {
    throw_code(env, ERPLINK_ETYPE, "signature must be a string");
    return false;
  }
  if (napi_get_value_string_utf8(env, v, buf, size, &len) != napi_ok) return elnapi_throw_napi(env), false;
  if (memchr(buf, '\0', len)) {
    throw_code(env, ERPLINK_EINVAL, "signature contains a NUL character");
    return false;
  }
  return true;
}

/* rzVerifierWebhook(v, body, signature) -> matched index */
napi_value rz_verifier_webhook(napi_env env, napi_callback_info info) {
  ARGS(3);
  Handle *h = get_handle(env, argv[0], "razorpay.Verifier");
  if (!h) return nullptr;
  const void *body;
  size_t len;
  std::string tmp;
  char sig[128];
  if (!get_body(env, argv[1], &body, &len, tmp) || !get_sig(env, argv[2], sig, sizeof sig)) return nullptr;
  size_t idx = 0;
  int rc = razorpay_verifier_verify_webhook(&idx, (razorpay_verifier *)h->p, body, len, sig);
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  return js_int(env, (int64_t)idx);
}

/* rzVerifyWebhook(body, signature, secret) -> 0 (one secret, no verifier) */
napi_value rz_verify_webhook(napi_env env, napi_callback_info info) {
  ARGS(3);
  const void *body;
  size_t len;
  std::string tmp, secret;
  char sig[128];
  if (!get_body(env, argv[0], &body, &len, tmp) || !get_sig(env, argv[1], sig, sizeof sig) ||
      !get_str(env, argv[2], secret, nullptr, "secret"))
    return nullptr;
  int rc = razorpay_verify_webhook(body, len, sig, secret.c_str());
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  return js_int(env, 0);
}

/* rzVerifierFields(v, kind, [fields...], signature): payment / subscription / payment_link */
napi_value rz_verifier_fields(napi_env env, napi_callback_info info) {
  ARGS(4);
  Handle *h = get_handle(env, argv[0], "razorpay.Verifier");
  if (!h) return nullptr;
  int64_t kind;
  StrList f;
  std::string sig;
  if (!get_i64(env, argv[1], &kind, "kind") || !get_strlist(env, argv[2], f, "fields") ||
      !get_str(env, argv[3], sig, nullptr, "signature"))
    return nullptr;
  size_t idx = 0;
  int rc;
  razorpay_verifier *v = (razorpay_verifier *)h->p;
  const char *const *a = f.ptr();
  if (kind == 0 && f.n() == 2)
    rc = razorpay_verifier_verify_payment(&idx, v, a[0], a[1], sig.c_str());
  else if (kind == 1 && f.n() == 2)
    rc = razorpay_verifier_verify_subscription(&idx, v, a[0], a[1], sig.c_str());
  else if (kind == 2 && f.n() == 4)
    rc = razorpay_verifier_verify_payment_link(&idx, v, a[0], a[1], a[2], a[3], sig.c_str());
  else
    rc = erplink_error_set(ERPLINK_EINVAL, "bad verification kind");
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  return js_int(env, (int64_t)idx);
}

napi_value from_value_or_null(napi_env env, const erplink_value *v) {
  if (!v) {
    napi_value n;
    napi_get_null(env, &n);
    return n;
  }
  return elnapi_from_value(env, v);
}

napi_value opt_int_result(napi_env env, int rc, int64_t v) {
  if (rc == ERPLINK_ENOTFOUND) {
    erplink_error_clear();
    napi_value n;
    napi_get_null(env, &n);
    return n;
  }
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  return js_int(env, v);
}

#define SETP(obj, name, val)                                                                                           \
  do {                                                                                                                 \
    napi_value v_ = (val);                                                                                             \
    if (!v_) return nullptr;                                                                                           \
    NAPI_TRY(napi_set_named_property(env, obj, name, v_));                                                             \
  } while (0)

/* rzParseEvent(body, eventId) -> {handle, id, name, accountId, createdAt, contains, root, payload} */
napi_value rz_parse_event(napi_env env, napi_callback_info info) {
  ARGS(2);
  const void *body;
  size_t len;
  std::string tmp;
  OptStr id;
  if (!get_body(env, argv[0], &body, &len, tmp) || !get_optstr(env, argv[1], id, "eventId")) return nullptr;
  razorpay_event *e = nullptr;
  int rc = razorpay_event_parse(&e, body, len, id.c());
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  napi_value h = handle_new(env, e, (void (*)(void *))razorpay_event_free, "razorpay.Event");
  if (!h) return nullptr;
  {
    /* the decoded tree lives until the Event is collected: tell V8 so that it collects in time */
    Handle *eh;
    int64_t ignored;
    napi_get_value_external(env, h, (void **)&eh);
    eh->ext_bytes = (int64_t)len * 8 + 4096;
    napi_adjust_external_memory(env, eh->ext_bytes, &ignored);
  }
  napi_value o;
  NAPI_TRY(napi_create_object(env, &o));
  SETP(o, "handle", h);
  SETP(o, "id", js_str(env, razorpay_event_id(e)));
  SETP(o, "name", js_str(env, razorpay_event_name(e)));
  SETP(o, "accountId", js_str(env, razorpay_event_account_id(e)));
  int64_t ts = 0;
  int trc = razorpay_event_created_at(&ts, e);
  SETP(o, "createdAt", opt_int_result(env, trc, ts));
  napi_value arr;
  size_t n = razorpay_event_contains_count(e);
  NAPI_TRY(napi_create_array_with_length(env, n, &arr));
  for (size_t i = 0; i < n; i++)
    NAPI_TRY(napi_set_element(env, arr, (uint32_t)i, js_str(env, razorpay_event_contains_at(e, i))));
  SETP(o, "contains", arr);
  SETP(o, "root", from_value_or_null(env, razorpay_event_root(e)));
  SETP(o, "payload", from_value_or_null(env, razorpay_event_payload(e)));
  return o;
}

const razorpay_entity *entity_of(napi_env env, napi_value hv, napi_value namev, bool *ok) {
  *ok = false;
  Handle *h = get_handle(env, hv, "razorpay.Event");
  std::string name;
  if (!h || !get_str(env, namev, name, nullptr, "name")) return nullptr;
  *ok = true;
  return razorpay_event_entity((razorpay_event *)h->p, name.c_str());
}

/* rzEventEntity(event, name) -> {id, orderId, amount, currency, status, email, contact, method, notes, raw} | null */
napi_value rz_event_entity(napi_env env, napi_callback_info info) {
  ARGS(2);
  bool ok;
  const razorpay_entity *x = entity_of(env, argv[0], argv[1], &ok);
  if (!ok) return nullptr;
  napi_value o;
  if (!x) {
    napi_get_null(env, &o);
    return o;
  }
  NAPI_TRY(napi_create_object(env, &o));
  SETP(o, "id", js_str(env, razorpay_entity_id(x)));
  SETP(o, "orderId", js_str(env, razorpay_entity_order_id(x)));
  int64_t amount = 0;
  int arc = razorpay_entity_amount(&amount, x);
  SETP(o, "amount", opt_int_result(env, arc, amount));
  SETP(o, "currency", js_str(env, razorpay_entity_currency(x)));
  SETP(o, "status", js_str(env, razorpay_entity_status(x)));
  SETP(o, "email", js_str(env, razorpay_entity_email(x)));
  SETP(o, "contact", js_str(env, razorpay_entity_contact(x)));
  SETP(o, "method", js_str(env, razorpay_entity_method(x)));
  SETP(o, "notes", from_value_or_null(env, razorpay_entity_notes(x)));
  SETP(o, "raw", from_value_or_null(env, razorpay_entity_raw(x)));
  return o;
}

/* rzEntityString(event, entityName, member) / rzEntityInt(...) */
napi_value rz_entity_string(napi_env env, napi_callback_info info) {
  ARGS(3);
  bool ok;
  const razorpay_entity *x = entity_of(env, argv[0], argv[1], &ok);
  std::string m;
  if (!ok || !get_str(env, argv[2], m, nullptr, "name")) return nullptr;
  return js_str(env, x ? razorpay_entity_string(x, m.c_str()) : nullptr);
}

napi_value rz_entity_int(napi_env env, napi_callback_info info) {
  ARGS(3);
  bool ok;
  const razorpay_entity *x = entity_of(env, argv[0], argv[1], &ok);
  std::string m;
  if (!ok || !get_str(env, argv[2], m, nullptr, "name")) return nullptr;
  if (!x) return opt_int_result(env, ERPLINK_ENOTFOUND, 0);
  int64_t v = 0;
  int rc = razorpay_entity_int(&v, x, m.c_str());
  return opt_int_result(env, rc, v);
}

/* ------------------------------------------------------------------ store (async) */

/* storeOpen(path, {create, busyTimeoutMs, sync, maxConnections}, token) -> Promise<handle> */
napi_value store_open(napi_env env, napi_callback_info info) {
  ARGS(3);
  std::string path;
  if (!get_str(env, argv[0], path, nullptr, "path")) return rejected(env);
  erplink_store_options *o = nullptr;
  int rc = erplink_store_options_new(&o);
  if (!rc && !is_nullish(env, argv[1])) {
    napi_value v;
    bool has;
    if (napi_has_named_property(env, argv[1], "create", &has) == napi_ok && has) {
      napi_get_named_property(env, argv[1], "create", &v);
      bool b = true;
      napi_get_value_bool(env, v, &b);
      rc = erplink_store_options_set_create(o, b);
    }
    const char *ints[] = {"busyTimeoutMs", "sync", "maxConnections"};
    for (int k = 0; k < 3 && !rc; k++) {
      if (napi_get_named_property(env, argv[1], ints[k], &v) != napi_ok || is_nullish(env, v)) continue;
      int64_t x;
      if (!get_i64(env, v, &x, ints[k])) {
        erplink_store_options_free(o);
        return rejected(env);
      }
      rc = k == 0   ? erplink_store_options_set_busy_timeout_ms(o, x)
           : k == 1 ? erplink_store_options_set_sync(o, (erplink_store_sync)x)
                    : erplink_store_options_set_max_connections(o, (int)x);
    }
  }
  if (rc) {
    erplink_store_options_free(o);
    elnapi_throw_last(env, rc);
    return rejected(env);
  }
  Job *j = new Job();
  auto out = std::make_shared<erplink_store *>(nullptr);
  j->run = [out, path, o]() { return erplink_store_open(out.get(), path.c_str(), o); };
  j->finish = [out](napi_env env) {
    napi_value h = handle_new(env, *out, (void (*)(void *))erplink_store_close, "store.Store");
    *out = nullptr;
    return h;
  };
  j->cleanup = [out, o]() {
    erplink_store_options_free(o);
    if (*out) erplink_store_close(*out);
  };
  return job_submit(env, j, argv[2]);
}

napi_value store_path(napi_env env, napi_callback_info info) {
  ARGS(1);
  Handle *h = get_handle(env, argv[0], "store.Store");
  if (!h) return nullptr;
  return js_str(env, erplink_store_path((erplink_store *)h->p));
}

/* A job on one handle: fn(handle pointer) on the worker. */
template <class Run, class Finish>
napi_value handle_job(napi_env env, Handle *h, napi_value ext, napi_value token, Run run, Finish finish) {
  Job *j = new Job();
  void *p = h->p;
  j->run = [run, p]() { return run(p); };
  j->finish = finish;
  job_use(env, j, h, ext);
  return job_submit(env, j, token);
}

napi_value store_check(napi_env env, napi_callback_info info) {
  ARGS(2);
  Handle *h = get_handle(env, argv[0], "store.Store");
  if (!h) return rejected(env);
  return handle_job(
      env, h, argv[0], argv[1], [](void *p) { return erplink_store_check((erplink_store *)p); },
      [](napi_env env) { return undef(env); });
}

/* dedupNewMemory(capacity, ttlMs) -> handle (sync: no I/O) */
napi_value dedup_new_memory(napi_env env, napi_callback_info info) {
  ARGS(2);
  int64_t cap, ttl;
  if (!get_i64(env, argv[0], &cap, "capacity") || !get_i64(env, argv[1], &ttl, "ttlMs")) return nullptr;
  if (cap < 0) return throw_code(env, ERPLINK_EINVAL, "capacity must be >= 0"), nullptr;
  erplink_dedup *d = nullptr;
  int rc = erplink_dedup_new_memory(&d, (size_t)cap, ttl);
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  return handle_new(env, d, (void (*)(void *))erplink_dedup_free, "store.Dedup");
}

/* dedupNewSqlite(store, name, capacity, ttlMs) -> handle (creates its table: sync, once at startup) */
napi_value dedup_new_sqlite(napi_env env, napi_callback_info info) {
  ARGS(4);
  Handle *st = get_handle(env, argv[0], "store.Store");
  std::string name;
  int64_t cap, ttl;
  if (!st || !get_str(env, argv[1], name, nullptr, "name") || !get_i64(env, argv[2], &cap, "capacity") ||
      !get_i64(env, argv[3], &ttl, "ttlMs"))
    return nullptr;
  if (cap < 0) return throw_code(env, ERPLINK_EINVAL, "capacity must be >= 0"), nullptr;
  erplink_dedup *d = nullptr;
  int rc = erplink_dedup_new_sqlite(&d, (erplink_store *)st->p, name.c_str(), (size_t)cap, ttl);
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  napi_value h = handle_new(env, d, (void (*)(void *))erplink_dedup_free, "store.Dedup");
  if (!h) return nullptr;
  borrow(env, h, argv[0], st);
  return h;
}

/* dedupNewCustom(ops, capacity, ttlMs) -> handle: erplink_dedup_ops written in JavaScript */
napi_value dedup_new_custom(napi_env env, napi_callback_info info) {
  ARGS(3);
  int64_t cap, ttl;
  bool has[4];
  JsBackend *b = nullptr;
  if (!js_backend_new(env, argv[0], "store.Dedup ops", DEDUP_FNS, 4, 2, has, &b)) return nullptr;
  owned<JsBackend> guard(b, js_backend_free);
  if (!get_i64(env, argv[1], &cap, "capacity") || !get_i64(env, argv[2], &ttl, "ttlMs")) return nullptr;
  if (cap < 0) return throw_code(env, ERPLINK_EINVAL, "capacity must be >= 0"), nullptr;
  erplink_dedup_ops ops = {jd_insert, jd_remove, has[2] ? jd_purge : nullptr, has[3] ? jd_count : nullptr, nullptr};
  erplink_dedup *d = nullptr;
  int rc = erplink_dedup_new_custom(&d, (size_t)cap, ttl, &ops, b);
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  napi_value h = handle_new(env, d, (void (*)(void *))erplink_dedup_free, "store.Dedup");
  if (h) handle_own_backend(env, h, guard.release());
  return h;
}

Handle *get_dedup(napi_env env, napi_value v, erplink_dedup **d) {
  Handle *h = get_handle(env, v, "store.Dedup");
  if (h) *d = (erplink_dedup *)h->p;
  return h;
}

/* dedupSeen(d, id, nowMs, token) -> Promise<boolean> */
napi_value dedup_seen(napi_env env, napi_callback_info info) {
  ARGS(4);
  erplink_dedup *d = nullptr;
  Handle *h = get_dedup(env, argv[0], &d);
  std::string id;
  int64_t now = 0;
  if (!h || !get_str(env, argv[1], id, nullptr, "id") || !get_i64(env, argv[2], &now, "nowMs")) return rejected(env);
  auto seen = std::make_shared<int>(0);
  return handle_job(
      env, h, argv[0], argv[3],
      [d, id, now, seen](void *) { return erplink_dedup_seen(seen.get(), d, id.c_str(), now); },
      [seen](napi_env env) { return js_bool(env, *seen != 0); });
}

napi_value dedup_forget(napi_env env, napi_callback_info info) {
  ARGS(3);
  erplink_dedup *d = nullptr;
  Handle *h = get_dedup(env, argv[0], &d);
  std::string id;
  if (!h || !get_str(env, argv[1], id, nullptr, "id")) return rejected(env);
  auto res = std::make_shared<int>(0);
  return handle_job(
      env, h, argv[0], argv[2], [d, id, res](void *) { return erplink_dedup_forget(res.get(), d, id.c_str()); },
      [res](napi_env env) { return js_bool(env, *res != 0); });
}

napi_value dedup_count(napi_env env, napi_callback_info info) {
  ARGS(3);
  erplink_dedup *d = nullptr;
  Handle *h = get_dedup(env, argv[0], &d);
  int64_t now = 0;
  if (!h || !get_i64(env, argv[1], &now, "nowMs")) return rejected(env);
  auto res = std::make_shared<size_t>(0);
  return handle_job(
      env, h, argv[0], argv[2], [d, now, res](void *) { return erplink_dedup_count(res.get(), d, now); },
      [res](napi_env env) { return js_int(env, (int64_t)*res); });
}

/* blob cache */
napi_value blob_new(napi_env env, napi_callback_info info) {
  ARGS(3);
  Handle *st = get_handle(env, argv[0], "store.Store");
  std::string name;
  int64_t max;
  if (!st || !get_str(env, argv[1], name, nullptr, "name") || !get_i64(env, argv[2], &max, "maxBytes")) return nullptr;
  if (max < 0) return throw_code(env, ERPLINK_EINVAL, "maxBytes must be >= 0"), nullptr;
  erplink_blob_cache *c = nullptr;
  int rc = erplink_blob_cache_new(&c, (erplink_store *)st->p, name.c_str(), (size_t)max);
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  napi_value h = handle_new(env, c, (void (*)(void *))erplink_blob_cache_free, "store.BlobCache");
  if (!h) return nullptr;
  borrow(env, h, argv[0], st);
  return h;
}

napi_value blob_get(napi_env env, napi_callback_info info) {
  ARGS(3);
  Handle *h = get_handle(env, argv[0], "store.BlobCache");
  std::string key;
  if (!h || !get_str(env, argv[1], key, nullptr, "key")) return rejected(env);
  struct Out {
    int found = 0;
    void *data = nullptr;
    size_t len = 0;
    ~Out() { erplink_free(data); }
  };
  auto out = std::make_shared<Out>();
  return handle_job(
      env, h, argv[0], argv[2],
      [key, out](void *p) {
        return erplink_blob_cache_get(&out->found, &out->data, &out->len, (erplink_blob_cache *)p, key.c_str());
      },
      [out](napi_env env) -> napi_value {
        napi_value r;
        if (!out->found) {
          napi_get_null(env, &r);
          return r;
        }
        void *copy;
        if (napi_create_buffer_copy(env, out->len, out->data ? out->data : "", &copy, &r) != napi_ok) return nullptr;
        return r;
      });
}

napi_value blob_put(napi_env env, napi_callback_info info) {
  ARGS(4);
  Handle *h = get_handle(env, argv[0], "store.BlobCache");
  std::string key, tmp;
  const void *data;
  size_t len;
  if (!h || !get_str(env, argv[1], key, nullptr, "key") || !get_body(env, argv[2], &data, &len, tmp))
    return rejected(env);
  auto copy = std::make_shared<std::string>((const char *)data, len); /* the JS buffer may change meanwhile */
  return handle_job(
      env, h, argv[0], argv[3],
      [key, copy](void *p) {
        return erplink_blob_cache_put((erplink_blob_cache *)p, key.c_str(), copy->data(), copy->size());
      },
      [](napi_env env) { return undef(env); });
}

napi_value blob_remove(napi_env env, napi_callback_info info) {
  ARGS(3);
  Handle *h = get_handle(env, argv[0], "store.BlobCache");
  std::string key;
  if (!h || !get_str(env, argv[1], key, nullptr, "key")) return rejected(env);
  auto res = std::make_shared<int>(0);
  return handle_job(
      env, h, argv[0], argv[2],
      [key, res](void *p) { return erplink_blob_cache_remove(res.get(), (erplink_blob_cache *)p, key.c_str()); },
      [res](napi_env env) { return js_bool(env, *res != 0); });
}

napi_value blob_evict(napi_env env, napi_callback_info info) {
  ARGS(3);
  Handle *h = get_handle(env, argv[0], "store.BlobCache");
  int64_t target;
  if (!h || !get_i64(env, argv[1], &target, "targetBytes")) return rejected(env);
  if (target < 0) return throw_code(env, ERPLINK_EINVAL, "targetBytes must be >= 0"), rejected(env);
  return handle_job(
      env, h, argv[0], argv[2],
      [target](void *p) { return erplink_blob_cache_evict((erplink_blob_cache *)p, (size_t)target); },
      [](napi_env env) { return undef(env); });
}

napi_value blob_size(napi_env env, napi_callback_info info) {
  ARGS(2);
  Handle *h = get_handle(env, argv[0], "store.BlobCache");
  if (!h) return rejected(env);
  auto res = std::make_shared<std::pair<size_t, size_t>>(0, 0);
  return handle_job(
      env, h, argv[0], argv[1],
      [res](void *p) { return erplink_blob_cache_size(&res->first, &res->second, (erplink_blob_cache *)p); },
      [res](napi_env env) -> napi_value {
        napi_value o;
        napi_create_object(env, &o);
        napi_set_named_property(env, o, "bytes", js_int(env, (int64_t)res->first));
        napi_set_named_property(env, o, "count", js_int(env, (int64_t)res->second));
        return o;
      });
}

/* ------------------------------------------------------------------ outbox */

/* The policy of an outbox from {leaseMs, maxAttempts, backoffBaseMs, backoffCapMs, jitter,
 * doneRetentionMs} (null/undefined: the defaults); false when it threw. */
bool outbox_options_from_js(napi_env env, napi_value v, erplink_outbox_options **out) {
  erplink_outbox_options *o = nullptr;
  int rc = erplink_outbox_options_new(&o);
  if (rc) return elnapi_throw_last(env, rc), false;
  owned<erplink_outbox_options> guard(o, erplink_outbox_options_free);
  int64_t x[5] = {0, 0, -1, -1, 0};
  bool has[5] = {false, false, false, false, false};
  static const char *names[] = {"leaseMs", "maxAttempts", "backoffBaseMs", "backoffCapMs", "doneRetentionMs"};
  if (!is_nullish(env, v)) {
    for (int k = 0; k < 5; k++) {
      napi_value e;
      if (napi_get_named_property(env, v, names[k], &e) != napi_ok) return elnapi_throw_napi(env), false;
      if (is_nullish(env, e)) continue;
      if (!get_i64(env, e, &x[k], names[k])) return false;
      has[k] = true;
    }
    napi_value j;
    if (napi_get_named_property(env, v, "jitter", &j) != napi_ok) return elnapi_throw_napi(env), false;
    if (!is_nullish(env, j)) {
      double d = 0;
      if (napi_get_value_double(env, j, &d) != napi_ok)
        return throw_code(env, ERPLINK_ETYPE, "jitter must be a number"), false;
      rc = erplink_outbox_options_set_jitter(o, d);
    }
  }
  if (!rc && has[0]) rc = erplink_outbox_options_set_lease_ms(o, x[0]);
  if (!rc && has[1]) rc = erplink_outbox_options_set_max_attempts(o, (int)x[1]);
  if (!rc && (has[2] || has[3]))
    rc = erplink_outbox_options_set_backoff_ms(o, has[2] ? x[2] : 1000, has[3] ? x[3] : (has[2] ? x[2] : 1000) * 60);
  if (!rc && has[4]) rc = erplink_outbox_options_set_done_retention_ms(o, x[4]);
  if (rc) return elnapi_throw_last(env, rc), false;
  *out = guard.release();
  return true;
}

/* outboxNew(store, name, policy) (creates its table: sync) */
napi_value outbox_new_js(napi_env env, napi_callback_info info) {
  ARGS(3);
  Handle *st = get_handle(env, argv[0], "store.Store");
  std::string name;
  erplink_outbox_options *o = nullptr;
  if (!st || !get_str(env, argv[1], name, nullptr, "name") || !outbox_options_from_js(env, argv[2], &o)) return nullptr;
  erplink_outbox *ob = nullptr;
  int rc = erplink_outbox_new_sqlite(&ob, (erplink_store *)st->p, name.c_str(), o);
  erplink_outbox_options_free(o);
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  napi_value h = handle_new(env, ob, (void (*)(void *))erplink_outbox_free, "store.Outbox");
  if (h) borrow(env, h, argv[0], st);
  return h;
}

/* outboxNewCustom(ops, policy) -> handle: erplink_outbox_ops written in JavaScript */
napi_value outbox_new_custom_js(napi_env env, napi_callback_info info) {
  ARGS(2);
  bool has[8];
  JsBackend *b = nullptr;
  if (!js_backend_new(env, argv[0], "store.Outbox ops", OUTBOX_FNS, 8, 7, has, &b)) return nullptr;
  owned<JsBackend> guard(b, js_backend_free);
  erplink_outbox_options *o = nullptr;
  if (!outbox_options_from_js(env, argv[1], &o)) return nullptr;
  erplink_outbox_ops ops = {
      jo_upsert, jo_claim, jo_finish, jo_list, jo_requeue, jo_discard, jo_count, has[7] ? jo_purge : nullptr, nullptr};
  erplink_outbox *ob = nullptr;
  int rc = erplink_outbox_new_custom(&ob, o, &ops, b);
  erplink_outbox_options_free(o);
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  napi_value h = handle_new(env, ob, (void (*)(void *))erplink_outbox_free, "store.Outbox");
  if (h) handle_own_backend(env, h, guard.release());
  return h;
}

napi_value batch_to_js(napi_env env, napi_value handle, const erplink_outbox_batch *b) {
  napi_value obj, items;
  size_t n = erplink_outbox_batch_count(b);
  NAPI_TRY(napi_create_object(env, &obj));
  SETP(obj, "handle", handle);
  NAPI_TRY(napi_create_array_with_length(env, n, &items));
  for (size_t i = 0; i < n; i++) {
    const erplink_outbox_item *it = erplink_outbox_batch_at(b, i);
    napi_value io, buf;
    size_t len = 0;
    const void *pl = erplink_outbox_item_payload(it, &len);
    void *copy;
    NAPI_TRY(napi_create_object(env, &io));
    SETP(io, "key", js_str(env, erplink_outbox_item_key(it)));
    NAPI_TRY(napi_create_buffer_copy(env, len, pl ? pl : "", &copy, &buf));
    SETP(io, "payload", buf);
    SETP(io, "generation", js_int(env, erplink_outbox_item_generation(it)));
    SETP(io, "attempts", js_int(env, erplink_outbox_item_attempts(it)));
    SETP(io, "errorCode", js_int(env, erplink_outbox_item_error_code(it)));
    SETP(io, "errorMessage", js_str(env, erplink_outbox_item_error_message(it)));
    SETP(io, "changedMs", js_int(env, erplink_outbox_item_changed_ms(it)));
    NAPI_TRY(napi_set_element(env, items, (uint32_t)i, io));
  }
  SETP(obj, "items", items);
  return obj;
}

enum OutboxOp { OB_ENQUEUE = 0, OB_ENQUEUE_MANY, OB_CLAIM, OB_LIST, OB_REQUEUE, OB_DISCARD, OB_COUNT, OB_COMPLETE };

struct OutboxJob {
  std::string key;
  bool key_absent = false;
  std::string payload;
  std::vector<std::string> keys, payloads;
  int64_t a = 0, b = 0, now = 0;
  erplink_outbox_batch *batch_in = nullptr; /* borrowed (OB_COMPLETE) */
  erplink_outbox_batch *batch = nullptr;
  size_t count = 0;
  ~OutboxJob() { erplink_outbox_batch_free(batch); }
};

/* outboxCall(outbox, op, token, ...) */
napi_value outbox_call_js(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  NAPI_TRY(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  for (size_t i = argc; i < 8; i++) argv[i] = undef(env);
  Handle *h = get_handle(env, argv[0], "store.Outbox");
  int64_t op = 0;
  if (!h || !get_i64(env, argv[1], &op, "op")) return rejected(env);
  napi_value *a = argv + 3;
  auto oj = std::make_shared<OutboxJob>();
  bool ok = true;
  Handle *bh = nullptr;
  switch (op) {
  case OB_ENQUEUE: { /* key, payload, now */
    const void *d;
    size_t len;
    std::string tmp;
    ok = get_str(env, a[0], oj->key, nullptr, "key") && get_body(env, a[1], &d, &len, tmp) &&
         get_i64(env, a[2], &oj->now, "nowMs");
    if (ok) oj->payload.assign((const char *)d, len);
    break;
  }
  case OB_ENQUEUE_MANY: { /* keys[], payloads[], now */
    bool absent;
    ok = get_strs(env, a[0], oj->keys, &absent, "keys") && get_i64(env, a[2], &oj->now, "nowMs");
    uint32_t n = 0;
    if (ok) napi_get_array_length(env, a[1], &n);
    if (ok && n != oj->keys.size()) ok = (throw_code(env, ERPLINK_EINVAL, "keys and payloads differ in length"), false);
    for (uint32_t i = 0; ok && i < n; i++) {
      napi_value x;
      const void *d;
      size_t len;
      std::string tmp;
      napi_get_element(env, a[1], i, &x);
      ok = get_body(env, x, &d, &len, tmp);
      if (ok) oj->payloads.emplace_back((const char *)d, len);
    }
    break;
  }
  case OB_CLAIM: ok = get_i64(env, a[0], &oj->a, "maxItems") && get_i64(env, a[1], &oj->now, "nowMs"); break;
  case OB_LIST: /* state, offset, limit */
    ok = get_i64(env, a[0], &oj->a, "state") && get_i64(env, a[1], &oj->b, "offset") &&
         get_i64(env, a[2], &oj->now, "limit");
    break;
  case OB_REQUEUE:
    ok = get_str(env, a[0], oj->key, &oj->key_absent, "key") && get_i64(env, a[1], &oj->now, "nowMs");
    break;
  case OB_DISCARD: ok = get_str(env, a[0], oj->key, &oj->key_absent, "key"); break;
  case OB_COUNT: ok = get_i64(env, a[0], &oj->a, "state") && get_i64(env, a[1], &oj->now, "nowMs"); break;
  case OB_COMPLETE:
    bh = get_handle(env, a[0], "store.OutboxBatch");
    ok = bh && get_i64(env, a[1], &oj->now, "nowMs");
    if (ok) oj->batch_in = (erplink_outbox_batch *)bh->p;
    break;
  default: ok = (throw_code(env, ERPLINK_EINVAL, "unknown outbox operation"), false);
  }
  if (!ok) return rejected(env);
  if ((op == OB_CLAIM || op == OB_LIST) && (oj->a < 0 || oj->b < 0 || (op == OB_LIST && oj->now < 0)))
    return throw_code(env, ERPLINK_EINVAL, "counts must be >= 0"), rejected(env);
  erplink_outbox *ob = (erplink_outbox *)h->p;
  int opi = (int)op;
  Job *j = new Job();
  j->run = [oj, ob, opi]() -> int {
    switch (opi) {
    case OB_ENQUEUE:
      return erplink_outbox_enqueue(ob, oj->key.c_str(), oj->payload.data(), oj->payload.size(), oj->now);
    case OB_ENQUEUE_MANY: {
      std::vector<const char *> k;
      std::vector<const void *> p;
      std::vector<size_t> l;
      for (size_t i = 0; i < oj->keys.size(); i++) {
        k.push_back(oj->keys[i].c_str());
        p.push_back(oj->payloads[i].data());
        l.push_back(oj->payloads[i].size());
      }
      return erplink_outbox_enqueue_many(ob, k.data(), p.data(), l.data(), k.size(), oj->now);
    }
    case OB_CLAIM: return erplink_outbox_claim(&oj->batch, ob, (size_t)oj->a, oj->now);
    case OB_LIST:
      return erplink_outbox_list(&oj->batch, ob, (erplink_outbox_state)oj->a, (size_t)oj->b, (size_t)oj->now);
    case OB_REQUEUE: return erplink_outbox_requeue(&oj->count, ob, oj->key_absent ? nullptr : oj->key.c_str(), oj->now);
    case OB_DISCARD: return erplink_outbox_discard(&oj->count, ob, oj->key_absent ? nullptr : oj->key.c_str());
    case OB_COUNT: return erplink_outbox_count(&oj->count, ob, (erplink_outbox_state)oj->a, oj->now);
    case OB_COMPLETE: return erplink_outbox_complete(&oj->count, ob, oj->batch_in, oj->now);
    }
    return erplink_error_set(ERPLINK_EINVAL, "unknown outbox operation");
  };
  napi_ref ob_ref;
  napi_create_reference(env, argv[0], 1, &ob_ref);
  j->finish = [oj, opi, ob_ref](napi_env env) -> napi_value {
    switch (opi) {
    case OB_CLAIM:
    case OB_LIST: {
      erplink_outbox_batch *b = oj->batch;
      napi_value hv = handle_new(env, b, (void (*)(void *))erplink_outbox_batch_free, "store.OutboxBatch");
      oj->batch = nullptr;
      return hv ? batch_to_js(env, hv, b) : nullptr;
    }
    case OB_REQUEUE:
    case OB_DISCARD:
    case OB_COUNT: return js_int(env, (int64_t)oj->count);
    case OB_COMPLETE: {
      napi_value obj, outs;
      size_t n = erplink_outbox_batch_count(oj->batch_in);
      napi_create_object(env, &obj);
      napi_set_named_property(env, obj, "stale", js_int(env, (int64_t)oj->count));
      napi_create_array_with_length(env, n, &outs);
      for (size_t i = 0; i < n; i++)
        napi_set_element(env, outs, (uint32_t)i,
                         js_int(env, erplink_outbox_item_outcome(erplink_outbox_batch_at(oj->batch_in, i))));
      napi_set_named_property(env, obj, "outcomes", outs);
      return obj;
    }
    }
    (void)ob_ref;
    return undef(env);
  };
  j->cleanup = [ob_ref, env]() { napi_delete_reference(env, ob_ref); };
  job_use(env, j, h, argv[0]);
  if (bh) job_use(env, j, bh, a[0]);
  return job_submit(env, j, argv[2]);
}

/* outboxMark(batch, i, kind, code, reason, retryAfterMs): kind 0 done, 1 failed, 2 retry, 3 release (no I/O) */
napi_value outbox_mark_js(napi_env env, napi_callback_info info) {
  ARGS(6);
  Handle *bh = get_handle(env, argv[0], "store.OutboxBatch");
  int64_t i, kind, code = 0, ra = -1;
  OptStr reason;
  if (!bh || !get_i64(env, argv[1], &i, "index") || !get_i64(env, argv[2], &kind, "kind")) return nullptr;
  if (kind == 1 || kind == 2) {
    if (!get_i64(env, argv[3], &code, "code") || !get_optstr(env, argv[4], reason, "reason")) return nullptr;
    if (!is_nullish(env, argv[5]) && !get_i64(env, argv[5], &ra, "retryAfterMs")) return nullptr;
  }
  if (i < 0) return throw_code(env, ERPLINK_ERANGE, "index out of range"), nullptr;
  erplink_outbox_batch *b = (erplink_outbox_batch *)bh->p;
  int rc = kind == 0   ? erplink_outbox_batch_done(b, (size_t)i)
           : kind == 1 ? erplink_outbox_batch_failed(b, (size_t)i, (int)code, reason.c(), ra)
           : kind == 2 ? erplink_outbox_batch_retry(b, (size_t)i, (int)code, reason.c(), ra)
                       : erplink_outbox_batch_release(b, (size_t)i);
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  return undef(env);
}

/* ------------------------------------------------------------------ odoo */

/* odooClientNew({url, db, login, password, apiKey, protocol, timeoutMs, connectTimeoutMs,
 *                maxAttempts, userAgent, lang, tz, allowedCompanyIds}) -> handle (no request sent) */
napi_value odoo_client_new_js(napi_env env, napi_callback_info info) {
  ARGS(1);
  if (is_nullish(env, argv[0])) return throw_code(env, ERPLINK_EINVAL, "options are required"), nullptr;
  odoo_options *o = nullptr;
  int rc = odoo_options_new(&o);
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  owned<odoo_options> guard(o, odoo_options_free);
  static const char *strs[] = {"url", "db", "login", "password", "apiKey", "lang", "tz"};
  static const char *ints[] = {"protocol"};
  bool threw = false;
  std::unique_ptr<LogSink> sink;
  if (!each_opt_str(
          env, argv[0], strs, 7,
          [o](int k, const char *s) {
            switch (k) {
            case 0: return odoo_options_set_url(o, s);
            case 1: return odoo_options_set_db(o, s);
            case 2: return odoo_options_set_login(o, s);
            case 3: return odoo_options_set_password(o, s);
            case 4: return odoo_options_set_api_key(o, s);
            case 5: return odoo_options_set_lang(o, s);
            default: return odoo_options_set_tz(o, s);
            }
          },
          &rc) ||
      !each_opt_int(
          env, argv[0], ints, 1, [o](int, int64_t x) { return odoo_options_set_protocol(o, (odoo_protocol)x); }, &rc))
    return nullptr;
  if (!rc) rc = apply_http_options(env, argv[0], odoo_options_http(o), &threw, sink);
  if (threw) return nullptr;
  if (!rc) {
    napi_value v;
    NAPI_TRY(napi_get_named_property(env, argv[0], "allowedCompanyIds", &v));
    if (!is_nullish(env, v)) {
      std::vector<int64_t> ids;
      if (!get_ids(env, v, ids)) return nullptr;
      rc = odoo_options_set_allowed_company_ids(o, ids.data(), ids.size());
    }
  }
  odoo_client *c = nullptr;
  if (!rc) rc = odoo_client_new(&c, o);
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  return client_handle_new(env, c, (void (*)(void *))odoo_client_free, "odoo.Client", sink);
}

/* Large answers reach JavaScript through JSON.parse: the worker encodes the tree to JSON text
 * (erplink_json_encode) and the main thread hands it to V8's JSON.parse, which builds objects
 * several times faster than one Node-API call per member (measured: bench/run
 * node_odoo_search_read, ERPLINK_NODE_JSON=0 for the Node-API walk), and the main thread does
 * less of the work. Only for trees JSON gives back exactly: no bytes, no datetime, no integer
 * beyond +-(2^53 - 1), no NaN/infinity; other trees take the Node-API walk. */
bool json_exact(const erplink_value *v, int depth) {
  if (depth > 200) return false;
  switch (erplink_value_type(v)) {
  case ERPLINK_TYPE_NIL:
  case ERPLINK_TYPE_BOOL:
  case ERPLINK_TYPE_STRING: return true;
  case ERPLINK_TYPE_INT: {
    int64_t i = 0;
    erplink_value_get_int(&i, v);
    return i >= -(int64_t)ELNAPI_MAX_SAFE && i <= (int64_t)ELNAPI_MAX_SAFE;
  }
  case ERPLINK_TYPE_DOUBLE: {
    double d = 0;
    erplink_value_get_double(&d, v);
    return isfinite(d);
  }
  case ERPLINK_TYPE_ARRAY: {
    size_t n = erplink_value_count(v);
    for (size_t i = 0; i < n; i++)
      if (!json_exact(erplink_value_array_at(v, i), depth + 1)) return false;
    return true;
  }
  case ERPLINK_TYPE_STRUCT: {
    size_t n = erplink_value_count(v);
    for (size_t i = 0; i < n; i++) {
      const char *k = erplink_value_struct_key_at(v, i);
      size_t klen = erplink_value_struct_key_len_at(v, i);
      if (!k || memchr(k, '\0', klen)) return false;
      if (!json_exact(erplink_value_struct_value_at(v, i), depth + 1)) return false;
    }
    return true;
  }
  default: return false;
  }
}

bool json_path_enabled() {
  static int on = -1;
  if (on < 0) {
    const char *e = getenv("ERPLINK_NODE_JSON");
    on = !(e && strcmp(e, "0") == 0);
  }
  return on != 0;
}

/* worker: the tree as JSON text in *json when that is exact and worth it (then the tree is freed) */
void to_json_if_exact(erplink_value **v, char **json, size_t *len) {
  if (!*v || !json_path_enabled()) return;
  erplink_type t = erplink_value_type(*v);
  if ((t != ERPLINK_TYPE_ARRAY && t != ERPLINK_TYPE_STRUCT) || erplink_value_count(*v) < 8) return;
  if (!json_exact(*v, 0)) return;
  if (erplink_json_encode(json, len, *v) != 0) {
    erplink_error_clear();
    *json = nullptr;
    return;
  }
  erplink_value_free(*v);
  *v = nullptr;
}

/* Whether the bytes are all ASCII (8 at a time). */
bool is_ascii(const char *p, size_t n) {
  uint64_t acc = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    acc |= w;
  }
  for (; i < n; i++) acc |= (unsigned char)p[i];
  return (acc & 0x8080808080808080ull) == 0;
}

/* main thread: JSON.parse(text); ASCII text (most ERP and ESI answers) is handed over as
 * Latin-1, which V8 copies as it is instead of decoding UTF-8 */
napi_value json_parse(napi_env env, const char *json, size_t len) {
  napi_value global, JSON_, parse, text, result;
  if (napi_get_global(env, &global) != napi_ok || napi_get_named_property(env, global, "JSON", &JSON_) != napi_ok ||
      napi_get_named_property(env, JSON_, "parse", &parse) != napi_ok ||
      (is_ascii(json, len) ? napi_create_string_latin1(env, json, len, &text)
                           : napi_create_string_utf8(env, json, len, &text)) != napi_ok ||
      napi_call_function(env, JSON_, parse, 1, &text, &result) != napi_ok) {
    elnapi_throw_napi(env);
    return nullptr;
  }
  return result;
}

/* The C output of an Odoo job. */
struct OdooOut {
  char *json = nullptr; /* the answer as JSON text instead of v (to_json_if_exact) */
  size_t json_len = 0;
  erplink_value *v = nullptr;
  int64_t i = 0;
  int n = 0;
  odoo_protocol proto = ODOO_PROTOCOL_AUTO;
  ~OdooOut() {
    erplink_value_free(v);
    erplink_free(json);
  }
};

/* The JS inputs of an Odoo call, converted on the main thread. */
struct OdooIn {
  std::string model, method;
  ValueHolder a, b;
  StrList f1, f2;
  std::vector<int64_t> ids;
  OptStr s1, s2;
  int64_t offset = 0, limit = 0, flags = 0;
};

enum OdooOp {
  OP_PROTOCOL,
  OP_VERSION,
  OP_SERVER_VERSION,
  OP_AUTHENTICATE,
  OP_EXECUTE_KW,
  OP_CALL,
  OP_SEARCH,
  OP_SEARCH_COUNT,
  OP_READ,
  OP_SEARCH_READ,
  OP_CREATE,
  OP_CREATE_MANY,
  OP_WRITE,
  OP_UNLINK,
  OP_FIELDS_GET,
  OP_NAME_SEARCH,
  OP_READ_GROUP,
  OP_CURSOR_NEW,
};

enum OutKind { OUT_VALUE, OUT_INT, OUT_NONE, OUT_PROTO, OUT_CURSOR };

int odoo_run(int op, odoo_client *c, OdooIn *in, OdooOut *out) {
  const char *m = in->model.c_str();
  switch (op) {
  case OP_PROTOCOL: return odoo_client_protocol(&out->proto, c);
  case OP_VERSION: return odoo_client_version(&out->v, c);
  case OP_SERVER_VERSION: {
    int rc = odoo_client_server_version(&out->n, c);
    out->i = out->n;
    return rc;
  }
  case OP_AUTHENTICATE: return odoo_client_authenticate(&out->i, c);
  case OP_EXECUTE_KW: return odoo_client_execute_kw(&out->v, c, m, in->method.c_str(), in->a.v, in->b.v);
  case OP_CALL: return odoo_client_call(&out->v, c, m, in->method.c_str(), in->a.v, in->b.v, (unsigned)in->flags);
  case OP_SEARCH: return odoo_client_search(&out->v, c, m, in->a.v, in->offset, in->limit, in->s1.c());
  case OP_SEARCH_COUNT: return odoo_client_search_count(&out->i, c, m, in->a.v);
  case OP_READ: return odoo_client_read(&out->v, c, m, in->ids.data(), in->ids.size(), in->f1.ptr(), in->f1.n());
  case OP_SEARCH_READ:
    return odoo_client_search_read(&out->v, c, m, in->a.v, in->f1.ptr(), in->f1.n(), in->offset, in->limit, in->s1.c());
  case OP_CREATE: return odoo_client_create(&out->i, c, m, in->a.v);
  case OP_CREATE_MANY: return odoo_client_create_many(&out->v, c, m, in->a.v);
  case OP_WRITE: return odoo_client_write(c, m, in->ids.data(), in->ids.size(), in->a.v);
  case OP_UNLINK: return odoo_client_unlink(c, m, in->ids.data(), in->ids.size());
  case OP_FIELDS_GET: return odoo_client_fields_get(&out->v, c, m, in->f1.ptr(), in->f1.n());
  case OP_NAME_SEARCH: return odoo_client_name_search(&out->v, c, m, in->s1.c(), in->a.v, in->s2.c(), in->limit);
  case OP_READ_GROUP:
    return odoo_client_read_group(&out->v, c, m, in->a.v, in->f1.ptr(), in->f1.n(), in->f2.ptr(), in->f2.n(),
                                  in->offset, in->limit, in->s1.c(), (int)in->flags);
  }
  return erplink_error_set(ERPLINK_EINVAL, "unknown odoo operation");
}

/* odooCall(client, op, token, ...op arguments) -> Promise */
napi_value odoo_call_js(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value argv[12];
  NAPI_TRY(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  for (size_t i = argc; i < 12; i++) argv[i] = undef(env);
  Handle *h = get_handle(env, argv[0], "odoo.Client");
  int64_t op = 0;
  if (!h || !get_i64(env, argv[1], &op, "op")) return rejected(env);
  napi_value token = argv[2];
  napi_value *a = argv + 3;
  auto in = std::make_shared<OdooIn>();
  OutKind kind = OUT_VALUE;
  bool ok = true;
  auto model = [&]() { return get_str(env, a[0], in->model, nullptr, "model"); };
  switch (op) {
  case OP_PROTOCOL: kind = OUT_PROTO; break;
  case OP_VERSION: break;
  case OP_SERVER_VERSION:
  case OP_AUTHENTICATE: kind = OUT_INT; break;
  case OP_EXECUTE_KW:
  case OP_CALL:
    /* model, method, args, kwargs, flags */
    ok = model() && get_str(env, a[1], in->method, nullptr, "method") && get_value(env, a[2], &in->a.v, true) &&
         get_value(env, a[3], &in->b.v, true) && (op == OP_EXECUTE_KW || get_i64(env, a[4], &in->flags, "flags"));
    break;
  case OP_SEARCH: /* model, domain, offset, limit, order */
    ok = model() && get_value(env, a[1], &in->a.v, true) && get_i64(env, a[2], &in->offset, "offset") &&
         get_i64(env, a[3], &in->limit, "limit") && get_optstr(env, a[4], in->s1, "order");
    break;
  case OP_SEARCH_COUNT:
    kind = OUT_INT;
    ok = model() && get_value(env, a[1], &in->a.v, true);
    break;
  case OP_READ: /* model, ids, fields */
    ok = model() && get_ids(env, a[1], in->ids) && get_strlist(env, a[2], in->f1, "fields");
    break;
  case OP_SEARCH_READ: /* model, domain, fields, offset, limit, order */
    ok = model() && get_value(env, a[1], &in->a.v, true) && get_strlist(env, a[2], in->f1, "fields") &&
         get_i64(env, a[3], &in->offset, "offset") && get_i64(env, a[4], &in->limit, "limit") &&
         get_optstr(env, a[5], in->s1, "order");
    break;
  case OP_CREATE:
    kind = OUT_INT;
    ok = model() && get_value(env, a[1], &in->a.v, false);
    break;
  case OP_CREATE_MANY: ok = model() && get_value(env, a[1], &in->a.v, false); break;
  case OP_WRITE:
    kind = OUT_NONE;
    ok = model() && get_ids(env, a[1], in->ids) && get_value(env, a[2], &in->a.v, false);
    break;
  case OP_UNLINK:
    kind = OUT_NONE;
    ok = model() && get_ids(env, a[1], in->ids);
    break;
  case OP_FIELDS_GET: ok = model() && get_strlist(env, a[1], in->f1, "attributes"); break;
  case OP_NAME_SEARCH: /* model, name, domain, operator, limit */
    ok = model() && get_optstr(env, a[1], in->s1, "name") && get_value(env, a[2], &in->a.v, true) &&
         get_optstr(env, a[3], in->s2, "operator") && get_i64(env, a[4], &in->limit, "limit");
    break;
  case OP_READ_GROUP: /* model, domain, fields, groupby, offset, limit, orderby, lazy */
    ok = model() && get_value(env, a[1], &in->a.v, true) && get_strlist(env, a[2], in->f1, "fields") &&
         get_strlist(env, a[3], in->f2, "groupby") && get_i64(env, a[4], &in->offset, "offset") &&
         get_i64(env, a[5], &in->limit, "limit") && get_optstr(env, a[6], in->s1, "orderby") &&
         get_i64(env, a[7], &in->flags, "lazy");
    break;
  case OP_CURSOR_NEW: /* model, domain, fields, pageSize */
    kind = OUT_CURSOR;
    ok = model() && get_value(env, a[1], &in->a.v, true) && get_strlist(env, a[2], in->f1, "fields") &&
         get_i64(env, a[3], &in->limit, "pageSize");
    if (ok && in->limit < 0) ok = (throw_code(env, ERPLINK_EINVAL, "pageSize must be >= 0"), false);
    break;
  default: ok = (throw_code(env, ERPLINK_EINVAL, "unknown odoo operation"), false);
  }
  if (!ok) return rejected(env);
  auto out = std::make_shared<OdooOut>();
  auto cursor = std::make_shared<odoo_cursor *>(nullptr);
  Job *j = new Job();
  odoo_client *c = (odoo_client *)h->p;
  int opi = (int)op;
  if (op == OP_CURSOR_NEW)
    j->run = [c, in, cursor]() {
      return odoo_cursor_new(cursor.get(), c, in->model.c_str(), in->a.v, in->f1.ptr(), in->f1.n(), (size_t)in->limit);
    };
  else
    j->run = [opi, c, in, out]() {
      int rc = odoo_run(opi, c, in.get(), out.get());
      if (rc == 0) to_json_if_exact(&out->v, &out->json, &out->json_len);
      return rc;
    };
  napi_value client_ext = argv[0];
  j->finish = [kind, out, cursor](napi_env env) -> napi_value {
    switch (kind) {
    case OUT_VALUE: return out->json ? json_parse(env, out->json, out->json_len) : from_value_or_null(env, out->v);
    case OUT_INT: return js_int(env, out->i);
    case OUT_NONE: return undef(env);
    case OUT_PROTO: {
      const char *names[] = {"auto", "xmlrpc", "jsonrpc", "json2"};
      return js_str(env, (unsigned)out->proto < 4 ? names[out->proto] : "auto");
    }
    case OUT_CURSOR: {
      napi_value hv = handle_new(env, *cursor, (void (*)(void *))odoo_cursor_free, "odoo.Cursor");
      *cursor = nullptr;
      return hv;
    }
    }
    return undef(env);
  };
  j->cleanup = [cursor]() {
    if (*cursor) odoo_cursor_free(*cursor);
  };
  job_use(env, j, h, client_ext);
  napi_value promise = job_submit(env, j, token);
  return promise;
}

/* odooCursorNext(cursor, client, token) -> Promise<array | null>. The cursor handle keeps the client alive. */
napi_value odoo_cursor_next_js(napi_env env, napi_callback_info info) {
  ARGS(3);
  Handle *cur = get_handle(env, argv[0], "odoo.Cursor");
  Handle *cli = cur ? get_handle(env, argv[1], "odoo.Client") : nullptr;
  if (!cur || !cli) return rejected(env);
  auto page = std::make_shared<OdooOut>();
  Job *j = new Job();
  odoo_cursor *c = (odoo_cursor *)cur->p;
  j->run = [c, page]() {
    int rc = odoo_cursor_next(&page->v, c);
    if (rc == 0) to_json_if_exact(&page->v, &page->json, &page->json_len);
    return rc;
  };
  j->finish = [page](napi_env env) {
    return page->json ? json_parse(env, page->json, page->json_len) : from_value_or_null(env, page->v);
  };
  job_use(env, j, cur, argv[0]);
  job_use(env, j, cli, argv[1]);
  return job_submit(env, j, argv[2]);
}

napi_value odoo_cursor_count_js(napi_env env, napi_callback_info info) {
  ARGS(1);
  Handle *cur = get_handle(env, argv[0], "odoo.Cursor");
  if (!cur) return nullptr;
  return js_int(env, (int64_t)odoo_cursor_count((odoo_cursor *)cur->p));
}

/* ------------------------------------------------------------------ cartona */

void fill_err(ErrInfo &out, const erplink_error *e) {
  out.code = erplink_error_code(e);
  out.message = erplink_error_message(e) ? erplink_error_message(e) : "";
  out.http_status = erplink_error_http_status(e);
  const char *rcls = erplink_error_remote_class(e), *det = erplink_error_detail(e);
  if (rcls) out.has_remote = true, out.remote_class = rcls;
  if (det) out.has_detail = true, out.detail = det;
  out.retry_after = erplink_error_retry_after_ms(e);
}

/* cartonaClientNew({token, baseUrl, supplierCode, batchSize, concurrency, backoffMs, timeoutMs,
 *                   connectTimeoutMs, maxAttempts, userAgent}) */
napi_value cartona_client_new_js(napi_env env, napi_callback_info info) {
  ARGS(1);
  if (is_nullish(env, argv[0])) return throw_code(env, ERPLINK_EINVAL, "options are required"), nullptr;
  cartona_options *o = nullptr;
  int rc = cartona_options_new(&o);
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  owned<cartona_options> guard(o, cartona_options_free);
  static const char *strs[] = {"token", "baseUrl"};
  static const char *ints[] = {"supplierCode", "batchSize", "concurrency", "backoffMs"};
  bool threw = false;
  std::unique_ptr<LogSink> sink;
  if (!each_opt_str(
          env, argv[0], strs, 2,
          [o](int k, const char *s) {
            return k == 0 ? cartona_options_set_token(o, s) : cartona_options_set_base_url(o, s);
          },
          &rc) ||
      !each_opt_int(
          env, argv[0], ints, 4,
          [o](int k, int64_t x) {
            switch (k) {
            case 0: return cartona_options_set_supplier_code(o, x);
            case 1: return cartona_options_set_batch_size(o, (int)x);
            case 2: return cartona_options_set_concurrency(o, (int)x);
            default: return erplink_http_options_set_backoff_ms(cartona_options_http(o), x, x);
            }
          },
          &rc))
    return nullptr;
  if (!rc) rc = apply_http_options(env, argv[0], cartona_options_http(o), &threw, sink);
  if (threw) return nullptr;
  cartona_client *c = nullptr;
  if (!rc) rc = cartona_client_new(&c, o);
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  return client_handle_new(env, c, (void (*)(void *))cartona_client_free, "cartona.Client", sink);
}

napi_value ptr_external(napi_env env, const void *p) {
  napi_value e;
  if (napi_create_external(env, (void *)p, nullptr, nullptr, &e) != napi_ok) return nullptr;
  return e;
}

const void *get_ptr(napi_env env, napi_value v) {
  void *p = nullptr;
  napi_get_value_external(env, v, &p);
  return p;
}

/* An order as a plain object {ptr, hashedId, status, paymentMethod, raw, lines: [{ptr, quantity, unitPrice, raw}]};
 * ptr is borrowed from its owner (an orders list or an intake), which the JS Order keeps. */
napi_value order_to_js(napi_env env, const cartona_order *o) {
  napi_value obj, lines;
  NAPI_TRY(napi_create_object(env, &obj));
  SETP(obj, "ptr", ptr_external(env, o));
  SETP(obj, "hashedId", js_str(env, cartona_order_hashed_id(o)));
  SETP(obj, "status", js_str(env, cartona_order_status(o)));
  SETP(obj, "paymentMethod", js_str(env, cartona_payment_method_name(cartona_order_payment_method(o))));
  SETP(obj, "raw", from_value_or_null(env, cartona_order_raw(o)));
  size_t n = cartona_order_line_count(o);
  NAPI_TRY(napi_create_array_with_length(env, n, &lines));
  for (size_t i = 0; i < n; i++) {
    const cartona_order_line *l = cartona_order_line_at(o, i);
    napi_value lo, d;
    NAPI_TRY(napi_create_object(env, &lo));
    SETP(lo, "ptr", ptr_external(env, l));
    NAPI_TRY(napi_create_double(env, cartona_order_line_quantity(l), &d));
    SETP(lo, "quantity", d);
    NAPI_TRY(napi_create_double(env, cartona_order_line_unit_price(l), &d));
    SETP(lo, "unitPrice", d);
    SETP(lo, "raw", from_value_or_null(env, cartona_order_line_raw(l)));
    NAPI_TRY(napi_set_element(env, lines, (uint32_t)i, lo));
  }
  SETP(obj, "lines", lines);
  return obj;
}

napi_value orders_to_js(napi_env env, napi_value owner, const cartona_orders *l) {
  napi_value arr, res;
  size_t n = cartona_orders_count(l);
  NAPI_TRY(napi_create_array_with_length(env, n, &arr));
  for (size_t i = 0; i < n; i++) {
    napi_value o = order_to_js(env, cartona_orders_at(l, i));
    if (!o) return nullptr;
    NAPI_TRY(napi_set_element(env, arr, (uint32_t)i, o));
  }
  NAPI_TRY(napi_create_object(env, &res));
  SETP(res, "owner", owner);
  SETP(res, "orders", arr);
  return res;
}

napi_value bulk_to_js(napi_env env, const cartona_bulk_result *r) {
  napi_value obj, outs, counts;
  size_t n = cartona_bulk_result_count(r);
  NAPI_TRY(napi_create_object(env, &obj));
  NAPI_TRY(napi_create_array_with_length(env, n, &outs));
  for (size_t i = 0; i < n; i++) {
    const cartona_outcome *o = cartona_bulk_result_at(r, i);
    napi_value oo, v;
    NAPI_TRY(napi_create_object(env, &oo));
    SETP(oo, "index", js_int(env, (int64_t)cartona_outcome_index(o)));
    SETP(oo, "status", js_str(env, cartona_item_status_name(cartona_outcome_status(o))));
    SETP(oo, "message", js_str(env, cartona_outcome_message(o)));
    const erplink_error *e = cartona_outcome_error(o);
    if (e) {
      ErrInfo ei;
      fill_err(ei, e);
      v = make_error(env, ei);
    } else {
      napi_get_null(env, &v);
    }
    SETP(oo, "error", v);
    SETP(oo, "retryable", js_bool(env, e && erplink_error_retryable(erplink_error_code(e))));
    SETP(oo, "httpStatus", js_int(env, cartona_outcome_http_status(o)));
    NAPI_TRY(napi_set_element(env, outs, (uint32_t)i, oo));
  }
  SETP(obj, "outcomes", outs);
  NAPI_TRY(napi_create_object(env, &counts));
  for (int st = CARTONA_ITEM_UPDATED; st <= CARTONA_ITEM_NOT_SENT; st++)
    SETP(counts, cartona_item_status_name((cartona_item_status)st),
         js_int(env, (int64_t)cartona_bulk_result_count_status(r, (cartona_item_status)st)));
  SETP(obj, "counts", counts);
  SETP(obj, "batches", js_int(env, (int64_t)cartona_bulk_result_batches(r)));
  SETP(obj, "attempts", js_int(env, (int64_t)cartona_bulk_result_attempts(r)));
  return obj;
}

napi_value sync_report_to_js(napi_env env, const cartona_sync_report *r) {
  static const char *names[] = {"", "acked", "import_failed", "ack_failed", "unmarked"};
  napi_value obj, entries;
  size_t n = cartona_sync_report_count(r);
  NAPI_TRY(napi_create_object(env, &obj));
  NAPI_TRY(napi_create_array_with_length(env, n, &entries));
  for (size_t i = 0; i < n; i++) {
    const cartona_sync_entry *e = cartona_sync_report_at(r, i);
    napi_value eo;
    int oc = (int)cartona_sync_entry_outcome(e);
    NAPI_TRY(napi_create_object(env, &eo));
    SETP(eo, "hashedId", js_str(env, cartona_sync_entry_hashed_id(e)));
    SETP(eo, "outcome", js_str(env, oc >= 1 && oc <= 4 ? names[oc] : "unknown"));
    SETP(eo, "message", js_str(env, cartona_sync_entry_message(e)));
    NAPI_TRY(napi_set_element(env, entries, (uint32_t)i, eo));
  }
  SETP(obj, "entries", entries);
  napi_value counts;
  NAPI_TRY(napi_create_object(env, &counts));
  for (int oc = 1; oc <= 4; oc++)
    SETP(counts, names[oc], js_int(env, (int64_t)cartona_sync_report_count_outcome(r, (cartona_sync_outcome)oc)));
  SETP(obj, "counts", counts);
  SETP(obj, "pages", js_int(env, (int64_t)cartona_sync_report_pages(r)));
  return obj;
}

/* A progress callback of a bulk update: cartona_progress_fn on the worker -> JS fn(done, total)
 * on the main thread through a thread-safe function of its own (which also takes the finished
 * job, so every progress call runs before the Promise settles). A throw in fn stops the update
 * (its own cancel token) and the Promise rejects with what was thrown. */
struct ProgressMsg {
  size_t done, total;
};
struct ProgressCtx {
  napi_threadsafe_function tsfn = nullptr;
  erplink_cancel *stop = nullptr;
  napi_ref error = nullptr;
  Job *job = nullptr;
  ~ProgressCtx() { erplink_cancel_free(stop); }
};

void progress_tramp(size_t done, size_t total, void *ud) {
  ProgressCtx *ctx = (ProgressCtx *)ud;
  ProgressMsg *m = new ProgressMsg{done, total};
  if (napi_call_threadsafe_function(ctx->tsfn, m, napi_tsfn_blocking) != napi_ok) delete m;
}

void progress_call_js(napi_env env, napi_value fn, void *context, void *data) {
  ProgressCtx *ctx = (ProgressCtx *)context;
  if (data == ctx->job) { /* the finished job: settle it, then release this function */
    napi_threadsafe_function tsfn = ctx->tsfn;
    job_done_js(env, nullptr, nullptr, data);
    napi_release_threadsafe_function(tsfn, napi_tsfn_release);
    return;
  }
  ProgressMsg *m = (ProgressMsg *)data;
  if (env && !ctx->error) {
    napi_value args[2], res, u;
    napi_create_double(env, (double)m->done, &args[0]);
    napi_create_double(env, (double)m->total, &args[1]);
    napi_get_undefined(env, &u);
    if (napi_call_function(env, u, fn, 2, args, &res) != napi_ok) {
      napi_value exc;
      bool pending = false;
      napi_is_exception_pending(env, &pending);
      if (pending && napi_get_and_clear_last_exception(env, &exc) == napi_ok)
        napi_create_reference(env, exc, 1, &ctx->error);
      erplink_cancel_trigger(ctx->stop);
    }
  }
  delete m;
}

enum CartonaOp {
  C_TEST = 0,
  C_LIST,
  C_UPDATE_PRODUCTS,
  C_UPDATE_BASE,
  C_UPDATE_STOCK,
  C_PULL,
  C_ACK,
  C_STATUSES,
  C_STATUS,
  C_DETAILS,
  C_INTAKE_NEW,
  C_INTAKE_NEXT,
  C_INTAKE_FINISH,
};

struct CartonaJob {
  int64_t a = 0, b = 0;
  OptStr s[5];
  ValueHolder v;
  cartona_items *items = nullptr;
  cartona_order_changes *changes = nullptr;
  StrList ids;
  /* outputs */
  erplink_value *out_v = nullptr;
  cartona_bulk_result *bulk = nullptr;
  cartona_orders *orders = nullptr;
  cartona_intake *intake = nullptr;
  const cartona_order *order = nullptr;
  cartona_sync_report *report = nullptr;
  ~CartonaJob() {
    cartona_items_free(items);
    cartona_order_changes_free(changes);
    erplink_value_free(out_v);
    cartona_bulk_result_free(bulk);
    cartona_orders_free(orders);
    cartona_intake_free(intake);
    cartona_sync_report_free(report);
  }
};

/* cartonaCall(handle, op, token, ...) -> Promise; handle: the client, or the intake for C_INTAKE_NEXT/FINISH */
/* cartonaOutboxEnqueue(outbox, item, nowMs, token) -> Promise<undefined> (cartona_outbox_enqueue) */
napi_value cartona_outbox_enqueue_js(napi_env env, napi_callback_info info) {
  ARGS(4);
  Handle *ob = get_handle(env, argv[0], "store.Outbox");
  auto item = std::make_shared<ValueHolder>();
  int64_t now = -1;
  if (!ob || !get_value(env, argv[1], &item->v, false) || !get_i64(env, argv[2], &now, "nowMs")) return rejected(env);
  return handle_job(
      env, ob, argv[0], argv[3],
      [item, now](void *p) { return cartona_outbox_enqueue((erplink_outbox *)p, item->v, now); },
      [](napi_env env) { return undef(env); });
}

/* cartonaOutboxFlush(client, outbox, kind, maxItems, nowMs, token) -> Promise<report> (cartona_outbox_flush) */
napi_value cartona_outbox_flush_js(napi_env env, napi_callback_info info) {
  ARGS(6);
  Handle *c = get_handle(env, argv[0], "cartona.Client");
  Handle *ob = c ? get_handle(env, argv[1], "store.Outbox") : nullptr;
  std::string kind;
  int64_t max = 0, now = -1;
  if (!ob || !get_str(env, argv[2], kind, nullptr, "kind") || !get_i64(env, argv[3], &max, "maxItems") ||
      !get_i64(env, argv[4], &now, "nowMs"))
    return rejected(env);
  if (max < 0) return throw_code(env, ERPLINK_EINVAL, "maxItems must not be negative"), rejected(env);
  struct Out {
    cartona_flush_report *r = nullptr;
    ~Out() { cartona_flush_report_free(r); }
  };
  auto out = std::make_shared<Out>();
  Job *j = new Job();
  cartona_client *cp = (cartona_client *)c->p;
  erplink_outbox *op = (erplink_outbox *)ob->p;
  j->run = [out, cp, op, kind, max, now]() {
    return cartona_outbox_flush(&out->r, op, cp, kind.c_str(), (size_t)max, now);
  };
  j->finish = [out](napi_env env) -> napi_value {
    const cartona_flush_report *r = out->r;
    napi_value o;
    NAPI_TRY(napi_create_object(env, &o));
    SETP(o, "claimed", js_int(env, (int64_t)cartona_flush_report_claimed(r)));
    SETP(o, "updated", js_int(env, (int64_t)cartona_flush_report_updated(r)));
    SETP(o, "retrying", js_int(env, (int64_t)cartona_flush_report_retrying(r)));
    SETP(o, "dead", js_int(env, (int64_t)cartona_flush_report_dead(r)));
    SETP(o, "released", js_int(env, (int64_t)cartona_flush_report_released(r)));
    SETP(o, "stale", js_int(env, (int64_t)cartona_flush_report_stale(r)));
    return o;
  };
  job_use(env, j, c, argv[0]);
  job_use(env, j, ob, argv[1]);
  return job_submit(env, j, argv[5]);
}

napi_value cartona_call_js(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  NAPI_TRY(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  for (size_t i = argc; i < 10; i++) argv[i] = undef(env);
  int64_t op = 0;
  if (!get_i64(env, argv[1], &op, "op")) return rejected(env);
  bool on_intake = op == C_INTAKE_NEXT || op == C_INTAKE_FINISH;
  Handle *h = get_handle(env, argv[0], on_intake ? "cartona.Intake" : "cartona.Client");
  if (!h) return rejected(env);
  napi_value *a = argv + 3;
  auto cj = std::make_shared<CartonaJob>();
  bool ok = true;
  int rc = 0;
  switch (op) {
  case C_TEST: break;
  case C_LIST: /* page, perPage, internalProductId, supplierProductId */
    ok = get_i64(env, a[0], &cj->a, "page") && get_i64(env, a[1], &cj->b, "perPage") &&
         get_optstr(env, a[2], cj->s[0], "internalProductId") && get_optstr(env, a[3], cj->s[1], "supplierProductId");
    break;
  case C_UPDATE_PRODUCTS:
  case C_UPDATE_BASE:
  case C_UPDATE_STOCK: /* items (array of objects) */
    ok = get_value(env, a[0], &cj->v.v, false);
    if (ok) rc = cartona_items_new(&cj->items);
    if (ok && !rc && erplink_value_count(cj->v.v) > 0) rc = cartona_items_add_value(cj->items, cj->v.v);
    if (rc) ok = (elnapi_throw_last(env, rc), false);
    break;
  case C_PULL: /* page, perPage, from, to */
    ok = get_i64(env, a[0], &cj->a, "page") && get_i64(env, a[1], &cj->b, "perPage") &&
         get_optstr(env, a[2], cj->s[0], "from") && get_optstr(env, a[3], cj->s[1], "to");
    break;
  case C_ACK:
    ok = get_strlist(env, a[0], cj->ids, "hashedIds");
    if (ok && cj->ids.absent) ok = (throw_code(env, ERPLINK_EINVAL, "hashedIds must be an array"), false);
    break;
  case C_STATUSES: ok = get_value(env, a[0], &cj->v.v, false); break;
  case C_STATUS: /* hashedId, status, retailerOtp, cancellationReason, estimatedDeliveryDay, deliveryDay */
    ok = get_optstr(env, a[0], cj->s[0], "hashedId") && get_optstr(env, a[1], cj->s[1], "status");
    for (int k = 0; ok && k < 4; k++) {
      OptStr tmp;
      ok = get_optstr(env, a[2 + k], k < 3 ? cj->s[2 + k] : tmp, "status option");
      if (k == 3) cj->v.v = nullptr, cj->ids.s = {tmp.s}, cj->ids.absent = tmp.absent;
    }
    break;
  case C_DETAILS: { /* hashedId, [[kind, ...]] */
    OptStr hid;
    ok = get_optstr(env, a[0], hid, "hashedId");
    if (ok) rc = cartona_order_changes_new(&cj->changes, hid.c());
    bool is = false;
    if (ok && !rc) napi_is_array(env, a[1], &is);
    if (ok && !rc && !is) ok = (throw_code(env, ERPLINK_ETYPE, "changes must be an array"), false);
    uint32_t n = 0;
    if (ok && !rc) napi_get_array_length(env, a[1], &n);
    for (uint32_t i = 0; ok && !rc && i < n; i++) {
      napi_value ch, x[5];
      napi_get_element(env, a[1], i, &ch);
      for (uint32_t k = 0; k < 5; k++) napi_get_element(env, ch, k, &x[k]);
      int64_t kind = 0, amount = 0;
      double price = 0;
      OptStr s1, s2;
      ok = get_i64(env, x[0], &kind, "change");
      if (ok && kind == 0) { /* set quantity: line, amount */
        ok = get_optstr(env, x[1], s1, "lineId") && get_i64(env, x[2], &amount, "amount");
        if (ok) rc = cartona_order_changes_set_quantity(cj->changes, s1.c(), amount);
      } else if (ok && kind == 1) { /* add line: supplierProductId, internalProductId, amount, price */
        ok = get_optstr(env, x[1], s1, "supplierProductId") && get_optstr(env, x[2], s2, "internalProductId") &&
             get_i64(env, x[3], &amount, "amount") && napi_get_value_double(env, x[4], &price) == napi_ok;
        if (ok)
          rc = cartona_order_changes_add_line(cj->changes, s1.c(), s2.c(), amount, price);
        else if (!rc)
          throw_code(env, ERPLINK_ETYPE, "price must be a number");
      } else if (ok && kind == 2) {
        ok = get_optstr(env, x[1], s1, "lineId");
        if (ok) rc = cartona_order_changes_cancel_line(cj->changes, s1.c());
      }
    }
    if (rc) ok = (elnapi_throw_last(env, rc), false);
    break;
  }
  case C_INTAKE_NEW: ok = get_i64(env, a[0], &cj->a, "maxPages") && get_i64(env, a[1], &cj->b, "perPage"); break;
  case C_INTAKE_NEXT:
  case C_INTAKE_FINISH: break;
  default: ok = (throw_code(env, ERPLINK_EINVAL, "unknown cartona operation"), false);
  }
  if (!ok) return rejected(env);
  void *p = h->p;
  int opi = (int)op;
  Job *j = new Job();
  /* a progress callback (bulk updates: the argument after the items) */
  std::shared_ptr<ProgressCtx> prog;
  napi_valuetype pt = napi_undefined;
  if (op == C_UPDATE_PRODUCTS || op == C_UPDATE_BASE || op == C_UPDATE_STOCK) napi_typeof(env, a[1], &pt);
  if (pt == napi_function) {
    prog = std::make_shared<ProgressCtx>();
    napi_value name;
    napi_create_string_utf8(env, "erplink.progress", NAPI_AUTO_LENGTH, &name);
    if (erplink_cancel_new(&prog->stop) != 0 ||
        napi_create_threadsafe_function(env, a[1], nullptr, name, 0, 1, nullptr, nullptr, prog.get(), progress_call_js,
                                        &prog->tsfn) != napi_ok) {
      delete j;
      throw_code(env, ERPLINK_ENOMEM, "cannot create the progress callback");
      return rejected(env);
    }
    prog->job = j;
    j->done_tsfn = prog->tsfn;
    j->override_error = [prog](napi_env env) -> napi_value {
      if (!prog->error) return nullptr;
      napi_value e;
      napi_get_reference_value(env, prog->error, &e);
      napi_delete_reference(env, prog->error);
      prog->error = nullptr;
      return e;
    };
  }
  cartona_progress_fn pfn = prog ? progress_tramp : nullptr;
  void *pud = prog.get();
  j->run = [cj, p, opi, pfn, pud, prog]() -> int {
    cartona_client *c = (cartona_client *)p;
    bool pushed = prog && erplink_cancel_push(prog->stop) == 0;
    struct Pop {
      bool on;
      ~Pop() {
        if (on) erplink_cancel_pop();
      }
    } pop{pushed};
    switch (opi) {
    case C_TEST: return cartona_client_test_connection(c);
    case C_LIST: return cartona_client_list_products(&cj->out_v, c, cj->a, cj->b, cj->s[0].c(), cj->s[1].c());
    case C_UPDATE_PRODUCTS: return cartona_client_update_products(&cj->bulk, c, cj->items, pfn, pud);
    case C_UPDATE_BASE: return cartona_client_update_base_products(&cj->bulk, c, cj->items, pfn, pud);
    case C_UPDATE_STOCK: return cartona_client_update_stock(&cj->bulk, c, cj->items, pfn, pud);
    case C_PULL: return cartona_client_pull_orders(&cj->orders, c, cj->a, cj->b, cj->s[0].c(), cj->s[1].c());
    case C_ACK: return cartona_client_ack_orders(c, cj->ids.ptr(), cj->ids.n());
    case C_STATUSES: return cartona_client_update_order_statuses(c, cj->v.v);
    case C_STATUS:
      return cartona_client_update_order_status(c, cj->s[0].c(), cj->s[1].c(), cj->s[2].c(), cj->s[3].c(), cj->s[4].c(),
                                                cj->ids.absent ? nullptr : cj->ids.s[0].c_str());
    case C_DETAILS: return cartona_client_update_order_details(c, cj->changes);
    case C_INTAKE_NEW: return cartona_intake_new(&cj->intake, c, (int)cj->a, cj->b);
    case C_INTAKE_NEXT: return cartona_intake_next(&cj->order, (cartona_intake *)p);
    case C_INTAKE_FINISH: return cartona_intake_finish(&cj->report, (cartona_intake *)p);
    }
    return erplink_error_set(ERPLINK_EINVAL, "unknown cartona operation");
  };
  napi_value client_ext = argv[0];
  napi_ref owner_ref;
  napi_create_reference(env, client_ext, 1, &owner_ref);
  j->finish = [cj, opi, owner_ref](napi_env env) -> napi_value {
    napi_value owner;
    napi_get_reference_value(env, owner_ref, &owner);
    switch (opi) {
    case C_LIST: return from_value_or_null(env, cj->out_v);
    case C_UPDATE_PRODUCTS:
    case C_UPDATE_BASE:
    case C_UPDATE_STOCK: return bulk_to_js(env, cj->bulk);
    case C_PULL: {
      napi_value hv = handle_new(env, cj->orders, (void (*)(void *))cartona_orders_free, "cartona.Orders");
      cartona_orders *l = cj->orders;
      cj->orders = nullptr;
      return hv ? orders_to_js(env, hv, l) : nullptr;
    }
    case C_INTAKE_NEW: {
      napi_value hv = handle_new(env, cj->intake, (void (*)(void *))cartona_intake_free, "cartona.Intake");
      cj->intake = nullptr;
      if (hv)
        borrow(
            env, hv, owner, (Handle *)[&]() {
              void *d;
              napi_get_value_external(env, owner, &d);
              return d;
            }());
      return hv;
    }
    case C_INTAKE_NEXT: {
      if (!cj->order) {
        napi_value n;
        napi_get_null(env, &n);
        return n;
      }
      return order_to_js(env, cj->order);
    }
    case C_INTAKE_FINISH: return sync_report_to_js(env, cj->report);
    }
    return undef(env);
  };
  j->cleanup = [owner_ref, env]() { napi_delete_reference(env, owner_ref); };
  job_use(env, j, h, argv[0]);
  return job_submit(env, j, argv[2]);
}

/* cartonaIntakeDone(intake, orderPtr, ok, message) (no I/O: it records the outcome) */
napi_value cartona_intake_done_js(napi_env env, napi_callback_info info) {
  ARGS(4);
  Handle *h = get_handle(env, argv[0], "cartona.Intake");
  if (!h) return nullptr;
  bool okv = false;
  napi_get_value_bool(env, argv[2], &okv);
  OptStr msg;
  if (!get_optstr(env, argv[3], msg, "message")) return nullptr;
  int rc = cartona_intake_done((cartona_intake *)h->p, (const cartona_order *)get_ptr(env, argv[1]), okv, msg.c());
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  return undef(env);
}

/* cartonaOrderText(owner, ptr, kind, key): kind 0 text, 1 number, 2 retailer text, 3 line text, 4 line number */
napi_value cartona_order_field_js(napi_env env, napi_callback_info info) {
  ARGS(4);
  napi_valuetype t;
  napi_typeof(env, argv[0], &t);
  void *owner = nullptr;
  if (t != napi_external || napi_get_value_external(env, argv[0], &owner) != napi_ok || !owner || !((Handle *)owner)->p)
    return throw_code(env, ERPLINK_EINVAL, "the orders were freed"), nullptr;
  const void *p = get_ptr(env, argv[1]);
  int64_t kind = 0;
  std::string key;
  if (!get_i64(env, argv[2], &kind, "kind") || !get_str(env, argv[3], key, nullptr, "key")) return nullptr;
  double d = 0;
  int rc = 0;
  switch (kind) {
  case 0: return js_str(env, cartona_order_text((const cartona_order *)p, key.c_str()));
  case 2: return js_str(env, cartona_order_retailer_text((const cartona_order *)p, key.c_str()));
  case 3: return js_str(env, cartona_order_line_text((const cartona_order_line *)p, key.c_str()));
  case 1: rc = cartona_order_number(&d, (const cartona_order *)p, key.c_str()); break;
  case 4: rc = cartona_order_line_number(&d, (const cartona_order_line *)p, key.c_str()); break;
  default: rc = erplink_error_set(ERPLINK_EINVAL, "bad kind");
  }
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  napi_value r;
  napi_create_double(env, d, &r);
  return r;
}

/* cartonaParseOrders(text | value) -> {owner, orders} */
napi_value cartona_parse_orders_js(napi_env env, napi_callback_info info) {
  ARGS(1);
  napi_valuetype t;
  napi_typeof(env, argv[0], &t);
  cartona_orders *l = nullptr;
  int rc;
  if (t == napi_string) {
    std::string text;
    if (!get_str(env, argv[0], text, nullptr, "text")) return nullptr;
    rc = cartona_orders_parse(&l, text.data(), text.size());
  } else {
    ValueHolder v;
    if (!get_value(env, argv[0], &v.v, false)) return nullptr;
    rc = cartona_orders_from_value(&l, v.v);
  }
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  napi_value hv = handle_new(env, l, (void (*)(void *))cartona_orders_free, "cartona.Orders");
  return hv ? orders_to_js(env, hv, l) : nullptr;
}

/* vocabularies: cartonaVocab(kind, word): 0 status settable, 1 cancellation reason, 2 unit */
napi_value cartona_vocab_js(napi_env env, napi_callback_info info) {
  ARGS(2);
  int64_t kind;
  std::string w;
  if (!get_i64(env, argv[0], &kind, "kind") || !get_str(env, argv[1], w, nullptr, "word")) return nullptr;
  int r = kind == 0   ? cartona_status_settable(w.c_str())
          : kind == 1 ? cartona_cancellation_reason_valid(w.c_str())
                      : cartona_unit_valid(w.c_str());
  return js_bool(env, r != 0);
}

/* status map */
napi_value cartona_status_map_new_js(napi_env env, napi_callback_info info) {
  ARGS(1);
  bool dflt = true;
  if (!is_nullish(env, argv[0])) napi_get_value_bool(env, argv[0], &dflt);
  cartona_status_map *m = nullptr;
  int rc = dflt ? cartona_status_map_new_default(&m) : cartona_status_map_new_empty(&m);
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  return handle_new(env, m, (void (*)(void *))cartona_status_map_free, "cartona.StatusMap");
}

/* cartonaStatusMap(map, op, a, b): 0 toCartona(a), 1 toOdoo(a), 2 setOutbound(a, b|null), 3 setInbound(a, b|null) */
napi_value cartona_status_map_js(napi_env env, napi_callback_info info) {
  ARGS(4);
  Handle *h = get_handle(env, argv[0], "cartona.StatusMap");
  int64_t op;
  std::string a;
  OptStr b;
  if (!h || !get_i64(env, argv[1], &op, "op") || !get_str(env, argv[2], a, nullptr, "state") ||
      !get_optstr(env, argv[3], b, "state"))
    return nullptr;
  cartona_status_map *m = (cartona_status_map *)h->p;
  const char *out = nullptr;
  int rc = op == 0   ? cartona_status_map_to_cartona(&out, m, a.c_str())
           : op == 1 ? cartona_status_map_to_odoo(&out, m, a.c_str())
           : op == 2 ? cartona_status_map_set_outbound(m, a.c_str(), b.c())
                     : cartona_status_map_set_inbound(m, a.c_str(), b.c());
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  return op <= 1 ? js_str(env, out) : undef(env);
}

napi_value error_retryable_js(napi_env env, napi_callback_info info) {
  ARGS(1);
  int64_t code;
  if (!get_i64(env, argv[0], &code, "code")) return nullptr;
  return js_bool(env, erplink_error_retryable((int)code) != 0);
}

/* Wipes a secret's bytes (tokens, codes) before the memory is released. */
void wipe(void *p, size_t n) {
  if (p && n) explicit_bzero(p, n);
}

/* ------------------------------------------------------------------ esi: SSO, tokens, client */

napi_value set_prop(napi_env env, napi_value obj, const char *name, napi_value v) {
  napi_set_named_property(env, obj, name, v);
  return obj;
}

napi_value claims_to_js(napi_env env, const esi_token_claims *c) {
  napi_value o, scopes;
  napi_create_object(env, &o);
  set_prop(env, o, "characterId", js_int(env, esi_token_claims_character_id(c)));
  set_prop(env, o, "name", js_str(env, esi_token_claims_name(c)));
  set_prop(env, o, "owner", js_str(env, esi_token_claims_owner(c)));
  set_prop(env, o, "expiresAt", js_int(env, esi_token_claims_expires_at(c)));
  set_prop(env, o, "clientId", js_str(env, esi_token_claims_client_id(c)));
  size_t n = esi_token_claims_scope_count(c);
  napi_create_array_with_length(env, n, &scopes);
  for (size_t i = 0; i < n; i++)
    napi_set_element(env, scopes, (uint32_t)i, js_str(env, esi_token_claims_scope_at(c, i)));
  return set_prop(env, o, "scopes", scopes);
}

struct ClaimsBox {
  esi_token_claims *c = nullptr;
  ~ClaimsBox() { esi_token_claims_free(c); }
};

/* esiSsoNew({clientId, clientSecret, redirectUri, metadataUrl, userAgent, leewayS,
 *            jwksRefreshIntervalS, loginMaxAgeS, timeoutMs, connectTimeoutMs, maxAttempts}) */
napi_value esi_sso_new_js(napi_env env, napi_callback_info info) {
  ARGS(1);
  if (is_nullish(env, argv[0])) return throw_code(env, ERPLINK_EINVAL, "options are required"), nullptr;
  esi_sso_options *o = nullptr;
  int rc = esi_sso_options_new(&o);
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  owned<esi_sso_options> guard(o, esi_sso_options_free);
  static const char *strs[] = {"clientId", "clientSecret", "redirectUri", "metadataUrl"};
  static const char *ints[] = {"leewayS", "jwksRefreshIntervalS", "loginMaxAgeS"};
  bool threw = false;
  std::unique_ptr<LogSink> sink;
  if (!each_opt_str(
          env, argv[0], strs, 4,
          [o](int k, const char *s) {
            switch (k) {
            case 0: return esi_sso_options_set_client_id(o, s);
            case 1: return esi_sso_options_set_client_secret(o, s);
            case 2: return esi_sso_options_set_redirect_uri(o, s);
            default: return esi_sso_options_set_metadata_url(o, s);
            }
          },
          &rc) ||
      !each_opt_int(
          env, argv[0], ints, 3,
          [o](int k, int64_t x) {
            switch (k) {
            case 0: return esi_sso_options_set_leeway_s(o, x);
            case 1: return esi_sso_options_set_jwks_refresh_interval_s(o, x);
            default: return esi_sso_options_set_login_max_age_s(o, x);
            }
          },
          &rc))
    return nullptr;
  if (!rc) rc = apply_http_options(env, argv[0], esi_sso_options_http(o), &threw, sink);
  if (threw) return nullptr;
  esi_sso *s = nullptr;
  if (!rc) rc = esi_sso_new(&s, o);
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  return client_handle_new(env, s, (void (*)(void *))esi_sso_free, "esi.SSO", sink);
}

napi_value esi_sso_confidential_js(napi_env env, napi_callback_info info) {
  ARGS(1);
  Handle *h = get_handle(env, argv[0], "esi.SSO");
  return h ? js_bool(env, esi_sso_is_confidential((esi_sso *)h->p) != 0) : nullptr;
}

/* The onRefresh callback of a token: esi_token_refresh_fn on a worker -> JS fn(refreshToken,
 * characterId) on the main thread; the worker waits until it returned (or, when it returns a
 * Promise, settled), so the rotated refresh token is stored before the call goes on. A throw or
 * a rejection makes the call that refreshed reject with it (the refresh itself stands). */
struct RefreshCtx {
  napi_threadsafe_function tsfn = nullptr;
};
struct RefreshCall {
  const char *rt;
  int64_t cid;
  Job *job; /* the job whose call refreshed (its worker waits) */
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
};

void refresh_finish(RefreshCall *call) {
  std::lock_guard<std::mutex> lk(call->mu);
  call->done = true;
  call->cv.notify_one();
}

void refresh_fail(napi_env env, RefreshCall *call, napi_value exc) {
  if (call->job && !call->job->override_error) {
    napi_ref r;
    napi_create_reference(env, exc, 1, &r);
    call->job->override_error = [r](napi_env env) -> napi_value {
      napi_value v = nullptr;
      napi_get_reference_value(env, r, &v);
      napi_delete_reference(env, r);
      return v;
    };
  }
}

napi_value refresh_settled_js(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data = nullptr;
  napi_get_cb_info(env, info, &argc, argv, nullptr, &data);
  refresh_finish((RefreshCall *)data);
  return undef(env);
}

napi_value refresh_rejected_js(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data = nullptr;
  napi_get_cb_info(env, info, &argc, argv, nullptr, &data);
  RefreshCall *call = (RefreshCall *)data;
  refresh_fail(env, call, argc ? argv[0] : undef(env));
  refresh_finish(call);
  return undef(env);
}

void refresh_call_js(napi_env env, napi_value fn, void *, void *data) {
  RefreshCall *call = (RefreshCall *)data;
  if (!env) return refresh_finish(call);
  napi_value args[2], res, u;
  napi_create_string_utf8(env, call->rt, NAPI_AUTO_LENGTH, &args[0]);
  args[1] = js_int(env, call->cid);
  napi_get_undefined(env, &u);
  if (napi_call_function(env, u, fn, 2, args, &res) != napi_ok) {
    napi_value exc;
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending && napi_get_and_clear_last_exception(env, &exc) == napi_ok) refresh_fail(env, call, exc);
    return refresh_finish(call);
  }
  bool is_promise = false;
  napi_is_promise(env, res, &is_promise);
  if (!is_promise) return refresh_finish(call);
  napi_value then, ok_fn, bad_fn, then_args[2];
  if (napi_get_named_property(env, res, "then", &then) != napi_ok ||
      napi_create_function(env, "settled", NAPI_AUTO_LENGTH, refresh_settled_js, call, &ok_fn) != napi_ok ||
      napi_create_function(env, "rejected", NAPI_AUTO_LENGTH, refresh_rejected_js, call, &bad_fn) != napi_ok)
    return refresh_finish(call);
  then_args[0] = ok_fn;
  then_args[1] = bad_fn;
  if (napi_call_function(env, res, then, 2, then_args, &res) != napi_ok) refresh_finish(call);
}

void refresh_tramp(const char *rt, int64_t cid, void *ud) {
  RefreshCtx *ctx = (RefreshCtx *)ud;
  RefreshCall call{rt, cid, tl_job, {}, {}, false};
  if (!tl_job || napi_call_threadsafe_function(ctx->tsfn, &call, napi_tsfn_blocking) != napi_ok) return;
  std::unique_lock<std::mutex> lk(call.mu);
  call.cv.wait(lk, [&] { return call.done; });
}

struct TokenBox {
  esi_token *t = nullptr;
  RefreshCtx *ctx = nullptr;
};

void token_box_free(void *p) {
  TokenBox *b = (TokenBox *)p;
  esi_token_free(b->t); /* no refresh can run any more: then the callback may go */
  if (b->ctx) {
    napi_release_threadsafe_function(b->ctx->tsfn, napi_tsfn_abort);
    delete b->ctx;
  }
  delete b;
}

/* A RefreshCtx for fn (null/undefined -> none). */
bool refresh_ctx_new(napi_env env, napi_value fn, RefreshCtx **out) {
  *out = nullptr;
  if (is_nullish(env, fn)) return true;
  napi_valuetype t;
  napi_typeof(env, fn, &t);
  if (t != napi_function) return throw_code(env, ERPLINK_ETYPE, "onRefresh must be a function"), false;
  RefreshCtx *ctx = new RefreshCtx();
  napi_value name;
  napi_create_string_utf8(env, "erplink.onRefresh", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, fn, nullptr, name, 0, 1, nullptr, nullptr, ctx, refresh_call_js,
                                      &ctx->tsfn) != napi_ok) {
    delete ctx;
    return elnapi_throw_napi(env), false;
  }
  napi_unref_threadsafe_function(env, ctx->tsfn); /* the calls that refresh keep the loop alive */
  *out = ctx;
  return true;
}

/* The JS handle of a new token (which borrows its SSO client); box is consumed. */
napi_value token_handle(napi_env env, TokenBox *box, napi_value sso_ext, Handle *sso, int64_t margin) {
  int rc = margin >= 0 ? esi_token_set_refresh_margin_s(box->t, margin) : 0;
  if (rc) return token_box_free(box), elnapi_throw_last(env, rc), nullptr;
  napi_value ext = handle_new(env, box, token_box_free, "esi.Token");
  if (ext) borrow(env, ext, sso_ext, sso);
  return ext;
}

/* esiTokenNew(sso, refreshToken, onRefresh, marginS) -> handle (no request) */
napi_value esi_token_new_js(napi_env env, napi_callback_info info) {
  ARGS(4);
  Handle *sso = get_handle(env, argv[0], "esi.SSO");
  std::string rt;
  int64_t margin = -1;
  if (!sso || !get_str(env, argv[1], rt, nullptr, "refreshToken") ||
      (!is_nullish(env, argv[3]) && !get_i64(env, argv[3], &margin, "refreshMarginS")))
    return nullptr;
  TokenBox *box = new TokenBox();
  if (!refresh_ctx_new(env, argv[2], &box->ctx)) return token_box_free(box), nullptr;
  int rc = esi_token_new(&box->t, (esi_sso *)sso->p, rt.c_str(), box->ctx ? refresh_tramp : nullptr, box->ctx);
  wipe(&rt[0], rt.size());
  if (rc) return token_box_free(box), elnapi_throw_last(env, rc), nullptr;
  return token_handle(env, box, argv[0], sso, margin);
}

napi_value esi_token_count_js(napi_env env, napi_callback_info info) {
  ARGS(1);
  Handle *h = get_handle(env, argv[0], "esi.Token");
  return h ? js_int(env, esi_token_refresh_count(((TokenBox *)h->p)->t)) : nullptr;
}

napi_value esi_token_invalidate_js(napi_env env, napi_callback_info info) {
  ARGS(1);
  Handle *h = get_handle(env, argv[0], "esi.Token");
  if (!h) return nullptr;
  int rc = esi_token_invalidate(((TokenBox *)h->p)->t);
  return rc ? (elnapi_throw_last(env, rc), nullptr) : undef(env);
}

/* esiTokenCall(token, op, cancel): 0 accessToken -> string, 1 claims -> object */
napi_value esi_token_call_js(napi_env env, napi_callback_info info) {
  ARGS(3);
  Handle *h = get_handle(env, argv[0], "esi.Token");
  int64_t op = 0;
  if (!h || !get_i64(env, argv[1], &op, "op")) return rejected(env);
  esi_token *t = ((TokenBox *)h->p)->t;
  auto str = std::make_shared<char *>(nullptr);
  auto claims = std::make_shared<ClaimsBox>();
  Job *j = new Job();
  j->run = [op, t, str, claims]() {
    return op == 0 ? esi_token_access_token(str.get(), t) : esi_token_get_claims(&claims->c, t);
  };
  j->finish = [op, str, claims](napi_env env) { return op == 0 ? js_str(env, *str) : claims_to_js(env, claims->c); };
  j->cleanup = [str]() {
    if (*str) {
      wipe(*str, strlen(*str));
      erplink_free(*str);
    }
  };
  job_use(env, j, h, argv[0]);
  return job_submit(env, j, argv[2]);
}

napi_value tokens_info(napi_env env, const esi_sso_tokens *t) {
  napi_value o;
  napi_create_object(env, &o);
  set_prop(env, o, "accessToken", js_str(env, esi_sso_tokens_access_token(t)));
  set_prop(env, o, "refreshToken", js_str(env, esi_sso_tokens_refresh_token(t)));
  set_prop(env, o, "expiresIn", js_int(env, esi_sso_tokens_expires_in(t)));
  return set_prop(env, o, "expiresAt", js_int(env, esi_sso_tokens_expires_at(t)));
}

/* esiTokensInfo(tokens) -> {accessToken, refreshToken, expiresIn, expiresAt} */
napi_value esi_tokens_info_js(napi_env env, napi_callback_info info) {
  ARGS(1);
  Handle *h = get_handle(env, argv[0], "esi.Tokens");
  return h ? tokens_info(env, (esi_sso_tokens *)h->p) : nullptr;
}

napi_value login_handle(napi_env env, esi_sso_login *l, napi_value sso_ext, Handle *sso) {
  napi_value ext = handle_new(env, l, (void (*)(void *))esi_sso_login_free, "esi.Login");
  if (ext) borrow(env, ext, sso_ext, sso);
  return ext;
}

/* esiLoginInfo(login) -> {url, state, createdAt} */
napi_value esi_login_info_js(napi_env env, napi_callback_info info) {
  ARGS(1);
  Handle *h = get_handle(env, argv[0], "esi.Login");
  if (!h) return nullptr;
  const esi_sso_login *l = (const esi_sso_login *)h->p;
  napi_value o;
  napi_create_object(env, &o);
  set_prop(env, o, "url", js_str(env, esi_sso_login_url(l)));
  set_prop(env, o, "state", js_str(env, esi_sso_login_state(l)));
  return set_prop(env, o, "createdAt", js_int(env, esi_sso_login_created_at(l)));
}

napi_value esi_login_export_js(napi_env env, napi_callback_info info) {
  ARGS(1);
  Handle *h = get_handle(env, argv[0], "esi.Login");
  if (!h) return nullptr;
  char *s = nullptr;
  int rc = esi_sso_login_export(&s, (const esi_sso_login *)h->p);
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  napi_value v = js_str(env, s);
  wipe(s, strlen(s));
  erplink_free(s);
  return v;
}

/* esiLoginImport(sso, exported) -> login handle (CPU only: a MAC check and a parse) */
napi_value esi_login_import_js(napi_env env, napi_callback_info info) {
  ARGS(2);
  Handle *sso = get_handle(env, argv[0], "esi.SSO");
  std::string s;
  if (!sso || !get_str(env, argv[1], s, nullptr, "exported")) return nullptr;
  esi_sso_login *l = nullptr;
  int rc = esi_sso_login_import(&l, (esi_sso *)sso->p, s.c_str());
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  return login_handle(env, l, argv[0], sso);
}

enum SsoOp { S_DISCOVER, S_ENDPOINT, S_LOGIN, S_EXCHANGE, S_REFRESH, S_REVOKE, S_VERIFY, S_TOKEN };

/* esiSsoCall(sso, op, cancel, ...) -> Promise:
 *   S_DISCOVER; S_ENDPOINT(name) -> string; S_LOGIN(scopes) -> login handle;
 *   S_EXCHANGE(login, code, state) / S_REFRESH(refreshToken, scope) -> tokens handle;
 *   S_REVOKE(refreshToken); S_VERIFY(accessToken) -> claims;
 *   S_TOKEN(tokens, onRefresh, marginS) -> token handle (the access token verified first) */
napi_value esi_sso_call_js(napi_env env, napi_callback_info info) {
  ARGS(7);
  Handle *h = get_handle(env, argv[0], "esi.SSO");
  int64_t op = 0;
  if (!h || !get_i64(env, argv[1], &op, "op")) return rejected(env);
  napi_value *a = argv + 3;
  struct In {
    std::string s1, s2;
    OptStr o1;
    StrList scopes;
    const esi_sso_login *login = nullptr;
    const esi_sso_tokens *tokens = nullptr;
    int64_t margin = -1;
    ~In() {
      wipe(&s1[0], s1.size());
      wipe(&s2[0], s2.size());
    }
  };
  struct Out {
    std::string str;
    esi_sso_login *login = nullptr;
    esi_sso_tokens *tokens = nullptr;
    esi_token_claims *claims = nullptr;
    TokenBox *box = nullptr;
    ~Out() {
      esi_sso_login_free(login);
      esi_sso_tokens_free(tokens);
      esi_token_claims_free(claims);
      if (box) token_box_free(box);
    }
  };
  auto in = std::make_shared<In>();
  auto out = std::make_shared<Out>();
  Job *j = new Job();
  Handle *dep = nullptr; /* a login or tokens handle the job reads */
  bool ok = true;
  switch (op) {
  case S_DISCOVER: break;
  case S_ENDPOINT: ok = get_str(env, a[0], in->s1, nullptr, "name"); break;
  case S_LOGIN: ok = get_strlist(env, a[0], in->scopes, "scopes"); break;
  case S_EXCHANGE:
    ok = (dep = get_handle(env, a[0], "esi.Login")) && get_str(env, a[1], in->s1, nullptr, "code") &&
         get_str(env, a[2], in->s2, nullptr, "state");
    if (ok) in->login = (const esi_sso_login *)dep->p;
    break;
  case S_REFRESH:
    ok = get_str(env, a[0], in->s1, nullptr, "refreshToken") && get_optstr(env, a[1], in->o1, "scope");
    break;
  case S_REVOKE: ok = get_str(env, a[0], in->s1, nullptr, "refreshToken"); break;
  case S_VERIFY: ok = get_str(env, a[0], in->s1, nullptr, "accessToken"); break;
  case S_TOKEN:
    ok = (dep = get_handle(env, a[0], "esi.Tokens")) &&
         (is_nullish(env, a[2]) || get_i64(env, a[2], &in->margin, "refreshMarginS"));
    if (ok) {
      in->tokens = (const esi_sso_tokens *)dep->p;
      out->box = new TokenBox();
      ok = refresh_ctx_new(env, a[1], &out->box->ctx);
    }
    break;
  default: ok = (throw_code(env, ERPLINK_EINVAL, "unknown SSO operation"), false);
  }
  if (!ok) {
    delete j;
    return rejected(env);
  }
  esi_sso *s = (esi_sso *)h->p;
  j->run = [op, s, in, out]() -> int {
    switch (op) {
    case S_DISCOVER: return esi_sso_discover(s);
    case S_ENDPOINT: {
      const char *e = nullptr;
      int rc = esi_sso_endpoint(&e, s, in->s1.c_str());
      if (!rc && e) out->str = e;
      return rc;
    }
    case S_LOGIN: return esi_sso_login_new(&out->login, s, in->scopes.ptr(), in->scopes.n());
    case S_EXCHANGE: return esi_sso_exchange_code(&out->tokens, s, in->login, in->s1.c_str(), in->s2.c_str());
    case S_REFRESH: return esi_sso_refresh(&out->tokens, s, in->s1.c_str(), in->o1.c());
    case S_REVOKE: return esi_sso_revoke(s, in->s1.c_str());
    case S_VERIFY: return esi_sso_verify(&out->claims, s, in->s1.c_str());
    case S_TOKEN:
      return esi_token_new_from_tokens(&out->box->t, s, in->tokens, out->box->ctx ? refresh_tramp : nullptr,
                                       out->box->ctx);
    }
    return erplink_error_set(ERPLINK_EINVAL, "unknown SSO operation");
  };
  napi_value sso_ext = argv[0];
  napi_ref sso_ref;
  napi_create_reference(env, sso_ext, 1, &sso_ref);
  j->finish = [op, out, in, h, sso_ref](napi_env env) -> napi_value {
    napi_value sso_ext;
    napi_get_reference_value(env, sso_ref, &sso_ext);
    switch (op) {
    case S_ENDPOINT: return js_str(env, out->str.c_str());
    case S_LOGIN: {
      napi_value v = login_handle(env, out->login, sso_ext, h);
      out->login = nullptr;
      return v;
    }
    case S_EXCHANGE:
    case S_REFRESH: {
      napi_value v = handle_new(env, out->tokens, (void (*)(void *))esi_sso_tokens_free, "esi.Tokens");
      out->tokens = nullptr;
      return v;
    }
    case S_VERIFY: return claims_to_js(env, out->claims);
    case S_TOKEN: {
      TokenBox *box = out->box;
      out->box = nullptr;
      return token_handle(env, box, sso_ext, h, in->margin);
    }
    }
    return undef(env);
  };
  j->cleanup = [sso_ref, out]() { (void)out; };
  j->refs.push_back(sso_ref);
  job_use(env, j, h, argv[0]);
  if (dep) job_use(env, j, dep, a[0]);
  return job_submit(env, j, argv[2]);
}

/* ---- the ESI client */

/* esiClientNew({userAgent, compatibilityDate, baseUrl, tenant, concurrency, errorLimitFloor,
 *               cacheMaxBytes, cache (false | a BlobCache handle), timeoutMs, ...}) */
napi_value esi_client_new_js(napi_env env, napi_callback_info info) {
  ARGS(1);
  if (is_nullish(env, argv[0])) return throw_code(env, ERPLINK_EINVAL, "options are required"), nullptr;
  esi_options *o = nullptr;
  int rc = esi_options_new(&o);
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  owned<esi_options> guard(o, esi_options_free);
  static const char *strs[] = {"compatibilityDate", "baseUrl", "tenant"};
  static const char *ints[] = {"concurrency", "errorLimitFloor", "cacheMaxBytes"};
  bool threw = false;
  std::unique_ptr<LogSink> sink;
  if (!each_opt_str(
          env, argv[0], strs, 3,
          [o](int k, const char *s) {
            switch (k) {
            case 0: return esi_options_set_compatibility_date(o, s);
            case 1: return esi_options_set_base_url(o, s);
            default: return esi_options_set_tenant(o, s);
            }
          },
          &rc) ||
      !each_opt_int(
          env, argv[0], ints, 3,
          [o](int k, int64_t x) {
            switch (k) {
            case 0: return esi_options_set_concurrency(o, (int)x);
            case 1: return esi_options_set_error_limit_floor(o, (int)x);
            default:
              return x < 0 ? erplink_error_set(ERPLINK_EINVAL, "cacheMaxBytes must be >= 0")
                           : esi_options_set_cache_max_bytes(o, (size_t)x);
            }
          },
          &rc))
    return nullptr;
  if (!rc) rc = apply_http_options(env, argv[0], esi_options_http(o), &threw, sink);
  if (threw) return nullptr;
  /* pages reach JavaScript as their received text through JSON.parse (bench/run
   * node_esi_market_pages; ERPLINK_NODE_JSON=0: the Node-API walk of the tree instead) */
  if (!rc && json_path_enabled()) rc = esi_options_set_keep_json(o, 1);
  napi_value cache;
  NAPI_TRY(napi_get_named_property(env, argv[0], "cache", &cache));
  Handle *blob = nullptr;
  owned<JsBackend> js_cache(nullptr, js_backend_free);
  napi_valuetype ct;
  napi_typeof(env, cache, &ct);
  if (!rc && ct == napi_boolean) {
    bool on = true;
    napi_get_value_bool(env, cache, &on);
    if (!on) rc = esi_options_set_cache_max_bytes(o, 0);
  } else if (!rc && ct == napi_external) {
    if (!(blob = get_handle(env, cache, "store.BlobCache"))) return nullptr;
    esi_cache_store cs;
    rc = esi_cache_store_from_blob_cache(&cs, (erplink_blob_cache *)blob->p);
    if (!rc) rc = esi_options_set_cache_store(o, &cs);
  } else if (!rc && ct == napi_object) { /* {get, put} written in JavaScript */
    bool has[2];
    JsBackend *b = nullptr;
    if (!js_backend_new(env, cache, "esi.Client cache", CACHE_FNS, 2, 2, has, &b)) return nullptr;
    b->always_raise = true; /* as in Python: the ESI call rejects with what the cache threw */
    js_cache.reset(b);
    esi_cache_store cs = {jc_get, jc_put, nullptr, b}; /* b is the handle's: freed after the client */
    rc = esi_options_set_cache_store(o, &cs);
  } else if (!rc && ct != napi_undefined && ct != napi_null) {
    return throw_code(env, ERPLINK_ETYPE, "cache must be true, false, a store.BlobCache or an object with get and put"),
           nullptr;
  }
  esi_client *c = nullptr;
  if (!rc) rc = esi_client_new(&c, o);
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  napi_value ext = client_handle_new(env, c, (void (*)(void *))esi_client_free, "esi.Client", sink);
  if (ext && blob) borrow(env, ext, cache, blob);
  if (ext && js_cache) handle_own_backend(env, ext, js_cache.release());
  return ext;
}

/* esiClientLimits(client) -> {errorRemain, errorResetS, pauseRemainingMs} */
napi_value esi_client_limits_js(napi_env env, napi_callback_info info) {
  ARGS(1);
  Handle *h = get_handle(env, argv[0], "esi.Client");
  if (!h) return nullptr;
  esi_client *c = (esi_client *)h->p;
  int remain = -1, reset = -1;
  esi_client_error_limit(&remain, &reset, c);
  napi_value o;
  napi_create_object(env, &o);
  set_prop(env, o, "errorRemain", js_int(env, remain));
  set_prop(env, o, "errorResetS", js_int(env, reset));
  return set_prop(env, o, "pauseRemainingMs", js_int(env, erplink_http_client_pause_remaining_ms(esi_client_http(c))));
}

/* {path: {name: int | string}, query: {name: int | string} | [[name, value], ...]} -> esi_params */
bool params_add(napi_env env, esi_params *p, napi_value name_v, napi_value val, bool path, int *rc) {
  std::string name;
  if (!get_str(env, name_v, name, nullptr, path ? "path parameter name" : "query parameter name")) return false;
  napi_valuetype t;
  napi_typeof(env, val, &t);
  if (t == napi_string) {
    std::string s;
    if (!get_str(env, val, s, nullptr, name.c_str())) return false;
    *rc = path ? esi_params_set_path(p, name.c_str(), s.c_str()) : esi_params_add_query(p, name.c_str(), s.c_str());
  } else if (t == napi_number || t == napi_bigint) {
    int64_t x;
    if (!get_i64(env, val, &x, name.c_str())) return false;
    *rc = path ? esi_params_set_path_int(p, name.c_str(), x) : esi_params_add_query_int(p, name.c_str(), x);
  } else {
    std::string msg = (path ? "path parameter '" : "query parameter '") + name + "': expected an integer or a string";
    throw_code(env, ERPLINK_ETYPE, msg.c_str());
    return false;
  }
  return true;
}

bool params_from(napi_env env, napi_value obj, esi_params *p, bool path, int *rc) {
  if (is_nullish(env, obj)) return true;
  bool is_array = false;
  napi_is_array(env, obj, &is_array);
  if (is_array && !path) { /* [[name, value], ...]: a name may repeat */
    uint32_t n = 0;
    napi_get_array_length(env, obj, &n);
    for (uint32_t i = 0; i < n && !*rc; i++) {
      napi_value pair, k, v;
      bool pair_ok = false;
      napi_get_element(env, obj, i, &pair);
      napi_is_array(env, pair, &pair_ok);
      uint32_t pn = 0;
      if (pair_ok) napi_get_array_length(env, pair, &pn);
      if (pn != 2) return throw_code(env, ERPLINK_ETYPE, "query pairs must be [name, value]"), false;
      napi_get_element(env, pair, 0, &k);
      napi_get_element(env, pair, 1, &v);
      if (!params_add(env, p, k, v, false, rc)) return false;
    }
    return true;
  }
  napi_valuetype t;
  napi_typeof(env, obj, &t);
  if (t != napi_object || is_array)
    return throw_code(env, ERPLINK_ETYPE, path ? "path must be an object" : "query must be an object or pairs"), false;
  napi_value keys;
  if (napi_get_property_names(env, obj, &keys) != napi_ok) return elnapi_throw_napi(env), false;
  uint32_t n = 0;
  napi_get_array_length(env, keys, &n);
  for (uint32_t i = 0; i < n && !*rc; i++) {
    napi_value k, v;
    napi_get_element(env, keys, i, &k);
    napi_get_property(env, obj, k, &v);
    if (!params_add(env, p, k, v, path, rc)) return false;
  }
  return true;
}

struct ParamsBox {
  esi_params *p = nullptr;
  ~ParamsBox() { esi_params_free(p); }
};

/* path, query -> params (nullptr when both are absent) */
bool get_params(napi_env env, napi_value path, napi_value query, ParamsBox &out) {
  if (is_nullish(env, path) && is_nullish(env, query)) return true;
  int rc = esi_params_new(&out.p);
  if (!rc && params_from(env, path, out.p, true, &rc) && !rc && params_from(env, query, out.p, false, &rc) && !rc)
    return true;
  if (rc) elnapi_throw_last(env, rc);
  return false;
}

/* One page of an answer, made on the worker for JSON.parse on the main thread: the body as
 * received (esi_options_set_keep_json: validated text, no re-encoding), else the tree encoded
 * to JSON when exact (see to_json_if_exact), else the tree for the Node-API walk. */
struct PageOut {
  char *json = nullptr; /* owned */
  size_t json_len = 0;
  const char *text = nullptr; /* borrowed (from the response, which outlives this) */
  size_t text_len = 0;
  erplink_value *v = nullptr; /* owned copy, or nullptr when borrowed from the response */
  const erplink_value *borrowed = nullptr;
  PageOut() = default;
  PageOut(const PageOut &) = delete;
  PageOut(PageOut &&o) noexcept
      : json(o.json), json_len(o.json_len), text(o.text), text_len(o.text_len), v(o.v), borrowed(o.borrowed) {
    o.json = nullptr;
    o.v = nullptr;
  }
  ~PageOut() {
    erplink_free(json);
    erplink_value_free(v);
  }
  /* worker: the received text (copied when it lives only during the call), or nullptr */
  int set_text(const char *t, size_t len, bool copy) {
    if (!copy) {
      text = t;
      text_len = len;
      return 0;
    }
    json = (char *)malloc(len + 1);
    if (!json) return erplink_error_set(ERPLINK_ENOMEM, "out of memory");
    memcpy(json, t, len);
    json[len] = '\0';
    json_len = len;
    return 0;
  }
  /* worker: from a tree that lives at least as long as this (borrow) or only during the call (copy) */
  int set(const erplink_value *tree, bool copy) {
    if (!tree) return 0;
    if (json_path_enabled() && json_exact(tree, 0) && erplink_json_encode(&json, &json_len, tree) == 0) return 0;
    erplink_error_clear();
    json = nullptr;
    if (!copy) {
      borrowed = tree;
      return 0;
    }
    return erplink_value_clone(&v, tree);
  }
  napi_value to_js(napi_env env) const {
    if (text) return json_parse(env, text, text_len);
    if (json) return json_parse(env, json, json_len);
    return from_value_or_null(env, v ? v : borrowed);
  }
};

const char *cache_status_name(esi_cache_status s) {
  switch (s) {
  case ESI_CACHE_HIT: return "hit";
  case ESI_CACHE_REVALIDATED: return "revalidated";
  default: return "miss";
  }
}

/* An esi_response and its pages made ready on the worker. */
struct RespOut {
  esi_response *r = nullptr;
  std::vector<PageOut> pages;
  bool item_walk = false; /* the items are not the pages' arrays put end to end (wallet batches) */
  int64_t mail_id = 0;
  int64_t *invalid = nullptr;
  size_t n_invalid = 0;
  ~RespOut() {
    esi_response_free(r);
    erplink_free(invalid);
  }
  /* worker */
  int prepare() {
    size_t n = esi_response_page_count(r), sum = 0;
    pages.resize(n ? n : 1);
    for (size_t i = 0; i < n; i++) {
      const erplink_value *pv = esi_response_page_at(r, i);
      if (erplink_value_type(pv) == ERPLINK_TYPE_ARRAY) sum += erplink_value_count(pv);
      size_t tlen = 0;
      const char *t = esi_response_page_json(r, i, &tlen);
      int rc = t ? pages[i].set_text(t, tlen, false) : pages[i].set(pv, false);
      if (rc) return rc;
    }
    if (!n) return pages[0].set(esi_response_value(r), false);
    item_walk = sum != esi_response_item_count(r);
    return 0;
  }
  /* main thread */
  napi_value to_js(napi_env env) {
    napi_value o, v, arr;
    napi_create_object(env, &o);
    set_prop(env, o, "status", js_int(env, esi_response_status(r)));
    set_prop(env, o, "cacheStatus", js_str(env, cache_status_name(esi_response_cache_status(r))));
    set_prop(env, o, "requests", js_int(env, esi_response_requests(r)));
    set_prop(env, o, "etag", js_str(env, esi_response_etag(r)));
    set_prop(env, o, "lastModified", js_str(env, esi_response_last_modified(r)));
    set_prop(env, o, "expiresMs", js_int(env, esi_response_expires_ms(r)));
    set_prop(env, o, "pages", js_int(env, esi_response_pages(r)));
    int remain = -1, reset = -1;
    esi_response_error_limit(&remain, &reset, r);
    napi_create_object(env, &v);
    set_prop(env, v, "remain", js_int(env, remain));
    set_prop(env, v, "resetS", js_int(env, reset));
    set_prop(env, o, "errorLimit", v);
    const char *group = nullptr, *limit = nullptr;
    int64_t remaining = -1, used = -1;
    esi_response_rate_limit(&group, &limit, &remaining, &used, r);
    napi_create_object(env, &v);
    set_prop(env, v, "group", js_str(env, group));
    set_prop(env, v, "limit", js_str(env, limit));
    set_prop(env, v, "remaining", js_int(env, remaining));
    set_prop(env, v, "used", js_int(env, used));
    set_prop(env, o, "rateLimit", v);
    size_t n = esi_response_page_count(r);
    napi_value statuses, values, items;
    napi_create_array_with_length(env, n, &statuses);
    napi_create_array_with_length(env, n, &values);
    for (size_t i = 0; i < n; i++)
      napi_set_element(env, statuses, (uint32_t)i,
                       js_str(env, cache_status_name(esi_response_page_cache_status(r, i))));
    set_prop(env, o, "pageCacheStatus", statuses);
    uint32_t k = 0;
    napi_create_array(env, &items);
    for (size_t i = 0; i < pages.size(); i++) {
      napi_value pv = pages[i].to_js(env);
      if (!pv) return nullptr;
      napi_set_element(env, values, (uint32_t)i, pv);
      bool is = false;
      napi_is_array(env, pv, &is);
      if (!is || item_walk || !n) continue;
      uint32_t m = 0;
      napi_get_array_length(env, pv, &m);
      for (uint32_t x = 0; x < m; x++) {
        napi_value e;
        napi_get_element(env, pv, x, &e);
        napi_set_element(env, items, k++, e);
      }
    }
    if (item_walk) {
      size_t m = esi_response_item_count(r);
      for (size_t x = 0; x < m; x++) {
        napi_value e = from_value_or_null(env, esi_response_item_at(r, x));
        if (!e) return nullptr;
        napi_set_element(env, items, (uint32_t)x, e);
      }
    }
    napi_get_element(env, values, 0, &v);
    set_prop(env, o, "value", v);
    set_prop(env, o, "pageValues", values);
    set_prop(env, o, "items", items);
    if (n_invalid || invalid) {
      napi_create_array_with_length(env, n_invalid, &arr);
      for (size_t i = 0; i < n_invalid; i++) napi_set_element(env, arr, (uint32_t)i, js_int(env, invalid[i]));
      set_prop(env, o, "invalid", arr);
    }
    return o;
  }
};

enum EsiOp { E_GET, E_GET_ALL, E_POST, E_ASSETS, E_MARKET, E_BLUEPRINTS, E_WALLET, E_MAIL, E_NAMES };

/* esiClientCall(client, op, cancel, ...) -> Promise<response object | mail id>:
 *   E_GET / E_GET_ALL (route, path, query, token); E_POST (route, body, path, query, token);
 *   E_ASSETS / E_BLUEPRINTS (token, characterId); E_MARKET (regionId, orderType, typeId);
 *   E_WALLET (token, characterId, fromId, maxBatches);
 *   E_MAIL (token, characterId, [[id, type], ...], subject, body, approvedCost); E_NAMES (ids) */
napi_value esi_client_call_js(napi_env env, napi_callback_info info) {
  ARGS(10);
  Handle *h = get_handle(env, argv[0], "esi.Client");
  int64_t op = 0;
  if (!h || !get_i64(env, argv[1], &op, "op")) return rejected(env);
  napi_value *a = argv + 3;
  struct In {
    std::string route, subject, body;
    OptStr order_type;
    ParamsBox params;
    ValueHolder v;
    int64_t i1 = 0, i2 = 0, i3 = 0;
    std::vector<int64_t> ids;
    std::vector<std::string> types;
    std::vector<esi_mail_recipient> rcpt;
  };
  auto in = std::make_shared<In>();
  Handle *tok = nullptr;
  napi_value tok_v = nullptr;
  auto token = [&](napi_value v, bool required) {
    if (required || !is_nullish(env, v)) {
      tok = get_handle(env, v, "esi.Token");
      tok_v = v;
      return tok != nullptr;
    }
    return true;
  };
  bool ok = true;
  switch (op) {
  case E_GET:
  case E_GET_ALL:
    ok = get_str(env, a[0], in->route, nullptr, "route") && get_params(env, a[1], a[2], in->params) &&
         token(a[3], false);
    break;
  case E_POST:
    ok = get_str(env, a[0], in->route, nullptr, "route") && get_value(env, a[1], &in->v.v, false) &&
         get_params(env, a[2], a[3], in->params) && token(a[4], false);
    break;
  case E_ASSETS:
  case E_BLUEPRINTS: ok = token(a[0], true) && get_i64(env, a[1], &in->i1, "characterId"); break;
  case E_MARKET:
    ok = get_i64(env, a[0], &in->i1, "regionId") && get_optstr(env, a[1], in->order_type, "orderType") &&
         get_i64(env, a[2], &in->i2, "typeId");
    break;
  case E_WALLET:
    ok = token(a[0], true) && get_i64(env, a[1], &in->i1, "characterId") && get_i64(env, a[2], &in->i2, "fromId") &&
         get_i64(env, a[3], &in->i3, "maxBatches");
    break;
  case E_MAIL: {
    ok = token(a[0], true) && get_i64(env, a[1], &in->i1, "characterId") &&
         get_str(env, a[3], in->subject, nullptr, "subject") && get_str(env, a[4], in->body, nullptr, "body") &&
         get_i64(env, a[5], &in->i2, "approvedCost");
    bool is = false;
    if (ok) napi_is_array(env, a[2], &is);
    if (ok && !is) ok = (throw_code(env, ERPLINK_ETYPE, "recipients must be an array of [id, type] pairs"), false);
    uint32_t n = 0;
    if (ok) napi_get_array_length(env, a[2], &n);
    in->ids.resize(n);
    in->types.resize(n);
    for (uint32_t i = 0; ok && i < n; i++) {
      napi_value pair, id, type;
      bool pair_ok = false;
      uint32_t pn = 0;
      napi_get_element(env, a[2], i, &pair);
      napi_is_array(env, pair, &pair_ok);
      if (pair_ok) napi_get_array_length(env, pair, &pn);
      if (pn != 2) {
        ok = (throw_code(env, ERPLINK_ETYPE, "recipients must be an array of [id, type] pairs"), false);
        break;
      }
      napi_get_element(env, pair, 0, &id);
      napi_get_element(env, pair, 1, &type);
      ok = get_i64(env, id, &in->ids[i], "recipient id") && get_str(env, type, in->types[i], nullptr, "recipient type");
    }
    for (uint32_t i = 0; ok && i < n; i++) in->rcpt.push_back({in->ids[i], in->types[i].c_str()});
    break;
  }
  case E_NAMES: ok = get_ids(env, a[0], in->ids); break;
  default: ok = (throw_code(env, ERPLINK_EINVAL, "unknown ESI operation"), false);
  }
  if (!ok) return rejected(env);
  if (in->i3 < 0 || in->i3 > INT32_MAX) in->i3 = 1000;
  auto out = std::make_shared<RespOut>();
  esi_client *c = (esi_client *)h->p;
  esi_token *t = tok ? ((TokenBox *)tok->p)->t : nullptr;
  Job *j = new Job();
  j->run = [op, c, t, in, out]() -> int {
    const char *route = in->route.c_str();
    int rc;
    switch (op) {
    case E_GET: rc = esi_client_get(&out->r, c, route, in->params.p, t); break;
    case E_GET_ALL: rc = esi_client_get_all_pages(&out->r, c, route, in->params.p, t); break;
    case E_POST: rc = esi_client_post(&out->r, c, route, in->params.p, in->v.v, t); break;
    case E_ASSETS: rc = esi_client_character_assets(&out->r, c, t, in->i1); break;
    case E_BLUEPRINTS: rc = esi_client_character_blueprints(&out->r, c, t, in->i1); break;
    case E_MARKET: rc = esi_client_market_orders(&out->r, c, in->i1, in->order_type.c(), in->i2); break;
    case E_WALLET: rc = esi_client_wallet_transactions(&out->r, c, t, in->i1, in->i2, (int)in->i3); break;
    case E_MAIL:
      return esi_client_send_mail(&out->mail_id, c, t, in->i1, in->rcpt.data(), in->rcpt.size(), in->subject.c_str(),
                                  in->body.c_str(), in->i2);
    case E_NAMES:
      rc = esi_client_universe_names(&out->r, &out->invalid, &out->n_invalid, c, in->ids.data(), in->ids.size());
      break;
    default: return erplink_error_set(ERPLINK_EINVAL, "unknown ESI operation");
    }
    return rc ? rc : out->prepare();
  };
  j->finish = [op, out](napi_env env) { return op == E_MAIL ? js_int(env, out->mail_id) : out->to_js(env); };
  job_use(env, j, h, argv[0]);
  if (tok) job_use(env, j, tok, tok_v);
  return job_submit(env, j, argv[2]);
}

/* ---- pages streamed to JavaScript (iterPages) */

/* An esi_pager walked on a worker; each page, made ready there (its text), goes to JS
 * onPage(page, pages, items) on the main thread through the stream's thread-safe function
 * (which also takes the finished job, after the last page). At most `ahead` pages wait for JS
 * to take them (esiStreamAck); the worker waits beyond, so memory stays bounded while the
 * transfers of the next pages overlap with JavaScript's work on the previous ones.
 * esiStreamStop() ends the walk early (the callback returns ERPLINK_ECANCELLED). */
struct StreamPage {
  int page = 0, pages = 0;
  PageOut items;
};

struct PageStream {
  napi_threadsafe_function tsfn = nullptr;
  Job *job = nullptr;
  std::mutex mu;
  std::condition_variable cv;
  size_t waiting = 0, ahead = 8;
  bool stop = false;
};

struct StreamBox { /* the JS handle of a stream: the stream lives until both the job and the handle are done */
  std::shared_ptr<PageStream> s;
};

/* worker: one delivered page of pager to JS (waits while `ahead` pages wait for JS) */
int stream_page(PageStream *s, esi_pager *pager, int page, const erplink_value *items) {
  {
    std::unique_lock<std::mutex> lk(s->mu);
    s->cv.wait(lk, [s] { return s->stop || s->waiting < s->ahead; });
    if (s->stop) return erplink_error_set(ERPLINK_ECANCELLED, "the page iteration was stopped");
    s->waiting++;
  }
  StreamPage *m = new StreamPage();
  m->page = page;
  m->pages = esi_pager_pages(pager);
  size_t tlen = 0;
  const char *t = esi_pager_json(pager, &tlen);
  int rc = t ? m->items.set_text(t, tlen, true) : m->items.set(items, true);
  if (rc || napi_call_threadsafe_function(s->tsfn, m, napi_tsfn_blocking) != napi_ok) {
    delete m;
    return rc ? rc : erplink_error_set(ERPLINK_ECANCELLED, "the JavaScript environment is closing");
  }
  return 0;
}

void stream_call_js(napi_env env, napi_value fn, void *context, void *data) {
  PageStream *s = (PageStream *)context;
  if (data == s->job) { /* the finished job: settle it, then release this function */
    napi_threadsafe_function tsfn = s->tsfn;
    job_done_js(env, nullptr, nullptr, data);
    napi_release_threadsafe_function(tsfn, napi_tsfn_release);
    return;
  }
  StreamPage *m = (StreamPage *)data;
  if (env) {
    napi_value args[3], res, u;
    args[0] = js_int(env, m->page);
    args[1] = js_int(env, m->pages);
    args[2] = m->items.to_js(env);
    napi_get_undefined(env, &u);
    bool pending = false;
    if (!args[2] || napi_call_function(env, u, fn, 3, args, &res) != napi_ok) {
      napi_is_exception_pending(env, &pending);
      napi_value exc;
      if (pending) napi_get_and_clear_last_exception(env, &exc);
      std::lock_guard<std::mutex> lk(s->mu);
      s->stop = true;
      s->cv.notify_one();
    }
  }
  delete m;
}

void stream_box_free(void *p) { delete (StreamBox *)p; }

/* esiStream(client, cancel, onPage, ahead, route, path, query, token) -> [stream handle, Promise] */
napi_value esi_stream_js(napi_env env, napi_callback_info info) {
  ARGS(8);
  Handle *h = get_handle(env, argv[0], "esi.Client");
  if (!h) return nullptr;
  napi_valuetype ft;
  napi_typeof(env, argv[2], &ft);
  if (ft != napi_function) return throw_code(env, ERPLINK_ETYPE, "onPage must be a function"), nullptr;
  int64_t ahead = 8;
  struct In {
    std::string route;
    ParamsBox params;
  };
  auto in = std::make_shared<In>();
  Handle *tok = nullptr;
  if (!get_i64(env, argv[3], &ahead, "ahead") || !get_str(env, argv[4], in->route, nullptr, "route") ||
      !get_params(env, argv[5], argv[6], in->params))
    return nullptr;
  if (!is_nullish(env, argv[7]) && !(tok = get_handle(env, argv[7], "esi.Token"))) return nullptr;
  if (ahead < 1) ahead = 1;
  auto s = std::make_shared<PageStream>();
  s->ahead = (size_t)ahead;
  napi_value name;
  napi_create_string_utf8(env, "erplink.pages", NAPI_AUTO_LENGTH, &name);
  NAPI_TRY(napi_create_threadsafe_function(env, argv[2], nullptr, name, 0, 1, nullptr, nullptr, s.get(), stream_call_js,
                                           &s->tsfn));
  Job *j = new Job();
  s->job = j;
  j->done_tsfn = s->tsfn;
  esi_client *c = (esi_client *)h->p;
  esi_token *t = tok ? ((TokenBox *)tok->p)->t : nullptr;
  j->run = [c, t, in, s]() {
    esi_pager *pager = nullptr;
    int rc = esi_pager_new(&pager, c, in->route.c_str(), in->params.p, t);
    for (int page = 1; rc == 0;) {
      const erplink_value *items = nullptr;
      rc = esi_pager_next(&items, &page, pager);
      if (rc || page == 0) break;
      rc = stream_page(s.get(), pager, page, items);
    }
    esi_pager_free(pager);
    return rc;
  };
  j->cleanup = [s]() {}; /* keeps the stream alive until the job is settled */
  job_use(env, j, h, argv[0]);
  if (tok) job_use(env, j, tok, argv[7]);
  StreamBox *box = new StreamBox{s};
  napi_value ext;
  if (napi_create_external(
          env, box, [](napi_env, void *d, void *) { stream_box_free(d); }, nullptr, &ext) != napi_ok) {
    delete box;
    return elnapi_throw_napi(env), nullptr;
  }
  napi_value promise = job_submit(env, j, argv[1]);
  if (!promise) return nullptr;
  napi_value pair;
  napi_create_array_with_length(env, 2, &pair);
  napi_set_element(env, pair, 0, ext);
  napi_set_element(env, pair, 1, promise);
  return pair;
}

PageStream *get_stream(napi_env env, napi_value v) {
  void *d = nullptr;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external || napi_get_value_external(env, v, &d) != napi_ok || !d)
    return throw_code(env, ERPLINK_ETYPE, "not a page stream"), nullptr;
  return ((StreamBox *)d)->s.get();
}

/* esiStreamAck(stream): JS took one page off its queue */
napi_value esi_stream_ack_js(napi_env env, napi_callback_info info) {
  ARGS(1);
  PageStream *s = get_stream(env, argv[0]);
  if (!s) return nullptr;
  std::lock_guard<std::mutex> lk(s->mu);
  if (s->waiting) s->waiting--;
  s->cv.notify_one();
  return undef(env);
}

/* esiStreamStop(stream): no more pages wanted */
napi_value esi_stream_stop_js(napi_env env, napi_callback_info info) {
  ARGS(1);
  PageStream *s = get_stream(env, argv[0]);
  if (!s) return nullptr;
  std::lock_guard<std::mutex> lk(s->mu);
  s->stop = true;
  s->cv.notify_one();
  return undef(env);
}

/* ---- offline verification and blueprints (CPU only: synchronous) */

napi_value esi_jwks_new_js(napi_env env, napi_callback_info info) {
  ARGS(1);
  const void *data = nullptr;
  size_t len = 0;
  std::string tmp;
  if (!get_body(env, argv[0], &data, &len, tmp)) return nullptr;
  esi_jwks *k = nullptr;
  int rc = esi_jwks_new_from_json(&k, (const char *)data, len);
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  return handle_new(env, k, (void (*)(void *))esi_jwks_free, "esi.JWKS");
}

napi_value esi_jwks_count_js(napi_env env, napi_callback_info info) {
  ARGS(1);
  Handle *h = get_handle(env, argv[0], "esi.JWKS");
  return h ? js_int(env, (int64_t)esi_jwks_count((esi_jwks *)h->p)) : nullptr;
}

/* esiJwksVerify(jwks, accessToken, clientId, now, leewayS) -> claims */
napi_value esi_jwks_verify_js(napi_env env, napi_callback_info info) {
  ARGS(5);
  Handle *h = get_handle(env, argv[0], "esi.JWKS");
  std::string token, client;
  int64_t now = 0, leeway = 60;
  if (!h || !get_str(env, argv[1], token, nullptr, "accessToken") ||
      !get_str(env, argv[2], client, nullptr, "clientId") || !get_i64(env, argv[3], &now, "now") ||
      !get_i64(env, argv[4], &leeway, "leewayS"))
    return nullptr;
  ClaimsBox cb;
  int rc = esi_jwt_verify(&cb.c, (esi_jwks *)h->p, token.c_str(), client.c_str(), now, leeway);
  wipe(&token[0], token.size());
  if (rc) return elnapi_throw_last(env, rc), nullptr;
  return claims_to_js(env, cb.c);
}

napi_value esi_blueprint_kind_js(napi_env env, napi_callback_info info) {
  ARGS(1);
  ValueHolder v;
  if (!get_value(env, argv[0], &v.v, false)) return nullptr;
  static const char *names[] = {"unknown", "original", "copy", "stack"};
  unsigned k = (unsigned)esi_blueprint_kind_of(v.v);
  return js_str(env, names[k < 4 ? k : 0]);
}

/* ------------------------------------------------------------------ registration */

void env_cleanup(void *arg) {
  EnvData *ed = (EnvData *)arg;
  (void)ed; /* the tsfn is released by Node at teardown; jobs still queued are dropped with it */
}

} // namespace

/* Called from the SWIG module's Init (bindings/erplink.i). */
napi_value elnode_register(napi_env env, napi_value exports) {
  EnvData *ed = new EnvData(); /* one per environment, for its lifetime */
  tl_env_data = ed;
  napi_value name;
  napi_create_string_utf8(env, "erplink.done", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr, nullptr, nullptr, job_done_js,
                                      &ed->tsfn) != napi_ok)
    return nullptr;
  napi_unref_threadsafe_function(env, ed->tsfn);
  napi_add_env_cleanup_hook(env, env_cleanup, ed);
  struct {
    const char *name;
    napi_callback fn;
  } fns[] = {
      {"close", handle_close},
      {"errorRetryable", error_retryable_js},
      {"cancelNew", cancel_new},
      {"cancelTrigger", cancel_trigger},
      {"rzVerifierNew", rz_verifier_new},
      {"rzVerifierCount", rz_verifier_count},
      {"rzVerifierWebhook", rz_verifier_webhook},
      {"rzVerifierFields", rz_verifier_fields},
      {"rzVerifyWebhook", rz_verify_webhook},
      {"rzParseEvent", rz_parse_event},
      {"rzEventEntity", rz_event_entity},
      {"rzEntityString", rz_entity_string},
      {"rzEntityInt", rz_entity_int},
      {"storeOpen", store_open},
      {"storePath", store_path},
      {"storeCheck", store_check},
      {"dedupNewMemory", dedup_new_memory},
      {"dedupNewSqlite", dedup_new_sqlite},
      {"dedupNewCustom", dedup_new_custom},
      {"dedupSeen", dedup_seen},
      {"dedupForget", dedup_forget},
      {"dedupCount", dedup_count},
      {"blobNew", blob_new},
      {"outboxNew", outbox_new_js},
      {"outboxNewCustom", outbox_new_custom_js},
      {"outboxCall", outbox_call_js},
      {"outboxMark", outbox_mark_js},
      {"blobGet", blob_get},
      {"blobPut", blob_put},
      {"blobRemove", blob_remove},
      {"blobEvict", blob_evict},
      {"blobSize", blob_size},
      {"odooClientNew", odoo_client_new_js},
      {"odooCall", odoo_call_js},
      {"odooCursorNext", odoo_cursor_next_js},
      {"odooCursorCount", odoo_cursor_count_js},
      {"cartonaClientNew", cartona_client_new_js},
      {"cartonaCall", cartona_call_js},
      {"cartonaOutboxEnqueue", cartona_outbox_enqueue_js},
      {"cartonaOutboxFlush", cartona_outbox_flush_js},
      {"cartonaIntakeDone", cartona_intake_done_js},
      {"cartonaOrderField", cartona_order_field_js},
      {"cartonaParseOrders", cartona_parse_orders_js},
      {"cartonaVocab", cartona_vocab_js},
      {"cartonaStatusMapNew", cartona_status_map_new_js},
      {"cartonaStatusMap", cartona_status_map_js},
      {"esiSsoNew", esi_sso_new_js},
      {"esiSsoConfidential", esi_sso_confidential_js},
      {"esiSsoCall", esi_sso_call_js},
      {"esiLoginInfo", esi_login_info_js},
      {"esiLoginExport", esi_login_export_js},
      {"esiLoginImport", esi_login_import_js},
      {"esiTokensInfo", esi_tokens_info_js},
      {"esiTokenNew", esi_token_new_js},
      {"esiTokenCall", esi_token_call_js},
      {"esiTokenCount", esi_token_count_js},
      {"esiTokenInvalidate", esi_token_invalidate_js},
      {"esiClientNew", esi_client_new_js},
      {"esiClientLimits", esi_client_limits_js},
      {"esiClientCall", esi_client_call_js},
      {"esiStream", esi_stream_js},
      {"esiStreamAck", esi_stream_ack_js},
      {"esiStreamStop", esi_stream_stop_js},
      {"esiJwksNew", esi_jwks_new_js},
      {"esiJwksCount", esi_jwks_count_js},
      {"esiJwksVerify", esi_jwks_verify_js},
      {"esiBlueprintKind", esi_blueprint_kind_js},
  };
  napi_value native;
  napi_create_object(env, &native);
  for (auto &f : fns) {
    napi_value fn;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, nullptr, &fn);
    napi_set_named_property(env, native, f.name, fn);
  }
  napi_set_named_property(env, native, "esiDefaultCompatibilityDate", js_str(env, ESI_DEFAULT_COMPATIBILITY_DATE));
  napi_set_named_property(env, exports, "native", native);
  return exports;
}
