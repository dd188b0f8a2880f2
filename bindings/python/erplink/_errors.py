"""The erplink exception hierarchy: one class per error category of erplink/error.h.

Every failure of the C library is raised as an instance of the subclass of
:class:`Error` for its category (``erplink_error_category_name()``); the attributes
carry the calling thread's ``erplink_error_last()`` at the time of the failure.
"""

from __future__ import annotations

import builtins
from typing import Dict, Optional, Type

from . import _erplink

__all__ = [
    "Error",
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
    "StoreError",
    "CODE_NAMES",
]

#: ERPLINK_E* code -> its name without the prefix ("EINVAL"), from the C enum.
CODE_NAMES: Dict[int, str] = {
    getattr(_erplink, n): n
    for n in dir(_erplink)
    if n.startswith("E") and n[1:].isupper() and isinstance(getattr(_erplink, n), int) and getattr(_erplink, n) < 0
}
CODE_NAMES[0] = "OK"


class Error(Exception):
    """Base class of every erplink error.

    Attributes:
        code: the negative ``ERPLINK_E*`` code (e.g. ``erplink.ETYPE``).
        code_name: the code's name without the prefix, e.g. ``"ETYPE"``.
        category: the stable category name, e.g. ``"invalid_argument"``.
        message: the human-readable message (never contains credentials).
        http_status: the HTTP status involved, or None.
        remote_class: the remote exception class named by the server, or None.
        detail: server-side detail (traceback, start of an unexpected body), or None.
        retry_after_ms: the delay the server asked for before a retry, or None.
    """

    #: the category name this class stands for ("" for the base class)
    category_name = ""

    def __init__(
        self,
        message: str,
        *,
        code: int = _erplink.EINVAL,
        category: Optional[str] = None,
        http_status: Optional[int] = None,
        remote_class: Optional[str] = None,
        detail: Optional[str] = None,
        retry_after_ms: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.code_name = CODE_NAMES.get(code, str(code))
        self.category = category if category is not None else (
            self.category_name or _erplink.error_category_name(_erplink.error_category_of(code)))
        self.http_status = http_status
        self.remote_class = remote_class
        self.detail = detail
        self.retry_after_ms = retry_after_ms

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code_name})"


class InvalidArgumentError(Error, ValueError):
    """Invalid argument (EINVAL, ERANGE, ETYPE): fix the call."""
    category_name = "invalid_argument"


class OutOfMemoryError(Error, MemoryError):
    """Out of memory."""
    category_name = "out_of_memory"


class NetworkError(Error):
    """Network failure (connect, DNS, connection lost): usually worth retrying later."""
    category_name = "network"


class TimeoutError(Error, builtins.TimeoutError):  # noqa: A001 - mirrors the C category
    """A timeout fired; the outcome of a write may be unknown."""
    category_name = "timeout"


class TLSError(Error):
    """TLS handshake or certificate verification failed."""
    category_name = "tls"


class HTTPError(Error):
    """An HTTP error status without a more specific category."""
    category_name = "http"


class ProtocolError(Error):
    """Malformed answer, decoding limit, forbidden XML: the peer is not what was expected."""
    category_name = "protocol"


class AuthError(Error):
    """Authentication failed: fix the credentials."""
    category_name = "auth"


class AccessError(Error):
    """Authenticated but not allowed."""
    category_name = "access"


class ValidationError(Error):
    """The server rejected the data."""
    category_name = "validation"


class NotFoundError(Error):
    """The record, resource, route or method does not exist."""
    category_name = "not_found"


class RateLimitError(Error):
    """Rate limited: wait ``retry_after_ms`` before retrying."""
    category_name = "rate_limited"


class ConflictError(Error):
    """A conflicting concurrent change or lock."""
    category_name = "conflict"


class SignatureError(Error):
    """A signature did not verify."""
    category_name = "signature"


class CancelledError(Error):
    """The caller cancelled the operation."""
    category_name = "cancelled"


class ServerError(Error):
    """The server failed (5xx, remote exception without a better class)."""
    category_name = "server"


class StoreError(Error):
    """A local store file cannot be used (erplink/store.h): damaged, not writable, newer schema."""
    category_name = "store"


#: category name -> exception class
CLASSES: Dict[str, Type[Error]] = {
    cls.category_name: cls
    for cls in (InvalidArgumentError, OutOfMemoryError, NetworkError, TimeoutError, TLSError,
                HTTPError, ProtocolError, AuthError, AccessError, ValidationError, NotFoundError,
                RateLimitError, ConflictError, SignatureError, CancelledError, ServerError, StoreError)
}


def _from_c(code: int, category: str, message: str, http_status: int,
            remote_class: Optional[str], detail: Optional[str], retry_after_ms: int) -> Error:
    """Called by the extension to build the exception for a failed C call."""
    cls = CLASSES.get(category, Error)
    return cls(message, code=code, category=category,
               http_status=http_status if http_status > 0 else None,
               remote_class=remote_class, detail=detail,
               retry_after_ms=retry_after_ms if retry_after_ms >= 0 else None)
