"""erplink's dedup and outbox over a SQL database of your own: the storage primitives
(erplink.store.DedupOps and OutboxOps) written with plain SQL through a DB-API cursor.

This is the shape of the Odoo addons' backends (Odoo's PostgreSQL through ``env.cr``): the
policy (TTLs, size bounds, leases, generations, backoff, dead letters) stays erplink's, only the
rows live in your database - so recording a webhook's event id can be part of the transaction
that creates the sale order (exactly once instead of at most once).

Run as a script, it uses a SQLite file through Python's ``sqlite3`` (``python3 sql_store_ops.py
/tmp/demo.db``). The SQL is written for both SQLite and PostgreSQL (``dialect="postgresql"``:
``%s`` placeholders, ``FOR UPDATE SKIP LOCKED`` when claiming). Over PostgreSQL in Odoo::

    ops = SqlDedupOps(env.cr, dialect="postgresql", transactions=False)   # the request's transaction
    events = erplink.store.Dedup.custom(ops, capacity=1_000_000, ttl_s=48 * 3600)

With ``transactions=False`` the methods run in the caller's transaction (Odoo commits it with
the request); with ``transactions=True`` (a dedicated connection) each method is one transaction
of its own. A method that raises makes the erplink call fail and the exception is re-raised to
the caller (a serialization failure should be raised as ``erplink.ConflictError``).
"""

from __future__ import annotations

import sqlite3
import sys
import threading
from typing import Any, Iterator, List, Optional, Sequence, Tuple

import erplink
from erplink import store

# outbox row states (the C library's SQLite backend uses the same numbers)
PENDING, LEASED, DEAD, DONE = 0, 1, 2, 3


class _Sql:
    """A DB-API cursor with the dialect's placeholders and, optionally, one transaction per
    method (and a lock: one cursor is not to be shared by threads at once)."""

    def __init__(self, cursor: Any, dialect: str, transactions: bool) -> None:
        if dialect not in ("sqlite", "postgresql"):
            raise ValueError("dialect must be 'sqlite' or 'postgresql'")
        self.cur = cursor
        self.dialect = dialect
        self.transactions = transactions
        self.lock = threading.RLock()

    def q(self, sql: str, *params: Any) -> Any:
        self.cur.execute(sql.replace("%s", "?") if self.dialect == "sqlite" else sql, params)
        return self.cur

    def txn(self) -> "_Txn":
        return _Txn(self)


class _Txn:
    def __init__(self, sql: _Sql) -> None:
        self.sql = sql

    def __enter__(self) -> _Sql:
        self.sql.lock.acquire()
        if self.sql.transactions:
            self.sql.cur.execute("BEGIN IMMEDIATE" if self.sql.dialect == "sqlite" else "BEGIN")
        return self.sql

    def __exit__(self, exc_type: Any, *rest: Any) -> None:
        try:
            if self.sql.transactions:
                self.sql.cur.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.sql.lock.release()


class SqlDedupOps:
    """erplink.store.DedupOps over a table ``(id PRIMARY KEY, expires)``."""

    def __init__(self, cursor: Any, table: str = "erplink_dedup_ids", dialect: str = "sqlite",
                 transactions: bool = True) -> None:
        self.sql = _Sql(cursor, dialect, transactions)
        self.t = table
        with self.sql.txn() as s:
            s.q("CREATE TABLE IF NOT EXISTS %s (id TEXT PRIMARY KEY, expires BIGINT NOT NULL)" % table)

    def insert_if_absent(self, id: str, expires_at_ms: int, now_ms: int) -> bool:
        # one atomic statement: a live row is left alone (no row changed), an expired one taken over
        with self.sql.txn() as s:
            c = s.q("INSERT INTO {t} (id, expires) VALUES (%s, %s) ON CONFLICT (id) DO UPDATE "
                    "SET expires = excluded.expires WHERE {t}.expires <= %s".format(t=self.t),
                    id, expires_at_ms, now_ms)
            return bool(c.rowcount == 1)

    def remove(self, id: str) -> bool:
        with self.sql.txn() as s:
            return bool(s.q("DELETE FROM %s WHERE id = %%s" % self.t, id).rowcount == 1)

    def purge(self, now_ms: int, max_entries: int) -> None:
        with self.sql.txn() as s:
            s.q("DELETE FROM %s WHERE expires <= %%s" % self.t, now_ms)
            (n,) = s.q("SELECT count(*) FROM %s" % self.t).fetchone()
            if n > max_entries:
                s.q("DELETE FROM {t} WHERE id IN (SELECT id FROM {t} ORDER BY expires LIMIT %s)".format(t=self.t),
                    n - max_entries)

    def count(self, now_ms: int) -> int:
        with self.sql.txn() as s:
            return int(s.q("SELECT count(*) FROM %s WHERE expires > %%s" % self.t, now_ms).fetchone()[0])


class SqlOutboxOps:
    """erplink.store.OutboxOps over a table of rows (key, state, payload, newer, gen, attempts,
    ready, changed, err_code, err_msg): each method is the contract of ``erplink_outbox_ops`` in
    include/erplink/store.h, as the C library's own SQLite backend implements it."""

    COLS = "key, payload, gen, attempts, err_code, err_msg, changed"

    def __init__(self, cursor: Any, table: str = "erplink_outbox_rows", dialect: str = "sqlite",
                 transactions: bool = True) -> None:
        self.sql = _Sql(cursor, dialect, transactions)
        self.t = table
        blob = "BLOB" if dialect == "sqlite" else "BYTEA"
        with self.sql.txn() as s:
            s.q("CREATE TABLE IF NOT EXISTS {t} (key TEXT PRIMARY KEY, state INTEGER NOT NULL, payload {b} NOT NULL, "
                "newer {b}, gen BIGINT NOT NULL, attempts INTEGER NOT NULL, ready BIGINT, changed BIGINT NOT NULL, "
                "err_code INTEGER NOT NULL, err_msg TEXT)".format(t=table, b=blob))

    def upsert(self, key: str, payload: bytes, now_ms: int) -> None:
        # pending: payload replaced; leased: kept aside in `newer`; done/dead (or new): pending again,
        # attempts and error cleared. A new row's generation starts at now_ms, so that a row
        # deleted and enqueued again never reuses a generation an old lease may hold.
        with self.sql.txn() as s:
            s.q("INSERT INTO {t} (key, state, payload, newer, gen, attempts, ready, changed, err_code, err_msg) "
                "VALUES (%s, 0, %s, NULL, %s, 0, %s, %s, 0, NULL) ON CONFLICT (key) DO UPDATE SET "
                "payload = CASE WHEN {t}.state = 1 THEN {t}.payload ELSE excluded.payload END, "
                "newer = CASE WHEN {t}.state = 1 THEN excluded.payload ELSE NULL END, "
                "attempts = CASE WHEN {t}.state >= 2 THEN 0 ELSE {t}.attempts END, "
                "ready = CASE WHEN {t}.state >= 2 THEN excluded.ready ELSE {t}.ready END, "
                "changed = CASE WHEN {t}.state >= 2 THEN excluded.changed ELSE {t}.changed END, "
                "err_code = CASE WHEN {t}.state >= 2 THEN 0 ELSE {t}.err_code END, "
                "err_msg = CASE WHEN {t}.state >= 2 THEN NULL ELSE {t}.err_msg END, "
                "state = CASE WHEN {t}.state = 1 THEN 1 ELSE 0 END".format(t=self.t),
                key, bytes(payload), now_ms, now_ms, now_ms)

    def claim(self, max: int, now_ms: int, lease_until_ms: int) -> List[store.Row]:
        lock = " FOR UPDATE SKIP LOCKED" if self.sql.dialect == "postgresql" else ""
        rows: List[store.Row] = []
        with self.sql.txn() as s:
            keys = [k for (k,) in s.q("SELECT key FROM {t} WHERE ready <= %s ORDER BY ready, key LIMIT %s{l}"
                                      .format(t=self.t, l=lock), now_ms, max).fetchall()]
            for k in keys:
                s.q("UPDATE {t} SET state = 1, gen = gen + 1, attempts = attempts + 1, payload = coalesce(newer, payload), "
                    "newer = NULL, ready = %s, changed = %s WHERE key = %s".format(t=self.t), lease_until_ms, now_ms, k)
                rows.append(self._row(s.q("SELECT %s FROM %s WHERE key = %%s" % (self.COLS, self.t), k).fetchone(),
                                      changed=False))
        return rows

    @staticmethod
    def _row(r: Sequence[Any], changed: bool = True) -> store.Row:
        return store.Row(r[0], bytes(r[1]), int(r[2]), int(r[3]), int(r[4]), r[5], int(r[6]) if changed else 0)

    def finish(self, key: str, generation: int, outcome: int, ready_at_ms: int, code: int,
               message: Optional[str], now_ms: int) -> bool:
        fence = " WHERE key = %s AND state = 1 AND gen = %s"
        with self.sql.txn() as s:
            if outcome in (store.Outcome.DONE, store.Outcome.DEAD):
                final, c, m = (DONE, 0, None) if outcome == store.Outcome.DONE else (DEAD, code, message)
                cur = s.q(("UPDATE {t} SET state = CASE WHEN newer IS NULL THEN %s ELSE 0 END, "
                           "payload = coalesce(newer, payload), "
                           "attempts = CASE WHEN newer IS NULL THEN attempts ELSE 0 END, "
                           "ready = CASE WHEN newer IS NULL THEN NULL ELSE %s END, newer = NULL, changed = %s, "
                           "err_code = %s, err_msg = %s" + fence).format(t=self.t),
                          final, now_ms, now_ms, c, m, key, generation)
            else:  # RETRY, RELEASE (the attempt not counted)
                back = 1 if outcome == store.Outcome.RELEASE else 0
                cur = s.q(("UPDATE {t} SET state = 0, payload = coalesce(newer, payload), newer = NULL, ready = %s, "
                           "attempts = attempts - (CASE WHEN %s = 1 AND attempts > 0 THEN 1 ELSE 0 END), changed = %s, "
                           "err_code = CASE WHEN %s = 0 THEN err_code ELSE %s END, "
                           "err_msg = CASE WHEN %s = 0 THEN err_msg ELSE %s END" + fence).format(t=self.t),
                          ready_at_ms, back, now_ms, code, code, code, message, key, generation)
            return bool(cur.rowcount == 1)

    def list(self, state: int, offset: int, max: int) -> Iterator[store.Row]:
        want = {store.State.PENDING: PENDING, store.State.LEASED: LEASED, store.State.DEAD: DEAD}.get(store.State(state),
                                                                                                    DONE)
        with self.sql.txn() as s:
            rows = s.q("SELECT %s FROM %s WHERE state = %%s ORDER BY key LIMIT %%s OFFSET %%s" % (self.COLS, self.t),
                       want, max, offset).fetchall()
        return (self._row(r) for r in rows)

    def _dead(self, sql: str, key: Optional[str], *params: Any) -> int:
        with self.sql.txn() as s:
            if key is None:
                return int(s.q(sql + " WHERE state = 2", *params).rowcount)
            return int(s.q(sql + " WHERE state = 2 AND key = %s", *params, key).rowcount)

    def requeue(self, key: Optional[str], now_ms: int) -> int:
        return self._dead("UPDATE %s SET state = 0, attempts = 0, ready = %%s, changed = %%s, err_code = 0, "
                          "err_msg = NULL" % self.t, key, now_ms, now_ms)

    def discard(self, key: Optional[str]) -> int:
        return self._dead("DELETE FROM %s" % self.t, key)

    def count(self, state: int, now_ms: int) -> int:
        where = {store.State.PENDING: ("state = 0 AND ready <= %s", (now_ms,)),
                 store.State.RETRY_WAIT: ("state = 0 AND ready > %s", (now_ms,)),
                 store.State.LEASED: ("state = 1", ()), store.State.DEAD: ("state = 2", ())}
        cond, params = where.get(store.State(state), ("state = 3", ()))
        with self.sql.txn() as s:
            return int(s.q("SELECT count(*) FROM %s WHERE %s" % (self.t, cond), *params).fetchone()[0])

    def purge(self, done_before_ms: int) -> None:
        with self.sql.txn() as s:
            s.q("DELETE FROM %s WHERE state = 3 AND changed < %%s" % self.t, done_before_ms)


def connect_sqlite(path: str) -> Tuple[sqlite3.Connection, sqlite3.Cursor]:
    """A sqlite3 connection for the ops above: autocommit (the ops open their own transactions),
    usable from any thread (the ops lock around each method), waiting for other processes' locks."""
    con = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    con.execute("PRAGMA journal_mode=WAL")
    return con, con.cursor()


def main(argv: List[str]) -> int:
    con, cur = connect_sqlite(argv[1] if len(argv) > 1 else ":memory:")
    events = store.Dedup.custom(SqlDedupOps(cur), capacity=1000, ttl_s=3600)
    print("evt_1 seen before:", events.seen("evt_1"), "- again:", events.seen("evt_1"))
    outbox = store.Outbox.custom(SqlOutboxOps(cur), backoff_ms=(1000, 60000))
    outbox.enqueue("sku-1", b'{"supplier_product_id": "sku-1", "available_stock_quantity": 5}')
    outbox.enqueue("sku-1", b'{"supplier_product_id": "sku-1", "available_stock_quantity": 4}')  # the latest wins
    with outbox.claim(10) as batch:
        for item in batch:
            print("sending", item.key, item.payload.decode())
            item.failed(erplink.ENETWORK, "demo: the network is down")  # retried with backoff
    print(outbox.counts())
    events.close()
    outbox.close()
    con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
