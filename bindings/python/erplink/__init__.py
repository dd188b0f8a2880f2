"""erplink: one client library for Odoo, EVE ESI/SSO, Cartona and Razorpay.

The Python binding of the C library liberplink (linked into the extension ``erplink._erplink``):

- :mod:`erplink.odoo` - ``odoo.Client`` (XML-RPC, JSON-RPC, JSON-2);
- :mod:`erplink.cartona` - ``cartona.Client``, bulk updates, order intake, ``StatusMap``;
- :mod:`erplink.esi` - EVE SSO (``SSO``, ``Token``) and the ESI client (``Client``, pages, cache);
- :mod:`erplink.razorpay` - signature verification, ``Verifier``, ``parse_event``, ``Dedup``;
- :mod:`erplink.store` - durable state over SQLite or your own store: ``Store``, ``Dedup``,
  ``BlobCache``, ``Outbox`` (flushed to Cartona by ``cartona.Client.outbox_flush``);
- :class:`Transport` - timeouts, TLS, proxy, retries, rate limit of any client;
- the exceptions: :class:`Error` and one subclass per category.

Blocking calls release the GIL and can be interrupted with Ctrl-C (``KeyboardInterrupt``);
an exception raised by a callback (progress, import, log handler) stops the C call and is
re-raised. Log lines go to the :mod:`logging` logger ``"erplink"`` (already redacted).
Clients created before ``os.fork()`` work in the child.

Values map as follows (both ways, one walk each):

======================  ==========================================================
Python                  erplink value
======================  ==========================================================
None                    nil
bool                    bool
int                     int (signed 64-bit; larger ints raise InvalidArgumentError)
float                   double
str                     string (UTF-8)
bytes (bytearray, any   bytes (always returned as ``bytes``)
buffer)
datetime.datetime       datetime (naive; an aware datetime is converted to UTC and
                        returned naive; microseconds kept)
list, tuple             array (always returned as ``list``)
dict (str keys)         struct, members in the dict's insertion order
======================  ==========================================================
"""

from __future__ import annotations

from typing import Any

from . import _erplink
from ._errors import (  # noqa: F401  (re-exported)
    CODE_NAMES,
    AccessError,
    AuthError,
    CancelledError,
    ConflictError,
    Error,
    HTTPError,
    InvalidArgumentError,
    NetworkError,
    NotFoundError,
    OutOfMemoryError,
    ProtocolError,
    RateLimitError,
    ServerError,
    SignatureError,
    StoreError,
    TimeoutError,
    TLSError,
    ValidationError,
)

from ._core import TRACE, Transport  # noqa: E402,F401  (re-exported)
from . import store  # noqa: E402,F401  (submodules; store first: cartona and razorpay use it)
from . import cartona, esi, odoo, razorpay  # noqa: E402,F401

__version__: str = _erplink.version()

# Error codes (ERPLINK_EINVAL -> erplink.EINVAL, ...), from the C enum.
for _code, _name in CODE_NAMES.items():
    if _name != "OK":
        globals()[_name] = _code
del _name, _code

__all__ = [
    "odoo", "cartona", "esi", "razorpay", "store", "Transport", "TRACE", "error_retryable",
    "version", "version_number", "roundtrip", "dump", "get_int", "strerror",
    "Error", "InvalidArgumentError", "OutOfMemoryError", "NetworkError", "TimeoutError",
    "TLSError", "HTTPError", "ProtocolError", "AuthError", "AccessError", "ValidationError",
    "NotFoundError", "RateLimitError", "ConflictError", "SignatureError", "CancelledError",
    "ServerError", "StoreError",
]


def version() -> str:
    """The version of the loaded C library (``erplink_version()``), e.g. ``"0.2.0"``."""
    return _erplink.version()


def version_number() -> int:
    """``MAJOR * 10000 + MINOR * 100 + PATCH`` of the loaded C library."""
    return _erplink.version_number()


def roundtrip(value: Any) -> Any:
    """Converts ``value`` to an erplink value tree, deep-copies it in C
    (``erplink_value_clone()``) and converts the copy back.

    Raises InvalidArgumentError for a value that has no erplink equivalent (a set, a dict
    with a non-str key, an int outside 64 bits, a str with a lone surrogate, nesting
    deeper than 1000 levels or a reference cycle, ...).
    """
    return _erplink.value_clone(value)


def dump(value: Any) -> str:
    """One line of JSON-like text for logs (``erplink_value_dump()``); credentials
    (members named password, api_key, token, ...) are printed as ``"<redacted>"``."""
    return _erplink.value_dump(value)


def get_int(value: Any) -> int:
    """Reads ``value`` as an erplink integer (``erplink_value_get_int()``).

    Raises InvalidArgumentError with code ``ETYPE`` when the value is not an integer.
    """
    return _erplink.value_get_int(value)


def strerror(code: int) -> str:
    """A short description of an ``ERPLINK_E*`` code (``erplink_strerror()``)."""
    return _erplink.strerror(code)


def error_retryable(code: int) -> bool:
    """Whether trying an operation that failed with ``code`` again later may succeed
    (``erplink_error_retryable()``: network, timeout, server, conflict, budget, rate limit)."""
    return bool(_erplink.error_retryable(code))
