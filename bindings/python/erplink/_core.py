"""Shared plumbing of the service modules: owned C handles, the transport options
(:class:`Transport`) and the bridge from the C log callback to :mod:`logging`.

Nothing here decides anything a C function could: a :class:`Transport` is a bag of knobs,
each applied with one ``erplink_http_options_set_*`` call.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Optional, Sequence, Tuple, TypeVar, Union

from . import _erplink, _errors

_C = TypeVar("_C", bound="_Client")

__all__ = ["Transport", "TRACE", "logger"]

#: logging level of erplink's most verbose lines (request headers, redacted bodies).
TRACE: int = 5
logging.addLevelName(TRACE, "TRACE")

#: the logger every erplink client logs to (levels: ERROR, WARNING, INFO, DEBUG, TRACE).
logger: logging.Logger = logging.getLogger("erplink")
logger.addHandler(logging.NullHandler())  # a library does not print unless the application says so

# C level (erplink/log.h) -> logging level
_PY_LEVEL = {_erplink.LOG_ERROR: logging.ERROR, _erplink.LOG_WARN: logging.WARNING,
             _erplink.LOG_INFO: logging.INFO, _erplink.LOG_DEBUG: logging.DEBUG,
             _erplink.LOG_TRACE: TRACE}


def _emit_log(level: int, message: str) -> None:
    """The C log callback (erplink_log_fn), called with the GIL held on the calling thread.
    The line is already redacted by the C library."""
    logger.log(_PY_LEVEL.get(level, logging.DEBUG), "%s", message)


def _log_op_exception(what: str, exc: BaseException) -> None:
    """Called by the extension for an exception raised by a method implementing a C ops struct
    whose failure the C call cannot report (``destroy``, or an op the C library runs on a
    best-effort basis such as ``purge``): logged, with its traceback, instead of lost."""
    logger.warning("%s() raised %s: %s (ignored: the C library does not depend on it)", what,
                   type(exc).__name__, exc, exc_info=(type(exc), exc, exc.__traceback__))


def _c_level(py_level: int) -> int:
    """The most verbose C level a logger at ``py_level`` would emit."""
    if py_level <= TRACE:
        return int(_erplink.LOG_TRACE)
    if py_level <= logging.DEBUG:
        return int(_erplink.LOG_DEBUG)
    if py_level <= logging.INFO:
        return int(_erplink.LOG_INFO)
    if py_level <= logging.WARNING:
        return int(_erplink.LOG_WARN)
    if py_level <= logging.ERROR:
        return int(_erplink.LOG_ERROR)
    return int(_erplink.LOG_NONE)


class _Handle:
    """An owned C object: freed by ``free`` once (explicitly or when garbage-collected)."""

    __slots__ = ("ptr", "_free", "__weakref__")

    def __init__(self, ptr: Any, free: Callable[[Any], None]) -> None:
        self.ptr: Any = ptr
        self._free: Callable[[Any], None] = free

    def close(self) -> None:
        ptr, self.ptr = self.ptr, None
        if ptr is not None:
            self._free(ptr)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass


class _Client:
    """Base of the service clients (and of the store objects): an owned C handle, ``close()``,
    context manager."""

    _h: _Handle
    #: what the object is, for the error raised once it is closed
    _what: str = "client"

    def close(self) -> None:
        """Frees the C object (idempotent; not while another thread uses it)."""
        self._h.close()

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def _c(self) -> Any:
        c = self._h.ptr
        if c is None:
            raise _errors.InvalidArgumentError("the %s is closed" % self._what)
        return c


def _ms(seconds: Optional[float]) -> Optional[int]:
    return None if seconds is None else int(round(seconds * 1000))


class Transport:
    """Transport options of a client: timeouts, TLS, proxy, retries, rate limit, logging.

    Each argument left as ``None`` keeps the service's default (see the C headers: Odoo
    120 s total / 10 s connect / 3 attempts, Cartona 30 s / 10 s / 4 attempts, ...). A client
    applies them with the ``erplink_http_options_set_*`` setters when it is created; changing
    the object afterwards does not change existing clients. Immutable in practice; safe to
    share between threads and clients.

    Args:
        timeout_ms: total timeout of one attempt (0 = none).
        connect_timeout_ms: TCP + TLS handshake timeout.
        ca_file: a PEM CA bundle instead of the system store.
        ca_dir: a hashed CA directory.
        proxy: a proxy URL, ``""`` for none at all (default: the environment's).
        max_attempts: attempts per request, the first included (1 = no retry).
        backoff_ms: ``(base_ms, cap_ms)`` of the full-jitter exponential backoff.
        max_retry_after_ms: the longest ``Retry-After`` waited for.
        retry_all_5xx: also retry idempotent requests on 500.
        retry_budget: ``(ratio, min_retries)`` per 10-second window.
        retry_seed: seed of the jitter generator (tests).
        rate_limit: ``requests_per_second`` or ``(requests_per_second, burst)``.
        user_agent: the ``User-Agent`` header.
        low_speed: ``(bytes_per_second, seconds)`` below which a transfer is aborted.
        max_response_bytes: the response size cap.
        follow_redirects: follow redirects (never forwarding credentials to another origin).
        max_redirects: redirects followed per attempt.
        pool_size: pooled connections (and requests in flight) per client.
        secret_names: extra names whose values are redacted in log lines.
        log_level: the most verbose *logging* level forwarded to the ``erplink`` logger;
            default: the logger's effective level when the client is created (lines the
            logger would drop are then not even formatted in C).
    """

    __slots__ = ("timeout_ms", "connect_timeout_ms", "ca_file", "ca_dir", "proxy", "max_attempts",
                 "backoff_ms", "max_retry_after_ms", "retry_all_5xx", "retry_budget", "retry_seed",
                 "rate_limit", "user_agent", "low_speed", "max_response_bytes", "follow_redirects",
                 "max_redirects", "pool_size", "secret_names", "log_level")

    def __init__(
        self,
        *,
        timeout_ms: Optional[int] = None,
        connect_timeout_ms: Optional[int] = None,
        ca_file: Optional[str] = None,
        ca_dir: Optional[str] = None,
        proxy: Optional[str] = None,
        max_attempts: Optional[int] = None,
        backoff_ms: Optional[Tuple[int, int]] = None,
        max_retry_after_ms: Optional[int] = None,
        retry_all_5xx: Optional[bool] = None,
        retry_budget: Optional[Tuple[float, int]] = None,
        retry_seed: Optional[int] = None,
        rate_limit: Union[None, float, Tuple[float, int]] = None,
        user_agent: Optional[str] = None,
        low_speed: Optional[Tuple[int, int]] = None,
        max_response_bytes: Optional[int] = None,
        follow_redirects: Optional[bool] = None,
        max_redirects: Optional[int] = None,
        pool_size: Optional[int] = None,
        secret_names: Sequence[str] = (),
        log_level: Optional[int] = None,
    ) -> None:
        self.timeout_ms: Optional[int] = timeout_ms
        self.connect_timeout_ms: Optional[int] = connect_timeout_ms
        self.ca_file: Optional[str] = ca_file
        self.ca_dir: Optional[str] = ca_dir
        self.proxy: Optional[str] = proxy
        self.max_attempts: Optional[int] = max_attempts
        self.backoff_ms: Optional[Tuple[int, int]] = backoff_ms
        self.max_retry_after_ms: Optional[int] = max_retry_after_ms
        self.retry_all_5xx: Optional[bool] = retry_all_5xx
        self.retry_budget: Optional[Tuple[float, int]] = retry_budget
        self.retry_seed: Optional[int] = retry_seed
        self.rate_limit: Union[None, float, Tuple[float, int]] = rate_limit
        self.user_agent: Optional[str] = user_agent
        self.low_speed: Optional[Tuple[int, int]] = low_speed
        self.max_response_bytes: Optional[int] = max_response_bytes
        self.follow_redirects: Optional[bool] = follow_redirects
        self.max_redirects: Optional[int] = max_redirects
        self.pool_size: Optional[int] = pool_size
        self.secret_names: Tuple[str, ...] = tuple(secret_names)
        self.log_level: Optional[int] = log_level

    def __repr__(self) -> str:
        set_ = ", ".join("%s=%r" % (k, getattr(self, k)) for k in self.__slots__
                         if getattr(self, k) not in (None, ()))
        return "Transport(%s)" % set_

    def _apply(self, http: Any, timeout: Optional[float] = None) -> None:
        """Applies the knobs to a service's embedded erplink_http_options (borrowed)."""
        e = _erplink
        t = self.timeout_ms if self.timeout_ms is not None else _ms(timeout)
        if t is not None:
            e.http_options_set_timeout_ms(http, t)
        if self.connect_timeout_ms is not None:
            e.http_options_set_connect_timeout_ms(http, self.connect_timeout_ms)
        if self.ca_file is not None:
            e.http_options_set_ca_file(http, self.ca_file)
        if self.ca_dir is not None:
            e.http_options_set_ca_dir(http, self.ca_dir)
        if self.proxy is not None:
            e.http_options_set_proxy(http, self.proxy)
        if self.max_attempts is not None:
            e.http_options_set_max_attempts(http, self.max_attempts)
        if self.backoff_ms is not None:
            e.http_options_set_backoff_ms(http, self.backoff_ms[0], self.backoff_ms[1])
        if self.max_retry_after_ms is not None:
            e.http_options_set_max_retry_after_ms(http, self.max_retry_after_ms)
        if self.retry_all_5xx is not None:
            e.http_options_set_retry_all_5xx(http, int(self.retry_all_5xx))
        if self.retry_budget is not None:
            e.http_options_set_retry_budget(http, float(self.retry_budget[0]), self.retry_budget[1])
        if self.retry_seed is not None:
            e.http_options_set_retry_seed(http, self.retry_seed)
        if self.rate_limit is not None:
            rps, burst = self.rate_limit if isinstance(self.rate_limit, tuple) else (self.rate_limit, 1)
            e.http_options_set_rate_limit(http, float(rps), burst)
        if self.user_agent is not None:
            e.http_options_set_user_agent(http, self.user_agent)
        if self.low_speed is not None:
            e.http_options_set_low_speed(http, self.low_speed[0], self.low_speed[1])
        if self.max_response_bytes is not None:
            e.http_options_set_max_response_bytes(http, self.max_response_bytes)
        if self.follow_redirects is not None:
            e.http_options_set_follow_redirects(http, int(self.follow_redirects))
        if self.max_redirects is not None:
            e.http_options_set_max_redirects(http, self.max_redirects)
        if self.pool_size is not None:
            e.http_options_set_pool_size(http, self.pool_size)
        for name in self.secret_names:
            e.http_options_add_secret_name(http, name)
        level = _c_level(self.log_level if self.log_level is not None else logger.getEffectiveLevel())
        if level != _erplink.LOG_NONE:
            e.http_options_set_log(http, level, _emit_log)


_DEFAULT = Transport()


def _apply_transport(http: Any, transport: Optional[Transport], timeout: Optional[float] = None) -> None:
    (transport or _DEFAULT)._apply(http, timeout)
