"""Shared fixtures of the Python binding tests: the repository's loopback simulators
(tests/servers/*.py), each started with `--port 0` on 127.0.0.1, its port read from the
"PORT <n>" line, stopped by closing its stdin."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVERS = ROOT / "tests" / "servers"
VECTORS = ROOT / "tests" / "vectors"
EXAMPLES = ROOT / "examples" / "python"
if str(EXAMPLES) not in sys.path:  # the tests also run the examples' code (sql_store_ops.py)
    sys.path.insert(0, str(EXAMPLES))

# Odoo simulator credentials (tests/servers/odoo_server.py VERSIONS)
ODOO_DB = {17: "demo17", 19: "demo19"}
ODOO_KEY = {17: "f32f735cb7f82805c95056b62583379a9aabd47f", 19: "dad028985f488ca4b0f7f8f7b556a00a30762b32"}
CARTONA_TOKEN = "test-token"


class Server:
    """One simulator process."""

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

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=10) as r:
            body = r.read()
        try:
            return json.loads(body)
        except ValueError:
            return body.decode()

    def post(self, path: str, data: Any) -> Any:
        req = urllib.request.Request(self.url + path, data=json.dumps(data).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None


def _server(script: str, *args: str) -> Iterator[Server]:
    s = Server(script, *args)
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="session")
def odoo17() -> Iterator[Server]:
    yield from _server("odoo_server.py", "--version", "17")


@pytest.fixture(scope="session")
def odoo19() -> Iterator[Server]:
    yield from _server("odoo_server.py", "--version", "19")


@pytest.fixture(scope="session")
def _cartona_session() -> Iterator[Server]:
    yield from _server("cartona_sim.py", "--token", CARTONA_TOKEN)


@pytest.fixture()
def cartona_sim(_cartona_session: Server) -> Server:
    _cartona_session.post("/_control/reset", {})
    return _cartona_session


@pytest.fixture(scope="session")
def faultserver() -> Iterator[Server]:
    yield from _server("faultserver.py")


def load_vectors(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def cartona_base(s: Server) -> str:
    return s.url + "/api/v1/"


