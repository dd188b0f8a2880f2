"""erplink.razorpay beyond the shared vectors: secret rotation, zero-copy bodies, the verifier
shared by threads, webhook events and their errors."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from typing import List

import pytest

import erplink
from erplink import razorpay

from conftest import ROOT

SECRET = "whsec_test"
BODY = json.dumps({"entity": "event", "account_id": "acc_1", "event": "payment.captured", "contains": ["payment"],
                   "payload": {"payment": {"entity": {"id": "pay_1", "amount": 50000, "currency": "INR",
                                                      "status": "captured", "order_id": "order_1", "method": "upi",
                                                      "email": "a@example.com", "contact": "+91", "notes": [],
                                                      "fee": 12, "vpa": "a@upi"}},
                               "order": {"entity": {"id": "order_1", "amount": 50000, "notes": {"k": "v"}}}},
                   "created_at": 1567674606}).encode()


def sign(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_rotation_reports_the_matching_index() -> None:
    sig = sign(BODY, "old")
    assert razorpay.verify_webhook(BODY, sig, ["new", "old"]) == 1
    assert razorpay.verify_webhook(BODY, sign(BODY, "new"), ("new", "old")) == 0
    v = razorpay.Verifier(["new", "old"])
    assert len(v) == 2 and v.verify_webhook(BODY, sig) == 1
    with pytest.raises(erplink.SignatureError) as ei:
        razorpay.verify_webhook(BODY, sign(BODY, "other"), ["new", "old"])
    assert ei.value.category == "signature" and "new" not in str(ei.value) and sig not in str(ei.value)
    assert razorpay.verify_payment("o", "p", sign(b"o|p", "k2"), ["k1", "k2"]) == 1
    assert razorpay.verify_subscription("p", "s", sign(b"p|s", "k"), "k") == 0
    assert razorpay.verify_payment_link("pl", "", "paid", "p", sign(b"pl||paid|p", "k"), ["k"]) == 0


def test_bodies_of_every_buffer_kind_without_copy() -> None:
    sig = sign(BODY, SECRET)
    big = bytearray(b"x" * 10 + BODY + b"y" * 10)
    view = memoryview(big)[10:-10]
    assert razorpay.verify_webhook(view, sig, SECRET) == 0
    assert razorpay.verify_webhook(BODY.decode(), sig, SECRET) == 0
    with pytest.raises(TypeError):
        razorpay.verify_webhook(memoryview(big)[::2], sig, SECRET)  # not contiguous
    with pytest.raises(TypeError):
        razorpay.verify_webhook(12, sig, SECRET)  # type: ignore[arg-type]
    with pytest.raises(erplink.InvalidArgumentError):
        razorpay.verify_webhook(BODY, sig.upper(), SECRET)
    with pytest.raises(erplink.InvalidArgumentError):
        razorpay.verify_payment("a|b", "p", sig, SECRET)
    with pytest.raises(erplink.InvalidArgumentError):
        razorpay.Verifier([])


def test_verifier_is_shared_by_threads() -> None:
    v = razorpay.Verifier(SECRET)
    sig = sign(BODY, SECRET)
    errors: List[BaseException] = []

    def work() -> None:
        try:
            for _ in range(2000):
                assert v.verify_webhook(BODY, sig) == 0
                with pytest.raises(erplink.SignatureError):
                    v.verify_webhook(BODY, "0" * 64)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    ts = [threading.Thread(target=work) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert errors == []


def test_parse_event() -> None:
    ev = razorpay.parse_event(BODY, "evt_1")
    assert (ev.id, ev.name, ev.account_id, ev.created_at, ev.contains) == \
        ("evt_1", "payment.captured", "acc_1", 1567674606, ["payment"])
    assert ev.root["entity"] == "event" and ev.payload is not None and "payment" in ev.payload
    p = ev.payment
    assert p is not None
    assert (p.id, p.order_id, p.amount, p.currency, p.status, p.method, p.email, p.contact) == \
        ("pay_1", "order_1", 50000, "INR", "captured", "upi", "a@example.com", "+91")
    assert p.notes == {} and p.string("vpa") == "a@upi" and p.integer("fee") == 12 and p.integer("nope") is None
    assert p.raw["id"] == "pay_1"
    with pytest.raises(erplink.ValidationError):
        p.integer("vpa")
    o = ev.order
    assert o is not None and o.notes == {"k": "v"} and o.status is None
    assert ev.entity("refund") is None
    assert razorpay.parse_event(b'{"event": "x.y"}').created_at is None
    fx = (ROOT / "tests" / "fixtures" / "razorpay" / "webhook_payment_authorized.json").read_bytes()
    assert razorpay.parse_event(memoryview(fx)).name == "payment.authorized"


@pytest.mark.parametrize("body,cls", [(b"", erplink.InvalidArgumentError), (b"{", erplink.ProtocolError),
                                      (b"[]", erplink.ValidationError), (b'{"event": 1}', erplink.ValidationError),
                                      (b'{"event":"a","payload":{"payment":{"entity":{"amount":"1"}}}}',
                                       erplink.ValidationError)])
def test_parse_event_errors(body: bytes, cls: type) -> None:
    with pytest.raises(cls):
        razorpay.parse_event(body)
