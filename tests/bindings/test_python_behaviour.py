"""What a Python user relies on across modules: the GIL is released around blocking calls,
Ctrl-C interrupts them, clients survive fork, logging goes to `logging` with secrets redacted,
callback exceptions propagate, and nothing leaks."""

from __future__ import annotations

import logging
import multiprocessing
import os
import subprocess
import sys
import textwrap
import threading
import time
from typing import Any, List

import pytest

import erplink
from erplink import cartona, odoo, razorpay

from conftest import CARTONA_TOKEN, ODOO_DB, ODOO_KEY, ROOT, Server, cartona_base, rss_kb

ONE = erplink.Transport(max_attempts=1)


def stalled_client(fs: Server, ms: int) -> cartona.Client:
    # the simulator routes by path; the rest of the Cartona URL lands in a dummy query parameter
    return cartona.Client(CARTONA_TOKEN, base_url="%s/stall?ms=%d&x=" % (fs.url, ms), transport=ONE)


def test_gil_is_released_around_blocking_calls(faultserver: Server) -> None:
    c = stalled_client(faultserver, 1000)
    done: List[float] = []

    def call() -> None:
        try:
            c.test_connection()
        except erplink.Error:
            pass  # "ok\n" is not the JSON Cartona sends; only the time matters here
        done.append(time.monotonic())

    t0 = time.monotonic()
    ts = [threading.Thread(target=call) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    elapsed = max(done) - t0
    assert len(done) == 4
    assert 0.9 <= elapsed < 2.5, "4 x 1 s stalled calls took %.2f s (serialised would be 4 s)" % elapsed
    c.close()


SIGINT_CHILD = textwrap.dedent("""
    import os, signal, sys, threading, time
    # Python's own handler even where SIGINT was inherited ignored (a non-interactive shell's `cmd &`)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from erplink import cartona
    import erplink
    c = cartona.Client("t", base_url=sys.argv[1] + "/stall?ms=20000&x=", transport=erplink.Transport(max_attempts=1))
    threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    t0 = time.monotonic()
    try:
        c.test_connection()
        print("NO-INTERRUPT")
    except KeyboardInterrupt:
        print("KeyboardInterrupt %.3f" % (time.monotonic() - t0))
    # the thread's token was replaced: the next call works normally
    try:
        cartona.Client("t", base_url=sys.argv[1] + "/stall?ms=10&x=", transport=erplink.Transport(max_attempts=1)).test_connection()
    except erplink.Error as e:
        print("after:", type(e).__name__)
""")


def test_sigint_interrupts_a_blocking_call(faultserver: Server) -> None:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    p = subprocess.run([sys.executable, "-c", SIGINT_CHILD, faultserver.url], capture_output=True, text=True,
                       timeout=60, env=env)
    out = p.stdout.split()
    assert out[:1] == ["KeyboardInterrupt"], p.stdout + p.stderr
    assert float(out[1]) < 2.5, "interrupted after %s s" % out[1]
    assert "Cancelled" not in p.stdout  # the next call is not cancelled by a stale token


def test_fork_and_multiprocessing(odoo17: Server) -> None:
    c = odoo.Client(odoo17.url, ODOO_DB[17], "admin", api_key=ODOO_KEY[17], protocol="xmlrpc")
    n = c.search_count("res.partner")  # connections open in the parent
    pid = os.fork()
    if pid == 0:  # child
        code = 0
        try:
            code = 0 if c.search_count("res.partner") == n else 3
        except BaseException:
            code = 4
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert c.search_count("res.partner") == n  # the parent's connections are intact
    global _FORK_CLIENT
    _FORK_CLIENT = c
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as pool:
        assert pool.map(_count_in_worker, range(4)) == [n] * 4
    c.close()


_FORK_CLIENT: Any = None


def _count_in_worker(_: int) -> int:
    return int(_FORK_CLIENT.search_count("res.partner"))


def test_logging_levels_and_redaction(odoo19: Server, cartona_sim: Server) -> None:
    records: List[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    log = logging.getLogger("erplink")
    h = Keep(level=1)
    log.addHandler(h)
    old = log.level
    log.setLevel(erplink.TRACE)
    secrets = [ODOO_KEY[19], "admin-pass-xyz", CARTONA_TOKEN, "otp-98765"]
    try:
        with odoo.Client(odoo19.url, ODOO_DB[19], "admin", api_key=ODOO_KEY[19], protocol="json2") as c:
            c.search_count("res.partner")
        with odoo.Client(odoo19.url, ODOO_DB[19], "admin", password="admin-pass-xyz", protocol="jsonrpc") as c:
            with pytest.raises(erplink.AuthError):
                c.authenticate()
        cartona_sim.post("/_control/orders", [{"hashed_id": "o9", "status": "pending", "_otp": "otp-98765"}])
        with cartona.Client(CARTONA_TOKEN, base_url=cartona_base(cartona_sim)) as cc:
            cc.update_order_status("o9", "delivered", retailer_otp="otp-98765")
    finally:
        log.removeHandler(h)
        log.setLevel(old)
    assert records, "no log line reached the handler"
    levels = {r.levelno for r in records}
    assert {logging.INFO, logging.DEBUG, erplink.TRACE} <= levels
    assert all(r.name == "erplink" for r in records)
    text = "\n".join(r.getMessage() for r in records)
    assert "<redacted>" in text
    for s in secrets:
        assert s not in text


def test_logging_follows_the_logger_level(odoo17: Server) -> None:
    records: List[logging.LogRecord] = []
    log = logging.getLogger("erplink")

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    h = Keep()
    log.addHandler(h)
    try:
        log.setLevel(logging.WARNING)
        with odoo.Client(odoo17.url, ODOO_DB[17], "admin", api_key=ODOO_KEY[17], protocol="xmlrpc") as c:
            c.search_count("res.partner")
        assert records == []  # INFO lines are not even formatted in C
        with odoo.Client(odoo17.url, ODOO_DB[17], "admin", api_key=ODOO_KEY[17], protocol="xmlrpc",
                         transport=erplink.Transport(log_level=logging.INFO)) as c:
            c.search_count("res.partner")
        assert records == []  # the logger still drops INFO
        log.setLevel(logging.INFO)
        with odoo.Client(odoo17.url, ODOO_DB[17], "admin", api_key=ODOO_KEY[17], protocol="xmlrpc") as c:
            c.search_count("res.partner")
        assert records and all(r.levelno == logging.INFO for r in records)
    finally:
        log.removeHandler(h)
        log.setLevel(logging.NOTSET)


def test_exception_in_a_log_handler_stops_the_call_and_is_reraised(odoo17: Server) -> None:
    class Boom(Exception):
        pass

    log = logging.getLogger("erplink")

    class Raise(logging.Handler):
        def handle(self, record: logging.LogRecord) -> bool:  # bypasses handleError on purpose
            raise Boom(record.getMessage())

    h = Raise()
    log.addHandler(h)
    log.setLevel(logging.INFO)
    try:
        with odoo.Client(odoo17.url, ODOO_DB[17], "admin", api_key=ODOO_KEY[17], protocol="xmlrpc") as c:
            with pytest.raises(Boom):
                c.search_count("res.partner")
            log.removeHandler(h)
            assert c.search_count("res.partner") > 0
    finally:
        log.removeHandler(h)
        log.setLevel(logging.NOTSET)


def test_odoo_callback_loops_run_python_with_the_gil(odoo17: Server) -> None:
    with odoo.Client(odoo17.url, ODOO_DB[17], "admin", api_key=ODOO_KEY[17], protocol="xmlrpc") as c:
        pages: List[Any] = []
        erplink._erplink.odoo_client_search_read_pages(c._c, "res.partner", [], ["name"], 2, pages.append)
        assert sum(len(p) for p in pages) == c.search_count("res.partner")
        with pytest.raises(KeyError):
            erplink._erplink.odoo_client_search_read_each(c._c, "res.partner", [], None, 2,
                                                          lambda r: {"a": 1}["missing"])


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")
def test_no_leak_over_many_calls(odoo17: Server, cartona_sim: Server) -> None:
    """100,000 calls of each CPU-only kind (success and failure paths) and 2,000 of each network
    kind keep RSS within a bound (a leak of one small object per call would pass it)."""
    body = b'{"event":"payment.captured","payload":{"payment":{"entity":{"id":"pay_1","amount":1}}}}'
    import hashlib
    import hmac
    sig = hmac.new(b"s", body, hashlib.sha256).hexdigest()
    v = razorpay.Verifier("s")
    m = cartona.StatusMap()
    value: Any = {"a": [1, 2.5, "x" * 100, b"y" * 100, None, True], "b": {"c": "d"}}
    c = odoo.Client(odoo17.url, ODOO_DB[17], "admin", api_key=ODOO_KEY[17], protocol="xmlrpc")
    cc = cartona.Client(CARTONA_TOKEN, base_url=cartona_base(cartona_sim))

    def cpu_kinds() -> None:
        v.verify_webhook(body, sig)
        razorpay.verify_webhook(memoryview(body), sig, ["t", "s"])
        try:
            v.verify_webhook(body, "0" * 64)
        except erplink.SignatureError:
            pass
        razorpay.parse_event(body, "evt").payment
        erplink.roundtrip(value)
        m.to_cartona("sale")
        try:
            erplink.get_int("x")
        except erplink.InvalidArgumentError:
            pass

    def net_kinds() -> None:
        c.search_read("res.partner", [], ["name"], limit=5)
        list(c.iter_search_read("res.partner", [], ["name"], page_size=50))
        try:
            c.read("res.partner", [987654321], ["nope_field"])
        except erplink.Error:
            pass
        cc.update_stock([{"base_product_id": "b1", "available_stock_quantity": 1}])

    for _ in range(2000):
        cpu_kinds()
    for _ in range(100):
        net_kinds()
    before = rss_kb()
    for _ in range(100_000):
        cpu_kinds()
    mid = rss_kb()
    for _ in range(2000):
        net_kinds()
    after = rss_kb()
    c.close()
    cc.close()
    assert mid - before < 8 * 1024, "CPU kinds: RSS grew by %d KB" % (mid - before)
    assert after - mid < 8 * 1024, "network kinds: RSS grew by %d KB" % (after - mid)


def test_examples_are_importable_code() -> None:
    for p in (ROOT / "examples" / "python").glob("*.py"):
        compile(p.read_text(), str(p), "exec")
