"""Fixtures of the eve_corp tests: the repository's loopback simulators (tests/servers/esi_sim.py
for EVE SSO + ESI, tests/servers/odoo_server.py seeded with the addon's models), each started
with --port 0 on 127.0.0.1 and stopped by closing its stdin; the app's code on sys.path."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

ROOT = Path(__file__).resolve().parents[3]
SERVERS = ROOT / "tests" / "servers"
APP = ROOT / "examples" / "apps" / "eve_corp"
SEED = Path(__file__).resolve().parent / "odoo_seed.json"
sys.path.insert(0, str(APP / "intermediary"))

# tests/servers/odoo_server.py VERSIONS: the admin user's database and API key
ODOO_DB = {17: "demo17", 19: "demo19"}
ODOO_KEY = {17: "f32f735cb7f82805c95056b62583379a9aabd47f", 19: "dad028985f488ca4b0f7f8f7b556a00a30762b32"}
# tests/servers/esi_sim.py registered clients and character
WEB_CLIENT, WEB_SECRET, NATIVE_CLIENT = "sim-web-client", "sim-web-secret", "sim-native-client"
REDIRECT_URI = "http://localhost/callback"
CHAR_ID, CHAR_NAME, OWNER_HASH = 2112625428, "Sim Pilot", "4Ckd7Aq9cJtqfxTTSTLrA1JHdJY="
USER_AGENT = "eve-corp-tests/1.0 (ci@example.com; +https://example.com/erplink)"


def load_sync() -> Any:
    """eve_corp/sync.py by path: the addon package itself imports odoo."""
    spec = importlib.util.spec_from_file_location("eve_corp_sync", APP / "addons" / "eve_corp" / "sync.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


class Server:
    def __init__(self, script: str, *args: str) -> None:
        self.proc = subprocess.Popen([sys.executable, str(SERVERS / script), "--port", "0", *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode()
        if not line.startswith("PORT "):
            self.proc.kill()
            raise RuntimeError("%s did not start: %r" % (script, line))
        self.port = int(line.split()[1])
        self.url = "http://127.0.0.1:%d" % self.port

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def ctl(self, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method="POST" if body is not None else "GET",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read() or b"null")


DEFAULT_SIM = {"assets_pages": 3, "assets_per_page": 1000, "blueprint_pages": 2, "blueprints_per_page": 1000,
               "wallet_total": 2500, "wallet_batch": 1000, "char_ttl": 3600, "market_ttl": 300,
               "owner_hash": OWNER_HASH, "rotate_refresh": True, "access_ttl": 1199}


@pytest.fixture(scope="session")
def esi_sim() -> Iterator[Server]:
    s = Server("esi_sim.py")
    yield s
    s.stop()


@pytest.fixture
def sim(esi_sim: Server) -> Iterator[Server]:
    """The ESI simulator with its default configuration and counters reset."""
    esi_sim.ctl("/_ctl/config", DEFAULT_SIM)
    esi_sim.ctl("/_ctl/reset", {})
    yield esi_sim
    esi_sim.ctl("/_ctl/config", DEFAULT_SIM)


@pytest.fixture(params=[17, 19], ids=["odoo17", "odoo19"])
def odoo_srv(request: Any) -> Iterator[tuple]:
    """A fresh Odoo simulator per test (seeded with the addon's models), and its version."""
    s = Server("odoo_server.py", "--version", str(request.param), "--seed", str(SEED))
    yield s, request.param
    s.stop()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a: Any, **kw: Any) -> None:
        return None


def authorize(url: str) -> str:
    """Plays the player at the simulated EVE login page: GET the authorize URL and return the
    Location of its 302 (the callback URL with code and state)."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(url, timeout=10)
    except urllib.error.HTTPError as e:
        if e.code == 302:
            return str(e.headers["Location"])
        raise
    raise AssertionError("the authorize endpoint did not redirect")


def sso_for(sim: Server, native: bool = False) -> Any:
    from erplink import esi
    if native:
        return esi.SSO(NATIVE_CLIENT, redirect_uri=REDIRECT_URI, user_agent=USER_AGENT,
                       metadata_url=sim.url + "/.well-known/oauth-authorization-server")
    return esi.SSO(WEB_CLIENT, client_secret=WEB_SECRET, redirect_uri=REDIRECT_URI, user_agent=USER_AGENT,
                   metadata_url=sim.url + "/.well-known/oauth-authorization-server")


def fresh_refresh_token(sso: Any, scopes: Any) -> str:
    import urllib.parse
    login = sso.begin_login(list(scopes))
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(authorize(login.url)).query))
    return str(sso.exchange(q["code"], q["state"], login).refresh_token)
