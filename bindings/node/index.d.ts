/// <reference types="node" />
// TypeScript declarations of the erplink Node.js binding (index.js).

/** A value erplink accepts (converted to an erplink value tree). */
export type InValue =
  | null
  | undefined
  | boolean
  /** an integer within +-(2^53 - 1) becomes an int (except -0), any other number a double */
  | number
  /** a signed 64-bit integer */
  | bigint
  | string
  | Buffer
  | Uint8Array
  | Int8Array
  | Uint8ClampedArray
  | DataView
  | ArrayBuffer
  /** UTC, millisecond precision, years 1-9999 */
  | Date
  | readonly InValue[]
  | { readonly [key: string]: InValue };

/** A value erplink returns. Integers are numbers when exact (|i| <= 2^53 - 1), else bigints. */
export type OutValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Buffer
  | Date
  | OutValue[]
  | { [key: string]: OutValue };

export interface ErplinkErrorInfo {
  code?: number;
  category?: string;
  httpStatus?: number | null;
  remoteClass?: string | null;
  detail?: string | null;
  retryAfterMs?: number | null;
}

/** Base class of every erplink error (one subclass per error category of erplink/error.h). */
export class ErplinkError extends Error {
  constructor(message: string, info?: ErplinkErrorInfo);
  /** the category name a subclass stands for (undefined on ErplinkError itself) */
  static readonly categoryName: string | undefined;
  /** the negative ERPLINK_E* code, e.g. codes.ETYPE */
  readonly code: number;
  /** the code's name without the prefix, e.g. "ETYPE" */
  readonly codeName: string;
  /** the stable category name, e.g. "invalid_argument" */
  readonly category: string;
  /** the HTTP status involved, or null */
  readonly httpStatus: number | null;
  /** the remote exception class named by the server, or null */
  readonly remoteClass: string | null;
  /** server-side detail (traceback, start of an unexpected body), or null */
  readonly detail: string | null;
  /** the delay the server asked for before a retry, in milliseconds, or null */
  readonly retryAfterMs: number | null;
}
export class InvalidArgumentError extends ErplinkError {}
export class OutOfMemoryError extends ErplinkError {}
export class NetworkError extends ErplinkError {}
export class TimeoutError extends ErplinkError {}
export class TLSError extends ErplinkError {}
export class HTTPError extends ErplinkError {}
export class ProtocolError extends ErplinkError {}
export class AuthError extends ErplinkError {}
export class AccessError extends ErplinkError {}
export class ValidationError extends ErplinkError {}
export class NotFoundError extends ErplinkError {}
export class RateLimitError extends ErplinkError {}
export class ConflictError extends ErplinkError {}
export class SignatureError extends ErplinkError {}
export class CancelledError extends ErplinkError {}
export class ServerError extends ErplinkError {}
export class StoreError extends ErplinkError {}

/** category name -> class */
export const errorClasses: Readonly<Record<string, typeof ErplinkError>>;

/** ERPLINK_E* codes without the prefix: { EINVAL: -1, ... }. */
export const codes: Readonly<{
  EINVAL: number; ENOMEM: number; ERANGE: number; ETYPE: number;
  ENETWORK: number; ECONNECT: number; EDNS: number; ERECV: number; ETIMEOUT: number; ETLS: number;
  EHTTP: number; EREDIRECT: number; EPROTOCOL: number; ELIMIT: number; ETOOLARGE: number;
  EFORBIDDEN_XML: number; EAUTH: number; EACCESS: number; EVALIDATION: number; ENOTFOUND: number;
  ERATELIMIT: number; ECONFLICT: number; ESIGNATURE: number; ECANCELLED: number; ESERVER: number;
  EUNAVAILABLE: number; EBUDGET: number; ESTORE: number; ESTORE_CORRUPT: number; ESTORE_VERSION: number;
  [name: string]: number;
}>;

/** The version of the loaded C library, e.g. "0.1.0". */
export function version(): string;
/** MAJOR * 10000 + MINOR * 100 + PATCH of the loaded C library. */
export function versionNumber(): number;
/** Converts a value to an erplink value tree, deep-copies it in C and converts it back. */
export function roundtrip(value: InValue): OutValue;
/** One line of JSON-like text for logs; credentials are redacted. */
export function dump(value: InValue): string;
/** Reads a value as an erplink integer; throws InvalidArgumentError (ETYPE) otherwise. */
export function getInt(value: InValue): number | bigint;
/** A short description of an ERPLINK_E* code. */
export function strerror(code: number): string;
