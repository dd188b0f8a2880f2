"""erplink.store (erplink/store.h) from Python: the store file and its bad files, the dedup on
every backend (memory, SQLite, and custom backends written in Python over a dict and over SQL,
one that raises), two processes on one dedup, locks waited for with the GIL released, Ctrl-C,
the blob cache, the outbox through claim / outcomes / backoff / dead letters / requeue on SQLite
and on Python backends, the Cartona flush against the simulator with injected faults, fork,
razorpay.Dedup, and no leaks. Time is driven with explicit now_ms values (T0 + offsets)."""

from __future__ import annotations

import gc
import inspect
import logging
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
import types
import weakref
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

import pytest

import erplink
from erplink import _erplink, cartona, razorpay, store

from conftest import CARTONA_TOKEN, EXAMPLES, Server, cartona_base, rss_kb
from sql_store_ops import SqlDedupOps, SqlOutboxOps, connect_sqlite
from store_ops import DEDUP_KINDS, OUTBOX_KINDS, Backends, DictDedupOps, DictOutboxOps

T0 = 1_700_000_000_000


@pytest.fixture()
def backends(tmp_path: Path) -> Iterator[Backends]:
    b = Backends(tmp_path)
    yield b
    b.close()


def child_env() -> Dict[str, str]:
    return dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))


# ==================================================================== the store file

def test_store_open_close_and_dependents(tmp_path: Path) -> None:
    p = tmp_path / "a.db"
    with store.Store(p) as st:
        assert st.path == str(p) and "a.db" in repr(st)
        st.check()
        d = store.Dedup.sqlite(st, "ev", 10, 60)
        c = store.BlobCache(st, "c", 1000)
        ob = store.Outbox.sqlite(st, "o")
        assert not d.seen("x", T0)
    # closing the store closed what was made over it first: using them is a clean error
    for obj, what in ((d, "dedup"), (c, "blob cache"), (ob, "outbox")):
        with pytest.raises(erplink.InvalidArgumentError, match="the %s is closed" % what):
            if isinstance(obj, store.Dedup):
                obj.seen("x")
            elif isinstance(obj, store.BlobCache):
                obj.get("k")
            else:
                obj.count("pending")
    with pytest.raises(erplink.InvalidArgumentError, match="store is closed"):
        st.check()
    st.close()  # idempotent
    assert "closed" in repr(st)
    # the state survived
    with store.Store(p, create=False, sync="full", busy_timeout_ms=500, max_connections=1) as st:
        assert store.Dedup.sqlite(st, "ev", 10, 60).seen("x", T0 + 1)


def test_store_arguments(tmp_path: Path) -> None:
    with pytest.raises(erplink.NotFoundError):
        store.Store(tmp_path / "missing.db", create=False)
    with pytest.raises(erplink.InvalidArgumentError, match='"normal" or "full"'):
        store.Store(tmp_path / "x.db", sync="fast")
    with pytest.raises(erplink.InvalidArgumentError):
        store.Store(tmp_path / "x.db", busy_timeout_ms=0)
    with pytest.raises(erplink.InvalidArgumentError):
        store.Store(tmp_path / "x.db", max_connections=65)
    with pytest.raises(erplink.InvalidArgumentError):
        store.Store(":memory:")
    with pytest.raises(TypeError):
        store.Store(42)  # type: ignore[arg-type]
    assert not (tmp_path / "x.db").exists()


def _store_error(path: Path) -> erplink.Error:
    with pytest.raises(erplink.StoreError) as ei:
        store.Store(path)
    e = ei.value
    assert isinstance(e, erplink.Error) and e.category == "store"
    return e


def test_bad_files_give_a_clear_store_error(tmp_path: Path) -> None:
    # a directory
    (tmp_path / "dir.db").mkdir()
    e = _store_error(tmp_path / "dir.db")
    assert e.code == erplink.ESTORE and e.code_name == "ESTORE" and "dir.db" in e.message
    # garbage: refused, left untouched
    junk = tmp_path / "junk.db"
    data = bytes(range(256)) * 64
    junk.write_bytes(data)
    e = _store_error(junk)
    assert e.code == erplink.ESTORE_CORRUPT
    assert junk.read_bytes() == data
    # a truncated store
    good = tmp_path / "good.db"
    with store.Store(good) as st:
        d = store.Dedup.sqlite(st, "ev", 100000, 3600)
        for i in range(300):
            d.seen("evt_%d" % i, T0)
    raw = good.read_bytes()
    assert len(raw) > 8192
    trunc = tmp_path / "trunc.db"
    trunc.write_bytes(raw[: len(raw) // 2 + 100])
    assert _store_error(trunc).code == erplink.ESTORE_CORRUPT
    # another program's SQLite database
    other = tmp_path / "other.db"
    con = sqlite3.connect(str(other))
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    assert _store_error(other).code == erplink.ESTORE_CORRUPT
    # written by a newer erplink
    newer = tmp_path / "newer.db"
    with store.Store(newer):
        pass
    con = sqlite3.connect(str(newer))
    con.execute("PRAGMA user_version = %d" % (store.SCHEMA_VERSION + 1))
    con.commit()
    con.close()
    e = _store_error(newer)
    assert e.code == erplink.ESTORE_VERSION and e.code_name == "ESTORE_VERSION"
    # zero-length: a new store (what a process killed during its first open leaves)
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    with store.Store(empty) as st:
        assert not store.Dedup.sqlite(st, "ev", 10, 60).seen("a", T0)


def test_read_only_file_is_a_store_error() -> None:
    """A read-only store file is refused with ESTORE. Root may write read-only files, so as
    root the open runs in a forked child that has dropped to the user nobody."""
    import shutil
    import tempfile
    d = tempfile.mkdtemp(prefix="erplink-ro-")
    try:
        os.chmod(d, 0o755)
        p = Path(d) / "ro.db"
        with store.Store(p):
            pass
        p.chmod(0o444)
        if os.geteuid() != 0:
            assert _store_error(p).code == erplink.ESTORE
            return
        pid = os.fork()
        if pid == 0:  # the child: nobody, then the same check; the exit status reports it
            code = 3
            try:
                os.setgid(65534)
                os.setuid(65534)
                code = 0 if _store_error(p).code == erplink.ESTORE else 1
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    finally:
        shutil.rmtree(d, ignore_errors=True)


# ==================================================================== dedup

@pytest.mark.parametrize("kind", DEDUP_KINDS)
def test_dedup_semantics_on_every_backend(kind: str, backends: Backends) -> None:
    d = backends.dedup(kind, 100, 1.0)  # TTL 1 s
    assert d.backend == kind.split("-")[0] and kind.split("-")[0] in repr(d)
    assert d.seen("evt_A", T0) is False
    assert d.seen("evt_A", T0 + 999) is True
    assert d.seen("evt_A", T0 + 1000) is False  # expired: recorded again
    assert d.seen("evt_B", T0 + 1000) is False
    assert d.count(T0 + 1000) == 2
    assert d.forget("evt_B") is True and d.forget("evt_B") is False
    assert d.seen("evt_B", T0 + 1001) is False
    # the wall clock (now_ms=None), and a unicode id
    assert d.seen("évt-☃") is False and d.seen("évt-☃") is True
    for bad in ("", "x" * (store.DEDUP_MAX_ID + 1), "a\x00b"):
        with pytest.raises(erplink.InvalidArgumentError):
            d.seen(bad, T0)
    with pytest.raises(erplink.InvalidArgumentError):
        d.seen(None, T0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        d.seen(b"bytes-id", T0)  # type: ignore[arg-type]
    d.close()
    with pytest.raises(erplink.InvalidArgumentError, match="dedup is closed"):
        d.seen("evt_A")


def test_dedup_constructor_errors(tmp_path: Path) -> None:
    with pytest.raises(erplink.InvalidArgumentError, match="capacity"):
        store.Dedup.memory(0, 10)
    with pytest.raises(erplink.InvalidArgumentError, match="TTL"):
        store.Dedup.memory(10, 0)
    with store.Store(tmp_path / "s.db") as st:
        with pytest.raises(erplink.InvalidArgumentError, match="1 to 200 bytes"):
            store.Dedup.sqlite(st, "", 10, 10)
        with pytest.raises(erplink.InvalidArgumentError, match="needs a name"):
            store.Dedup(10, 10, store=st)
        with pytest.raises(erplink.InvalidArgumentError, match="not both"):
            store.Dedup(10, 10, store=st, name="x", ops=DictDedupOps())


def test_sqlite_dedup_survives_a_restart_and_is_bounded(tmp_path: Path) -> None:
    p = tmp_path / "d.db"
    with store.Store(p) as st:
        d = store.Dedup.sqlite(st, "ev", 64, 3600)
        most = 0
        for i in range(400):
            assert not d.seen("b_%d" % i, T0 + i)
            most = max(most, d.count(T0 + i))
        assert 64 <= most <= 64 + 16 + 16  # the documented bound
    with store.Store(p) as st:
        d = store.Dedup.sqlite(st, "ev", 64, 3600)
        assert d.seen("b_399", T0 + 500) and not d.seen("b_0", T0 + 500)
        assert not store.Dedup.sqlite(st, "other", 64, 3600).seen("b_399", T0 + 500)  # names are independent


def test_custom_dedup_calls_the_python_object(tmp_path: Path) -> None:
    ops = DictDedupOps()
    ref = weakref.ref(ops)
    d = store.Dedup.custom(ops, 320, 10)
    for i in range(100):
        assert not d.seen("p%d" % i, T0)
        assert d.seen("p%d" % i, T0 + 1)  # duplicates do not count for the purge cadence
    assert ops.calls == 200 and ops.purges == 5  # capacity 320: a purge every 20 recordings
    assert ops.ids["p0"] == T0 + 10_000  # erplink computes the expiry
    d.close()
    assert ops.destroyed == 1
    del ops, d
    gc.collect()
    assert ref() is None  # the C object released the Python object


class OnlyRequired:
    """The two required primitives only: no purge (a store that expires by itself), no count."""

    def __init__(self) -> None:
        self.seen: Set[str] = set()

    def insert_if_absent(self, id: str, expires_at_ms: int, now_ms: int) -> bool:
        if id in self.seen:
            return 0  # type: ignore[return-value]  # ints 0 and 1 are accepted (a SQL rowcount)
        self.seen.add(id)
        return 1  # type: ignore[return-value]

    def remove(self, id: str) -> bool:
        return False


def test_custom_dedup_optional_and_required_primitives() -> None:
    d = store.Dedup.custom(OnlyRequired(), 10, 10)
    assert not d.seen("a", T0) and d.seen("a", T0)
    with pytest.raises(erplink.InvalidArgumentError, match="no count primitive"):
        d.count()
    d.close()

    class NoRemove:
        def insert_if_absent(self, id: str, expires_at_ms: int, now_ms: int) -> bool:
            return True

    with pytest.raises(erplink.InvalidArgumentError, match="insert_if_absent and remove are required"):
        store.Dedup.custom(NoRemove(), 10, 10)  # type: ignore[arg-type]

    class NotCallable(OnlyRequired):
        count = 3

    with pytest.raises(TypeError, match="NotCallable.count is not callable"):
        store.Dedup.custom(NotCallable(), 10, 10)

    class NoneMeansAbsent(DictDedupOps):
        purge = None  # type: ignore[assignment]

    d = store.Dedup.custom(NoneMeansAbsent(), 1, 10)
    for i in range(40):
        d.seen("n%d" % i, T0)
    assert d.count(T0) == 40  # never purged
    d.close()


_UNSET = object()


class Raising(DictDedupOps):
    """A backend whose store breaks on demand."""

    def __init__(self) -> None:
        super().__init__()
        self.fail: Optional[BaseException] = None
        self.result: Any = _UNSET
        self.purge_fail = False
        self.destroy_fail = False

    def insert_if_absent(self, id: str, expires_at_ms: int, now_ms: int) -> bool:
        if self.fail is not None:
            raise self.fail
        if self.result is not _UNSET:
            return self.result  # type: ignore[no-any-return]
        return super().insert_if_absent(id, expires_at_ms, now_ms)

    def purge(self, now_ms: int, max_entries: int) -> None:
        if self.purge_fail:
            raise RuntimeError("purge is broken")
        super().purge(now_ms, max_entries)

    def count(self, now_ms: int) -> int:
        return -1 if self.result == "negative" else super().count(now_ms)

    def destroy(self) -> None:
        if self.destroy_fail:
            raise RuntimeError("destroy is broken")


def test_custom_dedup_exceptions_are_re_raised(caplog: pytest.LogCaptureFixture) -> None:
    ops = Raising()
    d = store.Dedup.custom(ops, 16, 10)
    boom = ValueError("the key-value server is down")
    ops.fail = boom
    with pytest.raises(ValueError) as ei:
        d.seen("a", T0)
    assert ei.value is boom  # the very exception, with its traceback through the method
    assert any(f.co_name == "insert_if_absent" for f in traceback_frames(ei.value))
    # an erplink.Error raised by the method comes back as it is (its code was the C failure's)
    conflict = erplink.ConflictError("could not serialize access", code=erplink.ECONFLICT)
    ops.fail = conflict
    with pytest.raises(erplink.ConflictError) as ce:
        d.seen("a", T0)
    assert ce.value is conflict
    # BaseExceptions too
    ops.fail = KeyboardInterrupt()
    with pytest.raises(KeyboardInterrupt):
        d.seen("a", T0)
    ops.fail = None
    # nothing stale is left behind: the next call works
    assert d.seen("a", T0) is False and d.seen("a", T0) is True
    # a wrong result type is an error, never read as "seen" (None: a forgotten return)
    for bad in (None, "yes", 2, 1.0):
        ops.result = bad
        with pytest.raises(TypeError, match=r"Raising.insert_if_absent\(\) must return a bool"):
            d.seen("b", T0)
    ops.result = "negative"
    with pytest.raises(TypeError, match=r"count\(\) must return an int >= 0"):
        d.count(T0)
    ops.result = _UNSET
    # a failing purge never turns a recorded "new" into an error: logged instead
    ops.purge_fail = True
    caplog.set_level(logging.WARNING, logger="erplink")
    news = [d.seen("p%d" % i, T0) for i in range(40)]  # capacity 16: a purge every 16 recordings
    assert news == [False] * 40
    purge_logs = [r for r in caplog.records if "purge" in r.getMessage()]
    assert purge_logs and purge_logs[0].levelno == logging.WARNING and purge_logs[0].exc_info
    assert "Raising.purge() raised RuntimeError: purge is broken" in purge_logs[0].getMessage()
    # a failing destroy is logged too (a free function cannot report it)
    ops.destroy_fail = True
    caplog.clear()
    d.close()
    assert any("destroy() raised RuntimeError" in r.getMessage() for r in caplog.records)


def traceback_frames(e: BaseException) -> List[Any]:
    out = []
    tb = e.__traceback__
    while tb is not None:
        out.append(tb.tb_frame.f_code)
        tb = tb.tb_next
    return out


def test_ops_method_names_match_the_c_structs() -> None:
    """The Python protocols and the reference backends have exactly the C ops' methods and
    arguments (bindings/swig/api.i's OPS_* constants, written by gen_api.py from store.h)."""
    def ops_of(sig: str) -> Dict[str, List[str]]:
        out = {}
        for part in sig.split(";"):
            name, rest = part.split("(", 1)
            out[name] = [a for a in rest.split(")")[0].split(",") if a]
        return out

    for c_struct, impls, proto in (
            (_erplink.OPS_erplink_dedup_ops, (DictDedupOps, SqlDedupOps), store.DedupOps),
            (_erplink.OPS_erplink_outbox_ops, (DictOutboxOps, SqlOutboxOps), store.OutboxOps)):
        c_ops = ops_of(c_struct)
        for op, args in c_ops.items():
            args = [a for a in args if a != "sink"]  # the adapter hands claim/list rows to the C sink
            for cls in impls:
                if op == "destroy" and not hasattr(cls, op):
                    continue
                assert list(inspect.signature(getattr(cls, op)).parameters)[1:] == args, (cls, op)
            if hasattr(proto, op):
                assert list(inspect.signature(getattr(proto, op)).parameters)[1:] == args, (proto, op)


@pytest.mark.parametrize("kind", ("sqlite", "custom-dict", "memory"))
def test_dedup_threads_exactly_one_new_per_id(kind: str, backends: Backends) -> None:
    d = backends.dedup(kind, 10000, 3600)
    n, wins = 600, [0] * 600
    lock = threading.Lock()
    errors: List[BaseException] = []

    def work(seed: int) -> None:
        try:
            for k in range(n):
                i = (k * 7919 + seed * 1013) % n
                if not d.seen("evt_%05d" % i, T0):
                    with lock:
                        wins[i] += 1
        except BaseException as e:  # reported below
            errors.append(e)

    ts = [threading.Thread(target=work, args=(s,)) for s in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors and wins == [1] * n


DEDUP_CHILD = textwrap.dedent("""
    import sys
    from erplink import store
    kind, path, n, t0 = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    if kind == "sqlite":
        st = store.Store(path)
        d = store.Dedup.sqlite(st, "shared", 1000000, 3600)
    else:
        from sql_store_ops import SqlDedupOps, connect_sqlite
        con, cur = connect_sqlite(path)
        d = store.Dedup.custom(SqlDedupOps(cur), 1000000, 3600)
    print("READY", flush=True)
    sys.stdin.readline()  # the start line: both processes go at once
    print(" ".join(str(i) for i in range(n) if not d.seen("evt_%05d" % i, t0)), flush=True)
""")


@pytest.mark.parametrize("kind", ("sqlite", "custom-sql"))
def test_two_processes_one_dedup_exactly_one_winner(kind: str, tmp_path: Path) -> None:
    path, n = str(tmp_path / "shared.db"), 1500
    if kind == "sqlite":
        store.Store(path).close()  # created (and its schema) before the race
    else:
        con, cur = connect_sqlite(path)
        SqlDedupOps(cur)
        con.close()
    procs = [subprocess.Popen([sys.executable, "-c", DEDUP_CHILD, kind, path, str(n), str(T0)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=child_env())
             for _ in range(2)]
    try:
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "READY"
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        won = [set(int(x) for x in p.communicate(timeout=300)[0].split()) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert all(p.returncode == 0 for p in procs)
    assert not (won[0] & won[1]), "an id accepted by both processes"
    assert won[0] | won[1] == set(range(n)), "an id accepted by neither"
    print("winners per process:", len(won[0]), len(won[1]))


def test_locks_are_waited_for_with_the_gil_released_then_conflict(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    with store.Store(path, busy_timeout_ms=60000) as st, store.Store(path, busy_timeout_ms=200) as impatient:
        d = store.Dedup.sqlite(st, "busy", 100, 3600)
        d2 = store.Dedup.sqlite(impatient, "busy", 100, 3600)
        d.seen("warm", T0)
        holder = sqlite3.connect(str(path), isolation_level=None, timeout=0, check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")  # a write lock, as another process would hold it
        try:
            # beyond the busy timeout: a retryable ConflictError, never SQLITE_BUSY
            with pytest.raises(erplink.ConflictError) as ei:
                d2.seen("x", T0)
            assert erplink.error_retryable(ei.value.code)
            result: List[bool] = []
            started = threading.Event()

            def worker() -> None:
                started.set()
                result.append(d.seen("x", T0))

            t = threading.Thread(target=worker)
            t.start()
            assert started.wait(10)
            spins, end = 0, time.monotonic() + 0.3
            while time.monotonic() < end:  # this thread runs Python while the worker waits in C
                spins += 1
            assert t.is_alive() and spins > 1000
        finally:
            holder.execute("COMMIT")
        t.join(60)
        assert result == [False]


SIGINT_CHILD = textwrap.dedent("""
    import os, signal, sqlite3, sys, threading, time
    # Python's own handler even where SIGINT was inherited ignored (a non-interactive shell's `cmd &`)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from erplink import store
    st = store.Store(sys.argv[1], busy_timeout_ms=60000)
    d = store.Dedup.sqlite(st, "busy", 100, 3600)
    d.seen("warm")
    h = sqlite3.connect(sys.argv[1], isolation_level=None, check_same_thread=False)
    h.execute("BEGIN IMMEDIATE")
    threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    t0 = time.monotonic()
    try:
        d.seen("x")
        print("NO-INTERRUPT")
    except KeyboardInterrupt:
        print("KeyboardInterrupt %.3f" % (time.monotonic() - t0))
    h.execute("ROLLBACK")
    print("after", d.seen("y"))
""")


def test_sigint_interrupts_a_store_call_waiting_for_a_lock(tmp_path: Path) -> None:
    p = subprocess.run([sys.executable, "-c", SIGINT_CHILD, str(tmp_path / "sig.db")], capture_output=True,
                       text=True, timeout=120, env=child_env())
    out = p.stdout.split()
    assert out[:1] == ["KeyboardInterrupt"], p.stdout + p.stderr
    assert float(out[1]) < 5, "interrupted after %s s" % out[1]
    assert out[2:] == ["after", "False"], p.stdout + p.stderr  # the next call works


# ==================================================================== blob cache

def test_blob_cache(tmp_path: Path) -> None:
    p = tmp_path / "c.db"
    with store.Store(p) as st:
        c = store.BlobCache(st, "esi", 10_000)
        assert c.get("k") is None and c.size() == store.CacheSize(0, 0)
        c.put("k", b"\x00\x01value")
        c.put("s", "text")
        c.put("m", memoryview(bytearray(b"mv")))
        assert c.get("k") == b"\x00\x01value" and c.get("s") == b"text" and c.get("m") == b"mv"
        assert c.size().blobs == 3 and c.size().bytes == len("k\x00\x01value" "stext" "mmv")
        assert c.remove("m") and not c.remove("m")
        c.put("big", b"x" * 20_000)  # larger than the bound: not stored
        assert c.get("big") is None
        for i in range(100):  # LRU eviction keeps the bound
            c.put("p%03d" % i, b"y" * 500)
        assert c.size().bytes <= 10_000 and c.get("p099") == b"y" * 500 and c.get("p000") is None
        with pytest.raises(erplink.InvalidArgumentError):
            c.put("", b"x")
        with pytest.raises(erplink.InvalidArgumentError):
            c.get("x" * (store.BLOB_CACHE_MAX_KEY + 1))
    with store.Store(p) as st:  # kept across restarts
        c = store.BlobCache(st, "esi", 10_000)
        assert c.get("p099") == b"y" * 500
        c.evict(0)
        assert c.size() == (0, 0)


# ==================================================================== outbox

@pytest.mark.parametrize("kind", OUTBOX_KINDS)
def test_outbox_claim_outcomes_backoff_dead_letters_requeue(kind: str, backends: Backends) -> None:
    ob = backends.outbox(kind, lease_ms=10_000, max_attempts=3, backoff_ms=(1000, 4000), jitter=0.0,
                         done_retention_ms=60_000)
    assert ob.backend == kind.split("-")[0]
    first: Dict[str, store.Payload] = {"sku-1": b'{"q": 1}', "sku-2": bytearray(b'{"q": 2}'), "sku-3": '{"q": 3}'}
    ob.enqueue_many(first, T0)
    ob.enqueue("sku-1", memoryview(b'{"q": 10}'), T0 + 1)  # the latest value wins
    assert ob.counts(T0 + 1) == {"pending": 3, "retry_wait": 0, "leased": 0, "dead": 0, "done": 0}
    with ob.claim(10, T0 + 2) as b:
        assert [(i.key, i.payload, i.attempts, i.generation > 0) for i in b] == [
            ("sku-1", b'{"q": 10}', 1, True), ("sku-2", b'{"q": 2}', 1, True), ("sku-3", b'{"q": 3}', 1, True)]
        assert ob.count(store.State.LEASED, T0 + 2) == 3 and ob.claim(10, T0 + 2).items == []
        b[0].done()
        b[1].failed(erplink.ValidationError("price below cost", code=erplink.EVALIDATION))  # dead at once
        b[2].failed(erplink.NetworkError("connection refused", code=erplink.ECONNECT))      # retried
    assert b.completed and b.stale == 0
    assert [i.outcome for i in b] == [store.Outcome.DONE, store.Outcome.DEAD, store.Outcome.RETRY]
    assert ob.counts(T0 + 2) == {"pending": 0, "retry_wait": 1, "leased": 0, "dead": 1, "done": 1}
    # backoff: 1000, 2000 ms; then out of attempts -> a dead letter with the last reason
    now = T0 + 2
    for attempt, delay in ((2, 1000), (3, 2000)):
        assert ob.claim(10, now + delay - 1).items == []
        now += delay
        with ob.claim(10, now) as b:
            (it,) = b
            assert (it.key, it.attempts, it.error_code_name, it.error_message) == \
                ("sku-3", attempt, "ECONNECT", "connection refused")
            if attempt == 2:
                it.retry(erplink.ECONNECT, "connection refused")
            else:
                it.retry(erplink.ETIMEOUT, "slow", retry_after_ms=None)
    assert [i.outcome for i in b] == [store.Outcome.DEAD]
    with ob.list("dead") as dead:
        assert [(i.key, i.attempts, i.error_code_name, i.error_message) for i in dead] == [
            ("sku-2", 1, "EVALIDATION", "price below cost"),
            ("sku-3", 3, "ETIMEOUT", "gave up after 3 attempts: slow")]
        assert dead[0].changed_ms == T0 + 2
        with pytest.raises(erplink.InvalidArgumentError, match="listed batch"):
            dead[0].done()
    assert [i.key for i in ob.list(store.State.DONE)] == ["sku-1"]
    assert [i.key for i in ob.list(int(store.State.DEAD), offset=1, limit=5)] == ["sku-3"]
    # requeue one, discard the other; the requeued one starts over, clean
    assert ob.requeue("sku-3", now) == 1 and ob.requeue("sku-3", now) == 0
    assert ob.discard() == 1 and ob.count("dead", now) == 0
    with ob.claim(10, now) as b:
        (it,) = b
        assert (it.key, it.attempts, it.error_code, it.error_code_name) == ("sku-3", 1, 0, None)
        it.release()  # not attempted: the attempt is not counted
    with ob.claim(10, now) as b:
        assert b[0].attempts == 1
        b.done(0)
    # the server's retry-after wins over a shorter backoff
    ob.enqueue("sku-4", b"x", now)
    with ob.claim(1, now) as b:
        b[0].failed(erplink.RateLimitError("429", code=erplink.ERATELIMIT, retry_after_ms=30_000))
    assert ob.count("retry_wait", now + 29_999) == 1 and ob.count("pending", now + 30_000) == 1


@pytest.mark.parametrize("kind", OUTBOX_KINDS)
def test_outbox_batch_rules_and_arguments(kind: str, backends: Backends) -> None:
    ob = backends.outbox(kind, lease_ms=1000)
    with pytest.raises(erplink.InvalidArgumentError, match="1 to 1024 bytes"):
        ob.enqueue("", b"x", T0)
    with pytest.raises(erplink.InvalidArgumentError, match="1 to 1024 bytes"):
        ob.enqueue_many([("ok", b"1"), ("", b"2")], T0)
    assert ob.count("pending", T0) == 0  # a bad item enqueues nothing
    with pytest.raises(TypeError, match="pair"):
        ob.enqueue_many([("a", b"1", "extra")], T0)  # type: ignore[list-item]
    with pytest.raises(TypeError):
        ob.enqueue_many("ab", T0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ob.enqueue("k", 12, T0)  # type: ignore[arg-type]
    with pytest.raises(erplink.InvalidArgumentError, match="larger than"):
        ob.enqueue("k", bytes(store.OUTBOX_MAX_PAYLOAD + 1), T0)
    ob.enqueue_many((("g%d" % i, b"v") for i in range(2)), T0)  # any iterable of pairs
    ob.enqueue_many(types.MappingProxyType({"g2": b"v"}), T0)  # any mapping
    ob.enqueue("empty", b"", T0)
    with pytest.raises(erplink.InvalidArgumentError, match="unknown outbox state"):
        ob.count("sleeping")
    with pytest.raises(erplink.InvalidArgumentError, match="cannot be listed"):
        ob.list("retry_wait")
    with pytest.raises(erplink.InvalidArgumentError, match="out of range"):
        ob.claim(0, T0)
    b = ob.claim(10, T0)  # (ties in due time come in any order: the contract says earliest due first)
    assert len(b) == 4 and "4 items" in repr(b) and {i.key: i.payload for i in b}["empty"] == b""
    with pytest.raises(erplink.InvalidArgumentError, match="no such item"):
        b.done(4)
    with pytest.raises(erplink.InvalidArgumentError, match="negative"):
        b.failed(0, 0)
    with pytest.raises(TypeError, match="erplink.Error or an ERPLINK_E"):
        b.failed(0, True)
    b.failed(0, erplink.ESERVER)  # no reason: the code's description
    failed_key = b[0].key
    assert b.complete(T0) == 0
    with pytest.raises(erplink.InvalidArgumentError, match="completed already"):
        b.complete(T0)
    with pytest.raises(erplink.InvalidArgumentError, match="completed already"):
        b.done(1)
    b.close()
    with pytest.raises(erplink.InvalidArgumentError, match="batch is closed"):
        b.done(1)
    with ob.claim(10, T0 + 10 ** 6) as b2:
        assert {i.key: i.error_message for i in b2}[failed_key] == "server error"
        for i in b2:
            i.done()
    # stale: a late outcome after another claim took the lease over changes nothing
    ob.enqueue("late", b"1", T0 + 2 * 10 ** 6)
    first = ob.claim(1, T0 + 2 * 10 ** 6)
    second = ob.claim(1, T0 + 2 * 10 ** 6 + 1000)
    assert first[0].key == second[0].key == "late" and second[0].generation > first[0].generation
    first[0].failed(erplink.EVALIDATION, "late and wrong")
    assert first.complete(T0 + 2 * 10 ** 6 + 1001) == 1 and first[0].outcome is None
    second[0].done()
    assert second.complete(T0 + 2 * 10 ** 6 + 1002) == 0 and second[0].outcome == store.Outcome.DONE
    assert ob.count("dead", T0 + 2 * 10 ** 6 + 1002) == 0


def test_outbox_constructor_errors(tmp_path: Path) -> None:
    with pytest.raises(erplink.InvalidArgumentError, match="a store"):
        store.Outbox()
    with store.Store(tmp_path / "o.db") as st:
        for kw in ({"lease_ms": 0}, {"max_attempts": 0}, {"backoff_ms": (10, 5)}, {"jitter": 1.5},
                   {"done_retention_ms": -1}):
            with pytest.raises(erplink.InvalidArgumentError, match="out of range|base <= cap|0.0 .. 1.0"):
                store.Outbox.sqlite(st, "o", **kw)
        with pytest.raises(erplink.InvalidArgumentError, match="needs a name"):
            store.Outbox(store=st)

    class Partial:
        def upsert(self, key: str, payload: bytes, now_ms: int) -> None:
            pass

    with pytest.raises(erplink.InvalidArgumentError, match="are required"):
        store.Outbox.custom(Partial())  # type: ignore[arg-type]


class FlakyOutbox(DictOutboxOps):
    def __init__(self) -> None:
        super().__init__()
        self.claim_fail: Optional[BaseException] = None
        self.finish_fail: Optional[BaseException] = None
        self.extra_rows: List[Tuple[Any, ...]] = []
        self.purge_fail = False

    def claim(self, max: int, now_ms: int, lease_until_ms: int) -> List[store.Row]:
        if self.claim_fail is not None:
            raise self.claim_fail
        return super().claim(max, now_ms, lease_until_ms) + self.extra_rows  # type: ignore[operator]

    def finish(self, key: str, generation: int, outcome: int, ready_at_ms: int, code: int,
               message: Optional[str], now_ms: int) -> bool:
        if self.finish_fail is not None:
            raise self.finish_fail
        return super().finish(key, generation, outcome, ready_at_ms, code, message, now_ms)

    def purge(self, done_before_ms: int) -> None:
        if self.purge_fail:
            raise OSError("purge is broken")
        super().purge(done_before_ms)


def test_custom_outbox_exceptions(caplog: pytest.LogCaptureFixture) -> None:
    ops = FlakyOutbox()
    ob = store.Outbox.custom(ops, lease_ms=1000, done_retention_ms=0)
    ob.enqueue("a", b"1", T0)
    ops.claim_fail = ConnectionError("database is gone")
    with pytest.raises(ConnectionError, match="database is gone"):
        ob.claim(10, T0)
    ops.claim_fail = None
    # a row of the wrong shape, too many rows: the claim fails (nothing handed out)
    ops.extra_rows = [("b",)]
    with pytest.raises(TypeError):
        ob.claim(10, T0 + 5000)
    ops.extra_rows = [("x", b"1", 1, 1), ("y", b"2", 1, 1)]
    with pytest.raises(erplink.InvalidArgumentError, match="more rows than the 1 asked for"):
        ob.claim(1, T0 + 10_000)
    ops.extra_rows = []
    b = ob.claim(10, T0 + 20_000)
    assert [i.key for i in b] == ["a"]
    b[0].done()
    ops.finish_fail = erplink.ConflictError("serialization failure", code=erplink.ECONFLICT)
    with pytest.raises(erplink.ConflictError, match="serialization failure"):
        b.complete(T0 + 20_001)
    assert not b.completed  # nothing recorded: may be completed again
    ops.finish_fail = None
    assert b.complete(T0 + 20_002) == 0 and b[0].outcome == store.Outcome.DONE
    # a broken purge (best effort) does not stop claims: logged
    ops.purge_fail = True
    caplog.set_level(logging.WARNING, logger="erplink")
    ob.enqueue("c", b"3", T0 + 30_000)
    assert [i.key for i in ob.claim(10, T0 + 90_000)] == ["c"]
    assert any("FlakyOutbox.purge() raised OSError: purge is broken" in r.getMessage() for r in caplog.records)
    ob.close()
    assert ops.destroyed == 1


@pytest.mark.parametrize("kind", ("sqlite", "custom-dict"))
def test_outbox_producers_and_consumers_on_threads(kind: str, backends: Backends) -> None:
    ob = backends.outbox(kind, lease_ms=600_000)
    keys = ["k%04d" % i for i in range(400)]
    delivered: Dict[str, List[bytes]] = {}
    lock = threading.Lock()
    errors: List[BaseException] = []
    producing = [2]

    def produce(part: List[str]) -> None:
        try:
            for v in range(3):
                ob.enqueue_many([(k, b"v%d" % v) for k in part], T0)
        except BaseException as e:
            errors.append(e)
        finally:
            with lock:
                producing[0] -= 1

    def consume() -> None:
        try:
            for _ in range(10_000):  # bounded
                with ob.claim(50, T0) as b:
                    for it in b:
                        with lock:
                            delivered.setdefault(it.key, []).append(it.payload)
                        it.done()
                if not b.items:
                    with lock:
                        if producing[0] == 0 and ob.count("pending", T0) == 0 and ob.count("leased", T0) == 0:
                            return
        except BaseException as e:
            errors.append(e)

    ts = [threading.Thread(target=produce, args=(keys[:200],)), threading.Thread(target=produce, args=(keys[200:],)),
          threading.Thread(target=consume), threading.Thread(target=consume)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors
    assert sorted(delivered) == keys  # none lost
    assert all(p[-1] == b"v2" for p in delivered.values())  # the latest value always goes out last
    assert ob.count("done", T0) == len(keys)


# ==================================================================== Cartona flush

def product(i: int, price: float) -> Dict[str, Any]:
    return {"supplier_product_id": "p%02d" % i, "selling_price": price, "available_stock_quantity": i}


@pytest.mark.parametrize("kind", OUTBOX_KINDS)
def test_cartona_flush_with_faults_ends_updated_or_dead(kind: str, backends: Backends, cartona_sim: Server) -> None:
    ob = backends.outbox(kind, lease_ms=60_000, max_attempts=4, backoff_ms=(100, 1000), jitter=0.0)
    c = cartona.Client(CARTONA_TOKEN, base_url=cartona_base(cartona_sim), batch_size=10, concurrency=1,
                       transport=erplink.Transport(max_attempts=1, backoff_ms=(0, 0)))
    n = 40
    for i in range(n):
        c.outbox_enqueue(ob, product(i, 1.0 + i), T0)
    for i in range(n):  # coalesced: only the latest value of each product is sent
        cartona.outbox_enqueue(ob, product(i, 100.0 + i), T0 + 1)
    for bad in ("unknown-1", "unknown-2"):
        cartona.outbox_enqueue(ob, {"supplier_product_id": bad, "selling_price": 1.0}, T0 + 1)
    cartona.outbox_enqueue(ob, {"supplier_product_id": "neg", "selling_price": -5.0}, T0 + 1)
    with pytest.raises(erplink.InvalidArgumentError, match="no supplier_product_id"):
        cartona.outbox_enqueue(ob, {"selling_price": 1.0}, T0)
    with pytest.raises(erplink.InvalidArgumentError, match="unknown endpoint kind"):
        c.outbox_flush(ob, "prices", 10, T0)
    assert ob.count("pending", T0 + 1) == n + 3
    cartona_sim.post("/_control/faults", {"rate": 0.4, "kinds": ["503", "429", "reset"], "seed": 7, "retry_after": 1,
                                          "item_fail_rate": 0.1, "path_prefix": "supplier-product/bulk"})
    now, totals = T0 + 2, {"claimed": 0, "updated": 0, "retrying": 0, "dead": 0, "released": 0, "stale": 0}
    for _ in range(60):  # bounded: each item has at most 4 attempts
        rep = c.outbox_flush(ob, "products", 25, now)
        assert rep.claimed == rep.updated + rep.retrying + rep.dead + rep.released + rep.stale
        for k, v in rep.as_dict().items():
            totals[k] += v
        if ob.count("pending", now) + ob.count("retry_wait", now) + ob.count("leased", now) == 0:
            break
        now += 2000  # past any backoff (cap 1 s) and retry-after (1 s)
    assert ob.count("pending", now) + ob.count("retry_wait", now) + ob.count("leased", now) == 0
    state = cartona_sim.get("/_control/state")
    assert state["faults_injected"], "no fault was injected"
    sim = {p["supplier_product_id"]: p for p in state["products"].values()}
    dead = {it.key: it for it in ob.list("dead", 0, 1000)}
    done = {it.key for it in ob.list("done", 0, 1000)}
    assert totals["updated"] == len(done) and totals["dead"] == len(dead)
    assert "s:unknown-1" in dead and "not found" in (dead["s:unknown-1"].error_message or "")
    assert "s:neg" in dead and dead["s:neg"].error_code_name in ("EVALIDATION", "EINVAL")
    for i in range(n):  # every product updated with its latest value, or visibly dead-lettered
        key, pid = "s:p%02d" % i, "p%02d" % i
        if key in done:
            assert sim[pid]["selling_price"] == 100.0 + i  # never recorded done unless Cartona has it
        else:
            assert key in dead and dead[key].error_message, key
    assert len(done) + len(dead) == n + 3
    print("flush totals:", totals, "dead after the faults:", len(dead))
    # the faults gone, the dead letters requeued: every real product ends updated
    cartona_sim.post("/_control/faults", {"rate": 0.0, "item_fail_rate": 0.0})
    assert ob.requeue(None, now) == len(dead)
    rep = c.outbox_flush(ob, "products", 100, now)
    assert (rep.claimed, rep.updated, rep.dead) == (len(dead), len(dead) - 3, 3)
    sim = {p["supplier_product_id"]: p for p in cartona_sim.get("/_control/state")["products"].values()}
    assert all(sim["p%02d" % i]["selling_price"] == 100.0 + i for i in range(n))
    assert sorted(i.key for i in ob.list("dead")) == ["s:neg", "s:unknown-1", "s:unknown-2"]
    assert "FlushReport(claimed=" in repr(rep)
    c.close()


# ==================================================================== fork, razorpay.Dedup, leaks

def test_fork_store_objects_refused_in_the_child_custom_ones_work(tmp_path: Path) -> None:
    path = tmp_path / "fork.db"
    st = store.Store(path)
    d = store.Dedup.sqlite(st, "f", 100, 3600)
    mem = store.Dedup.memory(100, 3600)
    custom = store.Dedup.custom(DictDedupOps(), 100, 3600)
    assert not d.seen("parent", T0)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        code = 0
        try:
            try:
                d.seen("child", T0)
                code = 2
            except erplink.InvalidArgumentError as e:
                code = 0 if "fork()" in e.message else 3
            if code == 0:
                with store.Store(path) as st2:  # a store opened in the child works
                    d2 = store.Dedup.sqlite(st2, "f", 100, 3600)
                    code = 0 if (d2.seen("parent", T0), d2.seen("child", T0)) == (True, False) else 4
            if code == 0:
                code = 0 if (mem.seen("m", T0), custom.seen("c", T0)) == (False, False) else 5
        except BaseException:
            code = 6
        os.write(w, bytes([code]))
        os._exit(0)
    os.close(w)
    got = os.read(r, 1)
    os.close(r)
    os.waitpid(pid, 0)
    assert got == b"\x00", "child step failed: %r" % got
    assert d.seen("child", T0)  # the parent's store works and sees the child's record
    d.close()
    st.close()
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as pool:
        res = pool.map(_seen_in_worker, [(str(path), "w%d" % i) for i in range(6)])
    assert res == [False] * 6
    with store.Store(path) as st:
        assert all(store.Dedup.sqlite(st, "f", 100, 3600).seen("w%d" % i, T0) for i in range(6))


def _seen_in_worker(arg: Tuple[str, str]) -> bool:
    with store.Store(arg[0]) as st:  # each worker opens its own store
        return store.Dedup.sqlite(st, "f", 100, 3600).seen(arg[1], T0)


def test_razorpay_dedup(tmp_path: Path) -> None:
    d = razorpay.Dedup()  # memory, 48 h
    assert d.backend == "memory" and not d.seen("evt_1") and d.seen("evt_1")
    assert isinstance(d, store.Dedup)
    d.close()
    p = tmp_path / "rp.db"
    d = razorpay.Dedup(ttl_s=3600, capacity=1000, path=p)
    assert d.backend == "sqlite" and not d.seen("evt_1", T0)
    own = d._own
    d.close()
    assert own is not None and own._h.ptr is None  # the store it opened is closed with it
    with store.Store(p) as st:
        assert razorpay.Dedup(store=st).seen("evt_1", T0 + 1)  # the same name: razorpay.events
        assert not razorpay.Dedup(store=st, name="other").seen("evt_1", T0 + 1)
        with pytest.raises(erplink.InvalidArgumentError, match="path or store"):
            razorpay.Dedup(path=p, store=st)
    ops = DictDedupOps()
    d = razorpay.Dedup(ops=ops, ttl_s=10)
    assert not d.seen("evt_9", T0) and "evt_9" in ops.ids and d.backend == "custom"
    d.close()
    (tmp_path / "dir").mkdir()
    with pytest.raises(erplink.StoreError):
        razorpay.Dedup(path=tmp_path / "dir")


def test_no_leaks(tmp_path: Path) -> None:
    ops = DictDedupOps()
    base = sys.getrefcount(ops)
    for _ in range(2000):
        d = store.Dedup.custom(ops, 10, 1)
        d.seen("a", T0)
        d.close()
    for _ in range(2000):  # a failed constructor releases the object too
        with pytest.raises(erplink.InvalidArgumentError):
            store.Dedup.custom(ops, 0, 1)
    assert sys.getrefcount(ops) == base

    class Boom(DictDedupOps):
        def insert_if_absent(self, id: str, expires_at_ms: int, now_ms: int) -> bool:
            raise ValueError(id)

    d = store.Dedup.custom(Boom(), 10, 1)
    ob = store.Outbox.custom(DictOutboxOps(), lease_ms=1)

    def rounds(k: int) -> None:
        for i in range(k):
            with pytest.raises(ValueError):
                d.seen("x%d" % (i % 100), T0)
            ob.enqueue_many([("k%d" % (i % 50), b"p" * 100)], T0 + i)
            with ob.claim(10, T0 + i) as b:
                for it in b:
                    it.failed(erplink.ENETWORK, "down")

    rounds(3000)
    gc.collect()
    rss0 = rss_kb()
    rounds(20000)
    gc.collect()
    grown = rss_kb() - rss0
    d.close()
    ob.close()
    assert grown < 4096, "RSS grew by %d KiB over 20,000 rounds" % grown
    with store.Store(tmp_path / "leak.db") as st:
        rss0 = rss_kb()
        for i in range(300):
            with store.Store(tmp_path / "leak.db") as s2:
                store.Dedup.sqlite(s2, "x", 10, 1).seen("a%d" % i, T0)
        assert rss_kb() - rss0 < 8192
        assert st.path.endswith("leak.db")


def test_example_sql_store_ops_runs(tmp_path: Path) -> None:
    p = subprocess.run([sys.executable, str(EXAMPLES / "sql_store_ops.py"), str(tmp_path / "demo.db")],
                       capture_output=True, text=True, timeout=60, env=child_env())
    assert p.returncode == 0, p.stderr
    assert "evt_1 seen before: False - again: True" in p.stdout
    assert '"available_stock_quantity": 4' in p.stdout and "'retry_wait': 1" in p.stdout


def test_example_razorpay_webhook_processes_each_event_once(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib
    import hmac
    import importlib

    monkeypatch.setenv("ERPLINK_STORE", str(tmp_path / "webhooks.db"))
    monkeypatch.setenv("RAZORPAY_WEBHOOK_SECRET", "whsec")
    sys.modules.pop("razorpay_webhook", None)
    wh = importlib.import_module("razorpay_webhook")
    body = b'{"entity":"event","event":"payment.captured","contains":["payment"],"payload":{"payment":' \
           b'{"entity":{"id":"pay_1","amount":100,"currency":"INR"}}},"created_at":1}'
    sig = hmac.new(b"whsec", body, hashlib.sha256).hexdigest()
    assert wh.handle(body, sig, "evt_1") == ("ok", 200)
    assert wh.handle(body, sig, "evt_1") == ("duplicate", 200)  # Razorpay's redelivery
    assert wh.handle(body, "0" * 64, "evt_2") == ("bad signature", 400)
    calls: List[str] = []

    def failing(event: Any) -> None:
        calls.append(event.id)
        raise RuntimeError("the ERP is down")

    monkeypatch.setattr(wh, "process", failing)
    assert wh.handle(body, sig, "evt_3") == ("error", 500)
    monkeypatch.undo()
    monkeypatch.setenv("RAZORPAY_WEBHOOK_SECRET", "whsec")
    assert wh.handle(body, sig, "evt_3") == ("ok", 200)  # forgotten after the failure: the retry goes through
    assert calls == ["evt_3"]
    wh.events.close()
    with store.Store(tmp_path / "webhooks.db") as st:  # kept in the file
        assert razorpay.Dedup(store=st).seen("evt_1")
