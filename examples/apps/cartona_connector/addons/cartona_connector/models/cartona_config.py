"""The Cartona configuration (one record per Odoo database), the workers (flush, pull, push
all) and the dashboard figures. The sync layer (../sync) does the work; this file holds Odoo's
side: settings, cursors, scheduling (queue_job when installed, else ir.cron triggers)."""

import contextlib
import logging
from datetime import timedelta

from odoo import api, fields, models, release
from odoo.exceptions import UserError

from ..sync import Connector, Policy
from ..sync.connector import now_ms
from .cartona_outbox import ms_to_dt
from .seam import OdooDb, OdooSeam

_logger = logging.getLogger(__name__)

try:
    import erplink
    from erplink import cartona
except ImportError:  # the manifest's external_dependencies refuse the install without it
    erplink = cartona = None

ODOO_MAJOR = release.version_info[0]
OUTBOUND_DEFAULT = [("draft", "pending"), ("sent", "pending"), ("sale", "approved"), ("delivered", "delivered"),
                    ("cancel", "cancelled_by_supplier")]
INBOUND_DEFAULT = [("approved", "sale"), ("assigned_to_salesman", "sale"), ("delivered", "sale"),
                   ("cancelled_by_supplier", "cancel"), ("cancelled_by_retailer", "cancel"), ("pending", "draft"),
                   ("editing", "draft"), ("returned", "draft")]


class CartonaStatusLine(models.Model):
    _name = "cartona.status.line"
    _description = "Cartona status mapping"
    _order = "direction, id"

    config_id = fields.Many2one("cartona.config", required=True, ondelete="cascade")
    direction = fields.Selection([("outbound", "Odoo -> Cartona"), ("inbound", "Cartona -> Odoo")], required=True)
    odoo_state = fields.Char(required=True, help="draft, sent, sale, cancel, or 'delivered' (a validated delivery)")
    cartona_status = fields.Char(required=True)


class CartonaConfig(models.Model):
    _name = "cartona.config"
    _description = "Cartona connection"

    name = fields.Char(default="Cartona", required=True)
    active = fields.Boolean(default=True)
    environment = fields.Selection([("production", "Production"), ("staging", "Staging"), ("custom", "Custom URL")],
                                   default="staging", required=True)
    custom_url = fields.Char(string="Custom base URL", help="e.g. a test server: http://127.0.0.1:8000/api/v1/")
    supplier_code = fields.Integer(default=1, help="The price list: 1 retail, 2 wholesale, 3 wholesale-to-wholesale")
    # The token: stored only for administrators, never copied, never exported, never shown
    # again after saving (token_input always reads empty), never logged (erplink redacts it).
    token = fields.Char(groups="base.group_system", copy=False, prefetch=False, exportable=False)
    token_input = fields.Char(string="Auth token", compute="_compute_token_input", inverse="_inverse_token_input",
                              groups="base.group_system", exportable=False)
    token_set = fields.Boolean(compute="_compute_token_input", string="Token stored")
    webhook_secret = fields.Char(groups="base.group_system", copy=False, prefetch=False, exportable=False)
    webhook_secret_input = fields.Char(string="Webhook secret", compute="_compute_token_input",
                                       inverse="_inverse_webhook_secret", groups="base.group_system", exportable=False)
    batch_size = fields.Integer(default=100)
    concurrency = fields.Integer(default=4)
    max_attempts = fields.Integer(default=8, string="Attempts before a dead letter")
    backoff_base_s = fields.Integer(default=2, string="First retry after (s)")
    backoff_cap_s = fields.Integer(default=600, string="Longest retry delay (s)")
    id_field = fields.Selection([("id", "Odoo product id"), ("default_code", "Internal reference")], default="id",
                                required=True, string="Product identifier sent as internal_product_id")
    status_line_ids = fields.One2many("cartona.status.line", "config_id", string="Status mapping")
    last_test = fields.Char(readonly=True, string="Last connection test")
    last_pull_at = fields.Datetime(readonly=True)
    last_pull_result = fields.Char(readonly=True)
    push_total = fields.Integer(readonly=True)
    push_offset = fields.Integer(readonly=True)
    push_state = fields.Selection([("idle", "Idle"), ("running", "Running"), ("done", "Done")], default="idle",
                                  readonly=True)
    # dashboard (computed from the outbox rows)
    q_pending = fields.Integer(compute="_compute_dashboard", string="Waiting")
    q_retry = fields.Integer(compute="_compute_dashboard", string="Retrying")
    q_leased = fields.Integer(compute="_compute_dashboard", string="Sending")
    q_dead = fields.Integer(compute="_compute_dashboard", string="Dead letters")
    q_done = fields.Integer(compute="_compute_dashboard", string="Sent")
    s_waiting = fields.Integer(compute="_compute_dashboard", string="Status changes waiting")
    s_dead = fields.Integer(compute="_compute_dashboard", string="Status dead letters")
    last_success_at = fields.Datetime(compute="_compute_dashboard", string="Last successful push")
    import_failed = fields.Integer(compute="_compute_dashboard", string="Order imports failing")
    push_progress = fields.Float(compute="_compute_dashboard", string="Push all progress (%)")
    engine = fields.Char(compute="_compute_dashboard", string="Worker engine")

    # ------------------------------------------------------------ token
    def _compute_token_input(self):
        for r in self:
            r.token_input = False
            r.webhook_secret_input = False
            r.token_set = bool(r.sudo().token)

    def _inverse_token_input(self):
        for r in self:
            if r.token_input:
                r.sudo().token = r.token_input.strip()

    def _inverse_webhook_secret(self):
        for r in self:
            if r.webhook_secret_input:
                r.sudo().webhook_secret = r.webhook_secret_input.strip()

    @api.model
    def _cartona_active(self):
        c = self.sudo().search([("active", "=", True)], limit=1)
        if not c:
            raise UserError("Configure the Cartona connection first (Cartona > Configuration).")
        return c

    @api.model_create_multi
    def create(self, vals_list):
        recs = super().create(vals_list)
        for r in recs:
            if not r.status_line_ids:
                r._default_status_lines()
        return recs

    def _default_status_lines(self):
        lines = [(0, 0, {"direction": "outbound", "odoo_state": o, "cartona_status": c}) for o, c in OUTBOUND_DEFAULT]
        lines += [(0, 0, {"direction": "inbound", "odoo_state": o, "cartona_status": c}) for c, o in INBOUND_DEFAULT]
        self.status_line_ids = lines

    # ------------------------------------------------------------ erplink objects
    def _base_url(self):
        if self.environment == "production":
            return cartona.BASE_URL_PRODUCTION
        if self.environment == "staging":
            return cartona.BASE_URL_STAGING
        if not self.custom_url:
            raise UserError("Set the custom base URL.")
        return self.custom_url

    def _cartona_client(self):
        self.ensure_one()
        token = self.sudo().token
        if not token:
            raise UserError("No Cartona token stored: enter it in the configuration.")
        return cartona.Client(token, supplier_code=self.supplier_code or None, base_url=self._base_url(),
                              batch_size=max(1, self.batch_size), concurrency=max(1, self.concurrency),
                              transport=erplink.Transport(timeout_ms=30000, max_attempts=2))

    def _status_map(self):
        m = cartona.StatusMap(default=False)
        for ln in self.status_line_ids:
            if ln.direction == "outbound":
                m.set_outbound(ln.odoo_state.strip(), ln.cartona_status.strip())
            else:
                m.set_inbound(ln.cartona_status.strip(), ln.odoo_state.strip())
        return m

    def _policy(self):
        return Policy(max_attempts=max(1, self.max_attempts), backoff_base_ms=max(1, self.backoff_base_s) * 1000,
                      backoff_cap_ms=max(1, self.backoff_cap_s) * 1000)

    @contextlib.contextmanager
    def _connector(self, client=True, worker=False):
        """A sync-layer Connector. ``worker``: over a cursor of its own whose outbox operations
        commit one by one (a lease, an outcome are durable at once; the user's transactions are
        never held by a request to Cartona); else in the current transaction."""
        self.ensure_one()
        cr = self.env.registry.cursor() if worker else None
        try:
            env = api.Environment(cr, self.env.uid, self.env.context) if worker else self.env
            config = self.with_env(env).sudo()
            conn = Connector(config._cartona_client() if client else None, OdooSeam(env, config),
                             OdooDb(env.cr, autocommit=worker), config._policy(), config._status_map())
            try:
                yield conn
            finally:
                conn.close()
            if worker:
                env.cr.commit()
        finally:
            if cr is not None:
                cr.close()

    # ------------------------------------------------------------ scheduling
    def _queue_job(self):
        if not hasattr(self, "with_delay") or "queue.job" not in self.env:
            return False
        return bool(self.env["ir.module.module"].sudo().search_count([("name", "=", "queue_job"),
                                                                       ("state", "=", "installed")]))

    def _schedule_flush(self, at=None):
        """Wakes a worker for the outbox: a queue_job job (one waiting at a time) when queue_job
        is installed, else the flush cron's trigger (Odoo runs it right after this commit)."""
        for config in self:
            if config._queue_job():
                eta = max(0, int((at - fields.Datetime.now()).total_seconds())) if at else None
                config.with_delay(identity_key="cartona_flush_%d" % config.id, eta=eta,
                                  description="Cartona: flush the outbox")._job_flush()
            else:
                cron = self.env.ref("cartona_connector.ir_cron_cartona_flush", raise_if_not_found=False)
                if cron:
                    cron.sudo()._trigger(at)

    @api.model
    def _enqueue_products(self, products):
        """Called by the product and stock hooks, in the user's transaction."""
        config = self.sudo().search([("active", "=", True)], limit=1)
        if not config or not products:
            return 0
        with config._connector(client=False) as conn:
            n = conn.enqueue_products(products.ids)
        if n:
            config._schedule_flush()
        return n

    @api.model
    def _enqueue_status(self, order, odoo_state):
        config = self.sudo().search([("active", "=", True)], limit=1)
        if not config or not order.cartona_hashed_id:
            return None
        with config._connector(client=False) as conn:
            st = conn.order_state_changed(order.cartona_hashed_id, odoo_state, retailer_otp=order.cartona_retailer_otp)
        if st:
            config._schedule_flush()
        return st

    # ------------------------------------------------------------ workers
    def _cartona_flush(self, budget_s=50):
        """Sends what is due (products, then statuses) and schedules the next due retry."""
        self.ensure_one()
        with self._connector(worker=True) as conn:
            rep = conn.flush_until_idle(max_items=max(100, self.batch_size * self.concurrency), budget_s=budget_s)
            st = conn.flush_statuses()
            _logger.info("cartona flush: products %s, statuses %s", rep, st)
            r = conn.db.execute("SELECT min(ready) FROM cartona_outbox WHERE state = 'pending'").fetchone()
        if r and r[0]:
            self._schedule_flush(max(fields.Datetime.now(), ms_to_dt(r[0])) + timedelta(seconds=1))
        return rep

    def _job_flush(self):
        """The queue_job job."""
        for config in self:
            config._cartona_flush()

    @api.model
    def _cron_flush(self):
        for config in self.search([("active", "=", True)]):
            config._cartona_flush()

    @api.model
    def _cron_pull(self):
        for config in self.search([("active", "=", True)]):
            config._cartona_pull()

    def _cartona_pull(self):
        self.ensure_one()
        with self._connector(worker=True) as conn:
            try:
                rep = conn.pull_orders()
                result = ", ".join("%s %d" % kv for kv in rep.counts.items())
            except erplink.Error as exc:
                result = "pull failed: %s" % exc.message
            config = self.with_env(conn.seam.env)
            config.write({"last_pull_at": fields.Datetime.now(), "last_pull_result": result})
            conn.seam.env.cr.commit()
        return result

    def _job_push_all(self):
        for config in self:
            config._push_all_step()

    @api.model
    def _cron_push_all(self):
        for config in self.search([("push_state", "=", "running")]):
            config._push_all_step()

    def _push_all_step(self, chunk=500):
        """One background batch of "Push all products": enqueues the next chunk, commits, and
        schedules the next batch (a job, or the cron again) until the catalogue is done."""
        self.ensure_one()
        if self.push_state != "running":
            return
        with self._connector(client=False) as conn:
            offset, n = conn.push_all_step(self.push_offset, chunk)
        self.write({"push_offset": offset, "push_state": "running" if n else "done"})
        self._schedule_flush()
        if n:
            if self._queue_job():
                self.with_delay(description="Cartona: push all products (from %d)" % offset)._job_push_all()
            else:
                self.env.ref("cartona_connector.ir_cron_cartona_push_all").sudo()._trigger()

    # ------------------------------------------------------------ buttons
    def action_test_connection(self):
        self.ensure_one()
        try:
            self._cartona_client().test_connection()
            msg, kind = "Connected: Cartona accepted the token.", "success"
        except erplink.AuthError:
            msg, kind = "Refused: Cartona does not accept this token (check the environment and the token).", "danger"
        except erplink.Error as exc:
            msg, kind = "No answer from Cartona: %s" % exc.message, "warning"
        self.last_test = "%s %s" % (fields.Datetime.now(), msg)
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"title": "Cartona", "message": msg, "type": kind, "sticky": False,
                           "next": {"type": "ir.actions.act_window_close"}}}

    def action_push_all(self):
        """Push the whole catalogue in the background (from the dashboard)."""
        self.ensure_one()
        self.write({"push_state": "running", "push_offset": 0, "push_total": self._seam_count()})
        if self._queue_job():
            self.with_delay(description="Cartona: push all products")._job_push_all()
        else:
            self.env.ref("cartona_connector.ir_cron_cartona_push_all").sudo()._trigger()
        return True

    def _seam_count(self):
        return OdooSeam(self.env, self.sudo()).product_count()

    def action_flush_now(self):
        self._schedule_flush()
        return True

    def action_pull_now(self):
        for config in self:
            config._cartona_pull()
        return True

    def action_retry_dead(self):
        self.ensure_one()
        with self._connector(client=False) as conn:
            conn.retry_dead(None, "products")
            conn.retry_dead(None, "statuses")
        self._schedule_flush()
        return True

    def _cartona_action(self, xmlid, domain):
        act = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        act["domain"] = domain
        return act

    def action_open_dead(self):
        return self._cartona_action("cartona_connector.action_cartona_outbox", [("state", "=", "dead")])

    def action_open_queue(self):
        return self._cartona_action("cartona_connector.action_cartona_outbox", [("state", "in", ("pending", "leased"))])

    def action_open_import_failures(self):
        return self._cartona_action("cartona_connector.action_cartona_order_import", [("state", "=", "failed")])

    # ------------------------------------------------------------ dashboard
    def _compute_dashboard(self):
        cr = self.env.cr
        now = now_ms()
        cr.execute("SELECT box, state, (state = 'pending' AND ready > %s), count(*) FROM cartona_outbox "
                   "GROUP BY 1, 2, 3", (now,))
        c = {}
        for box, state, later, n in cr.fetchall():
            k = (box, "retry" if later else state)
            c[k] = c.get(k, 0) + n
        cr.execute("SELECT max(changed) FROM cartona_outbox WHERE box = 'products' AND last_outcome = 'updated'")
        last = cr.fetchone()[0]
        failed = self.env["cartona.order.import"].sudo().search_count([("state", "=", "failed")])
        qj = self[:1]._queue_job() if self else False
        for r in self:
            r.q_pending = c.get(("products", "pending"), 0)
            r.q_retry = c.get(("products", "retry"), 0)
            r.q_leased = c.get(("products", "leased"), 0)
            r.q_dead = c.get(("products", "dead"), 0)
            r.q_done = c.get(("products", "done"), 0)
            r.s_waiting = c.get(("statuses", "pending"), 0) + c.get(("statuses", "retry"), 0)
            r.s_dead = c.get(("statuses", "dead"), 0)
            r.last_success_at = ms_to_dt(last)
            r.import_failed = failed
            r.push_progress = 100.0 * r.push_offset / r.push_total if r.push_total else 0.0
            r.engine = "queue_job" if qj else "ir.cron"

    # ------------------------------------------------------------ setup (install and upgrade)
    @api.model
    def _cartona_setup(self):
        """Creates what differs between Odoo versions: the crons (Odoo 17 has numbercall, 18+
        not), the list views (<tree> in 17, <list> in 18+) and the dashboard kanban (its card
        template is "kanban-box" in 17, "card" in 18+), and the actions' view modes."""
        list_tag, list_mode = ("tree", "tree") if ODOO_MAJOR < 18 else ("list", "list")
        Cron = self.env["ir.cron"].sudo()
        for name, code, minutes, label in (
                ("ir_cron_cartona_flush", "model._cron_flush()", 1, "Cartona: flush the outbox"),
                ("ir_cron_cartona_pull", "model._cron_pull()", 1, "Cartona: pull orders"),
                ("ir_cron_cartona_push_all", "model._cron_push_all()", 5, "Cartona: push all products (batches)")):
            vals = {"name": label, "model_id": self.env.ref("cartona_connector.model_cartona_config").id,
                    "state": "code", "code": code, "interval_number": minutes, "interval_type": "minutes",
                    "active": True}
            if "numbercall" in Cron._fields:
                vals["numbercall"] = -1
            self._upsert_xmlid(name, "ir.cron", vals)
        views = {
            "view_cartona_outbox_list": ("cartona.outbox", list_tag, """
                <%(t)s string="Outbox" create="false" decoration-danger="state == 'dead'" decoration-muted="state == 'done'">
                    <field name="box"/><field name="key"/><field name="ref_id"/><field name="state"/>
                    <field name="attempts"/><field name="last_outcome"/><field name="err_msg"/>
                    <field name="changed_at"/><field name="ready_at"/>
                </%(t)s>"""),
            "view_cartona_order_import_list": ("cartona.order.import", list_tag, """
                <%(t)s string="Order imports" create="false" decoration-danger="state == 'failed'">
                    <field name="hashed_id"/><field name="state"/><field name="attempts"/><field name="message"/>
                    <field name="sale_order_id"/><field name="write_date"/>
                </%(t)s>"""),
        }
        for xmlid, (model, tag, arch) in views.items():
            self._upsert_xmlid(xmlid, "ir.ui.view", {"name": xmlid, "model": model, "type": list_mode,
                                                      "arch": arch % {"t": tag}})
        card = "kanban-box" if ODOO_MAJOR < 18 else "card"
        kanban = """
            <kanban create="false" class="o_kanban_dashboard">
                <field name="name"/><field name="q_pending"/><field name="q_retry"/><field name="q_leased"/>
                <field name="q_dead"/><field name="q_done"/><field name="s_waiting"/><field name="s_dead"/>
                <field name="last_success_at"/><field name="import_failed"/><field name="last_pull_at"/>
                <field name="last_pull_result"/><field name="push_state"/><field name="push_progress"/>
                <field name="engine"/>
                <templates><t t-name="%s">
                    <div class="%s">
                        <h3><field name="name"/> <small>(<field name="engine"/>)</small></h3>
                        <div class="row">
                            <div class="col-6">
                                <div><a name="action_open_queue" type="object">Waiting: <field name="q_pending"/></a></div>
                                <div>Retrying (backoff): <field name="q_retry"/></div>
                                <div>Sending now: <field name="q_leased"/></div>
                                <div><a name="action_open_dead" type="object">Dead letters: <field name="q_dead"/></a></div>
                                <div>Sent: <field name="q_done"/></div>
                                <div>Last successful push: <field name="last_success_at"/></div>
                            </div>
                            <div class="col-6">
                                <div>Status changes waiting: <field name="s_waiting"/>, dead: <field name="s_dead"/></div>
                                <div><a name="action_open_import_failures" type="object">Order imports failing: <field name="import_failed"/></a></div>
                                <div>Last pull: <field name="last_pull_at"/> <field name="last_pull_result"/></div>
                                <div>Push all: <field name="push_state"/> <field name="push_progress" widget="progressbar"/></div>
                            </div>
                        </div>
                        <div class="mt-2">
                            <button name="action_push_all" type="object" class="btn btn-primary btn-sm">Push all products</button>
                            <button name="action_retry_dead" type="object" class="btn btn-secondary btn-sm">Retry dead letters</button>
                            <button name="action_flush_now" type="object" class="btn btn-secondary btn-sm">Send now</button>
                            <button name="action_pull_now" type="object" class="btn btn-secondary btn-sm">Pull orders now</button>
                        </div>
                    </div>
                </t></templates>
            </kanban>""" % (card, "oe_kanban_global_click p-2" if ODOO_MAJOR < 18 else "p-2")
        self._upsert_xmlid("view_cartona_dashboard_kanban", "ir.ui.view",
                           {"name": "cartona.config.dashboard", "model": "cartona.config", "type": "kanban",
                            "arch": kanban})
        for act, mode in (("action_cartona_outbox", list_mode + ",form"),
                          ("action_cartona_order_import", list_mode + ",form"),
                          ("action_cartona_dashboard", "kanban,form")):
            self.env.ref("cartona_connector." + act).sudo().view_mode = mode
        if not self.sudo().search([], limit=1):
            self.sudo().create({"name": "Cartona"})
        return True

    @api.model
    def _upsert_xmlid(self, name, model, vals):
        rec = self.env.ref("cartona_connector." + name, raise_if_not_found=False)
        if rec:
            rec.sudo().write(vals)
            return rec
        rec = self.env[model].sudo().create(vals)
        self.env["ir.model.data"].sudo().create({"module": "cartona_connector", "name": name, "model": model,
                                                 "res_id": rec.id, "noupdate": True})
        return rec
