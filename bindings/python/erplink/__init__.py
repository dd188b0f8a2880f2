"""erplink: one client library for Odoo, EVE ESI/SSO, Cartona and Razorpay.

This first cut of the Python binding exposes the library version, the conversion of
native values to erplink's value tree and back, and the exception hierarchy. Values
map as follows (both ways, one walk each):

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

__version__: str = _erplink.version()

# Error codes (ERPLINK_EINVAL -> erplink.EINVAL, ...), from the C enum.
for _code, _name in CODE_NAMES.items():
    if _name != "OK":
        globals()[_name] = _code
del _name, _code

__all__ = [
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
