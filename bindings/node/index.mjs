// ESM entry of erplink: `import { odoo, esi, razorpay, store } from 'erplink'` (the CommonJS module, re-exported).
import erplink from './index.js';

export default erplink;
export const {
  store, razorpay, odoo, cartona, esi, version, versionNumber, roundtrip, dump, getInt, strerror, errorRetryable, codes,
  ErplinkError, InvalidArgumentError, OutOfMemoryError, NetworkError, TimeoutError, TLSError, HTTPError,
  ProtocolError, AuthError, AccessError, ValidationError, NotFoundError, RateLimitError, ConflictError,
  SignatureError, CancelledError, ServerError, StoreError, errorClasses,
} = erplink;
