"""What the pulls import from ESI. Item, order and transaction ids exceed 32 bits (Odoo's
Integer is a PostgreSQL int4), so they are kept as text; type, location and region ids fit."""
import logging

from odoo import api, fields, models

from .. import sync
from . import esi_service

_logger = logging.getLogger(__name__)


class EveName(models.Model):
    """Names of the ids ESI's /universe/names resolves (types, stations, systems, characters)."""
    _name = "eve.name"
    _description = "EVE name"
    _order = "eve_id"

    eve_id = fields.Integer(string="EVE ID", required=True, index=True)
    name = fields.Char(required=True)
    category = fields.Char()


class EveAsset(models.Model):
    _name = "eve.asset"
    _description = "EVE inventory line (ESI assets)"
    _order = "character_id, type_id, item_id"
    _rec_name = "item_id"

    character_id = fields.Many2one("eve.character", required=True, ondelete="cascade", index=True)
    item_id = fields.Char(required=True, index=True)
    type_id = fields.Integer(required=True, index=True)
    type_name = fields.Char()
    quantity = fields.Integer()
    location_id = fields.Char(index=True)
    location_type = fields.Selection([("station", "Station"), ("solar_system", "Solar system"),
                                      ("item", "Inside an item"), ("other", "Other")])
    location_flag = fields.Char()
    is_singleton = fields.Boolean()
    is_blueprint_copy = fields.Boolean()
    last_updated = fields.Datetime(help="When the pull last saw a change of this line.")


class EveBlueprint(models.Model):
    _name = "eve.blueprint"
    _description = "EVE blueprint (ESI)"
    _order = "character_id, type_id, item_id"
    _rec_name = "item_id"

    character_id = fields.Many2one("eve.character", required=True, ondelete="cascade", index=True)
    item_id = fields.Char(required=True, index=True)
    type_id = fields.Integer(required=True, index=True)
    type_name = fields.Char()
    kind = fields.Selection([("original", "Original"), ("copy", "Copy"), ("stack", "Stack of originals"),
                             ("unknown", "Unknown")], required=True, default="unknown")
    quantity = fields.Integer(help="ESI's quantity: -1 original, -2 copy, > 0 a stack of originals.")
    runs = fields.Integer(help="Runs left on a copy; -1 for an original (unlimited).")
    material_efficiency = fields.Integer(string="ME")
    time_efficiency = fields.Integer(string="TE")
    location_id = fields.Char()
    location_flag = fields.Char()
    last_updated = fields.Datetime()


class EveMarketWatch(models.Model):
    """Which regional markets to pull: a region, an item type (one page; without a type a
    whole region is pulled — The Forge has 400+ pages) and the order side."""
    _name = "eve.market.watch"
    _description = "EVE market to pull"
    _rec_name = "display_label"

    region_id = fields.Integer(required=True, default=10000002, help="10000002: The Forge (Jita).")
    type_id = fields.Integer(help="0: every type of the region.")
    order_type = fields.Selection([("all", "Buy and sell"), ("buy", "Buy"), ("sell", "Sell")],
                                  default="all", required=True)
    active = fields.Boolean(default=True)
    display_label = fields.Char(compute="_compute_label")
    order_ids = fields.One2many("eve.market.order", "watch_id")
    last_pull = fields.Datetime(readonly=True)
    last_pull_status = fields.Char(readonly=True)

    @api.depends("region_id", "type_id", "order_type")
    def _compute_label(self):
        for w in self:
            w.display_label = "region %d, %s, %s" % (w.region_id, "type %d" % w.type_id if w.type_id else "all types",
                                                     w.order_type)

    @api.model
    def cron_pull_markets(self):
        self.sudo().search([("active", "=", True)])._pull()

    def action_pull(self):
        self.check_access("write") if hasattr(self, "check_access") else self.check_access_rights("write")
        self.sudo()._pull()
        return True

    def _pull(self):
        services = esi_service.services(self.env)
        writer = esi_service.EnvWriter(self.env)
        for w in self:
            if not services.esi_may_continue():
                _logger.warning("eve_corp: ESI error limit low: the remaining markets wait for the next run")
                break
            res = sync.pull_market(services.esi, writer, sync.WatchRecord(id=w.id, region_id=w.region_id,
                                                                           type_id=w.type_id or 0,
                                                                           order_type=w.order_type))
            w.write({"last_pull": fields.Datetime.now(), "last_pull_status": res.summary()})


class EveMarketOrder(models.Model):
    _name = "eve.market.order"
    _description = "EVE market order (ESI regional orders)"
    _order = "type_id, is_buy_order, price"
    _rec_name = "order_id"

    watch_id = fields.Many2one("eve.market.watch", required=True, ondelete="cascade", index=True)
    order_id = fields.Char(required=True, index=True)
    region_id = fields.Integer(index=True)
    type_id = fields.Integer(index=True)
    location_id = fields.Char()
    system_id = fields.Integer()
    is_buy_order = fields.Boolean(string="Buy")
    price = fields.Float(digits=(16, 2))
    volume_total = fields.Integer()
    volume_remain = fields.Integer()
    min_volume = fields.Integer()
    duration = fields.Integer()
    range = fields.Char()
    issued = fields.Datetime()


class EveWalletTransaction(models.Model):
    _name = "eve.wallet.transaction"
    _description = "EVE wallet transaction (ESI)"
    _order = "date desc, transaction_id desc"
    _rec_name = "transaction_id"

    character_id = fields.Many2one("eve.character", required=True, ondelete="cascade", index=True)
    transaction_id = fields.Char(required=True, index=True)
    date = fields.Datetime()
    type_id = fields.Integer()
    quantity = fields.Integer()
    unit_price = fields.Float(digits=(16, 2))
    total = fields.Float(digits=(16, 2), compute="_compute_total", store=True)
    client_id = fields.Integer()
    location_id = fields.Char()
    is_buy = fields.Boolean(string="Buy")
    is_personal = fields.Boolean()
    journal_ref_id = fields.Char()

    @api.depends("quantity", "unit_price")
    def _compute_total(self):
        for t in self:
            t.total = t.quantity * t.unit_price
