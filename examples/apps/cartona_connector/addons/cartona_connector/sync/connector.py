"""The connector: what the Odoo addon's models, cron jobs, queue jobs and webhook call.

- Products: :meth:`Connector.enqueue_products` writes the complete Cartona item of each product
  into the ``products`` outbox (coalesced per product: the latest value wins), in the caller's
  transaction; :meth:`Connector.flush_products` sends due items through erplink's bulk update
  (``cartona.Client.outbox_flush``) and erplink records each item's outcome in the row: updated,
  retried with exponential backoff, or a dead letter with Cartona's message or the last
  failure. Nothing is recorded done unless Cartona confirmed it.
- Orders: :meth:`Connector.pull_orders` runs erplink's order intake: every pulled order is
  imported (idempotent on ``hashed_id``) and committed, and only the orders imported are
  acknowledged as ``synced``; a failed import is recorded and comes back on the next pull.
  :meth:`Connector.handle_webhook` does the same for orders pushed to the addon.
- Statuses: :meth:`Connector.order_state_changed` maps an Odoo state through the
  :class:`erplink.cartona.StatusMap` and enqueues it (the ``statuses`` outbox, latest status per
  order wins); :meth:`Connector.flush_statuses` sends them one by one (the single endpoint
  answers an error when Cartona refuses: an OTP, a transition).
"""

from __future__ import annotations

import hmac
import json
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import erplink
from erplink import cartona, store

from .outbox_sql import Db, SqlOutboxOps
from .seam import ImportFailure, OrmSeam, chunks

#: payment methods whose delivery Cartona accepts only with the retailer's OTP
OTP_METHODS = ("instalment", "wallet_top_up")


def needs_otp(payment_method: Optional[str]) -> bool:
    return payment_method in OTP_METHODS


def webhook_authenticated(headers: Mapping[str, str], secret: Optional[str]) -> bool:
    """Whether a webhook call presents ``secret`` (``X-Cartona-Webhook-Token`` or
    ``AuthorizationToken``), compared in constant time; no secret configured: refused."""
    given = None
    for k, v in headers.items():
        if k.lower() in ("x-cartona-webhook-token", "authorizationtoken"):
            given = v
            break
    return bool(secret and given and hmac.compare_digest(given.encode("utf-8"), secret.encode("utf-8")))


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Policy:
    """The retry policy of both outboxes (erplink's outbox options)."""
    max_attempts: int = 8
    backoff_base_ms: int = 2000
    backoff_cap_ms: int = 600000
    lease_ms: int = 120000
    jitter: float = 0.5

    def kwargs(self) -> Dict[str, Any]:
        return {"max_attempts": self.max_attempts, "backoff_ms": (self.backoff_base_ms, self.backoff_cap_ms),
                "lease_ms": self.lease_ms, "jitter": self.jitter}


class Connector:
    """One Cartona account seen from one ERP database.

    Args:
        client: an :class:`erplink.cartona.Client` (None: only the outbox side - enqueueing,
            counting - is usable, e.g. in a user's save).
        seam: the :class:`OrmSeam` of the ERP.
        db: the SQL connection holding the outbox rows (:class:`outbox_sql.Db`).
        policy: the retry policy.
        status_map: the Odoo <-> Cartona status mapping (default: the spec's).
    """

    def __init__(self, client: Optional[cartona.Client], seam: OrmSeam, db: Db, policy: Optional[Policy] = None,
                 status_map: Optional[cartona.StatusMap] = None, table: str = "cartona_outbox") -> None:
        self.client = client
        self.seam = seam
        self.db = db
        self.policy = policy or Policy()
        self.status_map = status_map or cartona.StatusMap()
        self.product_ops = SqlOutboxOps(db, "products", table)
        self.status_ops = SqlOutboxOps(db, "statuses", table)
        self.products = store.Outbox.custom(self.product_ops, **self.policy.kwargs())
        self.statuses = store.Outbox.custom(self.status_ops, **self.policy.kwargs())
        self.table = table

    def close(self) -> None:
        self.products.close()
        self.statuses.close()

    def __enter__(self) -> "Connector":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _need_client(self) -> cartona.Client:
        if self.client is None:
            raise erplink.InvalidArgumentError("this connector has no Cartona client")
        return self.client

    # ================================================================ products
    def enqueue_products(self, ids: Sequence[int], now: Optional[int] = None) -> int:
        """Enqueues the current state of each product (the caller's transaction) -> how many."""
        n = 0
        for ref, item in self.seam.product_items(list(ids)):
            self.product_ops.next_ref = ref
            try:
                cartona.outbox_enqueue(self.products, item, now)
            finally:
                self.product_ops.next_ref = None
            n += 1
        return n

    def flush_products(self, max_items: int = 100, now: Optional[int] = None) -> cartona.FlushReport:
        """One flush: claims up to ``max_items`` due items and sends them (erplink's bulk update,
        in the client's batches and concurrency) -> the counts."""
        self.product_ops.drain_finished()
        return self._need_client().outbox_flush(self.products, "products", max_items, now)

    def flush_until_idle(self, max_items: int = 500, budget_s: float = 60.0, now: Optional[int] = None) -> Dict[str, int]:
        """Flushes until nothing is due or ``budget_s`` has passed -> the summed counts."""
        total: Dict[str, int] = {}
        t_end = time.monotonic() + budget_s
        while time.monotonic() < t_end:
            rep = self.flush_products(max_items, now)
            for k, v in rep.as_dict().items():
                total[k] = total.get(k, 0) + v
            if rep.claimed == 0:
                break
        return total

    def push_all_step(self, offset: int, limit: int, now: Optional[int] = None) -> Tuple[int, int]:
        """Enqueues the next ``limit`` products of the catalogue from ``offset`` (one background
        batch of "Push all products") -> (the next offset, how many were enqueued; 0: the end)."""
        ids = self.seam.product_ids(offset, limit)
        if not ids:
            return offset, 0
        n = self.enqueue_products(ids, now)
        return offset + len(ids), n

    def enqueue_many(self, ids: Sequence[int], chunk: int = 500, now: Optional[int] = None) -> int:
        return sum(self.enqueue_products(c, now) for c in chunks(list(ids), chunk))

    def outcome(self, ref_id: int) -> Optional[Dict[str, Any]]:
        """A product's row: state, attempts, last outcome and message, error code name."""
        r = self.db.execute("SELECT key, state, attempts, last_outcome, last_message, err_code, err_msg, changed "
                            "FROM %s WHERE box = 'products' AND ref_id = %%s" % self.table, (ref_id,)).fetchone()
        if r is None:
            return None
        return {"key": r[0], "state": r[1], "attempts": int(r[2]), "last_outcome": r[3], "last_message": r[4],
                "error": erplink.strerror(int(r[5])) if r[5] else None, "err_msg": r[6], "changed_ms": int(r[7])}

    # ================================================================ dead letters
    def retry_dead(self, key: Optional[str] = None, box: str = "products") -> int:
        return (self.products if box == "products" else self.statuses).requeue(key)

    def discard_dead(self, key: Optional[str] = None, box: str = "products") -> int:
        return (self.products if box == "products" else self.statuses).discard(key)

    # ================================================================ dashboard
    def dashboard(self, now: Optional[int] = None) -> Dict[str, Any]:
        d: Dict[str, Any] = {"products": self.products.counts(now), "statuses": self.statuses.counts(now)}
        r = self.db.execute("SELECT max(changed) FROM %s WHERE box = 'products' AND last_outcome = 'updated'"
                            % self.table).fetchone()
        d["last_success_ms"] = int(r[0]) if r and r[0] is not None else None
        return d

    # ================================================================ orders
    def _import(self, order: cartona.Order) -> Any:
        """Imports (or updates) one order and commits it; raises on failure (after recording)."""
        seam = self.seam
        try:
            try:
                odoo_state: Optional[str] = self.status_map.to_odoo(order.status)
            except erplink.ValidationError:
                odoo_state = None
            ref = seam.find_order(order.hashed_id)
            if ref is not None:
                if odoo_state:
                    seam.set_order_state(ref, odoo_state, order.status)
            else:
                if not order.lines:
                    raise ImportFailure("the order has no lines")
                lines: List[Dict[str, Any]] = []
                for ln in order.lines:
                    internal = ln.text("internal_product_id")
                    supplier = ln.text("supplier_product_id")
                    product = seam.resolve_product(internal, supplier)
                    if product is None:
                        raise ImportFailure("line %s: unknown product (internal_product_id %r, supplier_product_id %r)"
                                            % (ln.text("id"), internal, supplier))
                    lines.append({"product": product, "quantity": ln.quantity, "price_unit": ln.unit_price,
                                  "name": ln.text("product_name"), "cartona_line_id": ln.text("id")})
                retailer = order.raw.get("retailer") if isinstance(order.raw.get("retailer"), dict) else {}
                partner = seam.find_or_create_partner(retailer or {})
                extra = {"cartona_status": order.status, "payment_method": order.payment_method,
                         "total_price": order.number("total_price"),
                         "delivered_by": order.text("delivered_by"),
                         "estimated_delivery_day": order.text("estimated_delivery_day")}
                ref = seam.create_order(order.hashed_id, partner, lines,
                                        odoo_state if odoo_state in ("draft", "sale") else "draft", extra)
                if odoo_state == "cancel":
                    seam.set_order_state(ref, "cancel", order.status)
            seam.record_order_result(order.hashed_id, True, None)
            seam.commit()  # durable before it is acknowledged
            return ref
        except Exception as exc:
            seam.rollback()
            seam.record_order_result(order.hashed_id, False, "%s: %s" % (type(exc).__name__, exc))
            seam.commit()
            raise

    def pull_orders(self, max_pages: int = 10, per_page: int = 100) -> cartona.SyncReport:
        """One scheduled pull: imports every queued order, acknowledges exactly those imported."""
        return self._need_client().sync_orders(self._import, max_pages=max_pages, per_page=per_page)

    def handle_webhook(self, headers: Mapping[str, str], body: bytes, secret: Optional[str]) -> Tuple[int, Dict[str, Any]]:
        """An order push to the addon's endpoint -> (HTTP status, JSON answer). The caller must
        present the webhook secret in ``X-Cartona-Webhook-Token`` (or ``AuthorizationToken``);
        anything else is refused with 401 before the body is read. Imported orders are
        acknowledged; failed ones are not (they stay in the pull queue)."""
        if not webhook_authenticated(headers, secret):
            return 401, {"error": "unauthenticated"}
        try:
            orders = cartona.parse_orders(body)
        except erplink.Error as exc:
            return 400, {"error": "invalid orders: %s" % exc.message}
        imported: List[str] = []
        failed: Dict[str, str] = {}
        for o in orders:
            try:
                self._import(o)
                imported.append(o.hashed_id)
            except Exception as exc:
                failed[o.hashed_id] = "%s: %s" % (type(exc).__name__, exc)
        acked = False
        if imported and self.client is not None:
            try:
                self.client.ack_orders(imported)
                acked = True
            except erplink.Error as exc:  # they come back on the next pull (import is idempotent)
                return 502, {"imported": imported, "failed": failed, "error": "acknowledgement failed: %s" % exc.message}
        return 200, {"imported": imported, "failed": failed, "acknowledged": acked}

    # ================================================================ statuses
    def order_state_changed(self, hashed_id: str, odoo_state: str, retailer_otp: Optional[str] = None,
                            cancellation_reason: Optional[str] = None, now: Optional[int] = None) -> Optional[str]:
        """Maps an Odoo state change (``draft``, ``sale``, ``delivered``, ``cancel``...) and
        enqueues it -> the Cartona status, or None when the state is not mapped."""
        try:
            status = self.status_map.to_cartona(odoo_state)
        except erplink.ValidationError:
            return None
        item: Dict[str, Any] = {"hashed_id": hashed_id, "status": status}
        if retailer_otp:
            item["retailer_otp"] = retailer_otp
        if status == "cancelled_by_supplier":
            item["cancellation_reason"] = cancellation_reason or "supplier_asked_me_to_cancel"
        self.statuses.enqueue(hashed_id, json.dumps(item), now)
        return status

    def flush_statuses(self, max_items: int = 50, now: Optional[int] = None) -> Dict[str, int]:
        """Sends due status changes one by one -> counts (updated / failed)."""
        c = self._need_client()
        res = {"claimed": 0, "updated": 0, "failed": 0}
        with self.statuses.claim(max_items, now) as batch:
            for it in batch:
                res["claimed"] += 1
                try:
                    st = json.loads(it.payload)
                    c.update_order_status(st["hashed_id"], st["status"], retailer_otp=st.get("retailer_otp"),
                                          cancellation_reason=st.get("cancellation_reason"))
                except erplink.Error as exc:
                    it.failed(exc)  # refused: a dead letter with Cartona's answer; network: retried
                    res["failed"] += 1
                except (ValueError, KeyError) as exc:
                    it.failed(erplink.EINVAL, "bad status item: %s" % exc)
                    res["failed"] += 1
                else:
                    it.done()
                    res["updated"] += 1
        return res
