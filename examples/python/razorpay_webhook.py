"""A Flask endpoint receiving Razorpay webhooks: verify the raw body, parse it, and process each
event once although Razorpay delivers at least once (and retries for about a day).

    RAZORPAY_WEBHOOK_SECRET=... ERPLINK_STORE=/var/lib/shop/erplink.db FLASK_APP=razorpay_webhook.py flask run
"""

from __future__ import annotations

import os
from typing import Any, Tuple

import erplink
from erplink import razorpay

# keyed once, shared by every request thread; the old secret stays accepted after a rotation
verifier = razorpay.Verifier([s for s in (os.environ.get("RAZORPAY_WEBHOOK_SECRET", "change-me"),
                                          os.environ.get("RAZORPAY_OLD_WEBHOOK_SECRET")) if s])


# the event ids seen, in a SQLite file: kept across restarts, shared by every worker process
events = razorpay.Dedup(path=os.environ.get("ERPLINK_STORE", "erplink-webhooks.db"))


def process(event: razorpay.Event) -> None:
    if event.name == "payment.captured" and event.payment is not None:
        print("captured", event.payment.id, event.payment.amount, event.payment.currency)


def handle(body: bytes, signature: str, event_id: str | None) -> Tuple[str, int]:
    """The framework-independent part: 400 for a bad signature, 200 once processed (or for a
    redelivery), 5xx when Razorpay should deliver again."""
    try:
        verifier.verify_webhook(body, signature)
    except (erplink.SignatureError, erplink.InvalidArgumentError):
        return "bad signature", 400
    event = razorpay.parse_event(body, event_id)
    if event.id is not None:
        try:
            if events.seen(event.id):
                return "duplicate", 200          # already processed: acknowledge only
        except erplink.Error:                    # the store failed: nothing is known, let it retry
            return "try again", 503
    try:
        process(event)
    except Exception:
        if event.id is not None:
            events.forget(event.id)              # so that Razorpay's retry is processed
        return "error", 500
    return "ok", 200


def make_app() -> Any:
    from flask import Flask, request  # Flask is optional for the rest of this file

    app = Flask(__name__)

    @app.post("/razorpay/webhook")
    def webhook() -> Tuple[str, int]:
        return handle(request.get_data(), request.headers.get("X-Razorpay-Signature", ""),
                      request.headers.get("X-Razorpay-Event-Id"))

    return app


if __name__ == "__main__":
    make_app().run(port=8000)
