"""erplink.odoo against the Odoo simulator (tests/servers/odoo_server.py), Odoo 17 and 19, every
protocol: every method of Client, the cursor generator and each error class."""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterator, Tuple

import pytest

import erplink
from erplink import odoo

from conftest import ODOO_DB, ODOO_KEY, Server

COMBOS = [(17, "xmlrpc"), (17, "jsonrpc"), (19, "xmlrpc"), (19, "jsonrpc"), (19, "json2"), (19, "auto")]


@pytest.fixture(params=COMBOS, ids=["%d-%s" % c for c in COMBOS])
def combo(request: Any, odoo17: Server, odoo19: Server) -> Iterator[Tuple[odoo.Client, int, str]]:
    version, proto = request.param
    srv = odoo17 if version == 17 else odoo19
    c = odoo.Client(srv.url, ODOO_DB[version], "admin", api_key=ODOO_KEY[version], protocol=proto,
                    transport=erplink.Transport(backoff_ms=(0, 0)))
    with c:
        yield c, version, proto


def client(srv: Server, version: int, **kw: Any) -> odoo.Client:
    kw.setdefault("api_key", ODOO_KEY[version])
    return odoo.Client(srv.url, ODOO_DB[version], kw.pop("login", "admin"), **kw)


def test_protocol_version_authenticate(combo: Tuple[odoo.Client, int, str]) -> None:
    c, version, proto = combo
    assert c.protocol == ("json2" if proto == "auto" else proto)
    assert c.server_version() == version
    v = c.version()
    assert isinstance(v, dict) and v
    assert c.authenticate() == 2


def test_orm_reads(combo: Tuple[odoo.Client, int, str]) -> None:
    c, _, _ = combo
    ids = c.search("res.partner", [("is_company", "=", True)], order="id")
    assert ids and all(isinstance(i, int) for i in ids) and ids == sorted(ids)
    assert c.search("res.partner", [], offset=1, limit=2, order="id") == c.search("res.partner", [], order="id")[1:3]
    n = c.search_count("res.partner")
    assert n >= len(ids)
    recs = c.read("res.partner", ids[:2], ["name", "is_company"])
    assert [r["id"] for r in recs] == ids[:2] and all(r["is_company"] is True for r in recs)
    assert c.read("res.partner", ids[0], ("name",))[0]["id"] == ids[0]   # a lone id, a tuple of names
    sr = c.search_read("res.partner", [("id", "in", ids[:3])], ["name"], order="id")
    assert [r["id"] for r in sr] == ids[:3] and all(isinstance(r["name"], str) for r in sr)
    fg = c.fields_get("res.partner", ["string", "type"])
    assert fg["name"]["type"] == "char"
    ns = c.name_search("res.partner", recs[0]["name"][:4], limit=5)
    assert ns and all(len(p) == 2 for p in ns)
    groups = c.read_group("res.partner", [], ["id:count"], ["is_company"], lazy=True)
    assert sum(g["is_company_count"] if "is_company_count" in g else g.get("__count", 0) for g in groups) == n


def test_orm_writes(combo: Tuple[odoo.Client, int, str]) -> None:
    c, _, _ = combo
    pid = c.create("res.partner", {"name": "erplink py \u00e9t\u00e9", "comment": "x"})
    assert isinstance(pid, int)
    many = c.create("res.partner", [{"name": "py a"}, {"name": "py b"}])
    assert isinstance(many, list) and len(many) == 2
    c.write("res.partner", [pid], {"name": "renamed"})
    assert c.read("res.partner", [pid], ["name"])[0]["name"] == "renamed"
    c.unlink("res.partner", [pid] + many)
    assert c.search("res.partner", [("id", "in", [pid] + many)]) == []


def test_execute_kw(combo: Tuple[odoo.Client, int, str]) -> None:
    c, _, _ = combo
    assert c.execute_kw("res.partner", "search_count", [[]]) == c.search_count("res.partner")
    r = c.execute_kw("res.partner", "search_read", [[]], {"fields": ["name"], "limit": 1}, idempotent=True)
    assert len(r) == 1 and set(r[0]) >= {"id", "name"}
    assert c.execute_kw("res.partner", "search", args=([("id", "=", 0)],)) == []


def test_iter_search_read_pages_and_stops_cleanly(combo: Tuple[odoo.Client, int, str]) -> None:
    c, _, _ = combo
    all_ids = c.search("res.partner", [], order="id")
    seen = [r["id"] for r in c.iter_search_read("res.partner", [], ["name"], page_size=2)]
    assert seen == all_ids
    gen = c.iter_search_read("res.partner", [], ["name"], page_size=1)
    assert next(gen)["id"] == all_ids[0]
    gen.close()  # frees the cursor
    with pytest.raises(StopIteration):
        next(gen)
    for i, r in enumerate(c.iter_search_read("res.partner", page_size=1)):
        if i == 1:
            break
    with pytest.raises(ZeroDivisionError):
        for r in c.iter_search_read("res.partner", [], ["name"], page_size=1):
            1 / 0


def test_values_in_both_directions(odoo19: Server) -> None:
    with client(odoo19, 19, protocol="jsonrpc") as c:
        pid = c.create("res.partner", {"name": "dt", "comment": None})
        c.write("res.partner", pid, {"name": "dt2"})
        rec = c.read("res.partner", [pid], ["name", "write_date"])[0]
        assert rec["name"] == "dt2"
        assert isinstance(rec["write_date"], (str, dt.datetime))


def test_default_context(odoo17: Server) -> None:
    with client(odoo17, 17, protocol="jsonrpc", context={"lang": "en_US", "tz": "Europe/Brussels",
                                                          "allowed_company_ids": [1]}) as c:
        assert c.search_count("res.partner") > 0
    with pytest.raises(erplink.InvalidArgumentError):
        client(odoo17, 17, context={"active_test": False})


# ---------------------------------------------------------------- errors

def test_auth_error(odoo17: Server, odoo19: Server) -> None:
    for srv, v, proto in ((odoo17, 17, "xmlrpc"), (odoo17, 17, "jsonrpc"), (odoo19, 19, "json2")):
        c = client(srv, v, api_key="0" * 40, protocol=proto)
        with pytest.raises(erplink.AuthError) as ei:
            c.authenticate()
        assert ei.value.category == "auth" and ei.value.code == erplink.EAUTH
        assert "0" * 40 not in str(ei.value)
        c.close()


def test_access_error_with_remote_class(odoo19: Server) -> None:
    with client(odoo19, 19, login="demo", api_key=None, password="demo", protocol="jsonrpc") as c:
        with pytest.raises(erplink.AccessError) as ei:
            c.write("res.users", [2], {"name": "x"})
        assert ei.value.remote_class == "odoo.exceptions.AccessError"


def test_not_found_and_validation(odoo19: Server) -> None:
    with client(odoo19, 19, protocol="json2") as c:
        with pytest.raises(erplink.NotFoundError) as ei:
            c.search("no.such.model")
        assert ei.value.http_status == 404
    with client(odoo19, 19, protocol="jsonrpc") as c:
        with pytest.raises(erplink.NotFoundError) as ei2:
            c.write("res.partner", [987654], {"name": "x"})
        assert ei2.value.remote_class == "odoo.exceptions.MissingError"
        with pytest.raises(erplink.ValidationError):
            c.execute_kw("no.such.model", "search", [[]])
        with pytest.raises(erplink.ServerError) as ei3:
            c.execute_kw("res.partner", "search", [[]], {"no_such_kw": 1})
        assert ei3.value.detail  # the server's traceback


def test_conflict_error(odoo19: Server) -> None:
    with client(odoo19, 19, protocol="jsonrpc") as c:
        pid = c.create("res.partner", {"name": "lock"})
        with pytest.raises(erplink.ConflictError):
            c.write("res.partner", [pid], {"x_simulate_lock": True})


def test_protocol_error_wrong_db_and_html(odoo17: Server) -> None:
    c = odoo.Client(odoo17.url, "nodb", "admin", password="admin", protocol="xmlrpc")
    with pytest.raises(erplink.ProtocolError) as ei:
        c.authenticate()
    assert "nodb" in str(ei.value)
    c.close()
    c = odoo.Client(odoo17.url + "/__fault__/html/5/pyhtml", "demo17", "admin", password="admin", protocol="xmlrpc")
    with pytest.raises(erplink.ProtocolError) as ei:
        c.search("res.partner")
    assert "HTML" in str(ei.value)
    c.close()


def test_network_and_timeout_errors(odoo17: Server) -> None:
    c = odoo.Client("http://127.0.0.1:9", "demo17", "admin", password="admin", protocol="xmlrpc",
                    transport=erplink.Transport(max_attempts=1))
    with pytest.raises(erplink.NetworkError) as ei:
        c.search("res.partner")
    assert ei.value.code == erplink.ECONNECT and erplink.error_retryable(ei.value.code)
    c.close()
    c = odoo.Client(odoo17.url + "/__fault__/stall/5/pystall", "demo17", "admin", password="admin",
                    protocol="xmlrpc", timeout=0.5, transport=erplink.Transport(max_attempts=1))
    c.authenticate()
    with pytest.raises(erplink.TimeoutError) as et:
        c.search("res.partner")
    assert isinstance(et.value, TimeoutError)
    c.close()


def test_retry_of_idempotent_call(odoo17: Server) -> None:
    c = odoo.Client(odoo17.url + "/__fault__/gateway/1/pyretry", "demo17", "admin", password="admin",
                    protocol="xmlrpc", transport=erplink.Transport(backoff_ms=(0, 0)))
    assert c.search_count("res.partner") > 0  # retried after the 502
    c.close()


def test_invalid_arguments(odoo17: Server) -> None:
    with pytest.raises(erplink.InvalidArgumentError):
        odoo.Client(odoo17.url, "demo17", "admin")  # no password nor key
    with pytest.raises(erplink.InvalidArgumentError):
        odoo.Client("ftp://x", "demo17", "admin", password="x")
    with pytest.raises(erplink.InvalidArgumentError):
        odoo.Client(odoo17.url, "demo17", "admin", password="x", protocol="soap")
    with client(odoo17, 17, protocol="xmlrpc") as c:
        with pytest.raises(TypeError):
            c.read("res.partner", [1], "name")  # a str is not a list of names
        with pytest.raises(TypeError):
            c.read("res.partner", ["1"])  # type: ignore[list-item]
        with pytest.raises(erplink.InvalidArgumentError):
            c.search("res.partner", [("name", "=", {1, 2})])  # a set has no erplink value
        with pytest.raises(erplink.InvalidArgumentError):
            c.search("res\x00partner")
        with pytest.raises(erplink.InvalidArgumentError):
            c.read_group("res.partner", [], [], [])  # no group-by
    c.close()
    with pytest.raises(erplink.InvalidArgumentError):
        c.search("res.partner")  # closed


def test_transport_knobs_are_applied(odoo17: Server) -> None:
    t = erplink.Transport(timeout_ms=5000, connect_timeout_ms=2000, ca_file=None, proxy="", max_attempts=2,
                          backoff_ms=(1, 2), max_retry_after_ms=100, retry_all_5xx=True, retry_budget=(0.5, 3),
                          retry_seed=7, rate_limit=(1000.0, 10), user_agent="py-test/1", low_speed=(1, 30),
                          max_response_bytes=1 << 20, follow_redirects=False, max_redirects=3, pool_size=2,
                          secret_names=["x_secret"])
    assert "user_agent='py-test/1'" in repr(t)
    with client(odoo17, 17, protocol="xmlrpc", transport=t) as c:
        assert c.search_count("res.partner") > 0
    with pytest.raises(erplink.InvalidArgumentError):
        client(odoo17, 17, transport=erplink.Transport(max_attempts=0))
    with pytest.raises(erplink.InvalidArgumentError):
        client(odoo17, 17, transport=erplink.Transport(user_agent="bad\nagent"))
    with pytest.raises(erplink.TooLargeError if hasattr(erplink, "TooLargeError") else erplink.ProtocolError):
        with client(odoo17, 17, protocol="xmlrpc", transport=erplink.Transport(max_response_bytes=64)) as c:
            c.search_read("res.partner")
