"""The Cartona connector's sync layer (examples/apps/cartona_connector/addons/cartona_connector/sync)
against the Cartona simulator with fault injection and an in-memory ORM-shaped fake: the
catalogue push with per-item outcomes, backoff and dead letters; a worker killed mid-flush; the
order intake (only imported orders acknowledged); statuses both ways; the webhook; push-all
batches; the dashboard counts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest

from conftest import HERE, TOKEN, Sim, open_db

import erplink
from erplink import cartona
from fake_orm import FakeOrm
from sync import Connector, Policy
from sync.connector import now_ms

N = 10000
LOCAL_PRICE = "rejected locally: selling_price must be a finite number >= 0"  # erplink checks before sending


def client_for(sim: Sim, **kw: Any) -> cartona.Client:
    kw.setdefault("batch_size", 100)
    kw.setdefault("concurrency", 4)
    return cartona.Client(TOKEN, base_url=sim.base, supplier_code=1,
                          transport=erplink.Transport(max_attempts=1, timeout_ms=15000), **kw)


def unfinished(c: Dict[str, int]) -> int:
    return c["pending"] + c["retry_wait"] + c["leased"]


def drive(conn: Connector, t: int, rounds: int = 40, step_ms: int = 700_000) -> int:
    """Flushes round after round, the clock moving past every backoff between rounds, until no
    item is waiting -> the clock."""
    for _ in range(rounds):
        conn.flush_until_idle(max_items=2000, budget_s=120, now=t)
        t += step_ms
        if unfinished(conn.products.counts(t)) == 0:
            return t
    raise AssertionError("the outbox did not drain: %r" % conn.products.counts(t))


def test_10k_products_through_10_percent_failures(sim: Sim, tmp_path: Path) -> None:
    orm = FakeOrm()
    orm.add_products(N)
    for pid in range(N + 1, N + 21):  # refused by Cartona: invalid price
        orm.products[pid] = {"code": "P%05d" % pid, "price": -1.0, "qty": 1}
    for pid in range(N + 21, N + 31):  # refused by Cartona: unknown product
        orm.products[pid] = {"code": "unknown-%d" % pid, "price": 2.0, "qty": 1}
    db = open_db(tmp_path / "outbox.db")
    t = now_ms()
    with Connector(client_for(sim, batch_size=50), orm, db, Policy(max_attempts=6, backoff_base_ms=1000, backoff_cap_ms=60000,
                                                    lease_ms=300000)) as conn:
        with db.transaction():  # one ERP transaction, as a mass import would be
            assert conn.enqueue_many(sorted(orm.products), now=t) == N + 30
        # 100 later price changes of products already queued: coalesced, the latest wins
        for pid in range(1, 101):
            orm.products[pid]["price"] += 1000
        assert conn.enqueue_products(list(range(1, 101)), now=t) == 100
        assert conn.products.counts(t)["pending"] == N + 30

        sim.post("/_control/faults", {"rate": 0.10, "kinds": ["500", "503", "reset", "429"], "item_fail_rate": 0.10,
                                      "seed": 17, "path_prefix": "supplier-product/bulk", "retry_after": 1})
        t = drive(conn, t)
        st = sim.state()
        injected = st["faults_injected"]
        assert injected.get("item", 0) > 0 and sum(v for k, v in injected.items() if k != "item") >= 10, injected
        assert len([k for k in injected if k != "item"]) >= 3, injected
        on_sim = st["products"]

        reasons: Dict[str, int] = {}
        retried = 0
        for pid, p in orm.products.items():  # item by item
            row = conn.outcome(pid)
            assert row is not None, pid
            key = "i:" + p["code"]
            if row["state"] == "done":
                got = on_sim[key]
                assert got["selling_price"] == p["price"] and got["available_stock_quantity"] == p["qty"], (pid, got)
                assert got["supplier_code"] == 1
                assert row["last_outcome"] == "updated" and row["last_message"] is None
                retried += row["attempts"] > 1
            else:
                assert row["state"] == "dead", (pid, row)
                assert row["last_outcome"] == "dead" and row["err_msg"], (pid, row)
                assert key not in on_sim or on_sim[key].get("selling_price") != p["price"], (pid, row)
                reasons[row["err_msg"]] = reasons.get(row["err_msg"], 0) + 1
        assert retried > 100, retried  # the request faults were retried with backoff
        dead = sum(reasons.values())
        assert reasons.get(LOCAL_PRICE) == 20 and reasons.get("product not found") == 10, reasons
        assert 0.07 * N < reasons.get("injected item failure", 0) < 0.13 * N, reasons
        assert set(reasons) == {LOCAL_PRICE, "product not found", "injected item failure"}, reasons
        counts = conn.products.counts(t)
        assert counts["done"] + counts["dead"] == N + 30 and counts["dead"] == dead
        assert conn.dashboard(t)["last_success_ms"] is not None

        # the dead letters' "retry" action, the marketplace healthy again: the injected failures
        # go through, the refused items are refused again (with the same reason)
        sim.post("/_control/faults", {"rate": 0.0, "item_fail_rate": 0.0})
        assert conn.retry_dead() == dead
        t = drive(conn, t)
        counts = conn.products.counts(t)
        assert counts["dead"] == 30 and counts["done"] == N
        on_sim = sim.state()["products"]
        for pid in range(1, N + 1):
            got = on_sim["i:" + orm.products[pid]["code"]]
            assert got["selling_price"] == orm.products[pid]["price"]


def test_worker_killed_mid_flush_loses_nothing(sim: Sim, tmp_path: Path) -> None:
    n = 3000
    orm = FakeOrm()
    orm.add_products(n)
    dbp = tmp_path / "outbox.db"
    db = open_db(dbp)
    conn = Connector(client_for(sim), orm, db, Policy(lease_ms=60000))
    with db.transaction():
        conn.enqueue_many(sorted(orm.products))
    sim.post("/_control/faults", {"latency_ms": 150})
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    w = subprocess.Popen([sys.executable, str(HERE / "kill_worker.py"), str(dbp), sim.base], stdout=subprocess.PIPE,
                         env=env)
    try:
        assert w.stdout is not None and w.stdout.readline().strip() == b"FLUSHING"
        deadline = time.monotonic() + 60
        while sim.state()["requests"].get("POST supplier-product/bulk-update", 0) < 5:
            assert time.monotonic() < deadline, "the worker sent nothing"
            time.sleep(0.02)
        w.send_signal(signal.SIGKILL)  # in the middle of a request (the simulator sleeps 150 ms)
    finally:
        w.kill()
        w.wait(10)
    assert w.returncode == -signal.SIGKILL
    t = now_ms()
    c = conn.products.counts(t)
    assert c["leased"] > 0, c  # killed with items claimed and not recorded
    assert c["dead"] == 0 and c["pending"] + c["leased"] + c["done"] == n, c
    # a change made while the dead worker's lease is still held is kept aside, and wins
    leased = [it.key for it in conn.products.list("leased", 0, 10)]
    by_code = {p["code"]: pid for pid, p in orm.products.items()}
    changed = [by_code[k[2:]] for k in leased]
    for pid in changed:
        orm.products[pid]["price"] = 9999.5
    conn.enqueue_products(changed, now=t)
    sim.post("/_control/faults", {"latency_ms": 0})
    # The request the dead worker had in flight still lands (the simulator answers a closed
    # socket after its 150 ms): in real time the lease (60 s) outlasts it; here, wait it out.
    time.sleep(0.5)
    # another worker, once the lease has expired, sends what the killed one had claimed
    t = drive(conn, t + 61000)
    c = conn.products.counts(t)
    assert c["done"] == n and c["dead"] == 0, c
    on_sim = sim.state()["products"]
    for pid, p in orm.products.items():
        got = on_sim["i:" + p["code"]]
        assert got["selling_price"] == p["price"] and got["available_stock_quantity"] == p["qty"], pid
    assert all(on_sim["i:" + orm.products[pid]["code"]]["selling_price"] == 9999.5 for pid in changed)
    conn.close()


def order(hid: str, codes: List[str], status: str = "pending", **kw: Any) -> Dict[str, Any]:
    o = {"hashed_id": hid, "status": status, "total_price": "100.5", "supplier_code": 1,
         "retailer": {"retailer_name": "Shop " + hid, "retailer_code": "R-" + hid, "retailer_number": "0100"},
         "order_details": [{"id": i + 1, "internal_product_id": c, "amount": 2, "selling_price": "7.5",
                            "product_name": "item " + c} for i, c in enumerate(codes)]}
    o.update(kw)
    return o


def test_orders_only_imported_ones_are_acknowledged(sim: Sim, tmp_path: Path) -> None:
    orm = FakeOrm()
    orm.add_products(5)
    conn = Connector(client_for(sim), orm, open_db(tmp_path / "o.db"))
    sim.post("/_control/orders", [order("o1", ["P00001", "P00002"]), order("o2", ["P00003", "NEW-9"]),
                                  order("o3", ["P00004"], status="approved", installment_cost=20)])
    rep = conn.pull_orders()
    assert {e.hashed_id: e.outcome for e in rep} == {"o1": "acked", "o2": "import_failed", "o3": "acked"}
    assert sim.state()["queue"] == ["o2"]  # the failed one is not acknowledged
    assert set(orm.orders) == {"o1", "o3"}
    assert orm.orders["o1"]["state"] == "draft" and orm.orders["o3"]["state"] == "sale"
    assert orm.orders["o3"]["extra"]["payment_method"] == "instalment"
    assert [ln["quantity"] for ln in orm.orders["o1"]["lines"]] == [2, 2]
    assert orm.results["o2"][-1][0] is False and "unknown product" in str(orm.results["o2"][-1][1])
    # it comes back, fails again (shown), then imports once the product exists
    rep = conn.pull_orders()
    assert [(e.hashed_id, e.outcome) for e in rep] == [("o2", "import_failed")]
    assert len(orm.results["o2"]) == 2
    orm.products[99] = {"code": "NEW-9", "price": 3.0, "qty": 1}
    # an acknowledgement that fails: imported (committed) but not acknowledged -> comes back,
    # and the second import does not duplicate it
    sim.post("/_control/faults", {"rate": 1.0, "kinds": ["503"], "path_prefix": "order/update-order-status"})
    rep = conn.pull_orders()
    assert [(e.hashed_id, e.outcome) for e in rep] == [("o2", "ack_failed")]
    assert "o2" in orm.orders and sim.state()["queue"] == ["o2"]
    sim.post("/_control/faults", {"rate": 0.0})
    rep = conn.pull_orders()
    assert [(e.hashed_id, e.outcome) for e in rep] == [("o2", "acked")]
    assert sim.state()["queue"] == [] and len(orm.orders) == 3
    assert conn.pull_orders().counts["acked"] == 0


def test_statuses_both_ways(sim: Sim, tmp_path: Path) -> None:
    orm = FakeOrm()
    orm.add_products(3)
    conn = Connector(client_for(sim), orm, open_db(tmp_path / "s.db"))
    sim.post("/_control/orders", [order("s1", ["P00001"]), dict(order("s2", ["P00002"], wallet_top_up=5), _otp="4321")])
    conn.pull_orders()
    # Odoo -> Cartona: confirm s1, cancel... deliver s2 without the OTP (refused), then with it
    assert conn.order_state_changed("s1", "sale") == "approved"
    assert conn.order_state_changed("s2", "delivered") == "delivered"
    assert conn.order_state_changed("s1", "done") is None  # unmapped: nothing sent
    r = conn.flush_statuses()
    assert r == {"claimed": 2, "updated": 1, "failed": 1}
    st = sim.state()
    assert st["orders"]["s1"]["status"] == "approved" and st["orders"]["s2"]["status"] == "pending"
    dead = list(conn.statuses.list("dead"))
    assert [d.key for d in dead] == ["s2"] and "otp" in (dead[0].error_message or "")
    conn.order_state_changed("s2", "delivered", retailer_otp="4321")  # a new value revives the dead letter
    assert conn.flush_statuses()["updated"] == 1
    assert sim.state()["orders"]["s2"]["status"] == "delivered"
    # custom mapping, and the mapping inbound: Cartona cancels s1 -> Odoo cancels it
    conn.status_map.set_outbound("sent", "approved")
    assert conn.order_state_changed("s1", "sent") == "approved"
    sim.post("/_control/orders", [dict(order("s1", ["P00001"]), status="cancelled_by_retailer")])
    rep = conn.pull_orders()
    assert [(e.hashed_id, e.outcome) for e in rep] == [("s1", "acked")]
    assert orm.orders["s1"]["state"] == "cancel" and ("s1", "cancel", "cancelled_by_retailer") in orm.state_changes
    assert len(orm.orders) == 2


def test_webhook_refuses_unauthenticated_and_acks_imported_only(sim: Sim, tmp_path: Path) -> None:
    import json
    orm = FakeOrm()
    orm.add_products(2)
    conn = Connector(client_for(sim), orm, open_db(tmp_path / "w.db"))
    body = json.dumps([order("w1", ["P00001"]), order("w2", ["nope"])]).encode()
    sim.post("/_control/orders", json.loads(body))
    assert conn.handle_webhook({}, body, "hook-secret")[0] == 401
    assert conn.handle_webhook({"X-Cartona-Webhook-Token": "wrong"}, body, "hook-secret")[0] == 401
    assert conn.handle_webhook({"X-Cartona-Webhook-Token": "hook-secret"}, body, None)[0] == 401  # none configured
    assert orm.orders == {}
    assert conn.handle_webhook({"x-cartona-webhook-token": "hook-secret"}, b"{not json", "hook-secret")[0] == 400
    status, ans = conn.handle_webhook({"x-cartona-webhook-token": "hook-secret"}, body, "hook-secret")
    assert status == 200 and ans["imported"] == ["w1"] and "unknown product" in ans["failed"]["w2"]
    assert set(orm.orders) == {"w1"} and sim.state()["queue"] == ["w2"]


def test_push_all_in_batches_with_progress(sim: Sim, tmp_path: Path) -> None:
    orm = FakeOrm()
    orm.add_products(1234)
    db = open_db(tmp_path / "p.db")
    conn = Connector(client_for(sim), orm, db)
    offset, steps, progress = 0, 0, []
    while True:
        with db.transaction():
            offset, n = conn.push_all_step(offset, 500)
        if n == 0:
            break
        steps += 1
        progress.append((offset, orm.product_count()))
    assert steps == 3 and progress[-1] == (1234, 1234)
    d = conn.dashboard()
    assert d["products"]["pending"] == 1234 and d["last_success_ms"] is None
    conn.flush_until_idle()
    d = conn.dashboard()
    assert d["products"]["done"] == 1234 and d["products"]["pending"] == 0 and d["last_success_ms"] > 0
    assert len(sim.state()["products"]) == 1234


def test_connection_test_and_refused_token(sim: Sim, tmp_path: Path) -> None:
    client_for(sim).test_connection()
    bad = cartona.Client("wrong-token", base_url=sim.base, transport=erplink.Transport(max_attempts=1))
    with pytest.raises(erplink.AuthError) as ei:
        bad.test_connection()
    assert "wrong-token" not in str(ei.value) and TOKEN not in str(ei.value)
    # a refused token never dead-letters products: they wait for a good token
    orm = FakeOrm()
    orm.add_products(3)
    conn = Connector(bad, orm, open_db(tmp_path / "a.db"))
    conn.enqueue_products([1, 2, 3])
    rep = conn.flush_products()
    assert rep.retrying == 3 and rep.dead == 0
    assert conn.outcome(1)["state"] == "pending" and conn.outcome(1)["last_outcome"] == "retry"
