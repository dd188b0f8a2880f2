"""Find-or-create the Odoo user of an EVE character, over erplink's Odoo client.

Keyed by character id **and** owner hash (the hash changes when a character is sold to another
EVE account):

- no link for the character id: one ``create`` of ``res.users`` with its ``eve.character``
  line (a one2many create command), so Odoo creates the user, its partner and the link in one
  transaction — nothing is half-created when the call fails;
- a link with the same owner hash: only what changed is written (name, scopes, token state);
  the new refresh token replaces the stored one and the old one is revoked;
- links with another owner hash (the character was sold): their refresh tokens are revoked,
  the links archived with the token cleared (one write), and a fresh user is created for
  the new owner — never merged into the previous owner's user.

The refresh token goes to Odoo only (``eve.character.refresh_token``, readable by settings
administrators); the intermediary keeps no copy and never logs it.
"""
from __future__ import annotations

import datetime
import hashlib
import logging
from dataclasses import dataclass
from typing import Any, Callable, List, Optional

log = logging.getLogger("eve_intermediary")

CHAR_FIELDS = ["id", "character_id", "name", "owner_hash", "scopes", "token_state", "user_id", "active",
               "refresh_token"]


@dataclass
class LinkResult:
    action: str                 # "created", "updated", "unchanged", "relinked"
    character_rec_id: int
    user_id: int
    revoked_old_owner: int = 0  # links archived because the owner hash changed


def login_for(character_id: int, owner_hash: str) -> str:
    """The Odoo login of a (character, owner) pair: stable, unique, no personal data."""
    return "eve-%d-%s" % (character_id, hashlib.sha256(owner_hash.encode()).hexdigest()[:10])


def _m2o_id(v: Any) -> Optional[int]:
    if isinstance(v, (list, tuple)) and v:
        return int(v[0])
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    return None


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def find_links(odoo: Any, character_id: int) -> List[dict]:
    return list(odoo.search_read("eve.character", [("character_id", "=", character_id), ("active", "=", True)],
                                 CHAR_FIELDS))


def link_character(odoo: Any, character_id: int, name: str, owner_hash: str, scopes: List[str],
                   refresh_token: str, revoke: Callable[[str], None]) -> LinkResult:
    """Links the character (see the module docstring). ``revoke(refresh_token)`` revokes a
    token at the SSO (best effort: a failure is logged, the link still changes). Errors of the
    Odoo client propagate (the caller shows the "Odoo unavailable" page)."""
    links = find_links(odoo, character_id)
    same = [r for r in links if r.get("owner_hash") == owner_hash]
    stale = [r for r in links if r.get("owner_hash") != owner_hash]
    scope_str = " ".join(sorted(scopes))

    relinked = 0
    if stale:
        for r in stale:
            if r.get("refresh_token"):
                _revoke(revoke, r["refresh_token"], character_id, "owner changed")
        odoo.write("eve.character", [r["id"] for r in stale],
                   {"active": False, "token_state": "revoked", "refresh_token": False})
        relinked = len(stale)
        log.info("character %d changed owner: %d old link(s) archived, their tokens revoked", character_id, relinked)

    if same:
        r = same[0]
        vals = {}
        if r.get("name") != name:
            vals["name"] = name
        if (r.get("scopes") or "") != scope_str:
            vals["scopes"] = scope_str
        if r.get("token_state") != "valid":
            vals["token_state"] = "valid"
        old_token = r.get("refresh_token") or None
        if old_token != refresh_token:
            vals["refresh_token"] = refresh_token
        secret_only = set(vals) <= {"refresh_token"}
        if vals:
            vals["last_login"] = _now()
            odoo.write("eve.character", [r["id"]], vals)
        if old_token and old_token != refresh_token:
            _revoke(revoke, old_token, character_id, "replaced by a new login")
        user_id = _m2o_id(r.get("user_id"))
        if user_id is None:
            raise LookupError("eve.character %d has no user" % r["id"])
        action = "unchanged" if secret_only else "updated"
        log.info("character %d logged in again: link %d %s", character_id, r["id"], action)
        return LinkResult(action, r["id"], user_id, relinked)

    user_vals = {
        "name": name,
        "login": login_for(character_id, owner_hash),
        "eve_character_ids": [[0, 0, {"character_id": character_id, "name": name, "owner_hash": owner_hash,
                                      "scopes": scope_str, "token_state": "valid", "refresh_token": refresh_token,
                                      "last_login": _now(), "active": True}]],
    }
    user_id = int(odoo.create("res.users", user_vals))
    created = find_links(odoo, character_id)
    mine = [r for r in created if r.get("owner_hash") == owner_hash and _m2o_id(r.get("user_id")) == user_id]
    if not mine:
        raise LookupError("the new user %d has no eve.character line" % user_id)
    log.info("character %d linked to new Odoo user %d", character_id, user_id)
    return LinkResult("relinked" if relinked else "created", mine[0]["id"], user_id, relinked)


def describe_character(odoo: Any, character_id: int, owner_hash: str) -> Optional[dict]:
    """What Odoo knows about the character now (for the page after login): the link, its user
    and partner, and the number of imported lines. Never returns the refresh token."""
    for r in find_links(odoo, character_id):
        if r.get("owner_hash") != owner_hash:
            continue
        out = {k: v for k, v in r.items() if k != "refresh_token"}
        uid = _m2o_id(r.get("user_id"))
        users = odoo.read("res.users", [uid], ["login", "name", "partner_id"]) if uid else []
        out["user"] = users[0] if users else None
        out["assets"] = odoo.search_count("eve.asset", [("character_id", "=", r["id"])])
        out["blueprints"] = odoo.search_count("eve.blueprint", [("character_id", "=", r["id"])])
        out["wallet"] = odoo.search_count("eve.wallet.transaction", [("character_id", "=", r["id"])])
        return out
    return None


def _revoke(revoke: Callable[[str], None], token: str, character_id: int, why: str) -> None:
    try:
        revoke(token)
    except Exception as e:  # erplink errors carry no token in their message
        log.warning("character %d: revoking an old refresh token (%s) failed: %s", character_id, why,
                    type(e).__name__)
