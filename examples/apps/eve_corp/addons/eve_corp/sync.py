"""The pull logic of eve_corp, in plain Python: no Odoo import, so that it runs (and is tested)
against erplink's ESI client and any ORM-shaped writer.

A *writer* has four methods with Odoo's meaning::

    search_read(model, domain, fields) -> [dict]      (many2one values as id or (id, name))
    create(model, vals_list) -> [id]
    write(model, ids, vals) -> None
    unlink(model, ids) -> None

Inside Odoo it is ``models.esi_service.EnvWriter`` over ``env``; erplink's ``odoo.Client``
has the same four methods, so the same code can also run in a separate worker over RPC; the
tests use a dict-backed writer that counts what is written.

Properties (each tested in tests/apps/eve/test_sync.py against tests/servers/esi_sim.py):

- **idempotent**: rows are matched by their ESI key (item id, order id, transaction id); a row
  is written only when a value differs, created when new, deleted when ESI no longer lists it;
  running a pull twice over the same ESI data writes nothing the second time;
- **a 304 costs nothing**: when every page of a response came from erplink's cache or was
  revalidated by a 304, the import is skipped without reading Odoo;
- **incremental wallet**: transactions newer than the character's ``wallet_last_id`` only,
  walking ``from_id`` backwards and stopping at the first known id;
- **tokens**: each character's refresh token is used through ``erplink.esi.Token``; a rotated
  refresh token is written back to the character at once (``on_refresh``); a refused refresh
  marks the result ``token_refused`` and the character is skipped;
- **errors**: a failing route is recorded in the result (category and message, never a
  token) and the other routes still run; erplink's client itself stops sending while the ESI
  error limit is low (``Services.esi_may_continue`` also stops a run between characters).
"""
from __future__ import annotations

import datetime
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence

SCOPE_ASSETS = "esi-assets.read_assets.v1"
SCOPE_BLUEPRINTS = "esi-characters.read_blueprints.v1"
SCOPE_WALLET = "esi-wallet.read_character_wallet.v1"
SCOPE_MAIL = "esi-mail.send_mail.v1"

#: the scopes the intermediary asks for
DEFAULT_SCOPES = (SCOPE_ASSETS, SCOPE_BLUEPRINTS, SCOPE_WALLET, SCOPE_MAIL)

#: bounded walk of the wallet (ESI keeps 30 days; 2500 a batch at most is plenty)
WALLET_MAX_BATCHES = 50


@dataclass
class CharacterRecord:
    """What a pull needs from an ``eve.character`` record."""
    id: int
    character_id: int
    refresh_token: Optional[str]
    wallet_last_id: Optional[str] = None
    scopes: Sequence[str] = ()


@dataclass
class WatchRecord:
    """An ``eve.market.watch`` record."""
    id: int
    region_id: int
    type_id: int = 0
    order_type: str = "all"


@dataclass
class ImportStats:
    """One model's import: what was written."""
    model: str
    skipped_unchanged: bool = False   # every page came from the cache or a 304
    created: int = 0
    written: int = 0
    deleted: int = 0
    seen: int = 0

    def changed(self) -> bool:
        return bool(self.created or self.written or self.deleted)


@dataclass
class PullResult:
    stats: List[ImportStats] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)
    token_refused: bool = False
    refreshed: int = 0
    mail_id: Optional[int] = None

    @property
    def error(self) -> Optional[str]:
        return "; ".join(self.errors) if self.errors else None

    def summary(self) -> str:
        parts = []
        for s in self.stats:
            if s.skipped_unchanged:
                parts.append("%s: unchanged (cache/304)" % s.model)
            else:
                parts.append("%s: %d seen, +%d ~%d -%d" % (s.model, s.seen, s.created, s.written, s.deleted))
        parts += ["error: " + e for e in self.errors]
        return "; ".join(parts)[:1000]


# ---------------------------------------------------------------------------------- helpers

def esi_datetime(v: Any) -> Any:
    """ESI's ``2026-11-20T10:00:00Z`` -> Odoo's ``2026-11-20 10:00:00`` (UTC, naive)."""
    if isinstance(v, datetime.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, str) and len(v) >= 19 and v[10] == "T":
        return v[:10] + " " + v[11:19]
    return v or False


def now_str() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _norm(v: Any) -> Any:
    if isinstance(v, (list, tuple)) and len(v) == 2 and isinstance(v[0], int) and not isinstance(v[0], bool):
        return v[0]  # many2one as read by search_read
    if isinstance(v, datetime.datetime):
        return esi_datetime(v)
    if isinstance(v, float):
        return round(v, 2)
    if v is None or v == "":
        return False
    return v


def describe(e: BaseException) -> str:
    """An error for a status line: its class and message (erplink's messages hold no secret)."""
    return "%s: %s" % (type(e).__name__, str(e)[:300])


#: (model, scope id) -> fingerprint of the last response imported completely, in this process
#: (the ESI cache it pairs with lives in this process too; see :func:`skip_import`)
IMPORTED: Dict[Any, Any] = {}
_MARKS_LOCK = threading.Lock()


def all_pages_cached(resp: Any) -> bool:
    """True when erplink answered every page from its cache or from a 304 (no page body came
    from the server)."""
    n = int(getattr(resp, "page_count", 0) or 0)
    if n == 0:
        return False
    return all(resp.page_cache_status(i) != "miss" for i in range(n))


def fingerprint(resp: Any) -> Any:
    return (getattr(resp, "etag", None), getattr(resp, "last_modified", None), getattr(resp, "pages", None),
            getattr(resp, "page_count", None))


def skip_import(resp: Any, key: Any, marks: Dict[Any, Any]) -> bool:
    """An import is skipped only when no page changed **and** this very response was imported
    completely before (a run that failed after fetching must not leave the data unimported
    while the cache keeps answering)."""
    with _MARKS_LOCK:
        return all_pages_cached(resp) and marks.get(key) == fingerprint(resp)


def mark_imported(resp: Any, key: Any, marks: Dict[Any, Any]) -> None:
    with _MARKS_LOCK:
        marks[key] = fingerprint(resp)


def upsert(writer: Any, model: str, key: str, scope: List[Any], rows: Iterable[Dict[str, Any]],
           stats: ImportStats, stamp: Optional[str] = None, delete_missing: bool = True) -> None:
    """Makes the records of ``model`` within ``scope`` (a domain) equal ``rows``, matched on
    ``key``: creates the new ones, writes only differing values, unlinks the ones gone.
    ``stamp``: a field set to now on created and changed rows (``last_updated``)."""
    rows = list(rows)
    fnames = sorted({k for r in rows for k in r} | {key})
    existing = writer.search_read(model, scope, ["id"] + fnames)
    by_key: Dict[Any, Dict[str, Any]] = {}
    dupes: List[int] = []
    for r in existing:
        if r[key] in by_key:
            dupes.append(r["id"])  # a duplicate left by an interrupted run: drop it
        else:
            by_key[r[key]] = r
    to_create: List[Dict[str, Any]] = []
    seen = set()
    for row in rows:
        k = row[key]
        if k in seen:
            continue
        seen.add(k)
        stats.seen += 1
        cur = by_key.pop(k, None)
        if cur is None:
            vals = dict(row)
            if stamp:
                vals[stamp] = now_str()
            to_create.append(vals)
            continue
        diff = {f: v for f, v in row.items() if _norm(cur.get(f)) != _norm(v)}
        if diff:
            if stamp:
                diff[stamp] = now_str()
            writer.write(model, [cur["id"]], diff)
            stats.written += 1
    if to_create:
        for i in range(0, len(to_create), 1000):
            writer.create(model, to_create[i:i + 1000])
        stats.created += len(to_create)
    gone = dupes + ([r["id"] for r in by_key.values()] if delete_missing else [])
    if gone:
        writer.unlink(model, gone)
        stats.deleted += len(gone)


# ---------------------------------------------------------------------------------- tokens

def make_token(sso: Any, writer: Any, char: CharacterRecord, result: PullResult) -> Any:
    """An ``erplink.esi.Token`` for the character whose rotated refresh tokens are written back
    to its ``eve.character`` record as soon as the SSO hands them out."""

    def on_refresh(new_refresh_token: str, _character_id: int) -> None:
        if new_refresh_token and new_refresh_token != char.refresh_token:
            writer.write("eve.character", [char.id], {"refresh_token": new_refresh_token, "token_state": "valid"})
            char.refresh_token = new_refresh_token
        result.refreshed += 1

    return sso.token(char.refresh_token, on_refresh=on_refresh)


def _token_refused(e: BaseException) -> bool:
    return type(e).__name__ == "AuthError"


# ---------------------------------------------------------------------------------- routes

def asset_rows(char: CharacterRecord, items: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [{"character_id": char.id, "item_id": str(it["item_id"]), "type_id": int(it["type_id"]),
             "quantity": int(it.get("quantity", 1)), "location_id": str(it.get("location_id", "")),
             "location_type": it.get("location_type") or False, "location_flag": it.get("location_flag") or False,
             "is_singleton": bool(it.get("is_singleton")), "is_blueprint_copy": bool(it.get("is_blueprint_copy"))}
            for it in items]


def blueprint_rows(char: CharacterRecord, items: Iterable[Dict[str, Any]],
                   kind_of: Callable[[Dict[str, Any]], str]) -> List[Dict[str, Any]]:
    return [{"character_id": char.id, "item_id": str(it["item_id"]), "type_id": int(it["type_id"]),
             "kind": kind_of(it), "quantity": int(it.get("quantity", 0)), "runs": int(it.get("runs", -1)),
             "material_efficiency": int(it.get("material_efficiency", 0)),
             "time_efficiency": int(it.get("time_efficiency", 0)), "location_id": str(it.get("location_id", "")),
             "location_flag": it.get("location_flag") or False}
            for it in items]


def order_rows(watch: WatchRecord, items: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [{"watch_id": watch.id, "order_id": str(o["order_id"]), "region_id": watch.region_id,
             "type_id": int(o["type_id"]), "location_id": str(o.get("location_id", "")),
             "system_id": int(o.get("system_id", 0)), "is_buy_order": bool(o.get("is_buy_order")),
             "price": float(o.get("price", 0.0)), "volume_total": int(o.get("volume_total", 0)),
             "volume_remain": int(o.get("volume_remain", 0)), "min_volume": int(o.get("min_volume", 0)),
             "duration": int(o.get("duration", 0)), "range": o.get("range") or False,
             "issued": esi_datetime(o.get("issued"))}
            for o in items]


def wallet_rows(char: CharacterRecord, items: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [{"character_id": char.id, "transaction_id": str(t["transaction_id"]), "date": esi_datetime(t.get("date")),
             "type_id": int(t.get("type_id", 0)), "quantity": int(t.get("quantity", 0)),
             "unit_price": float(t.get("unit_price", 0.0)), "client_id": int(t.get("client_id", 0)),
             "location_id": str(t.get("location_id", "")), "is_buy": bool(t.get("is_buy")),
             "is_personal": bool(t.get("is_personal")), "journal_ref_id": str(t.get("journal_ref_id", ""))}
            for t in items]


def resolve_type_names(esi: Any, writer: Any, type_ids: Iterable[int]) -> Dict[int, str]:
    """Names of item types, from the ``eve.name`` records, asking ESI's /universe/names (in
    chunks, invalid ids isolated by erplink) only for the ids not known yet."""
    ids = sorted({int(t) for t in type_ids if t})
    if not ids:
        return {}
    known = {r["eve_id"]: r["name"] for r in writer.search_read("eve.name", [("eve_id", "in", ids)],
                                                                ["eve_id", "name"])}
    missing = [i for i in ids if i not in known]
    if missing:
        res = esi.universe_names(missing)
        new = [{"eve_id": int(n["id"]), "name": n["name"], "category": n.get("category") or False}
               for n in res.names if int(n["id"]) not in known]
        if new:
            writer.create("eve.name", new)
        known.update({r["eve_id"]: r["name"] for r in new})
    return known


def _with_names(rows: List[Dict[str, Any]], names: Dict[int, str]) -> List[Dict[str, Any]]:
    for r in rows:
        r["type_name"] = names.get(r["type_id"]) or False
    return rows


def pull_assets(esi: Any, token: Any, writer: Any, char: CharacterRecord, names: bool = True,
                marks: Optional[Dict[Any, Any]] = None) -> ImportStats:
    marks = IMPORTED if marks is None else marks
    stats = ImportStats("eve.asset")
    resp = esi.character_assets(token, char.character_id)
    key = ("eve.asset", char.id)
    if skip_import(resp, key, marks):
        stats.skipped_unchanged = True
        return stats
    rows = asset_rows(char, resp.items)
    if names:
        rows = _with_names(rows, resolve_type_names(esi, writer, (r["type_id"] for r in rows)))
    upsert(writer, "eve.asset", "item_id", [("character_id", "=", char.id)], rows, stats, stamp="last_updated")
    mark_imported(resp, key, marks)
    return stats


def pull_blueprints(esi: Any, token: Any, writer: Any, char: CharacterRecord, kind_of: Callable[[Any], str],
                    names: bool = True, marks: Optional[Dict[Any, Any]] = None) -> ImportStats:
    marks = IMPORTED if marks is None else marks
    stats = ImportStats("eve.blueprint")
    resp = esi.character_blueprints(token, char.character_id)
    key = ("eve.blueprint", char.id)
    if skip_import(resp, key, marks):
        stats.skipped_unchanged = True
        return stats
    rows = blueprint_rows(char, resp.items, kind_of)
    if names:
        rows = _with_names(rows, resolve_type_names(esi, writer, (r["type_id"] for r in rows)))
    upsert(writer, "eve.blueprint", "item_id", [("character_id", "=", char.id)], rows, stats, stamp="last_updated")
    mark_imported(resp, key, marks)
    return stats


def pull_wallet(esi: Any, token: Any, writer: Any, char: CharacterRecord) -> ImportStats:
    """Transactions newer than ``char.wallet_last_id``: the newest batch first, then older
    ones by ``from_id`` until a known id shows up (or the history ends). Updates
    ``wallet_last_id`` on the character."""
    stats = ImportStats("eve.wallet.transaction")
    last = int(char.wallet_last_id or 0)
    fresh: Dict[int, Dict[str, Any]] = {}
    if last == 0:
        # first pull: erplink walks the whole history (from_id backwards) in one call
        resp = esi.wallet_transactions(token, char.character_id, from_id=0, max_batches=WALLET_MAX_BATCHES)
        for t in resp.items:
            fresh[int(t["transaction_id"])] = t
    else:
        from_id = 0
        all_cached = True
        for _ in range(WALLET_MAX_BATCHES):
            resp = esi.wallet_transactions(token, char.character_id, from_id=from_id, max_batches=1)
            all_cached = all_cached and all_pages_cached(resp)
            items = resp.items
            if not items:
                break
            reached_known = False
            for t in items:
                tid = int(t["transaction_id"])
                if tid > last:
                    fresh[tid] = t
                else:
                    reached_known = True
            oldest = min(int(t["transaction_id"]) for t in items)
            if reached_known or oldest == from_id:
                break
            from_id = oldest
        if not fresh and all_cached:
            stats.skipped_unchanged = True
            return stats
    stats.seen = len(fresh)
    if not fresh:
        return stats
    keys = [str(k) for k in fresh]
    # a run interrupted between the create and the wallet_last_id write must not duplicate
    have = {r["transaction_id"] for r in writer.search_read(
        "eve.wallet.transaction", [("character_id", "=", char.id), ("transaction_id", "in", keys)],
        ["transaction_id"])}
    new = [r for r in wallet_rows(char, fresh.values()) if r["transaction_id"] not in have]
    for i in range(0, len(new), 1000):
        writer.create("eve.wallet.transaction", new[i:i + 1000])
    stats.created = len(new)
    newest = max(fresh)
    if newest > last:
        writer.write("eve.character", [char.id], {"wallet_last_id": str(newest)})
        char.wallet_last_id = str(newest)
    return stats


def pull_character(esi: Any, sso: Any, writer: Any, char: CharacterRecord,
                   kind_of: Optional[Callable[[Any], str]] = None,
                   marks: Optional[Dict[Any, Any]] = None) -> PullResult:
    """Every route the character granted a scope for. Never raises for an ESI/SSO failure:
    the result says what failed."""
    result = PullResult()
    if not char.refresh_token:
        result.errors.append("no refresh token: the character must log in through the intermediary")
        result.token_refused = True
        return result
    if kind_of is None:
        from erplink import esi as _esi
        kind_of = _esi.blueprint_kind
    token = make_token(sso, writer, char, result)
    try:
        token.access_token()  # refresh now: a refused token skips every route
    except Exception as e:  # erplink.Error subclasses
        result.errors.append("token: " + describe(e))
        result.token_refused = _token_refused(e)
        return result
    scopes = set(char.scopes) if char.scopes else None
    bp_kind: Callable[[Any], str] = kind_of
    routes = [(SCOPE_ASSETS, lambda: pull_assets(esi, token, writer, char, marks=marks)),
              (SCOPE_BLUEPRINTS, lambda: pull_blueprints(esi, token, writer, char, bp_kind, marks=marks)),
              (SCOPE_WALLET, lambda: pull_wallet(esi, token, writer, char))]
    for scope, fn in routes:
        if scopes is not None and scope not in scopes:
            continue
        try:
            result.stats.append(fn())
        except Exception as e:
            result.errors.append("%s: %s" % (scope, describe(e)))
            if _token_refused(e):
                result.token_refused = True
                break
    return result


def pull_market(esi: Any, writer: Any, watch: WatchRecord, marks: Optional[Dict[Any, Any]] = None) -> PullResult:
    marks = IMPORTED if marks is None else marks
    result = PullResult()
    stats = ImportStats("eve.market.order")
    try:
        resp = esi.market_orders(watch.region_id, order_type=watch.order_type or "all", type_id=watch.type_id or 0)
        key = ("eve.market.order", watch.id, watch.region_id, watch.type_id, watch.order_type)
        if skip_import(resp, key, marks):
            stats.skipped_unchanged = True
        else:
            upsert(writer, "eve.market.order", "order_id", [("watch_id", "=", watch.id)],
                   order_rows(watch, resp.items), stats)
            mark_imported(resp, key, marks)
        result.stats.append(stats)
    except Exception as e:
        result.errors.append(describe(e))
    return result


def send_mail(esi: Any, sso: Any, writer: Any, sender: CharacterRecord, recipient_ids: Sequence[int],
              subject: str, body: str) -> PullResult:
    """Sends one EVE mail from ``sender`` to characters (ESI validates nothing erplink has not
    checked first: 1-50 recipients, subject <= 1000 and body <= 10000 characters)."""
    result = PullResult()
    if not sender.refresh_token:
        result.errors.append("the sender has no token: log in through the intermediary first")
        return result
    try:
        token = make_token(sso, writer, sender, result)
        result.mail_id = esi.send_mail(token, sender.character_id, [(int(i), "character") for i in recipient_ids],
                                       subject, body)
    except Exception as e:
        result.errors.append(describe(e))
        result.token_refused = _token_refused(e)
    return result
