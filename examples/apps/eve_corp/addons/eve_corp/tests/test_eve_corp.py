"""Odoo-side tests of eve_corp (no network): the sync layer's writes through the real ORM
(EnvWriter), the version-specific views and actions, the character fields on users.

    odoo-bin -d DB -i eve_corp --test-enable --test-tags /eve_corp --stop-after-init
"""
from odoo import release
from odoo.tests.common import TransactionCase, tagged

from .. import sync
from ..models.esi_service import EnvWriter


@tagged("post_install", "-at_install")
class TestEveCorp(TransactionCase):
    def setUp(self):
        super().setUp()
        self.user = self.env["res.users"].create({
            "name": "Test Pilot", "login": "eve-test-pilot",
            "eve_character_ids": [(0, 0, {"character_id": 90000123, "name": "Test Pilot", "owner_hash": "h",
                                          "token_state": "valid", "refresh_token": "secret"})]})
        self.char = self.user.eve_character_ids

    def test_character_on_user_and_partner(self):
        self.assertEqual(self.user.eve_character_id, 90000123)
        self.assertEqual(self.user.eve_character_name, "Test Pilot")
        self.assertEqual(self.char.partner_id, self.user.partner_id)
        self.assertEqual(self.user.partner_id.eve_character_ids, self.char)

    def test_upsert_through_the_orm_is_idempotent(self):
        rec = sync.CharacterRecord(id=self.char.id, character_id=90000123, refresh_token="secret")
        items = [{"item_id": 10 ** 12 + i, "type_id": 34 + i % 3, "quantity": i + 1, "location_id": 60003760,
                  "location_type": "station", "location_flag": "Hangar", "is_singleton": False} for i in range(50)]
        w = EnvWriter(self.env)
        first = sync.ImportStats("eve.asset")
        sync.upsert(w, "eve.asset", "item_id", [("character_id", "=", self.char.id)], sync.asset_rows(rec, items),
                    first, stamp="last_updated")
        self.assertEqual((first.created, first.written, first.deleted), (50, 0, 0))
        again = sync.ImportStats("eve.asset")
        sync.upsert(w, "eve.asset", "item_id", [("character_id", "=", self.char.id)], sync.asset_rows(rec, items),
                    again, stamp="last_updated")
        self.assertFalse(again.changed(), "a second import of the same data wrote to the database")
        items[0]["quantity"] = 999
        changed = sync.ImportStats("eve.asset")
        sync.upsert(w, "eve.asset", "item_id", [("character_id", "=", self.char.id)],
                    sync.asset_rows(rec, items[:40]), changed, stamp="last_updated")
        self.assertEqual((changed.created, changed.written, changed.deleted), (0, 1, 10))
        self.assertEqual(self.char.asset_count, 40)

    def test_views_and_actions_match_the_version(self):
        tag = "tree" if release.version_info[0] < 18 else "list"
        view = self.env.ref("eve_corp.view_eve_asset_list")
        self.assertEqual(view.type, tag)
        self.assertEqual(self.env.ref("eve_corp.action_eve_asset").view_mode, "%s,form" % tag)
        for model in ("eve.character", "eve.asset", "eve.blueprint", "eve.market.order", "eve.wallet.transaction",
                      "eve.mail", "eve.market.watch", "eve.name"):
            views = self.env[model].get_views([(False, tag), (False, "form"), (False, "search")])["views"]
            self.assertEqual(set(views), {tag, "form", "search"})

    def test_refresh_token_is_for_administrators_only(self):
        member = self.env["res.users"].create({"name": "Member", "login": "eve-member",
                                               "groups_id" if "groups_id" in self.env["res.users"]._fields
                                               else "group_ids": [(6, 0, [self.env.ref("base.group_user").id])]})
        rec = self.char.with_user(member)
        self.assertEqual(rec.read(["name"])[0]["name"], "Test Pilot")
        with self.assertRaises(Exception):
            rec.read(["refresh_token"])
