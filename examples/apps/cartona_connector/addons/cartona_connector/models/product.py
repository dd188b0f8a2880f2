"""Price and stock hooks (enqueue the product in the outbox, in the user's transaction) and the
product's last push outcome, read from its outbox row."""

from odoo import api, fields, models

PRICE_FIELDS = {"list_price", "lst_price", "price_extra", "default_code", "sale_ok", "cartona_publish", "active"}


def _enqueue(env, products):
    if products and not env.context.get("cartona_no_enqueue"):
        env["cartona.config"]._enqueue_products(products)


class ProductProduct(models.Model):
    _inherit = "product.product"

    cartona_publish = fields.Boolean(string="Sell on Cartona", default=True)
    cartona_supplier_product_id = fields.Char(string="Cartona supplier product id", copy=False)
    cartona_state = fields.Char(compute="_compute_cartona_outcome", string="Cartona push")
    cartona_last_outcome = fields.Char(compute="_compute_cartona_outcome", string="Last outcome")
    cartona_message = fields.Text(compute="_compute_cartona_outcome", string="Cartona's answer / reason")
    cartona_attempts = fields.Integer(compute="_compute_cartona_outcome", string="Attempts")
    cartona_changed_at = fields.Datetime(compute="_compute_cartona_outcome", string="Since")

    def _compute_cartona_outcome(self):
        rows = {r.ref_id.id: r for r in self.env["cartona.outbox"].sudo().search(
            [("box", "=", "products"), ("ref_id", "in", self.ids)], order="changed asc, id asc")}  # the latest row wins
        labels = dict(self.env["cartona.outbox"]._fields["state"].selection)
        outcomes = dict(self.env["cartona.outbox"]._fields["last_outcome"].selection)
        for p in self:
            r = rows.get(p.id)
            p.cartona_state = labels.get(r.state) if r else "never pushed"
            p.cartona_last_outcome = outcomes.get(r.last_outcome) if r and r.last_outcome else False
            p.cartona_message = (r.err_msg or r.last_message) if r else False
            p.cartona_attempts = r.attempts if r else 0
            p.cartona_changed_at = r.changed_at if r else False

    @api.model_create_multi
    def create(self, vals_list):
        recs = super().create(vals_list)
        _enqueue(self.env, recs)
        return recs

    def write(self, vals):
        res = super().write(vals)
        if PRICE_FIELDS & set(vals):
            _enqueue(self.env, self)
        return res

    def action_cartona_push(self):
        """Push the selected products now (list view action)."""
        _enqueue(self.env, self)
        return True


class ProductTemplate(models.Model):
    _inherit = "product.template"

    cartona_publish = fields.Boolean(string="Sell on Cartona", compute="_compute_cartona_publish",
                                     inverse="_inverse_cartona_publish")
    cartona_state = fields.Char(related="product_variant_ids.cartona_state", string="Cartona push")
    cartona_last_outcome = fields.Char(related="product_variant_ids.cartona_last_outcome", string="Last outcome")
    cartona_message = fields.Text(related="product_variant_ids.cartona_message", string="Cartona's answer / reason")
    cartona_attempts = fields.Integer(related="product_variant_ids.cartona_attempts", string="Attempts")
    cartona_changed_at = fields.Datetime(related="product_variant_ids.cartona_changed_at", string="Since")

    def _compute_cartona_publish(self):
        for t in self:
            t.cartona_publish = all(t.with_context(active_test=False).product_variant_ids.mapped("cartona_publish"))

    def _inverse_cartona_publish(self):
        for t in self:
            t.with_context(active_test=False).product_variant_ids.write({"cartona_publish": t.cartona_publish})

    def write(self, vals):
        res = super().write(vals)
        if PRICE_FIELDS & set(vals):
            _enqueue(self.env, self.with_context(active_test=False).product_variant_ids)
        return res

    def action_cartona_push(self):
        _enqueue(self.env, self.with_context(active_test=False).product_variant_ids)
        return True


class StockQuant(models.Model):
    _inherit = "stock.quant"

    @api.model_create_multi
    def create(self, vals_list):
        recs = super().create(vals_list)
        _enqueue(self.env, recs.mapped("product_id"))
        return recs

    def write(self, vals):
        res = super().write(vals)
        if "quantity" in vals:
            _enqueue(self.env, self.mapped("product_id"))
        return res


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        _enqueue(self.env, moves.mapped("product_id"))
        return moves
