"""The connector's durable outbox rows in a SQL table: erplink's ``OutboxOps`` storage
primitives (include/erplink/store.h) written as plain SQL, for PostgreSQL (Odoo's own database,
the table of the ``cartona.outbox`` model) and SQLite (the tests).

The policy - leases, generations, attempts, exponential backoff, dead letters - is erplink's
(``erplink.store.Outbox.custom``); only the rows live here. Every row also keeps what the
connector shows: ``box`` (one table, several outboxes: ``products``, ``statuses``), ``ref_id``
(the Odoo record the row is about), ``last_outcome`` and ``last_message`` (the outcome of the
last attempt, kept when a newer value is enqueued), so that a product's last push result is one
row of this table.

States are text (``pending``, ``leased``, ``dead``, ``done``) so that the Odoo model can show
the column as a selection. Millisecond times are stored in columns wide enough for them
(Odoo: ``double precision``, exact below 2**53).
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator, List, Optional, Protocol, Sequence, Tuple

from erplink import store

PENDING, LEASED, DEAD, DONE = "pending", "leased", "dead", "done"
_STATE_OF = {store.State.PENDING: PENDING, store.State.LEASED: LEASED, store.State.DEAD: DEAD,
             store.State.DONE: DONE}
_OUTCOME_NAME = {store.Outcome.DONE: "updated", store.Outcome.RETRY: "retry", store.Outcome.DEAD: "dead",
                 store.Outcome.RELEASE: "released"}

#: The table the SQLite tests create (Odoo creates it from the model's fields).
SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS {t} (
  id INTEGER PRIMARY KEY, box TEXT NOT NULL, key TEXT NOT NULL, state TEXT NOT NULL, payload TEXT NOT NULL,
  newer TEXT, gen BIGINT NOT NULL, attempts INTEGER NOT NULL, ready BIGINT, changed BIGINT NOT NULL,
  err_code INTEGER NOT NULL DEFAULT 0, err_msg TEXT, ref_id INTEGER, last_outcome TEXT, last_message TEXT,
  UNIQUE (box, key));
CREATE INDEX IF NOT EXISTS {t}_ref ON {t} (box, ref_id);
CREATE INDEX IF NOT EXISTS {t}_due ON {t} (box, ready)
"""


class Db(Protocol):
    """What the ops need from a database connection: ``execute(sql, params)`` with ``%s``
    placeholders returning a DB-API cursor, and ``transaction()``: a context manager making
    the statements inside it one transaction (committed on success, rolled back on an
    exception) - or, inside Odoo's request transaction, nothing at all."""

    dialect: str

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...

    def transaction(self) -> "contextlib.AbstractContextManager[Any]": ...


class SqlOutboxOps:
    """``erplink.store.OutboxOps`` over the rows of one ``box`` of ``table``."""

    COLS = "key, payload, gen, attempts, err_code, err_msg, changed"

    def __init__(self, db: Db, box: str, table: str = "cartona_outbox") -> None:
        self.db = db
        self.box = box
        self.t = table
        #: the record id the next upsert is about (set by the connector around an enqueue)
        self.next_ref: Optional[int] = None
        #: (key, outcome name, code, message) of every finish recorded since last drained
        self.finished: List[tuple] = []

    def _q(self, sql: str, *params: Any) -> Any:
        return self.db.execute(sql.format(t=self.t), params)

    def upsert(self, key: str, payload: bytes, now_ms: int) -> None:
        # pending: payload replaced; leased: kept aside in `newer`; done/dead (or new): pending
        # again, attempts and error cleared (the last outcome stays for the form). A new row's
        # generation starts at now_ms so that a row deleted and enqueued again never reuses a
        # generation an old lease may hold.
        text = bytes(payload).decode("utf-8")
        with self.db.transaction():
            self._q("INSERT INTO {t} (box, key, state, payload, newer, gen, attempts, ready, changed, err_code, "
                    "err_msg, ref_id) VALUES (%s, %s, 'pending', %s, NULL, %s, 0, %s, %s, 0, NULL, %s) "
                    "ON CONFLICT (box, key) DO UPDATE SET "
                    "payload = CASE WHEN {t}.state = 'leased' THEN {t}.payload ELSE excluded.payload END, "
                    "newer = CASE WHEN {t}.state = 'leased' THEN excluded.payload ELSE NULL END, "
                    "attempts = CASE WHEN {t}.state IN ('dead', 'done') THEN 0 ELSE {t}.attempts END, "
                    "ready = CASE WHEN {t}.state IN ('dead', 'done') THEN excluded.ready ELSE {t}.ready END, "
                    "changed = CASE WHEN {t}.state IN ('dead', 'done') THEN excluded.changed ELSE {t}.changed END, "
                    "err_code = CASE WHEN {t}.state IN ('dead', 'done') THEN 0 ELSE {t}.err_code END, "
                    "err_msg = CASE WHEN {t}.state IN ('dead', 'done') THEN NULL ELSE {t}.err_msg END, "
                    "ref_id = coalesce(excluded.ref_id, {t}.ref_id), "
                    "state = CASE WHEN {t}.state = 'leased' THEN 'leased' ELSE 'pending' END",
                    self.box, key, text, now_ms, now_ms, now_ms, self.next_ref)

    def claim(self, max: int, now_ms: int, lease_until_ms: int) -> List[store.Row]:
        lock = " FOR UPDATE SKIP LOCKED" if self.db.dialect == "postgresql" else ""
        with self.db.transaction():
            keys = [k for (k,) in self._q("SELECT key FROM {t} WHERE box = %s AND state IN ('pending', 'leased') "
                                          "AND ready <= %s ORDER BY ready, key LIMIT %s" + lock,
                                          self.box, now_ms, max).fetchall()]
            rows = []
            for k in keys:
                self._q("UPDATE {t} SET state = 'leased', gen = gen + 1, attempts = attempts + 1, "
                        "payload = coalesce(newer, payload), newer = NULL, ready = %s, changed = %s "
                        "WHERE box = %s AND key = %s", lease_until_ms, now_ms, self.box, k)
                r = self._q("SELECT " + self.COLS + " FROM {t} WHERE box = %s AND key = %s", self.box, k).fetchone()
                rows.append(store.Row(r[0], r[1], int(r[2]), int(r[3]), int(r[4]), r[5], 0))
        return rows

    def finish(self, key: str, generation: int, outcome: int, ready_at_ms: int, code: int,
               message: Optional[str], now_ms: int) -> bool:
        fence = " WHERE box = %s AND key = %s AND state = 'leased' AND gen = %s"
        name = _OUTCOME_NAME.get(store.Outcome(outcome), "retry")
        last_msg = None if outcome == store.Outcome.DONE else message
        with self.db.transaction():
            if outcome in (store.Outcome.DONE, store.Outcome.DEAD):
                final, c, m = (DONE, 0, None) if outcome == store.Outcome.DONE else (DEAD, code, message)
                cur = self._q("UPDATE {t} SET state = CASE WHEN newer IS NULL THEN %s ELSE 'pending' END, "
                              "payload = coalesce(newer, payload), "
                              "attempts = CASE WHEN newer IS NULL THEN attempts ELSE 0 END, "
                              "ready = CASE WHEN newer IS NULL THEN NULL ELSE %s END, newer = NULL, changed = %s, "
                              "err_code = %s, err_msg = %s, last_outcome = %s, last_message = %s" + fence,
                              final, now_ms, now_ms, c, m, name, last_msg, self.box, key, generation)
            else:  # RETRY, RELEASE (the attempt not counted)
                back = 1 if outcome == store.Outcome.RELEASE else 0
                cur = self._q("UPDATE {t} SET state = 'pending', payload = coalesce(newer, payload), newer = NULL, "
                              "ready = %s, attempts = attempts - (CASE WHEN %s = 1 AND attempts > 0 THEN 1 ELSE 0 END), "
                              "changed = %s, err_code = CASE WHEN %s = 0 THEN err_code ELSE %s END, "
                              "err_msg = CASE WHEN %s = 0 THEN err_msg ELSE %s END, "
                              "last_outcome = CASE WHEN %s = 1 THEN last_outcome ELSE %s END, "
                              "last_message = CASE WHEN %s = 1 THEN last_message ELSE %s END" + fence,
                              ready_at_ms, back, now_ms, code, code, code, message, back, name, back, last_msg,
                              self.box, key, generation)
            ok = cur.rowcount == 1
        if ok:
            self.finished.append((key, name, code, message))
        return bool(ok)

    def list(self, state: int, offset: int, max: int) -> Iterator[store.Row]:
        want = _STATE_OF.get(store.State(state), PENDING)
        with self.db.transaction():
            rows = self._q("SELECT " + self.COLS + " FROM {t} WHERE box = %s AND state = %s ORDER BY key "
                           "LIMIT %s OFFSET %s", self.box, want, max, offset).fetchall()
        return iter([store.Row(r[0], r[1], int(r[2]), int(r[3]), int(r[4]), r[5], int(r[6])) for r in rows])

    def _dead(self, sql: str, key: Optional[str], *params: Any) -> int:
        with self.db.transaction():
            if key is None:
                return int(self._q(sql + " WHERE box = %s AND state = 'dead'", *params, self.box).rowcount)
            return int(self._q(sql + " WHERE box = %s AND state = 'dead' AND key = %s", *params, self.box,
                               key).rowcount)

    def requeue(self, key: Optional[str], now_ms: int) -> int:
        return self._dead("UPDATE {t} SET state = 'pending', attempts = 0, ready = %s, changed = %s, err_code = 0, "
                          "err_msg = NULL", key, now_ms, now_ms)

    def discard(self, key: Optional[str]) -> int:
        return self._dead("DELETE FROM {t}", key)

    def count(self, state: int, now_ms: int) -> int:
        s = store.State(state)
        params: Tuple[Any, ...]
        if s == store.State.PENDING:
            cond, params = "state = 'pending' AND ready <= %s", (now_ms,)
        elif s == store.State.RETRY_WAIT:
            cond, params = "state = 'pending' AND ready > %s", (now_ms,)
        else:
            cond, params = "state = %s", (_STATE_OF.get(s, DONE),)
        with self.db.transaction():
            return int(self._q("SELECT count(*) FROM {t} WHERE box = %s AND " + cond, self.box,
                               *params).fetchone()[0])

    # No purge: a done row is the product's last outcome (one row per product, bounded by the
    # catalogue). The status box is small; its done rows are deleted by Connector.purge_done().

    def drain_finished(self) -> List[tuple]:
        out, self.finished = self.finished, []
        return out


class SqliteDb:
    """:class:`Db` over a ``sqlite3`` connection in autocommit mode (the tests; each
    ``transaction()`` is ``BEGIN IMMEDIATE`` .. ``COMMIT``, nested ones join the outer one)."""

    dialect = "sqlite"

    def __init__(self, con: Any) -> None:
        self.con = con
        self.depth = 0

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.con.execute(sql.replace("%s", "?"), tuple(params))

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        if self.depth:
            self.depth += 1
            try:
                yield
            finally:
                self.depth -= 1
            return
        self.con.execute("BEGIN IMMEDIATE")
        self.depth = 1
        try:
            yield
        except BaseException:
            self.depth = 0
            self.con.execute("ROLLBACK")
            raise
        self.depth = 0
        self.con.execute("COMMIT")
