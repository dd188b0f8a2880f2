"""An in-memory, ORM-shaped stand-in for Odoo (the sync layer's OrmSeam), with a transaction:
orders, partners and import results written since the last commit() are undone by rollback()."""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple


class FakeOrm:
    def __init__(self) -> None:
        # product id -> {"code": internal id sent to Cartona, "price": float, "qty": int}
        self.products: Dict[int, Dict[str, Any]] = {}
        self.committed: Dict[str, Any] = {"orders": {}, "partners": {}, "results": {}}
        self.cur: Dict[str, Any] = copy.deepcopy(self.committed)
        self.commits = 0
        self.state_changes: List[Tuple[str, str, str]] = []

    # ------------------------------------------------------------ products
    def add_products(self, n: int, start: int = 1) -> None:
        for i in range(start, start + n):
            self.products[i] = {"code": "P%05d" % i, "price": round(1.0 + i * 0.25, 2), "qty": i % 97}

    def item(self, pid: int) -> Dict[str, Any]:
        p = self.products[pid]
        return {"internal_product_id": p["code"], "selling_price": p["price"], "available_stock_quantity": p["qty"]}

    def product_items(self, ids: Sequence[int]) -> List[Tuple[int, Dict[str, Any]]]:
        return [(i, self.item(i)) for i in ids if i in self.products]

    def product_ids(self, offset: int, limit: int) -> List[int]:
        return sorted(self.products)[offset:offset + limit]

    def product_count(self) -> int:
        return len(self.products)

    # ------------------------------------------------------------ orders
    @property
    def orders(self) -> Dict[str, Dict[str, Any]]:
        return self.committed["orders"]

    @property
    def results(self) -> Dict[str, List[Tuple[bool, Optional[str]]]]:
        return self.committed["results"]

    def find_order(self, hashed_id: str) -> Optional[str]:
        return hashed_id if hashed_id in self.cur["orders"] else None

    def resolve_product(self, internal_product_id: Optional[str], supplier_product_id: Optional[str]) -> Optional[int]:
        for pid, p in self.products.items():
            if internal_product_id is not None and p["code"] == internal_product_id:
                return pid
        return None

    def find_or_create_partner(self, retailer: Mapping[str, Any]) -> str:
        code = str(retailer.get("retailer_code") or retailer.get("retailer_name") or "anonymous")
        self.cur["partners"].setdefault(code, {"name": retailer.get("retailer_name") or code})
        return code

    def create_order(self, hashed_id: str, partner: Any, lines: List[Dict[str, Any]], state: str,
                     extra: Mapping[str, Any]) -> str:
        if hashed_id in self.cur["orders"]:
            raise AssertionError("duplicate sale order for " + hashed_id)
        self.cur["orders"][hashed_id] = {"partner": partner, "lines": [dict(ln) for ln in lines], "state": state,
                                         "extra": dict(extra)}
        return hashed_id

    def set_order_state(self, order: Any, state: str, cartona_status: str) -> None:
        o = self.cur["orders"][order]
        if o["state"] != state:
            self.state_changes.append((order, state, cartona_status))
            o["state"] = state
        o["extra"]["cartona_status"] = cartona_status

    def record_order_result(self, hashed_id: str, ok: bool, message: Optional[str]) -> None:
        self.cur["results"].setdefault(hashed_id, []).append((ok, message))

    def commit(self) -> None:
        self.committed = copy.deepcopy(self.cur)
        self.commits += 1

    def rollback(self) -> None:
        self.cur = copy.deepcopy(self.committed)
