"""eve_corp's pull logic (addons/eve_corp/sync.py) against the ESI simulator, without Odoo: an
in-memory ORM-shaped writer that counts every write, and once through erplink's Odoo client
into the Odoo simulator (the same seam, over RPC)."""
from __future__ import annotations

import time
from typing import Any, Dict, List

import pytest
from conftest import CHAR_ID, ODOO_DB, ODOO_KEY, USER_AGENT, Server, fresh_refresh_token, load_sync, sso_for

from erplink import esi, odoo

sync = load_sync()


class MemoryWriter:
    """search_read / create / write / unlink over dicts, with a count of each write."""

    def __init__(self) -> None:
        self.tables: Dict[str, Dict[int, Dict[str, Any]]] = {}
        self.next_id = 1
        self.ops = {"create": 0, "write": 0, "unlink": 0}
        self.by_model: Dict[str, int] = {}
        self.character_writes: List[Dict[str, Any]] = []

    def _count(self, model: str, op: str, n: int) -> None:
        self.ops[op] += n
        self.by_model[model] = self.by_model.get(model, 0) + n

    def data_writes(self) -> int:
        """Writes to the imported data (eve.character only receives rotated tokens and marks)."""
        return sum(n for m, n in self.by_model.items() if m != "eve.character")

    def _t(self, model: str) -> Dict[int, Dict[str, Any]]:
        return self.tables.setdefault(model, {})

    @staticmethod
    def _match(rec: Dict[str, Any], domain: List[Any]) -> bool:
        for f, op, v in domain:
            x = rec.get(f)
            if op == "=" and x != v or op == "in" and x not in v:
                return False
        return True

    def search_read(self, model: str, domain: List[Any], fields: List[str]) -> List[Dict[str, Any]]:
        return [{k: r.get(k, False) for k in fields} | {"id": i} for i, r in sorted(self._t(model).items())
                if self._match(r, domain)]

    def create(self, model: str, vals_list: List[Dict[str, Any]]) -> List[int]:
        ids = []
        for v in vals_list:
            self._t(model)[self.next_id] = dict(v)
            ids.append(self.next_id)
            self.next_id += 1
        self._count(model, "create", len(ids))
        return ids

    def write(self, model: str, ids: List[int], vals: Dict[str, Any]) -> None:
        for i in ids:
            self._t(model)[i].update(vals)
        if model == "eve.character":
            self.character_writes.append(dict(vals))
        self._count(model, "write", len(ids))

    def unlink(self, model: str, ids: List[int]) -> None:
        for i in ids:
            del self._t(model)[i]
        self._count(model, "unlink", len(ids))

    def count(self, model: str) -> int:
        return len(self._t(model))

    def writes(self) -> int:
        return sum(self.ops.values())


def character(writer: Any, sso: Any) -> Any:
    """An eve.character row and its CharacterRecord, with a real refresh token from the SSO."""
    rt = fresh_refresh_token(sso, sync.DEFAULT_SCOPES)
    [cid] = writer.create("eve.character", [{"character_id": CHAR_ID, "name": "Sim Pilot", "refresh_token": rt,
                                              "token_state": "valid"}])
    return sync.CharacterRecord(id=cid, character_id=CHAR_ID, refresh_token=rt, scopes=sync.DEFAULT_SCOPES)


def client(sim: Server) -> Any:
    return esi.Client(USER_AGENT, base_url=sim.url)


def test_first_pull_imports_every_route(sim: Server) -> None:
    w, sso, c = MemoryWriter(), sso_for(sim), client(sim)
    ch = character(w, sso)
    res = sync.pull_character(c, sso, w, ch, marks={})
    assert res.errors == [], res.errors
    assert w.count("eve.asset") == 3000 and w.count("eve.blueprint") == 2000
    assert w.count("eve.wallet.transaction") == 2500
    kinds = {r["kind"] for r in w.tables["eve.blueprint"].values()}
    assert kinds == {"original", "copy", "stack"}
    # the newest transaction id is remembered for the next (incremental) pull
    assert int(w.tables["eve.character"][ch.id]["wallet_last_id"]) == max(
        int(t["transaction_id"]) for t in w.tables["eve.wallet.transaction"].values())
    # item type names came from /universe/names: one call per route, for the types not known yet
    assert all(r["type_name"] == "Name %d" % r["type_id"] for r in w.tables["eve.asset"].values())
    assert sim.ctl("/_ctl/hits").get("POST /universe/names") == 2
    assert w.count("eve.name") == 40 + 20


def test_second_pull_is_answered_by_the_cache_and_writes_nothing(sim: Server) -> None:
    w, sso, c, marks = MemoryWriter(), sso_for(sim), client(sim), {}
    ch = character(w, sso)
    sync.pull_character(c, sso, w, ch, marks=marks)
    before = w.data_writes()
    n_char = len(w.character_writes)
    hits_before = sim.ctl("/_ctl/hits")
    res = sync.pull_character(c, sso, w, ch, marks=marks)
    assert res.errors == []
    assert w.data_writes() == before, "a pull over unchanged ESI data wrote to Odoo"
    # only the rotated refresh token was written back
    assert [set(v) for v in w.character_writes[n_char:]] == [{"refresh_token", "token_state"}]
    assert all(s.skipped_unchanged for s in res.stats), res.summary()
    hits = sim.ctl("/_ctl/hits")
    path = "/characters/%d/assets" % CHAR_ID
    assert hits.get("GET " + path) == hits_before.get("GET " + path), "the assets were requested again before expiry"


def test_expired_pages_cost_a_304_and_no_import(sim: Server) -> None:
    sim.ctl("/_ctl/config", {"char_ttl": 1})
    w, sso, c, marks = MemoryWriter(), sso_for(sim), client(sim), {}
    ch = character(w, sso)
    sync.pull_character(c, sso, w, ch, marks=marks)
    before = w.data_writes()
    time.sleep(1.3)
    res = sync.pull_character(c, sso, w, ch, marks=marks)
    assert res.errors == []
    hits = sim.ctl("/_ctl/hits")
    assert hits.get("304 /characters/%d/assets" % CHAR_ID) == 3, hits
    assert hits.get("304 /characters/%d/blueprints" % CHAR_ID) == 2, hits
    stats = {s.model: s for s in res.stats}
    assert stats["eve.asset"].skipped_unchanged and stats["eve.blueprint"].skipped_unchanged
    assert w.data_writes() == before


def test_reimport_with_a_cold_cache_writes_nothing(sim: Server) -> None:
    """A new worker (empty ESI cache, no import marks) pulls the same items again: the import
    runs over every line and finds nothing to write (idempotent)."""
    w, sso, marks = MemoryWriter(), sso_for(sim), {}
    ch = character(w, sso)
    sync.pull_character(client(sim), sso, w, ch, marks=marks)
    before = w.data_writes()
    res = sync.pull_character(client(sim), sso, w, ch, marks={})  # a new worker: cold cache, no marks
    assert res.errors == []
    stats = {s.model: s for s in res.stats}
    assert not stats["eve.asset"].skipped_unchanged and stats["eve.asset"].seen == 3000
    assert w.data_writes() == before, w.by_model


def test_changes_are_applied_and_vanished_lines_deleted(sim: Server) -> None:
    w, sso, c = MemoryWriter(), sso_for(sim), client(sim)
    ch = character(w, sso)
    sync.pull_character(c, sso, w, ch, marks={})
    sim.ctl("/_ctl/config", {"assets_pages": 2})
    line = next(iter(w.tables["eve.asset"].values()))
    line["quantity"] = 999999  # drifted in Odoo: the pull puts ESI's value back
    before = dict(w.ops)
    res = sync.pull_assets(esi.Client(USER_AGENT, base_url=sim.url), sso.token(ch.refresh_token), w, ch, marks={})
    assert (res.created, res.written, res.deleted) == (0, 1, 1000)
    assert w.count("eve.asset") == 2000 and line["quantity"] != 999999
    assert w.ops["unlink"] - before["unlink"] == 1000


def test_wallet_is_incremental_by_from_id(sim: Server) -> None:
    sim.ctl("/_ctl/config", {"char_ttl": 1})
    w, sso, c = MemoryWriter(), sso_for(sim), client(sim)
    ch = character(w, sso)
    tok = sso.token(ch.refresh_token)
    first = sync.pull_wallet(c, tok, w, ch)
    assert first.created == 2500
    sim.ctl("/_ctl/reset", {})
    sim.ctl("/_ctl/config", {"wallet_total": 2512})  # 12 newer transactions
    time.sleep(1.3)
    second = sync.pull_wallet(c, tok, w, ch)
    assert second.created == 12 and w.count("eve.wallet.transaction") == 2512
    hits = sim.ctl("/_ctl/hits")
    # one batch from the newest reached the known ids: no walk through the history again
    assert hits.get("GET /characters/%d/wallet/transactions" % CHAR_ID) == 1, hits
    ids = [int(t["transaction_id"]) for t in w.tables["eve.wallet.transaction"].values()]
    assert len(ids) == len(set(ids))
    time.sleep(1.3)
    third = sync.pull_wallet(c, tok, w, ch)
    assert third.created == 0


def test_rotated_refresh_token_is_persisted(sim: Server) -> None:
    sim.ctl("/_ctl/config", {"access_ttl": 30})  # within the refresh margin: every use refreshes
    w, sso, c = MemoryWriter(), sso_for(sim), client(sim)
    ch = character(w, sso)
    old = ch.refresh_token
    res = sync.pull_character(c, sso, w, ch, marks={})
    assert res.errors == [] and res.refreshed >= 1
    stored = w.tables["eve.character"][ch.id]["refresh_token"]
    assert stored != old and stored == ch.refresh_token
    # the old one died at the SSO (rotation); the stored one works
    with pytest.raises(Exception) as ei:
        sso.refresh(old)
    assert type(ei.value).__name__ == "AuthError"
    assert sso.refresh(stored).access_token


def test_refused_token_marks_the_character_and_imports_nothing(sim: Server) -> None:
    w, sso, c = MemoryWriter(), sso_for(sim), client(sim)
    ch = character(w, sso)
    sso.revoke(ch.refresh_token)
    res = sync.pull_character(c, sso, w, ch, marks={})
    assert res.token_refused and res.errors and "token" in res.errors[0]
    assert ch.refresh_token not in res.error  # no secret in the status line
    assert w.count("eve.asset") == 0


def test_a_failing_route_does_not_stop_the_others(sim: Server) -> None:
    w, sso, c = MemoryWriter(), sso_for(sim), client(sim)
    ch = character(w, sso)
    sim.ctl("/_ctl/fault", {"path": "/characters/%d/assets" % CHAR_ID, "page": None, "status": 403, "count": 1})
    res = sync.pull_character(c, sso, w, ch, marks={})
    assert len(res.errors) == 1 and res.errors[0].startswith(sync.SCOPE_ASSETS)
    assert w.count("eve.asset") == 0 and w.count("eve.blueprint") == 2000


def test_market_orders_of_a_watch(sim: Server) -> None:
    w, c, marks = MemoryWriter(), client(sim), {}
    [wid] = w.create("eve.market.watch", [{"region_id": 10000002, "type_id": 34, "order_type": "sell"}])
    watch = sync.WatchRecord(id=wid, region_id=10000002, type_id=34, order_type="sell")
    res = sync.pull_market(c, w, watch, marks=marks)
    assert res.errors == []
    orders = list(w.tables["eve.market.order"].values())
    assert len(orders) == 133 and all(not o["is_buy_order"] and o["type_id"] == 34 for o in orders)
    assert all(o["issued"] == "2026-11-20 10:00:00" for o in orders)
    before = w.data_writes()
    again = sync.pull_market(c, w, watch, marks=marks)
    assert again.stats[0].skipped_unchanged and w.data_writes() == before


def test_send_mail(sim: Server) -> None:
    w, sso, c = MemoryWriter(), sso_for(sim), client(sim)
    ch = character(w, sso)
    res = sync.send_mail(c, sso, w, ch, [90000001, 90000002], "Fleet at 19:00", "Form up in Jita 4-4.")
    assert res.errors == [] and isinstance(res.mail_id, int) and res.mail_id > 400000000
    bad = sync.send_mail(c, sso, w, ch, [], "x", "y")
    assert bad.errors and bad.mail_id is None


def test_pull_through_the_odoo_client_into_the_odoo_simulator(sim: Server, odoo_srv: Any) -> None:
    """The same seam over RPC: erplink's odoo.Client is an ORM-shaped writer."""
    srv, version = odoo_srv
    o = odoo.Client(srv.url, ODOO_DB[version], "admin", api_key=ODOO_KEY[version])
    sso, c = sso_for(sim), client(sim)
    sim.ctl("/_ctl/config", {"assets_pages": 1, "assets_per_page": 300, "blueprint_pages": 1,
                             "blueprints_per_page": 120, "wallet_total": 150})
    rt = fresh_refresh_token(sso, sync.DEFAULT_SCOPES)
    rid = o.create("eve.character", {"character_id": CHAR_ID, "name": "Sim Pilot", "refresh_token": rt,
                                     "token_state": "valid", "active": True})
    ch = sync.CharacterRecord(id=rid, character_id=CHAR_ID, refresh_token=rt, scopes=sync.DEFAULT_SCOPES)
    res = sync.pull_character(c, sso, o, ch, marks={})
    assert res.errors == [], res.errors
    assert o.search_count("eve.asset", [("character_id", "=", rid)]) == 300
    assert o.search_count("eve.blueprint", [("character_id", "=", rid)]) == 120
    assert o.search_count("eve.wallet.transaction", [("character_id", "=", rid)]) == 150
    [row] = o.read("eve.character", [rid], ["wallet_last_id"])
    assert int(row["wallet_last_id"]) == 5000000000 + 150 * 3
    stats = sync.pull_character(client(sim), sso, o, ch, marks={})  # cold cache: a full compare
    assert all(not s.changed() for s in stats.stats), stats.summary()
