"""The Flask intermediary end to end: Flask's test client plays the browser, the simulated EVE
login page (tests/servers/esi_sim.py) answers the authorize redirect, and the Odoo simulator
(tests/servers/odoo_server.py, 17 and 19, seeded with the addon's models) is the Odoo the app
writes to over erplink's Odoo client."""
from __future__ import annotations

import logging
import socket
import time
import urllib.parse
from typing import Any, Dict, Optional, Tuple

import pytest
from conftest import (CHAR_ID, CHAR_NAME, NATIVE_CLIENT, ODOO_DB, ODOO_KEY, OWNER_HASH, REDIRECT_URI, USER_AGENT,
                      WEB_CLIENT, WEB_SECRET, Server, authorize, sso_for)
from eve_intermediary import create_app, odoo_link

from erplink import odoo

SECRET_KEY = "test-secret-key-0123456789abcdef-0123456789"


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port


def make_app(sim: Server, odoo_srv: Any, native: bool = False, **over: Any) -> Any:
    srv, version = odoo_srv
    cfg: Dict[str, Any] = {
        "EVE_CLIENT_ID": NATIVE_CLIENT if native else WEB_CLIENT,
        "EVE_CLIENT_SECRET": None if native else WEB_SECRET,
        "EVE_CALLBACK_URL": REDIRECT_URI,
        "EVE_SSO_METADATA_URL": sim.url + "/.well-known/oauth-authorization-server",
        "EVE_USER_AGENT": USER_AGENT,
        "ODOO_URL": srv.url, "ODOO_DB": ODOO_DB[version], "ODOO_LOGIN": "admin", "ODOO_API_KEY": ODOO_KEY[version],
        "FLASK_SECRET_KEY": SECRET_KEY, "EVE_TIMEOUT_S": "5",
    }
    cfg.update(over)
    if native:
        cfg["EVE_CLIENT_SECRET"] = ""
    app = create_app(cfg)
    app.testing = True
    return app


def odoo_client(odoo_srv: Any) -> Any:
    srv, version = odoo_srv
    return odoo.Client(srv.url, ODOO_DB[version], "admin", api_key=ODOO_KEY[version])


def start_login(c: Any) -> str:
    """GET /login; returns the callback URL the EVE login page redirects to."""
    r = c.get("/login")
    assert r.status_code == 302, r.data
    loc = r.headers["Location"]
    assert "state=" in loc and "/v2/oauth/authorize" in loc
    return authorize(loc)


def finish(c: Any, callback_url: str) -> Any:
    u = urllib.parse.urlsplit(callback_url)
    return c.get(u.path + "?" + u.query)


def full_login(c: Any) -> Tuple[Any, str]:
    cb = start_login(c)
    return finish(c, cb), cb


def links(o: Any, active: Optional[bool] = True) -> list:
    dom = [("character_id", "=", CHAR_ID)] + ([("active", "=", active)] if active is not None else [])
    return list(o.search_read("eve.character", dom, odoo_link.CHAR_FIELDS + ["last_login"]))


def snapshot(o: Any) -> Dict[str, Any]:
    return {"users": sorted(o.search("res.users", [])), "chars": [
        {k: v for k, v in r.items() if k not in ("refresh_token", "last_login")} for r in links(o, None)]}


@pytest.mark.parametrize("native", [False, True], ids=["web", "pkce"])
def test_login_creates_the_user_and_a_second_login_changes_nothing(sim: Server, odoo_srv: Any, native: bool,
                                                                   caplog: Any) -> None:
    caplog.set_level(logging.DEBUG)
    app = make_app(sim, odoo_srv, native=native)
    o = odoo_client(odoo_srv)
    users_before = set(o.search("res.users", []))
    with app.test_client() as c:
        r, cb = full_login(c)
        assert r.status_code == 303 and r.headers["Location"].endswith("/me")
        page = c.get("/me")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert CHAR_NAME in html and str(CHAR_ID) in html and "esi-assets.read_assets.v1" in html
        assert odoo_link.login_for(CHAR_ID, OWNER_HASH) in html
    [link] = links(o)
    assert link["name"] == CHAR_NAME and link["owner_hash"] == OWNER_HASH and link["token_state"] == "valid"
    assert link["scopes"].split() == sorted(["esi-assets.read_assets.v1", "esi-characters.read_blueprints.v1",
                                             "esi-mail.send_mail.v1", "esi-wallet.read_character_wallet.v1"])
    assert link["refresh_token"]
    new_users = set(o.search("res.users", [])) - users_before
    assert len(new_users) == 1
    uid = new_users.pop()
    assert odoo_link._m2o_id(link["user_id"]) == uid
    [user] = o.read("res.users", [uid], ["login", "name", "eve_character_ids"])
    assert user["login"] == odoo_link.login_for(CHAR_ID, OWNER_HASH) and user["name"] == CHAR_NAME
    assert user["eve_character_ids"] == [link["id"]]
    first_token = link["refresh_token"]
    before = snapshot(o)

    # the same character logs in again (another browser): nothing new in Odoo
    with app.test_client() as c2:
        r2, _ = full_login(c2)
        assert r2.status_code == 303
        assert "unchanged" in c2.get("/me").get_data(as_text=True)
    assert snapshot(o) == before
    [link2] = links(o)
    assert link2["refresh_token"] != first_token
    # the replaced refresh token was revoked at the SSO; the stored one works
    sso = sso_for(sim, native=native)
    with pytest.raises(Exception) as ei:
        sso.refresh(first_token)
    assert type(ei.value).__name__ == "AuthError"
    assert sso.refresh(link2["refresh_token"]).access_token
    # no secret in the app's log lines
    text = caplog.text
    assert first_token not in text and link2["refresh_token"] not in text and WEB_SECRET not in text
    assert "code=" not in text


def test_pkce_login_url_carries_the_challenge(sim: Server, odoo_srv: Any) -> None:
    app = make_app(sim, odoo_srv, native=True)
    with app.test_client() as c:
        loc = c.get("/login").headers["Location"]
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(loc).query))
    assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) == 43 and q["state"]


def test_owner_change_revokes_old_tokens_and_creates_a_fresh_link(sim: Server, odoo_srv: Any) -> None:
    app = make_app(sim, odoo_srv)
    o = odoo_client(odoo_srv)
    with app.test_client() as c:
        assert full_login(c)[0].status_code == 303
    [old] = links(o)
    sim.ctl("/_ctl/config", {"owner_hash": "NewOwnerHash00000000000000="})
    with app.test_client() as c:
        r, _ = full_login(c)
        assert r.status_code == 303
        assert "relinked" in c.get("/me").get_data(as_text=True)
    [new] = links(o)
    assert new["id"] != old["id"] and new["owner_hash"] == "NewOwnerHash00000000000000="
    assert odoo_link._m2o_id(new["user_id"]) != odoo_link._m2o_id(old["user_id"])  # never merged
    [archived] = [r for r in links(o, False) if r["id"] == old["id"]]
    assert archived["token_state"] == "revoked" and not archived["refresh_token"]
    with pytest.raises(Exception):
        sso_for(sim).refresh(old["refresh_token"])  # revoked at the SSO


def test_denied_consent(sim: Server, odoo_srv: Any, caplog: Any) -> None:
    caplog.set_level(logging.INFO)
    app = make_app(sim, odoo_srv)
    o = odoo_client(odoo_srv)
    with app.test_client() as c:
        loc = c.get("/login").headers["Location"]
        state = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(loc).query))["state"]
        r = c.get("/callback?" + urllib.parse.urlencode({"error": "access_denied", "state": state}))
        assert r.status_code == 400 and "Login cancelled" in r.get_data(as_text=True)
        # the state was used up: its code would now be refused
        r2 = c.get("/callback?" + urllib.parse.urlencode({"code": "x", "state": state}))
        assert r2.status_code == 400 and "expired" in r2.get_data(as_text=True)
    assert links(o, None) == []
    assert "refused the login" in caplog.text


def test_expired_state(sim: Server, odoo_srv: Any) -> None:
    app = make_app(sim, odoo_srv, EVE_LOGIN_MAX_AGE_S="1")
    o = odoo_client(odoo_srv)
    with app.test_client() as c:
        cb = start_login(c)
        time.sleep(2.2)
        r = finish(c, cb)
        assert r.status_code == 400 and "Login expired" in r.get_data(as_text=True)
        # a state this browser never started
        r2 = c.get("/callback?code=abc&state=never-issued")
        assert r2.status_code == 400 and "Login expired" in r2.get_data(as_text=True)
    assert links(o, None) == []


def test_expired_authorization_code(sim: Server, odoo_srv: Any) -> None:
    app = make_app(sim, odoo_srv)
    with app.test_client() as c:
        cb = start_login(c)
        sim.ctl("/_ctl/expire_codes", {})
        r = finish(c, cb)
        assert r.status_code == 409 and "no longer valid" in r.get_data(as_text=True)
    assert links(odoo_client(odoo_srv), None) == []


def test_replayed_callback(sim: Server, odoo_srv: Any) -> None:
    app = make_app(sim, odoo_srv)
    o = odoo_client(odoo_srv)
    with app.test_client() as c:
        cb = start_login(c)
        cookie = c.get_cookie("session")
        assert cookie is not None
        old_cookie = cookie.value
        assert finish(c, cb).status_code == 303
        before = snapshot(o)
        # the same callback again in the same browser
        r = finish(c, cb)
        assert r.status_code == 409 and "already been used" in r.get_data(as_text=True)
        # ... and with the cookie from before the login (a replay of a captured request): the
        # SSO refuses the used code
        c.set_cookie("session", old_cookie)
        r2 = finish(c, cb)
        assert r2.status_code == 409 and "no longer valid" in r2.get_data(as_text=True)
    assert snapshot(o) == before


def test_sso_down(sim: Server, odoo_srv: Any, caplog: Any) -> None:
    caplog.set_level(logging.INFO)
    app = make_app(sim, odoo_srv, EVE_SSO_METADATA_URL="http://127.0.0.1:%d/.well-known/oauth-authorization-server"
                   % closed_port())
    with app.test_client() as c:
        r = c.get("/login")
        assert r.status_code == 502 and "EVE SSO is unavailable" in r.get_data(as_text=True)
    assert "EVE SSO unreachable" in caplog.text
    # SSO down between the login and the callback: a simulator of its own, stopped meanwhile
    own = Server("esi_sim.py")
    try:
        app2 = make_app(own, odoo_srv)
        with app2.test_client() as c:
            cb = start_login(c)
            own.stop()
            r = finish(c, cb)
            assert r.status_code == 502 and "EVE SSO is unavailable" in r.get_data(as_text=True)
    finally:
        if own.proc.poll() is None:
            own.stop()
    assert links(odoo_client(odoo_srv), None) == []


def test_odoo_down(sim: Server, odoo_srv: Any, caplog: Any) -> None:
    caplog.set_level(logging.INFO)
    srv, version = odoo_srv
    app = make_app(sim, odoo_srv, ODOO_URL="http://127.0.0.1:%d" % closed_port())
    with app.test_client() as c:
        r, _ = full_login(c)
        assert r.status_code == 503 and "Odoo is unavailable" in r.get_data(as_text=True)
        assert c.get("/me").status_code == 302  # not logged in
    assert "Odoo unavailable" in caplog.text and WEB_SECRET not in caplog.text
    assert links(odoo_client(odoo_srv), None) == []  # the real Odoo got nothing either


def test_missing_configuration_is_refused() -> None:
    from eve_intermediary.config import ConfigError
    with pytest.raises(ConfigError):
        create_app({"FLASK_SECRET_KEY": SECRET_KEY, "EVE_CLIENT_ID": "", "ODOO_API_KEY": "k"})
    with pytest.raises(ConfigError):
        create_app({"FLASK_SECRET_KEY": "short"})
