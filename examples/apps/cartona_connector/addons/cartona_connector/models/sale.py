"""Sale orders from Cartona: their key and status, and the outbound status changes (confirm,
cancel, a validated delivery) through the configured mapping."""

from odoo import fields, models
from odoo.exceptions import UserError

from ..sync import needs_otp


class SaleOrder(models.Model):
    _inherit = "sale.order"

    cartona_hashed_id = fields.Char(string="Cartona order", copy=False, readonly=True, index=True)
    cartona_status = fields.Char(string="Cartona status", copy=False, readonly=True)
    cartona_payment_method = fields.Char(string="Cartona payment", copy=False, readonly=True)
    cartona_retailer_otp = fields.Char(string="Retailer OTP", copy=False,
                                       help="Required to deliver instalment and wallet top-up orders")

    def write(self, vals):
        before = {o.id: o.state for o in self} if "state" in vals else {}
        res = super().write(vals)
        if before and not self.env.context.get("cartona_inbound"):
            for o in self:
                if o.cartona_hashed_id and before.get(o.id) != o.state:
                    self.env["cartona.config"]._enqueue_status(o, o.state)
        return res


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        for p in self:
            so = p.sale_id
            if (so and so.cartona_hashed_id and p.picking_type_code == "outgoing"
                    and needs_otp(so.cartona_payment_method) and not so.cartona_retailer_otp):
                raise UserError("Cartona order %s is paid by %s: enter the retailer's OTP on the sale order "
                                "before validating the delivery." % (so.cartona_hashed_id, so.cartona_payment_method))
        res = super()._action_done()
        for p in self:
            so = p.sale_id
            if so and so.cartona_hashed_id and p.picking_type_code == "outgoing" and p.state == "done":
                self.env["cartona.config"]._enqueue_status(so, "delivered")
        return res
