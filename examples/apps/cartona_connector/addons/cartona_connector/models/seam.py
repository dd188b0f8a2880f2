"""The sync layer's seams over Odoo: the outbox rows' SQL connection (Odoo's cursor) and the
ORM-shaped OrmSeam (products, partners, sale orders, the import log)."""

import contextlib
import logging

from odoo import api, fields

_logger = logging.getLogger(__name__)


class OdooDb:
    """sync.outbox_sql.Db over an Odoo cursor. ``autocommit=False``: the statements join the
    cursor's transaction (a user's save: the enqueue commits or rolls back with it);
    ``autocommit=True`` (a worker's own cursor): every outbox operation is committed at once,
    so a lease or an outcome is durable before the next request to Cartona."""

    dialect = "postgresql"

    def __init__(self, cr, autocommit):
        self.cr = cr
        self.autocommit = autocommit
        self.depth = 0

    def execute(self, sql, params=()):
        self.cr.execute(sql, tuple(params))
        return self.cr

    @contextlib.contextmanager
    def transaction(self):
        if not self.autocommit or self.depth:
            self.depth += 1
            try:
                yield
            finally:
                self.depth -= 1
            return
        self.depth = 1
        try:
            yield
        except BaseException:
            self.depth = 0
            self.cr.rollback()
            raise
        self.depth = 0
        self.cr.commit()


class OdooSeam:
    """sync.seam.OrmSeam over an Odoo environment."""

    def __init__(self, env, config):
        self.env = env
        self.config = config

    # ------------------------------------------------------------ products
    def _domain(self):
        return [("sale_ok", "=", True), ("cartona_publish", "=", True)]

    def internal_id(self, product):
        if self.config.id_field == "default_code" and product.default_code:
            return product.default_code
        return str(product.id)

    def product_items(self, ids):
        prods = self.env["product.product"].with_context(active_test=False).browse(ids).exists()
        out = []
        for p in prods:
            if not p.sale_ok or not p.cartona_publish:
                continue
            qty = int(max(0.0, p.qty_available)) if "qty_available" in p._fields else 0
            out.append((p.id, {"internal_product_id": self.internal_id(p), "selling_price": round(p.lst_price, 2),
                               "available_stock_quantity": qty, "in_stock": qty > 0}))
        return out

    def product_ids(self, offset, limit):
        return self.env["product.product"].search(self._domain(), offset=offset, limit=limit, order="id").ids

    def product_count(self):
        return self.env["product.product"].search_count(self._domain())

    # ------------------------------------------------------------ orders
    def find_order(self, hashed_id):
        so = self.env["sale.order"].search([("cartona_hashed_id", "=", hashed_id)], limit=1)
        return so or None

    def resolve_product(self, internal_product_id, supplier_product_id):
        P = self.env["product.product"].with_context(active_test=False)
        if internal_product_id:
            if self.config.id_field == "default_code":
                p = P.search([("default_code", "=", internal_product_id)], limit=1)
                if p:
                    return p
            if internal_product_id.isdigit():
                p = P.browse(int(internal_product_id)).exists()
                if p:
                    return p
        if supplier_product_id:
            p = P.search([("cartona_supplier_product_id", "=", supplier_product_id)], limit=1)
            if p:
                return p
        return None

    def find_or_create_partner(self, retailer):
        Partner = self.env["res.partner"]
        code = retailer.get("retailer_code")
        if code:
            p = Partner.search([("ref", "=", "cartona:%s" % code)], limit=1)
            if p:
                return p
        vals = {"name": retailer.get("retailer_name") or ("Cartona retailer %s" % (code or "")).strip(),
                "ref": "cartona:%s" % code if code else False,
                "phone": retailer.get("retailer_number") or False,
                "street": retailer.get("retailer_address") or False,
                "comment": retailer.get("address_notes") or False,
                "company_type": "company"}
        return Partner.create(vals)

    def create_order(self, hashed_id, partner, lines, state, extra):
        so = self.env["sale.order"].with_context(cartona_inbound=True).create({
            "partner_id": partner.id,
            "client_order_ref": "Cartona %s" % hashed_id,
            "cartona_hashed_id": hashed_id,
            "cartona_status": extra.get("cartona_status"),
            "cartona_payment_method": extra.get("payment_method"),
            "order_line": [(0, 0, {"product_id": ln["product"].id, "product_uom_qty": ln["quantity"],
                                   "price_unit": ln["price_unit"], "name": ln["name"] or ln["product"].display_name})
                           for ln in lines],
        })
        if state == "sale":
            so.with_context(cartona_inbound=True).action_confirm()
        return so

    def set_order_state(self, order, state, cartona_status):
        so = order.with_context(cartona_inbound=True)
        so.cartona_status = cartona_status
        if state == so.state:
            return
        if state == "cancel":
            if hasattr(so, "_action_cancel"):
                so._action_cancel()
            else:
                so.action_cancel()
        elif state == "sale" and so.state in ("draft", "sent"):
            so.action_confirm()
        elif state == "draft" and so.state == "cancel":
            so.action_draft()

    def record_order_result(self, hashed_id, ok, message):
        Log = self.env["cartona.order.import"]
        rec = Log.search([("hashed_id", "=", hashed_id)], limit=1)
        so = self.find_order(hashed_id) if ok else None
        vals = {"state": "imported" if ok else "failed", "message": message or False,
                "sale_order_id": so.id if so else False}
        if rec:
            vals["attempts"] = rec.attempts + 1
            rec.write(vals)
        else:
            vals.update(hashed_id=hashed_id, attempts=1)
            Log.create(vals)

    # ------------------------------------------------------------ transactions
    def commit(self):
        self.env.cr.commit()

    def rollback(self):
        self.env.cr.rollback()
        self.env.invalidate_all()
