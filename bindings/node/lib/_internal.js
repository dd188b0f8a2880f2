'use strict';
// Shared plumbing of the service modules (lib/*.js): error conversion, AbortSignal -> erplink
// cancel token, argument defaults. No business logic: retries, paging, dedup and signatures
// are the C library's.

/** @param {object} ctx {native, classes, ErplinkError, codes} from index.js */
module.exports = function internal(ctx) {
  const { native, classes, ErplinkError, codes } = ctx;

  // The addon's errors are plain Errors carrying code/category/...: give them their class.
  function convert(e) {
    if (e instanceof Error && !(e instanceof ErplinkError) && typeof e.code === 'number' &&
        typeof e.category === 'string') {
      const Cls = classes[e.category] || ErplinkError;
      return new Cls(e.message, e);
    }
    return e;
  }

  // A synchronous call (CPU only): the addon throws, we rethrow as the class.
  function sync(fn) {
    const wrapped = function (...args) {
      try {
        return fn.apply(this, args);
      } catch (e) {
        const err = convert(e);
        if (err !== e) Error.captureStackTrace(err, wrapped);
        throw err;
      }
    };
    return wrapped;
  }

  function cancelled() {
    return new classes.cancelled('cancelled (the AbortSignal was aborted)', { code: codes.ECANCELLED });
  }

  // Runs fn(token) (which returns the addon's Promise) with signal's abort wired to the
  // erplink cancel token the worker thread pushes around the C call.
  async function run(signal, fn) {
    if (signal == null) {
      try {
        return await fn(null);
      } catch (e) {
        throw convert(e);
      }
    }
    if (typeof signal.addEventListener !== 'function') {
      throw new classes.invalid_argument('signal must be an AbortSignal', { code: codes.ETYPE });
    }
    if (signal.aborted) throw cancelled();
    const token = native.cancelNew();
    const onAbort = () => native.cancelTrigger(token);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await fn(token);
    } catch (e) {
      throw convert(e);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  function opts(o, name) {
    if (o == null) return {};
    if (typeof o !== 'object') throw new classes.invalid_argument(`${name}: options must be an object`, { code: codes.ETYPE });
    return o;
  }

  function int(v, dflt) {
    return v == null ? dflt : v;
  }

  return { convert, sync, run, opts, int, native, classes, codes };
};
