#!/usr/bin/env python3
"""Cartona supplier-integration simulator for erplink's tests, examples and benchmark
(Python 3 stdlib only: ThreadingHTTPServer, HTTP/1.1 keep-alive).

API (under /api/v1/, header `AuthorizationToken: <token>` required; `--token`, default
"test-token"; a missing or wrong token — e.g. sent as `Authorization:` — gets 401 JSON):

  GET  supplier-product?page=&per_page=[&internal_product_id=][&supplier_product_id=]
  POST supplier-product/bulk-update                     body: JSON array of items
  GET  supplier-product/base-products?page=&per_page=
  POST supplier-product/base-product/bulk-update        body: JSON array (base_product_id)
  POST supplier-product/base-product/bulk-update-stock  body: [{base_product_id, available_stock_quantity}]
  GET  order/pull-orders?page=&per_page=[&from=&to=]    the queue (orders not yet `synced`)
  POST order/update-order-status                        bulk status items (never fails per item)
  POST order/update-order-status/<hashed_id>            one status item; 4xx when refused
  POST order/update-order-details                       [{hashed_id, order_details: [...]}]

Bulk-update answers: the real format is UNCONFIRMED. The simulator answers, per item, in the
order received: [{"supplier_product_id"|"internal_product_id"|"base_product_id": <as sent>,
"status": "updated"|"error", "message": "..."}]. With /_control/config {"bulk_response":
"empty"|"object"} it answers an empty 200 body or `{}` instead (meaning "all accepted"), the
two other shapes the client must accept; "strict422" answers 422 with the per-item array when
an item failed (the valid items are still applied); "html" answers a 200 HTML login page. An item is refused when it has no identifier, an
invalid price/quantity/unit, or an id starting with "unknown" ("product not found").

Control (no auth): POST /_control/orders (array of orders to queue; a member `_otp` makes
delivery require that retailer_otp and is not shown in pulls), POST /_control/faults
{"rate", "kinds": ["500","502","503","504","429","reset","timeout"], "seed", "item_fail_rate",
"latency_ms", "timeout_ms", "retry_after", "path_prefix"} (a "timeout" fault sleeps timeout_ms,
then processes the request normally: the client has given up, but the update is applied), POST /_control/config
{"bulk_response"}, POST /_control/reset, GET /_control/state (products, orders, queue,
request counts per "METHOD path", faults injected, status updates, detail updates).

Starts with `--port 0`, prints "PORT <n>" first, binds 127.0.0.1 only, exits when stdin reaches
EOF. Sleeps are capped (MAX_SLEEP_MS); every loop is bounded by its input.
"""
import argparse
import json
import os
import random
import socket
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serverkit  # noqa: E402  (the PORT line, stdin-EOF exit)

MAX_SLEEP_MS = 10000
MAX_BODY = 32 * 1024 * 1024
API = "/api/v1/"
UNITS = {"box", "can", "bottle", "kg", "piece", "dozen", "bag", "packet", "plate", "glass", "pallet", "jar",
         "shrink", "ton", "saddlebag", "roll", "tissue", "cone", "coil", "bunch", "strip", "recharge_card", "mat"}
SETTABLE = {"synced", "pending", "approved", "assigned_to_salesman", "delivered", "cancelled_by_supplier"}
REASONS = {"out_of_stock", "cannot_deliver_the_order", "supplier_asked_me_to_cancel", "delayed_order",
           "pending_order_without_action", "removed_items", "supplier_attitude", "missing_items",
           "expired_products", "different_prices", "different_products"}
ID_FIELDS = ("supplier_product_id", "internal_product_id", "base_product_id")


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.products = {}
        self.base_products = {}
        self.orders = {}
        self.queue = []
        self.requests = {}
        self.faults = {"rate": 0.0, "kinds": [], "seed": 1, "item_fail_rate": 0.0, "latency_ms": 0,
                       "timeout_ms": 1500, "retry_after": 1, "path_prefix": ""}
        self.rng = random.Random(1)
        self.injected = {}
        self.status_updates = []
        self.detail_updates = []
        self.config = {"bulk_response": "per_item"}
        self.next_line_id = 100000


STATE = State()
TOKEN = ["test-token"]


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def id_text(v):
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, str)):
        s = str(v)
        return s if s.strip() else None
    return None


def product_key(item, kind):
    if kind == "stock" or kind == "base":
        b = id_text(item.get("base_product_id"))
        return ("base:" + b) if b else None
    s = id_text(item.get("supplier_product_id"))
    if s:
        return "s:" + s
    i = id_text(item.get("internal_product_id"))
    if i:
        return "i:" + i
    b = id_text(item.get("base_product_id"))
    if b and item.get("unit") and is_int(item.get("unit_count")):
        return "b:%s|%s|%s" % (b, item["unit"], item["unit_count"])
    return None


def check_item(item, kind):
    """Returns (key, error message or None)."""
    if not isinstance(item, dict):
        return None, "item must be an object"
    key = product_key(item, kind)
    if not key:
        return None, "missing product identifier"
    for f in ID_FIELDS:
        t = id_text(item.get(f))
        if t and t.startswith("unknown"):
            return key, "product not found"
    p = item.get("selling_price")
    if p is not None and (isinstance(p, bool) or not isinstance(p, (int, float)) or p < 0):
        return key, "invalid selling_price"
    for f in ("available_stock_quantity", "min_order", "max_order", "remind_me_at_stock"):
        q = item.get(f)
        if q is not None and (not is_int(q) or q < 0):
            return key, "invalid " + f
    if kind == "stock" and item.get("available_stock_quantity") is None:
        return key, "available_stock_quantity is required"
    u = item.get("unit")
    if u is not None and u not in UNITS:
        return key, "invalid unit"
    return key, None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "CartonaSim/1.0"

    def log_message(self, fmt, *args):  # quiet
        pass

    def setup(self):
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    # ------------------------------------------------------------ plumbing
    def send_json(self, status, obj, headers=None):
        body = b"" if obj is None else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        # Headers and body leave in one write: two small writes would meet the client's
        # delayed ACK (Nagle) and add ~40 ms to every exchange.
        self._headers_buffer.append(b"\r\n" + body)
        self.flush_headers()

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n < 0 or n > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(n) if n else b""

    def reset_connection(self):
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    # ------------------------------------------------------------ dispatch
    def dispatch(self, method):
        url = urllib.parse.urlsplit(self.path)
        q = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        try:
            raw = self.read_body()
        except (ValueError, OSError):
            self.send_json(413, {"message": "body too large"})
            self.close_connection = True
            return
        if url.path.startswith("/_control/"):
            return self.control(method, url.path[len("/_control/"):], raw)
        if not url.path.startswith(API):
            return self.send_json(404, {"message": "not found"})
        path = url.path[len(API):]
        st = STATE
        with st.lock:
            name = method + " " + (path if not path.startswith("order/update-order-status/")
                                   else "order/update-order-status/<id>")
            st.requests[name] = st.requests.get(name, 0) + 1
            f = st.faults
            latency = f["latency_ms"]
            fault = None
            if f["rate"] > 0 and f["kinds"] and path.startswith(f["path_prefix"]) and st.rng.random() < f["rate"]:
                fault = st.rng.choice(f["kinds"])
                st.injected[fault] = st.injected.get(fault, 0) + 1
            item_fail_rate = f["item_fail_rate"]
            timeout_ms = f["timeout_ms"]
            retry_after = f["retry_after"]
        if latency:
            time.sleep(min(latency, MAX_SLEEP_MS) / 1000.0)
        # Authentication comes first (a fault is only injected for authenticated calls).
        tok = self.headers.get("AuthorizationToken")
        if tok is None:
            msg = "missing AuthorizationToken header"
            if self.headers.get("Authorization") is not None:
                msg += " (an Authorization header is not accepted)"
            return self.send_json(401, {"message": msg})
        if tok != TOKEN[0]:
            return self.send_json(401, {"message": "invalid token"})
        if fault == "reset":
            return self.reset_connection()
        if fault in ("500", "502", "503", "504"):
            return self.send_json(int(fault), {"message": "injected " + fault})
        if fault == "429":
            return self.send_json(429, {"message": "too many requests"}, {"Retry-After": str(retry_after)})
        if fault == "timeout":
            time.sleep(min(timeout_ms, MAX_SLEEP_MS) / 1000.0)  # then answer (to a client that gave up)
        if method == "POST" and "application/json" not in (self.headers.get("Content-Type") or ""):
            return self.send_json(415, {"message": "Content-Type must be application/json"})
        body = None
        if method == "POST":
            try:
                body = json.loads(raw.decode("utf-8")) if raw else None
            except (ValueError, UnicodeDecodeError):
                return self.send_json(400, {"message": "invalid JSON body"})
        try:
            return self.api(method, path, q, body, item_fail_rate)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def page_of(self, items, q):
        try:
            page = max(1, int(q.get("page", "1")))
            per = max(1, min(1000, int(q.get("per_page", "50"))))
        except ValueError:
            return None
        return items[(page - 1) * per: page * per]

    def api(self, method, path, q, body, item_fail_rate):
        st = STATE
        if method == "GET" and path == "supplier-product":
            with st.lock:
                prods = list(st.products.values())
            if "internal_product_id" in q:
                prods = [p for p in prods if id_text(p.get("internal_product_id")) == q["internal_product_id"]]
            if "supplier_product_id" in q:
                prods = [p for p in prods if id_text(p.get("supplier_product_id")) == q["supplier_product_id"]]
            page = self.page_of(prods, q)
            if page is None:
                return self.send_json(400, {"message": "bad page"})
            return self.send_json(200, page)
        if method == "GET" and path == "supplier-product/base-products":
            with st.lock:
                prods = list(st.base_products.values())
            return self.send_json(200, self.page_of(prods, q) or [])
        bulk = {"supplier-product/bulk-update": "product", "supplier-product/base-product/bulk-update": "base",
                "supplier-product/base-product/bulk-update-stock": "stock"}
        if method == "POST" and path in bulk:
            return self.bulk(bulk[path], body, item_fail_rate)
        if method == "GET" and path == "order/pull-orders":
            with st.lock:
                orders = [self.public_order(st.orders[h]) for h in st.queue]
            page = self.page_of(orders, q)
            if page is None:
                return self.send_json(400, {"message": "bad page"})
            return self.send_json(200, page)
        if method == "POST" and path == "order/update-order-status":
            if not isinstance(body, list):
                return self.send_json(400, {"message": "body must be an array"})
            with st.lock:
                for it in body:
                    if isinstance(it, dict):
                        self.apply_status(it)
            return self.send_json(200, {})
        if method == "POST" and path.startswith("order/update-order-status/"):
            hid = urllib.parse.unquote(path[len("order/update-order-status/"):])
            if not isinstance(body, dict):
                return self.send_json(400, {"message": "body must be an object"})
            with st.lock:
                o = st.orders.get(hid)
                if o is None:
                    return self.send_json(404, {"message": "order not found"})
                s = body.get("status")
                if s not in SETTABLE:
                    return self.send_json(422, {"message": "invalid status"})
                r = body.get("cancellation_reason")
                if r is not None and r not in REASONS:
                    return self.send_json(422, {"message": "invalid cancellation_reason"})
                if s == "delivered" and o.get("_otp") is not None and body.get("retailer_otp") != o["_otp"]:
                    return self.send_json(422, {"message": "invalid retailer otp"})
                b = dict(body)
                b["hashed_id"] = hid
                self.apply_status(b)
            return self.send_json(200, {"success": True})
        if method == "POST" and path == "order/update-order-details":
            if not isinstance(body, list):
                return self.send_json(400, {"message": "body must be an array"})
            with st.lock:
                for it in body:
                    if not isinstance(it, dict) or str(it.get("hashed_id")) not in st.orders:
                        return self.send_json(404, {"message": "order not found"})
                for it in body:
                    o = st.orders[str(it["hashed_id"])]
                    st.detail_updates.append(it)
                    for d in it.get("order_details") or []:
                        self.apply_detail(o, d)
            return self.send_json(200, {})
        return self.send_json(404, {"message": "no route " + method + " " + path})

    def public_order(self, o):
        return {k: v for k, v in o.items() if not k.startswith("_")}

    def apply_status(self, it):  # lock held
        st = STATE
        hid = str(it.get("hashed_id"))
        s = it.get("status")
        st.status_updates.append({"hashed_id": hid, "status": s})
        o = st.orders.get(hid)
        if o is None or s not in SETTABLE:
            return
        if s == "synced":
            if hid in st.queue:
                st.queue.remove(hid)
            o["_synced"] = o.get("_synced", 0) + 1
        else:
            o["status"] = s

    def apply_detail(self, o, d):  # lock held
        lines = o.setdefault("order_details", [])
        if "id" in d:
            for ln in lines:
                if str(ln.get("id")) == str(d["id"]):
                    if d.get("cancelled"):
                        ln["cancelled"] = True
                    if "amount" in d:
                        ln["amount"] = d["amount"]
            return
        STATE.next_line_id += 1
        nl = {"id": STATE.next_line_id, "amount": d.get("amount"), "selling_price": d.get("price")}
        for f in ("supplier_product_id", "internal_product_id"):
            if f in d:
                nl[f] = d[f]
        lines.append(nl)

    def bulk(self, kind, body, item_fail_rate):
        st = STATE
        if not isinstance(body, list):
            return self.send_json(400, {"message": "body must be a JSON array"})
        results = []
        with st.lock:
            for item in body:
                key, err = check_item(item, kind)
                if err is None and item_fail_rate > 0 and st.rng.random() < item_fail_rate:
                    err = "injected item failure"
                    st.injected["item"] = st.injected.get("item", 0) + 1
                res = {}
                if isinstance(item, dict):
                    for f in ID_FIELDS:
                        if f in item:
                            res[f] = item[f]
                if err:
                    res["status"] = "error"
                    res["message"] = err
                else:
                    table = st.base_products if kind in ("base", "stock") else st.products
                    p = table.setdefault(key, {})
                    p.update(item)
                    p["_updates"] = p.get("_updates", 0) + 1
                    res["status"] = "updated"
                results.append(res)
            mode = st.config["bulk_response"]
        if mode == "html":
            body = b"<!DOCTYPE html><html><body>Please log in</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self._headers_buffer.append(b"\r\n" + body)
            self.flush_headers()
            return None
        if mode == "strict422" and any(r["status"] == "error" for r in results):
            return self.send_json(422, results)
        if mode == "empty":
            return self.send_json(200, None)
        if mode == "object":
            return self.send_json(200, {})
        return self.send_json(200, results)

    # ------------------------------------------------------------ control
    def control(self, method, what, raw):
        st = STATE
        try:
            body = json.loads(raw.decode("utf-8")) if raw else None
        except (ValueError, UnicodeDecodeError):
            return self.send_json(400, {"message": "invalid JSON"})
        with st.lock:
            if what == "state":
                return self.send_json(200, {
                    "products": st.products, "base_products": st.base_products, "orders": st.orders,
                    "queue": st.queue, "requests": st.requests, "faults_injected": st.injected,
                    "status_updates": st.status_updates, "detail_updates": st.detail_updates})
            if what == "reset" and method == "POST":
                st.reset()
                return self.send_json(200, {})
            if what == "orders" and method == "POST" and isinstance(body, list):
                for o in body:
                    hid = str(o["hashed_id"])
                    st.orders[hid] = o
                    if hid not in st.queue:
                        st.queue.append(hid)
                return self.send_json(200, {"queued": len(st.queue)})
            if what == "faults" and method == "POST" and isinstance(body, dict):
                st.faults.update(body)
                st.rng = random.Random(st.faults.get("seed", 1))
                return self.send_json(200, st.faults)
            if what == "config" and method == "POST" and isinstance(body, dict):
                st.config.update(body)
                return self.send_json(200, st.config)
        return self.send_json(404, {"message": "unknown control " + what})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--token", default="test-token")
    a = ap.parse_args()
    TOKEN[0] = a.token
    serverkit.serve(Server(("127.0.0.1", a.port), Handler))


if __name__ == "__main__":
    main()
