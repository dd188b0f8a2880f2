"""Razorpay signatures and webhook events (erplink/razorpay.h).

Example (Flask)::

    from erplink import razorpay
    verifier = razorpay.Verifier([WEBHOOK_SECRET, OLD_SECRET])    # keyed once, thread-safe
    events = razorpay.Dedup(path="/var/lib/shop/erplink.db")     # survives restarts, shared by workers

    @app.post("/razorpay")
    def hook():
        body = request.get_data()                                 # the raw bytes, not a re-encoding
        verifier.verify_webhook(body, request.headers["X-Razorpay-Signature"])  # SignatureError
        ev = razorpay.parse_event(body, request.headers.get("X-Razorpay-Event-Id"))
        if events.seen(ev.id):
            return "", 200                                        # a redelivery: acknowledge only
        ...

``body`` may be ``bytes``, ``bytearray`` or ``memoryview`` (read in place, never copied) or a
``str`` (its UTF-8 bytes). Every verification raises :class:`erplink.SignatureError` when the
signature does not match and :class:`erplink.InvalidArgumentError` for malformed input (a
signature that is not 64 lowercase hex digits, an empty secret, ``|`` in an id); it returns
the index of the matching secret (0 for a single secret). Comparisons are constant-time; error
messages never contain a secret or a signature. Every function here is thread-safe.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Union

from . import _erplink, _errors, store as _store
from ._core import _Handle

__all__ = ["verify_webhook", "verify_payment", "verify_subscription", "verify_payment_link", "Verifier",
           "parse_event", "Event", "Entity", "Dedup", "SIGNATURE_LEN"]

_e = _erplink

#: length of a Razorpay signature (64 lowercase hex digits)
SIGNATURE_LEN: int = _e.RAZORPAY_SIGNATURE_LEN

Body = Union[bytes, bytearray, memoryview, str]
Secrets = Union[str, Sequence[str]]

_verify_webhook = _e.razorpay_verify_webhook
_verify_webhook_any = _e.razorpay_verify_webhook_any


def verify_webhook(body: Body, signature: str, secret: Secrets) -> int:
    """Verifies the ``X-Razorpay-Signature`` of a webhook body with the webhook secret, or with
    several (secret rotation: every one is tried) -> the index of the one that matched."""
    if isinstance(secret, str):
        _verify_webhook(body, signature, secret)
        return 0
    return _verify_webhook_any(body, signature, secret)  # type: ignore[no-any-return]


def _one(fn: Any, secret: Secrets, *args: Any) -> int:
    if isinstance(secret, str):
        fn(*args, secret)
        return 0
    v = Verifier(secret)
    return v._call(fn.__name__.replace("razorpay_", "razorpay_verifier_"), *args)


def verify_payment(order_id: str, payment_id: str, signature: str, key_secret: Secrets) -> int:
    """Verifies Checkout's ``razorpay_signature`` of ``order_id|payment_id`` (``order_id`` is
    the one stored on *your* server) with the API key secret."""
    return _one(_e.razorpay_verify_payment, key_secret, order_id, payment_id, signature)


def verify_subscription(payment_id: str, subscription_id: str, signature: str, key_secret: Secrets) -> int:
    """Verifies a subscription payment's ``razorpay_signature`` of
    ``payment_id|subscription_id`` with the API key secret."""
    return _one(_e.razorpay_verify_subscription, key_secret, payment_id, subscription_id, signature)


def verify_payment_link(payment_link_id: str, reference_id: str, status: str, payment_id: str, signature: str,
                        key_secret: Secrets) -> int:
    """Verifies a payment link callback's ``razorpay_signature`` of
    ``payment_link_id|reference_id|status|payment_id`` (``reference_id`` may be ``""``)."""
    return _one(_e.razorpay_verify_payment_link, key_secret, payment_link_id, reference_id, status, payment_id,
                signature)


class Verifier:
    """Secrets keyed once into HMAC-SHA256 states (``razorpay_verifier``), reused for any number
    of verifications with no re-keying. Thread-safe: one verifier may serve every thread. The
    raw secrets are not kept. Put the current secret first: the lowest matching index wins.

    Args:
        secrets: one secret or a sequence of 1 to 64 secrets (webhook secrets, or API key
            secrets for the payment, subscription and payment link signatures).
    """

    __slots__ = ("_h", "_ptr")

    def __init__(self, secrets: Secrets) -> None:
        if isinstance(secrets, str):
            secrets = [secrets]
        self._h = _Handle(_e.razorpay_verifier_new(secrets), _e.razorpay_verifier_free)
        self._ptr = self._h.ptr

    def __len__(self) -> int:
        return int(_e.razorpay_verifier_count(self._ptr))

    def _call(self, name: str, *args: Any) -> int:
        return getattr(_e, name)(self._ptr, *args)  # type: ignore[no-any-return]

    def verify_webhook(self, body: Body, signature: str) -> int:
        """Verifies a webhook body and its ``X-Razorpay-Signature`` -> the matching index."""
        return _e.razorpay_verifier_verify_webhook(self._ptr, body, signature)  # type: ignore[no-any-return]

    def verify_payment(self, order_id: str, payment_id: str, signature: str) -> int:
        """Verifies a Checkout signature (``order_id|payment_id``) -> the matching index."""
        return _e.razorpay_verifier_verify_payment(self._ptr, order_id, payment_id, signature)  # type: ignore[no-any-return]

    def verify_subscription(self, payment_id: str, subscription_id: str, signature: str) -> int:
        """Verifies a subscription signature (``payment_id|subscription_id``)."""
        return _e.razorpay_verifier_verify_subscription(self._ptr, payment_id, subscription_id,  # type: ignore[no-any-return]
                                                        signature)

    def verify_payment_link(self, payment_link_id: str, reference_id: str, status: str, payment_id: str,
                            signature: str) -> int:
        """Verifies a payment link callback signature."""
        return _e.razorpay_verifier_verify_payment_link(self._ptr, payment_link_id, reference_id,  # type: ignore[no-any-return]
                                                        status, payment_id, signature)


class Entity:
    """One entity of an event's payload, e.g. ``payload.payment.entity`` (``razorpay_entity``).

    Attributes:
        id, order_id, currency, status, email, contact, method: the string members (``None``
            when absent or null).
        amount: the amount in the smallest currency unit (paise), or ``None``.
        notes: the notes as a dict (Razorpay's ``[]`` for empty notes gives ``{}``).
        raw: the entity object itself (a dict).
    """

    __slots__ = ("id", "order_id", "amount", "currency", "status", "email", "contact", "method", "notes",
                 "raw", "_ptr", "_owner")

    def __init__(self, ptr: Any, owner: _Handle) -> None:
        self._ptr, self._owner = ptr, owner
        self.id: Optional[str] = _e.razorpay_entity_id(ptr)
        self.order_id: Optional[str] = _e.razorpay_entity_order_id(ptr)
        self.amount: Optional[int] = _opt_int(_e.razorpay_entity_amount, ptr)
        self.currency: Optional[str] = _e.razorpay_entity_currency(ptr)
        self.status: Optional[str] = _e.razorpay_entity_status(ptr)
        self.email: Optional[str] = _e.razorpay_entity_email(ptr)
        self.contact: Optional[str] = _e.razorpay_entity_contact(ptr)
        self.method: Optional[str] = _e.razorpay_entity_method(ptr)
        self.notes: Dict[str, Any] = _e.razorpay_entity_notes(ptr)
        self.raw: Dict[str, Any] = _e.razorpay_entity_raw(ptr)

    def string(self, name: str) -> Optional[str]:
        """A string member by name (``None`` when absent, null or not a string)."""
        return _e.razorpay_entity_string(self._ptr, name)  # type: ignore[no-any-return]

    def integer(self, name: str) -> Optional[int]:
        """An integer member by name (``None`` when absent or null; ``ValidationError`` when
        present but not an integer)."""
        return _opt_int(_e.razorpay_entity_int, self._ptr, name)

    def __repr__(self) -> str:
        return "Entity(%r)" % (self.id,)


def _opt_int(fn: Any, *args: Any) -> Optional[int]:
    try:
        return int(fn(*args))
    except _errors.NotFoundError:
        return None


class Event:
    """A parsed webhook event (``razorpay_event``); immutable, thread-safe to read.

    Attributes:
        id: the ``X-Razorpay-Event-Id`` given to :func:`parse_event`, or ``None``.
        name: the event name (``"payment.captured"``, ...).
        account_id: the merchant account id, or ``None``.
        created_at: seconds since the epoch, or ``None``.
        contains: the ``contains`` list.
        root: the whole decoded body (a dict).
        payload: the ``payload`` member (a dict), or ``None``.
    """

    __slots__ = ("id", "name", "account_id", "created_at", "contains", "root", "payload", "_h")

    def __init__(self, ptr: Any) -> None:
        self._h = _Handle(ptr, _e.razorpay_event_free)
        self.id: Optional[str] = _e.razorpay_event_id(ptr)
        self.name: str = _e.razorpay_event_name(ptr)
        self.account_id: Optional[str] = _e.razorpay_event_account_id(ptr)
        self.created_at: Optional[int] = _opt_int(_e.razorpay_event_created_at, ptr)
        self.contains: List[str] = [_e.razorpay_event_contains_at(ptr, i)
                                    for i in range(_e.razorpay_event_contains_count(ptr))]
        self.root: Dict[str, Any] = _e.razorpay_event_root(ptr)
        self.payload: Optional[Dict[str, Any]] = _e.razorpay_event_payload(ptr)

    def entity(self, name: str) -> Optional[Entity]:
        """``payload.<name>.entity`` (``"payment"``, ``"order"``, ``"refund"``, ...), or ``None``."""
        p = _e.razorpay_event_entity(self._h.ptr, name)
        return Entity(p, self._h) if p is not None else None

    @property
    def payment(self) -> Optional[Entity]:
        """The payment entity, or ``None``."""
        return self.entity("payment")

    @property
    def order(self) -> Optional[Entity]:
        """The order entity (carried by ``order.paid``), or ``None``."""
        return self.entity("order")

    def __repr__(self) -> str:
        return "Event(%r, id=%r)" % (self.name, self.id)


def parse_event(body: Body, event_id: Optional[str] = None) -> Event:
    """Parses a webhook body (verify it first) into an :class:`Event`.

    Raises:
        ProtocolError: not JSON. ValidationError: not an event (``event`` missing, a member of
        the wrong type: the message names it). InvalidArgumentError: an empty body.
    """
    return Event(_e.razorpay_event_parse(body, event_id))


class Dedup(_store.Dedup):
    """The dedup of webhook events by ``X-Razorpay-Event-Id``: an :class:`erplink.store.Dedup`
    (Razorpay delivers at least once and retries for about 24 hours).

    In memory by default (per process, lost at exit); with ``path`` in a store file of its own
    (kept across restarts, shared by every worker process: the one to use behind several
    workers), with ``store`` in a store you opened, with ``ops`` over your own store (e.g. the
    table that holds the orders, so that recording the event and creating the order are one
    transaction: see :class:`erplink.store.DedupOps`).

    Args:
        ttl_s: how long an event id is remembered (default 48 h: longer than Razorpay retries).
        capacity: the most ids kept (default 100,000: size it for events per TTL).
        path: a store file to open (closed with the dedup).
        store: an open :class:`erplink.store.Store` (it must stay open).
        name: the dedup's name in the store file.
        ops: a :class:`erplink.store.DedupOps` object.
    """

    def __init__(self, ttl_s: float = 48 * 3600.0, capacity: int = 100_000, *, path: Optional[_store.PathLike] = None,
                 store: Optional[_store.Store] = None, name: str = "razorpay.events",
                 ops: Optional[_store.DedupOps] = None) -> None:
        own: Optional[_store.Store] = None
        if path is not None:
            if store is not None:
                raise _errors.InvalidArgumentError("razorpay.Dedup: give path or store, not both")
            own = store = _store.Store(path)
        try:
            super().__init__(capacity, ttl_s, store=store, name=name if store is not None else None, ops=ops)
        except BaseException:
            if own is not None:
                own.close()
            raise
        self._own = own
