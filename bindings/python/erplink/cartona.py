"""Cartona supplier-integration client (``cartona_client`` of erplink/cartona.h).

Example::

    from erplink import cartona
    c = cartona.Client(TOKEN, supplier_code=1)
    r = c.update_stock([{"base_product_id": "904", "available_stock_quantity": 12}])
    print(r.counts, [o.message for o in r if o.status != "updated"])
    c.sync_orders(import_order)      # import_order(order) raising -> not acknowledged

Every method is one C call (bulk updates, pulls, acknowledgements, status and detail
updates) or, for :meth:`Client.sync_orders`, a loop over the pull-style intake
(``cartona_intake_next`` / ``_done`` / ``_finish``). Retries, batching, the per-item answer
parsing and the acknowledgement rules are the C library's.

Thread safety: a :class:`Client` may be used from several threads at once (not
:meth:`Client.close`). Results (:class:`BulkResult`, :class:`Order`, :class:`SyncReport`) are
read-only. A :class:`StatusMap` may be read from several threads while nobody modifies it.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence

from . import _erplink, _errors
from ._core import Transport, _apply_transport, _Client, _Handle
from ._errors import Error
from .store import Outbox

__all__ = ["Client", "parse_orders", "outbox_enqueue", "FlushReport", "BulkResult", "Outcome", "Order", "OrderLine", "OrderChanges", "SyncReport",
           "SyncEntry", "StatusMap", "status_settable", "cancellation_reason_valid", "unit_valid",
           "BASE_URL_PRODUCTION", "BASE_URL_STAGING"]

_e = _erplink

#: Cartona's production base URL.
BASE_URL_PRODUCTION: str = _e.CARTONA_BASE_URL_PRODUCTION
#: Cartona's staging base URL.
BASE_URL_STAGING: str = _e.CARTONA_BASE_URL_STAGING

_SYNC_NAMES = {_e.CARTONA_SYNC_ACKED: "acked", _e.CARTONA_SYNC_IMPORT_FAILED: "import_failed",
               _e.CARTONA_SYNC_ACK_FAILED: "ack_failed", _e.CARTONA_SYNC_UNMARKED: "unmarked"}
_ITEM_STATUSES = (_e.CARTONA_ITEM_UPDATED, _e.CARTONA_ITEM_REJECTED, _e.CARTONA_ITEM_REJECTED_LOCALLY,
                  _e.CARTONA_ITEM_NOT_SENT)


def status_settable(status: str) -> bool:
    """Whether a supplier may set ``status`` (``cartona_status_settable``)."""
    return bool(_e.cartona_status_settable(status))


def cancellation_reason_valid(reason: str) -> bool:
    """Whether ``reason`` is one of Cartona's cancellation reasons."""
    return bool(_e.cartona_cancellation_reason_valid(reason))


def unit_valid(unit: str) -> bool:
    """Whether ``unit`` is one of Cartona's units (box, can, kg, piece, ...)."""
    return bool(_e.cartona_unit_valid(unit))


# ==================================================================== bulk results

class Outcome:
    """The outcome of one item of a bulk update (``cartona_outcome``).

    Attributes:
        index: the item's position in the input.
        status: ``"updated"``, ``"rejected"``, ``"rejected_locally"`` or ``"not_sent"``.
        message: why it was not updated (``None`` when updated).
        error: the :class:`erplink.Error` behind a failed item (not raised), or ``None``.
        http_status: the HTTP status that decided the item (0: none).
    """

    __slots__ = ("index", "status", "message", "error", "http_status")

    def __init__(self, index: int, status: str, message: Optional[str], error: Optional[Error],
                 http_status: int) -> None:
        self.index: int = index
        self.status: str = status
        self.message: Optional[str] = message
        self.error: Optional[Error] = error
        self.http_status: int = http_status

    @property
    def ok(self) -> bool:
        """True when the item was updated."""
        return self.status == "updated"

    @property
    def error_category(self) -> Optional[str]:
        """The category of :attr:`error` (``"validation"``, ``"network"``, ...), or ``None``."""
        return self.error.category if self.error is not None else None

    @property
    def retryable(self) -> bool:
        """Whether sending the item again later may succeed (``erplink_error_retryable``)."""
        return self.error is not None and bool(_e.error_retryable(self.error.code))

    def __repr__(self) -> str:
        return "Outcome(%d, %r%s)" % (self.index, self.status, ", %r" % self.message if self.message else "")


class BulkResult:
    """The per-item outcomes of a bulk update, in input order, and their counts.

    Attributes:
        outcomes: one :class:`Outcome` per input item.
        counts: status name -> number of items (every status present, 0 included).
        batches: how many batches the valid items were split into.
        attempts: HTTP attempts made (retries included).
    """

    __slots__ = ("outcomes", "counts", "batches", "attempts")

    def __init__(self, ptr: Any) -> None:
        self.outcomes: List[Outcome] = []
        for i in range(_e.cartona_bulk_result_count(ptr)):
            o = _e.cartona_bulk_result_at(ptr, i)
            self.outcomes.append(Outcome(_e.cartona_outcome_index(o),
                                         _e.cartona_item_status_name(_e.cartona_outcome_status(o)),
                                         _e.cartona_outcome_message(o), _e.cartona_outcome_error(o),
                                         _e.cartona_outcome_http_status(o)))
        self.counts: Dict[str, int] = {_e.cartona_item_status_name(s): _e.cartona_bulk_result_count_status(ptr, s)
                                       for s in _ITEM_STATUSES}
        self.batches: int = _e.cartona_bulk_result_batches(ptr)
        self.attempts: int = _e.cartona_bulk_result_attempts(ptr)

    def __len__(self) -> int:
        return len(self.outcomes)

    def __iter__(self) -> Iterator[Outcome]:
        return iter(self.outcomes)

    def __getitem__(self, i: int) -> Outcome:
        return self.outcomes[i]

    @property
    def updated(self) -> int:
        """Items the server accepted."""
        return self.counts["updated"]

    @property
    def failed(self) -> List[Outcome]:
        """The outcomes that are not ``updated``."""
        return [o for o in self.outcomes if o.status != "updated"]

    def __repr__(self) -> str:
        return "BulkResult(%r)" % (self.counts,)


# ==================================================================== orders

class OrderLine:
    """One line of an order (``cartona_order_line``), converted when the order was read.

    Attributes:
        raw: the line exactly as received (a dict).
        quantity: Cartona's ``amount`` (a quantity).
        unit_price: the final unit price (``selling_price``).
    """

    __slots__ = ("raw", "quantity", "unit_price", "_ptr", "_owner")

    def __init__(self, ptr: Any, owner: _Handle) -> None:
        self._ptr, self._owner = ptr, owner
        self.raw: Dict[str, Any] = _e.cartona_order_line_raw(ptr)
        self.quantity: float = _e.cartona_order_line_quantity(ptr)
        self.unit_price: float = _e.cartona_order_line_unit_price(ptr)

    def text(self, key: str) -> Optional[str]:
        """A scalar field as text (``cartona_order_line_text``), or ``None``."""
        return _e.cartona_order_line_text(self._live(), key)  # type: ignore[no-any-return]

    def number(self, key: str) -> float:
        """A number field (0 when absent; ``InvalidArgumentError`` ETYPE when not numeric)."""
        return float(_e.cartona_order_line_number(self._live(), key))

    def _live(self) -> Any:
        if self._owner.ptr is None:
            raise _errors.InvalidArgumentError("the order list was freed")
        return self._ptr


class Order:
    """A pulled order (``cartona_order``). It keeps the C list it belongs to alive.

    Attributes:
        hashed_id: the order key.
        status: the Cartona status.
        payment_method: ``"standard"``, ``"instalment"``, ``"wallet_top_up"`` or ``"cartona_credit"``.
        raw: the order exactly as received (a dict, unknown fields included).
        lines: the :class:`OrderLine` list.
    """

    __slots__ = ("hashed_id", "status", "payment_method", "raw", "lines", "_ptr", "_owner")

    def __init__(self, ptr: Any, owner: _Handle) -> None:
        self._ptr, self._owner = ptr, owner
        self.hashed_id: str = _e.cartona_order_hashed_id(ptr)
        self.status: str = _e.cartona_order_status(ptr)
        self.payment_method: str = _e.cartona_payment_method_name(_e.cartona_order_payment_method(ptr))
        self.raw: Dict[str, Any] = _e.cartona_order_raw(ptr)
        self.lines: List[OrderLine] = [OrderLine(_e.cartona_order_line_at(ptr, i), owner)
                                       for i in range(_e.cartona_order_line_count(ptr))]

    def _live(self) -> Any:
        if self._owner.ptr is None:
            raise _errors.InvalidArgumentError("the order list was freed")
        return self._ptr

    def text(self, key: str) -> Optional[str]:
        """A top-level scalar field as text (``cartona_order_text``), or ``None``."""
        return _e.cartona_order_text(self._live(), key)  # type: ignore[no-any-return]

    def number(self, key: str) -> float:
        """A top-level number field, numbers and numeric strings accepted (0 when absent)."""
        return float(_e.cartona_order_number(self._live(), key))

    def retailer_text(self, key: str) -> Optional[str]:
        """A ``retailer`` member as text, or ``None``."""
        return _e.cartona_order_retailer_text(self._live(), key)  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return "Order(%r, %r)" % (self.hashed_id, self.status)


def _orders_of(ptr: Any) -> List[Order]:
    owner = _Handle(ptr, _e.cartona_orders_free)
    return [Order(_e.cartona_orders_at(ptr, i), owner) for i in range(_e.cartona_orders_count(ptr))]


def parse_orders(data: Any) -> List[Order]:
    """Parses orders (``cartona_orders_parse`` for ``bytes``/``str`` JSON text,
    ``cartona_orders_from_value`` for already decoded data)."""
    if isinstance(data, (bytes, bytearray, memoryview, str)):
        return _orders_of(_e.cartona_orders_parse(data))
    return _orders_of(_e.cartona_orders_from_value(data))


class OrderChanges:
    """Line changes to one order (``cartona_order_changes``), sent by
    :meth:`Client.update_order_details`. Not thread-safe to modify."""

    def __init__(self, hashed_id: str) -> None:
        self._h = _Handle(_e.cartona_order_changes_new(hashed_id), _e.cartona_order_changes_free)

    def set_quantity(self, line_id: str, amount: int) -> "OrderChanges":
        """Changes the quantity of an existing line."""
        _e.cartona_order_changes_set_quantity(self._h.ptr, line_id, amount)
        return self

    def add_line(self, amount: int, price: float, supplier_product_id: Optional[str] = None,
                 internal_product_id: Optional[str] = None) -> "OrderChanges":
        """Adds a line (one of the two product ids is required)."""
        _e.cartona_order_changes_add_line(self._h.ptr, supplier_product_id, internal_product_id, amount, float(price))
        return self

    def cancel_line(self, line_id: str) -> "OrderChanges":
        """Cancels a line."""
        _e.cartona_order_changes_cancel_line(self._h.ptr, line_id)
        return self


class SyncEntry:
    """One order of a :class:`SyncReport`.

    Attributes:
        hashed_id: the order key.
        outcome: ``"acked"``, ``"import_failed"``, ``"ack_failed"`` or ``"unmarked"``.
        message: why it was not acknowledged, or ``None``.
        exception: the exception ``import_fn`` raised for this order, or ``None``.
    """

    __slots__ = ("hashed_id", "outcome", "message", "exception")

    def __init__(self, hashed_id: str, outcome: str, message: Optional[str],
                 exception: Optional[BaseException]) -> None:
        self.hashed_id: str = hashed_id
        self.outcome: str = outcome
        self.message: Optional[str] = message
        self.exception: Optional[BaseException] = exception

    def __repr__(self) -> str:
        return "SyncEntry(%r, %r)" % (self.hashed_id, self.outcome)


class SyncReport:
    """What an order intake did (``cartona_sync_report``).

    Attributes:
        entries: one :class:`SyncEntry` per order handed out, in order.
        counts: outcome name -> number of orders.
        pages: the number of pulls made.
        error: the error of a failed pull that ended the intake early (then raised), or ``None``.
    """

    __slots__ = ("entries", "counts", "pages", "error")

    def __init__(self, ptr: Any, exceptions: Mapping[str, BaseException], error: Optional[Error]) -> None:
        self.entries: List[SyncEntry] = []
        for i in range(_e.cartona_sync_report_count(ptr)):
            en = _e.cartona_sync_report_at(ptr, i)
            hid = _e.cartona_sync_entry_hashed_id(en)
            self.entries.append(SyncEntry(hid, _SYNC_NAMES.get(_e.cartona_sync_entry_outcome(en), "unknown"),
                                          _e.cartona_sync_entry_message(en), exceptions.get(hid)))
        self.counts: Dict[str, int] = {n: _e.cartona_sync_report_count_outcome(ptr, v) for v, n in _SYNC_NAMES.items()}
        self.pages: int = _e.cartona_sync_report_pages(ptr)
        self.error: Optional[Error] = error

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[SyncEntry]:
        return iter(self.entries)

    def __repr__(self) -> str:
        return "SyncReport(%r)" % (self.counts,)


# ==================================================================== status map

class StatusMap:
    """A mapping between Odoo ``sale.order`` states and Cartona statuses
    (``cartona_status_map``): the default one (``cartona_status_map_new_default``) or an
    empty one (``default=False``)."""

    def __init__(self, default: bool = True) -> None:
        ptr = _e.cartona_status_map_new_default() if default else _e.cartona_status_map_new_empty()
        self._h = _Handle(ptr, _e.cartona_status_map_free)

    def to_cartona(self, odoo_state: str) -> str:
        """The Cartona status to send for an Odoo state (``ValidationError`` when unmapped)."""
        return _e.cartona_status_map_to_cartona(self._h.ptr, odoo_state)  # type: ignore[no-any-return]

    def to_odoo(self, cartona_status: str) -> str:
        """The Odoo state for a Cartona status (``ValidationError`` when unmapped)."""
        return _e.cartona_status_map_to_odoo(self._h.ptr, cartona_status)  # type: ignore[no-any-return]

    def set_outbound(self, odoo_state: str, cartona_status: Optional[str]) -> None:
        """Sets (``None``: removes) an Odoo -> Cartona entry; the status must be settable."""
        _e.cartona_status_map_set_outbound(self._h.ptr, odoo_state, cartona_status)

    def set_inbound(self, cartona_status: str, odoo_state: Optional[str]) -> None:
        """Sets (``None``: removes) a Cartona -> Odoo entry."""
        _e.cartona_status_map_set_inbound(self._h.ptr, cartona_status, odoo_state)


# ==================================================================== outbox (erplink/cartona_outbox.h)

def outbox_enqueue(outbox: Outbox, item: Mapping[str, Any], now_ms: Optional[int] = None) -> None:
    """Enqueues a product update in an :class:`erplink.store.Outbox` (``cartona_outbox_enqueue``),
    keyed by the product's first identifier (``supplier_product_id``, else ``internal_product_id``,
    else ``base_product_id`` with ``unit`` and ``unit_count``) so that the latest update of each
    product wins. Enqueue the **complete** state you want for the product (every field you
    manage, not a delta): a later enqueue replaces the earlier one whole. Stored as JSON,
    validated when flushed. Use one outbox per endpoint kind (see :meth:`Client.outbox_flush`).

    Raises:
        InvalidArgumentError: not a mapping, no identifier. StoreError: nothing was enqueued.
    """
    _e.cartona_outbox_enqueue(outbox._c, dict(item), -1 if now_ms is None else int(now_ms))


class FlushReport:
    """The counts of one :meth:`Client.outbox_flush` (``cartona_flush_report``).

    Attributes:
        claimed: items claimed from the outbox.
        updated: items Cartona accepted (recorded done).
        retrying: items to be retried later (not sent: network, timeout, 5xx, rate limit, auth).
        dead: items that became dead letters (refused by the server or invalid, or out of
            attempts): see ``outbox.list("dead")``.
        released: items released unattempted (cancelled).
        stale: outcomes ignored because the lease had been taken over.
    """

    __slots__ = ("claimed", "updated", "retrying", "dead", "released", "stale")

    def __init__(self, ptr: Any) -> None:
        self.claimed: int = _e.cartona_flush_report_claimed(ptr)
        self.updated: int = _e.cartona_flush_report_updated(ptr)
        self.retrying: int = _e.cartona_flush_report_retrying(ptr)
        self.dead: int = _e.cartona_flush_report_dead(ptr)
        self.released: int = _e.cartona_flush_report_released(ptr)
        self.stale: int = _e.cartona_flush_report_stale(ptr)

    def as_dict(self) -> Dict[str, int]:
        """The counts by name."""
        return {k: getattr(self, k) for k in self.__slots__}

    def __repr__(self) -> str:
        return "FlushReport(%s)" % ", ".join("%s=%d" % kv for kv in self.as_dict().items())


# ==================================================================== client

ProgressFn = Callable[[int, int], Any]


class Client(_Client):
    """A Cartona client (``cartona_client_new``); every request carries
    ``AuthorizationToken: <token>`` (redacted in logs, never in error messages).

    Args:
        token: the supplier's token.
        supplier_code: the price list added to product update items that have none.
        base_url: the API base URL (default :data:`BASE_URL_PRODUCTION`).
        transport: an :class:`erplink.Transport`.
        batch_size: items per bulk request (default 100).
        concurrency: bulk requests in flight at once (default 4).
    """

    def __init__(self, token: str, supplier_code: Optional[int] = None, base_url: Optional[str] = None,
                 transport: Optional[Transport] = None, batch_size: Optional[int] = None,
                 concurrency: Optional[int] = None) -> None:
        opts = _Handle(_e.cartona_options_new(), _e.cartona_options_free)
        try:
            o = opts.ptr
            _e.cartona_options_set_token(o, token)
            if base_url is not None:
                _e.cartona_options_set_base_url(o, base_url)
            if supplier_code is not None:
                _e.cartona_options_set_supplier_code(o, supplier_code)
            if batch_size is not None:
                _e.cartona_options_set_batch_size(o, batch_size)
            if concurrency is not None:
                _e.cartona_options_set_concurrency(o, concurrency)
            _apply_transport(_e.cartona_options_http(o), transport)
            self._h = _Handle(_e.cartona_client_new(o), _e.cartona_client_free)
        finally:
            opts.close()

    def test_connection(self) -> None:
        """``GET supplier-product?page=1&per_page=1``: raises ``AuthError`` for a refused token."""
        _e.cartona_client_test_connection(self._c)

    def list_products(self, page: int = 1, per_page: int = 100, internal_product_id: Optional[str] = None,
                      supplier_product_id: Optional[str] = None) -> Any:
        """The supplier's products, one page (the decoded answer)."""
        return _e.cartona_client_list_products(self._c, page, per_page, internal_product_id, supplier_product_id)

    def _bulk(self, fn: Any, items: Iterable[Mapping[str, Any]], progress: Optional[ProgressFn]) -> BulkResult:
        lst = _Handle(_e.cartona_items_new(), _e.cartona_items_free)
        try:
            values = [dict(i) for i in items]
            if values:
                _e.cartona_items_add_value(lst.ptr, values)
            res = _Handle(fn(self._c, lst.ptr, progress), _e.cartona_bulk_result_free)
            try:
                return BulkResult(res.ptr)
            finally:
                res.close()
        finally:
            lst.close()

    def update_products(self, items: Iterable[Mapping[str, Any]], progress: Optional[ProgressFn] = None) -> BulkResult:
        """``POST supplier-product/bulk-update``: every item ends with one :class:`Outcome`.
        ``progress(done, total)`` is called after each batch (an exception in it stops the update
        and is re-raised)."""
        return self._bulk(_e.cartona_client_update_products, items, progress)

    def update_base_products(self, items: Iterable[Mapping[str, Any]],
                             progress: Optional[ProgressFn] = None) -> BulkResult:
        """``POST supplier-product/base-product/bulk-update`` (items carry ``base_product_id``)."""
        return self._bulk(_e.cartona_client_update_base_products, items, progress)

    def update_stock(self, items: Iterable[Mapping[str, Any]], progress: Optional[ProgressFn] = None) -> BulkResult:
        """``POST supplier-product/base-product/bulk-update-stock`` (``base_product_id`` and
        ``available_stock_quantity``)."""
        return self._bulk(_e.cartona_client_update_stock, items, progress)

    def pull_orders(self, page: int = 1, per_page: int = 100, from_: Optional[str] = None,
                    to: Optional[str] = None) -> List[Order]:
        """``GET order/pull-orders``: the new and updated orders of one page."""
        return _orders_of(_e.cartona_client_pull_orders(self._c, page, per_page, from_, to))

    def ack_orders(self, hashed_ids: Iterable[str]) -> None:
        """Acknowledges orders as ``synced`` (removes them from the pull queue)."""
        _e.cartona_client_ack_orders(self._c, list(hashed_ids))

    def update_order_statuses(self, items: Sequence[Mapping[str, Any]]) -> None:
        """Bulk status update: items ``{"hashed_id", "status", ["retailer_otp"],
        ["cancellation_reason"], ["estimated_delivery_day"], ["delivery_day"]}``, all checked
        before anything is sent (``ValidationError`` naming the first invalid one)."""
        _e.cartona_client_update_order_statuses(self._c, [dict(i) for i in items])

    def update_order_status(self, hashed_id: str, status: str, retailer_otp: Optional[str] = None,
                            cancellation_reason: Optional[str] = None,
                            estimated_delivery_day: Optional[str] = None,
                            delivery_day: Optional[str] = None) -> None:
        """Single status update, which fails when the server refuses it (not retried on 5xx)."""
        _e.cartona_client_update_order_status(self._c, hashed_id, status, retailer_otp, cancellation_reason,
                                              estimated_delivery_day, delivery_day)

    def update_order_details(self, changes: OrderChanges) -> None:
        """Sends line changes (``POST order/update-order-details``; not retried on 5xx)."""
        _e.cartona_client_update_order_details(self._c, changes._h.ptr)

    def outbox_enqueue(self, outbox: Outbox, item: Mapping[str, Any], now_ms: Optional[int] = None) -> None:
        """:func:`outbox_enqueue` (the client is not involved: enqueueing needs no network)."""
        outbox_enqueue(outbox, item, now_ms)

    def outbox_flush(self, outbox: Outbox, kind: str = "products", max_items: int = 100,
                     now_ms: Optional[int] = None) -> FlushReport:
        """Flushes an outbox to Cartona (``cartona_outbox_flush``): claims up to ``max_items``
        due items, sends them through the bulk update of ``kind`` (``"products"``,
        ``"base_products"`` or ``"stock"``) and records each item's outcome: updated -> done;
        refused by the server or invalid -> a dead letter at once, with the server's message;
        not sent (network, timeout, 5xx, rate limit - its retry-after honoured - or
        authentication) -> retried with the outbox's backoff, dead after its ``max_attempts``;
        cancelled (Ctrl-C) -> released. Delivery is at least once; an item is never recorded
        done unless Cartona confirmed it. Several workers may flush one outbox.

        Raises:
            StoreError, ConflictError: the outcomes could not be recorded (the claimed items
                stay leased and are sent again after the lease).
        """
        ptr = _e.cartona_outbox_flush(outbox._c, self._c, kind, max_items, -1 if now_ms is None else int(now_ms))
        rep = _Handle(ptr, _e.cartona_flush_report_free)
        try:
            return FlushReport(rep.ptr)
        finally:
            rep.close()

    def sync_orders(self, import_fn: Callable[[Order], Any], max_pages: int = 10,
                    per_page: int = 100) -> SyncReport:
        """The order intake: hands every new order of the queue to ``import_fn(order)`` and then
        acknowledges (``synced``) exactly the orders whose import returned without raising.

        An ``Exception`` raised by ``import_fn`` marks that order failed (not acknowledged: it
        comes back on the next pull; the report keeps the exception) and the loop goes on. A
        ``BaseException`` that is not an ``Exception`` (``KeyboardInterrupt``, ``SystemExit``)
        stops the intake without acknowledging anything and propagates. A failed pull ends
        the intake: what was imported is acknowledged, the report's ``error`` holds the
        failure, and that error is raised with the report as its ``report`` attribute.
        ``import_fn`` must be idempotent on ``order.hashed_id``.
        """
        intake = _Handle(_e.cartona_intake_new(self._c, max_pages, per_page), _e.cartona_intake_free)
        exceptions: Dict[str, BaseException] = {}
        pull_error: Optional[Error] = None
        while True:
            try:
                ptr = _e.cartona_intake_next(intake.ptr)
            except Error as err:
                pull_error = err
                break
            if ptr is None:
                break
            order = Order(ptr, intake)
            try:
                import_fn(order)
            except Exception as exc:  # the order failed; the loop goes on
                exceptions[order.hashed_id] = exc
                _e.cartona_intake_done(intake.ptr, ptr, 0, "%s: %s" % (type(exc).__name__, exc))
                continue
            _e.cartona_intake_done(intake.ptr, ptr, 1, None)
        rep = _Handle(_e.cartona_intake_finish(intake.ptr), _e.cartona_sync_report_free)
        try:
            report = SyncReport(rep.ptr, exceptions, pull_error)
        finally:
            rep.close()
        if pull_error is not None:
            pull_error.report = report  # type: ignore[attr-defined]
            raise pull_error
        return report
