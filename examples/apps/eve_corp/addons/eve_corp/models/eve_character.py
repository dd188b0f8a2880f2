"""EVE characters linked to Odoo users and partners, and the scheduled pulls.

The pull logic itself is plain Python in ``eve_corp/sync.py`` (testable without Odoo): these
methods build erplink's clients from the system parameters, hand the sync layer an
ORM-shaped writer over ``self.env`` and record the outcome on the character.
"""
import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .. import sync
from . import esi_service

_logger = logging.getLogger(__name__)

TOKEN_STATES = [
    ("valid", "Valid"),
    ("missing", "No token"),
    ("refresh_failed", "Refresh refused (log in again)"),
    ("revoked", "Revoked (character changed owner)"),
]


class EveCharacter(models.Model):
    _name = "eve.character"
    _description = "EVE Online character"
    _order = "name, id"
    _rec_name = "name"

    name = fields.Char(required=True, index=True)
    character_id = fields.Integer(string="Character ID", required=True, index=True)
    owner_hash = fields.Char(help="Changes when the character is sold to another EVE account.",
                             groups="eve_corp.group_eve_manager")
    scopes = fields.Char(help="ESI scopes granted at the last login, space separated.")
    token_state = fields.Selection(TOKEN_STATES, default="missing", required=True)
    # Secret: only settings administrators (and the pulls, as superuser) read it; never logged.
    refresh_token = fields.Char(groups="base.group_system", copy=False)
    active = fields.Boolean(default=True)
    user_id = fields.Many2one("res.users", string="Odoo user", ondelete="set null", index=True)
    partner_id = fields.Many2one("res.partner", string="Contact", related="user_id.partner_id", store=True)
    last_login = fields.Datetime()
    last_pull = fields.Datetime(readonly=True)
    last_pull_status = fields.Char(readonly=True)
    wallet_last_id = fields.Char(string="Newest wallet transaction", readonly=True,
                                 help="Transaction ids exceed 32 bits: kept as text.")
    asset_ids = fields.One2many("eve.asset", "character_id")
    blueprint_ids = fields.One2many("eve.blueprint", "character_id")
    wallet_transaction_ids = fields.One2many("eve.wallet.transaction", "character_id")
    asset_count = fields.Integer(compute="_compute_counts")
    blueprint_count = fields.Integer(compute="_compute_counts")
    wallet_count = fields.Integer(compute="_compute_counts")

    @api.depends("asset_ids", "blueprint_ids", "wallet_transaction_ids")
    def _compute_counts(self):
        for c in self:
            c.asset_count = len(c.asset_ids)
            c.blueprint_count = len(c.blueprint_ids)
            c.wallet_count = len(c.wallet_transaction_ids)

    # ------------------------------------------------------------------ pulls

    def action_pull(self):
        """Button: pull this character now."""
        self.check_access("write") if hasattr(self, "check_access") else self.check_access_rights("write")
        result = self.sudo()._pull()
        if any(r.get("error") for r in result):
            raise UserError("; ".join(r["error"] for r in result if r.get("error")))
        return True

    @api.model
    def cron_pull_characters(self):
        """ir.cron: every active character with a token, while the ESI error limit allows."""
        chars = self.sudo().search([("active", "=", True), ("token_state", "=", "valid")])
        chars._pull()

    def _pull(self):
        services = esi_service.services(self.env)
        writer = esi_service.EnvWriter(self.env)
        results = []
        for char in self:
            if not services.esi_may_continue():
                _logger.warning("eve_corp: ESI error limit low: the remaining characters wait for the next run")
                break
            rec = sync.CharacterRecord(id=char.id, character_id=char.character_id,
                                       refresh_token=char.refresh_token, wallet_last_id=char.wallet_last_id,
                                       scopes=(char.scopes or "").split())
            res = sync.pull_character(services.esi, services.sso, writer, rec)
            vals = {"last_pull": fields.Datetime.now(), "last_pull_status": res.summary()}
            if res.token_refused:
                vals["token_state"] = "refresh_failed"
            char.write(vals)
            results.append({"character": char.character_id, "error": res.error})
        return results


class ResUsers(models.Model):
    _inherit = "res.users"

    eve_character_ids = fields.One2many("eve.character", "user_id", string="EVE characters")
    eve_character_id = fields.Integer(string="EVE character ID", compute="_compute_eve_main", store=True)
    eve_character_name = fields.Char(string="EVE character", compute="_compute_eve_main", store=True)

    @api.depends("eve_character_ids.character_id", "eve_character_ids.name", "eve_character_ids.active")
    def _compute_eve_main(self):
        for u in self:
            main = u.eve_character_ids[:1]
            u.eve_character_id = main.character_id
            u.eve_character_name = main.name


class ResPartner(models.Model):
    _inherit = "res.partner"

    eve_character_ids = fields.One2many("eve.character", "partner_id", string="EVE characters")
