"""Durable state (erplink/store.h): a SQLite store file, and over it an event dedup
(:class:`Dedup`), a size-bounded blob cache (:class:`BlobCache`) and a keyed outbox with leases,
retries and dead letters (:class:`Outbox`, flushed to Cartona by
:meth:`erplink.cartona.Client.outbox_flush`). The dedup and the outbox also run over a store of
your own: a Python object implementing their storage primitives (:class:`DedupOps`,
:class:`OutboxOps`), e.g. over PostgreSQL through the Odoo ORM.

Example (a webhook that must not process an event twice, across restarts and workers)::

    from erplink import store
    st = store.Store("/var/lib/shop/erplink.db")                 # WAL, synchronous=NORMAL
    events = store.Dedup.sqlite(st, "razorpay.events", capacity=100_000, ttl_s=48 * 3600)
    if events.seen(event_id):
        return 200                                                  # a redelivery
    try:
        process(event)
    except Exception:
        events.forget(event_id)                                     # let the retry through
        raise

Every method is one C call (or a loop over a C batch): TTLs and size bounds, leases and
generations, backoff, dead-letter thresholds are the C library's policy, the same for every
backend and every language.

**Times.** Parameters carry their unit: ``ttl_s`` is in seconds; ``now_ms``, ``lease_ms``,
``backoff_ms``, ``retry_after_ms``... in milliseconds (``now_ms``: since 1970; ``None`` = the
wall clock). Tests pass explicit ``now_ms`` values to drive time; use one clock for every call.

**Threads and processes.** :class:`Store`, :class:`Dedup`, :class:`BlobCache` and
:class:`Outbox` are thread-safe (a custom backend: as thread-safe as its methods); a
:class:`Batch` is not. Every call may block (file locks of other processes are waited for up to
the store's busy timeout; commits may sync): it runs with the GIL released and can be
interrupted with Ctrl-C. Several processes may share one store file (on a local file system).
**Fork**: objects over a store file must not be used in a child process after ``os.fork()``: the
C library refuses with :class:`erplink.InvalidArgumentError` ("... fork() ..."); open a new
:class:`Store` in the child (memory and custom dedups/outboxes keep working in the child).

**Custom backends** (:meth:`Dedup.custom`, :meth:`Outbox.custom`): any object with one method
per storage primitive of the C ops struct (``erplink_dedup_ops``, ``erplink_outbox_ops``), called
with the GIL held on the thread that called erplink. An exception raised by a method is that
primitive's failure: the C call stops with an erplink error naming the method (the code of an
:class:`erplink.Error` you raise, e.g. a ``ConflictError`` for a serialization failure, or
``ESTORE``) and the original exception is re-raised to the caller once the C call has returned.
Exceptions of ``purge`` (the C library purges on a best-effort basis and ignores its failure)
and ``destroy`` are logged on the ``erplink`` logger instead (WARNING). A method returning the
wrong type (``None`` from ``insert_if_absent``...) raises ``TypeError`` the same way. The dedup
or outbox keeps its ops object alive until it is closed (through C, where the garbage collector
does not look): an ops object that refers back to its dedup is a cycle - close the dedup.
"""

from __future__ import annotations

import enum
import os
import weakref
from typing import (Any, Callable, Dict, Iterable, Iterator, List, Mapping, NamedTuple, Optional, Protocol,
                    Tuple, Union)

from . import _erplink, _errors
from ._core import _Client, _Handle
from ._errors import Error

__all__ = ["Store", "Dedup", "BlobCache", "Outbox", "Batch", "Item", "State", "Outcome", "Row", "DedupOps",
           "OutboxOps", "CacheSize", "StoreError", "SCHEMA_VERSION", "DEDUP_MAX_ID", "BLOB_CACHE_MAX_KEY",
           "OUTBOX_MAX_KEY", "OUTBOX_MAX_PAYLOAD"]

_e = _erplink
StoreError = _errors.StoreError

#: The schema version this library writes (and the newest it can read).
SCHEMA_VERSION: int = _e.STORE_SCHEMA_VERSION
#: The longest id :meth:`Dedup.seen` accepts, in bytes of UTF-8.
DEDUP_MAX_ID: int = _e.DEDUP_MAX_ID
#: The longest key a :class:`BlobCache` accepts, in bytes of UTF-8.
BLOB_CACHE_MAX_KEY: int = _e.BLOB_CACHE_MAX_KEY
#: The longest outbox key, in bytes of UTF-8.
OUTBOX_MAX_KEY: int = _e.OUTBOX_MAX_KEY
#: The largest outbox payload, in bytes (16 MiB, ``ERPLINK_OUTBOX_MAX_PAYLOAD``).
OUTBOX_MAX_PAYLOAD: int = 16 << 20

#: bytes, bytearray, memoryview (read in place) or str (its UTF-8)
Payload = Union[bytes, bytearray, memoryview, str]
PathLike = Union[str, "os.PathLike[str]"]

_SYNC = {"normal": _e.STORE_SYNC_NORMAL, "full": _e.STORE_SYNC_FULL}


def _now(now_ms: Optional[int]) -> int:
    return -1 if now_ms is None else int(now_ms)


def _ms_of_s(seconds: float) -> int:
    return int(round(float(seconds) * 1000))


# ==================================================================== the store file

class Store(_Client):
    """One SQLite store file (``erplink_store_open``), created if missing, in WAL mode.

    Several dedups, caches and outboxes may share one file (each has a name); several threads
    and processes may use it at once. :meth:`close` (or leaving the ``with`` block) first closes
    every object made over the store (using one afterwards raises ``InvalidArgumentError``).

    Args:
        path: the file (its directory must be writable: SQLite puts ``-wal`` and ``-shm`` files
            next to it); a local file system, never NFS/SMB.
        create: create a missing file (else :class:`erplink.NotFoundError`).
        busy_timeout_ms: how long one call waits in total for a lock another connection or
            process holds before :class:`erplink.ConflictError` (default 10,000; SQLite's
            ``SQLITE_BUSY`` itself never reaches you).
        sync: ``"normal"`` (default: WAL + ``synchronous=NORMAL``: a process crash loses nothing
            acknowledged, a power loss may lose the last commits) or ``"full"`` (every commit
            synced before the call returns: a power loss loses nothing acknowledged either).
        max_connections: SQLite connections of this process (default 4).

    Raises:
        StoreError: ``ESTORE`` (a directory, not writable, cannot be created, I/O error),
            ``ESTORE_CORRUPT`` (garbage, truncated, another program's database),
            ``ESTORE_VERSION`` (written by a newer erplink). The file is left untouched.
        ConflictError: locked by another process beyond the busy timeout.
    """

    _what = "store"

    def __init__(self, path: PathLike, *, create: bool = True, busy_timeout_ms: Optional[int] = None,
                 sync: str = "normal", max_connections: Optional[int] = None) -> None:
        if sync not in _SYNC:
            raise _errors.InvalidArgumentError('sync must be "normal" or "full", not %r' % (sync,))
        self._deps: "weakref.WeakSet[_Handle]" = weakref.WeakSet()
        opts = _Handle(_e.store_options_new(), _e.store_options_free)
        try:
            o = opts.ptr
            _e.store_options_set_create(o, int(bool(create)))
            if busy_timeout_ms is not None:
                _e.store_options_set_busy_timeout_ms(o, busy_timeout_ms)
            _e.store_options_set_sync(o, _SYNC[sync])
            if max_connections is not None:
                _e.store_options_set_max_connections(o, max_connections)
            self._h = _Handle(_e.store_open(os.fspath(path), o), _e.store_close)
        finally:
            opts.close()

    @property
    def path(self) -> str:
        """The path the store was opened with."""
        return _e.store_path(self._c)  # type: ignore[no-any-return]

    def check(self) -> None:
        """Verifies the whole file (``PRAGMA quick_check``; about a second per few hundred MB).

        Raises:
            StoreError: ``ESTORE_CORRUPT`` with SQLite's first finding.
        """
        _e.store_check(self._c)

    def close(self) -> None:
        """Closes every dedup, cache and outbox made over the store, then the store (idempotent;
        not while another thread uses any of them)."""
        for h in list(self._deps):
            h.close()
        self._h.close()

    def _adopt(self, h: _Handle) -> None:
        self._deps.add(h)

    def __repr__(self) -> str:
        return "Store(%r)" % (self.path if self._h.ptr is not None else "<closed>",)


# ==================================================================== dedup

class DedupOps(Protocol):
    """The storage primitives of a custom dedup backend (``erplink_dedup_ops``), for
    :meth:`Dedup.custom`. erplink computes the expiry times and decides when to purge; you store.

    Required: :meth:`insert_if_absent` and :meth:`remove`. Optional (leave them out):
    ``purge(now_ms: int, max_entries: int) -> None`` - delete the ids whose expiry is
    ``<= now_ms``, then, while more than ``max_entries`` remain, those expiring first (leave it
    out for a store that expires entries itself, e.g. Redis); ``count(now_ms: int) -> int`` - the
    ids whose expiry is ``> now_ms`` (without it :meth:`Dedup.count` raises
    ``InvalidArgumentError``); ``destroy() -> None`` - called once when the dedup is closed.

    Methods may be called from several threads at once (those calling the dedup).
    """

    def insert_if_absent(self, id: str, expires_at_ms: int, now_ms: int) -> bool:
        """Atomically, across every process sharing the store: if ``id`` is absent, or present
        with an expiry ``<= now_ms``, store it with expiry ``expires_at_ms`` and return True;
        otherwise change nothing and return False. (SQL: ``INSERT ... ON CONFLICT (id) DO UPDATE
        SET expires = excluded.expires WHERE t.expires <= now`` and the row count; Redis:
        ``SET id 1 NX PXAT expires``.)"""
        ...

    def remove(self, id: str) -> bool:
        """Deletes ``id``; True if it was there."""
        ...


class Dedup(_Client):
    """A bounded memory of recently seen ids, such as webhook event ids (``erplink_dedup``).

    :meth:`seen` records an id and tells whether it had been recorded within the TTL (the TTL
    runs from the first recording). An id is also forgotten when more than ``capacity`` newer
    ids arrived: size the capacity for the event rate x the TTL. Use the class methods
    :meth:`memory`, :meth:`sqlite` and :meth:`custom` (or the keywords ``store=``/``name=`` and
    ``ops=``); the three backends behave the same way. Thread-safe.

    The record is committed before :meth:`seen` returns, so an id is never accepted twice, also
    across a crash: the guarantee is *at most once*. When the work must be exactly once
    (creating a sale order), record the id in the same transaction as the work: implement
    :class:`DedupOps` over the database that holds the work (the Odoo addons do so).

    Args:
        capacity: the most ids kept (memory: 1 to 16,777,216, allocated up front at about 56
            bytes each; SQLite and custom: up to 1,000,000,000).
        ttl_s: how long an id is remembered, in seconds (> 0).
        store, name: a SQLite dedup named ``name`` in ``store`` (the store must stay open).
        ops: a custom backend (a :class:`DedupOps` object).
    """

    _what = "dedup"

    def __init__(self, capacity: int, ttl_s: float, *, store: Optional[Store] = None, name: Optional[str] = None,
                 ops: Optional[DedupOps] = None) -> None:
        ttl_ms = _ms_of_s(ttl_s)
        self._store = store
        self._own: Optional[Store] = None
        if store is not None and ops is not None:
            raise _errors.InvalidArgumentError("a dedup has a store or ops, not both")
        if store is not None:
            if name is None:
                raise _errors.InvalidArgumentError("a SQLite dedup needs a name")
            ptr = _e.dedup_new_sqlite(store._c, name, capacity, ttl_ms)
            self.backend: str = "sqlite"
        elif ops is not None:
            ptr = _e.dedup_new_custom(capacity, ttl_ms, ops)
            self.backend = "custom"
        else:
            ptr = _e.dedup_new_memory(capacity, ttl_ms)
            self.backend = "memory"
        self._h = _Handle(ptr, _e.dedup_free)
        if store is not None:
            store._adopt(self._h)

    @classmethod
    def memory(cls, capacity: int, ttl_s: float) -> "Dedup":
        """A per-process dedup (``erplink_dedup_new_memory``): O(1), lost at exit; when full the
        oldest id is evicted."""
        return cls(capacity, ttl_s)

    @classmethod
    def sqlite(cls, store: Store, name: str, capacity: int, ttl_s: float) -> "Dedup":
        """A dedup named ``name`` (1 to 200 bytes, e.g. ``"razorpay.events"``) in a store file,
        shared by every process and thread using it (``erplink_dedup_new_sqlite``): :meth:`seen`
        is one atomic insert-if-absent, so two processes given one id at the same moment get
        exactly one "new"."""
        return cls(capacity, ttl_s, store=store, name=name)

    @classmethod
    def custom(cls, ops: DedupOps, capacity: int, ttl_s: float) -> "Dedup":
        """A dedup over your own storage primitives (``erplink_dedup_new_custom``): ``ops`` is
        a :class:`DedupOps` object, kept alive by the dedup until it is closed."""
        return cls(capacity, ttl_s, ops=ops)

    def seen(self, event_id: str, now_ms: Optional[int] = None) -> bool:
        """Checks and records an id: True if it was recorded less than the TTL ago (a duplicate:
        nothing changed), False if it is new (now recorded, committed).

        Raises:
            InvalidArgumentError: an empty id or one longer than :data:`DEDUP_MAX_ID` bytes.
            StoreError, ConflictError: the store failed: nothing is known about the id - answer
                so that the sender retries (e.g. HTTP 503).
        """
        return bool(_e.dedup_seen(self._c, event_id, _now(now_ms)))

    def forget(self, event_id: str) -> bool:
        """Forgets an id (processing a new event failed after :meth:`seen` recorded it, so that
        the sender's retry is processed) -> whether it was recorded."""
        return bool(_e.dedup_forget(self._c, event_id))

    def count(self, now_ms: Optional[int] = None) -> int:
        """The ids recorded and not expired (memory backend: not evicted yet, expired ones
        included until a later call drops them)."""
        return int(_e.dedup_count(self._c, _now(now_ms)))

    def close(self) -> None:
        """Frees the dedup (a custom backend's ``destroy()`` is called, its object released; a
        store the dedup opened itself is closed too)."""
        self._h.close()
        if self._own is not None:
            self._own.close()

    def __repr__(self) -> str:
        return "Dedup(%s)" % self.backend


# ==================================================================== blob cache

class CacheSize(NamedTuple):
    """The size of a :class:`BlobCache`."""
    bytes: int
    """keys + values, in bytes"""
    blobs: int
    """the number of blobs"""


class BlobCache(_Client):
    """A size-bounded cache of blobs by key in a store file (``erplink_blob_cache``), shared by
    the processes using the file and kept across restarts; the least recently used blobs are
    evicted beyond ``max_bytes``. A blob that fails its checksum (damaged file) is reported
    absent: a cache never hands out wrong bytes. Thread-safe.

    Args:
        store: the store (must stay open).
        name: the cache's name in the file (e.g. ``"esi"``).
        max_bytes: the bound on keys + values (every process should pass the same).
    """

    _what = "blob cache"

    def __init__(self, store: Store, name: str, max_bytes: int) -> None:
        self._store = store
        self._h = _Handle(_e.blob_cache_new(store._c, name, max_bytes), _e.blob_cache_free)
        store._adopt(self._h)

    def get(self, key: str) -> Optional[bytes]:
        """The blob stored under ``key``, or None."""
        found, data = _e.blob_cache_get(self._c, key)
        return data if found else None

    def put(self, key: str, data: Payload) -> None:
        """Stores (replaces) a blob; one larger than ``max_bytes`` is not stored."""
        _e.blob_cache_put(self._c, key, data)

    def remove(self, key: str) -> bool:
        """Removes a blob -> whether it was there."""
        return bool(_e.blob_cache_remove(self._c, key))

    def evict(self, target_bytes: int = 0) -> None:
        """Evicts the least recently used blobs until at most ``target_bytes`` remain."""
        _e.blob_cache_evict(self._c, target_bytes)

    def size(self) -> CacheSize:
        """The current size and number of blobs (every process's puts included)."""
        b, n = _e.blob_cache_size(self._c)
        return CacheSize(int(b), int(n))


# ==================================================================== outbox

class State(enum.IntEnum):
    """The state of an outbox item, as counted and listed (``erplink_outbox_state``)."""
    PENDING = _e.OUTBOX_PENDING
    """waiting and due now (listing PENDING lists every pending item, due or not)"""
    RETRY_WAIT = _e.OUTBOX_RETRY_WAIT
    """pending, due later (waiting for its retry time; counted, not listed)"""
    LEASED = _e.OUTBOX_LEASED
    """claimed by a worker (also when the lease expired and no claim took it yet)"""
    DEAD = _e.OUTBOX_DEAD
    """a dead letter: given up, with the last reason"""
    DONE = _e.OUTBOX_DONE
    """delivered (kept for the retention time)"""


class Outcome(enum.IntEnum):
    """What :meth:`Batch.complete` recorded for an item (``erplink_outbox_outcome``; also the
    ``outcome`` a custom :meth:`OutboxOps.finish` receives)."""
    DONE = _e.OUTBOX_OUTCOME_DONE
    """delivered: done (or pending again with a newer payload enqueued meanwhile)"""
    RETRY = _e.OUTBOX_OUTCOME_RETRY
    """failed: pending again, due at ``ready_at_ms``, the error kept"""
    DEAD = _e.OUTBOX_OUTCOME_DEAD
    """failed for good: a dead letter (or pending again with a newer payload)"""
    RELEASE = _e.OUTBOX_OUTCOME_RELEASE
    """not attempted: pending again, the attempt not counted"""


def _state(state: Union[State, int, str]) -> int:
    if isinstance(state, str):
        try:
            return int(State[state.upper()])
        except KeyError:
            raise _errors.InvalidArgumentError(
                "unknown outbox state %r (want one of %s)" % (state, ", ".join(s.name.lower() for s in State))
            ) from None
    return int(state)


class Row(NamedTuple):
    """One row handed back by a custom :meth:`OutboxOps.claim` or :meth:`OutboxOps.list` (a
    plain tuple of 4 to 7 fields in this order works too)."""
    key: str
    payload: Payload
    generation: int
    """after the claim's increment"""
    attempts: int
    """after the claim's increment"""
    error_code: int = 0
    """the last error's ``ERPLINK_E*`` code (0: none)"""
    error_message: Optional[str] = None
    changed_ms: int = 0
    """when it entered its state (listing; 0 if unknown)"""


class OutboxOps(Protocol):
    """The storage primitives of a custom outbox backend (``erplink_outbox_ops``), for
    :meth:`Outbox.custom`; the policy (leases, generations, attempts, backoff, dead letters) stays
    erplink's.

    A row holds: key, state (pending / leased / dead / done), payload, a *newer payload* slot (set
    while leased), generation, attempts, a due time ``ready`` (when a pending row is due or a
    lease expires; none for dead and done rows), the time it entered its state, and the last
    error (code and message). Each method must be atomic against every process sharing the store
    (a transaction; ``SELECT ... FOR UPDATE SKIP LOCKED`` for :meth:`claim` on PostgreSQL) and
    may be called from several threads at once.

    Optional (leave them out): ``purge(done_before_ms: int) -> None`` - delete done rows that
    became done before ``done_before_ms`` (run on a best-effort basis: an exception is logged);
    ``destroy() -> None`` - called once when the outbox is closed. ``include/erplink/store.h``
    is the reference for each primitive.
    """

    def upsert(self, key: str, payload: bytes, now_ms: int) -> None:
        """No row, or a done or dead row -> pending, payload set, attempts 0, due ``now_ms``,
        error cleared; a pending row -> payload replaced (attempts and due time kept); a leased
        row -> the newer-payload slot set (the row stays leased)."""
        ...

    def claim(self, max: int, now_ms: int, lease_until_ms: int) -> Iterable[Union[Row, Tuple[Any, ...]]]:
        """Leases up to ``max`` rows due at ``now_ms`` (pending or leased rows with
        ``ready <= now_ms``), earliest due first: for each, state leased, generation + 1,
        attempts + 1, payload replaced by the newer payload if one is set (slot cleared),
        ``ready = lease_until_ms``; returns them (:class:`Row`: new generation and attempts)."""
        ...

    def finish(self, key: str, generation: int, outcome: int, ready_at_ms: int, code: int,
               message: Optional[str], now_ms: int) -> bool:
        """Records an :class:`Outcome` only if the row is leased with ``generation`` (return
        True), else changes nothing (False). A newer payload always survives: DONE and DEAD make
        the row pending with it (attempts 0, due ``now_ms``, slot cleared) when it is set, else
        done / dead (time ``now_ms``; DEAD keeps ``code`` and ``message``); RETRY makes the row
        pending, due ``ready_at_ms``, error set when ``code`` is not 0, payload replaced by the
        newer one if set; RELEASE likewise with attempts - 1."""
        ...

    def list(self, state: int, offset: int, max: int) -> Iterable[Union[Row, Tuple[Any, ...]]]:
        """Up to ``max`` rows in ``state`` (DEAD, DONE, LEASED, or PENDING meaning every pending
        row), ordered by key, skipping the first ``offset`` (with their ``changed_ms``)."""
        ...

    def requeue(self, key: Optional[str], now_ms: int) -> int:
        """Makes dead rows pending again (attempts 0, due ``now_ms``, error cleared): the one of
        ``key``, or all when ``key`` is None -> how many."""
        ...

    def discard(self, key: Optional[str]) -> int:
        """Deletes dead rows: the one of ``key``, or all when None -> how many."""
        ...

    def count(self, state: int, now_ms: int) -> int:
        """The rows in ``state`` at ``now_ms`` (PENDING: pending and due; RETRY_WAIT: pending and
        not due)."""
        ...


def _sink_rows(sink: Any, rows: Iterable[Union[Row, Tuple[Any, ...]]]) -> None:
    add = _e.outbox_sink_add
    for row in rows:
        r = row if isinstance(row, Row) else Row(*row)
        add(sink, r.key, r.payload, r.generation, r.attempts, r.error_code, r.error_message, r.changed_ms)


class _OutboxOpsAdapter:
    """``erplink_outbox_ops`` for an :class:`OutboxOps` object: its methods as they are, except
    ``claim`` and ``list``, whose returned rows are handed to the C sink here."""

    def __init__(self, ops: OutboxOps) -> None:
        for name in ("upsert", "finish", "requeue", "discard", "count", "purge", "destroy"):
            m = getattr(ops, name, None)
            if m is not None:
                setattr(self, name, m)
        for name in ("claim", "list"):
            m = getattr(ops, name, None)
            if m is not None:
                setattr(self, name, self._rows_to_sink(m))

    @staticmethod
    def _rows_to_sink(method: Callable[..., Iterable[Any]]) -> Callable[..., None]:
        def op(sink: Any, *args: Any) -> None:
            _sink_rows(sink, method(*args))
        op.__qualname__ = getattr(method, "__qualname__", getattr(method, "__name__", "op"))
        return op


class Item:
    """One item of a :class:`Batch` (``erplink_outbox_item``), read when the batch was made.

    Attributes:
        index: its position in the batch.
        key: the key (e.g. the product).
        payload: the bytes enqueued last.
        generation: the claim that leased it.
        attempts: the attempts so far (this claim included).
        error_code: the last failure's ``ERPLINK_E*`` code, 0 if none.
        error_message: the last failure's reason, or None.
        changed_ms: when a listed item entered its state (0 for claimed items).
        outcome: what :meth:`Batch.complete` recorded (an :class:`Outcome`), None before and for
            a stale item (its lease had been taken over).
    """

    __slots__ = ("index", "key", "payload", "generation", "attempts", "error_code", "error_message", "changed_ms",
                 "outcome", "_batch")

    def __init__(self, batch: "Batch", index: int, ptr: Any) -> None:
        self._batch = batch
        self.index: int = index
        self.key: str = _e.outbox_item_key(ptr)
        self.payload: bytes = _e.outbox_item_payload(ptr)
        self.generation: int = _e.outbox_item_generation(ptr)
        self.attempts: int = _e.outbox_item_attempts(ptr)
        self.error_code: int = _e.outbox_item_error_code(ptr)
        self.error_message: Optional[str] = _e.outbox_item_error_message(ptr)
        self.changed_ms: int = _e.outbox_item_changed_ms(ptr)
        self.outcome: Optional[Outcome] = None

    @property
    def error_code_name(self) -> Optional[str]:
        """The last failure's code name (``"EVALIDATION"``...), or None."""
        return _errors.CODE_NAMES.get(self.error_code, str(self.error_code)) if self.error_code else None

    def done(self) -> None:
        """Marks the item delivered (see :meth:`Batch.done`)."""
        self._batch.done(self.index)

    def failed(self, error: Union[Error, int], reason: Optional[str] = None,
               retry_after_ms: Optional[int] = None) -> None:
        """Marks the item failed (see :meth:`Batch.failed`)."""
        self._batch.failed(self.index, error, reason, retry_after_ms)

    def retry(self, error: Union[Error, int], reason: Optional[str] = None,
              retry_after_ms: Optional[int] = None) -> None:
        """Marks the item to be retried whatever the code (see :meth:`Batch.retry`)."""
        self._batch.retry(self.index, error, reason, retry_after_ms)

    def release(self) -> None:
        """Marks the item not attempted (see :meth:`Batch.release`)."""
        self._batch.release(self.index)

    def __repr__(self) -> str:
        return "Item(%r, attempts=%d%s)" % (self.key, self.attempts,
                                            ", outcome=%s" % self.outcome.name if self.outcome else "")


def _failure(error: Union[Error, int], reason: Optional[str], retry_after_ms: Optional[int]) -> Tuple[int, Optional[str], int]:
    if isinstance(error, Error):
        code = error.code
        if reason is None:
            reason = error.message
        if retry_after_ms is None:
            retry_after_ms = error.retry_after_ms
    elif isinstance(error, int) and not isinstance(error, bool):
        code = error
    else:
        raise TypeError("expected an erplink.Error or an ERPLINK_E* code, got %s" % type(error).__name__)
    return code, reason, -1 if retry_after_ms is None else int(retry_after_ms)


class Batch:
    """Claimed (:meth:`Outbox.claim`) or listed (:meth:`Outbox.list`) items
    (``erplink_outbox_batch``): a sequence of :class:`Item`. Not thread-safe.

    For a claimed batch, mark each item's outcome (:meth:`done`, :meth:`failed`, :meth:`retry`,
    :meth:`release`, or the same methods of the item) and record them with :meth:`complete`
    (leaving the ``with`` block does it, with the claim's clock; unmarked items are released). A
    claimed batch dropped
    without :meth:`complete` leaves its items leased until the lease expires (then they are sent
    again). A listed batch takes no outcomes.
    """

    __slots__ = ("items", "claimed", "stale", "_h", "_outbox", "_now_ms")

    def __init__(self, ptr: Any, outbox: "Outbox", claimed: bool, now_ms: Optional[int] = None) -> None:
        self._h = _Handle(ptr, _e.outbox_batch_free)
        self._outbox = outbox
        self._now_ms = now_ms
        self.claimed: bool = claimed
        #: outcomes ignored by :meth:`complete` because the lease had been taken over (None before)
        self.stale: Optional[int] = None
        self.items: List[Item] = [Item(self, i, _e.outbox_batch_at(ptr, i))
                                  for i in range(_e.outbox_batch_count(ptr))]

    @property
    def _c(self) -> Any:
        b = self._h.ptr
        if b is None:
            raise _errors.InvalidArgumentError("the batch is closed")
        return b

    @property
    def completed(self) -> bool:
        """Whether :meth:`complete` recorded the outcomes."""
        return self.stale is not None

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)

    def __getitem__(self, i: int) -> Item:
        return self.items[i]

    def done(self, i: int) -> None:
        """Marks item ``i`` delivered."""
        _e.outbox_batch_done(self._c, i)

    def failed(self, i: int, error: Union[Error, int], reason: Optional[str] = None,
               retry_after_ms: Optional[int] = None) -> None:
        """Marks item ``i`` failed with an :class:`erplink.Error` (its code, message and
        ``retry_after_ms``) or an ``ERPLINK_E*`` code: retried with backoff when the code is
        retryable (``erplink.error_retryable``), a dead letter at once otherwise (the server
        refused the data: the same payload would be refused again)."""
        code, why, ra = _failure(error, reason, retry_after_ms)
        _e.outbox_batch_failed(self._c, i, code, why, ra)

    def retry(self, i: int, error: Union[Error, int], reason: Optional[str] = None,
              retry_after_ms: Optional[int] = None) -> None:
        """Marks item ``i`` failed and to be retried whatever the code (the server did not judge
        it, e.g. it was never sent); a dead letter after ``max_attempts`` attempts."""
        code, why, ra = _failure(error, reason, retry_after_ms)
        _e.outbox_batch_retry(self._c, i, code, why, ra)

    def release(self, i: int) -> None:
        """Marks item ``i`` not attempted: pending again at once, the attempt not counted."""
        _e.outbox_batch_release(self._c, i)

    def complete(self, now_ms: Optional[int] = None) -> int:
        """Records the outcomes (the SQLite backend: in one transaction) and sets each item's
        :attr:`Item.outcome` -> the number of stale outcomes (ignored: the item's lease had been
        taken over by a later claim). Once per batch. ``now_ms`` None: the clock of the claim
        (its ``now_ms`` if it was given one, else the wall clock).

        Raises:
            StoreError, ConflictError: nothing recorded (SQLite); the items stay leased and are
                sent again after the lease.
        """
        b = self._c
        stale = int(_e.outbox_complete(self._outbox._c, b, _now(self._now_ms if now_ms is None else now_ms)))
        for it in self.items:
            o = _e.outbox_item_outcome(_e.outbox_batch_at(b, it.index))
            it.outcome = Outcome(o) if o else None
        self.stale = stale
        return stale

    def close(self) -> None:
        """Frees the batch (unrecorded outcomes are dropped: the items stay leased)."""
        self._h.close()

    def __enter__(self) -> "Batch":
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self.claimed and not self.completed and self._h.ptr is not None and self._outbox._h.ptr is not None:
                self.complete()
        finally:
            self.close()

    def __repr__(self) -> str:
        return "Batch(%d items%s)" % (len(self.items), "" if self.claimed else ", listed")


class Outbox(_Client):
    """A durable queue of keyed items with leases, retries and dead letters (``erplink_outbox``).

    The **latest value per key wins**: enqueueing a key already waiting replaces its payload (100
    stock changes of one product leave one item with the last quantity); a key enqueued while it
    is being sent keeps the new value aside and delivers it after the current attempt. Each claim
    counts an attempt; a retryable failure waits ``min(cap, base x 2^(attempt-1))`` less up to
    ``jitter`` of it, and at least the server's retry-after; after ``max_attempts`` attempts the
    item becomes a dead letter with its last reason; a non-retryable failure is a dead letter at
    once. Delivery is at least once. Use :meth:`sqlite` or :meth:`custom`. Thread-safe.

    Args (the policy; None keeps the default):
        lease_ms: how long a claim leases its items (default 300,000): longer than a flush takes.
        max_attempts: attempts before a retryable failure becomes a dead letter (default 8).
        backoff_ms: ``(base_ms, cap_ms)`` of the retry backoff (default ``(1000, 600000)``).
        jitter: the share of each delay taken off at random, 0.0 .. 1.0 (default 0.5).
        done_retention_ms: how long done items are kept (counted, listed; default 24 h).
    """

    _what = "outbox"

    def __init__(self, *, store: Optional[Store] = None, name: Optional[str] = None, ops: Optional[OutboxOps] = None,
                 lease_ms: Optional[int] = None, max_attempts: Optional[int] = None,
                 backoff_ms: Optional[Tuple[int, int]] = None, jitter: Optional[float] = None,
                 done_retention_ms: Optional[int] = None) -> None:
        if (store is None) == (ops is None):
            raise _errors.InvalidArgumentError("an outbox has a store (and a name) or ops")
        self._store = store
        opts = _Handle(_e.outbox_options_new(), _e.outbox_options_free)
        try:
            o = opts.ptr
            if lease_ms is not None:
                _e.outbox_options_set_lease_ms(o, lease_ms)
            if max_attempts is not None:
                _e.outbox_options_set_max_attempts(o, max_attempts)
            if backoff_ms is not None:
                _e.outbox_options_set_backoff_ms(o, backoff_ms[0], backoff_ms[1])
            if jitter is not None:
                _e.outbox_options_set_jitter(o, float(jitter))
            if done_retention_ms is not None:
                _e.outbox_options_set_done_retention_ms(o, done_retention_ms)
            if store is not None:
                if name is None:
                    raise _errors.InvalidArgumentError("a SQLite outbox needs a name")
                ptr = _e.outbox_new_sqlite(store._c, name, o)
                self.backend: str = "sqlite"
            else:
                assert ops is not None
                ptr = _e.outbox_new_custom(o, _OutboxOpsAdapter(ops))
                self.backend = "custom"
            self._h = _Handle(ptr, _e.outbox_free)
        finally:
            opts.close()
        if store is not None:
            store._adopt(self._h)

    @classmethod
    def sqlite(cls, store: Store, name: str, *, lease_ms: Optional[int] = None, max_attempts: Optional[int] = None,
               backoff_ms: Optional[Tuple[int, int]] = None, jitter: Optional[float] = None,
               done_retention_ms: Optional[int] = None) -> "Outbox":
        """An outbox named ``name`` (1 to 200 bytes, e.g. ``"cartona.stock"``) in a store file,
        shared by every process and thread using it; the policy keywords as for the class."""
        return cls(store=store, name=name, lease_ms=lease_ms, max_attempts=max_attempts, backoff_ms=backoff_ms,
                   jitter=jitter, done_retention_ms=done_retention_ms)

    @classmethod
    def custom(cls, ops: OutboxOps, *, lease_ms: Optional[int] = None, max_attempts: Optional[int] = None,
               backoff_ms: Optional[Tuple[int, int]] = None, jitter: Optional[float] = None,
               done_retention_ms: Optional[int] = None) -> "Outbox":
        """An outbox over your own storage primitives (an :class:`OutboxOps` object, kept alive
        until the outbox is closed); the policy keywords as for the class."""
        return cls(ops=ops, lease_ms=lease_ms, max_attempts=max_attempts, backoff_ms=backoff_ms, jitter=jitter,
                   done_retention_ms=done_retention_ms)

    def enqueue(self, key: str, payload: Payload, now_ms: Optional[int] = None) -> None:
        """Enqueues the latest value of ``key`` (1 to :data:`OUTBOX_MAX_KEY` bytes; committed
        before the call returns). ``payload``: up to :data:`OUTBOX_MAX_PAYLOAD` bytes."""
        _e.outbox_enqueue(self._c, key, payload, _now(now_ms))

    def enqueue_many(self, items: Union[Mapping[str, Payload], Iterable[Tuple[str, Payload]]],
                     now_ms: Optional[int] = None) -> None:
        """Enqueues several keys' latest values (a mapping or ``(key, payload)`` pairs; a key given
        twice ends with its last value): the SQLite backend in one transaction (all or nothing,
        one commit: what makes bulk changes fast); a custom backend item by item (after a failure
        the earlier ones stay enqueued). A bad item enqueues nothing."""
        if isinstance(items, Mapping) and not isinstance(items, dict):
            items = list(items.items())
        _e.outbox_enqueue_many(self._c, items, _now(now_ms))

    def claim(self, max_items: int = 100, now_ms: Optional[int] = None) -> Batch:
        """Leases up to ``max_items`` (1 .. 100,000) due items, earliest due first, for
        ``lease_ms`` -> a :class:`Batch` (possibly empty). Also purges old done items now and
        then, and turns items whose lease expired too often into dead letters."""
        return Batch(_e.outbox_claim(self._c, max_items, _now(now_ms)), self, True, now_ms)

    def list(self, state: Union[State, int, str] = State.DEAD, offset: int = 0, limit: int = 100) -> Batch:
        """Up to ``limit`` (1 .. 100,000) items in ``state`` (``"dead"``, ``"done"``,
        ``"leased"``, ``"pending"``: every pending item, due or not), ordered by key, skipping
        ``offset`` -> a read-only :class:`Batch` (its items carry ``changed_ms``)."""
        return Batch(_e.outbox_list(self._c, _state(state), offset, limit), self, False)

    def requeue(self, key: Optional[str] = None, now_ms: Optional[int] = None) -> int:
        """Makes dead letters pending again, attempts starting over (one key, or all when
        ``key`` is None) -> how many."""
        return int(_e.outbox_requeue(self._c, key, _now(now_ms)))

    def discard(self, key: Optional[str] = None) -> int:
        """Deletes dead letters (one key, or all when None) -> how many."""
        return int(_e.outbox_discard(self._c, key))

    def count(self, state: Union[State, int, str], now_ms: Optional[int] = None) -> int:
        """The items in ``state`` (``"pending"``: due now; ``"retry_wait"``: due later)."""
        return int(_e.outbox_count(self._c, _state(state), _now(now_ms)))

    def counts(self, now_ms: Optional[int] = None) -> Dict[str, int]:
        """The count of every state: ``{"pending": .., "retry_wait": .., "leased": .., "dead":
        .., "done": ..}`` (one :meth:`count` per state)."""
        return {s.name.lower(): self.count(s, now_ms) for s in State}

    def __repr__(self) -> str:
        return "Outbox(%s)" % self.backend
