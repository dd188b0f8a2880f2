"""The shared vectors of tests/vectors/ (the C library's results: tests/vectors/test_vectors.c):
the Python binding must give exactly the same - for the store semantics (store.json) also with
custom backends written in Python (tests/bindings/store_ops.py, examples/python/sql_store_ops.py)."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest

import erplink
from erplink import _erplink, cartona, razorpay, store

from conftest import VECTORS, load_vectors
from store_ops import DEDUP_KINDS, OUTBOX_KINDS, Backends, row_tuple

SIG = load_vectors("razorpay_signatures.json")["cases"]
VALUES = load_vectors("values.json")["cases"]
ERRORS = load_vectors("errors.json")["codes"]
STATUS = load_vectors("cartona_status_map.json")


def native(t: Dict[str, Any]) -> Any:
    (k, v), = t.items()
    if k in ("nil", "bool", "string"):
        return v
    if k == "int":
        return int(v)
    if k == "double":
        return float(v)
    if k == "bytes_hex":
        return bytes.fromhex(v)
    if k == "datetime":
        return dt.datetime.fromisoformat(v)
    if k == "array":
        return [native(x) for x in v]
    assert k == "struct"
    return {a: native(b) for a, b in v}


def outcome(fn: Any) -> str:
    try:
        assert fn() == 0
        return "OK"
    except erplink.Error as e:
        return e.code_name


def body_of(c: Dict[str, Any]) -> bytes:
    return bytes(c["body"].encode() if "body" in c else (VECTORS / c["body_file"]).read_bytes())


@pytest.mark.parametrize("case", SIG, ids=lambda c: "%s-%s-%s" % (c["kind"], c["expect"], c.get("why", "")))
def test_razorpay_signature_vectors(case: Dict[str, Any]) -> None:
    k, sig, secret = case["kind"], case["signature"], case["secret"]
    if k == "webhook":
        body = body_of(case)
        for b in (body, bytearray(body), memoryview(body)):
            assert outcome(lambda: razorpay.verify_webhook(b, sig, secret)) == case["expect"]
        assert outcome(lambda: razorpay.verify_webhook(body, sig, [secret])) == case["expect"]
        assert outcome(lambda: razorpay.Verifier(secret).verify_webhook(body, sig)) == case["expect"]
    elif k == "payment":
        args = (case["order_id"], case["payment_id"], sig)
        assert outcome(lambda: razorpay.verify_payment(*args, secret)) == case["expect"]
        assert outcome(lambda: razorpay.Verifier([secret]).verify_payment(*args)) == case["expect"]
    elif k == "subscription":
        args = (case["payment_id"], case["subscription_id"], sig)
        assert outcome(lambda: razorpay.verify_subscription(*args, secret)) == case["expect"]
        assert outcome(lambda: razorpay.Verifier(secret).verify_subscription(*args)) == case["expect"]
    else:
        link = (case["payment_link_id"], case["payment_link_reference_id"], case["payment_link_status"],
                case["payment_id"], sig)
        assert outcome(lambda: razorpay.verify_payment_link(*link, secret)) == case["expect"]
        assert outcome(lambda: razorpay.Verifier(secret).verify_payment_link(*link)) == case["expect"]


@pytest.mark.parametrize("case", VALUES, ids=lambda c: c["name"])
def test_value_vectors(case: Dict[str, Any]) -> None:
    v = native(case["value"])
    out = erplink.roundtrip(v)
    assert out == v and type(out) is type(v)
    assert erplink.dump(v) == case["dump"] == erplink.dump(out)


def test_error_vectors() -> None:
    assert len(ERRORS) == len(erplink.CODE_NAMES)
    for c in ERRORS:
        code = c["code"]
        assert erplink.CODE_NAMES[code] == c["name"]
        assert _erplink.error_category_name(_erplink.error_category_of(code)) == c["category"]
        assert erplink.error_retryable(code) is c["retryable"]
        if code:
            e = erplink._errors._from_c(code, c["category"], "m", 0, None, None, -1)
            assert e.category == c["category"] and e.code_name == c["name"]


def test_cartona_status_map_vectors() -> None:
    m = cartona.StatusMap()
    for direction, fn in (("outbound", m.to_cartona), ("inbound", m.to_odoo)):
        for k, want in STATUS[direction].items():
            if want is None:
                with pytest.raises(erplink.ValidationError):
                    fn(k)
            else:
                assert fn(k) == want
    assert {k: cartona.status_settable(k) for k in STATUS["settable"]} == STATUS["settable"]
    assert {k: cartona.cancellation_reason_valid(k) for k in STATUS["cancellation_reasons"]} == \
        STATUS["cancellation_reasons"]


def test_float_specials_are_not_in_json_vectors_but_round_trip() -> None:
    assert math.isinf(float(erplink.roundtrip(math.inf)))  # type: ignore[arg-type]


# ------------------------------------------------------------------ store semantics (store.json)

STORE = load_vectors("store.json")
T0: int = STORE["t0"]


@pytest.fixture()
def backends(tmp_path: Path) -> Iterator[Backends]:
    b = Backends(tmp_path)
    yield b
    b.close()


@pytest.mark.parametrize("kind", DEDUP_KINDS)
@pytest.mark.parametrize("case", STORE["dedup"], ids=lambda c: c["name"])
def test_store_dedup_vectors(case: Dict[str, Any], kind: str, backends: Backends) -> None:
    d = backends.dedup(kind, case["capacity"], case["ttl_ms"] / 1000)
    for n, st in enumerate(case["steps"]):
        op, where = st[0], "step %d %r" % (n, st[:2])
        if op == "seen":
            assert d.seen(st[1], T0 + st[2]) is st[3], where
        elif op == "forget":
            assert d.forget(st[1]) is st[2], where
        elif op == "count":
            assert d.count(T0 + st[1]) == st[2], where
        else:
            assert op == "seen_error"
            with pytest.raises(erplink.Error) as ei:
                d.seen(st[1], T0 + st[2])
            assert ei.value.code_name == st[3], where


@pytest.mark.parametrize("kind", OUTBOX_KINDS)
@pytest.mark.parametrize("case", STORE["outbox"], ids=lambda c: c["name"])
def test_store_outbox_vectors(case: Dict[str, Any], kind: str, backends: Backends) -> None:
    p = case["policy"]
    ob = backends.outbox(kind, lease_ms=p["lease_ms"], max_attempts=p["max_attempts"],
                         backoff_ms=tuple(p["backoff_ms"]), jitter=p["jitter"])
    batches: Dict[str, store.Batch] = {}
    for n, st in enumerate(case["steps"]):
        op, where = st[0], "step %d %r" % (n, st)
        if op == "enqueue":
            ob.enqueue(st[1], st[2], T0 + st[3])
        elif op == "enqueue_many":
            ob.enqueue_many([(k, v) for k, v in st[1]], T0 + st[2])
        elif op == "claim":
            b = batches[st[1]] = ob.claim(st[2], T0 + st[3])
            assert [list(row_tuple(i)) for i in b] == st[4], where
        elif op == "mark":
            it = batches[st[1]][st[2]]
            if st[3] == "done":
                it.done()
            elif st[3] == "release":
                it.release()
            else:
                code = getattr(erplink, st[4])
                (it.failed if st[3] == "failed" else it.retry)(code, st[5], None if st[6] < 0 else st[6])
        elif op == "complete":
            b = batches[st[1]]
            assert b.complete(T0 + st[2]) == st[3], where
            assert [i.outcome.name if i.outcome else None for i in b] == st[4], where
        elif op == "drop":
            batches.pop(st[1]).close()
        elif op == "count":
            assert ob.count(st[1], T0 + st[2]) == st[3], where
        elif op == "list":
            with ob.list(st[1], st[2], st[3]) as lst:
                assert [list(row_tuple(i)) + [i.changed_ms - T0] for i in lst] == st[4], where
        elif op == "requeue":
            assert ob.requeue(st[1], T0 + st[2]) == st[3], where
        else:
            assert op == "discard"
            assert ob.discard(st[1]) == st[2], where
    for b in batches.values():
        b.close()
