"""The outbox rows (the table the sync layer's SqlOutboxOps reads and writes with plain SQL:
erplink decides leases, attempts, backoff and dead letters) and the order-import log."""

from datetime import datetime, timezone

from odoo import api, fields, models

from ..sync.connector import now_ms

STATES = [("pending", "Waiting"), ("leased", "Sending"), ("dead", "Dead letter"), ("done", "Sent")]
OUTCOMES = [("updated", "Updated"), ("retry", "Failed, will retry"), ("dead", "Given up"), ("released", "Not attempted")]


def ms_to_dt(ms):
    if not ms:
        return False
    return datetime.fromtimestamp(ms / 1000.0, tz=timezone.utc).replace(tzinfo=None)


class CartonaOutbox(models.Model):
    _name = "cartona.outbox"
    _description = "Cartona outbox row"
    _order = "changed desc"
    _rec_name = "key"

    # the columns of sync/outbox_sql.py (written by erplink through SQL, shown here)
    box = fields.Char(readonly=True, index=True)
    key = fields.Char(readonly=True)
    state = fields.Selection(STATES, readonly=True, index=True)
    payload = fields.Text(readonly=True)
    newer = fields.Text(readonly=True, string="Newer payload")
    gen = fields.Float(readonly=True)
    attempts = fields.Integer(readonly=True)
    ready = fields.Float(readonly=True)
    changed = fields.Float(readonly=True)
    err_code = fields.Integer(readonly=True)
    err_msg = fields.Text(readonly=True, string="Reason")
    ref_id = fields.Many2one("product.product", string="Product", readonly=True, index=True, ondelete="set null")
    last_outcome = fields.Selection(OUTCOMES, readonly=True)
    last_message = fields.Text(readonly=True)
    # shown
    changed_at = fields.Datetime(compute="_compute_times", string="Since")
    ready_at = fields.Datetime(compute="_compute_times", string="Next attempt")

    def init(self):
        self.env.cr.execute("CREATE UNIQUE INDEX IF NOT EXISTS cartona_outbox_box_key ON cartona_outbox (box, key)")
        self.env.cr.execute("CREATE INDEX IF NOT EXISTS cartona_outbox_due ON cartona_outbox (box, ready)")

    @api.depends("changed", "ready")
    def _compute_times(self):
        for r in self:
            r.changed_at = ms_to_dt(r.changed)
            r.ready_at = ms_to_dt(r.ready) if r.state == "pending" else False

    def _boxes(self):
        out = {}
        for r in self:
            out.setdefault(r.box, []).append(r.key)
        return out

    def action_retry(self):
        """Dead letters -> waiting again (attempts start over)."""
        config = self.env["cartona.config"]._cartona_active()
        with config._connector(client=False) as conn:
            for box, keys in self._boxes().items():
                for k in keys:
                    conn.retry_dead(k, box)
        config._schedule_flush()
        return True

    def action_discard(self):
        config = self.env["cartona.config"]._cartona_active()
        with config._connector(client=False) as conn:
            for box, keys in self._boxes().items():
                for k in keys:
                    conn.discard_dead(k, box)
        return True


class CartonaOrderImport(models.Model):
    _name = "cartona.order.import"
    _description = "Cartona order import"
    _order = "write_date desc"
    _rec_name = "hashed_id"

    hashed_id = fields.Char(required=True, index=True, readonly=True)
    state = fields.Selection([("imported", "Imported"), ("failed", "Failed (not acknowledged)")], readonly=True)
    message = fields.Text(readonly=True)
    attempts = fields.Integer(readonly=True)
    sale_order_id = fields.Many2one("sale.order", readonly=True, ondelete="set null")

    def init(self):
        self.env.cr.execute("CREATE UNIQUE INDEX IF NOT EXISTS cartona_order_import_hid ON cartona_order_import (hashed_id)")
