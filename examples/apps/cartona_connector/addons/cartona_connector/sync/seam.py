"""The ORM-shaped seam between the sync layer and the ERP that holds products and orders.

The Odoo addon implements it over the ORM (``models/seam.py``); the tests implement it over
dicts (``tests/apps/cartona/fake_orm.py``). Every method is small and synchronous; the sync
layer decides what to send, what to acknowledge and what to record.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional, Protocol, Sequence, Tuple


class ImportFailure(Exception):
    """An order that cannot be imported as it is (an unknown product, no lines...): it is
    recorded as failed, not acknowledged, and pulled again later."""


class OrmSeam(Protocol):
    # ------------------------------------------------------------ products
    def product_items(self, ids: Sequence[int]) -> List[Tuple[int, Dict[str, Any]]]:
        """For each product id: (id, the complete Cartona update item: its identifier
        (``internal_product_id``), ``selling_price``, ``available_stock_quantity``...)."""
        ...

    def product_ids(self, offset: int, limit: int) -> List[int]:
        """The catalogue's product ids to push (those marked for Cartona), ordered by id."""
        ...

    def product_count(self) -> int:
        """How many ids :meth:`product_ids` pages over."""
        ...

    # ------------------------------------------------------------ orders
    def find_order(self, hashed_id: str) -> Optional[Any]:
        """The order already imported for ``hashed_id`` (any reference), or None."""
        ...

    def resolve_product(self, internal_product_id: Optional[str], supplier_product_id: Optional[str]) -> Optional[Any]:
        """The product an order line is about, or None when unknown."""
        ...

    def find_or_create_partner(self, retailer: Mapping[str, Any]) -> Any:
        """The customer for a Cartona retailer (keyed by ``retailer_code``)."""
        ...

    def create_order(self, hashed_id: str, partner: Any, lines: List[Dict[str, Any]], state: str,
                     extra: Mapping[str, Any]) -> Any:
        """Creates the sale order (lines: ``product``, ``quantity``, ``price_unit``, ``name``,
        ``cartona_line_id``) in ``state`` (``draft`` or ``sale``...)."""
        ...

    def set_order_state(self, order: Any, state: str, cartona_status: str) -> None:
        """Moves an imported order to ``state`` because Cartona says ``cartona_status`` (the
        change must not be sent back to Cartona)."""
        ...

    def record_order_result(self, hashed_id: str, ok: bool, message: Optional[str]) -> None:
        """Keeps the outcome of one import attempt (shown on the dashboard)."""
        ...

    # ------------------------------------------------------------ transactions
    def commit(self) -> None:
        """Makes what was done so far durable (an imported order before it is acknowledged)."""
        ...

    def rollback(self) -> None:
        """Undoes what was done since the last commit (a failed import)."""
        ...


def chunks(seq: Sequence[Any], n: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]
