"""Odoo client (``odoo_client`` of erplink/odoo.h) over XML-RPC, JSON-RPC or JSON-2.

Example::

    from erplink import odoo
    with odoo.Client("https://erp.example.com", "prod", "bot", api_key=KEY) as c:
        for p in c.iter_search_read("product.product", [("sale_ok", "=", True)], ["name"]):
            print(p["id"], p["name"])

Every method is one C call (``iter_search_read`` is a loop over ``odoo_cursor_next``), made
with the GIL released; a failure raises the :class:`erplink.Error` subclass of its category
(``AuthError``, ``AccessError``, ``ValidationError``, ``NotFoundError``, ``ProtocolError``,
...) with ``remote_class`` and ``detail`` (the server's traceback) when Odoo sent them.

Thread safety: a :class:`Client` may be used from several threads at once (the C client is
thread-safe); :meth:`Client.close` must not run while another thread uses it. A generator
from :meth:`Client.iter_search_read` belongs to one thread at a time.
"""

from __future__ import annotations

import weakref
from typing import Any, Dict, Generator, Iterable, List, Mapping, Optional, Sequence, Union

from . import _erplink, _errors
from ._core import Transport, _apply_transport, _Client, _Handle

__all__ = ["Client", "PROTOCOLS"]

#: protocol name -> the C enum value
PROTOCOLS: Dict[str, int] = {
    "auto": _erplink.ODOO_PROTOCOL_AUTO,
    "xmlrpc": _erplink.ODOO_PROTOCOL_XMLRPC,
    "jsonrpc": _erplink.ODOO_PROTOCOL_JSONRPC,
    "json2": _erplink.ODOO_PROTOCOL_JSON2,
}
_PROTOCOL_NAMES = {v: k for k, v in PROTOCOLS.items()}

_e = _erplink


def _names(fields: Optional[Iterable[str]]) -> Optional[Iterable[str]]:
    return fields  # the typemap takes any iterable of str (and refuses a lone str)


class Client(_Client):
    """A client of one Odoo database (``odoo_client_new``). No request is sent here.

    Args:
        url: the server's base URL (``https://erp.example.com``; a path prefix is kept).
        db: the database name.
        login: the user's login (XML-RPC and JSON-RPC authenticate with it).
        password: the password (a secret: wiped in C when freed, never logged).
        api_key: an API key (used instead of the password; the bearer token on JSON-2).
        protocol: ``"auto"`` (JSON-2 on Odoo >= 19 with an API key, else XML-RPC),
            ``"xmlrpc"``, ``"jsonrpc"`` or ``"json2"``.
        timeout: total timeout of one attempt in seconds (default 120; ``transport`` may say).
        transport: an :class:`erplink.Transport` (timeouts, CA, proxy, retries, rate limit...).
        context: default context merged into every call; the keys the C client knows:
            ``lang``, ``tz``, ``allowed_company_ids``.

    Raises:
        InvalidArgumentError: no URL / database / credentials, a login missing where the
            protocol needs one, an unknown protocol or context key.
    """

    def __init__(
        self,
        url: str,
        db: str,
        login: Optional[str] = None,
        password: Optional[str] = None,
        api_key: Optional[str] = None,
        protocol: str = "auto",
        timeout: Optional[float] = None,
        transport: Optional[Transport] = None,
        context: Optional[Mapping[str, Any]] = None,
    ) -> None:
        self._cursors: "weakref.WeakSet[_Handle]" = weakref.WeakSet()
        if protocol not in PROTOCOLS:
            raise _errors.InvalidArgumentError("unknown protocol %r (auto, xmlrpc, jsonrpc, json2)" % (protocol,))
        opts = _Handle(_e.odoo_options_new(), _e.odoo_options_free)
        try:
            o = opts.ptr
            _e.odoo_options_set_url(o, url)
            _e.odoo_options_set_db(o, db)
            if login is not None:
                _e.odoo_options_set_login(o, login)
            if password is not None:
                _e.odoo_options_set_password(o, password)
            if api_key is not None:
                _e.odoo_options_set_api_key(o, api_key)
            _e.odoo_options_set_protocol(o, PROTOCOLS[protocol])
            for k, v in (context or {}).items():
                if k == "lang":
                    _e.odoo_options_set_lang(o, v)
                elif k == "tz":
                    _e.odoo_options_set_tz(o, v)
                elif k == "allowed_company_ids":
                    _e.odoo_options_set_allowed_company_ids(o, list(v))
                else:
                    raise _errors.InvalidArgumentError(
                        "context key %r: the default context holds lang, tz and allowed_company_ids "
                        "(pass other keys in kwargs['context'] of a call)" % (k,))
            _apply_transport(_e.odoo_options_http(o), transport, timeout)
            self._h = _Handle(_e.odoo_client_new(o), _e.odoo_client_free)
        finally:
            opts.close()

    # ---------------------------------------------------------------- lifetime

    def close(self) -> None:
        """Frees the client (``odoo_client_free``); open ``iter_search_read`` generators stop.
        Idempotent. Not thread-safe with calls in progress on other threads."""
        for cur in list(self._cursors):
            cur.close()
        self._h.close()

    # ---------------------------------------------------------------- server

    @property
    def protocol(self) -> str:
        """The protocol in use: ``"xmlrpc"``, ``"jsonrpc"`` or ``"json2"`` (``"auto"`` is
        resolved, which may ask the server its version)."""
        return _PROTOCOL_NAMES[_e.odoo_client_protocol(self._c)]

    def version(self) -> Dict[str, Any]:
        """The server's version structure (``common.version()`` or ``/web/version``)."""
        return _e.odoo_client_version(self._c)  # type: ignore[no-any-return]

    def server_version(self) -> int:
        """The server's major version (17, 19, ...), asked once and remembered."""
        return int(_e.odoo_client_server_version(self._c))

    def authenticate(self) -> int:
        """Authenticates now (otherwise the first call does) and returns the uid.

        Raises:
            AuthError: bad credentials.
        """
        return int(_e.odoo_client_authenticate(self._c))

    # ---------------------------------------------------------------- calls

    def execute_kw(self, model: str, method: str, args: Sequence[Any] = (),
                   kwargs: Optional[Mapping[str, Any]] = None, idempotent: bool = False) -> Any:
        """Calls ``model.method(*args, **kwargs)`` (``odoo_client_execute_kw``; with
        ``idempotent=True`` ``odoo_client_call`` with ``ODOO_CALL_IDEMPOTENT``, so that the call
        is retried after a reset or a 502/503/504). The default context is merged into
        ``kwargs["context"]``."""
        kw = dict(kwargs) if kwargs is not None else {}
        if idempotent:
            return _e.odoo_client_call(self._c, model, method, list(args), kw, _e.ODOO_CALL_IDEMPOTENT)
        return _e.odoo_client_execute_kw(self._c, model, method, list(args), kw)

    def search(self, model: str, domain: Sequence[Any] = (), offset: int = 0, limit: int = 0,
               order: Optional[str] = None) -> List[int]:
        """``search(domain, offset, limit, order)`` -> ids (``limit=0``: no limit)."""
        return _e.odoo_client_search(self._c, model, list(domain), offset, limit, order)  # type: ignore[no-any-return]

    def search_count(self, model: str, domain: Sequence[Any] = ()) -> int:
        """``search_count(domain)``."""
        return int(_e.odoo_client_search_count(self._c, model, list(domain)))

    def read(self, model: str, ids: Union[int, Iterable[int]],
             fields: Optional[Iterable[str]] = None) -> List[Dict[str, Any]]:
        """``read(ids, fields)`` -> records (``fields=None``: all fields)."""
        return _e.odoo_client_read(self._c, model, ids, _names(fields))  # type: ignore[no-any-return]

    def search_read(self, model: str, domain: Sequence[Any] = (), fields: Optional[Iterable[str]] = None,
                    offset: int = 0, limit: int = 0, order: Optional[str] = None) -> List[Dict[str, Any]]:
        """``search_read(domain, fields, offset, limit, order)`` -> records."""
        return _e.odoo_client_search_read(self._c, model, list(domain), _names(fields), offset, limit,  # type: ignore[no-any-return]
                                          order)

    def create(self, model: str, vals: Union[Mapping[str, Any], Sequence[Mapping[str, Any]]]) -> Any:
        """``create(vals)``: a dict gives the new id (``odoo_client_create``), a list of dicts
        the list of new ids (``odoo_client_create_many``). Never retried once it may have
        reached the server."""
        if isinstance(vals, Mapping):
            return int(_e.odoo_client_create(self._c, model, dict(vals)))
        return _e.odoo_client_create_many(self._c, model, [dict(v) for v in vals])

    def write(self, model: str, ids: Union[int, Iterable[int]], vals: Mapping[str, Any]) -> None:
        """``write(ids, vals)``."""
        _e.odoo_client_write(self._c, model, ids, dict(vals))

    def unlink(self, model: str, ids: Union[int, Iterable[int]]) -> None:
        """``unlink(ids)``."""
        _e.odoo_client_unlink(self._c, model, ids)

    def fields_get(self, model: str, attributes: Optional[Iterable[str]] = None) -> Dict[str, Any]:
        """``fields_get(attributes=...)`` -> field descriptions (``None``: every attribute)."""
        return _e.odoo_client_fields_get(self._c, model, _names(attributes))  # type: ignore[no-any-return]

    def name_search(self, model: str, name: str = "", domain: Optional[Sequence[Any]] = None,
                    operator: Optional[str] = None, limit: int = 0) -> List[List[Any]]:
        """``name_search(name, domain, operator, limit)`` -> ``[[id, display_name], ...]``."""
        return _e.odoo_client_name_search(self._c, model, name, list(domain or ()), operator, limit)  # type: ignore[no-any-return]

    def read_group(self, model: str, domain: Sequence[Any], fields: Iterable[str], groupby: Iterable[str],
                   offset: int = 0, limit: int = 0, orderby: Optional[str] = None,
                   lazy: bool = True) -> List[Dict[str, Any]]:
        """``read_group(domain, fields, groupby, offset, limit, orderby, lazy)`` -> groups."""
        return _e.odoo_client_read_group(self._c, model, list(domain), _names(fields), _names(groupby),  # type: ignore[no-any-return]
                                         offset, limit, orderby, int(lazy))

    def iter_search_read(self, model: str, domain: Sequence[Any] = (), fields: Optional[Iterable[str]] = None,
                         page_size: int = 1000) -> Generator[Dict[str, Any], None, None]:
        """Every record matching ``domain``, in id order, read ``page_size`` at a time through an
        ``odoo_cursor`` (``id > last`` paging: memory bounded by one page). Leaving the loop
        early (``break``, an exception, ``close()`` of the generator) frees the cursor; no
        request is in flight between pages."""
        cur = _Handle(_e.odoo_cursor_new(self._c, model, list(domain), _names(fields), page_size),
                      _e.odoo_cursor_free)
        self._cursors.add(cur)
        return self._iterate(cur)

    def _iterate(self, cur: _Handle) -> Generator[Dict[str, Any], None, None]:
        try:
            while True:
                if cur.ptr is None or self._h.ptr is None:
                    raise _errors.InvalidArgumentError("the client was closed during iter_search_read")
                page = _e.odoo_cursor_next(cur.ptr)
                if page is None:
                    return
                yield from page
        finally:
            cur.close()

