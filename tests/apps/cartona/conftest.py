"""Fixtures of the Cartona connector's sync-layer tests: the repository's Cartona simulator
(tests/servers/cartona_sim.py) on 127.0.0.1 with an ephemeral port, stopped by closing its
stdin; the sync layer imported from the addon without Odoo."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

ROOT = Path(__file__).resolve().parents[3]
ADDON = ROOT / "examples" / "apps" / "cartona_connector" / "addons" / "cartona_connector"
HERE = Path(__file__).resolve().parent
for p in (str(ADDON), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

TOKEN = "supplier-secret-token"


class Sim:
    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "servers" / "cartona_sim.py"), "--port", "0",
                                      "--token", TOKEN], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode()
        if not line.startswith("PORT "):
            self.proc.kill()
            raise RuntimeError("cartona_sim did not start: %r" % line)
        self.url = "http://127.0.0.1:%d" % int(line.split()[1])
        self.base = self.url + "/api/v1/"

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def state(self) -> Any:
        with urllib.request.urlopen(self.url + "/_control/state", timeout=30) as r:
            return json.loads(r.read())

    def post(self, path: str, data: Any) -> Any:
        req = urllib.request.Request(self.url + path, data=json.dumps(data).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            body = r.read()
        return json.loads(body) if body else None


@pytest.fixture
def sim() -> Iterator[Sim]:
    s = Sim()
    try:
        yield s
    finally:
        s.stop()


def open_db(path: Path) -> Any:
    from sync.outbox_sql import SQLITE_SCHEMA, SqliteDb
    con = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.executescript(SQLITE_SCHEMA.format(t="cartona_outbox"))
    return SqliteDb(con)
