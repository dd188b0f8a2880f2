"""Custom store backends written in Python for the tests of erplink.store: the erplink_dedup_ops
and erplink_outbox_ops contracts (include/erplink/store.h) over a dict, as a caller would over
their own store (the C suite's tests/core/store/test_outbox.c `tbox`, in Python). Thread-safe.
The SQL ones are examples/python/sql_store_ops.py."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

from erplink import store
from sql_store_ops import SqlDedupOps, SqlOutboxOps, connect_sqlite

#: the dedup backends every semantic test runs against
DEDUP_KINDS = ("memory", "sqlite", "custom-dict", "custom-sql")
#: the outbox backends every semantic test runs against
OUTBOX_KINDS = ("sqlite", "custom-dict", "custom-sql")


class Backends:
    """Makes dedups and outboxes of each kind in one scratch directory and closes them all."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.closers: List[Callable[[], None]] = []
        self._store: Optional[store.Store] = None
        self.n = 0

    def shared_store(self) -> store.Store:
        if self._store is None:
            self._store = store.Store(self.tmp / "store.db")
            self.closers.append(self._store.close)
        return self._store

    def _name(self) -> str:
        self.n += 1
        return "t%d" % self.n

    def _sql_cursor(self) -> Any:
        con, cur = connect_sqlite(str(self.tmp / ("ops-%s.db" % self._name())))
        self.closers.append(con.close)
        return cur

    def dedup(self, kind: str, capacity: int, ttl_s: float) -> store.Dedup:
        if kind == "memory":
            d = store.Dedup.memory(capacity, ttl_s)
        elif kind == "sqlite":
            d = store.Dedup.sqlite(self.shared_store(), self._name(), capacity, ttl_s)
        elif kind == "custom-dict":
            d = store.Dedup.custom(DictDedupOps(), capacity, ttl_s)
        else:
            d = store.Dedup.custom(SqlDedupOps(self._sql_cursor()), capacity, ttl_s)
        self.closers.insert(0, d.close)
        return d

    def outbox(self, kind: str, **policy: Any) -> store.Outbox:
        if kind == "sqlite":
            ob = store.Outbox.sqlite(self.shared_store(), self._name(), **policy)
        elif kind == "custom-dict":
            ob = store.Outbox.custom(DictOutboxOps(), **policy)
        else:
            ob = store.Outbox.custom(SqlOutboxOps(self._sql_cursor()), **policy)
        self.closers.insert(0, ob.close)
        return ob

    def close(self) -> None:
        for c in self.closers:
            c()
        self.closers = []


def row_tuple(it: store.Item, t0: int = 0) -> Tuple[Any, ...]:
    """An item as the vectors write it: key, payload, attempts, code name, message (+ changed)."""
    return (it.key, it.payload.decode(), it.attempts, it.error_code_name or "OK", it.error_message)


class DictDedupOps:
    """erplink.store.DedupOps over a dict id -> expiry."""

    def __init__(self) -> None:
        self.ids: Dict[str, int] = {}
        self.lock = threading.Lock()
        self.calls = 0
        self.purges = 0
        self.destroyed = 0

    def insert_if_absent(self, id: str, expires_at_ms: int, now_ms: int) -> bool:
        with self.lock:
            self.calls += 1
            exp = self.ids.get(id)
            if exp is not None and exp > now_ms:
                return False
            self.ids[id] = expires_at_ms
            return True

    def remove(self, id: str) -> bool:
        with self.lock:
            return self.ids.pop(id, None) is not None

    def purge(self, now_ms: int, max_entries: int) -> None:
        with self.lock:
            self.purges += 1
            for k in [k for k, e in self.ids.items() if e <= now_ms]:
                del self.ids[k]
            for k in sorted(self.ids, key=self.ids.__getitem__)[:max(0, len(self.ids) - max_entries)]:
                del self.ids[k]

    def count(self, now_ms: int) -> int:
        with self.lock:
            return sum(1 for e in self.ids.values() if e > now_ms)

    def destroy(self) -> None:
        self.destroyed += 1


@dataclass
class _Row:
    key: str
    state: int  # 0 pending, 1 leased, 2 dead, 3 done
    payload: bytes
    newer: Optional[bytes]
    gen: int
    attempts: int
    ready: int
    changed: int
    err_code: int = 0
    err_msg: Optional[str] = None


class DictOutboxOps:
    """erplink.store.OutboxOps over a dict key -> row."""

    def __init__(self) -> None:
        self.rows: Dict[str, _Row] = {}
        self.lock = threading.Lock()
        self.destroyed = 0

    def upsert(self, key: str, payload: bytes, now_ms: int) -> None:
        with self.lock:
            r = self.rows.get(key)
            if r is None:
                self.rows[key] = _Row(key, 0, payload, None, now_ms, 0, now_ms, now_ms)
            elif r.state == 1:
                r.newer = payload
            elif r.state == 0:
                r.payload = payload
            else:
                r.state, r.payload, r.attempts, r.ready, r.changed = 0, payload, 0, now_ms, now_ms
                r.err_code, r.err_msg = 0, None

    def claim(self, max: int, now_ms: int, lease_until_ms: int) -> List[store.Row]:
        with self.lock:
            due = sorted((r for r in self.rows.values() if r.state in (0, 1) and r.ready <= now_ms),
                         key=lambda r: r.ready)[:max]
            out = []
            for r in due:
                r.state, r.gen, r.attempts = 1, r.gen + 1, r.attempts + 1
                if r.newer is not None:
                    r.payload, r.newer = r.newer, None
                r.ready, r.changed = lease_until_ms, now_ms
                out.append(store.Row(r.key, r.payload, r.gen, r.attempts, r.err_code, r.err_msg))
            return out

    def finish(self, key: str, generation: int, outcome: int, ready_at_ms: int, code: int,
               message: Optional[str], now_ms: int) -> bool:
        with self.lock:
            r = self.rows.get(key)
            if r is None or r.state != 1 or r.gen != generation:
                return False
            if outcome in (store.Outcome.DONE, store.Outcome.DEAD):
                if r.newer is not None:
                    r.payload, r.newer, r.state, r.attempts, r.ready = r.newer, None, 0, 0, now_ms
                else:
                    r.state = 3 if outcome == store.Outcome.DONE else 2
                r.err_code, r.err_msg = (0, None) if outcome == store.Outcome.DONE else (code, message)
            else:
                if r.newer is not None:
                    r.payload, r.newer = r.newer, None
                r.state, r.ready = 0, ready_at_ms
                if outcome == store.Outcome.RELEASE and r.attempts > 0:
                    r.attempts -= 1
                if code != 0:
                    r.err_code, r.err_msg = code, message
            r.changed = now_ms
            return True

    def list(self, state: int, offset: int, max: int) -> Iterator[store.Row]:
        want = {store.State.LEASED: 1, store.State.DEAD: 2, store.State.DONE: 3}.get(store.State(state), 0)
        with self.lock:
            sel = sorted((r for r in self.rows.values() if r.state == want), key=lambda r: r.key.encode())
            rows = [store.Row(r.key, r.payload, r.gen, r.attempts, r.err_code, r.err_msg, r.changed)
                    for r in sel[offset:offset + max]]
        return iter(rows)

    def requeue(self, key: Optional[str], now_ms: int) -> int:
        n = 0
        with self.lock:
            for r in self.rows.values():
                if r.state == 2 and (key is None or r.key == key):
                    r.state, r.attempts, r.ready, r.changed, r.err_code, r.err_msg = 0, 0, now_ms, now_ms, 0, None
                    n += 1
        return n

    def discard(self, key: Optional[str]) -> int:
        with self.lock:
            gone = [k for k, r in self.rows.items() if r.state == 2 and (key is None or k == key)]
            for k in gone:
                del self.rows[k]
        return len(gone)

    def count(self, state: int, now_ms: int) -> int:
        s = store.State(state)
        with self.lock:
            rows = list(self.rows.values())
        if s == store.State.PENDING:
            return sum(1 for r in rows if r.state == 0 and r.ready <= now_ms)
        if s == store.State.RETRY_WAIT:
            return sum(1 for r in rows if r.state == 0 and r.ready > now_ms)
        want = {store.State.LEASED: 1, store.State.DEAD: 2}.get(s, 3)
        return sum(1 for r in rows if r.state == want)

    def purge(self, done_before_ms: int) -> None:
        with self.lock:
            for k in [k for k, r in self.rows.items() if r.state == 3 and r.changed < done_before_ms]:
                del self.rows[k]

    def destroy(self) -> None:
        self.destroyed += 1
