"""EVE Online: EVE SSO (``esi_sso``), self-refreshing tokens (``esi_token``) and the ESI client
(``esi_client``) of erplink/esi.h. See esi.py for the full documentation."""

from __future__ import annotations

from typing import Any, Callable, Generator, Iterable, Iterator, Mapping, Optional, Protocol, Sequence, Tuple, Union

from ._core import Transport, _Client, _Handle
from .store import BlobCache

__all__ = ['SSO', 'Login', 'Tokens', 'Claims', 'Token', 'Client', 'Response', 'Page', 'RateLimit',
           'NamesResult', 'CacheStore', 'CACHE_MISS', 'CACHE_HIT', 'CACHE_REVALIDATED',
           'DEFAULT_COMPATIBILITY_DATE', 'blueprint_kind', 'JWKS']

#: how a page was obtained (``Response.cache_status``)
CACHE_MISS: str
CACHE_HIT: str
CACHE_REVALIDATED: str
#: the X-Compatibility-Date sent unless ``Client(compatibility_date=...)`` says otherwise
DEFAULT_COMPATIBILITY_DATE: str

#: query parameters: a mapping name -> value or (name, value) pairs (order kept)
Query = Union[Mapping[str, Union[str, int]], Sequence[Tuple[str, Union[str, int]]]]
#: path parameters: ``{"region_id": 10000002}``
PathParams = Mapping[str, Union[str, int]]


class CacheStore(Protocol):
    """A cache store implemented in Python (the ``esi_cache_store`` ops struct): blobs are
    opaque bytes the client serialises (validators, expiry, body). Methods run with the GIL
    held, possibly from several threads; an exception fails the ESI call and is re-raised."""
    def get(self, key: str) -> Optional[bytes]:
        """The blob stored under ``key``, or None when absent."""
        ...
    def put(self, key: str, data: bytes) -> None:
        """Stores (replaces) the blob under ``key``."""
        ...


class Claims:
    """The verified claims of an access token (``esi_token_claims``)."""
    def __init__(self, ptr: Any) -> None: ...
    character_id: int
    name: str
    owner: str
    scopes: Tuple[str, ...]
    expires_at: int
    client_id: str
    def has_scope(self, scope: str) -> bool: ...


class Tokens:
    """Tokens from the SSO token endpoint (secrets: never log them)."""
    def __init__(self, ptr: Any) -> None: ...
    access_token: str
    refresh_token: str
    expires_in: int
    expires_at: int


class Login:
    """One login attempt (``esi_sso_login``): ``url`` to send the browser to (None for an
    imported login), ``state``, ``created_at``; ``export()`` gives a secret string another
    process turns back into the login with ``SSO.import_login``."""
    def __init__(self, ptr: Any) -> None: ...
    _h: _Handle
    url: Optional[str]
    state: str
    created_at: int
    def export(self) -> str: ...
    def close(self) -> None: ...


class SSO(_Client):
    """An EVE SSO client (``esi_sso``). Thread-safe."""
    def __init__(self, client_id: str, client_secret: Optional[str] = None, redirect_uri: Optional[str] = None,
                 user_agent: Optional[str] = None, metadata_url: Optional[str] = None,
                 leeway_s: Optional[int] = None, jwks_refresh_interval_s: Optional[int] = None,
                 login_max_age_s: Optional[int] = None, timeout: Optional[float] = None,
                 transport: Optional[Transport] = None) -> None: ...
    @property
    def confidential(self) -> bool: ...
    def discover(self) -> None: ...
    def endpoint(self, name: str) -> str: ...
    def begin_login(self, scopes: Iterable[str] = ()) -> Login: ...
    def import_login(self, exported: str) -> Login: ...
    def exchange(self, code: str, state: str, login: Union[Login, str]) -> Tokens: ...
    def refresh(self, refresh_token: str, scope: Optional[str] = None) -> Tokens: ...
    def revoke(self, refresh_token: str) -> None: ...
    def verify(self, access_token: str) -> Claims: ...
    def close(self) -> None: ...
    def token(self, credentials: Union[str, Tokens], on_refresh: Optional[Callable[[str, int], None]] = None,
              refresh_margin_s: Optional[int] = None) -> Token: ...


class Token(_Client):
    """A character's self-refreshing credentials (``esi_token``). Thread-safe."""
    sso: SSO
    def __init__(self, sso: SSO, credentials: Union[str, Tokens],
                 on_refresh: Optional[Callable[[str, int], None]] = None,
                 refresh_margin_s: Optional[int] = None) -> None: ...
    def access_token(self) -> str: ...
    def invalidate(self) -> None: ...
    def claims(self) -> Claims: ...
    @property
    def refresh_count(self) -> int: ...


class RateLimit:
    """``X-Ratelimit-*`` of the first page's request (None / -1 when absent)."""
    def __init__(self, group: Optional[str], limit: Optional[str], remaining: int, used: int) -> None: ...
    group: Optional[str]
    limit: Optional[str]
    remaining: int
    used: int


class Response:
    """The answer of one ESI call (``esi_response``), possibly several pages. Immutable."""
    def __init__(self, ptr: Any) -> None: ...
    status: int
    cache_status: str
    requests: int
    etag: Optional[str]
    last_modified: Optional[str]
    expires_ms: int
    pages: int
    page_count: int
    error_limit: Tuple[int, int]
    rate_limit: RateLimit
    @property
    def value(self) -> Any: ...
    @property
    def from_cache(self) -> bool: ...
    @property
    def not_modified(self) -> bool: ...
    @property
    def items(self) -> list[Any]: ...
    def page(self, i: int) -> Any: ...
    def page_cache_status(self, i: int) -> str: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Any]: ...
    def close(self) -> None: ...


class Page:
    """One page delivered by ``Client.iter_pages``."""
    def __init__(self, page: int, pages: int, items: list[Any]) -> None: ...
    page: int
    pages: int
    items: list[Any]


class NamesResult:
    """``Client.universe_names``: the names found and the ids ESI refused."""
    def __init__(self, response: Response, invalid: list[int]) -> None: ...
    response: Response
    names: list[dict[str, Any]]
    invalid: list[int]


class Client(_Client):
    """An ESI client (``esi_client``). Thread-safe: use one per application."""
    def __init__(self, user_agent: str, compatibility_date: Optional[str] = None,
                 cache: Union[None, bool, BlobCache, CacheStore] = None, base_url: Optional[str] = None,
                 tenant: Optional[str] = None, concurrency: Optional[int] = None,
                 error_limit_floor: Optional[int] = None, cache_max_bytes: Optional[int] = None,
                 timeout: Optional[float] = None, transport: Optional[Transport] = None) -> None: ...
    def close(self) -> None: ...
    @property
    def error_limit(self) -> Tuple[int, int]: ...
    @property
    def pause_remaining_ms(self) -> int: ...
    def get(self, route: str, path: Optional[PathParams] = None, query: Optional[Query] = None,
            token: Optional[Token] = None) -> Response: ...
    def get_all_pages(self, route: str, path: Optional[PathParams] = None, query: Optional[Query] = None,
                      token: Optional[Token] = None) -> Response: ...
    def iter_pages(self, route: str, path: Optional[PathParams] = None, query: Optional[Query] = None,
                   token: Optional[Token] = None) -> Generator[Page, None, None]: ...
    def each_page(self, route: str, fn: Callable[[int, int, Optional[list[Any]]], Optional[bool]],
                  path: Optional[PathParams] = None, query: Optional[Query] = None,
                  token: Optional[Token] = None) -> None: ...
    def post(self, route: str, body: Any, path: Optional[PathParams] = None, query: Optional[Query] = None,
             token: Optional[Token] = None) -> Response: ...
    def character_assets(self, token: Token, character_id: int) -> Response: ...
    def market_orders(self, region_id: int, order_type: Optional[str] = None, type_id: int = 0) -> Response: ...
    def character_blueprints(self, token: Token, character_id: int) -> Response: ...
    def wallet_transactions(self, token: Token, character_id: int, from_id: int = 0,
                            max_batches: int = 1000) -> Response: ...
    def send_mail(self, token: Token, character_id: int, recipients: Iterable[Tuple[int, str]], subject: str,
                  body: str, approved_cost: int = 0) -> int: ...
    def universe_names(self, ids: Union[int, Iterable[int]]) -> NamesResult: ...


class JWKS:
    """A parsed JSON Web Key Set (``esi_jwks``): offline verification with ``esi_jwt_verify``."""
    _h: _Handle
    def __init__(self, document: Union[str, bytes]) -> None: ...
    def __len__(self) -> int: ...
    def verify(self, access_token: str, client_id: str, now: Optional[int] = None, leeway_s: int = 60) -> Claims: ...


def blueprint_kind(item: Mapping[str, Any]) -> str: ...
