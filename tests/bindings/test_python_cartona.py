"""erplink.cartona against the Cartona simulator (tests/servers/cartona_sim.py): listing, bulk
updates with per-item outcomes and progress, orders, the intake-based sync_orders, status and
detail updates, StatusMap, and each error class."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

import erplink
from erplink import cartona

from conftest import CARTONA_TOKEN, Server, cartona_base

FAST = erplink.Transport(backoff_ms=(0, 0), max_attempts=2)

ORDERS: List[Dict[str, Any]] = [
    {"hashed_id": "o1", "status": "pending", "total_price": "100", "retailer": {"retailer_name": "A"},
     "order_details": [{"id": 11, "amount": 2, "selling_price": "7.5", "product_name": "tea"}]},
    {"hashed_id": "o2", "status": "pending", "installment_cost": 30, "order_details": []},
    {"hashed_id": "o3", "status": "approved", "wallet_top_up": "5"},
]


def client(s: Server, **kw: Any) -> cartona.Client:
    kw.setdefault("transport", FAST)
    return cartona.Client(CARTONA_TOKEN, base_url=cartona_base(s), **kw)


def test_connection_and_listing(cartona_sim: Server) -> None:
    with client(cartona_sim) as c:
        c.test_connection()
        c.update_products([{"supplier_product_id": "p1", "selling_price": 3.5}])
        lst = c.list_products(1, 10)
        assert isinstance(lst, (list, dict))
        assert c.list_products(1, 10, supplier_product_id="p1") is not None


def test_bulk_update_outcomes_counts_and_progress(cartona_sim: Server) -> None:
    items = [{"supplier_product_id": "p%d" % i, "selling_price": 1.0 + i, "available_stock_quantity": i}
             for i in range(7)]
    items.append({"supplier_product_id": "unknown-1", "selling_price": 1.0})   # refused by the server
    items.append({"selling_price": 2.0})                                       # no identifier: local
    calls: List[Any] = []
    with client(cartona_sim, batch_size=3, supplier_code=1) as c:
        r = c.update_products(iter(items), progress=lambda done, total: calls.append((done, total)))
    assert len(r) == len(items) and [o.index for o in r] == list(range(len(items)))
    assert r.counts == {"updated": 7, "rejected": 1, "rejected_locally": 1, "not_sent": 0}
    assert r.updated == 7 and r.batches == 3 and r.attempts >= 3
    bad = r[7]
    assert bad.status == "rejected" and "not found" in (bad.message or "")
    assert isinstance(bad.error, erplink.ValidationError) and bad.error_category == "validation"
    assert bad.http_status == 200 and not bad.retryable
    local = r[8]
    assert local.status == "rejected_locally" and local.http_status == 0 and local.error is not None
    assert r[0].ok and r[0].error is None and r[0].message is None and r[0].error_category is None
    assert [o.status for o in r.failed] == ["rejected", "rejected_locally"]
    assert calls and calls[-1] == (len(items), len(items)) and all(t == len(items) for _, t in calls)
    products = cartona_sim.get("/_control/state")["products"]
    p3 = [p for p in products.values() if p.get("supplier_product_id") == "p3"]
    assert p3 and p3[0]["supplier_code"] == 1


def test_base_products_and_stock(cartona_sim: Server) -> None:
    with client(cartona_sim) as c:
        r = c.update_base_products([{"base_product_id": "b1", "unit": "box", "unit_count": 6, "selling_price": 9}])
        assert r.counts["updated"] == 1
        r = c.update_stock([{"base_product_id": "b1", "available_stock_quantity": 12}, {"base_product_id": "b2"}])
        assert [o.status for o in r] == ["updated", "rejected_locally"]
        assert c.update_stock([]).counts["updated"] == 0


def test_bulk_not_sent_after_server_failures(cartona_sim: Server) -> None:
    cartona_sim.post("/_control/faults", {"rate": 1.0, "kinds": ["503"], "path_prefix": "supplier-product/bulk"})
    with client(cartona_sim) as c:
        r = c.update_products([{"supplier_product_id": "p1", "selling_price": 1}])
    o = r[0]
    assert o.status == "not_sent" and o.http_status == 503
    assert isinstance(o.error, erplink.Error) and o.error.category == "server" and o.retryable


def test_progress_exception_stops_and_is_reraised(cartona_sim: Server) -> None:
    class Boom(Exception):
        pass

    def progress(done: int, total: int) -> None:
        raise Boom("stop at %d" % done)

    items = [{"supplier_product_id": "p%d" % i, "selling_price": 1} for i in range(10)]
    with client(cartona_sim, batch_size=1, concurrency=1) as c:
        with pytest.raises(Boom, match="stop at 1"):
            c.update_products(items, progress=progress)
        assert c.update_products(items[:1]).updated == 1  # the client (and the thread's token) still work
    assert len(cartona_sim.get("/_control/state")["products"]) < 10


def test_orders_pull_parse_and_accessors(cartona_sim: Server) -> None:
    cartona_sim.post("/_control/orders", ORDERS)
    with client(cartona_sim) as c:
        orders = c.pull_orders(1, 50)
    assert [o.hashed_id for o in orders] == ["o1", "o2", "o3"]
    o1 = orders[0]
    assert o1.status == "pending" and o1.number("total_price") == 100.0 and o1.text("total_price") == "100"
    assert o1.retailer_text("retailer_name") == "A" and o1.text("nope") is None
    assert o1.payment_method == "standard" and orders[1].payment_method == "instalment"
    assert orders[2].payment_method == "wallet_top_up"
    assert o1.raw["retailer"] == {"retailer_name": "A"}
    ln = o1.lines[0]
    assert ln.quantity == 2 and ln.unit_price == 7.5 and ln.text("product_name") == "tea" and ln.raw["id"] == 11
    assert ln.number("selling_price") == 7.5
    with pytest.raises(erplink.InvalidArgumentError):
        o1.number("retailer")
    parsed = cartona.parse_orders(b'[{"hashed_id": "x", "status": "pending"}]')
    assert parsed[0].hashed_id == "x"
    assert cartona.parse_orders({"orders": [{"hashed_id": 5, "status": "pending"}]})[0].hashed_id == "5"
    with pytest.raises(erplink.ProtocolError):
        cartona.parse_orders('[{"status": "pending"}]')
    with pytest.raises(erplink.ProtocolError):
        cartona.parse_orders(b"not json")


def test_sync_orders_marks_failures_not_acknowledged(cartona_sim: Server) -> None:
    cartona_sim.post("/_control/orders", ORDERS)
    imported: List[str] = []

    def import_fn(order: cartona.Order) -> None:
        if order.hashed_id == "o2":
            raise ValueError("no such customer")
        imported.append(order.hashed_id)

    with client(cartona_sim) as c:
        rep = c.sync_orders(import_fn, max_pages=5, per_page=2)
        assert imported == ["o1", "o3"]
        assert rep.counts == {"acked": 2, "import_failed": 1, "ack_failed": 0, "unmarked": 0}
        assert rep.pages >= 2 and len(rep) == 3 and rep.error is None
        failed = [e for e in rep if e.outcome == "import_failed"]
        assert failed[0].hashed_id == "o2" and "no such customer" in (failed[0].message or "")
        assert isinstance(failed[0].exception, ValueError)
        assert cartona_sim.get("/_control/state")["queue"] == ["o2"]
        # the failed order comes back; a KeyboardInterrupt-like BaseException acknowledges nothing
        with pytest.raises(SystemExit):
            c.sync_orders(lambda o: (_ for _ in ()).throw(SystemExit(3)))
        assert cartona_sim.get("/_control/state")["queue"] == ["o2"]
        rep2 = c.sync_orders(lambda o: None)
        assert rep2.counts["acked"] == 1
    assert cartona_sim.get("/_control/state")["queue"] == []


def test_sync_orders_pull_failure_raises_with_report(cartona_sim: Server) -> None:
    cartona_sim.post("/_control/orders", ORDERS)
    cartona_sim.post("/_control/faults", {"rate": 1.0, "kinds": ["500"], "path_prefix": "order/pull"})
    with client(cartona_sim) as c:
        with pytest.raises(erplink.ServerError) as ei:
            c.sync_orders(lambda o: None)
    assert getattr(ei.value, "report").counts["acked"] == 0


def test_status_and_detail_updates(cartona_sim: Server) -> None:
    cartona_sim.post("/_control/orders", ORDERS)
    with client(cartona_sim) as c:
        c.ack_orders(["o1"])
        c.update_order_statuses([{"hashed_id": "o2", "status": "approved"}])
        c.update_order_status("o3", "cancelled_by_supplier", cancellation_reason="out_of_stock")
        with pytest.raises(erplink.ValidationError):
            c.update_order_statuses([{"hashed_id": "o2", "status": "no_such_status"}])
        with pytest.raises(erplink.ValidationError):
            c.update_order_status("o2", "delivered", cancellation_reason="because")
        with pytest.raises(erplink.NotFoundError):
            c.update_order_status("missing", "approved")
        ch = cartona.OrderChanges("o1").set_quantity("11", 3).add_line(1, 2.5, supplier_product_id="p9").cancel_line("11")
        c.update_order_details(ch)
        with pytest.raises(erplink.InvalidArgumentError):
            c.update_order_details(cartona.OrderChanges("o1"))   # no change
        with pytest.raises(erplink.InvalidArgumentError):
            cartona.OrderChanges("o1").add_line(1, -1.0, supplier_product_id="x")
    st = cartona_sim.get("/_control/state")
    assert st["orders"]["o2"]["status"] == "approved" and st["orders"]["o3"]["status"] == "cancelled_by_supplier"
    assert st["detail_updates"] or st["orders"]["o1"]["order_details"][-1]["supplier_product_id"] == "p9"


def test_errors_auth_and_network(cartona_sim: Server) -> None:
    c = cartona.Client("wrong-token", base_url=cartona_base(cartona_sim), transport=FAST)
    with pytest.raises(erplink.AuthError) as ei:
        c.test_connection()
    assert ei.value.http_status == 401 and "wrong-token" not in str(ei.value)
    r = c.update_products([{"supplier_product_id": "p1", "selling_price": 1}])
    assert r[0].status in ("rejected", "not_sent") and isinstance(r[0].error, erplink.AuthError)
    c.close()
    c = cartona.Client(CARTONA_TOKEN, base_url="http://127.0.0.1:9/api/v1/", transport=erplink.Transport(max_attempts=1))
    with pytest.raises(erplink.NetworkError):
        c.pull_orders()
    c.close()
    with pytest.raises(erplink.InvalidArgumentError):
        cartona.Client("", base_url=cartona_base(cartona_sim))
    with pytest.raises(erplink.InvalidArgumentError):
        cartona.Client("t", base_url="ftp://x")
    with pytest.raises(erplink.InvalidArgumentError):
        c.test_connection()  # closed


def test_status_map_and_vocabularies() -> None:
    m = cartona.StatusMap()
    assert m.to_cartona("sale") == "approved" and m.to_odoo("delivered") == "sale"
    with pytest.raises(erplink.ValidationError):
        m.to_cartona("nope")
    m.set_outbound("nope", "pending")
    assert m.to_cartona("nope") == "pending"
    m.set_outbound("nope", None)
    with pytest.raises(erplink.ValidationError):
        m.to_cartona("nope")
    with pytest.raises(erplink.ValidationError):
        m.set_outbound("sale", "returned")  # not settable
    e = cartona.StatusMap(default=False)
    with pytest.raises(erplink.ValidationError):
        e.to_odoo("approved")
    e.set_inbound("approved", "sale")
    assert e.to_odoo("approved") == "sale"
    assert cartona.status_settable("delivered") and not cartona.status_settable("returned")
    assert cartona.cancellation_reason_valid("out_of_stock") and not cartona.cancellation_reason_valid("x")
    assert cartona.unit_valid("box") and not cartona.unit_valid("Box")
    assert cartona.BASE_URL_PRODUCTION.startswith("https://")
