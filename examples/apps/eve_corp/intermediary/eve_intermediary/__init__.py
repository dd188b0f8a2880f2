"""The EVE SSO intermediary of eve_corp: logs players in with EVE SSO and hands their character
to Odoo (see ../README.md).

Run::

    flask --app eve_intermediary run                       # development
    gunicorn -w 4 'eve_intermediary:create_app()'          # production (any number of workers)

The login in progress (state, and the PKCE verifier of a native application) is erplink's
exported login (``esi.Login.export()``, HMAC-tagged with a key derived from the client
secret) kept in Flask's signed session cookie: any worker can finish any login, nothing is
stored server-side. Configuration: environment variables, see :mod:`eve_intermediary.config`.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Dict, Optional, Tuple

from flask import Flask, redirect, render_template, request, session, url_for

from . import odoo_link
from .config import Config

log = logging.getLogger("eve_intermediary")

#: logins a browser may have in progress at once (several tabs); older ones are dropped
MAX_PENDING = 4
#: states of finished logins remembered to recognise a replayed callback
MAX_DONE = 8


class Services:
    """erplink's SSO client and the Odoo client, made once per worker process."""

    def __init__(self, cfg: Config) -> None:
        from erplink import Transport, esi, odoo

        transport = Transport(ca_file=cfg.ca_file) if cfg.ca_file else None
        self.sso = esi.SSO(cfg.client_id, client_secret=cfg.client_secret, redirect_uri=cfg.callback_url,
                           metadata_url=cfg.sso_metadata_url, user_agent=cfg.user_agent,
                           login_max_age_s=cfg.login_max_age_s, transport=transport, timeout=cfg.timeout_s)
        self.odoo = odoo.Client(cfg.odoo_url, cfg.odoo_db, login=cfg.odoo_login, password=cfg.odoo_password,
                                api_key=cfg.odoo_api_key, protocol=cfg.odoo_protocol, timeout=cfg.timeout_s,
                                transport=transport)


def _category(e: BaseException) -> str:
    return getattr(e, "category", "") or type(e).__name__


def _is_transport(e: BaseException) -> bool:
    return _category(e) in ("network", "timeout", "tls", "server", "http", "protocol", "rate_limited")


def create_app(config: Optional[Dict[str, Any]] = None, services: Optional[Services] = None) -> Flask:
    """The Flask application. ``config``: overrides of the environment (tests)."""
    cfg = Config.from_env(config)
    app = Flask(__name__)
    app.config.update(SECRET_KEY=cfg.secret_key, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=cfg.callback_url.startswith("https://"))
    state: Dict[str, Any] = {"services": services}

    def svc() -> Services:
        if state["services"] is None:
            state["services"] = Services(cfg)
        return state["services"]

    app.extensions["eve_services"] = svc

    def fail(template: str, status: int, log_line: str, **kw: Any) -> Tuple[str, int]:
        log.warning("%s", log_line)
        return render_template(template, **kw), status

    @app.get("/")
    def index() -> Any:
        return render_template("index.html", character=session.get("character"), scopes=cfg.scopes)

    @app.get("/login")
    def login() -> Any:
        try:
            lg = svc().sso.begin_login(cfg.scopes)
        except Exception as e:
            if _is_transport(e):
                return fail("error.html", 502, "login: EVE SSO unreachable (%s)" % _category(e),
                            title="EVE SSO is unavailable",
                            message="The EVE login service did not answer. Please try again in a few minutes.")
            raise
        pending = dict(session.get("pending") or {})
        pending[lg.state] = {"login": lg.export(), "at": int(time.time())}
        while len(pending) > MAX_PENDING:
            pending.pop(min(pending, key=lambda k: pending[k]["at"]))
        session["pending"] = pending
        log.info("login started")
        url = lg.url
        lg.close()
        return redirect(url, code=302)

    @app.get("/callback")
    def callback() -> Any:
        st = request.args.get("state", "")
        code = request.args.get("code", "")
        err = request.args.get("error", "")
        pending = dict(session.get("pending") or {})
        done = list(session.get("done") or [])
        entry = pending.pop(st, None) if st else None
        if entry is not None:
            session["pending"] = pending  # one use only, whatever happens next
        if err:
            return fail("error.html", 400, "callback: the player refused the login (%s)" % err[:40],
                        title="Login cancelled",
                        message="You did not authorise this application on the EVE login page. Nothing was "
                                "changed. You can try again whenever you like.", retry=True)
        if not st or not code:
            return fail("error.html", 400, "callback: state or code missing", title="Incomplete login",
                        message="The login answer was incomplete. Please start again.", retry=True)
        if entry is None:
            if st in done:
                return fail("error.html", 409, "callback: replayed (login already finished)",
                            title="This login was already used",
                            message="This login link has already been used. You are logged in; there is nothing "
                                    "more to do.", retry=False)
            return fail("error.html", 400, "callback: unknown or expired state", title="Login expired",
                        message="This login is unknown or has expired (for example, it was started too long ago "
                                "or in another browser). Please start again.", retry=True)
        s = svc()
        try:
            lg = s.sso.import_login(entry["login"])
            tokens = s.sso.exchange(code, st, lg)
        except Exception as e:
            msg = str(e).lower()
            if _category(e) == "auth" and "expired" in msg and "login" in msg:
                return fail("error.html", 400, "callback: login expired (older than the maximum age)",
                            title="Login expired", message="The login took too long. Please start again.",
                            retry=True)
            if _category(e) == "auth":
                # invalid_grant: the code was already redeemed (a replayed callback) or has expired
                return fail("error.html", 409, "callback: the SSO refused the authorization code (%s)" % _category(e),
                            title="This login link is no longer valid",
                            message="This login answer was already used or has expired. Please start again.",
                            retry=True)
            if _is_transport(e):
                return fail("error.html", 502, "callback: EVE SSO unreachable (%s)" % _category(e),
                            title="EVE SSO is unavailable",
                            message="The EVE login service did not answer. Nothing was changed; please try again "
                                    "in a few minutes.", retry=True)
            return fail("error.html", 400, "callback: login failed (%s)" % _category(e), title="Login failed",
                        message="The login could not be completed. Please start again.", retry=True)
        try:
            claims = s.sso.verify(tokens.access_token)
        except Exception as e:
            _revoke_quietly(s, tokens.refresh_token)
            if _is_transport(e):
                return fail("error.html", 502, "callback: JWKS unreachable (%s)" % _category(e),
                            title="EVE SSO is unavailable", message="Please try again in a few minutes.", retry=True)
            return fail("error.html", 400, "callback: access token rejected (%s)" % _category(e),
                        title="Login rejected", message="EVE's answer could not be verified. Please start again.",
                        retry=True)
        scopes = list(claims.scopes)
        try:
            res = odoo_link.link_character(s.odoo, claims.character_id, claims.name, claims.owner, scopes,
                                           tokens.refresh_token, revoke=s.sso.revoke)
        except Exception as e:
            # Odoo holds no half-created user (one create); the fresh token is revoked so that no
            # valid credential exists that Odoo does not know about.
            _revoke_quietly(s, tokens.refresh_token)
            return fail("error.html", 503, "callback: Odoo unavailable for character %d (%s: %s)"
                        % (claims.character_id, _category(e), type(e).__name__),
                        title="The corporation's Odoo is unavailable",
                        message="Your EVE login worked, but the corporation's Odoo could not be reached, so nothing "
                                "was recorded. Please try again later.", retry=True)
        done.append(st)
        session["done"] = done[-MAX_DONE:]
        session["character"] = {"id": claims.character_id, "name": claims.name, "owner": claims.owner,
                                "scopes": scopes, "action": res.action}
        log.info("callback: character %d %s (Odoo user %d)", claims.character_id, res.action, res.user_id)
        return redirect(url_for("me"), code=303)

    @app.get("/me")
    def me() -> Any:
        ch = session.get("character")
        if not ch:
            return redirect(url_for("index"))
        try:
            known = odoo_link.describe_character(svc().odoo, int(ch["id"]), ch["owner"])
        except Exception as e:
            return fail("error.html", 503, "me: Odoo unavailable (%s)" % _category(e),
                        title="The corporation's Odoo is unavailable",
                        message="Your character is logged in, but Odoo cannot be read right now.", retry=False)
        return render_template("me.html", character=ch, known=known)

    @app.post("/logout")
    def logout() -> Any:
        session.clear()
        return redirect(url_for("index"), code=303)

    return app


def _revoke_quietly(s: Services, token: str) -> None:
    try:
        s.sso.revoke(token)
    except Exception as e:
        log.warning("revoking the unused refresh token failed (%s)", _category(e))
