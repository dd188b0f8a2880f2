from __future__ import annotations

import logging
from typing import Any as Incomplete
from typing import Any, Callable, Sequence, TypeVar

__all__ = ['Transport', 'TRACE', 'logger']

_C = TypeVar('_C', bound='_Client')
TRACE: int
logger: logging.Logger

class _Handle:
    __slots__: Incomplete
    ptr: Any
    _free: Callable[[Any], None]
    def __init__(self, ptr: Any, free: Callable[[Any], None]) -> None: ...
    def close(self) -> None: ...
    def __del__(self) -> None: ...

def _log_op_exception(what: str, exc: BaseException) -> None: ...

class _Client:
    _h: _Handle
    _what: str
    def close(self) -> None: ...
    def __enter__(self: _C) -> _C: ...
    def __exit__(self, *exc: object) -> None: ...
    @property
    def _c(self) -> Any: ...

class Transport:
    __slots__: Incomplete
    timeout_ms: int | None
    connect_timeout_ms: int | None
    ca_file: str | None
    ca_dir: str | None
    proxy: str | None
    max_attempts: int | None
    backoff_ms: tuple[int, int] | None
    max_retry_after_ms: int | None
    retry_all_5xx: bool | None
    retry_budget: tuple[float, int] | None
    retry_seed: int | None
    rate_limit: None | float | tuple[float, int]
    user_agent: str | None
    low_speed: tuple[int, int] | None
    max_response_bytes: int | None
    follow_redirects: bool | None
    max_redirects: int | None
    pool_size: int | None
    secret_names: tuple[str, ...]
    log_level: int | None
    def __init__(self, *, timeout_ms: int | None = None, connect_timeout_ms: int | None = None, ca_file: str | None = None, ca_dir: str | None = None, proxy: str | None = None, max_attempts: int | None = None, backoff_ms: tuple[int, int] | None = None, max_retry_after_ms: int | None = None, retry_all_5xx: bool | None = None, retry_budget: tuple[float, int] | None = None, retry_seed: int | None = None, rate_limit: None | float | tuple[float, int] = None, user_agent: str | None = None, low_speed: tuple[int, int] | None = None, max_response_bytes: int | None = None, follow_redirects: bool | None = None, max_redirects: int | None = None, pool_size: int | None = None, secret_names: Sequence[str] = (), log_level: int | None = None) -> None: ...
    def __repr__(self) -> str: ...
    def _apply(self, http: Any, timeout: float | None = None) -> None: ...
