"""A composer that sends EVE mail (ESI POST /characters/{id}/mail) from a linked character."""
from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .. import sync
from . import esi_service


class EveMail(models.Model):
    _name = "eve.mail"
    _description = "EVE mail"
    _order = "id desc"
    _rec_name = "subject"

    sender_id = fields.Many2one("eve.character", string="From", required=True,
                                domain=[("token_state", "=", "valid")])
    recipient_ids = fields.Many2many("eve.character", "eve_mail_recipient_rel", "mail_id", "character_id",
                                     string="To (linked characters)")
    extra_recipients = fields.Char(string="Other character ids",
                                   help="Character ids not linked to Odoo, separated by commas or spaces.")
    subject = fields.Char(required=True)
    body = fields.Text(required=True)
    state = fields.Selection([("draft", "Draft"), ("sent", "Sent"), ("failed", "Failed")], default="draft",
                             required=True, readonly=True)
    esi_mail_id = fields.Char(string="EVE mail id", readonly=True)
    error = fields.Char(readonly=True)

    def _recipients(self):
        ids = [c.character_id for c in self.recipient_ids]
        for part in (self.extra_recipients or "").replace(",", " ").split():
            if not part.isdigit():
                raise UserError(_("Not a character id: %s") % part)
            ids.append(int(part))
        if not ids:
            raise UserError(_("Add at least one recipient."))
        return ids

    def action_send(self):
        for m in self:
            if m.state == "sent":
                continue
            recipients = m._recipients()
            services = esi_service.services(self.env)
            sender = m.sender_id.sudo()
            rec = sync.CharacterRecord(id=sender.id, character_id=sender.character_id,
                                       refresh_token=sender.refresh_token, wallet_last_id=sender.wallet_last_id,
                                       scopes=(sender.scopes or "").split())
            res = sync.send_mail(services.esi, services.sso, esi_service.EnvWriter(self.env), rec, recipients,
                                 m.subject, m.body)
            if res.error:
                m.write({"state": "failed", "error": res.error})
            else:
                m.write({"state": "sent", "esi_mail_id": str(res.mail_id), "error": False})
        return True
