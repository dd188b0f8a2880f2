'use strict';
// erplink for Node.js: loads the Node-API addon built by `npm install` (scripts/build.js)
// and turns its errors into ErplinkError subclasses, one per error category of
// erplink/error.h.
//
// Values (both ways, one walk each; see erplink_napi.h for every rule):
//   null/undefined <-> nil (returned as null), boolean <-> bool,
//   number (integer within +-(2^53-1)) / bigint -> int; int -> number when exact, else bigint,
//   number (other) <-> double, string <-> string, Buffer/Uint8Array/ArrayBuffer/DataView -> bytes -> Buffer,
//   Date <-> datetime (UTC, milliseconds), Array <-> array, plain object <-> struct (property order).
const fs = require('fs');
const os = require('os');
const path = require('path');

// The addon is loaded with RTLD_DEEPBIND where the platform has it (glibc): its own libraries
// (the system's libsimdjson, libcurl, OpenSSL, SQLite) then resolve their symbols among
// themselves before the node executable's. Node >= 22 exports the symbols of the simdjson it
// embeds (another version, same C++ names): with the default lookup, libsimdjson's vtables
// bound to Node's copy and the first JSON decode crashed (seen on Node 22.23). Node also exports
// its embedded OpenSSL. ERPLINK_NODE_DEEPBIND=0 loads it the usual way (e.g. under ASan, which
// refuses RTLD_DEEPBIND).
const DEEPBIND = os.constants.dlopen && os.constants.dlopen.RTLD_DEEPBIND;

function loadFile(file) {
  if (!DEEPBIND || process.env.ERPLINK_NODE_DEEPBIND === '0') return require(file);
  if (!fs.existsSync(file)) {
    const e = new Error(`Cannot find module '${file}'`);
    e.code = 'MODULE_NOT_FOUND';
    throw e;
  }
  const m = { exports: {} };
  process.dlopen(m, file, os.constants.dlopen.RTLD_NOW | DEEPBIND);
  return m.exports;
}

function loadAddon() {
  const tried = [];
  for (const dir of ['Release', 'Debug']) {
    const file = path.join(__dirname, 'build', dir, 'erplink.node');
    try {
      return loadFile(file);
    } catch (e) {
      if (e.code !== 'MODULE_NOT_FOUND') throw e;
      tried.push(file);
    }
  }
  throw new Error(`erplink: the native addon is not built (looked for ${tried.join(', ')}); run \`npm install\` in ${__dirname}`);
}

const addon = loadAddon();

/** ERPLINK_E* codes without the prefix, from the C enum: { EINVAL: -1, ... }. */
const codes = Object.freeze(Object.fromEntries(
  Object.getOwnPropertyNames(addon).filter((k) => /^E[A-Z_]+$/.test(k) && typeof addon[k] === 'number').map((k) => [k, addon[k]])));
const codeNames = Object.fromEntries(Object.entries(codes).map(([k, v]) => [v, k]));

class ErplinkError extends Error {
  /**
   * @param {string} message
   * @param {{code?: number, category?: string, httpStatus?: number|null, remoteClass?: string|null,
   *          detail?: string|null, retryAfterMs?: number|null}} [info]
   */
  constructor(message, info = {}) {
    super(message);
    const code = info.code === undefined ? codes.EINVAL : info.code;
    this.name = new.target.name;
    this.code = code;
    this.codeName = codeNames[code] || String(code);
    this.category = info.category || new.target.categoryName || addon.error_category_name(addon.error_category_of(code));
    this.httpStatus = info.httpStatus == null ? null : info.httpStatus;
    this.remoteClass = info.remoteClass == null ? null : info.remoteClass;
    this.detail = info.detail == null ? null : info.detail;
    this.retryAfterMs = info.retryAfterMs == null ? null : info.retryAfterMs;
  }
}

const classes = {};
function category(name, className) {
  const cls = { [className]: class extends ErplinkError {} }[className];
  Object.defineProperty(cls, 'categoryName', { value: name });
  classes[name] = cls;
  return cls;
}
// The category names of erplink_error_category_name().
const InvalidArgumentError = category('invalid_argument', 'InvalidArgumentError');
const OutOfMemoryError = category('out_of_memory', 'OutOfMemoryError');
const NetworkError = category('network', 'NetworkError');
const TimeoutError = category('timeout', 'TimeoutError');
const TLSError = category('tls', 'TLSError');
const HTTPError = category('http', 'HTTPError');
const ProtocolError = category('protocol', 'ProtocolError');
const AuthError = category('auth', 'AuthError');
const AccessError = category('access', 'AccessError');
const ValidationError = category('validation', 'ValidationError');
const NotFoundError = category('not_found', 'NotFoundError');
const RateLimitError = category('rate_limited', 'RateLimitError');
const ConflictError = category('conflict', 'ConflictError');
const SignatureError = category('signature', 'SignatureError');
const CancelledError = category('cancelled', 'CancelledError');
const ServerError = category('server', 'ServerError');
const StoreError = category('store', 'StoreError');

// The addon throws a plain Error carrying code/category/...: rethrow it as its class,
// with a stack that starts at the caller of the public function.
function wrap(fn) {
  const wrapped = function (...args) {
    try {
      return fn(...args);
    } catch (e) {
      if (e instanceof Error && !(e instanceof ErplinkError) && typeof e.code === 'number' &&
          typeof e.category === 'string') {
        const Cls = classes[e.category] || ErplinkError;
        const err = new Cls(e.message, e);
        Error.captureStackTrace(err, wrapped);
        throw err;
      }
      throw e;
    }
  };
  return wrapped;
}

const internal = require('./lib/_internal')({ native: addon.native, classes, ErplinkError, codes });
const store = require('./lib/store')(internal);
const razorpay = require('./lib/razorpay')(internal, store);
const odoo = require('./lib/odoo')(internal);
const cartona = require('./lib/cartona')(internal, store);
const esi = require('./lib/esi')(internal, store);

module.exports = {
  store,
  razorpay,
  odoo,
  cartona,
  esi,
  /** The version of the loaded C library, e.g. "0.2.0". */
  version: () => addon.version(),
  /** MAJOR * 10000 + MINOR * 100 + PATCH of the loaded C library. */
  versionNumber: () => addon.version_number(),
  /** Converts a value to an erplink value tree, deep-copies it in C and converts it back. */
  roundtrip: wrap((value) => addon.value_clone(value)),
  /** One line of JSON-like text for logs; credentials are redacted. */
  dump: wrap((value) => addon.value_dump(value)),
  /** Reads a value as an erplink integer; InvalidArgumentError (ETYPE) otherwise. */
  getInt: wrap((value) => addon.value_get_int(value)),
  /** A short description of an ERPLINK_E* code. */
  strerror: (code) => addon.strerror(code),
  /** Whether an error of this code may succeed when retried later (erplink_error_retryable). */
  errorRetryable: internal.sync((code) => addon.native.errorRetryable(code)),
  codes,
  ErplinkError,
  InvalidArgumentError,
  OutOfMemoryError,
  NetworkError,
  TimeoutError,
  TLSError,
  HTTPError,
  ProtocolError,
  AuthError,
  AccessError,
  ValidationError,
  NotFoundError,
  RateLimitError,
  ConflictError,
  SignatureError,
  CancelledError,
  ServerError,
  StoreError,
  /** category name -> class */
  errorClasses: Object.freeze({ ...classes }),
  /** @internal the raw SWIG module */
  _addon: addon,
};
