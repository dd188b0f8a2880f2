"""erplink.esi against tests/servers/esi_sim.py (EVE SSO + ESI simulator, keys generated at start
with `cryptography`): SSO logins (web and PKCE, exported and finished in another process), code
exchange, refresh with rotation, revoke, local verification of good, expired and forged tokens,
self-refreshing Token with on_refresh, the ESI Client (get, get_all_pages, iter_pages, post, every
typed helper, response metadata, 304 and cache hits, error limit 420), cache stores written in
Python (and one raising) and the BlobCache store, GIL release, Ctrl-C, no leaks."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

import erplink
from erplink import esi, store
from conftest import Server, rss_kb

WEB, SECRET, NATIVE = "sim-web-client", "sim-web-secret", "sim-native-client"
REDIRECT = "http://localhost/callback"
CHAR = 2112625428
UA = "erplink-tests/1.0 (tests@example.com)"
SCOPES = ["esi-assets.read_assets.v1", "esi-characters.read_blueprints.v1",
          "esi-wallet.read_character_wallet.v1", "esi-mail.send_mail.v1"]
ONE = erplink.Transport(max_attempts=1)


@pytest.fixture(scope="module")
def _sim() -> Iterator[Server]:
    s = Server("esi_sim.py")
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture()
def sim(_sim: Server) -> Iterator[Server]:
    config = _sim.post("/_ctl/config", {})
    _sim.post("/_ctl/reset", {})
    yield _sim
    _sim.post("/_ctl/config", config)
    _sim.post("/_ctl/reset", {})


def make_sso(s: Server, client_id: str = WEB, secret: Optional[str] = SECRET, **kw: Any) -> esi.SSO:
    return esi.SSO(client_id, client_secret=secret, redirect_uri=REDIRECT, user_agent=UA,
                   metadata_url=s.url + "/.well-known/oauth-authorization-server", **kw)


def consent(url: str) -> Tuple[str, str]:
    """What the user's browser does: the simulator's authorize endpoint redirects at once."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname or "", u.port, timeout=10)
    conn.request("GET", u.path + "?" + u.query)
    r = conn.getresponse()
    loc = r.getheader("Location") or ""
    conn.close()
    assert r.status == 302, r.status
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(loc).query))
    return q["code"], q["state"]


def login_tokens(s: Server, sso: esi.SSO, scopes: List[str] = SCOPES) -> esi.Tokens:
    lg = sso.begin_login(scopes)
    assert lg.url is not None
    code, state = consent(lg.url)
    return sso.exchange(code, state, lg)


def make_client(s: Server, **kw: Any) -> esi.Client:
    kw.setdefault("transport", ONE)
    return esi.Client(user_agent=UA, base_url=s.url, **kw)


# ==================================================================== SSO


def test_web_login_exchange_verify(sim: Server) -> None:
    sso = make_sso(sim)
    assert sso.confidential
    assert sso.endpoint("token_endpoint") == sim.url + "/v2/oauth/token"
    sso.discover()
    lg = sso.begin_login(SCOPES)
    assert lg.url is not None and lg.url.startswith(sim.url + "/v2/oauth/authorize?")
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(lg.url).query))
    assert q["client_id"] == WEB and q["state"] == lg.state
    assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) == 43  # web logins use PKCE too
    assert abs(lg.created_at - time.time()) < 60
    assert lg.state not in repr(lg)
    code, state = consent(lg.url)
    t = sso.exchange(code, state, lg)
    assert t.access_token.count(".") == 2 and t.refresh_token and t.expires_in > 0
    assert abs(t.expires_at - (time.time() + t.expires_in)) < 60
    assert t.access_token not in repr(t) and t.refresh_token not in repr(t)
    c = sso.verify(t.access_token)
    assert (c.character_id, c.name, c.owner) == (CHAR, "Sim Pilot", "4Ckd7Aq9cJtqfxTTSTLrA1JHdJY=")
    assert c.scopes == tuple(SCOPES) and c.has_scope(SCOPES[0]) and not c.has_scope("esi-other.v1")
    assert c.client_id == WEB and abs(c.expires_at - t.expires_at) <= 2
    # the code is single-use: invalid_grant
    with pytest.raises(erplink.AuthError) as ei:
        sso.exchange(code, state, lg)
    assert "invalid_grant" in str(ei.value)
    lg.close()
    lg.close()
    with pytest.raises(erplink.InvalidArgumentError):
        lg.export()
    sso.close()
    with pytest.raises(erplink.InvalidArgumentError):
        sso.begin_login()


def test_native_pkce_login_scopes_string(sim: Server) -> None:
    sso = make_sso(sim, NATIVE, None)
    assert not sso.confidential
    lg = sso.begin_login("esi-assets.read_assets.v1 esi-mail.send_mail.v1")
    assert lg.url is not None
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(lg.url).query))
    assert q["code_challenge_method"] == "S256" and q["scope"] == "esi-assets.read_assets.v1 esi-mail.send_mail.v1"
    code, state = consent(lg.url)
    t = sso.exchange(code, state, lg)
    assert sso.verify(t.access_token).scopes == ("esi-assets.read_assets.v1", "esi-mail.send_mail.v1")


FINISH_CHILD = textwrap.dedent("""
    import sys
    from erplink import esi
    url, client, secret, exported, code, state = sys.argv[1:7]
    sso = esi.SSO(client, client_secret=secret or None, redirect_uri="http://localhost/callback",
                  user_agent="child/1 (c@example.com)", metadata_url=url + "/.well-known/oauth-authorization-server")
    lg = sso.import_login(exported)
    print(lg.url, lg.state == state)
    t = sso.exchange(code, state, exported)
    print(sso.verify(t.access_token).character_id)
""")


@pytest.mark.parametrize("client,secret", [(WEB, SECRET), (NATIVE, "")])
def test_login_started_here_finished_in_another_process(sim: Server, client: str, secret: str) -> None:
    sso = make_sso(sim, client, secret or None)
    lg = sso.begin_login(SCOPES)
    exported = lg.export()
    assert exported.startswith("v1.") and lg.state not in exported
    assert lg.url is not None
    code, state = consent(lg.url)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    p = subprocess.run([sys.executable, "-c", FINISH_CHILD, sim.url, client, secret, exported, code, state],
                       capture_output=True, text=True, timeout=60, env=env)
    assert p.stdout.split() == ["None", "True", str(CHAR)], p.stdout + p.stderr


def test_login_errors(sim: Server) -> None:
    sso = make_sso(sim)
    lg = sso.begin_login(SCOPES)
    exported = lg.export()
    assert lg.url is not None
    code, state = consent(lg.url)
    with pytest.raises(erplink.AuthError, match="state"):
        sso.exchange(code, state + "x", lg)
    # an altered export, garbage, another client's export
    bad = exported[:-3] + ("AAA" if exported[-3:] != "AAA" else "BBB")
    for junk in (bad, "garbage", "v1.x.y", ""):
        with pytest.raises(erplink.InvalidArgumentError) as ei:
            sso.import_login(junk)
        assert exported not in str(ei.value)
    other = make_sso(sim, NATIVE, None)
    with pytest.raises(erplink.InvalidArgumentError):
        other.import_login(exported)
    with pytest.raises(erplink.InvalidArgumentError):  # a web login imported with another secret
        make_sso(sim, WEB, "another-secret").import_login(exported)
    # an expired code: invalid_grant
    sim.post("/_ctl/expire_codes", {})
    with pytest.raises(erplink.AuthError, match="invalid_grant"):
        sso.exchange(code, state, exported)
    # a login older than login_max_age_s
    short = make_sso(sim, login_max_age_s=1)
    lg2 = short.begin_login(SCOPES)
    assert lg2.url is not None
    code2, state2 = consent(lg2.url)
    time.sleep(2.1)
    with pytest.raises(erplink.AuthError, match="expired"):
        short.exchange(code2, state2, lg2)
    # configuration errors
    with pytest.raises(erplink.InvalidArgumentError):
        esi.SSO(WEB, redirect_uri=REDIRECT)  # no User-Agent
    with pytest.raises(erplink.InvalidArgumentError):
        esi.SSO("", redirect_uri=REDIRECT, user_agent=UA)
    with pytest.raises(erplink.InvalidArgumentError):
        make_sso(sim, leeway_s=-1)
    with pytest.raises(erplink.InvalidArgumentError):
        sso.endpoint("nope")
    with pytest.raises(erplink.InvalidArgumentError):
        sso.begin_login(["has space"])


def test_refresh_rotates_and_revoke(sim: Server) -> None:
    sso = make_sso(sim)
    t = login_tokens(sim, sso)
    t2 = sso.refresh(t.refresh_token)
    assert t2.refresh_token != t.refresh_token and sso.verify(t2.access_token).character_id == CHAR
    with pytest.raises(erplink.AuthError, match="invalid_grant"):  # rotated away
        sso.refresh(t.refresh_token)
    t3 = sso.refresh(t2.refresh_token, scope="esi-assets.read_assets.v1")
    assert sso.verify(t3.access_token).scopes == ("esi-assets.read_assets.v1",)
    sso.revoke(t3.refresh_token)
    with pytest.raises(erplink.AuthError, match="invalid_grant"):
        sso.refresh(t3.refresh_token)
    with pytest.raises(erplink.AuthError):  # client authentication refused
        make_sso(sim, WEB, "wrong-secret").revoke("whatever")


def mint(s: Server, **kw: Any) -> str:
    return str(s.post("/_ctl/mint", kw)["token"])


def test_verify_expired_forged_foreign(sim: Server) -> None:
    sso = make_sso(sim, jwks_refresh_interval_s=0)
    assert sso.verify(mint(sim)).character_id == CHAR
    assert sso.verify(mint(sim, key="ec")).character_id == CHAR
    with pytest.raises(erplink.AuthError, match="expired|exp"):
        sso.verify(mint(sim, claims={"exp": int(time.time()) - 3600}))
    with pytest.raises(erplink.AuthError):
        sso.verify(mint(sim, client_id="someone-else"))
    with pytest.raises(erplink.AuthError):
        sso.verify(mint(sim, claims={"iss": "https://evil.example.com"}))
    with pytest.raises(erplink.AuthError, match="malformed"):
        sso.verify("not-a-jwt")
    unpublished = sim.post("/_ctl/new_key", {"type": "rsa", "publish": False})["kid"]
    with pytest.raises(erplink.SignatureError):  # signed by a key the JWKS does not hold
        sso.verify(mint(sim, key=unpublished))
    with pytest.raises(erplink.SignatureError):
        sso.verify(mint(sim, alg="none"))
    with pytest.raises(erplink.SignatureError):
        sso.verify(mint(sim, alg="HS256-pubkey"))
    good = mint(sim)
    head, body, sig = good.split(".")
    with pytest.raises(erplink.SignatureError):  # tampered signature
        sso.verify(".".join([head, body, sig[:-4] + ("AAAA" if sig[-4:] != "AAAA" else "BBBB")]))
    # a key published later is fetched once on its unknown kid
    fresh = sim.post("/_ctl/new_key", {"type": "ec", "publish": True})["kid"]
    assert sso.verify(mint(sim, key=fresh)).character_id == CHAR


# ==================================================================== Token


def test_token_refreshes_itself_and_persists_rotations(sim: Server) -> None:
    sso = make_sso(sim)
    t = login_tokens(sim, sso)
    stored: List[Tuple[str, int]] = []
    tok = sso.token(t, on_refresh=lambda rt, cid: stored.append((rt, cid)))
    assert tok.refresh_count == 0
    assert tok.access_token() == t.access_token  # verified, not expired: no request
    assert tok.claims().character_id == CHAR and stored == []
    tok.invalidate()
    a2 = tok.access_token()
    assert a2 != t.access_token and tok.refresh_count == 1
    assert len(stored) == 1 and stored[0][1] == CHAR and stored[0][0] != t.refresh_token
    # from a stored refresh token only: the first use refreshes
    tok2 = esi.Token(sso, stored[-1][0], on_refresh=lambda rt, cid: stored.append((rt, cid)), refresh_margin_s=30)
    assert sso.verify(tok2.access_token()).character_id == CHAR
    assert tok2.refresh_count == 1 and len(stored) == 2
    # the rotated token from tok2 works; the one tok2 started from is dead
    with pytest.raises(erplink.AuthError):
        sso.refresh(stored[0][0])
    # a revoked refresh token: the refresh fails with AuthError (invalid_grant)
    sso.revoke(stored[-1][0])
    tok2.invalidate()
    with pytest.raises(erplink.AuthError, match="invalid_grant"):
        tok2.access_token()
    with pytest.raises(erplink.InvalidArgumentError):
        tok.__class__(sso, t, refresh_margin_s=99999)


def test_on_refresh_exception_is_reraised(sim: Server) -> None:
    sso = make_sso(sim)
    t = login_tokens(sim, sso)

    class Boom(Exception):
        pass

    def on_refresh(rt: str, cid: int) -> None:
        raise Boom("db down")

    tok = esi.Token(sso, t.refresh_token, on_refresh=on_refresh)
    with pytest.raises(Boom, match="db down"):
        tok.access_token()
    # an ESI call that triggers the refresh re-raises it too
    tok2 = esi.Token(sso, login_tokens(sim, sso).refresh_token, on_refresh=on_refresh)
    c = make_client(sim)
    with pytest.raises(Boom):
        c.character_assets(tok2, CHAR)


# ==================================================================== Client


def test_get_metadata_hit_and_304(sim: Server) -> None:
    c = make_client(sim, compatibility_date="2025-08-26")
    r = c.get("/markets/{region_id}/orders", path={"region_id": 10000002}, query={"order_type": "sell"})
    assert (r.status, r.cache_status, r.from_cache, r.not_modified) == (200, esi.CACHE_MISS, False, False)
    assert r.pages == 3 and r.page_count == 1 and r.requests == 1 and 0 < len(r) < 1000  # sell orders of page 1
    assert r.etag and r.etag.startswith('"') and r.last_modified and r.last_modified.endswith("GMT")
    assert r.expires_ms > time.time() * 1000
    assert r.error_limit == (100, r.error_limit[1]) and 0 < r.error_limit[1] <= 60
    assert r.rate_limit.group == "market-order" and r.rate_limit.limit is not None and r.rate_limit.remaining > 0
    assert isinstance(r.value, list) and r.value[0] == r.items[0] == next(iter(r))
    assert all(o["is_buy_order"] is False for o in r.items)
    assert c.error_limit[0] == 100
    r2 = c.get("/markets/{region_id}/orders", path={"region_id": 10000002}, query=[("order_type", "sell")])
    assert (r2.status, r2.cache_status, r2.requests) == (200, esi.CACHE_HIT, 0) and r2.from_cache
    assert r2.items == r.items
    # expired: revalidated with If-None-Match, answered 304
    sim.post("/_ctl/config", {"market_ttl": 0})
    c2 = make_client(sim)
    c2.get("/markets/{region_id}/orders", path={"region_id": 10000002})
    r3 = c2.get("/markets/{region_id}/orders", path={"region_id": 10000002})
    assert (r3.status, r3.cache_status, r3.not_modified, r3.from_cache) == (304, esi.CACHE_REVALIDATED, True, True)
    assert len(r3) == 1000  # the cached body
    assert sim.get("/_ctl/hits").get("304 /markets/10000002/orders") == 1
    r.close()
    r.close()
    with pytest.raises(erplink.InvalidArgumentError):
        r.items
    # no cache at all
    c3 = make_client(sim, cache=False)
    c3.get("/markets/{region_id}/orders", path={"region_id": 10000002})
    assert c3.get("/markets/{region_id}/orders", path={"region_id": 10000002}).cache_status == esi.CACHE_MISS


def test_get_all_pages_and_iter_pages(sim: Server) -> None:
    sim.post("/_ctl/config", {"market_pages": 5, "orders_per_page": 50})
    c = make_client(sim, concurrency=4)
    r = c.get_all_pages("/markets/{region_id}/orders", path={"region_id": 10000002})
    assert r.page_count == 5 and len(r) == 250 and r.requests == 5
    assert [r.page_cache_status(i) for i in range(5)] == [esi.CACHE_MISS] * 5
    assert r.page(4) == r.items[200:]
    with pytest.raises(IndexError):
        r.page(5)
    with pytest.raises(IndexError):
        r.page_cache_status(-1)
    ids = [o["order_id"] for o in r]
    assert len(set(ids)) == 250
    pages = list(c.iter_pages("/markets/{region_id}/orders", path={"region_id": 10000002}))
    assert [(p.page, p.pages) for p in pages] == [(i, 5) for i in range(1, 6)]
    assert [o["order_id"] for p in pages for o in p.items] == ids
    assert "5 items" not in repr(pages[0]) and "50 items" in repr(pages[0])
    # leaving the loop early frees the pager
    for p in c.iter_pages("/markets/{region_id}/orders", path={"region_id": 10000003}):
        assert p.page == 1
        break
    # a Last-Modified roll-over in the middle of the walk
    c2 = make_client(sim, cache=False, concurrency=1)
    sim.post("/_ctl/rollover", {"path": "/markets/10000004/orders", "after": 2})
    got: List[int] = []
    with pytest.raises(erplink.ConflictError):
        for p in c2.iter_pages("/markets/{region_id}/orders", path={"region_id": 10000004}):
            got.append(p.page)
    assert got and got[0] == 1
    # get_all_pages refetches once and succeeds
    sim.post("/_ctl/rollover", {"path": "/markets/10000005/orders", "after": 2})
    assert len(c2.get_all_pages("/markets/{region_id}/orders", path={"region_id": 10000005})) == 250
    # parameter errors
    with pytest.raises(erplink.InvalidArgumentError):
        c.get("/markets/{region_id}/orders")  # missing path parameter
    with pytest.raises(erplink.InvalidArgumentError):
        c.get("/markets/{region_id}/orders", path={"region_id": 1.5})  # type: ignore[dict-item]
    with pytest.raises(erplink.InvalidArgumentError):
        c.get("/markets/{region_id}/orders", path={"region_id": 1}, query={"page": 2})
    with pytest.raises(erplink.InvalidArgumentError):
        next(c.iter_pages("no-slash"))


def test_typed_helpers(sim: Server) -> None:
    sso = make_sso(sim)
    tok = sso.token(login_tokens(sim, sso))
    sim.post("/_ctl/config", {"assets_per_page": 100, "blueprints_per_page": 60, "wallet_total": 250,
                              "wallet_batch": 100, "market_pages": 2, "orders_per_page": 40})
    c = make_client(sim)
    a = c.character_assets(tok, CHAR)
    assert a.page_count == 3 and len(a) == 300 and {"item_id", "type_id", "quantity"} <= set(a.items[0])
    b = c.character_blueprints(tok, CHAR)
    assert len(b) == 120
    kinds = {esi.blueprint_kind(i) for i in b}
    assert kinds <= {"original", "copy", "stack", "unknown"} and len(kinds & {"original", "copy"}) == 2
    assert esi.blueprint_kind({"quantity": -1}) == "original" and esi.blueprint_kind({"quantity": -2}) == "copy"
    assert esi.blueprint_kind({"quantity": 5}) == "stack" and esi.blueprint_kind({}) == "unknown"
    m = c.market_orders(10000002)
    assert len(m) == 80
    assert all(o["is_buy_order"] for o in c.market_orders(10000002, order_type="buy"))
    one = c.market_orders(10000002, type_id=34)
    assert one.pages == 1 and all(o["type_id"] == 34 for o in one)
    with pytest.raises(erplink.InvalidArgumentError):
        c.market_orders(10000002, order_type="both")
    w = c.wallet_transactions(tok, CHAR)
    tids = [x["transaction_id"] for x in w]
    assert len(tids) == 250 and tids == sorted(tids, reverse=True) and w.page_count == 3
    w2 = c.wallet_transactions(tok, CHAR, from_id=tids[100])
    assert [x["transaction_id"] for x in w2] == tids[100:]
    assert len(c.wallet_transactions(tok, CHAR, max_batches=1)) == 100
    mid = c.send_mail(tok, CHAR, [(90000001, "character"), (98000001, "corporation")], "Hello", "<b>body</b>")
    assert mid > 0 and c.send_mail(tok, CHAR, [(90000001, "character")], "again", "x") == mid + 1
    with pytest.raises(erplink.InvalidArgumentError):
        c.send_mail(tok, CHAR, [], "s", "b")
    with pytest.raises(erplink.InvalidArgumentError):
        c.send_mail(tok, CHAR, [(1, "planet")], "s", "b")
    with pytest.raises(erplink.InvalidArgumentError):
        c.send_mail(tok, CHAR, [(1, "character")], "s" * 1001, "b")
    with pytest.raises(TypeError):
        c.send_mail(tok, CHAR, [(1,)], "s", "b")  # type: ignore[list-item]
    sim.post("/_ctl/config", {"invalid_ids": [777, 3000]})
    n = c.universe_names(list(range(1, 2501)) + [1, 2])
    assert n.invalid == [777] and len(n.names) == 2499  # 3000 was not asked for
    assert [x["id"] for x in n.names] == [i for i in range(1, 2501) if i != 777]
    assert n.names[0] == {"category": "inventory_type", "id": 1, "name": "Name 1"}
    assert c.universe_names(30000142).names[0]["category"] == "solar_system"
    # generic post
    r = c.post("/universe/names", [60003760, 99000001])
    assert r.status == 200 and [x["category"] for x in r.value] == ["station", "alliance"]
    with pytest.raises(erplink.ValidationError):
        c.post("/universe/names", {"not": "a list"})
    with pytest.raises(erplink.NotFoundError):
        c.post("/universe/names", [777])


def test_http_errors(sim: Server) -> None:
    sso = make_sso(sim)
    t = login_tokens(sim, sso, ["esi-assets.read_assets.v1"])
    tok = sso.token(t)
    c = make_client(sim)
    with pytest.raises(erplink.AccessError):  # the token lacks the blueprints scope
        c.character_blueprints(tok, CHAR)
    with pytest.raises(erplink.AccessError):  # another character
        c.character_assets(tok, CHAR + 1)
    with pytest.raises(erplink.AuthError):  # an authenticated route without a token
        c.get("/characters/{character_id}/assets", path={"character_id": CHAR})
    sim.post("/_ctl/fault", {"path": "/markets/10000002/orders", "status": 500, "count": 1})
    with pytest.raises(erplink.Error) as ei:
        c.get("/markets/{region_id}/orders", path={"region_id": 10000002})
    assert ei.value.http_status == 500 and "/markets/" in str(ei.value)
    with pytest.raises(erplink.NotFoundError):
        c.get("/nowhere")
    with pytest.raises(erplink.InvalidArgumentError, match="User-Agent"):
        esi.Client(user_agent="no contact", base_url=sim.url)
    with pytest.raises(erplink.InvalidArgumentError):
        esi.Client(user_agent=UA, compatibility_date="2025-02-30")


def test_error_limit_420_pauses_the_client(sim: Server) -> None:
    c = make_client(sim)
    sim.post("/_ctl/error_limit", {"remain": 0, "reset": 3})
    with pytest.raises(erplink.RateLimitError) as ei:
        c.market_orders(10000002, type_id=34)
    assert ei.value.http_status == 420
    assert c.pause_remaining_ms > 0
    assert c.error_limit[0] == 0


# ==================================================================== cache stores


class DictStore:
    def __init__(self) -> None:
        self.d: Dict[str, bytes] = {}
        self.gets = 0
        self.puts = 0

    def get(self, key: str) -> Optional[bytes]:
        self.gets += 1
        return self.d.get(key)

    def put(self, key: str, data: bytes) -> None:
        self.puts += 1
        self.d[key] = data


def test_python_cache_store(sim: Server) -> None:
    st = DictStore()
    c = make_client(sim, cache=st)
    r = c.market_orders(10000002)
    assert r.cache_status == esi.CACHE_MISS and st.puts == 3 and len(st.d) == 3
    assert all(isinstance(v, bytes) and v for v in st.d.values())
    # another client over the same store: served from it
    c2 = make_client(sim, cache=st)
    r2 = c2.market_orders(10000002)
    assert r2.cache_status == esi.CACHE_HIT and r2.requests == 0 and r2.items == r.items
    c.close()
    c2.close()
    assert sys.getrefcount(st) == 2  # the clients released the store


def test_python_cache_store_raising(sim: Server) -> None:
    class Broken(DictStore):
        def get(self, key: str) -> Optional[bytes]:
            raise ValueError("redis is down")

    c = make_client(sim, cache=Broken())
    with pytest.raises(ValueError, match="redis is down"):
        c.market_orders(10000002)

    class BrokenPut(DictStore):
        def put(self, key: str, data: bytes) -> None:
            raise erplink.ConflictError("serialization failure")

    c2 = make_client(sim, cache=BrokenPut())
    with pytest.raises(erplink.ConflictError, match="serialization failure"):
        c2.market_orders(10000002)

    class WrongType(DictStore):
        def get(self, key: str) -> Any:
            return 42

    with pytest.raises(TypeError, match="bytes or None"):
        make_client(sim, cache=WrongType()).market_orders(10000002)

    class NoPut:
        def get(self, key: str) -> Optional[bytes]:
            return None

    with pytest.raises(TypeError, match="put"):
        make_client(sim, cache=NoPut())
    # the client works again afterwards (no stale pending exception)
    assert len(make_client(sim).market_orders(10000002)) == 3000


def test_blob_cache_store(sim: Server, tmp_path: Path) -> None:
    with store.Store(tmp_path / "esi.db") as st:
        bc = store.BlobCache(st, "esi", 64 << 20)
        c = make_client(sim, cache=bc)
        assert c.market_orders(10000002).cache_status == esi.CACHE_MISS
        assert bc.size().blobs == 3
        c.close()
        c2 = make_client(sim, cache=bc)  # a new client (or process) over the same file
        assert c2.market_orders(10000002).cache_status == esi.CACHE_HIT
        c2.close()


# ==================================================================== threads, signals, leaks


def test_gil_is_released_during_esi_calls() -> None:
    s = Server("esi_sim.py", "--latency-ms", "1000", "--market-pages", "1")
    try:
        c = esi.Client(user_agent=UA, base_url=s.url, transport=ONE, cache=False)
        done: List[float] = []

        def call() -> None:
            c.market_orders(10000002, type_id=34)
            done.append(time.monotonic())

        t0 = time.monotonic()
        ts = [threading.Thread(target=call) for _ in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        elapsed = max(done) - t0
        assert len(done) == 4 and 0.9 <= elapsed < 2.5, "4 x 1 s calls took %.2f s" % elapsed
    finally:
        s.stop()


SIGINT_CHILD = textwrap.dedent("""
    import os, signal, sys, threading, time
    # Python's own handler even where SIGINT was inherited ignored (a non-interactive shell's `cmd &`)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    import erplink
    from erplink import esi
    c = esi.Client(user_agent="child/1 (c@example.com)", base_url=sys.argv[1], transport=erplink.Transport(max_attempts=1))
    threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    t0 = time.monotonic()
    try:
        c.market_orders(10000002)
        print("NO-INTERRUPT")
    except KeyboardInterrupt:
        print("KeyboardInterrupt %.3f" % (time.monotonic() - t0))
""")


def test_sigint_interrupts_an_esi_call() -> None:
    s = Server("esi_sim.py", "--latency-ms", "5000")
    try:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
        p = subprocess.run([sys.executable, "-c", SIGINT_CHILD, s.url], capture_output=True, text=True,
                           timeout=60, env=env)
        out = p.stdout.split()
        assert out[:1] == ["KeyboardInterrupt"], p.stdout + p.stderr
        assert float(out[1]) < 2.5, "interrupted after %s s" % out[1]
    finally:
        s.stop()


def test_fork_child_uses_the_client(sim: Server) -> None:
    c = make_client(sim, cache=False)
    n = len(c.market_orders(10000002, type_id=34))
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            code = 0 if len(c.market_orders(10000002, type_id=34)) == n else 3
        except BaseException:
            code = 4
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert len(c.market_orders(10000002, type_id=34)) == n


def test_no_leaks(sim: Server) -> None:
    sso = make_sso(sim)
    t = login_tokens(sim, sso)
    tok = sso.token(t)
    st = DictStore()
    c = make_client(sim, cache=st)
    c.market_orders(10000002, type_id=34)

    def round_() -> None:
        r = c.market_orders(10000002, type_id=34)  # a cache hit through the Python store
        assert r.cache_status == esi.CACHE_HIT
        assert sso.verify(t.access_token).character_id == CHAR
        assert tok.access_token()
        lg = sso.begin_login(SCOPES)
        sso.import_login(lg.export())
        with pytest.raises(erplink.AuthError):
            sso.verify("x.y.z")
        with pytest.raises(erplink.InvalidArgumentError):
            sso.import_login("garbage")

    for _ in range(500):
        round_()
    rss0 = rss_kb()
    for _ in range(5000):
        round_()
    grown = rss_kb() - rss0
    assert grown < 8192, "RSS grew by %d KiB over 5000 rounds" % grown


def test_close_order(sim: Server) -> None:
    sso = make_sso(sim)
    tok = sso.token(login_tokens(sim, sso))
    c = make_client(sim)
    gen = c.iter_pages("/markets/{region_id}/orders", path={"region_id": 10000002})
    assert next(gen).page == 1
    c.close()  # the pager is freed before the client
    with pytest.raises(erplink.InvalidArgumentError):
        next(gen)
    with pytest.raises(erplink.InvalidArgumentError):
        c.market_orders(10000002)
    sso.close()  # its tokens are closed first
    with pytest.raises(erplink.InvalidArgumentError):
        tok.access_token()
    with pytest.raises(erplink.InvalidArgumentError):
        sso.verify("x")


def test_each_page_callback(sim: Server) -> None:
    sim.post("/_ctl/config", {"market_pages": 4, "orders_per_page": 10})
    c = make_client(sim, cache=False)
    seen: List[Tuple[int, int, int]] = []

    def fn(page: int, pages: int, items: Optional[List[Any]]) -> Optional[bool]:
        seen.append((page, pages, len(items or [])))
        return None

    c.each_page("/markets/{region_id}/orders", fn, path={"region_id": 10000002})
    assert seen == [(1, 4, 10), (2, 4, 10), (3, 4, 10), (4, 4, 10)]
    seen.clear()

    def until2(page: int, pages: int, items: Optional[List[Any]]) -> Optional[bool]:
        seen.append((page, pages, 0))
        return page == 2

    c.each_page("/markets/{region_id}/orders", until2, path={"region_id": 10000002})
    assert [p for p, _, _ in seen] == [1, 2]  # a true return stops the walk

    class Stop(Exception):
        pass

    def boom(page: int, pages: int, items: Optional[List[Any]]) -> Optional[bool]:
        raise Stop(page)

    with pytest.raises(Stop):
        c.each_page("/markets/{region_id}/orders", boom, path={"region_id": 10000002})
    # a roll-over: page 0 says "start over"
    seen.clear()
    sim.post("/_ctl/rollover", {"path": "/markets/10000003/orders", "after": 2})
    c1 = make_client(sim, cache=False, concurrency=1)
    c1.each_page("/markets/{region_id}/orders", fn, path={"region_id": 10000003})
    assert (0, 4, 0) in seen and seen[-4:] == [(1, 4, 10), (2, 4, 10), (3, 4, 10), (4, 4, 10)]


def test_offline_jwks(sim: Server) -> None:
    doc = sim.get("/oauth/jwks")
    keys = esi.JWKS(json.dumps(doc))
    assert len(keys) == len(doc["keys"]) >= 2  # RS256 + ES256 (+ the keys earlier tests published)
    tok = mint(sim)
    c = keys.verify(tok, WEB)
    assert c.character_id == CHAR and c.name == "Sim Pilot"
    with pytest.raises(erplink.AuthError):  # an hour after expiry
        keys.verify(tok, WEB, now=int(time.time()) + 7200)
    with pytest.raises(erplink.AuthError):
        keys.verify(tok, "another-client")
    with pytest.raises(erplink.SignatureError):
        keys.verify(mint(sim, alg="none"), WEB)
    with pytest.raises(erplink.ProtocolError):
        esi.JWKS(b'{"keys": []}')
    with pytest.raises(erplink.ProtocolError):
        esi.JWKS("not json")
