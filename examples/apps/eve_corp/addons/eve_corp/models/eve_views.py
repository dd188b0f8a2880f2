"""List views, window actions and cron details that differ between Odoo 17 and 19.

Odoo 17 names the list view ``tree`` (root tag ``<tree>``, view mode ``tree``); Odoo 18+ only
knows ``list``. Odoo 17's crons stop after ``numbercall`` runs (default 1); 19 has no such
field. ``data/list_views.xml`` calls :meth:`_setup_version_records` on every install and
upgrade; it loads the records through ``_load_records`` with their XML ids, exactly as a data
file would (so ``-u eve_corp`` updates them and never leaves orphans).
"""
from odoo import api, models, release

LIST_VIEWS = {
    # xml id: (model, fields)
    "view_eve_character_list": ("eve.character", ["name", "character_id", "user_id", "scopes", "token_state",
                                                  "last_pull", "last_pull_status"]),
    "view_eve_asset_list": ("eve.asset", ["character_id", "type_id", "type_name", "quantity", "location_id",
                                          "location_flag", "is_singleton", "last_updated"]),
    "view_eve_blueprint_list": ("eve.blueprint", ["character_id", "type_id", "type_name", "kind", "runs",
                                                  "material_efficiency", "time_efficiency", "location_id"]),
    "view_eve_market_watch_list": ("eve.market.watch", ["region_id", "type_id", "order_type", "last_pull",
                                                        "last_pull_status"]),
    "view_eve_market_order_list": ("eve.market.order", ["region_id", "type_id", "is_buy_order", "price",
                                                        "volume_remain", "volume_total", "location_id", "issued"]),
    "view_eve_wallet_transaction_list": ("eve.wallet.transaction", ["date", "character_id", "type_id", "quantity",
                                                                    "unit_price", "total", "is_buy", "client_id"]),
    "view_eve_mail_list": ("eve.mail", ["subject", "sender_id", "state", "esi_mail_id"]),
    "view_eve_name_list": ("eve.name", ["eve_id", "name", "category"]),
}

ACTIONS = {
    # xml id: (name, model, list view xml id)
    "action_eve_character": ("Characters", "eve.character", "view_eve_character_list"),
    "action_eve_asset": ("Assets", "eve.asset", "view_eve_asset_list"),
    "action_eve_blueprint": ("Blueprints", "eve.blueprint", "view_eve_blueprint_list"),
    "action_eve_market_watch": ("Market watches", "eve.market.watch", "view_eve_market_watch_list"),
    "action_eve_market_order": ("Market orders", "eve.market.order", "view_eve_market_order_list"),
    "action_eve_wallet_transaction": ("Wallet transactions", "eve.wallet.transaction",
                                      "view_eve_wallet_transaction_list"),
    "action_eve_mail": ("EVE mail", "eve.mail", "view_eve_mail_list"),
    "action_eve_name": ("Names", "eve.name", "view_eve_name_list"),
}

MODULE = "eve_corp"


class EveCorpSetup(models.AbstractModel):
    _name = "eve.corp.setup"
    _description = "eve_corp: records that differ between Odoo versions"

    @api.model
    def _setup_version_records(self):
        major = release.version_info[0]
        list_tag = "tree" if major < 18 else "list"
        views = []
        for xid, (model, fnames) in LIST_VIEWS.items():
            arch = "<%s>%s</%s>" % (list_tag, "".join('<field name="%s"/>' % f for f in fnames), list_tag)
            views.append({"xml_id": "%s.%s" % (MODULE, xid), "noupdate": False,
                          "values": {"name": "%s.list" % model, "model": model, "type": list_tag,
                                     "arch": arch, "priority": 16}})
        self.env["ir.ui.view"]._load_records(views, update=True)
        actions = []
        for xid, (name, model, view_xid) in ACTIONS.items():
            actions.append({"xml_id": "%s.%s" % (MODULE, xid), "noupdate": False,
                            "values": {"name": name, "res_model": model, "view_mode": "%s,form" % list_tag,
                                       "view_id": self.env.ref("%s.%s" % (MODULE, view_xid)).id}})
        self.env["ir.actions.act_window"]._load_records(actions, update=True)
        crons = self.env["ir.cron"].sudo()
        if "numbercall" in crons._fields:  # Odoo 17: run forever, not once
            for xid in ("cron_pull_characters", "cron_pull_markets"):
                cron = self.env.ref("%s.%s" % (MODULE, xid), raise_if_not_found=False)
                if cron and cron.numbercall != -1:
                    cron.numbercall = -1
        return True
