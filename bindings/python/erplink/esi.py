"""EVE Online: EVE SSO (``esi_sso``), self-refreshing tokens (``esi_token``) and the ESI client
(``esi_client``) of erplink/esi.h.

Example (a web application: the login starts in one worker and finishes in another)::

    from erplink import esi
    sso = esi.SSO("my-client-id", client_secret=SECRET, redirect_uri="https://app/callback",
                  user_agent="MyApp/1.0 (me@example.com)")
    login = sso.begin_login(["esi-assets.read_assets.v1"])
    session["login"] = login.export()             # a secret: keep it in a signed session
    redirect(login.url)
    # ... on the callback, possibly in another process:
    tokens = sso.exchange(request.args["code"], request.args["state"], session.pop("login"))
    token = sso.token(tokens, on_refresh=lambda rt, char_id: db.save(char_id, rt))
    client = esi.Client(user_agent="MyApp/1.0 (me@example.com)")
    for item in client.character_assets(token, token.claims().character_id):
        print(item["type_id"], item["quantity"])

Every method is one C call (``iter_pages`` is a loop over ``esi_pager_next``) made with the GIL
released (network calls) and Ctrl-C cancelling it; a failure raises the :class:`erplink.Error`
subclass of its category: ``AuthError`` (expired or unacceptable token, ``invalid_grant``,
401), ``SignatureError`` (a forged token), ``AccessError`` (403, a missing scope),
``RateLimitError`` (420 error limit, 429), ``NotFoundError``, ``ConflictError`` (pages that keep
disagreeing), ``CancelledError``...

Callbacks (``on_refresh``) and a cache store written in Python run with the GIL held; an
exception raised in one stops the C operation and is re-raised to the caller.

Thread safety: :class:`SSO`, :class:`Token` and :class:`Client` may be used from several threads
at once (the C objects are thread-safe); ``close()`` must not run while another thread uses
them. A generator from :meth:`Client.iter_pages` belongs to one thread at a time. Responses are
immutable.
"""

from __future__ import annotations

import weakref
from typing import Any, Callable, Generator, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

try:  # typing.Protocol: Python >= 3.8
    from typing import Protocol
except ImportError:  # pragma: no cover
    Protocol = object  # type: ignore

from . import _erplink, _errors
from ._core import Transport, _apply_transport, _Client, _Handle
from .store import BlobCache

__all__ = ["SSO", "Login", "Tokens", "Claims", "Token", "Client", "Response", "Page", "RateLimit",
           "NamesResult", "CacheStore", "CACHE_MISS", "CACHE_HIT", "CACHE_REVALIDATED",
           "DEFAULT_COMPATIBILITY_DATE", "blueprint_kind", "JWKS"]

_e = _erplink

#: the page was fetched: the server sent a full answer
CACHE_MISS = "miss"
#: the page was served from the cache before its expiry: no request was made
CACHE_HIT = "hit"
#: the cached copy had expired; the server answered 304 Not Modified
CACHE_REVALIDATED = "revalidated"
_CACHE = {_e.ESI_CACHE_MISS: CACHE_MISS, _e.ESI_CACHE_HIT: CACHE_HIT, _e.ESI_CACHE_REVALIDATED: CACHE_REVALIDATED}
_BLUEPRINT = {_e.ESI_BLUEPRINT_UNKNOWN: "unknown", _e.ESI_BLUEPRINT_ORIGINAL: "original",
              _e.ESI_BLUEPRINT_COPY: "copy", _e.ESI_BLUEPRINT_STACK: "stack"}

#: the X-Compatibility-Date sent unless ``Client(compatibility_date=...)`` says otherwise
DEFAULT_COMPATIBILITY_DATE: str = _e.ESI_DEFAULT_COMPATIBILITY_DATE

#: query parameters: a mapping name -> value or (name, value) pairs (order kept)
Query = Union[Mapping[str, Union[str, int]], Sequence[Tuple[str, Union[str, int]]]]
#: path parameters: ``{"region_id": 10000002}``
PathParams = Mapping[str, Union[str, int]]


class CacheStore(Protocol):
    """A cache store implemented in Python (the ``esi_cache_store`` ops struct), given as
    ``Client(cache=obj)``: Redis, a database, a dict... Blobs are opaque bytes the client
    serialises (validators, expiry, body). The methods run with the GIL held, possibly from
    several threads at once; an exception raised by one fails the ESI call and is re-raised
    to its caller (an :class:`erplink.Error` keeps its code, others give ``ESTORE``)."""

    def get(self, key: str) -> Optional[bytes]:
        """The blob stored under ``key`` (bytes or any buffer), or None when absent."""
        ...

    def put(self, key: str, data: bytes) -> None:
        """Stores (replaces) the blob under ``key`` (``data`` is a copy: keep it)."""
        ...


# ---------------------------------------------------------------------------------- SSO


class Claims:
    """The verified claims of an access token (``esi_token_claims``): ``character_id``,
    ``name``, ``owner`` (the owner hash: key your users on (character_id, owner)),
    ``scopes``, ``expires_at`` (seconds since 1970), ``client_id`` (``azp``)."""

    __slots__ = ("character_id", "name", "owner", "scopes", "expires_at", "client_id")

    def __init__(self, ptr: Any) -> None:
        self.character_id: int = _e.esi_token_claims_character_id(ptr)
        self.name: str = _e.esi_token_claims_name(ptr)
        self.owner: str = _e.esi_token_claims_owner(ptr)
        self.expires_at: int = _e.esi_token_claims_expires_at(ptr)
        self.client_id: str = _e.esi_token_claims_client_id(ptr)
        self.scopes: Tuple[str, ...] = tuple(
            _e.esi_token_claims_scope_at(ptr, i) for i in range(_e.esi_token_claims_scope_count(ptr)))

    def has_scope(self, scope: str) -> bool:
        """Whether ``scope`` was granted."""
        return scope in self.scopes

    def __repr__(self) -> str:
        return "Claims(character_id=%d, name=%r, scopes=%r, expires_at=%d)" % (
            self.character_id, self.name, self.scopes, self.expires_at)


def _claims(ptr: Any) -> Claims:
    h = _Handle(ptr, _e.esi_token_claims_free)
    try:
        return Claims(h.ptr)
    finally:
        h.close()


class Tokens:
    """Tokens from the SSO token endpoint (``esi_sso_tokens``): ``access_token``,
    ``refresh_token`` (always store this one: it may have rotated), ``expires_in`` (s) and
    ``expires_at`` (seconds since 1970). Secrets: the repr hides them; never log them."""

    __slots__ = ("access_token", "refresh_token", "expires_in", "expires_at", "_h")

    def __init__(self, ptr: Any) -> None:
        self._h = _Handle(ptr, _e.esi_sso_tokens_free)  # kept for Token(sso, tokens)
        self.access_token: str = _e.esi_sso_tokens_access_token(ptr)
        self.refresh_token: str = _e.esi_sso_tokens_refresh_token(ptr)
        self.expires_in: int = _e.esi_sso_tokens_expires_in(ptr)
        self.expires_at: int = _e.esi_sso_tokens_expires_at(ptr)

    def __repr__(self) -> str:
        return "Tokens(expires_at=%d, <secrets hidden>)" % self.expires_at


class Login:
    """One login attempt (``esi_sso_login``), made by :meth:`SSO.begin_login` or
    :meth:`SSO.import_login`: ``url`` (where to send the user's browser; None for an imported
    login), ``state`` (the value the callback must carry back), ``created_at`` (seconds since
    1970). The PKCE verifier (every login, web or native) stays inside; :meth:`export` carries it."""

    def __init__(self, ptr: Any) -> None:
        self._h = _Handle(ptr, _e.esi_sso_login_free)
        self.url: Optional[str] = _e.esi_sso_login_url(ptr)
        self.state: str = _e.esi_sso_login_state(ptr)
        self.created_at: int = _e.esi_sso_login_created_at(ptr)

    def export(self) -> str:
        """The login as one opaque string (``esi_sso_login_export``) to keep in a signed session
        cookie or a server-side store, so that another process can finish it. A **secret**
        (state and PKCE verifier): drop it once the login is finished."""
        if self._h.ptr is None:
            raise _errors.InvalidArgumentError("the login is closed")
        return str(_e.esi_sso_login_export(self._h.ptr))

    def close(self) -> None:
        """Frees the login (its secrets are wiped). Idempotent."""
        self._h.close()

    def __repr__(self) -> str:
        return "Login(state=<hidden>, created_at=%d)" % self.created_at


class SSO(_Client):
    """An EVE SSO client (``esi_sso``). Nothing is fetched here: the metadata document and the
    JWKS are fetched on first need and cached.

    Args:
        client_id: the application's client id (developers.eveonline.com).
        client_secret: the secret of a web (confidential) application, which then authenticates
            with HTTP Basic; None for a native application using PKCE.
        redirect_uri: the callback URI exactly as registered.
        user_agent: the application's User-Agent with contact details (required by CCP).
        metadata_url: the RFC 8414 metadata URL (default login.eveonline.com's; tests point it to
            a simulator).
        leeway_s: clock-skew leeway for ``exp``/``nbf``/``iat`` (default 60).
        jwks_refresh_interval_s: minimum interval between JWKS re-fetches caused by an unknown
            ``kid`` (default 60; 0 for tests).
        login_max_age_s: how long a login may take (default 600).
        timeout: total timeout of one attempt in seconds (default 30).
        transport: an :class:`erplink.Transport`.

    Thread-safe. Raises ``InvalidArgumentError`` for a missing client id, redirect URI or
    User-Agent.
    """

    _what = "SSO client"

    def __init__(self, client_id: str, client_secret: Optional[str] = None, redirect_uri: Optional[str] = None,
                 user_agent: Optional[str] = None, metadata_url: Optional[str] = None,
                 leeway_s: Optional[int] = None, jwks_refresh_interval_s: Optional[int] = None,
                 login_max_age_s: Optional[int] = None, timeout: Optional[float] = None,
                 transport: Optional[Transport] = None) -> None:
        self._tokens: "weakref.WeakSet[_Handle]" = weakref.WeakSet()  # freed before the client
        opts = _Handle(_e.esi_sso_options_new(), _e.esi_sso_options_free)
        try:
            o = opts.ptr
            _e.esi_sso_options_set_client_id(o, client_id)
            if client_secret is not None:
                _e.esi_sso_options_set_client_secret(o, client_secret)
            if redirect_uri is not None:
                _e.esi_sso_options_set_redirect_uri(o, redirect_uri)
            if metadata_url is not None:
                _e.esi_sso_options_set_metadata_url(o, metadata_url)
            if leeway_s is not None:
                _e.esi_sso_options_set_leeway_s(o, leeway_s)
            if jwks_refresh_interval_s is not None:
                _e.esi_sso_options_set_jwks_refresh_interval_s(o, jwks_refresh_interval_s)
            if login_max_age_s is not None:
                _e.esi_sso_options_set_login_max_age_s(o, login_max_age_s)
            http = _e.esi_sso_options_http(o)
            _apply_transport(http, transport, timeout)
            if user_agent is not None:
                _e.http_options_set_user_agent(http, user_agent)
            self._h = _Handle(_e.esi_sso_new(o), _e.esi_sso_free)
        finally:
            opts.close()

    def close(self) -> None:
        """Frees the client (``esi_sso_free``); the :class:`Token` objects made over it are closed
        first. Idempotent. Not thread-safe with calls in progress on other threads."""
        for h in list(self._tokens):
            h.close()
        self._h.close()

    @property
    def confidential(self) -> bool:
        """True for a web application (client secret, Basic auth), False for PKCE."""
        return bool(_e.esi_sso_is_confidential(self._c))

    def discover(self) -> None:
        """Fetches the metadata document now if it is not cached yet."""
        _e.esi_sso_discover(self._c)

    def endpoint(self, name: str) -> str:
        """One endpoint of the metadata document: ``issuer``, ``authorization_endpoint``,
        ``token_endpoint``, ``revocation_endpoint`` or ``jwks_uri``."""
        return str(_e.esi_sso_endpoint(self._c, name))

    def begin_login(self, scopes: Iterable[str] = ()) -> Login:
        """Starts a login (``esi_sso_login_new``): the authorization URL with a fresh ``state``
        and a PKCE verifier whose S256 challenge the URL carries (web and native applications)."""
        if isinstance(scopes, str):
            scopes = scopes.split()
        return Login(_e.esi_sso_login_new(self._c, list(scopes)))

    def import_login(self, exported: str) -> Login:
        """Rebuilds a login from :meth:`Login.export` (``esi_sso_login_import``), possibly in
        another process. ``InvalidArgumentError`` for garbage, an altered export, or one made
        for another client id or secret."""
        return Login(_e.esi_sso_login_import(self._c, exported))

    def exchange(self, code: str, state: str, login: Union[Login, str]) -> Tokens:
        """Finishes a login (``esi_sso_exchange_code``): checks ``state`` (the callback's) and
        the login's age, then exchanges ``code`` for tokens. ``login`` is the :class:`Login`
        or its export. ``AuthError`` for a state mismatch, an expired login, ``invalid_grant``
        or ``invalid_client``."""
        lg = self.import_login(login) if isinstance(login, str) else login
        try:
            if lg._h.ptr is None:
                raise _errors.InvalidArgumentError("the login is closed")
            return Tokens(_e.esi_sso_exchange_code(self._c, lg._h.ptr, code, state))
        finally:
            if lg is not login:
                lg.close()

    def refresh(self, refresh_token: str, scope: Optional[str] = None) -> Tokens:
        """Refreshes an access token (``esi_sso_refresh``); ``scope``: a space-separated subset.
        Store the result's ``refresh_token``. ``AuthError`` for ``invalid_grant``."""
        return Tokens(_e.esi_sso_refresh(self._c, refresh_token, scope))

    def revoke(self, refresh_token: str) -> None:
        """Revokes a refresh token (``esi_sso_revoke``)."""
        _e.esi_sso_revoke(self._c, refresh_token)

    def verify(self, access_token: str) -> Claims:
        """Verifies an access token locally against the SSO's JWKS (``esi_sso_verify``).
        ``SignatureError`` for a forged or tampered token, ``AuthError`` for a malformed,
        expired or foreign one."""
        return _claims(_e.esi_sso_verify(self._c, access_token))

    def token(self, credentials: Union[str, Tokens], on_refresh: Optional[Callable[[str, int], None]] = None,
              refresh_margin_s: Optional[int] = None) -> "Token":
        """A :class:`Token` over this client: ``Token(self, credentials, on_refresh, ...)``."""
        return Token(self, credentials, on_refresh, refresh_margin_s)


class Token(_Client):
    """A character's self-refreshing credentials (``esi_token``), for the authenticated ESI
    routes.

    Args:
        sso: the :class:`SSO` client (kept alive by the token).
        credentials: a stored refresh token (no request yet), or the :class:`Tokens` of an
            exchange or refresh (the access token is verified first).
        on_refresh: ``on_refresh(refresh_token, character_id)``, called after every refresh with
            the refresh token to store from now on (it may have rotated). Runs with the GIL held
            on the thread that triggered the refresh; it must not use this token. An exception
            raised in it is re-raised by the call that refreshed.
        refresh_margin_s: refresh this long before expiry (default 60).

    Thread-safe: concurrent callers wait for one refresh.
    """

    _what = "token"

    def __init__(self, sso: SSO, credentials: Union[str, Tokens],
                 on_refresh: Optional[Callable[[str, int], None]] = None,
                 refresh_margin_s: Optional[int] = None) -> None:
        self.sso = sso
        self._on_refresh = on_refresh  # borrowed by C: kept alive here
        if isinstance(credentials, Tokens):
            if credentials._h.ptr is None:
                raise _errors.InvalidArgumentError("the tokens are closed")
            ptr = _e.esi_token_new_from_tokens(sso._c, credentials._h.ptr, on_refresh)
        else:
            ptr = _e.esi_token_new(sso._c, credentials, on_refresh)
        self._h = _Handle(ptr, _e.esi_token_free)
        sso._tokens.add(self._h)
        if refresh_margin_s is not None:
            _e.esi_token_set_refresh_margin_s(ptr, refresh_margin_s)

    def access_token(self) -> str:
        """A valid access token, refreshed (and verified) first when it expires within the
        margin (``esi_token_access_token``). A secret."""
        return str(_e.esi_token_access_token(self._c))

    def invalidate(self) -> None:
        """Marks the access token unusable: the next use refreshes (``esi_token_invalidate``)."""
        _e.esi_token_invalidate(self._c)

    def claims(self) -> Claims:
        """The verified claims of the current access token (refreshing first if needed)."""
        return _claims(_e.esi_token_get_claims(self._c))

    @property
    def refresh_count(self) -> int:
        """How many refreshes this token has made."""
        return int(_e.esi_token_refresh_count(self._c))


# ---------------------------------------------------------------------------------- ESI


class RateLimit:
    """``X-Ratelimit-*`` of the first page's request: ``group``, ``limit`` (e.g. "150/15m"),
    ``remaining``, ``used`` (None / -1 when absent)."""

    __slots__ = ("group", "limit", "remaining", "used")

    def __init__(self, group: Optional[str], limit: Optional[str], remaining: int, used: int) -> None:
        self.group = group
        self.limit = limit
        self.remaining = remaining
        self.used = used

    def __repr__(self) -> str:
        return "RateLimit(group=%r, limit=%r, remaining=%d, used=%d)" % (self.group, self.limit, self.remaining,
                                                                           self.used)


class Response:
    """The answer of one ESI call (``esi_response``), possibly several pages, with its metadata:
    ``status`` (200, 201, 304 when revalidated; 200 for a cache hit), ``cache_status``
    (:data:`CACHE_MISS`, :data:`CACHE_HIT`, :data:`CACHE_REVALIDATED`), ``requests`` (HTTP
    requests made, retries included), ``etag``, ``last_modified``, ``expires_ms``, ``pages``
    (``X-Pages``), ``page_count`` (pages held), ``error_limit`` ((remain, reset_s), -1 when
    unknown) and ``rate_limit``. Iterating gives every item over all pages. Immutable."""

    def __init__(self, ptr: Any) -> None:
        self._h = _Handle(ptr, _e.esi_response_free)
        self.status: int = _e.esi_response_status(ptr)
        self.cache_status: str = _CACHE.get(_e.esi_response_cache_status(ptr), CACHE_MISS)
        self.requests: int = _e.esi_response_requests(ptr)
        self.etag: Optional[str] = _e.esi_response_etag(ptr)
        self.last_modified: Optional[str] = _e.esi_response_last_modified(ptr)
        self.expires_ms: int = _e.esi_response_expires_ms(ptr)
        self.pages: int = _e.esi_response_pages(ptr)
        self.page_count: int = _e.esi_response_page_count(ptr)
        # void functions with out parameters: (None, outs...) - the outs are the last ones
        remain, reset = _e.esi_response_error_limit(ptr)[-2:]
        self.error_limit: Tuple[int, int] = (remain, reset)
        group, limit, remaining, used = _e.esi_response_rate_limit(ptr)[-4:]
        self.rate_limit = RateLimit(group, limit, remaining, used)

    @property
    def _r(self) -> Any:
        if self._h.ptr is None:
            raise _errors.InvalidArgumentError("the response is closed")
        return self._h.ptr

    @property
    def value(self) -> Any:
        """The decoded body of the first (or only) page (for a 304, the cached body)."""
        return _e.esi_response_value(self._r)

    @property
    def from_cache(self) -> bool:
        """True when the first page came from the cache (a hit or a 304)."""
        return self.cache_status != CACHE_MISS

    @property
    def not_modified(self) -> bool:
        """True when the server answered 304 Not Modified."""
        return self.cache_status == CACHE_REVALIDATED

    @property
    def items(self) -> List[Any]:
        """Every array item over all pages, in page order (a new list)."""
        r = self._r
        n = _e.esi_response_item_count(r)
        # one conversion per page (not per item) when the items are exactly the pages' arrays;
        # otherwise (wallet batches skip the record ESI repeats) item by item
        out: List[Any] = []
        for i in range(_e.esi_response_page_count(r)):
            page = _e.esi_response_page_at(r, i)
            if isinstance(page, list):
                out.extend(page)
        if len(out) == n:
            return out
        return [_e.esi_response_item_at(r, i) for i in range(n)]

    def page(self, i: int) -> Any:
        """The decoded body of page ``i + 1`` (``IndexError`` out of range)."""
        r = self._r
        if not 0 <= i < self.page_count:
            raise IndexError("page index %d out of range (%d pages)" % (i, self.page_count))
        return _e.esi_response_page_at(r, i)

    def page_cache_status(self, i: int) -> str:
        """How page ``i + 1`` was obtained (:data:`CACHE_MISS`, ...)."""
        if not 0 <= i < self.page_count:
            raise IndexError("page index %d out of range (%d pages)" % (i, self.page_count))
        return _CACHE.get(_e.esi_response_page_cache_status(self._r, i), CACHE_MISS)

    def __len__(self) -> int:
        return int(_e.esi_response_item_count(self._r))

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)

    def close(self) -> None:
        """Frees the response now (else when garbage-collected). Idempotent."""
        self._h.close()

    def __repr__(self) -> str:
        return "Response(status=%d, cache_status=%r, pages=%d)" % (self.status, self.cache_status, self.pages)


class Page:
    """One page delivered by :meth:`Client.iter_pages`: ``page`` (from 1), ``pages`` (the
    total), ``items`` (the decoded array)."""

    __slots__ = ("page", "pages", "items")

    def __init__(self, page: int, pages: int, items: List[Any]) -> None:
        self.page = page
        self.pages = pages
        self.items = items

    def __repr__(self) -> str:
        return "Page(%d/%d, %d items)" % (self.page, self.pages, len(self.items))


class NamesResult:
    """:meth:`Client.universe_names`: ``names`` (``{id, name, category}`` dicts, in increasing
    id order of each request), ``invalid`` (the ids ESI refused, increasing) and the
    ``response`` (its metadata)."""

    __slots__ = ("response", "names", "invalid")

    def __init__(self, response: Response, invalid: List[int]) -> None:
        self.response = response
        self.names: List[dict[str, Any]] = response.items
        self.invalid = invalid


def _params(path: Optional[PathParams], query: Optional[Query]) -> Optional[_Handle]:
    if not path and not query:
        return None
    h = _Handle(_e.esi_params_new(), _e.esi_params_free)
    try:
        for k, v in (path or {}).items():
            if isinstance(v, bool) or not isinstance(v, (int, str)):
                raise _errors.InvalidArgumentError("path parameter %r: expected an int or a str" % (k,))
            if isinstance(v, int):
                _e.esi_params_set_path_int(h.ptr, k, v)
            else:
                _e.esi_params_set_path(h.ptr, k, v)
        pairs = query.items() if isinstance(query, Mapping) else (query or ())
        for k, v in pairs:
            if isinstance(v, bool) or not isinstance(v, (int, str)):
                raise _errors.InvalidArgumentError("query parameter %r: expected an int or a str" % (k,))
            if isinstance(v, int):
                _e.esi_params_add_query_int(h.ptr, k, v)
            else:
                _e.esi_params_add_query(h.ptr, k, v)
    except BaseException:
        h.close()
        raise
    return h


def _tok(token: Optional[Token]) -> Any:
    return None if token is None else token._c


class Client(_Client):
    """An ESI client (``esi_client``).

    Args:
        user_agent: your application's User-Agent with contact details (an e-mail address or a
            URL; required: CCP contacts or bans applications by it).
        compatibility_date: ``X-Compatibility-Date`` ("YYYY-MM-DD"; default
            :data:`DEFAULT_COMPATIBILITY_DATE`).
        cache: None or True for the in-memory cache (bounded by ``cache_max_bytes``), False for
            no cache, an :class:`erplink.store.BlobCache` (a file shared by processes, surviving
            restarts), or a :class:`CacheStore` object of yours.
        base_url: the ESI base URL (tests point it to a simulator).
        tenant: ``X-Tenant`` (default "tranquility").
        concurrency: requests in flight at once for pages and name chunks (default 8).
        error_limit_floor: pause every request when ``X-ESI-Error-Limit-Remain`` falls to this
            (default 10).
        cache_max_bytes: size cap of the in-memory cache (default 512 MiB).
        timeout: total timeout of one attempt in seconds (default 60).
        transport: an :class:`erplink.Transport`.

    Thread-safe: use one per application.
    """

    def __init__(self, user_agent: str, compatibility_date: Optional[str] = None,
                 cache: Union[None, bool, BlobCache, CacheStore] = None, base_url: Optional[str] = None,
                 tenant: Optional[str] = None, concurrency: Optional[int] = None,
                 error_limit_floor: Optional[int] = None, cache_max_bytes: Optional[int] = None,
                 timeout: Optional[float] = None, transport: Optional[Transport] = None) -> None:
        self._cache_ref: Any = None  # what the C client borrows: kept until after esi_client_free
        self._pagers: "weakref.WeakSet[_Handle]" = weakref.WeakSet()  # freed before the client
        opts = _Handle(_e.esi_options_new(), _e.esi_options_free)
        try:
            o = opts.ptr
            if base_url is not None:
                _e.esi_options_set_base_url(o, base_url)
            if compatibility_date is not None:
                _e.esi_options_set_compatibility_date(o, compatibility_date)
            if tenant is not None:
                _e.esi_options_set_tenant(o, tenant)
            if concurrency is not None:
                _e.esi_options_set_concurrency(o, concurrency)
            if error_limit_floor is not None:
                _e.esi_options_set_error_limit_floor(o, error_limit_floor)
            if cache is False:
                _e.esi_options_set_cache_max_bytes(o, 0)
            elif cache_max_bytes is not None:
                _e.esi_options_set_cache_max_bytes(o, cache_max_bytes)
            if isinstance(cache, BlobCache):
                _e.esi_options_use_blob_cache(o, cache._c)
                self._cache_ref = cache
            elif cache is not None and cache is not True and cache is not False:
                holder = _e.esi_cache_holder_new(cache)
                _e.esi_options_use_cache_holder(o, holder)
                self._cache_ref = holder
            http = _e.esi_options_http(o)
            _apply_transport(http, transport, timeout)
            _e.http_options_set_user_agent(http, user_agent)
            self._h = _Handle(_e.esi_client_new(o), _e.esi_client_free)
        finally:
            opts.close()

    def close(self) -> None:
        """Frees the client (``esi_client_free``); open ``iter_pages`` generators stop first and a
        cache store object is released after it. Idempotent. Not thread-safe with calls in progress
        on other threads."""
        for h in list(self._pagers):
            h.close()
        self._h.close()
        self._cache_ref = None

    @property
    def error_limit(self) -> Tuple[int, int]:
        """(remain, reset_s) of the error limit from the latest response (-1 when unknown)."""
        remain, reset = _e.esi_client_error_limit(self._c)
        return (remain, reset)

    @property
    def pause_remaining_ms(self) -> int:
        """How long every request of the client still waits (error limit reached, 420), in ms."""
        return int(_e.http_client_pause_remaining_ms(_e.esi_client_http(self._c)))

    def get(self, route: str, path: Optional[PathParams] = None, query: Optional[Query] = None,
            token: Optional[Token] = None) -> Response:
        """GETs one route, one page, through the cache (``esi_client_get``). ``route`` is a
        template (``"/markets/{region_id}/orders"``) whose placeholders ``path`` fills."""
        p = _params(path, query)
        try:
            return Response(_e.esi_client_get(self._c, route, None if p is None else p.ptr, _tok(token)))
        finally:
            if p is not None:
                p.close()

    def get_all_pages(self, route: str, path: Optional[PathParams] = None, query: Optional[Query] = None,
                      token: Optional[Token] = None) -> Response:
        """GETs every page of a paginated route concurrently into one response
        (``esi_client_get_all_pages``); pages must agree on ``Last-Modified`` (refetched once,
        then ``ConflictError``)."""
        p = _params(path, query)
        try:
            return Response(_e.esi_client_get_all_pages(self._c, route, None if p is None else p.ptr, _tok(token)))
        finally:
            if p is not None:
                p.close()

    def iter_pages(self, route: str, path: Optional[PathParams] = None, query: Optional[Query] = None,
                   token: Optional[Token] = None) -> Generator[Page, None, None]:
        """Yields every page of a paginated route in page order with bounded memory (the pull
        pager ``esi_pager_new`` / ``esi_pager_next``: pages ahead are fetched concurrently,
        about 2 x concurrency held). A ``Last-Modified`` roll-over in the middle of the walk
        raises ``ConflictError`` (the pages already yielded belong to an older version);
        leaving the loop early frees the pager."""
        p = _params(path, query)
        try:
            pager = _Handle(_e.esi_pager_new(self._c, route, None if p is None else p.ptr, _tok(token)),
                            _e.esi_pager_free)
        finally:
            if p is not None:
                p.close()
        self._pagers.add(pager)
        try:
            while True:
                if pager.ptr is None:
                    raise _errors.InvalidArgumentError("the client is closed")
                items, page = _e.esi_pager_next(pager.ptr)
                if page == 0:
                    return
                yield Page(page, _e.esi_pager_pages(pager.ptr), items)
        finally:
            pager.close()

    def each_page(self, route: str, fn: Callable[[int, int, Optional[List[Any]]], Optional[bool]],
                  path: Optional[PathParams] = None, query: Optional[Query] = None,
                  token: Optional[Token] = None) -> None:
        """Streams every page of a paginated route to ``fn(page, pages, items)`` in page order
        with bounded memory (``esi_client_get_pages``; the callback runs on the calling thread
        with the GIL held). ``fn(0, pages, None)`` means "discard what you received: the set
        starts over" (a Last-Modified roll-over; a second one raises ``ConflictError``). A true
        return value stops the walk; an exception raised by ``fn`` stops it and is re-raised."""
        p = _params(path, query)
        try:
            _e.esi_client_get_pages(self._c, route, None if p is None else p.ptr, _tok(token), fn)
        finally:
            if p is not None:
                p.close()

    def post(self, route: str, body: Any, path: Optional[PathParams] = None, query: Optional[Query] = None,
             token: Optional[Token] = None) -> Response:
        """POSTs a JSON body (``esi_client_post``; never cached, never retried once it may have
        reached the server). ``ValidationError`` for a 400/422."""
        p = _params(path, query)
        try:
            return Response(_e.esi_client_post(self._c, route, None if p is None else p.ptr, body, _tok(token)))
        finally:
            if p is not None:
                p.close()

    # ------------------------------------------------------------------ typed helpers

    def character_assets(self, token: Token, character_id: int) -> Response:
        """``GET /characters/{character_id}/assets``, every page (scope esi-assets.read_assets.v1)."""
        return Response(_e.esi_client_character_assets(self._c, token._c, character_id))

    def market_orders(self, region_id: int, order_type: Optional[str] = None, type_id: int = 0) -> Response:
        """``GET /markets/{region_id}/orders``, every page; ``order_type`` "buy", "sell" or "all"
        (None), ``type_id`` one type (0: all)."""
        return Response(_e.esi_client_market_orders(self._c, region_id, order_type, type_id))

    def character_blueprints(self, token: Token, character_id: int) -> Response:
        """``GET /characters/{character_id}/blueprints``, every page (scope
        esi-characters.read_blueprints.v1); decode items with :func:`blueprint_kind`."""
        return Response(_e.esi_client_character_blueprints(self._c, token._c, character_id))

    def wallet_transactions(self, token: Token, character_id: int, from_id: int = 0,
                            max_batches: int = 1000) -> Response:
        """``GET /characters/{character_id}/wallet/transactions``, walking ``from_id`` backwards
        (newest first) until nothing older comes or after ``max_batches`` requests; iterating
        the response gives every transaction once."""
        return Response(_e.esi_client_wallet_transactions(self._c, token._c, character_id, from_id, max_batches))

    def send_mail(self, token: Token, character_id: int, recipients: Iterable[Tuple[int, str]], subject: str,
                  body: str, approved_cost: int = 0) -> int:
        """``POST /characters/{character_id}/mail``: ``recipients`` are (id, type) pairs, type
        "character", "corporation", "alliance" or "mailing_list". Returns the new mail id.
        Validated first (``InvalidArgumentError`` naming the rule)."""
        return int(_e.esi_client_send_mail(self._c, token._c, character_id, recipients, subject, body,
                                           approved_cost))

    def universe_names(self, ids: Union[int, Iterable[int]]) -> NamesResult:
        """``POST /universe/names`` for any number of ids (deduplicated, chunked, concurrent);
        invalid ids are isolated and reported in ``invalid`` instead of failing the call."""
        ptr, invalid = _e.esi_client_universe_names(self._c, ids)
        return NamesResult(Response(ptr), invalid)


class JWKS:
    """A parsed JSON Web Key Set (``esi_jwks``) for verifying access tokens with no network
    (``esi_jwt_verify``); :meth:`SSO.verify` fetches and caches the SSO's own set instead.
    Immutable, thread-safe. ``ProtocolError`` for a document that is not a usable key set."""

    def __init__(self, document: Union[str, bytes]) -> None:
        self._h = _Handle(_e.esi_jwks_new_from_json(document), _e.esi_jwks_free)

    def __len__(self) -> int:
        """The number of usable (RS256 / ES256) keys."""
        return int(_e.esi_jwks_count(self._h.ptr))

    def verify(self, access_token: str, client_id: str, now: Optional[int] = None, leeway_s: int = 60) -> Claims:
        """Verifies an access token against the keys (every check of esi_jwt.h), at ``now``
        (seconds since 1970; default the clock). ``SignatureError`` / ``AuthError`` as
        :meth:`SSO.verify`."""
        import time
        t = int(time.time()) if now is None else now
        return _claims(_e.esi_jwt_verify(self._h.ptr, access_token, client_id, t, leeway_s))


def blueprint_kind(item: Mapping[str, Any]) -> str:
    """Decodes a blueprint item's ``quantity`` (``esi_blueprint_kind_of``): "original", "copy",
    "stack" or "unknown"."""
    return _BLUEPRINT.get(_e.esi_blueprint_kind_of(item), "unknown")
